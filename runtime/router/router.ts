// The decision engine: one Router per artefact, prepared once, then `decide` per call
// (DESIGN.md "Deciding a call"). Everything a call needs is built in the constructor — strings
// decoded, regexes compiled, the CIDR index, the username map, schedules, DNC sets, number-action
// programs, one carrierroute selection table per carrier, token buckets — and nothing is filled in
// lazily afterwards. `decide` reads typed arrays and these frozen tables; it allocates only the
// answer (the Decision, its targets and their strings). The trace is built only when asked for.
//
// Route choice is the rule the checker guarantees deterministic (compiler/validate/ambiguity.ts):
// longest tech prefix; among that tech prefix's routes whose dial string accepts the number and
// whose schedule is open, the highest dial specificity (longest matching literal: a prefix entry,
// a prefix-set entry, a regex's anchored literal digits; no dial string = 0), then the highest
// schedule precedence (unscheduled = 0), then file order.
// // routes "uk" (dial 44) and "rest" (no dial string) behind 7001: 7001447… → uk, 7001493… → rest
//
// Rejections carry the network's code and phrase for their reason key (artefact NETWORK record).
import type { Artefact } from '../artefact/decode.js';
import * as F from '../artefact/format.js';
import type { CallQuery, Decision, DecisionTarget, DroppedCandidate } from '../engine/decision.js';
import { CidrIndex, type CidrEntry } from '../engine/cidr-index.js';
import {
  buildCrTable, CR_DEPENDS, crc32FirstToken, crFixedPick, crSelectByHash, crSelectRandom, type CrTable, type CrTarget,
} from '../engine/gateway-hash.js';
import { crc32Ascii } from '../engine/crc32.js';
import { TokenBucketSet, monotonicMs } from '../engine/token-bucket.js';
import {
  applyNumberActions, compileNumberActions, IDENTITY, rewriteCalled, type EgressRewrite, type NumberProgram,
} from '../engine/number-actions.js';
import { compileSchedule, scheduleOpen, type CompiledSchedule, type WeeklyWindow } from '../engine/schedule-clock.js';

export interface RouterOptions {
  /** Uniform [0, 1) source for random / weighted choices (Math.random by default). */
  random?: () => number;
  /** Monotonic milliseconds for CPS buckets (performance.now by default). */
  monotonic?: () => number;
  /** Wall-clock epoch milliseconds for calls without `at` (Date.now by default). */
  clock?: () => number;
  /** Enforce CPS limits (default true). Route tests and `explain` turn them off. */
  limits?: boolean;
  /**
   * Read the costs of a call's first candidates ahead, in one pass, when the artefact's rate rows
   * and amounts take more than this many bytes (default 1 MiB; 0: always). Only speed differs.
   */
  costsAheadAbove?: number;
}

/** Reason indexes (F.REASON_KEYS order). */
const R_IP = 0, R_USER = 1, R_NO_INGRESS = 2, R_DIALPLAN = 3, R_PRE = 4, R_CLI = 10,
  R_INCOMPLETE = 11, R_CPS = 12, R_DNC = 8, R_GATEWAY = 14;
const REASON_INDEX = new Map<string, number>(F.REASON_KEYS.map((k, i) => [k, i]));

const STRAT_WEIGHTED = F.STRATEGIES.indexOf('weighted');
const STRAT_RR = F.STRATEGIES.indexOf('round-robin');
const STRAT_RANDOM = F.STRATEGIES.indexOf('random');
const MICROS = 1_000_000;
const RATE_WIDTH = F.RATE.width;
const RATE_RATE = F.RATE.at.rate;

/** Longest matching entry of a set of digit prefixes: a small 10-ary trie in one Int32Array. */
class PrefixMatcher {
  private readonly nodes: Int32Array;
  constructor(prefixes: readonly string[]) {
    const words: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (const p of prefixes) {
      let node = 0;
      let ok = true;
      for (let i = 0; i < p.length && ok; i++) {
        const d = p.charCodeAt(i) - 48;
        if (d < 0 || d > 9) { ok = false; break; }
        let child = words[node * 11 + 1 + d]!;
        if (child === 0) {
          child = words.length / 11;
          words.push(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
          words[node * 11 + 1 + d] = child;
        }
        node = child;
      }
      if (ok) words[node * 11] = 1;
    }
    this.nodes = Int32Array.from(words);
  }
  /** Length of the longest entry that starts `s`, or -1. */
  longest(s: string): number {
    const nodes = this.nodes;
    let node = 0;
    let best = nodes[0] === 1 ? 0 : -1;
    for (let i = 0; i < s.length; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      node = nodes[node * 11 + 1 + d]!;
      if (node === 0) break;
      if (nodes[node * 11] === 1) best = i + 1;
    }
    return best;
  }
}

interface RouteInfo {
  id: string;
  customer: number;
  enabled: boolean;
  techPrefix: string;
  dialAny: boolean;
  prefixes: PrefixMatcher | null;
  regex: RegExp[];
  /** Per regex: its anchored literals (specificity = the longest the number starts with). */
  regexLiterals: string[][];
  regexSource: string[];
  schedule: CompiledSchedule | null;
  scheduleId: string;
  precedence: number;
  dnc: Set<string> | null;
  called: NumberProgram;
  calling: NumberProgram;
  maxDuration: number;
  table: number;
}

interface CustomerInfo {
  id: string;
  enabled: boolean;
  cliAllow: RegExp[];
  cliAllowSource: string[];
  cliForce: string | undefined;
  routeFirst: number;
  routeCount: number;
  /** Distinct tech prefixes of its enabled routes, longest first. */
  techPrefixes: string[];
  /**
   * Its only enabled route when that one takes every number at every time (no dial string, no
   * schedule): once the tech prefix matched, the route choice is made. Else -1.
   */
  soleRoute: number;
}

interface CarrierInfo {
  id: string;
  enabled: boolean;
  /** 0 weighted, 1 + F.HASH_SOURCES index. */
  distribution: number;
  egress: EgressRewrite;
  gatewayFirst: number;
  gatewayCount: number;
  /** carrierroute selection over its gateways; null when none can be chosen. */
  cr: CrTable | null;
  crError: string;
  /**
   * Hash distributions: the gateway (index within the carrier, or -1) every hash gives when the
   * choice does not depend on it (one gateway, say), so no CRC is computed; else CR_DEPENDS.
   */
  fixedPick: number;
}

interface TableInfo {
  strategy: number;
  card: number;
  currency: string;
  /** Per deck index: weight (weighted strategy), 0 when unlisted. */
  weights: Float64Array | null;
}

// Pieces of decimal text made once, so that a money amount's text is two or three joins of short
// flat strings instead of number-to-string conversions (margins differ from call to call).
const WHOLE_PIECES = 1000;
/** `${w}` and `-${w}`, and the same followed by '.', for whole units w < WHOLE_PIECES. */
const WHOLE_TEXT: string[] = [];
const NEG_WHOLE_TEXT: string[] = [];
const WHOLE_DOT: string[] = [];
const NEG_WHOLE_DOT: string[] = [];
/** Three digits, zero-padded ("007"); and the same without trailing zeros ("07" for 70, "" for 0). */
const DIGITS3: string[] = [];
const DIGITS3_TRIMMED: string[] = [];
for (let i = 0; i < 1000; i++) {
  WHOLE_TEXT.push(`${i}`);
  NEG_WHOLE_TEXT.push(`-${i}`);
  WHOLE_DOT.push(`${i}.`);
  NEG_WHOLE_DOT.push(`-${i}.`);
  const d = `${1000 + i}`.slice(1);
  DIGITS3.push(d);
  DIGITS3_TRIMMED.push(d.replace(/0+$/, ''));
}

/** Micro-units to canonical decimal text: 12500 → "0.0125", 115000 → "0.115", -70 → "-0.00007". */
export function microsText(micros: number): string {
  const negative = micros < 0;
  const abs = negative ? -micros : micros;
  const whole = Math.floor(abs / MICROS);
  const frac = abs - whole * MICROS;
  if (whole < WHOLE_PIECES && frac === Math.floor(frac)) {
    // frac = 1000·hi + lo: "0." + "001" + "27" for 1270 micros.
    if (frac === 0) return negative ? NEG_WHOLE_TEXT[whole]! : WHOLE_TEXT[whole]!;
    const head = negative ? NEG_WHOLE_DOT[whole]! : WHOLE_DOT[whole]!;
    const hi = Math.floor(frac / 1000);
    const lo = frac - hi * 1000;
    return lo === 0 ? head + DIGITS3_TRIMMED[hi]! : head + DIGITS3[hi]! + DIGITS3_TRIMMED[lo]!;
  }
  if (frac === 0) return negative ? '-' + whole : '' + whole;
  // 1_000_000 + frac has exactly seven digits: drop the leading 1 and the trailing zeros.
  const digits = '' + (MICROS + frac);
  let end = 7;
  while (digits.charCodeAt(end - 1) === 48) end--;
  return (negative ? '-' : '') + whole + '.' + digits.slice(1, end);
}

function uriHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The pieces joined into one flat string. `a + b` of long strings is a rope that every reader of
 * a URI built from it would walk again; a string made once per artefact should be flat.
 */
function flat(...parts: string[]): string {
  return parts.join('');
}

function safeRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return /(?!)/; // a pattern that does not compile accepts nothing
  }
}

