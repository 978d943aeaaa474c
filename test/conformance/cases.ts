// The shared conformance suite: decision cases run by test/conformance.test.ts against every
// implementation of "Deciding a call" — the plain reference over the RouteRepository
// (test/reference/semantics.ts `referenceDecide`) and the runtime Router over the compiled
// artefact. Each case builds a small repository, optionally disables gateways, and places calls at
// given monotonic times; every implementation must give the same decision, and that decision must
// meet the case's expectations. Skipped cases say why (Hono-style).
import type * as M from '../../compiler/model/model.js';
import type { CallQuery, Decision } from '../../runtime/engine/decision.js';
import { card, carrier, customer, deck, fakeDoc, repository, route, type RowSpec } from '../reference/build-repo.js';

export interface ConformanceCall {
  query: CallQuery;
  /** Monotonic ms of the call (CPS). Default 0. */
  now?: number;
  expect: Partial<{
    status: number;
    reason: string;
    customer: string;
    route: string;
    carriers: string[];
    gateways: string[];
    cards: string[];
    sell: string;
    destination: string;
    maxDuration: number;
    number: string;
    cli: string;
    /** User part of the first target's URI. */
    firstUser: string;
    uri: string;
    dropped: string[];
  }>;
}

export interface ConformanceCase {
  name: string;
  repo: () => M.RouteRepository;
  /** [carrier, gateway] pairs an admin disables before the calls. */
  disable?: [string, string][];
  /** Random numbers handed out in order (cycled); default a fixed sequence. */
  random?: number[];
  calls: ConformanceCall[];
  /** Why the case is skipped, if it is. */
  skip?: string;
}

// ------------------------------------------------------------------ building blocks

const A_ROWS: RowSpec[] = [
  { prefix: '44', rate: 10_000, destination: 'UK' },
  { prefix: '447', rate: 20_000, type: 'mobile', destination: 'UK mobile' },
  { prefix: '449', rate: 300_000, type: 'premium', destination: 'UK premium' },
  { prefix: '49', rate: 12_000, destination: 'Germany' },
  { prefix: '1', rate: 5_000, destination: 'USA' },
];
const B_ROWS: RowSpec[] = [
  { prefix: '44', rate: 11_000, destination: 'United Kingdom' },
  { prefix: '447', rate: 15_000, type: 'mobile', destination: 'United Kingdom mobile' },
  { prefix: '4930', rate: 9_000, destination: 'Berlin' },
  { prefix: '1', rate: 6_000, connectFee: 10_000, destination: 'USA' },
];
const C_ROWS: RowSpec[] = [
  { prefix: '44', rate: 12_000, destination: 'UK' },
  { prefix: '447', rate: 25_000, type: 'mobile', destination: 'UK mobile' },
  { prefix: '49', rate: 8_000, destination: 'Germany' },
];

/** Three carriers a, b, c with one deck each (da, db, dc), a card over all three, one customer. */
function base(opts: {
  card?: Partial<M.CustomerCard>;
  routes?: M.IngressRoute[];
  customers?: M.Customer[];
  tweak?: (r: M.RouteRepository) => void;
} = {}): M.RouteRepository {
  const repo = repository({
    decks: [deck('da', 'a', A_ROWS), deck('db', 'b', B_ROWS), deck('dc', 'c', C_ROWS)],
    cards: [card('all', ['da', 'db', 'dc'], { markup: { percentMicros: 10_000_000, fixed: 0, floor: 0 }, ...opts.card })],
    customers: opts.customers ?? [customer('acme', opts.routes ?? [route('any', 'acme', 'all')], ['198.51.100.0/24'])],
  });
  opts.tweak?.(repo);
  return repo;
}

function schedule(id: string, precedence: number, windows: M.ScheduleWindow[], timezone = 'Europe/London'): M.Schedule {
  return { doc: fakeDoc('schedule', `schedules/${id}.yaml`), path: [], id, name: id, timezone, precedence, windows };
}
const WEEKDAYS = [0, 1, 2, 3, 4];
const TUE_10_UTC = Date.parse('2026-03-03T10:00:00Z');
const SAT_10_UTC = Date.parse('2026-03-07T10:00:00Z');
const JUL_TUE_1730_UTC = Date.parse('2026-07-07T17:30:00Z'); // 18:30 BST

const call = (to: string, extra: Partial<CallQuery> = {}): CallQuery => ({ src: '198.51.100.7', to, from: '442079460000', callId: 'c1@test', at: TUE_10_UTC, ...extra });

