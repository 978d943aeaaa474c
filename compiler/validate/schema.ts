// Phase "validate": every document against its JSON Schema (the single source of truth), every
// ajv error mapped back to the file:line:col that wrote the offending value.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DiagnosticBag } from '../diagnostics.js';
import type { DocumentKind, PathSegment, SourceDocument } from '../source.js';
import { closest } from '../suggest.js';

const KIND_SCHEMAS: Record<DocumentKind, string> = {
  network: 'network',
  carrier: 'carrier',
  'carrier-card': 'carrier-card',
  'customer-card': 'customer-card',
  customer: 'customer',
  'prefix-set': 'prefix-set',
  'number-list': 'number-list',
  schedule: 'schedule',
  'route-test': 'route-test',
};

let validators: Map<DocumentKind, ValidateFunction> | undefined;

/** Compiled once per process: schemas are fixed for the life of the program. */
function getValidators(): Map<DocumentKind, ValidateFunction> {
  if (validators) return validators;
  const dir = findSchemasDir();
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, allowUnionTypes: true });
  const files = ['defs', ...new Set(Object.values(KIND_SCHEMAS))];
  for (const name of files) {
    const schema = JSON.parse(readFileSync(path.join(dir, `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
    ajv.addSchema(schema, `${name}.schema.json`);
  }
  validators = new Map();
  for (const [kind, name] of Object.entries(KIND_SCHEMAS) as [DocumentKind, string][]) {
    validators.set(kind, ajv.getSchema(`${name}.schema.json`)!);
  }
  return validators;
}

/** schemas/ sits at the package root; this file runs from compiler/validate or dist/compiler/validate. */
function findSchemasDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'schemas');
    try {
      readFileSync(path.join(candidate, 'defs.schema.json'));
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error('dialplane: cannot find the schemas/ directory of the package');
}

/** Returns whether the document is valid; reports every problem found. */
export function validateDocument(doc: SourceDocument, bag: DiagnosticBag): boolean {
  const validate = getValidators().get(doc.kind)!;
  if (validate(doc.value)) return true;
  for (const err of pickErrors(validate.errors ?? [])) report(doc, err, bag);
  return false;
}

function report(doc: SourceDocument, err: ErrorObject, bag: DiagnosticBag): void {
  const at = pointerToPath(err.instancePath);
  const where = at.length > 0 ? `${at.join('.')}: ` : '';
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      bag.report('DP2001', doc.locate(at), `${where}missing required property "${missing}"`);
      return;
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closest(extra, allowed);
      const hint = guess ? `; did you mean "${guess}"?` : allowed.length ? `; allowed: ${allowed.join(', ')}` : '';
      bag.report('DP2002', doc.locate([...at, extra], 'key'), `${where}property "${extra}" is not allowed${hint}`);
      return;
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof err.data === 'string' ? closest(err.data, allowed) : undefined;
      bag.report('DP2003', doc.locate(at), `${where}${JSON.stringify(err.data)} is not one of ${allowed.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`);
      return;
    }
    case 'anyOf':
    case 'oneOf': {
      const schema = err.parentSchema as { title?: string; description?: string } | undefined;
      const title = schema?.title ? `a valid ${schema.title}` : 'valid here';
      bag.report('DP2003', doc.locate(at), `${where}${JSON.stringify(err.data)} is not ${title}${schema?.description ? ` (${schema.description})` : ''}`);
      return;
    }
    case 'pattern': {
      const schema = err.parentSchema as { title?: string; description?: string } | undefined;
      const what = schema?.title ?? 'value';
      bag.report('DP2003', doc.locate(at), `${where}${JSON.stringify(err.data)} is not a valid ${what}${schema?.description ? ` (${schema.description})` : ''}`);
      return;
    }
    default:
      bag.report('DP2003', doc.locate(at), `${where}${err.message ?? 'invalid value'}`);
  }
}

/**
 * ajv reports every failing branch of an anyOf/oneOf. Keep one message per place: for a union of
 * scalars (Money, Duration) the union's own error; for a union of objects (a CSV or IME source),
 * the errors of the branch the value most likely meant — the one whose discriminating consts and
 * types matched.
 */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (unions.length === 0) return dedupe(errors);
  const keep = new Set<ErrorObject>(errors);
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of errors) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const isObjectUnion = [...branches.values()].some((list) => list.some((e) => e.instancePath !== union.instancePath || e.keyword === 'required' || e.keyword === 'additionalProperties'));
    if (!isObjectUnion) {
      for (const list of branches.values()) for (const e of list) keep.delete(e);
      continue;
    }
    // Rank branches: a const/type mismatch means the value was not written for that branch.
    const ranked = [...branches.entries()].sort(([, a], [, b]) => score(a, union) - score(b, union));
    keep.delete(union);
    for (const [, list] of ranked.slice(1)) for (const e of list) keep.delete(e);
  }
  return dedupe(errors.filter((e) => keep.has(e)));
}

function score(list: ErrorObject[], union: ErrorObject): number {
  const depth = union.instancePath.split('/').length;
  let s = list.length;
  for (const e of list) {
    const d = e.instancePath.split('/').length;
    if ((e.keyword === 'const' || e.keyword === 'type') && d <= depth + 1) s += 1000;
  }
  return s;
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
