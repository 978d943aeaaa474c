// `dialplane serve --pull <url>`: a node that pulls its artefact over HTTP(S), modelled on OPA's
// bundle download (download.go / verify.go): small signature first, limits before the body,
// verification before activation, the last good pair on disk for a cold start.
//
// One poll:
//   GET <url>.minisig with If-None-Match (the ETag of the last signature examined)
//     304 → nothing new.
//     200 → read at most SIGNATURE_FILE_MAX_BYTES, then check it before downloading anything:
//           trusted key, global signature, trusted comment; announced size over the cap,
//           serial below max(serving serial, state-dir serial) (rollback), expiry → refused,
//           the body is never requested. Same sha256 as the artefact held → nothing to do.
//   GET <url> → a temp file in the state dir, the byte cap (the signed size) enforced while
//           streaming; a Content-Length over it is refused before reading.
//   holder.activateFile(temp, sig) → signature over the bytes, comment vs bytes and header, full
//           decode, decider build, one-reference swap (artefact-holder.ts).
//   Then the pair is renamed into the state dir (fsynced, atomic renames) and `current` — the
//   pointer naming it — is replaced by rename: the commit point. Older pairs are removed.
//
// Scheduling: the next poll after `pollMs` ± 10 % jitter (spreads a fleet over 0.2 s at the 1 s default,
// and keeps publish → serving under 2 s: ≤ 1.1 s wait + download + verify + swap); after a network or HTTP error
// on the signature, exponential backoff (pollMs · 2^n, capped at maxBackoffMs) with full jitter. A
// refused or failed body backs off per signature instead: signature polls go on at the normal rate,
// so a good artefact published after a bad one is taken within a poll. A refusal of the signature itself (rollback, expired, unknown key …) is
// final for that signature: its ETag is remembered so the next polls are cheap 304s, and a
// refusal is logged and counted once per distinct signature/body, not once per poll.
//
// Cold start: `current` in the state dir is loaded through the same checks (signature, expiry,
// header) before the first poll, so a node restarted while the server is down serves at once.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNATURE_FILE_MAX_BYTES, verifySignatureComment, type PublicKey, type TrustedComment } from '../artefact/signature.js';
import type { ArtefactHolder, HolderLog, ReloadResult } from './artefact-holder.js';
import type { Metrics } from './metrics.js';

export interface PullerOptions {
  url: string;
  keys: readonly PublicKey[];
  holder: ArtefactHolder;
  stateDir: string;
  metrics?: Metrics;
  log?: HolderLog & { debug?(obj: object, msg: string): void };
  /** Poll period, ms (default 1000), jittered ± 10 %. */
  pollMs?: number;
  /** Backoff ceiling after errors, ms (default 30 000). */
  maxBackoffMs?: number;
  /** Largest artefact accepted (default 512 MiB). */
  maxBytes?: number;
  /** Per-request time limit, ms (default 30 000; the body gets this plus 1 s per MiB announced). */
  timeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Uniform [0, 1) source of the poll and backoff jitter (default Math.random), for tests. */
  random?: () => number;
}

export interface PullStatus {
  url: string;
  stateDir: string;
  /** Serial of the pair in the state dir (-1: none). */
  stateSerial: number;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  /** Last error or refusal, with its reason. Cleared by nothing: compare its time with lastSuccessAt. */
  lastError: { at: string; reason: string; message: string } | null;
  consecutiveErrors: number;
  etag: string | null;
}

/** A pull that could not complete: `reason` is a refusal reason or an error kind. */
export class PullFailure extends Error {
  constructor(readonly reason: string, message: string, readonly final = false, readonly counted = false) {
    super(message);
  }
}

const POINTER = 'current';
const silent: HolderLog = { info() {}, warn() {}, error() {} };

interface StatePointer { file: string; serial: number; sha256: string }

