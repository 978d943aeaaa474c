// Detached artefact signatures in minisign's formats, and the refusal rules a node applies before
// it activates an artefact. The stock `minisign -V` verifies what `dialplane sign` writes, and we
// verify what `minisign -S` writes, so an operator can check a published artefact without us.
//
// Byte layouts (all base64 of the standard alphabet, one line each; see docs/signing.md):
//   public key   "Ed" ‖ key id (8) ‖ Ed25519 public key (32)                         = 42 bytes
//   signature    "ED" ‖ key id (8) ‖ Ed25519 signature of BLAKE2b-512(file) (64)     = 74 bytes
//   global sig   Ed25519 signature of (signature (64) ‖ trusted comment bytes)        = 64 bytes
// A key id is shown as minisign shows it: the 8 bytes read as a little-endian u64, 16 hex digits.
//
// The signature covers the file; the global signature covers the trusted comment, which carries
// what a node must know before trusting the file: serial (no rollback), size, sha256, expiry.
//
// This module is runtime code: Node built-ins and the artefact format only, never the compiler.
import { createHash, createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import * as F from './format.js';

export const UNTRUSTED_PREFIX = 'untrusted comment: ';
export const TRUSTED_PREFIX = 'trusted comment: ';
/** minisign reads a trusted-comment line into 8192 bytes, prefix and newline included. */
export const TRUSTED_COMMENT_MAX_BYTES = 8192 - TRUSTED_PREFIX.length - 2;
/** minisign reads an untrusted-comment line into 1024 bytes. */
export const UNTRUSTED_COMMENT_MAX_BYTES = 1024 - UNTRUSTED_PREFIX.length - 2;
/** Larger signature files are refused unread (four short lines fit in well under this). */
export const SIGNATURE_FILE_MAX_BYTES = 16 * 1024;

const ALG_ED25519 = 'Ed'; // public keys, secret keys, and legacy signatures of the whole file
const ALG_PREHASHED = 'ED'; // signatures of BLAKE2b-512(file): the only kind dialplane accepts
const KEY_ID_BYTES = 8;
const PUBLIC_KEY_STRUCT_BYTES = 2 + KEY_ID_BYTES + 32;
const SIGNATURE_STRUCT_BYTES = 2 + KEY_ID_BYTES + 64;

/** Why a key or signature file could not be read. Thrown by the parsers; the verifier returns it. */
export class SignatureFormatError extends Error {
  override name = 'SignatureFormatError';
  constructor(message: string) {
    super(message);
  }
}

// ---- base64 and key ids --------------------------------------------------------------------

/** Strict standard base64 (padding required, no whitespace): Buffer.from alone skips bad characters. */
export function decodeBase64Strict(text: string, what: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new SignatureFormatError(`${what} is not base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  // Non-canonical trailing bits ("RWQ=" vs "RWR=") decode alike; refuse all but the canonical form.
  if (bytes.toString('base64') !== text) throw new SignatureFormatError(`${what} is not canonical base64`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** minisign's display form: the 8 id bytes as a little-endian u64, 16 upper-case hex digits. */
export function formatKeyId(id: Uint8Array): string {
  let s = '';
  for (let i = id.length - 1; i >= 0; i--) s += id[i]!.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Splits a small text file into lines, dropping the CR of CRLF endings and a final empty line. */
function lines(text: string): string[] {
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

// ---- public keys ---------------------------------------------------------------------------

export interface PublicKey {
  /** 8 bytes as stored. */
  readonly keyId: Uint8Array;
  /** minisign's display form, e.g. `A7DEC363F191F420`. */
  readonly keyIdHex: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The untrusted comment of the key file ('' for a bare base64 key). */
  readonly comment: string;
  /** Ready for `crypto.verify`, built once when the key is read. */
  readonly keyObject: KeyObject;
}

/** Builds a PublicKey from its parts (the key object is made here, once). */
export function makePublicKey(keyId: Uint8Array, publicKey: Uint8Array, comment = ''): PublicKey {
  if (keyId.length !== KEY_ID_BYTES) throw new SignatureFormatError('a key id has 8 bytes');
  if (publicKey.length !== 32) throw new SignatureFormatError('an Ed25519 public key has 32 bytes');
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  } catch {
    throw new SignatureFormatError('not a valid Ed25519 public key');
  }
  return Object.freeze({ keyId: keyId.slice(), keyIdHex: formatKeyId(keyId), publicKey: publicKey.slice(), comment, keyObject });
}

/**
 * Reads a minisign public key: the two-line file (`untrusted comment: …` then base64), or the bare
 * base64 line that `minisign -P` takes.
 */
export function parsePublicKey(text: string): PublicKey {
  const ls = lines(text.trim());
  let comment = '';
  let b64: string;
  if (ls.length === 1) b64 = ls[0]!.trim();
  else if (ls.length === 2) {
    if (!ls[0]!.startsWith(UNTRUSTED_PREFIX)) throw new SignatureFormatError(`a public key file starts with "${UNTRUSTED_PREFIX}"`);
    comment = ls[0]!.slice(UNTRUSTED_PREFIX.length);
    b64 = ls[1]!.trim();
  } else throw new SignatureFormatError('a public key file has two lines: an untrusted comment and the key');
  const raw = decodeBase64Strict(b64, 'public key');
  if (raw.length !== PUBLIC_KEY_STRUCT_BYTES) throw new SignatureFormatError(`a public key has ${PUBLIC_KEY_STRUCT_BYTES} bytes, not ${raw.length}`);
  if (ascii2(raw, 0) !== ALG_ED25519) throw new SignatureFormatError(`unsupported public key algorithm "${ascii2(raw, 0)}"`);
  return makePublicKey(raw.subarray(2, 10), raw.subarray(10, 42), comment);
}

/** The public key line alone, as `minisign -P` takes it. */
export function publicKeyBase64(key: Pick<PublicKey, 'keyId' | 'publicKey'>): string {
  const raw = new Uint8Array(PUBLIC_KEY_STRUCT_BYTES);
  raw.set([0x45, 0x64], 0); // "Ed"
  raw.set(key.keyId, 2);
  raw.set(key.publicKey, 10);
  return encodeBase64(raw);
}

/** The two-line public key file, byte for byte what `minisign -G` writes (with its default comment). */
export function formatPublicKey(key: Pick<PublicKey, 'keyId' | 'publicKey'>, comment = `minisign public key ${formatKeyId(key.keyId)}`): string {
  checkCommentLine(comment, 'untrusted comment', UNTRUSTED_COMMENT_MAX_BYTES);
  return `${UNTRUSTED_PREFIX}${comment}\n${publicKeyBase64(key)}\n`;
}

// ---- signature files -----------------------------------------------------------------------

export interface SignatureFile {
  untrustedComment: string;
  /** "ED" (prehashed, BLAKE2b-512) or "Ed" (legacy: the whole file). */
  algorithm: 'ED' | 'Ed';
  keyId: Uint8Array;
  signature: Uint8Array;
  /** The trusted comment exactly as signed (without the `trusted comment: ` prefix). */
  trustedComment: string;
  globalSignature: Uint8Array;
}

/** Reads a `.minisig` file; throws SignatureFormatError on anything but the four expected lines. */
export function parseSignature(text: string): SignatureFile {
  if (text.length > SIGNATURE_FILE_MAX_BYTES) throw new SignatureFormatError(`a signature file over ${SIGNATURE_FILE_MAX_BYTES} bytes`);
  const ls = lines(text);
  if (ls.length !== 4) {
    throw new SignatureFormatError(ls.length < 4 ? `signature file is truncated (${ls.length} of 4 lines)` : 'signature file has lines after the global signature');
  }
  const [c0, s1, c2, g3] = ls as [string, string, string, string];
  if (!c0.startsWith(UNTRUSTED_PREFIX)) throw new SignatureFormatError(`first line does not start with "${UNTRUSTED_PREFIX}"`);
  if (!c2.startsWith(TRUSTED_PREFIX)) throw new SignatureFormatError(`third line does not start with "${TRUSTED_PREFIX}"`);
  const raw = decodeBase64Strict(s1.trim(), 'signature');
  if (raw.length !== SIGNATURE_STRUCT_BYTES) throw new SignatureFormatError(`a signature has ${SIGNATURE_STRUCT_BYTES} bytes, not ${raw.length}`);
  const algorithm = ascii2(raw, 0);
  if (algorithm !== ALG_PREHASHED && algorithm !== ALG_ED25519) throw new SignatureFormatError(`unsupported signature algorithm "${algorithm}"`);
  const globalSignature = decodeBase64Strict(g3.trim(), 'global signature');
  if (globalSignature.length !== 64) throw new SignatureFormatError(`a global signature has 64 bytes, not ${globalSignature.length}`);
  const trustedComment = c2.slice(TRUSTED_PREFIX.length);
  if (Buffer.byteLength(trustedComment) > TRUSTED_COMMENT_MAX_BYTES) throw new SignatureFormatError('trusted comment is longer than minisign allows');
  return {
    untrustedComment: c0.slice(UNTRUSTED_PREFIX.length),
    algorithm,
    keyId: raw.slice(2, 10),
    signature: raw.slice(10, 74),
    trustedComment,
    globalSignature,
  };
}

/** Writes a `.minisig` file in the layout `minisign -S` writes. */
export function formatSignature(sig: SignatureFile): string {
  checkCommentLine(sig.untrustedComment, 'untrusted comment', UNTRUSTED_COMMENT_MAX_BYTES);
  checkCommentLine(sig.trustedComment, 'trusted comment', TRUSTED_COMMENT_MAX_BYTES);
  const raw = new Uint8Array(SIGNATURE_STRUCT_BYTES);
  raw.set([sig.algorithm.charCodeAt(0), sig.algorithm.charCodeAt(1)], 0);
  raw.set(sig.keyId, 2);
  raw.set(sig.signature, 10);
  return `${UNTRUSTED_PREFIX}${sig.untrustedComment}\n${encodeBase64(raw)}\n${TRUSTED_PREFIX}${sig.trustedComment}\n${encodeBase64(sig.globalSignature)}\n`;
}

/** The message a prehashed ("ED") signature signs: BLAKE2b-512 of the file, unkeyed. */
export function prehash(bytes: Uint8Array): Uint8Array {
  return createHash('blake2b512').update(bytes).digest();
}

/** The message the global signature signs: the 64-byte file signature, then the comment's bytes. */
export function globalMessage(signature: Uint8Array, trustedComment: string): Uint8Array {
  return Buffer.concat([signature, Buffer.from(trustedComment, 'utf8')]);
}

function checkCommentLine(text: string, what: string, max: number): void {
  if (/[\r\n\0]/.test(text)) throw new SignatureFormatError(`${what} must be one line`);
  if (Buffer.byteLength(text) > max) throw new SignatureFormatError(`${what} is longer than ${max} bytes`);
}

function ascii2(raw: Uint8Array, at: number): string {
  return String.fromCharCode(raw[at]!, raw[at + 1]!);
}

// ---- the trusted comment -------------------------------------------------------------------
//
// One line of tab-separated fields, first a format tag, then key=value pairs, e.g.
//   dialplane/1	serial=1718000000	revision=8d5b29d…	sha256=9f86d0…	size=48213	signed=2024-06-10T06:13:20Z	expires=2024-07-10T06:13:20Z
// `minisign -V` prints it verbatim ("Trusted comment: dialplane/1 serial=…"). Required: serial,
// revision (may be empty), sha256 (64 lower-case hex digits of the whole file, as `sha256sum`
// prints), size (bytes), expires (UTC, second precision). Optional: signed. Unknown keys are
// ignored so a later signer may add fields; a repeated key is refused.

export const TRUSTED_COMMENT_TAG = 'dialplane/1';

export interface TrustedComment {
  serial: number;
  revision: string;
  sha256: string;
  size: number;
  /** Epoch milliseconds (whole seconds). */
  expires: number;
  /** Epoch milliseconds (whole seconds), if the signer recorded it. */
  signed?: number;
}

export function formatTrustedComment(c: TrustedComment): string {
  if (!Number.isSafeInteger(c.serial) || c.serial < 0) throw new SignatureFormatError('serial must be a whole number ≥ 0');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new SignatureFormatError('size must be a whole number ≥ 0');
  if (!/^[0-9a-f]{64}$/.test(c.sha256)) throw new SignatureFormatError('sha256 must be 64 lower-case hex digits');
  if (!/^[\x20-\x7e]*$/.test(c.revision)) throw new SignatureFormatError('revision must be printable ASCII');
  const fields = [TRUSTED_COMMENT_TAG, `serial=${c.serial}`, `revision=${c.revision}`, `sha256=${c.sha256}`, `size=${c.size}`];
  if (c.signed !== undefined) fields.push(`signed=${isoSeconds(c.signed)}`);
  fields.push(`expires=${isoSeconds(c.expires)}`);
  return fields.join('\t');
}

/** Reads a trusted comment written by formatTrustedComment; undefined with a reason if it is not one. */
export function parseTrustedComment(text: string): { ok: true; comment: TrustedComment } | { ok: false; message: string } {
  const fields = text.split('\t');
  if (fields[0] !== TRUSTED_COMMENT_TAG) return { ok: false, message: `trusted comment does not start with "${TRUSTED_COMMENT_TAG}"` };
  const kv = new Map<string, string>();
  for (const f of fields.slice(1)) {
    const eq = f.indexOf('=');
    if (eq <= 0) return { ok: false, message: `trusted comment field "${f}" is not key=value` };
    const k = f.slice(0, eq);
    if (kv.has(k)) return { ok: false, message: `trusted comment repeats "${k}"` };
    kv.set(k, f.slice(eq + 1));
  }
  for (const k of ['serial', 'revision', 'sha256', 'size', 'expires']) {
    if (!kv.has(k)) return { ok: false, message: `trusted comment has no ${k}` };
  }
  const serial = wholeNumber(kv.get('serial')!);
  const size = wholeNumber(kv.get('size')!);
  const sha256 = kv.get('sha256')!;
  const expires = parseIsoSeconds(kv.get('expires')!);
  const signedText = kv.get('signed');
  const signed = signedText === undefined ? undefined : parseIsoSeconds(signedText);
  if (serial === undefined) return { ok: false, message: 'trusted comment serial is not a whole number' };
  if (size === undefined) return { ok: false, message: 'trusted comment size is not a whole number' };
  if (!/^[0-9a-f]{64}$/.test(sha256)) return { ok: false, message: 'trusted comment sha256 is not 64 lower-case hex digits' };
  if (expires === undefined) return { ok: false, message: 'trusted comment expires is not a UTC time like 2024-07-10T06:13:20Z' };
  if (signed === undefined && signedText !== undefined) return { ok: false, message: 'trusted comment signed is not a UTC time' };
  const comment: TrustedComment = { serial, revision: kv.get('revision')!, sha256, size, expires };
  if (signed !== undefined) comment.signed = signed;
  return { ok: true, comment };
}

function wholeNumber(s: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** 1718000000000 → "2024-06-10T06:13:20Z" (milliseconds dropped). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function parseIsoSeconds(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) || isoSeconds(t) !== s ? undefined : t;
}

// ---- verification --------------------------------------------------------------------------

export type SignatureRefusal =
  /** The signature's key id is none of the trusted keys. */
  | 'unknown-key'
  /** The file signature or the global (trusted comment) signature does not verify. */
  | 'bad-signature'
  /** An "Ed" signature over the whole file: minisign's legacy mode, refused by dialplane. */
  | 'legacy-signature'
  /** The signature file is truncated, garbage, or not minisign's layout. */
  | 'malformed-signature'
  /** Validly signed, but the trusted comment is not dialplane's, so serial and expiry are unknown. */
  | 'bad-trusted-comment'
  /** The artefact (or the size its signature announces) is over the node's limit. */
  | 'too-large'
  /** The trusted comment's expiry has passed. */
  | 'expired'
  /** The serial is lower than the one the node serves or holds on disk. */
  | 'rollback'
  /** The trusted comment's size, sha256, serial or revision disagree with the artefact. */
  | 'mismatch';

export interface VerifyOptions {
  /** The time to judge expiry at: epoch ms or a Date. */
  now: number | Date;
  /** Refuse serials lower than this (the serial served or on disk). Equal is allowed: a re-signature. */
  minSerial?: number;
  /** Refuse larger artefacts, before hashing anything. */
  maxBytes: number;
}

export type VerifyResult =
  | { ok: true; comment: TrustedComment; trustedComment: string; keyId: string }
  | { ok: false; reason: SignatureRefusal; message: string; keyId?: string; comment?: TrustedComment };

type Refusal = Extract<VerifyResult, { ok: false }>;

/**
 * Checks a detached signature before the artefact is downloaded (or read): format, algorithm,
 * trusted key, the global signature over the trusted comment, then what the comment announces —
 * size over `maxBytes`, serial below `minSerial`, expiry. A node can fetch the small `.minisig`
 * first and cap the artefact download at the announced size.
 */
export function verifySignatureComment(sigText: string, trustedKeys: readonly PublicKey[], options: VerifyOptions): VerifyResult {
  const r = checkSignatureFile(sigText, trustedKeys, options);
  return r.ok ? { ok: true, comment: r.comment, trustedComment: r.trustedComment, keyId: r.keyId } : r;
}

type Checked = { ok: true; comment: TrustedComment; trustedComment: string; keyId: string; sig: SignatureFile; key: PublicKey } | Refusal;

function checkSignatureFile(sigText: string, trustedKeys: readonly PublicKey[], options: VerifyOptions): Checked {
  let sig: SignatureFile;
  try {
    sig = parseSignature(sigText);
  } catch (err) {
    if (!(err instanceof SignatureFormatError)) throw err;
    return refuse('malformed-signature', err.message);
  }
  const keyId = formatKeyId(sig.keyId);
  // Legacy first, as minisign does: whichever key made it, dialplane never accepts one.
  if (sig.algorithm !== ALG_PREHASHED) {
    return refuse('legacy-signature', `legacy (non-prehashed "Ed") signature by key ${keyId}: sign with minisign's default (prehashed) mode`, keyId);
  }
  const key = trustedKeys.find((k) => equalBytes(k.keyId, sig.keyId));
  if (!key) {
    const known = trustedKeys.map((k) => k.keyIdHex).join(', ') || 'none';
    return refuse('unknown-key', `signed by key ${keyId}, which is not trusted (trusted: ${known})`, keyId);
  }
  if (!edVerify(null, globalMessage(sig.signature, sig.trustedComment), key.keyObject, sig.globalSignature)) {
    return refuse('bad-signature', `trusted comment signature does not verify with key ${keyId}: the comment was altered`, keyId);
  }
  const parsed = parseTrustedComment(sig.trustedComment);
  if (!parsed.ok) return refuse('bad-trusted-comment', `${parsed.message} (got "${sig.trustedComment}")`, keyId);
  const c = parsed.comment;
  if (c.size > options.maxBytes) return refuse('too-large', `signed artefact is ${c.size} bytes, over the limit of ${options.maxBytes}`, keyId, c);
  if (options.minSerial !== undefined && c.serial < options.minSerial) {
    return refuse('rollback', `serial ${c.serial} is lower than ${options.minSerial}, the serial already held`, keyId, c);
  }
  const now = typeof options.now === 'number' ? options.now : options.now.getTime();
  if (now >= c.expires) return refuse('expired', `signature expired at ${isoSeconds(c.expires)} (now ${isoSeconds(now)})`, keyId, c);
  return { ok: true, comment: c, trustedComment: sig.trustedComment, keyId, sig, key };
}

/**
 * The whole check a node makes before activating an artefact: limits first (size), then the
 * signature file and its trusted comment (verifySignatureComment), then the file signature over
 * BLAKE2b-512 of the bytes, then the comment against the bytes and their header (size, sha256,
 * serial, revision). Never throws for bad input: every refusal is a typed reason with a message.
 */
export function verifyArtefactSignature(bytes: Uint8Array, sigText: string, trustedKeys: readonly PublicKey[], options: VerifyOptions): VerifyResult {
  if (bytes.length > options.maxBytes) return refuse('too-large', `artefact is ${bytes.length} bytes, over the limit of ${options.maxBytes}`);
  const pre = checkSignatureFile(sigText, trustedKeys, options);
  if (!pre.ok) return pre;
  const { sig, key, comment: c, keyId } = pre;
  if (!edVerify(null, prehash(bytes), key.keyObject, sig.signature)) {
    return refuse('bad-signature', `signature does not verify with key ${keyId}: the artefact was altered or belongs to another signature`, keyId, c);
  }
  // A valid signature over these bytes whose comment describes other bytes: the signer erred.
  if (c.size !== bytes.length) return refuse('mismatch', `trusted comment says ${c.size} bytes, the artefact has ${bytes.length}`, keyId, c);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (c.sha256 !== sha) return refuse('mismatch', `trusted comment sha256 ${c.sha256} is not the artefact's ${sha}`, keyId, c);
  const header = readHeaderIdentity(bytes);
  if (!header) return refuse('mismatch', 'the signed file is not a dialplane artefact (no artefact header)', keyId, c);
  if (header.serial !== c.serial) return refuse('mismatch', `trusted comment serial ${c.serial} is not the artefact header's ${header.serial}`, keyId, c);
  if (header.revision !== c.revision) return refuse('mismatch', `trusted comment revision "${c.revision}" is not the artefact header's "${header.revision}"`, keyId, c);
  return { ok: true, comment: c, trustedComment: pre.trustedComment, keyId };
}

/**
 * Serial and revision from an artefact header — just the identity, without the full validation
 * pass of decodeArtefact (which a node still runs before serving). Undefined if there is no header.
 */
export function readHeaderIdentity(bytes: Uint8Array): { serial: number; revision: string } | undefined {
  if (bytes.length < F.HEADER_BYTES) return undefined;
  for (let i = 0; i < F.MAGIC.length; i++) if (bytes[i] !== F.MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const lo = view.getUint32(F.H.serial, true);
  const hi = view.getUint32(F.H.serial + 4, true);
  if (hi >= 0x200000) return undefined; // over 2^53: not a serial this reader can represent
  let revision = '';
  for (let i = 0; i < 64; i++) {
    const ch = bytes[F.H.revision + i]!;
    if (ch === 0) break;
    revision += String.fromCharCode(ch);
  }
  return { serial: hi * 4294967296 + lo, revision };
}

function refuse(reason: SignatureRefusal, message: string, keyId?: string, comment?: TrustedComment): Refusal {
  const r: Refusal = { ok: false, reason, message };
  if (keyId !== undefined) r.keyId = keyId;
  if (comment !== undefined) r.comment = comment;
  return r;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
