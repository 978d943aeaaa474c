// The byte-level fast path for CSV decks (deck-csv-bytes.ts) against the general reader: for any
// deck, reading it with the fast path allowed must give exactly the rows, names and diagnostics the
// general reader gives — the fast path either vouches for a clean deck or steps aside.
import fc from './support/fast-check.js';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../compiler/diagnostics.js';
import { csvDeckFromBytes, generalCsvDeckFromBytes, type DeckDefaults, type LoadCsvDeckOptions } from '../compiler/load/deck-csv.js';
import { packDeck, unpackDeck } from '../compiler/load/deck-csv-bytes.js';
import { DESTINATION_TYPES, type DeckRows } from '../compiler/model/deck.js';
import type { CsvSource } from '../schemas/types.js';

const DEFAULTS: DeckDefaults = { connectFee: 250, initial: 60, increment: 60, type: DESTINATION_TYPES.indexOf('fixed') };

function plain(rows: DeckRows) {
  return {
    count: rows.count, prefix: rows.prefix, names: rows.names, destination: [...rows.destination], rate: [...rows.rate],
    connectFee: [...rows.connectFee], initial: [...rows.initial], increment: [...rows.increment], type: [...rows.type],
    effective: [...rows.effective], line: [...rows.line],
  };
}

interface Read {
  rows: ReturnType<typeof plain>;
  diagnostics: unknown[];
  dropped: unknown[];
  errors: number;
  missing: string[];
  fast: boolean;
}

function read(bytes: Uint8Array, source: CsvSource, general: boolean, max = 1000): Read {
  const bag = new DiagnosticBag(max);
  const missing: string[] = [];
  const opts: Omit<LoadCsvDeckOptions, 'absPath'> = {
    file: 'deck.csv', source, defaults: DEFAULTS, bag,
    onMissingColumn: (field, name, message, at) => missing.push(`${field} ${name} ${message} ${at.line}:${at.col}`),
  };
  const delimiter = source.delimiter ?? ',';
  const out = general ? generalCsvDeckFromBytes(bytes, opts, delimiter) : csvDeckFromBytes(bytes, opts, delimiter);
  const fast = 'prefixes' in out;
  const rows = fast ? unpackDeck(out) : out;
  return { rows: plain(rows), diagnostics: bag.items, dropped: [...bag.dropped], errors: bag.errors, missing, fast };
}

function same(text: string | Uint8Array, source: CsvSource, max?: number): Read {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const fast = read(bytes, source, false, max);
  const general = read(bytes, source, true, max);
  expect({ ...fast, fast: undefined }).toEqual({ ...general, fast: undefined });
  return fast;
}

const SOURCE: CsvSource = {
  file: 'deck.csv',
  columns: { prefix: 'prefix', destination: 'destination', rate: 'rate', connectFee: 'fee', billing: 'billing', type: 'type', effective: 'from' },
};
const HEADER = 'prefix,destination,rate,fee,billing,type,from';

// Cell spellings, good and bad, that the two paths must agree on: mostly good ones, so that many
// decks are clean and the fast path reads them, with a bad or odd one now and then.
const mostly = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: bad });
const prefixCell = mostly(
  fc.oneof(fc.integer({ min: 1, max: 99_999_999 }).map(String), fc.constantFrom('+447', '0044', '1234567890123456', '12345678901234567', ' 44 ', '"44"')),
  fc.constantFrom('', '4a', '4.4e5', '44.0', '123456789012345678901', '44\u00a0', '"4""4"', '44', '44'),
);
const destCell = mostly(
  fc.constantFrom('UK', 'UK Mobile', '"UK, Mobile"', ' UK ', '"a ""b"" c"', 'Côte d\'Ivoire', '"UK"', ' "UK" ', 'Ελλάδα', 'A very long destination name of forty bytes', ''),
  fc.constantFrom('UK\u00a0', '\u00a0UK', '"UK"x', 'U"K', '\ufeffUK', 'UK\ufffd', '"a\rb"'),
);
const rateCell = mostly(
  fc.constantFrom('0.0125', '0.01', '12', '.0125', '1.2e-2', '0.01250000', '123456789', ' 0.5 ', '"0.5"', '0.000001'),
  fc.constantFrom('0.0000001', '-0.1', 'abc', '', '0,0125', '1234567890', '0.', '1e400'),
);
const feeCell = mostly(fc.constantFrom('', '0', '0.5', '.5', ' '), fc.constantFrom('x', '-1', '0.1234567'));
const billingCell = mostly(
  fc.constantFrom('60/60', '1/1', '30/6', '', '60 / 60', '0060/1', '3600/3600'),
  fc.constantFrom('0/60', '60/0', '3601/1', '60', '/60', '60/60/60', '00060/1', 'a/b', '60/\u00a060'),
);
const typeCell = mostly(fc.constantFrom('fixed', 'mobile', 'Toll Free', 'TOLL_FREE', '', ' mobile ', 'cellular'), fc.constantFrom('bogus', 'fixed\u00a0'));
const dateCell = mostly(fc.constantFrom('', '2024-06-01', '2024-06-01', '2024-07-01T00:00:00Z', '2024-06-01 08:00', '2024-06-01T02:00:00+02:00'), fc.constantFrom('2024-02-30', 'soon', '0000-00-00'));

