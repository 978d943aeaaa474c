// Phase "flatten": a checked RouteRepository becomes compiled tables — for every distinct
// (customer card, static filter) pair, the sorted prefixes a runtime walks and, per prefix, the
// sell rate and a shared "shape" (destination, type, rejection, sell connection fee, the carrier
// decks to try in strategy order) — and, per (deck, currency) the cards use, a "view": the deck's
// rows in force, converted. The cost rows live in the views only, once per deck however many
// cards list it; a runtime walks the views with the same number to price the candidates.
// Encode turns the result into bytes; nothing here knows bytes.
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
//   the runtime's longest-prefix walk then lands on the shorter one and answers the same (the
//   candidates' rows come from the views, walked with the number itself, so they are those of
//   the dropped prefix: equal shapes mean equal decks in equal order, whatever their rows).
import type { CustomerCard, Deck, IngressRoute, RouteRepository, Strategy } from '../model/model.js';
import type { DeckRows } from '../model/deck.js';
import { convert, divRound, percentOf } from './arith.js';
import { billsAtLeast, neverLoses, type Tariff } from './profit.js';
import { REJECT } from '../../runtime/artefact/format.js';
import { PairInterner, TupleInterner } from './intern.js';

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
 * What many prefixes of many tables share, interned in two parts: a label (destination, type,
 * reject reason, sell connection fee in micro-units of the card currency) — tens of thousands —
 * and an order (the views, FlatNetwork.views, of the kept candidates in the order they are tried;
 * LCR order for dynamic strategies) — thousands. A shape is a (label, order) pair; millions of
 * them at wholesale scale, stored as tuples, not as one object per shape.
 */
