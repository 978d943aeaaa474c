#!/usr/bin/env node
// In-process decisions per second on one core (issue 4 item 7, first row of `bench:runtime`):
// Router.decide over (1) the demo network compiled from routes/ and (2) a generated big artefact
// (bench/gen-repo.mjs: 10 carriers × 300k deck rows of real prefixes, 20 customer cards; the one
// bench/compile.mjs writes to bench/.cache/bench.dpa, else a 10 × 30k one compiled here). Beside
// it, in the same run: a naive peer — lookup.ts's `lookupCall`, which builds plain objects and
// re-decodes strings per call and does no authentication, schedules or gateways — and the bare
// trie walk (`Artefact.lookup`), the floor under any decision. Needs `npm run build` (runs dist/).
//
//   node bench/runtime-inprocess.mjs            BENCH_SECONDS=2 per row by default
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const imp = (p) => import(path.join(dist, p));
const { decodeArtefact } = await imp('runtime/artefact/decode.js');
const { lookupCall } = await imp('runtime/artefact/lookup.js');
const { Router } = await imp('runtime/router/router.js');
const { compileInMemory } = await imp('compiler/testing/route-tests.js');
const F = await imp('runtime/artefact/format.js');

/** CPU milliseconds this process has used (user + system): a busy box steals wall time, not this. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Calls fn(i) for `seconds` of CPU time, in batches; returns calls per CPU second (one thread
 * runs the loop; GC helper threads count too, so this is if anything pessimistic). The box this
 * runs on is shared, so wall-clock rates are printed beside it.
 */
function measure(fn, n) {
  // fn returns a number, summed here in a local: a running total kept in a closure variable would
  // become a heap number per call once large, and the row would measure the garbage collector.
  let total = 0;
  for (let i = 0; i < 200_000; i++) total += fn(i % n); // warm up (JIT)
  let calls = 0;
  const c0 = cpuMs();
  const w0 = performance.now();
  let c = c0;
  while (c - c0 < seconds * 1000) {
    for (let i = 0; i < 50_000; i++) total += fn((calls + i) % n);
    calls += 50_000;
    c = cpuMs();
  }
  sink += total % 7;
  const wall = (calls * 1000) / (performance.now() - w0);
  lastWall = wall;
  return (calls * 1000) / (c - c0);
}
let lastWall = 0;

let sink = 0;
const rows = [];

function offMix(router, queries) {
  const statuses = new Map();
  for (const q of queries) {
    const s = router.decide(q).status;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  return [...statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}×${n}`).join(' ');
}

function benchArtefact(label, artefact, queries, customers) {
  const tPrep = performance.now();
  const router = new Router(artefact, { limits: true });
  const prepMs = performance.now() - tPrep;
  const statuses = new Map();
  for (const q of queries) {
    const s = router.decide(q).status;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const mix = [...statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}×${n}`).join(' ');
  const n = queries.length;
  const routerRate = measure((i) => router.decide(queries[i]).targets.length, n);
  const routerWall = lastWall;
  const noLimits = new Router(artefact, { limits: false });
  const routerOffRate = measure((i) => noLimits.decide(queries[i]).targets.length, n);
  const routerOffWall = lastWall;
  const naiveRate = measure((i) => {
    const r = lookupCall(artefact, customers[i], queries[i].to);
    return r.ok && r.result.entry ? r.result.entry.candidates.length : 0;
  }, n);
  const naiveWall = lastWall;
  // The first route's table of each query's customer, for the bare walk.
  const tableOf = customers.map((id) => {
    const c = artefact.customerByName(id);
    const r = artefact.customers[c * F.CUSTOMER.width + F.CUSTOMER.at.routeFirst];
    return artefact.routes[r * F.ROUTE.width + F.ROUTE.at.table];
  });
  const walkRate = measure((i) => artefact.lookup(tableOf[i], queries[i].to), n);
  const walkWall = lastWall;
  rows.push({ label, what: 'Router.decide (CPS on)', rate: routerRate, wall: routerWall, note: `prepare ${prepMs.toFixed(0)} ms; answers ${mix}` });
  rows.push({ label, what: 'Router.decide (CPS off)', rate: routerOffRate, wall: routerOffWall, note: `answers ${offMix(noLimits, queries)}` });
  rows.push({ label, what: 'peer: lookupCall (objects)', rate: naiveRate, wall: naiveWall, note: 'no auth/schedules/gateways/URIs' });
  rows.push({ label, what: 'floor: Artefact.lookup', rate: walkRate, wall: walkWall, note: 'trie walk only' });
}

