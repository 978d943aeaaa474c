// Hash-consing of short tuples of safe integers without building string keys: millions of
// (destination, type, reason, fee, candidates…) tuples at wholesale scale, where string keys cost
// more time in hashing and garbage collection than the rest of flattening together.
// Ids are handed out in first-seen order, so the result is as deterministic as the input order.

export class TupleInterner {
  private pool = new Float64Array(1 << 16);
  private poolLength = 0;
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private table = new Int32Array(1 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  count = 0;

  /** The id of `t[0 … n)`, adding it if new. */
  intern(t: ArrayLike<number>, n = t.length): number {
    let h = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) {
      const v = t[i]!;
      h = Math.imul(h ^ (v >>> 0), 0x01000193);
      h = Math.imul(h ^ ((v / 4294967296) | 0), 0x01000193);
    }
    h ^= h >>> 15;
    let slot = h & this.mask;
    for (;;) {
      const id = this.table[slot]!;
      if (id < 0) break;
      if (this.lengths[id] === n) {
        const s = this.starts[id]!;
        let same = true;
        for (let i = 0; i < n; i++) if (this.pool[s + i] !== t[i]) { same = false; break; }
        if (same) return id;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if (id >= this.starts.length) {
      this.starts = grow(this.starts, this.starts.length * 2);
      this.lengths = grow(this.lengths, this.lengths.length * 2);
    }
    if (this.poolLength + n > this.pool.length) {
      let cap = this.pool.length * 2;
      while (cap < this.poolLength + n) cap *= 2;
      const next = new Float64Array(cap);
      next.set(this.pool.subarray(0, this.poolLength));
      this.pool = next;
    }
    this.starts[id] = this.poolLength;
    this.lengths[id] = n;
    for (let i = 0; i < n; i++) this.pool[this.poolLength++] = t[i]!;
    this.table[slot] = id;
    if (this.count * 2 > this.mask) this.rehash();
    return id;
  }

  /** The words of tuple `id` (a view: copy before the next intern if you keep it). */
  get(id: number): Float64Array {
    return this.pool.subarray(this.starts[id]!, this.starts[id]! + this.lengths[id]!);
  }

  length(id: number): number {
    return this.lengths[id]!;
  }

  word(id: number, i: number): number {
    return this.pool[this.starts[id]! + i]!;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.table = new Int32Array(size).fill(-1);
    for (let id = 0; id < this.count; id++) {
      const s = this.starts[id]!;
      const n = this.lengths[id]!;
      let h = 0x811c9dc5 ^ n;
      for (let i = 0; i < n; i++) {
        const v = this.pool[s + i]!;
        h = Math.imul(h ^ (v >>> 0), 0x01000193);
        h = Math.imul(h ^ ((v / 4294967296) | 0), 0x01000193);
      }
      h ^= h >>> 15;
      let slot = h & this.mask;
      while (this.table[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id;
    }
  }
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
