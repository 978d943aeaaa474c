// A bounded memory of answered INVITE transactions, so a retransmitted INVITE gets the very bytes
// it got the first time (even when the decision was random) and a CANCEL can be matched.
//
// Nothing in it is a JavaScript object per entry: each generation is one byte segment (the
// transaction's identity, then the response bytes, appended) and one open-addressing hash table in
// typed arrays. At 20,000 calls/s a Map of objects and Buffers held for 30 s kept the garbage
// collector busy moving and marking them; this keeps the heap flat.
//
// Entries live in generations instead of carrying timers: new entries go into the newest
// generation; every `ttlMs / (generations - 1)` the oldest is cleared and becomes the newest. An
// entry therefore lives between ttlMs and ttlMs · generations / (generations - 1) — at least as
// long as the client may retransmit (Timer B / H / J are 64·T1 = 32 s). Rotation is checked on
// access against the clock; nothing runs in the background. When the newest generation is full
// (entries or bytes) the rotation happens early, so memory stays bounded under any load and the
// lifetime shrinks instead (counted in `earlyRotations`).
//
// A hit is confirmed by comparing the whole stored identity (branch, Call-ID, sent-by, CSeq), so a
// hash collision is a miss, never a wrong answer. The Buffer a lookup returns is a view into a
// segment: its bytes stay as they are until that generation is cleared (at the earliest after
// `ttlMs / (generations - 1)`, or when the generations after it have filled up under overload).
import { crc32Update } from '../engine/crc32.js';

export interface TransactionStoreOptions {
  /** Minimum lifetime of an entry (default 32 s, Timer H / J). */
  ttlMs?: number;
  /** Upper bound on entries held (default 200,000). */
  maxEntries?: number;
  /** Upper bound on bytes held, identities and responses (default 128 MiB). */
  maxBytes?: number;
  /** Number of generations (default 4). */
  generations?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
}

/** What tells an INVITE server transaction apart (RFC 3261 §17.2.3); a CANCEL carries the same. */
export interface TransactionIdentity {
  readonly branch: string;
  readonly callId: string;
  readonly viaHost: string;
  readonly viaPort: number;
  readonly cseq: number;
}

const MAX_FIELD = 0xffff;

/** One generation: a byte segment and a hash table over it; allocated on first use, then reused. */
class Generation {
  /** Record offset + 1 per slot; 0 is an empty slot. */
  readonly at: Int32Array;
  readonly hash: Int32Array;
  readonly cseq: Uint32Array;
  /** Response length per slot. */
  readonly length: Int32Array;
  /** Per slot: Via port, branch, Call-ID and Via host lengths. */
  readonly meta: Uint16Array;
  readonly mask: number;
  readonly bytes: Buffer;
  used = 0;
  count = 0;

  constructor(slots: number, segmentBytes: number) {
    this.at = new Int32Array(slots);
    this.hash = new Int32Array(slots);
    this.cseq = new Uint32Array(slots);
    this.length = new Int32Array(slots);
    this.meta = new Uint16Array(slots * 4);
    this.mask = slots - 1;
    this.bytes = Buffer.allocUnsafeSlow(segmentBytes);
  }

  clear(): void {
    if (this.count > 0) this.at.fill(0);
    this.used = 0;
    this.count = 0;
  }
}

