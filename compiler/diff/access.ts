// Phase "diff", configuration: who may send traffic and how it is admitted (customers, source
// addresses, SIP users, ingress routes and their filters, DNC lists), plus cards and carriers,
// read from the artefact records of both sides and compared by id. Anything that widens or
// narrows who can call what, or where calls go, is flagged security-relevant.
import type { Artefact } from '../../runtime/artefact/decode.js';
import * as F from '../../runtime/artefact/format.js';
import { regexLiterals } from '../dial.js';
import { formatMoney } from '../money.js';

export type Scope = 'network' | 'customer' | 'route' | 'card' | 'carrier';

export interface ConfigChange {
  scope: Scope;
  /** customer id, `customer/route`, card id or carrier id. */
  subject: string;
  what: string;
  from?: string;
  to?: string;
  security: boolean;
}

export interface RouteInfo {
  customer: string;
  id: string;
  /** `customer/route`. */
  key: string;
  table: number;
  card: string;
  currency: string;
  /** The literal prefixes the dial string can reach, sorted; null: any number. */
  reach: string[] | null;
  fields: Record<string, string>;
}

interface CustomerInfo {
  fields: Record<string, string>;
  ips: Set<string>;
  users: Map<string, string>;
  routes: Map<string, RouteInfo>;
}

/** Field name → whether a change to it is security-relevant. */
const CUSTOMER_FIELDS: Record<string, boolean> = { enabled: true, cps: false, channels: false, 'CLI allow': true, 'forced CLI': true };
const ROUTE_FIELDS: Record<string, boolean> = {
  enabled: true, 'tech prefix': true, 'dial prefixes': true, 'dial regex': true, card: false, strategy: false,
  lock: true, exclude: true, 'DNC lists': true, schedule: false, 'blocked types': true, 'capped rate': false,
  'provider capped rate': false, 'profit assurance': false, 'block connect cost': false, 'max duration': false,
  cps: false, channels: false, 'called number actions': false, 'calling number actions': false,
};

const list = (x: Artefact, at: number, item: (w: number) => string) => Array.from(x.list(at), item);
const optNum = (w: number) => (w === F.NONE ? 'none' : String(w));

export interface Snapshot {
  network: Record<string, string>;
  customers: Map<string, CustomerInfo>;
  routes: Map<string, RouteInfo>;
  cards: Map<string, Record<string, string>>;
  carriers: Map<string, Record<string, string>>;
  /** DNC list id → numbers. */
  numberLists: Map<string, Set<string>>;
}

