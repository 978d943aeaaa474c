// Validating routing queries that arrive as text (HTTP query strings, JSON bodies, WebSocket
// messages). A bad query is answered 400 with the parameter named, never passed to the engine.
import { parseIpv4, parseIpv6 } from '../engine/cidr-index.js';
import type { CallQuery, Decision } from '../engine/decision.js';

export class QueryError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(message);
  }
}

export type OutputFormat = 'json' | 'rtjson';

const MAX_FIELD = 256;
const v6 = new Uint32Array(4);

/**
 * The parameters of a route query as they arrive: strings from a query string (QueryString), any
 * JSON value from a batch body or a WebSocket message (the parsed object itself).
 */
export interface QueryInput {
  src?: unknown;
  to?: unknown;
  from?: unknown;
  callid?: unknown;
  callId?: unknown;
  user?: unknown;
  at?: unknown;
  srcPort?: unknown;
  srcport?: unknown;
  explain?: unknown;
  format?: unknown;
}

function text(v: unknown, key: string, at: string, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new QueryError(at + key, `missing required parameter "${key}"`);
    return undefined;
  }
  if (typeof v !== 'string') throw new QueryError(at + key, `parameter "${key}" must be a string`);
  if (v.length > MAX_FIELD) throw new QueryError(at + key, `parameter "${key}" is longer than ${MAX_FIELD} characters`);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new QueryError(at + key, `parameter "${key}" contains a control character`);
  }
  return v;
}

/** "2026-11-23T10:00:00Z" or epoch milliseconds → epoch ms. */
function time(v: unknown, at: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    if (/^\d{1,16}$/.test(v)) return Number(v);
    if (/^\d{4}-\d\d-\d\dT/.test(v)) {
      const ms = Date.parse(v);
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw new QueryError(at + 'at', 'parameter "at" must be epoch milliseconds or an ISO 8601 date-time');
}

/**
 * A CallQuery from its parameters. `at` prefixes the parameter name in errors ("[3]." for the
 * fourth query of a batch). Parameters are checked in a fixed order, so the first bad one is named.
 */
export function parseQuery(p: QueryInput, at = ''): CallQuery {
  const src = text(p.src, 'src', at, true)!;
  if (parseIpv4(src) < 0 && !parseIpv6(src, v6)) throw new QueryError(at + 'src', 'parameter "src" must be an IPv4 or IPv6 address');
  const to = text(p.to, 'to', at, true)!;
  const q: CallQuery = { src, to };
  const from = text(p.from, 'from', at, false);
  if (from !== undefined) q.from = from;
  const callId = text(p.callid, 'callid', at, false) ?? text(p.callId, 'callId', at, false);
  if (callId !== undefined) q.callId = callId;
  const user = text(p.user, 'user', at, false);
  if (user !== undefined) q.user = user;
  const when = time(p.at, at);
  if (when !== undefined) q.at = when;
  const port = p.srcPort ?? p.srcport;
  if (port !== undefined && port !== '') {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new QueryError(at + 'srcPort', 'parameter "srcPort" must be a port number');
    q.srcPort = n;
  }
  const explain = p.explain;
  if (explain !== undefined && explain !== '') {
    if (explain === true || explain === '1' || explain === 'true') q.explain = true;
    else if (!(explain === false || explain === '0' || explain === 'false')) throw new QueryError(at + 'explain', 'parameter "explain" must be 1 or 0');
  }
  return q;
}

/** A query string's route parameters; one instance is refilled per request (see read). */
export class QueryString implements QueryInput {
  src: string | undefined = undefined;
  to: string | undefined = undefined;
  from: string | undefined = undefined;
  callid: string | undefined = undefined;
  callId: string | undefined = undefined;
  user: string | undefined = undefined;
  at: string | undefined = undefined;
  srcPort: string | undefined = undefined;
  srcport: string | undefined = undefined;
  explain: string | undefined = undefined;
  format: string | undefined = undefined;

  /**
   * Reads a query string in one pass, decoding escapes ("to=%2B4474&from=a+b" → to '+4474', from
   * 'a b'); the first value of a repeated name wins, names it does not know are ignored (but a
   * malformed %-escape anywhere is refused). One native call gets the string from uWS instead of
   * one per name, and no object is built per request.
   */
  read(qs: string | undefined): this {
    this.src = this.to = this.from = this.callid = this.callId = this.user = this.at = this.srcPort = this.srcport = this.explain = this.format = undefined;
    if (!qs) return this;
    const len = qs.length;
    let start = 0;
    while (start < len) {
      let end = qs.indexOf('&', start);
      if (end < 0) end = len;
      if (end > start) {
        let eq = qs.indexOf('=', start);
        if (eq < 0 || eq > end) eq = end;
        const value = eq === end ? '' : qs.slice(eq + 1, end);
        switch (decode(qs.slice(start, eq))) {
          case 'src': this.src ??= decode(value); break;
          case 'to': this.to ??= decode(value); break;
          case 'from': this.from ??= decode(value); break;
          case 'callid': this.callid ??= decode(value); break;
          case 'callId': this.callId ??= decode(value); break;
          case 'user': this.user ??= decode(value); break;
          case 'at': this.at ??= decode(value); break;
          case 'srcPort': this.srcPort ??= decode(value); break;
          case 'srcport': this.srcport ??= decode(value); break;
          case 'explain': this.explain ??= decode(value); break;
          case 'format': this.format ??= decode(value); break;
          default: decode(value);
        }
      }
      start = end + 1;
    }
    return this;
  }
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new QueryError('query', 'the query string has a malformed %-escape');
  }
}

