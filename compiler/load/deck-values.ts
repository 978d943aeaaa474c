// The values a deck row is made of, as text: prefixes, money, billing seconds, destination types
// and effective dates. Shared by the row checker (deck-csv.ts), the byte-level CSV scanner
// (deck-csv-bytes.ts) and the Interconnect-Made-Easy loader, so a value means the same in each.
import { parseMoney, parseMoneyValue, type MoneyParse } from '../money.js';
import { DESTINATION_TYPES } from '../model/deck.js';

/** The longest prefix a deck row may have (E.164 numbers are at most 15 digits; tech routes add some). */
export const MAX_PREFIX_DIGITS = 20;
export const MAX_BILLING_SECONDS = 3600;

/**
 * Destination types as carriers write them, after lower-casing and turning blanks and '_' into
 * '-' ("Toll Free", "TOLL_FREE" → "toll-free"). libphonenumber's type names are covered too
 * (FIXED_LINE, PREMIUM_RATE, PERSONAL_NUMBER, UAN, VOICEMAIL).
 */
const TYPE_ALIASES: Readonly<Record<string, (typeof DESTINATION_TYPES)[number]>> = {
  fixed: 'fixed', landline: 'fixed', 'land-line': 'fixed', 'fixed-line': 'fixed', fixedline: 'fixed', geographic: 'fixed', geo: 'fixed', pstn: 'fixed',
  mobile: 'mobile', cellular: 'mobile', cell: 'mobile', cellphone: 'mobile', wireless: 'mobile', gsm: 'mobile',
  premium: 'premium', 'premium-rate': 'premium', prs: 'premium',
  'toll-free': 'toll-free', tollfree: 'toll-free', freephone: 'toll-free', 'free-phone': 'toll-free',
  'shared-cost': 'shared-cost', sharedcost: 'shared-cost', shared: 'shared-cost',
  voip: 'voip', nomadic: 'voip',
  personal: 'personal', 'personal-number': 'personal',
  pager: 'pager', paging: 'pager',
  satellite: 'satellite', sat: 'satellite', gmss: 'satellite',
  special: 'special', 'special-services': 'special', uan: 'special', voicemail: 'special',
  other: 'other', unknown: 'other',
};
const TYPE_INDEX: ReadonlyMap<string, number> = new Map(
  Object.entries(TYPE_ALIASES).map(([alias, type]) => [alias, DESTINATION_TYPES.indexOf(type)]),
);

/** "Toll Free" → index of 'toll-free'; undefined when unknown. */
export function destinationTypeIndex(text: string): number | undefined {
  return TYPE_INDEX.get(text.trim().toLowerCase().replace(/[\s_]+/g, '-'));
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An effective date as epoch milliseconds UTC, or undefined when it is not a real date.
 * "2024-06-01" is midnight UTC; "2024-06-01T08:00:00+02:00" honours its offset; a date-time with no
 * offset ("2024-06-01 08:00") is read as UTC — the deck has no time zone of its own.
 */
export function parseEffectiveDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // 1970 at the earliest: "0000-00-00" is how some exports write "no date", and it is not one.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.slice(0, 3).padEnd(3, '0')));
  if (zone.toUpperCase() === 'Z') return ms;
  const z = zone.slice(1).replace(':', ''); // "+05:30" → "0530", "+05" → "05"
  const oh = Number(z.slice(0, 2));
  const om = z.length > 2 ? Number(z.slice(2)) : 0;
  if (oh > 23 || om > 59) return undefined;
  return ms - (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The common case of parseMoney without regular expressions: up to 9 integer digits, an optional
 * point and up to 6 decimals ("0.0125" → 12500). -1 for anything else, which goes to parseMoney.
 */
export function plainMicros(text: string): number {
  const n = text.length;
  let whole = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57 || i >= 9) return -1;
    whole = whole * 10 + (c - 48);
  }
  if (i === 0) return -1;
  if (i === n) return whole * 1_000_000;
  const decimals = n - i - 1;
  if (decimals < 1 || decimals > 6) return -1;
  let frac = 0;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return -1;
    frac = frac * 10 + (c - 48);
  }
  return whole * 1_000_000 + frac * 10 ** (6 - decimals);
}

/** "60" → 60; 0 for anything but 1-4 digits. */
export function wholeSeconds(text: string): number {
  const n = text.length;
  if (n < 1 || n > 4) return 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** 1-20 digits after an optional '+', or undefined. */
export function normalizePrefix(text: string, minDigits = 1): string | undefined {
  const digits = text.charCodeAt(0) === 43 /* + */ ? text.slice(1) : text;
  const n = digits.length;
  if (n < minDigits || n > MAX_PREFIX_DIGITS) return undefined;
  for (let i = 0; i < n; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return digits;
}

/** Why a prefix was refused, with a hint for the usual spreadsheet damage. */
export function prefixProblem(text: string, minDigits: number, noun = 'prefix'): string {
  const digits = text.replace(/^\+/, '');
  const max = MAX_PREFIX_DIGITS;
  if (text === '') return 'is empty';
  if (/^\d+(\.\d+)?e\+?\d+$/i.test(digits)) return `"${text}" is not a ${noun}: a spreadsheet wrote it in scientific notation (format the column as text)`;
  if (/^\d+\.0+$/.test(digits)) return `"${text}" is not a ${noun}: a spreadsheet wrote it as a decimal number (format the column as text)`;
  if (/^\d+$/.test(digits)) return `"${text}" has ${digits.length} digit${digits.length === 1 ? '' : 's'}; a ${noun} has ${minDigits} to ${max}`;
  return `"${text}" is not a ${noun} (${minDigits} to ${max} digits, optionally after '+')`;
}

/**
 * A deck's money cell after plainMicros() refused it: ".0125" is how spreadsheets write 0.0125,
 * "1.2e-2" how JSON writers may write it.
 */
export function parseDeckMoney(text: string): MoneyParse {
  return /e/i.test(text) && Number.isFinite(Number(text)) ? parseMoneyValue(Number(text), text)
    : parseMoney(text.charCodeAt(0) === 46 /* . */ ? '0' + text : text);
}
