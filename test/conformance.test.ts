// One conformance suite, several implementations (Hono's common.case.test.ts): every case of
// test/conformance/cases.ts runs against the plain reference over the RouteRepository and against
// the runtime Router over the compiled artefact. Both must give the same decision, and it must meet
// the case's expectations.
import fc from './support/fast-check.js';
import { describe, expect, it } from 'vitest';
import { flatten } from '../compiler/flatten/flatten.js';
import { encodeArtefact } from '../compiler/encode/encode.js';
import { decodeArtefact } from '../runtime/artefact/decode.js';
import { microsText, Router } from '../runtime/router/router.js';
import { formatMoney } from '../compiler/money.js';
import type { Decision } from '../runtime/engine/decision.js';
import { newReferenceState, referenceDecide } from './reference/semantics.js';
import { cases, comparable, meets, type ConformanceCase } from './conformance/cases.js';
import type { RouteRepository } from '../compiler/model/model.js';

const DEFAULT_RANDOM = [0.42, 0.17, 0.93, 0.05, 0.61, 0.38, 0.77, 0.29];

function sequence(xs: number[]): () => number {
  let i = 0;
  return () => xs[i++ % xs.length]!;
}

function compile(repo: RouteRepository) {
  const flat = flatten(repo, { asOf: Date.parse('2026-06-01T00:00:00Z') });
  return decodeArtefact(encodeArtefact(flat, { serial: 1, revision: 'conformance' }).bytes);
}

interface Implementation {
  name: string;
  /** Returns a decide function for the case, given the clock it must read. */
  prepare(c: ConformanceCase, repo: RouteRepository, clock: { now: number }): (q: Parameters<Router['decide']>[0]) => Decision;
}

const implementations: Implementation[] = [
  {
    name: 'reference',
    prepare(c, repo, clock) {
      const state = newReferenceState(sequence(c.random ?? DEFAULT_RANDOM));
      for (const [carrier, gw] of c.disable ?? []) state.disabled.add(`${carrier}/${gw}`);
      return (q) => {
        state.now = clock.now;
        return referenceDecide(repo, q, state);
      };
    },
  },
  {
    name: 'router',
    prepare(c, repo, clock) {
      const router = new Router(compile(repo), { random: sequence(c.random ?? DEFAULT_RANDOM), monotonic: () => clock.now, clock: () => 0 });
      for (const [carrier, gw] of c.disable ?? []) expect(router.setGatewayEnabled(carrier, gw, false)).toBe(true);
      return (q) => router.decide(q);
    },
  },
  {
    // The same with the costs read ahead, as on a large artefact (Router option costsAheadAbove).
    name: 'router, costs read ahead',
    prepare(c, repo, clock) {
      const router = new Router(compile(repo), { random: sequence(c.random ?? DEFAULT_RANDOM), monotonic: () => clock.now, clock: () => 0, costsAheadAbove: 0 });
      for (const [carrier, gw] of c.disable ?? []) expect(router.setGatewayEnabled(carrier, gw, false)).toBe(true);
      return (q) => router.decide(q);
    },
  },
];

describe('decision conformance', () => {
  for (const c of cases) {
    if (c.skip) {
      it.skip(`${c.name} — skipped: ${c.skip}`, () => {});
      continue;
    }
    describe(c.name, () => {
      const results = new Map<string, Decision[]>();
      for (const impl of implementations) {
        it(`${impl.name}: meets the expectations`, () => {
          const repo = c.repo();
          const clock = { now: 0 };
          const decide = impl.prepare(c, repo, clock);
          const out: Decision[] = [];
          c.calls.forEach((call, i) => {
            clock.now = call.now ?? 0;
            const d = decide(call.query);
            out.push(d);
            expect(meets(call.expect, d), `call ${i + 1} (${call.query.to})`).toEqual([]);
          });
          results.set(impl.name, out);
        });
      }
      it('reference and routers decide every call identically', () => {
        const repo = c.repo();
        const per = implementations.map((impl) => {
          const clock = { now: 0 };
          const decide = impl.prepare(c, repo, clock);
          return c.calls.map((call) => {
            clock.now = call.now ?? 0;
            return comparable(decide(call.query));
          });
        });
        for (let i = 1; i < per.length; i++) expect(per[i], implementations[i]!.name).toEqual(per[0]);
      });
    });
  }
});

describe('Router robustness', () => {
  const repo = cases[0]!.repo();
  const router = new Router(compile(repo));
  it('never throws, whatever the query', () => {
    fc.assert(fc.property(
      fc.record({
        src: fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.constant('198.51.100.7')),
        to: fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9]{0,40}$/)),
        from: fc.option(fc.string(), { nil: undefined }),
        user: fc.option(fc.string(), { nil: undefined }),
        callId: fc.option(fc.string(), { nil: undefined }),
        at: fc.option(fc.oneof(fc.double(), fc.integer()), { nil: undefined }),
        explain: fc.boolean(),
      }),
      (q) => {
        const d = router.decide(q as never);
        expect(d.status).toBeGreaterThanOrEqual(300);
        expect(d.status).not.toBe(500);
      },
    ), { numRuns: 2000 });
  });

  it('answers a non-digit number from a known source with 484 Address Incomplete', () => {
    for (const to of ['44abc', '44 20', '*44', '44#1', '']) expect(router.decide({ src: '198.51.100.7', to }).status).toBe(484);
  });

  it('explains a decision only when asked', () => {
    expect(router.decide({ src: '198.51.100.7', to: '4930123' }).trace).toBeUndefined();
    const trace = router.decide({ src: '198.51.100.7', to: '4930123', explain: true }).trace!;
    expect(trace.join('\n')).toMatch(/customer acme[\s\S]*ingress route any[\s\S]*prefix 4930[\s\S]*302/);
  });

  it('writes money as canonical decimal text (microsText), as the compiler\'s formatMoney does', () => {
    const check = (m: number) => expect(microsText(m), `${m}`).toBe(formatMoney(m));
    for (const m of [0, 1, -1, 10, 70, -70, 100, 999, 1000, 1270, 12_500, 115_000, 999_999, 1_000_000, -1_000_000, 1_000_001,
      999_999_999, 1_000_000_000, -1_000_000_000, 1_000_000_070, 123_456_789_012, -(2 ** 52)]) check(m);
    for (let m = -2_000_000; m <= 2_000_000; m += 7) check(m);
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (m) => { check(m); }), { numRuns: 5000 });
  });

  it('setGatewayEnabled reports unknown carriers and gateways', () => {
    expect(router.setGatewayEnabled('nope', 'gw1', false)).toBe(false);
    expect(router.setGatewayEnabled('a', 'nope', false)).toBe(false);
    expect(router.setGatewayEnabled('a', 'gw1', false)).toBe(true);
    expect(router.disabledGateways()).toEqual([{ carrier: 'a', gateway: 'gw1' }]);
    expect(router.setGatewayEnabled('a', 'gw1', true)).toBe(true);
  });
});
