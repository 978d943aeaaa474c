// A stand-in decision engine built from the artefact's plain lookup (runtime/artefact/lookup.ts):
// authentication by most specific source CIDR (else username), route choice, the compiled entry,
// candidates in stored order, for each carrier its first enabled gateway (or that gateway's
// backup), the carrier's egress rewriting, and the default rejection phrases. No schedules, CLI
// rules, DNC, dynamic strategies or limits: the real engine (runtime/engine) does those.
import type { Artefact } from '../artefact/decode.js';
import * as F from '../artefact/format.js';
import { lookupCall } from '../artefact/lookup.js';
import { CidrIndex, type CidrEntry } from '../engine/cidr-index.js';
import type { CallQuery, Decision, DecisionTarget } from '../engine/decision.js';
import type { Decider } from './decider.js';

const REASONS: Record<string, [number, string]> = {
  ipNotAuthorised: [403, 'IP Not Authorised'],
  unknownCustomer: [403, 'IP Not Authorised'],
  noIngressRoute: [580, 'No Route Available'],
  addressIncomplete: [484, 'Address Incomplete'],
  noRoutesPre: [503, 'No Routes Available (Pre)'],
  destinationTypeBlocked: [503, 'Destination Type Blocked'],
  rateCapped: [503, 'Rate Capped'],
  noRoutesLock: [503, 'No Routes Available (Lock)'],
  noRoutesProfitAssurance: [503, 'No Routes Available (Profit Assurance)'],
  noGateway: [503, 'No Routes Available'],
};

/** Micro-units → decimal text: 13970 → "0.01397", -500 → "-0.0005". */
export function microText(v: number): string {
  const neg = v < 0;
  const a = Math.abs(Math.round(v));
  let frac = String(a % 1_000_000).padStart(6, '0');
  while (frac.length > 0 && frac.endsWith('0')) frac = frac.slice(0, -1);
  const s = String(Math.floor(a / 1_000_000)) + (frac ? '.' + frac : '');
  return neg ? '-' + s : s;
}

function v6Text(w: Uint32Array, b: number): string {
  const g: string[] = [];
  for (let i = 0; i < 4; i++) {
    const x = w[b + i]!;
    g.push((x >>> 16).toString(16), (x & 0xffff).toString(16));
  }
  return g.join(':');
}

function reject(key: string, extra: Partial<Decision> = {}): Decision {
  const [status, reason] = REASONS[key] ?? [503, key];
  return { status, reason, targets: [], dropped: [], ...extra };
}

