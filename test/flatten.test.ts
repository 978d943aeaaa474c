// Flatten semantics, one behaviour per test, checked through the decoded artefact.
import { describe, expect, it } from 'vitest';
import { flatten } from '../compiler/flatten/flatten.js';
import { averageRound, convert, divRound, mulDivRound, percentOf } from '../compiler/flatten/arith.js';
import { neverLoses } from '../compiler/flatten/profit.js';
import { encodeArtefact } from '../compiler/encode/encode.js';
import { decodeArtefact } from '../runtime/artefact/decode.js';
import { tableEntry } from '../runtime/artefact/lookup.js';
import { card, customer, deck, repository, route } from './reference/build-repo.js';
import type * as M from '../compiler/model/model.js';

function compile(repo: M.RouteRepository, asOf = 0) {
  const flat = flatten(repo, { asOf });
  const { bytes, stats } = encodeArtefact(flat, { serial: 7, revision: 'r1' });
  const a = decodeArtefact(bytes);
  const at = (routeId: string, number: string, customerId = 'c') => tableEntry(a, flat.routeTable.get(`${customerId}\u0000${routeId}`)!, number);
  return { flat, a, at, stats, bytes };
}

const A44 = deck('a', 'ca', [{ prefix: '44', rate: 10_000, destination: 'UK' }]);
const B447 = deck('b', 'cb', [{ prefix: '447', rate: 20_000, destination: 'UK mobile', type: 'mobile' }]);

describe('longest prefix per carrier', () => {
  it('offers every parent whose longest matching prefix covers the number, not only parents listing the prefix', () => {
    // 4479… matches 44 at carrier A and 447 at carrier B: both are candidates.
    const { at } = compile(repository({ decks: [A44, B447], cards: [card('k', ['a', 'b'])], customers: [customer('c', [route('r', 'c', 'k')])] }));
    const e = at('r', '447911123456')!;
    expect(e.prefix).toBe('447');
    expect(e.candidates.map((c) => c.deck)).toEqual(['a', 'b']);
    expect(e.destination).toBe('UK mobile');
    expect(e.type).toBe('mobile');
    expect(at('r', '441234')!.candidates.map((c) => c.deck)).toEqual(['a']);
    expect(at('r', '33123')).toBeUndefined();
  });
});

describe('rate compact, markup and overrides', () => {
  const decks = [deck('a', 'ca', [{ prefix: '1', rate: 1 }]), deck('b', 'cb', [{ prefix: '1', rate: 2 }]), deck('x', 'cx', [{ prefix: '1', rate: 2 }])];
  const sellOf = (over: Partial<M.CustomerCard>, parents = ['a', 'b']) =>
    compile(repository({ decks, cards: [card('k', parents, over)], customers: [customer('c', [route('r', 'c', 'k')])] })).at('r', '1555')!.sell;

  it('takes the lowest, highest or mean candidate rate', () => {
    expect(sellOf({ compact: 'min' })).toBe(1);
    expect(sellOf({ compact: 'max' })).toBe(2);
  });

  it('rounds an average half away from zero to the micro-unit', () => {
    expect(sellOf({ compact: 'average' })).toBe(2); // 1.5 → 2
    expect(sellOf({ compact: 'average' }, ['a', 'a2' as string].slice(0, 1).concat('b', 'x'))).toBe(2); // 5/3 = 1.67 → 2
    expect(averageRound([1, 1, 2])).toBe(1); // 1.33 → 1
    expect(averageRound([-1, -2])).toBe(-2); // −1.5 → −2
  });

  it('adds percent plus fixed markup, raised to the floor', () => {
    expect(sellOf({ compact: 'max', markup: { percentMicros: 25_000_000, fixed: 10, floor: 0 } })).toBe(2 + 1 + 10); // 25 % of 2 = 0.5 → 1
    expect(sellOf({ compact: 'max', markup: { percentMicros: 0, fixed: 1, floor: 100 } })).toBe(102);
  });

  it('replaces the sell rate, connection fee and destination where an override prefix matches, longest override first', () => {
    const overrides: M.Override[] = [
      { prefix: '1', rate: 500, path: [] },
      { prefix: '155', rate: 900, connectFee: 3, destination: 'special', path: [] },
    ];
    const { at } = compile(repository({ decks, cards: [card('k', ['a', 'b'], { overrides, connectFee: 7 })], customers: [customer('c', [route('r', 'c', 'k')])] }));
    expect(at('r', '1234')).toMatchObject({ sell: 500, connectFee: 7 });
    expect(at('r', '15599')).toMatchObject({ sell: 900, connectFee: 3, destination: 'special', prefix: '155' });
  });

  it('converts deck amounts to the card currency through network fx, rounding once', () => {
    // 1 EUR = 1.08 USD: a 0.010001 EUR rate is 0.01080108 USD → 10_801 micro-USD.
    const eur = deck('e', 'ce', [{ prefix: '49', rate: 10_001 }], 'EUR');
    const { at } = compile(repository({ decks: [eur], cards: [card('k', ['e'])], customers: [customer('c', [route('r', 'c', 'k')])], fx: [['EUR', 1_080_000]] }));
    expect(at('r', '491')!.candidates[0]!.rate).toBe(10_801);
    expect(convert(5, 1_500_000, 1_000_000)).toBe(8); // 7.5 → 8
    expect(convert(-5, 1_500_000, 1_000_000)).toBe(-8);
  });

  it('does exact integer arithmetic beyond 2^53 intermediate products', () => {
    expect(mulDivRound(9_000_000_000_000, 1_000_000, 1_000_000)).toBe(9_000_000_000_000);
    expect(percentOf(3, 50_000_000)).toBe(2); // 1.5 → 2
    expect(divRound(7, 2)).toBe(4);
  });
});

