// The fast path for CSV decks: rows scanned on the file's bytes, values parsed from the bytes
// themselves (a rate cell "0.0125" becomes 12500 micro-units without a string in between), and
// only what is kept allocated — one prefix per row, one string per distinct destination name.
//
// It accepts a deck only when it is sure the general reader (csv.ts + DeckRowChecker) would report
// nothing and keep every row: the first thing it cannot vouch for — a bad value, a duplicate
// prefix, an empty line followed by more rows, a quoted cell spanning lines, a byte it does not
// expect where digits belong — makes it give up (undefined), and the caller reads the deck again
// the general way, which reports exactly what it always did. So its rules may be stricter than
// the general ones, never looser:
//
//   441,UK Landline,0.0120,0,60/60,fixed     → kept: prefix "441", 12000 µ, 60/60, fixed
//   +441, "UK, Landline" ,.012,,1/1,         → kept (a '+', a quoted name, ".012" via parseDeckMoney)
//   441,UK,0.0120,0,60/0,fixed               → gives up (the general reader reports DP1016)
//   44 1,UK,…                                → gives up (DP1013)
import { ALWAYS, type DeckRows } from '../model/deck.js';
import { ownString } from './csv.js';
import type { DeckDefaults, DeckField } from './deck-csv.js';
import { destinationTypeIndex, MAX_BILLING_SECONDS, MAX_PREFIX_DIGITS, parseDeckMoney, parseEffectiveDate } from './deck-values.js';

/**
 * A deck's rows in a form that crosses a thread boundary cheaply: typed arrays (transferable) and
 * the prefixes as one string, each prefix followed by ','. unpackDeck() gives the DeckRows back.
 */
export interface PackedDeck {
  count: number;
  prefixes: string;
  /**
   * Per row, the prefix as a number when it has at most 14 digits ("44" → 44·16 + 2), else -1;
   * from the fast path only. A PrefixInterner uses it to share one string per prefix across decks.
   */
  keys?: Float64Array;
  names: string[];
  destination: Uint32Array;
  rate: Float64Array;
  connectFee: Float64Array;
  initial: Uint16Array;
  increment: Uint16Array;
  type: Uint8Array;
  effective: Float64Array;
  line: Uint32Array;
}

export function packDeck(rows: DeckRows): PackedDeck {
  const { prefix, ...columns } = rows;
  return { ...columns, prefixes: prefix.length === 0 ? '' : prefix.join(',') + ',' };
}

export function unpackDeck(p: PackedDeck, interner?: PrefixInterner): DeckRows {
  let prefix: string[];
  if (interner && p.keys) {
    prefix = interner.prefixes(p);
  } else {
    prefix = p.count === 0 ? [] : p.prefixes.split(',');
    prefix.pop(); // the empty string after the last ','
    // split() returns 13+ character pieces as views into the whole string: copy those few.
    for (let i = 0; i < prefix.length; i++) if (prefix[i]!.length >= 13) prefix[i] = ownString(prefix[i]!);
  }
  return {
    count: p.count, prefix, destination: p.destination, names: p.names, rate: p.rate, connectFee: p.connectFee,
    initial: p.initial, increment: p.increment, type: p.type, effective: p.effective, line: p.line,
  };
}