const row = fc.tuple(prefixCell, destCell, rateCell, feeCell, billingCell, typeCell, dateCell).map((cells) => cells.join(','));
const oddRow = fc.constantFrom('', ' ', ',,,,,,', '44,UK', '"unterminated,1', '44,"two\nlines",0.1,,,,', '44,UK,0.1,,,,,extra,cells');
const lineBreak = fc.constantFrom('\n', '\r\n', '\r');

describe('CSV deck fast path', () => {
  it('reads a clean deck itself, with the general reader\'s rows', () => {
    const text = `${HEADER}\n44,UK,0.01,,60/60,fixed,\n+447,"UK, Mobile",.02,0.5,1/1,mobile,2024-06-01\n4420,Côte d'Ivoire,0.1,,,,\n44,UK,0.01,,60/60,fixed,2024-07-01\n\n`;
    expect(same(text, SOURCE).fast).toBe(true);
    expect(same(`\ufeff${HEADER}\r\n44,UK,0.01,,60/60,fixed,\r\n`, SOURCE).fast).toBe(true);
  });

  it('steps aside for anything the general reader reports', () => {
    expect(same(`${HEADER}\n44,UK,0.01,,60/60,fixed,\n44,UK,0.01,,60/60,fixed,\n`, SOURCE).fast).toBe(false); // DP3004
    expect(same(`${HEADER}\n\n44,UK,0.01,,60/60,fixed,\n`, SOURCE).fast).toBe(false); // DP1011
    expect(same(`${HEADER}\n44,UK,0.01,,60/0,fixed,\n`, SOURCE).fast).toBe(false); // DP1016
    expect(same(`prefix,rate\n44,0.1\n`, SOURCE).fast).toBe(false); // DP1015 via onMissingColumn
  });

  it('agrees with the general reader on any deck', () => {
    const deck = fc.record({
      bom: fc.constantFrom(false, false, false, true),
      skip: fc.constantFrom(0, 0, 0, 1, 2),
      header: fc.constantFrom(HEADER, HEADER, `"prefix","destination","rate","fee","billing","type","from"`, 'Prefix,Destination,Rate,Fee,Billing,Type,From', 'prefix,rate'),
      rows: fc.array(fc.oneof({ weight: 30, arbitrary: row }, { weight: 1, arbitrary: oddRow }), { maxLength: 12 }),
      breaks: fc.array(lineBreak, { minLength: 16, maxLength: 16 }),
      end: fc.constantFrom('', '\n', '\n\n', '\r\n'),
      delimiter: fc.constantFrom(',', ',', ',', ';', '\t', '|', ' '),
      max: fc.constantFrom(1000, 3),
    });
    let fastDecks = 0;
    const runs = Number(process.env.FUZZ_RUNS ?? 3000);
    fc.assert(
      fc.property(deck, (d) => {
        const lines = [...Array(d.skip).fill('Rates "as of" June'), d.header, ...d.rows];
        let text = (d.bom ? '\ufeff' : '') + lines.map((l, i) => l + (i < lines.length - 1 ? d.breaks[i % 16] : '')).join('') + d.end;
        if (d.delimiter !== ',') text = text.replaceAll(',', d.delimiter);
        const r = same(text, { ...SOURCE, delimiter: d.delimiter, skipRows: d.skip }, d.max);
        if (r.fast) fastDecks++;
      }),
      { numRuns: runs },
    );
    // Not a vacuous agreement: a good share of the decks were read by the fast path (~25 %).
    expect(fastDecks).toBeGreaterThan(runs / 10);
  }, 180_000); // 22 s on a loaded 2-core machine

  it('agrees on decks without a header, mapped by position', () => {
    const source: CsvSource = { file: 'deck.csv', header: false, columns: { prefix: 1, rate: 3, destination: 2, initial: 4, increment: 5 } };
    const seconds = mostly(fc.constantFrom('', '1', '60', ' 30 ', '3600'), fc.constantFrom('0', '3601', 'x', '12345'));
    const line = fc.tuple(prefixCell, destCell, rateCell, seconds, seconds).map((c) => c.join(','));
    fc.assert(fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
      same(lines.join('\n'), source);
    }), { numRuns: 1000 });
  });

  it('packs and unpacks rows without change', () => {
    const read1 = read(Buffer.from(`${HEADER}\n44,UK,0.01,,60/60,fixed,\n12345678901234567,X,1,,,,\n`), SOURCE, true);
    const general = generalCsvDeckFromBytes(Buffer.from(`${HEADER}\n44,UK,0.01,,60/60,fixed,\n12345678901234567,X,1,,,,\n`), { file: 'deck.csv', source: SOURCE, defaults: DEFAULTS, bag: new DiagnosticBag() }, ',');
    expect(plain(unpackDeck(packDeck(general)))).toEqual(read1.rows);
    expect(plain(unpackDeck(packDeck(generalCsvDeckFromBytes(Buffer.from('prefix,rate\n'), { file: 'd.csv', source: { file: 'd.csv', columns: { prefix: 'prefix', rate: 'rate' } }, defaults: DEFAULTS, bag: new DiagnosticBag() }, ','))))).toMatchObject({ count: 0, prefix: [] });
  });
});
