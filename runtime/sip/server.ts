// The SIP redirect server: UDP (node:dgram) and optionally TCP, one `decide` function behind it.
//
//   INVITE   → the decision: 302 Moved Temporarily with one Contact per target, or the rejection.
//              A retransmission (same branch, sent-by, Call-ID, CSeq) gets the first answer's
//              bytes from the transaction cache, without deciding again.
//   ACK      → nothing (it acknowledges our final response; there is nothing to stop).
//   CANCEL   → 200 OK when it matches an INVITE we answered; that INVITE already has its final
//              response, so per RFC 3261 §9.2 the CANCEL has no other effect and no 487 is sent.
//              481 Call/Transaction Does Not Exist when it matches nothing.
//   OPTIONS  → 200 OK with Allow and Accept.
//   others   → 405 Method Not Allowed with Allow.
//   INVITE with a To tag (in-dialog: we keep no dialogs) → 481.
//   malformed → 400 (416, 505 where they fit) when the request has what a response must copy,
//              otherwise dropped. Nothing a peer sends can throw out of the socket handler.
//
// Per packet: one latin1 decode, one pass over the header lines, one decision for a new INVITE,
// one string build written straight into the transaction memory, and one send. No timers, no
// closures and no DNS work per packet.

import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { crc32Ascii } from '../engine/crc32.js';
import { parseSipRequest, type ResponseContext, type SipRequest, type SipSource } from './message.js';
import { ALLOW, decisionResponseText, requestHash, responseText, toTagOf, type Decision } from './response.js';
import { TransactionStore, transactionHash } from './transactions.js';

export type DecideFn = (request: SipRequest, source: SipSource) => Decision;

export interface SipServerOptions {
  decide: DecideFn;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** UDP (and TCP) port, 0 for any (default 5060). */
  port?: number;
  /** Also listen on TCP on the same port (default false). */
  tcp?: boolean;
  /** SO_RCVBUF asked for (default 8 MiB; the kernel caps it at net.core.rmem_max). */
  recvBufferSize?: number;
  /** SO_SNDBUF asked for (default 4 MiB). */
  sendBufferSize?: number;
  /** Transaction memory: minimum lifetime (default 32 s), entry and byte bounds (200,000, 128 MiB). */
  transactionTtlMs?: number;
  transactionMax?: number;
  transactionMaxBytes?: number;
  /** Server header of responses (default "dialplane"; '' for none). */
  server?: string;
  /** Answer UDP requests without rport at their source port instead of the Via port. */
  symmetricResponses?: boolean;
  /** Called for errors that are not a peer's fault (decide threw, a send failed). */
  onError?: (error: unknown, where: string) => void;
  /** Largest TCP message accepted before the connection is closed (default 64 KiB). */
  maxTcpMessage?: number;
}

export interface SipStats {
  received: number;
  ignored: number;
  malformed: number;
  invites: number;
  retransmissions: number;
  redirects: number;
  rejections: number;
  acks: number;
  cancels: number;
  options: number;
  otherMethods: number;
  decideErrors: number;
  sendErrors: number;
  tcpConnections: number;
}

const MAX_UDP = 65_535;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * An ACK with a well-formed request line ("ACK" SP Request-URI SP version), read from the bytes: it
 * is absorbed without being decoded (what `parseSipRequest` would conclude from the same line).
 */
function isAck(msg: Buffer): boolean {
  if (msg.length < 8 || msg[0] !== 65 || msg[1] !== 67 || msg[2] !== 75 || msg[3] !== 32) return false;
  // Request-URI then SP, before the end of the line; an empty URI or a second SP right away still
  // counts, as in parseSipRequest.
  for (let i = 4; i < msg.length; i++) {
    const c = msg[i]!;
    if (c === 32) return true;
    if (c === 10 || c === 13) return false;
  }
  return false;
}

/**
 * dgram's address lookup. Responses only ever go to a source address, an IP literal, which the
 * default (dns.lookup) would also return unchanged — but a tick later, through a closure per send.
 * This answers literals synchronously and leaves anything else to dns.lookup.
 */
let lastLiteral: string | undefined;
function literalLookup(address: string, family: number, callback: LookupCallback): void {
  // Most responses go to the peer the previous one went to: one string compare instead of
  // net.isIP's regular expression.
  if (address === lastLiteral || net.isIP(address) !== 0) {
    lastLiteral = address;
    callback(null, address, family);
  } else {
    dns.lookup(address, family, callback);
  }
}

