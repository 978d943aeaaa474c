// `dialplane test [dir]`: the route tests of routes/tests/*.yaml, run like unit tests. The
// repository is compiled in memory and every case goes through the runtime's decision engine;
// failures print what differed and the decision trace. `--format junit|json` for CI; exit 1 when
// a case fails or the repository does not compile.
import path from 'node:path';
import { compileInMemory, runRouteTests, type CaseResult, type SuiteResult } from '../../compiler/testing/route-tests.js';
import { formatDiagnostics } from '../format.js';
import { parseCommandArgs } from '../args.js';

const HELP = `usage: dialplane test [dir] [options]

  --format human|junit|json   output (default human)
  --filter <text>             only cases whose "suite › name" contains <text>
  --as-of <time>              ISO time or epoch ms at which deck effective dates are judged (default now)
`;

export async function runTest(argv: string[]): Promise<number> {
  const args = parseCommandArgs('test', argv, {
    format: { type: 'string', default: 'human' },
    filter: { type: 'string' },
    'as-of': { type: 'string' },
  }, HELP);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const format = values.format as string;
  if (!['human', 'junit', 'json'].includes(format)) {
    process.stderr.write(`dialplane test: --format must be human, junit or json\n`);
    return 2;
  }
  let asOf = Date.now();
  if (values['as-of'] !== undefined) {
    const text = values['as-of'] as string;
    asOf = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(asOf)) {
      process.stderr.write('dialplane test: --as-of must be an ISO date/time or epoch milliseconds\n');
      return 2;
    }
  }
  const dir = positionals[0] ?? 'routes';
  const t0 = performance.now();
  const compiled = await compileInMemory(dir, asOf);
  if (!compiled.repo || !compiled.artefact) {
    process.stderr.write(formatDiagnostics(compiled.check.bag, path.resolve(dir), 'human', process.stderr.isTTY === true));
    process.stderr.write('\ndialplane test: the repository does not compile; no test was run\n');
    return 1;
  }
  const suites = runRouteTests(compiled.repo, compiled.artefact, values.filter ? { filter: values.filter as string } : {});
  const ms = performance.now() - t0;
  const all = suites.flatMap((s) => s.cases);
  const failed = all.filter((c) => !c.passed);
  if (format === 'json') process.stdout.write(JSON.stringify(jsonReport(suites, ms), null, 2) + '\n');
  else if (format === 'junit') process.stdout.write(junit(suites, ms));
  else process.stdout.write(human(suites, ms, process.stdout.isTTY === true));
  return failed.length > 0 ? 1 : 0;
}

function human(suites: SuiteResult[], ms: number, colour: boolean): string {
  const c = (code: string, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const s of suites) {
    out.push(`${s.file}  ${c('1', s.name)}`);
    for (const k of s.cases) out.push(`  ${k.passed ? c('32', '✓') : c('31', '✗')} ${k.name}`);
  }
  const failed = suites.flatMap((s) => s.cases).filter((k) => !k.passed);
  for (const k of failed) {
    out.push('', c('31', `✗ ${k.suite} › ${k.name}`));
    for (const f of k.failures) out.push(`    ${f}`);
    out.push(`    call: ${JSON.stringify(callOf(k))}`);
    out.push(`    decision: ${k.decision.status} ${k.decision.reason}`);
    for (const line of k.decision.trace ?? []) out.push(`      ${line}`);
  }
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  out.push('', `${failed.length === 0 ? c('32', 'passed') : c('31', 'FAILED')}: ${total - failed.length} passed, ${failed.length} failed, ${total} cases in ${suites.length} suites (${ms.toFixed(0)} ms)`);
  return out.join('\n') + '\n';
}

function callOf(k: CaseResult): Record<string, unknown> {
  const { explain: _explain, ...q } = k.query;
  return q;
}

function jsonReport(suites: SuiteResult[], ms: number) {
  const all = suites.flatMap((s) => s.cases);
  return {
    passed: all.filter((k) => k.passed).length,
    failed: all.filter((k) => !k.passed).length,
    ms: Math.round(ms),
    suites: suites.map((s) => ({
      id: s.id,
      name: s.name,
      file: s.file,
      cases: s.cases.map((k) => {
        const { trace, ...decision } = k.decision;
        return { name: k.name, passed: k.passed, failures: k.failures, call: callOf(k), decision, ...(k.passed ? {} : { trace }) };
      }),
    })),
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function junit(suites: SuiteResult[], ms: number): string {
  const all = suites.flatMap((s) => s.cases);
  const failures = all.filter((k) => !k.passed).length;
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="dialplane route tests" tests="${all.length}" failures="${failures}" time="${(ms / 1000).toFixed(3)}">`];
  for (const s of suites) {
    const f = s.cases.filter((k) => !k.passed).length;
    const time = s.cases.reduce((n, k) => n + k.ms, 0) / 1000;
    out.push(`  <testsuite name="${xml(s.id)}" file="${xml(s.file)}" tests="${s.cases.length}" failures="${f}" time="${time.toFixed(3)}">`);
    for (const k of s.cases) {
      const open = `    <testcase classname="${xml(s.id)}" name="${xml(k.name)}" file="${xml(s.file)}" time="${(k.ms / 1000).toFixed(4)}"`;
      if (k.passed) { out.push(`${open}/>`); continue; }
      out.push(`${open}>`);
      const body = [...k.failures, '', `decision: ${k.decision.status} ${k.decision.reason}`, ...(k.decision.trace ?? [])].join('\n');
      out.push(`      <failure message="${xml(k.failures.join('; '))}">${xml(body)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
