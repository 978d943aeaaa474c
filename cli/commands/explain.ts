// `dialplane explain --artefact <f.dpa> --src <ip> --to <number> [...]`: the full decision for one
// call with its trace — who the customer is, which ingress route and why, the matched prefix and
// price, why each candidate was kept or dropped, and the targets. CPS limits are not applied (one
// call from a fresh engine would never meet them anyway).
import { parseCommandArgs } from '../args.js';
import { Router } from '../../runtime/router/router.js';
import type { CallQuery } from '../../runtime/engine/decision.js';
import { splitSource } from '../../compiler/testing/route-tests.js';
import { loadArtefactFile } from './inspect.js';

const USAGE = `usage: dialplane explain --artefact <file.dpa> --to <number> [--src <ip>] [--user <name>]
                        [--from <cli>] [--call-id <id>] [--at <ISO time or epoch ms>] [--json]
`;

export async function runExplain(argv: string[]): Promise<number> {
  const args = parseCommandArgs('explain', argv, {
    artefact: { type: 'string' }, src: { type: 'string' }, to: { type: 'string' }, from: { type: 'string' },
    user: { type: 'string' }, 'call-id': { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean', default: false },
  }, USAGE, 2, 0);
  if (typeof args === 'number') return args;
  const { values } = args;
  if (!values.artefact || values.to === undefined || (values.src === undefined && values.user === undefined)) {
    process.stderr.write(`dialplane explain: --artefact, --to and one of --src or --user are required\n\n${USAGE}`);
    return 2;
  }
  const query: CallQuery = { src: '', to: values.to as string, explain: true };
  if (values.src !== undefined) {
    const s = splitSource(values.src as string);
    query.src = s.address;
    if (s.port !== undefined) query.srcPort = s.port;
  }
  if (values.user !== undefined) query.user = values.user as string;
  if (values.from !== undefined) query.from = values.from as string;
  if (values['call-id'] !== undefined) query.callId = values['call-id'] as string;
  if (values.at !== undefined) {
    const text = values.at as string;
    const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(at)) {
      process.stderr.write('dialplane explain: --at must be an ISO date/time or epoch milliseconds\n');
      return 2;
    }
    query.at = at;
  }
  const a = await loadArtefactFile(values.artefact as string, 'explain');
  if (!a) return 1;
  const d = new Router(a, { limits: false }).decide(query);
  if (values.json) {
    process.stdout.write(JSON.stringify(d, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  out.push(`${d.status} ${d.reason}`);
  for (const line of d.trace ?? []) out.push(`  ${line}`);
  if (d.status === 302) {
    out.push('', `customer ${d.customer}, route ${d.route}, prefix ${d.prefix} ${d.destination ?? ''}`.trimEnd());
    out.push(`sell ${d.sell} ${d.currency}/min, max duration ${d.maxDuration} s, number ${d.number}, CLI ${d.cli || '(none)'}`);
    d.targets.forEach((t, i) => out.push(`  ${i + 1}. ${t.uri}  (${t.carrier}/${t.gateway}, card ${t.card}, cost ${t.cost}, margin ${t.margin})`));
  }
  for (const x of d.dropped) out.push(`  dropped ${x.carrier} (${x.card}): ${x.why}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
