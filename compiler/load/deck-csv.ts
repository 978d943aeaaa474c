// Carrier rate decks from CSV, and the row rules every deck format shares (DeckRowChecker: the
// Interconnect-Made-Easy loader feeds the same checker, so a row means the same in both formats).
//
//   Prefix,Destination,Rate,Billing        columns: { prefix: Prefix, rate: 3, billing: Billing }
//   +441,UK Landline,0.0120,60/60          → prefix 441, rate 12000 micros, 60/60
//   4412,UK Landline,0.0120,1/1
import { open } from 'node:fs/promises';
import type { CsvSource } from '../../schemas/types.js';
import { DiagnosticBag, type Location } from '../diagnostics.js';
import type { DiagnosticCode } from '../messages.js';
import { formatMoney } from '../money.js';
import { ALWAYS, DESTINATION_TYPES, DeckBuilder, type DeckRows } from '../model/deck.js';
import { cellAt, ownString, parseCsv, parseCsvBytes, readCsv, type CsvOptions, type CsvRow } from './csv.js';
import { PrefixInterner, scanDeckBytes, unpackDeck, type PackedDeck } from './deck-csv-bytes.js';
import { replayDeckLoad, takeReadAhead } from './deck-pool.js';
import {
  destinationTypeIndex, MAX_BILLING_SECONDS, normalizePrefix, parseDeckMoney, parseEffectiveDate, plainMicros, prefixProblem, wholeSeconds,
} from './deck-values.js';

export { destinationTypeIndex, MAX_PREFIX_DIGITS, normalizePrefix, parseEffectiveDate, prefixProblem } from './deck-values.js';

/** What the card's `defaults` resolve to; every value is already checked. */
export interface DeckDefaults {
  /** Micro-units. */
  connectFee: number;
  initial: number;
  increment: number;
  /** Index into DESTINATION_TYPES. */
  type: number;
}

/** A field of a deck row, named as in the card's `columns` mapping. */
export type DeckField = keyof CsvSource['columns'];

export const DECK_FIELDS: readonly DeckField[] = [
  'prefix', 'destination', 'rate', 'connectFee', 'initial', 'increment', 'billing', 'type', 'effective',
];

/** One row as a loader sees it; the checker asks for the fields it needs. */
export interface DeckRowSource {
  /** 1-based line that wrote the row. */
  readonly line: number;
  /** A column on that line marking the row, cheap to get (the prefix cell; a JSON row's '['). */
  readonly anchorCol: number;
  /** The field's text, trimmed; undefined when the format has no such field or leaves it null. */
  text(field: DeckField): string | undefined;
  /** Where the field's value was written (asked only to report a problem). */
  where(field: DeckField): Location;
}

/** The code each kind of bad value is reported with: per-cell codes for CSV, DP1023 for IME. */
export interface RowCodes {
  decimal: DiagnosticCode;
  prefix: DiagnosticCode;
  billing: DiagnosticCode;
  date: DiagnosticCode;
  type: DiagnosticCode;
}

export const CSV_ROW_CODES: RowCodes = { decimal: 'DP1012', prefix: 'DP1013', billing: 'DP1016', date: 'DP1017', type: 'DP1018' };

/**
 * Checks deck rows one by one and keeps the good ones: bad values are reported and their row is
 * skipped, so a deck with a few broken rows still loads the rest (the build fails on the errors).
 * A prefix listed twice for the same effective date keeps its first row: a different rate,
 * connection fee or billing is an error (DP3003), a repeat of the same values a warning (DP3004).
 */
export class DeckRowChecker {
  private readonly builder = new DeckBuilder(4096);
  /** Destination text → index in the builder's names. */
  private readonly names = new Map<string, number>();
  private readonly types = new Map<string, number>();
  private lastDateText = '';
  private lastDate = ALWAYS;
  private lastDestText = '';
  private lastDest = -1;
  // Kept rows for the duplicate check: the first kept row of each prefix, then a chain through the
  // prefix's rows for other effective dates. A Map keyed by fresh strings cost ~1 µs a row at 300k
  // rows (hashing plus cache misses), more than all the parsing; numeric keys in typed arrays don't.
  private readonly seen = new PrefixTable();
  private readonly seenLong = new Map<string, number>();
  private readonly nextSamePrefix: number[] = [];
  private readonly firstEffective: number[] = [];
  private readonly firstRate: number[] = [];
  private readonly firstFee: number[] = [];
  private readonly firstBilling: number[] = [];
  private readonly firstLine: number[] = [];
  private readonly firstCol: number[] = [];

