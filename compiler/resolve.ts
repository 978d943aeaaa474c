// Phase "resolve": schema-valid documents become the RouteRepository model. Ids are indexed,
// references followed, money parsed exactly, addresses, time zones, durations and schedules
// checked, and the decks and lists behind documents loaded. Problems are diagnostics at the place
// that wrote them; a resolved repository is only used when the bag has no errors.
import path from 'node:path';
import type { DiagnosticBag, Location } from './diagnostics.js';
import type { DiagnosticCode } from './messages.js';
import { parseMoneyValue } from './money.js';
import { parseCidr } from './net.js';
import { closest } from './suggest.js';
import type { PathSegment, SourceDocument } from './source.js';
import { DeckBuilder, DESTINATION_TYPE_INDEX, type DeckRows } from './model/deck.js';
import * as M from './model/model.js';
import type * as T from '../schemas/types.js';
import { loadCsvDeck } from './load/deck-csv.js';
import { loadImeDeck } from './load/deck-ime.js';
import { loadListCsv } from './load/list-csv.js';

export const DEFAULT_REASONS: Record<M.ReasonKey, M.SipReason> = {
  ipNotAuthorised: { code: 403, reason: 'IP Not Authorised' },
  unknownUser: { code: 503, reason: 'Unknown User' },
  noIngressRoute: { code: 580, reason: 'No Route Available' },
  blockedByDialplan: { code: 503, reason: 'Blocked by Dialplan' },
  noRoutesPre: { code: 503, reason: 'No Routes Available (Pre)' },
  noRoutesLock: { code: 503, reason: 'No Routes Available (Lock)' },
  noRoutesProfitAssurance: { code: 503, reason: 'No Routes Available (Profit Assurance)' },
  rateCapped: { code: 503, reason: 'Rate Capped' },
  dncBlocked: { code: 503, reason: 'DNC Blocked' },
  destinationTypeBlocked: { code: 503, reason: 'Destination Type Blocked' },
  cliRejected: { code: 403, reason: 'CLI Not Allowed' },
  addressIncomplete: { code: 484, reason: 'Address Incomplete' },
  maxCps: { code: 503, reason: 'Server at max cps' },
  maxChannels: { code: 503, reason: 'Server at max channels' },
  noGateway: { code: 503, reason: 'No Routes Available (U)' },
};

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DEFAULT_MAX_DURATION = 4 * 3600;

export async function resolveRepository(root: string, documents: SourceDocument[], bag: DiagnosticBag): Promise<M.RouteRepository | undefined> {
  const r = new Resolver(root, bag);
  return r.run(documents);
}

class Resolver {
  private readonly repo: Omit<M.RouteRepository, 'network'> & { network?: M.Network };

  constructor(private readonly root: string, private readonly bag: DiagnosticBag) {
    this.repo = {
      root,
      carriers: new Map(), decks: new Map(), cards: new Map(), customers: new Map(),
      prefixSets: new Map(), numberLists: new Map(), schedules: new Map(), tests: new Map(),
    };
  }

  async run(documents: SourceDocument[]): Promise<M.RouteRepository | undefined> {
    const byKind = (kind: SourceDocument['kind']) => documents.filter((d) => d.kind === kind);
    const networkDoc = byKind('network')[0];
    if (!networkDoc) return undefined;
    this.repo.network = this.network(networkDoc);
    for (const doc of byKind('prefix-set')) await this.prefixSet(doc);
    for (const doc of byKind('number-list')) await this.numberList(doc);
    for (const doc of byKind('schedule')) this.schedule(doc);
    for (const doc of byKind('carrier')) this.carrier(doc);
    for (const doc of byKind('carrier-card')) await this.deck(doc);
    for (const doc of byKind('customer-card')) this.card(doc);
    for (const doc of byKind('customer')) this.customer(doc);
    for (const doc of byKind('route-test')) this.tests(doc);
    this.crossCustomerChecks();
    return this.repo as M.RouteRepository;
  }

  // ---------------------------------------------------------------- helpers

  private at(o: M.Origin, sub: PathSegment[] = [], part?: 'key' | 'value'): Location {
    return o.doc.locate([...o.path, ...sub], part);
  }

