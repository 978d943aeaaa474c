// The sipp line `dialplane serve --hints` prints (the one the README's `npm start` shows) run as
// printed against a real `dialplane serve`: every call must end in a 302, none may fail.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, ROOT, startServe, stopServe, type Served } from '../support/serve.js';

const SIPP = ['/usr/bin/sipp', '/usr/local/bin/sipp'].find((p) => existsSync(p));

describe.skipIf(!SIPP)('sipp against dialplane serve (skipped: sipp is not installed; .ci/run installs sip-tester)', () => {
  let dir = '';
  let s: Served;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-serve-sipp-'));
    s = await startServe(buildDemo(dir, 7));
  }, 180_000); // may be the run's one demo build (buildDemo): a minute on a loaded machine

  afterAll(async () => {
    await stopServe(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the printed sipp line gets 302s with no failed call', async () => {
    const line = s.stdout().split('\n').map((l) => l.trim()).find((l) => l.startsWith('sipp '));
    expect(line).toBeDefined();
    expect(line).toContain(`127.0.0.1:${s.sip}`);
    const stf = join(dir, 'stat.csv');
    const args = [...line!.split(/\s+/).slice(1), '-nostdin', '-trace_stat', '-stf', stf, '-timeout', '30', '-timeout_error'];
    const proc = spawn(SIPP!, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
    proc.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    const code = await new Promise<number | null>((ok) => proc.on('close', ok));
    const csv = readFileSync(stf, 'utf8').trim().split('\n');
    const head = csv[0]!.split(';');
    const last = csv[csv.length - 1]!.split(';');
    const successful = Number(last[head.indexOf('SuccessfulCall(C)')]);
    const failed = Number(last[head.indexOf('FailedCall(C)')]);
    expect({ code, successful, failed }, output.slice(-2000)).toEqual({ code: 0, successful: 10, failed: 0 });
    const m = await (await fetch(`${s.base}/metrics`)).text();
    expect(m).toMatch(/^dialplane_decisions_total\{channel="sip",status="302",outcome="routed"\} 10$/m);
  });
});
