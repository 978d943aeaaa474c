// Phase "encode": a FlatNetwork becomes the bytes of one artefact (runtime/artefact/format.ts;
// docs/artefact-format.md). Deterministic by construction: every collection is walked in a sorted
// or file-given order, ids are handed out in first-use order of that walk, money is a sorted
// table, and nothing reads the clock. Same FlatNetwork, same bytes.
import { createHash } from 'node:crypto';
import type { FlatNetwork, FlatTable } from '../flatten/flatten.js';
import { ipv4Bytes, ipv6Bytes } from '../net.js';
import { regexLiterals } from '../dial.js';
import * as F from '../../runtime/artefact/format.js';

export interface EncodeOptions {
  /** Monotonic artefact number (runtime nodes refuse a lower one): 0 … 2^53 − 1. */
  serial: number;
  /** Source revision (e.g. a git commit id): printable ASCII, at most 64 characters. */
  revision: string;
}

export interface SectionStat {
  name: F.SectionName;
  bytes: number;
  count: number;
}

export interface EncodeStats {
  bytes: number;
  sections: SectionStat[];
  tables: number;
  /** Σ over tables of prefixes with candidates, before compaction. */
  entries: number;
  /** Σ over tables of prefixes kept in the tries. */
  kept: number;
  /** Trie nodes of the tables and of the deck views. */
  nodes: number;
  viewNodes: number;
  /** (deck, currency) views and the prefixes their tries store. */
  views: number;
  viewPrefixes: number;
  shapes: number;
  rates: number;
  /** Bytes of everything but the strings section, per kept (table, prefix). */
  bytesPerEntry: number;
  /** The same per (table, prefix with candidates) before compaction: per (card, prefix) served. */
  bytesPerKey: number;
}

export class EncodeError extends Error {
  override name = 'EncodeError';
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A growable array of u32 words. */
class Words {
  private buf = new Uint32Array(1024);
  length = 0;
  push(...ws: number[]): number {
    const at = this.length;
    this.reserve(ws.length);
    for (const w of ws) this.buf[this.length++] = w >>> 0;
    return at;
  }
  /** push(a, b) without the rest-parameter array: the per-prefix loops call it millions of times. */
  push2(a: number, b: number): void {
    if (this.length + 2 > this.buf.length) this.reserve(2);
    this.buf[this.length++] = a >>> 0;
    this.buf[this.length++] = b >>> 0;
  }
  pushAll(ws: readonly number[]): void {
    this.reserve(ws.length);
    for (let i = 0; i < ws.length; i++) this.buf[this.length++] = ws[i]! >>> 0;
  }
  /** Room for `n` more words, sized exactly when it grows (for a section whose size is known). */
  reserveExact(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint32Array(this.length + n);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  /** Appends n copies of w. */
  fill(n: number, w: number): void {
    this.reserve(n);
    this.buf.fill(w >>> 0, this.length, this.length + n);
    this.length += n;
  }
  set(i: number, w: number): void {
    this.buf[i] = w >>> 0;
  }
  get(i: number): number {
    return this.buf[i]!;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, 0, this.length * 4);
  }
  words(): Uint32Array {
    return this.buf.subarray(0, this.length);
  }
}

export function encodeArtefact(flat: FlatNetwork, options: EncodeOptions): { bytes: Uint8Array; stats: EncodeStats } {
  return new Encoder(flat, options).run();
}

class Encoder {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private money = new MoneyTable();
  private sortedMoney: Float64Array = new Float64Array(0);
  private readonly lists = new Words();
  private readonly listIndex = new Map<string, number>();
  /** Each section's bytes, in one or more pieces (trie nodes come a trie at a time), and its record count. */
  private readonly sections = new Map<F.SectionName, { pieces: Uint8Array[]; bytes: number; count: number }>();

  constructor(private readonly flat: FlatNetwork, private readonly options: EncodeOptions) {
    this.lists.push(0); // offset 0: the empty list
    this.listIndex.set('', 0);
  }