function gateways(c: M.Carrier, spec: { id: string; weight?: number; hashIndex?: number; enabled?: boolean; backup?: string; cps?: number; host?: string }[]): void {
  c.gateways = spec.map((g, i) => ({
    doc: c.doc, path: ['gateways', i], id: g.id, host: g.host ?? `192.0.2.${10 + i}`, port: 5060, transport: 'udp' as const,
    weight: g.weight ?? 1, hashIndex: g.hashIndex ?? i + 1, enabled: g.enabled ?? true, ...(g.backup ? { backup: g.backup } : {}),
    limits: g.cps ? { cps: g.cps } : {},
  }));
}

// ------------------------------------------------------------------ the cases

export const cases: ConformanceCase[] = [
  // --- authentication
  {
    name: 'a source inside the customer network is that customer; outside is 403 IP Not Authorised',
    repo: () => base(),
    calls: [
      { query: call('442079460000'), expect: { status: 302, customer: 'acme', route: 'any' } },
      { query: call('442079460000', { src: '198.51.101.7' }), expect: { status: 403, reason: 'IP Not Authorised' } },
      { query: call('442079460000', { src: 'not-an-ip' }), expect: { status: 403 } },
    ],
  },
  {
    name: 'the most specific CIDR wins: /25 inside /24 belongs to another customer',
    repo: () => base({
      customers: [customer('wide', [route('r', 'wide', 'all')], ['198.51.100.0/24']), customer('narrow', [route('r', 'narrow', 'all')], ['198.51.100.128/25'])],
    }),
    calls: [
      { query: call('4930123', { src: '198.51.100.7' }), expect: { customer: 'wide' } },
      { query: call('4930123', { src: '198.51.100.200' }), expect: { customer: 'narrow' } },
    ],
  },
  {
    name: 'IPv6 and IPv4-mapped IPv6 sources authenticate',
    repo: () => base({ customers: [customer('v6', [route('r', 'v6', 'all')], ['2001:db8::/32', '203.0.113.9'])] }),
    calls: [
      { query: call('4930123', { src: '2001:db8::1' }), expect: { customer: 'v6' } },
      { query: call('4930123', { src: '::ffff:203.0.113.9' }), expect: { customer: 'v6' } },
      { query: call('4930123', { src: '2001:db9::1' }), expect: { status: 403 } },
    ],
  },
  {
    name: 'an unknown source falls back to the SIP username; an unknown user is 503 Unknown User',
    repo: () => base({
      tweak: (r) => r.customers.get('acme')!.users.push({ username: 'alice', realm: 'x', ha1: '0'.repeat(32), path: [] }),
    }),
    calls: [
      { query: call('4930123', { src: '192.0.2.1', user: 'alice' }), expect: { status: 302, customer: 'acme' } },
      { query: call('4930123', { src: '192.0.2.1', user: 'mallory' }), expect: { status: 503, reason: 'Unknown User' } },
    ],
  },
  {
    name: 'customers sharing one IP are told apart by tech prefix, which is stripped',
    repo: () => base({
      customers: [
        customer('blue', [route('r', 'blue', 'all', { techPrefix: '7001' })], ['203.0.113.50']),
        customer('orchid', [route('r', 'orchid', 'all', { techPrefix: '7002' })], ['203.0.113.50']),
      ],
    }),
    calls: [
      { query: call('70014930123', { src: '203.0.113.50' }), expect: { customer: 'blue', number: '4930123', carriers: ['c', 'b', 'a'] } },
      { query: call('70024930123', { src: '203.0.113.50' }), expect: { customer: 'orchid' } },
      { query: call('4930123', { src: '203.0.113.50' }), expect: { status: 580, reason: 'No Route Available' } },
    ],
  },
  {
    name: 'a disabled customer does not authenticate',
    repo: () => base({ tweak: (r) => { r.customers.get('acme')!.enabled = false; } }),
    calls: [{ query: call('4930123'), expect: { status: 403 } }],
  },
  // --- route choice
  {
    name: 'longest tech prefix first; no route with a matching tech prefix is 580',
    repo: () => base({ routes: [route('plain', 'acme', 'all', { techPrefix: '' }), route('tp', 'acme', 'all', { techPrefix: '99' })] }),
    calls: [
      { query: call('994930123'), expect: { route: 'tp', number: '4930123' } },
      { query: call('4930123'), expect: { route: 'plain' } },
    ],
  },
  {
    name: 'dial specificity: a prefix 44 beats the catch-all, the regex ^447 beats the prefix 44',
    repo: () => base({
      routes: [
        route('rest', 'acme', 'all'),
        route('uk', 'acme', 'all', { dial: { any: false, prefixes: ['44'], regex: [], prefixSets: [] } }),
        route('ukmob', 'acme', 'all', { dial: { any: false, prefixes: [], regex: [{ source: '^447[0-9]+$', path: [] }], prefixSets: [] } }),
      ],
    }),
    calls: [
      { query: call('4930123'), expect: { route: 'rest' } },
      { query: call('442079460000'), expect: { route: 'uk' } },
      { query: call('447400123456'), expect: { route: 'ukmob' } },
    ],
  },
  {
    name: 'prefix sets count as prefixes; a number no dial string accepts is 503 Blocked by Dialplan',
    repo: () => base({
      routes: [route('eu', 'acme', 'all', { dial: { any: false, prefixes: [], regex: [], prefixSets: ['eu'] } })],
      tweak: (r) => r.prefixSets.set('eu', { doc: fakeDoc('prefix-set', 'prefix-sets/eu.yaml'), path: [], id: 'eu', name: 'eu', prefixes: ['49', '33'] }),
    }),
    calls: [
      { query: call('4930123'), expect: { status: 302, route: 'eu' } },
      { query: call('442079460000'), expect: { status: 503, reason: 'Blocked by Dialplan' } },
    ],
  },
  {
    name: 'schedules: the open route with the higher precedence wins, in the schedule\'s time zone',
    repo: () => base({
      routes: [
        route('offpeak', 'acme', 'all'),
        route('business', 'acme', 'all', { schedule: 'biz', lock: ['da'] }),
      ],
      tweak: (r) => r.schedules.set('biz', schedule('biz', 10, [{ days: WEEKDAYS, from: 8 * 60, until: 18 * 60 }])),
    }),
    calls: [
      { query: call('442079460000', { at: TUE_10_UTC }), expect: { route: 'business', carriers: ['a'] } },
      { query: call('442079460000', { at: SAT_10_UTC }), expect: { route: 'offpeak' } },
      { query: call('442079460000', { at: JUL_TUE_1730_UTC }), expect: { route: 'offpeak' } },
      { query: call('442079460000', { at: Date.parse('2026-07-07T16:30:00Z') }), expect: { route: 'business' } },
    ],
  },
  {
    name: 'every accepting route closed by its schedule is 580; a window past midnight wraps',
    repo: () => base({
      routes: [route('night', 'acme', 'all', { schedule: 'night' })],
      tweak: (r) => r.schedules.set('night', schedule('night', 1, [{ days: [4], from: 22 * 60, until: 6 * 60 }], 'UTC')),
    }),
    calls: [
      { query: call('4930123', { at: Date.parse('2026-03-06T23:00:00Z') }), expect: { status: 302 } }, // Friday 23:00
      { query: call('4930123', { at: Date.parse('2026-03-07T05:59:00Z') }), expect: { status: 302 } }, // Saturday 05:59
      { query: call('4930123', { at: Date.parse('2026-03-07T06:00:00Z') }), expect: { status: 580 } },
    ],
  },
  {
    name: 'a disabled route is never chosen',
    repo: () => base({ routes: [route('off', 'acme', 'all', { enabled: false, dial: { any: false, prefixes: ['49'], regex: [], prefixSets: [] } }), route('on', 'acme', 'all')] }),
    calls: [{ query: call('4930123'), expect: { route: 'on' } }],
  },
  // --- number checks
  {
    name: 'malformed numbers are 484 Address Incomplete, a leading + is accepted',
    repo: () => base(),
    calls: [
      { query: call('44abc'), expect: { status: 484, reason: 'Address Incomplete' } },
      { query: call(''), expect: { status: 484 } },
      { query: call('4'.repeat(40)), expect: { status: 484 } },
      { query: call('+4930123'), expect: { status: 302, number: '4930123' } },
    ],
  },
  {
    name: 'CLI rules: a CLI outside the allowed patterns is 403; a forced CLI replaces it, then calling actions',
    repo: () => base({
      customers: [
        customer('strict', [route('r', 'strict', 'all')], ['198.51.100.0/25']),
        customer('forced', [route('r', 'forced', 'all', { numberActions: { called: [], calling: ['PD2', 'PA0'] } })], ['198.51.100.128/25']),
      ],
      tweak: (r) => {
        r.customers.get('strict')!.cli = { allow: ['^44[0-9]{9,10}$'] };
        r.customers.get('forced')!.cli = { allow: [], force: '441632960001' };
      },
    }),
    calls: [
      { query: call('4930123', { src: '198.51.100.1', from: '442079460000' }), expect: { status: 302, cli: '442079460000' } },
      { query: call('4930123', { src: '198.51.100.1', from: '33123456789' }), expect: { status: 403, reason: 'CLI Not Allowed' } },
      { query: call('4930123', { src: '198.51.100.1', from: undefined }), expect: { status: 403 } },
      { query: call('4930123', { src: '198.51.100.200', from: '33123456789' }), expect: { status: 302, cli: '01632960001' } },
    ],
  },
  {
    name: 'a number on a do-not-call list of the route is 503 DNC Blocked',
    repo: () => base({
      routes: [route('r', 'acme', 'all', { dnc: ['dnc'] })],
      tweak: (r) => r.numberLists.set('dnc', { doc: fakeDoc('number-list', 'number-lists/dnc.yaml'), path: [], id: 'dnc', name: 'dnc', numbers: ['4930123', '12125550142'] }),
    }),
    calls: [
      { query: call('4930123'), expect: { status: 503, reason: 'DNC Blocked' } },
      { query: call('4930124'), expect: { status: 302 } },
    ],
  },
  {
    name: 'blocked destination types are refused with 503 Destination Type Blocked',
    repo: () => base({ routes: [route('r', 'acme', 'all', { blockTypes: [2] })] }),
    calls: [
      { query: call('449012345'), expect: { status: 503, reason: 'Destination Type Blocked', destination: 'UK premium' } },
      { query: call('447400123456'), expect: { status: 302 } },
    ],
  },
  // --- the card
  {
    name: 'LCR over every parent\'s longest matching prefix, sell = min + 10 %',
    repo: () => base(),
    calls: [
      // 4930…: c's 49 at 0.008, b's 4930 at 0.009, a's 49 at 0.012; destination from the longest row (b's 4930)
      { query: call('493012345'), expect: { carriers: ['c', 'b', 'a'], sell: '0.0088', destination: 'Berlin', cards: ['dc', 'db', 'da'] } },
      { query: call('447400123456'), expect: { carriers: ['b', 'a', 'c'], sell: '0.0165' } },
    ],
  },
  {
    name: 'no card prefix for the number is 503 No Routes Available (Pre)',
    repo: () => base(),
    calls: [{ query: call('61212345678'), expect: { status: 503, reason: 'No Routes Available (Pre)' } }],
  },
  {
    name: 'lock keeps only the listed decks; lock leaving none is 503 No Routes Available (Lock)',
    repo: () => base({
      routes: [
        route('locked', 'acme', 'all', { lock: ['da'] }),
        route('cjust', 'acme', 'all', { techPrefix: '9', lock: ['dc'] }),
      ],
    }),
    calls: [
      { query: call('442079460000'), expect: { carriers: ['a'] } },
      { query: call('91212555'), expect: { status: 503, reason: 'No Routes Available (Lock)' } },
    ],
  },
  {
    name: 'exclude drops the listed decks',
    repo: () => base({ routes: [route('r', 'acme', 'all', { exclude: ['db'] })] }),
    calls: [{ query: call('493012345'), expect: { carriers: ['c', 'a'] } }],
  },
  {
    name: 'capped rate: a sell rate above the cap is 503 Rate Capped',
    repo: () => base({ routes: [route('r', 'acme', 'all', { cappedRate: 11_000 })] }), // 449…: min 0.011 + 10 % = 0.0121 > 0.011
    calls: [
      { query: call('449012345'), expect: { status: 503, reason: 'Rate Capped' } },
      { query: call('4930123'), expect: { status: 302 } },
    ],
  },
  {
    name: 'provider capped rate and block connect cost drop carriers; none left is 503 No Routes Available (Profit Assurance)',
    repo: () => base({
      routes: [
        route('pcr', 'acme', 'all', { providerCappedRate: 11_000 }),
        route('bcc', 'acme', 'all', { techPrefix: '8', blockConnectCost: true }),
      ],
    }),
    calls: [
      { query: call('442079460000'), expect: { carriers: ['a', 'b'] } },
      { query: call('447400123456'), expect: { status: 503, reason: 'No Routes Available (Profit Assurance)' } },
      { query: call('812125550100'), expect: { carriers: ['a'] } },
    ],
  },
  {
    name: 'profit assurance drops carriers that lose money on some call length',
    repo: () => base({
      card: { markup: { percentMicros: 0, fixed: 0, floor: 0 }, compact: 'average', billing: { initial: 60, increment: 60 } },
      routes: [route('r', 'acme', 'all', { profitAssurance: true })],
    }),
    calls: [
      // average(10000, 11000, 12000) = 11000: a (10000) keeps, b equal keeps, c (12000) loses
      { query: call('442079460000'), expect: { carriers: ['a', 'b'], sell: '0.011' } },
    ],
  },
  {
    name: 'reverse LCR and priority order are static',
    repo: () => base({
      routes: [route('rev', 'acme', 'all', { strategy: 'reverse-lcr' }), route('pri', 'acme', 'all', { techPrefix: '5', strategy: 'priority' })],
      card: { priority: ['dc', 'da'] },
    }),
    calls: [
      { query: call('493012345'), expect: { carriers: ['a', 'b', 'c'] } },
      { query: call('5493012345'), expect: { carriers: ['c', 'a', 'b'] } },
    ],
  },
  // --- dynamic strategies
  {
    name: 'weighted: the first carrier is drawn by weight; unweighted ones follow in LCR order',
    repo: () => base({ card: { strategy: 'weighted', weights: new Map([['da', 1], ['dc', 3]]) } }),
    // Stored (LCR) order c, b, a; weights c 3, a 1, b none.
    // random() = 0.8: 0.8·4 = 3.2 ≥ c's 3 → a; then 0.8·3 = 2.4 < 3 → c; b (unweighted) last.
    random: [0.8],
    calls: [
      { query: call('493012345'), expect: { carriers: ['a', 'c', 'b'] } },
      { query: call('493012345'), expect: { carriers: ['a', 'c', 'b'] } },
    ],
  },
  {
    name: 'round robin rotates the candidates call by call',
    repo: () => base({ card: { strategy: 'round-robin' } }),
    calls: [
      { query: call('493012345'), expect: { carriers: ['c', 'b', 'a'] } },
      { query: call('493012345'), expect: { carriers: ['b', 'a', 'c'] } },
      { query: call('493012345'), expect: { carriers: ['a', 'c', 'b'] } },
      { query: call('493012345'), expect: { carriers: ['c', 'b', 'a'] } },
    ],
  },
  {
    name: 'random shuffles the candidates (Fisher–Yates)',
    repo: () => base({ card: { strategy: 'random' } }),
    random: [0.99, 0.0],
    calls: [{ query: call('493012345'), expect: { status: 302 } }, { query: call('493012345'), expect: { status: 302 } }],
  },
  // --- gateways
  {
    name: 'carrierroute hash over the Call-ID picks the gateway Kamailio would pick',
    repo: () => base({
      tweak: (r) => {
        const b = r.carriers.get('b')!;
        gateways(b, [{ id: 'g1', weight: 0.5 }, { id: 'g2', weight: 0.5 }]);
        b.distribution = { method: 'hash', hashSource: 'call-id' };
      },
    }),
    calls: [
      // crc32("abc") % 1000 = 578 ≥ g1's range [0, 500) → g2 (docs/sip.md)
      { query: call('493012345', { callId: 'abc' }), expect: { gateways: ['gw1', 'g2', 'gw1'] } },
      { query: call('493012345', { callId: '  abc  trailing' }), expect: { gateways: ['gw1', 'g2', 'gw1'] } },
      { query: call('493012345', { callId: 'x1' }), expect: { status: 302 } },
    ],
  },
  {
    name: 'weighted gateways use the same dice ranges with random numbers',
    repo: () => base({ tweak: (r) => gateways(r.carriers.get('b')!, [{ id: 'g1', weight: 1 }, { id: 'g2', weight: 3 }]) }),
    random: [0.1, 0.5, 0.5, 0.9, 0.5, 0.5],
    calls: [{ query: call('493012345') }, { query: call('493012345') }].map((c) => ({ ...c, expect: { status: 302 } })),
  },
  {
    name: 'a disabled gateway hands its calls to its backup; without a backup the carrier is dropped',
    repo: () => base({
      tweak: (r) => {
        gateways(r.carriers.get('b')!, [{ id: 'g1', enabled: false, backup: 'g2' }, { id: 'g2', weight: 0.000001 }]);
        gateways(r.carriers.get('c')!, [{ id: 'only', enabled: false }]);
      },
    }),
    calls: [{ query: call('493012345'), expect: { carriers: ['b', 'a'], gateways: ['g2', 'gw1'], dropped: ['no-gateway'] } }],
  },
  {
    name: 'an admin disabling a gateway (cr_deactivate_host) routes around it',
    repo: () => base(),
    disable: [['c', 'gw1']],
    calls: [{ query: call('493012345'), expect: { carriers: ['b', 'a'], dropped: ['no-gateway'] } }],
  },
  {
    name: 'a dropped candidate makes room under maxTargets for the next one, with its own cost',
    repo: () => base({ tweak: (r) => { r.network.maxTargets = 2; } }),
    disable: [['c', 'gw1']],
    calls: [{ query: call('493012345'), expect: { carriers: ['b', 'a'], dropped: ['no-gateway'] } }],
  },
  {
    name: 'a backup gateway an admin disabled too takes no calls: the carrier is dropped',
    repo: () => base({ tweak: (r) => gateways(r.carriers.get('b')!, [{ id: 'g1', enabled: false, backup: 'g2' }, { id: 'g2', weight: 0.000001 }]) }),
    disable: [['b', 'g2']],
    calls: [{ query: call('493012345'), expect: { carriers: ['c', 'a'], dropped: ['no-gateway'] } }],
  },
  {
    name: 'a disabled carrier is dropped',
    repo: () => base({ tweak: (r) => { r.carriers.get('b')!.enabled = false; } }),
    calls: [{ query: call('493012345'), expect: { carriers: ['c', 'a'], dropped: ['carrier-disabled'] } }],
  },
  {
    name: 'every candidate without a gateway is 503 No Routes Available (U)',
    repo: () => base({ routes: [route('r', 'acme', 'all', { lock: ['db'] })], tweak: (r) => gateways(r.carriers.get('b')!, [{ id: 'g', enabled: false }]) }),
    calls: [{ query: call('493012345'), expect: { status: 503, reason: 'No Routes Available (U)' } }],
  },
  // --- rewriting, limits, answer
  {
    name: 'egress strip/prefix/suffix/tech prefix and called number actions shape the target URI',
    repo: () => base({
      routes: [route('r', 'acme', 'all', { numberActions: { called: ['PA9'], calling: [] }, lock: ['db'] })],
      tweak: (r) => {
        r.carriers.get('b')!.egress = { strip: 2, prefix: '0', suffix: '#1', techPrefix: '3344#' };
        r.carriers.get('b')!.gateways[0]!.host = '2001:db8::7';
      },
    }),
    calls: [{ query: call('493012345'), expect: { number: '9493012345', uri: 'sip:3344#903012345#1@[2001:db8::7]:5060;transport=udp' } }],
  },
  {
    name: 'egress strip/prefix/suffix/tech prefix shape the target URI without number actions too',
    repo: () => base({
      routes: [route('r', 'acme', 'all', { lock: ['db'] }), route('s', 'acme', 'all', { techPrefix: '8', lock: ['dc'] })],
      tweak: (r) => {
        r.carriers.get('b')!.egress = { strip: 2, prefix: '0', suffix: '#1', techPrefix: '3344#' };
        r.decks.get('db')!.techPrefix = '77';
        r.carriers.get('c')!.egress = { strip: 20, prefix: '', suffix: '#9', techPrefix: '' };
      },
    }),
    calls: [
      { query: call('493012345'), expect: { number: '493012345', uri: 'sip:3344#7703012345#1@192.0.2.1:5060;transport=udp' } },
      { query: call('8493012345'), expect: { number: '493012345', uri: 'sip:#9@192.0.2.1:5060;transport=udp' } },
    ],
  },
  {
    name: 'a carrier card\'s own tech prefix (IME tech_prefix) follows the carrier\'s egress tech prefix',
    repo: () => base({
      routes: [route('r', 'acme', 'all', { lock: ['db'] })],
      tweak: (r) => {
        r.carriers.get('b')!.egress = { strip: 0, prefix: '', suffix: '', techPrefix: '12#' };
        r.decks.get('db')!.techPrefix = '77';
      },
    }),
    calls: [{ query: call('493012345'), expect: { firstUser: '12#77493012345', number: '493012345' } }],
  },
  {
    name: 'maxTargets from the network caps the targets; max duration comes from the route',
    repo: () => base({ routes: [route('r', 'acme', 'all', { maxDurationSeconds: 5400 })], tweak: (r) => { r.network.maxTargets = 2; } }),
    calls: [{ query: call('493012345'), expect: { carriers: ['c', 'b'], maxDuration: 5400 } }],
  },
  {
    name: 'customer CPS with a spike buffer: the burst passes, the next call is 503 Server at max cps, a refill admits again',
    repo: () => base({ tweak: (r) => { r.customers.get('acme')!.limits = { cps: 2, cpsBurst: 3 }; } }),
    calls: [
      { query: call('493012345'), now: 0, expect: { status: 302 } },
      { query: call('493012345'), now: 0, expect: { status: 302 } },
      { query: call('493012345'), now: 0, expect: { status: 302 } },
      { query: call('493012345'), now: 0, expect: { status: 503, reason: 'Server at max cps' } },
      { query: call('493012345'), now: 500, expect: { status: 302 } },
      { query: call('493012345'), now: 500, expect: { status: 503 } },
    ],
  },
  {
    name: 'route CPS refuses the call; carrier CPS only drops that carrier',
    repo: () => base({
      routes: [route('r', 'acme', 'all', { limits: { cps: 1 } })],
      tweak: (r) => { r.carriers.get('b')!.limits = { cps: 1 }; },
    }),
    calls: [
      { query: call('493012345'), now: 0, expect: { carriers: ['c', 'b', 'a'] } },
      { query: call('493012345'), now: 0, expect: { status: 503, reason: 'Server at max cps' } },
      { query: call('493012345'), now: 1000, expect: { carriers: ['c', 'b', 'a'] } },
      { query: call('493012345'), now: 1999, expect: { status: 503 } },
    ],
  },
  {
    name: 'a gateway at its CPS limit drops its carrier for that call',
    repo: () => base({ tweak: (r) => { r.carriers.get('b')!.gateways[0]!.limits = { cps: 1 }; } }),
    calls: [
      { query: call('493012345'), now: 0, expect: { carriers: ['c', 'b', 'a'] } },
      { query: call('493012345'), now: 0, expect: { carriers: ['c', 'a'], dropped: ['cps'] } },
    ],
  },
  {
    name: 'rejection codes and phrases are the network\'s',
    repo: () => base({ tweak: (r) => { r.network.reasons = { ...r.network.reasons, noRoutesPre: { code: 404, reason: 'Not Found Here' } }; } }),
    calls: [{ query: call('61212345678'), expect: { status: 404, reason: 'Not Found Here' } }],
  },
  {
    name: 'channel limits',
    repo: () => base(),
    calls: [],
    skip: 'channels need call-end events (BYE/CDR) the engine does not receive yet; only CPS is enforced',
  },
  {
    name: 'scheduled effective dates between builds',
    repo: () => base(),
    calls: [],
    skip: 'format 1 carries only the rows in force at the build\'s as-of time; a rebuild after effectiveUntil is the contract',
  },
];