/** `bytes[at, at + s.length)` holds s (latin1). */
function holds(bytes: Buffer, at: number, s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

export class TransactionStore {
  private readonly gens: (Generation | undefined)[];
  private newest = 0;
  private readonly span: number;
  private readonly perGen: number;
  private readonly slots: number;
  private readonly segmentBytes: number;
  private started: number;
  private readonly now: () => number;
  earlyRotations = 0;

  constructor(opts: TransactionStoreOptions = {}) {
    const generations = Math.max(2, opts.generations ?? 4);
    const ttl = opts.ttlMs ?? 32_000;
    const max = opts.maxEntries ?? 200_000;
    const maxBytes = opts.maxBytes ?? 128 * 1024 * 1024;
    this.gens = new Array<Generation | undefined>(generations).fill(undefined);
    this.span = ttl / (generations - 1);
    this.perGen = Math.max(1, Math.ceil(max / generations));
    // Load factor at most 2/3: probes stay short.
    let slots = 4;
    while (slots < this.perGen * 1.5) slots *= 2;
    this.slots = slots;
    this.segmentBytes = Math.max(4096, Math.floor(maxBytes / generations));
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
  }

  private rotate(): void {
    this.newest = (this.newest + 1) % this.gens.length;
    this.gens[this.newest]?.clear();
  }

  private tick(): void {
    const t = this.now();
    const due = Math.floor((t - this.started) / this.span);
    if (due <= 0) return;
    const n = Math.min(due, this.gens.length);
    for (let k = 0; k < n; k++) this.rotate();
    this.started += due * this.span;
  }

  /** The response stored for this transaction (`hash` from `transactionHash`), or undefined. */
  get(hash: number, id: TransactionIdentity): Buffer | undefined {
    this.tick();
    const g = this.gens.length;
    const h = hash | 0;
    for (let k = 0; k < g; k++) {
      const gen = this.gens[(this.newest - k + g) % g];
      if (gen === undefined || gen.count === 0) continue;
      const { at, mask, meta, bytes } = gen;
      for (let s = h & mask; at[s] !== 0; s = (s + 1) & mask) {
        if (gen.hash[s] !== h || gen.cseq[s] !== id.cseq || meta[s * 4] !== id.viaPort) continue;
        const bl = meta[s * 4 + 1]!, cl = meta[s * 4 + 2]!, hl = meta[s * 4 + 3]!;
        if (bl !== id.branch.length || cl !== id.callId.length || hl !== id.viaHost.length) continue;
        const r = at[s]! - 1;
        if (holds(bytes, r, id.branch) && holds(bytes, r + bl, id.callId) && holds(bytes, r + bl + cl, id.viaHost)) {
          const start = r + bl + cl + hl;
          return bytes.subarray(start, start + gen.length[s]!);
        }
      }
    }
    return undefined;
  }

  /**
   * Stores `response` (latin1 text) for this transaction and returns its bytes — or undefined when
   * it cannot be kept (larger than a generation's segment); the caller then sends a copy.
   */
  set(hash: number, id: TransactionIdentity, response: string): Buffer | undefined {
    this.tick();
    const bl = id.branch.length, cl = id.callId.length, hl = id.viaHost.length;
    const need = bl + cl + hl + response.length;
    if (bl > MAX_FIELD || cl > MAX_FIELD || hl > MAX_FIELD || need > this.segmentBytes || id.viaPort > MAX_FIELD || id.cseq > 0xffffffff || id.cseq < 0) return undefined;
    let gen = this.gens[this.newest];
    if (gen !== undefined && (gen.count >= this.perGen || gen.used + need > this.segmentBytes)) {
      this.rotate();
      this.earlyRotations++;
      gen = this.gens[this.newest];
    }
    if (gen === undefined) gen = this.gens[this.newest] = new Generation(this.slots, this.segmentBytes);
    const r = gen.used;
    // One write of the whole record: concatenation is a rope, flattened once by the copy.
    gen.bytes.write(id.branch + id.callId + id.viaHost + response, r, 'latin1');
    gen.used = r + need;
    gen.count++;
    const h = hash | 0;
    const mask = gen.mask;
    let s = h & mask;
    while (gen.at[s] !== 0) s = (s + 1) & mask;
    gen.at[s] = r + 1;
    gen.hash[s] = h;
    gen.cseq[s] = id.cseq;
    gen.length[s] = response.length;
    gen.meta[s * 4] = id.viaPort;
    gen.meta[s * 4 + 1] = bl;
    gen.meta[s * 4 + 2] = cl;
    gen.meta[s * 4 + 3] = hl;
    const start = r + bl + cl + hl;
    return gen.bytes.subarray(start, start + response.length);
  }

  /** Entries currently held (some may be older than ttl but not yet rotated out). */
  get size(): number {
    let n = 0;
    for (const g of this.gens) n += g?.count ?? 0;
    return n;
  }
}

/**
 * The 32-bit hash of an INVITE transaction (RFC 3261 §17.2.3) from the request hash (top branch
 * and Call-ID, see `requestHash`), the top Via sent-by and the CSeq number, so that pre-RFC 3261
 * clients without a magic-cookie branch are told apart too. A CANCEL carries the same values, so
 * it finds the INVITE it cancels. The store confirms a hit by the whole identity.
 */
export function transactionHash(requestHash: number, viaHost: string, viaPort: number, cseq: number): number {
  const b = crc32Update(requestHash, viaHost);
  return (b ^ Math.imul(cseq | 0, 0x9e3779b1) ^ Math.imul(viaPort, 0x85ebca6b)) | 0;
}