  constructor(
    private readonly file: string,
    private readonly defaults: DeckDefaults,
    private readonly bag: DiagnosticBag,
    private readonly codes: RowCodes = CSV_ROW_CODES,
  ) {}

  get count(): number {
    return this.builder.count;
  }

  /** Checks one row; returns whether it was kept. */
  add(src: DeckRowSource): boolean {
    let ok = true;
    const prefixText = src.text('prefix') ?? '';
    let prefix = normalizePrefix(prefixText);
    if (prefix === undefined) {
      this.bag.report(this.codes.prefix, src.where('prefix'), `prefix ${prefixProblem(prefixText, 1)}`);
      ok = false;
    } else if (prefix.length >= 13) {
      prefix = ownString(prefix);
    }
    const rate = this.money(src, 'rate', 'rate', undefined);
    if (rate === undefined) ok = false;
    const connectFee = this.money(src, 'connectFee', 'connection fee', this.defaults.connectFee);
    if (connectFee === undefined) ok = false;

    let initial = this.defaults.initial;
    let increment = this.defaults.increment;
    const billing = src.text('billing');
    if (billing) {
      const slash = billing.indexOf('/');
      const a = slash > 0 ? wholeSeconds(billing.slice(0, slash).trimEnd()) : 0;
      const b = slash > 0 ? wholeSeconds(billing.slice(slash + 1).trimStart()) : 0;
      if (a < 1 || a > MAX_BILLING_SECONDS || b < 1 || b > MAX_BILLING_SECONDS) {
        this.bag.report(this.codes.billing, src.where('billing'),
          `billing "${billing}" is not a billing increment: write initial/increment in seconds, each 1 to ${MAX_BILLING_SECONDS} ("60/60", "1/1", "30/6")`);
        ok = false;
      } else {
        initial = a;
        increment = b;
      }
    } else {
      const i = this.seconds(src, 'initial', 'initial interval');
      const n = this.seconds(src, 'increment', 'billing increment');
      if (i === undefined || n === undefined) ok = false;
      else {
        if (i > 0) initial = i;
        if (n > 0) increment = n;
      }
    }

    let type = this.defaults.type;
    const typeText = src.text('type');
    if (typeText) {
      let t = this.types.get(typeText);
      if (t === undefined) {
        t = destinationTypeIndex(typeText);
        if (t !== undefined) this.types.set(ownString(typeText), t);
      }
      if (t === undefined) {
        this.bag.report(this.codes.type, src.where('type'),
          `destination type "${typeText}" is not known; expected one of ${DESTINATION_TYPES.join(', ')} (or an alias such as landline, cellular, tollfree)`);
        ok = false;
      } else type = t;
    }

    let effective = ALWAYS;
    const dateText = src.text('effective');
    if (dateText === this.lastDateText) {
      effective = this.lastDate; // most decks give every row the same date
    } else if (dateText) {
      const ms = parseEffectiveDate(dateText);
      if (ms !== undefined) {
        this.lastDateText = ownString(dateText);
        this.lastDate = ms;
      }
      if (ms === undefined) {
        this.bag.report(this.codes.date, src.where('effective'),
          `effective date "${dateText}" is not a date; write YYYY-MM-DD or an ISO 8601 date-time ("2024-06-01", "2024-06-01T00:00:00Z")`);
        ok = false;
      } else effective = ms;
    }
    if (!ok) return false;

    const billingKey = initial * 65536 + increment;
    const kept = this.firstRate.length;
    const numeric = prefixKey(prefix!);
    const head = numeric >= 0 ? this.seen.get(numeric) : this.seenLong.get(prefix!) ?? -1;
    if (head < 0) {
      if (numeric >= 0) this.seen.set(numeric, kept);
      else this.seenLong.set(prefix!, kept);
    } else {
      let same = head;
      for (;;) {
        if (this.firstEffective[same] === effective) {
          this.duplicate(src, prefix!, effective, same, rate!, connectFee!, billingKey);
          return false;
        }
        const next: number = this.nextSamePrefix[same]!;
        if (next < 0) break;
        same = next;
      }
      this.nextSamePrefix[same] = kept;
    }
    this.nextSamePrefix.push(-1);
    this.firstEffective.push(effective);
    this.firstRate.push(rate!);
    this.firstFee.push(connectFee!);
    this.firstBilling.push(billingKey);
    this.firstLine.push(src.line);
    this.firstCol.push(src.anchorCol);

    // Decks are usually grouped by destination: compare with the last name before hashing.
    const destText = src.text('destination') ?? '';
    let destination = destText === this.lastDestText && this.lastDest >= 0 ? this.lastDest : this.names.get(destText);
    if (destination === undefined) {
      const name = ownString(destText);
      destination = this.builder.nameId(name);
      this.names.set(name, destination);
    }
    this.lastDestText = destText;
    this.lastDest = destination;
    this.builder.pushRow(prefix!, destination, rate!, connectFee!, initial, increment, type, effective, src.line);
    return true;
  }

