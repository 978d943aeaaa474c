// Carrier rate decks as Interconnect-Made-Easy documents (formerly "Open Rate Card", ConnexCS's
// open JSON format; the schema and its licence are vendored in schemas/third-party/). A card's
// `fields` name the columns of its `rates` rows:
//
//   "fields": [{ "name": "prefix" }, { "name": "name" }, { "name": "rate" }],
//   "rates": [["441", "United Kingdom Landline", 0.012]]   → prefix 441, rate 12000 micros
//
// Money is read from the literal's source text ("0.012"), never from the parsed float. The rows go
// through the same DeckRowChecker as CSV rows; a bad value is DP1023 instead of a CSV cell code.
//
// Parsing: jsonc-parser's SAX `visit`, building the plain value for Ajv and a position for every
// node outside the rates rows. A row keeps only its offsets and the raw text of its numbers; a cell
// is located again from the row's text when a diagnostic needs it. (parseTree would keep a node
// object per cell: 380 MB and 2.6 s for a 300k-row document.)
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';
import type { ImeSource } from '../../schemas/types.js';
import type { DiagnosticBag, Location } from '../diagnostics.js';
import { parseMoneyValue } from '../money.js';
import { DeckBuilder, type DeckRows } from '../model/deck.js';
import { LineIndex } from '../source.js';
import { DECK_FIELDS, DeckRowChecker, type DeckDefaults, type DeckField, type DeckRowSource, type RowCodes } from './deck-csv.js';

export interface LoadImeDeckOptions {
  absPath: string;
  /** Repository-relative path, for diagnostics. */
  file: string;
  source: ImeSource;
  defaults: DeckDefaults;
  bag: DiagnosticBag;
  /** Called with the reason when the file cannot be read (the loader then returns undefined). */
  onReadError?: (message: string) => void;
  /** Called instead of reporting DP1022 in the document when the named card is not in it. */
  onMissingCard?: (message: string, cards: Location) => void;
}

export interface ImeDeck {
  rows: DeckRows;
  /** The card's currency (ISO 4217), for the caller to compare with the carrier card's. */
  currency?: string;
  /** The card's tech_prefix: what the carrier wants dialled before the number. */
  techPrefix?: string;
  /** Key of the card used inside `cards`. */
  cardKey: string;
}

/**
 * Which IME field names feed which deck field; the first one present wins. The specification's
 * names come first (prefix, name, rate, connection_fee, initial_interval, billing_interval,
 * effective_date, destination_type); the others are spellings seen in its examples.
 */
export const IME_FIELD_NAMES: Readonly<Record<DeckField, readonly string[]>> = {
  prefix: ['prefix', 'dial_code', 'country_code'],
  destination: ['name', 'destination', 'description'],
  rate: ['rate'],
  connectFee: ['connection_fee', 'connect_fee'],
  initial: ['initial_interval', 'initial'],
  increment: ['billing_interval', 'pulse', 'increment'],
  billing: [],
  type: ['destination_type'],
  effective: ['effective_date'],
};

const IME_ROW_CODES: RowCodes = { decimal: 'DP1023', prefix: 'DP1023', billing: 'DP1023', date: 'DP1023', type: 'DP1023' };

/**
 * Loads one card of an IME document. Undefined only when the file cannot be read (the caller
 * reports DP1008); a document that is not JSON (DP1020), breaks the schema (DP1021) or lacks the
 * card (DP1022) is reported, and whatever rows can still be read are returned.
 */
