// The diff as a pull-request comment: a hidden tag (CI finds and updates its one comment), one
// sentence, a summary table, security-relevant changes in the open, a chart of rate moves, then
// one folded <details> per route with its destinations. Always under MAX_CHARS: blocks are added
// while they fit, and what does not fit is counted in an explicit truncation marker.
import type { DiffReport, MoveJson, RouteDiffJson, StatsJson } from './diff.js';

export const COMMENT_TAG = '<!-- dialplane-diff -->';
/** GitHub refuses comments over 65,536 characters; stay clearly below. */
export const MAX_CHARS = 65_000;
export const TRUNCATION_MARKER = '**✂️ Truncated:**';
/** Sizes are counted in UTF-8 bytes, never fewer than characters, so the bound holds either way. */
const len = (s: string) => Buffer.byteLength(s, 'utf8');
/** Room kept for the truncation marker and closing lines. */
const RESERVE = 600;
const MAX_DESTINATION_ROWS = 40;
const MAX_SUMMARY_ROWS = 30;
const MAX_CONFIG_LINES = 60;

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number | null) => (x === null ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(2)}%`);
/** Table cells and summaries: no pipes, no HTML, no line breaks from operator-written text. */
const cell = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`)).replace(/\s+/g, ' ');
const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';
const plural = (k: number, one: string, many = `${one}s`) => `${n(k)} ${k === 1 ? one : many}`;

function move(m: MoveJson | null, currency: string): string {
  if (!m) return '—';
  return `${m.change} (${pct(m.pct)}) at ${code(m.prefix)} ${cell(m.destination)}: ${m.from} → ${m.to} ${currency}`;
}

function shortMove(m: MoveJson | null): string {
  return m ? `${m.change} (${pct(m.pct)})` : '—';
}

function firstPlace(s: StatsJson, limit = 3): string {
  if (s.firstPlace.length === 0) return '—';
  const parts = s.firstPlace.slice(0, limit).map((f) => `${f.from ?? 'none'} → ${f.to ?? 'none'} ×${n(f.prefixes)}`);
  if (s.firstPlace.length > limit) parts.push(`+${s.firstPlace.length - limit} more`);
  return cell(parts.join(', '));
}

function notes(s: StatsJson): string {
  const out: string[] = [];
  if (s.added) out.push(`${n(s.added)} added`);
  if (s.removed) out.push(`${n(s.removed)} removed`);
  for (const c of s.candidatesAdded.slice(0, 2)) out.push(`+${c.deck} ×${n(c.prefixes)}`);
  for (const c of s.candidatesDropped.slice(0, 2)) out.push(`−${c.deck} ×${n(c.prefixes)}`);
  for (const r of s.newlyRejected.slice(0, 2)) out.push(`now refused (${r.reason}) ×${n(r.prefixes)}`);
  for (const r of s.rejectionsLifted.slice(0, 2)) out.push(`no longer refused (${r.reason}) ×${n(r.prefixes)}`);
  if (s.newlyUnprofitable) out.push(`⚠️ ${n(s.newlyUnprofitable)} newly unprofitable`);
  if (s.costUp || s.costDown) out.push(`first carrier's cost ↑${n(s.costUp)} ↓${n(s.costDown)}`);
  if (s.backups) out.push(`${n(s.backups)} later candidates re-priced or re-ordered`);
  if (s.other) out.push(`${n(s.other)} other (fee, billing, name, type)`);
  return cell(out.join('; ')) || '—';
}

function sentence(r: DiffReport): string {
  const s = r.summary;
  if (!r.changed) return `**No routing change**: ${code(r.base.label)} and ${code(r.head.label)} route every call the same way.`;
  const parts: string[] = [];
  if (s.up || s.down) {
    const rates = [s.up ? `raises sell rates on ${plural(s.up, 'prefix', 'prefixes')}` : '', s.down ? `lowers them on ${plural(s.down, 'prefix', 'prefixes')}` : '']
      .filter(Boolean).join(' and ');
    parts.push(`${rates} (median ${pct(s.medianPct)})`);
  }
  if (s.added && s.removed) parts.push(`adds ${n(s.added)} and removes ${plural(s.removed, 'prefix', 'prefixes')}`);
  else if (s.added) parts.push(`adds ${plural(s.added, 'prefix', 'prefixes')}`);
  else if (s.removed) parts.push(`removes ${plural(s.removed, 'prefix', 'prefixes')}`);
  if (s.firstPlaceMoves) parts.push(`moves first place to another carrier on ${plural(s.firstPlaceMoves, 'prefix', 'prefixes')}`);
  if (s.newlyRejected) parts.push(`newly refuses ${plural(s.newlyRejected, 'prefix', 'prefixes')}`);
  if (s.newlyUnprofitable) parts.push(`makes ${plural(s.newlyUnprofitable, 'prefix', 'prefixes')} unprofitable`);
  if (parts.length === 0 && s.prefixesChanged) parts.push(`changes ${plural(s.prefixesChanged, 'compiled prefix', 'compiled prefixes')}`);
  const join = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}` : xs[0] ?? '');
  let text = parts.length ? `${join(parts)} across ${plural(s.routesChanged, 'ingress route')}` : '';
  const config = s.securityChanges
    ? `makes ${plural(s.securityChanges, 'security-relevant access change')}`
    : s.configChanges ? `makes ${plural(s.configChanges, 'configuration change')}` : '';
  if (config) text = text ? `${text}, and ${config}` : config;
  return `**This change ${text}.**`;
}

function chart(r: DiffReport): string | undefined {
  if (r.summary.up + r.summary.down === 0) return undefined;
  const labels = r.histogram.map((h) => `"${h.label}"`).join(', ');
  const counts = r.histogram.map((h) => h.count).join(', ');
  return [
    '```mermaid',
    'xychart-beta',
    '    title "Sell-rate changes: prefixes per size of change"',
    `    x-axis [${labels}]`,
    '    y-axis "prefixes"',
    `    bar [${counts}]`,
    '```',
  ].join('\n');
}