export class Router {
  readonly artefact: Artefact;
  private readonly random: () => number;
  private readonly monotonic: () => number;
  private readonly clock: () => number;
  private readonly limitsOn: boolean;

  private readonly strs: string[];
  private readonly moneyText: string[];
  private readonly moneyValue: Float64Array;
  private readonly reasonCode: Int32Array;
  private readonly reasonText: string[];
  readonly maxTargets: number;
  readonly currency: string;

  private readonly cidr: CidrIndex;
  /** CIDR index value → customers owning exactly that network. */
  private readonly ipGroups: Int32Array[];
  private readonly users: Map<string, number>;
  private readonly customers: CustomerInfo[];
  private readonly routes: RouteInfo[];
  private readonly tables: TableInfo[];
  private readonly carriers: CarrierInfo[];
  private readonly carrierIndex: Map<string, number>;
  private readonly gatewayId: string[];
  private readonly gatewaySuffix: string[];
  private readonly gatewayEnabled: Uint8Array;
  private readonly deckId: string[];
  private readonly deckCarrier: Int32Array;
  /** Deck of each view (a deck's trie in one currency). */
  private readonly viewDeck: Int32Array;
  /** Per deck: its carrier's egress rewriting, with the deck's own tech prefix (an
   * Interconnect-Made-Easy card's `tech_prefix`) after the carrier's. */
  private readonly deckEgress: EgressRewrite[] = [];
  /** Per deck: `sip:` + its egress tech prefix + egress prefix — a target URI up to the number. */
  private readonly deckHead: string[] = [];
  /** Per deck: leading digits its carrier strips. */
  private readonly deckStrip: Int32Array;
  /** Per gateway: its carrier's egress suffix + `@host:port;transport=…` — a target URI after the number. */
  private readonly gatewayTail: string[];
  private readonly buckets: TokenBucketSet;
  private readonly slotRoute: number;
  private readonly slotCarrier: number;
  private readonly slotGateway: number;
  private readonly rr: Uint32Array;
  /** Scratch for the candidate order of one call (never escapes `decide`). */
  private readonly order: Int32Array;
  /** Per candidate position: its RATES row for the current number (-1 none). */
  private readonly priced: Int32Array;
  /** Per place k of the candidate order, for the first maxTargets: the MONEY index of its cost (-1 none). */
  private readonly costAt: Int32Array;
  /** … its amount, and its text. */
  private readonly costValue: Float64Array;
  private readonly costText: string[];
  /** Read the costs ahead (offer): the rate rows and amounts are too many to stay in the CPU caches. */
  private readonly costsAhead: boolean;
  /** CRC32 per hash source (CARRIER.distribution) for the current call; bit s of hashesKnown set once computed. */
  private readonly hashes = new Float64Array(8);
  private hashesKnown = 0;
  private readonly marginKey = new Float64Array(4096).fill(NaN);
  private readonly marginTexts: string[] = new Array<string>(4096).fill('');
  private readonly pair = new Int32Array(2);

