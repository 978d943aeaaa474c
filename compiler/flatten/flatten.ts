// Phase "flatten": a checked RouteRepository becomes compiled tables — for every distinct
// (customer card, static filter) pair, the sorted prefixes a runtime walks and, per prefix, the
// sell rate and a shared "shape" (destination, type, rejection, sell connection fee, candidate
// carrier rows in strategy order). Encode turns the result into bytes; nothing here knows bytes.
//
// Semantics (docs/artefact-format.md, "Compile semantics", states the same rules for operators):
// - Effective dates: a deck row applies from its effective time. Rows dated after `asOf` are left
//   out; per prefix the latest row dated ≤ asOf wins (equal dates: the later line of the file).
//   The artefact records the window [effectiveFrom, effectiveUntil) in which it is exact.
// - Longest prefix per carrier: the card's prefixes are the union of its parents' prefixes (and
//   its override prefixes); at each, every parent contributes its longest prefix row that matches.
//   // 4479… matches 44 at carrier A and 447 at carrier B: both are candidates.
// - Money: deck amounts are converted to the card currency through network FX, rounded half away
//   from zero once per amount; compact min / max / average (average rounded half away from zero);
//   markup = max(percent of base + fixed, floor); sell = base + markup; an override replaces sell.
// - Static filters and strategies: see `filterEntry` and `orderCandidates`.
// - Compaction: a prefix whose sell and shape equal those of its nearest shorter prefix is dropped;
//   the runtime's longest-prefix walk then lands on the shorter one and answers the same.
import type { CustomerCard, Deck, IngressRoute, RouteRepository, Strategy } from '../model/model.js';
import { averageRound, convert, percentOf } from './arith.js';
import { neverLoses, type Tariff } from './profit.js';
import { REJECT } from '../../runtime/artefact/format.js';
import { TupleInterner } from './intern.js';

export interface FlattenOptions {
  /** Epoch milliseconds: deck rows dated later are left out. */
  asOf: number;
}

/** A deck row as a candidate sees it, in the card's currency. Interned: equal rows share an id. */
export interface CostRow {
  deck: number;
  rate: number;
  connectFee: number;
  initial: number;
  increment: number;
  type: number;
}

/**
 * What many prefixes of many tables share, interned: destination, destination type, reject reason,
 * sell connection fee (micro-units of the card currency), and the cost-row ids of the kept
 * candidates in the order they are tried (LCR order for dynamic strategies). Stored as tuples
 * `[destination id, type, reason, connectFee, candidate…]`, not as one object per shape.
 */
export class ShapeTable {
  readonly tuples = new TupleInterner();
  readonly destinations: string[] = [];
  private readonly destinationIndex = new Map<string, number>();

  get count(): number {
    return this.tuples.count;
  }
  destinationId(name: string): number {
    let id = this.destinationIndex.get(name);
    if (id === undefined) {
      id = this.destinations.length;
      this.destinations.push(name);
      this.destinationIndex.set(name, id);
    }
    return id;
  }
  destination(i: number): string {
    return this.destinations[this.tuples.word(i, 0)]!;
  }
  type(i: number): number {
    return this.tuples.word(i, 1);
  }
  reason(i: number): number {
    return this.tuples.word(i, 2);
  }
  connectFee(i: number): number {
    return this.tuples.word(i, 3);
  }
  candidates(i: number): number[] {
    return Array.from(this.tuples.get(i).subarray(4));
  }
}

export interface TableFilter {
  strategy: Strategy;
  /** Parents a lock allows (sorted deck ids), or null for no lock. */
  lock: string[] | null;
  exclude: string[];
  providerCappedRate: number | null;
  cappedRate: number | null;
  blockConnectCost: boolean;
  profitAssurance: boolean;
  /** Max call length the profit assurance check covers; 0 without profit assurance. */
  maxDuration: number;
  blockTypes: number[];
}

/** The union of a card's prefixes, sorted, with each prefix's nearest shorter prefix. */
export interface KeySet {
  keys: string[];
  /** Index of the longest key that is a proper prefix of key i, or -1. */
  parent: Int32Array;
}

export interface FlatTable {
  /** Canonical text of (card, filter): equal text, one table. */
  key: string;
  card: string;
  filter: TableFilter;
  keySet: KeySet;
  /** Per key: sell rate, micro-units of the card currency. */
  sell: Float64Array;
  /** Per key: shape id, or -1 where the prefix has no candidate or was compacted away. */
  shape: Int32Array;
  /** Keys with at least one candidate, before compaction. */
  entries: number;
  /** Keys kept after compaction. */
  kept: number;
}