  finish(): DeckRows {
    return this.builder.finish();
  }

  private money(src: DeckRowSource, field: DeckField, what: string, fallback: number | undefined): number | undefined {
    const text = src.text(field);
    if (!text) {
      if (fallback !== undefined) return fallback;
      this.bag.report(this.codes.decimal, src.where(field), `${what} is empty`);
      return undefined;
    }
    const fast = plainMicros(text);
    if (fast >= 0) return fast;
    const r = parseDeckMoney(text);
    if (!r.ok) {
      const inexact = /decimal places|too large|exactly/.test(r.reason);
      const hint = /^-?\d+,\d+$/.test(text) ? ' (use a point as the decimal separator)' : '';
      this.bag.report(inexact ? 'DP3012' : this.codes.decimal, src.where(field), `${what} ${r.reason}${hint}`);
      return undefined;
    }
    if (r.micros < 0) {
      this.bag.report(this.codes.decimal, src.where(field), `${what} "${text}" is negative`);
      return undefined;
    }
    return r.micros;
  }

  /** Whole seconds 1-3600; 0 when the row leaves it to the default; undefined when bad. */
  private seconds(src: DeckRowSource, field: DeckField, what: string): number | undefined {
    const text = src.text(field);
    if (!text) return 0;
    const n = wholeSeconds(text);
    if (n < 1 || n > MAX_BILLING_SECONDS) {
      this.bag.report(this.codes.billing, src.where(field), `${what} "${text}" is not a billing increment: whole seconds from 1 to ${MAX_BILLING_SECONDS}`);
      return undefined;
    }
    return n;
  }

  private duplicate(src: DeckRowSource, prefix: string, effective: number, first: number, rate: number, fee: number, billing: number): void {
    const at = src.where('prefix');
    const firstAt = { file: this.file, line: this.firstLine[first]!, col: this.firstCol[first]! };
    const when = effective === ALWAYS ? '' : ` effective ${new Date(effective).toISOString().replace('T00:00:00.000Z', '')}`;
    const diffs: string[] = [];
    const r0 = this.firstRate[first]!;
    const f0 = this.firstFee[first]!;
    const b0 = this.firstBilling[first]!;
    if (r0 !== rate) diffs.push(`rate ${formatMoney(rate)} here, ${formatMoney(r0)} on line ${firstAt.line}`);
    if (f0 !== fee) diffs.push(`connection fee ${formatMoney(fee)} here, ${formatMoney(f0)} on line ${firstAt.line}`);
    if (b0 !== billing) diffs.push(`billing ${billing >> 16}/${billing & 0xffff} here, ${b0 >> 16}/${b0 & 0xffff} on line ${firstAt.line}`);
    const related = [{ ...firstAt, message: `prefix "${prefix}" first listed here` }];
    if (diffs.length > 0) {
      this.bag.report('DP3003', at, `prefix "${prefix}"${when} is listed twice with different prices (${diffs.join('; ')}); the first row is kept`, related);
    } else {
      this.bag.report('DP3004', at, `prefix "${prefix}"${when} is listed again with the same price as on line ${firstAt.line}; this row is ignored`, related);
    }
  }
}

/** "44" → 44·16 + 2: a prefix of up to 14 digits as an exact number ("44" ≠ "044"); -1 if longer. */
function prefixKey(prefix: string): number {
  const n = prefix.length;
  if (n > 14) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 10 + (prefix.charCodeAt(i) - 48);
  return v * 16 + n;
}

