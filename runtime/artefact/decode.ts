// Reading an artefact: limits first, then the header, the section table and every reference of
// every record, then typed-array views over the one buffer. Nothing is parsed into an object per
// prefix: loading is a validation pass plus view set-up, and a lookup walks Uint32Arrays.
// Anything wrong is an ArtefactError before the artefact can be used — never half-read.
import { createHash } from 'node:crypto';
import * as F from './format.js';
import { PackedPairs } from './packed.js';

const { DIGIT_RANK } = F;

export type ArtefactErrorCode =
  | 'too-large' | 'truncated' | 'bad-magic' | 'bad-version' | 'bad-header' | 'bad-section-table'
  | 'missing-section' | 'bad-section' | 'bad-reference' | 'bad-string' | 'bad-money' | 'bad-trie' | 'bad-hash';

export class ArtefactError extends Error {
  override name = 'ArtefactError';
  constructor(readonly code: ArtefactErrorCode, message: string) {
    super(message);
  }
}

export interface DecodeOptions {
  /** Check the SHA-256 content hash (default true). A signature check beside it makes it redundant. */
  verifyHash?: boolean;
  /** Refuse files larger than this many bytes before reading anything (default LIMITS.maxFileBytes). */
  maxBytes?: number;
}

export interface SectionInfo {
  id: number;
  name: F.SectionName;
  offset: number;
  length: number;
  count: number;
}

/** Digits the per-table jump tables resolve at once, and their entries per table. */
const JUMP_DIGITS = 3;
const JUMP_ENTRIES = 10 ** JUMP_DIGITS;

const REQUIRED: readonly F.SectionName[] = Object.keys(F.SECTION) as F.SectionName[];
const TWO32 = 4294967296;

function fail(code: ArtefactErrorCode, message: string): never {
  throw new ArtefactError(code, message);
}

/** Decodes and validates `input`; the returned Artefact only holds views over one buffer. */
export function decodeArtefact(input: Uint8Array, options: DecodeOptions = {}): Artefact {
  if (!(input instanceof Uint8Array)) fail('bad-header', 'artefact must be bytes');
  const max = Math.min(options.maxBytes ?? F.LIMITS.maxFileBytes, F.LIMITS.maxFileBytes);
  if (input.length > max) fail('too-large', `artefact of ${input.length} bytes exceeds the limit of ${max}`);
  if (input.length < F.HEADER_BYTES) fail('truncated', `artefact of ${input.length} bytes is shorter than its ${F.HEADER_BYTES}-byte header`);
  // Typed views need aligned memory: copy once if the caller's bytes start unaligned.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  return new Artefact(bytes, options.verifyHash ?? true);
}

type Check = { op: number; arg: number; list?: Check };
const OP_U32 = 0, OP_FLAGS = 1, OP_ENUM = 2, OP_STR = 3, OP_STR_OPT = 4, OP_MONEY = 5, OP_MONEY_OPT = 6,
  OP_IDX = 7, OP_IDX_OPT = 8, OP_LIST = 9;

export class Artefact {
  readonly bytes: Uint8Array;
  readonly major: number;
  readonly minor: number;
  readonly serial: number;
  readonly effectiveFrom: number;
  readonly effectiveUntil: number;
  readonly revision: string;
  readonly contentHash: string;
  readonly sections: readonly SectionInfo[];

  // Views (all over `bytes.buffer`).
  readonly stringOffsets: Uint32Array;
  readonly stringBytes: Uint8Array;
  readonly moneyWords: Uint32Array;
  readonly carriers: Uint32Array;
  readonly gateways: Uint32Array;
  readonly decks: Uint32Array;
  readonly cards: Uint32Array;
  readonly customers: Uint32Array;
  readonly ipv4: Uint32Array;
  readonly ipv6: Uint32Array;
  readonly users: Uint32Array;
  readonly routes: Uint32Array;
  readonly tables: Uint32Array;
  /** Tables' trie nodes (TABLE_NODE_WORDS each). */
  readonly nodes: Uint32Array;
  /** Per block of 32 nodes: values before it, bitmap of the nodes holding one (see format.ts). */
  readonly nodeValues: Uint32Array;
  /** Per compiled prefix: low = shape, high = sell (MONEY index); read through valueShape/valueSell. */
  readonly values: PackedPairs;
  readonly labels: Uint32Array;
  /** Per shape: low = label, high = CANDIDATES index; read through shapeLabel/shapeCandidates. */
  readonly shapes: PackedPairs;
  /** Per distinct candidate list: its LISTS offset ([count, view × count]). */
  readonly candidates: Uint32Array;
  readonly views: Uint32Array;
  /** Views' trie nodes (VIEW_NODE_WORDS each). */
  readonly viewNodes: Uint32Array;
  /** The same words as Int32 (NONE = −1): walks and checks stay in small-integer arithmetic. */
  private readonly tableWords: Int32Array;
  private readonly viewWords: Int32Array;
  /** priceViews' walk state, reused. */
  private walkNode = new Int32Array(16);
  private walkFirst = new Int32Array(16);
  /**
   * Per table, per first JUMP_DIGITS digits of a number: where its walk stands after them — the
   * node reached (−1: the walk stopped earlier), the deepest node with a value on the way (−1
   * none) and that node's depth. Built once after validation (3 words × 1000 per table): the top
   * levels of every walk are one read instead of three dependent ones.
   */
  private readonly jump: Int32Array;
  /** Per table, its root node (TABLE.nodeFirst): one read per lookup instead of a multiply and a read. */
  private readonly tableFirst: Int32Array;
  readonly rates: Uint32Array;
  readonly lists: Uint32Array;
  readonly schedules: Uint32Array;
  readonly numberLists: Uint32Array;
  /** Optional sections (format 1.1): null when absent, validated like the rest when present. */
  readonly network: Uint32Array | null;
  readonly routeDial: Uint32Array | null;
  readonly counts: Readonly<Record<F.SectionName, number>>;

