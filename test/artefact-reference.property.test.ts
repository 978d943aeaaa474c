// The decoded artefact answers exactly what the reference semantics (test/reference/) answers, for
// random decks, cards, routes and numbers: candidates, their order, costs, sell, destination,
// rejection. Digits are drawn from a small alphabet so prefixes collide often.
import { describe, expect, it } from 'vitest';
import fc from './support/fast-check.js';
import { flatten } from '../compiler/flatten/flatten.js';
import { encodeArtefact } from '../compiler/encode/encode.js';
import { billsAtLeast, neverLoses } from '../compiler/flatten/profit.js';
import { decodeArtefact } from '../runtime/artefact/decode.js';
import { tableEntry } from '../runtime/artefact/lookup.js';
import { card, customer, deck, repository, route, type RowSpec } from './reference/build-repo.js';
import { referenceEntry, referenceNeverLoses } from './reference/semantics.js';
import type * as M from '../compiler/model/model.js';

const digits = fc.string({ unit: fc.constantFrom('1', '2', '4', '7'), minLength: 0, maxLength: 5 });
const billing = fc.constantFrom([1, 1], [6, 6], [60, 60], [30, 6], [60, 1]);
const row: fc.Arbitrary<RowSpec> = fc.record({
  prefix: digits,
  rate: fc.integer({ min: 0, max: 50_000 }),
  connectFee: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 })),
  billing,
  type: fc.constantFrom('fixed', 'mobile', 'premium'),
  destination: fc.constantFrom('A', 'B', 'C'),
  effective: fc.constantFrom(0, 0, 1_000, 5_000),
}).map(({ billing: [initial, increment], ...r }) => ({ ...r, initial, increment }));

const CURRENCIES = ['USD', 'EUR', 'GBP'];
const FX: [string, number][] = [['EUR', 1_080_000], ['GBP', 1_270_123]];

