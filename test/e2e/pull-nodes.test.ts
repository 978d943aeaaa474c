// Three `dialplane serve --pull` nodes (child processes, default poll settings) and one local
// artefact server (node:http): a newly published signed artefact reaches all three — the time is
// measured and printed; a rollback, a tampered and an expired artefact are refused by all three,
// which keep serving; with the server killed the nodes keep serving, and a node restarted while
// the server is down serves from its state dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretKey, type SecretKey } from '../../compiler/sign/secret-key.js';
import { ArtefactServer, sign, tamper, withSerial } from '../support/artefact-server.js';
import { BIN, ROOT, servingPorts } from '../support/serve.js';

interface Node { proc: ChildProcess; base: string; stateDir: string; log: () => string; exited: Promise<number | null> }

function cli(...args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    p.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`dialplane ${args.join(' ')} → ${code}: ${out}`))));
  });
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function serial(n: Node): Promise<number | null> {
  try {
    return ((await getJson(`${n.base}/v1/artefact`)).body.serial as number | null) ?? null;
  } catch {
    return null;
  }
}

async function refusals(n: Node, reason: string): Promise<number> {
  const text = await (await fetch(`${n.base}/metrics`)).text();
  return Number(new RegExp(`^dialplane_pull_refusals_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await sleep(25);
  }
}

describe('three nodes pulling from one artefact server', () => {
  let dir = '';
  let key: SecretKey;
  let pub = '';
  const server = new ArtefactServer();
  const nodes: Node[] = [];
  const art: Record<number, Uint8Array> = {};
  const sigs: Record<number, string> = {};
  let latest = 0;

  /** Starts a node and waits until it listens (on a port of its choosing); `waitReady`: until it serves, too. */
  async function startNode(stateDir: string, waitReady = true): Promise<Node> {
    const proc = spawn(process.execPath, [BIN, 'serve', '--pull', server.url, '--trust', pub, '--state-dir', stateDir,
      '--http', '127.0.0.1:0', '--sip', 'off', '--admin', 'off', '--limits', 'off'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
    const http = await until(`node listening`, async () => {
      if (proc.exitCode !== null) throw new Error(`node exited ${proc.exitCode}: ${log}`);
      return servingPorts(log)?.http;
    }, (p) => p !== undefined, 60_000);
    const n: Node = { proc, base: `http://127.0.0.1:${http}`, stateDir, log: () => log, exited };
    if (waitReady) {
      await until(`node on ${http} ready`, async () => {
        if (proc.exitCode !== null) throw new Error(`node exited ${proc.exitCode}: ${log}`);
        try { return (await fetch(`${n.base}/readyz`)).status; } catch { return 0; }
      }, (s) => s === 200, 30_000);
    }
    return n;
  }

  async function stopNode(n: Node): Promise<void> {
    if (n.proc.exitCode !== null) return;
    n.proc.kill('SIGTERM');
    const t = setTimeout(() => n.proc.kill('SIGKILL'), 5000);
    await n.exited;
    clearTimeout(t);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-pull-e2e-'));
    await cli('keygen', '-o', join(dir, 'keys'));
    pub = join(dir, 'keys/dialplane.pub');
    key = await parseSecretKey(readFileSync(join(dir, 'keys/dialplane.key'), 'utf8'));
    // Two real builds (the second is the publish being timed), signed with `dialplane sign`.
    await Promise.all([1000, 2000].map((s) => cli('build', join(ROOT, 'routes'), '-o', join(dir, `b${s}`), '--serial', String(s))));
    for (const s of [1000, 2000]) {
      await cli('sign', join(dir, `b${s}/routing.dpa`), '--key', join(dir, 'keys/dialplane.key'), '--expires', '1d');
      art[s] = new Uint8Array(readFileSync(join(dir, `b${s}/routing.dpa`)));
      sigs[s] = readFileSync(join(dir, `b${s}/routing.dpa.minisig`), 'utf8');
    }
    await server.start();
    server.publish(art[1000]!, sigs[1000]!);
    latest = 1000;
    for (let i = 0; i < 3; i++) nodes.push(await startNode(join(dir, `state${i}`), false));
    for (const n of nodes) await until('first artefact', () => serial(n), (s) => s === 1000, 30_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map(stopNode));
    await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** Publishes and returns ms until every node's /v1/artefact shows `s`. */
  async function publishAndTime(s: number, bytes: Uint8Array, sig: string): Promise<number> {
    const t0 = performance.now();
    server.publish(bytes, sig);
    await Promise.all(nodes.map((n) => until(`serial ${s}`, () => serial(n), (v) => v === s, 10_000)));
    latest = s;
    return performance.now() - t0;
  }

  it('all three nodes serve a newly published signed artefact within 2 s (default 1 s poll)', async () => {
    const times: number[] = [];
    await sleep(Math.random() * 1000); // publish at an arbitrary point of the nodes' poll cycles
    times.push(await publishAndTime(2000, art[2000]!, sigs[2000]!)); // the real `build --serial` + `sign`
    for (let s = 2001; s <= 2006; s++) {
      await sleep(Math.random() * 1000);
      const b = withSerial(art[2000]!, s);
      times.push(await publishAndTime(s, b, sign(b, key)));
    }
    const sorted = [...times].sort((a, b) => a - b);
    process.stdout.write(`\npublish → all 3 nodes serving (ms, ${times.length} publishes of a ${(art[2000]!.length / 1048576).toFixed(1)} MiB artefact): ` +
      `${times.map((t) => Math.round(t)).join(', ')}; median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)}, max ${Math.round(sorted.at(-1)!)}\n`);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(2000);
    expect(sorted.at(-1)).toBeLessThanOrEqual(3000); // headroom for a loaded CI machine; the target is 2 s
    const ms = nodes.flatMap((n) => [...n.log().matchAll(/"ms":(\d+),"msg":"artefact activated"/g)].map((m) => Number(m[1])));
    process.stdout.write(`verify + decode + build + swap on the nodes (ms): ${ms.join(', ')}\n`);
    for (const n of nodes) {
      // The swap comes first, then the pair is committed to the state dir.
      const a = await until('state dir committed', () => getJson(`${n.base}/v1/artefact`), (r) => (r.body.pull as { stateSerial: number }).stateSerial === 2006);
      expect(a.body).toMatchObject({ serial: 2006, source: server.url, pull: { url: server.url, stateSerial: 2006 } });
      expect((a.body.pull as { lastSuccessAt: string | null }).lastSuccessAt).not.toBeNull();
    }
  }, 60_000);

  it('all three refuse a rollback, a tampered and an expired artefact, and keep serving the last good one', async () => {
    const cases: [string, Uint8Array, string][] = [];
    cases.push(['rollback', art[1000]!, sigs[1000]!]); // validly signed, older serial
    const t = withSerial(art[2000]!, 3000);
    cases.push(['bad-signature', tamper(t), sign(t, key)]); // newer serial, bytes altered after signing
    const e = withSerial(art[2000]!, 3100);
    cases.push(['expired', e, sign(e, key, -60_000)]);
    for (const [reason, bytes, sig] of cases) {
      server.publish(bytes, sig);
      for (const n of nodes) await until(`${reason} refused`, () => refusals(n, reason), (v) => v >= 1, 10_000);
      for (const n of nodes) {
        expect(await serial(n)).toBe(latest);
        const r = await getJson(`${n.base}/v1/route?src=127.0.0.1&to=447400123456&callid=e2e-${reason}`);
        expect(r.body).toMatchObject({ status: 302, serial: latest });
        expect(n.log()).toContain(`"code":"${reason}"`);
      }
    }
    for (const n of nodes) expect(((await getJson(`${n.base}/v1/artefact`)).body.pull as { lastError: { reason: string } }).lastError.reason).toBe('expired');
  }, 60_000);

  it('with the server killed, the nodes keep serving and report the error', async () => {
    await server.stop();
    await sleep(2500);
    for (const n of nodes) {
      const a = await getJson(`${n.base}/v1/artefact`);
      expect(a.body.serial).toBe(latest);
      expect(['unreachable', 'connection-reset']).toContain((a.body.pull as { lastError: { reason: string } }).lastError.reason);
      const r = await getJson(`${n.base}/v1/route?src=127.0.0.1&to=447400123456&callid=e2e-down`);
      expect(r.body).toMatchObject({ status: 302, serial: latest });
    }
  });

  it('a node restarted while the server is down serves from its state dir', async () => {
    const old = nodes[0]!;
    await stopNode(old);
    const t0 = performance.now();
    const n = await startNode(old.stateDir);
    nodes[0] = n;
    process.stdout.write(`cold start from the state dir, server down: ready in ${Math.round(performance.now() - t0)} ms\n`);
    const a = await getJson(`${n.base}/v1/artefact`);
    expect(a.body).toMatchObject({ serial: latest, pull: { stateSerial: latest } });
    expect(String(a.body.source)).toMatch(/^state-dir:/);
    const r = await getJson(`${n.base}/v1/route?src=127.0.0.1&to=447400123456&callid=e2e-cold`);
    expect(r.body).toMatchObject({ status: 302, serial: latest });
  }, 40_000);

  it('a new node with an empty state dir and the server down starts unready, and serves once the server is back', async () => {
    const n = await startNode(join(dir, 'state-new'), false);
    nodes.push(n);
    expect((await fetch(`${n.base}/readyz`)).status).toBe(503);
    const a = await getJson(`${n.base}/v1/artefact`);
    expect(a.status).toBe(503);
    expect(a.body).toMatchObject({ serial: null, pull: { url: server.url, stateSerial: -1 } });
    await server.start(Number(new URL(server.url).port));
    server.publish(withSerial(art[2000]!, latest + 1), sign(withSerial(art[2000]!, latest + 1), key));
    await until('serving after the server is back', () => serial(n), (v) => v === latest + 1, 40_000); // backoff ≤ 30 s
    expect((await fetch(`${n.base}/readyz`)).status).toBe(200);
  }, 60_000);

  it('refuses to start a pulling node without a trusted key or with a bad URL', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'serve', ...args, '--sip', 'off', '--admin', 'off', '--http', 'off'], { cwd: ROOT, encoding: 'utf8' });
    const noKey = run('--pull', server.url);
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain('--pull needs at least one --trust');
    const badUrl = run('--pull', 'ftp://example.org/x.dpa', '--trust', pub);
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toContain('--pull must be an http(s) URL');
    const both = run('--pull', server.url, '--trust', pub, '--artefact', 'x.dpa');
    expect(both.status).toBe(2);
  });
});
