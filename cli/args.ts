// The option parsing every command shares: node:util parseArgs, `--help`, and a usage error that
// prints the command's help. Commands differ only in their options and their usage exit code
// (`diff` keeps 2 for "routing changed", so its usage errors exit 1).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parsed arguments, or the exit code when there is nothing more to do (help shown, bad usage:
 * an unknown option, a missing value, more arguments than the command takes).
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  help: string,
  usageExit = 2,
  maxPositionals = Infinity,
): CommandArgs | number {
  let parsed: CommandArgs;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }) as CommandArgs;
  } catch (err) {
    process.stderr.write(`dialplane ${command}: ${(err as Error).message}\n\n${help}`);
    return usageExit;
  }
  if (parsed.values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (parsed.positionals.length > maxPositionals) {
    process.stderr.write(`dialplane ${command}: unexpected argument "${parsed.positionals[maxPositionals]}"\n\n${help}`);
    return usageExit;
  }
  return parsed;
}
