// The streaming CSV reader, CSV rate decks and CSV prefix/number lists.
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from './support/fast-check.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticBag, type Diagnostic } from '../compiler/diagnostics.js';
import { CsvParser, parseCsv, readCsv, type CsvOptions, type CsvRow } from '../compiler/load/csv.js';
import { loadCsvDeck, parseEffectiveDate, type DeckDefaults } from '../compiler/load/deck-csv.js';
import { loadListCsv } from '../compiler/load/list-csv.js';
import { DESTINATION_TYPES, type DeckRows } from '../compiler/model/deck.js';
import type { CsvSource } from '../schemas/types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'decks');
const tmp = mkdtempSync(join(tmpdir(), 'dialplane-csv-'));
let tmpCount = 0;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `text` to a fresh temporary file and returns its path. */
function tmpFile(text: string, name = `f${tmpCount++}.csv`): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

/** "line:col CODE" for each diagnostic, in position order. */
function where(bag: DiagnosticBag): string[] {
  return bag.sorted().map((d) => `${d.line}:${d.col} ${d.code}`);
}

function rowsOf(text: string, opts: Partial<CsvOptions> = {}): { rows: CsvRow[]; bag: DiagnosticBag } {
  const bag = new DiagnosticBag();
  const rows: CsvRow[] = [];
  parseCsv(text, { file: 't.csv', bag, ...opts }, (r) => rows.push(r));
  return { rows, bag };
}

const cells = (rows: CsvRow[]) => rows.map((r) => r.cells);

const DEFAULTS: DeckDefaults = { connectFee: 0, initial: 60, increment: 60, type: DESTINATION_TYPES.indexOf('fixed') };
const typeName = (rows: DeckRows, i: number) => DESTINATION_TYPES[rows.type[i]!];

async function deck(absPath: string, source: Partial<CsvSource> & Pick<CsvSource, 'columns'>, bag = new DiagnosticBag()) {
  const rows = await loadCsvDeck({ absPath, file: 'deck.csv', source: { file: 'deck.csv', ...source }, defaults: DEFAULTS, bag });
  return { rows: rows!, bag };
}

