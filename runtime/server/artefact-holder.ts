// The one reference the serving side reads: `holder.active`. A reload builds everything a new
// artefact needs before anyone can see it, then replaces that reference in one assignment:
//
//   stat (size limit before reading) → signature's trusted comment when keys are configured (size,
//   rollback, expiry) → stream-read while hashing (the event loop keeps serving
//   between chunks) → compare with the header's content hash → decode and validate every record
//   (decodeArtefact, verifyHash off: the hash was just checked) → build the decider → re-apply
//   the operator's gateway overrides → `this.active = next`.
//
// A request reads `holder.active` once and keeps that object for its whole life, so a request in
// flight finishes on the artefact it started with; the old one is freed by GC when the last such
// request is done (Kamailio's reload_route_data frees the old tree when no reader holds it; here
// the GC counts the readers). Anything wrong — unreadable, too large, bad hash, bad record, the
// decider throwing — is a refusal: counted, logged, and the last good artefact keeps serving.
//
// Triggers: fs.watch on the file's directory (build tools replace files by rename, which a watch
// on the file itself would lose), a periodic stat as fallback (network file systems, missed
// events), and `reload()` from the admin API. Reloads never overlap: a trigger during a reload
// queues exactly one more.
import { createHash } from 'node:crypto';
import { createReadStream, watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ArtefactError, decodeArtefact } from '../artefact/decode.js';
import * as F from '../artefact/format.js';
import { SIGNATURE_FILE_MAX_BYTES, verifyArtefactSignature, verifySignatureComment, type PublicKey } from '../artefact/signature.js';
import type { Decider, DeciderFactory } from './decider.js';
import type { Metrics } from './metrics.js';

export interface ActiveArtefact {
  readonly decider: Decider;
  readonly serial: number;
  readonly revision: string;
  readonly contentHash: string;
  readonly bytes: number;
  readonly loadedAt: Date;
  readonly source: string;
}

export interface HolderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ArtefactHolderOptions {
  path: string;
  factory: DeciderFactory;
  metrics?: Metrics;
  log?: HolderLog;
  /** Files larger than this are refused before reading (default 512 MiB). */
  maxBytes?: number;
  /** Stat fallback period, ms (default 2000; 0 = none). */
  pollMs?: number;
  /** Delay after a watch event before reloading, so a writer can finish (default 50 ms). */
  debounceMs?: number;
  /**
   * Require a detached minisign signature (`dialplane sign`) by one of these keys: checked before
   * the artefact is read (trusted comment: size limit, no rollback below the served serial,
   * expiry), then over the bytes read. Absent: the content hash alone vouches for the bytes.
   */
  signature?: { keys: readonly PublicKey[]; path?: string };
}

/** A refusal from the signature check, with its typed reason as the code. */
class SignatureRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export type ReloadResult =
  | { ok: true; changed: boolean; active: ActiveArtefact }
  | { ok: false; error: string; code: string };

const silent: HolderLog = { info() {}, warn() {}, error() {} };

export class ArtefactHolder {
  /** The active artefact: THE reference a request reads once. Undefined until the first success. */
  active: ActiveArtefact | undefined;
  private readonly log: HolderLog;
  private readonly maxBytes: number;
  /** Gateway overrides by the operator ("carrier\ngateway" → enabled), re-applied after each swap. */
  private readonly overrides = new Map<string, boolean>();
  private running: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** Identity of the last file examined (refused or accepted), so a poll does not retry a bad file forever. */
  private seen = '';

  constructor(private readonly opts: ArtefactHolderOptions) {
    this.log = opts.log ?? silent;
    this.maxBytes = Math.min(opts.maxBytes ?? 512 * 1024 * 1024, F.LIMITS.maxFileBytes);
  }

  private checks: Promise<void> = Promise.resolve();

  /** Loads the file now; concurrent calls share one run, and a call during a run queues one more. */
  reload(trigger = 'manual'): Promise<ReloadResult> {
    if (!this.running) {
      this.running = this.load(trigger).finally(() => { this.running = undefined; });
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.then(() => {
        this.queued = undefined;
        return this.reload(trigger);
      });
    }
    return this.queued;
  }

