// Route files are code from a pull request, evaluated on CI machines that hold signing keys. They
// run in a separate node process that is boxed in several layers, because node's vm module alone
// "is not a security mechanism" (node docs):
//   1. `unshare -rn` (Linux): a new user and network namespace, so the process has no network,
//      not even loopback. Probed once; where it is missing or refused (containers without user
//      namespaces, macOS, Windows) the process runs without it and the layers below still hold.
//   2. node's permission model with no grants: no file reads or writes, no child processes, no
//      workers, no native addons. The program comes in with `-e`, so not even its own file has
//      to be readable.
//   3. An empty environment: no CI secret is in `process.env`.
//   4. `--disallow-code-generation-from-strings` (no `Function('return process')` in the
//      process's own realm) and a small heap (`--max-old-space-size`).
//   5. Inside, one vm context per file with a timeout (sandbox-child.ts).
//   6. Here, a watchdog that kills the process when an answer is late, and a fresh process for the
//      remaining files when one file killed it (out of memory), so one file cannot sink a batch.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ChildAnswer } from './sandbox-child.js';

export type SandboxAnswer = ChildAnswer | { ok: false; reason: 'limit'; message: string };

const HEAP_LIMIT_MB = 256;
/** Time the process gets beyond the per-file timeout: start-up, and copying the value out. */
const GRACE_MS = 3000;
/** One answer larger than this is refused rather than buffered. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// Node 20 names the flag --experimental-permission; later versions call it --permission.
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
const NODE_FLAGS = [
  PERMISSION_FLAG,
  '--disallow-code-generation-from-strings',
  `--max-old-space-size=${HEAP_LIMIT_MB}`,
  '--no-warnings',
  '--input-type=module',
];

let unshareCommand: string | null | undefined;

/** The `unshare` binary when it can really create the namespaces here, else null. */
export function networkNamespaceCommand(): string | null {
  if (unshareCommand !== undefined) return unshareCommand;
  unshareCommand = null;
  if (process.platform !== 'linux') return unshareCommand;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const candidate = path.join(dir, 'unshare');
    if (!existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-rn', process.execPath, '-e', ''], { env: {}, timeout: 5000, stdio: 'ignore' });
    if (probe.status === 0) unshareCommand = candidate;
    break;
  }
  return unshareCommand;
}

/** Starts the sandbox process running `program` (ESM source text). Exported for the layer tests. */
export function spawnSandbox(program: string) {
  const argv = [...NODE_FLAGS, '-e', program];
  const unshare = networkNamespaceCommand();
  const options = { env: {}, cwd: tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] as ('pipe')[] };
  return unshare ? spawn(unshare, ['-rn', process.execPath, ...argv], options) : spawn(process.execPath, argv, options);
}

let childProgram: string | undefined;

/** sandbox-child as JS source: its compiled sibling under dist/, its .ts source under vitest. */
function sandboxChildProgram(): string {
  if (childProgram === undefined) {
    const source = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));
    const file = existsSync(source) ? source : fileURLToPath(new URL('./sandbox-child.js', import.meta.url));
    childProgram = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  }
  return childProgram;
}

/**
 * Evaluates CommonJS route code in the sandbox: one answer per file, in order. `helpers` are the
 * names of the identity functions the sandbox's `dialplane` module exports.
 */
export async function evaluateInSandbox(
  files: readonly { file: string; code: string }[],
  helpers: readonly string[],
  timeoutMs: number,
): Promise<SandboxAnswer[]> {
  const answers: SandboxAnswer[] = [];
  while (answers.length < files.length) {
    const { answered, failure } = await runProcess(files.slice(answers.length), helpers, timeoutMs);
    answers.push(...answered);
    // The process died or was killed on the file after the last answer: that file is to blame.
    // Each round settles at least one file, so this ends.
    if (answers.length < files.length) answers.push({ ok: false, reason: 'limit', message: failure });
  }
  return answers;
}

function runProcess(
  files: readonly { file: string; code: string }[],
  helpers: readonly string[],
  timeoutMs: number,
): Promise<{ answered: ChildAnswer[]; failure: string }> {
  return new Promise((resolve) => {
    const answered: ChildAnswer[] = [];
    let failure = '';
    let pending = '';
    let stderrTail = '';
    const child = spawnSandbox(sandboxChildProgram());
    const stop = (why: string) => {
      if (!failure) failure = why;
      child.kill('SIGKILL');
    };
    let watchdog = setTimeout(() => stop(`did not finish within ${timeoutMs} ms`), timeoutMs + GRACE_MS);

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          answered.push(JSON.parse(line) as ChildAnswer);
        } catch {
          return stop('the evaluation process answered garbage');
        }
        clearTimeout(watchdog);
        watchdog = setTimeout(() => stop(`did not finish within ${timeoutMs} ms`), timeoutMs + GRACE_MS);
      }
      if (pending.length > MAX_ANSWER_BYTES) stop(`exported a value larger than ${MAX_ANSWER_BYTES >> 20} MB`);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4096)));
    child.stdin.on('error', () => {}); // the process may die before reading its job: reported on exit
    child.on('error', (e) => (failure ||= `the evaluation process could not start: ${e.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (!failure && answered.length < files.length) {
        failure = /heap out of memory|allocation failed/i.test(stderrTail)
          ? `ran out of memory (limit ${HEAP_LIMIT_MB} MB)`
          : `the evaluation process ended unexpectedly (${signal ?? `exit code ${code}`})`;
      }
      resolve({ answered, failure });
    });
    child.stdin.end(JSON.stringify({ helpers, timeoutMs, files }));
  });
}