// ---------------------------------------------------------------- answers
//
// Answers are written as UTF-8 bytes straight into one reusable buffer rather than by
// JSON.stringify: for the demo's ~900-byte routed decision, JSON.stringify, the string
// concatenation around it and uWS's UTF-8 copy of the result cost more than deciding the call.
// One loop per string copies it, checks it for characters JSON must escape and encodes it, and
// uWS copies the bytes out before the next request reuses the buffer. Fields come out in the order
// the Decision interface declares them, which is the order the Router builds them in, so the text
// is byte for byte what JSON.stringify(decision) gave (test/runtime-server-answer.property.test.ts
// checks both).

const HEX = '0123456789abcdef';

/** PLAIN[c] = 1 for the ASCII characters a JSON string holds as they are (not '"', '\\', controls). */
const PLAIN = new Uint8Array(128);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 34 || c === 92 ? 0 : 1;

/** The answers' own keys and punctuation, encoded once. */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K = {
  status: ascii('"status":'), reason: ascii(',"reason":'), customer: ascii(',"customer":'), route: ascii(',"route":'),
  prefix: ascii(',"prefix":'), destination: ascii(',"destination":'), sell: ascii(',"sell":'), currency: ascii(',"currency":'),
  maxDuration: ascii(',"maxDuration":'), number: ascii(',"number":'), cli: ascii(',"cli":'), targets: ascii(',"targets":['),
  uri1: ascii('{"uri":'), uri: ascii(',{"uri":'), carrier: ascii(',"carrier":'), gateway: ascii(',"gateway":'), card: ascii(',"card":'),
  cost: ascii(',"cost":'), margin: ascii(',"margin":'), dropped: ascii('],"dropped":['), carrier1: ascii('{"carrier":'),
  carrierN: ascii(',{"carrier":'), why: ascii(',"why":'), trace: ascii(',"trace":['), serial: ascii(',"serial":'),
  rtjson: ascii('"version":"1.0","routing":"serial","routes":['), headers: ascii(',"headers":{"extra":'),
  rtStatus: ascii('],"status":'),
};

/** A growable byte buffer that JSON answers are written into; reused, one answer at a time. */
export class JsonBytes {
  private buf = new Uint8Array(16 * 1024);
  private n = 0;

  /** Forgets the previous answer. */
  start(): this {
    this.n = 0;
    return this;
  }

  /** The bytes written since start(): a view into the buffer, valid until the next start(). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }

  toString(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.n).toString('utf8');
  }

  private room(more: number): void {
    if (this.n + more <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /** Bytes encoded beforehand (the keys above); a loop, which beats set() for a dozen bytes. */
  bytes(k: Uint8Array): void {
    const len = k.length;
    this.room(len);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = k[i]!;
    this.n = n;
  }

