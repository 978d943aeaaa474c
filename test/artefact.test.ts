// The artefact as bytes: header, limits, and a reader that refuses every damaged file with its own
// ArtefactError — never another exception, never a half-read artefact.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from './support/fast-check.js';
import { flatten } from '../compiler/flatten/flatten.js';
import { encodeArtefact, packPairs } from '../compiler/encode/encode.js';
import { PackedPairs } from '../runtime/artefact/packed.js';
import { ArtefactError, decodeArtefact, type Artefact } from '../runtime/artefact/decode.js';
import { lookupCall, tableEntry } from '../runtime/artefact/lookup.js';
import * as F from '../runtime/artefact/format.js';
import { Router } from '../runtime/router/router.js';
import { card, customer, deck, repository, route } from './reference/build-repo.js';

function sample(): Uint8Array {
  const repo = repository({
    decks: [
      deck('a', 'ca', [{ prefix: '44', rate: 10_000, destination: 'UK' }, { prefix: '441', rate: 9_000 }, { prefix: '1', rate: 4_000 }]),
      deck('b', 'cb', [{ prefix: '447', rate: 20_000, type: 'mobile', destination: 'UK mobile' }, { prefix: '1212', rate: 3_000, connectFee: 10 }], 'EUR'),
    ],
    cards: [card('k', ['a', 'b'], { compact: 'average', currency: 'USD' }), card('w', ['a', 'b'], { strategy: 'weighted', weights: new Map([['a', 2], ['b', 0.5]]) })],
    customers: [
      customer('acme', [route('all', 'acme', 'k', { techPrefix: '99' }), route('uk', 'acme', 'w', { dial: { any: false, prefixes: ['44'], regex: [], prefixSets: [] } })], ['10.0.0.0/8', '2001:db8::/32']),
      customer('beta', [route('pa', 'beta', 'k', { profitAssurance: true, lock: ['a'] })], ['192.0.2.7']),
    ],
    fx: [['EUR', 1_080_000]],
  });
  return encodeArtefact(flatten(repo, { asOf: 0 }), { serial: 42, revision: 'deadbeef' }).bytes;
}

/** Uses every part of a decoded artefact, as a server would. */
function exercise(a: Artefact): void {
  for (let t = 0; t < a.counts.tables; t++) for (const n of ['', '4', '44', '447', '4479', '1212', '99447', '0']) tableEntry(a, t, n);
  for (const c of ['acme', 'beta']) for (const n of ['447911', '99447911', '1212555']) lookupCall(a, c, n);
  for (let i = 0; i < a.stringOffsets.length - 1; i++) a.string(i);
}

describe('artefact header', () => {
  it('carries magic, version, serial, revision and a content hash', () => {
    const bytes = sample();
    expect([...bytes.subarray(0, 8)]).toEqual([...F.MAGIC]);
    const a = decodeArtefact(bytes);
    expect(a.major).toBe(F.FORMAT_MAJOR);
    expect(a.serial).toBe(42);
    expect(a.revision).toBe('deadbeef');
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const byId = Object.entries(F.SECTION_ID).sort((x, y) => x[1] - y[1]).map(([name]) => name);
    expect(a.sections.map((s) => s.name)).toEqual(byId);
  });

  it('answers a compiled lookup with tech prefix, route choice and candidates', () => {
    const a = decodeArtefact(sample());
    const r = lookupCall(a, 'acme', '99447911');
    expect(r.ok && r.result.route).toBe('all');
    expect(r.ok && r.result.entry?.prefix).toBe('447');
    expect(r.ok && r.result.entry?.candidates.map((c) => c.deck)).toEqual(['a', 'b']);
    const uk = lookupCall(a, 'acme', '447911');
    expect(uk.ok && uk.result.route).toBe('uk');
    expect(uk.ok && uk.result.dynamic).toBe(true);
    expect(lookupCall(a, 'acme', '33123')).toEqual({ ok: false, reason: 'blockedByDialplan' });
    expect(lookupCall(a, 'nobody', '44')).toEqual({ ok: false, reason: 'unknownCustomer' });
  });
});