const scenario = fc.record({
  decks: fc.array(fc.record({ rows: fc.array(row, { maxLength: 12 }), currency: fc.constantFrom(...CURRENCIES) }), { minLength: 1, maxLength: 4 }),
  cards: fc.array(fc.record({
    parentMask: fc.integer({ min: 1, max: 15 }),
    compact: fc.constantFrom<M.Compact>('min', 'max', 'average'),
    percent: fc.integer({ min: 0, max: 50_000_000 }),
    fixed: fc.integer({ min: 0, max: 3_000 }),
    floor: fc.integer({ min: 0, max: 5_000 }),
    strategy: fc.constantFrom<M.Strategy>('lcr', 'reverse-lcr', 'priority', 'random'),
    billing,
    connectFee: fc.constantFrom(0, 0, 5_000, 100_000),
    currency: fc.constantFrom(...CURRENCIES),
    overrides: fc.array(fc.record({ prefix: digits, rate: fc.integer({ min: 0, max: 60_000 }), destination: fc.option(fc.constantFrom('X', 'Y'), { nil: undefined }) }), { maxLength: 2 }),
  }), { minLength: 1, maxLength: 3 }),
  routes: fc.array(fc.record({
    card: fc.nat(),
    lockMask: fc.integer({ min: 0, max: 15 }),
    excludeMask: fc.integer({ min: 0, max: 15 }),
    providerCap: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }),
    cappedRate: fc.option(fc.integer({ min: 0, max: 80_000 }), { nil: undefined }),
    profitAssurance: fc.boolean(),
    blockConnectCost: fc.boolean(),
    maxDuration: fc.integer({ min: 1, max: 400 }),
    blockTypes: fc.subarray([0, 1, 2]),
  }), { minLength: 1, maxLength: 4 }),
  asOf: fc.constantFrom(0, 1_000, 10_000),
  numbers: fc.array(fc.string({ unit: fc.constantFrom('1', '2', '4', '7'), minLength: 0, maxLength: 8 }), { minLength: 1, maxLength: 25 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario): M.RouteRepository {
  const decks = s.decks.map((d, i) => deck(`d${i}`, `carrier${i % 3}`, d.rows, d.currency));
  const pick = (mask: number) => decks.map((d) => d.id).filter((_, i) => mask & (1 << i));
  const cards = s.cards.map((c, i) => {
    const parents = pick(c.parentMask);
    if (parents.length === 0) parents.push(decks[0]!.id);
    const seen = new Set<string>();
    return card(`card${i}`, parents, {
      compact: c.compact,
      markup: { percentMicros: c.percent, fixed: c.fixed, floor: c.floor },
      strategy: c.strategy,
      priority: c.strategy === 'priority' ? [...parents].reverse().slice(0, 2) : [],
      billing: { initial: c.billing[0]!, increment: c.billing[1]! },
      connectFee: c.connectFee,
      currency: c.currency,
      overrides: c.overrides.filter((o) => !seen.has(o.prefix) && seen.add(o.prefix)).map((o, k) => ({ ...o, path: ['overrides', k] })),
    });
  });
  const routes = s.routes.map((r, i) => {
    const c = cards[r.card % cards.length]!;
    const over: Partial<M.IngressRoute> = {
      lock: pick(r.lockMask).filter((d) => c.parents.includes(d)),
      exclude: pick(r.excludeMask),
      profitAssurance: r.profitAssurance,
      blockConnectCost: r.blockConnectCost,
      maxDurationSeconds: r.maxDuration,
      blockTypes: r.blockTypes,
    };
    if (r.providerCap !== undefined) over.providerCappedRate = r.providerCap;
    if (r.cappedRate !== undefined) over.cappedRate = r.cappedRate;
    return route(`r${i}`, 'cust', c.id, over);
  });
  return repository({ decks, cards, customers: [customer('cust', routes)], fx: FX });
}

describe('artefact against the reference semantics', () => {
  it('answers every number of every route exactly as the reference does', () => {
    fc.assert(fc.property(scenario, (s) => {
      const repo = build(s);
      const flat = flatten(repo, { asOf: s.asOf });
      const a = decodeArtefact(encodeArtefact(flat, { serial: 1, revision: 'test' }).bytes);
      for (const r of repo.customers.get('cust')!.routes) {
        const t = flat.routeTable.get(`cust\u0000${r.id}`)!;
        for (const n of s.numbers) {
          const expected = referenceEntry(repo, r, n, s.asOf);
          const got = tableEntry(a, t, n);
          if (expected === undefined) {
            expect(got).toBeUndefined();
            continue;
          }
          expect(got).toBeDefined();
          const { prefix, ...rest } = got!;
          expect(n.startsWith(prefix)).toBe(true);
          expect(rest).toEqual(expected);
        }
      }
    }), { numRuns: 300 });
  });

  /** A per-minute rate with a connection fee and billing increments, as profit assurance compares them. */
  const tariff = fc.record({
    rate: fc.integer({ min: 0, max: 40_000 }),
    connectFee: fc.constantFrom(0, 0, 1_000, 10_000),
    initial: fc.constantFrom(0, 1, 6, 30, 60, 7),
    increment: fc.constantFrom(1, 6, 60, 7, 13),
  });

  it('keeps a carrier under profit assurance exactly when no call length from 1 s to the maximum loses money', () => {
    fc.assert(fc.property(tariff, tariff, fc.integer({ min: 0, max: 900 }), (sell, cost, d) => {
      const expected = referenceNeverLoses(sell, cost, d);
      expect(neverLoses(sell, cost, d)).toBe(expected);
      // The same with the billing comparison handed in, as flatten does once per cost row.
      expect(neverLoses(sell, cost, d, billsAtLeast(sell.initial, sell.increment, cost.initial, cost.increment, d))).toBe(expected);
    }), { numRuns: 3000 });
  });

  it('never drops a carrier at a sell rate above one at which it kept it (flatten remembers the answers per cost row)', () => {
    fc.assert(fc.property(tariff, tariff, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 900 }), (sell, cost, more, d) => {
      const dearer = { ...sell, rate: sell.rate + more };
      if (neverLoses(sell, cost, d)) expect(neverLoses(dearer, cost, d)).toBe(true);
    }), { numRuns: 3000 });
  });
});

