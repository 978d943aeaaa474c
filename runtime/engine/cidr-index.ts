// Longest-match lookup of a source address over IPv4 and IPv6 CIDRs: the most specific network
// that contains the address wins. 198.51.100.0/24 → A and 198.51.100.128/25 → B: .7 is A, .200 is B.
//
// The networks are flattened once into disjoint, sorted ranges, each labelled with the value of
// the most specific network covering it (nested networks split their parent; at most 2n+1
// ranges). A lookup is a binary search over typed arrays: range starts as Uint32 (IPv4) or four
// Uint32 words (IPv6) and Int32 values. The same arrays can come straight from an artefact
// (`CidrIndex.fromRanges`). IPv4-mapped IPv6 sources (::ffff:192.0.2.1, what a dual-stack socket
// reports) are looked up as IPv4.

export interface CidrEntry {
  /** "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). */
  cidr: string;
  /** What a match returns (a customer or group index); must be >= 0. */
  value: number;
}

export type CidrBuildResult = { ok: true; index: CidrIndex } | { ok: false; error: string; entry: number };

const scratch = new Uint32Array(4);
const groups = new Uint16Array(8);

/** IPv4 dotted quad in s[start, end) → unsigned 32-bit number, or -1. */
export function parseIpv4(s: string, start = 0, end = s.length): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero ("01") is ambiguous (octal): refuse
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + part;
}

/** IPv6 text (with '::', an embedded IPv4 tail, an optional %zone) into out[0..3]; false if malformed. */
export function parseIpv6(s: string, out: Uint32Array = scratch): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  groups.fill(0);
  // Parse into up to 8 16-bit groups, remembering where '::' was.
  let n = 0;
  let gap = -1;
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    if (i === end) { out.fill(0); return true; }
  } else if (end > 0 && s.charCodeAt(0) === 58) {
    return false;
  }
  while (i < end) {
    // An IPv4 tail?
    let j = i;
    let isV4 = false;
    while (j < end && s.charCodeAt(j) !== 58) {
      if (s.charCodeAt(j) === 46) isV4 = true;
      j++;
    }
    if (isV4) {
      if (j !== end || n > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j === i || j - i > 4 || n >= 8) return false;
    let g = 0;
    for (let k = i; k < j; k++) {
      const c = s.charCodeAt(k);
      let v: number;
      if (c >= 48 && c <= 57) v = c - 48;
      else if (c >= 97 && c <= 102) v = c - 87;
      else if (c >= 65 && c <= 70) v = c - 55;
      else return false;
      g = g * 16 + v;
    }
    groups[n++] = g;
    i = j;
    if (i < end) {
      // at a ':'
      if (i + 1 < end && s.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return false;
        gap = n;
        i += 2;
      } else {
        i += 1;
        if (i === end) return false;
      }
    }
  }
  if (gap >= 0) {
    if (n > 7) return false;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (n !== 8) {
    return false;
  }
  for (let k = 0; k < 4; k++) out[k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return true;
}

interface Net { start: bigint; end: bigint; len: number; value: number; entry: number }

function flatten(nets: Net[], max: bigint): { starts: bigint[]; values: number[] } {
  nets.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.len - b.len));
  const starts: bigint[] = [0n];
  const values: number[] = [-1];
  const emit = (start: bigint, value: number): void => {
    const last = starts.length - 1;
    if (starts[last] === start) {
      values[last] = value;
      // merge with the range before if now equal
      if (last > 0 && values[last - 1] === value) { starts.pop(); values.pop(); }
      return;
    }
    if (values[last] === value) return;
    starts.push(start);
    values.push(value);
  };
  const stack: Net[] = [];
  const closeUntil = (pos: bigint | undefined): void => {
    while (stack.length > 0 && (pos === undefined || stack[stack.length - 1]!.end < pos)) {
      const t = stack.pop()!;
      if (t.end < max) emit(t.end + 1n, stack.length > 0 ? stack[stack.length - 1]!.value : -1);
    }
  };
  for (const net of nets) {
    closeUntil(net.start);
    emit(net.start, net.value);
    stack.push(net);
  }
  closeUntil(undefined);
  return { starts, values };
}

export class CidrIndex {
  private constructor(
    /** IPv4 range starts, ascending, starts[0] = 0. */
    readonly v4Starts: Uint32Array,
    readonly v4Values: Int32Array,
    /** IPv6 range starts, four big-endian words each, ascending, first = ::. */
    readonly v6Starts: Uint32Array,
    readonly v6Values: Int32Array,
  ) {}

