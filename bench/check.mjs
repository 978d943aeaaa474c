#!/usr/bin/env node
// `npm run bench:check`: `dialplane check` on 10 carriers × 300k deck rows (3M rows from real
// prefixes). Prints one table: the check's wall time and peak RSS, next to a peer measured in the
// same run — node:readline streaming the same CSV files and splitting every line, the I/O floor
// any CSV validator stands on.
import { spawnSync } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRepository } from './gen-repo.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const carriers = Number(process.env.BENCH_CARRIERS ?? 10);
const rowsPerDeck = Number(process.env.BENCH_ROWS ?? 300_000);
const dir = path.join(here, '.cache', `repo-${carriers}x${rowsPerDeck}`);

const t0 = performance.now();
await generateRepository(dir, { carriers, rowsPerDeck });
console.error(`repository ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);

const csvs = readdirSync(path.join(dir, 'carrier-cards')).filter((f) => f.endsWith('.csv')).map((f) => path.join(dir, 'carrier-cards', f));
const bytes = csvs.reduce((n, f) => n + statSync(f).size, 0);

// dialplane check, in its own process so its peak RSS is its own.
const child = `
  const { checkRepository } = await import(${JSON.stringify(path.join(here, '..', 'dist', 'compiler', 'pipeline.js'))});
  const t = performance.now();
  const { bag } = await checkRepository(${JSON.stringify(dir)});
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, rssKb: process.resourceUsage().maxRSS, errors: bag.errors, warnings: bag.warnings, first: bag.sorted().slice(0, 3) }));
`;
const run = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(1);
}
const check = JSON.parse(run.stdout.trim().split('\n').pop());

// Peer: readline over the same files, splitting each line on commas.
const peer = spawnSync(process.execPath, ['--input-type=module', '-e', `
  import { createReadStream } from 'node:fs';
  import { createInterface } from 'node:readline';
  const t = performance.now();
  let rows = 0, cells = 0;
  for (const f of ${JSON.stringify(csvs)}) {
    for await (const line of createInterface({ input: createReadStream(f), crlfDelay: Infinity })) { rows++; cells += line.split(',').length; }
  }
  console.log(JSON.stringify({ ms: performance.now() - t, rows, rssKb: process.resourceUsage().maxRSS }));
`], { encoding: 'utf8' });
const floor = JSON.parse(peer.stdout.trim());
void createReadStream; void createInterface;

const rows = floor.rows - csvs.length;
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\ndialplane check — ${carriers} carriers × ${fmt(rowsPerDeck)} rows (${fmt(rows)} rows, ${fmt(bytes / 1e6, 1)} MB of CSV), 20 customer cards`);
// Decks are read on worker threads, so the check's time depends on idle cores: say how many there were.
console.log(`${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)\n`);
console.log('| measure                         | dialplane check | peer: readline + split | ratio |');
console.log('|---------------------------------|-----------------|------------------------|-------|');
console.log(`| wall time (s)                   | ${fmt(check.ms / 1000, 2).padStart(15)} | ${fmt(floor.ms / 1000, 2).padStart(22)} | ${fmt(check.ms / floor.ms, 2).padStart(5)} |`);
console.log(`| rows per second                 | ${fmt(rows / (check.ms / 1000)).padStart(15)} | ${fmt(rows / (floor.ms / 1000)).padStart(22)} |       |`);
console.log(`| peak RSS (MB)                   | ${fmt(check.rssKb / 1024).padStart(15)} | ${fmt(floor.rssKb / 1024).padStart(22)} | ${fmt(check.rssKb / floor.rssKb, 2).padStart(5)} |`);
console.log(`\ndiagnostics: ${check.errors} errors, ${check.warnings} warnings${check.first.length ? ` (first: ${check.first.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`).join('; ')})` : ''}`);
if (check.errors > 0) process.exitCode = 1;
