// Phase "diff", tables: what one compiled table answers on each side, compared prefix by prefix.
//
// Both tables' tries are walked together with the tries of every deck view their candidates are
// priced from (format 2 keeps cost rows in per-deck views), depth first in digit order, so
// prefixes come out sorted (a merge-join over all their keys). At every node any of them holds a
// value for, the effective entry of each side is compared — the table's own value or the one
// inherited from the nearest shorter prefix, and each candidate's row found the same way —
// exactly what the runtime's longest-prefix walks answer there:
//   // base holds 44 → 0.010; head adds 447 → 0.012: at 447 base answers 0.010 (inherited from 44),
//   // head 0.012: one prefix up by 0.002. A head row equal to its parent was compacted away and
//   // costs nothing here: both sides answer the same.
// Entries are compared field by field through index maps between the two artefacts (strings,
// rate rows), so nothing is built per prefix unless it changed.
import type { Artefact } from '../../runtime/artefact/decode.js';
import * as F from '../../runtime/artefact/format.js';

const { DIGIT_RANK } = F;

/** One rate move, in micro-units of the card currency. */
export interface RateMove {
  prefix: string;
  destination: string;
  from: number;
  to: number;
}

const EMPTY = new Float64Array(0);

/** Growable Float64 list (medians need every value; millions of them on a big change). */
export class Numbers {
  // Most destinations see a handful of moves: start empty, allocate on the first push.
  data = EMPTY;
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(Math.max(4, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** What changed over a set of prefixes (a table, or one destination of it). */
export class ChangeStats {
  /** Points (prefixes held by either side) where the answers differ. */
  changed = 0;
  /** Prefixes with an entry on head only / on base only (elsewhere: "No Routes Available (Pre)"). */
  added = 0;
  removed = 0;
  up = 0;
  down = 0;
  readonly abs = new Numbers();
  readonly pct = new Numbers();
  largestUp: RateMove | undefined;
  largestDown: RateMove | undefined;
  /** `${from}\u0000${to}` carrier of the first candidate ('' = none) → prefixes. */
  firstPlace: Map<string, number> | undefined;
  /** Deck id → prefixes where it became / stopped being a candidate. */
  candidatesAdded: Map<string, number> | undefined;
  candidatesDropped: Map<string, number> | undefined;
  /** Reject reason key → prefixes newly refused / no longer refused. */
  newlyRejected: Map<string, number> | undefined;
  rejectionsLifted: Map<string, number> | undefined;
  /** Routable prefixes whose sell rate is below the first candidate's cost on head but not on base. */
  newlyUnprofitable = 0;
  readonly unprofitableSamples: string[] = [];
  /** First candidate's cost moved with the same carrier first (margin moves without a sell change). */
  costUp = 0;
  costDown = 0;
  /** Same first carrier at the same cost; a later candidate's cost or position moved. */
  backups = 0;
  /** Changes none of the above name: connection fee, billing, destination name or type. */
  other = 0;
}

type Counts = 'firstPlace' | 'candidatesAdded' | 'candidatesDropped' | 'newlyRejected' | 'rejectionsLifted';
/** Counts by key, the map made on first use (a big diff has hundreds of thousands of ChangeStats). */
const bump = (s: ChangeStats, m: Counts, k: string) => {
  const map = (s[m] ??= new Map());
  map.set(k, (map.get(k) ?? 0) + 1);
};

export interface TableDiff {
  total: ChangeStats;
  /** By destination name (head's name; base's where head has no entry). */
  destinations: Map<string, ChangeStats>;
  /** Points visited (prefixes held by either side). */
  points: number;
  /** Sell rates are in different currencies: rate moves are not counted. */
  currencyChanged: boolean;
}

/** Index maps from the base artefact to the head artefact, shared by every table pair. */
export class ArtefactPair {
  /** Base string index → head string index of the same text, or -1. */
  readonly strAB: Int32Array;
  /** Base rate row → equal head rate row (same deck id, money, billing, type), or -1. */
  readonly rateAB: Int32Array;
  /** View index → canonical deck id, per side. */
  readonly viewCanon: [Int32Array, Int32Array];
  /** Base money index → head money index of the same amount, or -1. */
  readonly moneyAB: Int32Array;
  /** Deck index → carrier id and deck id text, per side. */
  readonly deckCarrier: [string[], string[]];
  readonly deckId: [string[], string[]];
  /** Deck index per side → canonical deck id; by canonical id: deck id text and carrier id. */
  readonly deckCanon: [Int32Array, Int32Array];
  readonly deckNames: string[] = [];
  readonly carrierOfDeck: string[] = [];
  private readonly destCache: [(string | undefined)[], (string | undefined)[]];

  constructor(readonly a: Artefact, readonly b: Artefact) {
    const headStrings = new Map<string, number>();
    for (let i = 0; i < b.stringOffsets.length - 1; i++) headStrings.set(b.string(i), i);
    this.strAB = new Int32Array(a.stringOffsets.length - 1);
    for (let i = 0; i < this.strAB.length; i++) this.strAB[i] = headStrings.get(a.string(i)) ?? -1;
    const decks = (x: Artefact) => {
      const ids: string[] = [];
      const carriers: string[] = [];
      for (let d = 0; d < x.counts.decks; d++) {
        ids.push(x.string(x.decks[d * F.DECK.width + F.DECK.at.id]!));
        const c = x.decks[d * F.DECK.width + F.DECK.at.carrier]!;
        carriers.push(x.string(x.carriers[c * F.CARRIER.width + F.CARRIER.at.id]!));
      }
      return { ids, carriers };
    };
    const da = decks(a), db = decks(b);
    this.deckId = [da.ids, db.ids];
    this.deckCarrier = [da.carriers, db.carriers];
    const canon = new Map<string, number>();
    const canonOf = (ids: string[], carriers: string[]) => Int32Array.from(ids, (id, d) => {
      let c = canon.get(id);
      if (c === undefined) {
        c = this.deckNames.length;
        canon.set(id, c);
        this.deckNames.push(id);
        this.carrierOfDeck.push(carriers[d]!);
      }
      return c;
    });
    this.deckCanon = [canonOf(da.ids, da.carriers), canonOf(db.ids, db.carriers)];
    // Money tables are strictly ascending on both sides: one merge gives base amount → head amount.
    this.moneyAB = new Int32Array(a.counts.money).fill(-1);
    for (let i = 0, j = 0; i < a.counts.money; i++) {
      const m = a.money(i);
      while (j < b.counts.money && b.money(j) < m) j++;
      if (j < b.counts.money && b.money(j) === m) this.moneyAB[i] = j;
    }
    // Rate rows: equal when deck, amounts (through moneyAB), billing and type are equal. Head rows
    // are indexed by a hash of their words in head's numbering; a base row looks itself up
    // translated into that numbering, then checks the words.
    const RW = F.RATE.width, R = F.RATE.at;
    const [canonA, canonB] = this.deckCanon;
    const hash = (deck: number, rate: number, fee: number, initial: number, increment: number, type: number) => {
      let h = Math.imul(deck + 1, 0x9e3779b1);
      h = Math.imul(h ^ rate, 0x85ebca6b);
      h = Math.imul(h ^ fee, 0xc2b2ae35);
      h = Math.imul(h ^ initial, 0x27d4eb2f);
      h = Math.imul(h ^ increment, 0x165667b1);
      return (h ^ type) | 0;
    };
    const headRates = new Map<number, number | number[]>();
    const rb = b.rates;
    for (let r = 0; r < b.counts.rates; r++) {
      const o = r * RW;
      const h = hash(canonB[rb[o + R.deck]!]!, rb[o + R.rate]!, rb[o + R.connectFee]!, rb[o + R.initial]!, rb[o + R.increment]!, rb[o + R.type]!);
      const prev = headRates.get(h);
      headRates.set(h, prev === undefined ? r : typeof prev === 'number' ? [prev, r] : (prev.push(r), prev));
    }
    this.rateAB = new Int32Array(a.counts.rates).fill(-1);
    const ra = a.rates;
    for (let r = 0; r < a.counts.rates; r++) {
      const o = r * RW;
      const deck = canonA[ra[o + R.deck]!]!, rate = this.moneyAB[ra[o + R.rate]!]!, fee = this.moneyAB[ra[o + R.connectFee]!]!;
      if (rate < 0 || fee < 0) continue;
      const found = headRates.get(hash(deck, rate, fee, ra[o + R.initial]!, ra[o + R.increment]!, ra[o + R.type]!));
      if (found === undefined) continue;
      for (const c of typeof found === 'number' ? [found] : found) {
        const q = c * RW;
        if (canonB[rb[q + R.deck]!] === deck && rb[q + R.rate] === rate && rb[q + R.connectFee] === fee &&
          rb[q + R.initial] === ra[o + R.initial] && rb[q + R.increment] === ra[o + R.increment] && rb[q + R.type] === ra[o + R.type]) {
          this.rateAB[r] = c;
          break;
        }
      }
    }
    const viewCanon = (x: Artefact, canon: Int32Array) =>
      Int32Array.from({ length: x.counts.views }, (_, v) => canon[x.views[v * F.VIEW.width + F.VIEW.at.deck]!]!);
    this.viewCanon = [viewCanon(a, canonA), viewCanon(b, canonB)];
    this.destCache = [[], []];
  }

  destination(side: 0 | 1, v: number): string {
    const x = side === 0 ? this.a : this.b;
    const label = x.shapeLabel(x.valueShape(v));
    const s = x.labels[label * F.LABEL.width + F.LABEL.at.destination]!;
    const cache = this.destCache[side];
    return (cache[s] ??= x.string(s));
  }
}

/**
 * A compiled entry decoded just enough to classify a change, into reused storage (a big change
 * classifies millions of prefixes). Decks are canonical ids (`ArtefactPair.deckNames`), shared by
 * both sides.
 */
class Entry {
  present = false;
  sell = 0;
  reason = 0;
  count = 0;
  readonly decks: Int32Array;
  readonly costs: Float64Array;
  constructor(maxCandidates: number) {
    this.decks = new Int32Array(maxCandidates);
    this.costs = new Float64Array(maxCandidates);
  }
  /** Value `v` of `x`; `rateOf(view)` is the view's row in force at this prefix (-1 none). */
  read(x: Artefact, viewCanon: Int32Array, v: number, rateOf: (view: number) => number): this {
    this.present = v >= 0;
    if (!this.present) return this;
    const shape = x.valueShape(v);
    const meta = x.labels[x.shapeLabel(shape) * F.LABEL.width + F.LABEL.at.meta]!;
    const c = x.shapeCandidates(shape);
    const n = x.lists[c]!;
    for (let k = 0; k < n; k++) {
      const view = x.lists[c + 1 + k]!;
      const r = rateOf(view);
      this.decks[k] = viewCanon[view]!;
      this.costs[k] = r < 0 ? NaN : x.money(x.rates[r * F.RATE.width + F.RATE.at.rate]!);
    }
    this.count = n;
    this.sell = x.money(x.valueSell(v));
    this.reason = (meta >>> F.META_REASON_SHIFT) & 0xff;
    return this;
  }
  get routable(): boolean {
    return this.present && this.reason === F.REJECT.none && this.count > 0;
  }
  get unprofitable(): boolean {
    return this.routable && this.sell < this.costs[0]!;
  }
  has(deck: number): boolean {
    for (let k = 0; k < this.count; k++) if (this.decks[k] === deck) return true;
    return false;
  }
}

const MAX_SAMPLES = 5;

/** Compares table `ta` of base with table `tb` of head (either may be -1: no such table). */
/**
 * The dial strings' literal prefixes as a digit trie: `child[node * 10 + d]` (-1 none), `end[node]`
 * set where a literal ends. The walk keeps only prefixes on a path of this trie or below its ends:
 * // reach [447]: 4, 44, 447 and everything under 447 are compared; 33 and 448 are not.
 */
function reachTrie(reach: string[]): { child: Int32Array; end: Uint8Array } {
  const child: number[] = new Array(10).fill(-1);
  const end: number[] = [0];
  for (const lit of reach) {
    let node = 0;
    for (const ch of lit) {
      const d = ch.charCodeAt(0) - 48;
      let next = child[node * 10 + d]!;
      if (next < 0) {
        next = end.length;
        end.push(0);
        for (let k = 0; k < 10; k++) child.push(-1);
        child[node * 10 + d] = next;
      }
      node = next;
    }
    end[node] = 1;
  }
  return { child: Int32Array.from(child), end: Uint8Array.from(end) };
}

/** Reach state: a node of the reach trie, or ANY below the end of a literal (or without a dial string). */
const ANY = -2;

export function diffTables(pair: ArtefactPair, ta: number, tb: number, currencyChanged: boolean, reach: string[] | null = null): TableDiff {
  const { a, b } = pair;
  const total = new ChangeStats();
  const destinations = new Map<string, ChangeStats>();
  // The tries walked together: slot 0 = table A, 1 = table B, then the views A's shapes can name
  // (its card's parents in its currency), then B's. Per slot: side, first node of its run. A
  // table slot's effective value is a VALUES index; a view slot's, a RATES index.
  const viewSlot: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  const slotSide: number[] = [0, 1];
  const slotFirst: number[] = [
    ta >= 0 ? a.tables[ta * F.TABLE.width + F.TABLE.at.nodeFirst]! : -1,
    tb >= 0 ? b.tables[tb * F.TABLE.width + F.TABLE.at.nodeFirst]! : -1,
  ];
  for (const [side, x, t] of [[0, a, ta], [1, b, tb]] as const) {
    if (t < 0) continue;
    const card = x.tables[t * F.TABLE.width + F.TABLE.at.card]!;
    const currency = x.cards[card * F.CARD.width + F.CARD.at.currency]!;
    const parents = new Set(x.list(x.cards[card * F.CARD.width + F.CARD.at.parents]!));
    for (let v = 0; v < x.counts.views; v++) {
      const vb = v * F.VIEW.width;
      if (!parents.has(x.views[vb + F.VIEW.at.deck]!) || x.views[vb + F.VIEW.at.currency] !== currency) continue;
      viewSlot[side].set(v, slotSide.length);
      slotSide.push(side);
      slotFirst.push(x.views[vb + F.VIEW.at.nodeFirst]!);
    }
  }
  const S = slotSide.length;
  const slotNodes = slotSide.map((side, k) => (k < 2 ? (side === 0 ? a.nodes : b.nodes) : side === 0 ? a.viewNodes : b.viewNodes));
  const slotWidth = slotSide.map((_, k) => (k < 2 ? F.TABLE_NODE_WORDS : F.VIEW_NODE_WORDS));
  // Per depth and slot: the slot's node there (-1 none) and its effective value (-1 none).
  const D = F.LIMITS.maxDepth + 2;
  const node = new Int32Array(D * S).fill(-1);
  const eff = new Int32Array(D * S).fill(-1);
  const rt = reach ? reachTrie(reach) : undefined;
  const path = new Uint8Array(D);
  let points = 0;
  let depthNow = 0;
  const prefixAt = (depth: number) => {
    let s = '';
    for (let i = 0; i < depth; i++) s += String.fromCharCode(48 + path[i]!);
    return s;
  };
  const rateA = (view: number) => { const k = viewSlot[0].get(view); return k === undefined ? -1 : eff[depthNow * S + k]!; };
  const rateB = (view: number) => { const k = viewSlot[1].get(view); return k === undefined ? -1 : eff[depthNow * S + k]!; };

  const maxCands = Math.max(a.counts.decks, b.counts.decks) + 1;
  const ea = new Entry(maxCands), eb = new Entry(maxCands);
  const carrierOf = pair.carrierOfDeck, deckName = pair.deckNames;
  // Classification of the current change, filled once, applied to the table and the destination.
  let rateDelta = 0, ratePct = 0, rateMoved = false, movePrefix = '';
  let firstFrom = '', firstTo = '', costMove = 0, named = false, newlyUnprofitable = false, samplePrefix = '';

  const apply = (s: ChangeStats, name: string, depth: number) => {
    s.changed++;
    if (!ea.present) s.added++;
    if (!eb.present) s.removed++;
    if (ea.present && eb.present && ea.reason !== eb.reason) {
      if (eb.reason !== F.REJECT.none) bump(s, 'newlyRejected', F.REJECT_REASONS[eb.reason]!);
      if (ea.reason !== F.REJECT.none) bump(s, 'rejectionsLifted', F.REJECT_REASONS[ea.reason]!);
    } else if (!ea.present && eb.present && eb.reason !== F.REJECT.none) {
      bump(s, 'newlyRejected', F.REJECT_REASONS[eb.reason]!);
    }
    if (newlyUnprofitable) {
      s.newlyUnprofitable++;
      if (s.unprofitableSamples.length < MAX_SAMPLES) s.unprofitableSamples.push((samplePrefix ||= prefixAt(depth)));
    }
    if (!ea.present || !eb.present) return;
    if (rateMoved) {
      if (rateDelta > 0) s.up++;
      else s.down++;
      s.abs.push(rateDelta);
      s.pct.push(ratePct);
      if (rateDelta > 0 && (!s.largestUp || rateDelta > s.largestUp.to - s.largestUp.from)) {
        s.largestUp = { prefix: (movePrefix ||= prefixAt(depth)), destination: name, from: ea.sell, to: eb.sell };
      }
      if (rateDelta < 0 && (!s.largestDown || rateDelta < s.largestDown.to - s.largestDown.from)) {
        s.largestDown = { prefix: (movePrefix ||= prefixAt(depth)), destination: name, from: ea.sell, to: eb.sell };
      }
    }
    if (firstFrom !== firstTo) bump(s, 'firstPlace', `${firstFrom}\u0000${firstTo}`);
    else if (costMove > 0) s.costUp++;
    else if (costMove < 0) s.costDown++;
    for (let k = 0; k < eb.count; k++) if (!ea.has(eb.decks[k]!)) bump(s, 'candidatesAdded', deckName[eb.decks[k]!]!);
    for (let k = 0; k < ea.count; k++) if (!eb.has(ea.decks[k]!)) bump(s, 'candidatesDropped', deckName[ea.decks[k]!]!);
    if (named) return;
    let sameLater = ea.count === eb.count;
    for (let k = 0; sameLater && k < ea.count; k++) sameLater = ea.decks[k] === eb.decks[k] && ea.costs[k] === eb.costs[k];
    if (sameLater) s.other++;
    else s.backups++;
  };

  const record = (va: number, vb: number, depth: number) => {
    ea.read(a, pair.viewCanon[0], va, rateA);
    eb.read(b, pair.viewCanon[1], vb, rateB);
    const name = vb >= 0 ? pair.destination(1, vb) : pair.destination(0, va);
    let d = destinations.get(name);
    if (!d) destinations.set(name, (d = new ChangeStats()));
    rateMoved = false; movePrefix = ''; samplePrefix = ''; firstFrom = firstTo = ''; costMove = 0; named = false;
    newlyUnprofitable = eb.unprofitable && !ea.unprofitable;
    if (ea.present && eb.present) {
      if (ea.sell !== eb.sell && !currencyChanged) {
        rateMoved = named = true;
        rateDelta = eb.sell - ea.sell;
        ratePct = ea.sell === 0 ? (rateDelta > 0 ? Infinity : -Infinity) : (rateDelta / ea.sell) * 100;
      }
      const ra = ea.routable, rb = eb.routable;
      if (ra && rb) {
        firstFrom = carrierOf[ea.decks[0]!]!;
        firstTo = carrierOf[eb.decks[0]!]!;
        if (firstFrom !== firstTo) named = true;
        else if (ea.costs[0] !== eb.costs[0]) { named = true; costMove = eb.costs[0]! - ea.costs[0]!; }
      }
      for (let k = 0; !named && k < eb.count; k++) if (!ea.has(eb.decks[k]!)) named = true;
      for (let k = 0; !named && k < ea.count; k++) if (!eb.has(ea.decks[k]!)) named = true;
      if (ea.reason !== eb.reason || ra !== rb) named = true;
    }
    apply(total, name, depth);
    apply(d, name, depth);
  };

  // Equality of the two effective entries, over local views: this runs at every point.
  const lbA = a.labels, lbB = b.labels, lsA = a.lists, lsB = b.lists;
  const strAB = pair.strAB, rateAB = pair.rateAB, moneyAB = pair.moneyAB;
  const [canonA, canonB] = pair.viewCanon;
  const LW = F.LABEL.width, L_META = F.LABEL.at.meta, L_DEST = F.LABEL.at.destination, L_FEE = F.LABEL.at.connectFee;
  const sameMoney = (ia: number, ib: number) => moneyAB[ia] === ib;
  const same = (va: number, vb: number): boolean => {
    if (!sameMoney(a.valueSell(va), b.valueSell(vb))) return false;
    const sa = a.valueShape(va), sb = b.valueShape(vb);
    const la = a.shapeLabel(sa) * LW, lb = b.shapeLabel(sb) * LW;
    if (lbA[la + L_META] !== lbB[lb + L_META] || strAB[lbA[la + L_DEST]!] !== lbB[lb + L_DEST]) return false;
    if (!sameMoney(lbA[la + L_FEE]!, lbB[lb + L_FEE]!)) return false;
    const ca = a.shapeCandidates(sa), cb = b.shapeCandidates(sb);
    const n = lsA[ca]!;
    if (n !== lsB[cb]) return false;
    for (let k = 1; k <= n; k++) {
      const viewA = lsA[ca + k]!, viewB = lsB[cb + k]!;
      if (canonA[viewA] !== canonB[viewB]) return false;
      const r = rateA(viewA);
      if (r < 0 || rateAB[r] !== rateB(viewB)) return false;
    }
    return true;
  };

  /** A prefix some trie holds: compare what both sides answer there. */
  const point = (depth: number) => {
    points++;
    depthNow = depth;
    const effA = eff[depth * S]!, effB = eff[depth * S + 1]!;
    if (effA >= 0 && effB >= 0 ? !same(effA, effB) : effA >= 0 || effB >= 0) record(effA, effB, depth);
  };
  /** The children of the nodes at `depth`, digit by digit. Depth ≤ LIMITS.maxDepth. */
  const walk = (depth: number, rs: number): void => {
    const here = depth * S, next = (depth + 1) * S;
    for (let dg = 0; dg <= 9; dg++) {
      let rc = ANY;
      if (rs !== ANY) {
        rc = rt!.child[rs * 10 + dg]!;
        if (rc < 0) continue;
        if (rt!.end[rc]) rc = ANY;
      }
      let any = false, own = false, deeper = false;
      const bit = 1 << dg;
      for (let k = 0; k < S; k++) {
        const n = node[here + k]!;
        let c = -1;
        let v = eff[here + k]!;
        if (n >= 0) {
          const nodes = slotNodes[k]!;
          const width = slotWidth[k]!;
          const w = nodes[width * n]!;
          if (w & bit) {
            c = slotFirst[k]! + (w >>> F.NODE_CHILD_SHIFT) + DIGIT_RANK[w & (bit - 1)]!;
            any = true;
            const cv = k < 2 ? (slotSide[k] === 0 ? a : b).nodeValue(c) : nodes[width * c + 1]!;
            if (cv !== F.NONE && cv !== -1) { v = cv; own = true; }
            if ((nodes[width * c]! & F.NODE_DIGITS) !== 0) deeper = true;
          }
        }
        node[next + k] = c;
        eff[next + k] = v;
      }
      if (!any) continue;
      path[depth] = dg;
      if (own) point(depth + 1);
      if (deeper) walk(depth + 1, rc);
    }
  };
  let rootOwn = false;
  for (let k = 0; k < S; k++) {
    const first = slotFirst[k]!;
    node[k] = first;
    eff[k] = -1;
    if (first < 0) continue;
    const v = k < 2 ? (slotSide[k] === 0 ? a : b).nodeValue(first) : slotNodes[k]![slotWidth[k]! * first + 1]!;
    if (v !== F.NONE && v !== -1) { eff[k] = v; rootOwn = true; }
  }
  if (rootOwn) point(0);
  walk(0, !rt || rt.end[0] ? ANY : 0);
  return { total, destinations, points, currencyChanged };
}