export class SipServer {
  readonly stats: SipStats = {
    received: 0, ignored: 0, malformed: 0, invites: 0, retransmissions: 0, redirects: 0, rejections: 0, acks: 0,
    cancels: 0, options: 0, otherMethods: 0, decideErrors: 0, sendErrors: 0, tcpConnections: 0,
  };
  readonly transactions: TransactionStore;
  /** Per-process seed of request hashes (transaction keys, To tags). */
  private readonly seed = crc32Ascii(randomBytes(12).toString('hex'));
  private readonly decide: DecideFn;
  private readonly serverName: string;
  private readonly symmetric: boolean;
  private readonly onError: (error: unknown, where: string) => void;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly tcpSockets = new Set<net.Socket>();
  /** Destination of the last response built by `handle` (reused: no object per packet). */
  readonly destination = { address: '', port: 0 };

  constructor(private readonly opts: SipServerOptions) {
    this.decide = opts.decide;
    this.serverName = opts.server ?? 'dialplane';
    this.symmetric = opts.symmetricResponses ?? false;
    this.onError = opts.onError ?? (() => {});
    this.transactions = new TransactionStore({ ttlMs: opts.transactionTtlMs, maxEntries: opts.transactionMax, maxBytes: opts.transactionMaxBytes });
  }

  /** Starts a server; resolves when the sockets listen. */
  static async start(opts: SipServerOptions): Promise<SipServer> {
    const s = new SipServer(opts);
    await s.listen();
    return s;
  }

  /** The bound UDP address, and the effective socket buffer sizes. */
  udpInfo(): { address: string; port: number; recvBufferSize: number; sendBufferSize: number } {
    const a = this.udp!.address();
    return { address: a.address, port: a.port, recvBufferSize: this.udp!.getRecvBufferSize(), sendBufferSize: this.udp!.getSendBufferSize() };
  }

