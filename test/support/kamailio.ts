// A real Kamailio (Debian package `kamailio`) on a loopback UDP port for the e2e tests: its config
// names the port, so the port is picked here (below the ephemeral range, ports.ts) and a Kamailio
// that could not bind it is started again on another. Ready once it answers a SIP request — any
// answer — with a deadline that allows for a slow start on a loaded machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unusedPort } from './ports.js';

/** The Kamailio binary and a module directory holding every one of `modules`, if installed. */
export function findKamailio(modules: string[]): { bin: string; modules: string } | undefined {
  const bin = ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'].find((b) => existsSync(b));
  if (!bin) return undefined;
  const roots = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  try {
    for (const d of readdirSync('/usr/lib')) roots.push(`/usr/lib/${d}/kamailio/modules`);
  } catch { /* no /usr/lib */ }
  const dir = roots.find((r) => modules.every((m) => existsSync(join(r, m))));
  return dir ? { bin, modules: dir } : undefined;
}

export interface Kamailio {
  port: number;
  proc: ChildProcess;
  /** What it wrote to stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Writes `config(port)` to `dir`/kamailio.cfg, checks it (`-c`) and runs Kamailio in the foreground
 * with `args`; resolves when it answers on `port`.
 */
export async function startKamailio(bin: string, dir: string, config: (port: number) => string, args: string[] = [], readyMs = 60_000): Promise<Kamailio> {
  for (let attempt = 1; ; attempt++) {
    const port = await unusedPort('udp');
    const cfg = join(dir, 'kamailio.cfg');
    writeFileSync(cfg, config(port));
    const check = spawnSync(bin, ['-f', cfg, '-c'], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`kamailio rejected the test config:\n${check.stderr}`);
    const proc = spawn(bin, ['-f', cfg, '-DD', '-E', '-Y', dir, '-m', '64', '-M', '8', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
    const k: Kamailio = {
      port, proc, log: () => log,
      async stop() {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      },
    };
    if (await answers(port, exited, readyMs)) return k;
    await k.stop();
    // Someone bound the port between the check and Kamailio's bind: another port.
    if (attempt < 5 && /address already in use|bind/i.test(log)) continue;
    throw new Error(`kamailio on udp 127.0.0.1:${port} did not answer within ${readyMs} ms:\n${log.slice(-3000)}`);
  }
}

/** True once something on `port` answers an OPTIONS; false if `exited` first or after `ms`. */
async function answers(port: number, exited: Promise<unknown>, ms: number): Promise<boolean> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', ok));
  const local = sock.address().port;
  let gone = false;
  void exited.then(() => { gone = true; });
  const answered = new Promise<void>((ok) => sock.once('message', () => ok()));
  let got = false;
  void answered.then(() => { got = true; });
  try {
    const end = Date.now() + ms;
    for (let i = 0; !got && !gone && Date.now() < end; i++) {
      sock.send(`OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-ready-${i}\r\n`
        + `Max-Forwards: 70\r\nFrom: <sip:ping@127.0.0.1>;tag=ready\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ready-${i}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      port, '127.0.0.1');
      await Promise.race([answered, exited, new Promise((r) => setTimeout(r, 250))]);
    }
    return got;
  } finally {
    sock.close();
  }
}
