// What a decoded artefact says about one number, as plain objects: for `dialplane lookup`, tests
// and tools. The serving hot path uses Artefact.lookup and the views directly instead.
import type { Artefact } from './decode.js';
import * as F from './format.js';

export interface CompiledCandidate {
  deck: string;
  carrier: string;
  /** Cost per minute and connection fee in micro-units of the card currency. */
  rate: number;
  connectFee: number;
  initial: number;
  increment: number;
  type: string;
}

export interface CompiledEntry {
  /** The compiled prefix that matched (after any tech prefix). */
  prefix: string;
  destination: string;
  type: string;
  /** Sell rate per minute and connection fee, micro-units of the card currency. */
  sell: number;
  connectFee: number;
  /** Set when the route refuses the call at this prefix (reason key of the network's table). */
  reject?: string;
  candidates: CompiledCandidate[];
}

export interface CompiledLookup {
  customer: string;
  route: string;
  card: string;
  currency: string;
  strategy: string;
  /** True when the runtime orders the candidates per call (weighted, round-robin, random). */
  dynamic: boolean;
  techPrefix: string;
  number: string;
  billing: { initial: number; increment: number };
  /** Undefined when the card has no prefix for the number (noRoutesPre). */
  entry?: CompiledEntry;
}

export type RouteChoice =
  | { ok: true; route: number }
  | { ok: false; reason: 'noIngressRoute' | 'blockedByDialplan' };

/**
 * The ingress route the runtime would choose (docs/artefact-format.md, "Longest-prefix lookup"),
 * with every schedule taken as open — a compiled answer has no time of day: among the customer's
 * enabled routes, those with the longest tech prefix that starts the number; of those whose dial
 * string accepts the rest, the highest dial specificity, then the highest schedule precedence,
 * then the first in file order. No tech prefix fits → noIngressRoute; none accepts →
 * blockedByDialplan.
 */
export function chooseRoute(a: Artefact, customer: number, number: string): RouteChoice {
  const C = F.CUSTOMER, R = F.ROUTE;
  const first = a.customers[customer * C.width + C.at.routeFirst]!;
  const count = a.customers[customer * C.width + C.at.routeCount]!;
  let tech = -1;
  for (let r = first; r < first + count; r++) {
    if (!(a.routes[r * R.width + R.at.flags]! & F.ROUTE_ENABLED)) continue;
    const tp = a.string(a.routes[r * R.width + R.at.techPrefix]!);
    if (tp.length > tech && number.startsWith(tp)) tech = tp.length;
  }
  if (tech < 0) return { ok: false, reason: 'noIngressRoute' };
  const rest = number.slice(tech);
  let best = -1, bestSpec = -1, bestPrecedence = -1;
  for (let r = first; r < first + count; r++) {
    const b = r * R.width;
    if (!(a.routes[b + R.at.flags]! & F.ROUTE_ENABLED)) continue;
    const tp = a.string(a.routes[b + R.at.techPrefix]!);
    if (tp.length !== tech || !number.startsWith(tp)) continue;
    const spec = dialSpecificity(a, r, rest);
    if (spec < 0) continue;
    const schedule = a.routes[b + R.at.schedule]!;
    const precedence = schedule === F.NONE ? 0 : a.schedules[schedule * F.SCHEDULE.width + F.SCHEDULE.at.precedence]!;
    if (spec > bestSpec || (spec === bestSpec && precedence > bestPrecedence)) {
      best = r;
      bestSpec = spec;
      bestPrecedence = precedence;
    }
  }
  return best < 0 ? { ok: false, reason: 'blockedByDialplan' } : { ok: true, route: best };
}

/**
 * −1 when route `route`'s dial string refuses `number`, else its specificity: the longest literal
 * the number starts with — a prefix entry, or a literal an accepting regex anchors (routeDial
 * section; 0 without it). A route with no dial string accepts everything with 0.
 */
export function dialSpecificity(a: Artefact, route: number, number: string): number {
  const R = F.ROUTE, RD = F.ROUTE_DIAL;
  const b = route * R.width;
  if (a.routes[b + R.at.flags]! & F.ROUTE_DIAL_ANY) return 0;
  let spec = -1;
  for (const s of a.list(a.routes[b + R.at.dialPrefixes]!)) {
    const p = a.string(s);
    if (p.length > spec && number.startsWith(p)) spec = p.length;
  }
  const regexes = a.list(a.routes[b + R.at.dialRegex]!);
  const literals = a.routeDial ? a.list(a.routeDial[route * RD.width + RD.at.literals]!) : new Uint32Array(0);
  const owners = a.routeDial ? a.list(a.routeDial[route * RD.width + RD.at.owners]!) : new Uint32Array(0);
  regexes.forEach((s, k) => {
    let accepts = false;
    try {
      accepts = new RegExp(a.string(s)).test(number);
    } catch {
      // A pattern that does not compile accepts nothing.
    }
    if (!accepts) return;
    let own = 0;
    for (let i = 0; i < owners.length; i++) {
      const lit = a.string(literals[i]!);
      if (owners[i] === k && lit.length > own && number.startsWith(lit)) own = lit.length;
    }
    if (own > spec) spec = own;
  });
  return spec;
}