describe('effective dates', () => {
  const dated = deck('a', 'ca', [
    { prefix: '44', rate: 100, effective: 0 },
    { prefix: '44', rate: 200, effective: 1_000 },
    { prefix: '44', rate: 300, effective: 2_000 },
    { prefix: '45', rate: 50, effective: 3_000 },
  ]);
  const repo = () => repository({ decks: [dated], cards: [card('k', ['a'])], customers: [customer('c', [route('r', 'c', 'k')])] });

  it('uses, per prefix, the latest row in force at the as-of time and leaves later rows out', () => {
    const { at, flat } = compile(repo(), 1_500);
    expect(at('r', '441')!.sell).toBe(200);
    expect(at('r', '451')).toBeUndefined();
    expect(flat.effectiveFrom).toBe(1_000);
    expect(flat.effectiveUntil).toBe(2_000);
  });

  it('gives byte-identical artefacts for any as-of time inside the same window', () => {
    expect(compile(repo(), 1_000).bytes).toEqual(compile(repo(), 1_999).bytes);
    expect(compile(repo(), 1_999).bytes).not.toEqual(compile(repo(), 2_000).bytes);
  });
});

describe('static filters per ingress route', () => {
  const decks = [
    deck('a', 'ca', [{ prefix: '1', rate: 10_000, initial: 60, increment: 60 }, { prefix: '19', rate: 5_000, type: 'premium' }]),
    deck('b', 'cb', [{ prefix: '1', rate: 11_000, initial: 1, increment: 1, connectFee: 100 }]),
  ];
  const k = card('k', ['a', 'b'], { compact: 'max', markup: { percentMicros: 0, fixed: 1_000, floor: 0 }, connectFee: 100 }); // sell 12_000 1/1 + 100 per call
  const build = (over: Partial<M.IngressRoute>) => compile(repository({ decks, cards: [k], customers: [customer('c', [route('r', 'c', 'k', over)])] })).at('r', '1555')!;

  it('drops a carrier whose 60/60 billing loses money on short calls although its per-minute rate is lower', () => {
    // a: 0.010/min billed 60/60 costs 0.010 for a 1 s call sold at 0.012/min 1/1 (0.0002 + 0.0001 fee).
    expect(build({ profitAssurance: true }).candidates.map((c) => c.deck)).toEqual(['b']);
  });

  it('rejects with noRoutesProfitAssurance when no carrier is profitable', () => {
    const e = build({ profitAssurance: true, exclude: ['b'] });
    expect(e.reject).toBe('noRoutesProfitAssurance');
    expect(e.candidates).toEqual([]);
  });

  it('keeps only locked parents and drops excluded ones; nothing left is noRoutesLock', () => {
    expect(build({ lock: ['b'] }).candidates.map((c) => c.deck)).toEqual(['b']);
    expect(build({ exclude: ['a'] }).candidates.map((c) => c.deck)).toEqual(['b']);
    expect(build({ lock: ['a'], exclude: ['a'] }).reject).toBe('noRoutesLock');
  });

  it('drops carriers above the provider capped rate and carriers with a connection fee when asked; none left is a profit-assurance refusal', () => {
    expect(build({ providerCappedRate: 10_000 }).candidates.map((c) => c.deck)).toEqual(['a']);
    expect(build({ blockConnectCost: true }).candidates.map((c) => c.deck)).toEqual(['a']);
    expect(build({ providerCappedRate: 10_000, blockConnectCost: true, lock: ['b'] }).reject).toBe('noRoutesProfitAssurance');
  });

  it('rejects when the sell rate is above the capped rate', () => {
    expect(build({ cappedRate: 11_999 }).reject).toBe('rateCapped');
    expect(build({ cappedRate: 12_000 }).reject).toBeUndefined();
  });

  it('rejects blocked destination types by the most specific row', () => {
    const repo = repository({ decks, cards: [k], customers: [customer('c', [route('r', 'c', 'k', { blockTypes: [2] })])] });
    const { at } = compile(repo);
    expect(at('r', '1999')!.reject).toBe('destinationTypeBlocked');
    expect(at('r', '1555')!.reject).toBeUndefined();
  });

  it('shares one compiled table between routes with the same card and filters', () => {
    const repo = repository({
      decks, cards: [k],
      customers: [
        customer('c', [route('r', 'c', 'k', { lock: ['a'] }), route('s', 'c', 'k', { exclude: ['b'] }), route('t', 'c', 'k')]),
        customer('d', [route('r', 'd', 'k', { lock: ['a'] })]),
      ],
    });
    const { flat } = compile(repo);
    const t = (c: string, r: string) => flat.routeTable.get(`${c}\u0000${r}`);
    expect(t('c', 'r')).toBe(t('d', 'r'));
    expect(t('c', 'r')).not.toBe(t('c', 's')); // lock [a] and exclude [b] are different filters, same effect
    expect(flat.tables.length).toBe(3);
  });
});