describe('artefact reader refuses damage', () => {
  it('refuses every truncation with an ArtefactError', () => {
    const bytes = sample();
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeArtefact(bytes.slice(0, n), { verifyHash: false }), `length ${n}`).toThrow(ArtefactError);
    }
  });

  it('refuses any changed byte when checking the content hash', () => {
    const bytes = sample();
    fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = bytes.slice();
      bad[at]! ^= x;
      expect(() => decodeArtefact(bad)).toThrow(ArtefactError);
    }), { numRuns: 500 });
  });

  it('without the hash, either refuses random corruption with an ArtefactError or yields an artefact every lookup can use', () => {
    const bytes = sample();
    let refused = 0;
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
      const bad = bytes.slice();
      for (const [at, v] of edits) bad[at] = v;
      let a: Artefact;
      try {
        a = decodeArtefact(bad, { verifyHash: false });
      } catch (err) {
        expect(err).toBeInstanceOf(ArtefactError);
        refused++;
        return;
      }
      exercise(a);
    }), { numRuns: 2000 });
    expect(refused).toBeGreaterThan(0);
  });

  it('applies the size limit before reading anything', () => {
    const bytes = sample();
    expect(() => decodeArtefact(bytes, { maxBytes: bytes.length - 1 })).toThrow(expect.objectContaining({ code: 'too-large' }));
  });

  it('refuses a file of another format version', () => {
    const bad = sample();
    bad[F.H.major] = F.FORMAT_MAJOR - 1;
    expect(() => decodeArtefact(bad, { verifyHash: false })).toThrow(expect.objectContaining({ code: 'bad-version' }));
  });

  it('refuses a trie whose children are not later nodes of the same trie, and values that do not add up', () => {
    const bytes = sample();
    const a = decodeArtefact(bytes);
    const nodes = a.sections.find((x) => x.name === 'nodes')!;
    const views = a.sections.find((x) => x.name === 'viewNodes')!;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const edit = (at: number, word: number) => {
      const bad = bytes.slice();
      new DataView(bad.buffer).setUint32(at, word >>> 0, true);
      return () => decodeArtefact(bad, { verifyHash: false });
    };
    const root = view.getUint32(nodes.offset, true);
    expect(root & F.NODE_DIGITS).not.toBe(0);
    // The root's children moved onto the root itself (a cycle), or past the end of its trie.
    expect(edit(nodes.offset, root & F.NODE_DIGITS)).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    expect(edit(nodes.offset, (root & F.NODE_DIGITS) | (nodes.count << F.NODE_CHILD_SHIFT))).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    // A leaf given a child offset without children; a rate out of range.
    const lastNode = nodes.offset + (nodes.count - 1) * 4 * F.TABLE_NODE_WORDS;
    expect(edit(lastNode, 5 << F.NODE_CHILD_SHIFT)).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    expect(edit(views.offset + 4, a.counts.rates)).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    // The same faults in a deck view's trie, and the message names the node: the check runs
    // without a branch per node, then looks for the faulty one.
    const viewRoot = view.getUint32(views.offset, true);
    expect(viewRoot & F.NODE_DIGITS).not.toBe(0);
    expect(edit(views.offset, viewRoot & F.NODE_DIGITS)).toThrow(/views\[0\]: node 0: children 0\+\d+ are not later nodes/);
    const lastViewNode = views.offset + (views.count - 1) * 4 * F.VIEW_NODE_WORDS;
    expect(edit(lastViewNode, 3 << F.NODE_CHILD_SHIFT)).toThrow(expect.objectContaining({ code: 'bad-trie', message: expect.stringMatching(/has a child offset but no children/) }));
    expect(edit(lastNode, 1 | (5 << F.NODE_CHILD_SHIFT))).toThrow(/tables\[\d+\]: node \d+: children 5\+1 are not later nodes/);
    // One more node marked as holding a value than VALUES holds; a block's count that lies; a value
    // naming a shape that does not exist.
    const marks = a.sections.find((x) => x.name === 'nodeValues')!;
    const bits = view.getUint32(marks.offset + 4, true);
    const unmarked = [...Array(Math.min(32, nodes.count)).keys()].find((i) => !((bits >>> i) & 1))!;
    expect(edit(marks.offset + 4, bits | (1 << unmarked))).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    expect(edit(marks.offset, 7)).toThrow(expect.objectContaining({ code: 'bad-trie' }));
    const values = a.sections.find((x) => x.name === 'values')!;
    const shapeMax = (1 << a.values.lowBits) - 1;
    expect(shapeMax).toBeGreaterThanOrEqual(a.counts.shapes); // the sample leaves room for a bad index
    const record0 = values.offset + F.PACKED_PREAMBLE_BYTES;
    const bad = bytes.slice();
    bad[record0] = bad[record0]! | (shapeMax & 0xff);
    bad[record0 + 1] = bad[record0 + 1]! | (shapeMax >>> 8);
    expect(() => decodeArtefact(bad, { verifyHash: false })).toThrow(expect.objectContaining({ code: 'bad-reference' }));
  });

  it('refuses packed sections whose fields are too narrow for what they name, or whose tail is not zero', () => {
    const bytes = sample();
    const a = decodeArtefact(bytes);
    const values = a.sections.find((x) => x.name === 'values')!;
    const layout = new DataView(bytes.buffer, bytes.byteOffset).getUint32(values.offset, true);
    const edit = (at: number, word: number) => {
      const bad = bytes.slice();
      new DataView(bad.buffer).setUint32(at, word >>> 0, true);
      return () => decodeArtefact(bad, { verifyHash: false });
    };
    expect(a.values.lowBits).toBe(F.bitsFor(a.counts.shapes));
    expect(a.values.highBits).toBe(F.bitsFor(a.counts.money));
    // A shape field one bit narrower than the shape count needs (and a record width to match).
    if (a.counts.shapes > 1) {
      const lowBits = a.values.lowBits - 1, highBits = a.values.highBits;
      expect(edit(values.offset, lowBits | (highBits << 8) | (Math.ceil((lowBits + highBits) / 8) << 16))).toThrow(expect.objectContaining({ code: 'bad-section' }));
    }
    // A record width that does not follow from the field widths; reserved word set; tail not zero.
    expect(edit(values.offset, (layout & 0xffff) | (8 << 16))).toThrow(expect.objectContaining({ code: 'bad-section' }));
    expect(edit(values.offset + 4, 1)).toThrow(expect.objectContaining({ code: 'bad-section' }));
    expect(edit(values.offset + values.length - 4, 1)).toThrow(expect.objectContaining({ code: 'bad-section' }));
  });

  it('packs pairs of any field widths so that every record reads back exactly, and finds the first out of range', () => {
    const widths = fc.tuple(fc.integer({ min: 1, max: F.PACKED_MAX_FIELD_BITS }), fc.integer({ min: 1, max: F.PACKED_MAX_FIELD_BITS }));
    fc.assert(fc.property(widths, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), ([lowBits, highBits], raw) => {
      const lowCount = 2 ** lowBits, highCount = 2 ** highBits;
      // Extremes first: all-ones fields are where a shift or a mask goes wrong.
      const pairs = [[lowCount - 1, highCount - 1], [0, highCount - 1], [lowCount - 1, 0], ...raw.map(([l, h]) => [l % lowCount, h % highCount])];
      const section = packPairs(Uint32Array.from(pairs.flat()), lowCount, highCount);
      const recordBytes = Math.ceil((lowBits + highBits) / 8);
      expect(section.length).toBe(F.packedSectionBytes(pairs.length, recordBytes));
      const p = new PackedPairs(section.subarray(F.PACKED_PREAMBLE_BYTES), lowBits, highBits, recordBytes, pairs.length);
      pairs.forEach(([l, h], i) => {
        expect(p.low(i)).toBe(l);
        expect(p.high(i)).toBe(h);
      });
      // The range scan decode runs (a branch-free pass, then a search) finds the first record
      // out of range at any bounds: every bound a field holds, its successor, and the widths' ends.
      for (const [l, h] of [...pairs.slice(0, 6), [lowCount, highCount], [0, 0]]) {
        for (const [lowEnd, highEnd] of [[l, highCount], [lowCount, h], [l + 1, h + 1], [l, h]]) {
          const expected = pairs.findIndex(([a, b]) => a >= lowEnd! || b >= highEnd!);
          expect(p.firstOutOfRange(lowEnd!, highEnd!)).toBe(expected);
        }
      }
    }), { numRuns: 500 });
  });

  it('reads bytes that start at an unaligned offset', () => {
    const bytes = sample();
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodeArtefact(shifted.subarray(1)).serial).toBe(42);
  });
});

