#!/usr/bin/env node
// `node bench/diff.mjs <base.dpa> <head.dpa>`: time `dialplane diff` between two builds, by phase
// (read + verify + decode each side, compare, render Markdown: what `dialplane diff a.dpa b.dpa`
// does; rendering JSON instead is timed apart). Target: two builds of
// 10 carriers × 300k rows (bench/gen-repo.mjs, one deck edited for the head) in ≤ 10 s end to end.
// Needs `npm run build` first (it runs dist/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { decodeArtefact } = await import(path.join(dist, 'runtime', 'artefact', 'decode.js'));
const { diffArtefacts } = await import(path.join(dist, 'compiler', 'diff', 'diff.js'));
const { renderMarkdown } = await import(path.join(dist, 'compiler', 'diff', 'markdown.js'));
const [baseFile, headFile] = process.argv.slice(2);
if (!baseFile || !headFile) {
  console.error('usage: node bench/diff.mjs <base.dpa> <head.dpa>');
  process.exit(2);
}
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = performance.now(), c0 = cpu();
const a = decodeArtefact(readFileSync(baseFile));
const b = decodeArtefact(readFileSync(headFile));
const t1 = performance.now(), c1 = cpu();
const info = (label) => ({ label, kind: 'artefact', serial: 0, revision: '' });
const report = diffArtefacts(a, b, info(baseFile), info(headFile));
const t2 = performance.now(), c2 = cpu();
const md = renderMarkdown(report);
const t3 = performance.now(), c3 = cpu();
const json = JSON.stringify(report, null, 2);
const jsonMs = Math.round(performance.now() - t3);
const s = report.summary;
console.log(JSON.stringify({
  readDecodeMs: Math.round(t1 - t0), compareMs: Math.round(t2 - t1), markdownMs: Math.round(t3 - t2), totalMs: Math.round(t3 - t0), jsonMs,
  cpuMs: { readDecode: Math.round(c1 - c0), compare: Math.round(c2 - c1), markdown: Math.round(c3 - c2), total: Math.round(c3 - c0) },
  rssMb: Math.round(process.resourceUsage().maxRSS / 1024), markdownChars: md.length, jsonBytes: json.length,
  routes: s.routesChanged, prefixesChanged: s.prefixesChanged, up: s.up, down: s.down, firstPlaceMoves: s.firstPlaceMoves,
}));
