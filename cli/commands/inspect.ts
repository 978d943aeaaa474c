// `dialplane inspect <file.dpa> [--json]`: header and section summary of an artefact, after the
// same validation a runtime node does before serving it.
import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { ArtefactError, decodeArtefact, type Artefact } from '../../runtime/artefact/decode.js';
import * as F from '../../runtime/artefact/format.js';

export async function loadArtefactFile(file: string, command: string): Promise<Artefact | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    process.stderr.write(`dialplane ${command}: cannot read ${file}: ${(err as Error).message}\n`);
    return undefined;
  }
  try {
    return decodeArtefact(bytes);
  } catch (err) {
    if (!(err instanceof ArtefactError)) throw err;
    process.stderr.write(`dialplane ${command}: ${file} is not a usable artefact (${err.code}): ${err.message}\n`);
    return undefined;
  }
}

export function describeArtefact(a: Artefact) {
  const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
  const tables = [];
  for (let t = 0; t < a.counts.tables; t++) {
    const T = F.TABLE;
    const card = a.tables[t * T.width + T.at.card]!;
    tables.push({
      card: a.string(a.cards[card * F.CARD.width + F.CARD.at.id]!),
      strategy: F.STRATEGIES[a.tables[t * T.width + T.at.strategy]!],
      prefixes: a.tables[t * T.width + T.at.prefixes]!,
      beforeCompaction: a.tables[t * T.width + T.at.keys]!,
      trieNodes: a.tables[t * T.width + T.at.nodeCount]!,
    });
  }
  return {
    format: `${a.major}.${a.minor}`,
    bytes: a.bytes.length,
    serial: a.serial,
    revision: a.revision,
    contentHash: a.contentHash,
    effectiveFrom: iso(a.effectiveFrom),
    effectiveUntil: iso(a.effectiveUntil),
    sections: a.sections.map((s) => ({ name: s.name, offset: s.offset, bytes: s.length, count: s.count })),
    tables,
  };
}

const INSPECT_HELP = `usage: dialplane inspect <file.dpa> [--json]

  Header, sections and tables of an artefact, after every check a runtime node makes.
  --json                   the same as JSON
`;

export async function runInspect(argv: string[]): Promise<number> {
  const args = parseCommandArgs('inspect', argv, { json: { type: 'boolean', default: false } }, INSPECT_HELP, 2, 1);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const file = positionals[0];
  if (!file) {
    process.stderr.write(`dialplane inspect: give the artefact to read\n\n${INSPECT_HELP}`);
    return 2;
  }
  const a = await loadArtefactFile(file, 'inspect');
  if (!a) return 1;
  const d = describeArtefact(a);
  if (values.json) {
    process.stdout.write(JSON.stringify(d, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `${file}: dialplane artefact format ${d.format}, ${d.bytes} bytes`,
    `  serial        ${d.serial}`,
    `  revision      ${d.revision || '(none)'}`,
    `  content hash  ${d.contentHash} (verified)`,
    `  effective     ${d.effectiveFrom ?? 'always'} … ${d.effectiveUntil ?? 'no later deck change'}`,
    '',
    '  section        offset        bytes      count',
    ...d.sections.map((s) => `  ${s.name.padEnd(12)} ${String(s.offset).padStart(8)} ${String(s.bytes).padStart(12)} ${String(s.count).padStart(10)}`),
    '',
    '  table  card                      strategy      prefixes  (before compaction)  trie nodes',
    ...d.tables.map((t, i) => `  ${String(i).padStart(5)}  ${t.card.padEnd(25)} ${String(t.strategy).padEnd(12)} ${String(t.prefixes).padStart(9)}  ${String(t.beforeCompaction).padStart(19)}  ${String(t.trieNodes).padStart(10)}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