describe('static strategies', () => {
  const decks = [deck('a', 'ca', [{ prefix: '1', rate: 3 }]), deck('b', 'cb', [{ prefix: '1', rate: 1 }]), deck('c', 'cc', [{ prefix: '1', rate: 1 }])];
  const order = (over: Partial<M.CustomerCard>) =>
    compile(repository({ decks, cards: [card('k', ['a', 'b', 'c'], over)], customers: [customer('c', [route('r', 'c', 'k')])] })).at('r', '12')!.candidates.map((x) => x.deck);

  it('orders lcr by rate, then connection fee, then the order parents are listed', () => {
    expect(order({ strategy: 'lcr' })).toEqual(['b', 'c', 'a']);
    expect(order({ strategy: 'lcr', parents: ['c', 'b', 'a'] })).toEqual(['c', 'b', 'a']);
  });

  it('orders reverse-lcr dearest first, ties still in parent order', () => {
    expect(order({ strategy: 'reverse-lcr' })).toEqual(['a', 'b', 'c']);
  });

  it('orders priority by the priority list, unlisted parents after in lcr order', () => {
    expect(order({ strategy: 'priority', priority: ['a'] })).toEqual(['a', 'b', 'c']);
    expect(order({ strategy: 'priority', priority: ['c', 'a'] })).toEqual(['c', 'a', 'b']);
  });

  it('orders a card with more parents than an order code covers (10) the same way', () => {
    const many = Array.from({ length: 11 }, (_, i) => deck(`d${i}`, `c${i}`, [{ prefix: '1', rate: 20 - i }, ...(i === 0 ? [{ prefix: '12', rate: 1 }] : [])]));
    const ids = many.map((d) => d.id);
    const { at } = compile(repository({ decks: many, cards: [card('k', ids)], customers: [customer('c', [route('r', 'c', 'k')])] }));
    const byRate = [...ids].reverse(); // d10 is the cheapest at 1
    expect(at('r', '13')!.candidates.map((x) => x.deck)).toEqual(byRate);
    expect(at('r', '125')!.candidates.map((x) => x.deck)).toEqual(['d0', ...byRate.slice(0, -1)]);
  });

  it('stores dynamic strategies in lcr order for the runtime to choose from', () => {
    const repo = repository({ decks, cards: [card('k', ['a', 'b', 'c'], { strategy: 'random' })], customers: [customer('c', [route('r', 'c', 'k')])] });
    const { at, a } = compile(repo);
    expect(at('r', '12')!.candidates.map((x) => x.deck)).toEqual(['b', 'c', 'a']);
    expect(a.tables[1]).toBe(5); // strategy index of 'random'
  });
});