export async function loadImeDeck(opts: LoadImeDeckOptions): Promise<ImeDeck | undefined> {
  const { file, bag, source } = opts;
  let text: string;
  try {
    text = await readFile(opts.absPath, 'utf8');
  } catch (err) {
    opts.onReadError?.(err instanceof Error ? err.message : String(err));
    return undefined;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const empty = (cardKey: string): ImeDeck => ({ rows: new DeckBuilder(1).finish(), cardKey });

  const doc = new ImeDocument(text, file);
  if (doc.errors.length > 0) {
    for (const e of doc.errors.slice(0, 20)) bag.report('DP1020', doc.at(e.offset, e.length), parseErrorMessage(e.code, text, e.offset));
    return empty(source.card ?? '');
  }

  const validate = imeValidator();
  if (!validate(doc.value)) {
    for (const err of validate.errors ?? []) reportSchemaError(doc, err, bag);
  }

  // The card: the one named, else the only one, else "default".
  const root = asObject(doc.value);
  const cards = asObject(root?.['cards']);
  const keys = cards ? Object.keys(cards) : [];
  const cardKey = source.card ?? (keys.length === 1 ? keys[0]! : 'default');
  const card = asObject(cards?.[cardKey]);
  const cardPointer = `/cards/${escapePointer(cardKey)}`;
  if (!card) {
    if (cards) {
      const message = source.card !== undefined || keys.length === 0
        ? `card "${cardKey}" is not in ${file} (its cards: ${keys.map((k) => `"${k}"`).join(', ') || 'none'})`
        : `${file} has ${keys.length} cards (${keys.map((k) => `"${k}"`).join(', ')}) and none is called "default": name one in source.card`;
      // The card name is written in the carrier card, not in the document: let the caller point there.
      if (opts.onMissingCard) opts.onMissingCard(message, doc.locate('/cards', 'key'));
      else bag.report('DP1022', doc.locate('/cards', 'key'), message);
    }
    return empty(cardKey);
  }

  // Columns: field name → position in each row.
  const fieldsValue = card['fields'];
  const names = Array.isArray(fieldsValue) ? fieldsValue.map((f) => String(asObject(f)?.['name'] ?? '').toLowerCase()) : [];
  const index = {} as Record<DeckField, number>;
  for (const field of DECK_FIELDS) {
    index[field] = -1;
    for (const name of IME_FIELD_NAMES[field]) {
      const i = names.indexOf(name);
      if (i >= 0) {
        index[field] = i;
        break;
      }
    }
  }
  const missing = (['prefix', 'rate'] as const).filter((f) => index[f] < 0);
  if (missing.length > 0) {
    const where = Array.isArray(fieldsValue) ? doc.locate(`${cardPointer}/fields`) : doc.locate(cardPointer, 'key');
    bag.report('DP1022', where, Array.isArray(fieldsValue)
      ? `card "${cardKey}" has no ${missing.map((f) => `"${IME_FIELD_NAMES[f][0]}"`).join(' or ')} field (its fields: ${names.map((n) => `"${n}"`).join(', ') || 'none'})`
      : `card "${cardKey}" has no "fields" list naming its rate columns`);
    return empty(cardKey);
  }

  const deck: ImeDeck = { rows: empty(cardKey).rows, cardKey };
  if (typeof card['currency'] === 'string') deck.currency = card['currency'];
  if (typeof card['tech_prefix'] === 'string' && card['tech_prefix'] !== '') deck.techPrefix = card['tech_prefix'];

  const defaults = cardDefaults(doc, cardPointer, asObject(card['rate']), opts.defaults, bag);
  const checker = new DeckRowChecker(file, defaults, bag, IME_ROW_CODES);
  const info = doc.rates.get(`${cardPointer}/rates`);
  if (Array.isArray(card['rates']) && info) {
    const used = DECK_FIELDS.filter((f) => index[f] >= 0);
    const view = new ImeRowView(doc, `${cardPointer}/rates`, index);
    doc.forEachRow(info, (row, raw, r, line, col) => {
      if (row.length !== names.length) {
        bag.report('DP1023', { file, line, col, length: 1 },
          `row has ${row.length} value${row.length === 1 ? '' : 's'}, but the card's fields name ${names.length} columns`);
        return;
      }
      let ok = true;
      for (const f of used) {
        const v: unknown = row[index[f]];
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') {
          bag.report('DP1023', view.locateCell(r, index[f]), `${names[index[f]]} must be a string or a number, not ${v instanceof Nested ? `an ${v.kind}` : JSON.stringify(v)}`);
          ok = false;
        }
      }
      if (!ok) return;
      view.set(row, raw, r, line, col);
      checker.add(view);
    });
  }
  deck.rows = checker.finish();
  return deck;
}

