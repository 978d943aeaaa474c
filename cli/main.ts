// `dialplane <command>`: the operator's entry point. Each command lives in cli/commands/.
import { runCheck } from './commands/check.js';

const USAGE = `usage: dialplane <command> [options]

commands:
  check [dir]      validate a route repository (default: routes)
                   --format human|json|github   --strict (warnings fail)   --max-diagnostics N
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return runCheck(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`dialplane: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