  constructor(artefact: Artefact, options: RouterOptions = {}) {
    const a = artefact;
    this.artefact = a;
    this.random = options.random ?? Math.random;
    this.monotonic = options.monotonic ?? monotonicMs;
    this.clock = options.clock ?? Date.now;
    this.limitsOn = options.limits ?? true;

    const nStrings = a.stringOffsets.length - 1;
    this.strs = new Array<string>(nStrings);
    for (let i = 0; i < nStrings; i++) this.strs[i] = a.string(i);
    const nMoney = a.moneyWords.length / 2;
    this.moneyText = new Array<string>(nMoney);
    this.moneyValue = new Float64Array(nMoney);
    for (let i = 0; i < nMoney; i++) {
      this.moneyValue[i] = a.money(i);
      this.moneyText[i] = microsText(a.money(i));
    }

    // Network: reasons, targets per decision. 1.0 artefacts: the documented defaults.
    this.reasonCode = new Int32Array(F.REASON_KEYS.length);
    this.reasonText = F.REASON_KEYS.map((k, i) => {
      this.reasonCode[i] = F.DEFAULT_REASONS[k][0];
      return F.DEFAULT_REASONS[k][1];
    });
    let maxTargets = 5;
    let currency = '';
    const net = this.artefact.network; // validated by decode, like every section
    if (net && net.length >= F.NETWORK.width) {
      const at = F.NETWORK.at as Record<string, number>;
      maxTargets = net[at.maxTargets!]! || 5;
      currency = this.str(net[at.currency!]!);
      F.REASON_KEYS.forEach((k, i) => {
        this.reasonCode[i] = net[at[`${k}Code`]!]!;
        this.reasonText[i] = this.str(net[at[`${k}Reason`]!]!);
      });
    }
    this.maxTargets = maxTargets;
    this.currency = currency;

    // Decks, carriers, gateways.
    const D = F.DECK, CA = F.CARRIER, G = F.GATEWAY;
    const nDecks = a.counts.decks;
    this.deckId = [];
    this.deckCarrier = new Int32Array(nDecks);
    for (let d = 0; d < nDecks; d++) {
      this.deckId.push(this.strs[a.decks[d * D.width + D.at.id]!]!);
      this.deckCarrier[d] = a.decks[d * D.width + D.at.carrier]!;
    }
    const nGw = a.counts.gateways;
    this.gatewayId = [];
    this.gatewaySuffix = [];
    this.gatewayEnabled = new Uint8Array(nGw);
    for (let g = 0; g < nGw; g++) {
      const b = g * G.width;
      this.gatewayId.push(this.strs[a.gateways[b + G.at.id]!]!);
      const host = this.strs[a.gateways[b + G.at.host]!]!;
      const transport = F.TRANSPORTS[a.gateways[b + G.at.transport]!]!;
      this.gatewaySuffix.push(`@${uriHost(host)}:${a.gateways[b + G.at.port]!};transport=${transport}`);
      this.gatewayEnabled[g] = a.gateways[b + G.at.flags]! & F.ENABLED;
    }
    this.carriers = [];
    this.carrierIndex = new Map();
    for (let c = 0; c < a.counts.carriers; c++) {
      const b = c * CA.width;
      const info: CarrierInfo = {
        id: this.strs[a.carriers[b + CA.at.id]!]!,
        enabled: (a.carriers[b + CA.at.flags]! & F.ENABLED) !== 0,
        distribution: a.carriers[b + CA.at.distribution]!,
        egress: {
          strip: a.carriers[b + CA.at.egressStrip]!,
          prefix: this.strs[a.carriers[b + CA.at.egressPrefix]!]!,
          suffix: this.strs[a.carriers[b + CA.at.egressSuffix]!]!,
          techPrefix: this.strs[a.carriers[b + CA.at.egressTechPrefix]!]!,
        },
        gatewayFirst: a.carriers[b + CA.at.gatewayFirst]!,
        gatewayCount: a.carriers[b + CA.at.gatewayCount]!,
        cr: null,
        crError: '',
        fixedPick: CR_DEPENDS,
      };
      this.carriers.push(info);
      this.carrierIndex.set(info.id, c);
      this.buildCarrierTable(c);
    }
    this.deckStrip = new Int32Array(nDecks);
    for (let d = 0; d < nDecks; d++) {
      const e = this.carriers[this.deckCarrier[d]!]!.egress;
      const own = this.strs[a.decks[d * D.width + D.at.techPrefix]!]!;
      const egress = own === '' ? e : { ...e, techPrefix: e.techPrefix + own };
      this.deckEgress.push(egress);
      // 'sip:' + rewriteCalled(number, egress, IDENTITY) + gatewaySuffix, cut where the number goes.
      this.deckHead.push(flat('sip:', egress.techPrefix, egress.prefix));
      this.deckStrip[d] = egress.strip;
    }
    this.gatewayTail = this.gatewaySuffix.slice();
    for (const info of this.carriers) {
      for (let g = info.gatewayFirst; g < info.gatewayFirst + info.gatewayCount && g < nGw; g++) {
        this.gatewayTail[g] = flat(info.egress.suffix, this.gatewaySuffix[g]!);
      }
    }

    // Customers and routes.
    const C = F.CUSTOMER, R = F.ROUTE;
    const dialSection = this.artefact.routeDial;
    const schedules = this.compileSchedules();
    const numberLists: Set<string>[] = [];
    for (let n = 0; n < a.counts.numberLists; n++) {
      numberLists.push(new Set(this.strList(a.numberLists[n * F.NUMBER_LIST.width + F.NUMBER_LIST.at.numbers]!)));
    }
    this.routes = [];
    for (let r = 0; r < a.counts.routes; r++) {
      const b = r * R.width;
      const flags = a.routes[b + R.at.flags]!;
      const regexSource = this.strList(a.routes[b + R.at.dialRegex]!);
      const regexLiterals: string[][] = regexSource.map(() => []);
      if (dialSection && dialSection.length >= (r + 1) * F.ROUTE_DIAL.width) {
        const lits = this.strList(dialSection[r * F.ROUTE_DIAL.width + F.ROUTE_DIAL.at.literals]!);
        const owners = a.list(dialSection[r * F.ROUTE_DIAL.width + F.ROUTE_DIAL.at.owners]!);
        lits.forEach((lit, k) => regexLiterals[owners[k]!]?.push(lit));
      }
      const dncIds = a.list(a.routes[b + R.at.dnc]!);
      let dnc: Set<string> | null = null;
      if (dncIds.length > 0) {
        dnc = new Set();
        for (const id of dncIds) for (const n of numberLists[id]!) dnc.add(n);
      }
      const sched = a.routes[b + R.at.schedule]!;
      const prefixes = this.strList(a.routes[b + R.at.dialPrefixes]!);
      this.routes.push({
        id: this.strs[a.routes[b + R.at.id]!]!,
        customer: a.routes[b + R.at.customer]!,
        enabled: (flags & F.ROUTE_ENABLED) !== 0,
        techPrefix: this.strs[a.routes[b + R.at.techPrefix]!]!,
        dialAny: (flags & F.ROUTE_DIAL_ANY) !== 0,
        prefixes: prefixes.length > 0 ? new PrefixMatcher(prefixes) : null,
        regex: regexSource.map(safeRegex),
        regexLiterals,
        regexSource,
        schedule: sched === F.NONE ? null : schedules[sched]!.compiled,
        scheduleId: sched === F.NONE ? '' : schedules[sched]!.id,
        precedence: sched === F.NONE ? 0 : schedules[sched]!.precedence,
        dnc,
        called: this.program(a.routes[b + R.at.calledActions]!),
        calling: this.program(a.routes[b + R.at.callingActions]!),
        maxDuration: a.routes[b + R.at.maxDuration]!,
        table: a.routes[b + R.at.table]!,
      });
    }
    this.customers = [];
    for (let c = 0; c < a.counts.customers; c++) {
      const b = c * C.width;
      const routeFirst = a.customers[b + C.at.routeFirst]!;
      const routeCount = a.customers[b + C.at.routeCount]!;
      const tech = new Set<string>();
      for (let r = routeFirst; r < routeFirst + routeCount; r++) if (this.routes[r]!.enabled) tech.add(this.routes[r]!.techPrefix);
      const cliAllowSource = this.strList(a.customers[b + C.at.cliAllow]!);
      const force = a.customers[b + C.at.cliForce]!;
      let soleRoute = -1;
      for (let r = routeFirst; r < routeFirst + routeCount; r++) {
        if (!this.routes[r]!.enabled) continue;
        const route = this.routes[r]!;
        soleRoute = soleRoute === -1 && route.dialAny && route.schedule === null ? r : -2;
      }
      this.customers.push({
        id: this.strs[a.customers[b + C.at.id]!]!,
        enabled: (a.customers[b + C.at.flags]! & F.ENABLED) !== 0,
        cliAllow: cliAllowSource.map(safeRegex),
        cliAllowSource,
        cliForce: force === F.NONE ? undefined : this.strs[force],
        routeFirst,
        routeCount,
        techPrefixes: [...tech].sort((x, y) => y.length - x.length || (x < y ? -1 : 1)),
        soleRoute: soleRoute >= 0 ? soleRoute : -1,
      });
    }

    // Authentication: one CIDR index over every network; networks shared by several customers
    // map to a group told apart by tech prefix at call time.
    const groupOf = new Map<string, number>();
    const groups: number[][] = [];
    const entries: CidrEntry[] = [];
    const addNet = (key: string, cidr: string, customer: number) => {
      if (!this.customers[customer]!.enabled) return;
      let gi = groupOf.get(key);
      if (gi === undefined) {
        gi = groups.length;
        groups.push([]);
        groupOf.set(key, gi);
        entries.push({ cidr, value: gi });
      }
      if (!groups[gi]!.includes(customer)) groups[gi]!.push(customer);
    };
    for (let i = 0; i < a.counts.ipv4; i++) {
      const addr = a.ipv4[i * 3]!;
      const len = a.ipv4[i * 3 + 1]!;
      const text = `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`;
      addNet(text, text, a.ipv4[i * 3 + 2]!);
    }
    for (let i = 0; i < a.counts.ipv6; i++) {
      const w = a.ipv6.subarray(i * 6, i * 6 + 4);
      const groupsText: string[] = [];
      for (let k = 0; k < 4; k++) groupsText.push((w[k]! >>> 16).toString(16), (w[k]! & 0xffff).toString(16));
      const text = `${groupsText.join(':')}/${a.ipv6[i * 6 + 4]!}`;
      addNet(text, text, a.ipv6[i * 6 + 5]!);
    }
    const built = CidrIndex.build(entries);
    if (!built.ok) throw new Error(`artefact authentication index: ${built.error}`);
    this.cidr = built.index;
    this.ipGroups = groups.map((g) => Int32Array.from(g));
    this.users = new Map();
    for (let u = 0; u < a.counts.users; u++) {
      const b = u * F.USER.width;
      const name = this.strs[a.users[b + F.USER.at.username]!]!;
      const customer = a.users[b + F.USER.at.customer]!;
      if (!this.users.has(name) && this.customers[customer]!.enabled) this.users.set(name, customer);
    }

    // Tables: strategy, currency, weights.
    const T = F.TABLE, CD = F.CARD;
    this.tables = [];
    let maxCands = 1;
    for (let t = 0; t < a.counts.tables; t++) {
      const b = t * T.width;
      const card = a.tables[b + T.at.card]!;
      const strategy = a.tables[b + T.at.strategy]!;
      let weights: Float64Array | null = null;
      if (strategy === STRAT_WEIGHTED) {
        weights = new Float64Array(nDecks);
        const wl = a.list(a.tables[b + T.at.weights]!);
        for (let k = 0; k + 2 < wl.length; k += 3) {
          const w = a.f64(wl[k + 1]!, wl[k + 2]!);
          weights[wl[k]!] = Number.isFinite(w) && w > 0 ? w : 0;
        }
      }
      this.tables.push({ strategy, card, currency: this.strs[a.cards[card * CD.width + CD.at.currency]!]!, weights });
    }
    for (let c = 0; c < a.counts.candidates; c++) {
      const n = a.lists[a.candidates[c]!]!;
      if (n > maxCands) maxCands = n;
    }
    this.viewDeck = new Int32Array(a.counts.views);
    for (let v = 0; v < a.counts.views; v++) this.viewDeck[v] = a.views[v * F.VIEW.width + F.VIEW.at.deck]!;
    this.order = new Int32Array(maxCands);
    this.priced = new Int32Array(maxCands);
    this.costAt = new Int32Array(maxCands);
    this.costValue = new Float64Array(maxCands);
    this.costText = new Array<string>(maxCands).fill('');
    // Past about a megabyte of rate rows and amounts, reading a cost is a cache miss (the 113 MB bench
    // artefact: 167k rows, 126k amounts → +8–10 % decisions per CPU-s); below, reading ahead is an
    // extra pass for nothing (the demo: −5 %).
    this.costsAhead = a.rates.length * 4 + nMoney * 16 > (options.costsAheadAbove ?? 1 << 20);
    this.rr = new Uint32Array(a.counts.tables);

    // CPS buckets: customers, routes, carriers, gateways.
    this.slotRoute = a.counts.customers;
    this.slotCarrier = this.slotRoute + a.counts.routes;
    this.slotGateway = this.slotCarrier + a.counts.carriers;
    this.buckets = new TokenBucketSet(this.slotGateway + nGw);
    const now = this.monotonic();
    const conf = (slot: number, arr: Uint32Array, base: number, cpsAt: number, burstAt: number) => {
      const cps = arr[base + cpsAt]!;
      const burst = arr[base + burstAt]!;
      if (cps !== F.NONE && cps > 0) this.buckets.configure(slot, cps, burst === F.NONE ? undefined : burst, now);
    };
    for (let c = 0; c < a.counts.customers; c++) conf(c, a.customers, c * C.width, C.at.cps, C.at.cpsBurst);
    for (let r = 0; r < a.counts.routes; r++) conf(this.slotRoute + r, a.routes, r * R.width, R.at.cps, R.at.cpsBurst);
    for (let c = 0; c < a.counts.carriers; c++) conf(this.slotCarrier + c, a.carriers, c * CA.width, CA.at.cps, CA.at.cpsBurst);
    for (let g = 0; g < nGw; g++) conf(this.slotGateway + g, a.gateways, g * G.width, G.at.cps, G.at.cpsBurst);
  }

