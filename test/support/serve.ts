// Running `dialplane serve` as a real child process for end-to-end tests: artefacts built from
// routes/ into a temporary directory, listeners on port 0 (the bound ports read from its log),
// readiness polling, log capture.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/dialplane.js');

/** `dialplane build routes -o <dir> --serial <n>`; returns the artefact path. */
export function buildDemo(dir: string, serial: number): string {
  const r = spawnSync(process.execPath, [BIN, 'build', join(ROOT, 'routes'), '-o', dir, '--serial', String(serial)], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`build failed (${r.status}): ${r.stderr}${r.stdout}`);
  return join(dir, 'routing.dpa');
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
  const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
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