  /** Wraps ranges already flattened (e.g. views into an artefact). */
  static fromRanges(v4Starts: Uint32Array, v4Values: Int32Array, v6Starts: Uint32Array, v6Values: Int32Array): CidrIndex {
    return new CidrIndex(v4Starts, v4Values, v6Starts, v6Values);
  }

  static build(entries: readonly CidrEntry[]): CidrBuildResult {
    const v4: Net[] = [];
    const v6: Net[] = [];
    const seen = new Map<string, number>();
    for (let e = 0; e < entries.length; e++) {
      const { cidr, value } = entries[e]!;
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) return { ok: false, error: `${cidr}: value must be a non-negative int`, entry: e };
      const slash = cidr.indexOf('/');
      const addr = slash < 0 ? cidr : cidr.slice(0, slash);
      const lenText = slash < 0 ? undefined : cidr.slice(slash + 1);
      let start: bigint;
      let bits: number;
      const a4 = parseIpv4(addr);
      if (a4 >= 0) {
        start = BigInt(a4);
        bits = 32;
      } else if (parseIpv6(addr, scratch)) {
        start = (BigInt(scratch[0]!) << 96n) | (BigInt(scratch[1]!) << 64n) | (BigInt(scratch[2]!) << 32n) | BigInt(scratch[3]!);
        bits = 128;
      } else {
        return { ok: false, error: `${cidr}: not an IP address or network`, entry: e };
      }
      const len = lenText === undefined ? bits : /^\d{1,3}$/.test(lenText) ? Number(lenText) : -1;
      if (len < 0 || len > bits) return { ok: false, error: `${cidr}: prefix length must be 0-${bits}`, entry: e };
      const hostMask = (1n << BigInt(bits - len)) - 1n;
      if ((start & hostMask) !== 0n) return { ok: false, error: `${cidr}: host bits are set`, entry: e };
      const key = `${bits}/${start}/${len}`;
      const prior = seen.get(key);
      if (prior !== undefined) {
        if (prior !== value) return { ok: false, error: `${cidr}: listed twice with different values`, entry: e };
        continue;
      }
      seen.set(key, value);
      (bits === 32 ? v4 : v6).push({ start, end: start | hostMask, len, value, entry: e });
    }
    const f4 = flatten(v4, (1n << 32n) - 1n);
    const f6 = flatten(v6, (1n << 128n) - 1n);
    const v6Starts = new Uint32Array(f6.starts.length * 4);
    f6.starts.forEach((s, k) => {
      v6Starts[4 * k] = Number((s >> 96n) & 0xffffffffn);
      v6Starts[4 * k + 1] = Number((s >> 64n) & 0xffffffffn);
      v6Starts[4 * k + 2] = Number((s >> 32n) & 0xffffffffn);
      v6Starts[4 * k + 3] = Number(s & 0xffffffffn);
    });
    return {
      ok: true,
      index: new CidrIndex(Uint32Array.from(f4.starts, Number), Int32Array.from(f4.values), v6Starts, Int32Array.from(f6.values)),
    };
  }

  /** Value of the most specific network containing an IPv4 address (as uint32), or -1. */
  lookupV4(ip: number): number {
    const s = this.v4Starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= ip) lo = mid;
      else hi = mid - 1;
    }
    return this.v4Values[lo]!;
  }

  /** Value of the most specific network containing the IPv6 address w0:w1:w2:w3, or -1. */
  lookupV6(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.v6Starts;
    let lo = 0;
    let hi = s.length / 4 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const b = mid * 4;
      // start(mid) <= address ?
      const le = s[b]! !== w0 ? s[b]! < w0 : s[b + 1]! !== w1 ? s[b + 1]! < w1 : s[b + 2]! !== w2 ? s[b + 2]! < w2 : s[b + 3]! <= w3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return this.v6Values[lo]!;
  }

  /** Value for an address in text form as a socket reports it (IPv4, IPv6, IPv4-mapped IPv6), or -1. */
  lookup(address: string): number {
    const a4 = parseIpv4(address);
    if (a4 >= 0) return this.lookupV4(a4);
    if (!parseIpv6(address, scratch)) return -1;
    if (scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0xffff) return this.lookupV4(scratch[3]!);
    return this.lookupV6(scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!);
  }
}
