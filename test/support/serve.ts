// Running `dialplane serve` as a real child process for end-to-end tests: artefacts built from
// routes/ into a temporary directory, free loopback ports, readiness polling, log capture.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/dialplane.js');

/** `dialplane build routes -o <dir> --serial <n>`; returns the artefact path. */
export function buildDemo(dir: string, serial: number): string {
  const r = spawnSync(process.execPath, [BIN, 'build', join(ROOT, 'routes'), '-o', dir, '--serial', String(serial)], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`build failed (${r.status}): ${r.stderr}${r.stdout}`);
  return join(dir, 'routing.dpa');
}

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
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
  const [http, admin, sip] = [await freeTcpPort(), await freeTcpPort(), await freeUdpPort()];
  const token = 'e2e-' + Math.random().toString(36).slice(2);
  const proc = spawn(process.execPath, [BIN, 'serve', '--artefact', artefact, '--http', `127.0.0.1:${http}`, '--admin', `127.0.0.1:${admin}`,
    '--sip', `127.0.0.1:${sip}`, '--poll-ms', '200', '--hints', ...extra],
  { cwd: ROOT, env: { ...process.env, DIALPLANE_ADMIN_TOKEN: token, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
  const base = `http://127.0.0.1:${http}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${err}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.status === 200 && out.includes('Ctrl-C stops it')) break; // ready, hints printed
    } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`serve not ready: ${err}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { proc, http, admin, sip, token, stdout: () => out, stderr: () => err, exited, base, adminBase: `http://127.0.0.1:${admin}` };
}

export async function stopServe(s: Served | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(t);
}