  // ------------------------------------------------------------------ preparation helpers

  private str(i: number): string {
    return i === F.NONE ? '' : this.strs[i] ?? '';
  }

  private strList(at: number): string[] {
    const items = this.artefact.list(at);
    const out: string[] = [];
    for (let k = 0; k < items.length; k++) out.push(this.strs[items[k]!]!);
    return out;
  }

  private program(at: number): NumberProgram {
    const actions = this.strList(at);
    if (actions.length === 0) return IDENTITY;
    const p = compileNumberActions(actions);
    if (!p.ok) throw new Error(`number actions ${actions.join('')}: ${p.error}`);
    return p.program;
  }

  private compileSchedules(): { id: string; precedence: number; compiled: CompiledSchedule }[] {
    const a = this.artefact;
    const S = F.SCHEDULE;
    const out: { id: string; precedence: number; compiled: CompiledSchedule }[] = [];
    for (let s = 0; s < a.counts.schedules; s++) {
      const b = s * S.width;
      const w = a.list(a.schedules[b + S.at.windows]!);
      const windows: WeeklyWindow[] = [];
      for (let k = 0; k + 2 < w.length; k += 3) {
        const days: number[] = [];
        for (let d = 0; d < 7; d++) if (w[k]! & (1 << d)) days.push(d);
        windows.push({ days, from: w[k + 1]!, until: w[k + 2]! });
      }
      const from = a.schedules[b + S.at.validFrom]!;
      const until = a.schedules[b + S.at.validUntil]!;
      const id = this.strs[a.schedules[b + S.at.id]!]!;
      const r = compileSchedule({
        timezone: this.strs[a.schedules[b + S.at.timezone]!]!,
        ...(from === F.NONE ? {} : { validFrom: this.strs[from]! }),
        ...(until === F.NONE ? {} : { validUntil: this.strs[until]! }),
        windows,
      });
      if (!r.ok) throw new Error(`schedule ${id}: ${r.error}`);
      out.push({ id, precedence: a.schedules[b + S.at.precedence]!, compiled: r.schedule });
    }
    return out;
  }

