// minisign secret keys: generate, read (unencrypted, or encrypted with scrypt), write. Signing is
// publisher-side work, so this lives beside the compiler; the runtime only ever sees public keys.
//
// Layout (one base64 line under an untrusted comment line), 158 bytes:
//   "Ed" sig alg ‖ kdf alg ("Sc" = scrypt, "\0\0" = unencrypted, as `minisign -G -W`) ‖ "B2" chk alg
//   ‖ kdf salt (32) ‖ kdf opslimit (u64 LE) ‖ kdf memlimit (u64 LE)
//   ‖ key id (8) ‖ Ed25519 secret key = seed (32) ‖ public key (32) ‖ checksum (32)
// checksum = BLAKE2b-256("Ed" ‖ key id ‖ secret key). When encrypted, the last 104 bytes (key id,
// secret key, checksum) are XORed with scrypt(password, salt) — libsodium's scryptsalsa208sha256,
// whose opslimit/memlimit become N, r, p as in its `pickparams`. `minisign -G -W` leaves the
// checksum zero (it only computes one when encrypting); we write a real one, which minisign ignores.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scrypt, type KeyObject } from 'node:crypto';
import { SignatureFormatError, UNTRUSTED_PREFIX, decodeBase64Strict, encodeBase64, formatKeyId, makePublicKey, type PublicKey } from '../../runtime/artefact/signature.js';
import { blake2b } from './blake2b.js';

const SECRET_KEY_BYTES = 158;
const AT = { sigAlg: 0, kdfAlg: 2, chkAlg: 4, salt: 6, ops: 38, mem: 46, keyId: 54, seed: 62, pub: 94, chk: 126 } as const;
const ENCRYPTED_FROM = AT.keyId; // key id, secret key and checksum: 104 bytes
/** libsodium's crypto_pwhash_scryptsalsa208sha256_{OPS,MEM}LIMIT_SENSITIVE: what `minisign -G` uses. */
export const SCRYPT_SENSITIVE = { opslimit: 33554432, memlimit: 1073741824 } as const;

export type SecretKeyErrorCode = 'format' | 'password-required' | 'wrong-password' | 'corrupt';

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
  constructor(readonly code: SecretKeyErrorCode, message: string) {
    super(message);
  }
}

export interface SecretKey {
  readonly keyId: Uint8Array;
  readonly keyIdHex: string;
  /** The 32-byte Ed25519 seed. */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The matching public key, ready for verification. */
  readonly public: PublicKey;
  readonly privateKeyObject: KeyObject;
  /** Whether the file it came from was password-protected. */
  readonly encrypted: boolean;
  readonly comment: string;
}

const PKCS8_ED25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

function publicFromPrivate(priv: KeyObject): Uint8Array {
  const jwk = createPublicKey(priv).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

function makeSecretKey(keyId: Uint8Array, seed: Uint8Array, encrypted: boolean, comment: string): SecretKey {
  const privateKeyObject = privateKeyFromSeed(seed);
  const publicKey = publicFromPrivate(privateKeyObject);
  return Object.freeze({
    keyId: keyId.slice(), keyIdHex: formatKeyId(keyId), seed: seed.slice(), publicKey,
    public: makePublicKey(keyId, publicKey), privateKeyObject, encrypted, comment,
  });
}

/** A new key pair with a random 8-byte key id, as `minisign -G` makes. */
export function generateSecretKey(comment?: string): SecretKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
  const keyId = new Uint8Array(randomBytes(8));
  return makeSecretKey(keyId, seed, false, comment ?? `dialplane secret key ${formatKeyId(keyId)}`);
}

function checksum(raw: Uint8Array): Uint8Array {
  const input = new Uint8Array(2 + 8 + 64);
  input.set(raw.subarray(AT.sigAlg, AT.sigAlg + 2), 0);
  input.set(raw.subarray(AT.keyId, AT.keyId + 8), 2);
  input.set(raw.subarray(AT.seed, AT.seed + 64), 10);
  return blake2b(input, 32);
}

/** libsodium's `pickparams`: scrypt N (as log2), r, p from an opslimit and a memlimit. */
export function scryptParams(opslimit: number, memlimit: number): { logN: number; r: number; p: number } {
  const ops = Math.max(opslimit, 32768);
  const r = 8;
  let logN = 1;
  if (ops < memlimit / 32) {
    const maxN = Math.floor(ops / (r * 4));
    while (logN < 63 && 2 ** logN <= maxN / 2) logN++;
    return { logN, r, p: 1 };
  }
  const maxN = Math.floor(memlimit / (r * 128));
  while (logN < 63 && 2 ** logN <= maxN / 2) logN++;
  const maxrp = Math.min(Math.floor(ops / 4 / 2 ** logN), 0x3fffffff);
  return { logN, r, p: Math.floor(maxrp / r) };
}

async function keystream(password: string, salt: Uint8Array, opslimit: number, memlimit: number): Promise<Uint8Array> {
  const { logN, r, p } = scryptParams(opslimit, memlimit);
  if (p < 1 || logN > 30) throw new SecretKeyError('corrupt', `secret key has unusable scrypt limits (opslimit ${opslimit}, memlimit ${memlimit})`);
  const N = 2 ** logN;
  const maxmem = 128 * N * r * p + 128 * r * p + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, 'utf8'), salt, SECRET_KEY_BYTES - ENCRYPTED_FROM, { N, r, p, maxmem }, (err, key) => {
      if (err) reject(new SecretKeyError('corrupt', `cannot derive the key from the password: ${err.message}`));
      else resolve(new Uint8Array(key));
    });
  });
}

