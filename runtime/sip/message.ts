// SIP request parsing for a redirect server (RFC 3261 §7, §8.2, §18.3, §20; RFC 3581 rport).
//
// The input is one datagram (or one framed stream message) decoded as latin1, so every byte is one
// UTF-16 code unit and header values can be copied back into a response byte for byte.
//
// Strict about what a redirect server relies on: the request line and SIP version, exactly one
// From, To, Call-ID and CSeq, at least one Via with a parseable sent-by, a CSeq whose method is the
// request's, numeric Max-Forwards and Content-Length, a body no shorter than Content-Length.
// Tolerant of what does not matter: header-name case, compact forms (v f t i m l), whitespace
// around the colon, folded (continued) header lines, bare LF line ends, CRLFs before the request
// line, unknown and repeated unknown headers, a missing Content-Length on UDP, a missing
// Max-Forwards, addr-spec (no angle brackets) From/To, quoted display names.
//
// Only the headers a decision or a response needs are looked at; an ACK stops after its request
// line. Nothing throws: a failure is a value saying what was wrong, which response status fits
// (400, 416, 505), and — when the request had the headers a response must copy — enough of the
// request to send that response.

/** Where a request came from. */
export interface SipSource {
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
}

/** What a response needs from its request (RFC 3261 §8.2.6.2): the headers it copies. */
export interface ResponseContext {
  readonly method: string;
  /** Via header values in order, one element per via-parm (comma-joined Vias are split). */
  readonly vias: readonly string[];
  /** Top Via: transport, sent-by host and port (0 when absent: 5060 is meant). */
  readonly viaTransport: string;
  readonly viaHost: string;
  readonly viaPort: number;
  /** Top Via branch parameter ('' when absent, as from an RFC 2543 client). */
  readonly branch: string;
  /**
   * Top Via `rport` (RFC 3581): -1 absent; 0 present without a value (the response must fill it
   * in and go back to the source port); otherwise the value found.
   */
  readonly rport: number;
  /** Offset inside vias[0] just after a value-less `rport`, where "=port" is inserted. */
  readonly rportAt: number;
  /** Whether the top Via already has a `received` parameter. */
  readonly hasReceived: boolean;
  readonly fromRaw: string;
  readonly fromTag: string;
  readonly toRaw: string;
  readonly toTag: string;
  readonly callId: string;
  /** CSeq header value as received ("314159 INVITE"). */
  readonly cseqRaw: string;
  readonly cseq: number;
}

export interface SipRequest extends ResponseContext {
  /** Request-URI text. */
  readonly uri: string;
  readonly uriScheme: string;
  /** R-URI user part: user parameters (";npdi") dropped, %XX unescaped. The dialled number. */
  readonly ruriUser: string;
  readonly ruriHost: string;
  /** From / To URI as written inside the header (`sip:alice@a.example;user=phone`). */
  readonly fromUri: string;
  /** From / To user: parameters dropped, unescaped. */
  readonly fromUser: string;
  /** From / To user as Kamailio sees it (see `ParsedUri.userRaw`), for carrierroute hashing. */
  readonly fromUserRaw: string;
  readonly toUri: string;
  readonly toUser: string;
  readonly toUserRaw: string;
  /** First P-Asserted-Identity user ('' when absent); only read for INVITE. */
  readonly paiUser: string;
  /** Max-Forwards, -1 when absent. */
  readonly maxForwards: number;
  /** Content-Length, -1 when absent. */
  readonly contentLength: number;
}

export type ParseResult =
  | { ok: true; request: SipRequest }
  | { ok: false; kind: 'ignore'; error: string }
  | {
      ok: false;
      kind: 'malformed';
      error: string;
      /** Status that fits the fault: 400, 416 (URI scheme) or 505 (version). */
      status: number;
      reason: string;
      /** Present when the request had what a response must copy: answer it; otherwise drop. */
      context: ResponseContext | undefined;
    };

const WS = (c: number) => c === 32 || c === 9;

function trimRange(s: string, a: number, b: number): string {
  while (a < b && WS(s.charCodeAt(a))) a++;
  while (b > a && (WS(s.charCodeAt(b - 1)) || s.charCodeAt(b - 1) === 13)) b--;
  return s.slice(a, b);
}

/** s, lower-cased: the same string when it has no ASCII capital (the usual case), without a copy. */
function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** s, upper-cased: the same string when it has no ASCII small letter. */
function upper(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return s.toUpperCase();
  }
  return s;
}

