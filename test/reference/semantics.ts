// The small, obviously-correct reference for what a compiled route answers for one number. It
// reads the RouteRepository directly, row by row, with BigInt money and a second-by-second profit
// check — slow and simple on purpose. The property tests hold the artefact to it.
import type { CustomerCard, IngressRoute, RouteRepository } from '../../compiler/model/model.js';
import { DESTINATION_TYPES } from '../../compiler/model/deck.js';

export interface RefCandidate {
  deck: string;
  carrier: string;
  rate: number;
  connectFee: number;
  initial: number;
  increment: number;
  type: string;
}

export interface RefEntry {
  destination: string;
  type: string;
  sell: number;
  connectFee: number;
  reject?: string;
  candidates: RefCandidate[];
}

/** round(n / d), half away from zero, in BigInt. */
export function roundDiv(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = a / d;
  const r = a % d;
  const out = 2n * r >= d ? q + 1n : q;
  return neg ? -out : out;
}

function fx(repo: RouteRepository, currency: string): bigint {
  return currency === repo.network.currency ? 1_000_000n : BigInt(repo.network.fx.get(currency)!);
}

/** Charge × 60 for a call of t seconds. */
function charge60(rate: number, fee: number, initial: number, increment: number, t: number): bigint {
  let billed = initial;
  while (billed < t) billed += increment;
  return 60n * BigInt(fee) + BigInt(rate) * BigInt(billed);
}

export function referenceNeverLoses(
  sell: { rate: number; connectFee: number; initial: number; increment: number },
  cost: { rate: number; connectFee: number; initial: number; increment: number },
  maxDuration: number,
): boolean {
  for (let t = 1; t <= maxDuration; t++) {
    if (charge60(sell.rate, sell.connectFee, sell.initial, sell.increment, t) < charge60(cost.rate, cost.connectFee, cost.initial, cost.increment, t)) return false;
  }
  return true;
}