  /** (Re)builds one carrier's carrierroute table from the gateways' current enabled state. */
  private buildCarrierTable(c: number): void {
    const a = this.artefact;
    const G = F.GATEWAY;
    const info = this.carriers[c]!;
    const targets: CrTarget[] = [];
    const first = info.gatewayFirst;
    for (let g = first; g < first + info.gatewayCount; g++) {
      const b = g * G.width;
      const backup = a.gateways[b + G.at.backup]!;
      const hashIndex = a.gateways[b + G.at.hashIndex]!;
      const t: CrTarget = {
        prob: a.f64(a.gateways[b + G.at.weightLo]!, a.gateways[b + G.at.weightHi]!),
        enabled: this.gatewayEnabled[g] === 1,
        hashIndex,
      };
      if (backup !== F.NONE) {
        // carrierroute names a backup by hash index; ours names the gateway.
        const bi = a.gateways[backup * G.width + G.at.hashIndex]!;
        t.backup = bi > 0 ? bi : backup - first + 1;
      }
      targets.push(t);
    }
    const built = targets.length > 0 ? buildCrTable(targets, 'float32') : { ok: false as const, error: 'no gateways' };
    if (built.ok) {
      info.cr = built.table;
      info.crError = '';
      const fixed = crFixedPick(built.table);
      info.fixedPick = fixed >= 0 && this.gatewayEnabled[first + fixed] !== 1 ? -1 : fixed;
    } else {
      info.cr = null;
      info.crError = built.error;
      info.fixedPick = -1;
    }
  }

  // ------------------------------------------------------------------ admin

  /**
   * Enables or disables a gateway at run time, like carrierroute's `cr_deactivate_host`: its calls
   * go to its backup while it is disabled, or nowhere. False when no such carrier / gateway.
   */
  setGatewayEnabled(carrierId: string, gatewayId: string, enabled: boolean): boolean {
    const c = this.carrierIndex.get(carrierId);
    if (c === undefined) return false;
    const info = this.carriers[c]!;
    for (let g = info.gatewayFirst; g < info.gatewayFirst + info.gatewayCount; g++) {
      if (this.gatewayId[g] !== gatewayId) continue;
      this.gatewayEnabled[g] = enabled ? 1 : 0;
      this.buildCarrierTable(c);
      return true;
    }
    return false;
  }

  /** Gateways currently disabled (by the artefact or an admin), to carry over a reload. */
  disabledGateways(): { carrier: string; gateway: string }[] {
    const out: { carrier: string; gateway: string }[] = [];
    for (const info of this.carriers) {
      for (let g = info.gatewayFirst; g < info.gatewayFirst + info.gatewayCount; g++) {
        if (this.gatewayEnabled[g] === 0) out.push({ carrier: info.id, gateway: this.gatewayId[g]! });
      }
    }
    return out;
  }

  /** The network's SIP code and phrase for a reason key (e.g. for a front end's own refusals). */
  reason(key: F.ReasonKey): { code: number; reason: string } {
    const i = REASON_INDEX.get(key)!;
    return { code: this.reasonCode[i]!, reason: this.reasonText[i]! };
  }

  // ------------------------------------------------------------------ deciding

  /** Decides one call. Never throws: any input gets a Decision. */
  decide(q: CallQuery): Decision {
    try {
      return this.run(q);
    } catch (e) {
      const d = this.reject(R_INCOMPLETE, undefined, undefined, null);
      if (q && q.explain) d.trace = [`internal error while deciding: ${(e as Error)?.message ?? String(e)}`];
      d.status = 500;
      d.reason = 'Server Internal Error';
      return d;
    }
  }

  private reject(reason: number, customer: string | undefined, route: string | undefined, trace: string[] | null): Decision {
    const d: Decision = {
      status: this.reasonCode[reason]!,
      reason: this.reasonText[reason]!,
      customer,
      route,
      prefix: undefined,
      destination: undefined,
      sell: undefined,
      currency: undefined,
      maxDuration: undefined,
      number: undefined,
      cli: undefined,
      targets: [],
      dropped: [],
    };
    if (trace) {
      trace.push(`→ ${d.status} ${d.reason} (${F.REASON_KEYS[reason]})`);
      d.trace = trace;
    }
    return d;
  }

