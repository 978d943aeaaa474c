// `dialplane lookup --artefact <f> --customer <id> --number <digits> [--json]`: what the compiled
// artefact holds for one call — the ingress route, matched prefix, destination, sell rate and the
// candidates in their compiled order. Dynamic choices (weights, gateways, limits) are the runtime's.
import { parseCommandArgs } from '../args.js';
import { formatMoney } from '../../compiler/money.js';
import { lookupCall } from '../../runtime/artefact/lookup.js';
import { loadArtefactFile } from './inspect.js';

const USAGE = `usage: dialplane lookup --artefact <file.dpa> --customer <id> --number <digits> [--json]

  The compiled answer for one call: the ingress route, the matched prefix, destination, sell
  rate and the candidates in order, as the artefact holds them.
`;

export async function runLookup(argv: string[]): Promise<number> {
  const args = parseCommandArgs('lookup', argv, {
    artefact: { type: 'string' }, customer: { type: 'string' }, number: { type: 'string' }, json: { type: 'boolean', default: false },
  }, USAGE, 2, 0);
  if (typeof args === 'number') return args;
  const values = args.values as { artefact?: string; customer?: string; number?: string; json?: boolean };
  if (!values.artefact || !values.customer || values.number === undefined) {
    process.stderr.write(`dialplane lookup: --artefact, --customer and --number are required\n\n${USAGE}`);
    return 2;
  }
  const a = await loadArtefactFile(values.artefact, 'lookup');
  if (!a) return 1;
  const number = values.number.replace(/^\+/, '');
  const r = lookupCall(a, values.customer, number);
  if (values.json) {
    process.stdout.write(JSON.stringify(r.ok ? { ok: true, ...r.result } : r, null, 2) + '\n');
    return r.ok ? 0 : 1;
  }
  if (!r.ok) {
    const why = { unknownCustomer: `no customer "${values.customer}"`, noIngressRoute: 'no ingress route has a tech prefix that starts the number', blockedByDialplan: 'no ingress route\'s dial string accepts the number', addressIncomplete: 'the number is not all digits' }[r.reason];
    process.stdout.write(`${values.customer} → ${values.number}: ${why} (${r.reason})\n`);
    return 1;
  }
  const x = r.result;
  const money = (m: number) => `${formatMoney(m)} ${x.currency}`;
  const out = [`customer ${x.customer}, route ${x.route}${x.techPrefix ? ` (tech prefix ${x.techPrefix})` : ''}, card ${x.card}, strategy ${x.strategy}${x.dynamic ? ' (chosen per call at run time)' : ''}`];
  if (!x.entry) {
    out.push(`number ${x.number}: the card has no prefix for it (noRoutesPre)`);
  } else {
    const e = x.entry;
    out.push(`number ${x.number} → prefix ${e.prefix}, ${e.destination || '(no destination name)'} (${e.type})`);
    out.push(`sell ${money(e.sell)}/min, connection ${money(e.connectFee)}, billing ${x.billing.initial}/${x.billing.increment}`);
    if (e.reject) out.push(`rejected: ${e.reject}`);
    e.candidates.forEach((c, i) => {
      out.push(`  ${i + 1}. ${c.deck} (carrier ${c.carrier}): cost ${money(c.rate)}/min, connection ${money(c.connectFee)}, billing ${c.initial}/${c.increment}, margin ${money(e.sell - c.rate)}/min`);
    });
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