/** What `route` answers for `number` (tech prefix already stripped) at time `asOf`. */
export function referenceEntry(repo: RouteRepository, route: IngressRoute, number: string, asOf: number): RefEntry | undefined {
  const card = repo.cards.get(route.card)!;
  // Every parent's longest matching row in force at asOf.
  const found: { parent: number; deck: string; row: number; length: number }[] = [];
  card.parents.forEach((id, parent) => {
    const rows = repo.decks.get(id)!.rows;
    let best = -1;
    for (let r = 0; r < rows.count; r++) {
      const p = rows.prefix[r]!;
      if (rows.effective[r]! > asOf || !number.startsWith(p)) continue;
      if (best < 0 || p.length > rows.prefix[best]!.length) best = r;
      else if (p.length === rows.prefix[best]!.length && rows.effective[r]! >= rows.effective[best]!) best = r;
    }
    if (best >= 0) found.push({ parent, deck: id, row: best, length: rows.prefix[best]!.length });
  });
  if (found.length === 0) return undefined;
  const to = fx(repo, card.currency);
  const cands = found.map((f) => {
    const d = repo.decks.get(f.deck)!;
    const from = fx(repo, d.currency);
    const conv = (v: number) => Number(roundDiv(BigInt(v) * from, to));
    return {
      parent: f.parent,
      length: f.length,
      row: f.row,
      c: {
        deck: f.deck,
        carrier: d.carrier,
        rate: conv(d.rows.rate[f.row]!),
        connectFee: conv(d.rows.connectFee[f.row]!),
        initial: d.rows.initial[f.row]!,
        increment: d.rows.increment[f.row]!,
        type: DESTINATION_TYPES[d.rows.type[f.row]!]!,
      } satisfies RefCandidate,
    };
  });
  // Destination: the most specific row; on equal lengths the first parent listed.
  let best = cands[0]!;
  for (const x of cands) if (x.length > best.length) best = x;
  const bestRows = repo.decks.get(best.c.deck)!.rows;
  let destination = bestRows.names[bestRows.destination[best.row]!]!;
  const type = best.c.type;
  const rates = cands.map((x) => BigInt(x.c.rate));
  let base: bigint;
  if (card.compact === 'min') base = rates.reduce((a, b) => (b < a ? b : a));
  else if (card.compact === 'max') base = rates.reduce((a, b) => (b > a ? b : a));
  else base = roundDiv(rates.reduce((a, b) => a + b, 0n), BigInt(rates.length));
  let markup = roundDiv(base * BigInt(card.markup.percentMicros), 100_000_000n) + BigInt(card.markup.fixed);
  if (markup < BigInt(card.markup.floor)) markup = BigInt(card.markup.floor);
  let sell = Number(base + markup);
  let connectFee = card.connectFee;
  const ov = [...card.overrides].filter((o) => number.startsWith(o.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (ov) {
    sell = ov.rate;
    if (ov.connectFee !== undefined) connectFee = ov.connectFee;
    if (ov.destination !== undefined) destination = ov.destination;
  }
  const entry: RefEntry = { destination, type, sell, connectFee, candidates: [] };
  const reject = (reason: string): RefEntry => ({ ...entry, reject: reason });

  if (route.blockTypes.some((t) => DESTINATION_TYPES[t] === type)) return reject('destinationTypeBlocked');
  if (route.cappedRate !== undefined && sell > route.cappedRate) return reject('rateCapped');
  let kept = cands.filter((x) => (route.lock.length === 0 || route.lock.includes(x.c.deck)) && !route.exclude.includes(x.c.deck));
  if (kept.length === 0) return reject('noRoutesLock');
  kept = kept.filter((x) => (route.providerCappedRate === undefined || x.c.rate <= route.providerCappedRate) && !(route.blockConnectCost && x.c.connectFee > 0));
  // The network schema: a provider capped rate (or block connect cost) leaving no carrier is a
  // profit-assurance refusal; rateCapped is the route's own capped sell rate.
  if (kept.length === 0) return reject('noRoutesProfitAssurance');
  if (route.profitAssurance) {
    const s = { rate: sell, connectFee, initial: card.billing.initial, increment: card.billing.increment };
    kept = kept.filter((x) => referenceNeverLoses(s, x.c, route.maxDurationSeconds));
    if (kept.length === 0) return reject('noRoutesProfitAssurance');
  }
  const strategy = route.strategy ?? card.strategy;
  entry.candidates = order(card, strategy, kept).map((x) => x.c);
  return entry;
}

function order<T extends { parent: number; c: RefCandidate }>(card: CustomerCard, strategy: string, xs: T[]): T[] {
  const lcr = (a: T, b: T) => a.c.rate - b.c.rate || a.c.connectFee - b.c.connectFee || a.parent - b.parent;
  const out = [...xs];
  if (strategy === 'reverse-lcr') out.sort((a, b) => b.c.rate - a.c.rate || b.c.connectFee - a.c.connectFee || a.parent - b.parent);
  else if (strategy === 'priority') {
    const rank = (x: T) => {
      const i = card.priority.indexOf(x.c.deck);
      return i < 0 ? card.priority.length + 1 : i;
    };
    out.sort((a, b) => rank(a) - rank(b) || lcr(a, b));
  } else out.sort(lcr);
  return out;
}

// ---------------------------------------------------------------------------------------------
// referenceDecide: a whole call, decided straight from the RouteRepository — every CIDR compared
// as a BigInt, every dial entry and schedule window checked one by one, the card entry from
// referenceEntry above. Slow and plain; test/conformance holds the runtime Router to it.
// Gateway selection reuses runtime/engine/gateway-hash.ts, which is verified against Kamailio.

import { regexLiterals } from '../../compiler/dial.js';
import { ipv4Bytes, ipv6Bytes } from '../../compiler/net.js';
import { buildCrTable, crHash, crSelectByHash, crSelectRandom, type CrTarget } from '../../runtime/engine/gateway-hash.js';
import { DEFAULT_REASONS, REASON_KEYS, LIMITS, type ReasonKey } from '../../runtime/artefact/format.js';
import type { CallQuery, Decision, DecisionTarget, DroppedCandidate } from '../../runtime/engine/decision.js';
import type { Customer, Schedule } from '../../compiler/model/model.js';

export interface ReferenceState {
  /** [0, 1) numbers, consumed in the documented order (strategy first, then weighted gateways). */
  random: () => number;
  /** `${carrier}/${gateway}` disabled by an admin at run time. */
  disabled: Set<string>;
  /** Monotonic time (ms) of the call, for CPS. */
  now: number;
  /** Token buckets by `${kind}/${id}`: tokens and the time they were counted. */
  buckets: Map<string, { tokens: number; at: number }>;
  /** Round-robin counters by (card, filter) — one per distinct compiled table. */
  rr: Map<string, number>;
  limits: boolean;
}

export function newReferenceState(random: () => number, limits = true): ReferenceState {
  return { random, disabled: new Set(), now: 0, buckets: new Map(), rr: new Map(), limits };
}

function reasonOf(repo: RouteRepository, key: ReasonKey): { code: number; reason: string } {
  const r = repo.network.reasons?.[key];
  return r ? { code: r.code, reason: r.reason } : { code: DEFAULT_REASONS[key][0], reason: DEFAULT_REASONS[key][1] };
}

function addressBits(addr: string): { bits: number; value: bigint } | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
    const parts = addr.split('.').map(Number);
    if (parts.some((p, i) => p > 255 || String(p) !== addr.split('.')[i])) return undefined;
    return { bits: 32, value: parts.reduce((v, p) => (v << 8n) | BigInt(p), 0n) };
  }
  if (!addr.includes(':')) return undefined;
  try {
    const b = ipv6Bytes(addr.split('%')[0]!);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    if (v >> 32n === 0xffffn) return { bits: 32, value: v & 0xffffffffn }; // IPv4-mapped
    return { bits: 128, value: v };
  } catch {
    return undefined;
  }
}

