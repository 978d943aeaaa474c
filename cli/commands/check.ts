import path from 'node:path';
import { parseCommandArgs } from '../args.js';
import { checkRepository } from '../../compiler/pipeline.js';
import { formatDiagnostics, type OutputFormat } from '../format.js';

const HELP = `usage: dialplane check [dir] [options]

  dir                      the route repository (default: routes)
  --format <f>             human, json or github (annotations) (default: human)
  --strict                 warnings fail the check too
  --max-diagnostics <n>    stop reporting after n diagnostics
`;

export async function runCheck(argv: string[]): Promise<number> {
  const args = parseCommandArgs('check', argv, {
    format: { type: 'string', default: 'human' },
    strict: { type: 'boolean', default: false },
    'max-diagnostics': { type: 'string' },
  }, HELP, 2, 1);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const format = values.format as OutputFormat;
  if (!['human', 'json', 'github'].includes(format)) {
    process.stderr.write(`dialplane check: --format must be human, json or github\n`);
    return 2;
  }
  const dir = positionals[0] ?? 'routes';
  const max = values['max-diagnostics'] !== undefined ? Number(values['max-diagnostics']) : undefined;
  const { bag } = await checkRepository(dir, max !== undefined ? { maxDiagnostics: max } : {});
  const text = formatDiagnostics(bag, path.resolve(dir), format, format === 'human' && process.stdout.isTTY === true);
  if (text) process.stdout.write(text + '\n');
  return bag.hasErrors || (values.strict && bag.warnings > 0) ? 1 : 0;
}
