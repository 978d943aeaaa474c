// `dialplane sign`: a prehashed minisign signature of an artefact whose trusted comment says which
// artefact it is (serial, revision, sha256, size) and until when it may be served (expires).
import { createHash, sign as edSign, verify as edVerify } from 'node:crypto';
import {
  formatSignature, formatTrustedComment, globalMessage, prehash, readHeaderIdentity, type TrustedComment,
} from '../../runtime/artefact/signature.js';
import type { SecretKey } from './secret-key.js';

export interface SignOptions {
  /** When the signature stops being accepted: epoch ms (rounded down to the second). */
  expires: number;
  /** Recorded as `signed=` in the trusted comment (default: now). */
  now?: number;
  /** The untrusted first line (default: "signature from dialplane secret key <id>"). */
  untrustedComment?: string;
}

/** Signs any bytes with `trustedComment`: minisign's prehashed ("ED") signature, as `minisign -S`. */
export function signBytes(bytes: Uint8Array, key: SecretKey, trustedComment: string, untrustedComment?: string): string {
  const signature = new Uint8Array(edSign(null, prehash(bytes), key.privateKeyObject));
  const message = globalMessage(signature, trustedComment);
  const globalSignature = new Uint8Array(edSign(null, message, key.privateKeyObject));
  // As minisign does: never write a signature the matching public key would not accept.
  if (!edVerify(null, message, key.public.keyObject, globalSignature)) throw new Error('signature does not verify with the key\'s own public half');
  return formatSignature({
    untrustedComment: untrustedComment ?? `signature from dialplane secret key ${key.keyIdHex}`,
    algorithm: 'ED',
    keyId: key.keyId,
    signature,
    trustedComment,
    globalSignature,
  });
}

/** The trusted comment describing `bytes` (an artefact) with the given expiry. */
export function artefactTrustedComment(bytes: Uint8Array, expires: number, signed?: number): TrustedComment {
  const header = readHeaderIdentity(bytes);
  if (!header) throw new Error('not a dialplane artefact (no artefact header): only artefacts are signed');
  const c: TrustedComment = {
    serial: header.serial,
    revision: header.revision,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    expires: Math.floor(expires / 1000) * 1000,
  };
  if (signed !== undefined) c.signed = Math.floor(signed / 1000) * 1000;
  return c;
}

/** Signs an artefact: returns the `.minisig` text and the trusted comment it carries. */
export function signArtefact(bytes: Uint8Array, key: SecretKey, options: SignOptions): { text: string; comment: TrustedComment; trustedComment: string } {
  const now = options.now ?? Date.now();
  if (options.expires <= now) throw new Error('the expiry must lie in the future');
  const comment = artefactTrustedComment(bytes, options.expires, now);
  const trustedComment = formatTrustedComment(comment);
  return { text: signBytes(bytes, key, trustedComment, options.untrustedComment), comment, trustedComment };
}

/** "30d", "12h", "90m", "3600s", "2w", or an ISO date/time → epoch ms (relative to `now`). */
export function parseExpiry(text: string, now: number): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (m) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    const n = Number(m[1]);
    return n > 0 ? now + n * unit : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
