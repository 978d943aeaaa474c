// `dialplane diff <base> <head>`: what a change does to routing, for a pull request. Each side is
// a git ref, a route directory, a build directory or a .dpa artefact; directories and refs are
// compiled in memory first, so both sides are compared as the runtime will answer.
// Exit 0: no routing change; 2: changes; 1: an error (a side that does not check prints why).
import { writeFile } from 'node:fs/promises';
import { diffArtefacts } from '../../compiler/diff/diff.js';
import { renderMarkdown } from '../../compiler/diff/markdown.js';
import { loadSide, type Side } from '../../compiler/diff/sides.js';
import { formatDiagnostics } from '../format.js';
import { parseCommandArgs } from '../args.js';

const HELP = `usage: dialplane diff <base> <head> [options]

  <base>, <head>     each a git ref (main, HEAD~1, a commit), a route directory, a build
                     directory (holding routing.dpa) or a .dpa artefact
  --routes <dir>     the routes directory inside the git repository, for git refs (default: routes)
  --format <f>       markdown (default; a pull-request comment under 65,000 characters) or json
  -o, --output <f>   write there instead of stdout
  --as-of <time>     ISO time or epoch ms at which deck effective dates are judged, both sides
                     (default: SOURCE_DATE_EPOCH, else now)

exit status: 0 no routing change, 2 routing changes, 1 error
`;

export async function runDiff(argv: string[]): Promise<number> {
  const args = parseCommandArgs('diff', argv, {
    routes: { type: 'string', default: 'routes' },
    format: { type: 'string', default: 'markdown' },
    output: { type: 'string', short: 'o' },
    'as-of': { type: 'string' },
  }, HELP, 1);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const format = values.format as string;
  if (positionals.length !== 2 || (format !== 'markdown' && format !== 'json')) {
    process.stderr.write(`dialplane diff: ${positionals.length !== 2 ? 'give exactly two sides: <base> <head>' : `unknown format "${format}"`}\n\n${HELP}`);
    return 1;
  }
  const asOf = parseAsOf(values['as-of'] as string | undefined);
  if (asOf === undefined) {
    process.stderr.write('dialplane diff: --as-of must be an ISO date/time or epoch milliseconds\n');
    return 1;
  }
  const options = { routes: values.routes as string, asOf };
  // Both sides at once: checking a repository waits on its TypeScript sandbox child.
  const sides = await Promise.all([loadSide(positionals[0]!, options), loadSide(positionals[1]!, options)]);
  for (const [i, side] of sides.entries()) {
    const name = i === 0 ? 'base' : 'head';
    const spec = positionals[i]!;
    if (!side.ok) {
      if (side.bag) process.stderr.write(formatDiagnostics(side.bag, side.root ?? spec, 'human', process.stderr.isTTY === true) + '\n');
      process.stderr.write(`dialplane diff: ${name} ${side.message}\n`);
      return 1;
    }
  }
  const [a, b] = sides as [Extract<Side, { ok: true }>, Extract<Side, { ok: true }>];
  const report = diffArtefacts(a.artefact, b.artefact, a.info, b.info);
  const text = format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderMarkdown(report);
  if (values.output) {
    try {
      await writeFile(values.output as string, text);
    } catch (err) {
      process.stderr.write(`dialplane diff: cannot write ${values.output}: ${(err as Error).message}\n`);
      return 1;
    }
  } else process.stdout.write(text);
  return report.changed ? 2 : 0;
}

function parseAsOf(text: string | undefined): number | undefined {
  if (text === undefined) {
    const epoch = process.env.SOURCE_DATE_EPOCH;
    if (epoch && /^\d+$/.test(epoch)) return Number(epoch) * 1000;
    return Date.now();
  }
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
