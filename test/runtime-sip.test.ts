import { describe, expect, it } from 'vitest';
import { parseNameAddr, parseSipRequest, parseUri, type SipRequest, type SipSource } from '../runtime/sip/message.js';
import { buildDecisionResponse, buildResponse, defaultQ, formatQ, makeToTag, responseDestination } from '../runtime/sip/response.js';
import { SipServer } from '../runtime/sip/server.js';
import { TransactionStore, transactionHash, type TransactionIdentity } from '../runtime/sip/transactions.js';

const SRC: SipSource = { address: '192.0.2.10', port: 5062, transport: 'udp' };

function invite(over: { via?: string; extra?: string; body?: string; cl?: string | null; line?: string; headers?: string } = {}): string {
  const body = over.body ?? '';
  const cl = over.cl === null ? '' : `Content-Length: ${over.cl ?? body.length}\r\n`;
  return (over.line ?? 'INVITE sip:+442079460000;npdi@198.51.100.1:5060;user=phone SIP/2.0') + '\r\n'
    + (over.headers ?? (
      `Via: ${over.via ?? 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-abc;rport'}\r\n`
      + 'Max-Forwards: 70\r\n'
      + 'From: "Alice, A." <sip:+15551230000@192.0.2.10>;tag=a1\r\n'
      + 'To: <sip:+442079460000@198.51.100.1>\r\n'
      + 'Call-ID: 1-2345@192.0.2.10\r\n'
      + 'CSeq: 1 INVITE\r\n'
      + 'P-Asserted-Identity: <sip:+15559990000@192.0.2.10>, <tel:+15559990000>\r\n'
      + (over.extra ?? '')))
    + cl + '\r\n' + body;
}

function ok(text: string): SipRequest {
  const r = parseSipRequest(text);
  if (!r.ok) throw new Error(`${r.kind}: ${r.error}`);
  return r.request;
}

