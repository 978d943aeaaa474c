// The puller (runtime/server/pull.ts) against a real local HTTP server (node:http): signature
// first, refusals before the body is requested, a byte cap while streaming, verification before
// the swap, the state dir for a cold start, ETag/304, backoff. Every refusal keeps the last good
// artefact serving and is counted by reason.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey, type SecretKey } from '../compiler/sign/secret-key.js';
import { ArtefactHolder } from '../runtime/server/artefact-holder.js';
import { lookupDecider } from '../runtime/server/lookup-decider.js';
import { Metrics } from '../runtime/server/metrics.js';
import { ArtefactPuller, type PullerOptions } from '../runtime/server/pull.js';
import { ArtefactServer, sign, tamper, withSerial } from './support/artefact-server.js';
import { buildDemo } from './support/serve.js';

/** Resolves once `ok()` holds; polls it every 10 ms for up to `ms`. */
async function until(ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// One story in order: each test starts from the puller, holder and server state the one before
// left (serials only go up). shuffle: false keeps that order even under --sequence.shuffle.
describe('pulling artefacts over HTTP', { shuffle: false }, () => {
  let dir = '';
  let base: Uint8Array;
  let key: SecretKey;
  const server = new ArtefactServer();
  let holder: ArtefactHolder;
  let metrics: Metrics;
  let puller: ArtefactPuller;
  let stateDir = '';
  const art = (serial: number) => withSerial(base, serial);
  const publish = (bytes: Uint8Array, sig = sign(bytes, key)) => server.publish(bytes, sig);
  const make = (o: Partial<PullerOptions> & { stateDir: string }) => {
    const m = new Metrics();
    const h = new ArtefactHolder({ path: join(o.stateDir, 'unused.dpa'), factory: lookupDecider, metrics: m, signature: { keys: [key.public] } });
    // A generous request limit: only the timeout test is about it, and it sets its own.
    const p = new ArtefactPuller({ url: server.url, keys: [key.public], holder: h, metrics: m, pollMs: 50, timeoutMs: 20_000, ...o });
    return { h, m, p };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-pull-'));
    base = new Uint8Array(readFileSync(buildDemo(join(dir, 'build'), 100)));
    key = generateSecretKey();
    await server.start();
    stateDir = join(dir, 'state');
    ({ h: holder, m: metrics, p: puller } = make({ stateDir }));
  }, 180_000); // may be the run's one demo build (buildDemo): a minute on a loaded machine
  afterAll(async () => {
    puller?.stop();
    await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('activates a signed artefact from the server and keeps it with its signature in the state dir', async () => {
    publish(art(100));
    await puller.pollOnce();
    expect(holder.active?.serial).toBe(100);
    expect(holder.active?.source).toBe(server.url);
    const pointer = JSON.parse(readFileSync(join(stateDir, 'current'), 'utf8'));
    expect(pointer.serial).toBe(100);
    expect(existsSync(join(stateDir, pointer.file))).toBe(true);
    expect(existsSync(join(stateDir, pointer.file + '.minisig'))).toBe(true);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('.download-'))).toEqual([]);
    expect(puller.status()).toMatchObject({ stateSerial: 100, lastError: null });
    expect(puller.status().lastSuccessAt).not.toBeNull();
  });

  it('asks with If-None-Match and downloads nothing while the signature is unchanged (304)', async () => {
    const bodies = server.bodyRequests();
    await puller.pollOnce();
    await puller.pollOnce();
    expect(server.requests.slice(-2)).toEqual([{ path: '/routing.dpa.minisig', status: 304 }, { path: '/routing.dpa.minisig', status: 304 }]);
    expect(server.bodyRequests()).toBe(bodies);
    expect(holder.active?.serial).toBe(100);
  });

  it('refuses an older serial (rollback) from its signature alone, never requesting the body, and counts it once', async () => {
    const bodies = server.bodyRequests();
    publish(art(90));
    await puller.pollOnce();
    await puller.pollOnce(); // the refused signature's ETag is remembered: a 304, not a second refusal
    expect(holder.active?.serial).toBe(100);
    expect(server.bodyRequests()).toBe(bodies);
    expect(puller.refusals.get('rollback')).toBe(1);
    expect(puller.status().lastError).toMatchObject({ reason: 'rollback' });
    expect(metrics.render()).toContain('dialplane_pull_refusals_total{reason="rollback"} 1');
  });

  it('refuses a tampered artefact after downloading it, keeps serving, and leaves the state dir alone', async () => {
    const good = art(110);
    publish(tamper(good), sign(good, key));
    await puller.pollOnce();
    expect(holder.active?.serial).toBe(100);
    expect(puller.refusals.get('bad-signature')).toBe(1);
    expect(JSON.parse(readFileSync(join(stateDir, 'current'), 'utf8')).serial).toBe(100);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('.download-'))).toEqual([]);
  });

  it('refuses an expired artefact from its signature, without downloading it', async () => {
    const bodies = server.bodyRequests();
    const a = art(120);
    publish(a, sign(a, key, -1000));
    await puller.pollOnce();
    expect(holder.active?.serial).toBe(100);
    expect(puller.refusals.get('expired')).toBe(1);
    expect(server.bodyRequests()).toBe(bodies);
  });

  it('refuses a signature from an unknown key and garbage where the signature should be', async () => {
    const a = art(125);
    publish(a, sign(a, generateSecretKey()));
    await puller.pollOnce();
    expect(puller.refusals.get('unknown-key')).toBe(1);
    server.misbehave.set('/routing.dpa.minisig', { kind: 'garbage' });
    await puller.pollOnce();
    server.misbehave.clear();
    expect(puller.refusals.get('malformed-signature')).toBe(1);
    expect(holder.active?.serial).toBe(100);
  });

  it('refuses an artefact whose signed size is over the cap without requesting the body', async () => {
    const small = make({ stateDir: join(dir, 'state-small'), maxBytes: 1024 * 1024 });
    const a = art(130);
    publish(a);
    const bodies = server.bodyRequests();
    await small.p.pollOnce();
    expect(small.p.refusals.get('too-large')).toBe(1);
    expect(server.bodyRequests()).toBe(bodies);
    expect(small.h.active).toBeUndefined();
  });

  it('stops a body that runs past its signed size while streaming (no Content-Length), and one that announces more', async () => {
    const a = art(140);
    const longer = new Uint8Array(a.length + 4 * 1024 * 1024);
    longer.set(a);
    publish(longer, sign(a, key)); // the signature describes `a`; the server sends 4 MiB more
    server.misbehave.set('/routing.dpa', { kind: 'no-length' });
    await puller.pollOnce();
    expect({ ...Object.fromEntries(puller.refusals), ...Object.fromEntries(puller.errors) }).toMatchObject({ 'too-large': 1 });
    server.misbehave.clear();
    await puller.pollOnce(); // Content-Length now says too much: refused before reading
    expect(puller.refusals.get('too-large')).toBe(2);
    expect(holder.active?.serial).toBe(100);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('.download-'))).toEqual([]);
  });

  it('refuses a truncated body, then takes the same artefact when the server sends it whole', async () => {
    const a = art(150);
    publish(a);
    server.misbehave.set('/routing.dpa', { kind: 'truncate', bytes: 1_000_000 });
    await puller.pollOnce();
    expect(puller.refusals.get('truncated')).toBe(1);
    expect(holder.active?.serial).toBe(100);
    server.misbehave.clear();
    await puller.pollOnce(); // not final: the same signature is fetched again and the body retried
    expect(holder.active?.serial).toBe(150);
    expect(JSON.parse(readFileSync(join(stateDir, 'current'), 'utf8')).serial).toBe(150);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('artefact-'))).toHaveLength(2); // one pair, older ones removed
  });

  it('accepts a gzip-encoded body, judging its size by the decoded bytes', async () => {
    const a = art(152);
    publish(a);
    server.misbehave.set('/routing.dpa', { kind: 'gzip' });
    await puller.pollOnce();
    server.misbehave.clear();
    expect(holder.active?.serial).toBe(152);
  });

  it('keeps serving through 500s, a slow server (timeout) and a server that is down, counting each error', async () => {
    server.misbehave.set('*', { kind: 'status', status: 500 });
    await puller.pollOnce();
    expect(puller.errors.get('http-status')).toBe(1);
    server.misbehave.set('*', { kind: 'slow', ms: 1500 });
    const slow = make({ stateDir: join(dir, 'state-slow'), timeoutMs: 300 });
    await slow.p.pollOnce();
    expect(slow.p.errors.get('timeout')).toBe(1);
    server.misbehave.set('*', { kind: 'slow', ms: 150 });
    const patient = make({ stateDir: join(dir, 'state-patient'), timeoutMs: 20_000 });
    await patient.p.pollOnce();
    expect(patient.h.active?.serial).toBe(152); // slow but within the limit: fine
    server.misbehave.clear();
    const port = server.port;
    await server.stop();
    await puller.pollOnce();
    await puller.pollOnce();
    expect(puller.errors.get('unreachable')).toBe(2);
    expect(puller.status()).toMatchObject({ consecutiveErrors: 3, lastError: { reason: 'unreachable' } });
    expect(holder.active?.serial).toBe(152);
    await server.start(port);
    await puller.pollOnce();
    expect(puller.status().consecutiveErrors).toBe(0);
  });

  it('answers an admin reload in pull mode with a poll: unchanged, then the refusal reason', async () => {
    const same = await puller.reloadNow();
    expect(same).toMatchObject({ ok: true, changed: false });
    const a = art(90);
    publish(a, sign(a, key));
    const refused = await puller.reloadNow();
    expect(refused).toMatchObject({ ok: false, code: 'rollback' });
    expect(holder.active?.serial).toBe(152);
  });

  it('backs off exponentially while the server fails, instead of polling every period', async () => {
    // The jitter held at its top: after 1, 2, 3 errors the puller waits 100, 200, 400 ms
    // (pollMs · 2^n), where a steady poll would wait 50. Timers do not fire early, so a slow
    // machine can only lengthen the gaps; counting polls in a fixed window could not tell.
    // Its own URL (the server ignores the query) tells its requests from any other in the log.
    server.misbehave.set('*', { kind: 'status', status: 503 });
    const b = make({ stateDir: join(dir, 'state-backoff'), url: `${server.url}?puller=backoff`, pollMs: 50, random: () => 0.999_999 });
    b.p.start();
    try {
      await until(() => (b.p.errors.get('http-status') ?? 0) >= 4);
    } finally {
      b.p.stop();
      server.misbehave.clear();
    }
    const mine = server.requests.map((r, i) => ({ ...r, at: server.requestTimes[i]! })).filter((r) => r.query === 'puller=backoff').slice(0, 4);
    expect(mine.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    const at = mine.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => Math.round(t - at[i]!));
    expect(gaps[0], `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(90);
    expect(gaps[1], `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(180);
    expect(gaps[2], `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(360);
  });

  it('cold-starts from the state dir while the server is down, verifying it again', async () => {
    const port = server.port;
    await server.stop();
    const c = make({ stateDir });
    expect(await c.p.coldStart()).toBe(true);
    expect(c.h.active?.serial).toBe(152);
    expect(c.h.active?.source).toMatch(/^state-dir:/);
    await c.p.pollOnce();
    expect(c.p.errors.get('unreachable')).toBe(1);
    expect(c.h.active?.serial).toBe(152);
    await server.start(port);
  });

  it('refuses to cold-start from an expired or altered state dir artefact, and treats its serial as the rollback floor', async () => {
    const sd = join(dir, 'state-expired');
    mkdirSync(sd);
    const a = art(160);
    writeFileSync(join(sd, 'artefact-160-aaaa.dpa'), a);
    writeFileSync(join(sd, 'artefact-160-aaaa.dpa.minisig'), sign(a, key, -1000));
    writeFileSync(join(sd, 'current'), JSON.stringify({ file: 'artefact-160-aaaa.dpa', serial: 160, sha256: 'aaaa' }));
    const c = make({ stateDir: sd });
    expect(await c.p.coldStart()).toBe(false);
    expect(c.p.refusals.get('expired')).toBe(1);
    expect(c.h.active).toBeUndefined();
    publish(art(155)); // newer than what serves elsewhere, older than this node's disk
    await c.p.pollOnce();
    expect(c.p.refusals.get('rollback')).toBe(1);
    const sd2 = join(dir, 'state-altered');
    mkdirSync(sd2);
    writeFileSync(join(sd2, 'artefact-160-aaaa.dpa'), tamper(a));
    writeFileSync(join(sd2, 'artefact-160-aaaa.dpa.minisig'), sign(a, key));
    writeFileSync(join(sd2, 'current'), JSON.stringify({ file: 'artefact-160-aaaa.dpa', serial: 160, sha256: 'aaaa' }));
    const d = make({ stateDir: sd2 });
    expect(await d.p.coldStart()).toBe(false);
    expect(d.p.refusals.get('bad-signature')).toBe(1);
  });

  it('backs off a refused body per signature, so the next good publish is taken at the normal poll rate', async () => {
    // A held clock: the second poll lands inside the body's backoff however slow the machine is.
    const clock = Date.now();
    const sd = join(dir, 'state-body-backoff');
    mkdirSync(sd);
    const { h, p } = make({ stateDir: sd, now: () => clock });
    const bad = art(900);
    publish(tamper(bad), sign(bad, key));
    await p.pollOnce(true);
    expect(p.refusals.get('bad-signature')).toBe(1);
    expect(p.status().consecutiveErrors).toBe(0); // the poll interval itself stays at its default
    const downloads = p.downloads;
    await p.pollOnce(true); // same signature, inside its backoff: the body is not fetched again
    expect(p.downloads).toBe(downloads);
    await p.pollOnce(false); // an explicit poll (admin reload) retries the body at once
    expect(p.downloads).toBe(downloads + 1);
    const good = art(901);
    publish(good);
    await p.pollOnce(true);
    expect(h.active?.serial).toBe(901);
  });
});