/** s[a, b), whitespace around it ignored, equals `name` (lower case) ignoring ASCII case. */
function rangeIs(s: string, a: number, b: number, name: string): boolean {
  while (a < b && WS(s.charCodeAt(a))) a++;
  while (b > a && WS(s.charCodeAt(b - 1))) b--;
  if (b - a !== name.length) return false;
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(a + i) | 32) !== name.charCodeAt(i)) return false;
  return true;
}

/** Position of `ch` in s[from, end) outside double quotes (with backslash escapes), or -1. */
function indexOutsideQuotes(s: string, ch: number, from: number, end = s.length): number {
  let quoted = false;
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++; // backslash escape
      else if (c === 34) quoted = false;
    } else if (c === 34) {
      quoted = true;
    } else if (c === ch) {
      return i;
    }
  }
  return -1;
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // token chars of RFC 3261 §25.1: alphanum - . ! % * _ + ` ' ~
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      || c === 45 || c === 46 || c === 33 || c === 37 || c === 42 || c === 95 || c === 43 || c === 96 || c === 39 || c === 126)) return false;
  }
  return true;
}

function unescapeUser(u: string): string {
  if (u.indexOf('%') < 0) return u;
  let out = '';
  for (let i = 0; i < u.length; i++) {
    const c = u[i]!;
    if (c === '%' && i + 2 < u.length && /^[0-9a-fA-F]{2}$/.test(u.slice(i + 1, i + 3))) {
      out += String.fromCharCode(Number.parseInt(u.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

export interface ParsedUri {
  scheme: string;
  /** User part with user parameters dropped and %XX unescaped: the number. */
  user: string;
  /**
   * User part as Kamailio's parse_uri gives it, what carrierroute's from_user / to_user hash: as
   * written, password removed, escapes and user parameters kept (`+4930123;npdi`, `%2B4930123`) —
   * except in a `user=phone` URI, whose user parameters Kamailio splits off (phone2tel).
   */
  userRaw: string;
  host: string;
  port: number;
}

/**
 * A SIP, SIPS or tel URI: scheme, user (user parameters dropped, unescaped), host, port.
 * `sip:+4930123;npdi@gw.example:5070` → user "+4930123" (userRaw "+4930123;npdi"), host "gw.example",
 * port 5070.
 * `tel:+1-212-555-0100;phone-context=example.com` → user "+12125550100" (visual separators removed).
 */
export function parseUri(uri: string): ParsedUri | undefined {
  const colon = uri.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = colon === 3 && rangeIs(uri, 0, 3, 'sip') ? 'sip' : lower(uri.slice(0, colon));
  const rest = colon + 1;
  if (scheme === 'tel') {
    let end = uri.indexOf(';', rest);
    if (end < 0) end = uri.length;
    const raw = uri.slice(rest, end);
    const number = raw.replace(/[-.()]/g, '');
    if (number.length === 0) return undefined;
    return { scheme, user: unescapeUser(number), userRaw: raw, host: '', port: 0 };
  }
  if (scheme !== 'sip' && scheme !== 'sips') return { scheme, user: '', userRaw: '', host: '', port: 0 };
  // userinfo ends at the last '@' before any '?'-headers
  let headersAt = uri.indexOf('?', rest);
  if (headersAt < 0) headersAt = uri.length;
  // (a loop: String#lastIndexOf with a position is a runtime call, not an inlined builtin)
  let at = headersAt - 1;
  while (at >= rest && uri.charCodeAt(at) !== 64) at--;
  let user = '';
  let userRaw = '';
  let hostStart = rest;
  if (at >= rest) {
    let userEnd = at;
    const pw = uri.indexOf(':', rest);
    if (pw >= 0 && pw < userEnd) userEnd = pw;
    userRaw = uri.slice(rest, userEnd);
    const semi = userRaw.indexOf(';');
    if (semi >= 0) {
      user = unescapeUser(userRaw.slice(0, semi));
      // Kamailio (phone2tel, on by default) splits the user parameters off a user=phone URI.
      if (/;user=phone(?:;|$)/i.test(uri.slice(at, headersAt))) userRaw = userRaw.slice(0, semi);
    } else {
      user = unescapeUser(userRaw);
    }
    hostStart = at + 1;
  }
  let host: string;
  let port = 0;
  let i = hostStart;
  if (uri.charCodeAt(i) === 91) {
    const close = uri.indexOf(']', i);
    if (close < 0) return undefined;
    host = uri.slice(i, close + 1);
    i = close + 1;
  } else {
    while (i < headersAt) {
      const c = uri.charCodeAt(i);
      if (c === 58 || c === 59 || c === 62) break;
      i++;
    }
    host = uri.slice(hostStart, i);
  }
  if (host.length === 0) return undefined;
  if (uri.charCodeAt(i) === 58) {
    let p = 0;
    let j = i + 1;
    for (; j < headersAt; j++) {
      const c = uri.charCodeAt(j);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
    }
    if (j === i + 1 || p > 65535) return undefined;
    port = p;
  }
  return { scheme, user, userRaw, host: lower(host), port };
}

export interface NameAddr { uri: string; tag: string }

/**
 * From / To / P-Asserted-Identity value: `"Alice" <sip:alice@a.example>;tag=1928301774` or
 * `sip:alice@a.example;tag=1928301774`. Returns the URI and the tag ('' if none).
 */
export function parseNameAddr(value: string): NameAddr | undefined {
  const lt = indexOutsideQuotes(value, 60, 0);
  let uri: string;
  let paramsFrom: number;
  if (lt >= 0) {
    const gt = value.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    uri = value.slice(lt + 1, gt).trim();
    paramsFrom = gt + 1;
  } else {
    const semi = value.indexOf(';');
    uri = (semi < 0 ? value : value.slice(0, semi)).trim();
    paramsFrom = semi < 0 ? value.length : semi;
  }
  if (uri.length === 0 || uri.indexOf(':') <= 0) return undefined;
  let tag = '';
  let i = value.indexOf(';', paramsFrom);
  while (i >= 0) {
    let j = value.indexOf(';', i + 1);
    if (j < 0) j = value.length;
    const eq = value.indexOf('=', i + 1);
    if (eq >= 0 && eq < j && rangeIs(value, i + 1, eq, 'tag')) {
      tag = trimRange(value, eq + 1, j);
      break;
    }
    i = j < value.length ? j : -1;
  }
  return { uri, tag };
}

/** Splits a header value on commas outside quotes and angle brackets (Via, P-Asserted-Identity). */
function splitCommas(value: string, out: string[]): void {
  if (value.indexOf(',') < 0) {
    // The usual single value (already trimmed by the header loop).
    if (value.length > 0) out.push(value);
    return;
  }
  let start = 0;
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) angle++;
    else if (c === 62) angle--;
    else if (c === 44 && angle <= 0) {
      const part = value.slice(start, i).trim();
      if (part.length > 0) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last.length > 0) out.push(last);
}

interface TopVia {
  transport: string;
  host: string;
  port: number;
  branch: string;
  rport: number;
  rportAt: number;
  hasReceived: boolean;
}

/** `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport` */
function parseVia(v: string): TopVia | undefined {
  // sent-protocol, with optional LWS around the slashes
  let i = 0;
  const slash1 = v.indexOf('/');
  if (slash1 < 0 || !rangeIs(v, 0, slash1, 'sip')) return undefined;
  const slash2 = v.indexOf('/', slash1 + 1);
  if (slash2 < 0) return undefined;
  i = slash2 + 1;
  while (i < v.length && WS(v.charCodeAt(i))) i++;
  const tStart = i;
  while (i < v.length && !WS(v.charCodeAt(i)) && v.charCodeAt(i) !== 59) i++;
  const transport = upper(v.slice(tStart, i));
  if (transport.length === 0) return undefined;
  while (i < v.length && WS(v.charCodeAt(i))) i++;
  // sent-by
  const hStart = i;
  let host: string;
  if (v.charCodeAt(i) === 91) {
    const close = v.indexOf(']', i);
    if (close < 0) return undefined;
    host = v.slice(hStart, close + 1);
    i = close + 1;
  } else {
    while (i < v.length) {
      const c = v.charCodeAt(i);
      if (c === 58 || c === 59 || WS(c)) break;
      i++;
    }
    host = v.slice(hStart, i);
  }
  if (host.length === 0) return undefined;
  let port = 0;
  while (i < v.length && WS(v.charCodeAt(i))) i++;
  if (v.charCodeAt(i) === 58) {
    i++;
    while (i < v.length && WS(v.charCodeAt(i))) i++;
    const pStart = i;
    while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) {
      port = port * 10 + (v.charCodeAt(i) - 48);
      i++;
    }
    if (i === pStart || port === 0 || port > 65535) return undefined;
  }
  // parameters
  let branch = '';
  let rport = -1;
  let rportAt = -1;
  let hasReceived = false;
  let p = v.indexOf(';', i);
  while (p >= 0) {
    let q = v.indexOf(';', p + 1);
    if (q < 0) q = v.length;
    const eq = v.indexOf('=', p + 1);
    const hasValue = eq >= 0 && eq < q;
    const nameEnd = hasValue ? eq : q;
    if (hasValue && rangeIs(v, p + 1, nameEnd, 'branch')) branch = trimRange(v, eq + 1, q);
    else if (rangeIs(v, p + 1, nameEnd, 'received')) hasReceived = true;
    else if (rangeIs(v, p + 1, nameEnd, 'rport')) {
      if (hasValue) {
        const n = Number(v.slice(eq + 1, q).trim());
        rport = Number.isInteger(n) && n > 0 && n <= 65535 ? n : 0;
        if (rport === 0) rportAt = -1;
      } else {
        rport = 0;
        // insert "=port" right after the name (before trailing whitespace)
        let e = q;
        while (e > p + 1 && WS(v.charCodeAt(e - 1))) e--;
        rportAt = e;
      }
    }
    p = q < v.length ? q : -1;
  }
  return { transport, host: lower(host), port, branch, rport, rportAt, hasReceived };
}

function parseNonNegativeInt(s: string, max: number): number {
  if (s.length === 0 || s.length > 10) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= max ? n : -1;
}

/** "SIP/2.0", case-insensitively, without a regular expression. */
function isSip20(v: string): boolean {
  return v.length === 7 && (v.charCodeAt(0) | 32) === 115 && (v.charCodeAt(1) | 32) === 105 && (v.charCodeAt(2) | 32) === 112 && v.endsWith('/2.0');
}

/** Methods whose request line is enough: nothing is answered, so nothing else is parsed. */
const ABSORBED = 'ACK';

/**
 * Parses one SIP request. `text` is the message decoded as latin1 (`buffer.toString('latin1')`).
 * A response, an empty or keep-alive packet gives `kind: 'ignore'`.
 */
export function parseSipRequest(text: string): ParseResult {
  let pos = 0;
  const len = text.length;
  // CRLFs before the start line are ignored (RFC 3261 §7.5); all-CRLF packets are keep-alives.
  while (pos < len && (text.charCodeAt(pos) === 13 || text.charCodeAt(pos) === 10)) pos++;
  if (pos === len) return { ok: false, kind: 'ignore', error: 'keep-alive' };
  let eol = text.indexOf('\n', pos);
  if (eol < 0) eol = len;
  const lineEnd = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
  // Request-Line = Method SP Request-URI SP SIP-Version
  const sp1 = text.indexOf(' ', pos);
  if (text.startsWith('SIP/', pos)) return { ok: false, kind: 'ignore', error: 'a response, not a request' };
  if (sp1 < 0 || sp1 >= lineEnd) return { ok: false, kind: 'ignore', error: 'no request line' };
  const method = text.slice(pos, sp1);
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (!isToken(method) || sp2 < 0 || sp2 >= lineEnd) return { ok: false, kind: 'ignore', error: 'malformed request line' };
  const uri = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1, lineEnd);
  if (method === ABSORBED) {
    return { ok: true, request: absorbed(method, uri) };
  }

  // Header fields. Only the headers used are sliced out; folded lines are appended.
  const vias: string[] = [];
  let fromRaw: string | undefined;
  let toRaw: string | undefined;
  let callId: string | undefined;
  let cseqRaw: string | undefined;
  let maxForwardsRaw: string | undefined;
  let contentLengthRaw: string | undefined;
  let paiRaw: string | undefined;
  let duplicate = '';
  let bodyStart = len; // no blank line: tolerated on UDP (no body)

  pos = eol + 1;
  while (pos < len) {
    let e = text.indexOf('\n', pos);
    if (e < 0) e = len;
    const end = e > pos && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
    if (end === pos) {
      bodyStart = e + 1; // the empty line ending the headers
      break;
    }
    const lineStart = pos;
    pos = e + 1;
    const c0 = text.charCodeAt(lineStart);
    if (c0 === 32 || c0 === 9) continue; // continuation of a header not used (used ones read theirs below)
    const colon = text.indexOf(':', lineStart);
    if (colon < 0 || colon >= end) continue; // not a header line: tolerated
    let nameEnd = colon;
    while (nameEnd > lineStart && WS(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const id = headerId(text, lineStart, nameEnd);
    if (id === H_NONE) continue;
    let value = trimRange(text, colon + 1, end);
    // Folded lines (RFC 3261 §7.3.1) continue this header.
    while (pos < len && WS(text.charCodeAt(pos))) {
      let e2 = text.indexOf('\n', pos);
      if (e2 < 0) e2 = len;
      const end2 = e2 > pos && text.charCodeAt(e2 - 1) === 13 ? e2 - 1 : e2;
      value += ' ' + trimRange(text, pos, end2);
      pos = e2 + 1;
    }
    switch (id) {
      case H_VIA: splitCommas(value, vias); break;
      case H_FROM: if (fromRaw === undefined) fromRaw = value; else duplicate = 'From'; break;
      case H_TO: if (toRaw === undefined) toRaw = value; else duplicate = 'To'; break;
      case H_CALL_ID: if (callId === undefined) callId = value; else duplicate = 'Call-ID'; break;
      case H_CSEQ: if (cseqRaw === undefined) cseqRaw = value; else duplicate = 'CSeq'; break;
      case H_MAX_FORWARDS: if (maxForwardsRaw === undefined) maxForwardsRaw = value; else duplicate = 'Max-Forwards'; break;
      case H_CONTENT_LENGTH: if (contentLengthRaw === undefined) contentLengthRaw = value; else duplicate = 'Content-Length'; break;
      case H_PAI: if (paiRaw === undefined) paiRaw = value; break;
    }
  }

  // Enough to answer? A response copies Via, From, To, Call-ID and CSeq.
  const top = vias.length > 0 ? parseVia(vias[0]!) : undefined;
  const from = fromRaw !== undefined ? parseNameAddr(fromRaw) : undefined;
  const to = toRaw !== undefined ? parseNameAddr(toRaw) : undefined;
  let cseq = -1;
  let cseqMethod = '';
  if (cseqRaw !== undefined) {
    // CSeq = 1*DIGIT LWS Method
    let i = 0;
    while (i < cseqRaw.length && cseqRaw.charCodeAt(i) >= 48 && cseqRaw.charCodeAt(i) <= 57) i++;
    let j = i;
    while (j < cseqRaw.length && WS(cseqRaw.charCodeAt(j))) j++;
    if (i > 0 && j > i) {
      cseq = parseNonNegativeInt(cseqRaw.slice(0, i), 0xffffffff);
      cseqMethod = cseqRaw.slice(j);
    }
  }

  let error = '';
  let status = 400;
  let reason = 'Bad Request';
  let ruri: ParsedUri | undefined;
  let maxForwards = -1;
  let contentLength = -1;
  if (!isSip20(version)) {
    error = `unsupported version ${version}`;
    if (/^sip\/\d+\.\d+$/i.test(version)) { status = 505; reason = 'Version Not Supported'; }
  } else if (top === undefined) error = vias.length === 0 ? 'no Via' : 'malformed Via';
  else if (fromRaw === undefined) error = 'no From';
  else if (toRaw === undefined) error = 'no To';
  else if (callId === undefined || callId.length === 0) error = 'no Call-ID';
  else if (cseqRaw === undefined) error = 'no CSeq';
  else if (duplicate) error = `more than one ${duplicate}`;
  else if (cseq < 0) error = 'malformed CSeq';
  else if (cseqMethod !== method) error = `CSeq method ${cseqMethod} differs from ${method}`;
  else if (from === undefined) error = 'malformed From';
  else if (to === undefined) error = 'malformed To';
  else if (maxForwardsRaw !== undefined && (maxForwards = parseNonNegativeInt(maxForwardsRaw, 255)) < 0) error = 'malformed Max-Forwards';
  else if (contentLengthRaw !== undefined && (contentLength = parseNonNegativeInt(contentLengthRaw, 0x7fffffff)) < 0) error = 'malformed Content-Length';
  // Bytes beyond Content-Length are discarded; fewer is an error (RFC 3261 §18.3).
  else if (contentLength > len - bodyStart) error = 'body shorter than Content-Length';
  else if ((ruri = parseUri(uri)) === undefined) error = 'malformed Request-URI';
  else if (ruri.scheme !== 'sip' && ruri.scheme !== 'sips' && ruri.scheme !== 'tel') {
    error = `unsupported URI scheme ${ruri.scheme}`;
    status = 416;
    reason = 'Unsupported URI Scheme';
  }
  if (error !== '' || top === undefined || from === undefined || to === undefined || ruri === undefined) {
    const answerable = top !== undefined && fromRaw !== undefined && toRaw !== undefined && callId !== undefined && callId.length > 0 && cseqRaw !== undefined;
    return {
      ok: false, kind: 'malformed', error, status, reason,
      context: answerable
        ? {
            method, vias, viaTransport: top.transport, viaHost: top.host, viaPort: top.port, branch: top.branch, rport: top.rport,
            rportAt: top.rportAt, hasReceived: top.hasReceived, fromRaw: fromRaw!, fromTag: from?.tag ?? '', toRaw: toRaw!,
            toTag: to?.tag ?? '', callId: callId!, cseqRaw: cseqRaw!, cseq,
          }
        : undefined,
    };
  }

  const fromUri = parseUri(from.uri);
  const toUri = parseUri(to.uri);
  let paiUser = '';
  if (paiRaw !== undefined && method === 'INVITE') {
    const parts: string[] = [];
    splitCommas(paiRaw, parts);
    const first = parts.length > 0 ? parseNameAddr(parts[0]!) : undefined;
    if (first) paiUser = parseUri(first.uri)?.user ?? '';
  }
  // One literal with every field: a stable object shape (spreading a context object into it made
  // V8 build a new hidden class per request, ~80 µs each).
  const request: SipRequest = {
    method, vias, viaTransport: top.transport, viaHost: top.host, viaPort: top.port, branch: top.branch, rport: top.rport,
    rportAt: top.rportAt, hasReceived: top.hasReceived, fromRaw: fromRaw!, fromTag: from.tag, toRaw: toRaw!, toTag: to.tag,
    callId: callId!, cseqRaw: cseqRaw!, cseq,
    uri, uriScheme: ruri.scheme, ruriUser: ruri.user, ruriHost: ruri.host,
    fromUri: from.uri, fromUser: fromUri?.user ?? '', fromUserRaw: fromUri?.userRaw ?? '',
    toUri: to.uri, toUser: toUri?.user ?? '', toUserRaw: toUri?.userRaw ?? '',
    paiUser, maxForwards, contentLength,
  };
  return { ok: true, request };
}

const H_NONE = 0, H_VIA = 1, H_FROM = 2, H_TO = 3, H_CALL_ID = 4, H_CSEQ = 5, H_MAX_FORWARDS = 6, H_CONTENT_LENGTH = 7, H_PAI = 8;

/** s[a, a + name.length) equals `name` (lower case) ignoring ASCII case. */
function nameIs(s: string, a: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(a + i) | 32) !== name.charCodeAt(i)) return false;
  return true;
}

/** Which used header the name s[a, b) is, by long or compact form, without allocating. */
function headerId(s: string, a: number, b: number): number {
  switch (b - a) {
    case 1:
      switch (s.charCodeAt(a) | 32) {
        case 118: return H_VIA; // v
        case 102: return H_FROM; // f
        case 116: return H_TO; // t
        case 105: return H_CALL_ID; // i
        case 108: return H_CONTENT_LENGTH; // l
      }
      return H_NONE;
    case 2: return nameIs(s, a, 'to') ? H_TO : H_NONE;
    case 3: return nameIs(s, a, 'via') ? H_VIA : H_NONE;
    case 4: return nameIs(s, a, 'from') ? H_FROM : nameIs(s, a, 'cseq') ? H_CSEQ : H_NONE;
    case 7: return nameIs(s, a, 'call-id') ? H_CALL_ID : H_NONE;
    case 12: return nameIs(s, a, 'max-forwards') ? H_MAX_FORWARDS : H_NONE;
    case 14: return nameIs(s, a, 'content-length') ? H_CONTENT_LENGTH : H_NONE;
    case 19: return nameIs(s, a, 'p-asserted-identity') ? H_PAI : H_NONE;
  }
  return H_NONE;
}

function absorbed(method: string, uri: string): SipRequest {
  return {
    method, uri, uriScheme: '', ruriUser: '', ruriHost: '', vias: [], viaTransport: '', viaHost: '', viaPort: 0, branch: '',
    rport: -1, rportAt: -1, hasReceived: false, fromRaw: '', fromTag: '', toRaw: '', toTag: '', callId: '', cseqRaw: '',
    cseq: -1, fromUri: '', fromUser: '', fromUserRaw: '', toUri: '', toUser: '', toUserRaw: '', paiUser: '', maxForwards: -1, contentLength: -1,
  };
}