  private report(code: DiagnosticCode, o: M.Origin, sub: PathSegment[], message: string, related?: { o: M.Origin; sub?: PathSegment[]; message: string }[]): void {
    this.bag.report(code, this.at(o, sub), message, related?.map((r) => ({ ...this.at(r.o, r.sub ?? []), message: r.message })));
  }

  private money(o: M.Origin, sub: PathSegment[], value: T.Money | undefined, fallback = 0): number {
    if (value === undefined) return fallback;
    const parsed = parseMoneyValue(value, typeof value === 'number' ? o.doc.numberText([...o.path, ...sub]) : undefined);
    if (parsed.ok) return parsed.micros;
    this.report('DP3012', o, sub, `${sub.join('.')}: ${parsed.reason}`);
    return fallback;
  }

  private duration(o: M.Origin, sub: PathSegment[], value: T.Duration | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    let seconds: number;
    if (typeof value === 'number') seconds = value;
    else {
      const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value)!;
      seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
    }
    if (seconds <= 0 || seconds > 7 * 24 * 3600) {
      this.report('DP3017', o, sub, `${sub.join('.')}: duration ${JSON.stringify(value)} must be more than 0 and at most 7 days`);
      return fallback;
    }
    return seconds;
  }

  private timezone(o: M.Origin, sub: PathSegment[], tz: string | undefined, fallback: string): string {
    if (tz === undefined) return fallback;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return tz;
    } catch {
      this.report('DP3015', o, sub, `unknown time zone "${tz}"; use an IANA name such as "Europe/London"`);
      return fallback;
    }
  }

  /** Registers an id; a second definition is DP3001 pointing back at the first. */
  private claim<V extends M.Origin>(map: Map<string, V>, id: string, value: V, what: string, idPath: PathSegment[] = ['id']): boolean {
    const first = map.get(id);
    if (first) {
      this.report('DP3001', value, idPath, `duplicate ${what} id "${id}"`, [{ o: first, sub: idPath, message: `first defined here` }]);
      return false;
    }
    map.set(id, value);
    return true;
  }

  /** Checks that `id` names something in `map`; DP3002 with a suggestion otherwise. */
  private ref(map: Map<string, unknown>, id: string, o: M.Origin, sub: PathSegment[], what: string): boolean {
    if (map.has(id)) return true;
    const guess = closest(id, [...map.keys()]);
    this.report('DP3002', o, sub, `${what} "${id}" does not exist${guess ? `; did you mean "${guess}"?` : ''}`);
    return false;
  }

  private regex(o: M.Origin, sub: PathSegment[], source: string): boolean {
    try {
      new RegExp(source);
      return true;
    } catch (err) {
      this.report('DP3005', o, sub, `regular expression ${JSON.stringify(source)} does not compile: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
      return false;
    }
  }

  private dataPath(doc: SourceDocument, rel: string): { absPath: string; file: string } {
    const absPath = path.resolve(path.dirname(doc.absPath), rel);
    const file = path.relative(this.root, absPath).split(path.sep).join('/');
    return { absPath, file };
  }

  private limits(v: T.Limits | undefined): M.Limits {
    const out: M.Limits = {};
    if (v?.cps !== undefined) out.cps = v.cps;
    if (v?.cpsBurst !== undefined) out.cpsBurst = v.cpsBurst;
    if (v?.channels !== undefined) out.channels = v.channels;
    return out;
  }

  // ---------------------------------------------------------------- documents

  private network(doc: SourceDocument): M.Network {
    const v = doc.value as T.Network;
    const o: M.Origin = { doc, path: [] };
    const fx = new Map<string, number>();
    for (const [cur, rate] of Object.entries(v.fx ?? {})) {
      const micros = this.money(o, ['fx', cur], rate);
      if (micros <= 0) this.report('DP3012', o, ['fx', cur], `fx rate for ${cur} must be positive`);
      else fx.set(cur, micros);
    }
    return {
      ...o,
      name: v.name ?? 'dialplane network',
      currency: v.currency,
      timezone: this.timezone(o, ['timezone'], v.timezone, 'UTC'),
      maxTargets: v.maxTargets ?? 5,
      maxDurationSeconds: this.duration(o, ['maxDuration'], v.maxDuration, DEFAULT_MAX_DURATION),
      fx,
      reasons: { ...DEFAULT_REASONS, ...(v.reasons as Partial<Record<M.ReasonKey, M.SipReason>> | undefined) },
    };
  }

  private async prefixSet(doc: SourceDocument): Promise<void> {
    const v = doc.value as T.PrefixSet;
    const prefixes = await this.listEntries(doc, v.prefixes, v.file, 'prefix');
    this.claim(this.repo.prefixSets, v.id, { doc, path: [], id: v.id, name: v.name ?? v.id, prefixes }, 'prefix set');
  }

  private async numberList(doc: SourceDocument): Promise<void> {
    const v = doc.value as T.NumberList;
    const numbers = await this.listEntries(doc, v.numbers, v.file, 'number');
    this.claim(this.repo.numberLists, v.id, { doc, path: [], id: v.id, name: v.name ?? v.id, numbers }, 'number list');
  }

  /** A list document's inline entries plus its CSV file's, deduplicated and sorted. */
  private async listEntries(doc: SourceDocument, inline: string[] | undefined, csv: string | undefined, kind: 'prefix' | 'number'): Promise<string[]> {
    const entries = [...(inline ?? [])];
    if (csv) {
      const { absPath, file } = this.dataPath(doc, csv);
      const list = await loadListCsv({ absPath, file, kind, bag: this.bag });
      if (!list) this.report('DP1008', { doc, path: [] }, ['file'], `cannot read ${kind} file "${csv}"`);
      else entries.push(...list.values);
    }
    return [...new Set(entries)].sort();
  }

  private schedule(doc: SourceDocument): void {
    const v = doc.value as T.Schedule;
    const o: M.Origin = { doc, path: [] };
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    const windows: M.ScheduleWindow[] = [];
    v.windows.forEach((w, i) => {
      const from = minutes(w.from);
      const until = minutes(w.until);
      if (from === until) {
        this.report('DP3018', o, ['windows', i, 'until'], `window opens and closes at ${w.from}: it is never open (use "00:00" to "24:00" for a whole day)`);
        return;
      }
      windows.push({ days: w.days.map((d) => DAYS.indexOf(d)).sort(), from, until });
    });
    for (const key of ['validFrom', 'validUntil'] as const) {
      const d = v[key];
      if (d !== undefined && !isCalendarDate(d)) this.report('DP3018', o, [key], `${key} "${d}" is not a calendar date`);
    }
    if (v.validFrom && v.validUntil && v.validFrom > v.validUntil) {
      this.report('DP3018', o, ['validUntil'], `validUntil ${v.validUntil} is before validFrom ${v.validFrom}`);
    }
    const s: M.Schedule = {
      ...o,
      id: v.id,
      name: v.name ?? v.id,
      timezone: this.timezone(o, ['timezone'], v.timezone, this.repo.network!.timezone),
      precedence: v.precedence ?? 1,
      windows,
    };
    if (v.validFrom) s.validFrom = v.validFrom;
    if (v.validUntil) s.validUntil = v.validUntil;
    this.claim(this.repo.schedules, v.id, s, 'schedule');
  }

  private carrier(doc: SourceDocument): void {
    const v = doc.value as T.Carrier;
    const o: M.Origin = { doc, path: [] };
    const gateways = new Map<string, M.Gateway>();
    const hashIndexes = new Map<number, M.Gateway>();
    v.gateways.forEach((g, i) => {
      const go: M.Origin = { doc, path: ['gateways', i] };
      const gw: M.Gateway = {
        ...go,
        id: g.id,
        host: g.host,
        port: g.port ?? (g.transport === 'tls' ? 5061 : 5060),
        transport: g.transport ?? 'udp',
        weight: g.weight ?? 1,
        hashIndex: g.hashIndex ?? i + 1,
        enabled: g.enabled ?? true,
        limits: this.limits(g.limits),
      };
      if (g.backup !== undefined) gw.backup = g.backup;
      if (this.claim(gateways, g.id, gw, 'gateway')) {
        const other = hashIndexes.get(gw.hashIndex);
        if (other) this.report('DP3006', go, g.hashIndex !== undefined ? ['hashIndex'] : [], `gateway "${g.id}" has hash index ${gw.hashIndex}, already used by gateway "${other.id}": hash distribution needs one index per gateway`, [{ o: other, message: 'the other gateway' }]);
        else hashIndexes.set(gw.hashIndex, gw);
      }
    });
    for (const gw of gateways.values()) {
      if (gw.backup === undefined) continue;
      if (!this.ref(gateways, gw.backup, gw, ['backup'], `backup gateway of carrier "${v.id}"`)) continue;
      const backup = gateways.get(gw.backup)!;
      if (backup === gw) this.report('DP3016', gw, ['backup'], `gateway "${gw.id}" cannot be its own backup`);
      else if (!backup.enabled) this.report('DP3016', gw, ['backup'], `backup gateway "${backup.id}" is itself disabled, so it can never take "${gw.id}"'s calls`, [{ o: backup, sub: ['enabled'], message: 'disabled here' }]);
    }
    let distribution: M.Carrier['distribution'] = { method: 'weighted' };
    if (v.distribution?.method === 'hash') {
      const src = v.distribution.hashSource;
      if (src !== undefined && (M.HASH_SOURCES as readonly string[]).includes(src)) {
        distribution = { method: 'hash', hashSource: src as M.HashSource };
      } else {
        const guess = src === undefined ? undefined : closest(src.replace(/_/g, '-'), M.HASH_SOURCES);
        this.report('DP3011', o, src === undefined ? ['distribution'] : ['distribution', 'hashSource'],
          src === undefined ? 'hash distribution needs a hashSource: one of ' + M.HASH_SOURCES.join(', ')
            : `unknown hash source "${src}"; expected one of ${M.HASH_SOURCES.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`);
      }
    } else if (v.distribution?.hashSource !== undefined) {
      this.report('DP3011', o, ['distribution', 'hashSource'], 'hashSource is only used with method: hash');
    }
    const c: M.Carrier = {
      ...o,
      id: v.id,
      name: v.name ?? v.id,
      enabled: v.enabled ?? true,
      gateways: [...gateways.values()],
      distribution,
      limits: this.limits(v.limits),
      egress: { strip: v.egress?.strip ?? 0, prefix: v.egress?.prefix ?? '', suffix: v.egress?.suffix ?? '', techPrefix: v.egress?.techPrefix ?? '' },
      failover: { codes: v.failover?.codes ?? ['5xx', '408'], stopCodes: v.failover?.stopCodes ?? [] },
    };
    this.claim(this.repo.carriers, v.id, c, 'carrier');
  }

  private async deck(doc: SourceDocument): Promise<void> {
    const v = doc.value as T.CarrierCard;
    const o: M.Origin = { doc, path: [] };
    this.ref(this.repo.carriers, v.carrier, o, ['carrier'], 'carrier');
    const defaults = {
      connectFee: this.money(o, ['defaults', 'connectFee'], v.defaults?.connectFee),
      initial: v.defaults?.billing?.initial ?? 60,
      increment: v.defaults?.billing?.increment ?? 60,
      type: DESTINATION_TYPE_INDEX.get(v.defaults?.type ?? 'fixed')!,
    };
    const { absPath, file } = this.dataPath(doc, v.source.file);
    let rows: DeckRows | undefined;
    let techPrefix: string | undefined;
    const format = v.source.format === 'ime' ? 'ime' : 'csv';
    if (v.source.format === 'ime') {
      const loaded = await loadImeDeck({
        absPath, file, source: v.source, defaults, bag: this.bag,
        onMissingCard: (message, cards) => this.bag.report('DP1022', this.at(o, (v.source as T.ImeSource).card !== undefined ? ['source', 'card'] : ['source']), message, [{ ...cards, message: 'cards of the document' }]),
      });
      if (loaded) {
        rows = loaded.rows;
        techPrefix = loaded.techPrefix;
        if (loaded.currency && loaded.currency !== v.currency) {
          this.report('DP3010', o, ['currency'], `card says ${v.currency} but the Interconnect-Made-Easy card "${loaded.cardKey}" in ${file} is priced in ${loaded.currency}`);
        }
      }
    } else {
      rows = await loadCsvDeck({
        absPath, file, source: v.source as T.CsvSource, defaults, bag: this.bag,
        onMissingColumn: (field, _name, message, header) => this.bag.report('DP1015', this.at(o, ['source', 'columns', field]), message, [{ ...header, message: 'header row' }]),
      });
    }
    if (!rows) {
      this.report('DP1008', o, ['source', 'file'], `cannot read deck file "${v.source.file}" (${file})`);
      // Still register the card (empty), so references to it are not reported as missing too.
      rows = new DeckBuilder(0).finish();
    }
    const deck: M.Deck = { ...o, id: v.id, name: v.name ?? v.id, carrier: v.carrier, currency: v.currency, dataFile: file, format, rows };
    if (techPrefix) deck.techPrefix = techPrefix;
    this.claim(this.repo.decks, v.id, deck, 'carrier rate card');
  }

  private card(doc: SourceDocument): void {
    const v = doc.value as T.CustomerCard;
    const o: M.Origin = { doc, path: [] };
    const network = this.repo.network!;
    const currency = v.currency ?? network.currency;
    v.parents.forEach((id, i) => {
      if (!this.ref(this.repo.decks, id, o, ['parents', i], 'carrier rate card')) return;
      const deck = this.repo.decks.get(id)!;
      if (deck.currency === currency) return;
      const missing = [deck.currency, currency].filter((c) => c !== network.currency && !network.fx.has(c));
      if (missing.length > 0) {
        this.report('DP3010', o, ['parents', i], `parent "${id}" is priced in ${deck.currency} and this card in ${currency}, but network fx has no rate for ${missing.join(' and ')}`,
          [{ o: deck, sub: ['currency'], message: `currency of "${id}"` }]);
      }
    });
    const strategy = v.strategy ?? 'lcr';
    const parents = new Set(v.parents);
    const priority = v.priority ?? [];
    priority.forEach((id, i) => {
      if (!parents.has(id)) this.report('DP3019', o, ['priority', i], `priority lists "${id}", which is not a parent of this card (parents: ${v.parents.join(', ')})`);
    });
    if (strategy === 'priority' && priority.length === 0) this.report('DP3019', o, ['strategy'], 'strategy priority needs a priority list of parent card ids');
    if (strategy !== 'priority' && v.priority) this.report('DP3019', o, ['priority'], `a priority list is only used with strategy priority (strategy is ${strategy})`);
    const weights = new Map<string, number>();
    for (const [id, w] of Object.entries(v.weights ?? {})) {
      if (!parents.has(id)) this.report('DP3019', o, ['weights', id], `weights name "${id}", which is not a parent of this card`, undefined);
      else if (!Number.isFinite(w) || w < 0) this.report('DP3006', o, ['weights', id], `weight ${w} for "${id}" must be a finite number ≥ 0`);
      else weights.set(id, w);
    }
    if (strategy === 'weighted') {
      const total = [...weights.values()].reduce((a, b) => a + b, 0);
      if (!v.weights) this.report('DP3019', o, ['strategy'], 'strategy weighted needs weights per parent card');
      else if (!(total > 0) || !Number.isFinite(total)) this.report('DP3006', o, ['weights'], `weights sum to ${total}: they cannot be normalised into shares of traffic`);
    } else if (v.weights) {
      this.report('DP3019', o, ['weights'], `weights are only used with strategy weighted (strategy is ${strategy})`);
    }
    const overrides: M.Override[] = [];
    const seenOverride = new Map<string, number>();
    (v.overrides ?? []).forEach((ov, i) => {
      const sub = ['overrides', i];
      const first = seenOverride.get(ov.prefix);
      if (first !== undefined) {
        this.report('DP3001', o, [...sub, 'prefix'], `override for prefix ${ov.prefix} is given twice`, [{ o, sub: ['overrides', first, 'prefix'], message: 'first override' }]);
        return;
      }
      seenOverride.set(ov.prefix, i);
      const item: M.Override = { prefix: ov.prefix, rate: this.money(o, [...sub, 'rate'], ov.rate), path: sub };
      if (ov.connectFee !== undefined) item.connectFee = this.money(o, [...sub, 'connectFee'], ov.connectFee);
      if (ov.destination !== undefined) item.destination = ov.destination;
      overrides.push(item);
    });
    const percent = v.markup?.percent;
    const c: M.CustomerCard = {
      ...o,
      id: v.id,
      name: v.name ?? v.id,
      currency,
      parents: v.parents,
      compact: v.compact,
      // Percent is read with money's exact parser: 12.5 (%) → 12_500_000 micro-percent.
      markup: {
        percentMicros: this.money(o, ['markup', 'percent'], percent),
        fixed: this.money(o, ['markup', 'fixed'], v.markup?.fixed),
        floor: this.money(o, ['markup', 'floor'], v.markup?.floor),
      },
      billing: v.billing ?? { initial: 1, increment: 1 },
      connectFee: this.money(o, ['connectFee'], v.connectFee),
      strategy,
      priority,
      weights,
      overrides,
    };
    this.claim(this.repo.cards, v.id, c, 'customer rate card');
  }

  private customer(doc: SourceDocument): void {
    const v = doc.value as T.Customer;
    const o: M.Origin = { doc, path: [] };
    const ips: M.Cidr[] = [];
    (v.auth.ips ?? []).forEach((text, i) => {
      const parsed = parseCidr(text);
      if (!parsed.ok) {
        this.report('DP3014', o, ['auth', 'ips', i], `${parsed.reason}${parsed.suggestion ? `; did you mean "${parsed.suggestion}"?` : ''}`);
        return;
      }
      ips.push({ address: parsed.address, family: parsed.family, prefixLength: parsed.prefixLength, text, path: ['auth', 'ips', i] });
    });
    const users: M.SipUser[] = (v.auth.users ?? []).map((u, i) => ({ username: u.username, realm: u.realm ?? '', ha1: u.ha1, path: ['auth', 'users', i] }));
    if (ips.length === 0 && users.length === 0 && (v.auth.ips ?? []).length === 0) {
      this.report('DP2001', o, ['auth'], 'auth needs at least one IP/CIDR or SIP user, or no call can ever be attributed to this customer');
    }
    const allow = v.cli?.allow ?? [];
    allow.forEach((re, i) => this.regex(o, ['cli', 'allow', i], re));
    const routes = new Map<string, M.IngressRoute>();
    v.routes.forEach((rt, i) => {
      const ro: M.Origin = { doc, path: ['routes', i] };
      const route = this.route(v.id, ro, rt);
      this.claim(routes, rt.id, route, `ingress route of customer "${v.id}"`);
    });
    const cli: M.Customer['cli'] = { allow };
    if (v.cli?.force !== undefined) cli.force = v.cli.force;
    const c: M.Customer = {
      ...o,
      id: v.id,
      name: v.name ?? v.id,
      enabled: v.enabled ?? true,
      ips,
      users,
      limits: this.limits(v.limits),
      cli,
      routes: [...routes.values()],
    };
    this.claim(this.repo.customers, v.id, c, 'customer');
  }

  private route(customer: string, o: M.Origin, v: T.IngressRoute): M.IngressRoute {
    this.ref(this.repo.cards, v.card, o, ['card'], 'customer rate card');
    const refs = (list: string[] | undefined, sub: string, map: Map<string, unknown>, what: string) => {
      (list ?? []).forEach((id, i) => this.ref(map, id, o, [sub, i], what));
      return list ?? [];
    };
    const lock = refs(v.lock, 'lock', this.repo.decks, 'carrier rate card');
    const exclude = refs(v.exclude, 'exclude', this.repo.decks, 'carrier rate card');
    const dnc = refs(v.dnc, 'dnc', this.repo.numberLists, 'number list');
    const prefixSets = (v.dial?.prefixSets ?? []).filter((id, i) => this.ref(this.repo.prefixSets, id, o, ['dial', 'prefixSets', i], 'prefix set'));
    const regex = (v.dial?.regex ?? []).map((source, i) => ({ source, path: ['dial', 'regex', i] as PathSegment[] })).filter((r) => this.regex(o, r.path, r.source));
    if (v.schedule !== undefined) this.ref(this.repo.schedules, v.schedule, o, ['schedule'], 'schedule');
    const card = this.repo.cards.get(v.card);
    if (card) {
      const parents = new Set(card.parents);
      lock.forEach((id, i) => {
        if (this.repo.decks.has(id) && !parents.has(id)) this.report('DP3019', o, ['lock', i], `lock names "${id}", which is not a parent of card "${card.id}": it can never carry this route's calls`);
      });
    }
    const route: M.IngressRoute = {
      ...o,
      id: v.id,
      customer,
      enabled: v.enabled ?? true,
      techPrefix: v.techPrefix ?? '',
      dial: { any: v.dial === undefined, prefixes: v.dial?.prefixes ?? [], regex, prefixSets },
      card: v.card,
      profitAssurance: v.profitAssurance ?? false,
      blockConnectCost: v.blockConnectCost ?? false,
      maxDurationSeconds: this.duration(o, ['maxDuration'], v.maxDuration, this.repo.network!.maxDurationSeconds),
      limits: this.limits(v.limits),
      lock,
      exclude,
      dnc,
      blockTypes: (v.blockTypes ?? []).map((t) => DESTINATION_TYPE_INDEX.get(t)!),
      numberActions: { called: v.numberActions?.called ?? [], calling: v.numberActions?.calling ?? [] },
    };
    if (v.dial && route.dial.prefixes.length + (v.dial.regex ?? []).length + (v.dial.prefixSets ?? []).length === 0) {
      this.report('DP3019', o, ['dial'], 'dial string lists no prefixes, patterns or prefix sets, so it accepts nothing; omit dial to accept every number');
    }
    if (v.strategy !== undefined) route.strategy = v.strategy;
    if (v.cappedRate !== undefined) route.cappedRate = this.money(o, ['cappedRate'], v.cappedRate);
    if (v.providerCappedRate !== undefined) route.providerCappedRate = this.money(o, ['providerCappedRate'], v.providerCappedRate);
    if (v.schedule !== undefined) route.schedule = v.schedule;
    return route;
  }

  private tests(doc: SourceDocument): void {
    const v = doc.value as T.RouteTest;
    const o: M.Origin = { doc, path: [] };
    v.cases.forEach((c, i) => {
      const sub: PathSegment[] = ['cases', i, 'expect'];
      if (c.expect.customer !== undefined) this.ref(this.repo.customers, c.expect.customer, o, [...sub, 'customer'], 'customer');
      (c.expect.carriers ?? []).forEach((id, j) => this.ref(this.repo.carriers, id, o, [...sub, 'carriers', j], 'carrier'));
      (c.expect.cards ?? []).forEach((id, j) => this.ref(this.repo.decks, id, o, [...sub, 'cards', j], 'carrier rate card'));
      if (c.expect.sell !== undefined) this.money(o, [...sub, 'sell'], c.expect.sell);
    });
    this.claim(this.repo.tests, v.id, { ...o, id: v.id, name: v.name ?? v.id, value: v }, 'route test suite');
  }

  /** Checks spanning customers: one SIP username for one customer. */
  private crossCustomerChecks(): void {
    const users = new Map<string, { c: M.Customer; u: M.SipUser }>();
    for (const c of this.repo.customers.values()) {
      for (const u of c.users) {
        const key = `${u.username}@${u.realm}`;
        const first = users.get(key);
        if (first && first.c !== c) {
          this.report('DP3020', c, u.path, `username "${u.username}"${u.realm ? ` (realm ${u.realm})` : ''} already belongs to customer "${first.c.id}"`, [{ o: first.c, sub: first.u.path, message: 'first used here' }]);
        } else if (!first) users.set(key, { c, u });
      }
    }
  }
}

function isCalendarDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}