export interface FlatNetwork {
  repo: RouteRepository;
  asOf: number;
  effectiveFrom: number;
  effectiveUntil: number;
  /** Deck ids, sorted: a deck's index everywhere in the artefact. */
  decks: string[];
  /** Customer card ids, sorted. */
  cards: string[];
  costRows: CostRow[];
  shapes: ShapeTable;
  /** Sorted by key. */
  tables: FlatTable[];
  /** `${customer}\u0000${route}` → table index. */
  routeTable: Map<string, number>;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Network-currency micro-units per one unit of `currency`. */
export function fxRate(repo: RouteRepository, currency: string): number {
  if (currency === repo.network.currency) return 1_000_000;
  const r = repo.network.fx.get(currency);
  if (r === undefined) throw new Error(`no fx rate for ${currency} (network currency ${repo.network.currency})`);
  return r;
}

export function tableFilter(card: CustomerCard, route: IngressRoute): TableFilter {
  const parents = new Set(card.parents);
  const lock = route.lock.length > 0 ? [...new Set(route.lock)].filter((d) => parents.has(d)).sort(byText) : null;
  return {
    strategy: route.strategy ?? card.strategy,
    lock,
    exclude: [...new Set(route.exclude)].filter((d) => parents.has(d)).sort(byText),
    providerCappedRate: route.providerCappedRate ?? null,
    cappedRate: route.cappedRate ?? null,
    blockConnectCost: route.blockConnectCost,
    profitAssurance: route.profitAssurance,
    maxDuration: route.profitAssurance ? route.maxDurationSeconds : 0,
    blockTypes: [...new Set(route.blockTypes)].sort((a, b) => a - b),
  };
}

export function flatten(repo: RouteRepository, options: FlattenOptions): FlatNetwork {
  return new Flattener(repo, options).run();
}

/** A deck's rows in use at asOf: one row index per distinct prefix. */
interface EffectiveDeck {
  prefixes: string[];
  rows: Int32Array;
}

/** Per card and key: what every table of the card starts from. */
interface CardEntries {
  card: CustomerCard;
  keySet: KeySet;
  /** Parent count P; per key P slots of deck-row index (-1 none) and the row's prefix length. */
  P: number;
  row: Int32Array;
  /** Per key P slots of cost-row id (-1 none). */
  cost: Int32Array;
  sell: Float64Array;
  connectFee: Float64Array;
  /** Destination id (ShapeTable.destinations) per key. */
  destination: Int32Array;
  type: Uint8Array;
  count: Uint8Array;
}

class Flattener {
  private readonly deckIds: string[];
  private readonly deckIndex = new Map<string, number>();
  private readonly effective = new Map<string, EffectiveDeck>();
  private readonly costRows: CostRow[] = [];
  private readonly costIndex = new Map<string, number>();
  /** `${deck}\u0000${currency}` → cost-row id per deck row (-1 for rows not in use). */
  private readonly costOf = new Map<string, Int32Array>();
  private readonly shapes = new ShapeTable();
  private readonly tuple: number[] = [];
  private effectiveFrom = 0;
  private effectiveUntil = 0;

  constructor(private readonly repo: RouteRepository, private readonly options: FlattenOptions) {
    this.deckIds = [...repo.decks.keys()].sort(byText);
    this.deckIds.forEach((id, i) => this.deckIndex.set(id, i));
  }

  run(): FlatNetwork {
    const { repo } = this;
    for (const id of this.deckIds) this.effectiveRows(repo.decks.get(id)!);
    const cardIds = [...repo.cards.keys()].sort(byText);
    // Collect the distinct (card, filter) pairs the routes use.
    const wanted = new Map<string, { card: CustomerCard; filter: TableFilter }>();
    const routeKey = new Map<string, string>();
    for (const customerId of [...repo.customers.keys()].sort(byText)) {
      for (const route of repo.customers.get(customerId)!.routes) {
        const card = repo.cards.get(route.card);
        if (!card) throw new Error(`route ${customerId}/${route.id} names card "${route.card}", which does not exist`);
        const filter = tableFilter(card, route);
        const key = JSON.stringify({ card: card.id, ...filter });
        wanted.set(key, { card, filter });
        routeKey.set(`${customerId}\u0000${route.id}`, key);
      }
    }
    const keys = [...wanted.keys()].sort(byText);
    const tables: FlatTable[] = [];
    const cardEntries = new Map<string, CardEntries>();
    for (const key of keys) {
      const { card, filter } = wanted.get(key)!;
      let entries = cardEntries.get(card.id);
      if (!entries) {
        entries = this.cardEntries(card);
        cardEntries.set(card.id, entries);
      }
      tables.push(this.table(key, entries, filter));
    }
    const tableIndex = new Map(keys.map((k, i) => [k, i]));
    const routeTable = new Map<string, number>();
    for (const [route, key] of routeKey) routeTable.set(route, tableIndex.get(key)!);
    return {
      repo,
      asOf: this.options.asOf,
      effectiveFrom: this.effectiveFrom,
      effectiveUntil: this.effectiveUntil,
      decks: this.deckIds,
      cards: cardIds,
      costRows: this.costRows,
      shapes: this.shapes,
      tables,
      routeTable,
    };
  }

