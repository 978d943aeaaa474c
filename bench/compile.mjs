#!/usr/bin/env node
// `npm run bench:compile` (node bench/compile.mjs): build the artefact of a generated repository
// of 10 carriers × 300k deck rows from real prefixes (bench/gen-repo.mjs) with 20 customer cards,
// then decode it and run longest-prefix lookups on its largest table. Prints one table, with a
// naive peer measured in the same run: a Map of the same table's prefixes probed from the longest
// prefix of the number to the shortest. Needs `npm run build` first (it runs dist/).
// BENCH_RUNS=N (default 1): N compiles and N decode/lookup processes, medians and bests printed —
// on a shared machine one figure alone says little.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRepository } from './gen-repo.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const carriers = Number(process.env.BENCH_CARRIERS ?? 10);
const rowsPerDeck = Number(process.env.BENCH_ROWS ?? 300_000);
const dir = path.join(here, '.cache', `repo-${carriers}x${rowsPerDeck}`);
const dist = path.join(here, '..', 'dist');

const t0 = performance.now();
await generateRepository(dir, { carriers, rowsPerDeck });
console.error(`repository ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);

// Compile in its own process so its peak RSS is its own; BENCH_RUNS times (default 1), each in a
// fresh process: on a shared machine one run can take 15 % longer than the next.
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const loadBefore = os.loadavg()[0];
const compiles = [];
for (let run = 0; run < runs; run++) {
const compile = spawnSync(process.execPath, ['--input-type=module', '-e', `
  const { checkRepository } = await import(${JSON.stringify(path.join(dist, 'compiler', 'pipeline.js'))});
  const { flatten } = await import(${JSON.stringify(path.join(dist, 'compiler', 'flatten', 'flatten.js'))});
  const { encodeArtefact } = await import(${JSON.stringify(path.join(dist, 'compiler', 'encode', 'encode.js'))});
  const { writeFileSync } = await import('node:fs');
  const t = performance.now();
  const { bag, repo } = await checkRepository(${JSON.stringify(dir)});
  if (!repo) { console.error(JSON.stringify(bag.sorted().slice(0, 5))); process.exit(1); }
  const tCheck = performance.now();
  const flat = flatten(repo, { asOf: 0 });
  const tFlat = performance.now();
  const { bytes, stats } = encodeArtefact(flat, { serial: 1, revision: 'bench' });
  const tEnc = performance.now();
  writeFileSync(${JSON.stringify(path.join(dir, '..', 'bench.dpa'))}, bytes);
  let cardPrefixes = 0;
  for (const t of flat.tables) cardPrefixes += t.entries;
  console.log(JSON.stringify({ checkMs: tCheck - t, flattenMs: tFlat - tCheck, encodeMs: tEnc - tFlat, rssKb: process.resourceUsage().maxRSS,
    rows: [...repo.decks.values()].reduce((n, d) => n + d.rows.count, 0), stats, cardPrefixes }));
`], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (compile.status !== 0) {
  console.error(compile.stderr);
  process.exit(1);
}
compiles.push(JSON.parse(compile.stdout.trim().split('\n').pop()));
}
const totalMs = (x) => x.checkMs + x.flattenMs + x.encodeMs;
compiles.sort((a, b) => totalMs(a) - totalMs(b));
// The median run (the faster of the middle two for an even count) and the best.
const c = compiles[(compiles.length - 1) >> 1];
const cBest = compiles[0];

// Decode and lookups, in other processes (one core: the loop is single-threaded), BENCH_RUNS of
// them: where the kernel puts a process's pages decides how the 1.7 MB trie shares the 1 MB L2
// with itself, and the same lookups ran 4 to 11 M/s from one process to the next here. The Map
// peer is measured in the first (hash probes land anywhere whatever the placement: it holds
// within ±10 %).
const serves = [];
for (let run = 0; run < runs; run++) {
const serve = spawnSync(process.execPath, ['--input-type=module', '-e', `
  const { decodeArtefact } = await import(${JSON.stringify(path.join(dist, 'runtime', 'artefact', 'decode.js'))});
  const F = await import(${JSON.stringify(path.join(dist, 'runtime', 'artefact', 'format.js'))});
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(${JSON.stringify(path.join(dir, '..', 'bench.dpa'))});
  // Median and best of n timings: the median says what to expect, the best what the code does
  // when the machine's neighbours leave the caches alone.
  const timings = (fn, n) => { const ms = []; for (let i = 0; i < n; i++) { const t = performance.now(); fn(); ms.push(performance.now() - t); } ms.sort((a, b) => a - b); return { median: ms[Math.floor(n / 2)], best: ms[0] }; };
  const time = (fn, n = 5) => timings(fn, n).median;
  const decode = timings(() => decodeArtefact(bytes, { verifyHash: false }), 9);
  const decodeMs = decode.median, decodeBestMs = decode.best;
  const decodeHashMs = time(() => decodeArtefact(bytes));
  const a = decodeArtefact(bytes, { verifyHash: false });
  // The largest table, and every prefix it holds (walked out of the trie).
  let t = 0;
  for (let i = 0; i < a.counts.tables; i++) if (a.tables[i * F.TABLE.width + F.TABLE.at.prefixes] > a.tables[t * F.TABLE.width + F.TABLE.at.prefixes]) t = i;
  const prefixes = new Map();
  const first = a.tables[t * F.TABLE.width + F.TABLE.at.nodeFirst];
  const walk = (node, prefix) => {
    const v = a.nodeValue(node);
    if (v >= 0) prefixes.set(prefix, v);
    const w = a.nodes[node];
    let child = first + (w >>> F.NODE_CHILD_SHIFT);
    for (let d = 0; d < 10; d++) if (w & (1 << d)) walk(child++, prefix + d);
  };
  walk(first, '');
  // Numbers: a random stored prefix, completed with random digits to 11-13 digits.
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const keys = [...prefixes.keys()];
  const N = 1 << 20;
  const numbers = new Array(N);
  for (let i = 0; i < N; i++) {
    let s = keys[Math.floor(rnd() * keys.length)];
    const len = 11 + Math.floor(rnd() * 3);
    while (s.length < len) s += Math.floor(rnd() * 10);
    numbers[i] = s;
  }
  // As flat strings, as JSON.parse or a socket's bytes give them: a string grown by += is a rope
  // (from 13 characters), whose characters every read reaches through a pointer.
  for (let i = 0; i < N; i++) numbers[i] = Buffer.from(numbers[i], 'latin1').toString('latin1');
  // Each timed loop sums into a local and hands it out once: a running total in a closure variable
  // becomes a heap number per iteration, and the loop would measure the garbage collector.
  let sink = 0;
  const loops = 5;
  const trie = timings(() => { let s = 0; for (let r = 0; r < loops; r++) for (let i = 0; i < N; i++) s += a.lookup(t, numbers[i]); sink += s; }, 5);
  const trieMs = trie.median, trieBestMs = trie.best;
  // A whole compiled answer: the card walk, then each candidate priced by its deck view's walk.
  const out = new Int32Array(64);
  const priced = (n) => {
    const v = a.lookup(t, n);
    if (v < 0) return 0;
    const cands = a.shapeCandidates(a.valueShape(v));
    const k = a.priceViews(cands, n, out);
    return v + k + out[0];
  };
  const pricedMs = time(() => { let s = 0; for (let r = 0; r < loops; r++) for (let i = 0; i < N; i++) s += priced(numbers[i]); sink += s; }, 3);
  let candidates = 0;
  for (let i = 0; i < 10000; i++) { const v = a.lookup(t, numbers[i]); if (v >= 0) candidates += a.lists[a.shapeCandidates(a.valueShape(v))]; }
  const naive = (n) => { for (let L = n.length; L >= 0; L--) { const v = prefixes.get(n.slice(0, L)); if (v !== undefined) return v; } return -1; };
  const map = ${run === 0} ? timings(() => { let s = 0; for (let r = 0; r < loops; r++) for (let i = 0; i < N; i++) s += naive(numbers[i]); sink += s; }, 5) : { median: NaN, best: NaN };
  const mapMs = map.median, mapBestMs = map.best;
  // Same answers?
  let mismatches = 0;
  for (let i = 0; i < 100000; i++) if (a.lookup(t, numbers[i]) !== naive(numbers[i])) mismatches++;
  console.log(JSON.stringify({ decodeMs, decodeBestMs, decodeHashMs, table: t, tablePrefixes: prefixes.size, trieRate: (loops * N) / (trieMs / 1000), trieBestRate: (loops * N) / (trieBestMs / 1000), mapBestRate: (loops * N) / (mapBestMs / 1000), pricedRate: (loops * N) / (pricedMs / 1000), candidates: candidates / 10000, mapRate: (loops * N) / (mapMs / 1000), mismatches, sink: sink % 7 }));
`], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (serve.status !== 0) {
  console.error(serve.stderr);
  process.exit(1);
}
serves.push(JSON.parse(serve.stdout.trim().split('\n').pop()));
}
// Across processes: the median of their medians, and the best of their bests.
const middle = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const s = {
  ...serves[0],
  decodeMs: middle(serves.map((x) => x.decodeMs)),
  decodeBestMs: Math.min(...serves.map((x) => x.decodeBestMs)),
  decodeHashMs: middle(serves.map((x) => x.decodeHashMs)),
  trieRate: middle(serves.map((x) => x.trieRate)),
  trieBestRate: Math.max(...serves.map((x) => x.trieBestRate)),
  pricedRate: middle(serves.map((x) => x.pricedRate)),
  mismatches: serves.reduce((n, x) => n + x.mismatches, 0),
};

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const strings = c.stats.sections.find((x) => x.name === 'strings').bytes;
console.log(`\ndialplane build — ${carriers} carriers × ${fmt(rowsPerDeck)} rows (${fmt(c.rows)} rows), ${c.stats.tables} tables\n`);
console.log('| measure                                   | value            | target   |');
console.log('|-------------------------------------------|------------------|----------|');
console.log(`| check (load + validate + resolve) (s)     | ${fmt(c.checkMs / 1000, 2).padStart(16)} |          |`);
console.log(`| flatten (s)                               | ${fmt(c.flattenMs / 1000, 2).padStart(16)} |          |`);
console.log(`| encode (s)                                | ${fmt(c.encodeMs / 1000, 2).padStart(16)} |          |`);
console.log(`| compile total (s)                         | ${fmt(totalMs(c) / 1000, 2).padStart(16)} | ≤ 15     |`);
if (runs > 1) console.log(`| ${('compile total, best of ' + runs + ' runs (s)').padEnd(41)} | ${fmt(totalMs(cBest) / 1000, 2).padStart(16)} | ≤ 15     |`);
console.log(`| peak RSS (MB), highest run                | ${fmt(Math.max(...compiles.map((x) => x.rssKb)) / 1024).padStart(16)} | ≤ 2048   |`);
console.log(`| artefact (MB)                             | ${fmt(c.stats.bytes / 1e6, 1).padStart(16)} |          |`);
console.log(`| (card, prefix) pairs, before compaction   | ${fmt(c.cardPrefixes).padStart(16)} |          |`);
console.log(`| (table, prefix) stored                    | ${fmt(c.stats.kept).padStart(16)} |          |`);
console.log(`| bytes per (card, prefix) beyond strings   | ${fmt((c.stats.bytes - strings) / c.cardPrefixes, 1).padStart(16)} | ≤ 16     |`);
console.log(`| bytes per stored (table, prefix)          | ${fmt((c.stats.bytes - strings) / c.stats.kept, 1).padStart(16)} |          |`);
console.log(`| trie nodes: tables / deck views           | ${(fmt(c.stats.nodes) + ' / ' + fmt(c.stats.viewNodes)).padStart(16)} |          |`);
console.log(`| deck views, prefixes stored               | ${(fmt(c.stats.views) + ', ' + fmt(c.stats.viewPrefixes)).padStart(16)} |          |`);
console.log(`| shapes / labels / rates                   | ${(fmt(c.stats.shapes) + ' / ' + fmt(c.stats.sections.find((x) => x.name === 'labels').count) + ' / ' + fmt(c.stats.rates)).padStart(16)} |          |`);
console.log(`| decode, no hash (ms): median (best)       | ${(fmt(s.decodeMs, 1) + ' (' + fmt(s.decodeBestMs, 1) + ')').padStart(16)} | ≤ 100    |`);
console.log(`| decode + SHA-256 (ms)                     | ${fmt(s.decodeHashMs, 1).padStart(16)} |          |`);
console.log(`\nlookups on table ${s.table} (${fmt(s.tablePrefixes)} prefixes), one core, 2^20 numbers × 5 rounds, median of 5 timings${runs > 1 ? ` per process, median of ${runs} processes` : ''} (best):\n`);
console.log('| lookups per second | dialplane trie   | peer: Map probed longest → shortest | ratio |');
console.log('|--------------------|------------------|-------------------------------------|-------|');
console.log(`| longest prefix     | ${(fmt(s.trieRate / 1e6, 2) + 'M (' + fmt(s.trieBestRate / 1e6, 2) + 'M)').padStart(16)} | ${(fmt(s.mapRate / 1e6, 3) + 'M (' + fmt(s.mapBestRate / 1e6, 3) + 'M)').padStart(35)} | ${fmt(s.trieRate / s.mapRate, 1).padStart(5)} |`);
console.log(`| + price candidates | ${(fmt(s.pricedRate / 1e6, 2) + 'M').padStart(16)} |                                     | ${fmt(s.pricedRate / s.mapRate, 1).padStart(5)} |`);
console.log(`\n("+ price candidates": the card walk, then all ${fmt(s.candidates, 1)} candidates on average priced by walks of their deck views, side by side (Artefact.priceViews, as the Router does).)`);
console.log(`\nsection bytes: ${c.stats.sections.filter((x) => x.bytes > 1e5).map((x) => `${x.name} ${fmt(x.bytes / 1e6, 1)} MB`).join(', ')}`);
console.log(`answers differing between trie and peer on 100k numbers: ${s.mismatches}`);
console.log(`load average (1 min) before / after: ${fmt(loadBefore, 2)} / ${fmt(os.loadavg()[0], 2)} on ${os.cpus().length} cores`);
if (runs > 1) {
  console.log(`compile runs (s): ${compiles.map((x) => fmt(totalMs(x) / 1000, 2)).join(', ')}`);
  console.log(`per process: decode medians (ms) ${serves.map((x) => fmt(x.decodeMs, 1)).join(', ')}; lookup medians (M/s) ${serves.map((x) => fmt(x.trieRate / 1e6, 2)).join(', ')}`);
}
if (s.mismatches > 0) process.exitCode = 1;
