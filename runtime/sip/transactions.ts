// A bounded memory of answered INVITE transactions, so a retransmitted INVITE gets the very bytes
// it got the first time (even when the decision was random) and a CANCEL can be matched.
//
// Entries live in generations instead of carrying timers: new entries go into the newest map;
// every `ttlMs / (generations - 1)` the oldest map is dropped and a fresh one becomes the newest.
// An entry therefore lives between ttlMs and ttlMs · generations / (generations - 1) — at least
// as long as the client may retransmit (Timer B / H / J are 64·T1 = 32 s). Rotation is checked on
// access against the clock; nothing runs in the background. When the newest map is full the
// rotation happens early, so memory stays bounded under any load and the lifetime shrinks
// instead (counted in `earlyRotations`).
import { crc32Update } from '../engine/crc32.js';

export interface TransactionCacheOptions {
  /** Minimum lifetime of an entry (default 32 s, Timer H / J). */
  ttlMs?: number;
  /** Upper bound on entries held (default 200,000). */
  maxEntries?: number;
  /** Number of generations (default 4). */
  generations?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
}

export class TransactionCache<V> {
  private readonly gens: Map<number, V>[];
  private newest = 0;
  private readonly span: number;
  private readonly perGen: number;
  private started: number;
  private readonly now: () => number;
  earlyRotations = 0;

  constructor(opts: TransactionCacheOptions = {}) {
    const generations = Math.max(2, opts.generations ?? 4);
    const ttl = opts.ttlMs ?? 32_000;
    const max = opts.maxEntries ?? 200_000;
    this.gens = Array.from({ length: generations }, () => new Map<number, V>());
    this.span = ttl / (generations - 1);
    this.perGen = Math.max(1, Math.ceil(max / generations));
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
  }

  private rotate(): void {
    const g = this.gens.length;
    this.newest = (this.newest + 1) % g;
    this.gens[this.newest] = new Map();
  }

  private tick(): void {
    const t = this.now();
    const due = Math.floor((t - this.started) / this.span);
    if (due <= 0) return;
    const n = Math.min(due, this.gens.length);
    for (let k = 0; k < n; k++) this.rotate();
    this.started += due * this.span;
  }

  get(key: number): V | undefined {
    this.tick();
    const g = this.gens.length;
    for (let k = 0; k < g; k++) {
      const v = this.gens[(this.newest - k + g) % g]!.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  set(key: number, value: V): void {
    this.tick();
    let cur = this.gens[this.newest]!;
    if (cur.size >= this.perGen) {
      this.rotate();
      this.earlyRotations++;
      cur = this.gens[this.newest]!;
    }
    cur.set(key, value);
  }

  /** Entries currently held (some may be older than ttl but not yet rotated out). */
  get size(): number {
    let n = 0;
    for (const m of this.gens) n += m.size;
    return n;
  }
}

/**
 * The key of an INVITE transaction (RFC 3261 §17.2.3): a 53-bit number from the request hash
 * (top branch and Call-ID, see `requestHash`), the top Via sent-by and the CSeq number, so that
 * pre-RFC 3261 clients without a magic-cookie branch are told apart too. A CANCEL carries the same
 * values, so it finds the INVITE it cancels. A number keeps the lookup cheap; the caller confirms a
 * hit by comparing the stored identity, so a hash collision is a miss, never a wrong answer.
 */
export function transactionKey(requestHash: number, viaHost: string, viaPort: number, cseq: number): number {
  let b = crc32Update(requestHash, viaHost);
  b = (b ^ Math.imul(cseq | 0, 0x9e3779b1) ^ Math.imul(viaPort, 0x85ebca6b)) >>> 0;
  return (requestHash >>> 0) * 2097152 + (b >>> 11);
}