export function snapshot(x: Artefact): Snapshot {
  const str = (w: number) => x.string(w);
  const deckId = (d: number) => x.string(x.decks[d * F.DECK.width + F.DECK.at.id]!);
  const C = F.CUSTOMER, R = F.ROUTE, T = F.TABLE, CD = F.CARD;
  const customers = new Map<string, CustomerInfo>();
  const routes = new Map<string, RouteInfo>();
  const byIndex: CustomerInfo[] = [];
  const cardInfo = (card: number) => {
    const b = card * CD.width;
    return { id: str(x.cards[b + CD.at.id]!), currency: str(x.cards[b + CD.at.currency]!) };
  };
  for (let c = 0; c < x.counts.customers; c++) {
    const b = c * C.width;
    const id = str(x.customers[b + C.at.id]!);
    const info: CustomerInfo = {
      // A display name routes nothing: left out, so renaming a customer is "no routing change".
      fields: {
        enabled: x.customers[b + C.at.flags]! & F.ENABLED ? 'yes' : 'no',
        cps: optNum(x.customers[b + C.at.cps]!),
        channels: optNum(x.customers[b + C.at.channels]!),
        'CLI allow': list(x, x.customers[b + C.at.cliAllow]!, str).join(', ') || 'any',
        'forced CLI': x.stringOpt(x.customers[b + C.at.cliForce]!) ?? 'none',
      },
      ips: new Set(),
      users: new Map(),
      routes: new Map(),
    };
    customers.set(id, info);
    byIndex.push(info);
    const first = x.customers[b + C.at.routeFirst]!, n = x.customers[b + C.at.routeCount]!;
    for (let r = first; r < first + n; r++) {
      const rb = r * R.width;
      const t = x.routes[rb + R.at.table]!;
      const tb = t * T.width;
      const flags = x.tables[tb + T.at.flags]!;
      const card = cardInfo(x.tables[tb + T.at.card]!);
      const blockMask = x.tables[tb + T.at.blockTypes]!;
      const schedule = x.routes[rb + R.at.schedule]!;
      const moneyOpt = (w: number) => (w === F.NONE ? 'none' : formatMoney(x.money(w)));
      const routeId = str(x.routes[rb + R.at.id]!);
      // "^447[1-9]…" reaches 4471…4479; a regex anchoring no digits, or no dial string, reaches all.
      const literals = x.routes[rb + R.at.flags]! & F.ROUTE_DIAL_ANY ? [''] : [
        ...list(x, x.routes[rb + R.at.dialPrefixes]!, str),
        ...list(x, x.routes[rb + R.at.dialRegex]!, str).flatMap(regexLiterals),
      ];
      const info2: RouteInfo = {
        customer: id,
        id: routeId,
        key: `${id}/${routeId}`,
        table: t,
        card: card.id,
        currency: card.currency,
        reach: literals.includes('') ? null : [...new Set(literals)].sort(),
        fields: {
          enabled: x.routes[rb + R.at.flags]! & F.ROUTE_ENABLED ? 'yes' : 'no',
          'tech prefix': str(x.routes[rb + R.at.techPrefix]!) || 'none',
          'dial prefixes': x.routes[rb + R.at.flags]! & F.ROUTE_DIAL_ANY ? 'any number' : list(x, x.routes[rb + R.at.dialPrefixes]!, str).sort().join(', ') || 'none',
          'dial regex': list(x, x.routes[rb + R.at.dialRegex]!, str).join(', ') || 'none',
          card: card.id,
          strategy: F.STRATEGIES[x.tables[tb + T.at.strategy]!] ?? '?',
          lock: flags & F.TABLE_LOCK ? list(x, x.tables[tb + T.at.lock]!, deckId).sort().join(', ') : 'none',
          exclude: list(x, x.tables[tb + T.at.exclude]!, deckId).sort().join(', ') || 'none',
          'DNC lists': list(x, x.routes[rb + R.at.dnc]!, (l) => str(x.numberLists[l * F.NUMBER_LIST.width + F.NUMBER_LIST.at.id]!)).sort().join(', ') || 'none',
          schedule: schedule === F.NONE ? 'none' : str(x.schedules[schedule * F.SCHEDULE.width + F.SCHEDULE.at.id]!),
          'blocked types': F.DESTINATION_TYPES.filter((_, i) => blockMask & (1 << i)).join(', ') || 'none',
          'capped rate': moneyOpt(x.tables[tb + T.at.cappedRate]!),
          'provider capped rate': moneyOpt(x.tables[tb + T.at.providerCappedRate]!),
          'profit assurance': flags & F.TABLE_PROFIT_ASSURANCE ? 'yes' : 'no',
          'block connect cost': flags & F.TABLE_BLOCK_CONNECT_COST ? 'yes' : 'no',
          'max duration': `${x.routes[rb + R.at.maxDuration]}s`,
          cps: optNum(x.routes[rb + R.at.cps]!),
          channels: optNum(x.routes[rb + R.at.channels]!),
          'called number actions': list(x, x.routes[rb + R.at.calledActions]!, str).join(' ') || 'none',
          'calling number actions': list(x, x.routes[rb + R.at.callingActions]!, str).join(' ') || 'none',
        },
      };
      info.routes.set(routeId, info2);
      routes.set(info2.key, info2);
    }
  }
  for (let i = 0; i < x.counts.ipv4; i++) {
    const w = x.ipv4[i * 3]!;
    byIndex[x.ipv4[i * 3 + 2]!]!.ips.add(`${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${x.ipv4[i * 3 + 1]}`);
  }
  for (let i = 0; i < x.counts.ipv6; i++) {
    const b = i * 6;
    const groups: string[] = [];
    for (let k = 0; k < 4; k++) {
      const w = x.ipv6[b + k]!;
      groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
    }
    byIndex[x.ipv6[b + 5]!]!.ips.add(`${groups.join(':')}/${x.ipv6[b + 4]}`);
  }
  for (let i = 0; i < x.counts.users; i++) {
    const b = i * F.USER.width;
    const realm = str(x.users[b + F.USER.at.realm]!);
    const user = str(x.users[b + F.USER.at.username]!) + (realm ? `@${realm}` : '');
    byIndex[x.users[b + F.USER.at.customer]!]!.users.set(user, str(x.users[b + F.USER.at.ha1]!));
  }
  const cards = new Map<string, Record<string, string>>();
  for (let c = 0; c < x.counts.cards; c++) {
    const b = c * CD.width;
    const m = (f: keyof typeof CD.at) => formatMoney(x.money(x.cards[b + CD.at[f]]!));
    cards.set(str(x.cards[b + CD.at.id]!), {
      currency: str(x.cards[b + CD.at.currency]!),
      compact: F.COMPACTS[x.cards[b + CD.at.compact]!] ?? '?',
      strategy: F.STRATEGIES[x.cards[b + CD.at.strategy]!] ?? '?',
      billing: `${x.cards[b + CD.at.billingInitial]}/${x.cards[b + CD.at.billingIncrement]}`,
      'connect fee': m('connectFee'),
      'markup percent': `${formatMoney(x.money(x.cards[b + CD.at.markupPercent]!))}%`,
      'markup fixed': m('markupFixed'),
      'markup floor': m('markupFloor'),
      parents: list(x, x.cards[b + CD.at.parents]!, deckId).join(', '),
    });
  }
  const carriers = new Map<string, Record<string, string>>();
  const CA = F.CARRIER, G = F.GATEWAY;
  for (let c = 0; c < x.counts.carriers; c++) {
    const b = c * CA.width;
    const fields: Record<string, string> = {
      enabled: x.carriers[b + CA.at.flags]! & F.ENABLED ? 'yes' : 'no',
      egress: `strip ${x.carriers[b + CA.at.egressStrip]}, prefix "${str(x.carriers[b + CA.at.egressPrefix]!)}", suffix "${str(x.carriers[b + CA.at.egressSuffix]!)}", tech prefix "${str(x.carriers[b + CA.at.egressTechPrefix]!)}"`,
    };
    const first = x.carriers[b + CA.at.gatewayFirst]!, n = x.carriers[b + CA.at.gatewayCount]!;
    for (let g = first; g < first + n; g++) {
      const gb = g * G.width;
      const weight = x.f64(x.gateways[gb + G.at.weightLo]!, x.gateways[gb + G.at.weightHi]!);
      fields[`gateway ${str(x.gateways[gb + G.at.id]!)}`] =
        `${F.TRANSPORTS[x.gateways[gb + G.at.transport]!]}:${str(x.gateways[gb + G.at.host]!)}:${x.gateways[gb + G.at.port]}` +
        ` weight ${weight}${x.gateways[gb + G.at.flags]! & F.ENABLED ? '' : ' (disabled)'}`;
    }
    carriers.set(str(x.carriers[b + CA.at.id]!), fields);
  }
  const numberLists = new Map<string, Set<string>>();
  for (let l = 0; l < x.counts.numberLists; l++) {
    const b = l * F.NUMBER_LIST.width;
    numberLists.set(str(x.numberLists[b]!), new Set(list(x, x.numberLists[b + F.NUMBER_LIST.at.numbers]!, str)));
  }
  // The network record (format 1.1) carries reason phrases and defaults, not routing: left out.
  const network: Record<string, string> = {};
  return { network, customers, routes, cards, carriers, numberLists };
}

