// A real HTTP artefact server for pull tests (node:http on loopback, or node:https with the
// certificate given to the constructor; see start()): serves
// `/routing.dpa` and `/routing.dpa.minisig` with ETags and If-None-Match, and misbehaves on
// demand — slow, 500s, garbage, truncated bodies, a lying Content-Length — while recording
// every request (and when it came) so a test can assert that a body was never downloaded.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { readHeaderIdentity } from '../../runtime/artefact/signature.js';
import * as F from '../../runtime/artefact/format.js';
import type { SecretKey } from '../../compiler/sign/secret-key.js';
import { signArtefact } from '../../compiler/sign/sign.js';
import { unusedPort } from './ports.js';

export type Misbehaviour =
  | { kind: 'status'; status: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'garbage' }
  /** Announce the full length, send `bytes`, then cut the connection. */
  | { kind: 'truncate'; bytes: number }
  /** Chunked, no Content-Length: the node learns the size only by reading. */
  | { kind: 'no-length' }
  /** Content-Encoding: gzip, Content-Length of the compressed bytes. */
  | { kind: 'gzip' };

export class ArtefactServer {
  readonly files = new Map<string, Buffer>();
  /** Per path (or '*'): how to misbehave. */
  readonly misbehave = new Map<string, Misbehaviour>();
  /** Path and status of each request; `query` is its query string, when it has one. */
  readonly requests: { path: string; status: number; query?: string }[] = [];
  /** performance.now() at the arrival of each request in `requests`, same index. */
  readonly requestTimes: number[] = [];
  private server: http.Server | undefined;
  port = 0;

  /** `tls`: serve HTTPS with this key and certificate (PEM). */
  constructor(private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/routing.dpa`;
  }

  /** Publishes an artefact and its signature: the body first, then the signature, as a publisher should. */
  publish(dpa: Uint8Array, sig: string): void {
    this.files.set('/routing.dpa', Buffer.from(dpa));
    this.files.set('/routing.dpa.minisig', Buffer.from(sig));
  }

  bodyRequests(): number {
    return this.requests.filter((r) => r.path === '/routing.dpa').length;
  }

  /**
   * Listens on `port`, by default on a port outside the kernel's ephemeral range (ports.ts): the
   * tests stop this server and start it again on the same port, which nothing else on the machine
   * may take in between.
   */
  async start(port?: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.listen(port ?? (await unusedPort('tcp')));
        return;
      } catch (e) {
        if (port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw e;
      }
    }
  }

  private async listen(port: number): Promise<void> {
    const sockets = new Set<import('node:net').Socket>();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const server: http.Server = this.tls ? https.createServer({ key: this.tls.key, cert: this.tls.cert }, handler) : http.createServer(handler);
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    (server as http.Server & { sockets?: Set<import('node:net').Socket> }).sockets = sockets;
    await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(port, '127.0.0.1', () => ok()); });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection: "the server is down". */
  async stop(): Promise<void> {
    const s = this.server as (http.Server & { sockets?: Set<import('node:net').Socket> }) | undefined;
    if (!s) return;
    this.server = undefined;
    for (const sock of s.sockets ?? []) sock.destroy();
    await new Promise<void>((ok) => s.close(() => ok()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrived = performance.now();
    // No keep-alive: when the tests stop this server ("the server is down"), fetch in this process
    // would otherwise still hold idle pooled connections to it, and whether the next request fails
    // as refused (unreachable) or on a dead connection (reset) depended on how soon fetch noticed.
    res.setHeader('connection', 'close');
    const { pathname: path, search } = new URL(req.url ?? '/', 'http://x');
    const mis = this.misbehave.get(path) ?? this.misbehave.get('*');
    const body = this.files.get(path);
    const record = (status: number) => {
      this.requests.push({ path, status, ...(search ? { query: search.slice(1) } : {}) });
      this.requestTimes.push(arrived);
    };
    if (mis?.kind === 'slow') {
      await new Promise((ok) => setTimeout(ok, mis.ms));
      // A client that gave up meanwhile (its time limit) gets no answer and leaves no entry in
      // the log: it would land there late, among the requests of a later test.
      if (req.socket.destroyed) return;
    }
    if (mis?.kind === 'status') {
      record(mis.status);
      res.writeHead(mis.status, { 'content-type': 'text/plain' }).end('no\n');
      return;
    }
    if (mis?.kind === 'garbage') {
      record(200);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway (garbage from a proxy)</body></html>\n');
      return;
    }
    if (!body) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      record(304);
      res.writeHead(304, { etag }).end();
      return;
    }
    record(200);
    if (mis?.kind === 'gzip') {
      const z = gzipSync(body, { level: 1 });
      res.writeHead(200, { etag, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': z.length }).end(z);
      return;
    }
    res.writeHead(200, { etag, 'content-type': 'application/octet-stream', ...(mis?.kind === 'no-length' ? {} : { 'content-length': body.length }) });
    if (mis?.kind === 'truncate') {
      res.write(body.subarray(0, mis.bytes), () => res.destroy());
      return;
    }
    res.end(body);
  }
}

/** A copy of an artefact with another serial: the header's serial and content hash rewritten. */
export function withSerial(bytes: Uint8Array, serial: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  v.setUint32(F.H.serial, serial % 4294967296, true);
  v.setUint32(F.H.serial + 4, Math.floor(serial / 4294967296), true);
  out.fill(0, F.H.contentHash, F.H.contentHash + 32);
  out.set(createHash('sha256').update(out).digest(), F.H.contentHash);
  if (readHeaderIdentity(out)?.serial !== serial) throw new Error('withSerial: header not rewritten');
  return out;
}

/** `.minisig` text for these bytes; `expiresInMs` < 0 makes one that has already expired. */
export function sign(bytes: Uint8Array, key: SecretKey, expiresInMs = 86_400_000): string {
  const now = Date.now();
  const signedAt = expiresInMs > 0 ? now : now + expiresInMs - 3_600_000;
  return signArtefact(bytes, key, { expires: now + expiresInMs, now: signedAt }).text;
}

/** The same bytes with one byte flipped in the middle (after signing: a tampered artefact). */
export function tamper(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  const at = Math.floor(out.length / 2);
  out[at] = out[at]! ^ 0x55;
  return out;
}
