// Exact integer money arithmetic for flattening. Every amount is an integer number of micro-units;
// the only divisions (currency conversion, percent markup, average) round half away from zero,
// once, on the exact rational result: 2.5 → 3, −2.5 → −3, 2.4999… → 2.
// Products that could leave the safe-integer range are computed with BigInt.

const SAFE = Number.MAX_SAFE_INTEGER;

/** round(n / d) half away from zero, for safe integers n and d > 0. */
export function divRound(n: number, d: number): number {
  if (!(d > 0) || !Number.isSafeInteger(d) || !Number.isSafeInteger(n)) throw new RangeError(`divRound(${n}, ${d}) needs safe integers and d > 0`);
  const a = Math.abs(n);
  let q = Math.floor(a / d);
  let r = a - q * d;
  // a / d in floating point can be off by one for large a: settle the remainder exactly.
  while (r < 0) { q--; r += d; }
  while (r >= d) { q++; r -= d; }
  if (2 * r >= d) q++;
  return n < 0 ? -q : q;
}

/** round(a × b / d) half away from zero, exactly. */
export function mulDivRound(a: number, b: number, d: number): number {
  if (Math.abs(a) * Math.abs(b) <= SAFE) return divRound(a * b, d);
  const n = BigInt(a) * BigInt(b);
  const D = BigInt(d);
  const neg = n < 0n;
  const m = neg ? -n : n;
  let q = m / D;
  if (2n * (m % D) >= D) q++;
  const out = Number(neg ? -q : q);
  if (!Number.isSafeInteger(out)) throw new RangeError(`${a} × ${b} / ${d} leaves the exact integer range`);
  return out;
}

/** Mean of integer amounts, rounded half away from zero to the micro-unit. */
export function averageRound(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  if (!Number.isSafeInteger(sum)) throw new RangeError('sum of amounts leaves the exact integer range');
  return divRound(sum, values.length);
}

/** A micro-percent of an amount: 12.5 % (12_500_000) of 10_000 → 1_250. */
export function percentOf(amount: number, microPercent: number): number {
  return mulDivRound(amount, microPercent, 100_000_000);
}

/**
 * Currency conversion through the network's FX table, where `fxFrom` / `fxTo` are
 * network-currency micro-units per one unit of each currency (1_000_000 for the network
 * currency itself): amount × fxFrom / fxTo, rounded once.
 */
export function convert(amount: number, fxFrom: number, fxTo: number): number {
  if (fxFrom === fxTo) return amount;
  return mulDivRound(amount, fxFrom, fxTo);
}
