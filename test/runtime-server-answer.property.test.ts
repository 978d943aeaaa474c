// The hand-written answers of runtime/server/query.ts against JSON.stringify: the same text for
// any Decision built in the interface's field order (fields absent, undefined or present; strings
// with quotes, backslashes, controls, lone surrogates), and for every decision the Router gives
// on the demo artefact — which pins that the Router builds its decisions in that order.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from './support/fast-check.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArtefact } from '../runtime/artefact/decode.js';
import type { CallQuery, Decision } from '../runtime/engine/decision.js';
import type { Decider } from '../runtime/server/decider.js';
import { routerDecider } from '../runtime/server/engine.js';
import { decisionJson, JsonBytes, jsonString, rtjsonText, toRtjson } from '../runtime/server/query.js';
import { buildDemo } from './support/serve.js';

// Mostly plain text, with the characters JSON must escape (or must not) mixed in.
const char = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '4', ' ', '#', '@', ':', ';', '.', '-', '_', '/', '=', '+') },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u2028', '\u2029', 'é', '€', '😀', '\ud800', '\udfff', '\udc00') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const text = fc.string({ unit: char, maxLength: 24 });
/** Absent, present but undefined (as the Router's rejections have them), or set. */
const optional = <T>(a: fc.Arbitrary<T>) => fc.oneof(fc.constant('absent' as const), fc.constant(undefined), a);
const num = fc.oneof(fc.integer({ min: -1, max: 100_000 }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0));

const target = fc.record({ uri: text, carrier: text, gateway: text, card: text, cost: text, margin: text });
const droppedOne = fc.record({ carrier: text, card: text, why: text });

const decision: fc.Arbitrary<Decision> = fc.record({
  status: fc.oneof(fc.constantFrom(302, 403, 404, 480, 500, 503), num),
  reason: text,
  customer: optional(text), route: optional(text), prefix: optional(text), destination: optional(text),
  sell: optional(text), currency: optional(text), maxDuration: optional(num), number: optional(text), cli: optional(text),
  targets: fc.array(target, { maxLength: 6 }),
  dropped: fc.array(droppedOne, { maxLength: 4 }),
  trace: optional(fc.array(text, { maxLength: 5 })),
}).map((r) => {
  // Build in declared order, leaving out the 'absent' ones.
  const d: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== 'absent') d[k] = v;
  return d as unknown as Decision;
});

describe('hand-written answers', () => {
  it('jsonString is JSON.stringify for any string', () => {
    fc.assert(fc.property(text, (s) => { expect(jsonString(s)).toBe(JSON.stringify(s)); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => { expect(jsonString(s)).toBe(JSON.stringify(s)); }), { numRuns: 2000 });
  });

  it('decisionJson is JSON.stringify with the serial appended', () => {
    fc.assert(fc.property(decision, fc.nat(), (d, serial) => {
      expect(decisionJson(d, serial)).toBe(JSON.stringify({ ...d, serial }));
      expect(decisionJson(d, serial, '{"id":"x",')).toBe(JSON.stringify({ id: 'x', ...d, serial }));
    }), { numRuns: 1000 });
  });

  it('writes the UTF-8 bytes of that text, growing its buffer when an answer is large', () => {
    const w = new JsonBytes();
    fc.assert(fc.property(fc.array(decision, { minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 12 }), (ds, id) => {
      w.start().json('[');
      ds.forEach((d, i) => { if (i) w.raw(','); w.decision(d, i, '{"id":' + JSON.stringify(id) + ','); });
      w.raw(']');
      expect(Buffer.from(w.view()).equals(Buffer.from(JSON.stringify(ds.map((d, i) => ({ id, ...d, serial: i })))))).toBe(true);
    }), { numRuns: 300 });
  });

  it('rtjsonText is JSON.stringify(toRtjson(d))', () => {
    fc.assert(fc.property(decision, (d) => {
      expect(rtjsonText(d)).toBe(JSON.stringify(toRtjson(d)));
      expect(rtjsonText(d, '{"id":7,')).toBe(JSON.stringify({ id: 7, ...toRtjson(d) }));
    }), { numRuns: 1000 });
  });
});

describe('the Router\'s decisions on the demo artefact', () => {
  let dir: string;
  let decider: Decider;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-answer-'));
    decider = routerDecider({ limits: false })(decodeArtefact(readFileSync(buildDemo(join(dir, 'a'), 3))));
  }, 180_000); // may be the run's one demo build (buildDemo): a minute on a loaded machine
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const query: fc.Arbitrary<CallQuery> = fc.record({
    src: fc.constantFrom('127.0.0.1', '10.9.9.9', '::1', '2001:db8::1', '198.51.100.1', '203.0.113.9'),
    to: fc.oneof(fc.constantFrom('447400123456', '4420712345678', '33612345678', '1212555000', '4474', '', '44x'), fc.stringMatching(/^\d{1,16}$/), text),
    from: fc.oneof(fc.constant(undefined), fc.constantFrom('441234567890', '"anon"', 'a\\b'), text),
    user: fc.oneof(fc.constant(undefined), fc.constantFrom('demo', 'nobody')),
    explain: fc.boolean(),
  }, { requiredKeys: ['src', 'to'] }).map((q) => {
    const out: CallQuery = { src: q.src, to: q.to };
    if (q.from !== undefined) out.from = q.from;
    if (q.user !== undefined) out.user = q.user;
    if (q.explain) out.explain = true;
    return out;
  });

  it('serialize exactly as JSON.stringify did (field order, omissions, escapes)', () => {
    const seen = new Set<number>();
    fc.assert(fc.property(query, (q) => {
      const d = decider.decide(q);
      seen.add(d.status);
      expect(decisionJson(d, 3)).toBe(JSON.stringify(d).slice(0, -1) + ',"serial":3}');
      expect(rtjsonText(d)).toBe(JSON.stringify(toRtjson(d)));
    }), { numRuns: 1500 });
    expect(seen.has(302)).toBe(true);
    expect(seen.size).toBeGreaterThan(1);
  });
});