export function lookupDecider(a: Artefact): Decider {
  // Several customers may share a network (told apart by tech prefix): the index maps a network
  // to a group of customers.
  const groups: number[][] = [];
  const groupOf = new Map<string, number>();
  const add = (cidr: string, customer: number) => {
    let g = groupOf.get(cidr);
    if (g === undefined) { g = groups.length; groups.push([]); groupOf.set(cidr, g); }
    groups[g]!.push(customer);
  };
  for (let i = 0; i < a.counts.ipv4; i++) {
    const b = i * F.IPV4.width;
    const ad = a.ipv4[b + F.IPV4.at.address]!;
    add(`${ad >>> 24}.${(ad >>> 16) & 255}.${(ad >>> 8) & 255}.${ad & 255}/${a.ipv4[b + F.IPV4.at.prefixLength]}`, a.ipv4[b + F.IPV4.at.customer]!);
  }
  for (let i = 0; i < a.counts.ipv6; i++) {
    const b = i * F.IPV6.width;
    add(`${v6Text(a.ipv6, b)}/${a.ipv6[b + F.IPV6.at.prefixLength]}`, a.ipv6[b + F.IPV6.at.customer]!);
  }
  const entries: CidrEntry[] = [...groupOf].map(([cidr, value]) => ({ cidr, value }));
  const built = CidrIndex.build(entries);
  if (!built.ok) throw new Error(`source index: ${built.error}`);
  const cidr = built.index;
  const users = new Map<string, number>();
  for (let i = 0; i < a.counts.users; i++) {
    const b = i * F.USER.width;
    users.set(a.string(a.users[b + F.USER.at.username]!), a.users[b + F.USER.at.customer]!);
  }
  const customerIds: string[] = [];
  for (let c = 0; c < a.counts.customers; c++) customerIds.push(a.string(a.customers[c * F.CUSTOMER.width + F.CUSTOMER.at.id]!));
  const carriers = new Map<string, number>();
  for (let c = 0; c < a.counts.carriers; c++) carriers.set(a.string(a.carriers[c * F.CARRIER.width + F.CARRIER.at.id]!), c);
  // Runtime gateway state: starts from the artefact's flags, changed by the admin API.
  const enabled = new Uint8Array(a.counts.gateways);
  const gatewayIndex = new Map<string, number>();
  for (let g = 0; g < a.counts.gateways; g++) {
    const b = g * F.GATEWAY.width;
    enabled[g] = a.gateways[b + F.GATEWAY.at.flags]! & F.ENABLED;
    const carrier = a.string(a.carriers[a.gateways[b + F.GATEWAY.at.carrier]! * F.CARRIER.width + F.CARRIER.at.id]!);
    gatewayIndex.set(carrier + '\n' + a.string(a.gateways[b + F.GATEWAY.at.id]!), g);
  }

  function gatewayOf(carrier: number): number {
    const cb = carrier * F.CARRIER.width;
    const first = a.carriers[cb + F.CARRIER.at.gatewayFirst]!;
    const count = a.carriers[cb + F.CARRIER.at.gatewayCount]!;
    for (let g = first; g < first + count; g++) {
      if (enabled[g]) return g;
      const backup = a.gateways[g * F.GATEWAY.width + F.GATEWAY.at.backup]!;
      if (backup !== 0xffffffff && backup < enabled.length && enabled[backup]) return backup;
    }
    return -1;
  }

  function egress(carrier: number, number: string): string {
    const cb = carrier * F.CARRIER.width;
    const strip = a.carriers[cb + F.CARRIER.at.egressStrip]!;
    const s = (i: number) => a.stringOpt(a.carriers[cb + i]!) ?? '';
    return s(F.CARRIER.at.egressTechPrefix) + s(F.CARRIER.at.egressPrefix) + number.slice(strip) + s(F.CARRIER.at.egressSuffix);
  }

  return {
    serial: a.serial,
    setGatewayEnabled(carrier, gateway, on) {
      const g = gatewayIndex.get(carrier + '\n' + gateway);
      if (g === undefined) return false;
      enabled[g] = on ? 1 : 0;
      return true;
    },
    decide(q: CallQuery): Decision {
      const g = cidr.lookup(q.src);
      let c = -1;
      let found: ReturnType<typeof lookupCall> | undefined;
      if (g >= 0) {
        // Shared network: the customer whose route claims the number with the longest tech prefix.
        for (const k of groups[g]!) {
          const f = lookupCall(a, customerIds[k]!, q.to);
          if (c < 0 || (f.ok && (!found!.ok || f.result.techPrefix.length > found!.result.techPrefix.length))) { c = k; found = f; }
        }
      } else if (q.user) {
        c = users.get(q.user) ?? -1;
        if (c >= 0) found = lookupCall(a, customerIds[c]!, q.to);
      }
      if (c < 0 || !found) return reject('ipNotAuthorised');
      const trace: string[] | undefined = q.explain ? [`customer ${customerIds[c]} by ${q.user && cidr.lookup(q.src) < 0 ? 'username' : 'source address'}`] : undefined;
      if (!found.ok) return reject(found.reason, { customer: customerIds[c]!, ...(trace ? { trace } : {}) });
      const r = found.result;
      const base = { customer: r.customer, route: r.route, currency: r.currency, number: r.number, ...(q.from !== undefined ? { cli: q.from } : {}) };
      trace?.push(`route ${r.route} (tech prefix "${r.techPrefix}", card ${r.card}, strategy ${r.strategy})`);
      const e = r.entry;
      if (!e) return reject('noRoutesPre', { ...base, ...(trace ? { trace } : {}) });
      const rest = { ...base, prefix: e.prefix, destination: e.destination, sell: microText(e.sell) };
      trace?.push(`prefix ${e.prefix} ${e.destination}: sell ${microText(e.sell)}, ${e.candidates.length} candidates`);
      if (e.reject) return reject(e.reject, { ...rest, ...(trace ? { trace } : {}) });
      const targets: DecisionTarget[] = [];
      const dropped: Decision['dropped'] = [];
      for (const cand of e.candidates) {
        const ci = carriers.get(cand.carrier)!;
        if (!(a.carriers[ci * F.CARRIER.width + F.CARRIER.at.flags]! & F.ENABLED)) { dropped.push({ carrier: cand.carrier, card: cand.deck, why: 'carrier-disabled' }); continue; }
        const g = gatewayOf(ci);
        if (g < 0) { dropped.push({ carrier: cand.carrier, card: cand.deck, why: 'no-gateway' }); continue; }
        const gb = g * F.GATEWAY.width;
        const transport = F.TRANSPORTS[a.gateways[gb + F.GATEWAY.at.transport]!]!;
        targets.push({
          uri: `sip:${egress(ci, r.number)}@${a.string(a.gateways[gb + F.GATEWAY.at.host]!)}:${a.gateways[gb + F.GATEWAY.at.port]}${transport === 'udp' ? '' : ';transport=' + transport}`,
          carrier: cand.carrier,
          gateway: a.string(a.gateways[gb + F.GATEWAY.at.id]!),
          card: cand.deck,
          cost: microText(cand.rate),
          margin: microText(e.sell - cand.rate),
        });
        if (targets.length >= 5) break;
      }
      trace?.push(...targets.map((t) => `target ${t.carrier}/${t.gateway} cost ${t.cost}`), ...dropped.map((d) => `dropped ${d.carrier}: ${d.why}`));
      if (targets.length === 0) return reject('noGateway', { ...rest, dropped, ...(trace ? { trace } : {}) });
      return { status: 302, reason: 'Moved Temporarily', ...rest, maxDuration: 14400, targets, dropped, ...(trace ? { trace } : {}) };
    },
  };
}
