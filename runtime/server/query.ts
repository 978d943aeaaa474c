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

function text(get: (k: string) => unknown, key: string, at: string, required: boolean): string | undefined {
  const v = get(key);
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
 * A CallQuery from named values (`get` returns the value of a parameter or undefined).
 * `at` prefixes the parameter name in errors ("[3]." for the fourth query of a batch).
 */
export function parseQuery(get: (k: string) => unknown, at = ''): CallQuery {
  const src = text(get, 'src', at, true)!;
  if (parseIpv4(src) < 0 && !parseIpv6(src, v6)) throw new QueryError(at + 'src', 'parameter "src" must be an IPv4 or IPv6 address');
  const to = text(get, 'to', at, true)!;
  const q: CallQuery = { src, to };
  const from = text(get, 'from', at, false);
  if (from !== undefined) q.from = from;
  const callId = text(get, 'callid', at, false) ?? text(get, 'callId', at, false);
  if (callId !== undefined) q.callId = callId;
  const user = text(get, 'user', at, false);
  if (user !== undefined) q.user = user;
  const when = time(get('at'), at);
  if (when !== undefined) q.at = when;
  const port = get('srcPort') ?? get('srcport');
  if (port !== undefined && port !== '') {
    const p = Number(port);
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new QueryError(at + 'srcPort', 'parameter "srcPort" must be a port number');
    q.srcPort = p;
  }
  const explain = get('explain');
  if (explain !== undefined && explain !== '') {
    if (explain === true || explain === '1' || explain === 'true') q.explain = true;
    else if (!(explain === false || explain === '0' || explain === 'false')) throw new QueryError(at + 'explain', 'parameter "explain" must be 1 or 0');
  }
  return q;
}

/**
 * A query string split once ("src=127.0.0.1&to=4474%2B1" → {src: '127.0.0.1', to: '4474+1'}); the
 * first value of a repeated name wins. One native call to get the string instead of one per name.
 */
export function splitQueryString(qs: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!qs) return out;
  let start = 0;
  while (start <= qs.length) {
    let end = qs.indexOf('&', start);
    if (end < 0) end = qs.length;
    if (end > start) {
      const eq = qs.indexOf('=', start);
      const cut = eq < 0 || eq > end ? end : eq;
      const name = decode(qs.slice(start, cut));
      if (!(name in out)) out[name] = cut === end ? '' : decode(qs.slice(cut + 1, end));
    }
    start = end + 1;
  }
  return out;
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new QueryError('query', 'the query string has a malformed %-escape');
  }
}

/** JSON of a decision with the serving artefact's serial appended (no copy of the decision). */
export function decisionJson(d: Decision, serial: number): string {
  const s = JSON.stringify(d);
  return s.slice(0, -1) + ',"serial":' + serial + '}';
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
  let extra = '';
  if (d.sell !== undefined) extra += `X-Dialplane-Sell: ${d.sell}\r\n`;
  if (d.maxDuration !== undefined) extra += `X-Dialplane-Max-Duration: ${d.maxDuration}\r\n`;
  const routes = d.status === 302
    ? d.targets.map((t) => (extra ? { uri: t.uri, headers: { extra } } : { uri: t.uri }))
    : [];
  return { version: '1.0', routing: 'serial', routes, status: d.status, reason: d.reason };
}