export class ArtefactPuller {
  private readonly pollMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly log: NonNullable<PullerOptions['log']>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sigUrl: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<PullFailure | undefined> | undefined;
  private abort: AbortController | undefined;
  /** ETag of the last signature examined to a final outcome (activated or refused for good). */
  private etag: string | undefined;
  private state: StatePointer | undefined;
  private consecutiveErrors = 0;
  /**
   * The signature whose body failed (truncated, tampered, server error) and when to try that body
   * again. Backing off per signature, not per poll, keeps the cheap signature polls at their normal
   * rate: a good artefact published after a bad one is taken within one poll, not after the backoff.
   */
  private failedBody: { sigHash: string; attempts: number; retryAt: number } | undefined;
  private bodySig: string | undefined;
  private respectBodyBackoff = true;
  private lastPollAt = 0;
  private lastSuccessAt = 0;
  private lastError: PullStatus['lastError'] = null;
  /** reason + signature hash + body hash of the last refusal counted, so a repeat is not recounted. */
  private lastRefusalKey = '';
  readonly refusals = new Map<string, number>();
  readonly errors = new Map<string, number>();
  polls = 0;
  notModified = 0;
  downloads = 0;

  constructor(private readonly opts: PullerOptions) {
    this.pollMs = opts.pollMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.log = opts.log ?? silent;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.sigUrl = sigUrlOf(opts.url);
    mkdirSync(opts.stateDir, { recursive: true });
    for (const f of readdirSync(opts.stateDir)) if (f.startsWith('.download-') || f.startsWith('.current-')) rmSync(join(opts.stateDir, f), { force: true });
    this.state = this.readPointer(); // its serial is a rollback floor even before (or without) a cold start
    opts.metrics?.addSource(() => this.renderMetrics());
  }

  /** Loads the state dir's pair (if any) through the holder's checks. True if it now serves. */
  async coldStart(): Promise<boolean> {
    const p = this.state;
    if (!p) return false;
    const path = join(this.opts.stateDir, p.file);
    const r = await this.opts.holder.activateFile(path, path + '.minisig', `state-dir:${path}`);
    if (r.ok) {
      this.log.info({ serial: r.active.serial, path }, 'cold start from the state dir');
      return true;
    }
    this.noteRefusal(r.code, `state dir artefact refused: ${r.error}`, 'state:' + p.sha256);
    return false;
  }

  /** Polls now, then on the schedule until stop(). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  /** A poll now, answered as a reload (the admin API's POST /v1/admin/reload in pull mode). */
  async reloadNow(): Promise<ReloadResult> {
    const before = this.opts.holder.active;
    const failure = await this.pollOnce();
    const a = this.opts.holder.active;
    if (failure) return { ok: false, code: failure.reason, error: failure.message };
    if (!a) return { ok: false, code: 'no-artefact', error: 'the server has no artefact this node accepts yet' };
    return { ok: true, changed: a !== before, active: a };
  }