  /** Picks, per prefix, the row in force at asOf; notes the window in which that choice holds. */
  private effectiveRows(deck: Deck): EffectiveDeck {
    const cached = this.effective.get(deck.id);
    if (cached) return cached;
    const { rows } = deck;
    const asOf = this.options.asOf;
    const chosen = new Map<string, number>();
    for (let r = 0; r < rows.count; r++) {
      const at = rows.effective[r]!;
      if (at > asOf) {
        if (this.effectiveUntil === 0 || at < this.effectiveUntil) this.effectiveUntil = at;
        continue;
      }
      if (at > this.effectiveFrom) this.effectiveFrom = at;
      const prefix = rows.prefix[r]!;
      const prev = chosen.get(prefix);
      // Latest effective date wins; on equal dates the later line of the file.
      if (prev === undefined || rows.effective[prev]! <= at) chosen.set(prefix, r);
    }
    const prefixes = [...chosen.keys()];
    const out: EffectiveDeck = { prefixes, rows: Int32Array.from(prefixes, (p) => chosen.get(p)!) };
    this.effective.set(deck.id, out);
    return out;
  }

  /** Cost-row ids of a deck's rows converted to `currency` (-1 for rows not in force). */
  private costsFor(deck: Deck, currency: string): Int32Array {
    const key = `${deck.id}\u0000${currency}`;
    const cached = this.costOf.get(key);
    if (cached) return cached;
    const eff = this.effective.get(deck.id)!;
    const out = new Int32Array(deck.rows.count).fill(-1);
    const from = fxRate(this.repo, deck.currency);
    const to = fxRate(this.repo, currency);
    const d = this.deckIndex.get(deck.id)!;
    const { rows } = deck;
    for (let i = 0; i < eff.rows.length; i++) {
      const r = eff.rows[i]!;
      const rate = convert(rows.rate[r]!, from, to);
      const connectFee = convert(rows.connectFee[r]!, from, to);
      const initial = rows.initial[r]!;
      const increment = rows.increment[r]!;
      const type = rows.type[r]!;
      const k = `${d},${rate},${connectFee},${initial},${increment},${type}`;
      let id = this.costIndex.get(k);
      if (id === undefined) {
        id = this.costRows.length;
        this.costRows.push({ deck: d, rate, connectFee, initial, increment, type });
        this.costIndex.set(k, id);
      }
      out[r] = id;
    }
    this.costOf.set(key, out);
    return out;
  }

  /** The card's keys and, per key, its candidates and sell — before any route's filters. */
  private cardEntries(card: CustomerCard): CardEntries {
    const decks = card.parents.map((id) => {
      const deck = this.repo.decks.get(id);
      if (!deck) throw new Error(`card "${card.id}" names parent "${id}", which does not exist`);
      return deck;
    });
    const P = decks.length;
    // The union of the parents' prefixes and the override prefixes, sorted: an ancestor sorts
    // before its descendants, so one pass with a stack finds each key's nearest shorter key.
    const all = new Set<string>();
    for (const deck of decks) for (const p of this.effective.get(deck.id)!.prefixes) all.add(p);
    for (const ov of card.overrides) all.add(ov.prefix);
    const keys = [...all].sort(byText);
    const n = keys.length;
    const index = new Map<string, number>();
    keys.forEach((k, i) => index.set(k, i));
    const parent = new Int32Array(n);
    const stack: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      while (stack.length > 0 && !k.startsWith(keys[stack[stack.length - 1]!]!)) stack.pop();
      parent[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(i);
    }
    const keySet: KeySet = { keys, parent };

    // Own rows, then closure: a key inherits each parent's row from its nearest shorter key.
    const row = new Int32Array(n * P).fill(-1);
    const rowLen = new Uint8Array(n * P);
    decks.forEach((deck, j) => {
      const eff = this.effective.get(deck.id)!;
      for (let i = 0; i < eff.prefixes.length; i++) {
        const k = index.get(eff.prefixes[i]!)!;
        row[k * P + j] = eff.rows[i]!;
        rowLen[k * P + j] = eff.prefixes[i]!.length;
      }
    });
    for (let i = 0; i < n; i++) {
      const p = parent[i]!;
      if (p < 0) continue;
      for (let j = 0; j < P; j++) {
        if (row[i * P + j]! < 0) {
          row[i * P + j] = row[p * P + j]!;
          rowLen[i * P + j] = rowLen[p * P + j]!;
        }
      }
    }
    const costs = decks.map((d) => this.costsFor(d, card.currency));
    const cost = new Int32Array(n * P).fill(-1);
    for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) {
      const r = row[i * P + j]!;
      if (r >= 0) cost[i * P + j] = costs[j]![r]!;
    }

