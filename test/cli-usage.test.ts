// Every command of the real CLI (bin/dialplane.js, as an operator runs it) answers --help on
// stdout with exit 0, and refuses an unknown option or a stray argument with its usage on stderr
// and a usage exit code — never an "internal error" with a stack trace.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'dialplane.js');

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
    });
  });
}

/** Each command, the exit code of its usage errors (diff keeps 2 for "routing changed"). */
const COMMANDS: [string, number][] = [
  ['check', 2], ['build', 2], ['inspect', 2], ['lookup', 2], ['explain', 2], ['test', 2],
  ['serve', 2], ['diff', 1], ['keygen', 2], ['sign', 2], ['verify', 2],
];

/** Commands that take no argument besides their options. */
const NO_ARGUMENTS = new Set(['lookup', 'explain', 'serve', 'keygen']);

describe('dialplane <command> usage', () => {
  it.each(COMMANDS)('%s: --help prints its usage and exits 0', async (command) => {
    const r = await run([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: dialplane ${command}\\b`));
    expect(r.err).toBe('');
  }, 60_000);

  it.each(COMMANDS)('%s: an unknown option is a usage error naming it, with no stack trace', async (command, usageExit) => {
    const r = await run([command, '--no-such-option']);
    expect(r.code).toBe(usageExit);
    expect(r.err).toContain(`dialplane ${command}: Unknown option '--no-such-option'`);
    expect(r.err).toContain(`usage: dialplane ${command}`);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  }, 60_000);

  it.each([...NO_ARGUMENTS])('%s: a stray argument is a usage error', async (command) => {
    const r = await run([command, 'stray']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`dialplane ${command}: unexpected argument "stray"`);
  }, 60_000);

  it('check and inspect take one argument at most', async () => {
    for (const command of ['check', 'inspect']) {
      const r = await run([command, 'one', 'two']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`dialplane ${command}: unexpected argument "two"`);
    }
  }, 60_000);
});
