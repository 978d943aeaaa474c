// `dialplane test` and `dialplane explain` on the demo network: the shipped suite passes through
// the runtime engine; a wrong expectation fails with the decision trace, in every output format.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runTest } from '../cli/commands/test.js';
import { runExplain } from '../cli/commands/explain.js';
import { runBuild } from '../cli/commands/build.js';

const routes = path.resolve(import.meta.dirname, '../routes');
const temp = mkdtempSync(path.join(tmpdir(), 'dp-route-tests-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('dialplane test', () => {
  it('passes every case the demo network ships (routes/tests/*.yaml), exit 0', async () => {
    const r = await capture(() => runTest([routes, '--format', 'json']));
    const report = JSON.parse(r.out);
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThanOrEqual(44);
    expect(r.code).toBe(0);
  }, 180_000); // 31 s on a loaded 2-core machine

  it('fails a wrong expectation with exit 1, prints ✗, what differed and the decision trace; junit carries the failure', async () => {
    const repo = path.join(temp, 'routes');
    cpSync(routes, repo, { recursive: true });
    const file = path.join(repo, 'tests', 'localtest.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('carriers: [kestrel, albion, northwind, rheinwelle]', 'carriers: [albion, kestrel, northwind, rheinwelle]'));
    const human = await capture(() => runTest([repo, '--filter', 'Indian mobile']));
    expect(human.code).toBe(1);
    expect(human.out).toContain('✗ Indian mobile');
    expect(human.out).toContain('carriers: expected [albion, kestrel, northwind, rheinwelle], got [kestrel, albion, northwind, rheinwelle]');
    expect(human.out).toMatch(/source 127\.0\.0\.1 → customer localtest/);
    expect(human.out).toContain('0 passed, 1 failed');
    const junit = await capture(() => runTest([repo, '--format', 'junit', '--filter', 'Indian mobile']));
    expect(junit.code).toBe(1);
    expect(junit.out).toMatch(/<testsuites name="dialplane route tests" tests="1" failures="1"/);
    expect(junit.out).toMatch(/<failure message="carriers: expected/);
  }, 120_000);
});

describe('dialplane explain', () => {
  it('prints the decision and its trace for one call against a built artefact', async () => {
    const out = path.join(temp, 'build');
    expect((await capture(() => runBuild([routes, '-o', out, '--serial', '1', '--revision', 'test']))).code).toBe(0);
    const r = await capture(() => runExplain(['--artefact', path.join(out, 'routing.dpa'), '--src', '203.0.113.50', '--to', '7001493012345678', '--from', '442079460999']));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^302 Moved Temporarily/);
    expect(r.out).toContain('tech prefix 7001');
    expect(r.out).toMatch(/route uk: dial string does not accept/);
    expect(r.out).toContain('→ ingress route rest-of-world');
    expect(r.out).toMatch(/strategy weighted/);
    const json = await capture(() => runExplain(['--artefact', path.join(out, 'routing.dpa'), '--src', '192.0.2.99', '--to', '447400123456', '--json']));
    expect(JSON.parse(json.out)).toMatchObject({ status: 403, reason: 'IP Not Authorised' });
  }, 180_000); // a real build: 19 s on a loaded 2-core machine
});
