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
