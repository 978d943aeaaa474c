// Artefact signatures in minisign's formats and the refusal rules a node applies before it
// activates an artefact (runtime/artefact/signature.ts), plus the signing half (compiler/sign).
// No external tool here: test/e2e/minisign.test.ts checks the same formats against real minisign.
import { createHash, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as F from '../runtime/artefact/format.js';
import {
  SIGNATURE_FILE_MAX_BYTES, SignatureFormatError, formatKeyId, formatPublicKey, formatSignature, formatTrustedComment, globalMessage,
  makePublicKey, parsePublicKey, parseSignature, parseTrustedComment, publicKeyBase64, readHeaderIdentity,
  verifyArtefactSignature, verifySignatureComment, type TrustedComment,
} from '../runtime/artefact/signature.js';
import { blake2b } from '../compiler/sign/blake2b.js';
import { SCRYPT_SENSITIVE, SecretKeyError, formatSecretKey, generateSecretKey, parseSecretKey, scryptParams } from '../compiler/sign/secret-key.js';
import { artefactTrustedComment, parseExpiry, signArtefact, signBytes } from '../compiler/sign/sign.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const MAX = 64 * 1024 * 1024;
/** Cheap scrypt limits for tests (N = 2^10); real keys use SCRYPT_SENSITIVE (N = 2^20, 1 GiB). */
const FAST_SCRYPT = { opslimit: 32768, memlimit: 16 * 1024 * 1024 };

/**
 * Bytes with an artefact header (magic, serial, revision) and a body: all signing reads of an
 * artefact is its identity; the full validation pass is decodeArtefact's business.
 */
function fakeArtefact(serial: number, revision: string, bodyBytes = 4096): Uint8Array {
  const bytes = new Uint8Array(F.HEADER_BYTES + bodyBytes);
  bytes.set(F.MAGIC, 0);
  const v = new DataView(bytes.buffer);
  v.setUint32(F.H.serial, serial % 2 ** 32, true);
  v.setUint32(F.H.serial + 4, Math.floor(serial / 2 ** 32), true);
  bytes.set(Buffer.from(revision, 'ascii'), F.H.revision);
  bytes.set(randomBytes(bodyBytes), F.HEADER_BYTES);
  return bytes;
}

const key = generateSecretKey();
const otherKey = generateSecretKey();
const artefact = fakeArtefact(1_750_000_000, '8d5b29d3f0c1');
const signed = signArtefact(artefact, key, { expires: NOW + 30 * DAY, now: NOW });
const opts = { now: NOW, maxBytes: MAX };

function refusal(r: ReturnType<typeof verifyArtefactSignature>) {
  return r.ok ? 'accepted' : r.reason;
}

describe('BLAKE2b', () => {
  it('matches Node\'s BLAKE2b-512 on inputs around the 128-byte block boundary', () => {
    for (const n of [0, 1, 3, 64, 127, 128, 129, 255, 256, 257, 1000]) {
      const data = randomBytes(n);
      expect(Buffer.from(blake2b(data, 64)).toString('hex'), `${n} bytes`).toBe(createHash('blake2b512').update(data).digest('hex'));
    }
  });

  it('gives the RFC 7693 family value for BLAKE2b-256("abc"), which is not truncated BLAKE2b-512', () => {
    expect(Buffer.from(blake2b(Buffer.from('abc'), 32)).toString('hex')).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });
});

describe('public keys', () => {
  it('round-trip through the two-line minisign file and the bare base64 line', () => {
    const text = formatPublicKey(key);
    expect(text).toMatch(/^untrusted comment: minisign public key [0-9A-F]{16}\nRW[A-Za-z0-9+/]{54}\n$/);
    const a = parsePublicKey(text);
    const b = parsePublicKey(publicKeyBase64(key));
    expect(a.keyIdHex).toBe(key.keyIdHex);
    expect(Buffer.from(a.publicKey).equals(Buffer.from(key.publicKey))).toBe(true);
    expect(Buffer.from(b.keyId).equals(Buffer.from(key.keyId))).toBe(true);
  });

  it('show the key id as minisign does: the 8 bytes as a little-endian u64 in hex', () => {
    expect(formatKeyId(Uint8Array.of(0x20, 0xf4, 0x91, 0xf1, 0x63, 0xc3, 0xde, 0xa7))).toBe('A7DEC363F191F420');
  });

  it('refuse other algorithms, wrong lengths, non-canonical base64 and extra lines', () => {
    const raw = Buffer.from(publicKeyBase64(key), 'base64');
    const bad = (b: Buffer) => () => parsePublicKey(b.toString('base64'));
    expect(bad(Buffer.concat([Buffer.from('Xx'), raw.subarray(2)]))).toThrow(SignatureFormatError);
    expect(bad(raw.subarray(0, 41))).toThrow(/42 bytes/);
    expect(() => parsePublicKey('RWQ$' + publicKeyBase64(key).slice(4))).toThrow(/base64/);
    expect(() => parsePublicKey(formatPublicKey(key) + 'more\n')).toThrow(/two lines/);
    expect(() => parsePublicKey('comment: x\n' + publicKeyBase64(key))).toThrow(/untrusted comment/);
  });
});

describe('secret keys', () => {
  it('write unencrypted as minisign -G -W does ("\\0\\0" kdf, zero scrypt fields) and read back', async () => {
    const text = await formatSecretKey(key);
    const raw = Buffer.from(text.split('\n')[1]!, 'base64');
    expect(raw.length).toBe(158);
    expect(raw.subarray(0, 6)).toEqual(Buffer.from('Ed\0\0B2', 'latin1'));
    expect(raw.subarray(6, 54).every((b) => b === 0)).toBe(true);
    const back = await parseSecretKey(text);
    expect(back.encrypted).toBe(false);
    expect(back.keyIdHex).toBe(key.keyIdHex);
    expect(Buffer.from(back.seed).equals(Buffer.from(key.seed))).toBe(true);
  });

  it('read an unencrypted key with a zero checksum, as minisign -G -W writes it', async () => {
    const raw = Buffer.from((await formatSecretKey(key)).split('\n')[1]!, 'base64');
    raw.fill(0, 126);
    const back = await parseSecretKey(`untrusted comment: minisign encrypted secret key\n${raw.toString('base64')}\n`);
    expect(back.keyIdHex).toBe(key.keyIdHex);
  });

  it('encrypt with scrypt and decrypt only with the right password', async () => {
    const text = await formatSecretKey(key, { password: 'correct horse', ...FAST_SCRYPT });
    expect(Buffer.from(text.split('\n')[1]!, 'base64').subarray(2, 4).toString('latin1')).toBe('Sc');
    const back = await parseSecretKey(text, 'correct horse');
    expect(back.encrypted).toBe(true);
    expect(Buffer.from(back.seed).equals(Buffer.from(key.seed))).toBe(true);
    await expect(parseSecretKey(text, 'wrong')).rejects.toMatchObject({ code: 'wrong-password' });
    await expect(parseSecretKey(text)).rejects.toMatchObject({ code: 'password-required' });
  });

  it('map minisign\'s scrypt limits to N, r, p as libsodium does (sensitive: N = 2^20, r = 8, p = 1)', () => {
    expect(scryptParams(SCRYPT_SENSITIVE.opslimit, SCRYPT_SENSITIVE.memlimit)).toEqual({ logN: 20, r: 8, p: 1 });
    expect(scryptParams(FAST_SCRYPT.opslimit, FAST_SCRYPT.memlimit)).toEqual({ logN: 10, r: 8, p: 1 });
    expect(scryptParams(524288, 16777216)).toEqual({ logN: 14, r: 8, p: 1 }); // libsodium "interactive"
  });

  it('refuse a corrupt key whose public half does not match its seed', async () => {
    const raw = Buffer.from((await formatSecretKey(key)).split('\n')[1]!, 'base64');
    raw[100] = raw[100]! ^ 1; // inside the public half of the secret key
    raw.fill(0, 126); // no checksum to catch it first
    await expect(parseSecretKey(`untrusted comment: x\n${raw.toString('base64')}\n`)).rejects.toMatchObject({ code: 'corrupt' });
    await expect(parseSecretKey('garbage')).rejects.toBeInstanceOf(SecretKeyError);
  });
});

describe('trusted comment', () => {
  it('is one tab-separated line that starts with dialplane/1 and round-trips', () => {
    const c: TrustedComment = { serial: 42, revision: 'abc', sha256: 'a'.repeat(64), size: 7, expires: NOW + DAY, signed: NOW };
    const text = formatTrustedComment(c);
    expect(text).toBe(`dialplane/1\tserial=42\trevision=abc\tsha256=${'a'.repeat(64)}\tsize=7\tsigned=2026-06-01T12:00:00Z\texpires=2026-06-02T12:00:00Z`);
    expect(parseTrustedComment(text)).toEqual({ ok: true, comment: c });
  });

  it('ignores unknown fields and refuses repeated, missing or malformed ones', () => {
    const base = formatTrustedComment({ serial: 1, revision: '', sha256: 'b'.repeat(64), size: 1, expires: NOW });
    expect(parseTrustedComment(`${base}\tregion=eu`).ok).toBe(true);
    expect(parseTrustedComment(`${base}\tserial=2`)).toMatchObject({ ok: false, message: expect.stringMatching(/repeats/) });
    expect(parseTrustedComment(base.replace(/\tsize=1/, ''))).toMatchObject({ ok: false, message: expect.stringMatching(/no size/) });
    expect(parseTrustedComment(base.replace('serial=1', 'serial=01')).ok).toBe(false);
    expect(parseTrustedComment(base.replace(/expires=\S+/, 'expires=tomorrow')).ok).toBe(false);
    expect(parseTrustedComment('timestamp:1717243200\tfile:routing.dpa\thashed').ok).toBe(false);
  });
});

describe('verifyArtefactSignature accepts', () => {
  it('a dialplane signature and returns the parsed trusted comment', () => {
    const r = verifyArtefactSignature(artefact, signed.text, [key.public], opts);
    expect(r).toMatchObject({ ok: true, keyId: key.keyIdHex, comment: { serial: 1_750_000_000, revision: '8d5b29d3f0c1', size: artefact.length } });
    if (r.ok) expect(r.comment.sha256).toBe(createHash('sha256').update(artefact).digest('hex'));
  });

  it('a signature by any one of several trusted keys (key rotation)', () => {
    expect(verifyArtefactSignature(artefact, signed.text, [otherKey.public, key.public], opts).ok).toBe(true);
  });

  it('the serial equal to minSerial (a re-signature of the artefact being served)', () => {
    expect(verifyArtefactSignature(artefact, signed.text, [key.public], { ...opts, minSerial: 1_750_000_000 }).ok).toBe(true);
  });

  it('CRLF line endings in the signature file', () => {
    expect(verifyArtefactSignature(artefact, signed.text.replace(/\n/g, '\r\n'), [key.public], opts).ok).toBe(true);
  });
});

describe('verifyArtefactSignature refuses', () => {
  it('a tampered artefact (bad-signature)', () => {
    const t = artefact.slice();
    t[t.length - 1]! ^= 0xff;
    expect(refusal(verifyArtefactSignature(t, signed.text, [key.public], opts))).toBe('bad-signature');
  });

  it('an altered trusted comment, e.g. a pushed-out expiry (bad-signature)', () => {
    const forged = signed.text.replace(/expires=\S+/, 'expires=2099-01-01T00:00:00Z');
    const r = verifyArtefactSignature(artefact, forged, [key.public], opts);
    expect(refusal(r)).toBe('bad-signature');
    expect(r.ok ? '' : r.message).toMatch(/comment/);
  });

  it('a signature by a key that is not trusted (unknown-key)', () => {
    const r = verifyArtefactSignature(artefact, signed.text, [otherKey.public], opts);
    expect(r).toMatchObject({ ok: false, reason: 'unknown-key', keyId: key.keyIdHex });
  });

  it('a signature whose key id is trusted but whose bytes come from another key (bad-signature)', () => {
    const impostor = makePublicKey(key.keyId, otherKey.publicKey);
    expect(refusal(verifyArtefactSignature(artefact, signed.text, [impostor], opts))).toBe('bad-signature');
  });

  it('a legacy (non-prehashed "Ed") signature, even one that verifies (legacy-signature)', () => {
    const tc = signed.trustedComment;
    const signature = new Uint8Array(edSign(null, artefact, key.privateKeyObject)); // the whole file, not its hash
    const legacy = formatSignature({
      untrustedComment: 'legacy', algorithm: 'Ed', keyId: key.keyId, signature, trustedComment: tc,
      globalSignature: new Uint8Array(edSign(null, globalMessage(signature, tc), key.privateKeyObject)),
    });
    expect(refusal(verifyArtefactSignature(artefact, legacy, [key.public], opts))).toBe('legacy-signature');
  });

  it('a truncated signature file (malformed-signature)', () => {
    const lines = signed.text.split('\n');
    for (const cut of [signed.text.slice(0, 40), lines.slice(0, 3).join('\n') + '\n', lines.slice(0, 3).join('\n') + '\n' + lines[3]!.slice(0, 50) + '\n', '']) {
      expect(refusal(verifyArtefactSignature(artefact, cut, [key.public], opts)), JSON.stringify(cut.slice(-30))).toBe('malformed-signature');
    }
  });

  it('garbage and oversized signature files (malformed-signature)', () => {
    for (const g of ['hello', randomBytes(300).toString('latin1'), 'untrusted comment: x\nAAAA\ntrusted comment: y\nAAAA\n', 'x'.repeat(SIGNATURE_FILE_MAX_BYTES + 1)]) {
      expect(refusal(verifyArtefactSignature(artefact, g, [key.public], opts))).toBe('malformed-signature');
    }
  });

  it('an artefact over the size limit before hashing it (too-large)', () => {
    expect(refusal(verifyArtefactSignature(artefact, signed.text, [key.public], { ...opts, maxBytes: artefact.length - 1 }))).toBe('too-large');
  });

  it('a signature past its expiry (expired), and accepts it one second before', () => {
    const expires = signed.comment.expires;
    expect(refusal(verifyArtefactSignature(artefact, signed.text, [key.public], { ...opts, now: expires }))).toBe('expired');
    expect(verifyArtefactSignature(artefact, signed.text, [key.public], { ...opts, now: new Date(expires - 1000) }).ok).toBe(true);
  });

  it('a serial lower than the one already held (rollback)', () => {
    const r = verifyArtefactSignature(artefact, signed.text, [key.public], { ...opts, minSerial: 1_750_000_001 });
    expect(r).toMatchObject({ ok: false, reason: 'rollback', comment: { serial: 1_750_000_000 } });
  });

  it('a valid signature whose trusted comment describes other bytes (mismatch)', () => {
    const real = artefactTrustedComment(artefact, NOW + DAY);
    const cases: [string, Partial<TrustedComment>][] = [
      ['serial', { serial: real.serial + 1 }],
      ['revision', { revision: 'other' }],
      ['size', { size: real.size + 1 }],
      ['sha256', { sha256: 'c'.repeat(64) }],
    ];
    for (const [field, change] of cases) {
      const text = signBytes(artefact, key, formatTrustedComment({ ...real, ...change }));
      const r = verifyArtefactSignature(artefact, text, [key.public], opts);
      expect(refusal(r), field).toBe('mismatch');
      expect(r.ok ? '' : r.message, field).toMatch(field === 'size' ? /bytes/ : field);
    }
  });

  it('a valid signature without a dialplane trusted comment (bad-trusted-comment)', () => {
    const text = signBytes(artefact, key, 'timestamp:1780315200\tfile:routing.dpa\thashed');
    expect(refusal(verifyArtefactSignature(artefact, text, [key.public], opts))).toBe('bad-trusted-comment');
  });

  it('a signed file that is not an artefact (mismatch)', () => {
    const notArtefact = randomBytes(500);
    const c = { ...artefactTrustedComment(artefact, NOW + DAY), size: 500, sha256: createHash('sha256').update(notArtefact).digest('hex') };
    const text = signBytes(notArtefact, key, formatTrustedComment(c));
    expect(refusal(verifyArtefactSignature(notArtefact, text, [key.public], opts))).toBe('mismatch');
  });
});

describe('verifySignatureComment (before the artefact is downloaded)', () => {
  it('reads serial, size and expiry from the signature alone', () => {
    expect(verifySignatureComment(signed.text, [key.public], opts)).toMatchObject({ ok: true, comment: { size: artefact.length } });
  });

  it('refuses an announced size over the limit, a rollback and an expiry without the artefact', () => {
    expect(verifySignatureComment(signed.text, [key.public], { ...opts, maxBytes: 100 })).toMatchObject({ reason: 'too-large' });
    expect(verifySignatureComment(signed.text, [key.public], { ...opts, minSerial: 2e9 })).toMatchObject({ reason: 'rollback' });
    expect(verifySignatureComment(signed.text, [key.public], { ...opts, now: NOW + 31 * DAY })).toMatchObject({ reason: 'expired' });
  });
});

describe('signing', () => {
  it('is deterministic for the same bytes, key and times (Ed25519 has no random nonce)', () => {
    expect(signArtefact(artefact, key, { expires: NOW + 30 * DAY, now: NOW }).text).toBe(signed.text);
  });

  it('writes minisign\'s four-line layout with a prehashed ED signature', () => {
    const s = parseSignature(signed.text);
    expect(s.algorithm).toBe('ED');
    expect(signed.text.split('\n')).toHaveLength(5);
    expect(signed.text).toMatch(/^untrusted comment: .+\nRU[Q-T][A-Za-z0-9+/]{96}=\ntrusted comment: dialplane\/1\tserial=1750000000\t/);
  });

  it('refuses to sign what is not an artefact, or with an expiry in the past', () => {
    expect(() => signArtefact(randomBytes(300), key, { expires: NOW + DAY, now: NOW })).toThrow(/not a dialplane artefact/);
    expect(() => signArtefact(artefact, key, { expires: NOW - 1, now: NOW })).toThrow(/future/);
  });

  it('parses --expires durations and dates', () => {
    expect(parseExpiry('30d', NOW)).toBe(NOW + 30 * DAY);
    expect(parseExpiry('12h', NOW)).toBe(NOW + DAY / 2);
    expect(parseExpiry('2026-07-01T00:00:00Z', NOW)).toBe(Date.parse('2026-07-01T00:00:00Z'));
    expect(parseExpiry('0d', NOW)).toBeUndefined();
    expect(parseExpiry('soon', NOW)).toBeUndefined();
  });

  it('reads serial and revision from the artefact header, up to 2^53 - 1', () => {
    expect(readHeaderIdentity(fakeArtefact(2 ** 53 - 1, 'r'))).toEqual({ serial: 2 ** 53 - 1, revision: 'r' });
    expect(readHeaderIdentity(new Uint8Array(100))).toBeUndefined();
  });
});

describe('boundaries', () => {
  it('runtime/artefact/signature.ts imports only node: built-ins and runtime modules', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../runtime/artefact/signature.ts', import.meta.url), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s.startsWith('node:') || s.startsWith('./'), s).toBe(true);
  });

  it('a key pair made by Node itself (not by generateSecretKey) signs and verifies alike', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const raw = Buffer.alloc(158);
    raw.write('Ed\0\0B2', 0, 'latin1');
    randomBytes(8).copy(raw, 54);
    seed.copy(raw, 62);
    Buffer.from(privateKey.export({ format: 'jwk' }).x as string, 'base64url').copy(raw, 94);
    const k = await parseSecretKey(`untrusted comment: node\n${raw.toString('base64')}\n`);
    const s = signArtefact(artefact, k, { expires: NOW + DAY, now: NOW });
    expect(verifyArtefactSignature(artefact, s.text, [parsePublicKey(formatPublicKey(k))], opts).ok).toBe(true);
  });
});