describe('lossless compaction', () => {
  it('drops a child prefix whose value equals its parent prefix, and the walk still answers the same', () => {
    const decks = [deck('a', 'ca', [{ prefix: '44', rate: 10, destination: 'UK' }]), deck('b', 'cb', [{ prefix: '447', rate: 20, destination: 'UK' }])];
    // Locked to a, the 447 prefix holds exactly what 44 holds (destination comes from b's row
    // only while b is a parent, so use the same name).
    const repo = repository({ decks, cards: [card('k', ['a', 'b'], { compact: 'min' })], customers: [customer('c', [route('r', 'c', 'k', { lock: ['a'] }), route('s', 'c', 'k')])] });
    const { flat, at } = compile(repo);
    const locked = flat.tables[flat.routeTable.get('c\u0000r')!]!;
    const open = flat.tables[flat.routeTable.get('c\u0000s')!]!;
    expect(locked.entries).toBe(2);
    expect(locked.kept).toBe(1);
    expect(open.kept).toBe(2);
    expect(at('r', '4479')).toMatchObject({ prefix: '44', sell: 10 });
    expect(at('s', '4479')).toMatchObject({ prefix: '447' });
  });
});

describe('profit assurance arithmetic', () => {
  it('compares charges including connection fees and billing increments for every call length', () => {
    const sell = { rate: 12_000, connectFee: 0, initial: 1, increment: 1 };
    expect(neverLoses(sell, { rate: 10_000, connectFee: 0, initial: 60, increment: 60 }, 3600)).toBe(false);
    expect(neverLoses(sell, { rate: 10_000, connectFee: 0, initial: 1, increment: 1 }, 3600)).toBe(true);
    expect(neverLoses(sell, { rate: 10_000, connectFee: 100, initial: 1, increment: 1 }, 3600)).toBe(false); // 1 s: 0.0001 fee + 0.000167 > 0.0002
    // A dearer carrier only loses once the call is long enough for its rate to overtake the fee.
    const feeSell = { rate: 10_000, connectFee: 10_000, initial: 1, increment: 1 };
    expect(neverLoses(feeSell, { rate: 20_000, connectFee: 0, initial: 1, increment: 1 }, 60)).toBe(true);
    expect(neverLoses(feeSell, { rate: 20_000, connectFee: 0, initial: 1, increment: 1 }, 61)).toBe(false);
  });
});

describe('determinism', () => {
  it('gives byte-identical artefacts whatever order the repository maps were filled in', () => {
    const decks = [A44, B447, deck('z', 'cz', [{ prefix: '3', rate: 1 }])];
    const cards = [card('k', ['a', 'b']), card('j', ['z', 'a'], { compact: 'average' })];
    const customers = [customer('c', [route('r', 'c', 'k'), route('s', 'c', 'j')], ['10.0.0.0/8']), customer('d', [route('r', 'd', 'j', { lock: ['z'] })], ['10.1.0.0/16'])];
    const one = repository({ decks, cards, customers });
    const two = repository({ decks: [...decks].reverse(), cards: [...cards].reverse(), customers: [...customers].reverse() });
    expect(compile(one).bytes).toEqual(compile(two).bytes);
  });
});
