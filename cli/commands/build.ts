// `dialplane build [dir] -o <outdir>`: check, flatten, encode, then write <outdir>/routing.dpa and
// <outdir>/manifest.json atomically (temp files, fsync, rename). On any error nothing is written
// and the previous artefact stays as it was.
import { execFileSync } from 'node:child_process';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { checkRepository } from '../../compiler/pipeline.js';
import { flatten } from '../../compiler/flatten/flatten.js';
import { encodeArtefact, type EncodeStats } from '../../compiler/encode/encode.js';
import { formatDiagnostics } from '../format.js';
import { parseCommandArgs } from '../args.js';
import { FORMAT_MAJOR } from '../../runtime/artefact/format.js';

export const ARTEFACT_FILE = 'routing.dpa';
export const MANIFEST_FILE = 'manifest.json';

const HELP = `usage: dialplane build [dir] -o <outdir> [options]

  -o, --out <dir>      where routing.dpa and manifest.json go (required)
  --serial <n>         artefact serial (default: commit time of HEAD in <dir>, else 0)
  --revision <text>    source revision (default: git commit of HEAD in <dir>, else empty)
  --as-of <time>       ISO time or epoch ms at which deck effective dates are judged
                       (default: SOURCE_DATE_EPOCH, else now; artefacts are identical for any
                       time between two effective dates of the decks)
  --json               print the manifest as JSON instead of a summary
`;

export async function runBuild(argv: string[]): Promise<number> {
  const args = parseCommandArgs('build', argv, {
    out: { type: 'string', short: 'o' },
    serial: { type: 'string' },
    revision: { type: 'string' },
    'as-of': { type: 'string' },
    json: { type: 'boolean', default: false },
  }, HELP);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const out = values.out as string | undefined;
  if (!out) {
    process.stderr.write(`dialplane build: -o <outdir> is required\n\n${HELP}`);
    return 2;
  }
  const dir = positionals[0] ?? 'routes';
  const asOf = parseAsOf(values['as-of'] as string | undefined);
  if (asOf === undefined) {
    process.stderr.write('dialplane build: --as-of must be an ISO date/time or epoch milliseconds\n');
    return 2;
  }
  const git = gitInfo(dir);
  const serial = values.serial !== undefined ? Number(values.serial) : git.time;
  if (!Number.isSafeInteger(serial) || serial < 0) {
    process.stderr.write('dialplane build: --serial must be a whole number ≥ 0\n');
    return 2;
  }
  const revision = (values.revision as string | undefined) ?? git.revision;
  const progress = new Progress(process.stderr.isTTY === true && !values.json, ['check', 'flatten', 'encode', 'write']);

  progress.step('check');
  const { bag, repo } = await checkRepository(dir);
  if (!repo) {
    progress.done();
    const text = formatDiagnostics(bag, path.resolve(dir), 'human', process.stderr.isTTY === true);
    process.stderr.write(`${text}\ndialplane build: not built; nothing was written\n`);
    return 1;
  }
  let bytes: Uint8Array;
  let stats: EncodeStats;
  let window: { effectiveFrom: number; effectiveUntil: number };
  try {
    progress.step('flatten');
    const flat = flatten(repo, { asOf });
    window = { effectiveFrom: flat.effectiveFrom, effectiveUntil: flat.effectiveUntil };
    progress.step('encode');
    ({ bytes, stats } = encodeArtefact(flat, { serial, revision }));
  } catch (err) {
    progress.done();
    process.stderr.write(`dialplane build: ${(err as Error).message}\ndialplane build: not built; nothing was written\n`);
    return 1;
  }
  const manifest = buildManifest(bytes, stats, { serial, revision, ...window }, repo.customers.size);
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  progress.step('write');
  try {
    await writeAtomically(out, [[ARTEFACT_FILE, bytes], [MANIFEST_FILE, new TextEncoder().encode(manifestText)]]);
  } catch (err) {
    progress.done();
    process.stderr.write(`dialplane build: cannot write to ${out}: ${(err as Error).message}\n`);
    return 1;
  }
  progress.done();
  if (values.json) process.stdout.write(manifestText);
  else {
    process.stdout.write(
      `built ${path.join(out, ARTEFACT_FILE)}: ${stats.bytes} bytes, serial ${serial}, revision ${revision || '(none)'}\n` +
      `  ${stats.tables} tables, ${stats.kept} prefixes (${stats.entries - stats.kept} compacted away), ${stats.nodes} trie nodes, ` +
      `${stats.shapes} shapes, ${stats.views} deck views (${stats.viewNodes} nodes), ${stats.rates} rate rows, ` +
      `${stats.bytesPerEntry.toFixed(1)} bytes per (table, prefix) beyond strings\n` +
      `  sha256 ${manifest.sha256}\n`,
    );
    for (const d of bag.sorted().filter((x) => x.severity === 'warning').slice(0, 5)) {
      process.stderr.write(`warning ${d.code} ${d.file}:${d.line}:${d.col}: ${d.message}\n`);
    }
  }
  return 0;
}