export class ShapeTable {
  /** Shape id → (label, order). */
  readonly tuples = new PairInterner();
  /** Label id → [destination id, type, reason, connectFee]. */
  readonly labels = new TupleInterner();
  /** Order id → [view…]. */
  readonly orders = new TupleInterner();
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
  label(i: number): number {
    return this.tuples.first(i);
  }
  order(i: number): number {
    return this.tuples.second(i);
  }
  /** Destination id of label `l`. */
  labelDestination(l: number): number {
    return this.labels.word(l, 0);
  }
  destination(i: number): string {
    return this.destinations[this.labels.word(this.label(i), 0)]!;
  }
  type(i: number): number {
    return this.labels.word(this.label(i), 1);
  }
  reason(i: number): number {
    return this.labels.word(this.label(i), 2);
  }
  connectFee(i: number): number {
    return this.labels.word(this.label(i), 3);
  }
  candidates(i: number): number[] {
    return Array.from(this.orders.get(this.order(i)));
  }
  seal(): void {
    this.tuples.seal();
    this.labels.seal();
    this.orders.seal();
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

/** A deck as the cards of one currency see it: its rows in force, converted to that currency. */
export interface FlatView {
  /** Index into FlatNetwork.decks. */
  deck: number;
  currency: string;
  /** The deck's prefixes in force, sorted as text (an ancestor before its descendants). */
  prefixes: string[];
  /** Cost-row id (FlatNetwork.costRows) per prefix. */
  cost: Int32Array;
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
  /** Ids in first-use order of the sorted tables' walk. */
  views: FlatView[];
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

/**
 * A deck's rows in use at asOf: one row index per distinct prefix, in prefix order (an ancestor
 * sorts before its descendants). Computed once per deck and shared by every card that lists it.
 */
interface EffectiveDeck {
  /** Distinct prefixes, sorted as text. */
  prefixes: string[];
  /** Row in force per prefix. */
  rows: Int32Array;
  /** Sort key of each prefix (see prefixHead); NaN when the deck has a prefix that is not digits. */
  head: Float64Array;
  /** Length of each prefix. */
  len: Uint16Array;
}

/** Per card and key: what every table of the card starts from. */
interface CardEntries {
  card: CustomerCard;
  keySet: KeySet;
  /** Parent count P; per key P slots of cost-row id (-1 none). */
  P: number;
  /** View id per parent. */
  view: Int32Array;
  cost: Int32Array;
  sell: Float64Array;
  connectFee: Float64Array;
  /** Destination id (ShapeTable.destinations) per key. */
  destination: Int32Array;
  type: Uint8Array;
  count: Uint8Array;
  /**
   * Order id (ShapeTable.orders) by the code of a list of parents (see parentListCode): the
   * views of a card's parents are fixed, so a list of parents names one order for all the
   * card's tables, and most keys find theirs here rather than in the interner.
   */
  orderOfParents: Map<number, number>;
}

/** Every deck's and override's prefixes, merged once for all cards (Flattener.globalKeys). */
interface GlobalKeys {
  /** Sorted as text: an ancestor before its descendants. */
  keys: string[];
  /** Index of the nearest shorter key, or -1. */
  parent: Int32Array;
  /** The keys under i are i + 1 … end[i] − 1. */
  end: Int32Array;
  /** Per deck index: its row in force at each key (-1 none) and that row's prefix length. */
  row: Int32Array[];
  rowLen: Uint8Array[];
  /** Per deck index: the key of each of its effective prefixes. */
  own: Int32Array[];
  /** Override prefix → key. */
  overrideKey: Map<string, number>;
}

/** [from, until): the dates of the rows in force at asOf, and of the first row after it (0: none). */
interface EffectiveWindow {
  from: number;
  until: number;
}

/** A deck in one currency (Flattener.costsFor). */
interface DeckCosts {
  /** Its view: index into FlatNetwork.views. */
  view: number;
  /** Per global key: the cost row of the deck's row in force there, or -1. */
  atKey: Int32Array;
}

/** Digits of a prefix compared as numbers: the first HEAD_DIGITS, padded with zeros. */
const HEAD_DIGITS = 15;
const POW10: number[] = Array.from({ length: HEAD_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * The first 15 digits of a prefix padded with zeros, as an exact integer (< 10^15). Two prefixes
 * of at most 15 digits sort as text exactly as (head, length) sort as numbers; longer ones fall back
 * to comparing the text when their heads are equal (see comparePrefix).
 */
function prefixHead(p: string): number {
  const n = p.length < HEAD_DIGITS ? p.length : HEAD_DIGITS;
  let h = 0;
  for (let i = 0; i < n; i++) h = h * 10 + (p.charCodeAt(i) - 48);
  return h * POW10[HEAD_DIGITS - n]!;
}

/** prefixHead of an all-digit prefix, or NaN when it has another character. */
function digitHead(p: string): number {
  const n = p.length < HEAD_DIGITS ? p.length : HEAD_DIGITS;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const d = p.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    h = h * 10 + d;
  }
  for (let i = n; i < p.length; i++) {
    const d = p.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
  }
  return h * POW10[HEAD_DIGITS - n]!;
}

/** Text order of two prefixes, from their heads where that decides it. */
function comparePrefix(ha: number, a: string, hb: number, b: string): number {
  if (ha !== hb) return ha < hb ? -1 : 1;
  if (a.length <= HEAD_DIGITS && b.length <= HEAD_DIGITS) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether every prefix is digits only, so prefixHead orders it as text does. */
function allDigits(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Work arrays reused from card to card (and deck to deck) instead of allocated anew. Typed arrays
 * live outside the JS heap, and V8 answers every 64 MB or so of them with a full collection of
 * the heap — hundreds of MB of deck rows at wholesale scale: the bench build's 20 cards allocated
 * ~500 MB of per-card arrays and paid 9 such collections for it. A view handed out stays valid
 * until the next request under the same name, and holds whatever the last user left in it.
 */
class Scratch {
  private readonly int32 = new Map<string, Int32Array>();
  private readonly float64 = new Map<string, Float64Array>();
  private readonly uint8 = new Map<string, Uint8Array>();

  int32s(name: string, n: number): Int32Array {
    let a = this.int32.get(name);
    if (!a || a.length < n) this.int32.set(name, (a = new Int32Array(n)));
    return a.subarray(0, n);
  }
  float64s(name: string, n: number): Float64Array {
    let a = this.float64.get(name);
    if (!a || a.length < n) this.float64.set(name, (a = new Float64Array(n)));
    return a.subarray(0, n);
  }
  uint8s(name: string, n: number): Uint8Array {
    let a = this.uint8.get(name);
    if (!a || a.length < n) this.uint8.set(name, (a = new Uint8Array(n)));
    return a.subarray(0, n);
  }
}

class Flattener {
  private readonly deckIds: string[];
  private readonly deckIndex = new Map<string, number>();
  private readonly effective = new Map<string, EffectiveDeck>();
  private readonly costRows: CostRow[] = [];
  /**
   * Rate and connection fee of each cost row (costRows[c]) as typed columns: the hot loops read
   * them for millions of candidates, and an object per row is a pointer chase per read.
   */
  private costRate: Float64Array = new Float64Array(1 << 12);
  private costFee: Float64Array = new Float64Array(1 << 12);
  /**
   * Per deck index: its cost rows interned, and the cost-row id of each. A cost row names its
   * deck, so no two decks share one, and a table per deck stays small enough for the cache
   * where one table for all would not.
   */
  private readonly costIndex = new Map<number, { tuples: TupleInterner; id: number[] }>();
  /** `${deck}\u0000${currency}` → the deck's view in that currency and its cost rows by key. */
  private readonly costOf = new Map<string, DeckCosts>();
  private readonly views: FlatView[] = [];
  /** Deck id → shape destination id per destination name index of the deck (-1 not yet known). */
  private readonly destinationOf = new Map<string, Int32Array>();
  private readonly shapes = new ShapeTable();
  private readonly scratch = new Scratch();
  /** The window in which the rows chosen at asOf are the rows in force. */
  private readonly window: EffectiveWindow = { from: 0, until: 0 };
  private global: GlobalKeys | undefined;

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
    // The keys of one card sort together: keep only the current card's entries alive.
    let entries: CardEntries | undefined;
    for (const key of keys) {
      const { card, filter } = wanted.get(key)!;
      if (!entries || entries.card !== card) {
        entries = undefined;
        entries = this.cardEntries(card);
      }
      tables.push(this.table(key, entries, filter));
    }
    const tableIndex = new Map(keys.map((k, i) => [k, i]));
    const routeTable = new Map<string, number>();
    for (const [route, key] of routeKey) routeTable.set(route, tableIndex.get(key)!);
    // Every shape is known: drop the lookup tables (hundreds of MB at wholesale scale).
    this.shapes.seal();
    for (const { tuples } of this.costIndex.values()) tuples.seal();
    return {
      repo,
      asOf: this.options.asOf,
      effectiveFrom: this.window.from,
      effectiveUntil: this.window.until,
      decks: this.deckIds,
      cards: cardIds,
      costRows: this.costRows,
      views: this.views,
      shapes: this.shapes,
      tables,
      routeTable,
    };
  }

  /**
   * Picks, per prefix, the row in force at asOf (the latest effective date ≤ asOf; equal dates:
   * the later line of the file); notes the window in which that choice holds. The result is in
   * prefix order.
   */
  private effectiveRows(deck: Deck): EffectiveDeck {
    const cached = this.effective.get(deck.id);
    if (cached) return cached;
    const { rows } = deck;
    const effective = rows.effective;
    const text = rows.prefix;
    // Typed arrays throughout, one loop per function (see "The per-key loops" below).
    const live = this.scratch.int32s('live', rows.count);
    const liveCount = rowsInForce(effective, this.options.asOf, live, this.window);
    // Each prefix's head (NaN: not all digits, then every prefix compares as text).
    const heads = this.scratch.float64s('heads', rows.count);
    const digits = digitHeads(text, live, liveCount, heads);
    // Prefix order; within a prefix, effective date then line: the last row of a run wins.
    const order = digits
      ? (a: number, b: number) => comparePrefix(heads[a]!, text[a]!, heads[b]!, text[b]!) || effective[a]! - effective[b]! || a - b
      : (a: number, b: number) => byText(text[a]!, text[b]!) || effective[a]! - effective[b]! || a - b;
    // Decks usually come sorted by prefix: then the sort is skipped. Array.prototype.sort
    // (TimSort) rather than the typed array's: it takes the few sorted runs a deck built from
    // sorted lists is made of in stride.
    let inOrder = live.subarray(0, liveCount);
    if (!isSorted(inOrder, heads, digits, order)) inOrder = Int32Array.from(Array.from(inOrder).sort(order));
    const chosen = this.scratch.int32s('chosen', liveCount);
    const count = lastOfEachPrefix(inOrder, text, chosen);
    const prefixes: string[] = new Array(count);
    const head = new Float64Array(count);
    const len = new Uint16Array(count);
    describePrefixes(text, chosen, count, digits ? heads : null, prefixes, head, len);
    const out: EffectiveDeck = { prefixes, rows: chosen.slice(0, count), head, len };
    this.effective.set(deck.id, out);
    return out;
  }

  /**
   * A deck in `currency`: its view (made on first use, so view ids are in first-use order) and,
   * per global key, the cost row of the deck's row in force there — computed once per deck and
   * currency, so that a card reads its parents' candidates key by key in order.
   */
  private costsFor(deck: Deck, currency: string): DeckCosts {
    const key = `${deck.id}\u0000${currency}`;
    const cached = this.costOf.get(key);
    if (cached) return cached;
    const eff = this.effective.get(deck.id)!;
    const from = fxRate(this.repo, deck.currency);
    const to = fxRate(this.repo, currency);
    const d = this.deckIndex.get(deck.id)!;
    const { rows } = deck;
    const viewCost = new Int32Array(eff.rows.length);
    this.internCostRows(d, rows, eff.rows, from, to, viewCost);
    const view = this.views.length;
    this.views.push({ deck: d, currency, prefixes: eff.prefixes, cost: viewCost });
    const g = this.globalKeys();
    const atKey = new Int32Array(g.keys.length).fill(-1);
    scatter(viewCost, g.own[d]!, atKey);
    inheritFromParent(atKey, g.parent);
    const result: DeckCosts = { view, atKey };
    this.costOf.set(key, result);
    return result;
  }

  /** The cost row of each row `rows[i]` of deck d, converted at from → to, into cost[i]: interned, new ones appended. */
  private internCostRows(d: number, deckRows: DeckRows, rows: Int32Array, from: number, to: number, cost: Int32Array): void {
    let index = this.costIndex.get(d);
    if (!index) this.costIndex.set(d, (index = { tuples: new TupleInterner(), id: [] }));
    const { tuples, id: idOf } = index;
    // The interner sees one tuple type (Float64Array) only.
    const t = new Float64Array(5);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const rate = convert(deckRows.rate[r]!, from, to);
      const connectFee = convert(deckRows.connectFee[r]!, from, to);
      const initial = deckRows.initial[r]!;
      const increment = deckRows.increment[r]!;
      const type = deckRows.type[r]!;
      t[0] = rate; t[1] = connectFee; t[2] = initial; t[3] = increment; t[4] = type;
      const local = tuples.intern(t);
      if (local === idOf.length) idOf.push(this.costRows.length);
      const id = idOf[local]!;
      if (id === this.costRows.length) {
        this.costRows.push({ deck: d, rate, connectFee, initial, increment, type });
        if (id === this.costRate.length) {
          this.costRate = grownFloat64(this.costRate, 2 * id);
          this.costFee = grownFloat64(this.costFee, 2 * id);
        }
        this.costRate[id] = rate;
        this.costFee[id] = connectFee;
      }
      cost[i] = id;
    }
  }

  /** Shape destination id of each destination name of a deck. */
  private destinationsOf(deck: Deck): Int32Array {
    let ids = this.destinationOf.get(deck.id);
    if (!ids) {
      ids = new Int32Array(deck.rows.names.length).fill(-1);
      this.destinationOf.set(deck.id, ids);
    }
    return ids;
  }

  /**
   * The union of every deck's prefixes in force and every card's override prefixes, sorted, built
   * once: each card's keys are the members of it its parents (or overrides) own, and a deck's row
   * at any global key is found once here for all cards. With G keys and D decks this is one D-way
   * merge and D closures over G, instead of one merge and closure per card.
   */
  private globalKeys(): GlobalKeys {
    if (this.global) return this.global;
    const decks = this.deckIds.map((id) => this.repo.decks.get(id)!);
    const effs = decks.map((d) => this.effectiveRows(d));
    const ovSet = new Set<string>();
    for (const card of this.repo.cards.values()) for (const o of card.overrides) ovSet.add(o.prefix);
    const ovPrefixes = [...ovSet].sort(byText);
    const numeric = effs.every((e) => e.head.length === 0 || !Number.isNaN(e.head[0]!)) && ovPrefixes.every(allDigits);
    const ovHead = new Float64Array(ovPrefixes.length);
    if (numeric) ovPrefixes.forEach((p, i) => (ovHead[i] = prefixHead(p)));
    const ovLen = Uint16Array.from(ovPrefixes, (p) => p.length);
    const lists: { prefixes: string[]; head: Float64Array; len: Uint16Array }[] = [...effs, { prefixes: ovPrefixes, head: ovHead, len: ovLen }];
    const L = lists.length;

    // L-way merge of the sorted lists; each list's element remembers its key. An ancestor sorts
    // before its descendants, so one pass with a stack finds each key's nearest shorter key.
    const at = lists.map((l) => new Int32Array(l.prefixes.length));
    const pos = new Int32Array(L);
    const keys: string[] = [];
    const keyHead: number[] = [];
    const keyLen: number[] = [];
    for (;;) {
      let m = -1;
      let mHead = 0;
      let mLen = 0;
      for (let j = 0; j < L; j++) {
        const l = lists[j]!;
        const p = pos[j]!;
        if (p >= l.prefixes.length) continue;
        if (m < 0) {
          m = j;
          mHead = l.head[p]!;
          mLen = l.len[p]!;
          continue;
        }
        // comparePrefix from the numbers alone; the text only where they cannot decide.
        const h = l.head[p]!;
        const n = l.len[p]!;
        let less: boolean;
        if (!numeric) less = byText(l.prefixes[p]!, lists[m]!.prefixes[pos[m]!]!) < 0;
        else if (h !== mHead) less = h < mHead;
        else if (n <= HEAD_DIGITS && mLen <= HEAD_DIGITS) less = n < mLen;
        else less = l.prefixes[p]! < lists[m]!.prefixes[pos[m]!]!;
        if (less) {
          m = j;
          mHead = h;
          mLen = n;
        }
      }
      if (m < 0) break;
      const k = keys.length;
      const mText = lists[m]!.prefixes[pos[m]!]!;
      keys.push(mText);
      keyHead.push(mHead);
      keyLen.push(mLen);
      // Equal prefixes: equal heads and lengths settle it up to HEAD_DIGITS digits.
      const short = numeric && mLen <= HEAD_DIGITS;
      for (let j = m; j < L; j++) {
        const l = lists[j]!;
        const p = pos[j]!;
        if (p < l.prefixes.length && (short ? l.head[p] === mHead && l.len[p] === mLen : l.prefixes[p] === mText)) {
          at[j]![p] = k;
          pos[j] = p + 1;
        }
      }
    }
    const G = keys.length;
    const parent = new Int32Array(G);
    const stack: number[] = [];
    for (let i = 0; i < G; i++) {
      const k = keys[i]!;
      const len = keyLen[i]!;
      const head = keyHead[i]!;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const tl = keyLen[top]!;
        // Is keys[top] a prefix of k? Digits only and short: compare heads cut to its length.
        const isPrefix = numeric && len <= HEAD_DIGITS
          ? tl <= len && Math.floor(head / POW10[HEAD_DIGITS - tl]!) * POW10[HEAD_DIGITS - tl]! === keyHead[top]!
          : k.startsWith(keys[top]!);
        if (isPrefix) break;
        stack.pop();
      }
      parent[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(i);
    }
    // Key order is a depth-first order of the prefix tree: the keys under i are i + 1 … end[i) − 1.
    const end = new Int32Array(G);
    for (let i = 0; i < G; i++) end[i] = i + 1;
    for (let i = G - 1; i >= 0; i--) if (parent[i]! >= 0 && end[i]! > end[parent[i]!]!) end[parent[i]!] = end[i]!;
    // Per deck: its row in force at every global key (own row, else inherited from the parent
    // key: every deck prefix that starts a key is one of its ancestors), and that row's length.
    const row: Int32Array[] = [];
    const rowLen: Uint8Array[] = [];
    for (let j = 0; j < decks.length; j++) {
      const r = new Int32Array(G).fill(-1);
      const len = new Uint8Array(G);
      const eff = effs[j]!;
      const where = at[j]!;
      for (let i = 0; i < eff.prefixes.length; i++) {
        r[where[i]!] = eff.rows[i]!;
        len[where[i]!] = Math.min(255, eff.len[i]!);
      }
      for (let i = 0; i < G; i++) {
        const p = parent[i]!;
        if (r[i]! < 0 && p >= 0) {
          r[i] = r[p]!;
          len[i] = len[p]!;
        }
      }
      row.push(r);
      rowLen.push(len);
    }
    const ovIndex = new Map(ovPrefixes.map((p, i) => [p, at[L - 1]![i]!]));
    this.global = { keys, parent, end, row, rowLen, own: at.slice(0, decks.length), overrideKey: ovIndex };
    return this.global;
  }

  /** The card's keys and, per key, its candidates and sell — before any route's filters. */
  private cardEntries(card: CustomerCard): CardEntries {
    const decks = card.parents.map((id) => {
      const deck = this.repo.decks.get(id);
      if (!deck) throw new Error(`card "${card.id}" names parent "${id}", which does not exist`);
      return deck;
    });
    const P = decks.length;
    const g = this.globalKeys();
    const parentDeck = card.parents.map((id) => this.deckIndex.get(id)!);

    // Members: global keys a parent owns, or an override names (the later of two equal overrides).
    const member = this.scratch.int32s('member', g.keys.length).fill(-1);
    for (const d of parentDeck) markOwned(member, g.own[d]!);
    card.overrides.forEach((o, i) => {
      member[g.overrideKey.get(o.prefix)!] = i;
    });
    const n = countMembers(member);
    const keys: string[] = new Array(n);
    const parent = new Int32Array(n);
    const globalOf = this.scratch.int32s('globalOf', n);
    const override = this.scratch.int32s('override', n);
    memberKeys(g, member, keys, parent, globalOf, override);
    const keySet: KeySet = { keys, parent };

    const costs = decks.map((d) => this.costsFor(d, card.currency));
    const view = Int32Array.from(costs, (c) => c.view);
    const cost = this.scratch.int32s('cost', n * P);
    const count = this.scratch.uint8s('count', n);
    const best = this.scratch.int32s('best', n);
    gatherCandidates(globalOf, costs.map((c) => c.atKey), parentDeck.map((d) => g.rowLen[d]!), cost, count, best);

    const sell = new Float64Array(n);
    const { compact, markup } = card;
    const mode = compact === 'min' ? COMPACT_MIN : compact === 'max' ? COMPACT_MAX : COMPACT_AVERAGE;
    sellRates(cost, P, count, this.costRate, mode, markup.percentMicros, markup.fixed, markup.floor, sell);

    const connectFee = this.scratch.float64s('connectFee', n).fill(0);
    const destination = this.scratch.int32s('destination', n);
    const type = this.scratch.uint8s('type', n).fill(0);
    const rowAt = parentDeck.map((d) => g.row[d]!);
    this.labelKeys(card, decks, rowAt, globalOf, count, best, override, sell, connectFee, destination, type);
    return { card, keySet, P, view, cost, sell, connectFee, destination, type, count, orderOfParents: new Map() };
  }

  /**
   * Per key of a card: destination and type from the most specific row (parent best[i], its row
   * in force at the key's global key), the card's connection fee; then the longest override
   * prefix of the key, if any, replaces sell, connection fee and destination. One loop in key
   * order, as destination ids are handed out in first-use order. Keys without candidates keep
   * sell and fee 0 and have no destination name.
   */
  private labelKeys(
    card: CustomerCard, decks: Deck[], rowAt: Int32Array[], globalOf: Int32Array, count: Uint8Array, best: Int32Array,
    override: Int32Array, sell: Float64Array, connectFee: Float64Array, destination: Int32Array, type: Uint8Array,
  ): void {
    const noName = this.shapes.destinationId('');
    const destIds = decks.map((d) => this.destinationsOf(d));
    const rows = decks.map((d) => d.rows);
    const cardFee = card.connectFee;
    for (let i = 0; i < count.length; i++) {
      destination[i] = noName;
      if (count[i] === 0) continue;
      const b = best[i]!;
      const deckRows = rows[b]!;
      const r = rowAt[b]![globalOf[i]!]!;
      const nameIndex = deckRows.destination[r]!;
      const ids = destIds[b]!;
      let dest = ids[nameIndex]!;
      if (dest < 0) dest = ids[nameIndex] = this.shapes.destinationId(deckRows.names[nameIndex] ?? '');
      destination[i] = dest;
      type[i] = deckRows.type[r]!;
      connectFee[i] = cardFee;
      const o = override[i]!;
      if (o >= 0) {
        const ov = card.overrides[o]!;
        sell[i] = ov.rate;
        if (ov.connectFee !== undefined) connectFee[i] = ov.connectFee;
        if (ov.destination !== undefined) destination[i] = this.shapes.destinationId(ov.destination);
      }
    }
  }

  private table(key: string, e: CardEntries, filter: TableFilter): FlatTable {
    const { card, keySet, P } = e;
    const n = keySet.keys.length;
    const sell = e.sell;
    const shape = new Int32Array(n).fill(-1);
    const candidates = new CandidateFilter(card, filter, this.costRows, this.costRate, this.costFee, this.scratch);
    const rank = parentRank(card, filter.strategy);
    const strategy = filter.strategy === 'reverse-lcr' ? ORDER_REVERSE_LCR : filter.strategy === 'priority' ? ORDER_PRIORITY : ORDER_LCR;
    const keepCost = new Int32Array(P);
    const keepParent = new Int32Array(P);
    const { tuples, labels, orders } = this.shapes;
    // Neighbouring keys mostly share their label and order: remember the last of each, and
    // intern only when one changes.
    const label = new Float64Array(4);
    const order = new Float64Array(P);
    const codes = P <= MAX_CODED_PARENTS;
    let orderCode = -1;
    let orderLength = -1;
    let labelId = -1;
    let orderId = -1;
    let pairLabel = 0;
    let pairOrder = 0;
    let shapeId = -1;
    let entries = 0;
    for (let i = 0; i < n; i++) {
      if (e.count[i] === 0) continue;
      entries++;
      const found = candidates.keep(e.type[i]!, sell[i]!, e.connectFee[i]!, e.cost, i * P, P, keepCost, keepParent);
      // The label: [destination, type, reason, connectFee].
      const reason = found < 0 ? -found - 1 : REJECT.none;
      if (labelId < 0 || label[0] !== e.destination[i] || label[1] !== e.type[i] || label[2] !== reason || label[3] !== e.connectFee[i]) {
        label[0] = e.destination[i]!;
        label[1] = e.type[i]!;
        label[2] = reason;
        label[3] = e.connectFee[i]!;
        labelId = labels.intern(label, 4);
      }
      // The order: the view of each kept candidate, in the order they are tried.
      const len = found > 0 ? found : 0;
      if (found > 0) orderCandidates(strategy, rank, this.costRate, this.costFee, keepCost, keepParent, found);
      if (codes) {
        const code = parentListCode(keepParent, len, P);
        if (code !== orderCode) {
          const known = e.orderOfParents.get(code);
          if (known !== undefined) orderId = known;
          else {
            for (let k = 0; k < len; k++) order[k] = e.view[keepParent[k]!]!;
            e.orderOfParents.set(code, (orderId = orders.intern(order, len)));
          }
          orderCode = code;
        }
      } else {
        let sameOrder = len === orderLength;
        for (let k = 0; sameOrder && k < len; k++) sameOrder = order[k] === e.view[keepParent[k]!];
        if (!sameOrder) {
          for (let k = 0; k < len; k++) order[k] = e.view[keepParent[k]!]!;
          orderLength = len;
          orderId = orders.intern(order, len);
        }
      }
      if (pairLabel !== labelId || pairOrder !== orderId || shapeId < 0) {
        pairLabel = labelId;
        pairOrder = orderId;
        shapeId = tuples.intern(labelId, orderId);
      }
      shape[i] = shapeId;
    }
    const kept = compactKeys(shape, sell, keySet.parent);
    return { key, card: card.id, filter, keySet, sell, shape, entries, kept };
  }
}

/** Cards with up to this many parents code a list of parents as one small integer (parentListCode). */
const MAX_CODED_PARENTS = 9;

/**
 * A list of distinct parent indices (each < P ≤ MAX_CODED_PARENTS) as one integer: its digits in
 * base P + 1, each parent counted from 1 — [] → 0, [2, 0] → 3·(P+1) + 1. Below (P + 1)^P ≤ 10^9,
 * so a small integer; equal codes, equal lists.
 */
function parentListCode(parents: Int32Array, len: number, P: number): number {
  let code = 0;
  for (let k = 0; k < len; k++) code = code * (P + 1) + parents[k]! + 1;
  return code;
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

/** Whether a card's billing bills at least a cost row's seconds for every call length: yes, no, not asked yet. */
const BILLS_MORE = 1;
const BILLS_FEWER = 0;
const BILLS_UNKNOWN = 2;

/**
 * One route's static filters over a card's candidates (see `keep`), made per table.
 */
class CandidateFilter {
  /** Bit t set: destination type t is blocked. */
  private readonly blocked: number;
  /** Per parent: 1 if lock and exclude allow it. */
  private readonly allowed: Uint8Array;
  /** Infinity where the route has no such cap. */
  private readonly cappedRate: number;
  private readonly providerCappedRate: number;
  private readonly blockConnectCost: boolean;
  private readonly profitAssurance: boolean;
  private readonly maxDuration: number;
  /** The card's sell tariff; rate and connection fee are set per key. */
  private readonly sell: Tariff;
  /** The card's connection fee: what every key sells at but those an override prices. */
  private readonly cardFee: number;
  /** Per cost row: whether the card's billing bills at least the row's seconds (BILLS_*). */
  private readonly billsMore: Uint8Array;
  /**
   * Per cost row, for sells at the card's connection fee: the lowest sell rate found to never
   * lose, and the highest found to lose. A dearer sell charges more for every call length, so
   * neverLoses answers the same for any rate at or above the first, and at or below the second:
   * a table asks about each cost row at many sell rates, and most fall outside that gap.
   */
  private readonly keepsFrom: Float64Array;
  private readonly losesUpTo: Float64Array;

  constructor(
    card: CustomerCard, filter: TableFilter,
    private readonly costRows: CostRow[], private readonly costRate: Float64Array, private readonly costFee: Float64Array,
    scratch: Scratch,
  ) {
    const lock = filter.lock ? new Set(filter.lock) : null;
    const exclude = new Set(filter.exclude);
    this.blocked = filter.blockTypes.reduce((m, ty) => m | (1 << ty), 0);
    this.allowed = Uint8Array.from(card.parents, (id) => ((!lock || lock.has(id)) && !exclude.has(id) ? 1 : 0));
    this.cappedRate = filter.cappedRate ?? Infinity;
    this.providerCappedRate = filter.providerCappedRate ?? Infinity;
    this.blockConnectCost = filter.blockConnectCost;
    this.profitAssurance = filter.profitAssurance;
    this.maxDuration = filter.maxDuration;
    this.sell = { rate: 0, connectFee: 0, initial: card.billing.initial, increment: card.billing.increment };
    this.cardFee = card.connectFee;
    const rows = filter.profitAssurance ? costRows.length : 0;
    this.billsMore = scratch.uint8s('billsMore', rows).fill(BILLS_UNKNOWN);
    this.keepsFrom = scratch.float64s('keepsFrom', rows).fill(Infinity);
    this.losesUpTo = scratch.float64s('losesUpTo', rows).fill(-Infinity);
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
   * Of the candidates cost[from … from + P), keeps those that pass into keepCost / keepParent
   * (in parent order) and returns how many, or −(reason + 1) when the prefix is rejected.
   */
  keep(
    type: number, sellRate: number, sellFee: number,
    cost: Int32Array, from: number, P: number, keepCost: Int32Array, keepParent: Int32Array,
  ): number {
    if (this.blocked & (1 << type)) return -REJECT.destinationType - 1;
    if (sellRate > this.cappedRate) return -REJECT.cappedRate - 1;
    const allowed = this.allowed;
    let n = 0;
    for (let j = 0; j < P; j++) {
      const c = cost[from + j]!;
      if (c >= 0 && allowed[j] === 1) {
        keepCost[n] = c;
        keepParent[n] = j;
        n++;
      }
    }
    if (n === 0) return -REJECT.lock - 1;
    if (this.providerCappedRate !== Infinity || this.blockConnectCost) {
      let m = 0;
      for (let k = 0; k < n; k++) {
        const c = keepCost[k]!;
        if (this.costRate[c]! > this.providerCappedRate) continue;
        if (this.blockConnectCost && this.costFee[c]! > 0) continue;
        keepCost[m] = c;
        keepParent[m] = keepParent[k]!;
        m++;
      }
      n = m;
      if (n === 0) return -REJECT.providerCap - 1;
    }
    if (!this.profitAssurance) return n;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const c = keepCost[k]!;
      if (!this.neverLoses(c, sellRate, sellFee)) continue;
      keepCost[m] = c;
      keepParent[m] = keepParent[k]!;
      m++;
    }
    return m === 0 ? -REJECT.profitAssurance - 1 : m;
  }

  /** profit.ts's neverLoses for cost row c, from what this table already knows where it can. */
  private neverLoses(c: number, sellRate: number, sellFee: number): boolean {
    let more = this.billsMore[c]!;
    if (more === BILLS_UNKNOWN) {
      const row = this.costRows[c]!;
      more = this.billsMore[c] = billsAtLeast(this.sell.initial, this.sell.increment, row.initial, row.increment, Math.floor(this.maxDuration)) ? BILLS_MORE : BILLS_FEWER;
    }
    // neverLoses' own first test, on the columns: a sell at least the cost in rate and connection
    // fee, on billing that never bills fewer seconds, never loses.
    const costRate = this.costRate[c]!;
    if (more === BILLS_MORE && costRate >= 0 && sellRate >= costRate && sellFee >= this.costFee[c]!) return true;
    const cached = sellFee === this.cardFee;
    if (cached && sellRate >= this.keepsFrom[c]!) return true;
    if (cached && sellRate <= this.losesUpTo[c]!) return false;
    this.sell.rate = sellRate;
    this.sell.connectFee = sellFee;
    const keeps = neverLoses(this.sell, this.costRows[c]!, this.maxDuration, more === BILLS_MORE);
    if (cached && keeps && sellRate < this.keepsFrom[c]!) this.keepsFrom[c] = sellRate;
    if (cached && !keeps && sellRate > this.losesUpTo[c]!) this.losesUpTo[c] = sellRate;
    return keeps;
  }
}

const ORDER_LCR = 0;
const ORDER_REVERSE_LCR = 1;
const ORDER_PRIORITY = 2;

/**
 * Static order of the kept candidates:
 * - lcr: cost rate ascending, then cost connection fee ascending, then the parent's position in
 *   the card's `parents` list;
 * - reverse-lcr: rate descending, then connection fee descending, then parent position;
 * - priority: the card's priority list; parents not listed follow in lcr order;
 * - weighted, round-robin, random: stored in lcr order; the runtime chooses per call.
 * Sorts keepCost[0 … n) (and keepParent along) in place: an insertion sort, as n ≤ parents.
 */
function orderCandidates(
  strategy: number, rank: Int32Array, rate: Float64Array, fee: Float64Array, keepCost: Int32Array, keepParent: Int32Array, n: number,
): void {
  const sign = strategy === ORDER_REVERSE_LCR ? -1 : 1;
  const priority = strategy === ORDER_PRIORITY;
  for (let k = 1; k < n; k++) {
    const c = keepCost[k]!;
    const p = keepParent[k]!;
    let q = k - 1;
    for (; q >= 0; q--) {
      const d = keepCost[q]!;
      const pd = keepParent[q]!;
      // Is (d, pd) after (c, p)?
      let after: boolean;
      if (priority && rank[pd] !== rank[p]) after = rank[pd]! > rank[p]!;
      else if (rate[d] !== rate[c]) after = sign * (rate[d]! - rate[c]!) > 0;
      else if (fee[d] !== fee[c]) after = sign * (fee[d]! - fee[c]!) > 0;
      else after = pd > p;
      if (!after) break;
      keepCost[q + 1] = d;
      keepParent[q + 1] = pd;
    }
    keepCost[q + 1] = c;
    keepParent[q + 1] = p;
  }
}

const COMPACT_MIN = 0;
const COMPACT_MAX = 1;
const COMPACT_AVERAGE = 2;

// The per-key loops below are functions of typed arrays of their own, not parts of one large
// method: each is optimised for the one kind of array it sees, and does not lose its optimised
// code when another loop of the same method meets a different map.

function grownFloat64(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

/** values[i] = values[parent[i]] where values[i] < 0: in key order a parent comes before its children. */
function inheritFromParent(values: Int32Array, parent: Int32Array): void {
  for (let i = 0; i < values.length; i++) {
    const p = parent[i]!;
    if (values[i]! < 0 && p >= 0) values[i] = values[p]!;
  }
}

/** out[at[i]] = values[i]. */
function scatter(values: Int32Array, at: Int32Array, out: Int32Array): void {
  for (let i = 0; i < at.length; i++) out[at[i]!] = values[i]!;
}

/** Marks the global keys a deck owns as members (-2) of a card. */
function markOwned(member: Int32Array, own: Int32Array): void {
  for (let i = 0; i < own.length; i++) member[own[i]!] = -2;
}

/**
 * A card's keys — the members of the global keys (member[k] ≥ 0: override index; -2: a parent
 * owns it; -1: not a member) — with each key's nearest shorter member and the override in force.
 */
function memberKeys(g: GlobalKeys, member: Int32Array, keys: string[], parent: Int32Array, globalOf: Int32Array, override: Int32Array): void {
  const G = member.length;
  const end = g.end;
  // The nearest shorter member: a stack of members whose subtree the walk is still in.
  const stack = new Int32Array(64);
  let top = 0;
  for (let k = 0, i = 0; k < G; k++) {
    const m = member[k]!;
    if (m === -1) continue;
    while (top > 0 && k >= end[globalOf[stack[top - 1]!]!]!) top--;
    const p = top > 0 ? stack[top - 1]! : -1;
    parent[i] = p;
    globalOf[i] = k;
    keys[i] = g.keys[k]!;
    // The longest override prefix of the key applies: its own, else its parent's.
    override[i] = m >= 0 ? m : p >= 0 ? override[p]! : -1;
    if (top === stack.length) throw new Error(`internal: prefix ${keys[i]} is deeper than ${stack.length} levels`);
    stack[top++] = i;
    i++;
  }
}

/** How many global keys are members of a card (member[k] ≠ −1). */
function countMembers(member: Int32Array): number {
  let n = 0;
  for (let k = 0; k < member.length; k++) if (member[k] !== -1) n++;
  return n;
}

/**
 * Per key i of a card and parent j: the parent's cost row in force (cost[i·P + j]; -1 none), how
 * many parents have one (count[i]), and which of them holds the longest prefix (best[i]; equal
 * lengths: the first parent listed) — the row that names the destination and type.
 */
function gatherCandidates(
  globalOf: Int32Array, costAt: Int32Array[], lenAt: Uint8Array[], cost: Int32Array, count: Uint8Array, best: Int32Array,
): void {
  const P = costAt.length;
  for (let i = 0; i < globalOf.length; i++) {
    const k = globalOf[i]!;
    let found = 0;
    let b = -1;
    let bLen = -1;
    for (let j = 0; j < P; j++) {
      const c = costAt[j]![k]!;
      cost[i * P + j] = c;
      if (c < 0) continue;
      found++;
      const len = lenAt[j]![k]!;
      if (len > bLen) {
        b = j;
        bLen = len;
      }
    }
    count[i] = found;
    best[i] = b;
  }
}

/** Per key with candidates: rate compact, then markup = max(percent of base + fixed, floor). */
function sellRates(
  cost: Int32Array, P: number, count: Uint8Array, costRate: Float64Array, mode: number,
  percentMicros: number, fixed: number, floor: number, sell: Float64Array,
): void {
  for (let i = 0; i < count.length; i++) {
    if (count[i] === 0) continue;
    const base = compactRate(cost, i * P, P, costRate, mode);
    sell[i] = base + Math.max(percentOf(base, percentMicros) + fixed, floor);
  }
}

/** Rate compact of the candidates cost[from … from + P): min, max or mean rounded half away from zero. */
function compactRate(cost: Int32Array, from: number, P: number, costRate: Float64Array, mode: number): number {
  let found = 0;
  let base = 0;
  let sum = 0;
  for (let j = 0; j < P; j++) {
    const c = cost[from + j]!;
    if (c < 0) continue;
    const rate = costRate[c]!;
    if (found === 0) base = rate;
    else if (mode === COMPACT_MIN ? rate < base : mode === COMPACT_MAX ? rate > base : false) base = rate;
    sum += rate;
    found++;
  }
  if (mode !== COMPACT_AVERAGE) return base;
  if (!Number.isSafeInteger(sum)) throw new RangeError('sum of amounts leaves the exact integer range');
  return divRound(sum, found);
}

/**
 * The rows in effect at asOf (effective date ≤ asOf) into live[0 … count), in row order; widens
 * `window` to the latest such date and narrows its end to the earliest date after asOf.
 */
function rowsInForce(effective: Float64Array, asOf: number, live: Int32Array, window: EffectiveWindow): number {
  let count = 0;
  for (let r = 0; r < effective.length; r++) {
    const at = effective[r]!;
    if (at > asOf) {
      if (window.until === 0 || at < window.until) window.until = at;
      continue;
    }
    if (at > window.from) window.from = at;
    live[count++] = r;
  }
  return count;
}

/** heads[r] = digitHead of the prefix of each live row; false (and heads unfinished) at the first that is not all digits. */
function digitHeads(text: string[], live: Int32Array, count: number, heads: Float64Array): boolean {
  for (let k = 0; k < count; k++) {
    const r = live[k]!;
    const h = digitHead(text[r]!);
    if (Number.isNaN(h)) return false;
    heads[r] = h;
  }
  return true;
}

/** Whether rows are already in `order`; with digit prefixes, heads decide unless equal. */
function isSorted(rows: Int32Array, heads: Float64Array, digits: boolean, order: (a: number, b: number) => number): boolean {
  for (let k = 1; k < rows.length; k++) {
    const a = rows[k - 1]!, b = rows[k]!;
    if (digits && heads[a]! < heads[b]!) continue;
    if (order(a, b) >= 0) return false;
  }
  return true;
}

/** The last row of each run of rows with equal prefixes (rows sorted), into chosen; returns how many. */
function lastOfEachPrefix(rows: Int32Array, text: string[], chosen: Int32Array): number {
  let count = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (k + 1 < rows.length && text[rows[k + 1]!] === text[r]) continue;
    chosen[count++] = r;
  }
  return count;
}

/** Prefix, length and head of each chosen row; heads null: NaN, "compare as text". */
function describePrefixes(
  text: string[], chosen: Int32Array, count: number, heads: Float64Array | null, prefixes: string[], head: Float64Array, len: Uint16Array,
): void {
  for (let i = 0; i < count; i++) {
    const r = chosen[i]!;
    const p = text[r]!;
    prefixes[i] = p;
    len[i] = p.length;
    head[i] = heads ? heads[r]! : NaN;
  }
}

/**
 * Lossless compaction: drops (shape −1) a key whose shape and sell equal its parent key's.
 * From the longest keys up, so a comparison always sees the parent's uncompacted value. Returns
 * how many keys with a shape are kept.
 */
function compactKeys(shape: Int32Array, sell: Float64Array, parent: Int32Array): number {
  let kept = 0;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i]! < 0) continue;
    const p = parent[i]!;
    if (p >= 0 && shape[p]! === shape[i]! && sell[p]! === sell[i]!) shape[i] = -1;
    else kept++;
  }
  return kept;
}
