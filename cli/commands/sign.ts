// `dialplane sign <file.dpa> --key <k>`: writes <file.dpa>.minisig, a prehashed minisign signature
// whose trusted comment carries serial, revision, sha256, size and expiry (`minisign -V` prints it).
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { SecretKeyError, parseSecretKey } from '../../compiler/sign/secret-key.js';
import { parseExpiry, signArtefact } from '../../compiler/sign/sign.js';
import { isoSeconds } from '../../runtime/artefact/signature.js';
import { parseCommandArgs } from '../args.js';

const HELP = `usage: dialplane sign <file.dpa> --key <secret key> [options]

  --key <file>             minisign secret key (dialplane keygen, or minisign -G)
  --expires <when>         30d (default), 12h, 2w, … from now, or an ISO date/time
  -x, --sig <file>         where to write the signature (default: <file.dpa>.minisig)
  --comment <text>         untrusted comment line
  --password-file <file>   password of an encrypted key (else DIALPLANE_KEY_PASSWORD)
`;

export async function runSign(argv: string[]): Promise<number> {
  const args = parseCommandArgs('sign', argv, {
    key: { type: 'string', short: 's' },
    expires: { type: 'string', default: '30d' },
    sig: { type: 'string', short: 'x' },
    comment: { type: 'string' },
    'password-file': { type: 'string' },
  }, HELP);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const file = positionals[0];
  const keyFile = values.key as string | undefined;
  if (!file || !keyFile || positionals.length > 1) {
    process.stderr.write(`dialplane sign: one <file.dpa> and --key are required\n\n${HELP}`);
    return 2;
  }
  const now = Date.now();
  const expires = parseExpiry(values.expires as string, now);
  if (expires === undefined || expires <= now) {
    process.stderr.write('dialplane sign: --expires must be a duration like 30d, 12h, 2w or a future ISO date/time\n');
    return 2;
  }
  let password = process.env.DIALPLANE_KEY_PASSWORD;
  const sigPath = (values.sig as string | undefined) ?? `${file}.minisig`;
  try {
    if (values['password-file']) password = (await readFile(values['password-file'] as string, 'utf8')).replace(/\r?\n$/, '');
    const key = await parseSecretKey(await readFile(keyFile, 'utf8'), password);
    const bytes = await readFile(file);
    const signed = signArtefact(bytes, key, { expires, now, ...(values.comment !== undefined ? { untrustedComment: values.comment as string } : {}) });
    // Write then rename: a reader never sees half a signature beside the artefact.
    const tmp = `${sigPath}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, signed.text);
      await rename(tmp, sigPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    process.stdout.write(
      `signed ${file} with key ${key.keyIdHex}: serial ${signed.comment.serial}, expires ${isoSeconds(signed.comment.expires)}\n` +
      `signature: ${sigPath}\ntrusted comment: ${signed.trustedComment}\n`,
    );
    return 0;
  } catch (err) {
    const e = err as Error;
    const hint = err instanceof SecretKeyError && err.code === 'password-required' ? ' (--password-file or DIALPLANE_KEY_PASSWORD)' : '';
    process.stderr.write(`dialplane sign: ${e.message}${hint}\n`);
    return 1;
  }
}
