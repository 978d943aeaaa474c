// `dialplane serve`: the runtime node. Loads the artefact (refusing to start without a valid one),
// answers SIP INVITEs with redirects, serves the HTTP/WebSocket API and, when a token is set, the
// admin API on its own (loopback) listener; reloads the artefact when the file changes.
// SIGTERM / SIGINT: stop accepting, finish what is in flight, exit 0.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseCommandArgs } from '../args.js';
import { parsePublicKey, type PublicKey } from '../../runtime/artefact/signature.js';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { ArtefactHolder } from '../../runtime/server/artefact-holder.js';
import { routerDecider } from '../../runtime/server/engine.js';
import { startAdminServer, startHttpServer, type Listener, type ServeState } from '../../runtime/server/http.js';
import { Metrics } from '../../runtime/server/metrics.js';
import { ArtefactPuller } from '../../runtime/server/pull.js';
import { sipDecide } from '../../runtime/server/sip-adapter.js';
import { SipServer } from '../../runtime/sip/server.js';

const USAGE = `usage: dialplane serve --artefact <file.dpa> [options]
       dialplane serve --pull <url> --trust <key.pub>… [--state-dir <dir>] [--poll 1s] [options]
  --artefact <file>      artefact to serve and watch                 (DIALPLANE_ARTEFACT)
  --pull <url>           pull <url> and <url>.minisig over HTTP(S) instead (DIALPLANE_PULL)
  --trust <key.pub>      a trusted signing key; repeat for several (required with --pull)
  --state-dir <dir>      last good artefact + signature, for a cold start (DIALPLANE_STATE_DIR)
  --poll <duration>      pull period, jittered ±10 %, backoff on errors (default 1s)  (DIALPLANE_POLL)
  --pull-timeout <duration>  per-request time limit (default 30s)
  --sip <host:port|off>  SIP redirect server, UDP (default 127.0.0.1:5060)   (DIALPLANE_SIP)
  --sip-tcp              also listen on TCP                           (DIALPLANE_SIP_TCP=1)
  --sip-transactions <n> answered INVITEs remembered for retransmissions (default 200000)  (DIALPLANE_SIP_TRANSACTIONS)
  --sip-transaction-bytes <n>  memory for them, in bytes (default 134217728)  (DIALPLANE_SIP_TRANSACTION_BYTES)
  --http <host:port|off> HTTP/WebSocket API (default 127.0.0.1:8080)  (DIALPLANE_HTTP)
  --admin <host:port|off> admin API (default 127.0.0.1:8081; needs a token)  (DIALPLANE_ADMIN)
  --admin-token <t>      bearer token of the admin API               (DIALPLANE_ADMIN_TOKEN)
  --public-key <file>    require a minisign signature by this key (dialplane keygen) (DIALPLANE_PUBLIC_KEY)
  --signature <file>     where the signature is (default <artefact>.minisig)
  --poll-ms <n>          periodic stat of the artefact file, 0 = off (default 2000)  (DIALPLANE_POLL_MS)
  --max-artefact-bytes <n>  refuse larger files before reading (default 536870912)
  --limits on|off        enforce CPS limits (default on; off for load tests)  (DIALPLANE_LIMITS)
  --log-level <level>    pino level (default info)                    (DIALPLANE_LOG_LEVEL)
  --hints                print ready-to-paste curl and sipp lines once serving
  --shutdown-timeout-ms <n>  on SIGTERM, how long open requests may finish (default 10000)  (DIALPLANE_SHUTDOWN_TIMEOUT_MS)
`;

interface Address { host: string; port: number }

