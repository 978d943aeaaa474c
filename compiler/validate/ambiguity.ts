// Semantic checks that keep route selection deterministic (DESIGN.md: "Ambiguity is an error").
//  - DP3008: two ingress routes of one customer claim a number at equal tech prefix, equal dial
//    specificity and equal precedence. ConnexCS says "no guarantee" which one wins; we refuse.
//  - DP3007: the same, except both routes are scheduled and their schedules can be open at once.
//  - DP3009: customers sharing a source IP must be told apart by distinct tech prefixes.
import type { DiagnosticBag } from '../diagnostics.js';
import { regexLiterals } from '../dial.js';
import { schedulesOverlap } from '../schedule-time.js';
import type { Customer, IngressRoute, RouteRepository } from '../model/model.js';

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Each literal a route claims with, mapped to where it was written (for the message). */
export function routeLiterals(route: IngressRoute, repo: RouteRepository): Map<string, string> {
  const out = new Map<string, string>();
  if (route.dial.any) out.set('', 'no dial string (every number)');
  for (const p of route.dial.prefixes) if (!out.has(p)) out.set(p, `prefix ${p}`);
  for (const id of route.dial.prefixSets) {
    for (const p of repo.prefixSets.get(id)?.prefixes ?? []) if (!out.has(p)) out.set(p, `prefix ${p} of set ${id}`);
  }
  for (const re of route.dial.regex) {
    for (const lit of regexLiterals(re.source)) if (!out.has(lit)) out.set(lit, `pattern ${re.source}`);
  }
  return out;
}

export function checkRouteAmbiguity(repo: RouteRepository, bag: DiagnosticBag): void {
  for (const customer of repo.customers.values()) checkCustomer(customer, repo, bag);
}

function checkCustomer(customer: Customer, repo: RouteRepository, bag: DiagnosticBag): void {
  const routes = customer.routes.filter((r) => r.enabled);
  const literals = routes.map((r) => routeLiterals(r, repo));
  for (let j = 1; j < routes.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = routes[i]!;
      const b = routes[j]!;
      if (a.techPrefix !== b.techPrefix) continue;
      const shared = firstShared(literals[i]!, literals[j]!);
      if (shared === undefined) continue;
      const sa = a.schedule ? repo.schedules.get(a.schedule) : undefined;
      const sb = b.schedule ? repo.schedules.get(b.schedule) : undefined;
      if ((a.schedule && !sa) || (b.schedule && !sb)) continue; // already a reference error
      if ((sa?.precedence ?? 0) !== (sb?.precedence ?? 0)) continue;
      const number = shared === '' ? 'any number' : `numbers starting ${shared}`;
      const how = `both routes claim ${number} (${literals[i]!.get(shared)} / ${literals[j]!.get(shared)})${a.techPrefix ? ` behind tech prefix ${a.techPrefix}` : ''}`;
      if (sa && sb && sa !== sb) {
        const when = schedulesOverlap(sa, sb);
        if (!when) continue;
        const at = `${DAY_NAMES[when.day]} ${String(Math.floor(when.minute / 60)).padStart(2, '0')}:${String(when.minute % 60).padStart(2, '0')} UTC`;
        bag.report('DP3007', b.doc.locate([...b.path, 'schedule']),
          `schedules "${sa.id}" and "${sb.id}" are both open at ${at} with precedence ${sa.precedence}, and ${how}; give one a higher precedence`,
          [{ ...a.doc.locate([...a.path, 'schedule']), message: `route "${a.id}" uses schedule "${sa.id}"` }]);
        continue;
      }
      bag.report('DP3008', b.doc.locate([...b.path, 'id']),
        `ingress routes "${a.id}" and "${b.id}" of customer "${customer.id}" have no deterministic winner: ${how}; use distinct tech prefixes, more specific dial strings, or schedules with different precedence`,
        [{ ...a.doc.locate([...a.path, 'id']), message: `route "${a.id}"` }]);
    }
  }
}

function firstShared(a: Map<string, string>, b: Map<string, string>): string | undefined {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let best: string | undefined;
  for (const lit of small.keys()) if (large.has(lit) && (best === undefined || lit < best)) best = lit;
  return best;
}

export function checkSharedIps(repo: RouteRepository, bag: DiagnosticBag): void {
  const byNetwork = new Map<string, { customer: Customer; index: number }[]>();
  for (const customer of repo.customers.values()) {
    if (!customer.enabled) continue;
    customer.ips.forEach((ip, index) => {
      const key = `${ip.address}/${ip.prefixLength}`;
      byNetwork.set(key, [...(byNetwork.get(key) ?? []), { customer, index }]);
    });
  }
  for (const [network, users] of byNetwork) {
    const customers = [...new Map(users.map((u) => [u.customer.id, u])).values()];
    if (customers.length < 2) continue;
    const owners = new Map<string, Customer>();
    for (const { customer, index } of customers) {
      const ipAt = customer.doc.locate([...customer.path, ...customer.ips[index]!.path]);
      const others = customers.filter((c) => c.customer !== customer).map((c) => c.customer.id).join(', ');
      for (const route of customer.routes) {
        if (!route.enabled) continue;
        if (route.techPrefix === '') {
          bag.report('DP3009', route.doc.locate([...route.path, 'id']),
            `customer "${customer.id}" shares ${network} with ${others}, so its route "${route.id}" needs a tech prefix to tell the customers apart`,
            [{ ...ipAt, message: `${network} given here` }]);
          continue;
        }
        const owner = owners.get(route.techPrefix);
        if (owner && owner !== customer) {
          bag.report('DP3009', route.doc.locate([...route.path, 'techPrefix']),
            `tech prefix ${route.techPrefix} is used by customers "${owner.id}" and "${customer.id}", which share ${network}: a call cannot be attributed`,
            [{ ...ipAt, message: `${network} given here` }]);
        } else owners.set(route.techPrefix, customer);
      }
    }
  }
}
