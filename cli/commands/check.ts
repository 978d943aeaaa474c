import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkRepository } from '../../compiler/pipeline.js';
import { formatDiagnostics, type OutputFormat } from '../format.js';

export async function runCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'human' },
      strict: { type: 'boolean', default: false },
      'max-diagnostics': { type: 'string' },
    },
  });
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