  /** Depth (digits) of the last successful `lookup` match. */
  matchDepth = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly customerIndex = new Map<string, number>();

  constructor(bytes: Uint8Array, verifyHash: boolean) {
    this.bytes = bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < F.MAGIC.length; i++) if (bytes[i] !== F.MAGIC[i]) fail('bad-magic', 'not a dialplane artefact (bad magic)');
    this.major = view.getUint16(F.H.major, true);
    this.minor = view.getUint16(F.H.minor, true);
    if (this.major !== F.FORMAT_MAJOR) fail('bad-version', `format version ${this.major}.${this.minor} is not supported (this reader: ${F.FORMAT_MAJOR}.x)`);
    if (view.getUint32(F.H.headerBytes, true) !== F.HEADER_BYTES) fail('bad-header', 'header length is not 160');
    const fileBytes = view.getUint32(F.H.fileBytes, true);
    if (fileBytes > bytes.length) fail('truncated', `artefact says ${fileBytes} bytes but ${bytes.length} are present`);
    if (fileBytes !== bytes.length) fail('bad-header', `artefact says ${fileBytes} bytes but ${bytes.length} are present`);
    const sectionCount = view.getUint32(F.H.sectionCount, true);
    if (sectionCount > F.LIMITS.maxSections) fail('bad-header', `${sectionCount} sections exceed the limit of ${F.LIMITS.maxSections}`);
    this.serial = u64(view, F.H.serial);
    this.effectiveFrom = i64(view, F.H.effectiveFrom);
    this.effectiveUntil = i64(view, F.H.effectiveUntil);
    if (view.getUint32(F.H.flags, true) !== 0) fail('bad-header', 'unknown header flags');
    for (let i = F.H.reserved; i < F.H.contentHash; i++) if (bytes[i] !== 0) fail('bad-header', 'reserved header bytes are not zero');
    let revision = '';
    let ended = false;
    for (let i = 0; i < 64; i++) {
      const c = bytes[F.H.revision + i]!;
      if (c === 0) ended = true;
      else if (ended || c < 0x20 || c > 0x7e) fail('bad-header', 'revision is not NUL-padded printable ASCII');
      else revision += String.fromCharCode(c);
    }
    this.revision = revision;
    this.contentHash = hex(bytes.subarray(F.H.contentHash, F.H.contentHash + 32));
    if (verifyHash) {
      const h = createHash('sha256')
        .update(bytes.subarray(0, F.H.contentHash))
        .update(new Uint8Array(32))
        .update(bytes.subarray(F.H.contentHash + 32))
        .digest('hex');
      if (h !== this.contentHash) fail('bad-hash', 'content hash does not match: the artefact is corrupt or was altered');
    }

    // Section table.
    const tableEnd = F.HEADER_BYTES + sectionCount * F.SECTION_ENTRY_BYTES;
    if (tableEnd > fileBytes) fail('truncated', 'section table runs past the end of the file');
    const sections: SectionInfo[] = [];
    const byName = new Map<F.SectionName, SectionInfo>();
    let prevEnd = tableEnd;
    let prevId = 0;
    for (let i = 0; i < sectionCount; i++) {
      const e = F.HEADER_BYTES + i * F.SECTION_ENTRY_BYTES;
      const id = view.getUint32(e, true);
      const offset = view.getUint32(e + 4, true);
      const length = view.getUint32(e + 8, true);
      const count = view.getUint32(e + 12, true);
      const name = F.SECTION_NAMES[id];
      if (!name) fail('bad-section-table', `unknown section id ${id}`);
      if (id <= prevId) fail('bad-section-table', 'sections are not in ascending id order');
      if (offset % F.SECTION_ALIGN !== 0) fail('bad-section-table', `section ${name} is not 8-byte aligned`);
      if (offset < prevEnd) fail('bad-section-table', `section ${name} overlaps what precedes it`);
      if (offset + length > fileBytes) fail('truncated', `section ${name} runs past the end of the file`);
      for (let k = prevEnd; k < offset; k++) if (bytes[k] !== 0) fail('bad-section-table', 'padding between sections is not zero');
      prevId = id;
      prevEnd = offset + length;
      const info = { id, name, offset, length, count };
      sections.push(info);
      byName.set(name, info);
    }
    for (let k = prevEnd; k < fileBytes; k++) if (bytes[k] !== 0) fail('bad-section-table', 'bytes after the last section are not zero');
    for (const name of REQUIRED) if (!byName.has(name)) fail('missing-section', `section ${name} is missing`);
    this.sections = sections;