  /**
   * One poll (admin reload and the tests call it directly). Never throws; concurrent calls share
   * one run. An explicit poll retries a failed body at once; scheduled polls wait its backoff.
   */
  pollOnce(scheduled = false): Promise<PullFailure | undefined> {
    if (!this.inFlight) this.inFlight = this.poll(scheduled).finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  status(): PullStatus {
    const iso = (t: number) => (t ? new Date(t).toISOString() : null);
    return {
      url: this.opts.url, stateDir: this.opts.stateDir, stateSerial: this.state?.serial ?? -1,
      lastPollAt: iso(this.lastPollAt), lastSuccessAt: iso(this.lastSuccessAt), lastError: this.lastError,
      consecutiveErrors: this.consecutiveErrors, etag: this.etag ?? null,
    };
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.pollOnce(true).then(() => this.schedule(this.nextDelay()));
    }, delay);
  }

  private nextDelay(): number {
    if (this.consecutiveErrors === 0) return Math.round(this.pollMs * (0.9 + 0.2 * this.random()));
    const ceiling = Math.min(this.maxBackoffMs, this.pollMs * 2 ** Math.min(this.consecutiveErrors, 20));
    return Math.round(this.pollMs / 2 + this.random() * (ceiling - this.pollMs / 2)); // full jitter, never below pollMs/2
  }

  private async poll(scheduled: boolean): Promise<PullFailure | undefined> {
    this.respectBodyBackoff = scheduled;
    this.polls++;
    this.lastPollAt = this.now();
    try {
      await this.pull();
      this.consecutiveErrors = 0;
      return undefined;
    } catch (e) {
      const f = e instanceof PullFailure ? e : new PullFailure(errorKind(e), errorMessage(e));
      if (!f.counted) this.noteError(f.reason, f.message);
      if (this.bodySig !== undefined && !f.final) {
        const attempts = this.failedBody?.sigHash === this.bodySig ? this.failedBody.attempts + 1 : 1;
        const wait = Math.min(this.maxBackoffMs, this.pollMs * 2 ** Math.min(attempts, 20));
        this.failedBody = { sigHash: this.bodySig, attempts, retryAt: this.now() + wait * (0.5 + 0.5 * this.random()) };
        this.consecutiveErrors = 0;
      } else if (!f.final) this.consecutiveErrors++;
      else this.consecutiveErrors = 0;
      return f;
    } finally {
      this.bodySig = undefined;
    }
  }

  private async pull(): Promise<void> {
    const { holder, keys } = this.opts;
    const ac = new AbortController();
    this.abort = ac;
    const headers: Record<string, string> = {};
    if (this.etag) headers['if-none-match'] = this.etag;
    const res = await this.fetch(this.sigUrl, headers, this.timeoutMs, ac);
    if (res.status === 304) {
      await res.body?.cancel();
      this.notModified++;
      this.lastSuccessAt = this.now();
      return;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new PullFailure('http-status', `GET ${this.sigUrl}: HTTP ${res.status}`);
    }
    const etag = res.headers.get('etag') ?? undefined;
    const sigBytes = await readCapped(res, SIGNATURE_FILE_MAX_BYTES, ac);
    if (sigBytes === undefined) return this.refuse('malformed-signature', `signature over ${SIGNATURE_FILE_MAX_BYTES} bytes`, 'oversized', { etag });
    const sigText = sigBytes.toString('utf8');
    const sigHash = sha(sigBytes);
    const floor = Math.max(holder.active?.serial ?? -1, this.state?.serial ?? -1);
    const pre = verifySignatureComment(sigText, keys, { now: this.now(), maxBytes: this.maxBytes, ...(floor >= 0 ? { minSerial: floor } : {}) });
    if (!pre.ok) return this.refuse(pre.reason, pre.message, sigHash, { etag, ...(pre.comment ? { c: pre.comment } : {}) });
    const c = pre.comment;
    if (this.state && this.state.sha256 === c.sha256 && holder.active?.serial === c.serial) {
      // Re-fetched (no ETag, or the server changed it) but the artefact is the one held.
      this.etag = etag;
      this.lastSuccessAt = this.now();
      return;
    }

    if (this.respectBodyBackoff && this.failedBody?.sigHash === sigHash && this.now() < this.failedBody.retryAt) return;
    this.bodySig = sigHash;

    // The body: into a temp file beside the state, capped at the signed size while streaming.
    const tmp = join(this.opts.stateDir, `.download-${process.pid}-${randomBytes(6).toString('hex')}.dpa`);
    let committed = false;
    try {
      const body = await this.fetch(this.opts.url, {}, this.timeoutMs + Math.ceil(c.size / 1048576) * 1000, ac);
      if (body.status !== 200) {
        await body.body?.cancel();
        throw new PullFailure('http-status', `GET ${this.opts.url}: HTTP ${body.status}`);
      }
      // Content-Length counts encoded bytes; with a Content-Encoding only the decoded count (capped below) tells.
      const encoded = (body.headers.get('content-encoding') ?? 'identity') !== 'identity';
      const announced = encoded ? NaN : Number(body.headers.get('content-length') ?? NaN);
      if (Number.isFinite(announced) && announced !== c.size) {
        await body.body?.cancel();
        return this.refuse(announced > c.size ? 'too-large' : 'truncated',
          `the server announces ${announced} bytes, the signature ${c.size}: not downloaded`, sigHash, { c, body: `len:${announced}` });
      }
      this.downloads++;
      const got = await download(body, tmp, c.size, ac);
      if (got.over) return this.refuse('too-large', `the body runs past the ${c.size} signed bytes; download stopped there`, sigHash, { c, body: 'over' });
      if (got.bytes !== c.size) {
        return this.refuse('truncated', `got ${got.bytes} of ${c.size} bytes${got.error ? ` (${got.error})` : ''}`, sigHash, { c, body: `short:${got.bytes}` });
      }
      await writeFile(tmp + '.minisig', sigBytes);
      const r = await holder.activateFile(tmp, tmp + '.minisig', this.opts.url, this.state?.serial);
      if (!r.ok) {
        // The holder counted and logged it; remember it here by reason. A body refusal is not final:
        // a publisher that uploads the signature before the artefact gets a retry, with backoff.
        this.countRefusal(r.code, r.error, `${r.code}:${sigHash}:${got.sha256}`, false);
        throw new PullFailure(r.code, r.error, false, true);
      }
      await this.commit(tmp, c, got.sha256);
      committed = true;
      this.etag = etag;
      this.lastSuccessAt = this.now();
      this.lastRefusalKey = '';
      this.failedBody = undefined;
    } finally {
      if (!committed) await Promise.all([rm(tmp, { force: true }), rm(tmp + '.minisig', { force: true })]);
    }
  }

  /** Moves the verified, activated pair into the state dir; the pointer rename is the commit. */
  private async commit(tmp: string, c: TrustedComment, sha256: string): Promise<void> {
    const dir = this.opts.stateDir;
    const file = `artefact-${c.serial}-${sha256.slice(0, 12)}.dpa`;
    await fsyncFile(tmp);
    await fsyncFile(tmp + '.minisig');
    await rename(tmp + '.minisig', join(dir, file + '.minisig'));
    await rename(tmp, join(dir, file));
    const pointer: StatePointer = { file, serial: c.serial, sha256 };
    const ptmp = join(dir, `.current-${process.pid}`);
    await writeFile(ptmp, JSON.stringify(pointer) + '\n');
    await fsyncFile(ptmp);
    await rename(ptmp, join(dir, POINTER));
    this.state = pointer;
    for (const f of readdirSync(dir)) {
      if (f.startsWith('artefact-') && f !== file && f !== file + '.minisig') await rm(join(dir, f), { force: true });
    }
    this.log.info({ serial: c.serial, file: join(dir, file) }, 'pulled artefact kept in the state dir');
  }

  private readPointer(): StatePointer | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.opts.stateDir, POINTER), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const p = JSON.parse(text) as StatePointer;
      if (typeof p.file === 'string' && /^artefact-[0-9]+-[0-9a-f]+\.dpa$/.test(p.file) && Number.isSafeInteger(p.serial) && typeof p.sha256 === 'string') return p;
    } catch { /* fall through */ }
    this.noteError('bad-state', `${join(this.opts.stateDir, POINTER)} is not a state pointer; ignored`);
    return undefined;
  }

  /**
   * A refusal of what the server offers, counted once per distinct (reason, signature, body).
   * Of the signature itself (no `body`): final — its ETag is remembered, so 304s from now on.
   * Of the body: not final — retried with backoff (a publisher may still be uploading).
   */
  private refuse(reason: string, message: string, sigHash: string, o: { etag?: string | undefined; c?: TrustedComment; body?: string }): never {
    const final = o.body === undefined;
    if (final) this.etag = o.etag;
    this.countRefusal(reason, message, `${reason}:${sigHash}:${o.body ?? ''}`, true, o.c);
    throw new PullFailure(reason, message, final, true);
  }

  private countRefusal(reason: string, message: string, key: string, countTotal: boolean, c?: TrustedComment): void {
    this.lastError = { at: new Date(this.now()).toISOString(), reason, message };
    if (key === this.lastRefusalKey) {
      this.log.debug?.({ reason }, 'same refusal again');
      return;
    }
    this.lastRefusalKey = key;
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
    if (countTotal && this.opts.metrics) this.opts.metrics.refusals++;
    this.log.error({ url: this.opts.url, code: reason, reason, err: message, offeredSerial: c?.serial, servingSerial: this.opts.holder.active?.serial },
      'pulled artefact refused; the last good one keeps serving');
  }

  private noteRefusal(reason: string, message: string, key: string): void {
    // Holder refusals (cold start) are already counted in the holder's total.
    this.countRefusal(reason, message, `${reason}:${key}`, false);
  }

  private noteError(reason: string, message: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
    this.lastError = { at: new Date(this.now()).toISOString(), reason, message };
    const log = this.consecutiveErrors === 0 ? this.log.warn : this.log.debug ?? this.log.warn;
    log.call(this.log, { url: this.opts.url, reason, err: message, consecutive: this.consecutiveErrors + 1 }, 'pull failed; the last good artefact keeps serving');
  }

  private async fetch(url: string, headers: Record<string, string>, timeoutMs: number, ac: AbortController): Promise<Response> {
    const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(timeoutMs)]);
    return fetch(url, { headers: { 'user-agent': 'dialplane-serve', ...headers }, signal, redirect: 'follow' });
  }

  private renderMetrics(): string {
    let out = '# HELP dialplane_pull_refusals_total Pulled artefacts refused, by reason.\n# TYPE dialplane_pull_refusals_total counter\n';
    for (const [r, n] of this.refusals) out += `dialplane_pull_refusals_total{reason="${r}"} ${n}\n`;
    out += '# HELP dialplane_pull_errors_total Polls that failed (network, HTTP status, timeout), by kind.\n# TYPE dialplane_pull_errors_total counter\n';
    for (const [r, n] of this.errors) out += `dialplane_pull_errors_total{kind="${r}"} ${n}\n`;
    out += `# HELP dialplane_pull_polls_total Signature polls made.\n# TYPE dialplane_pull_polls_total counter\ndialplane_pull_polls_total ${this.polls}\n`;
    out += `# HELP dialplane_pull_not_modified_total Polls answered 304.\n# TYPE dialplane_pull_not_modified_total counter\ndialplane_pull_not_modified_total ${this.notModified}\n`;
    out += `# HELP dialplane_pull_downloads_total Artefact bodies downloaded.\n# TYPE dialplane_pull_downloads_total counter\ndialplane_pull_downloads_total ${this.downloads}\n`;
    out += `# HELP dialplane_pull_last_success_timestamp_seconds Last poll that reached the server and ended well.\n# TYPE dialplane_pull_last_success_timestamp_seconds gauge\ndialplane_pull_last_success_timestamp_seconds ${this.lastSuccessAt / 1000}\n`;
    out += `# HELP dialplane_pull_state_serial Serial kept in the state dir (-1: none).\n# TYPE dialplane_pull_state_serial gauge\ndialplane_pull_state_serial ${this.state?.serial ?? -1}\n`;
    return out;
  }
}