    // Overrides: the longest override prefix of the key applies.
    const override = new Int32Array(n).fill(-1);
    card.overrides.forEach((ov, o) => (override[index.get(ov.prefix)!] = o));
    for (let i = 0; i < n; i++) if (override[i]! < 0 && parent[i]! >= 0) override[i] = override[parent[i]!]!;

    const sell = new Float64Array(n);
    const connectFee = new Float64Array(n);
    const destination = new Int32Array(n);
    const noName = this.shapes.destinationId('');
    const type = new Uint8Array(n);
    const count = new Uint8Array(n);
    const rates: number[] = [];
    for (let i = 0; i < n; i++) {
      rates.length = 0;
      let best = -1;
      for (let j = 0; j < P; j++) {
        const c = cost[i * P + j]!;
        if (c < 0) continue;
        rates.push(this.costRows[c]!.rate);
        // Destination and type come from the most specific row; equal lengths: first parent listed.
        if (best < 0 || rowLen[i * P + j]! > rowLen[i * P + best]!) best = j;
      }
      count[i] = rates.length;
      destination[i] = noName;
      if (rates.length === 0) continue;
      const deckRows = decks[best]!.rows;
      const r = row[i * P + best]!;
      destination[i] = this.shapes.destinationId(deckRows.names[deckRows.destination[r]!] ?? '');
      type[i] = deckRows.type[r]!;
      let base: number;
      if (card.compact === 'min') base = Math.min(...rates);
      else if (card.compact === 'max') base = Math.max(...rates);
      else base = averageRound(rates);
      const markup = Math.max(percentOf(base, card.markup.percentMicros) + card.markup.fixed, card.markup.floor);
      let s = base + markup;
      let fee = card.connectFee;
      const o = override[i]!;
      if (o >= 0) {
        const ov = card.overrides[o]!;
        s = ov.rate;
        if (ov.connectFee !== undefined) fee = ov.connectFee;
        if (ov.destination !== undefined) destination[i] = this.shapes.destinationId(ov.destination);
      }
      sell[i] = s;
      connectFee[i] = fee;
    }
    return { card, keySet, P, row, cost, sell, connectFee, destination, type, count };
  }

