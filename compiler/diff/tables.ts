// Phase "diff", tables: what one compiled table answers on each side, compared prefix by prefix.
//
// Both tries are walked together, depth first in digit order, so prefixes come out sorted (a
// merge-join over the two tables' keys). At every node either side holds a value for, the
// effective entry of each side is compared — its own value, or the one inherited from the nearest
// shorter prefix, exactly what the runtime's longest-prefix walk answers there:
//   // base holds 44 → 0.010; head adds 447 → 0.012: at 447 base answers 0.010 (inherited from 44),
//   // head 0.012: one prefix up by 0.002. A head row equal to its parent was compacted away and
//   // costs nothing here: both sides answer the same.
// Entries are compared field by field through index maps between the two artefacts (strings,
// rate rows), so nothing is built per prefix unless it changed.
import type { Artefact } from '../../runtime/artefact/decode.js';
import * as F from '../../runtime/artefact/format.js';

/** One rate move, in micro-units of the card currency. */
export interface RateMove {
  prefix: string;
  destination: string;
  from: number;
  to: number;
}

/** Growable Float64 list (medians need every value; millions of them on a big change). */
export class Numbers {
  data = new Float64Array(64);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
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
  readonly firstPlace = new Map<string, number>();
  /** Deck id → prefixes where it became / stopped being a candidate. */
  readonly candidatesAdded = new Map<string, number>();
  readonly candidatesDropped = new Map<string, number>();
  /** Reject reason key → prefixes newly refused / no longer refused. */
  readonly newlyRejected = new Map<string, number>();
  readonly rejectionsLifted = new Map<string, number>();
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

const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

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
  private readonly strAB: Int32Array;
  /** Base rate row → equal head rate row (same deck id, money, billing, type), or -1. */
  private readonly rateAB: Int32Array;
  /** Deck index → carrier id and deck id text, per side. */
  readonly deckCarrier: [string[], string[]];
  readonly deckId: [string[], string[]];
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
    const rateKey = (x: Artefact, ids: string[], r: number) => {
      const rb = r * F.RATE.width, R = F.RATE.at;
      return `${ids[x.rates[rb + R.deck]!]}\u0000${x.money(x.rates[rb + R.rate]!)}\u0000${x.money(x.rates[rb + R.connectFee]!)}` +
        `\u0000${x.rates[rb + R.initial]}\u0000${x.rates[rb + R.increment]}\u0000${x.rates[rb + R.type]}`;
    };
    const headRates = new Map<string, number>();
    for (let r = 0; r < b.counts.rates; r++) headRates.set(rateKey(b, db.ids, r), r);
    this.rateAB = new Int32Array(a.counts.rates);
    for (let r = 0; r < a.counts.rates; r++) this.rateAB[r] = headRates.get(rateKey(a, da.ids, r)) ?? -1;
    this.destCache = [[], []];
  }

  /** Does base value `va` answer exactly what head value `vb` answers? */
  sameValue(va: number, vb: number): boolean {
    const { a, b } = this;
    const VW = F.VALUE.width, S = F.SHAPE;
    if (a.money(a.values[va * VW]!) !== b.money(b.values[vb * VW]!)) return false;
    const sa = a.values[va * VW + 1]! * S.width, sb = b.values[vb * VW + 1]! * S.width;
    if (a.shapes[sa + S.at.meta] !== b.shapes[sb + S.at.meta]) return false;
    if (this.strAB[a.shapes[sa + S.at.destination]!] !== b.shapes[sb + S.at.destination]) return false;
    if (a.money(a.shapes[sa + S.at.connectFee]!) !== b.money(b.shapes[sb + S.at.connectFee]!)) return false;
    const ca = a.shapes[sa + S.at.candidates]!, cb = b.shapes[sb + S.at.candidates]!;
    const n = a.candidates[ca]!;
    if (n !== b.candidates[cb]) return false;
    for (let k = 1; k <= n; k++) if (this.rateAB[a.candidates[ca + k]!] !== b.candidates[cb + k]) return false;
    return true;
  }

  destination(side: 0 | 1, v: number): string {
    const x = side === 0 ? this.a : this.b;
    const s = x.shapes[x.values[v * F.VALUE.width + 1]! * F.SHAPE.width + F.SHAPE.at.destination]!;
    const cache = this.destCache[side];
    return (cache[s] ??= x.string(s));
  }
}

