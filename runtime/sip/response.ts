// SIP responses of a redirect server (RFC 3261 §8.2.6, §18.2.1, §20.10; RFC 3581).
//
// A response copies the request's Via values (the top one with `received`, and `rport` filled in
// when the client asked for it), From, To (with our tag added if it had none), Call-ID and CSeq,
// then carries Contacts and extra headers, and no body:
//
//   SIP/2.0 302 Moved Temporarily
//   Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport=5060;received=192.0.2.10
//   From: <sip:100@192.0.2.10>;tag=a1
//   To: <sip:442079460000@198.51.100.1>;tag=5f0c2a9e81d4b377
//   Call-ID: 1-2345@192.0.2.10
//   CSeq: 1 INVITE
//   Contact: <sip:442079460000@carrier-a.example:5060>;q=1.0
//   Contact: <sip:442079460000@carrier-b.example:5060>;q=0.9
//   X-Dialplane-Sell: 0.012
//   Content-Length: 0

import { crc32Ascii, crc32Update } from '../engine/crc32.js';
import type { ResponseContext, SipSource } from './message.js';

export interface RedirectTarget {
  uri: string;
  /** 0 … 1; when absent the position decides: 1.0, 0.9, … (thousandths beyond ten targets). */
  q?: number;
}

/** Extra header fields, in order. */
export type HeaderList = Readonly<Record<string, string | number>> | ReadonlyArray<readonly [string, string | number]>;

/** What the routing engine answers for an INVITE. */
export type Decision =
  | { status: 302; targets: readonly RedirectTarget[]; headers?: HeaderList; reason?: string }
  | { status: number; reason: string; headers?: HeaderList };

export const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 302: 'Moved Temporarily', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 416: 'Unsupported URI Scheme', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here',
  500: 'Server Internal Error', 503: 'Service Unavailable', 505: 'Version Not Supported', 580: 'Precondition Failure',
  603: 'Decline',
};

/** Methods this server answers (the Allow header of 405 and OPTIONS responses). */
export const ALLOW = 'INVITE, ACK, CANCEL, OPTIONS';