describe('CSV reader', () => {
  it('reads quoted cells with delimiters, doubled quotes and line breaks inside', () => {
    const { rows, bag } = rowsOf('44,"United Kingdom, Mobile",0.0125\n"a ""quoted"" word","two\nlines",x\n');
    expect(bag.items).toEqual([]);
    expect(cells(rows)).toEqual([
      ['44', 'United Kingdom, Mobile', '0.0125'],
      ['a "quoted" word', 'two\nlines', 'x'],
    ]);
    expect(rows[0]!.cols).toEqual([1, 4, 29]);
    // A row spanning lines keeps the line of each cell: `x` is on line 3, column 8.
    expect(rows[1]!.line).toBe(2);
    expect(rows[1]!.cellLines).toEqual([2, 2, 3]);
    expect(rows[1]!.cols).toEqual([1, 21, 8]);
  });

  it('treats CRLF, LF and a lone CR as line breaks and keeps CRLF inside quotes', () => {
    const { rows } = rowsOf('a,b\r\nc,d\re,"f\r\ng"\r\nh,i');
    expect(cells(rows)).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f\r\ng'], ['h', 'i']]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  it('drops a byte-order mark and counts columns from the first visible character', () => {
    const { rows } = rowsOf('\uFEFFprefix,rate\n44,0.1\n');
    expect(rows[0]!.cells[0]).toBe('prefix');
    expect(rows[0]!.cols).toEqual([1, 8]);
  });

  it('reports empty lines as rows with no cells, but not the line break that ends the file', () => {
    expect(rowsOf('a\n').rows.length).toBe(1);
    expect(rowsOf('a').rows.length).toBe(1);
    expect(rowsOf('').rows.length).toBe(0);
    const { rows } = rowsOf('a\n\nb\n\n');
    expect(rows.map((r) => [r.line, r.cells.length])).toEqual([[1, 1], [2, 0], [3, 1], [4, 0]]);
    expect(rowsOf('a,\n').rows[0]!.cells).toEqual(['a', '']);
  });

  it('uses the configured delimiter', () => {
    expect(cells(rowsOf('44;"a;b";1\n', { delimiter: ';' }).rows)).toEqual([['44', 'a;b', '1']]);
    expect(cells(rowsOf('44\tx y\t1\n', { delimiter: '\t' }).rows)).toEqual([['44', 'x y', '1']]);
  });

  it('allows blanks around a quoted cell', () => {
    const { rows, bag } = rowsOf('44, "UK, Mobile" ,1\n');
    expect(bag.items).toEqual([]);
    expect(rows[0]!.cells).toEqual(['44', 'UK, Mobile', '1']);
    expect(rows[0]!.cols).toEqual([1, 5, 19]);
  });

  it('reports a stray quote in an unquoted cell (DP1010) at the quote and reads on from the next line', () => {
    const { rows, bag } = rowsOf('44,ab"c,1\n45,d,2\n');
    expect(where(bag)).toEqual(['1:6 DP1010']);
    expect(rows[0]!.bad).toBe(true);
    expect(rows[1]).toMatchObject({ bad: false, line: 2, cells: ['45', 'd', '2'] });
  });

  it('reports text after a closing quote (DP1010) at that text', () => {
    const { rows, bag } = rowsOf('44,"UK"x,1\n45,d,2\n');
    expect(where(bag)).toEqual(['1:8 DP1010']);
    expect(rows.filter((r) => !r.bad).map((r) => r.cells[0])).toEqual(['45']);
  });

  it('reports an unterminated quote (DP1010) where it opened and resumes on the next line', () => {
    const { rows, bag } = rowsOf('44,"UK,0.1\n45,DK,0.2\n46,SE,0.3\n');
    expect(where(bag)).toEqual(['1:4 DP1010']);
    expect(bag.items[0]!.message).toMatch(/unterminated/);
    expect(rows.filter((r) => !r.bad).map((r) => [r.line, ...r.cells])).toEqual([
      [2, '45', 'DK', '0.2'],
      [3, '46', 'SE', '0.3'],
    ]);
  });

  it('recovers from an unterminated quote when the rest of the file spans several chunks', () => {
    const bag = new DiagnosticBag();
    const rows: CsvRow[] = [];
    const p = new CsvParser({ file: 't.csv', bag }, (r) => rows.push(r));
    for (const chunk of ['44,"U', 'K,0.1\r', '\n45,DK', ',0.2\r\n']) p.push(chunk);
    p.end();
    expect(where(bag)).toEqual(['1:4 DP1010']);
    expect(rows.filter((r) => !r.bad).map((r) => [r.line, r.cols[1], ...r.cells])).toEqual([[2, 4, '45', 'DK', '0.2']]);
  });

  it('passes over skipped lines unparsed', () => {
    const { rows, bag } = rowsOf('Acme "Gold" deck\nnotes\nprefix,rate\n44,1\n', { skipLines: 2 });
    expect(bag.items).toEqual([]);
    expect(rows.map((r) => [r.line, ...r.cells])).toEqual([[3, 'prefix', 'rate'], [4, '44', '1']]);
  });

  it('gives the same rows and diagnostics however the text is cut into chunks', () => {
    const alphabet = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '\uFEFF');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 6 }), (chars, cuts) => {
        const text = chars.join('');
        const whole = rowsOf(text);
        const bag = new DiagnosticBag();
        const rows: CsvRow[] = [];
        const parser = new CsvParser({ file: 't.csv', bag }, (r) => rows.push(r));
        const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
        let from = 0;
        for (const at of [...points, text.length]) {
          parser.push(text.slice(from, at));
          from = at;
        }
        parser.end();
        expect(rows).toEqual(whole.rows);
        expect(bag.items).toEqual(whole.bag.items);
      }),
      { numRuns: 3000 },
    );
  });

  it('streams a file from disk', async () => {
    const bag = new DiagnosticBag();
    const rows: CsvRow[] = [];
    const stats = await readCsv(join(FIXTURES, 'carrier-b-bom-crlf.csv'), { file: 'b.csv', bag, delimiter: ';' }, (r) => rows.push(r));
    expect(stats).toEqual({ rows: 4, lines: 4 });
    expect(rows.map((r) => r.cells.length)).toEqual([5, 5, 0, 5]);
    await expect(readCsv(join(tmp, 'missing.csv'), { file: 'm.csv', bag }, () => {})).rejects.toThrow(/ENOENT/);
  });
});

