import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { generateTypes } from '../scripts/gen-types.mjs';

const dir = new URL('../schemas/', import.meta.url);

describe('JSON Schemas', () => {
  it('generated schemas/types.ts is up to date (run `npm run schemas` when this fails)', async () => {
    const current = readFileSync(new URL('types.ts', dir), 'utf8');
    expect(await (generateTypes as () => Promise<string>)()).toBe(current);
  });

  it('describe every property, so editors show help on hover', () => {
    const missing: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [key, prop] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          if (typeof prop.description !== 'string' || prop.description.length < 10) missing.push(`${where}.${key}`);
          visit(prop, `${where}.${key}`);
        }
      }
      for (const key of ['items', 'additionalProperties', 'definitions', 'anyOf', 'oneOf']) {
        const child = n[key];
        if (Array.isArray(child)) child.forEach((c, i) => visit(c, `${where}.${key}[${i}]`));
        else if (key === 'definitions' && child) for (const [k, v] of Object.entries(child)) visit(v, `${where}#${k}`);
        else visit(child, `${where}.${key}`);
      }
    };
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
      visit(JSON.parse(readFileSync(new URL(file, dir), 'utf8')), file);
    }
    expect(missing).toEqual([]);
  });

  it('define the shared types once, in defs.schema.json', () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json') && f !== 'defs.schema.json')) {
      const schema = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { definitions?: Record<string, unknown> };
      for (const shared of ['Money', 'Prefix', 'Cidr', 'Regex', 'Duration']) {
        expect(schema.definitions?.[shared], `${file} redefines ${shared}`).toBeUndefined();
      }
    }
  });
});
