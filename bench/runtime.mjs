// `npm run bench:runtime`: the serving side against its peers, measured in one run, one table.
//
//   SIP   sipp (docs/sipp-uac-302.xml: INVITE → 302 → ACK) at a fixed offered rate against
//         (a) `dialplane serve` (demo artefact, the Router deciding every call),
//         (b) Kamailio carrierroute, config-file mode, one worker, stateless sl_send_reply 302 with
//             the same four carriers' Contacts (one cr_route per carrier),
//         (c) a bare Node UDP responder answering every INVITE with a fixed 302 (no routing):
//             the platform's ceiling. Reported as calls/s answered 302, failed calls, the
//             subject's CPU time per answered call (from /proc; steadier than calls/s on a shared
//             machine), and ratios.
//   HTTP  wrk with keep-alive against GET /v1/route, next to a uWebSockets.js hello-world.
//   SWAP  the artefact file replaced every second (a new serial each time) while sipp and wrk
//         load the server: p99.9 latency and failed calls.
//
// Loopback only; every peer is started here, by PID, on free ports, and killed by that PID.
// Environment: BENCH_SIP_RATE (default 20000 calls/s offered), BENCH_SECONDS (default 6),
// BENCH_ROUNDS (SIP rounds, best kept; default 2), BENCH_ONLY (comma-separated sections to run:
// sip, http, swap; default all), BENCH_HTTP_ROUNDS (HTTP rounds, hello-world and dialplane
// interleaved, best of each kept; default 1).
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/dialplane.js');
const SCENARIO = join(ROOT, 'docs/sipp-uac-302.xml');
const RATE = Number(process.env.BENCH_SIP_RATE ?? 20000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const HTTP_ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 1);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sip,http,swap').split(',').map((s) => s.trim()).filter(Boolean));
const NUMBER = '447400123456';
const dir = mkdtempSync(join(tmpdir(), 'dialplane-bench-'));
const children = new Set();

const which = (b) => ['/usr/bin/', '/usr/sbin/', '/usr/local/bin/', '/usr/local/sbin/'].map((d) => d + b).find((p) => existsSync(p));
const SIPP = ONLY.has('sip') || ONLY.has('swap') ? which('sipp') : undefined;
const WRK = ONLY.has('http') || ONLY.has('swap') ? which('wrk') : undefined;
const KAMAILIO = which('kamailio');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(s + '\n');

function start(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  p.stdout?.on('data', (c) => { out += c; });
  p.stderr?.on('data', (c) => { out += c; if (out.length > 1e6) out = out.slice(-2e5); });
  p.output = () => out;
  p.done = new Promise((r) => p.on('exit', (code) => { children.delete(p); r(code); }));
  children.add(p);
  return p;
}

async function stop(p) {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await p.done;
  clearTimeout(t);
}