  /** One ASCII character. */
  char(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** ASCII text that needs no escaping (numbers, punctuation). */
  raw(s: string): void {
    const len = s.length;
    this.room(len);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Text that is JSON already (JSON.stringify's output), as UTF-8. */
  json(s: string): void {
    this.room(3 * s.length);
    this.n = this.utf8(s, this.n, false);
  }

  /** A JSON string literal, escaped exactly as JSON.stringify escapes ('"', '\\', controls, lone surrogates). */
  str(s: string): void {
    const len = s.length;
    this.room(6 * len + 2); // "\uXXXX" is the longest a UTF-16 unit gets
    const b = this.buf;
    let n = this.n;
    b[n++] = 34;
    let i = 0;
    for (; i < len; i++) { // the common case: plain ASCII, copied as it is
      const c = s.charCodeAt(i);
      if (c >= 128 || PLAIN[c] === 0) break;
      b[n++] = c;
    }
    if (i < len) n = this.utf8(s.slice(i), n, true);
    b[n] = 34;
    this.n = n + 1;
  }

  /** A number as JSON.stringify writes it (NaN and ±Infinity → null). */
  num(x: number): void {
    this.raw(Number.isFinite(x) ? '' + x : 'null');
  }

  /** UTF-8 of `s` at `n`, escaping like JSON.stringify when `escape`; returns the end. */
  private utf8(s: string, n: number, escape: boolean): number {
    const b = this.buf;
    const len = s.length;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (!escape || PLAIN[c] === 1) { b[n++] = c; continue; }
        b[n++] = 92;
        if (c === 34 || c === 92) b[n++] = c;
        else if (c === 10) b[n++] = 110; // \n
        else if (c === 13) b[n++] = 114; // \r
        else if (c === 9) b[n++] = 116; // \t
        else if (c === 8) b[n++] = 98; // \b
        else if (c === 12) b[n++] = 102; // \f
        else { b[n++] = 117; b[n++] = 48; b[n++] = 48; b[n++] = HEX.charCodeAt(c >> 4); b[n++] = HEX.charCodeAt(c & 15); } // \u00XX
      } else if (c < 0x800) {
        b[n++] = 0xc0 | (c >> 6);
        b[n++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[n++] = 0xe0 | (c >> 12);
        b[n++] = 0x80 | ((c >> 6) & 0x3f);
        b[n++] = 0x80 | (c & 0x3f);
      } else {
        const d = c <= 0xdbff && i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) { // a pair: one code point, four bytes
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[n++] = 0xf0 | (cp >> 18);
          b[n++] = 0x80 | ((cp >> 12) & 0x3f);
          b[n++] = 0x80 | ((cp >> 6) & 0x3f);
          b[n++] = 0x80 | (cp & 0x3f);
          i++;
        } else { // a lone surrogate: JSON.stringify writes \udXXX (never in JSON.stringify's own output)
          b[n++] = 92; b[n++] = 117;
          b[n++] = HEX.charCodeAt(c >> 12); b[n++] = HEX.charCodeAt((c >> 8) & 15); b[n++] = HEX.charCodeAt((c >> 4) & 15); b[n++] = HEX.charCodeAt(c & 15);
        }
      }
    }
    return n;
  }

  /**
   * A decision, `{…,"serial":7}` with the serving artefact's serial appended. `prefix` opens the
   * object: '{', or '{"id":7,' for a WebSocket reply (JSON text, written as is). Optional fields
   * left undefined are omitted, like JSON.stringify does.
   */
  decision(d: Decision, serial: number, prefix = '{'): void {
    if (prefix === '{') this.char(123);
    else this.json(prefix);
    this.bytes(K.status);
    this.num(d.status);
    this.bytes(K.reason);
    this.str(d.reason);
    if (d.customer !== undefined) { this.bytes(K.customer); this.str(d.customer); }
    if (d.route !== undefined) { this.bytes(K.route); this.str(d.route); }
    if (d.prefix !== undefined) { this.bytes(K.prefix); this.str(d.prefix); }
    if (d.destination !== undefined) { this.bytes(K.destination); this.str(d.destination); }
    if (d.sell !== undefined) { this.bytes(K.sell); this.str(d.sell); }
    if (d.currency !== undefined) { this.bytes(K.currency); this.str(d.currency); }
    if (d.maxDuration !== undefined) { this.bytes(K.maxDuration); this.num(d.maxDuration); }
    if (d.number !== undefined) { this.bytes(K.number); this.str(d.number); }
    if (d.cli !== undefined) { this.bytes(K.cli); this.str(d.cli); }
    this.bytes(K.targets);
    const targets = d.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      this.bytes(i === 0 ? K.uri1 : K.uri);
      this.str(t.uri);
      this.bytes(K.carrier);
      this.str(t.carrier);
      this.bytes(K.gateway);
      this.str(t.gateway);
      this.bytes(K.card);
      this.str(t.card);
      this.bytes(K.cost);
      this.str(t.cost);
      this.bytes(K.margin);
      this.str(t.margin);
      this.char(125);
    }
    this.bytes(K.dropped);
    const dropped = d.dropped;
    for (let i = 0; i < dropped.length; i++) {
      const x = dropped[i]!;
      this.bytes(i === 0 ? K.carrier1 : K.carrierN);
      this.str(x.carrier);
      this.bytes(K.card);
      this.str(x.card);
      this.bytes(K.why);
      this.str(x.why);
      this.char(125);
    }
    this.char(93);
    const trace = d.trace;
    if (trace !== undefined) {
      this.bytes(K.trace);
      for (let i = 0; i < trace.length; i++) {
        if (i > 0) this.char(44);
        this.str(trace[i]!);
      }
      this.char(93);
    }
    this.bytes(K.serial);
    this.num(serial);
    this.char(125);
  }