  run(): { bytes: Uint8Array; stats: EncodeStats } {
    const { serial, revision } = this.options;
    if (!Number.isSafeInteger(serial) || serial < 0) throw new EncodeError(`serial ${serial} must be an integer 0 … 2^53 − 1`);
    if (!/^[\x20-\x7e]{0,64}$/.test(revision)) throw new EncodeError('revision must be at most 64 printable ASCII characters');
    this.collectMoney();
    const { repo } = this.flat;
    const carrierIds = [...repo.carriers.keys()].sort(byText);
    const carrierIndex = new Map(carrierIds.map((id, i) => [id, i]));
    const deckIndex = new Map(this.flat.decks.map((id, i) => [id, i]));
    const cardIndex = new Map(this.flat.cards.map((id, i) => [id, i]));
    const scheduleIds = [...repo.schedules.keys()].sort(byText);
    const scheduleIndex = new Map(scheduleIds.map((id, i) => [id, i]));
    const numberListIds = [...repo.numberLists.keys()].sort(byText);
    const numberListIndex = new Map(numberListIds.map((id, i) => [id, i]));
    const customerIds = [...repo.customers.keys()].sort(byText);
    const customerIndex = new Map(customerIds.map((id, i) => [id, i]));

    // carriers + gateways
    const carriers = new Words();
    const gateways = new Words();
    let gatewayCount = 0;
    for (const id of carrierIds) {
      const c = repo.carriers.get(id)!;
      const first = gatewayCount;
      const gwIndex = new Map(c.gateways.map((g, i) => [g.id, first + i]));
      for (const g of c.gateways) {
        const [lo, hi] = f64Words(g.weight);
        gateways.push(
          carrierIndex.get(id)!, this.str(g.id), this.str(g.host), g.port, F.TRANSPORTS.indexOf(g.transport), lo, hi, g.hashIndex,
          g.enabled ? F.ENABLED : 0, g.backup !== undefined ? gwIndex.get(g.backup) ?? F.NONE : F.NONE,
          opt(g.limits.cps), opt(g.limits.cpsBurst), opt(g.limits.channels),
        );
        gatewayCount++;
      }
      const dist = c.distribution.method === 'hash' ? 1 + F.HASH_SOURCES.indexOf(c.distribution.hashSource) : 0;
      carriers.push(
        this.str(c.id), this.str(c.name), c.enabled ? F.ENABLED : 0, dist, opt(c.limits.cps), opt(c.limits.cpsBurst), opt(c.limits.channels),
        c.egress.strip, this.str(c.egress.prefix), this.str(c.egress.suffix), this.str(c.egress.techPrefix),
        this.strList(c.failover.codes), this.strList(c.failover.stopCodes), first, c.gateways.length,
      );
    }
    this.put('carriers', carriers, carrierIds.length);
    this.put('gateways', gateways, gatewayCount);

    // decks and cards
    const decks = new Words();
    for (const id of this.flat.decks) {
      const d = repo.decks.get(id)!;
      decks.push(this.str(d.id), this.str(d.name), carrierIndex.get(d.carrier) ?? fail(`deck ${id}: unknown carrier ${d.carrier}`), this.str(d.currency), this.str(d.techPrefix ?? ''), d.rows.count);
    }
    this.put('decks', decks, this.flat.decks.length);
    const cards = new Words();
    for (const id of this.flat.cards) {
      const c = repo.cards.get(id)!;
      cards.push(
        this.str(c.id), this.str(c.name), this.str(c.currency), F.COMPACTS.indexOf(c.compact), F.STRATEGIES.indexOf(c.strategy),
        c.billing.initial, c.billing.increment, this.m(c.connectFee), this.m(c.markup.percentMicros), this.m(c.markup.fixed),
        this.m(c.markup.floor), this.idxList(c.parents.map((p) => deckIndex.get(p)!)),
      );
    }
    this.put('cards', cards, this.flat.cards.length);

    // schedules and number lists
    const schedules = new Words();
    for (const id of scheduleIds) {
      const s = repo.schedules.get(id)!;
      const windows: number[] = [];
      for (const w of s.windows) windows.push(w.days.reduce((m, d) => m | (1 << d), 0), w.from, w.until);
      schedules.push(this.str(s.id), this.str(s.timezone), s.precedence, this.optStr(s.validFrom), this.optStr(s.validUntil), this.list(windows));
    }
    this.put('schedules', schedules, scheduleIds.length);
    const numberLists = new Words();
    for (const id of numberListIds) numberLists.push(this.str(id), this.strList(repo.numberLists.get(id)!.numbers));
    this.put('numberLists', numberLists, numberListIds.length);

    // customers, routes, authentication indexes
    const customers = new Words();
    const routes = new Words();
    let routeCount = 0;
    const v4: number[][] = [];
    const v6: number[][] = [];
    const users: { username: string; realm: string; ha1: string; customer: number }[] = [];
    for (const id of customerIds) {
      const c = repo.customers.get(id)!;
      const ci = customerIndex.get(id)!;
      const first = routeCount;
      for (const r of c.routes) {
        const table = this.flat.routeTable.get(`${id}\u0000${r.id}`);
        if (table === undefined) throw new EncodeError(`route ${id}/${r.id} has no compiled table`);
        const prefixes = new Set(r.dial.prefixes);
        for (const set of r.dial.prefixSets) for (const p of repo.prefixSets.get(set)?.prefixes ?? []) prefixes.add(p);
        routes.push(
          ci, this.str(r.id), (r.enabled ? F.ROUTE_ENABLED : 0) | (r.dial.any ? F.ROUTE_DIAL_ANY : 0), this.str(r.techPrefix), table,
          F.STRATEGIES.indexOf(r.strategy ?? repo.cards.get(r.card)!.strategy), r.maxDurationSeconds,
          opt(r.limits.cps), opt(r.limits.cpsBurst), opt(r.limits.channels),
          this.strList([...prefixes].sort(byText)), this.strList(r.dial.regex.map((x) => x.source)),
          this.idxList(r.dnc.map((n) => numberListIndex.get(n) ?? fail(`route ${id}/${r.id}: unknown number list ${n}`))),
          r.schedule !== undefined ? scheduleIndex.get(r.schedule) ?? fail(`unknown schedule ${r.schedule}`) : F.NONE,
          this.strList(r.numberActions.called), this.strList(r.numberActions.calling),
        );
        routeCount++;
      }
      customers.push(
        this.str(c.id), this.str(c.name), c.enabled ? F.ENABLED : 0, opt(c.limits.cps), opt(c.limits.cpsBurst), opt(c.limits.channels),
        this.strList(c.cli.allow), this.optStr(c.cli.force), first, c.routes.length,
      );
      for (const ip of c.ips) {
        if (ip.family === 4) {
          const b = ipv4Bytes(ip.address);
          v4.push([((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0, ip.prefixLength, ci]);
        } else {
          const b = ipv6Bytes(ip.address);
          const w = [0, 1, 2, 3].map((k) => ((b[k * 4]! << 24) | (b[k * 4 + 1]! << 16) | (b[k * 4 + 2]! << 8) | b[k * 4 + 3]!) >>> 0);
          v6.push([...w, ip.prefixLength, ci]);
        }
      }
      for (const u of c.users) users.push({ username: u.username, realm: u.realm, ha1: u.ha1, customer: ci });
    }
    this.put('customers', customers, customerIds.length);
    this.put('routes', routes, routeCount);
    // 1.1: the literal digits of each dial regex, for dial specificity at run time.
    const routeDial = new Words();
    for (const id of customerIds) {
      for (const r of repo.customers.get(id)!.routes) {
        const literals: string[] = [];
        const owners: number[] = [];
        r.dial.regex.forEach((x, k) => {
          for (const lit of regexLiterals(x.source)) { literals.push(lit); owners.push(k); }
        });
        routeDial.push(this.strList(literals), this.list(owners));
      }
    }
    this.put('routeDial', routeDial, routeCount);
    // 1.1: the network record — targets per decision, default max duration, the rejection table.
    const net = repo.network;
    const network = new Words();
    network.push(this.str(net.name), this.str(net.currency), this.str(net.timezone), net.maxTargets, net.maxDurationSeconds);
    for (const key of F.REASON_KEYS) {
      const r = net.reasons?.[key];
      const [code, reason] = r ? [r.code, r.reason] : F.DEFAULT_REASONS[key];
      network.push(code, this.str(reason));
    }
    this.put('network', network, 1);
    // Most specific first: a linear scan's first hit is the longest matching CIDR.
    const byCidr = (len: number) => (a: number[], b: number[]) => {
      if (a[len] !== b[len]) return b[len]! - a[len]!;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
      return 0;
    };
    v4.sort(byCidr(1));
    v6.sort(byCidr(4));
    const ip4 = new Words();
    for (const r of v4) ip4.push(...r);
    this.put('ipv4', ip4, v4.length);
    const ip6 = new Words();
    for (const r of v6) ip6.push(...r);
    this.put('ipv6', ip6, v6.length);
    users.sort((a, b) => byText(a.username, b.username) || byText(a.realm, b.realm) || a.customer - b.customer);
    const userWords = new Words();
    for (const u of users) userWords.push(this.str(u.username), this.str(u.realm), this.str(u.ha1), u.customer);
    this.put('users', userWords, users.length);

    // tables (their tries, shapes, labels), then views (their tries, rates)
    const tables = new Words();
    const views = new Words();
    // Trie nodes a trie at a time, each in an array of its exact size: one Words doubling to
    // tens of MB would allocate twice that, and V8 answers each 64 MB or so of new array memory
    // with a full collection of the heap.
    const nodes: Uint8Array[] = [];
    let nodeCount = 0;
    /** Bit g set: table node g holds a value (VALUES in node order). */
    const valueBits = new Words();
    const values = new Words();
    let keyAtNode = new Int32Array(0);
    const viewNodes: Uint8Array[] = [];
    let viewNodeCount = 0;
    const labels = new Words();
    /** Per shape: label, candidates ordinal (packed at the end, when the counts are known). */
    const shapes = new Words();
    /** Per distinct candidate list: its LISTS offset. */
    const candidates = new Words();
    const rates = new Words();
    const builder = new TrieBuilder();
    const fs = this.flat.shapes;
    const shapeRemap = new Int32Array(fs.count).fill(-1);
    const rateRemap = new Int32Array(this.flat.costRows.length).fill(-1);
    let shapeCount = 0;
    let rateCount = 0;
    const rateId = (c: number): number => {
      let id = rateRemap[c]!;
      if (id < 0) {
        const r = this.flat.costRows[c]!;
        id = rateRemap[c] = rateCount++;
        rates.push(r.deck, this.m(r.rate), this.m(r.connectFee), r.initial, r.increment, r.type);
      }
      return id;
    };
    // Labels and candidate orders are interned by flatten: remap their ids in first-use order.
    const labelRemap = new Int32Array(fs.labels.count).fill(-1);
    const orderRemap = new Int32Array(fs.orders.count).fill(-1);
    let labelCount = 0;
    const destinationString = new Int32Array(fs.destinations.length).fill(-1);
    const shapeId = (s: number): number => {
      let id = shapeRemap[s]!;
      if (id < 0) {
        id = shapeRemap[s] = shapeCount++;
        const l = fs.label(s);
        let label = labelRemap[l]!;
        if (label < 0) {
          label = labelRemap[l] = labelCount++;
          // str() of each destination once: many labels share a name.
          const d = fs.labelDestination(l);
          let name = destinationString[d]!;
          if (name < 0) name = destinationString[d] = this.str(fs.destination(s));
          labels.push(name, (fs.type(s) << F.META_TYPE_SHIFT) | (fs.reason(s) << F.META_REASON_SHIFT), this.m(fs.connectFee(s)));
        }
        const o = fs.order(s);
        let list = orderRemap[o]!;
        if (list < 0) {
          list = orderRemap[o] = candidates.length;
          candidates.push(this.idxList(fs.candidates(s)));
        }
        shapes.push2(label, list);
      }
      return id;
    };
    let entries = 0;
    let kept = 0;
    // Neighbouring prefixes often sell alike: the last amount's index saves most money lookups.
    let lastSell = NaN, lastSellIndex = -1;
    // The large sections at their final size, or a bound of it, instead of doubling up to it.
    values.reserveExact(2 * this.flat.tables.reduce((n, t) => n + t.kept, 0));
    shapes.reserveExact(2 * fs.count);
    rates.reserveExact(F.RATE.width * this.flat.costRows.length);
    for (const t of this.flat.tables) {
      const card = repo.cards.get(t.card)!;
      const nodeFirst = nodeCount;
      builder.reset();
      const { keys } = t.keySet;
      // The builder holds key indexes; the nodes holding one get their value in node order.
      for (let i = 0; i < keys.length; i++) if (t.shape[i]! >= 0) builder.insert(keys[i]!, i, false);
      if (keyAtNode.length < builder.size) keyAtNode = new Int32Array(builder.size * 2);
      keyAtNode.fill(-1, 0, builder.size);
      const trie = builder.emit(F.TABLE_NODE_WORDS, `table for card ${t.card}`, (node, i) => {
        keyAtNode[node] = i;
      });
      const trieNodes = trie.length / F.TABLE_NODE_WORDS;
      nodes.push(new Uint8Array(trie.buffer, trie.byteOffset, trie.byteLength));
      nodeCount += trieNodes;
      valueBits.fill(Math.ceil((nodeFirst + trieNodes) / F.NODE_VALUE_BLOCK) - valueBits.length, 0);
      for (let p = 0; p < trieNodes; p++) {
        const i = keyAtNode[p]!;
        if (i < 0) continue;
        const g = nodeFirst + p;
        valueBits.set(g >>> 5, valueBits.get(g >>> 5) | (1 << (g & 31)));
        const sell = t.sell[i]!;
        if (sell !== lastSell) {
          lastSell = sell;
          lastSellIndex = this.m(sell);
        }
        values.push2(shapeId(t.shape[i]!), lastSellIndex);
      }
      const f = t.filter;
      const weights: number[] = [];
      if (f.strategy === 'weighted') {
        for (const [deck, w] of [...card.weights].map(([d, w]) => [deckIndex.get(d)!, w] as const).sort((a, b) => a[0] - b[0])) {
          weights.push(deck, ...f64Words(w));
        }
      }
      tables.push(
        cardIndex.get(t.card)!, F.STRATEGIES.indexOf(f.strategy),
        (f.profitAssurance ? F.TABLE_PROFIT_ASSURANCE : 0) | (f.blockConnectCost ? F.TABLE_BLOCK_CONNECT_COST : 0) | (f.lock ? F.TABLE_LOCK : 0),
        nodeFirst, trieNodes, t.kept,
        this.idxList((f.lock ?? []).map((d) => deckIndex.get(d)!)), this.idxList(f.exclude.map((d) => deckIndex.get(d)!)),
        f.providerCappedRate === null ? F.NONE : this.m(f.providerCappedRate), f.cappedRate === null ? F.NONE : this.m(f.cappedRate),
        f.blockTypes.reduce((m, ty) => m | (1 << ty), 0), f.maxDuration, this.list(weights), t.entries,
      );
      entries += t.entries;
      kept += t.kept;
    }
    let viewKept = 0;
    for (const v of this.flat.views) {
      const nodeFirst = viewNodeCount;
      builder.reset();
      let stored = 0;
      // A row equal to the one it would inherit from a shorter prefix is not stored (lossless).
      for (let i = 0; i < v.prefixes.length; i++) if (builder.insert(v.prefixes[i]!, rateId(v.cost[i]!), true)) stored++;
      const trie = builder.emit(F.VIEW_NODE_WORDS, `deck ${this.flat.decks[v.deck]} (${v.currency})`, (node, rate, words) => {
        words[node * F.VIEW_NODE_WORDS + 1] = rate;
      });
      const trieNodes = trie.length / F.VIEW_NODE_WORDS;
      viewNodes.push(new Uint8Array(trie.buffer, trie.byteOffset, trie.byteLength));
      viewNodeCount += trieNodes;
      views.push(v.deck, this.str(v.currency), nodeFirst, trieNodes, stored, v.prefixes.length);
      viewKept += stored;
    }
    this.put('tables', tables, this.flat.tables.length);
    this.put('nodes', nodes, nodeCount);
    // Per block of 32 nodes: the values before it, then its bits.
    const nodeValues = new Words();
    let rank = 0;
    for (let b = 0; b < valueBits.length; b++) {
      const bits = valueBits.get(b);
      nodeValues.push(rank, bits);
      rank += F.popcount32(bits);
    }
    this.put('nodeValues', nodeValues, valueBits.length);
    this.put('values', packPairs(values.words(), shapeCount, this.sortedMoney.length), values.length / 2);
    this.put('labels', labels, labelCount);
    this.put('shapes', packPairs(shapes.words(), labelCount, candidates.length), shapeCount);
    this.put('candidates', candidates, candidates.length);
    this.put('views', views, this.flat.views.length);
    this.put('viewNodes', viewNodes, viewNodeCount);
    this.put('rates', rates, rateCount);
    this.put('lists', this.lists, this.lists.length);
    this.putMoney();
    this.putStrings();
    const bytes = this.assemble(serial, revision);
    const sections: SectionStat[] = [...this.sections].map(([name, s]) => ({ name, bytes: s.bytes, count: s.count }))
      .sort((a, b) => F.SECTION_ID[a.name] - F.SECTION_ID[b.name]);
    const stringBytes = this.sections.get('strings')!.bytes;
    return {
      bytes,
      stats: {
        bytes: bytes.length,
        sections,
        tables: this.flat.tables.length,
        entries,
        kept,
        nodes: nodeCount,
        viewNodes: viewNodeCount,
        views: this.flat.views.length,
        viewPrefixes: viewKept,
        shapes: shapeCount,
        rates: rateCount,
        bytesPerEntry: kept > 0 ? (bytes.length - stringBytes) / kept : 0,
        bytesPerKey: entries > 0 ? (bytes.length - stringBytes) / entries : 0,
      },
    };
  }

  private collectMoney(): void {
    // Millions of sell amounts: a numeric hash table, not a Set/Map of doubles (boxed keys).
    const table = new MoneyTable();
    const { repo } = this.flat;
    for (const c of repo.cards.values()) for (const v of [c.connectFee, c.markup.percentMicros, c.markup.fixed, c.markup.floor]) table.add(v);
    for (const r of this.flat.costRows) { table.add(r.rate); table.add(r.connectFee); }
    for (let l = 0; l < this.flat.shapes.labels.count; l++) table.add(this.flat.shapes.labels.word(l, 3));
    for (const t of this.flat.tables) {
      if (t.filter.providerCappedRate !== null) table.add(t.filter.providerCappedRate);
      if (t.filter.cappedRate !== null) table.add(t.filter.cappedRate);
      const { sell, shape } = t;
      // Neighbouring prefixes often sell alike: skip the table for a repeat.
      let last = NaN;
      for (let i = 0; i < sell.length; i++) {
        if (shape[i]! < 0 || sell[i] === last) continue;
        last = sell[i]!;
        table.add(last);
      }
    }
    if (!table.allSafe) this.collectMoneySlowly(); // throws, naming the same amount as always
    this.sortedMoney = table.sorted();
    table.index(this.sortedMoney);
    this.money = table;
  }

  /** The original collection, kept for its error: the first amount, in sorted order, that is not exact. */
  private collectMoneySlowly(): void {
    const set = new Set<number>();
    const { repo } = this.flat;
    for (const c of repo.cards.values()) for (const v of [c.connectFee, c.markup.percentMicros, c.markup.fixed, c.markup.floor]) set.add(v);
    for (const r of this.flat.costRows) { set.add(r.rate); set.add(r.connectFee); }
    for (let l = 0; l < this.flat.shapes.labels.count; l++) set.add(this.flat.shapes.labels.word(l, 3));
    for (const t of this.flat.tables) {
      if (t.filter.providerCappedRate !== null) set.add(t.filter.providerCappedRate);
      if (t.filter.cappedRate !== null) set.add(t.filter.cappedRate);
      for (let i = 0; i < t.sell.length; i++) if (t.shape[i]! >= 0) set.add(t.sell[i]!);
    }
    const sorted = [...set].sort((a, b) => a - b);
    for (const v of sorted) if (!Number.isSafeInteger(v)) throw new EncodeError(`amount ${v} is not an exact integer of micro-units`);
  }

  private m(v: number): number {
    const i = this.money.get(v);
    if (i < 0) throw new EncodeError(`internal: amount ${v} missing from the money table`);
    return i;
  }

  private str(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  private optStr(s: string | undefined): number {
    return s === undefined ? F.NONE : this.str(s);
  }

  private list(items: number[]): number {
    const key = items.join(',');
    let at = this.listIndex.get(key);
    if (at === undefined) {
      at = this.lists.push(items.length);
      this.lists.pushAll(items);
      this.listIndex.set(key, at);
    }
    return at;
  }

  private strList(items: string[]): number {
    return this.list(items.map((s) => this.str(s)));
  }

  private idxList(items: number[]): number {
    return this.list(items);
  }

  private put(name: F.SectionName, words: Words | Uint8Array | Uint8Array[], count: number): void {
    const pieces = words instanceof Words ? [words.bytes()] : words instanceof Uint8Array ? [words] : words;
    this.sections.set(name, { pieces, bytes: pieces.reduce((n, p) => n + p.length, 0), count });
  }

  private putMoney(): void {
    const sorted = this.sortedMoney;
    const out = new Uint8Array(sorted.length * 8);
    const view = new DataView(out.buffer);
    for (let k = 0; k < sorted.length; k++) view.setBigInt64(8 * k, BigInt(sorted[k]!), true);
    this.put('money', out, sorted.length);
  }

  private putStrings(): void {
    const enc = new TextEncoder();
    const parts = this.strings.map((s) => enc.encode(s));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(4 * (parts.length + 1) + total);
    const view = new DataView(out.buffer);
    let at = 0;
    const base = 4 * (parts.length + 1);
    parts.forEach((p, i) => {
      view.setUint32(4 * i, at, true);
      out.set(p, base + at);
      at += p.length;
    });
    view.setUint32(4 * parts.length, at, true);
    this.put('strings', out, parts.length);
  }

  private assemble(serial: number, revision: string): Uint8Array {
    const list = [...this.sections].map(([name, s]) => ({ id: F.SECTION_ID[name], ...s })).sort((a, b) => a.id - b.id);
    let at = F.HEADER_BYTES + list.length * F.SECTION_ENTRY_BYTES;
    const placed = list.map((s) => {
      at = align(at);
      const offset = at;
      at += s.bytes;
      return { ...s, offset };
    });
    const total = align(at);
    if (total > F.LIMITS.maxFileBytes) throw new EncodeError(`artefact of ${total} bytes exceeds the ${F.LIMITS.maxFileBytes}-byte limit`);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out.set(F.MAGIC, F.H.magic);
    view.setUint16(F.H.major, F.FORMAT_MAJOR, true);
    view.setUint16(F.H.minor, F.FORMAT_MINOR, true);
    view.setUint32(F.H.headerBytes, F.HEADER_BYTES, true);
    view.setUint32(F.H.fileBytes, total, true);
    view.setUint32(F.H.sectionCount, placed.length, true);
    view.setBigUint64(F.H.serial, BigInt(serial), true);
    view.setBigInt64(F.H.effectiveFrom, BigInt(this.flat.effectiveFrom), true);
    view.setBigInt64(F.H.effectiveUntil, BigInt(this.flat.effectiveUntil), true);
    for (let i = 0; i < revision.length; i++) out[F.H.revision + i] = revision.charCodeAt(i);
    placed.forEach((s, i) => {
      const e = F.HEADER_BYTES + i * F.SECTION_ENTRY_BYTES;
      view.setUint32(e, s.id, true);
      view.setUint32(e + 4, s.offset, true);
      view.setUint32(e + 8, s.bytes, true);
      view.setUint32(e + 12, s.count, true);
      for (let k = 0, at = s.offset; k < s.pieces.length; at += s.pieces[k]!.length, k++) out.set(s.pieces[k]!, at);
    });
    out.set(contentHash(out), F.H.contentHash);
    return out;
  }
}

/**
 * A packed-pairs section (format.ts) of the (low, high) word pairs in `pairs`: each field as wide
 * as the largest index it may hold (below `lowCount`, `highCount`) needs.
 */
export function packPairs(pairs: Uint32Array, lowCount: number, highCount: number): Uint8Array {
  const lowBits = F.bitsFor(lowCount), highBits = F.bitsFor(highCount);
  if (lowBits > F.PACKED_MAX_FIELD_BITS || highBits > F.PACKED_MAX_FIELD_BITS) fail(`${lowCount} or ${highCount} records exceed the format's ${F.PACKED_MAX_FIELD_BITS}-bit indexes`);
  const recordBytes = Math.ceil((lowBits + highBits) / 8);
  const count = pairs.length / 2;
  const out = new Uint8Array(F.packedSectionBytes(count, recordBytes));
  const view = new DataView(out.buffer);
  view.setUint32(0, lowBits | (highBits << 8) | (recordBytes << 16), true);
  // Each record as a little-endian integer of lowBits + highBits ≤ 54 bits, written as two u32
  // words: the bytes a write puts past its record are zeros (the fields are in range) and the next
  // record, written after it, or the tail.
  const wide = lowBits + highBits > 32;
  for (let i = 0, at = F.PACKED_PREAMBLE_BYTES; i < count; i++, at += recordBytes) {
    const low = pairs[2 * i]!, high = pairs[2 * i + 1]!;
    view.setUint32(at, (low | (high << lowBits)) >>> 0, true);
    if (wide) view.setUint32(at + 4, high >>> (32 - lowBits), true);
  }
  return out;
}

/** SHA-256 of the whole file with the 32 hash bytes taken as zeros. */
export function contentHash(file: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(file.subarray(0, F.H.contentHash))
      .update(new Uint8Array(32))
      .update(file.subarray(F.H.contentHash + 32))
      .digest(),
  );
}

/**
 * Builds one trie in the format's compact layout (F.NODE_WORDS) from keys given in increasing
 * text order, as flatten gives them (a key before its descendants, siblings in digit order). The
 * order makes two passes enough, with no tree in between: `insert` meets the trie's nodes in
 * depth-first order — each key adds the nodes past the part it shares with the previous key —
 * and notes per node its depth, its digit, the digits of its children and its value; `emit` then
 * walks that list once, placing each node's children together after everything placed before
 * (the layout the reader requires). Eight bytes a node, written in order: the 11-word 10-ary
 * scratch trie this replaces spent most of encode's time in cache misses.
 */
class TrieBuilder {
  /** Per node, in the depth-first order keys reach them: digits of its children (bit d: digit d). */
  private children = new Uint16Array(4096);
  /** Per node: its value + 1, 0 for none. */
  private value = new Int32Array(4096);
  private depth = new Uint8Array(4096);
  private digit = new Uint8Array(4096);
  private count = 0;
  /** The last key inserted and, per depth along it, its node and the deepest value at or above that node. */
  private lastKey = '';
  private started = false;
  /** Depth to which the last key's nodes exist (less than its length when compaction left it out). */
  private lastDepth = 0;
  private readonly pathNode = new Int32Array(F.LIMITS.maxDepth + 1);
  private readonly pathValue = new Int32Array(F.LIMITS.maxDepth + 1);
  /** emit's walk: per depth, the first child's place and the children digits of the node there. */
  private readonly placeFirst = new Int32Array(F.LIMITS.maxDepth + 1);
  private readonly placeDigits = new Int32Array(F.LIMITS.maxDepth + 1);

  reset(): void {
    this.count = 1; // the root: depth 0, no digit
    this.children[0] = 0;
    this.value[0] = 0;
    this.depth[0] = 0;
    this.lastKey = '';
    this.started = false;
    this.lastDepth = 0;
    this.pathNode[0] = 0;
    this.pathValue[0] = -1;
  }

  /**
   * Adds `key` → `value`. With `compact`, a value equal to the one the key would inherit from its
   * longest stored ancestor is not stored (nor are nodes made for it); returns whether it was.
   */
  insert(key: string, value: number, compact: boolean): boolean {
    if (key.length > F.LIMITS.maxDepth) throw new EncodeError(`prefix ${key} is longer than ${F.LIMITS.maxDepth} digits`);
    const { pathNode, pathValue } = this;
    const last = this.lastKey;
    // The digits shared with the previous key; the key must come after it in text order.
    let common = 0;
    const most = Math.min(key.length, last.length);
    while (common < most && key.charCodeAt(common) === last.charCodeAt(common)) common++;
    if (this.started && (common === key.length || (common < last.length && key.charCodeAt(common) < last.charCodeAt(common)))) {
      throw new EncodeError(key === last ? `internal: prefix ${key} placed twice` : `internal: prefix ${key} comes after ${last}: keys must come in text order`);
    }
    const shared = Math.min(common, this.lastDepth);
    for (let d = shared; d < key.length; d++) {
      const c = key.charCodeAt(d);
      if (c < 48 || c > 57) throw new EncodeError(`prefix "${key}" is not all digits`);
    }
    this.started = true;
    this.lastKey = key;
    if (key.length === 0) {
      // The empty prefix: the root's own value (only ever the first key).
      this.value[0] = value + 1;
      pathValue[0] = value;
      this.lastDepth = 0;
      return true;
    }
    // Every node up to `shared` exists and is an ancestor of the key's node, which does not.
    if (compact && value === pathValue[shared]) {
      this.lastDepth = shared;
      return false;
    }
    if (this.count + key.length - shared > this.value.length) this.grow(this.count + key.length - shared);
    const { children, depth, digit } = this;
    let node = pathNode[shared]!;
    for (let d = shared; d < key.length; d++) {
      const dg = key.charCodeAt(d) - 48;
      children[node] = children[node]! | (1 << dg);
      const child = this.count++;
      children[child] = 0;
      this.value[child] = 0;
      depth[child] = d + 1;
      digit[child] = dg;
      node = child;
      pathNode[d + 1] = node;
      pathValue[d + 1] = pathValue[d]!;
    }
    this.value[node] = value + 1;
    pathValue[key.length] = value;
    this.lastDepth = key.length;
    return true;
  }

  /** Nodes of the trie built since reset(). */
  get size(): number {
    return this.count;
  }

  /**
   * The trie as `width`-word nodes in an array of its own: a node's children get consecutive
   * places when it is laid out, nodes are laid out depth first in digit order, so a subtree is one
   * stretch of memory. Word 0 is written here, the other words are NONE; `value(node, v, words)`
   * is called for each node that holds a value, in key order, to write the rest of it.
   */
  emit(width: number, what: string, value: (node: number, v: number, words: Uint32Array) => void): Uint32Array {
    const n = this.count;
    if (n > F.MAX_TRIE_NODES) throw new EncodeError(`the trie of ${what} needs ${n} nodes, over the format's ${F.MAX_TRIE_NODES}`);
    const nodes = new Uint32Array(n * width);
    if (width > 1) nodes.fill(F.NONE);
    const { children, depth, digit, placeFirst, placeDigits } = this;
    const values = this.value;
    const RANK = F.DIGIT_RANK;
    let next = 1;
    for (let p = 0; p < n; p++) {
      const level = depth[p]!;
      // Its place: its parent's first child's, plus the parent's children of lower digits.
      const place = p === 0 ? 0 : placeFirst[level - 1]! + RANK[placeDigits[level - 1]! & ((1 << digit[p]!) - 1)]!;
      const digits = children[p]!;
      placeFirst[level] = next;
      placeDigits[level] = digits;
      nodes[place * width] = digits === 0 ? 0 : digits | (next << F.NODE_CHILD_SHIFT);
      next += RANK[digits]!;
      const v = values[p]!;
      if (v !== 0) value(place, v - 1, nodes);
    }
    return nodes;
  }

  private grow(need: number): void {
    const size = Math.max(need, this.value.length * 2);
    this.children = grown(this.children, size, this.count);
    this.value = grown(this.value, size, this.count);
    this.depth = grown(this.depth, size, this.count);
    this.digit = grown(this.digit, size, this.count);
  }
}

/** A typed array of `size` elements of `a`'s kind holding `a`'s first `used` elements. */
function grown<T extends Uint8Array | Uint16Array | Int32Array>(a: T, size: number, used: number): T {
  const b = new (a.constructor as new (length: number) => T)(size);
  b.set(a.subarray(0, used));
  return b;
}

/**
 * The distinct amounts of an artefact (safe integers) and, once indexed, each one's position in
 * sorted order: open addressing over one Float64Array of [amount, position] slots (NaN = empty),
 * so a probe touches one cache line — encode looks up millions of sell amounts.
 */
class MoneyTable {
  private slots = emptySlots(1 << 12);
  private size = 0;
  /** Every amount added so far is a safe integer. */
  allSafe = true;

  add(v: number): void {
    if (!Number.isSafeInteger(v)) {
      this.allSafe = false;
      return;
    }
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let i = moneyHash(v) & mask;
    for (;;) {
      const k = slots[2 * i]!;
      if (k !== k) break; // NaN: empty
      if (k === v) return;
      i = (i + 1) & mask;
    }
    slots[2 * i] = v;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  /** Position of `v` in sorted order; −1 when absent. */
  get(v: number): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let i = moneyHash(v) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === v) return slots[2 * i + 1]!;
      if (k !== k) return -1;
    }
  }