/** A compiled entry decoded just enough to classify a change. */
interface Entry {
  sell: number;
  reason: number;
  /** Deck indexes of the candidates, in order. */
  decks: number[];
  /** Candidate cost rates, in order. */
  costs: number[];
  firstCost: number;
}

function entryOf(x: Artefact, v: number): Entry {
  const sb = x.values[v * F.VALUE.width + 1]! * F.SHAPE.width;
  const meta = x.shapes[sb + F.SHAPE.at.meta]!;
  const c = x.shapes[sb + F.SHAPE.at.candidates]!;
  const n = x.candidates[c]!;
  const decks: number[] = [];
  const costs: number[] = [];
  for (let k = 1; k <= n; k++) {
    const rb = x.candidates[c + k]! * F.RATE.width;
    decks.push(x.rates[rb + F.RATE.at.deck]!);
    costs.push(x.money(x.rates[rb + F.RATE.at.rate]!));
  }
  return { sell: x.money(x.values[v * F.VALUE.width]!), reason: (meta >>> F.META_REASON_SHIFT) & 0xff, decks, costs, firstCost: costs[0] ?? 0 };
}

const routable = (e: Entry) => e.reason === F.REJECT.none && e.decks.length > 0;
const unprofitable = (e: Entry) => routable(e) && e.sell < e.firstCost;
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
  const NW = F.NODE_WORDS, LEAF = F.LEAF_BIT;
  const na = a.nodes, nb = b.nodes;
  // Explicit stack of frames; a frame is a node pair and the effective values inherited at it.
  // Depth ≤ LIMITS.maxDepth and ≤ 10 pending siblings per level bound the stack.
  const cap = (F.LIMITS.maxDepth + 2) * 10;
  const sNodeA = new Int32Array(cap), sNodeB = new Int32Array(cap);
  const sOwnA = new Int32Array(cap), sOwnB = new Int32Array(cap);
  const sInhA = new Int32Array(cap), sInhB = new Int32Array(cap);
  const sDepth = new Int32Array(cap), sDigit = new Int32Array(cap), sReach = new Int32Array(cap);
  const rt = reach ? reachTrie(reach) : undefined;
  const path = new Uint8Array(F.LIMITS.maxDepth + 2);
  let sp = 0;
  let points = 0;
  const rootA = ta >= 0 ? a.tables[ta * F.TABLE.width + F.TABLE.at.root]! : -1;
  const rootB = tb >= 0 ? b.tables[tb * F.TABLE.width + F.TABLE.at.root]! : -1;
  sNodeA[0] = rootA; sNodeB[0] = rootB;
  sOwnA[0] = rootA >= 0 ? na[rootA * NW]! - 1 : -1;
  sOwnB[0] = rootB >= 0 ? nb[rootB * NW]! - 1 : -1;
  sInhA[0] = -1; sInhB[0] = -1; sDepth[0] = 0; sDigit[0] = -1;
  sReach[0] = !rt || rt.end[0] ? ANY : 0;
  sp = 1;
  const prefixAt = (depth: number) => {
    let s = '';
    for (let i = 0; i < depth; i++) s += String.fromCharCode(48 + path[i]!);
    return s;
  };

  const record = (va: number, vb: number, depth: number) => {
    const ea = va >= 0 ? entryOf(a, va) : undefined;
    const eb = vb >= 0 ? entryOf(b, vb) : undefined;
    const name = eb ? pair.destination(1, vb) : pair.destination(0, va);
    let d = destinations.get(name);
    if (!d) destinations.set(name, (d = new ChangeStats()));
    const both = [total, d];
    const ra = ea !== undefined && routable(ea), rb = eb !== undefined && routable(eb);
    for (const s of both) s.changed++;
    if (!ea) for (const s of both) s.added++;
    if (!eb) for (const s of both) s.removed++;
    if (ea && eb && ea.reason !== eb.reason) {
      if (eb.reason !== F.REJECT.none) for (const s of both) bump(s.newlyRejected, F.REJECT_REASONS[eb.reason]!);
      if (ea.reason !== F.REJECT.none) for (const s of both) bump(s.rejectionsLifted, F.REJECT_REASONS[ea.reason]!);
    } else if (!ea && eb && eb.reason !== F.REJECT.none) {
      for (const s of both) bump(s.newlyRejected, F.REJECT_REASONS[eb.reason]!);
    }
    if (eb && unprofitable(eb) && !(ea && unprofitable(ea))) {
      for (const s of both) {
        s.newlyUnprofitable++;
        if (s.unprofitableSamples.length < MAX_SAMPLES) s.unprofitableSamples.push(prefixAt(depth));
      }
    }
    if (!ea || !eb) return;
    let named = false;
    if (ea.sell !== eb.sell && !currencyChanged) {
      named = true;
      const delta = eb.sell - ea.sell;
      const pct = ea.sell === 0 ? (delta > 0 ? Infinity : -Infinity) : (delta / ea.sell) * 100;
      for (const s of both) {
        if (delta > 0) s.up++;
        else s.down++;
        s.abs.push(delta);
        s.pct.push(pct);
        if (delta > 0 && (!s.largestUp || delta > s.largestUp.to - s.largestUp.from)) s.largestUp = { prefix: prefixAt(depth), destination: name, from: ea.sell, to: eb.sell };
        if (delta < 0 && (!s.largestDown || delta < s.largestDown.to - s.largestDown.from)) s.largestDown = { prefix: prefixAt(depth), destination: name, from: ea.sell, to: eb.sell };
      }
    }
    if (ra && rb) {
      const fa = pair.deckCarrier[0][ea.decks[0]!]!, fb = pair.deckCarrier[1][eb.decks[0]!]!;
      if (fa !== fb) {
        named = true;
        for (const s of both) bump(s.firstPlace, `${fa}\u0000${fb}`);
      } else if (ea.firstCost !== eb.firstCost) {
        named = true;
        for (const s of both) ea.firstCost < eb.firstCost ? s.costUp++ : s.costDown++;
      }
    }
    const idsA = ea.decks.map((x) => pair.deckId[0][x]!), idsB = eb.decks.map((x) => pair.deckId[1][x]!);
    for (const id of idsB) if (!idsA.includes(id)) { named = true; for (const s of both) bump(s.candidatesAdded, id); }
    for (const id of idsA) if (!idsB.includes(id)) { named = true; for (const s of both) bump(s.candidatesDropped, id); }
    if (ea.reason !== eb.reason || ra !== rb) named = true;
    if (named) return;
    const sameLater = idsA.length === idsB.length && idsA.every((id, k) => id === idsB[k] && ea.costs[k] === eb.costs[k]);
    for (const s of both) sameLater ? s.other++ : s.backups++;
  };

  while (sp > 0) {
    sp--;
    const nodeA = sNodeA[sp]!, nodeB = sNodeB[sp]!, ownA = sOwnA[sp]!, ownB = sOwnB[sp]!;
    const depth = sDepth[sp]!;
    const rs = sReach[sp]!;
    if (depth > 0) path[depth - 1] = sDigit[sp]!;
    const effA = ownA >= 0 ? ownA : sInhA[sp]!;
    const effB = ownB >= 0 ? ownB : sInhB[sp]!;
    if (ownA >= 0 || ownB >= 0) {
      points++;
      const same = effA >= 0 && effB >= 0 ? pair.sameValue(effA, effB) : effA < 0 && effB < 0;
      if (!same) record(effA, effB, depth);
    }
    // Children in reverse digit order, so digit 0 is popped first (sorted output).
    for (let dg = 9; dg >= 0; dg--) {
      let rc = ANY;
      if (rs !== ANY) {
        rc = rt!.child[rs * 10 + dg]!;
        if (rc < 0) continue;
        if (rt!.end[rc]) rc = ANY;
      }
      let childA = -1, valA = -1, childB = -1, valB = -1;
      if (nodeA >= 0) {
        const w = na[nodeA * NW + 1 + dg]!;
        if (w !== 0) {
          if (w & LEAF) valA = w & 0x7fff_ffff;
          else { childA = w; valA = na[w * NW]! - 1; }
        }
      }
      if (nodeB >= 0) {
        const w = nb[nodeB * NW + 1 + dg]!;
        if (w !== 0) {
          if (w & LEAF) valB = w & 0x7fff_ffff;
          else { childB = w; valB = nb[w * NW]! - 1; }
        }
      }
      if (childA < 0 && childB < 0 && valA < 0 && valB < 0) continue;
      sNodeA[sp] = childA; sNodeB[sp] = childB; sOwnA[sp] = valA; sOwnB[sp] = valB;
      sInhA[sp] = effA; sInhB[sp] = effB; sDepth[sp] = depth + 1; sDigit[sp] = dg; sReach[sp] = rc;
      sp++;
    }
  }
  return { total, destinations, points, currencyChanged };
}