/** The parts of a decision every implementation must agree on (the trace and matched prefix are the runtime's). */
export function comparable(d: Decision): unknown {
  return {
    status: d.status, reason: d.reason, customer: d.customer, route: d.route, destination: d.destination, sell: d.sell,
    currency: d.currency, maxDuration: d.maxDuration, number: d.number, cli: d.cli, targets: d.targets,
    dropped: d.dropped,
  };
}

export function meets(expect: ConformanceCall['expect'], d: Decision): string[] {
  const out: string[] = [];
  const got: Record<string, unknown> = {
    status: d.status, reason: d.reason, customer: d.customer, route: d.route, sell: d.sell, destination: d.destination,
    maxDuration: d.maxDuration, number: d.number, cli: d.cli,
    carriers: d.targets.map((t) => t.carrier), gateways: d.targets.map((t) => t.gateway), cards: d.targets.map((t) => t.card),
    firstUser: d.targets[0]?.uri.slice(4, d.targets[0].uri.indexOf('@')), uri: d.targets[0]?.uri, dropped: d.dropped.map((x) => x.why),
  };
  for (const [k, want] of Object.entries(expect)) {
    if (JSON.stringify(got[k]) !== JSON.stringify(want)) out.push(`${k}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got[k])}`);
  }
  return out;
}

export { carrier };