  private run(q: CallQuery): Decision {
    this.hashesKnown = 0;
    const trace: string[] | null = q.explain ? [] : null;
    const a = this.artefact;
    let to = typeof q.to === 'string' ? q.to : '';
    if (to.charCodeAt(0) === 43) to = to.slice(1); // a leading '+' is E.164 notation, not a digit

    // 1. Authenticate: most specific CIDR, else username.
    const src = typeof q.src === 'string' ? q.src : '';
    const group = src.length > 0 ? this.cidr.lookup(src) : -1;
    let customer = -1;
    if (group >= 0) {
      const members = this.ipGroups[group]!;
      if (members.length === 1) {
        customer = members[0]!;
        if (trace) trace.push(`source ${src} → customer ${this.customers[customer]!.id} (most specific network)`);
      } else {
        // Several customers on one network: the longest tech prefix that starts the number decides.
        let bestLen = -1;
        for (let k = 0; k < members.length; k++) {
          const tp = this.customers[members[k]!]!.techPrefixes;
          for (let i = 0; i < tp.length; i++) {
            if (tp[i]!.length > bestLen && to.startsWith(tp[i]!)) {
              bestLen = tp[i]!.length;
              customer = members[k]!;
              break;
            }
          }
        }
        if (trace) {
          const ids = Array.from(members, (m) => this.customers[m]!.id).join(', ');
          trace.push(customer >= 0
            ? `source ${src} is shared by ${ids}; tech prefix ${to.slice(0, bestLen) || '(none)'} → customer ${this.customers[customer]!.id}`
            : `source ${src} is shared by ${ids}; no tech prefix of theirs starts ${to}`);
        }
        if (customer < 0) return this.reject(R_NO_INGRESS, undefined, undefined, trace);
      }
    } else if (typeof q.user === 'string' && q.user.length > 0) {
      customer = this.users.get(q.user) ?? -1;
      if (customer < 0) {
        if (trace) trace.push(`source ${src || '(none)'} matches no customer network; SIP user ${q.user} is unknown`);
        return this.reject(R_USER, undefined, undefined, trace);
      }
      if (trace) trace.push(`SIP user ${q.user} → customer ${this.customers[customer]!.id}`);
    } else {
      if (trace) trace.push(`source ${src || '(none)'} matches no customer network and no SIP user was given`);
      return this.reject(R_IP, undefined, undefined, trace);
    }
    const cust = this.customers[customer]!;

    // 2. Ingress route: longest tech prefix, strip it; dial string; schedule; specificity; precedence.
    let tech = -1;
    const tps = cust.techPrefixes;
    for (let i = 0; i < tps.length; i++) {
      if (to.startsWith(tps[i]!)) { tech = tps[i]!.length; break; }
    }
    if (tech < 0) {
      if (trace) trace.push(`no ingress route of ${cust.id} has a tech prefix that starts ${to}`);
      return this.reject(R_NO_INGRESS, cust.id, undefined, trace);
    }
    const techPrefix = to.slice(0, tech);
    const number = tech === 0 ? to : to.slice(tech);
    if (trace && tech > 0) trace.push(`tech prefix ${techPrefix} stripped: ${number}`);
    if (number.length === 0 || number.length > F.LIMITS.maxDepth) {
      if (trace) trace.push(`number "${number}" is empty or longer than ${F.LIMITS.maxDepth} digits`);
      return this.reject(R_INCOMPLETE, cust.id, undefined, trace);
    }
    for (let i = 0; i < number.length; i++) {
      const c = number.charCodeAt(i);
      if (c < 48 || c > 57) {
        if (trace) trace.push(`number "${number}" is not all digits`);
        return this.reject(R_INCOMPLETE, cust.id, undefined, trace);
      }
    }
    // The clock is read only when a scheduled route needs it (Date.now is not free at 1M/s).
    let at = typeof q.at === 'number' && Number.isFinite(q.at) ? q.at : NaN;
    let best = -1;
    let bestSpec = -1;
    let bestPrec = -1;
    let accepted = false;
    // The loop below would pick it (its tech prefix is the one that matched); explain still walks.
    if (cust.soleRoute >= 0 && trace === null) best = cust.soleRoute;
    else for (let r = cust.routeFirst; r < cust.routeFirst + cust.routeCount; r++) {
      const route = this.routes[r]!;
      if (!route.enabled || route.techPrefix.length !== tech || !to.startsWith(route.techPrefix)) continue;
      const spec = this.dialSpecificity(route, number);
      if (spec < 0) {
        if (trace) trace.push(`route ${route.id}: dial string does not accept ${number}`);
        continue;
      }
      accepted = true;
      if (route.schedule && at !== at) at = this.clock();
      if (route.schedule && !scheduleOpen(route.schedule, at)) {
        if (trace) trace.push(`route ${route.id}: schedule ${route.scheduleId} is closed at ${new Date(at).toISOString()}`);
        continue;
      }
      if (trace) trace.push(`route ${route.id}: accepts with specificity ${spec}, precedence ${route.precedence}${route.schedule ? ` (schedule ${route.scheduleId} open)` : ''}`);
      if (spec > bestSpec || (spec === bestSpec && route.precedence > bestPrec)) {
        best = r;
        bestSpec = spec;
        bestPrec = route.precedence;
      }
    }
    if (best < 0) return this.reject(accepted ? R_NO_INGRESS : R_DIALPLAN, cust.id, undefined, trace);
    const route = this.routes[best]!;
    if (trace) trace.push(`→ ingress route ${route.id}`);

    // Customer and route CPS: an attempt counts whatever happens next.
    if (this.limitsOn) {
      const now = this.monotonic();
      this.pair[0] = customer;
      this.pair[1] = this.slotRoute + best;
      const refused = this.buckets.takeAll(this.pair, now);
      if (refused >= 0) {
        if (trace) trace.push(`${refused === 0 ? `customer ${cust.id}` : `route ${route.id}`} is at its CPS limit`);
        return this.reject(R_CPS, cust.id, route.id, trace);
      }
    }

    // 3. Number checks: CLI rules, DNC.
    const from = typeof q.from === 'string' ? q.from : '';
    if (cust.cliAllow.length > 0) {
      let ok = false;
      for (let i = 0; i < cust.cliAllow.length; i++) if (cust.cliAllow[i]!.test(from)) { ok = true; break; }
      if (!ok) {
        if (trace) trace.push(`CLI "${from}" matches none of ${cust.cliAllowSource.join(', ')}`);
        return this.reject(R_CLI, cust.id, route.id, trace);
      }
    }
    let cli = cust.cliForce ?? from;
    if (trace && cust.cliForce !== undefined) trace.push(`CLI forced to ${cust.cliForce}`);
    if (route.calling.ops.length > 0) {
      cli = applyNumberActions(route.calling, cli);
      if (trace) trace.push(`calling number actions ${route.calling.source}: ${cli}`);
    }
    if (route.dnc !== null && route.dnc.has(number)) {
      if (trace) trace.push(`${number} is on a do-not-call list of route ${route.id}`);
      return this.reject(R_DNC, cust.id, route.id, trace);
    }

    return this.offer(q, trace, cust, route, number, to, from, cli);
  }

