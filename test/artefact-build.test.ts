// `dialplane build` end to end on the demo network: byte-identical twice, atomic, nothing written
// on error.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runBuild } from '../cli/commands/build.js';
import { decodeArtefact } from '../runtime/artefact/decode.js';
import { lookupCall } from '../runtime/artefact/lookup.js';

const routes = path.resolve(import.meta.dirname, '../routes');

async function build(args: string[]): Promise<number> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await runBuild(args);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dialplane build', () => {
  it('builds the demo network twice into identical routing.dpa and manifest.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-build-'));
    const args = ['--serial', '5', '--revision', 'test', '--as-of', '2026-06-01'];
    expect(await build([routes, '-o', path.join(dir, 'a'), ...args])).toBe(0);
    expect(await build([routes, '-o', path.join(dir, 'b'), ...args])).toBe(0);
    const a = readFileSync(path.join(dir, 'a', 'routing.dpa'));
    expect(a.equals(readFileSync(path.join(dir, 'b', 'routing.dpa')))).toBe(true);
    expect(readFileSync(path.join(dir, 'a', 'manifest.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'b', 'manifest.json'), 'utf8'));
    expect(readdirSync(path.join(dir, 'a')).sort()).toEqual(['manifest.json', 'routing.dpa']);
    const artefact = decodeArtefact(a);
    expect(artefact.serial).toBe(5);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'a', 'manifest.json'), 'utf8'));
    expect(manifest.contentHash).toBe(artefact.contentHash);
    const r = lookupCall(artefact, 'acme-voip', '447911123456');
    expect(r.ok && r.result.entry?.candidates.length).toBeGreaterThan(0);
  }, 300_000); // two real builds: 56 s on a loaded 2-core machine

  it('writes nothing and leaves the previous artefact untouched when the repository has errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-build-'));
    writeFileSync(path.join(dir, 'routing.dpa'), 'previous');
    expect(await build([path.join(dir, 'no-such-repo'), '-o', dir])).toBe(1);
    expect(readFileSync(path.join(dir, 'routing.dpa'), 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['routing.dpa']);
    expect(await build([path.join(dir, 'no-such-repo'), '-o', path.join(dir, 'fresh')])).toBe(1);
    expect(existsSync(path.join(dir, 'fresh'))).toBe(false);
  });
});