// 1. The demo network.
{
  const t0 = performance.now();
  const { artefact, check } = await compileInMemory(path.join(here, '..', 'routes'));
  if (!artefact) throw new Error(`routes/ does not compile: ${check.bag.sorted().slice(0, 3).map((d) => d.message).join('; ')}`);
  console.error(`demo compiled in ${(performance.now() - t0).toFixed(0)} ms`);
  const numbers = ['447400123456', '442079460234', '13052341234', '4917212345678', '919812345678', '2348031234567', '448001234567', '441132496000', '493012345678', '353871234567'];
  const queries = [];
  const customers = [];
  for (let k = 0; k < 1024; k++) {
    const to = numbers[k % numbers.length];
    // localtest (no dial string) for most calls; acme (CIDR, CLI rules, dial strings, guards) for every fourth
    if (k % 4 === 3) {
      queries.push({ src: '198.51.100.5', to, from: '442079460999', callId: `call-${k}@bench` });
      customers.push('acme-voip');
    } else {
      queries.push({ src: '127.0.0.1', to, from: '442079460999', callId: `call-${k}@bench` });
      customers.push('localtest');
    }
  }
  benchArtefact('demo (routes/)', artefact, queries, customers);
}

// 2. A generated big artefact.
{
  let file = path.join(here, '.cache', 'bench.dpa');
  let artefact;
  let repoDir = path.join(here, '.cache', 'repo-10x300000');
  const t0 = performance.now();
  if (existsSync(file)) {
    try {
      artefact = decodeArtefact(readFileSync(file));
    } catch (e) {
      console.error(`bench.dpa unusable (${e.message}); compiling a smaller one`);
    }
  }
  if (!artefact) {
    const { generateRepository } = await import('./gen-repo.mjs');
    repoDir = path.join(here, '.cache', 'repo-10x30000');
    await generateRepository(repoDir, { carriers: 10, rowsPerDeck: 30_000 });
    const r = await compileInMemory(repoDir, 0);
    artefact = r.artefact;
    file = `${repoDir} (in memory)`;
  }
  const loadMs = performance.now() - t0;
  console.error(`big artefact: ${file}, ${(artefact.bytes.length / 1e6).toFixed(0)} MB, loaded + validated in ${loadMs.toFixed(0)} ms`);
  // Numbers: real deck prefixes padded to 12 digits, spread over the 20 customers.
  const csvDir = path.join(repoDir, 'carrier-cards');
  const csv = readdirSync(csvDir).filter((f) => f.endsWith('.csv')).sort()[0];
  const lines = readFileSync(path.join(csvDir, csv), 'utf8').split('\n').slice(1, 200_001).filter(Boolean);
  const queries = [];
  const customers = [];
  for (let k = 0; k < 4096; k++) {
    const prefix = lines[(k * 7919) % lines.length].split(',')[0];
    const to = (prefix + '0123456789').slice(0, Math.max(12, prefix.length + 2));
    const c = k % 20;
    queries.push({ src: `10.0.${c}.7`, to, from: '442079460999', callId: `call-${k}@bench` });
    customers.push(`customer-${c}`);
  }
  benchArtefact(`generated (${(artefact.bytes.length / 1e6).toFixed(0)} MB)`, artefact, queries, customers);
}

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(0)} k/s`);
const w = [22, 28, 13, 10, 13];
console.log(`\nin-process decisions, one core (node ${process.version}), ${seconds} CPU-s per row; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log(`${'artefact'.padEnd(w[0])}${'implementation'.padEnd(w[1])}${'per CPU-s'.padStart(w[2])}${'ns/call'.padStart(w[3])}${'wall-clock'.padStart(w[4])}  note`);
for (const r of rows) {
  console.log(`${r.label.padEnd(w[0])}${r.what.padEnd(w[1])}${fmt(r.rate).padStart(w[2])}${(1e9 / r.rate).toFixed(0).padStart(w[3])}${fmt(r.wall).padStart(w[4])}  ${r.note}`);
}
const demo = rows.find((r) => r.what.startsWith('Router.decide (CPS off)'));
const peer = rows.find((r) => r.what.startsWith('peer'));
console.log(`\nRouter / peer on the demo: ${(demo.rate / peer.rate).toFixed(1)}×; target ≥ 1 M decisions/s/core: ${demo.rate >= 1e6 ? 'met' : 'not met'}`);
if (sink === 42) console.log('');
