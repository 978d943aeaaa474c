// Every command of the real CLI (bin/dialplane.js, as an operator runs it) answers --help on
// stdout with exit 0, and refuses an unknown option or a stray argument with its usage on stderr
// and a usage exit code — never an "internal error" with a stack trace.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDemo, startServe, stopServe } from './support/serve.js';

const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'dialplane.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (error, out, err) => {
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

describe('dialplane serve numeric options', () => {
  const temp = mkdtempSync(path.join(tmpdir(), 'dp-cli-usage-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it.each([
    [['--poll-ms', 'abc'], {}, '--poll-ms must be a whole number of at least 0 (got "abc")'],
    [['--max-artefact-bytes', '0'], {}, '--max-artefact-bytes must be a whole number of at least 1 (got "0")'],
    [['--shutdown-timeout-ms', '1.5'], {}, '--shutdown-timeout-ms must be a whole number of at least 0 (got "1.5")'],
    [['--sip-transactions=-3'], {}, '--sip-transactions must be a whole number of at least 1 (got "-3")'],
    [[], { DIALPLANE_SIP_TRANSACTION_BYTES: '12' }, '--sip-transaction-bytes must be a whole number of at least 65536 (got "12")'],
  ] as [string[], Record<string, string>, string][])('refuses %j %j before serving anything', async (args, env, message) => {
    const r = await run(['serve', '--artefact', path.join(temp, 'none.dpa'), ...args], env);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dialplane serve: ${message}\n`);
  }, 60_000);

  it('serves with the SIP transaction memory sized by --sip-transactions and --sip-transaction-bytes', async () => {
    const served = await startServe(buildDemo(temp, 3), ['--sip-transactions', '1000', '--sip-transaction-bytes', '1048576']);
    try {
      expect((await fetch(`${served.base}/readyz`)).status).toBe(200);
      expect(served.sip).toBeGreaterThan(0);
    } finally {
      await stopServe(served);
    }
  }, 120_000);
});