function parseAddress(text: string, what: string): Address | undefined {
  if (text === 'off' || text === '') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text) ?? /^(\d{1,5})$/.exec(text);
  if (!m) throw new Error(`--${what} must be host:port, a port, or off (got "${text}")`);
  const port = Number(m[3] ?? m[1]);
  if (port > 65535) throw new Error(`--${what}: port ${port} is out of range`);
  return { host: m[3] ? (m[1] ?? m[2]!) : '127.0.0.1', port };
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export async function runServe(argv: string[]): Promise<number> {
  const args = parseCommandArgs('serve', argv, {
    artefact: { type: 'string' }, sip: { type: 'string' }, 'sip-tcp': { type: 'boolean' }, http: { type: 'string' },
    admin: { type: 'string' }, 'admin-token': { type: 'string' }, 'poll-ms': { type: 'string' },
    'max-artefact-bytes': { type: 'string' }, 'log-level': { type: 'string' }, limits: { type: 'string' }, 'public-key': { type: 'string' }, signature: { type: 'string' }, hints: { type: 'boolean' },
    'shutdown-timeout-ms': { type: 'string' },
    pull: { type: 'string' }, trust: { type: 'string', multiple: true }, 'state-dir': { type: 'string' }, poll: { type: 'string' },
    'pull-timeout': { type: 'string' }, 'sip-transactions': { type: 'string' }, 'sip-transaction-bytes': { type: 'string' },
  }, USAGE, 2, 0);
  if (typeof args === 'number') return args;
  const { values } = args;
  const str = (k: string, e: string, d?: string) => (values[k] as string | undefined) ?? env(e) ?? d;
  const pullUrl = str('pull', 'DIALPLANE_PULL');
  let pull: PullSetup | undefined;
  if (pullUrl) {
    const p = pullSetup(pullUrl, values as Record<string, unknown>, str);
    if (typeof p === 'string') {
      process.stderr.write(`dialplane serve: ${p}\n`);
      return 2;
    }
    pull = p;
  }
  const artefactPath = pull ? join(pull.stateDir, 'current.dpa') : str('artefact', 'DIALPLANE_ARTEFACT');
  if (!artefactPath || (pull && str('artefact', 'DIALPLANE_ARTEFACT'))) {
    process.stderr.write(`dialplane serve: exactly one of --artefact and --pull is required\n${USAGE}`);
    return 2;
  }
  let sipAddr: Address | undefined, httpAddr: Address | undefined, adminAddr: Address | undefined;
  const adminGiven = values.admin !== undefined || env('DIALPLANE_ADMIN') !== undefined;
  try {
    sipAddr = parseAddress(str('sip', 'DIALPLANE_SIP', '127.0.0.1:5060')!, 'sip');
    httpAddr = parseAddress(str('http', 'DIALPLANE_HTTP', '127.0.0.1:8080')!, 'http');
    adminAddr = parseAddress(str('admin', 'DIALPLANE_ADMIN', '127.0.0.1:8081')!, 'admin');
  } catch (e) {
    process.stderr.write(`dialplane serve: ${(e as Error).message}\n`);
    return 2;
  }
  const token = str('admin-token', 'DIALPLANE_ADMIN_TOKEN');
  // Whole numbers, each with its floor: a typo must not become NaN and quietly turn a guard off.
  const whole = (name: string, envName: string, fallback: number, min: number): number => {
    const text = str(name, envName);
    if (text === undefined) return fallback;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min} (got "${text}")`);
    return n;
  };
  let pollMs: number, maxBytes: number, shutdownMs: number, transactionMax: number, transactionMaxBytes: number;
  try {
    pollMs = whole('poll-ms', 'DIALPLANE_POLL_MS', 2000, 0);
    maxBytes = whole('max-artefact-bytes', 'DIALPLANE_MAX_ARTEFACT_BYTES', 512 * 1024 * 1024, 1);
    shutdownMs = whole('shutdown-timeout-ms', 'DIALPLANE_SHUTDOWN_TIMEOUT_MS', 10_000, 0);
    transactionMax = whole('sip-transactions', 'DIALPLANE_SIP_TRANSACTIONS', 200_000, 1);
    transactionMaxBytes = whole('sip-transaction-bytes', 'DIALPLANE_SIP_TRANSACTION_BYTES', 128 * 1024 * 1024, 64 * 1024);
  } catch (e) {
    process.stderr.write(`dialplane serve: ${(e as Error).message}\n`);
    return 2;
  }
  const limits = str('limits', 'DIALPLANE_LIMITS', 'on');
  if (limits !== 'on' && limits !== 'off') {
    process.stderr.write('dialplane serve: --limits must be on or off\n');
    return 2;
  }
  let keys: PublicKey[] | undefined = pull?.keys;
  const keyFile = pull ? undefined : str('public-key', 'DIALPLANE_PUBLIC_KEY');
  if (keyFile) {
    try {
      keys = [parsePublicKey(readFileSync(keyFile, 'utf8'))];
    } catch (e) {
      process.stderr.write(`dialplane serve: --public-key ${keyFile}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const sigFile = str('signature', 'DIALPLANE_SIGNATURE');
  const tcp = values['sip-tcp'] === true || env('DIALPLANE_SIP_TCP') === '1';
  if (adminAddr && !token && adminGiven) {
    process.stderr.write('dialplane serve: the admin listener needs a token: set DIALPLANE_ADMIN_TOKEN or --admin-token (or --admin off)\n');
    return 2;
  }

  const log = pino({ name: 'dialplane', level: str('log-level', 'DIALPLANE_LOG_LEVEL', 'info')! }, pino.destination({ fd: 2, sync: true }));
  const metrics = new Metrics();
  const state: ServeState = { draining: false, starting: true };
  const holder = new ArtefactHolder({ path: resolve(artefactPath), factory: routerDecider({ limits: limits === 'on' }), metrics, log, maxBytes, pollMs,
    ...(keys ? { signature: { keys, ...(sigFile ? { path: resolve(sigFile) } : {}) } } : {}) });
  let puller: ArtefactPuller | undefined;
  if (pull) {
    // Cold start from the state dir (verified again, expiry included), then one poll; without
    // either the node still starts, not ready (/readyz 503), and keeps polling.
    puller = new ArtefactPuller({ url: pull.url, keys: pull.keys, holder, stateDir: pull.stateDir, metrics, log, pollMs: pull.pollMs, maxBytes, timeoutMs: pull.timeoutMs });
    await puller.coldStart();
    await puller.pollOnce();
    if (!holder.active) log.warn({ url: pull.url, stateDir: pull.stateDir }, 'no artefact yet (server unreachable and nothing usable in the state dir): not ready, still polling');
    puller.start();
  } else {
    const first = await holder.reload('start');
    if (!first.ok) {
      log.fatal({ path: artefactPath, code: first.code, err: first.error }, 'no valid artefact to serve');
      return 1;
    }
    holder.watch();
  }

  const listeners: Listener[] = [];
  let sip: SipServer | undefined;
  try {
    if (httpAddr) listeners.push(await startHttpServer({ holder, metrics, state, host: httpAddr.host, port: httpAddr.port, log, ...(puller ? { artefactStatus: () => puller.status() } : {}) }));
    if (adminAddr && token) listeners.push(await startAdminServer({ holder, metrics, state, host: adminAddr.host, port: adminAddr.port, token, log, ...(puller ? { reload: () => puller.reloadNow() } : {}) }));
    else if (adminAddr) log.warn({}, 'admin listener not started: no token (set DIALPLANE_ADMIN_TOKEN or --admin-token)');
    if (sipAddr) {
      sip = await SipServer.start({
        decide: sipDecide(holder, metrics, (e) => log.error({ err: String(e) }, 'decision failed')),
        host: sipAddr.host, port: sipAddr.port, tcp, transactionMax, transactionMaxBytes,
        onError: (e, where) => log.error({ err: String(e), where }, 'sip error'),
      });
      const s = sip.stats;
      metrics.addSource(() => {
        let out = '# HELP dialplane_sip_messages_total SIP messages by kind.\n# TYPE dialplane_sip_messages_total counter\n';
        for (const k of Object.keys(s) as (keyof typeof s)[]) out += `dialplane_sip_messages_total{kind="${k}"} ${s[k]}\n`;
        return out;
      });
    }
  } catch (e) {
    log.fatal({ err: String(e) }, 'cannot start listening');
    for (const l of listeners) l.stopListening();
    await sip?.close();
    return 1;
  }
  const httpPort = httpAddr ? listeners[0]!.port : undefined;
  const sipPort = sip?.udpInfo().port;
  const adminPort = adminAddr && token ? listeners[httpAddr ? 1 : 0]!.port : undefined;
  log.info({ serial: holder.active?.serial ?? null, ...(pull ? { pull: pull.url } : {}), http: httpAddr && `${httpAddr.host}:${httpPort}`, admin: adminPort && `${adminAddr!.host}:${adminPort}`, sip: sipAddr && `${sipAddr.host}:${sipPort}${tcp ? ' (udp+tcp)' : ' (udp)'}` }, 'serving');
  if (values.hints) {
    const lines = ['', `dialplane is serving artefact serial ${holder.active?.serial ?? '(none yet)'} (${pull ? pull.url : artefactPath}). Try:`];
    if (httpPort !== undefined) lines.push(`  curl -s 'http://${hostForUrl(httpAddr!.host)}:${httpPort}/v1/route?src=127.0.0.1&to=447400123456&callid=demo-1'`);
    if (sipPort !== undefined) lines.push(`  sipp -sf docs/sipp-uac-302.xml -s 447400123456 -i 127.0.0.1 -m 10 -r 5 ${hostForUrl(sipAddr!.host)}:${sipPort}`);
    if (httpPort !== undefined) lines.push(`  curl -s http://${hostForUrl(httpAddr!.host)}:${httpPort}/metrics`);
    lines.push('Ctrl-C stops it.', '');
    process.stdout.write(lines.join('\n'));
  }
  state.starting = false;

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      state.draining = true;
      log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
      holder.stop();
      puller?.stop();
      for (const l of listeners) l.stopListening();
      await sip?.close();
      const until = Date.now() + shutdownMs;
      while (listeners.some((l) => l.inFlight() > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const left = listeners.reduce((n, l) => n + l.inFlight(), 0);
      for (const l of listeners) l.closeSockets();
      log.info({ unfinished: left }, 'stopped');
      done(0);
      // Idle keep-alive connections hold the uWS loop open; nothing is in flight any more.
      setImmediate(() => process.exit(left === 0 ? 0 : 1));
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}

interface PullSetup { url: string; keys: PublicKey[]; stateDir: string; pollMs: number; timeoutMs: number }

/** The --pull flags, checked; a string is the error to print. */
function pullSetup(url: string, values: Record<string, unknown>, str: (k: string, e: string, d?: string) => string | undefined): PullSetup | string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--pull must be an http(s) URL (got "${url}")`;
  } catch {
    return `--pull must be an http(s) URL (got "${url}")`;
  }
  const trust = (values.trust as string[] | undefined) ?? (env('DIALPLANE_TRUST')?.split(',') ?? []);
  if (trust.length === 0) return '--pull needs at least one --trust <key.pub>: pulled artefacts are always signed';
  const keys: PublicKey[] = [];
  for (const f of trust) {
    try {
      keys.push(parsePublicKey(readFileSync(f, 'utf8')));
    } catch (e) {
      return `--trust ${f}: ${(e as Error).message}`;
    }
  }
  const pollMs = parseDuration(str('poll', 'DIALPLANE_POLL', '1s')!);
  if (pollMs === undefined || pollMs < 50) return '--poll must be a duration like 1s, 500ms, 2m (at least 50ms)';
  const timeoutMs = parseDuration(str('pull-timeout', 'DIALPLANE_PULL_TIMEOUT', '30s')!);
  if (timeoutMs === undefined || timeoutMs <= 0) return '--pull-timeout must be a duration like 30s';
  let stateDir = str('state-dir', 'DIALPLANE_STATE_DIR');
  if (!stateDir) {
    stateDir = mkdtempSync(join(tmpdir(), 'dialplane-state-'));
    process.stderr.write(`dialplane serve: no --state-dir: keeping pulled artefacts in ${stateDir}; a restart cannot cold-start from it\n`);
  }
  return { url, keys, stateDir: resolve(stateDir), pollMs, timeoutMs };
}

/** "1s", "500ms", "2m", "1h", or plain milliseconds → ms. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function hostForUrl(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