async function freePort(kind) {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
  }
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function build(out, serial) {
  const r = spawnSync(process.execPath, [BIN, 'build', join(ROOT, 'routes'), '-o', out, '--serial', String(serial)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  return join(out, 'routing.dpa');
}

async function waitHttp(url, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${url} not ready`);
}

/** OPTIONS ping until a SIP server answers. */
async function waitSip(port, ms = 20000) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  let ok = false;
  s.on('message', () => { ok = true; });
  const until = Date.now() + ms;
  let n = 0;
  while (!ok && Date.now() < until) {
    const lp = s.address().port;
    s.send(`OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-ping${n}\r\nFrom: <sip:b@127.0.0.1>;tag=p\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ping-${n++}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`, port, '127.0.0.1');
    await sleep(100);
  }
  s.close();
  if (!ok) throw new Error(`no SIP answer on ${port}`);
}

/**
 * CPU seconds (user + system) used so far by a process and its direct children (Kamailio's
 * workers), from /proc; undefined where there is no /proc.
 */
function cpuSeconds(pid) {
  if (pid === undefined || !existsSync('/proc/self/stat')) return undefined;
  const read = (p) => {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
    } catch { return undefined; }
  };
  let ticks = read(pid)?.ticks ?? 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === pid) continue;
    const s = read(d);
    if (s && s.ppid === pid) ticks += s.ticks;
  }
  return ticks / 100; // USER_HZ
}

/**
 * sipp at `rate` for `seconds`; calls answered 302 per second of the run, failures, and — given the
 * subject's pid — its CPU time per answered call, which other load on the machine moves less than
 * the answered rate.
 */
async function sipp(port, rate, seconds, name, pid) {
  const stf = join(dir, `${name}.csv`);
  const total = rate * seconds;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const p = start(SIPP, ['-sf', SCENARIO, '-s', NUMBER, '-i', '127.0.0.1', '-r', String(rate), '-m', String(total), '-l', String(Math.min(rate * 4, 15000)), // sipp wants open calls below the open-file limit
   
    '-recv_timeout', '2000', '-timeout', String(seconds + 20), '-timeout_error', '-nostdin', '-trace_stat', '-stf', stf, '-fd', '1',
    '-buff_size', String(8 * 1024 * 1024), `127.0.0.1:${port}`], { cwd: dir });
  await p.done;
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds(pid);
  const cpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  const csv = existsSync(stf) ? readFileSync(stf, 'utf8').trim().split('\n') : [];
  if (csv.length < 2) return { ok: 0, failed: total, rate: 0, wall, cpuPerCall: undefined };
  const head = csv[0].split(';');
  const last = csv[csv.length - 1].split(';');
  const ok = Number(last[head.indexOf('SuccessfulCall(C)')]);
  const failed = Number(last[head.indexOf('FailedCall(C)')]);
  // Calls answered per second of sending: the offered window, or longer when the server lagged.
  const elapsed = Math.max(seconds, wall - 0.3);
  return { ok, failed, rate: ok / elapsed, wall, cpuPerCall: cpu !== undefined && ok > 0 ? (1e6 * cpu) / ok : undefined };
}

/** wrk with keep-alive; Lua prints the percentiles we want. */
/** wrk; given the server's pid, also its CPU time per request (µs, user + system), which other load moves less than req/s. */
async function wrk(url, seconds, connections = 64, pid = undefined) {
  const lua = join(dir, 'pct.lua');
  writeFileSync(lua, `done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.duration))
end\n`);
  const cpu0 = cpuSeconds(pid);
  const p = start(WRK, ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '-s', lua, url]);
  await p.done;
  const cpu1 = cpuSeconds(pid);
  const m = /BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(p.output());
  if (!m) throw new Error(`wrk: ${p.output()}`);
  const [requests, sockErr, statusErr, p50, p99, p999, us] = m.slice(1).map(Number);
  const cpuUs = cpu0 === undefined || cpu1 === undefined || !requests ? undefined : ((cpu1 - cpu0) * 1e6) / requests;
  return { rps: requests / (us / 1e6), requests, errors: sockErr + statusErr, p50: p50 / 1000, p99: p99 / 1000, p999: p999 / 1000, cpuUs };
}

function serve(artefact, sip, http) {
  return start(process.execPath, [BIN, 'serve', '--artefact', artefact, '--sip', sip ? `127.0.0.1:${sip}` : 'off', '--http', http ? `127.0.0.1:${http}` : 'off',
    '--admin', 'off', '--limits', 'off', '--poll-ms', '0', '--log-level', 'warn'], { cwd: ROOT });
}

// A bare Node UDP responder: the fixed 302 every INVITE gets, built from the request's Via,
// From, To, Call-ID and CSeq lines. No routing, no transaction memory.
const BARE = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  const t = m.toString('latin1');
  if (!t.startsWith('INVITE ')) return;
  let out = 'SIP/2.0 302 Moved Temporarily\\r\\n';
  for (const l of t.split('\\r\\n')) {
    if (/^(Via|From|Call-ID|CSeq):/i.test(l)) out += l + '\\r\\n';
    else if (/^To:/i.test(l)) out += l + ';tag=bare\\r\\n';
  }
  out += 'Contact: <sip:${NUMBER}@203.0.113.30:5060>;q=1.0\\r\\nContent-Length: 0\\r\\n\\r\\n';
  s.send(out, r.port, r.address);
});
s.bind(Number(process.argv[1]), '127.0.0.1', () => s.setRecvBufferSize(8 << 20));
`;

const HELLO = `
const uWS = require('uWebSockets.js');
const big = process.argv[2] || '';
uWS.App().get('/big', (res) => { res.writeHeader('content-type', 'application/json').end(big); })
  .get('/*', (res) => { res.end('{"hello":"world"}'); }).listen('127.0.0.1', Number(process.argv[1]), (ok) => { if (!ok) process.exit(1); });
`;

function kamailioModules() {
  const roots = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  try { for (const d of readdirSync('/usr/lib')) roots.push(`/usr/lib/${d}/kamailio/modules`); } catch { /* none */ }
  return roots.find((r) => existsSync(join(r, 'carrierroute.so')));
}

/** Kamailio carrierroute with the demo's answer for UK mobiles: the four carriers' gateways, one domain each. */
function kamailioConfig(port, modules) {
  const carriers = {
    albion: [['203.0.113.30', 2], ['203.0.113.32', 1]],
    rheinwelle: [['192.0.2.10', 1], ['192.0.2.11', 1]],
    northwind: [['198.51.100.20', 0.5], ['198.51.100.21', 0.3], ['198.51.100.22', 0.2]],
    kestrel: [['203.0.113.40', 1], ['203.0.113.41', 1]],
  };
  const cr = [];
  for (const [domain, gws] of Object.entries(carriers)) {
    cr.push(`domain ${domain} {`);
    for (const prefix of ['447400', '44']) {
      cr.push(`\tprefix ${prefix} {`, `\t\tmax_targets = ${gws.length}`);
      for (const [host, prob] of gws) cr.push(`\t\ttarget ${host} {`, `\t\t\tprob = ${prob}`, '\t\t\tstatus = 1', `\t\t\tstrip = 0`, '\t\t}');
      cr.push('\t}');
    }
    cr.push('}');
  }
  const crFile = join(dir, 'carrierroute.conf');
  writeFileSync(crFile, cr.join('\n') + '\n');
  const route = Object.keys(carriers).map((d, i) => `\tif (cr_route("default", "${d}", "$rU", "$rU", "call_id")) { append_to_reply("Contact: <$ru>;q=${(1 - i / 10).toFixed(1)}\\r\\n"); $var(n) = $var(n) + 1; }\n\t$ru = $var(ruri);`).join('\n');
  const cfg = `#!KAMAILIO
debug=0
log_stderror=yes
children=1
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:${port}
mpath="${modules}/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "carrierroute.so"
modparam("carrierroute", "config_source", "file")
modparam("carrierroute", "config_file", "${crFile}")
request_route {
\tif (is_method("ACK")) exit;
\tif (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
\t$var(ruri) = $ru;
\t$var(n) = 0;
${route}
\tif ($var(n) > 0) sl_send_reply("302", "Moved Temporarily");
\telse sl_send_reply("404", "No Route");
\texit;
}
`;
  const file = join(dir, 'kamailio.cfg');
  writeFileSync(file, cfg);
  return file;
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');

async function main() {
  const t0 = Date.now();
  const load0 = loadavg();
  const rows = [];
  const notes = [];
  log(`building the demo artefact into ${dir} …`);
  const a1 = build(join(dir, 'a1'), 1);
  const a2 = build(join(dir, 'a2'), 2);
  const live = join(dir, 'live.dpa');
  copyFileSync(a1, live);

  // ---- SIP
  const sip = {};
  const all = { dialplane: [], kamailio: [], bare: [] };
  // Best of two rounds, subjects interleaved: other work on the machine comes and goes, and a
  // subject measured once would carry whatever load happened to coincide with it.
  const keep = (key, r) => { all[key].push(r); if (!sip[key] || r.rate > sip[key].rate) sip[key] = r; };
  const modules = KAMAILIO && kamailioModules();
  if (!ONLY.has('sip')) { /* BENCH_ONLY */ } else if (!SIPP) notes.push('SIP rows skipped: sipp not installed (apt-get install sip-tester)');
  else for (let round = 1; round <= ROUNDS; round++) {
    {
      const port = await freePort('udp');
      const p = serve(live, port, 0);
      await waitSip(port);
      await sipp(port, 2000, 1, 'warm-dialplane');
      log(`[${round}/${ROUNDS}] sipp → dialplane serve at ${RATE}/s for ${SECONDS}s …`);
      keep('dialplane', await sipp(port, RATE, SECONDS, 'dialplane', p.pid));
      await stop(p);
    }
    if (!KAMAILIO || !modules) { if (round === 1) notes.push('Kamailio row skipped: kamailio or carrierroute.so not installed'); }
    else {
      const port = await freePort('udp');
      const cfg = kamailioConfig(port, modules);
      const check = spawnSync(KAMAILIO, ['-f', cfg, '-c'], { encoding: 'utf8' });
      if (check.status !== 0) notes.push(`Kamailio config refused: ${check.stderr.slice(-300)}`);
      else {
        const p = start(KAMAILIO, ['-f', cfg, '-DD', '-E', '-n', '1', '-Y', dir, '-m', '64', '-M', '8']);
        try {
          await waitSip(port);
          await sipp(port, 2000, 1, 'warm-kamailio');
          log(`[${round}/${ROUNDS}] sipp → Kamailio carrierroute at ${RATE}/s for ${SECONDS}s …`);
          keep('kamailio', await sipp(port, RATE, SECONDS, 'kamailio', p.pid));
        } finally {
          await stop(p);
        }
      }
    }
    {
      const port = await freePort('udp');
      const p = start(process.execPath, ['-e', BARE, String(port)]);
      await sleep(500); // it answers INVITEs only
      log(`[${round}/${ROUNDS}] sipp → bare Node UDP responder at ${RATE}/s for ${SECONDS}s …`);
      keep('bare', await sipp(port, RATE, SECONDS, 'bare', p.pid));
      await stop(p);
    }
  }
  if (SIPP && ONLY.has('sip')) notes.push(`SIP rounds (calls/s, failed): ${Object.entries(all).filter(([, v]) => v.length).map(([k, v]) => `${k} ${v.map((r) => `${fmt(r.rate)}/${fmt(r.failed)}`).join(', ')}`).join('; ')}; the table shows each subject's best round`);
  if (SIPP && ONLY.has('sip')) {
    const base = sip.kamailio?.rate;
    for (const [key, label] of [['dialplane', '`dialplane serve` (Router, demo artefact)'], ['kamailio', 'Kamailio carrierroute, 1 worker, sl 302'], ['bare', 'bare Node UDP responder (fixed 302)']]) {
      const r = sip[key];
      if (!r) continue;
      const cpu = r.cpuPerCall !== undefined ? `, ${fmt(r.cpuPerCall, 1)} µs CPU/call` : '';
      rows.push([`SIP INVITE→302, sipp at ${fmt(RATE)}/s offered`, label, `${fmt(r.rate)} calls/s`, `${fmt(r.failed)} failed of ${fmt(r.ok + r.failed)}${cpu}`,
        base ? `${fmt(r.rate / base, 2)}× Kamailio` : '']);
    }
    if (sip.dialplane && sip.bare) notes.push(`dialplane serve reaches ${fmt((100 * sip.dialplane.rate) / sip.bare.rate, 1)} % of the bare responder (the cost of routing + SIP parsing)`);
    const cpuNote = Object.entries(all).filter(([, v]) => v.some((r) => r.cpuPerCall !== undefined))
      .map(([k, v]) => `${k} ${v.map((r) => fmt(r.cpuPerCall, 1)).join(', ')}`);
    if (cpuNote.length) notes.push(`SIP CPU per answered call, µs (the subject's processes, user + system, every round; a retransmission-heavy round costs more per answered call): ${cpuNote.join('; ')}`);
  }

  // ---- HTTP
  if (!ONLY.has('http')) { /* BENCH_ONLY */ } else if (!WRK) notes.push('HTTP rows skipped: wrk not installed (apt-get install wrk)');
  else {
    // The demo decision's JSON, for a hello-world that sends a body of the same size.
    const probePort = await freePort('tcp');
    const probe = serve(live, 0, probePort);
    await waitHttp(`http://127.0.0.1:${probePort}/readyz`);
    const body = await (await fetch(`http://127.0.0.1:${probePort}/v1/route?src=127.0.0.1&to=${NUMBER}&callid=bench-1`)).text();
    await stop(probe);
    // Rounds interleave the hello-world and dialplane (best of each kept, every round's ratio noted):
    // other work on the machine comes and goes, and one pair measured once carries whatever load
    // happened to coincide with it.
    let h, hb, d;
    const ratios = [];
    for (let round = 1; round <= HTTP_ROUNDS; round++) {
      const tag = HTTP_ROUNDS > 1 ? `[${round}/${HTTP_ROUNDS}] ` : '';
      const hport = await freePort('tcp');
      const hello = start(process.execPath, ['-e', HELLO, String(hport), body], { cwd: ROOT });
      await waitHttp(`http://127.0.0.1:${hport}/`);
      await wrk(`http://127.0.0.1:${hport}/`, 1);
      log(`${tag}wrk → uWebSockets.js hello-world …`);
      const rh = await wrk(`http://127.0.0.1:${hport}/`, SECONDS, 64, hello.pid);
      log(`${tag}wrk → uWebSockets.js fixed ${body.length}-byte body …`);
      const rhb = await wrk(`http://127.0.0.1:${hport}/big`, SECONDS, 64, hello.pid);
      await stop(hello);

      const port = await freePort('tcp');
      const p = serve(live, 0, port);
      const url = `http://127.0.0.1:${port}/v1/route?src=127.0.0.1&to=${NUMBER}&callid=bench-1`;
      await waitHttp(`http://127.0.0.1:${port}/readyz`);
      await wrk(url, 1);
      log(`${tag}wrk → dialplane serve GET /v1/route …`);
      const rd = await wrk(url, SECONDS, 64, p.pid);
      await stop(p);
      ratios.push(`${fmt(rd.rps)}/${fmt(rh.rps)} = ${fmt(rd.rps / rh.rps, 2)}× (CPU ${fmt(rd.cpuUs, 1)}/${fmt(rh.cpuUs, 1)} µs/req, same-size body ${fmt(rhb.cpuUs, 1)})`);
      if (!h || rh.rps > h.rps) h = rh;
      if (!hb || rhb.rps > hb.rps) hb = rhb;
      if (!d || rd.rps > d.rps) d = rd;
    }
    notes.push(`HTTP rounds (dialplane/hello-world req/s, and server CPU per request): ${ratios.join('; ')}${HTTP_ROUNDS > 1 ? '; the table shows each subject\'s best round' : ''}`);
    const cpu = (r) => (r.cpuUs === undefined ? '' : `, ${fmt(r.cpuUs, 1)} µs CPU/req`);
    rows.push(['HTTP keep-alive, wrk 1 thread 64 conns', 'uWebSockets.js hello-world', `${fmt(h.rps)} req/s`, `p50 ${fmt(h.p50, 3)} ms, p99 ${fmt(h.p99, 3)} ms${cpu(h)}`, '1.00×']);
    rows.push(['HTTP keep-alive, wrk 1 thread 64 conns', `uWebSockets.js fixed ${body.length}-byte body (the decision's size)`, `${fmt(hb.rps)} req/s`, `p50 ${fmt(hb.p50, 3)} ms, p99 ${fmt(hb.p99, 3)} ms${cpu(hb)}`, `${fmt(hb.rps / h.rps, 2)}×`]);
    rows.push(['HTTP keep-alive, wrk 1 thread 64 conns', '`dialplane serve` GET /v1/route', `${fmt(d.rps)} decisions/s`, `p50 ${fmt(d.p50, 3)} ms, p99 ${fmt(d.p99, 3)} ms, ${d.errors} errors${cpu(d)}`, `${fmt(d.rps / h.rps, 2)}× hello-world, ${fmt(d.rps / hb.rps, 2)}× same-size body`]);
  }

  // ---- swaps under load, next to the same load without swaps (the control)
  if (ONLY.has('swap') && (SIPP || WRK)) {
    const rate = Math.round(RATE / 4);
    const mixed = async (swapping) => {
      const sport = await freePort('udp');
      const hport = await freePort('tcp');
      copyFileSync(a1, live);
      const p = serve(live, sport, hport);
      await waitHttp(`http://127.0.0.1:${hport}/readyz`);
      await waitSip(sport);
      let swaps = 0;
      let stopSwapping = false;
      const swapper = (async () => {
        while (swapping && !stopSwapping) {
          await sleep(1000);
          if (stopSwapping) break;
          copyFileSync(swaps % 2 ? a1 : a2, live + '.tmp');
          renameSync(live + '.tmp', live);
          swaps++;
        }
      })();
      log(`${swapping ? 'swapping the artefact every second' : 'control, no swaps'} under sipp ${rate}/s + wrk for ${SECONDS + 2}s …`);
      const [sr, wr] = await Promise.all([
        SIPP ? sipp(sport, rate, SECONDS + 2, swapping ? 'swap' : 'control') : undefined,
        WRK ? wrk(`http://127.0.0.1:${hport}/v1/route?src=127.0.0.1&to=${NUMBER}&callid=swap`, SECONDS + 2, 16) : undefined,
      ]);
      stopSwapping = true;
      await swapper;
      const m = await (await fetch(`http://127.0.0.1:${hport}/metrics`)).text();
      const activated = Number(/^dialplane_artefact_swaps_total (\d+)/m.exec(m)?.[1] ?? 0) - 1;
      const refused = Number(/^dialplane_artefact_refusals_total (\d+)/m.exec(m)?.[1] ?? 0);
      await stop(p);
      const what = swapping ? `swap every 1 s (${swaps} files, ${activated} activated, ${refused} refused)` : 'control: same load, no swap';
      if (sr) rows.push([what, `sipp ${fmt(rate)}/s → dialplane serve`, `${fmt(sr.rate)} calls/s`, `${fmt(sr.failed)} failed of ${fmt(sr.ok + sr.failed)}`, '']);
      if (wr) rows.push([`${swapping ? 'swap' : 'control'} (same run)`, 'wrk 16 conns → GET /v1/route', `${fmt(wr.rps)} decisions/s`, `p50 ${fmt(wr.p50, 3)} ms, p99 ${fmt(wr.p99, 3)} ms, **p99.9 ${fmt(wr.p999, 2)} ms**, ${wr.errors} errors`, '']);
    };
    await mixed(false);
    await mixed(true);
  }

  notes.push(`load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (other work on the machine skews every row alike, but not equally)`);
  const out = ['', `dialplane runtime bench — ${new Date().toISOString()}, Node ${process.version}, ${SECONDS}s per measurement, loopback`, '',
    '| measurement | peer / subject | throughput | failures / latency | ratio |', '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`), '', ...notes.map((n) => `- ${n}`), `- total bench time ${fmt((Date.now() - t0) / 1000, 0)} s`, ''];
  process.stdout.write(out.join('\n'));
}

const cleanup = async () => {
  for (const p of [...children]) await stop(p);
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });
main().then(cleanup, async (e) => { await cleanup(); process.stderr.write(`bench failed: ${e?.stack ?? e}\n`); process.exitCode = 1; });