function routeTitle(g: RouteDiffJson): string {
  const names = g.routes.length > 3 ? `${g.routes.slice(0, 3).join(', ')} +${g.routes.length - 3}` : g.routes.join(', ');
  return names;
}

function details(g: RouteDiffJson, budget: number): { text: string; shownRows: number } {
  const t = g.total;
  const head = [
    `<details><summary><b>${cell(routeTitle(g))}</b> · card ${cell(g.card)} · ${g.status === 'changed' ? '' : `route ${g.status} · `}` +
      `${n(t.changed)} changed · ↑${n(t.up)} ↓${n(t.down)} · median ${pct(t.medianPct)}</summary>`,
    '',
  ];
  if (g.routes.length > 3) head.push(`Routes: ${cell(g.routes.join(', '))}`, '');
  if (g.baseCard) head.push(`Card changed: ${cell(g.baseCard)} → ${cell(g.card)}`, '');
  if (g.currencyChanged) head.push(`Card currency changed: sell rates are not compared.`, '');
  if (g.causes.length) head.push(`Why: ${cell(g.causes.join('; '))}`, '');
  if (t.up) head.push(`- Largest increase: ${move(t.largestUp, g.currency)}`);
  if (t.down) head.push(`- Largest decrease: ${move(t.largestDown, g.currency)}`);
  if (t.up || t.down) head.push(`- Median change: ${t.medianChange ?? '—'} ${g.currency} (${pct(t.medianPct)})`);
  if (t.firstPlace.length) head.push(`- First place: ${firstPlace(t, 6)}`);
  if (t.candidatesAdded.length) head.push(`- Candidates added: ${cell(t.candidatesAdded.map((c) => `${c.deck} ×${n(c.prefixes)}`).join(', '))}`);
  if (t.candidatesDropped.length) head.push(`- Candidates dropped: ${cell(t.candidatesDropped.map((c) => `${c.deck} ×${n(c.prefixes)}`).join(', '))}`);
  if (t.newlyRejected.length) head.push(`- Newly refused: ${cell(t.newlyRejected.map((c) => `${c.reason} ×${n(c.prefixes)}`).join(', '))}`);
  if (t.rejectionsLifted.length) head.push(`- No longer refused: ${cell(t.rejectionsLifted.map((c) => `${c.reason} ×${n(c.prefixes)}`).join(', '))}`);
  if (t.newlyUnprofitable) head.push(`- ⚠️ Newly unprofitable (sell below the first carrier's cost): ${n(t.newlyUnprofitable)}, e.g. ${t.unprofitableSamples.map(code).join(', ')}`);
  head.push('', '| Destination | Changed | +/− | ↑ | ↓ | Median Δ | Largest ↑ | First place | Notes |', '|---|--:|--:|--:|--:|--:|--:|---|---|');
  const close = '\n\n</details>\n';
  let text = head.join('\n');
  let shown = 0;
  for (const d of g.destinations) {
    if (shown >= MAX_DESTINATION_ROWS) break;
    const row = `\n| ${cell(d.name) || '(unnamed)'} | ${n(d.changed)} | ${n(d.added)}/${n(d.removed)} | ${n(d.up)} | ${n(d.down)} | ${pct(d.medianPct)} | ${shortMove(d.largestUp)} | ${firstPlace(d)} | ${notes(d)} |`;
    if (len(text) + len(row) + len(close) + 200 > budget) break;
    text += row;
    shown++;
  }
  const hidden = g.destinations.length - shown;
  if (hidden > 0) text += `\n\n${TRUNCATION_MARKER} ${plural(hidden, 'more destination')} of this route not shown (\`--format json\` has them all).`;
  return { text: text + close, shownRows: shown };
}

