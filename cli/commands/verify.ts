// `dialplane verify <file.dpa> --pub <key> [--pub <key>…]`: the check a node makes before serving
// an artefact. Exit 0 and the trusted comment when accepted; exit 1 and the refusal reason
// (unknown-key, bad-signature, legacy-signature, malformed-signature, bad-trusted-comment,
// too-large, expired, rollback, mismatch) when refused; exit 2 for bad usage.
import { open, readFile, stat } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import * as F from '../../runtime/artefact/format.js';
import {
  SIGNATURE_FILE_MAX_BYTES, SignatureFormatError, isoSeconds, parsePublicKey, verifyArtefactSignature,
  type PublicKey, type VerifyResult,
} from '../../runtime/artefact/signature.js';

const HELP = `usage: dialplane verify <file.dpa> --pub <key> [--pub <key>…] [options]

  --pub <key>          trusted public key: a minisign .pub file or its base64 line (repeatable)
  -x, --sig <file>     the signature (default: <file.dpa>.minisig)
  --min-serial <n>     refuse serials lower than this (rollback)
  --max-bytes <n>      refuse larger artefacts (default: ${F.LIMITS.maxFileBytes})
  --now <time>         judge expiry at this ISO time or epoch ms (default: now)
  --json               print the verdict as JSON
`;

export async function runVerify(argv: string[]): Promise<number> {
  const args = parseCommandArgs('verify', argv, {
    pub: { type: 'string', short: 'p', multiple: true },
    sig: { type: 'string', short: 'x' },
    'min-serial': { type: 'string' },
    'max-bytes': { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean', default: false },
  }, HELP);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const file = positionals[0];
  const pubs = (values.pub as string[] | undefined) ?? [];
  if (!file || positionals.length > 1 || pubs.length === 0) {
    process.stderr.write(`dialplane verify: one <file.dpa> and at least one --pub are required\n\n${HELP}`);
    return 2;
  }
  const minSerial = optionalWhole(values['min-serial'] as string | undefined);
  const maxBytes = optionalWhole(values['max-bytes'] as string | undefined) ?? F.LIMITS.maxFileBytes;
  const now = parseNow(values.now as string | undefined);
  if (minSerial === null || maxBytes === null || now === undefined) {
    process.stderr.write('dialplane verify: --min-serial and --max-bytes take whole numbers, --now an ISO time or epoch ms\n');
    return 2;
  }
  const keys: PublicKey[] = [];
  for (const p of pubs) {
    try {
      keys.push(parsePublicKey(await readKeyArgument(p)));
    } catch (err) {
      const why = err instanceof SignatureFormatError ? err.message : (err as Error).message;
      process.stderr.write(`dialplane verify: --pub ${p}: ${why}\n`);
      return 2;
    }
  }
  const sigPath = (values.sig as string | undefined) ?? `${file}.minisig`;
  let result: VerifyResult;
  try {
    result = await verifyFiles(file, sigPath, keys, { now, maxBytes, ...(minSerial !== undefined ? { minSerial } : {}) });
  } catch (err) {
    process.stderr.write(`dialplane verify: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(result.ok
      ? { ok: true, keyId: result.keyId, trustedComment: result.trustedComment, ...result.comment, expires: isoSeconds(result.comment.expires) }
      : { ok: false, reason: result.reason, message: result.message, keyId: result.keyId ?? null }, null, 2) + '\n');
  } else if (result.ok) {
    process.stdout.write(
      `verified ${file}: key ${result.keyId}, serial ${result.comment.serial}, expires ${isoSeconds(result.comment.expires)}\n` +
      `trusted comment: ${result.trustedComment}\n`,
    );
  } else {
    process.stderr.write(`dialplane verify: refused (${result.reason}): ${result.message}\n`);
  }
  return result.ok ? 0 : 1;
}

/** Reads both files with their limits applied before reading: sizes are checked on stat. */
export async function verifyFiles(file: string, sigPath: string, keys: readonly PublicKey[], options: { now: number; maxBytes: number; minSerial?: number }): Promise<VerifyResult> {
  const sigSize = (await stat(sigPath)).size;
  if (sigSize > SIGNATURE_FILE_MAX_BYTES) return { ok: false, reason: 'malformed-signature', message: `${sigPath} is ${sigSize} bytes, not a signature file` };
  const sigText = await readFile(sigPath, 'utf8');
  const size = (await stat(file)).size;
  if (size > options.maxBytes) return { ok: false, reason: 'too-large', message: `artefact is ${size} bytes, over the limit of ${options.maxBytes}` };
  const fh = await open(file, 'r');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(size);
    const { bytesRead } = await fh.read(bytes, 0, size, 0);
    bytes = bytes.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  return verifyArtefactSignature(bytes, sigText, keys, options);
}

/** A key file path, or (if no such file) the key's base64 line itself, like `minisign -P`. */
async function readKeyArgument(arg: string): Promise<string> {
  try {
    return await readFile(arg, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && /^RW[A-Za-z0-9+/]{54}$/.test(arg)) return arg;
    throw err;
  }
}

function optionalWhole(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

function parseNow(text: string | undefined): number | undefined {
  if (text === undefined) return Date.now();
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
