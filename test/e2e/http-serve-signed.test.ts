// `dialplane serve --public-key`: only artefacts signed by that key (dialplane keygen / sign) are
// activated. A new artefact whose signature has not arrived yet is refused, then activated when
// the signature lands; an older serial (rollback) and an unsigned file are refused.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildDemo, ROOT, startServe, stopServe, type Served } from '../support/serve.js';

function cli(...args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dialplane ${args.join(' ')}: ${r.stderr}${r.stdout}`);
}

// In order: each test starts from the serial the one before activated (shuffle: false).
describe('dialplane serve with required signatures', { shuffle: false }, () => {
  let dir = '';
  let s: Served;
  const art: Record<number, string> = {};
  let live = '';

  const put = (from: string, to: string) => { copyFileSync(from, to + '.tmp'); renameSync(to + '.tmp', to); };
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${s.base}/metrics`)).text())?.[1]);
  const waitFor = async (name: string, value: number) => {
    const until = Date.now() + 30_000;
    while ((await metric(name)) !== value && Date.now() < until) await new Promise((ok) => setTimeout(ok, 50));
    return metric(name);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-signed-'));
    cli('keygen', '-o', join(dir, 'keys'));
    for (const serial of [21, 22, 23]) {
      art[serial] = buildDemo(join(dir, `a${serial}`), serial);
      if (serial !== 23) cli('sign', art[serial]!, '--key', join(dir, 'keys/dialplane.key'));
    }
    live = join(dir, 'live.dpa');
    put(art[21]! + '.minisig', live + '.minisig');
    put(art[21]!, live);
    s = await startServe(live, ['--limits', 'off', '--public-key', join(dir, 'keys/dialplane.pub')]);
  }, 240_000); // keygen, two signs and maybe the run's one demo build: minutes on a loaded machine

  afterAll(async () => {
    await stopServe(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the signed artefact', async () => {
    expect(await metric('dialplane_artefact_serial')).toBe(21);
  });

  it('refuses a new artefact until its signature arrives, then activates it', async () => {
    put(art[22]!, live); // the artefact first, its signature still the old one's
    expect(await waitFor('dialplane_artefact_refusals_total', 1)).toBe(1);
    expect(await metric('dialplane_artefact_serial')).toBe(21);
    put(art[22]! + '.minisig', live + '.minisig');
    expect(await waitFor('dialplane_artefact_serial', 22)).toBe(22);
  });

  it('refuses a rollback to an older signed serial and an unsigned artefact', async () => {
    put(art[21]! + '.minisig', live + '.minisig');
    put(art[21]!, live);
    expect(await waitFor('dialplane_artefact_refusals_total', 2)).toBeGreaterThanOrEqual(2);
    // The signature may land first and be refused on its own (with the old artefact): wait for
    // the rollback refusal itself, not for a time.
    const until = Date.now() + 30_000;
    while (!s.stderr().includes('"code":"rollback"') && Date.now() < until) await new Promise((ok) => setTimeout(ok, 50));
    expect(s.stderr()).toContain('"code":"rollback"');
    expect(await metric('dialplane_artefact_serial')).toBe(22);
    // Counted before the file lands: a fast refusal must not happen before the count is read.
    const before = await metric('dialplane_artefact_refusals_total');
    put(art[23]!, live);
    expect(await waitFor('dialplane_artefact_refusals_total', before + 1)).toBeGreaterThan(before);
    expect(await metric('dialplane_artefact_serial')).toBe(22);
    expect(JSON.parse(await (await fetch(`${s.base}/v1/route?src=127.0.0.1&to=447400123456`)).text())).toMatchObject({ status: 302, serial: 22 });
  });
});
