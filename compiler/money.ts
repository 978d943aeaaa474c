// Exact money: decimal text in, integer micro-units (1e-6 of the currency) out. A value that
// cannot be held exactly is an error, never a silent rounding; JS numbers hold integers exactly up
// to 2^53, i.e. 9,007,199,254 currency units — far beyond any per-minute rate.

export const MICROS_PER_UNIT = 1_000_000;
export const MONEY_DECIMALS = 6;
const MAX_MICROS = Number.MAX_SAFE_INTEGER;

export type MoneyParse = { ok: true; micros: number } | { ok: false; reason: string };

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses decimal text ("0.0125", "12", "-0.5") into micro-units. */
export function parseMoney(text: string): MoneyParse {
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a decimal` };
  const [, sign, whole, fraction = ''] = m;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > MONEY_DECIMALS) {
    return { ok: false, reason: `"${text}" has more than ${MONEY_DECIMALS} decimal places and cannot be held exactly` };
  }
  const micros = Number(whole) * MICROS_PER_UNIT + Number(significant.padEnd(MONEY_DECIMALS, '0'));
  if (!Number.isSafeInteger(micros) || micros > MAX_MICROS) {
    return { ok: false, reason: `"${text}" is too large` };
  }
  return { ok: true, micros: sign && micros !== 0 ? -micros : micros };
}

/**
 * A number written without quotes. `sourceText` is the literal as typed when the loader knows it;
 * otherwise the shortest round-trip form of the float, which is what the operator wrote for any
 * literal (0.1 prints as "0.1") but exposes computed values (0.1 + 0.2 prints 17 digits).
 */
export function parseMoneyValue(value: string | number, sourceText?: string): MoneyParse {
  if (typeof value === 'string') return parseMoney(value.trim());
  if (!Number.isFinite(value)) return { ok: false, reason: `${value} is not a finite amount` };
  const text = sourceText ?? String(value);
  if (/e/i.test(text)) {
    const fixed = expandExponent(text);
    return fixed === undefined ? { ok: false, reason: `"${text}" cannot be held exactly` } : parseMoney(fixed);
  }
  return parseMoney(text.replace(/^\+/, ''));
}

/** "1.5e-3" → "0.0015"; undefined for forms it does not understand. */
function expandExponent(text: string): string | undefined {
  const m = /^(-)?(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole, frac = '', expText] = m;
  const exp = Number(expText);
  if (Math.abs(exp) > 40) return undefined;
  let digits = whole! + frac;
  let point = whole!.length + exp;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits.padEnd(point, '0');
  }
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point);
  return `${sign}${int}${rest ? '.' + rest : ''}`;
}

/** Micro-units back to canonical decimal text: 12500 → "0.0125". */
export function formatMoney(micros: number): string {
  const negative = micros < 0;
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  const frac = String(abs % MICROS_PER_UNIT).padStart(MONEY_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}
