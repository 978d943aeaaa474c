// What every loader produces: one document of one kind, its plain value, and a way back from a
// path inside the value to the place in the file that wrote it. Nothing downstream knows whether
// a document was YAML or TypeScript except through these positions.
import type { Location } from './diagnostics.js';

export type DocumentKind =
  | 'network'
  | 'carrier'
  | 'carrier-card'
  | 'customer-card'
  | 'customer'
  | 'prefix-set'
  | 'number-list'
  | 'schedule'
  | 'route-test';

/** The folder gives the kind; `network` is the one top-level file. */
export const KIND_BY_FOLDER: Readonly<Record<string, DocumentKind>> = {
  carriers: 'carrier',
  'carrier-cards': 'carrier-card',
  'customer-cards': 'customer-card',
  customers: 'customer',
  'prefix-sets': 'prefix-set',
  'number-lists': 'number-list',
  schedules: 'schedule',
  tests: 'route-test',
};

export type PathSegment = string | number;

export interface SourceDocument {
  kind: DocumentKind;
  /** Repository-relative path with '/' separators, as printed in diagnostics. */
  file: string;
  absPath: string;
  format: 'yaml' | 'ts';
  /** The plain JSON-like value of the document. */
  value: unknown;
  /**
   * Where the value at `path` was written. `part: 'key'` points at the property name instead of
   * its value. A path that does not exist resolves to its nearest existing ancestor.
   */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): Location;
  /**
   * The exact source text of a numeric literal at `path` (e.g. "0.0125"), so money written as a
   * bare number is read as the decimal the operator typed, not as its binary float.
   */
  numberText(path: readonly PathSegment[]): string | undefined;
}

/** Maps UTF-16 offsets to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }

  lineText(text: string, line: number): string {
    const start = this.starts[line - 1] ?? text.length;
    const next = this.starts[line];
    return text.slice(start, next === undefined ? text.length : next - 1).replace(/\r$/, '');
  }
}
