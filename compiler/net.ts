// IP address and CIDR parsing for customer authentication entries.
import { isIPv4, isIPv6 } from 'node:net';

export type CidrParse =
  | { ok: true; address: string; family: 4 | 6; prefixLength: number; bytes: Uint8Array }
  | { ok: false; reason: string; suggestion?: string };

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 0;
  if (family === 0) return { ok: false, reason: `"${addr}" is not an IPv4 or IPv6 address` };
  const bits = family === 4 ? 32 : 128;
  let prefixLength = bits;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) {
      return { ok: false, reason: `prefix length "/${lenText}" must be 0-${bits} for IPv${family}` };
    }
    prefixLength = Number(lenText);
  }
  const bytes = family === 4 ? ipv4Bytes(addr) : ipv6Bytes(addr);
  const masked = maskBytes(bytes, prefixLength);
  if (!masked.every((b, i) => b === bytes[i])) {
    const network = family === 4 ? [...masked].join('.') : formatIpv6(masked);
    return {
      ok: false,
      reason: `"${text}" has host bits set beyond /${prefixLength}`,
      suggestion: `${network}/${prefixLength}`,
    };
  }
  return { ok: true, address: family === 4 ? addr : formatIpv6(bytes), family, prefixLength, bytes };
}

export function ipv4Bytes(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

export function ipv6Bytes(addr: string): Uint8Array {
  let text = addr;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => {
    const v = parseInt(g || '0', 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export function formatIpv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 recommends.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

function maskBytes(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - bitsHere)) & 0xff);
  }
  return out;
}