export function buildManifest(bytes: Uint8Array, stats: EncodeStats, h: { serial: number; revision: string; effectiveFrom: number; effectiveUntil: number }, customers: number) {
  const count = (name: string) => stats.sections.find((s) => s.name === name)?.count ?? 0;
  return {
    format: `dialplane-artefact/${FORMAT_MAJOR}`,
    file: ARTEFACT_FILE,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    contentHash: Buffer.from(bytes.subarray(64, 96)).toString('hex'),
    serial: h.serial,
    revision: h.revision,
    effectiveFrom: h.effectiveFrom ? new Date(h.effectiveFrom).toISOString() : null,
    effectiveUntil: h.effectiveUntil ? new Date(h.effectiveUntil).toISOString() : null,
    counts: {
      carriers: count('carriers'), gateways: count('gateways'), decks: count('decks'), cards: count('cards'),
      customers, routes: count('routes'), tables: stats.tables, prefixes: stats.kept, compactedAway: stats.entries - stats.kept,
      trieNodes: stats.nodes, shapes: stats.shapes, rates: stats.rates, deckViews: stats.views, deckViewNodes: stats.viewNodes,
    },
    bytesPerPrefix: Math.round(stats.bytesPerEntry * 10) / 10,
    sections: stats.sections.map((s) => ({ name: s.name, bytes: s.bytes, count: s.count })),
  };
}

/** Writes every file to a temp name, fsyncs, then renames each into place. */
export async function writeAtomically(dir: string, files: [string, Uint8Array][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temps: string[] = [];
  try {
    for (const [name, data] of files) {
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      temps.push(tmp);
      const fh = await open(tmp, 'w', 0o644);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    for (let i = 0; i < files.length; i++) await rename(temps[i]!, path.join(dir, files[i]![0]));
  } catch (err) {
    for (const t of temps) await rm(t, { force: true });
    throw err;
  }
}

function parseAsOf(text: string | undefined): number | undefined {
  if (text === undefined) {
    const epoch = process.env.SOURCE_DATE_EPOCH;
    if (epoch && /^\d+$/.test(epoch)) return Number(epoch) * 1000;
    return Date.now();
  }
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

function gitInfo(dir: string): { revision: string; time: number } {
  try {
    const out = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%H %ct'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const [revision = '', time = '0'] = out.split(' ');
    return { revision, time: Number(time) || 0 };
  } catch {
    return { revision: '', time: 0 };
  }
}

/** One line of stage progress on a TTY; silent otherwise. */
class Progress {
  private start = Date.now();
  private index = 0;
  constructor(private readonly on: boolean, private readonly stages: string[]) {}
  step(name: string): void {
    if (!this.on) return;
    this.index = this.stages.indexOf(name);
    const width = 20;
    const filled = Math.round((this.index / this.stages.length) * width);
    const bar = '='.repeat(filled) + '>' + ' '.repeat(width - filled);
    process.stderr.write(`\r\x1b[2K[${bar}] ${name} (${this.index + 1}/${this.stages.length}) ${((Date.now() - this.start) / 1000).toFixed(1)}s`);
  }
  done(): void {
    if (this.on) process.stderr.write('\r\x1b[2K');
  }
}
