// Phase "diff": two routing states (artefacts — a source tree is built to one first, so both sides
// are judged by what the runtime will actually answer) → a semantic report: per ingress route (and
// its customer card), what happens to prefixes, sell rates, carrier order, filters, profitability,
// grouped by destination; plus configuration and access changes. Markdown and JSON are renderings.
import type { Artefact } from '../../runtime/artefact/decode.js';
import { formatMoney } from '../money.js';
import { diffConfig, snapshot, type ConfigChange, type RouteInfo } from './access.js';
import { ArtefactPair, ChangeStats, diffTables, type RateMove } from './tables.js';

export interface SideInfo {
  /** What the user named: a ref, a directory or a file. */
  label: string;
  kind: 'git' | 'directory' | 'artefact';
  /** Commit for a git ref. */
  commit?: string;
  serial: number;
  revision: string;
}

export interface MoveJson {
  prefix: string;
  destination: string;
  from: string;
  to: string;
  change: string;
  pct: number | null;
}

export interface StatsJson {
  changed: number;
  added: number;
  removed: number;
  up: number;
  down: number;
  medianChange: string | null;
  medianPct: number | null;
  largestUp: MoveJson | null;
  largestDown: MoveJson | null;
  firstPlace: { from: string | null; to: string | null; prefixes: number }[];
  candidatesAdded: { deck: string; prefixes: number }[];
  candidatesDropped: { deck: string; prefixes: number }[];
  newlyRejected: { reason: string; prefixes: number }[];
  rejectionsLifted: { reason: string; prefixes: number }[];
  newlyUnprofitable: number;
  unprofitableSamples: string[];
  costUp: number;
  costDown: number;
  backups: number;
  other: number;
}

export interface RouteDiffJson {
  /** `customer/route` of every route this group covers: they compile to the same table pair. */
  routes: string[];
  card: string;
  baseCard: string | null;
  currency: string;
  status: 'changed' | 'added' | 'removed';
  /** Prefixes held by either side. */
  prefixes: number;
  currencyChanged: boolean;
  /** Route filter and card settings that changed (why the table moved). */
  causes: string[];
  total: StatsJson;
  /** By destination name, most changed first. */
  destinations: (StatsJson & { name: string })[];
}

export interface DiffReport {
  format: 'dialplane-diff/1';
  base: SideInfo;
  head: SideInfo;
  /** Anything that changes what routing does or who may use it. */
  changed: boolean;
  summary: {
    routesChanged: number;
    prefixesChanged: number;
    added: number;
    removed: number;
    up: number;
    down: number;
    medianPct: number | null;
    firstPlaceMoves: number;
    newlyRejected: number;
    newlyUnprofitable: number;
    securityChanges: number;
    configChanges: number;
  };
  /** Sell-rate moves by size (prefix-weighted over every route), for the chart. */
  histogram: { label: string; count: number }[];
  config: ConfigChange[];
  routes: RouteDiffJson[];
}

/** Histogram buckets of percent change: upper bounds, exclusive except the last. */
const BUCKETS: [string, number][] = [
  ['< -20%', -20], ['-20 to -10%', -10], ['-10 to -5%', -5], ['-5 to -1%', -1], ['-1 to 0%', 0],
  ['0 to 1%', 1], ['1 to 5%', 5], ['5 to 10%', 10], ['10 to 20%', 20], ['> 20%', Infinity],
];

const round2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

function median(xs: Float64Array): number | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  // Even count: the mean of the two middle values, rounded half away from zero to a micro-unit.
  return s.length % 2 ? s[m]! : Math.sign(s[m - 1]! + s[m]!) * Math.round(Math.abs(s[m - 1]! + s[m]!) / 2);
}

function medianPct(xs: Float64Array): number | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return round2(s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2);
}

const signed = (micros: number) => (micros > 0 ? '+' : '') + formatMoney(micros);

function moveJson(m: RateMove | undefined): MoveJson | null {
  if (!m) return null;
  const pct = m.from === 0 ? null : round2(((m.to - m.from) / m.from) * 100);
  return { prefix: m.prefix, destination: m.destination, from: formatMoney(m.from), to: formatMoney(m.to), change: signed(m.to - m.from), pct };
}

const NONE = new Map<string, number>();
const entries = <K extends string>(m: Map<string, number> | undefined, key: K) =>
  [...(m ?? NONE)].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([k, n]) => ({ [key]: k, prefixes: n }) as { [P in K]: string } & { prefixes: number });

function statsJson(s: ChangeStats): StatsJson {
  const md = median(s.abs.values());
  return {
    changed: s.changed,
    added: s.added,
    removed: s.removed,
    up: s.up,
    down: s.down,
    medianChange: md === null ? null : signed(md),
    medianPct: medianPct(s.pct.values()),
    largestUp: moveJson(s.largestUp),
    largestDown: moveJson(s.largestDown),
    firstPlace: [...(s.firstPlace ?? NONE)].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([k, n]) => {
      const [from, to] = k.split('\u0000') as [string, string];
      return { from: from || null, to: to || null, prefixes: n };
    }),
    candidatesAdded: entries(s.candidatesAdded, 'deck'),
    candidatesDropped: entries(s.candidatesDropped, 'deck'),
    newlyRejected: entries(s.newlyRejected, 'reason'),
    rejectionsLifted: entries(s.rejectionsLifted, 'reason'),
    newlyUnprofitable: s.newlyUnprofitable,
    unprofitableSamples: s.unprofitableSamples,
    costUp: s.costUp,
    costDown: s.costDown,
    backups: s.backups,
    other: s.other,
  };
}

