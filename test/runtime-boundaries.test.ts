// The serving half carries only what serving needs: the SIP server and the engine primitives
// import Node built-ins and each other, never the compiler and no npm package.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

describe('runtime/sip and runtime/engine dependencies', () => {
  const files = [...sources('runtime/sip'), ...sources('runtime/engine')];

  it('finds the modules', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  for (const file of files) {
    it(`${file} imports only node: built-ins and runtime modules`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
      for (const s of specifiers) {
        expect(s.startsWith('node:') || s.startsWith('./') || s.startsWith('../engine/') || s.startsWith('../sip/'), `${file}: ${s}`).toBe(true);
        expect(s, `${file} must not import the compiler`).not.toMatch(/compiler/);
      }
    });
  }
});
