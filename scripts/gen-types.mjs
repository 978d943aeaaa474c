#!/usr/bin/env node
// Regenerates schemas/types.ts from the JSON Schemas: the schemas are the single source of truth,
// and test/schemas.test.ts fails when the committed types are stale.
// Usage: node scripts/gen-types.mjs [--check]
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compile } from 'json-schema-to-typescript';

const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));
export const DOCUMENT_SCHEMAS = [
  'network', 'carrier', 'carrier-card', 'customer-card', 'customer',
  'prefix-set', 'number-list', 'schedule', 'route-test',
];

export async function generateTypes() {
  const parts = [
    '/* eslint-disable */',
    '// Generated from schemas/*.schema.json by scripts/gen-types.mjs — do not edit by hand.',
    '// Run `npm run schemas` after changing a schema.',
    '',
  ];
  const schemas = [];
  for (const name of ['defs', ...DOCUMENT_SCHEMAS]) {
    schemas.push(JSON.parse(await readFile(path.join(schemasDir, `${name}.schema.json`), 'utf8')));
  }
  // Every definition becomes one named type; a $ref becomes a reference to that name (tsType), so
  // a property's own description stays on the property instead of spawning a numbered copy.
  const named = [];
  for (const schema of schemas) {
    for (const [name, def] of Object.entries(schema.definitions ?? {})) named.push([name, def]);
  }
  const documents = schemas.slice(1).map((s) => [s.title, { ...s, definitions: undefined }]);
  for (const [name, def] of [...documents, ...named]) {
    const ts = await compile({ ...refsToNames(def), title: name }, name, {
      bannerComment: '',
      additionalProperties: false,
      declareExternallyReferenced: false,
      strictIndexSignatures: false,
      format: true,
      style: { singleQuote: true, printWidth: 100 },
    });
    parts.push(ts.trim(), '');
  }
  return parts.join('\n');
}

function refsToNames(node) {
  if (Array.isArray(node)) return node.map(refsToNames);
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const { $ref, ...rest } = node;
    return { ...rest, tsType: $ref.slice($ref.lastIndexOf('/') + 1) };
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = refsToNames(v);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generateTypes();
  const target = path.join(schemasDir, 'types.ts');
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('schemas/types.ts is stale: run `npm run schemas`');
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