  private table(key: string, e: CardEntries, filter: TableFilter): FlatTable {
    const { card, keySet, P } = e;
    const n = keySet.keys.length;
    const sell = e.sell;
    const shape = new Int32Array(n).fill(-1);
    const lock = filter.lock ? new Set(filter.lock) : null;
    const exclude = new Set(filter.exclude);
    const blocked = new Set(filter.blockTypes);
    const allowed = card.parents.map((id) => (!lock || lock.has(id)) && !exclude.has(id));
    const rank = parentRank(card, filter.strategy);
    const sellTariff: Tariff = { rate: 0, connectFee: 0, initial: card.billing.initial, increment: card.billing.increment };
    const cands: number[] = [];
    const parentsOf: number[] = [];
    let entries = 0;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (e.count[i] === 0) continue;
      entries++;
      cands.length = 0;
      parentsOf.length = 0;
      for (let j = 0; j < P; j++) {
        const c = e.cost[i * P + j]!;
        if (c >= 0) { cands.push(c); parentsOf.push(j); }
      }
      sellTariff.rate = sell[i]!;
      sellTariff.connectFee = e.connectFee[i]!;
      const { reason, keep } = this.filterEntry(filter, blocked, allowed, e.type[i]!, sellTariff, cands, parentsOf);
      const t = this.tuple;
      t.length = 0;
      t.push(e.destination[i]!, e.type[i]!, reason, e.connectFee[i]!);
      if (reason === REJECT.none) for (const c of this.orderCandidates(filter.strategy, rank, keep)) t.push(c);
      shape[i] = this.shapes.tuples.intern(t);
    }
    // Compaction, from the longest keys up so a comparison always sees the uncompacted value.
    for (let i = n - 1; i >= 0; i--) {
      if (shape[i]! < 0) continue;
      const p = keySet.parent[i]!;
      if (p >= 0 && shape[p]! === shape[i]! && sell[p]! === sell[i]!) shape[i] = -1;
      else kept++;
    }
    return { key, card: card.id, filter, keySet, sell, shape, entries, kept };
  }

  /**
   * Static filters, in this order; the first that leaves nothing names the rejection:
   * 1. blockTypes — the prefix's destination type is blocked: reject (destinationTypeBlocked).
   * 2. cappedRate — the sell rate is above the cap: reject (rateCapped).
   * 3. lock / exclude — drop parents not allowed; none left: reject (noRoutesLock).
   * 4. providerCappedRate (cost rate above the cap) and blockConnectCost (cost connection fee
   *    above 0) — drop; none left: reject (REJECT.providerCap, answered as the network's
   *    noRoutesProfitAssurance: the route's price guard left no carrier).
   * 5. profitAssurance — drop candidates that lose money on some call length (see profit.ts);
   *    none left: reject (noRoutesProfitAssurance).
   */
  private filterEntry(
    f: TableFilter, blocked: Set<number>, allowed: boolean[], type: number, sell: Tariff, cands: number[], parentsOf: number[],
  ): { reason: number; keep: { cost: number; parent: number }[] } {
    const keep: { cost: number; parent: number }[] = [];
    if (blocked.has(type)) return { reason: REJECT.destinationType, keep };
    if (f.cappedRate !== null && sell.rate > f.cappedRate) return { reason: REJECT.cappedRate, keep };
    for (let k = 0; k < cands.length; k++) if (allowed[parentsOf[k]!]) keep.push({ cost: cands[k]!, parent: parentsOf[k]! });
    if (keep.length === 0) return { reason: REJECT.lock, keep };
    const priced = keep.filter(({ cost }) => {
      const c = this.costRows[cost]!;
      if (f.providerCappedRate !== null && c.rate > f.providerCappedRate) return false;
      return !(f.blockConnectCost && c.connectFee > 0);
    });
    if (priced.length === 0) return { reason: REJECT.providerCap, keep: priced };
    if (!f.profitAssurance) return { reason: REJECT.none, keep: priced };
    const profitable = priced.filter(({ cost }) => neverLoses(sell, this.costRows[cost]!, f.maxDuration));
    return { reason: profitable.length === 0 ? REJECT.profitAssurance : REJECT.none, keep: profitable };
  }

  /**
   * Static order of the kept candidates:
   * - lcr: cost rate ascending, then cost connection fee ascending, then the parent's position in
   *   the card's `parents` list;
   * - reverse-lcr: rate descending, then connection fee descending, then parent position;
   * - priority: the card's priority list; parents not listed follow in lcr order;
   * - weighted, round-robin, random: stored in lcr order; the runtime chooses per call.
   */
  private orderCandidates(strategy: Strategy, rank: Int32Array, keep: { cost: number; parent: number }[]): number[] {
    const rows = this.costRows;
    const sign = strategy === 'reverse-lcr' ? -1 : 1;
    keep.sort((a, b) => {
      if (strategy === 'priority' && rank[a.parent] !== rank[b.parent]) return rank[a.parent]! - rank[b.parent]!;
      const x = rows[a.cost]!;
      const y = rows[b.cost]!;
      if (x.rate !== y.rate) return sign * (x.rate - y.rate);
      if (x.connectFee !== y.connectFee) return sign * (x.connectFee - y.connectFee);
      return a.parent - b.parent;
    });
    return keep.map((k) => k.cost);
  }
}

/** Position of each parent in the priority list (unlisted: after all listed). */
function parentRank(card: CustomerCard, strategy: Strategy): Int32Array {
  const rank = new Int32Array(card.parents.length).fill(card.parents.length);
  if (strategy !== 'priority') return rank;
  card.parents.forEach((id, j) => {
    const at = card.priority.indexOf(id);
    if (at >= 0) rank[j] = at;
  });
  return rank;
}