function cidrContains(net: { address: string; family: 4 | 6; prefixLength: number }, ip: { bits: number; value: bigint }): boolean {
  const bits = net.family === 4 ? 32 : 128;
  if (bits !== ip.bits) return false;
  const b = net.family === 4 ? ipv4Bytes(net.address) : ipv6Bytes(net.address);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  const shift = BigInt(bits - net.prefixLength);
  return v >> shift === ip.value >> shift;
}

/** Whether a schedule is open at `ms`, reading the local wall clock of its zone through Intl. */
export function referenceScheduleOpen(s: Schedule, ms: number): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: s.timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short',
  }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  if (s.validFrom && date < s.validFrom) return false;
  if (s.validUntil && date > s.validUntil) return false;
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday'));
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  for (const w of s.windows) {
    if (w.until > w.from) {
      if (w.days.includes(day) && minute >= w.from && minute < w.until) return true;
    } else {
      // runs past midnight: the opening day from `from`, the next day until `until`
      if (w.days.includes(day) && minute >= w.from) return true;
      if (w.days.includes((day + 6) % 7) && minute < w.until) return true;
    }
  }
  return false;
}

/** Metaswitch number actions, read left to right (PA add prefix, PD/SD delete, R replace). */
export function referenceActions(actions: string[], n: string): string {
  const text = actions.join('');
  const re = /(PA|PD|SD|R)([0-9*#+]*)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const [, op, arg] = m;
    if (op === 'PA') n = arg + n;
    else if (op === 'PD') n = n.slice(Math.min(Number(arg), n.length));
    else if (op === 'SD') n = n.slice(0, Math.max(0, n.length - Number(arg)));
    else n = arg!;
  }
  return n;
}

function money(micros: number): string {
  const neg = micros < 0;
  const abs = Math.abs(micros);
  const frac = String(abs % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${Math.floor(abs / 1_000_000)}${frac ? '.' + frac : ''}`;
}

function take(state: ReferenceState, key: string, cps: number | undefined, burst: number | undefined): boolean {
  if (!state.limits || !cps) return true;
  const cap = Math.max(1, Math.floor(burst ?? cps));
  const b = state.buckets.get(key) ?? { tokens: cap, at: state.now };
  const tokens = Math.min(cap, b.tokens + ((state.now - b.at) * cps) / 1000);
  state.buckets.set(key, { tokens, at: state.now });
  return tokens >= 1 - 1e-9;
}
function spend(state: ReferenceState, key: string, cps: number | undefined): void {
  if (!state.limits || !cps) return;
  state.buckets.get(key)!.tokens -= 1;
}

/** The reference decision for one call. `trace` and the matched `prefix` are not produced. */
export function referenceDecide(repo: RouteRepository, q: CallQuery, state: ReferenceState): Decision {
  const refuse = (key: ReasonKey, customer?: string, route?: string, extra: Partial<Decision> = {}): Decision => {
    const r = reasonOf(repo, key);
    return { status: r.code, reason: r.reason, customer, route, targets: [], dropped: [], ...extra };
  };
  let to = q.to;
  if (to.startsWith('+')) to = to.slice(1);
  const enabledRoutes = (c: Customer) => c.routes.filter((r) => r.enabled);
  const longestTech = (c: Customer) => {
    let best = -1;
    for (const r of enabledRoutes(c)) if (to.startsWith(r.techPrefix) && r.techPrefix.length > best) best = r.techPrefix.length;
    return best;
  };

  // 1. Authenticate.
  let customer: Customer | undefined;
  const ip = addressBits(q.src ?? '');
  const owners: { c: Customer; len: number }[] = [];
  if (ip) {
    for (const c of repo.customers.values()) {
      if (!c.enabled) continue;
      for (const net of c.ips) if (cidrContains(net, ip)) owners.push({ c, len: net.prefixLength });
    }
  }
  if (owners.length > 0) {
    const top = Math.max(...owners.map((o) => o.len));
    const group = [...new Set(owners.filter((o) => o.len === top).map((o) => o.c))].sort((a, b) => (a.id < b.id ? -1 : 1));
    if (group.length === 1) customer = group[0];
    else {
      let best = -1;
      for (const c of group) {
        const l = longestTech(c);
        if (l > best) { best = l; customer = c; }
      }
      if (best < 0) return refuse('noIngressRoute');
    }
  } else if (q.user) {
    customer = [...repo.customers.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).find((c) => c.enabled && c.users.some((u) => u.username === q.user));
    if (!customer) return refuse('unknownUser');
  } else return refuse('ipNotAuthorised');
  const cust = customer!;

  // 2. Ingress route.
  const tech = longestTech(cust);
  if (tech < 0) return refuse('noIngressRoute', cust.id);
  const number = to.slice(tech);
  if (!/^[0-9]+$/.test(number) || number.length > LIMITS.maxDepth) return refuse('addressIncomplete', cust.id);
  const at = q.at ?? Date.now();
  let chosen: IngressRoute | undefined;
  let best = { spec: -1, prec: -1 };
  let accepted = false;
  for (const r of enabledRoutes(cust)) {
    if (r.techPrefix.length !== tech) continue;
    let spec = r.dial.any ? 0 : -1;
    const prefixes = [...r.dial.prefixes, ...r.dial.prefixSets.flatMap((id) => repo.prefixSets.get(id)?.prefixes ?? [])];
    for (const p of prefixes) if (number.startsWith(p)) spec = Math.max(spec, p.length);
    for (const x of r.dial.regex) {
      if (!new RegExp(x.source).test(number)) continue;
      spec = Math.max(spec, ...regexLiterals(x.source).filter((l) => number.startsWith(l)).map((l) => l.length), 0);
    }
    if (spec < 0) continue;
    accepted = true;
    const sched = r.schedule ? repo.schedules.get(r.schedule)! : undefined;
    if (sched && !referenceScheduleOpen(sched, at)) continue;
    const prec = sched?.precedence ?? 0;
    if (spec > best.spec || (spec === best.spec && prec > best.prec)) {
      chosen = r;
      best = { spec, prec };
    }
  }
  if (!chosen) return refuse(accepted ? 'noIngressRoute' : 'blockedByDialplan', cust.id);
  const route = chosen;

  // CPS: customer and route, both or neither.
  const ck = `customer/${cust.id}`;
  const rk = `route/${cust.id}/${route.id}`;
  if (!take(state, ck, cust.limits.cps, cust.limits.cpsBurst) || !take(state, rk, route.limits.cps, route.limits.cpsBurst)) {
    return refuse('maxCps', cust.id, route.id);
  }
  spend(state, ck, cust.limits.cps);
  spend(state, rk, route.limits.cps);

  // 3. CLI, DNC.
  const from = q.from ?? '';
  if (cust.cli.allow.length > 0 && !cust.cli.allow.some((p) => new RegExp(p).test(from))) return refuse('cliRejected', cust.id, route.id);
  const cli = referenceActions(route.numberActions.calling, cust.cli.force ?? from);
  if (route.dnc.some((id) => repo.numberLists.get(id)!.numbers.includes(number))) return refuse('dncBlocked', cust.id, route.id);

  // 4. The card.
  const card = repo.cards.get(route.card)!;
  const entry = referenceEntry(repo, route, number, Number.MAX_SAFE_INTEGER);
  if (!entry) return refuse('noRoutesPre', cust.id, route.id);
  const priced = { destination: entry.destination, sell: money(entry.sell), currency: card.currency };
  if (entry.reject) return refuse(entry.reject as ReasonKey, cust.id, route.id, priced);

  // 5. Order, gateways, limits.
  const strategy = route.strategy ?? card.strategy;
  let cands = [...entry.candidates];
  if (strategy === 'weighted') {
    const out: RefCandidate[] = [];
    const w = (c: RefCandidate) => card.weights.get(c.deck) ?? 0;
    while (cands.some((c) => w(c) > 0)) {
      const total = cands.reduce((s, c) => s + (w(c) > 0 ? w(c) : 0), 0);
      const x = state.random() * total;
      let acc = 0;
      let pick = cands.filter((c) => w(c) > 0).at(-1)!;
      for (const c of cands) {
        if (w(c) <= 0) continue;
        acc += w(c);
        if (acc > x) { pick = c; break; }
      }
      out.push(pick);
      cands = cands.filter((c) => c !== pick);
    }
    cands = [...out, ...cands];
  } else if (strategy === 'round-robin' && cands.length > 1) {
    const key = JSON.stringify({ card: card.id, route: tableKeyOf(route, card) });
    const n = state.rr.get(key) ?? 0;
    state.rr.set(key, n + 1);
    const s = n % cands.length;
    cands = [...cands.slice(s), ...cands.slice(0, s)];
  } else if (strategy === 'random' && cands.length > 1) {
    for (let i = cands.length - 1; i > 0; i--) {
      const j = Math.floor(state.random() * (i + 1));
      [cands[i], cands[j]] = [cands[j]!, cands[i]!];
    }
  }
  const targets: DecisionTarget[] = [];
  const dropped: DroppedCandidate[] = [];
  let cpsDrops = 0;
  for (const c of cands) {
    if (targets.length >= repo.network.maxTargets) break;
    const carrier = repo.carriers.get(c.carrier)!;
    if (!carrier.enabled) { dropped.push({ carrier: c.carrier, card: c.deck, why: 'carrier-disabled' }); continue; }
    const gws = carrier.gateways;
    const targetsCr: CrTarget[] = gws.map((g) => {
      const t: CrTarget = { prob: g.weight, enabled: g.enabled && !state.disabled.has(`${carrier.id}/${g.id}`), hashIndex: g.hashIndex };
      if (g.backup !== undefined) t.backup = gws.find((x) => x.id === g.backup)!.hashIndex;
      return t;
    });
    const table = gws.length > 0 ? buildCrTable(targetsCr, 'float32') : undefined;
    let gi = -1;
    if (table?.ok) {
      if (carrier.distribution.method === 'weighted') gi = crSelectRandom(table.table, state.random);
      else {
        const fromUser = q.from ?? '';
        gi = crSelectByHash(table.table, crHash(carrier.distribution.hashSource, {
          callId: q.callId ?? '', fromUri: q.fromUri ?? fromUser, toUri: q.toUri ?? to, fromUserRaw: fromUser, toUserRaw: q.to,
        }));
      }
    }
    // A backup that is disabled too (by an admin) takes no calls.
    if (gi >= 0 && !targetsCr[gi]!.enabled) gi = -1;
    if (gi < 0) { dropped.push({ carrier: c.carrier, card: c.deck, why: 'no-gateway' }); continue; }
    const gw = gws[gi]!;
    const kk = `carrier/${carrier.id}`;
    const gk = `gateway/${carrier.id}/${gw.id}`;
    if (!take(state, kk, carrier.limits.cps, carrier.limits.cpsBurst) || !take(state, gk, gw.limits.cps, gw.limits.cpsBurst)) {
      cpsDrops++;
      dropped.push({ carrier: c.carrier, card: c.deck, why: 'cps' });
      continue;
    }
    spend(state, kk, carrier.limits.cps);
    spend(state, gk, gw.limits.cps);
    const e = carrier.egress;
    const deckTech = repo.decks.get(c.deck)!.techPrefix ?? '';
    const user = e.techPrefix + deckTech + referenceActions(route.numberActions.called, e.prefix + number.slice(Math.min(e.strip, number.length)) + e.suffix);
    const host = gw.host.includes(':') ? `[${gw.host}]` : gw.host;
    targets.push({
      uri: `sip:${user}@${host}:${gw.port};transport=${gw.transport}`,
      carrier: carrier.id, gateway: gw.id, card: c.deck, cost: money(c.rate), margin: money(entry.sell - c.rate),
    });
  }
  if (targets.length === 0) {
    const key: ReasonKey = cands.length === 0 ? 'noRoutesPre' : cpsDrops === dropped.length ? 'maxCps' : 'noGateway';
    return refuse(key, cust.id, route.id, { ...priced, dropped });
  }
  return {
    status: 302, reason: 'Moved Temporarily', customer: cust.id, route: route.id, ...priced,
    maxDuration: route.maxDurationSeconds, number: referenceActions(route.numberActions.called, number), cli, targets, dropped,
  };
}

/** Routes that compile to one table share a round-robin counter: the same (card, filter) text. */
function tableKeyOf(route: IngressRoute, card: CustomerCard): string {
  const parents = new Set(card.parents);
  return JSON.stringify([route.strategy ?? card.strategy, route.lock.filter((d) => parents.has(d)).sort(), route.exclude.filter((d) => parents.has(d)).sort(),
    route.providerCappedRate ?? null, route.cappedRate ?? null, route.blockConnectCost, route.profitAssurance,
    route.profitAssurance ? route.maxDurationSeconds : 0, [...new Set(route.blockTypes)].sort()]);
}

export { REASON_KEYS };
