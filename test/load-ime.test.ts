// Interconnect-Made-Easy (formerly Open Rate Card) JSON rate decks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../compiler/diagnostics.js';
import type { DeckDefaults } from '../compiler/load/deck-csv.js';
import { loadImeDeck } from '../compiler/load/deck-ime.js';
import { DESTINATION_TYPES, type DeckRows } from '../compiler/model/deck.js';
import type { ImeSource } from '../schemas/types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'decks');
const tmp = mkdtempSync(join(tmpdir(), 'dialplane-ime-'));
let tmpCount = 0;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DEFAULTS: DeckDefaults = { connectFee: 0, initial: 60, increment: 60, type: DESTINATION_TYPES.indexOf('fixed') };
const typeName = (rows: DeckRows, i: number) => DESTINATION_TYPES[rows.type[i]!];

async function load(text: string, source: Partial<ImeSource> = {}, bag = new DiagnosticBag()) {
  const absPath = join(tmp, `d${tmpCount++}.json`);
  writeFileSync(absPath, text);
  const deck = await loadImeDeck({ absPath, file: 'ime.json', source: { format: 'ime', file: 'ime.json', ...source }, defaults: DEFAULTS, bag });
  return { deck: deck!, bag };
}

/** "line:col CODE" for each diagnostic, in position order. */
function where(bag: DiagnosticBag): string[] {
  return bag.sorted().map((d) => `${d.line}:${d.col} ${d.code}`);
}