  /** JSON.stringify(toRtjson(d)) with `prefix` opening the object, like decision(). */
  rtjson(d: Decision, prefix = '{'): void {
    if (prefix === '{') this.char(123);
    else this.json(prefix);
    this.bytes(K.rtjson);
    if (d.status === 302) {
      const extra = rtjsonExtra(d);
      const targets = d.targets;
      for (let i = 0; i < targets.length; i++) {
        this.bytes(i === 0 ? K.uri1 : K.uri);
        this.str(targets[i]!.uri);
        if (extra) {
          this.bytes(K.headers);
          this.str(extra);
          this.char(125);
        }
        this.char(125);
      }
    }
    this.bytes(K.rtStatus);
    this.num(d.status);
    this.bytes(K.reason);
    this.str(d.reason);
    this.char(125);
  }
}

const scratch = new JsonBytes();

/** JSON of a decision with the serving artefact's serial appended, as a string (see JsonBytes.decision). */
export function decisionJson(d: Decision, serial: number, prefix = '{'): string {
  scratch.start().decision(d, serial, prefix);
  return scratch.toString();
}

/** JSON.stringify(toRtjson(d)), written directly (see JsonBytes.rtjson). */
export function rtjsonText(d: Decision, prefix = '{'): string {
  scratch.start().rtjson(d, prefix);
  return scratch.toString();
}

/** A JSON string literal (what JSON.stringify(s) gives). */
export function jsonString(s: string): string {
  scratch.start().str(s);
  return scratch.toString();
}

export function parseFormat(v: unknown, at = ''): OutputFormat {
  if (v === undefined || v === '' || v === 'json') return 'json';
  if (v === 'rtjson') return 'rtjson';
  throw new QueryError(at + 'format', 'parameter "format" must be json or rtjson');
}

/**
 * The decision as a Kamailio rtjson routing document (rtjson_init_routes): serial forking over
 * the targets in order, each with its R-URI and the decision headers appended to the request.
 * A rejection has no routes; `status` and `reason` (ignored by rtjson) let the script answer it:
 *
 *   {"version":"1.0","routing":"serial","routes":[{"uri":"sip:3344#447400123456@198.51.100.10:5060",
 *    "headers":{"extra":"X-Dialplane-Sell: 0.01397\r\nX-Dialplane-Max-Duration: 14400\r\n"}}],
 *    "status":302,"reason":"Moved Temporarily"}
 */
export function toRtjson(d: Decision): object {
  const extra = rtjsonExtra(d);
  const routes = d.status === 302
    ? d.targets.map((t) => (extra ? { uri: t.uri, headers: { extra } } : { uri: t.uri }))
    : [];
  return { version: '1.0', routing: 'serial', routes, status: d.status, reason: d.reason };
}

/** The headers an rtjson route appends to the request ('' when none). */
function rtjsonExtra(d: Decision): string {
  let extra = '';
  if (d.sell !== undefined) extra += `X-Dialplane-Sell: ${d.sell}\r\n`;
  if (d.maxDuration !== undefined) extra += `X-Dialplane-Max-Duration: ${d.maxDuration}\r\n`;
  return extra;
}