function compareFields(
  out: ConfigChange[], scope: Scope, subject: string, a: Record<string, string>, b: Record<string, string>, security: (k: string) => boolean,
): void {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] === b[k]) continue;
    const change: ConfigChange = { scope, subject, what: k, security: security(k) };
    if (a[k] !== undefined) change.from = a[k];
    if (b[k] !== undefined) change.to = b[k];
    if (a[k] === undefined) change.what = `${k} added`;
    else if (b[k] === undefined) change.what = `${k} removed`;
    out.push(change);
  }
}

const sortedKeys = <T>(a: Map<string, T>, b: Map<string, T>) => [...new Set([...a.keys(), ...b.keys()])].sort();

/** Configuration changes from base to head, security-relevant ones marked. */
export function diffConfig(a: Snapshot, b: Snapshot): ConfigChange[] {
  const out: ConfigChange[] = [];
  compareFields(out, 'network', 'network', a.network, b.network, () => false);
  for (const id of sortedKeys(a.customers, b.customers)) {
    const ca = a.customers.get(id), cb = b.customers.get(id);
    if (!ca || !cb) {
      const c = (ca ?? cb)!;
      const how = `${c.ips.size} source address(es), ${c.users.size} SIP user(s), ${c.routes.size} ingress route(s)`;
      out.push({ scope: 'customer', subject: id, what: ca ? 'customer removed' : 'customer added', ...(ca ? { from: how } : { to: how }), security: true });
      continue;
    }
    compareFields(out, 'customer', id, ca.fields, cb.fields, (k) => CUSTOMER_FIELDS[k] ?? true);
    for (const ip of [...cb.ips].filter((x) => !ca.ips.has(x)).sort()) out.push({ scope: 'customer', subject: id, what: 'source address added', to: ip, security: true });
    for (const ip of [...ca.ips].filter((x) => !cb.ips.has(x)).sort()) out.push({ scope: 'customer', subject: id, what: 'source address removed', from: ip, security: true });
    for (const u of sortedKeys(ca.users, cb.users)) {
      const ha = ca.users.get(u), hb = cb.users.get(u);
      // The HA1 digest is a password equivalent: say that it changed, never print it.
      if (ha === undefined) out.push({ scope: 'customer', subject: id, what: 'SIP user added', to: u, security: true });
      else if (hb === undefined) out.push({ scope: 'customer', subject: id, what: 'SIP user removed', from: u, security: true });
      else if (ha !== hb) out.push({ scope: 'customer', subject: id, what: 'SIP password (HA1) changed', to: u, security: true });
    }
  }
  for (const key of sortedKeys(a.routes, b.routes)) {
    const ra = a.routes.get(key), rb = b.routes.get(key);
    if (!ra || !rb) {
      // A route of a customer added or removed as a whole is reported with the customer.
      if (!a.customers.has((ra ?? rb)!.customer) || !b.customers.has((ra ?? rb)!.customer)) continue;
      const r = (ra ?? rb)!;
      const how = `tech prefix ${r.fields['tech prefix']}, dial ${r.fields['dial prefixes']}${r.fields['dial regex'] !== 'none' ? ` / ${r.fields['dial regex']}` : ''}, card ${r.card}`;
      out.push({ scope: 'route', subject: key, what: ra ? 'ingress route removed' : 'ingress route added', ...(ra ? { from: how } : { to: how }), security: true });
      continue;
    }
    compareFields(out, 'route', key, ra.fields, rb.fields, (k) => ROUTE_FIELDS[k] ?? true);
    // A DNC list that stayed on the route but lost or gained numbers.
    for (const l of rb.fields['DNC lists']!.split(', ')) {
      const la = a.numberLists.get(l), lb = b.numberLists.get(l);
      if (!la || !lb || !ra.fields['DNC lists']!.split(', ').includes(l)) continue;
      const gone = [...la].filter((n) => !lb.has(n)), added = [...lb].filter((n) => !la.has(n));
      if (gone.length + added.length === 0) continue;
      const show = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ` … (${xs.length})` : '');
      out.push({
        scope: 'route', subject: key, what: `DNC list ${l} content changed`,
        ...(gone.length ? { from: `${gone.length} number(s) no longer blocked: ${show(gone)}` } : {}),
        ...(added.length ? { to: `${added.length} number(s) newly blocked: ${show(added)}` } : {}),
        security: true,
      });
    }
  }
  for (const id of sortedKeys(a.cards, b.cards)) {
    const ca = a.cards.get(id), cb = b.cards.get(id);
    if (!ca || !cb) out.push({ scope: 'card', subject: id, what: ca ? 'card removed' : 'card added', security: false });
    else compareFields(out, 'card', id, ca, cb, () => false);
  }
  for (const id of sortedKeys(a.carriers, b.carriers)) {
    const ca = a.carriers.get(id), cb = b.carriers.get(id);
    if (!ca || !cb) out.push({ scope: 'carrier', subject: id, what: ca ? 'carrier removed' : 'carrier added', security: false });
    // Where calls are sent: a gateway address is as sensitive as who may send them.
    else compareFields(out, 'carrier', id, ca, cb, (k) => k.startsWith('gateway') || k === 'egress');
  }
  return out;
}