/** Prefixes either side's dial string can reach: the union, or null for any number. */
function reachOf(ra: RouteInfo | undefined, rb: RouteInfo | undefined): string[] | null {
  if ((ra && ra.reach === null) || (rb && rb.reach === null)) return null;
  return [...new Set([...(ra?.reach ?? []), ...(rb?.reach ?? [])])].sort();
}

/** A route and the table it compiles to on each side. */
interface Pairing { key: string; base?: RouteInfo; head?: RouteInfo }

export function diffArtefacts(a: Artefact, b: Artefact, base: SideInfo, head: SideInfo): DiffReport {
  const sa = snapshot(a), sb = snapshot(b);
  const config = diffConfig(sa, sb);
  const pair = new ArtefactPair(a, b);
  // Routes sharing one (base table, head table) pair share one comparison.
  const groups = new Map<string, Pairing[]>();
  for (const key of [...new Set([...sa.routes.keys(), ...sb.routes.keys()])].sort()) {
    const ra = sa.routes.get(key), rb = sb.routes.get(key);
    // Routes whose dial strings reach different numbers are compared apart even on one table.
    const reach = reachOf(ra, rb);
    const g = `${ra?.table ?? -1},${rb?.table ?? -1},${reach?.join(',') ?? '*'}`;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push({ key, ...(ra ? { base: ra } : {}), ...(rb ? { head: rb } : {}) });
  }
  const routes: RouteDiffJson[] = [];
  const allPct: Float64Array[] = [];
  const histogram = BUCKETS.map(([label]) => ({ label, count: 0 }));
  for (const members of groups.values()) {
    const first = members[0]!;
    const ra = first.base, rb = first.head;
    const currencyChanged = !!ra && !!rb && ra.currency !== rb.currency;
    const t = diffTables(pair, ra?.table ?? -1, rb?.table ?? -1, currencyChanged, reachOf(ra, rb));
    if (t.total.changed === 0 && ra && rb) continue;
    const causes: string[] = [];
    if (ra && rb) {
      for (const f of ['card', 'strategy', 'lock', 'exclude', 'blocked types', 'capped rate', 'provider capped rate', 'profit assurance', 'block connect cost', 'max duration']) {
        if (ra.fields[f] !== rb.fields[f]) causes.push(`${f}: ${ra.fields[f]} → ${rb.fields[f]}`);
      }
      const ca = sa.cards.get(ra.card), cb = sb.cards.get(rb.card);
      if (ca && cb && ra.card === rb.card) for (const k of Object.keys(cb)) if (ca[k] !== cb[k]) causes.push(`card ${rb.card} ${k}: ${ca[k]} → ${cb[k]}`);
    }
    const pct = t.total.pct.values();
    for (let k = 0; k < members.length; k++) allPct.push(pct);
    for (const p of pct) {
      let i = 0;
      while (i < BUCKETS.length - 1 && !(p < BUCKETS[i]![1])) i++;
      histogram[i]!.count += members.length;
    }
    const destinations = [...t.destinations]
      .map(([name, s]) => ({ name, ...statsJson(s) }))
      .sort((x, y) => y.changed - x.changed || (x.name < y.name ? -1 : 1));
    routes.push({
      routes: members.map((m) => m.key),
      card: (rb ?? ra)!.card,
      baseCard: ra && rb && ra.card !== rb.card ? ra.card : null,
      currency: (rb ?? ra)!.currency,
      status: !ra ? 'added' : !rb ? 'removed' : 'changed',
      prefixes: t.points,
      currencyChanged,
      causes,
      total: statsJson(t.total),
      destinations,
    });
  }
  routes.sort((x, y) => y.total.changed - x.total.changed || (x.routes[0]! < y.routes[0]! ? -1 : 1));
  // Route counts below count each route of a group: a reviewer thinks in routes, not tables.
  const sum = (f: (r: RouteDiffJson) => number) => routes.reduce((n, r) => n + f(r) * r.routes.length, 0);
  const joined = new Float64Array(allPct.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of allPct) { joined.set(x, at); at += x.length; }
  const summary = {
    routesChanged: routes.reduce((n, r) => n + r.routes.length, 0),
    prefixesChanged: sum((r) => r.total.changed),
    added: sum((r) => r.total.added),
    removed: sum((r) => r.total.removed),
    up: sum((r) => r.total.up),
    down: sum((r) => r.total.down),
    medianPct: medianPct(joined),
    firstPlaceMoves: sum((r) => r.total.firstPlace.reduce((n, f) => n + f.prefixes, 0)),
    newlyRejected: sum((r) => r.total.newlyRejected.reduce((n, f) => n + f.prefixes, 0)),
    newlyUnprofitable: sum((r) => r.total.newlyUnprofitable),
    securityChanges: config.filter((c) => c.security).length,
    configChanges: config.length,
  };
  return {
    format: 'dialplane-diff/1',
    base,
    head,
    changed: routes.length > 0 || config.length > 0,
    summary,
    histogram,
    config,
    routes,
  };
}