/** Billing and connection fee defaults: the card's own `rate` block, else the carrier card's. */
function cardDefaults(doc: ImeDocument, cardPointer: string, rate: Record<string, unknown> | undefined, base: DeckDefaults, bag: DiagnosticBag): DeckDefaults {
  const d = { ...base };
  if (!rate) return d;
  for (const [key, prop] of [['default_initial', 'initial'], ['default_pulse', 'increment']] as const) {
    const v = rate[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) continue; // DP1021 already
    if (v > 3600) bag.report('DP1023', doc.locate(`${cardPointer}/rate/${key}`), `${key} ${v} is not a billing increment: whole seconds from 1 to 3600`);
    else d[prop] = v;
  }
  if (typeof rate['connection'] === 'number' && rate['connection'] >= 0) {
    const pointer = `${cardPointer}/rate/connection`;
    const m = parseMoneyValue(rate['connection'], doc.sourceText(pointer));
    if (m.ok) d.connectFee = m.micros;
    else bag.report(/exactly|decimal places|too large/.test(m.reason) ? 'DP3012' : 'DP1023', doc.locate(pointer), `connection ${m.reason}`);
  }
  return d;
}

/** One `rates` row as a DeckRowSource. */
class ImeRowView implements DeckRowSource {
  private values: unknown[] = [];
  private raw: (string | undefined)[] = [];
  private row = 0;
  line = 0;
  anchorCol = 0;

  constructor(
    private readonly doc: ImeDocument,
    private readonly ratesPointer: string,
    private readonly index: Record<DeckField, number>,
  ) {}

  set(values: unknown[], raw: (string | undefined)[], row: number, line: number, col: number): void {
    this.values = values;
    this.raw = raw;
    this.row = row;
    this.line = line;
    this.anchorCol = col;
  }

  text(field: DeckField): string | undefined {
    const i = this.index[field];
    if (i < 0) return undefined;
    const v = this.values[i];
    if (typeof v === 'string') return v.trim();
    // A number as the operator typed it: "0.0120", not the float's 0.012.
    if (typeof v === 'number') return this.raw[i] ?? String(v);
    return undefined;
  }

  where(field: DeckField): Location {
    return this.locateCell(this.row, Math.max(0, this.index[field]));
  }

  locateCell(row: number, cell: number): Location {
    return this.doc.locate(`${this.ratesPointer}/${row}/${cell}`);
  }
}

// --- the document with positions -------------------------------------------------------------

interface RatesInfo {
  /** Offsets of each row's first and one-past-last character. */
  starts: number[];
  ends: number[];
  /** Where the `rates` array itself starts (offset, 0-based line and character) and ends. */
  offset: number;
  end: number;
  line0: number;
  char0: number;
}

const NORMAL = 0;
const RATES = 1; // a card's `rates` array
const SKIPPED = 2; // a row of `rates`, and anything inside one: read again by forEachRow

/**
 * What Ajv sees for every array row of `rates`: the vendored schema asks no more of a row than to
 * be an array (imeValidator checks that it still doesn't), and the rows themselves go through the
 * deck rules. Materialising 300k row arrays only to drop them cost a quarter of the time in GC.
 */
const ROW_PLACEHOLDER: readonly unknown[] = Object.freeze([]);

interface Frame {
  value: Record<string, unknown> | unknown[];
  isArray: boolean;
  pointer: string;
  /** The key or index this node sits under in its parent. */
  seg: string;
  /** Pending property name (objects). */
  key: string;
  keyStart: number;
  role: number;
  /** Index in the parent array (rows). */
  index: number;
  rates?: RatesInfo;
}

