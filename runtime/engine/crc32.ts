// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final complement):
// the checksum zlib, PNG and Kamailio's core `crc32_uint` compute. Kamailio carrierroute hashes the
// Call-ID with it, so `crc32Ascii('a84b4c76e66710')` here equals what Kamailio would compute for the
// same bytes.
//
// Kamailio indexes its table with `(unsigned char)hash ^ data[i]` where `data` is a plain (signed on
// x86) `char *`: for a byte >= 0x80 that index is negative and reads memory before the table. Such
// bytes cannot appear in a valid Call-ID (RFC 3261 `word` is ASCII), so only ASCII input is
// compared with Kamailio; for other bytes this module computes the standard CRC-32.

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** CRC-32 of `bytes[start, end)`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * CRC-32 of a string's code units taken as bytes (latin1): exact for ASCII, and for text that was
 * decoded from bytes as latin1 (as the SIP parser does), without allocating.
 * `crc32Ascii('hello') === 0x3610a686`
 */
export function crc32Ascii(s: string, start = 0, end = s.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of a string's UTF-8 encoding. */
export function crc32Utf8(s: string): number {
  // Fast path: pure ASCII needs no encoding.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return crc32(Buffer.from(s, 'utf8'));
  }
  return crc32Ascii(s);
}

/** Continue a CRC-32 over more latin1 code units: `crc32Update(crc32Ascii('ab'), 'c') === crc32Ascii('abc')`. */
export function crc32Update(crc: number, s: string): number {
  let c = ~crc;
  for (let i = 0; i < s.length; i++) c = TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