    const words = (name: F.SectionName, width: number, limit: number = F.LIMITS.maxRecords): Uint32Array => {
      const s = byName.get(name)!;
      if (s.count > limit) fail('bad-section', `section ${name} holds ${s.count} records, over the limit of ${limit}`);
      if (s.length !== s.count * width * 4) fail('bad-section', `section ${name}: ${s.length} bytes do not hold ${s.count} records of ${width * 4} bytes`);
      return new Uint32Array(bytes.buffer, bytes.byteOffset + s.offset, s.count * width);
    };
    const counts = {} as Record<F.SectionName, number>;
    for (const s of sections) counts[s.name] = s.count;
    this.counts = counts;

    // Strings: (count + 1) offsets, then UTF-8 bytes.
    const ss = byName.get('strings')!;
    if (ss.count > F.LIMITS.maxStrings) fail('bad-section', `${ss.count} strings exceed the limit`);
    if (ss.length < 4 * (ss.count + 1)) fail('bad-section', 'strings section is shorter than its offset table');
    this.stringOffsets = new Uint32Array(bytes.buffer, bytes.byteOffset + ss.offset, ss.count + 1);
    this.stringBytes = bytes.subarray(ss.offset + 4 * (ss.count + 1), ss.offset + ss.length);
    this.validateStrings();

    // Money: strictly ascending signed 64-bit integers within ±(2^53 − 1).
    const ms = byName.get('money')!;
    this.moneyWords = words('money', 2);
    for (let i = 0; i < ms.count; i++) {
      const hi = this.moneyWords[2 * i + 1]! | 0;
      if (hi >= 0x200000 || hi < -0x200000 || (hi === -0x200000 && this.moneyWords[2 * i]! === 0)) fail('bad-money', `amount ${i} is outside the exact integer range`);
      if (i > 0 && !(this.money(i) > this.money(i - 1))) fail('bad-money', 'money table is not strictly ascending');
    }

