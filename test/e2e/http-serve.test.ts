// `dialplane serve` as a real child process, driven by real clients: fetch for HTTP, the `ws`
// package for the WebSocket stream. Covers decisions, 400s naming the parameter, metrics text,
// admin authentication and actions, hot reload (new artefact: serial changes with no failed
// request; garbage: refused, old serial still served, refusal counted) and SIGTERM.
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildDemo, startServe, stopServe, type Served } from '../support/serve.js';

const CALL = 'src=127.0.0.1&to=447400123456&callid=e2e-1';

/** Resolves once `ok()` holds (polled every 20 ms); throws after `ms`. */
async function waitFor(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// One server through its life, in order: metrics count what the earlier tests sent, the swap
// happens before the drain, SIGTERM comes last. shuffle: false keeps that order even under
// --sequence.shuffle.
describe('dialplane serve over HTTP and WebSocket', { shuffle: false }, () => {
  let dir = '';
  let live = '';
  let second = '';
  let s: Served;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-serve-'));
    const first = buildDemo(join(dir, 'a'), 101);
    second = buildDemo(join(dir, 'b'), 102);
    live = join(dir, 'live.dpa');
    copyFileSync(first, live);
    s = await startServe(live, ['--limits', 'off']); // the load below exceeds localtest's 5 cps
  }, 180_000); // may be the run's one demo build (buildDemo): a minute on a loaded machine

  afterAll(async () => {
    await stopServe(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const r = await fetch(s.base + path);
    return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
  };
  const admin = (path: string, token: string | null = s.token) =>
    fetch(s.adminBase + path, { method: 'POST', headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  it('answers a call from 127.0.0.1 with the demo decision', async () => {
    const r = await get(`/v1/route?${CALL}`);
    expect(r.status).toBe(200);
    const d = JSON.parse(r.body);
    expect(d).toMatchObject({ status: 302, customer: 'localtest', route: 'anything', prefix: '447400', sell: '0.01397', serial: 101 });
    expect(d.targets.map((t: { carrier: string }) => t.carrier)).toEqual(['albion', 'rheinwelle', 'northwind', 'kestrel']);
    expect(d.targets[0].uri).toMatch(/^sip:3344#447400123456@/);
    expect(d.trace).toBeUndefined();
  });

  it('gives rejections with their SIP code and reason', async () => {
    expect(JSON.parse((await get('/v1/route?src=127.0.0.1&to=3225551234')).body)).toMatchObject({ status: 503, reason: 'No Routes Available (Pre)' });
    expect(JSON.parse((await get('/v1/route?src=192.0.2.250&to=447400123456')).body)).toMatchObject({ status: 403 });
  });

  it('explains when asked and speaks rtjson', async () => {
    const e = JSON.parse((await get(`/v1/route?${CALL}&explain=1`)).body);
    expect(Array.isArray(e.trace) && e.trace.length > 0).toBe(true);
    const rt = JSON.parse((await get(`/v1/route?${CALL}&format=rtjson`)).body);
    expect(rt.version).toBe('1.0');
    expect(rt.routing).toBe('serial');
    expect(rt.routes).toHaveLength(4);
    expect(rt.routes[0].uri).toMatch(/^sip:3344#447400123456@/);
    expect(rt.routes[0].headers.extra).toContain('X-Dialplane-Sell: 0.01397\r\n');
  });

  it('refuses bad requests with 400 and names the parameter', async () => {
    for (const [q, param] of [['to=4474', 'src'], ['src=127.0.0.1', 'to'], ['src=1.2.3&to=44', 'src'], [`${CALL}&format=xml`, 'format'],
      [`${CALL}&at=yesterday`, 'at'], [`${CALL}&explain=maybe`, 'explain']] as const) {
      const r = await get(`/v1/route?${q}`);
      expect(r.status, q).toBe(400);
      expect(JSON.parse(r.body).parameter, q).toBe(param);
    }
  });

  it('answers batches in order and bounds them', async () => {
    const post = (body: string) => fetch(`${s.base}/v1/route`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const r = await post(JSON.stringify([{ src: '127.0.0.1', to: '447400123456' }, { src: '127.0.0.1', to: '3225551234' }, { src: '127.0.0.1', to: '449091234567' }]));
    expect(r.status).toBe(200);
    const out = await r.json() as { status: number }[];
    expect(out.map((d) => d.status)).toEqual([302, 503, 503]);
    const bad = await post(JSON.stringify([{ src: '127.0.0.1', to: '44' }, { to: '44' }]));
    expect(bad.status).toBe(400);
    expect((await bad.json() as { parameter: string }).parameter).toBe('[1].src');
    expect((await post('{"src":"127.0.0.1"}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await post(JSON.stringify(Array.from({ length: 1001 }, () => ({ src: '127.0.0.1', to: '44' }))))).status).toBe(400);
  });

  it('streams pipelined queries over a WebSocket, answered in order with their ids', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.http}/v1/stream`);
    await new Promise((ok, fail) => { ws.once('open', ok); ws.once('error', fail); });
    const replies: { id: number; status?: number; error?: string; parameter?: string }[] = [];
    const done = new Promise<void>((ok) => ws.on('message', (m) => { replies.push(JSON.parse(m.toString())); if (replies.length === 101) ok(); }));
    for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ id: i, src: '127.0.0.1', to: i % 2 ? '447400123456' : '3225551234', callid: `ws-${i}` }));
    ws.send(JSON.stringify({ id: 100, src: 'nope', to: '44' }));
    await done;
    ws.close();
    expect(replies.map((r) => r.id)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(replies.slice(0, 100).map((r) => r.status)).toEqual(Array.from({ length: 100 }, (_, i) => (i % 2 ? 302 : 503)));
    expect(replies[100]).toMatchObject({ id: 100, parameter: 'src' });
  });

  it('exposes health, readiness, artefact info and Prometheus metrics', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    const info = JSON.parse((await get('/v1/artefact')).body);
    expect(info).toMatchObject({ serial: 101, source: live });
    expect(info.hash).toMatch(/^[0-9a-f]{64}$/);
    const m = await get('/metrics');
    expect(m.type).toContain('text/plain');
    expect(m.body).toMatch(/^dialplane_decisions_total\{channel="http",status="302",outcome="routed"\} \d+$/m);
    expect(m.body).toMatch(/^dialplane_decisions_total\{channel="ws",status="503",outcome="rejected"\} 50$/m);
    expect(m.body).toMatch(/^dialplane_decision_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(m.body).toMatch(/^dialplane_artefact_serial 101$/m);
    expect(m.body).toMatch(/^dialplane_artefact_swaps_total 1$/m);
    expect(m.body).toMatch(/^dialplane_artefact_refusals_total 0$/m);
  });

  it('requires the bearer token on the admin listener', async () => {
    expect((await admin('/v1/admin/reload', null)).status).toBe(401);
    expect((await admin('/v1/admin/reload', 'wrong')).status).toBe(401);
    expect((await admin('/v1/admin/gateways/albion/lon-1/disable', null)).status).toBe(401);
    const ok = await admin('/v1/admin/reload');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, changed: false, serial: 101 });
  });

  it('changes the answer when gateways are disabled, and back when enabled', async () => {
    const carriers = async () => (JSON.parse((await get(`/v1/route?${CALL}`)).body).targets as { carrier: string }[]).map((t) => t.carrier);
    expect((await admin('/v1/admin/gateways/albion/nope/disable')).status).toBe(404);
    expect((await admin('/v1/admin/gateways/albion/%E0%A4%A/disable')).status).toBe(400);
    // Rheinwelle has two gateways, no backups: with both off it has none, and drops out.
    for (const g of ['fra-1', 'fra-2']) expect((await admin(`/v1/admin/gateways/rheinwelle/${g}/disable`)).status).toBe(200);
    const d = JSON.parse((await get(`/v1/route?${CALL}`)).body);
    expect(d.targets.map((t: { carrier: string }) => t.carrier)).toEqual(['albion', 'northwind', 'kestrel']);
    expect(d.dropped).toContainEqual(expect.objectContaining({ carrier: 'rheinwelle', why: 'no-gateway' }));
    for (const g of ['fra-1', 'fra-2']) expect((await admin(`/v1/admin/gateways/rheinwelle/${g}/enable`)).status).toBe(200);
    expect(await carriers()).toEqual(['albion', 'rheinwelle', 'northwind', 'kestrel']);
  });

  it('hot-swaps a new artefact without failing a request, and refuses garbage', async () => {
    let failed = 0;
    const answered = new Map<number, number>(); // by serial
    const count = (serial: number) => answered.get(serial) ?? 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const batch = await Promise.all(Array.from({ length: 8 }, () => fetch(`${s.base}/v1/route?${CALL}`).then(async (r) => ({ status: r.status, body: await r.json() as { status: number; serial: number } })).catch(() => undefined)));
        for (const r of batch) {
          if (!r || r.status !== 200 || r.body.status !== 302) failed++;
          else answered.set(r.body.serial, count(r.body.serial) + 1);
        }
      }
    })();
    try {
      // Counted answers, not a time: the load runs through the swap however slow the machine is.
      await waitFor('answers from serial 101', () => count(101) >= 24);
      // Replace the file the way a deploy does: write beside it, rename over it.
      copyFileSync(second, live + '.tmp');
      renameSync(live + '.tmp', live);
      await waitFor('answers from serial 102', () => count(102) >= 24);
    } finally {
      stop = true;
      await load;
    }
    expect(JSON.parse((await get('/v1/artefact')).body).serial).toBe(102);
    expect(failed).toBe(0);
    expect([...answered.keys()].sort()).toEqual([101, 102]);

    writeFileSync(live + '.tmp', Buffer.from('DPLN garbage, not an artefact at all'));
    renameSync(live + '.tmp', live);
    const until2 = Date.now() + 30_000;
    while (!/^dialplane_artefact_refusals_total 1$/m.test((await get('/metrics')).body) && Date.now() < until2) await new Promise((ok) => setTimeout(ok, 50));
    const m = (await get('/metrics')).body;
    expect(m).toMatch(/^dialplane_artefact_refusals_total 1$/m);
    expect(m).toMatch(/^dialplane_artefact_serial 102$/m);
    expect(JSON.parse((await get(`/v1/route?${CALL}`)).body)).toMatchObject({ status: 302, serial: 102 });
    const r = await admin('/v1/admin/reload');
    expect(r.status).toBe(422);
    expect(await r.json()).toMatchObject({ ok: false, serial: 102 });
    expect(s.stderr()).toContain('artefact refused');
  });

  it('drains: not ready any more, still answering', async () => {
    expect((await admin('/v1/admin/drain')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    expect(JSON.parse((await get(`/v1/route?${CALL}`)).body).status).toBe(302);
  });

  it('exits 0 on SIGTERM', async () => {
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('"msg":"stopped"');
  });
});

describe('dialplane serve refuses to start badly', () => {
  it('without a token when the admin listener is asked for', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN, ROOT } = await import('../support/serve.js');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--artefact', 'nothing.dpa', '--admin', '127.0.0.1:1'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DIALPLANE_ADMIN_TOKEN: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs a token');
  });

  it('without a valid artefact', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN, ROOT } = await import('../support/serve.js');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--artefact', '/nonexistent/x.dpa', '--sip', 'off', '--http', 'off', '--admin', 'off'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no valid artefact');
  });
});