/** `<url>.minisig`, the query string (if any) kept after it. */
export function sigUrlOf(url: string): string {
  const u = new URL(url);
  u.pathname += '.minisig';
  return u.toString();
}

async function readCapped(res: Response, cap: number, ac: AbortController): Promise<Buffer | undefined> {
  const len = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(len) && len > cap) {
    ac.abort();
    return undefined;
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body ?? []) {
    n += chunk.length;
    if (n > cap) {
      ac.abort();
      return undefined;
    }
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

/** Streams the body into `path`, stopping as soon as it runs past `cap`. */
async function download(res: Response, path: string, cap: number, ac: AbortController): Promise<{ bytes: number; sha256: string; over: boolean; error?: string }> {
  const out = createWriteStream(path, { flags: 'wx', mode: 0o644 });
  const h = createHash('sha256');
  let n = 0;
  let over = false;
  let error: string | undefined;
  try {
    for await (const chunk of res.body ?? []) {
      n += chunk.length;
      if (n > cap) {
        over = true;
        ac.abort();
        break;
      }
      h.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((ok) => out.once('drain', ok));
    }
  } catch (e) {
    if (!over && ((e as Error)?.name === 'TimeoutError' || ac.signal.aborted)) throw e;
    error = errorMessage(e); // the connection ended early: a truncated body
  } finally {
    await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
  }
  return { bytes: n, sha256: h.digest('hex'), over, ...(error ? { error } : {}) };
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function errorKind(e: unknown): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string }; code?: string };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return 'timeout';
  if (err?.name === 'AbortError') return 'aborted';
  const code = err?.cause?.code ?? err?.code;
  const codes = [code, ...((err?.cause as { errors?: { code?: string }[] } | undefined)?.errors ?? []).map((x) => x.code)];
  if (codes.includes('ECONNREFUSED') || codes.includes('EHOSTUNREACH') || codes.includes('ENETUNREACH')) return 'unreachable';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return 'connection-reset';
  return code ? String(code).toLowerCase() : 'network';
}

function errorMessage(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string } };
  return [err?.message, err?.cause?.message].filter(Boolean).join(': ') || String(e);
}