describe('CSV rate decks', () => {
  const byName: CsvSource['columns'] = {
    prefix: 'Prefix', destination: 'Destination', rate: 'Rate', connectFee: 'Connect Fee', billing: 'Billing', type: 'Type', effective: 'Effective',
  };

  it('loads a deck with skipped title rows and columns named by the header', async () => {
    const { rows, bag } = await deck(join(FIXTURES, 'carrier-a.csv'), { skipRows: 2, columns: byName });
    expect(bag.items).toEqual([]);
    expect(rows.count).toBe(4);
    expect(rows.prefix).toEqual(['441', '447', '1800', '4420']);
    expect([...rows.destination].map((i) => rows.names[i])).toEqual([
      'United Kingdom, Landline', 'United Kingdom, Mobile "O2"', 'USA Toll Free', 'London\n(two-line name)',
    ]);
    expect([...rows.rate]).toEqual([12_000, 25_000, 100_000, 200_000]);
    expect([...rows.connectFee]).toEqual([0, 1_000, 0, 0]);
    expect([...rows.initial]).toEqual([60, 1, 60, 30]);
    expect([...rows.increment]).toEqual([60, 1, 60, 6]);
    expect([0, 1, 2, 3].map((i) => typeName(rows, i))).toEqual(['fixed', 'mobile', 'toll-free', 'fixed']);
    expect([...rows.effective]).toEqual([Date.UTC(2024, 5, 1), Date.UTC(2024, 5, 1), 0, Date.UTC(2024, 5, 1, 10, 30)]);
    expect([...rows.line]).toEqual([4, 5, 6, 7]);
  });

  it('reads the same deck with columns given by 1-based index', async () => {
    const { rows: named } = await deck(join(FIXTURES, 'carrier-a.csv'), { skipRows: 2, columns: byName });
    const { rows, bag } = await deck(join(FIXTURES, 'carrier-a.csv'), {
      skipRows: 2, columns: { prefix: 1, destination: 2, rate: 3, connectFee: 4, billing: 5, type: 6, effective: 7 },
    });
    expect(bag.items).toEqual([]);
    expect(rows).toEqual(named);
  });

  it('matches a header name case-insensitively when exactly one header fits', async () => {
    const { rows, bag } = await deck(tmpFile('Prefix,RATE\n44,0.1\n'), { columns: { prefix: 'prefix', rate: 'Rate' } });
    expect(bag.items).toEqual([]);
    expect(rows.prefix).toEqual(['44']);
  });

  it('reads a headerless deck with BOM, CRLF, semicolons and initial/increment columns', async () => {
    const { rows, bag } = await deck(join(FIXTURES, 'carrier-b-bom-crlf.csv'), {
      header: false, delimiter: ';', columns: { prefix: 1, destination: 2, rate: 3, initial: 4, increment: 5 },
    });
    expect(rows.prefix).toEqual(['441', '442', '443']);
    expect(rows.names).toEqual(['UK', 'UK; Mobile']);
    expect([...rows.initial]).toEqual([60, 1, 6]);
    expect([...rows.increment]).toEqual([60, 1, 6]);
    expect([...rows.line]).toEqual([1, 2, 4]);
    // The empty CRLF line in the middle is an error; its line number survives the CRLFs.
    expect(where(bag)).toEqual(['3:1 DP1011']);
  });

  it('applies the card defaults to missing columns and empty cells', async () => {
    const bag = new DiagnosticBag();
    const rows = (await loadCsvDeck({
      absPath: tmpFile('prefix,rate,fee,billing,type\n44,0.1,,,\n45,0.2,0.05,6/6,mobile\n'),
      file: 'd.csv',
      source: { file: 'd.csv', columns: { prefix: 'prefix', rate: 'rate', connectFee: 'fee', billing: 'billing', type: 'type' } },
      defaults: { connectFee: 10_000, initial: 30, increment: 6, type: DESTINATION_TYPES.indexOf('premium') },
      bag,
    }))!;
    expect(bag.items).toEqual([]);
    expect([...rows.connectFee]).toEqual([10_000, 50_000]);
    expect([...rows.initial]).toEqual([30, 6]);
    expect([...rows.increment]).toEqual([6, 6]);
    expect([typeName(rows, 0), typeName(rows, 1)]).toEqual(['premium', 'mobile']);
  });

  it('reads money exactly: "0.1" and "0.2" are 100000 and 200000 micros', async () => {
    const { rows } = await deck(tmpFile('p,r\n1,0.1\n2,0.2\n3,.0125\n4,0.123456\n5,12\n6,0.30\n'), { columns: { prefix: 'p', rate: 'r' } });
    expect([...rows.rate]).toEqual([100_000, 200_000, 12_500, 123_456, 12_000_000, 300_000]);
    expect(rows.rate[0]! + rows.rate[1]!).toBe(rows.rate[5]);
  });

  it('reports more than six decimals as money that cannot be held exactly (DP3012)', async () => {
    const { rows, bag } = await deck(tmpFile('p,r,f\n1,0.0000001,0\n2,0.1,0.00000005\n3,0.1000000,0\n'), { columns: { prefix: 'p', rate: 'r', connectFee: 'f' } });
    expect(where(bag)).toEqual(['2:3 DP3012', '3:7 DP3012']);
    expect(bag.items[0]!.message).toBe('rate "0.0000001" has more than 6 decimal places and cannot be held exactly');
    expect(rows.prefix).toEqual(['3']); // trailing zeros are exact
  });

  it('maps destination types case-insensitively, with common aliases', async () => {
    const types = ['Landline', 'fixed line', 'MOBILE', 'Cellular', 'wireless', 'premium_rate', 'tollfree', 'Toll Free', 'toll-free', 'freephone', 'shared cost', 'VOIP', 'personal_number', 'pager', 'Satellite', 'UAN', 'other'];
    const text = 'p,r,t\n' + types.map((t, i) => `${i + 1},0.1,${t}`).join('\n') + '\n';
    const { rows, bag } = await deck(tmpFile(text), { columns: { prefix: 'p', rate: 'r', type: 't' } });
    expect(bag.items).toEqual([]);
    expect(types.map((_, i) => typeName(rows, i))).toEqual([
      'fixed', 'fixed', 'mobile', 'mobile', 'mobile', 'premium', 'toll-free', 'toll-free', 'toll-free', 'toll-free',
      'shared-cost', 'voip', 'personal', 'pager', 'satellite', 'special', 'other',
    ]);
  });

  it('reads effective dates as YYYY-MM-DD or ISO date-times, in UTC unless an offset is given', () => {
    expect(parseEffectiveDate('2024-06-01')).toBe(Date.UTC(2024, 5, 1));
    expect(parseEffectiveDate('2024-06-01T08:00:00Z')).toBe(Date.UTC(2024, 5, 1, 8));
    expect(parseEffectiveDate('2024-06-01T08:00:00.250Z')).toBe(Date.UTC(2024, 5, 1, 8, 0, 0, 250));
    expect(parseEffectiveDate('2024-06-01 08:00')).toBe(Date.UTC(2024, 5, 1, 8));
    expect(parseEffectiveDate('2024-06-01T08:00:00+05:30')).toBe(Date.UTC(2024, 5, 1, 2, 30));
    expect(parseEffectiveDate('2024-06-01T08:00:00-0100')).toBe(Date.UTC(2024, 5, 1, 9));
    expect(parseEffectiveDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['2023-02-29', '2024-13-01', '2024-06-31', '01/06/2024', '2024-6-1', '0000-00-00', '2024-06-01T24:00:00Z', '2024-06-01T08:00:00+25:00', 'soon']) {
      expect(parseEffectiveDate(bad), bad).toBeUndefined();
    }
  });

  it('reports every bad row at its file:line:col, skips it, and keeps the good rows', async () => {
    const bag = new DiagnosticBag();
    const rows = (await loadCsvDeck({
      absPath: join(FIXTURES, 'bad-rows.csv'),
      file: 'carrier-a.csv',
      source: { file: 'bad-rows.csv', columns: { prefix: 'prefix', destination: 'destination', rate: 'rate', billing: 'billing', type: 'type', effective: 'effective' } },
      defaults: DEFAULTS,
      bag,
    }))!;
    expect(where(bag)).toEqual([
      '3:1 DP1013', // 44a
      '4:8 DP1012', // "0,12x"
      '5:8 DP3012', // 0.0000001
      '6:14 DP1016', // 60-60
      '7:20 DP1018', // landlinez
      '8:26 DP1017', // 2024-02-30
      '9:1 DP1011', // empty row
      '10:13 DP1014', // 447,UK,0.012 — no billing cell
      '11:1 DP3003', // 441 again at another rate
      '12:1 DP3004', // 441 again at the same rate
      '13:6 DP1010', // U"K
    ]);
    const byCode = (code: string) => bag.items.find((d) => d.code === code)!;
    expect(byCode('DP1012')).toMatchObject({ file: 'carrier-a.csv', line: 4, col: 8, message: 'rate "0,12x" is not a decimal' });
    expect(byCode('DP1014').message).toBe('row has 3 cells, but columns.billing is column 4');
    expect(byCode('DP3003').message).toMatch(/rate 0\.013 here, 0\.012 on line 2/);
    expect(byCode('DP3003').related).toEqual([{ file: 'carrier-a.csv', line: 2, col: 1, message: 'prefix "441" first listed here' }]);
    expect(byCode('DP3004').severity).toBe('warning');
    // The trailing blank line (15) is not reported; the good rows load, the first 441 wins.
    expect(rows.prefix).toEqual(['441', '449']);
    expect([...rows.rate]).toEqual([12_000, 10_000]);
  });

  it('reports prefixes that are not 1-20 digits (DP1013) and strips a leading +', async () => {
    const { rows, bag } = await deck(tmpFile('p,r\n+44,1\n123456789012345678901,1\n4.41E+02,1\n,1\n00 44,1\n'), { columns: { prefix: 'p', rate: 'r' } });
    expect(rows.prefix).toEqual(['44']);
    expect(where(bag)).toEqual(['3:1 DP1013', '4:1 DP1013', '5:1 DP1013', '6:1 DP1013']);
    expect(bag.items[0]!.message).toMatch(/21 digits/);
    expect(bag.items[1]!.message).toMatch(/scientific notation/);
  });

  it('checks billing cells: "60/60" columns and separate initial/increment columns (DP1016)', async () => {
    const { rows, bag } = await deck(tmpFile('p,r,b\n1,1,60/60\n2,1, 30 / 6 \n3,1,0/60\n4,1,60\n5,1,7200/60\n'), { columns: { prefix: 'p', rate: 'r', billing: 'b' } });
    expect(rows.prefix).toEqual(['1', '2']);
    expect([...rows.initial, ...rows.increment]).toEqual([60, 30, 60, 6]);
    expect(where(bag)).toEqual(['4:5 DP1016', '5:5 DP1016', '6:5 DP1016']);
    const sep = await deck(tmpFile('p,r,i,n\n1,1,1,1\n2,1,0,1\n3,1,1,x\n'), { columns: { prefix: 'p', rate: 'r', initial: 'i', increment: 'n' } });
    expect(where(sep.bag)).toEqual(['3:5 DP1016', '4:7 DP1016']);
  });

  it('reports a mapping that names a missing header (DP1015) at the header line, naming the mapping key', async () => {
    const bag = new DiagnosticBag();
    const rows = (await loadCsvDeck({
      absPath: tmpFile('title\nPrefix,Destination,Rate/min\n44,UK,0.1\n'),
      file: 'd.csv',
      source: { file: 'd.csv', skipRows: 1, columns: { prefix: 'Prefix', rate: 'Rate' } },
      defaults: DEFAULTS,
      bag,
    }))!;
    expect(where(bag)).toEqual(['2:1 DP1015']);
    expect(bag.items[0]!.message).toBe('columns.rate names "Rate", which is not in the header row ("Prefix", "Destination", "Rate/min")');
    expect(rows.count).toBe(0);
  });

  it('hands a missing header to onMissingColumn instead, so the caller can point at the card mapping', async () => {
    const missing: string[] = [];
    const bag = new DiagnosticBag();
    await loadCsvDeck({
      absPath: tmpFile('Prefix,Destination,Rate/min\n44,UK,0.1\n'),
      file: 'd.csv',
      source: { file: 'd.csv', columns: { prefix: 'Prefix', rate: 'Rate' } },
      defaults: DEFAULTS,
      bag,
      onMissingColumn: (field, name, message, header) => missing.push(`${field}=${name} ${header.line}:${header.col} ${message}`),
    });
    expect(where(bag)).toEqual([]);
    expect(missing).toEqual(['rate=Rate 1:1 columns.rate names "Rate", which is not in the header row ("Prefix", "Destination", "Rate/min")']);
  });

  it('reports a named column when the card says header: false (DP1015)', async () => {
    const { rows, bag } = await deck(tmpFile('44,0.1\n'), { header: false, columns: { prefix: 1, rate: 'Rate' } });
    expect(where(bag)).toEqual(['1:1 DP1015']);
    expect(bag.items[0]!.message).toMatch(/header: false/);
    expect(rows.count).toBe(0);
  });

  it('keeps rows of one prefix with different effective dates', async () => {
    const { rows, bag } = await deck(tmpFile('p,r,e\n44,0.1,2024-06-01\n44,0.2,2024-07-01\n44,0.1,\n44,0.3,2024-07-01T00:00:00Z\n'), { columns: { prefix: 'p', rate: 'r', effective: 'e' } });
    expect(rows.prefix).toEqual(['44', '44', '44']);
    expect(where(bag)).toEqual(['5:1 DP3003']); // 2024-07-01 and 2024-07-01T00:00:00Z are the same instant
  });

  it('tells prefixes apart by their digits, leading zeros and length included', async () => {
    const long = '1234567890123456'; // beyond the numeric fast path of the duplicate check
    const { rows, bag } = await deck(tmpFile(`p,r\n44,0.1\n044,0.2\n0044,0.3\n${long},0.1\n${long}7,0.1\n${long},0.1\n`), { columns: { prefix: 'p', rate: 'r' } });
    expect(rows.prefix).toEqual(['44', '044', '0044', long, `${long}7`]);
    expect(where(bag)).toEqual(['7:1 DP3004']);
  });

  it('reports a delimiter that cannot separate cells instead of reading the file', async () => {
    const { rows, bag } = await deck(tmpFile('44"0.1\n'), { delimiter: '"', columns: { prefix: 1, rate: 2 } });
    expect(rows.count).toBe(0);
    expect(bag.items.map((d) => d.code)).toEqual(['DP2003']);
  });

  it('returns undefined for a file that cannot be read, with the reason', async () => {
    const reasons: string[] = [];
    const bag = new DiagnosticBag();
    const rows = await loadCsvDeck({
      absPath: join(tmp, 'nope.csv'), file: 'nope.csv', source: { file: 'nope.csv', columns: { prefix: 1, rate: 2 } }, defaults: DEFAULTS, bag,
      onReadError: (m) => reasons.push(m),
    });
    expect(rows).toBeUndefined();
    expect(reasons[0]).toMatch(/ENOENT/);
    expect(bag.items).toEqual([]);
  });

  it('keeps reading past the diagnostics cap', async () => {
    const lines = ['p,r'];
    for (let i = 0; i < 50; i++) lines.push(`${i + 1},bad`, `${i + 1000},0.1`);
    const bag = new DiagnosticBag(5);
    const { rows } = await deck(tmpFile(lines.join('\n')), { columns: { prefix: 'p', rate: 'r' } }, bag);
    expect(bag.items.length).toBe(5);
    expect(bag.dropped.get('DP1012')).toBe(45);
    expect(bag.errors).toBe(50);
    expect(rows.count).toBe(50);
  });

  it('streams a 300k-row deck with bounded memory', async () => {
    const n = 300_000;
    const p = join(tmp, 'big.csv');
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(p);
      out.on('error', reject);
      out.write('prefix,destination,rate,connect_fee,billing,type,effective\n');
      const types = ['fixed', 'mobile', 'premium', 'toll-free'];
      let block = '';
      for (let i = 0; i < n; i++) {
        block += `${1_201_000_000 + i * 7},"United States - Region ${i % 500}, Area",0.00${(i % 9000) + 1000},0,60/60,${types[i % 4]},2024-06-01\n`;
        if (block.length > 1 << 20) {
          out.write(block);
          block = '';
        }
      }
      out.end(block, () => resolve());
    });
    const columns = { prefix: 'prefix', destination: 'destination', rate: 'rate', connectFee: 'connect_fee', billing: 'billing', type: 'type', effective: 'effective' };
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const { rows, bag } = await deck(p, { columns });
    const ms = performance.now() - t0;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;

    // The raw reader, warmed up: best of three passes.
    let rawMs = Infinity;
    let count = 0;
    for (let pass = 0; pass < 3; pass++) {
      count = 0;
      const t1 = performance.now();
      await readCsv(p, { file: 'big.csv', bag: new DiagnosticBag() }, () => count++);
      rawMs = Math.min(rawMs, performance.now() - t1);
    }
    console.log(`300k-row deck (${(statSync(p).size / 1e6).toFixed(0)} MB): reader ${(count / rawMs / 1e3).toFixed(2)}M rows/s (${rawMs.toFixed(0)} ms), `
      + `deck loader ${(rows.count / ms / 1e3).toFixed(2)}M rows/s (${ms.toFixed(0)} ms, first run), heap +${heapMb.toFixed(0)} MB`);

    expect(bag.items).toEqual([]);
    expect(rows.count).toBe(n);
    expect(count).toBe(n + 1);
    expect(rows.names.length).toBe(500);
    expect(rows.rate[1]).toBe(1_001); // "0.001001"
    // The deck's own columns are ~12 MB; anything near the file's size would mean it was held whole.
    expect(heapMb).toBeLessThan(200);
  }, 180_000); // 31 s on a loaded 2-core machine
});

