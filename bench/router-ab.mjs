#!/usr/bin/env node
// Router.decide of two builds compared in one process, for changes too small for two separate runs
// of runtime-inprocess.mjs on a shared, noisy machine (back-to-back runs there differ by ±15 %).
// Both builds get the same artefact bytes and queries (those of runtime-inprocess.mjs, CPS off);
// first they must decide every query identically under the same seeded random; then short rounds
// alternate A, B, A, B … and the ratio B/A is taken per pair of rounds, so load that comes and
// goes hits both sides alike.
//
//   node bench/router-ab.mjs <distA> <distB> [demo|big|both] [rounds]
//   e.g. a build of main in /tmp/main-dist against this tree's dist:  node bench/router-ab.mjs /tmp/main-dist dist
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [distA, distB, which = 'both', roundsArg = '40'] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: node bench/router-ab.mjs <distA> <distB> [demo|big|both] [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const ROUND_MS = 150;

const load = async (dist) => ({
  decode: (await import(path.resolve(dist, 'runtime/artefact/decode.js'))).decodeArtefact,
  Router: (await import(path.resolve(dist, 'runtime/router/router.js'))).Router,
});
const A = await load(distA);
const B = await load(distB);

function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

let sink = 0;
function round(router, queries, ms) {
  const n = queries.length;
  let calls = 0;
  let total = 0;
  const c0 = cpuMs();
  let c = c0;
  while (c - c0 < ms) {
    for (let i = 0; i < 10_000; i++) total += router.decide(queries[(calls + i) % n]).targets.length;
    calls += 10_000;
    c = cpuMs();
  }
  sink += total;
  return (calls * 1000) / (c - c0);
}

function compare(label, bytes, queries) {
  const check = [new A.Router(A.decode(bytes), { limits: false, random: seeded(7) }), new B.Router(B.decode(bytes), { limits: false, random: seeded(7) })];
  for (let pass = 0; pass < 2; pass++) {
    for (const q of queries) {
      const x = JSON.stringify(check[0].decide(q));
      const y = JSON.stringify(check[1].decide(q));
      if (x !== y) throw new Error(`${label}: the builds decide ${JSON.stringify(q)} differently:\n  A ${x}\n  B ${y}`);
    }
  }
  const ra = new A.Router(A.decode(bytes), { limits: false });
  const rb = new B.Router(B.decode(bytes), { limits: false });
  round(ra, queries, 500);
  round(rb, queries, 500);
  const as = [];
  const bs = [];
  const ratios = [];
  for (let k = 0; k < rounds; k++) {
    const a = round(ra, queries, ROUND_MS);
    const b = round(rb, queries, ROUND_MS);
    as.push(a);
    bs.push(b);
    ratios.push(b / a);
  }
  const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  const k = (x) => `${(x / 1e3).toFixed(0)}k`;
  console.log(`${label.padEnd(6)} A median ${k(median(as))}/CPU-s best ${k(Math.max(...as))} | B median ${k(median(bs))} best ${k(Math.max(...bs))} | ` +
    `B/A: median of pairs ${median(ratios).toFixed(3)}, best/best ${(Math.max(...bs) / Math.max(...as)).toFixed(3)} (${rounds} pairs of ${ROUND_MS} ms)`);
}

if (which === 'demo' || which === 'both') {
  const { compileInMemory } = await import(path.resolve(distA, 'compiler/testing/route-tests.js'));
  const { artefact } = await compileInMemory(path.join(here, '..', 'routes'));
  if (!artefact) throw new Error('routes/ does not compile');
  const numbers = ['447400123456', '442079460234', '13052341234', '4917212345678', '919812345678', '2348031234567', '448001234567', '441132496000', '493012345678', '353871234567'];
  const queries = [];
  for (let k = 0; k < 1024; k++) {
    const src = k % 4 === 3 ? '198.51.100.5' : '127.0.0.1';
    queries.push({ src, to: numbers[k % numbers.length], from: '442079460999', callId: `call-${k}@bench` });
  }
  compare('demo', artefact.bytes, queries);
}

if (which === 'big' || which === 'both') {
  const file = path.join(here, '.cache', 'bench.dpa');
  const csvDir = path.join(here, '.cache', 'repo-10x300000', 'carrier-cards');
  if (!existsSync(file) || !existsSync(csvDir)) {
    console.error('big: no bench/.cache/bench.dpa and repo-10x300000 (node bench/compile.mjs builds them)');
  } else {
    const csv = readdirSync(csvDir).filter((f) => f.endsWith('.csv')).sort()[0];
    const lines = readFileSync(path.join(csvDir, csv), 'utf8').split('\n').slice(1, 200_001).filter(Boolean);
    const queries = [];
    for (let k = 0; k < 4096; k++) {
      const prefix = lines[(k * 7919) % lines.length].split(',')[0];
      const to = (prefix + '0123456789').slice(0, Math.max(12, prefix.length + 2));
      queries.push({ src: `10.0.${k % 20}.7`, to, from: '442079460999', callId: `call-${k}@bench` });
    }
    compare('big', readFileSync(file), queries);
  }
}
if (sink === -1) console.log('');