  /**
   * Stages 4 to 6 for the chosen route: the trie walk, the candidates, the answer. A method of its
   * own so that the compiler inlines the helpers of each half into it (one function holding
   * everything ran out of its inlining budget half way).
   */
  private offer(q: CallQuery, trace: string[] | null, cust: CustomerInfo, route: RouteInfo, number: string, to: string, from: string, cli: string): Decision {
    const a = this.artefact;
    // 4. The trie walk.
    const t = route.table;
    const table = this.tables[t]!;
    const v = a.lookup(t, number);
    if (v < 0) {
      if (trace) trace.push(`card ${this.cardId(table.card)} has no prefix for ${number}`);
      return this.reject(R_PRE, cust.id, route.id, trace);
    }
    const depth = a.matchDepth;
    const sellIdx = a.valueSell(v);
    const shape = a.valueShape(v);
    // The reads that hang off this prefix's value and shape, side by side: on a large artefact each
    // is a cache miss, and misses that do not wait for one another overlap.
    const sell = this.moneyValue[sellIdx]!;
    const sellText = this.moneyText[sellIdx]!;
    const lb = a.shapeLabel(shape) * F.LABEL.width;
    const candAt = a.shapeCandidates(shape);
    const meta = a.labels[lb + F.LABEL.at.meta]!;
    const destination = this.strs[a.labels[lb + F.LABEL.at.destination]!]!;
    const n = a.lists[candAt]!;
    const rejectCode = (meta >>> F.META_REASON_SHIFT) & 0xff;
    const prefix = number.slice(0, depth);
    if (trace) {
      trace.push(`card ${this.cardId(table.card)}: prefix ${prefix} ${destination || '(no name)'} (${F.DESTINATION_TYPES[meta & 0xff]}), sell ${sellText} ${table.currency}/min`);
      this.traceStaticFilters(t, shape, trace);
    }
    if (rejectCode !== F.REJECT.none) {
      const d = this.reject(REASON_INDEX.get(F.REJECT_REASONS[rejectCode]!)!, cust.id, route.id, null);
      d.prefix = prefix;
      d.destination = destination;
      d.sell = sellText;
      d.currency = table.currency;
      if (trace) {
        trace.push(`the route refuses prefix ${prefix}: ${['', 'destination type blocked', 'sell rate above the capped rate', 'lock / exclude leave no carrier', 'provider capped rate / connection cost leave no carrier', 'profit assurance leaves no carrier'][rejectCode]}`);
        trace.push(`→ ${d.status} ${d.reason}`);
        d.trace = trace;
      }
      return d;
    }

    // 5. Dynamic choices: candidate order, gateway per carrier, carrier and gateway CPS.
    const order = this.order;
    this.orderCandidates(table, t, candAt, n, order, trace);
    // Every candidate's row for this number, its deck's view walked side by side with the others.
    const priced = this.priced;
    a.priceViews(candAt, number, priced);
    const max = this.maxTargets;
    // Sized once for the targets there can be (a pushed-to [] grows to 16 slots at the first push);
    // trimmed below when candidates were dropped.
    const targets: DecisionTarget[] = new Array(n < max ? n : max);
    let count = 0;
    const dropped: DroppedCandidate[] = [];
    const now = this.limitsOn ? this.monotonic() : 0;
    let cpsDrops = 0;
    // Read once: the calls in the loop would make the compiler load these fields again each time.
    const lists = a.lists;
    const rates = a.rates;
    const viewDeck = this.viewDeck;
    const deckCarrier = this.deckCarrier;
    const carriers = this.carriers;
    const deckId = this.deckId;
    const gatewayId = this.gatewayId;
    const moneyValue = this.moneyValue;
    const moneyText = this.moneyText;
    // Without called-number actions a URI is head(deck) + number less its strip + tail(gateway).
    const plain = route.called.ops.length === 0;
    // The costs of the candidates likely to be offered (the first maxTargets in order), read in
    // passes with nothing else between the reads: on a large artefact each read is a cache miss,
    // and misses that do not wait for one another overlap. Candidates further down the order
    // (reached only when some are dropped) are read as they come.
    const ahead = !this.costsAhead ? 0 : n < max ? n : max;
    const costAt = this.costAt;
    const costValue = this.costValue;
    const costText = this.costText;
    for (let k = 0; k < ahead; k++) {
      const rate = priced[order[k]!]!;
      costAt[k] = rate < 0 ? -1 : rates[rate * RATE_WIDTH + RATE_RATE]!;
    }
    for (let k = 0; k < ahead; k++) {
      const m = costAt[k]!;
      if (m >= 0) {
        costValue[k] = moneyValue[m]!;
        costText[k] = moneyText[m]!;
      }
    }
    for (let k = 0; k < n && count < max; k++) {
      const position = order[k]!;
      const deck = viewDeck[lists[candAt + 1 + position]!]!;
      const c = deckCarrier[deck]!;
      const carrier = carriers[c]!;
      if (!carrier.enabled) {
        dropped.push({ carrier: carrier.id, card: deckId[deck]!, why: 'carrier-disabled' });
        if (trace) trace.push(`  ${carrier.id} (${deckId[deck]}): carrier disabled`);
        continue;
      }
      const g = this.pickGateway(carrier, q, to, from);
      if (g < 0) {
        dropped.push({ carrier: carrier.id, card: deckId[deck]!, why: 'no-gateway' });
        if (trace) trace.push(`  ${carrier.id} (${deckId[deck]}): no enabled gateway${carrier.crError ? ` (${carrier.crError})` : ''}`);
        continue;
      }
      const gw = carrier.gatewayFirst + g;
      if (this.limitsOn) {
        this.pair[0] = this.slotCarrier + c;
        this.pair[1] = this.slotGateway + gw;
        if (this.buckets.takeAll(this.pair, now) >= 0) {
          cpsDrops++;
          dropped.push({ carrier: carrier.id, card: deckId[deck]!, why: 'cps' });
          if (trace) trace.push(`  ${carrier.id} (${deckId[deck]}): carrier or gateway ${gatewayId[gw]} at its CPS limit`);
          continue;
        }
      }
      let cost: number;
      let costString: string;
      if (k < ahead) {
        if (costAt[k]! < 0) continue; // only a self-contradicting artefact: its shape names a deck with no row here
        cost = costValue[k]!;
        costString = costText[k]!;
      } else {
        const rate = priced[position]!;
        if (rate < 0) continue;
        const m = rates[rate * RATE_WIDTH + RATE_RATE]!;
        cost = moneyValue[m]!;
        costString = moneyText[m]!;
      }
      let uri: string;
      if (plain) {
        const strip = this.deckStrip[deck]!;
        uri = this.deckHead[deck]! + (strip === 0 ? number : strip >= number.length ? '' : number.slice(strip)) + this.gatewayTail[gw]!;
      } else {
        uri = 'sip:' + rewriteCalled(number, this.deckEgress[deck]!, route.called) + this.gatewaySuffix[gw]!;
      }
      targets[count++] = {
        uri,
        carrier: carrier.id,
        gateway: gatewayId[gw]!,
        card: deckId[deck]!,
        cost: costString,
        margin: this.marginText(sell - cost),
      };
      if (trace) trace.push(`  ${count}. ${carrier.id} (${deckId[deck]}) via ${gatewayId[gw]}: cost ${costString}, margin ${microsText(sell - cost)} → ${uri}`);
    }
    if (count < targets.length) targets.length = count;
    if (trace && n > max && count === max) trace.push(`  (network maxTargets ${max}: further candidates not offered)`);
    if (count === 0) {
      const d = this.reject(n === 0 ? R_PRE : cpsDrops === dropped.length ? R_CPS : R_GATEWAY, cust.id, route.id, null);
      d.prefix = prefix;
      d.destination = destination;
      d.sell = sellText;
      d.currency = table.currency;
      d.dropped = dropped;
      if (trace) {
        trace.push(`no candidate left → ${d.status} ${d.reason}`);
        d.trace = trace;
      }
      return d;
    }
    const decision: Decision = {
      status: 302,
      reason: 'Moved Temporarily',
      customer: cust.id,
      route: route.id,
      prefix,
      destination,
      sell: sellText,
      currency: table.currency,
      maxDuration: route.maxDuration,
      number: route.called.ops.length > 0 ? applyNumberActions(route.called, number) : number,
      cli,
      targets,
      dropped,
    };
    if (trace) {
      trace.push(`→ 302 with ${targets.length} target(s), max duration ${route.maxDuration} s`);
      decision.trace = trace;
    }
    return decision;
  }

  /** -1 when the route's dial string refuses `number`, else the length of its longest literal match. */
  private dialSpecificity(route: RouteInfo, number: string): number {
    if (route.dialAny) return 0;
    let spec = route.prefixes !== null ? route.prefixes.longest(number) : -1;
    const rx = route.regex;
    for (let k = 0; k < rx.length; k++) {
      if (!rx[k]!.test(number)) continue;
      let s = 0;
      const lits = route.regexLiterals[k]!;
      for (let i = 0; i < lits.length; i++) if (lits[i]!.length > s && number.startsWith(lits[i]!)) s = lits[i]!.length;
      if (s > spec) spec = s;
    }
    return spec;
  }

