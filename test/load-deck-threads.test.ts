// CSV decks read on worker threads (compiler/load/deck-pool.ts) must give exactly what reading them
// on the main thread gives: every diagnostic with its message, in the same order, under the same
// cap. Workers run compiled code, so this test drives dist/ (`npm test` compiles first).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.join(ROOT, 'test', 'corpus');
const PIPELINE = path.join(ROOT, 'dist', 'compiler', 'pipeline.js');
// The cases about decks (every case holds _valid's two CSV decks and one IME deck, so the others
// read decks too, but a TypeScript case costs seconds and says nothing more here).
const CASES = readdirSync(CORPUS, { withFileTypes: true })
  .filter((e) => e.isDirectory() && /^(_valid|csv-|ime-|money-|ref-deck|schema-bad-money|stray-file)/.test(e.name))
  .map((e) => e.name)
  .sort();

type Check = (dir: string, options: { deckThreads: 'always' | 'never'; maxDiagnostics?: number }) => Promise<{
  bag: { items: unknown[]; dropped: Map<string, number>; errors: number; warnings: number };
  repo?: { decks: Map<string, { rows: unknown }> };
}>;

async function both(check: Check, name: string, maxDiagnostics?: number) {
  const run = async (deckThreads: 'always' | 'never') => {
    const { bag, repo } = await check(path.join(CORPUS, name), { deckThreads, maxDiagnostics });
    const decks = repo ? [...repo.decks].map(([id, d]) => [id, d.rows]) : [];
    return { items: bag.items, dropped: [...bag.dropped], errors: bag.errors, warnings: bag.warnings, decks };
  };
  return { threads: await run('always'), main: await run('never') };
}

// One test per case (each a few seconds of CPU; the first also loads the pipeline and starts
// the worker pool: 34 s at a load of 14 on 2 cores): one test for all of them took 120 s of its
// 180 s limit on a loaded 2-core machine.
describe.skipIf(!existsSync(PIPELINE))('CSV decks on worker threads', () => {
  const pipeline = () => import(PIPELINE) as Promise<{ checkRepository: Check }>;

  describe('give the same rows and diagnostics as on the main thread, for the corpus cases about decks', () => {
    for (const name of CASES) {
      it(name, async () => {
        const { threads, main } = await both((await pipeline()).checkRepository, name);
        expect(threads, name).toEqual(main);
      }, 120_000);
    }
  });

  describe('and under a small diagnostics cap, with what is dropped counted the same', () => {
    for (const name of CASES.filter((n) => n.startsWith('csv-') || n === '_valid')) {
      it(name, async () => {
        const { threads, main } = await both((await pipeline()).checkRepository, name, 1);
        expect(threads, `${name} max 1`).toEqual(main);
      }, 120_000);
    }
  });
});