  sorted(): Float64Array<ArrayBuffer> {
    const out = new Float64Array(this.size);
    let k = 0;
    for (let i = 0; i < this.slots.length; i += 2) if (this.slots[i] === this.slots[i]) out[k++] = this.slots[i]!;
    return out.sort();
  }

  /** Records each amount's position in `sorted` (this table's sorted()). */
  index(sorted: Float64Array): void {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let k = 0; k < sorted.length; k++) {
      const v = sorted[k]!;
      let i = moneyHash(v) & mask;
      while (slots[2 * i] !== v) i = (i + 1) & mask;
      slots[2 * i + 1] = k;
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = (this.slots = emptySlots(old.length)); // twice the slots: length counts 2 words each
    const mask = (slots.length >>> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      const v = old[j]!;
      if (v !== v) continue;
      let i = moneyHash(v) & mask;
      while (slots[2 * i] === slots[2 * i]) i = (i + 1) & mask;
      slots[2 * i] = v;
    }
  }
}

function emptySlots(count: number): Float64Array {
  return new Float64Array(2 * count).fill(NaN);
}

function moneyHash(v: number): number {
  // ToInt32 keeps the low 32 bits of an integer-valued double; the division brings in the rest.
  const h = Math.imul((v | 0) ^ Math.imul((v / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}

function align(n: number): number {
  return Math.ceil(n / F.SECTION_ALIGN) * F.SECTION_ALIGN;
}

function opt(v: number | undefined): number {
  return v === undefined ? F.NONE : v;
}


function f64Words(v: number): [number, number] {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return [b.getUint32(0, true), b.getUint32(4, true)];
}

function fail(message: string): never {
  throw new EncodeError(message);
}
