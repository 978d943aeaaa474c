// Prefix sets and number lists (do-not-call) from CSV: the first column of every row, no header.
// Lists can be millions of lines, so values go into a plain array and their lines into a typed one.
//
//   441              → prefix "441"
//   +447700900123,x  → number "447700900123" (a leading '+' is dropped; later columns are ignored)
import type { DiagnosticBag } from '../diagnostics.js';
import { cellAt, ownString, readCsv, type CsvRow } from './csv.js';
import { normalizePrefix, prefixProblem } from './deck-csv.js';

export interface LoadListCsvOptions {
  absPath: string;
  /** Repository-relative path, for diagnostics. */
  file: string;
  /** prefix: 1-20 digits; number: a whole dialled number, 3-20 digits. */
  kind: 'prefix' | 'number';
  bag: DiagnosticBag;
  /** Called with the reason when the file cannot be read (the loader then returns undefined). */
  onReadError?: (message: string) => void;
}

export interface ListCsv {
  /** Values in file order, '+' stripped; duplicates are kept (the caller dedupes). */
  values: string[];
  /** 1-based line of each value. */
  lines: Uint32Array;
}

const MIN_NUMBER_DIGITS = 3;

/**
 * Loads a list. Undefined only when the file cannot be read (the caller reports DP1008); a bad
 * value is reported (DP3021) and left out. Empty rows are passed over silently at the end of the
 * file (a trailing blank line) and reported elsewhere (DP1011).
 */
export async function loadListCsv(opts: LoadListCsvOptions): Promise<ListCsv | undefined> {
  const { file, bag, kind } = opts;
  const minDigits = kind === 'number' ? MIN_NUMBER_DIGITS : 1;
  const values: string[] = [];
  let lines = new Uint32Array(1024);
  let emptyLines: number[] = [];

  const onRow = (row: CsvRow): void => {
    const raw = row.cells[0]?.trim() ?? '';
    if (!row.bad && raw === '' && row.cells.every((c) => c.trim() === '')) {
      emptyLines.push(row.line);
      return;
    }
    if (emptyLines.length > 0) {
      for (const line of emptyLines) bag.report('DP1011', { file, line, col: 1 }, `empty row in a ${kind} list (delete the line)`);
      emptyLines = [];
    }
    if (row.bad) return; // DP1010 already
    const value = normalizePrefix(raw, minDigits);
    if (value === undefined) {
      const { line, col } = cellAt(row, 0);
      bag.report('DP3021', { file, line, col, length: Math.max(1, row.cells[0]?.length ?? 1) },
        `${kind} ${prefixProblem(raw, minDigits, kind)}`);
      return;
    }
    if (values.length === lines.length) {
      const grown = new Uint32Array(lines.length * 2);
      grown.set(lines);
      lines = grown;
    }
    lines[values.length] = row.line;
    values.push(value.length >= 13 ? ownString(value) : value);
  };

  try {
    await readCsv(opts.absPath, { file, bag }, onRow);
  } catch (err) {
    if (!(err instanceof Error) || typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    opts.onReadError?.(err.message);
    return undefined;
  }
  return { values, lines: lines.slice(0, values.length) };
}