interface SyntaxError {
  code: ParseErrorCode;
  offset: number;
  length: number;
}

/** A marker for a cell holding an object or array (never a valid deck value). */
class Nested {
  constructor(readonly kind: 'object' | 'array') {}
}

class ImeDocument {
  value: unknown;
  readonly errors: SyntaxError[] = [];
  /** JSON pointer (as in Ajv's instancePath) → [start, end, key start or -1], outside rows. */
  private readonly positions = new Map<string, [number, number, number]>();
  /** JSON pointer of each card's `rates` → its rows. */
  readonly rates = new Map<string, RatesInfo>();
  private lineIndex: LineIndex | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    const stack: Frame[] = [];
    const attach = (value: unknown, start: number, end: number): void => {
      const parent = stack[stack.length - 1];
      if (!parent) {
        this.value = value;
        this.positions.set('', [start, end, -1]);
        return;
      }
      if (parent.role === SKIPPED) return;
      if (parent.isArray) {
        const arr = parent.value as unknown[];
        const i = arr.length;
        arr.push(value);
        if (parent.role === RATES) {
          parent.rates!.starts[i] = start;
          parent.rates!.ends[i] = end;
        } else {
          this.positions.set(`${parent.pointer}/${i}`, [start, end, -1]);
        }
      } else {
        const obj = parent.value as Record<string, unknown>;
        if (parent.key === '__proto__') Object.defineProperty(obj, parent.key, { value, enumerable: true, writable: true, configurable: true });
        else obj[parent.key] = value;
        this.positions.set(`${parent.pointer}/${escapePointer(parent.key)}`, [start, end, parent.keyStart]);
      }
    };
    const open = (isArray: boolean, offset: number, line0: number, char0: number): void => {
      const parent = stack[stack.length - 1];
      let role = NORMAL;
      let pointer = '';
      let seg = '';
      let index = -1;
      let value: Record<string, unknown> | unknown[] = isArray ? [] : {};
      if (parent) {
        index = parent.isArray ? (parent.value as unknown[]).length : -1;
        seg = parent.isArray ? String(index) : parent.key;
        pointer = `${parent.pointer}/${parent.isArray ? seg : escapePointer(seg)}`;
        if (parent.role !== NORMAL) {
          role = SKIPPED;
          if (parent.role === RATES && isArray) value = ROW_PLACEHOLDER as unknown[];
        } else if (isArray && seg === 'rates' && stack.length === 3 && stack[1]!.seg === 'cards' && !stack[1]!.isArray && !parent.isArray) {
          role = RATES;
        }
      }
      attach(value, offset, offset + 1);
      const frame: Frame = { value, isArray, pointer, seg, key: '', keyStart: -1, role, index };
      if (role === RATES) {
        frame.rates = { starts: [], ends: [], offset, end: text.length, line0, char0 };
        this.rates.set(pointer, frame.rates);
      }
      stack.push(frame);
    };
    const close = (offset: number, length: number): void => {
      const frame = stack.pop()!;
      const end = offset + length;
      const parent = stack[stack.length - 1];
      if (frame.role === RATES) frame.rates!.end = end;
      if (parent?.role === RATES) {
        parent.rates!.ends[frame.index] = end;
      } else if (frame.role !== SKIPPED) {
        const pos = this.positions.get(frame.pointer);
        if (pos) pos[1] = end;
      }
    };
    visit(text, {
      onObjectBegin: (offset, _length, line0, char0) => open(false, offset, line0, char0),
      onArrayBegin: (offset, _length, line0, char0) => open(true, offset, line0, char0),
      onObjectEnd: close,
      onArrayEnd: close,
      onObjectProperty: (property, offset) => {
        const top = stack[stack.length - 1]!;
        top.key = property;
        top.keyStart = offset;
      },
      onLiteralValue: (value: unknown, offset, length) => attach(value, offset, offset + length),
      onError: (code, offset, length) => {
        const last = this.errors[this.errors.length - 1];
        if (!last || last.offset !== offset) this.errors.push({ code, offset, length });
      },
    }, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  }