const HEADER_NAME = /^[A-Za-z0-9!%*_+`'~.-]+$/;

/** Strips what would break the message apart (CR, LF, NUL) from text placed in a header. */
function clean(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) return text.replace(/[\r\n\0]+/g, ' ');
  }
  return text;
}

/** q-value text: 1 → "1.0", 0.9 → "0.9", 0.955 → "0.955". */
export function formatQ(q: number): string {
  const m = Math.round(Math.min(1, Math.max(0, q)) * 1000);
  if (m === 1000) return '1.0';
  let frac = String(m).padStart(3, '0');
  while (frac.length > 1 && frac.endsWith('0')) frac = frac.slice(0, -1);
  return `0.${frac}`;
}

/** Default q of the i-th of n targets: strictly descending, all above 0 (for n ≤ 1000). */
export function defaultQ(i: number, n: number): number {
  const step = n <= 10 ? 100 : Math.max(1, Math.floor(999 / (n - 1)));
  return Math.max(1, 1000 - i * step) / 1000;
}

/**
 * A 32-bit hash of a request's transaction identity (top branch, Call-ID) under a per-process
 * seed. The server computes it once per request and derives both the transaction key and the To
 * tag from it.
 */
export function requestHash(seed: number, ctx: ResponseContext): number {
  return crc32Update(crc32Update(crc32Update(seed, ctx.branch), '\n'), ctx.callId);
}

/**
 * The To tag for the responses to one request: a function of the request (top branch, Call-ID,
 * From tag) and the per-process seed, so a retransmission, the CANCEL of an INVITE and the INVITE
 * itself get the same tag (§9.2) without remembering anything, while other nodes' tags differ.
 */
export function toTagOf(hash: number, fromTag: string): string {
  const t = crc32Update(hash, fromTag);
  return HEX2[t >>> 24]! + HEX2[(t >>> 16) & 0xff]! + HEX2[(t >>> 8) & 0xff]! + HEX2[t & 0xff]! + HEX2[(hash >>> 24) & 0xff]! + HEX2[(hash >>> 16) & 0xff]!;
}

/** Two lower-case hex digits per byte value. */
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `toTagOf(requestHash(crc32Ascii(secret), ctx), ctx.fromTag)`. */
export function makeToTag(secret: string, ctx: ResponseContext): string {
  return toTagOf(requestHash(crc32Ascii(secret), ctx), ctx.fromTag);
}

/** The top Via as it goes back: `received` (always with rport, else when the host differs), rport filled. */
export function responseTopVia(ctx: ResponseContext, source: SipSource): string {
  let v = ctx.vias[0]!;
  if (ctx.rport === 0 && ctx.rportAt >= 0) {
    v = v.slice(0, ctx.rportAt) + '=' + source.port + v.slice(ctx.rportAt);
  }
  if (!ctx.hasReceived && (ctx.rport >= 0 || !sameHost(ctx.viaHost, source.address))) {
    v += ';received=' + source.address;
  }
  return v;
}

/** Via host "[2001:db8::1]" is the address 2001:db8::1. */
function sameHost(viaHost: string, address: string): boolean {
  if (viaHost.charCodeAt(0) === 91) return viaHost.length === address.length + 2 && viaHost.slice(1, -1).toLowerCase() === address.toLowerCase();
  return viaHost === address;
}

/**
 * Where a response to an unreliable-transport request goes (RFC 3261 §18.2.2 with RFC 3581):
 * with rport, back to the source address and port; otherwise to the source address at the Via's
 * sent-by port (5060 when none). `symmetric` always uses the source port.
 */
export function responseDestination(ctx: ResponseContext, source: SipSource, symmetric = false): { address: string; port: number } {
  if (symmetric || ctx.rport >= 0 || source.transport !== 'udp') return { address: source.address, port: source.port };
  return { address: source.address, port: ctx.viaPort || 5060 };
}

export interface ResponseOptions {
  /** Tag to add to To when the request's To has none. */
  toTag?: string;
  contacts?: readonly RedirectTarget[];
  headers?: HeaderList;
  /** Server header value; omitted when undefined or ''. */
  server?: string;
}

/** q text of the i-th of n ≤ 10 targets without a q of its own. */
const DEFAULT_Q_TEXT = Array.from({ length: 10 }, (_, i) => formatQ(defaultQ(i, 10)));

/** Header names already checked to be tokens (decisions repeat the same few). */
const goodNames = new Set<string>();

/**
 * A complete response as text, one latin1 character per byte: what `buildResponse` encodes. The
 * SIP server writes it straight into its transaction memory instead of allocating a Buffer.
 */
export function responseText(ctx: ResponseContext, source: SipSource, status: number, reason: string, opts: ResponseOptions = {}): string {
  let out = statusLine(status, reason) + 'Via: ' + responseTopVia(ctx, source) + '\r\n';
  const vias = ctx.vias;
  for (let i = 1; i < vias.length; i++) out += 'Via: ' + vias[i] + '\r\n';
  out += 'From: ' + ctx.fromRaw + '\r\nTo: ' + ctx.toRaw + (ctx.toTag === '' && opts.toTag ? ';tag=' + opts.toTag : '')
    + '\r\nCall-ID: ' + ctx.callId + '\r\nCSeq: ' + ctx.cseqRaw + '\r\n';
  const contacts = opts.contacts;
  if (contacts) {
    const n = contacts.length;
    for (let i = 0; i < n; i++) {
      const t = contacts[i]!;
      const q = t.q !== undefined ? formatQ(t.q) : n <= 10 ? DEFAULT_Q_TEXT[i]! : formatQ(defaultQ(i, n));
      out += 'Contact: <' + clean(t.uri) + '>;q=' + q + '\r\n';
    }
  }
  const h = opts.headers;
  if (h) {
    if (Array.isArray(h)) {
      for (let i = 0; i < h.length; i++) out += header(h[i]![0], h[i]![1]);
    } else {
      for (const k in h) out += header(k, (h as Record<string, string | number>)[k]!);
    }
  }
  if (opts.server) out += 'Server: ' + clean(opts.server) + '\r\n';
  return out + 'Content-Length: 0\r\n\r\n';
}

let lastStatus = 0, lastReason = '', lastLine = '';

/** `SIP/2.0 302 Moved Temporarily\r\n`; the last one is kept, as most answers repeat it. */
function statusLine(status: number, reason: string): string {
  if (status === lastStatus && reason === lastReason) return lastLine;
  const line = 'SIP/2.0 ' + status + ' ' + clean(reason || DEFAULT_REASONS[status] || 'Unknown') + '\r\n';
  lastStatus = status;
  lastReason = reason;
  lastLine = line;
  return line;
}

/** Builds a complete response as bytes. */
export function buildResponse(ctx: ResponseContext, source: SipSource, status: number, reason: string, opts: ResponseOptions = {}): Buffer {
  return Buffer.from(responseText(ctx, source, status, reason, opts), 'latin1');
}

function header(name: string, value: string | number): string {
  if (!goodNames.has(name)) {
    if (!HEADER_NAME.test(name)) return '';
    if (goodNames.size < 256) goodNames.add(name);
  }
  return name + ': ' + (typeof value === 'number' ? value : clean(value)) + '\r\n';
}

/** The response to an INVITE for a routing decision, as text: 302 with Contacts, or the rejection. */
export function decisionResponseText(ctx: ResponseContext, source: SipSource, decision: Decision, toTag: string, server?: string): string {
  if (decision.status === 302) {
    const d = decision as Extract<Decision, { targets: readonly RedirectTarget[] }>;
    if (d.targets && d.targets.length > 0) {
      return responseText(ctx, source, 302, d.reason ?? 'Moved Temporarily', { toTag, contacts: d.targets, headers: d.headers, server });
    }
    return responseText(ctx, source, 500, 'Server Internal Error', { toTag, server });
  }
  const status = Number.isInteger(decision.status) && decision.status >= 300 && decision.status <= 699 ? decision.status : 500;
  const reason = status === decision.status ? (decision as { reason: string }).reason : 'Server Internal Error';
  return responseText(ctx, source, status, reason, { toTag, headers: decision.headers, server });
}

/** The response to an INVITE for a routing decision: 302 with Contacts, or the rejection. */
export function buildDecisionResponse(ctx: ResponseContext, source: SipSource, decision: Decision, toTag: string, server?: string): Buffer {
  return Buffer.from(decisionResponseText(ctx, source, decision, toTag, server), 'latin1');
}
