// Hash-consing of short tuples of safe integers without building string keys: millions of
// (destination, type, reason, fee, candidates…) tuples at wholesale scale, where string keys cost
// more time in hashing and garbage collection than the rest of flattening together.
// Ids are handed out in first-seen order, so the result is as deterministic as the input order.
//
// Memory is what limits a wholesale build (~7M shapes of ~9 words), so:
// - the words live in an Int32Array while every word fits in 32 bits (half the memory of
//   doubles), and move to a Float64Array the first time one does not;
// - tuples are appended to the pool in id order, so a tuple's length is the distance to the next
//   tuple's start, not a separate array;
// - each slot of the open-addressing table keeps its tuple's hash beside the id, so a probe past
//   another tuple rarely touches the pool, and growing the table never hashes a tuple again;
// - seal() drops the table once no more tuples will be added; the tuples stay readable.

export class TupleInterner {
  private pool: Int32Array | Float64Array = new Int32Array(1 << 16);
  private poolLength = 0;
  /** starts[id] … starts[id + 1]: the words of tuple id in the pool. */
  private starts = new Int32Array(1 << 12);
  /** Per slot: [id (−1: empty), hash of that tuple]; side by side so a probe reads one cache line. */
  private table: Int32Array | undefined = new Int32Array(2 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  count = 0;

  /** The id of `t[0 … n)`, adding it if new. */
  intern(t: Float64Array, n = t.length): number {
    const table = this.table;
    if (!table) throw new Error('internal: TupleInterner used after seal()');
    let h = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) {
      const v = t[i]!;
      h = Math.imul(h ^ (v >>> 0), 0x01000193);
      h = Math.imul(h ^ ((v / 4294967296) | 0), 0x01000193);
    }
    h ^= h >>> 15;
    const mask = this.mask;
    const starts = this.starts;
    let slot = h & mask;
    for (;;) {
      const id = table[2 * slot]!;
      if (id < 0) break;
      if (table[2 * slot + 1] === h) {
        const s = starts[id]!;
        if (starts[id + 1]! - s === n) {
          const pool = this.pool;
          let same = true;
          for (let i = 0; i < n; i++) if (pool[s + i] !== t[i]) { same = false; break; }
          if (same) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.count++;
    if (id + 2 > this.starts.length) {
      const b = new Int32Array(this.starts.length * 2);
      b.set(this.starts);
      this.starts = b;
    }
    if (this.poolLength + n > this.pool.length) {
      let cap = this.pool.length * 2;
      while (cap < this.poolLength + n) cap *= 2;
      const next = this.pool instanceof Int32Array ? new Int32Array(cap) : new Float64Array(cap);
      next.set(this.pool.subarray(0, this.poolLength));
      this.pool = next;
    }
    if (this.pool instanceof Int32Array) {
      for (let i = 0; i < n; i++) {
        const v = t[i]!;
        if ((v | 0) !== v) {
          this.pool = Float64Array.from(this.pool);
          break;
        }
      }
    }
    const pool = this.pool;
    let at = this.poolLength;
    for (let i = 0; i < n; i++) pool[at++] = t[i]!;
    this.poolLength = at;
    this.starts[id + 1] = at;
    table[2 * slot] = id;
    table[2 * slot + 1] = h;
    if (this.count * 2 > this.mask) this.rehash();
    return id;
  }

  /** Frees the lookup table and spare capacity: no more intern() calls; get, length and word keep working. */
  seal(): void {
    this.table = undefined;
    if (this.pool.length > this.poolLength) this.pool = this.pool.slice(0, this.poolLength);
    if (this.starts.length > this.count + 1) this.starts = this.starts.slice(0, this.count + 1);
  }

  /** The words of tuple `id` (a view: copy before the next intern if you keep it). */
  get(id: number): Int32Array | Float64Array {
    return this.pool.subarray(this.starts[id]!, this.starts[id + 1]!);
  }

  length(id: number): number {
    return this.starts[id + 1]! - this.starts[id]!;
  }

  word(id: number, i: number): number {
    return this.pool[this.starts[id]! + i]!;
  }

  /** Doubles the table, walking the old one in slot order (the new slots then fill in order too). */
  private rehash(): void {
    const old = this.table!;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    const table = new Int32Array(2 * size).fill(-1);
    const mask = this.mask;
    for (let k = 0; k < old.length; k += 2) {
      const id = old[k]!;
      if (id < 0) continue;
      const h = old[k + 1]!;
      let slot = h & mask;
      while (table[2 * slot]! >= 0) slot = (slot + 1) & mask;
      table[2 * slot] = id;
      table[2 * slot + 1] = h;
    }
    this.table = table;
  }
}

/**
 * Hash-consing of pairs of non-negative int32s (a shape is a (label, order) pair): millions of
 * them, so one Int32Array of [first, second, id + 1] slots — a probe reads one cache line and never
 * a pool; 0 marks an empty slot, so a new table needs no filling — and the pairs in id order.
 */
export class PairInterner {
  private slots = new Int32Array(3 << 12);
  private mask = (1 << 12) - 1;
  private pairs = new Int32Array(2 << 12);
  count = 0;

  intern(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = pairHash(a, b) & mask; ; slot = (slot + 1) & mask) {
      const at = 3 * slot;
      const id = slots[at + 2]! - 1;
      if (id < 0) {
        const next = this.count++;
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = next + 1;
        if (2 * next + 2 > this.pairs.length) {
          const grown = new Int32Array(this.pairs.length * 2);
          grown.set(this.pairs);
          this.pairs = grown;
        }
        this.pairs[2 * next] = a;
        this.pairs[2 * next + 1] = b;
        // Up to 3/4 full: the table of millions of shapes is the largest of flatten, and every
        // page of a new one is a page fault (a probe past a collision stays in the same cache
        // line or the next, as a slot holds its pair).
        if (this.count * 4 > mask * 3) this.grow();
        return next;
      }
      if (slots[at] === a && slots[at + 1] === b) return id;
    }
  }

  first(id: number): number {
    return this.pairs[2 * id]!;
  }

  second(id: number): number {
    return this.pairs[2 * id + 1]!;
  }

  /** Frees the lookup table: no more intern() calls; first and second keep working. */
  seal(): void {
    this.slots = new Int32Array(0);
    this.pairs = this.pairs.slice(0, 2 * this.count);
  }

  /**
   * Doubles the table, walking the old one in slot order: a slot's pair lands at its old slot or
   * that plus the old size, so the writes move forward through the new table instead of jumping
   * across hundreds of MB as a walk in id order would. Ids are stored, so they stay what they were.
   */
  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const slots = new Int32Array(3 * size);
    for (let at = 0; at < old.length; at += 3) {
      const id = old[at + 2]!;
      if (id === 0) continue;
      const a = old[at]!, b = old[at + 1]!;
      let slot = pairHash(a, b) & mask;
      while (slots[3 * slot + 2]! !== 0) slot = (slot + 1) & mask;
      slots[3 * slot] = a;
      slots[3 * slot + 1] = b;
      slots[3 * slot + 2] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function pairHash(a: number, b: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 15);
}