/** The buffers of a PackedDeck, for postMessage's transfer list. */
export function packedBuffers(p: PackedDeck): ArrayBuffer[] {
  const arrays = [p.destination, p.rate, p.connectFee, p.initial, p.increment, p.type, p.effective, p.line];
  if (p.keys) arrays.push(p.keys);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/**
 * One string per distinct prefix across the decks of a check: carriers price the same numbering
 * plan, so 3M rows over 10 decks hold ~0.4M distinct prefixes, and strings that are shared are
 * strings the collector does not copy. Decks list prefixes in much the same order, so the prefix
 * after the last one found is tried before the hash table.
 */
export class PrefixInterner {
  private keys = new Float64Array(1 << 16);
  private readonly strings: string[] = [];
  private slots = new Int32Array(1 << 17); // id + 1; 0 is empty
  private mask = (1 << 17) - 1;

  /** unpackDeck's prefixes, shared where they were seen before. */
  prefixes(p: PackedDeck): string[] {
    const keys = p.keys!;
    const text = p.prefixes;
    const out: string[] = []; // not new Array(n): V8 makes a large one a dictionary
    // Room for every prefix of the deck being new, so that the table grows once, not step by step.
    while ((this.strings.length + p.count) * 2 > this.mask) this.grow();
    let at = 0;
    let hint = -1;
    for (let i = 0; i < p.count; i++) {
      const key = keys[i]!;
      if (key < 0) {
        const end = text.indexOf(',', at);
        out.push(ownString(text.slice(at, end)));
        at = end + 1;
        continue;
      }
      const digits = key - Math.floor(key / 16) * 16; // key % 16, without a call to fmod
      let id = hint + 1;
      if (id >= this.strings.length || this.keys[id] !== key) id = this.find(key, text, at, digits);
      out.push(this.strings[id]!);
      hint = id;
      at += digits + 1;
    }
    return out;
  }

  private find(key: number, text: string, at: number, digits: number): number {
    const mask = this.mask;
    let slot = hashNumber(key) & mask;
    for (;;) {
      const id = this.slots[slot]! - 1;
      if (id < 0) break;
      if (this.keys[id] === key) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.strings.length;
    this.strings.push(text.slice(at, at + digits));
    if (id === this.keys.length) this.keys = grown(this.keys, id * 2);
    this.keys[id] = key;
    this.slots[slot] = id + 1;
    if ((id + 1) * 2 > mask) this.grow();
    return id;
  }

  private grow(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let id = 0; id < this.strings.length; id++) {
      let slot = hashNumber(this.keys[id]!) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}

/** Sorts 32-bit numbers in two passes of 16 bits: ~5 ms for 300k, against ~35 for Float64Array#sort. */
function radixSort(a: Uint32Array): void {
  const n = a.length;
  const tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let i = 0; i < n; i++) count[a[i]! & 0xffff]! += 1;
  for (let i = 0, sum = 0; i < 65536; i++) {
    const c = count[i]!;
    count[i] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) tmp[count[a[i]! & 0xffff]!++] = a[i]!;
  count.fill(0);
  for (let i = 0; i < n; i++) count[tmp[i]! >>> 16]! += 1;
  for (let i = 0, sum = 0; i < 65536; i++) {
    const c = count[i]!;
    count[i] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) a[count[tmp[i]! >>> 16]!++] = tmp[i]!;
}

function hashNumber(key: number): number {
  return fmix((key % 4294967296) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1));
}

export interface ByteScanPlan {
  /** The delimiter's byte (an ASCII delimiter; the caller does not come here for others). */
  delimiter: number;
  /** Field → 0-based cell index, -1 when the card does not map it. */
  index: Readonly<Record<DeckField, number>>;
  /** Highest cell index the mapping uses. */
  lastNeeded: number;
  defaults: DeckDefaults;
}

const TAB = 9;
const LF = 10;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const DOT = 46;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;

/** Bytes String.prototype.trim() removes that can stand inside a single-line cell. */
function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === VT || c === FF;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

/**
 * Scans the data rows of a deck, from byte `pos` (the first data row, on 1-based `line`) to the end
 * of `buf`. Undefined when the deck needs the general reader (see the top of this file).
 */
export function scanDeckBytes(buf: Uint8Array, pos: number, line: number, plan: ByteScanPlan): PackedDeck | undefined {
  return new ByteDeckScanner(buf, plan).scan(pos, line);
}

class ByteDeckScanner {
  private readonly delim: number;
  private readonly last: number;
  private readonly iPrefix: number;
  private readonly iDest: number;
  private readonly iRate: number;
  private readonly iFee: number;
  private readonly iInitial: number;
  private readonly iIncrement: number;
  private readonly iBilling: number;
  private readonly iType: number;
  private readonly iEffective: number;
  /** Per needed cell: start and end (trimmed of blanks), and whether it was quoted with "" inside. */
  private readonly cellStart: Int32Array;
  private readonly cellEnd: Int32Array;
  private readonly cellEscaped: Uint8Array;
  private readonly defaults: DeckDefaults;

  // Output columns, grown by doubling and trimmed once.
  private n = 0;
  private cap: number;
  private prefixBytes: Uint8Array;
  private prefixLen = 0;
  private destination: Uint32Array;
  private rate: Float64Array;
  private connectFee: Float64Array;
  private initial: Uint16Array;
  private increment: Uint16Array;
  private type: Uint8Array;
  private effective: Float64Array;
  private line: Uint32Array;

  // Destination names: the last one's bytes are compared first, since decks are usually grouped
  // by destination.
  private readonly names: string[] = [];
  private nameIndex: Map<string, number> | undefined;
  /**
   * Whether the text text() last returned is its cell's bytes decoded (quotes undone), with
   * nothing trimmed beyond ASCII blanks: then other bytes cannot give the same text.
   */
  private textIsBytes = false;
  private lastDest = -1;
  private lastDestStart = 0;
  private lastDestLen = -1;
  // Then an open-addressing table over the names' bytes in the file (FNV-1a hash → name id + 1).
  private nameSlots = new Int32Array(1024);
  private nameHash = new Uint32Array(1024);
  private nameEscaped = new Uint8Array(1024);
  private nameBytesStart = new Int32Array(1024);
  private nameBytesLen = new Int32Array(1024);
  private nameMask = 1023;
  private nameUsed = 0;
  // Destination types and effective dates: few distinct texts, remembered by their bytes.
  private readonly typeTexts: Uint8Array[] = [];
  private readonly typeValues: number[] = [];
  private lastDateBytes = new Uint8Array(0);
  private lastDate = ALWAYS;
  private lastDateValid = false;

  // Per row, the prefix as a number (-1 beyond 14 digits: those are kept by text with their dates).
  private keys: Float64Array;
  private readonly longPrefixes = new Map<string, number[]>();

  constructor(
    private readonly buf: Uint8Array,
    plan: ByteScanPlan,
  ) {
    this.delim = plan.delimiter;
    this.last = plan.lastNeeded;
    const ix = plan.index;
    this.iPrefix = ix.prefix;
    this.iDest = ix.destination;
    this.iRate = ix.rate;
    this.iFee = ix.connectFee;
    this.iInitial = ix.initial;
    this.iIncrement = ix.increment;
    this.iBilling = ix.billing;
    this.iType = ix.type;
    this.iEffective = ix.effective;
    this.defaults = plan.defaults;
    this.cellStart = new Int32Array(this.last + 1);
    this.cellEnd = new Int32Array(this.last + 1);
    this.cellEscaped = new Uint8Array(this.last + 1);
    // A deck line is rarely shorter than 24 bytes: start there and double when wrong.
    this.cap = Math.max(1024, Math.ceil(buf.length / 24));
    this.prefixBytes = new Uint8Array(this.cap * 8);
    this.destination = new Uint32Array(this.cap);
    this.rate = new Float64Array(this.cap);
    this.connectFee = new Float64Array(this.cap);
    this.initial = new Uint16Array(this.cap);
    this.increment = new Uint16Array(this.cap);
    this.type = new Uint8Array(this.cap);
    this.effective = new Float64Array(this.cap);
    this.line = new Uint32Array(this.cap);
    this.keys = new Float64Array(this.cap);
  }

  scan(pos: number, line: number): PackedDeck | undefined {
    const buf = this.buf;
    const end = buf.length;
    const delim = this.delim;
    const last = this.last;
    const cellStart = this.cellStart;
    const cellEnd = this.cellEnd;
    const cellEscaped = this.cellEscaped;
    // The bytes that end an unquoted cell, as a table: one load instead of four comparisons.
    const special = new Uint8Array(256);
    special[delim] = special[LF] = special[CR] = special[QUOTE] = 1;
    /** Blank rows read so far that more rows followed: the general reader reports those. */
    let blankRows = false;
    while (pos < end) {
      const rowStart = pos;
      let cell = 0;
      let quoted = false;
      let c = 0;
      // Cells up to the end of the line: the same grammar as CsvParser, minus what it reports.
      for (;;) {
        let s = pos;
        while (pos < end) {
          c = buf[pos]!;
          if (special[c] !== 0) break;
          pos++;
        }
        let e = pos;
        let escaped = 0;
        if (pos < end && c === QUOTE) {
          // `44, "UK"`: blanks before the quote are layout; anything else is a stray quote.
          for (let k = s; k < pos; k++) if (buf[k] !== SPACE && buf[k] !== TAB) return undefined;
          quoted = true;
          s = ++pos;
          for (;;) {
            if (pos >= end) return undefined; // unterminated
            c = buf[pos]!;
            if (c === QUOTE) {
              if (pos + 1 < end && buf[pos + 1] === QUOTE) {
                escaped = 1;
                pos += 2;
                continue;
              }
              break;
            }
            if (c === LF || c === CR) return undefined; // a cell spanning lines
            pos++;
          }
          e = pos++;
          // After the closing quote: blanks (checked before the delimiter, as CsvParser does),
          // then the delimiter or the end of the line.
          c = -1;
          while (pos < end) {
            c = buf[pos]!;
            if (c !== SPACE && c !== TAB) break;
            pos++;
          }
          if (pos < end && c !== delim && c !== LF && c !== CR) return undefined;
        }
        if (cell <= last) {
          while (s < e && isBlank(buf[s]!)) s++;
          while (e > s && isBlank(buf[e - 1]!)) e--;
          cellStart[cell] = s;
          cellEnd[cell] = e;
          cellEscaped[cell] = escaped;
        }
        cell++;
        if (pos >= end) break;
        if (c === delim) {
          pos++;
          continue;
        }
        break; // LF or CR
      }
      const rowEnd = pos;
      if (pos < end) pos += buf[pos] === CR && pos + 1 < end && buf[pos + 1] === LF ? 2 : 1;
      const rowLine = line++;

      const prefixMissing = this.iPrefix >= cell || cellStart[this.iPrefix] === cellEnd[this.iPrefix];
      if (prefixMissing) {
        // A blank row is an error only when another row follows it.
        if (quoted) return undefined;
        for (let k = rowStart; k < rowEnd; k++) {
          const b = buf[k]!;
          if (b !== delim && !isBlank(b)) return undefined;
        }
        blankRows = true;
        continue;
      }
      if (blankRows || cell <= last) return undefined;
      if (!this.row(rowLine)) return undefined;
    }
    return this.finish();
  }

  /** Checks and keeps the row whose cells are in cellStart/cellEnd; false to give up. */
  private row(rowLine: number): boolean {
    const buf = this.buf;
    const defaults = this.defaults;

    // Prefix: an optional '+', then 1-20 digits.
    let ps = this.cellStart[this.iPrefix]!;
    const pe = this.cellEnd[this.iPrefix]!;
    if (buf[ps] === PLUS) ps++;
    const digits = pe - ps;
    if (digits < 1 || digits > MAX_PREFIX_DIGITS) return false;
    let key = 0;
    for (let k = ps; k < pe; k++) {
      const c = buf[k]!;
      if (c < ZERO || c > NINE) return false;
      key = key * 10 + (c - ZERO);
    }

    const rate = this.money(this.iRate, -1);
    if (rate < 0) return false;
    const connectFee = this.money(this.iFee, defaults.connectFee);
    if (connectFee < 0) return false;

    let initial = defaults.initial;
    let increment = defaults.increment;
    if (this.iBilling >= 0 && this.cellStart[this.iBilling]! < this.cellEnd[this.iBilling]!) {
      const billing = this.billing(this.cellStart[this.iBilling]!, this.cellEnd[this.iBilling]!);
      if (billing < 0) return false;
      initial = billing >>> 16;
      increment = billing & 0xffff;
    } else {
      const i = this.seconds(this.iInitial);
      const n = this.seconds(this.iIncrement);
      if (i < 0 || n < 0) return false;
      if (i > 0) initial = i;
      if (n > 0) increment = n;
    }

    let type = defaults.type;
    if (this.iType >= 0 && this.cellStart[this.iType]! < this.cellEnd[this.iType]!) {
      type = this.typeOf(this.iType);
      if (type < 0) return false;
    }

    let effective = ALWAYS;
    if (this.iEffective >= 0 && this.cellStart[this.iEffective]! < this.cellEnd[this.iEffective]!) {
      effective = this.date(this.iEffective);
      if (effective !== effective) return false; // NaN: not a date
    }

    // Duplicates (a prefix listed twice for one date, which the general reader reports) are looked
    // for at the end, in the sorted keys: a hash table probed per row cost more in cache misses.
    const i = this.n;
    if (i === this.cap) this.grow();
    if (digits <= 14) {
      this.keys[i] = key * 16 + digits; // "44" → 44·16 + 2, exact ("44" ≠ "044")
    } else {
      this.keys[i] = -1;
      const longPrefix = latin1(buf, ps, pe);
      const dates = this.longPrefixes.get(longPrefix);
      if (dates === undefined) this.longPrefixes.set(longPrefix, [effective]);
      else if (dates.includes(effective)) return false;
      else dates.push(effective);
    }

    const destination = this.destinationOf();
    if (destination < 0) return false;

    // Keep the row.
    if (this.prefixLen + digits + 1 > this.prefixBytes.length) this.prefixBytes = grown(this.prefixBytes, this.prefixBytes.length * 2);
    const pb = this.prefixBytes;
    let o = this.prefixLen;
    for (let k = ps; k < pe; k++) pb[o++] = buf[k]!;
    pb[o++] = COMMA;
    this.prefixLen = o;
    this.destination[i] = destination;
    this.rate[i] = rate;
    this.connectFee[i] = connectFee;
    this.initial[i] = initial;
    this.increment[i] = increment;
    this.type[i] = type;
    this.effective[i] = effective;
    this.line[i] = rowLine;
    this.n = i + 1;
    return true;
  }

  /** Micro-units of a money cell; `fallback` when blank (-1: required); -1 to give up. */
  private money(cell: number, fallback: number): number {
    if (cell < 0) return fallback;
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    if (s === e) return fallback;
    const buf = this.buf;
    // The common case, as plainMicros(): up to 9 integer digits, a point, up to 6 decimals.
    let whole = 0;
    let k = s;
    for (; k < e; k++) {
      const c = buf[k]!;
      if (c === DOT) break;
      if (c < ZERO || c > NINE || k - s >= 9) return this.moneyText(cell);
      whole = whole * 10 + (c - ZERO);
    }
    if (k === s) return this.moneyText(cell);
    if (k === e) return whole * 1_000_000;
    const decimals = e - k - 1;
    if (decimals < 1 || decimals > 6) return this.moneyText(cell);
    let frac = 0;
    for (k++; k < e; k++) {
      const c = buf[k]!;
      if (c < ZERO || c > NINE) return this.moneyText(cell);
      frac = frac * 10 + (c - ZERO);
    }
    return whole * 1_000_000 + frac * POW10[6 - decimals]!;
  }

  /** The rarer spellings (".0125", "1.2e-2", "0.01250000"), through the general rules. */
  private moneyText(cell: number): number {
    const text = this.text(cell);
    if (text === undefined || text === '') return -1;
    const r = parseDeckMoney(text);
    return r.ok && r.micros >= 0 ? r.micros : -1;
  }

  /** "60/60" → initial·65536 + increment; -1 to give up. */
  private billing(s: number, e: number): number {
    const buf = this.buf;
    let k = s;
    let a = 0;
    while (k < e && buf[k]! >= ZERO && buf[k]! <= NINE) a = a * 10 + (buf[k++]! - ZERO);
    const aDigits = k - s;
    while (k < e && isBlank(buf[k]!)) k++;
    if (k === e || buf[k] !== SLASH) return -1;
    k++;
    while (k < e && isBlank(buf[k]!)) k++;
    const bs = k;
    let b = 0;
    while (k < e && buf[k]! >= ZERO && buf[k]! <= NINE) b = b * 10 + (buf[k++]! - ZERO);
    if (k !== e || aDigits < 1 || aDigits > 4 || k - bs < 1 || k - bs > 4) return -1;
    if (a < 1 || a > MAX_BILLING_SECONDS || b < 1 || b > MAX_BILLING_SECONDS) return -1;
    return a * 65536 + b;
  }

  /** Whole seconds 1-3600 from a cell; 0 when unmapped or blank; -1 to give up. */
  private seconds(cell: number): number {
    if (cell < 0) return 0;
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    if (s === e) return 0;
    if (e - s > 4) return -1;
    let v = 0;
    for (let k = s; k < e; k++) {
      const c = this.buf[k]!;
      if (c < ZERO || c > NINE) return -1;
      v = v * 10 + (c - ZERO);
    }
    return v >= 1 && v <= MAX_BILLING_SECONDS ? v : -1;
  }

  /** Index into DESTINATION_TYPES of a non-blank cell; -1 to give up. */
  private typeOf(cell: number): number {
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    const texts = this.typeTexts;
    for (let t = 0; t < texts.length; t++) if (sameBytes(this.buf, s, e, texts[t]!)) return this.typeValues[t]!;
    const text = this.text(cell);
    const value = text === undefined ? undefined : destinationTypeIndex(text);
    if (value === undefined) return -1;
    if (texts.length < 64) {
      texts.push(this.buf.slice(s, e));
      this.typeValues.push(value);
    }
    return value;
  }

  /** Epoch ms of a non-blank date cell; NaN to give up. Most decks give every row one date. */
  private date(cell: number): number {
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    if (this.lastDateValid && sameBytes(this.buf, s, e, this.lastDateBytes)) return this.lastDate;
    const text = this.text(cell);
    const ms = text === undefined ? undefined : parseEffectiveDate(text);
    if (ms === undefined) return NaN;
    this.lastDateBytes = this.buf.slice(s, e);
    this.lastDate = ms;
    this.lastDateValid = true;
    return ms;
  }

  /** Index in `names` of the row's destination ("" when unmapped); -1 to give up. */
  private destinationOf(): number {
    const cell = this.iDest;
    if (cell < 0) return this.nameId('');
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    const len = e - s;
    const buf = this.buf;
    if (len === this.lastDestLen) {
      const ls = this.lastDestStart;
      let k = 0;
      while (k < len && buf[s + k] === buf[ls + k]) k++;
      if (k === len) return this.lastDest;
    }
    // Then by the cell's bytes, so that no string is made for a name already seen.
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ buf[k]!, 0x01000193);
    const escaped = this.cellEscaped[cell]!;
    h = fmix(h ^ escaped) >>> 0;
    let slot = h & this.nameMask;
    for (;;) {
      const id = this.nameSlots[slot]! - 1;
      if (id < 0) break;
      if (this.nameHash[slot] === h && this.nameEscaped[slot] === escaped) {
        const ns = this.nameBytesStart[slot]!;
        if (this.nameBytesLen[slot] === len) {
          let k = 0;
          while (k < len && buf[s + k] === buf[ns + k]) k++;
          if (k === len) return this.rememberDest(id, s, len);
        }
      }
      slot = (slot + 1) & this.nameMask;
    }
    const text = this.text(cell);
    if (text === undefined) return -1;
    const id = this.nameId(text, this.textIsBytes);
    // Several spellings may give one name ("UK" and " UK"): each gets its own slot.
    this.nameSlots[slot] = id + 1;
    this.nameHash[slot] = h;
    this.nameEscaped[slot] = escaped;
    this.nameBytesStart[slot] = s;
    this.nameBytesLen[slot] = len;
    if (++this.nameUsed * 2 > this.nameMask) this.growNames();
    return this.rememberDest(id, s, len);
  }

  private rememberDest(id: number, s: number, len: number): number {
    this.lastDest = id;
    this.lastDestStart = s;
    this.lastDestLen = this.cellEscaped[this.iDest] ? -1 : len;
    return id;
  }

  private growNames(): void {
    const slots = this.nameSlots;
    const hash = this.nameHash;
    const escaped = this.nameEscaped;
    const start = this.nameBytesStart;
    const len = this.nameBytesLen;
    const size = slots.length * 2;
    this.nameMask = size - 1;
    this.nameSlots = new Int32Array(size);
    this.nameHash = new Uint32Array(size);
    this.nameEscaped = new Uint8Array(size);
    this.nameBytesStart = new Int32Array(size);
    this.nameBytesLen = new Int32Array(size);
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      let i = hash[j]! & this.nameMask;
      while (this.nameSlots[i] !== 0) i = (i + 1) & this.nameMask;
      this.nameSlots[i] = slots[j]!;
      this.nameHash[i] = hash[j]!;
      this.nameEscaped[i] = escaped[j]!;
      this.nameBytesStart[i] = start[j]!;
      this.nameBytesLen[i] = len[j]!;
    }
  }

  /**
   * The id of a name not met before in these bytes. Cells with different bytes are different names
   * (UTF-8 decodes one way; "" is undone only in quoted cells, which alone can hold a quote), so the
   * map from text to id is only built once trim() takes more than ASCII blanks off a cell: then
   * its text may be a name already seen ("UK\u00a0" is "UK").
   */
  private nameId(text: string, isBytes = false): number {
    let map = this.nameIndex;
    if (map === undefined && isBytes) {
      this.names.push(text);
      return this.names.length - 1;
    }
    map ??= this.nameIndex = new Map(this.names.map((name, i) => [name, i]));
    let id = map.get(text);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(text);
      map.set(text, id);
    }
    return id;
  }

  /**
   * A cell's text as the general reader sees it (quotes undone, trimmed); undefined when its bytes
   * are not well-formed UTF-8, which the general reader decodes chunk by chunk.
   */
  private text(cell: number): string | undefined {
    const s = this.cellStart[cell]!;
    const e = this.cellEnd[cell]!;
    let ascii = true;
    for (let k = s; k < e; k++) {
      if (this.buf[k]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    let text = ascii ? latin1(this.buf, s, e) : utf8(this.buf, s, e);
    if (!ascii && text.includes('\ufffd')) return undefined;
    if (this.cellEscaped[cell]) text = text.replaceAll('""', '"');
    this.textIsBytes = true;
    if (ascii) return text;
    const trimmed = text.trim();
    if (trimmed.length !== text.length) this.textIsBytes = false;
    return trimmed;
  }

  /**
   * Whether no prefix is listed twice for the same effective date. The keys' 32-bit hashes are
   * radix-sorted and neighbours compared; only prefixes whose hashes meet are compared exactly.
   */
  private noDuplicates(): boolean {
    const n = this.n;
    const keys = this.keys;
    const hashes = new Uint32Array(n);
    for (let k = 0; k < n; k++) hashes[k] = hashNumber(keys[k]!);
    radixSort(hashes);
    let meet: Set<number> | undefined;
    for (let k = 1; k < n; k++) if (hashes[k] === hashes[k - 1]) (meet ??= new Set()).add(hashes[k]!);
    if (meet === undefined) return true;
    // Some hashes meet: fine when their keys differ, or a prefix's rows are for different dates.
    const dates = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const key = keys[k]!;
      if (key < 0 || !meet.has(hashNumber(key) >>> 0)) continue; // beyond 14 digits: checked in row()
      const seen = dates.get(key);
      if (seen === undefined) dates.set(key, [this.effective[k]!]);
      else if (seen.includes(this.effective[k]!)) return false;
      else seen.push(this.effective[k]!);
    }
    return true;
  }

  private grow(): void {
    const cap = (this.cap *= 2);
    this.destination = grown(this.destination, cap);
    this.rate = grown(this.rate, cap);
    this.connectFee = grown(this.connectFee, cap);
    this.initial = grown(this.initial, cap);
    this.increment = grown(this.increment, cap);
    this.type = grown(this.type, cap);
    this.effective = grown(this.effective, cap);
    this.line = grown(this.line, cap);
    this.keys = grown(this.keys, cap);
  }

  private finish(): PackedDeck | undefined {
    if (!this.noDuplicates()) return undefined;
    const n = this.n;
    return {
      count: n,
      prefixes: latin1(this.prefixBytes, 0, this.prefixLen),
      keys: this.keys.slice(0, n),
      names: this.names,
      destination: this.destination.slice(0, n),
      rate: this.rate.slice(0, n),
      connectFee: this.connectFee.slice(0, n),
      initial: this.initial.slice(0, n),
      increment: this.increment.slice(0, n),
      type: this.type.slice(0, n),
      effective: this.effective.slice(0, n),
      line: this.line.slice(0, n),
    };
  }
}

type Typed = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

function grown<T extends Typed>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as never);
  return b;
}

function sameBytes(buf: Uint8Array, s: number, e: number, bytes: Uint8Array): boolean {
  if (e - s !== bytes.length) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[s + k] !== bytes[k]) return false;
  return true;
}

// ignoreBOM: a U+FEFF inside the file is text (trim() removes it), not a byte-order mark to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function utf8(buf: Uint8Array, s: number, e: number): string {
  return decoder.decode(buf.subarray(s, e));
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.prototype.latin1Slice.call(buf, s, e) as string;
}

/** MurmurHash3's finalizer: FNV's multiply only carries upwards, and tables index low bits. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