/** The compiled entry of table `t` for `number` (digits only), or undefined. */
export function tableEntry(a: Artefact, t: number, number: string): CompiledEntry | undefined {
  const v = a.lookup(t, number);
  if (v < 0) return undefined;
  const LB = F.LABEL, RT = F.RATE, D = F.DECK, CA = F.CARRIER;
  const shape = a.valueShape(v);
  const lb = a.shapeLabel(shape) * LB.width;
  const meta = a.labels[lb + LB.at.meta]!;
  const reason = (meta >>> F.META_REASON_SHIFT) & 0xff;
  const prefix = number.slice(0, a.matchDepth);
  const candidates: CompiledCandidate[] = [];
  // The shape names the decks to try; their own tries, walked with the number, price them.
  const cands = a.shapeCandidates(shape);
  const rows = new Int32Array(a.lists[cands]!);
  a.priceViews(cands, number, rows);
  for (const r of rows) {
    if (r < 0) continue; // only a self-contradicting artefact: its shape names a deck with no row here
    const rb = r * RT.width;
    const deck = a.rates[rb + RT.at.deck]!;
    const carrier = a.decks[deck * D.width + D.at.carrier]!;
    candidates.push({
      deck: a.string(a.decks[deck * D.width + D.at.id]!),
      carrier: a.string(a.carriers[carrier * CA.width + CA.at.id]!),
      rate: a.money(a.rates[rb + RT.at.rate]!),
      connectFee: a.money(a.rates[rb + RT.at.connectFee]!),
      initial: a.rates[rb + RT.at.initial]!,
      increment: a.rates[rb + RT.at.increment]!,
      type: F.DESTINATION_TYPES[a.rates[rb + RT.at.type]!]!,
    });
  }
  const entry: CompiledEntry = {
    prefix,
    destination: a.string(a.labels[lb + LB.at.destination]!),
    type: F.DESTINATION_TYPES[(meta >>> F.META_TYPE_SHIFT) & 0xff]!,
    sell: a.money(a.valueSell(v)),
    connectFee: a.money(a.labels[lb + LB.at.connectFee]!),
    candidates,
  };
  if (reason !== F.REJECT.none) entry.reject = F.REJECT_REASONS[reason]!;
  return entry;
}

/** Route choice plus the compiled entry, as `dialplane lookup` prints it. */
export function lookupCall(a: Artefact, customerId: string, dialled: string):
  | { ok: true; result: CompiledLookup }
  | { ok: false; reason: 'unknownCustomer' | 'noIngressRoute' | 'blockedByDialplan' | 'addressIncomplete' } {
  if (!/^\d+$/.test(dialled)) return { ok: false, reason: 'addressIncomplete' };
  const c = a.customerByName(customerId);
  if (c < 0) return { ok: false, reason: 'unknownCustomer' };
  const choice = chooseRoute(a, c, dialled);
  if (!choice.ok) return choice;
  const R = F.ROUTE, T = F.TABLE, CD = F.CARD;
  const rb = choice.route * R.width;
  const t = a.routes[rb + R.at.table]!;
  const card = a.tables[t * T.width + T.at.card]!;
  const cb = card * CD.width;
  const strategy = F.STRATEGIES[a.tables[t * T.width + T.at.strategy]!]!;
  const techPrefix = a.string(a.routes[rb + R.at.techPrefix]!);
  const number = dialled.slice(techPrefix.length);
  const result: CompiledLookup = {
    customer: customerId,
    route: a.string(a.routes[rb + R.at.id]!),
    card: a.string(a.cards[cb + CD.at.id]!),
    currency: a.string(a.cards[cb + CD.at.currency]!),
    strategy,
    dynamic: F.DYNAMIC_STRATEGIES.has(strategy),
    techPrefix,
    number,
    billing: { initial: a.cards[cb + CD.at.billingInitial]!, increment: a.cards[cb + CD.at.billingIncrement]! },
  };
  const entry = tableEntry(a, t, number);
  if (entry) result.entry = entry;
  return { ok: true, result };
}