describe('CSV prefix and number lists', () => {
  it('reads the first column of a prefix list, strips +, and skips a trailing blank line silently', async () => {
    const bag = new DiagnosticBag();
    const list = (await loadListCsv({ absPath: join(FIXTURES, 'prefixes.csv'), file: 'p.csv', kind: 'prefix', bag }))!;
    expect(bag.items).toEqual([]);
    expect(list.values).toEqual(['44', '4420', '1212555']);
    expect([...list.lines]).toEqual([1, 2, 3]);
  });

  it('reports numbers that are not 3-20 digits (DP3021) and empty rows before the end (DP1011)', async () => {
    const bag = new DiagnosticBag();
    const list = (await loadListCsv({ absPath: join(FIXTURES, 'dnc.csv'), file: 'dnc.csv', kind: 'number', bag }))!;
    expect(list.values).toEqual(['447700900123', '12025550143', '447700900999']);
    expect([...list.lines]).toEqual([1, 2, 5]);
    expect(where(bag)).toEqual(['3:1 DP3021', '4:1 DP1011', '6:1 DP3021']);
    expect(bag.items[0]!.message).toBe('number "12" has 2 digits; a number has 3 to 20');
  });

  it('accepts a one-digit prefix but not a one-digit number', async () => {
    const p = tmpFile('1\n');
    const prefixes = await loadListCsv({ absPath: p, file: 'l.csv', kind: 'prefix', bag: new DiagnosticBag() });
    expect(prefixes!.values).toEqual(['1']);
    const bag = new DiagnosticBag();
    expect((await loadListCsv({ absPath: p, file: 'l.csv', kind: 'number', bag }))!.values).toEqual([]);
    expect(bag.items.map((d: Diagnostic) => d.code)).toEqual(['DP3021']);
  });

  it('returns undefined for a list that cannot be read', async () => {
    expect(await loadListCsv({ absPath: join(tmp, 'none.csv'), file: 'none.csv', kind: 'prefix', bag: new DiagnosticBag() })).toBeUndefined();
  });
});
