// Profit assurance, exactly: a carrier is kept only if no call of any length it could carry loses
// money. Per-minute rates alone hide losses: a carrier billing 60/60 at 0.010 sold 1/1 at 0.012
// costs 0.010 for a 1-second call that earns 0.0002.
//
// For a call of t whole seconds (1 ≤ t ≤ max duration) under billing initial/increment (i/k):
//   billed(t) = i                         when t ≤ i
//             = i + ⌈(t − i) / k⌉ · k     otherwise
//   charge(t) = connectFee + rate · billed(t) / 60
// The carrier is kept iff sell(t) ≥ cost(t) for every t. Both sides are compared multiplied by 60
// so the comparison is on integers: 60·fee + rate·billed(t).

export interface Tariff {
  /** Per-minute rate, micro-units. */
  rate: number;
  /** Per-call connection fee, micro-units. */
  connectFee: number;
  initial: number;
  increment: number;
}

export function billedSeconds(t: number, initial: number, increment: number): number {
  if (t <= initial) return initial;
  const k = Math.max(1, increment);
  return initial + Math.ceil((t - initial) / k) * k;
}

function charge60(x: Tariff, t: number): number | bigint {
  const b = billedSeconds(t, x.initial, x.increment);
  const v = 60 * x.connectFee + x.rate * b;
  if (Number.isSafeInteger(v) && Math.abs(x.rate * b) <= Number.MAX_SAFE_INTEGER) return v;
  return 60n * BigInt(x.connectFee) + BigInt(x.rate) * BigInt(b);
}

function atLeast(sell: Tariff, cost: Tariff, t: number): boolean {
  const s = charge60(sell, t);
  const c = charge60(cost, t);
  return typeof s === 'number' && typeof c === 'number' ? s >= c : BigInt(s) >= BigInt(c);
}

const billing = new Map<string, boolean>();
// The last question and answer: a table asks about the same few billing pairs millions of times.
let lastIs = -1, lastKs = -1, lastIc = -1, lastKc = -1, lastD = -1, lastYes = false;

/** Sell at least the cost in rate and connection fee (and the cost rate not negative). */
function dominates(sell: Tariff, cost: Tariff): boolean {
  return cost.rate >= 0 && sell.rate >= cost.rate && sell.connectFee >= cost.connectFee;
}

/**
 * Whether billing (is/ks) bills at least as many seconds as (ic/kc) for every call of 1..D s.
 * Callers that ask per cost row can keep the answer (`neverLoses`' billsMore).
 */
export function billsAtLeast(is: number, ks: number, ic: number, kc: number, D: number): boolean {
  if (is === lastIs && ks === lastKs && ic === lastIc && kc === lastKc && D === lastD) return lastYes;
  const key = `${is}/${ks}/${ic}/${kc}/${D}`;
  let yes = billing.get(key);
  if (yes === undefined) {
    yes = true;
    for (let t = 1; t <= D && yes; t++) yes = billedSeconds(t, is, ks) >= billedSeconds(t, ic, kc);
    if (billing.size > 10_000) billing.clear();
    billing.set(key, yes);
  }
  lastIs = is; lastKs = ks; lastIc = ic; lastKc = kc; lastD = D; lastYes = yes;
  return yes;
}

function gcd(a: number, b: number): number {
  while (b) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/** sell(t) ≥ cost(t) (both ×60); `exact`: every charge is a safe integer, so plain doubles do. */
function holds(sell: Tariff, cost: Tariff, t: number, ks: number, kc: number, exact: boolean): boolean {
  if (!exact) return atLeast(sell, cost, t);
  return 60 * sell.connectFee + sell.rate * billedSeconds(t, sell.initial, ks) >= 60 * cost.connectFee + cost.rate * billedSeconds(t, cost.initial, kc);
}

/**
 * Whether selling at `sell` never loses against buying at `cost` for calls of 1..maxDuration s.
 *
 * Only the first second after each cost step can be a minimum of sell − cost (between steps the
 * cost is flat and the sell charge only grows), and past T0 = max(initials) both sides repeat with
 * period L = lcm(increments) plus a drift of (sellRate − costRate)·L. So the steps in (0, T0 + L]
 * decide when the sell rate is at least the cost rate, and the steps in (D − L, D] are added when
 * it is lower. test/reference checks every second instead; a property test holds them equal.
 * `billsMore`, when given, is billsAtLeast(sell billing, cost billing, maxDuration).
 */
export function neverLoses(sell: Tariff, cost: Tariff, maxDuration: number, billsMore?: boolean): boolean {
  const D = Math.floor(maxDuration);
  if (D < 1) return true;
  // The common case, decided without looking at single seconds: a sell that is at least the cost
  // in rate and connection fee, on billing that never bills fewer seconds, never loses.
  if (dominates(sell, cost) && (billsMore ?? billsAtLeast(sell.initial, sell.increment, cost.initial, cost.increment, D))) return true;
  if (sell.rate < 0 || cost.rate < 0) {
    for (let t = 1; t <= D; t++) if (!atLeast(sell, cost, t)) return false;
    return true;
  }
  const ic = cost.initial;
  const kc = Math.max(1, cost.increment);
  const ks = Math.max(1, sell.increment);
  const T0 = Math.max(sell.initial, ic);
  const L = (ks / gcd(ks, kc)) * kc;
  // Every charge below stays an exact double when the largest one does: then compare numbers
  // directly, else through atLeast (BigInt where needed).
  const longest = D + T0 + ks + kc;
  const exact = Math.max(sell.rate, cost.rate) * longest + 60 * Math.max(Math.abs(sell.connectFee), Math.abs(cost.connectFee)) <= Number.MAX_SAFE_INTEGER;
  const hi = Math.min(D, T0 + L);
  // A lower sell rate loses, if at all, most surely on the longest calls: check those first (the
  // order of the checks cannot change the answer, only how soon a loser is found).
  if (sell.rate < cost.rate && D > hi) {
    const lo = Math.max(hi, D - L); // check steps t with lo < t ≤ D
    let t = ic + 1 + Math.max(0, Math.ceil((lo + 1 - (ic + 1)) / kc)) * kc;
    for (; t <= D; t += kc) if (!holds(sell, cost, t, ks, kc, exact)) return false;
  }
  if (!holds(sell, cost, 1, ks, kc, exact)) return false;
  for (let t = ic + 1; t <= hi; t += kc) if (!holds(sell, cost, t, ks, kc, exact)) return false;
  return true;
}
