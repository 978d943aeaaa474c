// Printing diagnostics at the edge: human (code frame, colour on a TTY), JSON, GitHub workflow
// commands. Diagnostics stay values until here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, DiagnosticBag } from '../compiler/diagnostics.js';
import { formatLocation } from '../compiler/diagnostics.js';
import { LineIndex } from '../compiler/source.js';

export type OutputFormat = 'human' | 'json' | 'github';

/**
 * Diagnostics name files relative to the repository root; printed, they are relative to the
 * working directory, so a terminal can open them and GitHub attaches annotations to the files of
 * the pull request (it resolves `file=` against the workspace, where the CLI runs).
 */
export function formatDiagnostics(bag: DiagnosticBag, root: string, format: OutputFormat, colour: boolean): string {
  const display = (file: string) => path.relative(process.cwd(), path.join(root, file)).split(path.sep).join('/') || file;
  if (format === 'json') {
    // Data for tools: files stay relative to the repository, whose own path is given once.
    return JSON.stringify({
      root: display('.') || '.',
      errors: bag.errors,
      warnings: bag.warnings,
      dropped: Object.fromEntries(bag.dropped),
      diagnostics: bag.sorted(),
    }, null, 2);
  }
  const list = bag.sorted().map((d) => ({
    ...d,
    file: display(d.file),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, file: display(r.file) })) } : {}),
  }));
  if (format === 'github') return list.map(githubCommand).join('\n');
  const c = colours(colour);
  const texts = new Map<string, { text: string; lines: LineIndex } | null>();
  const frame = (d: Diagnostic): string => {
    let entry = texts.get(d.file);
    if (entry === undefined) {
      try {
        const text = readFileSync(path.resolve(d.file), 'utf8');
        entry = { text, lines: new LineIndex(text) };
      } catch {
        entry = null;
      }
      texts.set(d.file, entry);
    }
    if (!entry) return '';
    const line = entry.lines.lineText(entry.text, d.line);
    if (line.length > 400) return '';
    const gutter = String(d.line).padStart(5);
    const marker = ' '.repeat(d.col - 1) + '^'.repeat(Math.max(1, Math.min(d.length ?? 1, line.length - d.col + 1)));
    return `\n${c.dim(`${gutter} | `)}${line}\n${c.dim(`${' '.repeat(5)} | `)}${c.sev(d.severity, marker)}`;
  };
  const out = list.map((d) => {
    const head = `${c.bold(formatLocation(d))} ${c.sev(d.severity, d.severity)} ${c.dim(d.code)}: ${d.message}`;
    const related = (d.related ?? []).map((r) => `\n    ${c.dim(`${formatLocation(r)}: ${r.message}`)}`).join('');
    return head + frame(d) + related;
  });
  for (const [code, n] of bag.dropped) out.push(c.dim(`… ${n} more ${code} diagnostic${n > 1 ? 's' : ''} not shown`));
  const summary = `${bag.errors} error${bag.errors === 1 ? '' : 's'}, ${bag.warnings} warning${bag.warnings === 1 ? '' : 's'}`;
  out.push(bag.errors > 0 ? c.sev('error', summary) : bag.warnings > 0 ? c.sev('warning', summary) : c.ok(summary));
  return out.join('\n\n');
}

/** GitHub workflow command: `::error file=…,line=…,col=…,title=…::message` with its escaping rules. */
function githubCommand(d: Diagnostic): string {
  const prop = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const endColumn = d.length !== undefined ? `,endColumn=${d.col + d.length}` : '';
  return `::${d.severity} file=${prop(d.file)},line=${d.line},col=${d.col}${endColumn},title=${prop(d.code)}::${data(d.message)}`;
}

function colours(on: boolean) {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  const red = wrap(31, 39), yellow = wrap(33, 39), green = wrap(32, 39);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    ok: green,
    sev: (severity: string, s: string) => (severity === 'error' ? red(s) : yellow(s)),
  };
}
