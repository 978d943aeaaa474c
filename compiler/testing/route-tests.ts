// Route tests (routes/tests/*.yaml): each case is a call and the parts of the decision expected
// for it. `dialplane test` compiles the repository in memory (check → flatten → encode → decode,
// exactly what `build` + `serve` would do) and runs every case through the runtime's Router, so a
// passing suite says what the served artefact will answer — not what a second implementation
// thinks. CPS limits are off: route tests are about routing, and 44 calls in a millisecond would
// otherwise trip a customer's cps.
import { checkRepository, type CheckResult } from '../pipeline.js';
import { flatten } from '../flatten/flatten.js';
import { encodeArtefact } from '../encode/encode.js';
import { parseMoney } from '../money.js';
import type { RouteRepository } from '../model/model.js';
import { decodeArtefact, type Artefact } from '../../runtime/artefact/decode.js';
import { Router, type RouterOptions } from '../../runtime/router/router.js';
import type { CallQuery, Decision } from '../../runtime/engine/decision.js';

export interface RouteTestCall {
  src?: string;
  user?: string;
  to: string;
  from?: string;
  callId?: string;
  at?: string;
}

export interface RouteTestExpect {
  status?: number;
  reason?: string;
  customer?: string;
  route?: string;
  prefix?: string;
  carriers?: string[];
  cards?: string[];
  sell?: string | number;
  maxDuration?: string | number;
  number?: string;
}

export interface RouteTestCase {
  name: string;
  call: RouteTestCall;
  expect: RouteTestExpect;
}

export interface CaseResult {
  suite: string;
  file: string;
  name: string;
  passed: boolean;
  /** One line per expectation that did not hold: `route: expected uk, got rest-of-world`. */
  failures: string[];
  query: CallQuery;
  decision: Decision;
  ms: number;
}

export interface SuiteResult {
  id: string;
  name: string;
  file: string;
  cases: CaseResult[];
}

export interface CompiledRepository {
  check: CheckResult;
  repo?: RouteRepository;
  artefact?: Artefact;
}

/** check → flatten → encode → decode, in memory. `artefact` is absent when the repository has errors. */
export async function compileInMemory(dir: string, asOf = Date.now()): Promise<CompiledRepository> {
  const check = await checkRepository(dir);
  if (!check.repo) return { check };
  const flat = flatten(check.repo, { asOf });
  const { bytes } = encodeArtefact(flat, { serial: 0, revision: 'dialplane-test' });
  return { check, repo: check.repo, artefact: decodeArtefact(bytes) };
}

/** Whole seconds of a Duration ("2h", "1h30m", "90s", or a number of seconds). */
export function durationSeconds(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v.length === 0) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** "127.0.0.1:5070" → address and port; "[::1]:5060" likewise; a bare IPv6 address is kept whole. */
export function splitSource(src: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(src);
  if (v6) return v6[2] ? { address: v6[1]!, port: Number(v6[2]) } : { address: v6[1]! };
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(src);
  if (v4) return { address: v4[1]!, port: Number(v4[2]) };
  return { address: src };
}

export function callQuery(call: RouteTestCall, explain: boolean): CallQuery {
  const q: CallQuery = { src: '', to: call.to, explain };
  if (call.src !== undefined) {
    const s = splitSource(call.src);
    q.src = s.address;
    if (s.port !== undefined) q.srcPort = s.port;
  }
  if (call.user !== undefined) q.user = call.user;
  if (call.from !== undefined) q.from = call.from;
  if (call.callId !== undefined) q.callId = call.callId;
  if (call.at !== undefined) q.at = Date.parse(call.at);
  return q;
}

/** The called number as the first target receives it: the user part of its URI. */
export function firstTargetNumber(d: Decision): string | undefined {
  const uri = d.targets[0]?.uri;
  if (!uri) return undefined;
  const at = uri.indexOf('@');
  return uri.slice(uri.startsWith('sip:') ? 4 : uri.startsWith('sips:') ? 5 : 0, at < 0 ? uri.length : at);
}

const show = (v: unknown) => (v === undefined ? '(none)' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** The expectations of one case that the decision does not meet. */
export function compareDecision(expect: RouteTestExpect, d: Decision): string[] {
  const out: string[] = [];
  const eq = (field: string, want: unknown, got: unknown) => {
    const same = Array.isArray(want) ? Array.isArray(got) && want.length === got.length && want.every((x, i) => x === got[i]) : want === got;
    if (!same) out.push(`${field}: expected ${show(want)}, got ${show(got)}`);
  };
  if (expect.status !== undefined) eq('status', expect.status, d.status);
  if (expect.reason !== undefined) eq('reason', expect.reason, d.reason);
  if (expect.customer !== undefined) eq('customer', expect.customer, d.customer);
  if (expect.route !== undefined) eq('route', expect.route, d.route);
  if (expect.prefix !== undefined) eq('prefix', expect.prefix, d.prefix);
  if (expect.carriers !== undefined) eq('carriers', expect.carriers, d.targets.map((t) => t.carrier));
  if (expect.cards !== undefined) eq('cards', expect.cards, d.targets.map((t) => t.card));
  if (expect.sell !== undefined) {
    const want = parseMoney(String(expect.sell));
    const got = d.sell === undefined ? undefined : parseMoney(d.sell);
    if (!want.ok || !got || !got.ok || want.micros !== got.micros) out.push(`sell: expected ${expect.sell}, got ${show(d.sell)}`);
  }
  if (expect.maxDuration !== undefined) eq('maxDuration (s)', durationSeconds(expect.maxDuration), d.maxDuration);
  if (expect.number !== undefined) eq('number', expect.number, firstTargetNumber(d));
  return out;
}

export interface RunOptions extends RouterOptions {
  /** Only cases whose "suite › name" contains this text. */
  filter?: string;
}

/** Runs every suite of the repository through a Router over `artefact`, suites in id order. */
export function runRouteTests(repo: RouteRepository, artefact: Artefact, options: RunOptions = {}): SuiteResult[] {
  const router = new Router(artefact, { limits: false, ...options });
  const suites: SuiteResult[] = [];
  for (const id of [...repo.tests.keys()].sort()) {
    const suite = repo.tests.get(id)!;
    const value = suite.value as { cases: RouteTestCase[] };
    const result: SuiteResult = { id, name: suite.name, file: suite.doc.file, cases: [] };
    for (const c of value.cases) {
      if (options.filter && !`${id} › ${c.name}`.includes(options.filter)) continue;
      const query = callQuery(c.call, true);
      const t0 = performance.now();
      const decision = router.decide(query);
      const ms = performance.now() - t0;
      const failures = compareDecision(c.expect, decision);
      result.cases.push({ suite: id, file: suite.doc.file, name: c.name, passed: failures.length === 0, failures, query, decision, ms });
    }
    suites.push(result);
  }
  return suites;
}