describe('SIP request parsing', () => {
  it('reads the fields a routing decision uses', () => {
    const r = ok(invite());
    expect(r.method).toBe('INVITE');
    expect(r.ruriUser).toBe('+442079460000');
    expect(r.ruriHost).toBe('198.51.100.1');
    expect(r.fromUser).toBe('+15551230000');
    expect(r.fromTag).toBe('a1');
    expect(r.toUser).toBe('+442079460000');
    expect(r.toTag).toBe('');
    expect(r.callId).toBe('1-2345@192.0.2.10');
    expect(r.cseq).toBe(1);
    expect(r.maxForwards).toBe(70);
    expect(r.contentLength).toBe(0);
    expect(r.paiUser).toBe('+15559990000');
    expect(r.branch).toBe('z9hG4bK-abc');
    expect(r.viaHost).toBe('192.0.2.10');
    expect(r.viaPort).toBe(5062);
    expect(r.viaTransport).toBe('UDP');
    expect(r.rport).toBe(0);
  });

  it('accepts compact header names, any case, space before the colon, folded lines and bare LF', () => {
    const text = 'INVITE sip:4930123@gw SIP/2.0\n'
      + 'v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-1\n'
      + 'f : <sip:100@192.0.2.10>;\n tag=xyz\n'
      + 'T: sip:4930123@gw\n'
      + 'i: abc@host\n'
      + 'cseq: 7 INVITE\n'
      + 'X-Unknown: 1\nX-Unknown: 2\n'
      + 'l: 4\n\nv=0\n';
    const r = ok(text);
    expect(r.fromTag).toBe('xyz');
    expect(r.toUser).toBe('4930123');
    expect(r.callId).toBe('abc@host');
    expect(r.cseq).toBe(7);
    expect(r.viaPort).toBe(0);
    expect(r.contentLength).toBe(4);
  });

  it('splits comma-joined Via values and keeps them in order', () => {
    const r = ok(invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-top, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK-2' }));
    expect(r.vias).toEqual(['SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-top', 'SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK-2']);
    expect(r.branch).toBe('z9hG4bK-top');
    expect(r.rport).toBe(-1);
  });

  it('parses URIs: user parameters, passwords, escapes, IPv6 hosts, tel numbers', () => {
    expect(parseUri('sip:+4930123;npdi;rn=+4930999@gw.example:5070')).toEqual({ scheme: 'sip', user: '+4930123', userRaw: '+4930123;npdi;rn=+4930999', host: 'gw.example', port: 5070 });
    // Kamailio splits user parameters off user=phone URIs (phone2tel); userRaw follows it.
    expect(parseUri('sip:+4930123;npdi@gw.example;user=phone')).toMatchObject({ user: '+4930123', userRaw: '+4930123' });
    expect(parseUri('sips:alice:secret@A.Example')).toEqual({ scheme: 'sips', user: 'alice', userRaw: 'alice', host: 'a.example', port: 0 });
    expect(parseUri('sip:%2B4930123@gw')).toMatchObject({ user: '+4930123', userRaw: '%2B4930123' });
    expect(parseUri('sip:[2001:db8::1]:5060')).toEqual({ scheme: 'sip', user: '', userRaw: '', host: '[2001:db8::1]', port: 5060 });
    expect(parseUri('tel:+1-212-555-0100;phone-context=example.com')?.user).toBe('+12125550100');
    expect(parseUri('sip:')).toBeUndefined();
    expect(parseUri('nonsense')).toBeUndefined();
  });

  it('reads name-addr and addr-spec forms with the tag in either', () => {
    expect(parseNameAddr('"Bob <boss>" <sip:bob@b.example>;tag=t1')).toEqual({ uri: 'sip:bob@b.example', tag: 't1' });
    expect(parseNameAddr('sip:bob@b.example;TAG=t2')).toEqual({ uri: 'sip:bob@b.example', tag: 't2' });
    expect(parseNameAddr('<sip:bob@b.example>')).toEqual({ uri: 'sip:bob@b.example', tag: '' });
    expect(parseNameAddr('<sip:bob@b.example')).toBeUndefined();
  });

  it('stops at the request line for an ACK', () => {
    const r = ok('ACK sip:x@y SIP/2.0\r\nthis is not looked at\r\n\r\n');
    expect(r.method).toBe('ACK');
    expect(r.vias).toEqual([]);
  });

  it('ignores responses and keep-alives without calling them malformed', () => {
    expect(parseSipRequest('SIP/2.0 200 OK\r\n\r\n')).toMatchObject({ ok: false, kind: 'ignore' });
    expect(parseSipRequest('\r\n\r\n')).toMatchObject({ ok: false, kind: 'ignore' });
    expect(parseSipRequest('')).toMatchObject({ ok: false, kind: 'ignore' });
  });

  it('refuses what matters, with a status and enough context to answer', () => {
    const cases: [string, number][] = [
      [invite({ cl: '10' }), 400], // body shorter than Content-Length
      [invite({ cl: 'x' }), 400],
      [invite({ extra: 'Max-Forwards: many\r\n' }), 400], // duplicate / malformed
      [invite({ extra: 'Call-ID: second@host\r\n' }), 400],
      [invite({ line: 'INVITE sip:1@h SIP/3.0' }), 505],
      [invite({ line: 'INVITE mailto:a@b SIP/2.0' }), 416],
      [invite({ line: 'INVITE sip: SIP/2.0' }), 400],
      [invite().replace('CSeq: 1 INVITE', 'CSeq: 1 OPTIONS'), 400],
      [invite().replace('CSeq: 1 INVITE', 'CSeq: one INVITE'), 400],
      [invite().replace('From: "Alice, A." <sip:+15551230000@192.0.2.10>;tag=a1', 'From: <nothing'), 400],
    ];
    for (const [text, status] of cases) {
      const r = parseSipRequest(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok && r.kind === 'malformed') {
        expect(r.status, r.error).toBe(status);
        expect(r.context, r.error).toBeDefined();
      } else {
        throw new Error(`expected malformed for ${text}`);
      }
    }
  });

  it('gives no context to answer when a header a response copies is missing', () => {
    for (const drop of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      const text = invite().split('\r\n').filter((l) => !l.startsWith(drop + ':')).join('\r\n');
      const r = parseSipRequest(text);
      expect(r).toMatchObject({ ok: false, kind: 'malformed', context: undefined });
    }
  });

  it('discards bytes beyond Content-Length', () => {
    const r = ok(invite({ body: 'v=0\r\n', cl: '2' }));
    expect(r.contentLength).toBe(2);
  });
});

describe('SIP responses', () => {
  const req = ok(invite());

  it('fills rport and received in the top Via (RFC 3581) and copies the rest', () => {
    const text = buildResponse(req, SRC, 200, 'OK', { toTag: 'tt' }).toString('latin1');
    expect(text).toBe('SIP/2.0 200 OK\r\n'
      + 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-abc;rport=5062;received=192.0.2.10\r\n'
      + 'From: "Alice, A." <sip:+15551230000@192.0.2.10>;tag=a1\r\n'
      + 'To: <sip:+442079460000@198.51.100.1>;tag=tt\r\n'
      + 'Call-ID: 1-2345@192.0.2.10\r\n'
      + 'CSeq: 1 INVITE\r\n'
      + 'Content-Length: 0\r\n\r\n');
  });

  it('adds received only when the sent-by host differs from the source, without rport', () => {
    const same = ok(invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-1' }));
    expect(buildResponse(same, SRC, 200, 'OK').toString()).toContain('Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-1\r\n');
    const natted = ok(invite({ via: 'SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1' }));
    expect(buildResponse(natted, SRC, 200, 'OK').toString()).toContain('Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;received=192.0.2.10\r\n');
    const named = ok(invite({ via: 'SIP/2.0/UDP pbx.example.com;branch=z9hG4bK-1' }));
    expect(buildResponse(named, SRC, 200, 'OK').toString()).toContain(';received=192.0.2.10\r\n');
  });

  it('sends to the source port with rport, else to the Via port or 5060', () => {
    expect(responseDestination(req, SRC)).toEqual({ address: '192.0.2.10', port: 5062 });
    const noRport = ok(invite({ via: 'SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-1' }));
    expect(responseDestination(noRport, SRC)).toEqual({ address: '192.0.2.10', port: 5070 });
    const noPort = ok(invite({ via: 'SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1' }));
    expect(responseDestination(noPort, SRC)).toEqual({ address: '192.0.2.10', port: 5060 });
    expect(responseDestination(noPort, SRC, true)).toEqual({ address: '192.0.2.10', port: 5062 });
  });

  it('lists one Contact per target in order with descending q, then the extra headers', () => {
    const text = buildDecisionResponse(req, SRC, {
      status: 302,
      targets: [{ uri: 'sip:442079460000@a.example' }, { uri: 'sip:442079460000@b.example:5080' }, { uri: 'sip:1@c' }],
      headers: { 'X-Dialplane-Sell': '0.0120', 'X-Dialplane-Max-Duration': 3600 },
    }, 'tag1').toString('latin1');
    expect(text.startsWith('SIP/2.0 302 Moved Temporarily\r\n')).toBe(true);
    expect(text).toContain('To: <sip:+442079460000@198.51.100.1>;tag=tag1\r\n');
    expect(text).toContain('Contact: <sip:442079460000@a.example>;q=1.0\r\n'
      + 'Contact: <sip:442079460000@b.example:5080>;q=0.9\r\n'
      + 'Contact: <sip:1@c>;q=0.8\r\n'
      + 'X-Dialplane-Sell: 0.0120\r\n'
      + 'X-Dialplane-Max-Duration: 3600\r\n');
  });

  it('answers a rejection with its code and reason, and refuses header injection', () => {
    const text = buildDecisionResponse(req, SRC, { status: 503, reason: 'No Routes Available (Pre)\r\nX-Evil: 1', headers: [['X-Ok', 'a\r\nb'], ['Bad Name', 'x']] }, 't').toString();
    expect(text.startsWith('SIP/2.0 503 No Routes Available (Pre) X-Evil: 1\r\n')).toBe(true);
    expect(text).toContain('X-Ok: a b\r\n');
    expect(text).not.toContain('Bad Name');
  });

  it('turns an impossible decision into 500 rather than a broken message', () => {
    expect(buildDecisionResponse(req, SRC, { status: 302, targets: [] }, 't').toString()).toMatch(/^SIP\/2\.0 500 /);
    expect(buildDecisionResponse(req, SRC, { status: 99, reason: 'x' }, 't').toString()).toMatch(/^SIP\/2\.0 500 /);
  });

  it('keeps q-values strictly descending and valid for long target lists', () => {
    expect(formatQ(1)).toBe('1.0');
    expect(formatQ(0.95)).toBe('0.95');
    expect(formatQ(0.001)).toBe('0.001');
    expect(formatQ(0)).toBe('0.0');
    for (const n of [1, 5, 10, 11, 37, 200]) {
      const qs = Array.from({ length: n }, (_, i) => defaultQ(i, n));
      for (let i = 1; i < n; i++) expect(qs[i]!).toBeLessThan(qs[i - 1]!);
      expect(qs[n - 1]!).toBeGreaterThan(0);
      for (const q of qs) expect(formatQ(q)).toMatch(/^(0\.\d{1,3}|1\.0)$/);
    }
  });

  it('derives the same To tag for an INVITE, its retransmission and its CANCEL, and another per branch', () => {
    const cancel = ok(invite({ line: 'CANCEL sip:+442079460000@198.51.100.1 SIP/2.0' }).replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL'));
    expect(makeToTag('s', cancel)).toBe(makeToTag('s', req));
    expect(makeToTag('s', req)).toMatch(/^[0-9a-f]{12}$/);
    const other = ok(invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-other' }));
    expect(makeToTag('s', other)).not.toBe(makeToTag('s', req));
    expect(makeToTag('t', req)).not.toBe(makeToTag('s', req));
  });
});

describe('transaction memory', () => {
  const id = (n: number, over: Partial<TransactionIdentity> = {}): TransactionIdentity =>
    ({ branch: `z9hG4bK-${n}`, callId: `${n}@192.0.2.1`, viaHost: '192.0.2.1', viaPort: 5060, cseq: 1, ...over });

  it('keeps entries for at least the ttl and forgets them within ttl · g/(g-1)', () => {
    let now = 0;
    const c = new TransactionStore({ ttlMs: 30, generations: 4, now: () => now });
    c.set(1, id(1), 'one');
    now = 29.9;
    expect(c.get(1, id(1))?.toString('latin1')).toBe('one');
    now = 40.1;
    expect(c.get(1, id(1))).toBeUndefined();
  });

  it('answers only the same transaction: a hash collision is a miss', () => {
    const c = new TransactionStore();
    c.set(7, id(1), 'first');
    expect(c.get(7, id(1))?.toString('latin1')).toBe('first');
    for (const other of [id(2), id(1, { viaPort: 5062 }), id(1, { cseq: 2 }), id(1, { viaHost: '192.0.2.2' }), id(1, { branch: 'z9hG4bK-1x' })]) {
      expect(c.get(7, other)).toBeUndefined();
    }
    c.set(7, id(2), 'second');
    expect(c.get(7, id(1))?.toString('latin1')).toBe('first');
    expect(c.get(7, id(2))?.toString('latin1')).toBe('second');
  });

  it('hashes transactions by branch, Call-ID, sent-by and CSeq number into 32 bits', () => {
    const keys = new Set<number>();
    for (const cseq of [1, 2]) for (const port of [5060, 5062]) for (const h of [0, 1, 0xffffffff]) keys.add(transactionHash(h, '192.0.2.1', port, cseq));
    expect(keys.size).toBe(12);
    for (const k of keys) expect(k).toBe(k | 0);
  });

  it('stays bounded under load by rotating early, by entries and by bytes', () => {
    const c = new TransactionStore({ ttlMs: 1e9, maxEntries: 100, generations: 4, now: () => 0 });
    for (let i = 0; i < 10_000; i++) c.set(transactionHash(i, '192.0.2.1', 5060, 1), id(i), `r${i}`);
    expect(c.size).toBeLessThanOrEqual(100);
    expect(c.get(transactionHash(9999, '192.0.2.1', 5060, 1), id(9999))?.toString('latin1')).toBe('r9999');
    expect(c.earlyRotations).toBeGreaterThan(0);
    const b = new TransactionStore({ ttlMs: 1e9, maxBytes: 4 * 4096, generations: 4, now: () => 0 });
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 100; i++) b.set(i, id(i), big + i);
    expect(b.size).toBeLessThanOrEqual(16);
    expect(b.get(99, id(99))?.toString('latin1')).toBe(big + 99);
    expect(b.set(1, id(1), 'y'.repeat(5000))).toBeUndefined();
  });
});

describe('SIP server request handling', () => {
  const decide = (r: SipRequest) => r.ruriUser.endsWith('0')
    ? { status: 302 as const, targets: [{ uri: `sip:${r.ruriUser}@gw1.example` }, { uri: `sip:${r.ruriUser}@gw2.example` }], headers: { 'X-Dialplane-Sell': '0.01' } }
    : { status: 503, reason: 'No Routes Available (Pre)' };
  const server = new SipServer({ decide, server: '' });
  const send = (text: string) => server.handle(Buffer.from(text, 'latin1'), SRC)?.toString('latin1');

  it('redirects an INVITE and answers its retransmission with the same bytes without deciding again', () => {
    let calls = 0;
    const random = new SipServer({ decide: () => { calls++; return { status: 302, targets: [{ uri: `sip:x@gw${Math.random()}` }] }; } });
    const first = random.handle(Buffer.from(invite()), SRC)!;
    const again = random.handle(Buffer.from(invite()), SRC)!;
    expect(again.equals(first)).toBe(true);
    expect(calls).toBe(1);
    expect(random.stats.retransmissions).toBe(1);
    expect(first.toString()).toMatch(/^SIP\/2\.0 302 Moved Temporarily\r\n/);
  });

  // The tests share `server` and its transaction memory: each sends transactions of its own
  // (its own branch), or an earlier test's INVITE with the same branch, Call-ID and CSeq would be
  // answered from memory (seen with --sequence.shuffle: the fuzz test below cached a 302).
  it('answers a rejection decision with its code and reason', () => {
    expect(send(invite({ line: 'INVITE sip:441@198.51.100.1 SIP/2.0', via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-reject;rport' })))
      .toMatch(/^SIP\/2\.0 503 No Routes Available \(Pre\)\r\n/);
  });

  it('absorbs ACK, answers OPTIONS 200 and other methods 405 with Allow', () => {
    expect(send('ACK sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-1\r\n\r\n')).toBeUndefined();
    const options = send(invite({ line: 'OPTIONS sip:ping@198.51.100.1 SIP/2.0' }).replace('CSeq: 1 INVITE', 'CSeq: 1 OPTIONS'))!;
    expect(options).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(options).toContain('Allow: INVITE, ACK, CANCEL, OPTIONS\r\n');
    const bye = send(invite({ line: 'BYE sip:x@198.51.100.1 SIP/2.0' }).replace('CSeq: 1 INVITE', 'CSeq: 2 BYE'))!;
    expect(bye).toMatch(/^SIP\/2\.0 405 Method Not Allowed\r\n/);
    expect(bye).toContain('Allow: INVITE, ACK, CANCEL, OPTIONS\r\n');
  });

  it('answers a CANCEL 200 when it matches an answered INVITE (no 487: the final response is out) and 481 otherwise', () => {
    const base = invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-cancelme;rport' });
    const inv = send(base)!;
    const cancel = send(base.replace(/^INVITE /, 'CANCEL ').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL'))!;
    expect(cancel).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    const tag = (t: string) => /\r\nTo: [^\r]*;tag=([^\r;]+)/.exec(t)?.[1];
    expect(tag(cancel)).toBe(tag(inv));
    const stray = send(invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-never' }).replace(/^INVITE /, 'CANCEL ').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL'))!;
    expect(stray).toMatch(/^SIP\/2\.0 481 Call\/Transaction Does Not Exist\r\n/);
  });

  it('answers 400 to a malformed request it can answer and drops one it cannot', () => {
    expect(send(invite({ cl: '999' }))).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
    expect(send('INVITE sip:x@y SIP/2.0\r\nTo: <sip:x@y>\r\n\r\n')).toBeUndefined();
    expect(send('garbage')).toBeUndefined();
    expect(server.stats.malformed).toBeGreaterThanOrEqual(2);
  });

  it('answers 500 when decide throws, and keeps serving', () => {
    const s = new SipServer({ decide: () => { throw new Error('boom'); }, onError: () => {} });
    expect(s.handle(Buffer.from(invite()), SRC)!.toString()).toMatch(/^SIP\/2\.0 500 /);
    expect(s.stats.decideErrors).toBe(1);
  });

  it('answers an INVITE inside a dialog it does not know with 481', () => {
    const inDialog = invite({ via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-reinvite' }).replace('To: <sip:+442079460000@198.51.100.1>', 'To: <sip:+442079460000@198.51.100.1>;tag=old');
    expect(send(inDialog)).toMatch(/^SIP\/2\.0 481 /);
  });

  it('never throws on random and mutated datagrams', () => {
    let seed = 1;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const base = Buffer.from(invite({ body: 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n' }));
    for (let k = 0; k < 20_000; k++) {
      let b: Buffer;
      if (k % 4 === 0) {
        b = Buffer.alloc(rnd() % 300);
        for (let i = 0; i < b.length; i++) b[i] = rnd() & 255;
      } else {
        b = Buffer.from(base.subarray(0, rnd() % (base.length + 1)));
        const flips = 1 + (rnd() % 8);
        for (let f = 0; f < flips && b.length > 0; f++) b[rnd() % b.length] = [0, 10, 13, 32, 58, 59, 60, 62, 44, 34, 255, rnd() & 255][rnd() % 12]!;
      }
      expect(() => server.handle(b, SRC)).not.toThrow();
    }
  });
});