/** Open addressing over typed arrays: prefixKey → row index. */
class PrefixTable {
  /** Per slot [key (−1: empty), value], side by side: one cache line per probe. */
  private slots = new Float64Array(2 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  private size = 0;

  get(key: number): number {
    const { slots, mask } = this;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === key) return slots[2 * i + 1]!;
      if (k < 0) return -1;
    }
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const { slots, mask } = this;
    let i = hashKey(key) & mask;
    while (slots[2 * i]! >= 0 && slots[2 * i] !== key) i = (i + 1) & mask;
    if (slots[2 * i]! < 0) this.size++;
    slots[2 * i] = key;
    slots[2 * i + 1] = value;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Float64Array(2 * (this.mask + 1)).fill(-1);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i]! >= 0) this.set(old[i]!, old[i + 1]!);
  }
}

function hashKey(key: number): number {
  const lo = key % 4294967296 | 0;
  const hi = (key / 4294967296) | 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}

export interface LoadCsvDeckOptions {
  absPath: string;
  /** Repository-relative path, for diagnostics. */
  file: string;
  source: CsvSource;
  defaults: DeckDefaults;
  bag: DiagnosticBag;
  /**
   * Called for each column mapping that names a header the file does not have, instead of
   * reporting DP1015 at the header line, so the caller can point at the mapping in the card.
   */
  onMissingColumn?: (field: DeckField, name: string, message: string, header: Location) => void;
  /** Called with the reason when the file cannot be read (the loader then returns undefined). */
  onReadError?: (message: string) => void;
}

/** Decks larger than this are streamed through the general reader instead of read whole. */
const MAX_WHOLE_FILE_BYTES = 512 << 20;

/**
 * Loads a CSV deck. Undefined only when the file cannot be read (the caller reports DP1008 where
 * the card names the file); everything else is reported and the good rows are returned.
 */
export async function loadCsvDeck(opts: LoadCsvDeckOptions): Promise<DeckRows | undefined> {
  const rows = await loadCsvDeckRaw(opts, true);
  if (rows === undefined || !('prefixes' in rows)) return rows;
  let interner = interners.get(opts.bag);
  if (interner === undefined) interners.set(opts.bag, (interner = new PrefixInterner()));
  return unpackDeck(rows, interner);
}

/** Prefix strings shared by the decks of one check (one bag). */
const interners = new WeakMap<DiagnosticBag, PrefixInterner>();

/**
 * loadCsvDeck, with the rows packed when they come that way (from the fast path, or a worker). With
 * `readAhead`, a load a worker did for this check (deck-pool.ts) is taken instead of reading.
 */
export async function loadCsvDeckRaw(opts: LoadCsvDeckOptions, readAhead = false): Promise<DeckRows | PackedDeck | undefined> {
  const delimiter = deckDelimiter(opts);
  if (delimiter === undefined) return new DeckBuilder(1).finish();
  const ahead = readAhead ? takeReadAhead(opts) : undefined;
  if (ahead !== undefined) {
    const result = await ahead;
    if (result.failed === undefined) return replayDeckLoad(result, opts);
  }
  let bytes: Buffer | undefined;
  try {
    bytes = await readWhole(opts.absPath, MAX_WHOLE_FILE_BYTES);
    if (bytes === undefined) {
      const sink = new DeckRowSink(opts);
      await readCsv(opts.absPath, sink.csvOptions(delimiter), sink.onRow);
      return sink.finish();
    }
  } catch (err) {
    if (!isIoError(err)) throw err;
    opts.onReadError?.(err.message);
    return undefined;
  }
  return csvDeckFromBytes(bytes, opts, delimiter);
}

/** The card's delimiter, or undefined after reporting DP2003 when it cannot separate cells. */
export function deckDelimiter(opts: Pick<LoadCsvDeckOptions, 'file' | 'source' | 'bag'>): string | undefined {
  const delimiter = opts.source.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    opts.bag.report('DP2003', { file: opts.file, line: 1, col: 1 }, `source.delimiter ${JSON.stringify(delimiter)} cannot separate CSV cells (one character other than a quote or a line break)`);
    return undefined;
  }
  return delimiter;
}

