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
  const usable = decks.map((deck) => usablePrefixes(deck, route, repo, cache));
  if (usable.every((list) => list.length === 0)) {
    bag.report('DP3013', at, `route "${route.id}": provider capped rate / block connect cost leave no priced prefix in ${decks.map((d) => d.id).join(', ')}`);
    return;
  }
  const uncovered: string[] = [];
  let count = 0;
  for (const literal of [...routeLiterals(route, repo).keys()].sort()) {
    if (literal === '') continue;
    if (!usable.some((sorted) => covers(sorted, literal))) {
      count++;
      if (uncovered.length < MAX_PREFIXES_LISTED) uncovered.push(literal);
    }
  }
  if (count > 0) {
    bag.report('DP3013', at, `route "${route.id}" accepts ${count} prefix${count > 1 ? 'es' : ''} that no remaining carrier prices after its filters: ${uncovered.join(', ')}${count > uncovered.length ? ', …' : ''}`);
  }
}

/** The deck's prefixes that survive the route's per-row filters, sorted. */
function usablePrefixes(deck: Deck, route: IngressRoute, repo: RouteRepository, cache: Map<string, string[]>): string[] {
  const cap = route.providerCappedRate;
  const key = `${deck.id}|${cap ?? ''}|${route.blockConnectCost}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rows = deck.rows;
  // The cap is in the card's currency; compare deck rates converted through the network's fx.
  const toNetwork = deck.currency === repo.network.currency ? 1_000_000 : repo.network.fx.get(deck.currency) ?? 1_000_000;
  const card = repo.cards.get(route.card)!;
  const fromNetwork = card.currency === repo.network.currency ? 1_000_000 : repo.network.fx.get(card.currency) ?? 1_000_000;
  const out: string[] = [];
  for (let i = 0; i < rows.count; i++) {
    if (route.blockConnectCost && rows.connectFee[i]! > 0) continue;
    if (cap !== undefined && (rows.rate[i]! * toNetwork) / fromNetwork > cap) continue;
    out.push(rows.prefix[i]!);
  }
  out.sort();
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