  /**
   * Reads the rows of one `rates` array again, one at a time: `values` holds the row's cells
   * (a Nested marker for an object or array cell), `raw` the source text of its numbers. Items
   * that are not arrays are passed over (the schema check reported them). The document is known
   * to be valid JSON by now.
   */
  forEachRow(info: RatesInfo, onRow: (values: unknown[], raw: (string | undefined)[], index: number, line: number, col: number) => void): void {
    const start = info.offset;
    let depth = 0;
    let index = -1;
    let inRow = false;
    let values: unknown[] = [];
    let raw: (string | undefined)[] = [];
    let line = 0;
    let col = 0;
    const text = this.text;
    const begin = (kind: 'object' | 'array', line0: number, char0: number): void => {
      if (depth === 1) {
        index++;
        if (kind === 'array') {
          inRow = true;
          values = [];
          raw = [];
          line = info.line0 + line0 + 1;
          col = (line0 === 0 ? info.char0 + char0 : char0) + 1;
        }
      } else if (depth === 2 && inRow) {
        values.push(new Nested(kind));
      }
      depth++;
    };
    const finish = (): void => {
      depth--;
      if (depth === 1 && inRow) {
        inRow = false;
        onRow(values, raw, index, line, col);
      }
    };
    visit(text.slice(start, info.end), {
      onArrayBegin: (_o, _l, line0, char0) => begin('array', line0, char0),
      onObjectBegin: (_o, _l, line0, char0) => begin('object', line0, char0),
      onArrayEnd: finish,
      onObjectEnd: finish,
      onLiteralValue: (value: unknown, offset, length) => {
        if (depth === 1) index++;
        else if (depth === 2 && inRow) {
          if (typeof value === 'number') raw[values.length] = text.slice(start + offset, start + offset + length);
          values.push(value);
        }
      },
    });
  }

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  at(offset: number, length: number): Location {
    return { file: this.file, ...this.lines.position(offset), length: Math.max(1, length) };
  }

  /** The source text of the value at `pointer` (a number's literal as typed). */
  sourceText(pointer: string): string | undefined {
    const pos = this.positions.get(pointer);
    return pos ? this.text.slice(pos[0], pos[1]) : undefined;
  }

  /**
   * Where the value at a JSON pointer was written (`key`: its property name). A pointer into a
   * rates row is found by reading that row again; a pointer to nothing falls back to its nearest
   * existing ancestor.
   */
  locate(pointer: string, part: 'key' | 'value' = 'value'): Location {
    let p = pointer;
    for (;;) {
      const pos = this.positions.get(p);
      if (pos) {
        if (part === 'key' && pos[2] >= 0) return this.at(pos[2], pos[0] - pos[2]);
        const c = this.text.charCodeAt(pos[0]);
        return this.at(pos[0], c === 123 || c === 91 ? 1 : pos[1] - pos[0]); // { or [: mark the bracket only
      }
      const m = /^(\/cards\/[^/]+\/rates)\/(\d+)(?:\/(\d+))?/.exec(p);
      const info = m ? this.rates.get(m[1]!) : undefined;
      const r = m ? Number(m[2]) : -1;
      if (m && info && r < info.starts.length) {
        const start = info.starts[r]!;
        if (m[3] !== undefined) {
          const cell = this.cellSpan(start, info.ends[r]!, Number(m[3]));
          if (cell) return this.at(cell[0], cell[1] - cell[0]);
        }
        return this.at(start, 1);
      }
      if (p === '') return { file: this.file, line: 1, col: 1 };
      p = p.slice(0, p.lastIndexOf('/'));
    }
  }

