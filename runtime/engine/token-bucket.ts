// CPS limits as token buckets, many per set (one slot per customer, route, carrier or gateway),
// held in typed arrays and refilled lazily from a monotonic clock: no timers, no allocation per
// call.
//
// A bucket with rate r (calls per second) and spike buffer b holds at most b tokens, starts full,
// and gains r tokens per second. A call takes one token or is refused. So a quiet customer with
// cps 10 and cpsBurst 25 may place 25 calls at once, then 10 per second; with no burst given the
// buffer is one second of calls (b = r), which is what "cps: 10" means to most operators.

/** Milliseconds from a monotonic clock (never jumps with wall-clock changes). */
export function monotonicMs(): number {
  return performance.now();
}

export class TokenBucketSet {
  // Kept as the generic cell rate algorithm, the exact equivalent of a token bucket: per slot the
  // theoretical arrival time (TAT) of the next call at the steady rate. A call is admitted if it
  // is no earlier than TAT - tau, with tau = (burst - 1) / rate, and then moves TAT one interval
  // on. One number per slot, no accumulating fractions of tokens.
  private readonly tat: Float64Array;
  /** Milliseconds per call at the steady rate; 0 = no limit on this slot. */
  private readonly interval: Float64Array;
  /** How far ahead of the steady rate calls may run: (burst - 1) intervals. */
  private readonly tau: Float64Array;
  private readonly burst: Float64Array;

  constructor(readonly size: number) {
    this.tat = new Float64Array(size);
    this.interval = new Float64Array(size);
    this.tau = new Float64Array(size);
    this.burst = new Float64Array(size);
  }

  /**
   * Sets slot `i` to `cps` calls per second with a spike buffer of `burst` calls (default: one
   * second's worth, at least 1). `cps` 0 or absent removes the limit. The bucket starts full.
   */
  configure(i: number, cps: number | undefined, burst?: number, now = monotonicMs()): void {
    if (!cps || cps <= 0) {
      this.interval[i] = 0;
      this.tau[i] = 0;
      this.burst[i] = 0;
      return;
    }
    const cap = Math.max(1, Math.floor(burst ?? cps));
    const interval = 1000 / cps;
    this.interval[i] = interval;
    this.tau[i] = (cap - 1) * interval;
    this.burst[i] = cap;
    this.tat[i] = now;
  }

  /** Whether slot `i` is limited at all. */
  limited(i: number): boolean {
    return this.interval[i]! > 0;
  }

  /** Calls slot `i` would admit at once at `now` (for metrics and explain traces). */
  available(i: number, now = monotonicMs()): number {
    const interval = this.interval[i]!;
    if (interval === 0) return Infinity;
    const ahead = this.tat[i]! - now;
    if (ahead <= 0) return this.burst[i]!;
    const n = Math.floor((this.tau[i]! - ahead) / interval) + 1;
    return n > 0 ? n : 0;
  }

  /** Admits one call on slot `i` if the bucket has room. An unlimited slot always admits. */
  take(i: number, now = monotonicMs()): boolean {
    const interval = this.interval[i]!;
    if (interval === 0) return true;
    const tat = this.tat[i]!;
    if (tat - now > this.tau[i]!) return false;
    this.tat[i] = (tat > now ? tat : now) + interval;
    return true;
  }

  /**
   * Admits one call on each listed slot only if every one of them has room (customer, route,
   * carrier and gateway limits together): a call refused by the gateway must not use up the
   * customer's allowance. Returns the position in `slots` of the first refusing slot, or -1.
   */
  takeAll(slots: ArrayLike<number>, now = monotonicMs()): number {
    const n = slots.length;
    for (let k = 0; k < n; k++) {
      const i = slots[k]!;
      if (this.interval[i] !== 0 && this.tat[i]! - now > this.tau[i]!) return k;
    }
    for (let k = 0; k < n; k++) this.take(slots[k]!, now);
    return -1;
  }

  /** Gives back the room taken for a call that was then not placed (never above the buffer). */
  refund(i: number, now = monotonicMs()): void {
    const interval = this.interval[i]!;
    if (interval === 0) return;
    const tat = this.tat[i]! - interval;
    this.tat[i] = tat > now ? tat : now;
  }
}