function u64le(raw: Uint8Array, at: number): number {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.length);
  return v.getUint32(at + 4, true) * 4294967296 + v.getUint32(at, true);
}

/**
 * Reads a minisign secret key file. An encrypted key ("Sc") needs its password; an unencrypted one
 * ("\0\0", `minisign -G -W`) needs none. The key pair is checked for consistency either way.
 */
export async function parseSecretKey(text: string, password?: string): Promise<SecretKey> {
  const ls = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l, i, a) => !(i === a.length - 1 && l === ''));
  if (ls.length !== 2 || !ls[0]!.startsWith(UNTRUSTED_PREFIX)) {
    throw new SecretKeyError('format', `a secret key file has two lines: "${UNTRUSTED_PREFIX}…" and the key`);
  }
  let raw: Uint8Array;
  try {
    raw = decodeBase64Strict(ls[1]!.trim(), 'secret key').slice();
  } catch (err) {
    if (err instanceof SignatureFormatError) throw new SecretKeyError('format', err.message);
    throw err;
  }
  if (raw.length !== SECRET_KEY_BYTES) throw new SecretKeyError('format', `a secret key has ${SECRET_KEY_BYTES} bytes, not ${raw.length}`);
  const alg = (at: number) => String.fromCharCode(raw[at]!, raw[at + 1]!);
  if (alg(AT.sigAlg) !== 'Ed') throw new SecretKeyError('format', `unsupported signature algorithm "${alg(AT.sigAlg)}"`);
  if (alg(AT.chkAlg) !== 'B2') throw new SecretKeyError('format', `unsupported checksum algorithm "${alg(AT.chkAlg)}"`);
  const kdf = alg(AT.kdfAlg);
  let encrypted: boolean;
  if (kdf === 'Sc') {
    encrypted = true;
    if (password === undefined) throw new SecretKeyError('password-required', 'the secret key is encrypted: a password is needed');
    const stream = await keystream(password, raw.subarray(AT.salt, AT.salt + 32), u64le(raw, AT.ops), u64le(raw, AT.mem));
    for (let i = 0; i < stream.length; i++) raw[ENCRYPTED_FROM + i]! ^= stream[i]!;
    if (!equal(checksum(raw), raw.subarray(AT.chk, AT.chk + 32))) throw new SecretKeyError('wrong-password', 'wrong password for the secret key');
  } else if (kdf === '\0\0') {
    encrypted = false;
    const chk = raw.subarray(AT.chk, AT.chk + 32);
    if (chk.some((b) => b !== 0) && !equal(checksum(raw), chk)) throw new SecretKeyError('corrupt', 'secret key checksum does not match');
  } else {
    throw new SecretKeyError('format', 'unsupported key derivation function');
  }
  const key = makeSecretKey(raw.subarray(AT.keyId, AT.keyId + 8), raw.subarray(AT.seed, AT.seed + 32), encrypted, ls[0]!.slice(UNTRUSTED_PREFIX.length));
  if (!equal(key.publicKey, raw.subarray(AT.pub, AT.pub + 32))) throw new SecretKeyError('corrupt', 'secret key halves do not belong together');
  raw.fill(0);
  return key;
}

export interface FormatSecretKeyOptions {
  comment?: string;
  /** Encrypt as `minisign -G` does; without a password the key is written as `minisign -G -W` does. */
  password?: string;
  /** scrypt limits (default: libsodium's "sensitive", as minisign: 1 GiB of memory). */
  opslimit?: number;
  memlimit?: number;
}

/** Writes a secret key file that `minisign -S -s` reads. */
export async function formatSecretKey(key: SecretKey, options: FormatSecretKeyOptions = {}): Promise<string> {
  const comment = options.comment ?? key.comment;
  if (/[\r\n]/.test(comment)) throw new SecretKeyError('format', 'the comment must be one line');
  const raw = new Uint8Array(SECRET_KEY_BYTES);
  raw.set([0x45, 0x64], AT.sigAlg); // "Ed"
  raw.set([0x42, 0x32], AT.chkAlg); // "B2"
  raw.set(key.keyId, AT.keyId);
  raw.set(key.seed, AT.seed);
  raw.set(key.publicKey, AT.pub);
  raw.set(checksum(raw), AT.chk);
  if (options.password !== undefined) {
    raw.set([0x53, 0x63], AT.kdfAlg); // "Sc"
    const ops = options.opslimit ?? SCRYPT_SENSITIVE.opslimit;
    const mem = options.memlimit ?? SCRYPT_SENSITIVE.memlimit;
    const salt = randomBytes(32);
    raw.set(salt, AT.salt);
    const v = new DataView(raw.buffer);
    v.setBigUint64(AT.ops, BigInt(ops), true);
    v.setBigUint64(AT.mem, BigInt(mem), true);
    const stream = await keystream(options.password, salt, ops, mem);
    for (let i = 0; i < stream.length; i++) raw[ENCRYPTED_FROM + i]! ^= stream[i]!;
  }
  const text = `${UNTRUSTED_PREFIX}${comment}\n${encodeBase64(raw)}\n`;
  raw.fill(0);
  return text;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