describe('dialplane lookup', () => {
  it('chooses the ingress route the runtime would: longest tech prefix, then dial specificity, then precedence', () => {
    const dial = (prefixes: string[], regex: string[] = []) => ({ any: false, prefixes, regex: regex.map((source) => ({ source, path: [] })), prefixSets: [] });
    const repo = repository({
      decks: [deck('a', 'ca', [{ prefix: '44', rate: 10_000 }, { prefix: '1', rate: 4_000 }])],
      cards: [card('k', ['a'])],
      customers: [customer('acme', [
        route('uk', 'acme', 'k', { dial: dial(['44']) }),
        route('uk-mobile', 'acme', 'k', { dial: dial([], ['^447\\d+$']) }),
        route('london', 'acme', 'k', { dial: dial(['4420']) }),
        route('tech', 'acme', 'k', { techPrefix: '77', dial: dial(['1']) }),
        route('all', 'acme', 'k'),
      ], ['10.0.0.0/8'])],
    });
    const a = decodeArtefact(encodeArtefact(flatten(repo, { asOf: 0 }), { serial: 1, revision: '' }).bytes);
    const router = new Router(a);
    const expected: Record<string, string> = {
      '447911123456': 'uk-mobile', '442071234567': 'london', '441611234567': 'uk', '12125550100': 'all', '7712125550100': 'tech',
    };
    for (const [number, routeId] of Object.entries(expected)) {
      const r = lookupCall(a, 'acme', number);
      expect(r.ok && r.result.route, number).toBe(routeId);
      expect(router.decide({ src: '10.1.2.3', to: number }).route, number).toBe(routeId);
    }
    // A tech prefix whose routes all refuse the rest does not fall back to shorter tech prefixes.
    expect(lookupCall(a, 'acme', '774420')).toEqual({ ok: false, reason: 'blockedByDialplan' });
    expect(router.decide({ src: '10.1.2.3', to: '774420' }).reason).toBe(F.DEFAULT_REASONS.blockedByDialplan[1]);
  });
});

describe('the runtime stands alone', () => {
  it('imports nothing from the compiler', () => {
    const root = path.resolve(import.meta.dirname, '../runtime');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(path.join(root, f), 'utf8');
      expect(text, f).not.toMatch(/from\s+['"][^'"]*compiler\//);
    }
  });
});
