// Diagnostics are values, never thrown strings: every phase appends to a DiagnosticBag and the
// CLI prints them at the edge, sorted by position (cf. TypeScript's Diagnostic, OPA's Errors.Sort).
import { MESSAGES, type DiagnosticCode } from './messages.js';

export type Severity = 'error' | 'warning';

export interface Location {
  /** Path relative to the repository root, with '/' separators. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units). */
  col: number;
  /** Length of the marked span, when known. */
  length?: number;
}

export interface RelatedLocation extends Location {
  message: string;
}

export interface Diagnostic extends Location {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  related?: RelatedLocation[];
}

/** The default cap: a 300k-row deck with a systematic defect must not print 300k lines. */
export const DEFAULT_MAX_DIAGNOSTICS = 1000;

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** Diagnostics not kept because the cap was reached, per code. */
  readonly dropped = new Map<DiagnosticCode, number>();
  private errorCount = 0;

  constructor(private readonly max = DEFAULT_MAX_DIAGNOSTICS) {}

  /** Reports a catalogued diagnostic; the severity comes from the catalogue. */
  report(code: DiagnosticCode, at: Location, message: string, related?: RelatedLocation[]): void {
    const severity = MESSAGES[code].severity;
    if (severity === 'error') this.errorCount++;
    if (this.items.length >= this.max) {
      this.dropped.set(code, (this.dropped.get(code) ?? 0) + 1);
      return;
    }
    const d: Diagnostic = { code, severity, file: at.file, line: at.line, col: at.col, message };
    if (at.length !== undefined) d.length = at.length;
    if (related && related.length > 0) d.related = related;
    this.items.push(d);
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  get errors(): number {
    return this.errorCount;
  }

  get warnings(): number {
    return this.items.length - this.items.filter((d) => d.severity === 'error').length;
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function formatLocation(at: Location): string {
  return `${at.file}:${at.line}:${at.col}`;
}