  /**
   * Loads another file pair (a pulled download) through the same checks and swap, serialized with
   * reloads; `source` is what /v1/artefact reports. `minSerial` raises the rollback floor (the
   * serial a puller holds on disk). The watched path is left alone.
   */
  async activateFile(path: string, signaturePath: string, source: string, minSerial?: number): Promise<ReloadResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.load('pull', { path, sigPath: signaturePath, source, ...(minSerial !== undefined ? { minSerial } : {}) })
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Starts the file watch and the stat fallback. */
  watch(): void {
    const name = basename(this.opts.path);
    const sigName = this.opts.signature ? basename(this.sigPath()) : name;
    try {
      this.watcher = watch(dirname(this.opts.path), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name && file !== sigName) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => { void this.checkChanged('watch'); }, this.opts.debounceMs ?? 50);
      });
      this.watcher.on('error', (e) => this.log.warn({ err: String(e) }, 'artefact watch failed; the periodic stat still runs'));
    } catch (e) {
      this.log.warn({ err: String(e) }, 'artefact watch unavailable; using the periodic stat only');
    }
    const every = this.opts.pollMs ?? 2000;
    if (every > 0) {
      this.poller = setInterval(() => { void this.checkChanged('poll'); }, every);
      this.poller.unref();
    }
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.poller);
    clearTimeout(this.debounce);
  }

  /** Sets a gateway's state on the active decider and remembers it for later artefacts. */
  setGatewayEnabled(carrier: string, gateway: string, enabled: boolean): boolean {
    const a = this.active;
    if (!a || !a.decider.setGatewayEnabled(carrier, gateway, enabled)) return false;
    this.overrides.set(carrier + '\n' + gateway, enabled);
    return true;
  }

  private sigPath(): string {
    return this.opts.signature?.path ?? this.opts.path + '.minisig';
  }

  /** What identifies the files of one load: the artefact's stat, and the signature's when required. */
  private async fileIdentity(): Promise<string> {
    const a = identity(await stat(this.opts.path));
    if (!this.opts.signature) return a;
    try {
      return a + '|' + identity(await stat(this.sigPath()));
    } catch {
      return a + '|none';
    }
  }

  /**
   * Watch events and the periodic stat often fire together for one replacement. Checks run one
   * after another, each waiting for the reload it starts, so the same file is read (and, when bad,
   * refused and counted) once.
   */
  private checkChanged(trigger: string): Promise<void> {
    this.checks = this.checks.then(() => this.checkOnce(trigger));
    return this.checks;
  }

  private async checkOnce(trigger: string): Promise<void> {
    try {
      if ((await this.fileIdentity()) === this.seen) return;
    } catch {
      return; // gone for now (mid-rename); the next event or poll sees the new file
    }
    await this.reload(trigger).catch(() => undefined);
  }

  private async load(trigger: string, from?: { path: string; sigPath: string; source: string; minSerial?: number }): Promise<ReloadResult> {
    const path = from?.path ?? this.opts.path;
    const t0 = performance.now();
    let fileId = '';
    try {
      if (!from) fileId = await this.fileIdentity();
      const s = await stat(path);
      if (!s.isFile()) throw new ArtefactError('bad-header', `${path} is not a regular file`);
      if (s.size > this.maxBytes) throw new ArtefactError('too-large', `artefact of ${s.size} bytes exceeds the limit of ${this.maxBytes}`);
      const sig = this.opts.signature;
      let sigText = '';
      const floor = Math.max(this.active?.serial ?? -1, from?.minSerial ?? -1);
      const verifyOptions = { now: Date.now(), maxBytes: this.maxBytes, ...(floor >= 0 ? { minSerial: floor } : {}) };
      if (sig) {
        const sp = from?.sigPath ?? this.sigPath();
        const ss = await stat(sp).catch(() => undefined);
        if (!ss) throw new SignatureRefused('missing-signature', `no signature ${sp} beside the artefact`);
        if (ss.size > SIGNATURE_FILE_MAX_BYTES) throw new SignatureRefused('malformed-signature', `signature file of ${ss.size} bytes is over ${SIGNATURE_FILE_MAX_BYTES}`);
        sigText = await readFile(sp, 'utf8');
        const pre = verifySignatureComment(sigText, sig.keys, verifyOptions);
        if (!pre.ok) throw new SignatureRefused(pre.reason, pre.message);
      }
      const bytes = await readHashed(path, s.size, this.maxBytes);
      if (sig) {
        const v = verifyArtefactSignature(bytes, sigText, sig.keys, verifyOptions);
        if (!v.ok) throw new SignatureRefused(v.reason, v.message);
      }
      // The hash first: an altered file is told as altered, not by whichever record it broke.
      if (isArtefactHeader(bytes) && headerHash(bytes) !== bytes.hash) throw new ArtefactError('bad-hash', 'content hash does not match: the artefact is corrupt or was altered');
      await turn();
      const artefact = decodeArtefact(bytes, { verifyHash: false, maxBytes: this.maxBytes });
      if (!from) this.seen = fileId;
      const prev = this.active;
      if (prev && prev.contentHash === artefact.contentHash && prev.serial === artefact.serial) {
        return { ok: true, changed: false, active: prev };
      }
      // Decode and build are synchronous (tens of ms for the demo); a turn of the event loop
      // between them lets requests queued meanwhile be answered, so no single pause adds both.
      await turn();
      const decider = this.opts.factory(artefact);
      for (const [key, on] of this.overrides) {
        const [carrier, gateway] = key.split('\n') as [string, string];
        decider.setGatewayEnabled(carrier, gateway, on);
      }
      const next: ActiveArtefact = {
        decider, serial: artefact.serial, revision: artefact.revision, contentHash: artefact.contentHash,
        bytes: bytes.length, loadedAt: new Date(), source: from?.source ?? path,
      };
      this.active = next; // the swap
      const m = this.opts.metrics;
      if (m) { m.swaps++; m.serial = next.serial; m.loadedAtMs = next.loadedAt.getTime(); }
      this.log.info({ trigger, serial: next.serial, previousSerial: prev?.serial, revision: next.revision, bytes: next.bytes, ms: Math.round(performance.now() - t0) }, 'artefact activated');
      return { ok: true, changed: true, active: next };
    } catch (e) {
      if (fileId) this.seen = fileId;
      const code = e instanceof ArtefactError || e instanceof SignatureRefused ? e.code : (e as NodeJS.ErrnoException).code ?? 'error';
      const error = e instanceof Error ? e.message : String(e);
      if (this.opts.metrics) this.opts.metrics.refusals++;
      this.log.error({ trigger, path, code, err: error, servingSerial: this.active?.serial }, 'artefact refused; the last good one keeps serving');
      return { ok: false, error, code };
    }
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function identity(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/**
 * Reads a file in chunks into one 8-byte-aligned buffer, hashing it on the way as the artefact's
 * content hash is defined (SHA-256 of the file with the 32 hash bytes taken as zeros), so the
 * event loop serves between chunks instead of stalling for one whole-file hash.
 */
/** Long enough for a header and starting with the magic (anything else is decode's to name). */
function isArtefactHeader(bytes: Uint8Array): boolean {
  if (bytes.length < F.HEADER_BYTES) return false;
  for (let i = 0; i < F.MAGIC.length; i++) if (bytes[i] !== F.MAGIC[i]) return false;
  return true;
}

function headerHash(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + F.H.contentHash, 32).toString('hex');
}

async function readHashed(path: string, expected: number, max: number): Promise<Uint8Array & { hash: string }> {
  const out = new Uint8Array(expected);
  const h = createHash('sha256');
  const lo = F.H.contentHash;
  const hi = lo + 32;
  let at = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (at + chunk.length > Math.min(expected, max)) throw new ArtefactError('too-large', 'artefact grew while it was read');
    out.set(chunk, at);
    const end = at + chunk.length;
    if (end <= lo || at >= hi) h.update(chunk);
    else {
      if (at < lo) h.update(chunk.subarray(0, lo - at));
      h.update(new Uint8Array(Math.min(hi, end) - Math.max(lo, at)));
      if (end > hi) h.update(chunk.subarray(hi - at));
    }
    at = end;
    if (at < expected) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (at !== expected) throw new ArtefactError('truncated', `artefact changed while it was read (${at} of ${expected} bytes)`);
  return Object.assign(out, { hash: h.digest('hex') });
}
