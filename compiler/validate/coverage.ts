// DP3013 (warning): an ingress route whose static filters — lock, exclude, provider capped rate,
// block connect cost — leave no carrier for a prefix its dial string accepts. The call would be
// accepted by the dial plan and then always refused, which is rarely what the author meant.
import type { DiagnosticBag } from '../diagnostics.js';
import type { Deck, IngressRoute, RouteRepository } from '../model/model.js';
import { routeLiterals } from './ambiguity.js';

const MAX_PREFIXES_LISTED = 5;

export function checkRouteCoverage(repo: RouteRepository, bag: DiagnosticBag): void {
  const cache = new Map<string, string[]>();
  for (const customer of repo.customers.values()) {
    for (const route of customer.routes) {
      if (route.enabled) checkRoute(route, repo, bag, cache);
    }
  }
}

function checkRoute(route: IngressRoute, repo: RouteRepository, bag: DiagnosticBag, cache: Map<string, string[]>): void {
  const card = repo.cards.get(route.card);
  if (!card) return;
  const excluded = new Set(route.exclude);
  const locked = route.lock.length > 0 ? new Set(route.lock) : undefined;
  const decks = card.parents
    .filter((id) => !excluded.has(id) && (!locked || locked.has(id)))
    .map((id) => repo.decks.get(id))
    .filter((d): d is Deck => d !== undefined);
  const at = route.doc.locate([...route.path, 'id']);
  if (decks.length === 0) {
    bag.report('DP3013', at, `route "${route.id}": lock/exclude leave none of card "${card.id}"'s carriers (${card.parents.join(', ')}), so every call is refused`);
    return;
  }
  const literals = [...routeLiterals(route, repo).keys()].filter((l) => l !== '').sort();
  if (literals.length === 0) {
    // A route accepting every number only needs some row to survive its filters.
    if (!decks.some((deck) => anyRowPasses(deck, route, repo))) {
      bag.report('DP3013', at, `route "${route.id}": provider capped rate / block connect cost leave no priced prefix in ${decks.map((d) => d.id).join(', ')}`);
    }
    return;
  }
  const usable = decks.map((deck) => usablePrefixes(deck, route, repo, cache));
  if (usable.every((list) => list.length === 0)) {
    bag.report('DP3013', at, `route "${route.id}": provider capped rate / block connect cost leave no priced prefix in ${decks.map((d) => d.id).join(', ')}`);
    return;
  }
  const uncovered: string[] = [];
  let count = 0;
  for (const literal of literals) {
    if (!usable.some((sorted) => covers(sorted, literal))) {
      count++;
      if (uncovered.length < MAX_PREFIXES_LISTED) uncovered.push(literal);
    }
  }
  if (count > 0) {
    bag.report('DP3013', at, `route "${route.id}" accepts ${count} prefix${count > 1 ? 'es' : ''} that no remaining carrier prices after its filters: ${uncovered.join(', ')}${count > uncovered.length ? ', …' : ''}`);
  }
}

/** A predicate for the route's per-row filters on one deck. */
function rowFilter(deck: Deck, route: IngressRoute, repo: RouteRepository): (row: number) => boolean {
  const cap = route.providerCappedRate;
  const rows = deck.rows;
  // The cap is in the card's currency; compare deck rates converted through the network's fx.
  const toNetwork = deck.currency === repo.network.currency ? 1_000_000 : repo.network.fx.get(deck.currency) ?? 1_000_000;
  const card = repo.cards.get(route.card)!;
  const fromNetwork = card.currency === repo.network.currency ? 1_000_000 : repo.network.fx.get(card.currency) ?? 1_000_000;
  return (i) => !(route.blockConnectCost && rows.connectFee[i]! > 0) && !(cap !== undefined && (rows.rate[i]! * toNetwork) / fromNetwork > cap);
}

function anyRowPasses(deck: Deck, route: IngressRoute, repo: RouteRepository): boolean {
  const passes = rowFilter(deck, route, repo);
  for (let i = 0; i < deck.rows.count; i++) if (passes(i)) return true;
  return false;
}

const sortedOrder = new WeakMap<Deck, Uint32Array>();

/** The deck's prefixes that survive the route's per-row filters, sorted. */
function usablePrefixes(deck: Deck, route: IngressRoute, repo: RouteRepository, cache: Map<string, string[]>): string[] {
  const key = `${deck.id}|${route.providerCappedRate ?? ''}|${route.blockConnectCost}`;
  const hit = cache.get(key);
  if (hit) return hit;
  // Sort each deck once; every filter combination then walks that order.
  let order = sortedOrder.get(deck);
  if (!order) {
    const prefixes = deck.rows.prefix;
    order = Uint32Array.from({ length: deck.rows.count }, (_, i) => i).sort((a, b) => (prefixes[a]! < prefixes[b]! ? -1 : prefixes[a]! > prefixes[b]! ? 1 : 0));
    sortedOrder.set(deck, order);
  }
  const passes = rowFilter(deck, route, repo);
  const out: string[] = [];
  for (const i of order) if (passes(i)) out.push(deck.rows.prefix[i]!);
  cache.set(key, out);
  return out;
}

/** Whether some prefix in `sorted` is a prefix of `literal`, or starts with it. */
function covers(sorted: string[], literal: string): boolean {
  for (let len = 1; len <= literal.length; len++) {
    if (binarySearch(sorted, literal.slice(0, len)) >= 0) return true;
  }
  const i = lowerBound(sorted, literal);
  return i < sorted.length && sorted[i]!.startsWith(literal);
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function binarySearch(sorted: string[], key: string): number {
  const i = lowerBound(sorted, key);
  return i < sorted.length && sorted[i] === key ? i : -1;
}