/** The 1-based "line:col" of the `nth` occurrence of `needle` in `text`, `shift` characters in. */
function pos(text: string, needle: string, nth = 0, shift = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${needle} not in text`);
  }
  const before = text.slice(0, i);
  const line = before.split('\n').length;
  return `${line}:${i - before.lastIndexOf('\n') + shift}`;
}

/**
 * A valid document with one card "default" (plus `more` cards); `rates` is pasted in as raw JSON
 * text so numbers keep the exact spelling a test needs.
 */
function doc(card: Record<string, unknown>, rates: string, more: Record<string, unknown> = {}): string {
  const base = { name: 'x', type: 'termination', currency: 'USD', endpoint: 'default' };
  const text = JSON.stringify({
    name: 'Test Carrier', schema_version: '1.0.0', version: '1.0', date: '2024-06-01',
    cards: { default: { ...base, fields: [{ name: 'prefix' }, { name: 'name' }, { name: 'rate' }], ...card, rates: '@RATES@' }, ...more },
  }, null, 2);
  return text.replace('"@RATES@"', rates);
}

describe('Interconnect-Made-Easy decks', () => {
  it('loads the specification example: 3 rows at exactly 12000, 25000 and 28000 micros', async () => {
    const bag = new DiagnosticBag();
    const deck = (await loadImeDeck({
      absPath: join(FIXTURES, 'example.json'), file: 'decks/example.json', source: { format: 'ime', file: 'example.json' }, defaults: DEFAULTS, bag,
    }))!;
    expect(bag.items).toEqual([]);
    expect(deck.cardKey).toBe('default');
    expect(deck.currency).toBe('USD');
    expect(deck.techPrefix).toBe('555');
    const { rows } = deck;
    expect(rows.count).toBe(3);
    expect(rows.prefix).toEqual(['441', '442', '447']);
    expect([...rows.rate]).toEqual([12_000, 25_000, 28_000]);
    expect([...rows.destination].map((i) => rows.names[i])).toEqual(['United Kingdom Landline', 'United Kingdom Mobile', 'United Kingdom Mobile']);
    expect([0, 1, 2].map((i) => typeName(rows, i))).toEqual(['fixed', 'mobile', 'mobile']); // "landline" is fixed
    expect([...rows.connectFee]).toEqual([0, 0, 0]);
    expect([...rows.initial, ...rows.increment]).toEqual([60, 60, 60, 60, 60, 60]);
    expect([...rows.effective]).toEqual([Date.UTC(2024, 5, 1), Date.UTC(2024, 5, 1), Date.UTC(2024, 5, 1)]);
    expect([...rows.line]).toEqual([73, 74, 75]);
  });

  it('reads money from the literal as written, not from its float', async () => {
    const text = doc({}, '[["44", "A", 0.1000000000000000055511], ["45", "B", 1.2e-2], ["46", "C", "0.0125"], ["47", "D", 0.30], ["48", "E", 0.1]]');
    const { deck, bag } = await load(text);
    // As a float 0.1000000000000000055511 is 0.1; as written it has 22 decimals.
    expect(where(bag)).toEqual([`${pos(text, '0.1000000000000000055511')} DP3012`]);
    expect(bag.items[0]!.message).toBe('rate "0.1000000000000000055511" has more than 6 decimal places and cannot be held exactly');
    expect(deck.rows.prefix).toEqual(['45', '46', '47', '48']);
    expect([...deck.rows.rate]).toEqual([12_000, 12_500, 300_000, 100_000]);
  });

  it('reports a document that is not JSON (DP1020) at the offending character', async () => {
    const trailing = doc({}, '[["44", "A", 0.1],]');
    const r1 = await load(trailing);
    expect(where(r1.bag)).toEqual([`${pos(trailing, ',]', 0, 1)} DP1020`]);
    expect(r1.bag.items[0]!.message).toMatch(/no trailing commas/);
    expect(r1.deck.rows.count).toBe(0);

    const comment = doc({}, '[["44", "A", 0.1] // UK\n]');
    const r2 = await load(comment);
    expect(where(r2.bag)).toEqual([`${pos(comment, '// UK')} DP1020`]);
    expect(r2.bag.items[0]!.message).toMatch(/comments are not allowed/);
  });

  it('reports schema violations (DP1021) at the value that breaks the schema and still reads the rows', async () => {
    const text = doc({ type: 'bogus', currency: 'usd', endpoint: undefined }, '[["44", "A", 0.1], 5]');
    const { deck, bag } = await load(text);
    expect(where(bag)).toEqual([
      `${pos(text, '{', 2)} DP1021`, // the card: no endpoint
      `${pos(text, '"bogus"')} DP1021`,
      `${pos(text, '"usd"')} DP1021`,
      `${pos(text, '5]')} DP1021`, // a rates row must be an array
    ]);
    const messages = bag.sorted().map((d) => d.message);
    expect(messages[0]).toBe('cards.default must have the property "endpoint"');
    expect(messages[1]).toMatch(/^cards\.default\.type must be one of "termination", "origination"/);
    expect(messages[2]).toMatch(/^cards\.default\.currency must match pattern/);
    expect(messages[3]).toBe('cards.default.rates[1] must be array');
    expect(deck.rows.prefix).toEqual(['44']);
  });

  it('picks the card named in source.card, else the only card, else "default"', async () => {
    const premium = { name: 'p', type: 'termination', currency: 'EUR', endpoint: 'default', tech_prefix: '99', fields: [{ name: 'prefix' }, { name: 'rate' }], rates: [['33', 0.5]] };
    const text = doc({}, '[["44", "A", 0.1]]', { premium });
    const byDefault = await load(text);
    expect(byDefault.deck.cardKey).toBe('default');
    expect(byDefault.deck.rows.prefix).toEqual(['44']);
    const named = await load(text, { card: 'premium' });
    expect(named.bag.items).toEqual([]);
    expect(named.deck).toMatchObject({ cardKey: 'premium', currency: 'EUR', techPrefix: '99' });
    expect([...named.deck.rows.rate]).toEqual([500_000]);

    const only = JSON.stringify({ name: 'x', schema_version: '1.0.0', version: '1.0', date: '2024-06-01', cards: { premium } });
    expect((await load(only)).deck.cardKey).toBe('premium');
  });

  it('reports a missing card (DP1022) at "cards"', async () => {
    const text = doc({}, '[]', { premium: { name: 'p', type: 'termination', currency: 'EUR', endpoint: 'default' } });
    const missing = await load(text, { card: 'gold' });
    expect(where(missing.bag)).toEqual([`${pos(text, '"cards"')} DP1022`]);
    expect(missing.bag.items[0]!.message).toMatch(/^card "gold" is not in .*ime\.json \(its cards: "default", "premium"\)$/);
    expect(missing.deck.rows.count).toBe(0);

    const noDefault = text.replace('"default": {\n      "name"', '"standard": {\n      "name"');
    const r = await load(noDefault);
    expect(r.bag.items.map((d) => d.code)).toEqual(['DP1022']);
    expect(r.bag.items[0]!.message).toMatch(/has 2 cards \("standard", "premium"\) and none is called "default"/);
  });

  it('reports a card without a prefix or rate field (DP1022) at its fields', async () => {
    const text = doc({ fields: [{ name: 'prefix' }, { name: 'price' }] }, '[["44", 0.1]]');
    const { deck, bag } = await load(text);
    expect(where(bag)).toEqual([`${pos(text, '"fields": [', 0, '"fields": '.length)} DP1022`]);
    expect(bag.items[0]!.message).toBe('card "default" has no "rate" field (its fields: "prefix", "price")');
    expect(deck.rows.count).toBe(0);
  });

  it('reports bad row values (DP1023) at the cell, skips the row and keeps the others', async () => {
    const fields = [{ name: 'prefix' }, { name: 'name' }, { name: 'rate' }, { name: 'effective_date' }, { name: 'destination_type' }];
    const text = doc({ fields }, `[
      ["441", "ok", 0.1, "2024-06-01", "landline"],
      ["44x", "bad prefix", 0.1, null, null],
      ["443", "bad rate", "abc", null, null],
      ["444", "bad date", 0.1, "06/01/2024", null],
      ["445", "bad type", 0.1, null, "cosmic"],
      ["446", "not a value", true, null, null],
      ["447", "short row", 0.1],
      ["448", "ok", 0.2, null, null]
    ]`);
    const { deck, bag } = await load(text);
    expect(where(bag)).toEqual([
      `${pos(text, '"44x"')} DP1023`,
      `${pos(text, '"abc"')} DP1023`,
      `${pos(text, '"06/01/2024"')} DP1023`,
      `${pos(text, '"cosmic"')} DP1023`,
      `${pos(text, 'true')} DP1023`,
      `${pos(text, '["447"')} DP1023`,
    ]);
    const messages = bag.sorted().map((d) => d.message);
    expect(messages[1]).toBe('rate "abc" is not a decimal');
    expect(messages[4]).toBe('rate must be a string or a number, not true');
    expect(messages[5]).toBe("row has 3 values, but the card's fields name 5 columns");
    expect(deck.rows.prefix).toEqual(['441', '448']);
  });

  it("fills empty cells from the card's rate defaults, then the carrier card's", async () => {
    const fields = [{ name: 'prefix' }, { name: 'rate' }, { name: 'connection_fee' }, { name: 'initial_interval' }, { name: 'billing_interval' }];
    const text = doc({ fields, rate: { default_initial: 30, default_pulse: 6, connection: 0.05 } }, '[["44", 0.1, null, null, null], ["45", 0.1, 0, 1, 1]]');
    const { deck, bag } = await load(text);
    expect(bag.items).toEqual([]);
    expect([...deck.rows.connectFee]).toEqual([50_000, 0]);
    expect([...deck.rows.initial]).toEqual([30, 1]);
    expect([...deck.rows.increment]).toEqual([6, 1]);
  });

  it('reports a prefix listed twice at different rates (DP3003) and keeps the first', async () => {
    const text = doc({}, '[\n  ["44", "A", 0.1],\n  ["44", "A", 0.2],\n  ["44", "A", 0.1]\n]');
    const { deck, bag } = await load(text);
    expect(where(bag)).toEqual([`${pos(text, '"44"', 1)} DP3003`, `${pos(text, '"44"', 2)} DP3004`]);
    expect(bag.items[0]!.related).toEqual([{ file: 'ime.json', ...lineCol(pos(text, '["44"')), message: 'prefix "44" first listed here' }]);
    expect([...deck.rows.rate]).toEqual([100_000]);
  });

  it('accepts a byte-order mark and numbers as prefixes', async () => {
    const { deck, bag } = await load('\uFEFF' + doc({}, '[[441, "A", 1]]'));
    expect(bag.items).toEqual([]);
    expect(deck.rows.prefix).toEqual(['441']);
    expect([...deck.rows.rate]).toEqual([1_000_000]);
  });

  it('returns undefined for a document that cannot be read', async () => {
    const reasons: string[] = [];
    const deck = await loadImeDeck({
      absPath: join(tmp, 'none.json'), file: 'none.json', source: { format: 'ime', file: 'none.json' }, defaults: DEFAULTS, bag: new DiagnosticBag(),
      onReadError: (m) => reasons.push(m),
    });
    expect(deck).toBeUndefined();
    expect(reasons[0]).toMatch(/ENOENT/);
  });

  it('loads a 300k-row document', async () => {
    const n = 300_000;
    const rows: string[] = [];
    for (let i = 0; i < n; i++) rows.push(`["${1_201_000_000 + i * 7}", "US ${i % 500}", 0.00${(i % 9000) + 1000}]`);
    const text = doc({}, `[\n${rows.join(',\n')}\n]`);
    const t0 = performance.now();
    const { deck, bag } = await load(text);
    const ms = performance.now() - t0;
    console.log(`300k-row IME document (${(text.length / 1e6).toFixed(0)} MB): ${(n / ms / 1e3).toFixed(2)}M rows/s (${ms.toFixed(0)} ms)`);
    expect(bag.items).toEqual([]);
    expect(deck.rows.count).toBe(n);
    expect(deck.rows.line[n - 1]).toBe(text.split('\n').length - 4); // then ], }, }, }
  }, 180_000); // 19 s on a loaded 2-core machine
});

function lineCol(lc: string): { line: number; col: number } {
  const [line, col] = lc.split(':').map(Number);
  return { line: line!, col: col! };
}
