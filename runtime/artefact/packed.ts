// Reading a section of bit-packed pairs (format.ts, PACKED_PAIRS): two loads through a DataView at
// the record's byte offset, then shifts and masks. The layout's 8-byte tail lets both loads run
// at any record without a bounds branch; bits of the next record that the loads pick up are
// masked away.

export class PackedPairs {
  readonly lowBits: number;
  readonly highBits: number;
  readonly recordBytes: number;
  private readonly view: DataView;
  private readonly lowMask: number;
  private readonly highMask: number;
  /** The high field reaches past the first 32 bits of the record. */
  private readonly wide: boolean;

  /**
   * `records` spans the records and the tail (the section after its preamble); the caller has
   * checked the widths and the length (decode.ts).
   */
  constructor(records: Uint8Array, lowBits: number, highBits: number, recordBytes: number, readonly count: number) {
    this.view = new DataView(records.buffer, records.byteOffset, records.length);
    this.lowBits = lowBits;
    this.highBits = highBits;
    this.recordBytes = recordBytes;
    this.lowMask = (1 << lowBits) - 1; // widths are 1 … PACKED_MAX_FIELD_BITS
    this.highMask = (1 << highBits) - 1;
    this.wide = lowBits + highBits > 32;
  }

  /** The first record whose low field is not below `lowEnd` or high field not below `highEnd`; −1 if none. */
  firstOutOfRange(lowEnd: number, highEnd: number): number {
    const at = scan(this.view, this.count * this.recordBytes, this.recordBytes, this.lowBits, this.lowMask, this.highMask, this.wide, lowEnd, highEnd);
    return at < 0 ? -1 : at / this.recordBytes;
  }

  low(i: number): number {
    return this.view.getInt32(i * this.recordBytes, true) & this.lowMask;
  }

  high(i: number): number {
    const at = i * this.recordBytes;
    const lo = this.view.getInt32(at, true) >>> this.lowBits;
    if (!this.wide) return lo & this.highMask;
    return (lo | (this.view.getInt32(at + 4, true) << (32 - this.lowBits))) & this.highMask;
  }
}

/**
 * The byte offset of the first record out of range, −1 if none. A plain function of locals that
 * returns the offset as it is: a loop over `this` fields, or one returning `at / size`, ran 2-3×
 * slower in V8 (9.5 M records at decode). The records are first checked without a branch each
 * (end − 1 − field keeps its sign bit clear when the field is in range); only a section with a
 * fault is walked again to find it.
 */
function scan(view: DataView, end: number, size: number, shift: number, lowMask: number, highMask: number, wide: boolean, lowEnd: number, highEnd: number): number {
  let faults = 0;
  if (!wide) {
    for (let at = 0; at < end; at += size) {
      const w = view.getInt32(at, true);
      faults |= (lowEnd - 1 - (w & lowMask)) | (highEnd - 1 - ((w >>> shift) & highMask));
    }
  } else {
    for (let at = 0; at < end; at += size) {
      const w = view.getInt32(at, true);
      faults |= (lowEnd - 1 - (w & lowMask)) | (highEnd - 1 - (((w >>> shift) | (view.getInt32(at + 4, true) << (32 - shift))) & highMask));
    }
  }
  if (faults >= 0) return -1;
  for (let at = 0; at < end; at += size) {
    const w = view.getInt32(at, true);
    const high = wide ? ((w >>> shift) | (view.getInt32(at + 4, true) << (32 - shift))) & highMask : (w >>> shift) & highMask;
    if ((w & lowMask) >= lowEnd || high >= highEnd) return at;
  }
  return -1;
}