  /** Offsets of element `j` of the array written at [start, end). */
  private cellSpan(start: number, end: number, j: number): [number, number] | undefined {
    let depth = 0;
    let index = -1;
    let found: [number, number] | undefined;
    const begin = (offset: number): void => {
      if (depth === 1 && ++index === j) found = [start + offset, start + offset + 1];
      depth++;
    };
    const finish = (offset: number, length: number): void => {
      depth--;
      if (depth === 1 && index === j && found) found[1] = start + offset + length;
    };
    visit(this.text.slice(start, end), {
      onArrayBegin: begin,
      onObjectBegin: begin,
      onArrayEnd: finish,
      onObjectEnd: finish,
      onLiteralValue: (_v, offset, length) => {
        if (depth === 1 && ++index === j) found = [start + offset, start + offset + length];
      },
    });
    return found;
  }
}

// --- schema -----------------------------------------------------------------------------------

let validator: ValidateFunction | undefined;

/** The vendored schema, compiled once. It is draft-07, so Ajv's default class. */
function imeValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(schemaPath(), 'utf8')) as { $defs?: { Card?: { properties?: { rates?: { items?: Record<string, unknown> } } } } };
    const rowSchema = schema.$defs?.Card?.properties?.rates?.items ?? {};
    if (rowSchema['type'] !== 'array' || Object.keys(rowSchema).some((k) => k !== 'type' && k !== 'description')) {
      // Rows are validated with ROW_PLACEHOLDER standing in for them; a schema that asks more of
      // a row than being an array needs the real rows.
      throw new Error(`${SCHEMA_FILE}: rates rows are constrained beyond "type: array"; update ROW_PLACEHOLDER in deck-ime.ts`);
    }
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats.default(ajv);
    validator = ajv.compile(schema);
  }
  return validator;
}

const SCHEMA_FILE = 'schemas/third-party/interconnect-made-easy/interconnect-made-easy.schema.json';

/** From compiler/load/ in the source tree, or from dist/compiler/load/ once built. */
function schemaPath(): string {
  for (const up of ['../../', '../../../']) {
    const p = fileURLToPath(new URL(up + SCHEMA_FILE, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`cannot find ${SCHEMA_FILE}`);
}

function reportSchemaError(doc: ImeDocument, err: ErrorObject, bag: DiagnosticBag): void {
  const path = displayPath(err.instancePath);
  const params = err.params as Record<string, unknown>;
  let at = doc.locate(err.instancePath);
  let message: string;
  switch (err.keyword) {
    case 'required':
      message = `${path || 'the document'} must have the property "${String(params['missingProperty'])}"`;
      break;
    case 'additionalProperties':
      at = doc.locate(`${err.instancePath}/${escapePointer(String(params['additionalProperty']))}`, 'key');
      message = `property "${String(params['additionalProperty'])}" is not allowed in ${path || 'the document'}`;
      break;
    case 'enum':
      message = `${path} must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = `${path || 'the document'} ${err.message ?? 'is invalid'}`;
  }
  bag.report('DP1021', at, message);
}

/** "/cards/default/rates/3" → "cards.default.rates[3]". */
function displayPath(pointer: string): string {
  let out = '';
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const PARSE_ERRORS: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes was expected (no trailing commas in JSON)',
  ValueExpected: 'a value was expected (no trailing commas in JSON)',
  ColonExpected: "':' was expected",
  CommaExpected: "',' was expected",
  CloseBraceExpected: "'}' was expected",
  CloseBracketExpected: "']' was expected",
  EndOfFileExpected: 'the document should end here',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

function parseErrorMessage(code: ParseErrorCode, text: string, offset: number): string {
  const what = PARSE_ERRORS[printParseErrorCode(code)] ?? 'syntax error';
  if (offset >= text.length) return `${what} (at the end of the document)`;
  const token = text.slice(offset, offset + 12).split(/[\r\n]/)[0];
  return token ? `${what}, found ${JSON.stringify(token.length === 12 ? token + '…' : token)}` : what;
}