    const L = F.RECORD_SECTIONS;
    this.carriers = words('carriers', L.carriers.width);
    this.gateways = words('gateways', L.gateways.width);
    this.decks = words('decks', L.decks.width);
    this.cards = words('cards', L.cards.width);
    this.customers = words('customers', L.customers.width);
    this.ipv4 = words('ipv4', L.ipv4.width);
    this.ipv6 = words('ipv6', L.ipv6.width);
    this.users = words('users', L.users.width);
    this.routes = words('routes', L.routes.width);
    this.tables = words('tables', L.tables.width);
    this.nodes = words('nodes', F.TABLE_NODE_WORDS);
    this.tableWords = new Int32Array(this.nodes.buffer, this.nodes.byteOffset, this.nodes.length);
    this.nodeValues = words('nodeValues', 2);
    this.labels = words('labels', L.labels.width);
    this.candidates = words('candidates', L.candidates.width);
    const packed = (name: F.SectionName, lowLimit: number, highLimit: number): PackedPairs => {
      const s = byName.get(name)!;
      if (s.count > F.LIMITS.maxRecords) fail('bad-section', `section ${name} holds ${s.count} records, over the limit of ${F.LIMITS.maxRecords}`);
      if (s.length < F.PACKED_PREAMBLE_BYTES) fail('bad-section', `section ${name} is shorter than its preamble`);
      const layout = view.getUint32(s.offset, true);
      const lowBits = layout & 0xff, highBits = (layout >>> 8) & 0xff, recordBytes = layout >>> 16;
      if (lowBits < 1 || lowBits > F.PACKED_MAX_FIELD_BITS || highBits < 1 || highBits > F.PACKED_MAX_FIELD_BITS
        || recordBytes !== Math.ceil((lowBits + highBits) / 8) || view.getUint32(s.offset + 4, true) !== 0) {
        fail('bad-section', `section ${name}: bad packing (${lowBits} + ${highBits} bits in ${recordBytes} bytes)`);
      }
      // Narrower fields than the counts need would silently drop index bits.
      if (lowBits < F.bitsFor(lowLimit) || highBits < F.bitsFor(highLimit)) fail('bad-section', `section ${name}: fields of ${lowBits} + ${highBits} bits cannot name every record they refer to`);
      if (s.length !== F.packedSectionBytes(s.count, recordBytes)) fail('bad-section', `section ${name}: ${s.length} bytes do not hold ${s.count} records of ${recordBytes} bytes`);
      const tail = s.offset + s.length - F.PACKED_TAIL_BYTES;
      for (let k = tail; k < s.offset + s.length; k++) if (bytes[k] !== 0) fail('bad-section', `section ${name}: the tail after the records is not zero`);
      return new PackedPairs(bytes.subarray(s.offset + F.PACKED_PREAMBLE_BYTES, s.offset + s.length), lowBits, highBits, recordBytes, s.count);
    };
    this.shapes = packed('shapes', counts.labels, counts.candidates);
    this.values = packed('values', counts.shapes, counts.money);
    this.views = words('views', L.views.width);
    this.viewNodes = words('viewNodes', F.VIEW_NODE_WORDS);
    this.viewWords = new Int32Array(this.viewNodes.buffer, this.viewNodes.byteOffset, this.viewNodes.length);
    this.rates = words('rates', L.rates.width);
    this.schedules = words('schedules', L.schedules.width);
    this.numberLists = words('numberLists', L.numberLists.width);
    // LISTS: `count` is its length in words.
    this.lists = words('lists', 1, F.LIMITS.maxListWords);
    const optional = (name: F.SectionName, width: number): Uint32Array | null => (byName.has(name) ? words(name, width) : null);
    this.network = optional('network', F.NETWORK.width);
    this.routeDial = optional('routeDial', F.ROUTE_DIAL.width);
    this.validateRecords();
    this.validatePacked(this.shapes, 'shapes', 'label', counts.labels, 'candidates', counts.candidates);
    this.validatePacked(this.values, 'values', 'shape', counts.shapes, 'sell', counts.money);
    this.validateStructure();
    this.tableFirst = new Int32Array(counts.tables);
    for (let t = 0; t < counts.tables; t++) this.tableFirst[t] = this.tables[t * F.TABLE.width + F.TABLE.at.nodeFirst]!;
    this.jump = this.buildJumps();
    for (let c = 0; c < counts.customers; c++) this.customerIndex.set(this.string(this.customers[c * F.CUSTOMER.width + F.CUSTOMER.at.id]!), c);
  }

  // ------------------------------------------------------------------ validation

  private validateStrings(): void {
    const off = this.stringOffsets;
    const n = off.length - 1;
    const blob = this.stringBytes;
    if (off[0] !== 0) fail('bad-string', 'first string offset is not 0');
    for (let i = 1; i <= n; i++) {
      if (off[i]! < off[i - 1]!) fail('bad-string', `string offsets go backwards at ${i}`);
      if (off[i]! > blob.length) fail('bad-string', `string ${i - 1} runs past the string bytes`);
    }
    if (off[n] !== blob.length) fail('bad-string', 'string bytes do not end where the last string does');
    try {
      this.decoder.decode(blob);
    } catch {
      fail('bad-string', 'strings are not valid UTF-8');
    }
    // Valid as a whole + every boundary outside a multi-byte sequence ⇒ every string is valid.
    for (let i = 0; i < n; i++) {
      const b = blob[off[i]!];
      if (off[i]! < blob.length && b !== undefined && (b & 0xc0) === 0x80) fail('bad-string', `string ${i} starts inside a character`);
    }
  }

  private compile(kind: string): Check {
    const [head, ...rest] = kind.split(':');
    const tail = rest.join(':');
    const count = (name: string) => {
      const c = this.counts[name as F.SectionName];
      if (c === undefined) throw new Error(`format.ts: unknown section ${name}`);
      return c;
    };
    switch (head) {
      case 'u32': case 'f64lo': case 'f64hi': return { op: OP_U32, arg: 0 };
      case 'flags': return { op: OP_FLAGS, arg: ~Number(tail) };
      case 'enum': return { op: OP_ENUM, arg: Number(tail) };
      case 'str': return { op: OP_STR, arg: this.stringOffsets.length - 1 };
      case 'str?': return { op: OP_STR_OPT, arg: this.stringOffsets.length - 1 };
      case 'money': return { op: OP_MONEY, arg: this.counts.money };
      case 'money?': return { op: OP_MONEY_OPT, arg: this.counts.money };
      case 'idx': return { op: OP_IDX, arg: count(tail) };
      case 'idx?': return { op: OP_IDX_OPT, arg: count(tail) };
      case 'list': return { op: OP_LIST, arg: 0, list: this.compile(tail) };
      default: throw new Error(`format.ts: unknown field kind ${kind}`);
    }
  }

  private check(c: Check, w: number, where: string): void {
    switch (c.op) {
      case OP_U32: return;
      case OP_FLAGS: if (w & c.arg) fail('bad-reference', `${where}: unknown flag bits`); return;
      case OP_ENUM: case OP_STR: case OP_MONEY: case OP_IDX:
        if (w >= c.arg) fail('bad-reference', `${where}: ${w} is out of range (< ${c.arg})`);
        return;
      case OP_STR_OPT: case OP_MONEY_OPT: case OP_IDX_OPT:
        if (w !== F.NONE && w >= c.arg) fail('bad-reference', `${where}: ${w} is out of range (< ${c.arg})`);
        return;
      case OP_LIST: {
        const arr = this.lists;
        if (w >= arr.length) fail('bad-reference', `${where}: list offset ${w} is out of range`);
        const n = arr[w]!;
        if (n > arr.length - w - 1) fail('bad-reference', `${where}: list of ${n} items runs past its section`);
        const item = c.list!;
        if (item.op !== OP_U32) for (let k = 1; k <= n; k++) this.check(item, arr[w + k]!, where);
        return;
      }
    }
  }

  private validateRecords(): void {
    const layouts = { ...F.RECORD_SECTIONS, ...(this.network ? { network: F.NETWORK } : {}), ...(this.routeDial ? { routeDial: F.ROUTE_DIAL } : {}) };
    for (const [name, layout] of Object.entries(layouts) as [F.SectionName, { fields: readonly (readonly [string, string])[]; width: number }][]) {
      const arr = this[name as keyof this] as unknown as Uint32Array;
      const width = layout.width;
      const n = arr.length / width;
      layout.fields.forEach(([field, kind], f) => {
        const c = this.compile(kind);
        const where = (r: number) => `${name}[${r}].${field}`;
        if (c.op === OP_U32) return;
        if (c.op === OP_IDX || c.op === OP_MONEY || c.op === OP_STR) {
          // The big sections' fields: one compare per record; the message only on failure.
          const end = c.arg;
          for (let r = 0, at = f; r < n; r++, at += width) if (arr[at]! >= end) this.check(c, arr[at]!, where(r));
        } else if (c.op === OP_LIST) {
          // Lists are shared: each offset is checked once per field (millions of shapes name a
          // few thousand candidate lists).
          const seen = new Uint8Array(this.lists.length);
          for (let r = 0, at = f; r < n; r++, at += width) {
            const w = arr[at]!;
            if (w < seen.length && seen[w] === 1) continue;
            this.check(c, w, where(r));
            seen[w] = 1;
          }
        } else {
          for (let r = 0, at = f; r < n; r++, at += width) this.check(c, arr[at]!, where(r));
        }
      });
    }
  }

  /** Every record of a packed section names an existing record in both fields. */
  private validatePacked(p: PackedPairs, name: string, lowName: string, lowEnd: number, highName: string, highEnd: number): void {
    const i = p.firstOutOfRange(lowEnd, highEnd);
    if (i < 0) return;
    if (p.low(i) >= lowEnd) fail('bad-reference', `${name}[${i}].${lowName}: ${p.low(i)} is out of range (< ${lowEnd})`);
    fail('bad-reference', `${name}[${i}].${highName}: ${p.high(i)} is out of range (< ${highEnd})`);
  }

  private validateStructure(): void {
    const C = F.CUSTOMER, R = F.ROUTE, CA = F.CARRIER, G = F.GATEWAY, T = F.TABLE;
    // Customers own contiguous runs of routes; carriers of gateways.
    let expect = 0;
    for (let c = 0; c < this.counts.customers; c++) {
      const first = this.customers[c * C.width + C.at.routeFirst]!;
      const n = this.customers[c * C.width + C.at.routeCount]!;
      if (first !== expect || n > this.counts.routes - first) fail('bad-reference', `customers[${c}]: routes ${first}+${n} are not the next run`);
      for (let r = first; r < first + n; r++) if (this.routes[r * R.width + R.at.customer] !== c) fail('bad-reference', `routes[${r}] belongs to another customer`);
      expect = first + n;
    }
    if (expect !== this.counts.routes) fail('bad-reference', 'some routes belong to no customer');
    expect = 0;
    for (let c = 0; c < this.counts.carriers; c++) {
      const first = this.carriers[c * CA.width + CA.at.gatewayFirst]!;
      const n = this.carriers[c * CA.width + CA.at.gatewayCount]!;
      if (first !== expect || n > this.counts.gateways - first) fail('bad-reference', `carriers[${c}]: gateways ${first}+${n} are not the next run`);
      for (let g = first; g < first + n; g++) {
        if (this.gateways[g * G.width + G.at.carrier] !== c) fail('bad-reference', `gateways[${g}] belongs to another carrier`);
        const b = this.gateways[g * G.width + G.at.backup]!;
        if (b !== F.NONE && (b < first || b >= first + n)) fail('bad-reference', `gateways[${g}]: backup is another carrier's gateway`);
      }
      expect = first + n;
    }
    if (expect !== this.counts.gateways) fail('bad-reference', 'some gateways belong to no carrier');
    for (let i = 0; i < this.counts.ipv4; i++) if (this.ipv4[i * 3 + 1]! > 32) fail('bad-reference', `ipv4[${i}]: prefix length over 32`);
    for (let i = 0; i < this.counts.ipv6; i++) if (this.ipv6[i * 6 + 4]! > 128) fail('bad-reference', `ipv6[${i}]: prefix length over 128`);
    for (let l = 0; l < this.counts.labels; l++) {
      const meta = this.labels[l * F.LABEL.width + F.LABEL.at.meta]!;
      if ((meta & 0xff) >= F.DESTINATION_TYPES.length || ((meta >>> 8) & 0xff) >= F.REJECT_REASONS.length || meta >>> 16 !== 0) fail('bad-reference', `labels[${l}]: bad meta`);
    }
    for (let r = 0; r < this.counts.rates; r++) {
      const base = r * F.RATE.width;
      if (this.rates[base + F.RATE.at.type]! >= F.DESTINATION_TYPES.length) fail('bad-reference', `rates[${r}]: bad type`);
      if (this.rates[base + F.RATE.at.increment]! === 0) fail('bad-reference', `rates[${r}]: increment 0`);
    }
    this.validateNodeValues();
    // Tables own consecutive runs of NODES covering the section, views of VIEW_NODES; inside a run
    // every node's children are later nodes of the same run (so a walk cannot loop or leave its
    // trie), and every value names an existing record.
    let nodeAt = 0;
    for (let t = 0; t < this.counts.tables; t++) {
      const b = t * T.width;
      nodeAt = this.validateTableTrie(t, this.tables[b + T.at.nodeFirst]!, this.tables[b + T.at.nodeCount]!, nodeAt);
      const card = this.tables[b + T.at.card]!;
      const weights = this.tables[b + T.at.weights]!;
      const wn = this.lists[weights]!;
      if (wn % 3 !== 0) fail('bad-reference', `tables[${t}]: weights list is not (deck, weight) triples`);
      for (let k = 0; k < wn; k += 3) if (this.lists[weights + 1 + k]! >= this.counts.decks) fail('bad-reference', `tables[${t}]: weight for an unknown deck`);
      if (card >= this.counts.cards) fail('bad-reference', `tables[${t}]: unknown card`);
    }
    if (nodeAt !== this.counts.nodes) fail('bad-trie', 'some nodes belong to no table');
    nodeAt = 0;
    for (let v = 0; v < this.counts.views; v++) {
      const b = v * F.VIEW.width;
      nodeAt = this.validateViewTrie(v, this.views[b + F.VIEW.at.nodeFirst]!, this.views[b + F.VIEW.at.nodeCount]!, nodeAt);
    }
    if (nodeAt !== this.counts.viewNodes) fail('bad-trie', 'some view nodes belong to no view');
    if (this.network && this.counts.network !== 1) fail('bad-section', `section network holds ${this.counts.network} records, not 1`);
    if (this.routeDial) {
      // One per route; each literal names a dial regex of its route.
      if (this.counts.routeDial !== this.counts.routes) fail('bad-section', `section routeDial holds ${this.counts.routeDial} records for ${this.counts.routes} routes`);
      const RD = F.ROUTE_DIAL;
      for (let r = 0; r < this.counts.routes; r++) {
        const regexes = this.lists[this.routes[r * R.width + R.at.dialRegex]!]!;
        const owners = this.list(this.routeDial[r * RD.width + RD.at.owners]!);
        if (owners.length !== this.lists[this.routeDial[r * RD.width + RD.at.literals]!]) fail('bad-reference', `routeDial[${r}]: literals and owners differ in length`);
        for (const o of owners) if (o >= regexes) fail('bad-reference', `routeDial[${r}]: a literal of dial regex ${o}, which route ${r} does not have`);
      }
    }
    for (let s = 0; s < this.counts.schedules; s++) {
      const w = this.schedules[s * F.SCHEDULE.width + F.SCHEDULE.at.windows]!;
      const n = this.lists[w]!;
      if (n % 3 !== 0) fail('bad-reference', `schedules[${s}]: windows are not (days, from, until) triples`);
      for (let k = 0; k < n; k += 3) {
        if (this.lists[w + 1 + k]! >= 128 || this.lists[w + 2 + k]! > 1440 || this.lists[w + 3 + k]! > 1440) fail('bad-reference', `schedules[${s}]: bad window`);
      }
    }
  }

  /** A trie's run [first, first + count) must be the next one, non-empty, within the section. */
  private checkRun(owner: string, first: number, count: number, expectFirst: number, sectionCount: number): void {
    if (first !== expectFirst || count === 0 || count > sectionCount - first || count > F.MAX_TRIE_NODES) {
      fail('bad-trie', `${owner}: nodes ${first}+${count} are not the next run`);
    }
  }

  /**
   * NODE_VALUES: one block per 32 nodes; each block's count is the bits set before it, the bits
   * past the last node are zero, and the bits set in all equal the VALUES count — so every node
   * with a value names an existing one.
   */
  private validateNodeValues(): void {
    const blocks = this.nodeValues;
    const n = this.counts.nodes;
    const count = Math.ceil(n / F.NODE_VALUE_BLOCK);
    if (blocks.length !== 2 * count) fail('bad-trie', `nodeValues has ${blocks.length / 2} blocks for ${n} nodes (needs ${count})`);
    let rank = 0;
    for (let b = 0; b < count; b++) {
      if (blocks[2 * b] !== rank) fail('bad-trie', `nodeValues[${b}] counts ${blocks[2 * b]} values before it, not ${rank}`);
      rank += F.popcount32(blocks[2 * b + 1]!);
    }
    const tail = n % F.NODE_VALUE_BLOCK;
    if (tail !== 0 && blocks[2 * count - 1]! >>> tail !== 0) fail('bad-trie', 'nodeValues marks nodes past the last one');
    if (rank !== this.counts.values) fail('bad-trie', `nodeValues marks ${rank} values, VALUES holds ${this.counts.values}`);
  }

  /** Table t's run of NODES: children after their node and inside the run, no stray bits. */
  private validateTableTrie(t: number, first: number, count: number, expectFirst: number): number {
    this.checkRun(`tables[${t}]`, first, count, expectFirst, this.counts.nodes);
    const end = first + count;
    if (trieFaults(this.tableWords, first, end) !== 0) {
      this.reportBadNode(`tables[${t}]`, this.tableWords, first, end, F.TABLE_NODE_WORDS);
      throw new Error('internal: trieFaults found a fault reportBadNode did not');
    }
    return end;
  }

  /** View v's run of VIEW_NODES: structure as for tables, and rates that exist. */
  private validateViewTrie(v: number, first: number, count: number, expectFirst: number): number {
    this.checkRun(`views[${v}]`, first, count, expectFirst, this.counts.viewNodes);
    const nodes = this.viewWords;
    const end = first + count;
    if (viewFaults(nodes, first, end, this.counts.rates) !== 0) {
      this.reportBadNode(`views[${v}]`, nodes, first, end, F.VIEW_NODE_WORDS);
      for (let n = first; n < end; n++) {
        const rate = nodes[2 * n + 1]!;
        if ((rate >>> 0) >= this.counts.rates && rate !== -1) fail('bad-trie', `views[${v}]: node ${n - first} names rate ${rate >>> 0}, which does not exist`);
      }
      throw new Error('internal: viewFaults found a fault nothing reported');
    }
    return end;
  }

  /** Throws for the first node of [first, end) whose children are wrong, if there is one. */
  private reportBadNode(owner: string, words: Int32Array, first: number, end: number, width: number): void {
    for (let n = first; n < end; n++) {
      const w = words[n * width]!;
      if (w === 0) continue;
      const digits = w & F.NODE_DIGITS;
      const child = first + (w >>> F.NODE_CHILD_SHIFT);
      if (digits === 0 || child <= n || child + DIGIT_RANK[digits]! > end) this.badChildren(owner, w, n, first);
    }
  }

  private badChildren(owner: string, w: number, n: number, first: number): never {
    const digits = w & F.NODE_DIGITS;
    if (digits === 0) fail('bad-trie', `${owner}: node ${n - first} has a child offset but no children`);
    fail('bad-trie', `${owner}: node ${n - first}: children ${w >>> F.NODE_CHILD_SHIFT}+${DIGIT_RANK[digits]} are not later nodes of the trie`);
  }

  // ------------------------------------------------------------------ access

  string(i: number): string {
    return this.decoder.decode(this.stringBytes.subarray(this.stringOffsets[i]!, this.stringOffsets[i + 1]!));
  }

  /** Optional string field: undefined for NONE. */
  stringOpt(i: number): string | undefined {
    return i === F.NONE ? undefined : this.string(i);
  }

  /** Amount `i` of the money table, in micro-units. */
  money(i: number): number {
    return (this.moneyWords[2 * i + 1]! | 0) * TWO32 + this.moneyWords[2 * i]!;
  }

  /** Items of list at word offset `at` in LISTS. */
  list(at: number): Uint32Array {
    return this.lists.subarray(at + 1, at + 1 + this.lists[at]!);
  }

  f64(lo: number, hi: number): number {
    const b = new DataView(new ArrayBuffer(8));
    b.setUint32(0, lo, true);
    b.setUint32(4, hi, true);
    return b.getFloat64(0, true);
  }

  field<L extends { width: number; at: Record<string, number> }>(arr: Uint32Array, layout: L, i: number, name: keyof L['at'] & string): number {
    return arr[i * layout.width + layout.at[name]!]!;
  }

  customerByName(id: string): number {
    return this.customerIndex.get(id) ?? -1;
  }

  /** The shape of compiled prefix `v` (a VALUES index). */
  valueShape(v: number): number {
    return this.values.low(v);
  }

  /** The sell rate of compiled prefix `v`, as a MONEY index. */
  valueSell(v: number): number {
    return this.values.high(v);
  }

  /** The label (LABELS index) of shape `s`. */
  shapeLabel(s: number): number {
    return this.shapes.low(s);
  }

  /** The LISTS offset of shape `s`'s candidate views ([count, view × count]). */
  shapeCandidates(s: number): number {
    return this.candidates[this.shapes.high(s)]!;
  }

  /**
   * Longest-prefix walk of table `t` over the digits of `number`: the VALUES index of the longest
   * compiled prefix (see valueShape, valueSell), or −1. `matchDepth` holds the digits matched.
   * One 4-byte node read per digit below the jump table (plus its block of the value bitmap), no
   * allocation. Shaped for V8: digits are read only below the length (charCodeAt past the end is
   * NaN, which would turn the arithmetic into doubles), and the method stays under V8's inlining
   * limit (460 bytes of bytecode; 429 now), so a caller's loop runs it inline. (Keeping the
   * deepest value without a branch measured the same and did not fit.)
   */
  lookup(t: number, number: string): number {
    const nodes = this.tableWords;
    const marks = this.nodeValues;
    const first = this.tableFirst[t]!;
    const length = number.length;
    let n = first;
    let best = (marks[2 * (n >>> 5) + 1]! >>> (n & 31)) & 1 ? n : -1;
    let depth = 0;
    let i = 0;
    // 3 = JUMP_DIGITS, 1000 = JUMP_ENTRIES, written out: the module constants cost bytecode here.
    if (length >= 3) {
      const d0 = number.charCodeAt(0) - 48, d1 = number.charCodeAt(1) - 48, d2 = number.charCodeAt(2) - 48;
      if ((d0 >>> 0) <= 9 && (d1 >>> 0) <= 9 && (d2 >>> 0) <= 9) {
        // The top three levels in one read; n < 0: the walk ended in them.
        const jump = this.jump;
        const j = 3 * (1000 * t + 100 * d0 + 10 * d1 + d2);
        n = jump[j]!;
        best = jump[j + 1]!;
        depth = jump[j + 2]!;
        i = n < 0 ? length : 3;
      }
    }
    for (; i < length; i++) {
      const d = number.charCodeAt(i) - 48;
      if ((d >>> 0) > 9) break;
      const w = nodes[n]!;
      const bit = 1 << d;
      if ((w & bit) === 0) break;
      n = first + (w >>> 10 /* NODE_CHILD_SHIFT */) + DIGIT_RANK[w & (bit - 1)]!;
      if ((marks[2 * (n >>> 5) + 1]! >>> (n & 31)) & 1) {
        best = n;
        depth = i + 1;
      }
    }
    this.matchDepth = depth;
    return best < 0 ? -1 : this.rank(best);
  }

  /** The jump table of every table (see `jump`): each entry by a plain walk of its digits. */
  private buildJumps(): Int32Array {
    const jump = new Int32Array(3 * JUMP_ENTRIES * this.counts.tables);
    const nodes = this.tableWords;
    for (let t = 0; t < this.counts.tables; t++) {
      const first = this.tables[t * F.TABLE.width + F.TABLE.at.nodeFirst]!;
      for (let e = 0; e < JUMP_ENTRIES; e++) {
        let n = first;
        let best = this.hasValue(n) ? n : -1;
        let depth = 0;
        for (let k = 0, digits = e + JUMP_ENTRIES; k < JUMP_DIGITS; k++) {
          // The digits of e, most significant first (e + 1000 keeps the leading zeros).
          const d = Math.floor(digits / 10 ** (JUMP_DIGITS - 1 - k)) % 10;
          const w = nodes[n]!;
          if ((w & (1 << d)) === 0) {
            n = -1;
            break;
          }
          n = first + (w >>> F.NODE_CHILD_SHIFT) + DIGIT_RANK[w & ((1 << d) - 1)]!;
          if (this.hasValue(n)) {
            best = n;
            depth = k + 1;
          }
        }
        const j = 3 * (JUMP_ENTRIES * t + e);
        jump[j] = n;
        jump[j + 1] = best;
        jump[j + 2] = depth;
      }
    }
    return jump;
  }

  private hasValue(n: number): boolean {
    return ((this.nodeValues[2 * (n >>> 5) + 1]! >>> (n & 31)) & 1) === 1;
  }

  /** The VALUES index of table node `n` (any table), or −1 when it holds no value. */
  nodeValue(n: number): number {
    return (this.nodeValues[2 * (n >>> 5) + 1]! >>> (n & 31)) & 1 ? this.rank(n) : -1;
  }

  /** Values held by the nodes before `n`: its value's index when it holds one. */
  private rank(n: number): number {
    const b = n >>> 5;
    const below = this.nodeValues[2 * b + 1]! & ((1 << (n & 31)) - 1);
    return this.nodeValues[2 * b]! + F.popcount32(below);
  }

  /**
   * The rows of the views listed at `listAt` in LISTS (a shape's candidates) for `number`: out[k]
   * is the RATES index of the k-th view's row, or −1. The walks advance digit by digit side by
   * side, so the memory latency of one overlaps the others'. Returns the count; `out` must hold it.
   */
  priceViews(listAt: number, number: string, out: Int32Array): number {
    const lists = this.lists;
    const nodes = this.viewWords;
    const n = lists[listAt]!;
    if (n > out.length) throw new RangeError(`${n} candidates do not fit a buffer of ${out.length}`);
    if (this.walkNode.length < n) {
      this.walkNode = new Int32Array(n);
      this.walkFirst = new Int32Array(n);
    }
    const node = this.walkNode;
    const first = this.walkFirst;
    for (let k = 0; k < n; k++) {
      const f = this.views[lists[listAt + 1 + k]! * F.VIEW.width + F.VIEW.at.nodeFirst]!;
      first[k] = f;
      node[k] = f;
      out[k] = nodes[2 * f + 1]!;
    }
    let active = n;
    for (let i = 0; i < number.length && active > 0; i++) {
      const d = number.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      const bit = 1 << d;
      for (let k = 0; k < n; k++) {
        const at = node[k]!;
        if (at < 0) continue;
        const w = nodes[2 * at]!;
        if ((w & bit) === 0) {
          node[k] = -1;
          active--;
          continue;
        }
        const c = first[k]! + (w >>> 10 /* NODE_CHILD_SHIFT */) + DIGIT_RANK[w & (bit - 1)]!;
        node[k] = c;
        const r = nodes[2 * c + 1]!;
        if (r !== -1) out[k] = r;
      }
    }
    return n;
  }
}


