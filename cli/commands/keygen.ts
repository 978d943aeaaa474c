// `dialplane keygen [-o dir]`: a new Ed25519 key pair in minisign's formats — dialplane.key
// (secret, mode 0600, unencrypted like `minisign -G -W` unless a password file is given) and
// dialplane.pub, which `minisign -V -p` and `dialplane verify --pub` both take.
import { open, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../args.js';
import { formatPublicKey, publicKeyBase64 } from '../../runtime/artefact/signature.js';
import { formatSecretKey, generateSecretKey } from '../../compiler/sign/secret-key.js';

export const SECRET_KEY_FILE = 'dialplane.key';
export const PUBLIC_KEY_FILE = 'dialplane.pub';

const HELP = `usage: dialplane keygen [-o <dir>] [options]

  -o, --out <dir>          where dialplane.key and dialplane.pub go (default: .)
  --comment <text>         untrusted comment line of both files
  --password-file <file>   encrypt the secret key with the password in this file (scrypt, as
                           minisign does; default: unencrypted, as minisign -G -W)
  -f, --force              overwrite an existing key pair
`;

export async function runKeygen(argv: string[]): Promise<number> {
  const args = parseCommandArgs('keygen', argv, {
    out: { type: 'string', short: 'o', default: '.' },
    comment: { type: 'string' },
    'password-file': { type: 'string' },
    force: { type: 'boolean', short: 'f', default: false },
  }, HELP, 2, 0);
  if (typeof args === 'number') return args;
  const { values } = args;
  const dir = values.out as string;
  const comment = values.comment as string | undefined;
  if (comment !== undefined && /[\r\n]/.test(comment)) {
    process.stderr.write('dialplane keygen: --comment must be one line\n');
    return 2;
  }
  let password: string | undefined;
  if (values['password-file']) {
    try {
      password = (await readFile(values['password-file'] as string, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      process.stderr.write(`dialplane keygen: cannot read the password file: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const key = generateSecretKey(comment);
  const secretText = await formatSecretKey(key, password === undefined ? {} : { password });
  const publicText = formatPublicKey(key, comment ?? `dialplane public key ${key.keyIdHex}`);
  const secretPath = path.join(dir, SECRET_KEY_FILE);
  const publicPath = path.join(dir, PUBLIC_KEY_FILE);
  try {
    await mkdir(dir, { recursive: true });
    // 'wx' refuses to overwrite a key by accident; the mode applies when the file is created.
    const flags = values.force ? 'w' : 'wx';
    const sk = await open(secretPath, flags, 0o600);
    try {
      await sk.chmod(0o600);
      await sk.writeFile(secretText);
      await sk.sync();
    } finally {
      await sk.close();
    }
    const pk = await open(publicPath, flags, 0o644);
    try {
      await pk.writeFile(publicText);
    } finally {
      await pk.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(e.code === 'EEXIST'
      ? `dialplane keygen: ${e.path} already exists; use --force to overwrite the key pair\n`
      : `dialplane keygen: cannot write the key pair: ${e.message}\n`);
    return 1;
  }
  process.stdout.write(
    `key id ${key.keyIdHex}\n` +
    `secret key: ${secretPath} (mode 0600, ${password === undefined ? 'unencrypted' : 'password-protected'}) - keep it secret\n` +
    `public key: ${publicPath}\n\n` +
    `verify with:  dialplane verify <file.dpa> --pub ${publicPath}\n` +
    `         or:  minisign -Vm <file.dpa> -P ${publicKeyBase64(key)}\n`,
  );
  return 0;
}