  /**
   * The order carriers are tried in, into `order` (positions in the shape's candidate list). Static strategies: as compiled.
   * weighted: repeatedly draw one of the remaining weighted candidates with probability
   * weight / Σ remaining weights (one random() per draw, first candidate in stored order whose
   * cumulative weight exceeds random()·Σ), then unweighted ones in stored (LCR) order.
   * round-robin: stored order rotated by a per-table counter. random: Fisher–Yates from the end,
   * j = ⌊random()·(i+1)⌋.
   */
  private orderCandidates(table: TableInfo, t: number, candAt: number, n: number, order: Int32Array, trace: string[] | null): void {
    const cands = this.artefact.lists;
    for (let k = 0; k < n; k++) order[k] = k;
    if (n < 2) return;
    const s = table.strategy;
    if (s === STRAT_WEIGHTED && table.weights) {
      const w = table.weights;
      const viewDeck = this.viewDeck;
      let placed = 0;
      for (;;) {
        let total = 0;
        for (let k = placed; k < n; k++) total += w[viewDeck[cands[candAt + 1 + order[k]!]!]!]!;
        if (total <= 0) break;
        const x = this.random() * total;
        let acc = 0;
        let pick = -1;
        let lastWeighted = -1;
        for (let k = placed; k < n; k++) {
          const wk = w[viewDeck[cands[candAt + 1 + order[k]!]!]!]!;
          if (wk <= 0) continue;
          lastWeighted = k;
          acc += wk;
          if (acc > x) { pick = k; break; }
        }
        if (pick < 0) pick = lastWeighted;
        const chosen = order[pick]!;
        for (let k = pick; k > placed; k--) order[k] = order[k - 1]!;
        order[placed++] = chosen;
      }
      if (trace) trace.push('strategy weighted: order drawn by weight');
    } else if (s === STRAT_RR) {
      const start = this.rr[t]! % n;
      this.rr[t] = (this.rr[t]! + 1) >>> 0;
      if (start > 0) {
        for (let k = 0; k < n; k++) order[k] = (start + k) % n;
      }
      if (trace) trace.push(`strategy round-robin: rotation ${start}`);
    } else if (s === STRAT_RANDOM) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        const x = order[i]!;
        order[i] = order[j]!;
        order[j] = x;
      }
      if (trace) trace.push('strategy random: order shuffled');
    } else if (trace) {
      trace.push(`strategy ${F.STRATEGIES[s]}: compiled order`);
    }
  }

  /** Gateway (index within the carrier) for this call, or -1. */
  /**
   * microsText of a margin, remembered in a direct-mapped cache (a network's margins repeat from
   * call to call; a slot holds the last amount that hashed to it).
   */
  private marginText(micros: number): string {
    const slot = Math.imul(micros | 0, 0x9e3779b1) >>> 20; // 12 bits
    if (this.marginKey[slot] === micros) return this.marginTexts[slot]!;
    const text = microsText(micros);
    this.marginKey[slot] = micros;
    this.marginTexts[slot] = text;
    return text;
  }

  private pickGateway(carrier: CarrierInfo, q: CallQuery, to: string, from: string): number {
    const cr = carrier.cr;
    if (cr === null) return -1;
    if (carrier.distribution === 0) {
      const g = crSelectRandom(cr, this.random);
      return g >= 0 && this.gatewayEnabled[carrier.gatewayFirst + g] === 1 ? g : -1;
    }
    if (carrier.fixedPick !== CR_DEPENDS) return carrier.fixedPick;
    // One CRC per source and call, however many carriers hash over it.
    const source = carrier.distribution;
    let hash: number;
    if (this.hashesKnown & (1 << source)) hash = this.hashes[source]!;
    else {
      switch (source) {
        case 1: hash = crc32FirstToken(typeof q.callId === 'string' ? q.callId : ''); break;
        case 2: hash = crc32Ascii(typeof q.fromUri === 'string' ? q.fromUri : from); break;
        case 3: hash = crc32Ascii(from); break;
        case 4: hash = crc32Ascii(typeof q.toUri === 'string' ? q.toUri : to); break;
        default: hash = crc32Ascii(typeof q.to === 'string' ? q.to : to); break;
      }
      this.hashes[source] = hash;
      this.hashesKnown |= 1 << source;
    }
    const g = crSelectByHash(cr, hash);
    // carrierroute sends a disabled rule's calls to its backup whatever the backup's own state;
    // a backup an operator has disabled too must not get calls, so such a pick is no gateway.
    return g >= 0 && this.gatewayEnabled[carrier.gatewayFirst + g] === 1 ? g : -1;
  }

  private cardId(card: number): string {
    return this.strs[this.artefact.cards[card * F.CARD.width + F.CARD.at.id]!]!;
  }

  /** Explain only: what the route's static filters did to the card's parents at this prefix. */
  private traceStaticFilters(t: number, shape: number, trace: string[]): void {
    const a = this.artefact;
    const T = F.TABLE;
    const tb = t * T.width;
    const card = a.tables[tb + T.at.card]!;
    const parents = a.list(a.cards[card * F.CARD.width + F.CARD.at.parents]!);
    const lock = a.list(a.tables[tb + T.at.lock]!);
    const exclude = a.list(a.tables[tb + T.at.exclude]!);
    const locked = (a.tables[tb + T.at.flags]! & F.TABLE_LOCK) !== 0;
    const candAt = a.shapeCandidates(shape);
    const kept = new Set<number>();
    for (const view of a.list(candAt)) kept.add(this.viewDeck[view]!);
    const guards: string[] = [];
    const pcr = a.tables[tb + T.at.providerCappedRate]!;
    if (pcr !== F.NONE) guards.push(`provider capped rate ${this.moneyText[pcr]}`);
    if (a.tables[tb + T.at.flags]! & F.TABLE_BLOCK_CONNECT_COST) guards.push('block connect cost');
    if (a.tables[tb + T.at.flags]! & F.TABLE_PROFIT_ASSURANCE) guards.push(`profit assurance over ${a.tables[tb + T.at.maxDuration]} s`);
    const cap = a.tables[tb + T.at.cappedRate]!;
    if (cap !== F.NONE) trace.push(`capped rate ${this.moneyText[cap]}`);
    for (const d of parents) {
      const deck = this.deckId[d]!;
      if (kept.has(d)) { trace.push(`  candidate ${deck}: kept`); continue; }
      let why: string;
      if (locked && !lock.includes(d)) why = 'not in the lock list';
      else if (exclude.includes(d)) why = 'excluded';
      else if (guards.length > 0) why = `dropped by ${guards.join(' / ')}, or no rate for this prefix`;
      else why = 'no rate for this prefix';
      trace.push(`  candidate ${deck}: ${why}`);
    }
  }
}