function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  if (hi >= 0x200000) fail('bad-header', 'serial exceeds 2^53 − 1');
  return hi * TWO32 + lo;
}

function i64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getInt32(at + 4, true);
  if (hi >= 0x200000 || hi < -0x200000) fail('bad-header', 'time field exceeds the exact integer range');
  return hi * TWO32 + lo;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/**
 * The sign bit set when node n of the run [first, end), structure word w, has children that are
 * not later nodes of the run, or a child offset without children: w ≠ 0 and its digits are none,
 * its first child is not after it, or its last child is past the run. Each test is a sign bit, so
 * the callers' loops need no branch per node (leaves and inner nodes alternate unpredictably).
 * Child offsets are below 2^22 and node indexes below 2^31, so no difference here overflows.
 */
function childFault(w: number, n: number, first: number, end: number): number {
  const digits = w & 0x3ff /* NODE_DIGITS */;
  const child = first + (w >>> 10 /* NODE_CHILD_SHIFT */);
  return (w | -w) & ((digits - 1) | ((n - child) ^ -1) | (end - child - DIGIT_RANK[digits]!));
}

/** Non-zero when a table node of [first, end) has a childFault; the caller then looks for it. */
function trieFaults(words: Int32Array, first: number, end: number): number {
  let faults = 0;
  for (let n = first; n < end; n++) faults |= childFault(words[n]!, n, first, end);
  return faults >>> 31;
}

/**
 * trieFaults for a view's run (2-word nodes), and in the same pass: a rate that is neither NONE
 * (−1) nor below rateEnd. Rates are signed here: valid ones are −1 … rateEnd − 1, so
 * rateEnd − 1 − rate and rate + 1 both keep their sign bit clear.
 */
function viewFaults(words: Int32Array, first: number, end: number, rateEnd: number): number {
  let faults = 0;
  for (let n = first, at = 2 * first; n < end; n++, at += 2) {
    const rate = words[at + 1]!;
    faults |= childFault(words[at]!, n, first, end) | (rateEnd - 1 - rate) | (rate + 1);
  }
  return faults >>> 31;
}
