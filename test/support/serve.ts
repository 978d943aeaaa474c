// Running `dialplane serve` as a real child process for end-to-end tests: artefacts of the demo
// network (built once per run, see buildDemo), listeners on port 0 (the bound ports read from
// its log), readiness polling, log capture.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withSerial } from './artefact-server.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/dialplane.js');

/**
 * The demo network as `dialplane build routes -o <dir> --serial <n>` builds it; returns the
 * artefact path (`<dir>/routing.dpa`).
 *
 * A build is the costliest thing these tests do (~7 s of CPU; close to a minute on a loaded
 * 2-core machine, where two or three of them in a beforeAll ran into its time limit). So the
 * demo network is built once per test run, by the first test file that asks, and every caller
 * gets a copy with its serial written in (serial and content hash rewritten: withSerial). The
 * copy is kept in the temp dir under a key made of the vitest run (its process id) and of
 * everything the build reads — routes/, the compiled dist/ and bin/ — so no run ever reuses
 * another run's artefact, nor one built from other code.
 */
export function buildDemo(dir: string, serial: number): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'routing.dpa');
  writeFileSync(out, withSerial(demoBuild(), serial));
  return out;
}

const DEMO_PREFIX = 'dialplane-test-demo-';
let demo: Uint8Array | undefined;

function demoBuild(): Uint8Array {
  if (demo) return demo;
  const h = createHash('sha256').update(process.version);
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) h.update(p).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  for (const d of ['routes', 'dist', 'bin']) walk(join(ROOT, d));
  h.update(new Date().toISOString().slice(0, 10)); // the build prices as of today
  const runId = process.send ? process.ppid : process.pid; // a forked worker's parent is the vitest run
  const cacheDir = join(tmpdir(), `${DEMO_PREFIX}${runId}-${h.digest('hex').slice(0, 16)}`);
  const cached = join(cacheDir, 'routing.dpa');
  if (!existsSync(cached)) {
    pruneDemoBuilds(runId);
    const tmp = mkdtempSync(join(tmpdir(), 'dialplane-test-build-'));
    try {
      const r = spawnSync(process.execPath, [BIN, 'build', join(ROOT, 'routes'), '-o', tmp, '--serial', '1'], { encoding: 'utf8', cwd: ROOT });
      if (r.status !== 0) throw new Error(`build failed (${r.status}): ${r.stderr}${r.stdout}`);
      mkdirSync(cacheDir, { recursive: true });
      renameSync(join(tmp, 'routing.dpa'), cached); // atomic: a file running alongside may do the same
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  demo = new Uint8Array(readFileSync(cached));
  return demo;
}

/** Removes the demo builds of vitest runs that have ended. */
function pruneDemoBuilds(runId: number): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^dialplane-test-demo-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === runId) continue;
    try {
      process.kill(pid, 0); // still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * The ports `dialplane serve` bound, from its "serving" log line — it is given port 0 for each
 * listener, so no port is picked here and released for the child to bind (another process could
 * take it in between). Undefined until that line is logged.
 */
export function servingPorts(log: string): { http?: number; admin?: number; sip?: number } | undefined {
  const line = log.split('\n').slice(0, -1).find((l) => l.includes('"msg":"serving"')); // whole lines only
  if (line === undefined) return undefined;
  const o = JSON.parse(line) as Record<string, unknown>;
  const port = (v: unknown) => (typeof v === 'string' ? Number(/:(\d+)(?: \(|$)/.exec(v)?.[1]) : undefined);
  return { http: port(o.http), admin: port(o.admin), sip: port(o.sip) };
}

export interface Served {
  proc: ChildProcess;
  http: number;
  admin: number;
  sip: number;
  token: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  base: string;
  adminBase: string;
}

export async function startServe(artefact: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const token = 'e2e-' + Math.random().toString(36).slice(2);
  const proc = spawn(process.execPath, [BIN, 'serve', '--artefact', artefact, '--http', '127.0.0.1:0', '--admin', '127.0.0.1:0',
    '--sip', '127.0.0.1:0', '--poll-ms', '200', '--hints', ...extra],
  { cwd: ROOT, env: { ...process.env, DIALPLANE_ADMIN_TOKEN: token, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  // 'close', not 'exit': at 'exit' the last lines it wrote may still be in the pipe, unread.
  const exited = new Promise<number | null>((ok) => proc.on('close', (code) => ok(code)));
  // Start-up reads and checks the artefact: seconds on a loaded machine.
  const until = Date.now() + 60_000;
  let ports: ReturnType<typeof servingPorts>;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${err}`);
    ports ??= servingPorts(err);
    if (ports) {
      try {
        const r = await fetch(`http://127.0.0.1:${ports.http}/readyz`);
        if (r.status === 200 && out.includes('Ctrl-C stops it')) break; // ready, hints printed
      } catch { /* not answering yet */ }
    }
    if (Date.now() > until) throw new Error(`serve not ready: ${err}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const { http, admin, sip } = ports as { http: number; admin: number; sip: number };
  const base = `http://127.0.0.1:${http}`;
  return { proc, http, admin, sip, token, stdout: () => out, stderr: () => err, exited, base, adminBase: `http://127.0.0.1:${admin}` };
}

export async function stopServe(s: Served | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(t);
}