export function renderMarkdown(r: DiffReport): string {
  const blocks: string[] = [];
  let size = 0;
  const truncated: string[] = [];
  const add = (text: string): boolean => {
    const l = len(text);
    if (size + l + 2 > MAX_CHARS - RESERVE) return false;
    blocks.push(text);
    size += l + 2;
    return true;
  };
  const side = (s: DiffReport['base']) => `${code(s.label)}${s.commit ? ` (${s.commit.slice(0, 12)})` : ''}`;
  add(`${COMMENT_TAG}\n### dialplane diff: ${side(r.base)} → ${side(r.head)}`);
  add(sentence(r));
  if (!r.changed) return blocks.join('\n\n') + '\n';

  const s = r.summary;
  add([
    '| Prefixes changed | Added / removed | Sell ↑ | Sell ↓ | Median Δ | First place moved | Newly refused | Newly unprofitable | Security-relevant |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${n(s.prefixesChanged)} | ${n(s.added)} / ${n(s.removed)} | ${n(s.up)} | ${n(s.down)} | ${pct(s.medianPct)} | ${n(s.firstPlaceMoves)} | ${n(s.newlyRejected)} | ${n(s.newlyUnprofitable)} | ${s.securityChanges ? `⚠️ ${n(s.securityChanges)}` : '0'} |`,
  ].join('\n'));

  const security = r.config.filter((c) => c.security);
  const line = (c: DiffReport['config'][number]) =>
    `- **${cell(c.subject)}** ${cell(c.what)}${c.from !== undefined ? `: ${code(c.from)}` : ''}${c.to !== undefined ? `${c.from !== undefined ? ' →' : ':'} ${code(c.to)}` : ''}`;
  if (security.length) {
    const lines = ['#### ⚠️ Security-relevant access changes', ''];
    for (const c of security.slice(0, MAX_CONFIG_LINES)) lines.push(line(c));
    if (security.length > MAX_CONFIG_LINES) lines.push(`- ${TRUNCATION_MARKER} ${security.length - MAX_CONFIG_LINES} more (see \`--format json\`)`);
    if (!add(lines.join('\n'))) truncated.push('security-relevant changes');
  }

  if (r.routes.length) {
    const rows = ['| Route | Card | Changed | +/− | ↑ | ↓ | Median Δ | Largest ↑ | First place | Notes |', '|---|---|--:|--:|--:|--:|--:|--:|---|---|'];
    for (const g of r.routes.slice(0, MAX_SUMMARY_ROWS)) {
      const t = g.total;
      rows.push(`| ${cell(routeTitle(g))}${g.status !== 'changed' ? ` (${g.status})` : ''} | ${cell(g.card)} | ${n(t.changed)} | ${n(t.added)}/${n(t.removed)} | ${n(t.up)} | ${n(t.down)} | ${pct(t.medianPct)} | ${shortMove(t.largestUp)} | ${firstPlace(t)} | ${notes(t)} |`);
    }
    if (r.routes.length > MAX_SUMMARY_ROWS) rows.push(`| ${TRUNCATION_MARKER} ${r.routes.length - MAX_SUMMARY_ROWS} more route groups | | | | | | | | | |`);
    if (!add(rows.join('\n'))) truncated.push('the route table');
  }

  const c = chart(r);
  if (c) add(c);

  const other = r.config.filter((x) => !x.security);
  if (other.length) {
    const lines = [`<details><summary>Other configuration changes (${n(other.length)})</summary>`, ''];
    for (const x of other.slice(0, MAX_CONFIG_LINES)) lines.push(line(x));
    if (other.length > MAX_CONFIG_LINES) lines.push(`- ${TRUNCATION_MARKER} ${other.length - MAX_CONFIG_LINES} more (see \`--format json\`)`);
    lines.push('', '</details>');
    if (!add(lines.join('\n'))) truncated.push('other configuration changes');
  }

  let omitted = 0;
  for (const g of r.routes) {
    const budget = MAX_CHARS - RESERVE - size;
    if (budget < 1500) {
      omitted++;
      continue;
    }
    const d = details(g, budget);
    if (!add(d.text)) omitted++;
  }
  if (omitted) truncated.push(plural(omitted, 'route section'));
  if (truncated.length) {
    blocks.push(`---\n${TRUNCATION_MARKER} this comment stays under ${n(MAX_CHARS)} characters; not shown: ${truncated.join(', ')}. Run \`dialplane diff --format json\` for the complete diff.`);
  }
  const out = blocks.join('\n\n') + '\n';
  // The budget above keeps this true; the check keeps it true if the budget is ever wrong.
  return len(out) < MAX_CHARS ? out : out.slice(0, MAX_CHARS - 200) + `\n\n${TRUNCATION_MARKER} cut at ${n(MAX_CHARS - 200)} characters.\n`;
}