/** The file's bytes; undefined when it is larger than `max` (it is then streamed). */
export async function readWhole(absPath: string, max: number): Promise<Buffer | undefined> {
  const handle = await open(absPath, 'r');
  try {
    if ((await handle.stat()).size > max) return undefined;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * A deck from the bytes of its file: the byte-level scanner (deck-csv-bytes.ts) when the deck is
 * clean, else the general reader, which reports what is wrong. A PackedDeck comes from the former.
 */
export function csvDeckFromBytes(bytes: Uint8Array, opts: Omit<LoadCsvDeckOptions, 'absPath'>, delimiter: string): DeckRows | PackedDeck {
  return fastCsvDeck(bytes, opts, delimiter) ?? generalCsvDeckFromBytes(bytes, opts, delimiter);
}

/** csvDeckFromBytes without the fast path: the reference the fast path is tested against. */
export function generalCsvDeckFromBytes(bytes: Uint8Array, opts: Omit<LoadCsvDeckOptions, 'absPath'>, delimiter: string): DeckRows {
  const sink = new DeckRowSink(opts);
  parseCsvBytes(bytes, sink.csvOptions(delimiter), sink.onRow);
  return sink.finish();
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** The byte-level scan, after the lines it skips and the header; undefined to use the general reader. */
function fastCsvDeck(bytes: Uint8Array, opts: Omit<LoadCsvDeckOptions, 'absPath'>, delimiter: string): PackedDeck | undefined {
  const { source, file } = opts;
  const delim = delimiter.charCodeAt(0);
  if (delim >= 0x80) return undefined;
  let pos = UTF8_BOM.every((b, i) => bytes[i] === b) ? 3 : 0;
  let line = 1;
  const lineEnd = (from: number): number => {
    let k = from;
    while (k < bytes.length && bytes[k] !== 10 && bytes[k] !== 13) k++;
    return k;
  };
  const nextLine = (end: number): number => (bytes[end] === 13 && bytes[end + 1] === 10 ? end + 2 : end + 1);
  for (let skip = source.skipRows ?? 0; skip > 0; skip--) {
    const end = lineEnd(pos);
    if (end >= bytes.length) return undefined;
    pos = nextLine(end);
    line++;
  }
  // Anything the header or the mapping would report is left to the general reader.
  const quiet = new DiagnosticBag();
  const index = {} as Record<DeckField, number>;
  let header: CsvRow | undefined;
  if (source.header ?? true) {
    if (pos >= bytes.length) return undefined;
    const end = lineEnd(pos);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(pos, end));
    if (text.includes('\ufffd')) return undefined;
    const rows: CsvRow[] = [];
    parseCsv(text, { file, bag: quiet, delimiter }, (row) => rows.push(row));
    if (rows.length !== 1 || rows[0]!.bad || quiet.items.length > 0) return undefined;
    header = rows[0]!;
    pos = nextLine(end);
    line++;
  }
  const missing: string[] = [];
  if (!resolveColumns(source, header, index, file, quiet, (f) => missing.push(f)) || missing.length > 0 || quiet.items.length > 0) return undefined;
  if (index.prefix < 0) return undefined;
  const lastNeeded = Math.max(...DECK_FIELDS.map((f) => index[f]));
  return scanDeckBytes(bytes, pos, line, { delimiter: delim, index, lastNeeded, defaults: opts.defaults });
}

/** The general reader's rows into a DeckRowChecker: empty rows, short rows, then the checker. */
class DeckRowSink {
  private readonly checker: DeckRowChecker;
  private readonly view: CsvRowView;
  private columnsOk = false;
  private headerSeen: boolean;
  /** Empty rows are errors unless nothing but empty rows follows them (a blank line at the end). */
  private emptyLines: number[] = [];

  constructor(private readonly opts: Omit<LoadCsvDeckOptions, 'absPath'>) {
    this.checker = new DeckRowChecker(opts.file, opts.defaults, opts.bag, CSV_ROW_CODES);
    this.view = new CsvRowView(opts.file);
    this.headerSeen = !(opts.source.header ?? true);
    if (this.headerSeen) this.resolve(undefined);
  }

  csvOptions(delimiter: string): CsvOptions {
    return { file: this.opts.file, bag: this.opts.bag, delimiter, skipLines: this.opts.source.skipRows ?? 0 };
  }

  readonly onRow = (row: CsvRow): void => {
    const { file, bag } = this.opts;
    const view = this.view;
    if (!this.headerSeen) {
      this.headerSeen = true;
      this.resolve(row);
      return;
    }
    if (!row.bad && isEmptyRow(row)) {
      this.emptyLines.push(row.line);
      return;
    }
    if (this.emptyLines.length > 0) {
      for (const line of this.emptyLines) bag.report('DP1011', { file, line, col: 1 }, 'empty row in a rate deck (delete the line)');
      this.emptyLines = [];
    }
    if (row.bad || !this.columnsOk) return; // a bad row: DP1010 already
    if (row.cells.length <= view.lastNeeded) {
      const missing = DECK_FIELDS.find((f) => view.index[f] >= row.cells.length)!;
      bag.report('DP1014', { file, line: row.endLine, col: row.endCol },
        `row has ${row.cells.length} cell${row.cells.length === 1 ? '' : 's'}, but columns.${missing} is column ${view.index[missing] + 1}`);
      return;
    }
    view.row = row;
    this.checker.add(view);
  };

  finish(): DeckRows {
    if (!this.headerSeen) this.resolve(undefined);
    return this.checker.finish();
  }

  private resolve(header: CsvRow | undefined): void {
    const { source, file, bag, onMissingColumn } = this.opts;
    this.columnsOk = resolveColumns(source, header, this.view.index, file, bag, onMissingColumn);
    this.view.lastNeeded = Math.max(...DECK_FIELDS.map((f) => this.view.index[f]));
  }
}

/** Fills `index` (field → 0-based cell index, -1 when unmapped); false when a mapping is unusable. */
function resolveColumns(
  source: CsvSource,
  header: CsvRow | undefined,
  index: Record<DeckField, number>,
  file: string,
  bag: DiagnosticBag,
  onMissing: LoadCsvDeckOptions['onMissingColumn'],
): boolean {
  let ok = true;
  const names = header?.cells.map((c) => c.trim()) ?? [];
  const at: Location = header ? { file, line: header.line, col: 1, length: Math.max(1, header.endCol - 1) } : { file, line: 1, col: 1 };
  for (const field of DECK_FIELDS) {
    const col = source.columns[field];
    index[field] = -1;
    if (col === undefined) continue;
    if (typeof col === 'number') {
      index[field] = col - 1;
      continue;
    }
    let i = names.indexOf(col.trim());
    if (i < 0) {
      // "rate" finds "Rate": only when exactly one header matches that way.
      const wanted = col.trim().toLowerCase();
      const loose = names.flatMap((n, k) => (n.toLowerCase() === wanted ? [k] : []));
      if (loose.length === 1) i = loose[0]!;
    }
    if (i >= 0) {
      index[field] = i;
      continue;
    }
    ok = false;
    const shown = names.length > 12 ? [...names.slice(0, 12), '…'] : names;
    const message = (source.header ?? true)
      ? header
        ? `columns.${field} names "${col}", which is not in the header row (${shown.map((n) => `"${n}"`).join(', ')})`
        : `columns.${field} names "${col}", but the file is empty: it has no header row`
      : `columns.${field} names "${col}", but the card says header: false; give the column's 1-based position instead`;
    // The fix is in the card's mapping, not in the data file: let the caller point there.
    if (onMissing) onMissing(field, col, message, at);
    else bag.report('DP1015', at, message);
  }
  return ok;
}

function isEmptyRow(row: CsvRow): boolean {
  for (const c of row.cells) if (c.trim() !== '') return false;
  return true;
}

function isIoError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** A CSV row as a DeckRowSource: the column mapping applied to the current row. */
class CsvRowView implements DeckRowSource {
  row!: CsvRow;
  readonly index = {} as Record<DeckField, number>;
  /** Highest cell index the mapping uses. */
  lastNeeded = -1;

  constructor(private readonly file: string) {}

  get line(): number {
    return this.row.line;
  }

  get anchorCol(): number {
    return this.row.cols[this.index.prefix] ?? 1;
  }

  text(field: DeckField): string | undefined {
    const i = this.index[field];
    return i < 0 ? undefined : this.row.cells[i]!.trim();
  }

  where(field: DeckField): Location {
    const i = this.index[field];
    const { line, col } = cellAt(this.row, Math.max(0, i));
    return { file: this.file, line, col, length: Math.max(1, this.row.cells[i]?.length ?? 1) };
  }
}
