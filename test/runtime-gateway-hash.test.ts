import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Ascii, crc32Update, crc32Utf8 } from '../runtime/engine/crc32.js';
import { parseSipRequest } from '../runtime/sip/message.js';
import {
  buildCrTable, CR_DEPENDS, crc32FirstToken, crFixedPick, crHash, crNofallbackSelectByHash, crSelectByCallId, crSelectByHash, crSelectRandom, type CrTarget,
} from '../runtime/engine/gateway-hash.js';

function table(targets: CrTarget[], precision: 'float32' | 'float64' = 'float32') {
  const r = buildCrTable(targets, precision);
  if (!r.ok) throw new Error(r.error);
  return r.table;
}

describe('CRC-32 as Kamailio core crc32_uint computes it', () => {
  it('matches the standard CRC-32 check value and zlib', () => {
    expect(crc32Ascii('123456789')).toBe(0xcbf43926);
    for (const s of ['', 'a', 'abc', 'a84b4c76e66710@pc33.atlanta.com', '1-2345@127.0.0.1']) {
      expect(crc32Ascii(s)).toBe(zlibCrc32(s));
      expect(crc32(Buffer.from(s))).toBe(zlibCrc32(s));
    }
  });

  it('hashes a slice, continues a running CRC, and encodes non-ASCII text as UTF-8', () => {
    expect(crc32Ascii('xxabcxx', 2, 5)).toBe(crc32Ascii('abc'));
    expect(crc32Update(crc32Ascii('ab'), 'c')).toBe(crc32Ascii('abc'));
    expect(crc32Utf8('Zürich')).toBe(zlibCrc32(Buffer.from('Zürich', 'utf8')));
  });

  it('hashes only the first whitespace-free token of a Call-ID, like carrierroute first_token', () => {
    expect(crc32FirstToken('  abc def')).toBe(crc32Ascii('abc'));
    expect(crc32FirstToken('abc\t')).toBe(crc32Ascii('abc'));
    expect(crc32FirstToken('')).toBe(crc32Ascii(''));
    // C isspace is exactly \t \n \v \f \r and space: \b (8) and \x0e (14) belong to the token.
    expect(crc32FirstToken('\v\f\r\n ab\bc\x0e\rdef')).toBe(crc32Ascii('ab\bc\x0e'));
  });

  it('takes four bytes at a time and the rest one by one, with the result of the byte loop', () => {
    // The byte-at-a-time definition, low byte of each code unit (latin1).
    const T = Array.from({ length: 256 }, (_, n) => {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c;
    });
    const bytewise = (s: string, start: number, end: number) => {
      let c = -1;
      for (let i = start; i < end; i++) c = T[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
      return ~c >>> 0;
    };
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    for (let len = 0; len < 40; len++) {
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(i % 7 === 6 ? next() & 0xffff : next() & 0xff);
      expect(crc32Ascii(s)).toBe(bytewise(s, 0, len));
      for (let start = 0; start <= Math.min(len, 5); start++) {
        expect(crc32Ascii(s, start, len - (len > start + 2 ? 1 : 0))).toBe(bytewise(s, start, len - (len > start + 2 ? 1 : 0)));
      }
    }
    // First tokens: whitespace and other control characters anywhere.
    const alphabet = ' \t\n\v\f\r\x00\x08\x0e\x1f!@-.09AZaz~\x7f\xa0\xff\u0100\u2028';
    const space = (c: number) => c === 32 || (c >= 9 && c <= 13);
    for (let trial = 0; trial < 3000; trial++) {
      let s = '';
      const len = next() % 30;
      for (let i = 0; i < len; i++) s += next() % 3 === 0 ? alphabet[next() % alphabet.length] : String.fromCharCode(33 + (next() % 90));
      let start = 0;
      while (start < s.length && space(s.charCodeAt(start))) start++;
      let end = start;
      while (end < s.length && !space(s.charCodeAt(end))) end++;
      expect(crc32FirstToken(s)).toBe(bytewise(s, start, end));
    }
  });
});

describe('carrierroute cr_route selection', () => {
  it('keeps hashless targets in reverse file order and maps hash % dice_max onto their ranges', () => {
    // gw1 0.5, gw2 0.3, gw3 0.2 → list [gw3, gw2, gw1], dice_to 200, 500, 1000.
    const t = table([{ prob: 0.5, enabled: true }, { prob: 0.3, enabled: true }, { prob: 0.2, enabled: true }]);
    expect(t.diceMax).toBe(1000);
    expect([...t.rule]).toEqual([2, 1, 0]);
    expect([...t.diceTo]).toEqual([200, 500, 1000]);
    // Observed on Kamailio 5.6.3: abc → gw1, def → gw2, 12345 → gw3, hello → gw1.
    expect(crSelectByCallId(t, 'abc')).toBe(0);
    expect(crSelectByCallId(t, 'def')).toBe(1);
    expect(crSelectByCallId(t, '12345')).toBe(2);
    expect(crSelectByCallId(t, 'hello')).toBe(0);
  });

  it('orders targets with hash indexes by index and assigns free indexes to the others', () => {
    const t = table([
      { prob: 1, enabled: true, hashIndex: 3 },
      { prob: 1, enabled: true },
      { prob: 1, enabled: true, hashIndex: 1 },
    ]);
    // list: hashless (index 0) first, then 1, then 3.
    expect([...t.rule]).toEqual([1, 2, 0]);
    expect([...t.hashIndexOf]).toEqual([3, 2, 1]);
  });

  it('truncates dice points like the C code: a file probability is a float, a database one a double', () => {
    // 0.7f = 0.699999988… → 699 points; as a double 0.7 * 1000 = 700.
    const file = table([{ prob: 0.7, enabled: true }, { prob: 0.3, enabled: true }], 'float32');
    const db = table([{ prob: 0.7, enabled: true }, { prob: 0.3, enabled: true }], 'float64');
    expect([...file.diceTo]).toEqual([300, 999]);
    expect(file.diceMax).toBe(999);
    expect([...db.diceTo]).toEqual([300, 1000]);
  });

  it('sends a disabled target’s share to its backup, and drops a disabled target without one', () => {
    const withBackup = table([
      { prob: 0.5, enabled: true, hashIndex: 1 },
      { prob: 0.5, enabled: false, hashIndex: 2, backup: 1 },
    ]);
    expect(withBackup.diceMax).toBe(1000);
    for (let h = 0; h < 1000; h++) expect(crSelectByHash(withBackup, h)).toBe(0);

    const without = table([
      { prob: 0.5, enabled: true, hashIndex: 1 },
      { prob: 0.5, enabled: false, hashIndex: 2 },
      { prob: 0.5, enabled: true, hashIndex: 3 },
    ]);
    expect(without.diceMax).toBe(1000);
    const seen = new Set<number>();
    for (let h = 0; h < 1000; h++) seen.add(crSelectByHash(without, h));
    expect([...seen].sort()).toEqual([0, 2]);
  });

  it('refuses tables carrierroute would refuse', () => {
    expect(buildCrTable([]).ok).toBe(false);
    expect(buildCrTable([{ prob: 1, enabled: true, hashIndex: 2 }]).ok).toBe(false);
    expect(buildCrTable([{ prob: 1, enabled: true, hashIndex: 1 }, { prob: 1, enabled: true, hashIndex: 1 }]).ok).toBe(false);
    expect(buildCrTable([{ prob: 1, enabled: false, backup: 5 }, { prob: 1, enabled: true }]).ok).toBe(false);
    expect(buildCrTable([{ prob: -1, enabled: true }]).ok).toBe(false);
  });

  it('routes nothing when every target is off', () => {
    const t = table([{ prob: 1, enabled: false }, { prob: 1, enabled: false }]);
    expect(t.diceMax).toBe(0);
    expect(crSelectByCallId(t, 'x')).toBe(-1);
  });

  it('knows when the pick does not depend on the hash (crFixedPick)', () => {
    const cases: CrTarget[][] = [
      [{ prob: 1, enabled: true }],
      [{ prob: 1, enabled: false }, { prob: 1, enabled: false }],
      [{ prob: 0.5, enabled: true }, { prob: 0.5, enabled: true }],
      [{ prob: 1, enabled: true }, { prob: 0, enabled: true }],
      // input 0 off with backup hash index 2 (input 1, hashless list [1, 0]… → both ranges → input 1)
      [{ prob: 1, enabled: false, backup: 2 }, { prob: 1, enabled: true }],
      [{ prob: 1, enabled: false, backup: 1 }, { prob: 1, enabled: true }, { prob: 1, enabled: false }],
      [{ prob: 0.0004, enabled: true }, { prob: 1, enabled: true }],
      [{ prob: 0.7, enabled: true, hashIndex: 2 }, { prob: 0.3, enabled: false, backup: 2 }],
    ];
    for (const targets of cases) {
      const t = table(targets);
      const fixed = crFixedPick(t);
      const seen = new Set<number>();
      for (let d = 0; d < Math.max(t.diceMax, 1); d++) seen.add(crSelectByHash(t, d));
      if (fixed === CR_DEPENDS) expect(seen.size).toBeGreaterThan(1);
      else expect([...seen]).toEqual([fixed]);
    }
    expect(crFixedPick(table([{ prob: 1, enabled: true }]))).toBe(0);
    expect(crFixedPick(table([{ prob: 0.5, enabled: true }, { prob: 0.5, enabled: true }]))).toBe(CR_DEPENDS);
  });

  it('cr_nofallback_route takes hash index hash % max_targets + 1', () => {
    // Input 0 is off with backup hash index 2. Hashless list [2, 1, 0] → hash indexes 1, 2, 3 for
    // inputs 2, 1, 0; index 2 is input 1.
    const t = table([{ prob: 1, enabled: false, backup: 2 }, { prob: 1, enabled: true }, { prob: 1, enabled: true }]);
    expect(crNofallbackSelectByHash(t, 0)).toBe(2);
    expect(crNofallbackSelectByHash(t, 1)).toBe(1);
    expect(crNofallbackSelectByHash(t, 2)).toBe(1);
    expect(crNofallbackSelectByHash(t, 5)).toBe(1);
  });
});

describe('carrierroute hash sources', () => {
  // 1000 targets of prob 1 with hash indexes 1…1000: the target is (hash % 1e6) / 1000 + 1, so
  // the gateway Kamailio 5.6.3 picked tells its hash input apart. Observed there:
  const cases: [Parameters<typeof crHash>[0], string, string, number][] = [
    ['from-user', '<sip:+4930123;npdi@127.0.0.1>;tag=1', '<sip:1@127.0.0.1>', 737],
    ['from-user', '"A" <sip:%2B4930123@127.0.0.1;user=phone>;tag=1', '<sip:1@127.0.0.1>', 82],
    ['from-user', 'sip:alice:pw@127.0.0.1;tag=1', '<sip:1@127.0.0.1>', 666],
    ['from-uri', '"A" <sip:+4930123;npdi@127.0.0.1:5070;user=phone>;tag=1', '<sip:1@127.0.0.1>', 389],
    ['from-uri', 'sip:alice@127.0.0.1;tag=1', '<sip:1@127.0.0.1>', 680],
    ['to-user', '<sip:1@127.0.0.1>;tag=1', '<sip:4930123456;rn=+49301@127.0.0.1>', 427],
    ['to-uri', '<sip:1@127.0.0.1>;tag=1', '"B" <SIP:Bob@Example.COM>', 799],
  ];
  const t = table(Array.from({ length: 1000 }, (_, i) => ({ prob: 1, enabled: true, hashIndex: i + 1 })));

  it.each(cases)('%s of From %s / To %s picks target %i, as Kamailio did', (source, from, to, expected) => {
    const r = parseSipRequest(`INVITE sip:4930123@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nFrom: ${from}\r\nTo: ${to}\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n`);
    if (!r.ok) throw new Error(r.error);
    expect(crSelectByHash(t, crHash(source, r.request)) + 1).toBe(expected);
  });
});

describe('weighted random gateway choice', () => {
  it('follows the weights and never picks a disabled gateway', () => {
    const t = table([{ prob: 3, enabled: true }, { prob: 1, enabled: true }, { prob: 5, enabled: false }], 'float64');
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[crSelectRandom(t, rand)]!++;
    expect(counts[2]).toBe(0);
    expect(counts[0]! / counts[1]!).toBeGreaterThan(2.7);
    expect(counts[0]! / counts[1]!).toBeLessThan(3.3);
  });
});