  tcpPort(): number | undefined {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  private async listen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    const type = host.includes(':') ? 'udp6' : 'udp4';
    const udp = dgram.createSocket({
      type,
      lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
      recvBufferSize: this.opts.recvBufferSize ?? 8 * 1024 * 1024,
      sendBufferSize: this.opts.sendBufferSize ?? 4 * 1024 * 1024,
    });
    this.udp = udp;
    udp.on('error', (e) => { this.stats.sendErrors++; this.onError(e, 'udp'); });
    const src: SipSource = { address: '', port: 0, transport: 'udp' };
    udp.on('message', (msg, rinfo) => {
      src.address = rinfo.address;
      src.port = rinfo.port;
      let out: Buffer | undefined;
      try {
        out = this.handle(msg, src);
      } catch (e) {
        // handle() does not throw by design; this is the last line of defence.
        this.onError(e, 'handle');
        return;
      }
      if (out !== undefined) udp.send(out, this.destination.port, this.destination.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.opts.port ?? 5060, host, () => { udp.off('error', reject); resolve(); });
    });
    if (this.opts.tcp) {
      const port = udp.address().port;
      const server = net.createServer((sock) => this.serveTcp(sock));
      this.tcp = server;
      server.on('error', (e) => this.onError(e, 'tcp'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => { server.off('error', reject); resolve(); });
      });
    }
  }

  private serveTcp(sock: net.Socket): void {
    this.stats.tcpConnections++;
    this.tcpSockets.add(sock);
    sock.setNoDelay(true);
    const max = this.opts.maxTcpMessage ?? 65_536;
    const src: SipSource = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0, transport: 'tcp' };
    let pending: Buffer = Buffer.alloc(0);
    sock.on('error', () => { /* peer reset: nothing to do */ });
    sock.on('close', () => this.tcpSockets.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        // CRLF keep-alives between messages (RFC 5626 §4.4.1: "\r\n\r\n" ping → "\r\n" pong).
        let skip = 0;
        while (skip < pending.length && (pending[skip] === 13 || pending[skip] === 10)) skip++;
        if (skip > 0) {
          if (skip >= 4 && pending[0] === 13 && pending[1] === 10 && pending[2] === 13 && pending[3] === 10) sock.write('\r\n');
          pending = pending.subarray(skip);
        }
        if (pending.length === 0) return;
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd < 0) {
          if (pending.length > max) sock.destroy();
          return;
        }
        const head = pending.toString('latin1', 0, headEnd);
        const m = /(?:^|\n)[ \t]*(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head);
        const bodyLength = m ? Number(m[1]) : 0;
        const total = headEnd + 4 + bodyLength;
        if (total > max) { sock.destroy(); return; }
        if (pending.length < total) return;
        const message = pending.subarray(0, total);
        pending = pending.subarray(total);
        let out: Buffer | undefined;
        try {
          out = this.handle(message, src);
        } catch (e) {
          this.onError(e, 'handle');
        }
        // A copy: a slow reader may hold it longer than the transaction memory keeps its bytes.
        if (out !== undefined) sock.write(Buffer.from(out));
      }
    });
  }

  /**
   * Handles one request; returns the response bytes (and sets `destination`) or undefined when
   * nothing is to be sent. Transport-independent and never throws. An INVITE's response is a view
   * into the transaction memory: send it now, or copy it to keep it.
   */
  handle(msg: Buffer, source: SipSource): Buffer | undefined {
    const st = this.stats;
    st.received++;
    if (msg.length > MAX_UDP) { st.ignored++; return undefined; }
    if (isAck(msg)) { st.acks++; return undefined; }
    const parsed = parseSipRequest(msg.toString('latin1'));
    if (!parsed.ok) {
      if (parsed.kind === 'ignore') { st.ignored++; return undefined; }
      st.malformed++;
      const ctx = parsed.context;
      if (ctx === undefined || ctx.method === 'ACK') return undefined;
      return this.reply(ctx, source, parsed.status, parsed.reason);
    }
    const req = parsed.request;
    switch (req.method) {
      case 'INVITE': return this.invite(req, source);
      case 'ACK': st.acks++; return undefined;
      case 'CANCEL': {
        st.cancels++;
        const h = requestHash(this.seed, req);
        const answered = this.transactions.get(transactionHash(h, req.viaHost, req.viaPort, req.cseq), req);
        return answered !== undefined
          ? this.reply(req, source, 200, 'OK', undefined, h)
          : this.reply(req, source, 481, 'Call/Transaction Does Not Exist', undefined, h);
      }
      case 'OPTIONS':
        st.options++;
        return this.reply(req, source, 200, 'OK', [['Allow', ALLOW], ['Accept', 'application/sdp']]);
      default:
        st.otherMethods++;
        return this.reply(req, source, 405, 'Method Not Allowed', [['Allow', ALLOW]]);
    }
  }

  private invite(req: SipRequest, source: SipSource): Buffer {
    const st = this.stats;
    st.invites++;
    const h = requestHash(this.seed, req);
    const key = transactionHash(h, req.viaHost, req.viaPort, req.cseq);
    const cached = this.transactions.get(key, req);
    this.setDestination(req, source);
    if (cached !== undefined) {
      st.retransmissions++;
      return cached;
    }
    let out: string;
    if (req.toTag !== '') {
      out = responseText(req, source, 481, 'Call/Transaction Does Not Exist', { toTag: toTagOf(h, req.fromTag), server: this.serverName });
    } else {
      let decision: Decision;
      try {
        decision = this.decide(req, source);
      } catch (e) {
        st.decideErrors++;
        this.onError(e, 'decide');
        decision = { status: 500, reason: 'Server Internal Error' };
      }
      if (decision.status === 302) st.redirects++;
      else st.rejections++;
      out = decisionResponseText(req, source, decision, toTagOf(h, req.fromTag), this.serverName);
    }
    return this.transactions.set(key, req, out) ?? Buffer.from(out, 'latin1');
  }

  private reply(ctx: ResponseContext, source: SipSource, status: number, reason: string, headers?: ReadonlyArray<readonly [string, string]>, hash = requestHash(this.seed, ctx)): Buffer {
    this.setDestination(ctx, source);
    return Buffer.from(responseText(ctx, source, status, reason, { toTag: toTagOf(hash, ctx.fromTag), headers, server: this.serverName }), 'latin1');
  }

  /** `responseDestination` without an object per packet. */
  private setDestination(ctx: ResponseContext, source: SipSource): void {
    this.destination.address = source.address;
    this.destination.port = this.symmetric || ctx.rport >= 0 || source.transport !== 'udp' ? source.port : ctx.viaPort || 5060;
  }

  /** Stops listening and closes TCP connections. */
  async close(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) {
      for (const s of this.tcpSockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  }
}

/** Starts a SIP redirect server (see `SipServerOptions`). */
export function startSipServer(opts: SipServerOptions): Promise<SipServer> {
  return SipServer.start(opts);
}
