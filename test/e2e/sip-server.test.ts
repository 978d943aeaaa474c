// The SIP redirect server driven by real peers: sipp (Debian package `sip-tester`) places calls
// that must all end in the expected final response; a plain UDP client checks that a
// retransmitted INVITE gets byte-identical answers even when the decision is random, and that
// malformed datagrams never stop the server.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrTable, crSelectByCallId } from '../../runtime/engine/gateway-hash.js';
import type { SipRequest } from '../../runtime/sip/message.js';
import type { Decision } from '../../runtime/sip/response.js';
import { SipServer } from '../../runtime/sip/server.js';

const SIPP = ['/usr/bin/sipp', '/usr/local/bin/sipp'].find((p) => existsSync(p));

// A stub routing engine that is a real function of the request: numbers starting 44 are routed to
// two of three gateways, the first chosen by carrierroute hashing of the Call-ID; 99… is refused;
// 77… is routed in random order (so only the transaction cache can make retransmissions agree) —
// random from a seeded generator, so that every run sees the same mix of orders.
const GATEWAYS = ['gw1.example', 'gw2.example', 'gw3.example'];
const table = (() => {
  const t = buildCrTable([{ prob: 0.5, enabled: true }, { prob: 0.3, enabled: true }, { prob: 0.2, enabled: true }]);
  if (!t.ok) throw new Error(t.error);
  return t.table;
})();

let seed = 0x5eed;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

function decide(r: SipRequest): Decision {
  const n = r.ruriUser;
  if (n.startsWith('99')) return { status: 503, reason: 'No Routes Available (Pre)' };
  if (n.startsWith('77')) {
    const order = random() < 0.5 ? [0, 1] : [1, 0];
    return { status: 302, targets: order.map((g) => ({ uri: `sip:${n}@${GATEWAYS[g]}` })) };
  }
  if (!n.startsWith('44')) return { status: 484, reason: 'Address Incomplete' };
  const first = crSelectByCallId(table, r.callId);
  const second = (first + 1) % GATEWAYS.length;
  return {
    status: 302,
    targets: [{ uri: `sip:${n}@${GATEWAYS[first]}` }, { uri: `sip:${n}@${GATEWAYS[second]}` }],
    headers: { 'X-Dialplane-Sell': (n.length / 1000).toFixed(4), 'X-Dialplane-Max-Duration': 7200 },
  };
}

function scenario(prefix: string, expect: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="dialplane ${expect}">
  <send retrans="500">
    <![CDATA[
      INVITE sip:${prefix}[call_number]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:${prefix}[call_number]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="${expect}">
    <action>
      ${expect === 302
        ? `<ereg regexp="sip:${prefix}[0-9]+@gw[123]\\.example" search_in="hdr" header="Contact:" check_it="true" assign_to="1"/>`
        : '<ereg regexp=".*" search_in="hdr" header="CSeq:" check_it="true" assign_to="1"/>'}
    </action>
  </recv>
  <send>
    <![CDATA[
      ACK sip:${prefix}[call_number]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-1]
      From: sipp <sip:100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      X-Seen: [$1]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;
}

interface SippResult { code: number | null; successful: number; failed: number; output: string }

async function runSipp(dir: string, name: string, xml: string, port: number, args: string[]): Promise<SippResult> {
  const sf = join(dir, `${name}.xml`);
  const stf = join(dir, `${name}.csv`);
  writeFileSync(sf, xml);
  const proc = spawn(SIPP!, [`127.0.0.1:${port}`, '-sf', sf, '-i', '127.0.0.1', '-nostdin', '-trace_stat', '-stf', stf,
    '-trace_err', '-error_file', join(dir, `${name}.err`), '-recv_timeout', '10000', '-timeout', '60', '-timeout_error', ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const code = await new Promise<number | null>((resolve) => proc.on('close', (c) => resolve(c)));
  const csv = existsSync(stf) ? readFileSync(stf, 'utf8').trim().split('\n') : [];
  let successful = -1;
  let failed = -1;
  if (csv.length >= 2) {
    const head = csv[0]!.split(';');
    const last = csv[csv.length - 1]!.split(';');
    successful = Number(last[head.indexOf('SuccessfulCall(C)')]);
    failed = Number(last[head.indexOf('FailedCall(C)')]);
  }
  const err = join(dir, `${name}.err`);
  if (existsSync(err)) output += readFileSync(err, 'utf8').slice(0, 2000);
  return { code, successful, failed, output: output.slice(-3000) };
}

function invite(port: number, clientPort: number, user: string, branch: string, callId: string): string {
  return `INVITE sip:${user}@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${clientPort};branch=${branch};rport\r\n`
    + `Max-Forwards: 70\r\nFrom: <sip:100@127.0.0.1>;tag=f1\r\nTo: <sip:${user}@127.0.0.1>\r\nCall-ID: ${callId}\r\n`
    + 'CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
}

/** Sends datagrams and collects everything that comes back. */
class UdpPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  private waiters: (() => void)[] = [];
  port = 0;
  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => { this.received.push(m); for (const w of this.waiters.splice(0)) w(); });
  }
  send(port: number, data: string | Buffer): void { this.socket.send(data, port, '127.0.0.1'); }
  async waitFor(count: number, ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    while (this.received.length < count && Date.now() < until) {
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 50); });
    }
  }
  close(): void { this.socket.close(); }
}

describe('SIP redirect server with real peers', () => {
  let server: SipServer;
  let port = 0;
  let dir = '';
  const errors: unknown[] = [];

  beforeAll(async () => {
    // Port 0 is the kernel's choice for UDP; TCP then needs the same number, which a connection
    // elsewhere on the machine may hold: another port then.
    for (let attempt = 1; ; attempt++) {
      try {
        server = await SipServer.start({ decide, host: '127.0.0.1', port: 0, tcp: true, onError: (e) => errors.push(e) });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw e;
      }
    }
    port = server.udpInfo().port;
    dir = mkdtempSync(join(tmpdir(), 'dialplane-sipp-'));
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('asks the kernel for a large receive buffer', () => {
    // The kernel may cap (net.core.rmem_max) and doubles what it grants; it is more than the default.
    expect(server.udpInfo().recvBufferSize).toBeGreaterThan(200_000);
  });

  it('gives a retransmitted INVITE byte-identical answers even when the decision is random', async () => {
    const peer = new UdpPeer();
    await peer.open();
    try {
      const before = server.stats.retransmissions;
      const msgs = Array.from({ length: 20 }, (_, i) => invite(port, peer.port, `7700${i}`, `z9hG4bK-rt-${i}`, `rt-${i}@test`));
      for (let round = 0; round < 3; round++) for (const m of msgs) peer.send(port, m);
      await peer.waitFor(60);
      expect(peer.received).toHaveLength(60);
      const byCall = new Map<string, Buffer[]>();
      for (const r of peer.received) {
        const id = /\r\nCall-ID: ([^\r]+)/.exec(r.toString('latin1'))![1]!;
        byCall.set(id, [...(byCall.get(id) ?? []), r]);
      }
      const orders = new Set<string>();
      for (const [, answers] of byCall) {
        expect(answers).toHaveLength(3);
        expect(answers[1]!.equals(answers[0]!)).toBe(true);
        expect(answers[2]!.equals(answers[0]!)).toBe(true);
        orders.add(/Contact: <[^>]*@(gw\d)/.exec(answers[0]!.toString())![1]!);
      }
      expect(orders.size).toBe(2); // the decisions really were random
      expect(server.stats.retransmissions - before).toBe(40);
    } finally {
      peer.close();
    }
  });

  it('survives malformed datagrams and keeps answering', async () => {
    const peer = new UdpPeer();
    await peer.open();
    try {
      let seed = 99;
      const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      const base = Buffer.from(invite(port, peer.port, '4420', 'z9hG4bK-fuzz', 'fuzz@test'));
      for (let k = 0; k < 3000; k++) {
        let b: Buffer;
        if (k % 3 === 0) {
          b = Buffer.alloc(1 + (rnd() % 1400));
          for (let i = 0; i < b.length; i++) b[i] = rnd() & 255;
        } else {
          b = Buffer.from(base.subarray(0, 1 + (rnd() % base.length)));
          for (let f = 0; f < 1 + (rnd() % 6); f++) b[rnd() % b.length] = [0, 10, 13, 32, 58, 59, 60, 62, 44, rnd() & 255][rnd() % 10]!;
        }
        peer.send(port, b);
        if (k % 200 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      peer.send(port, `OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-alive\r\n`
        + 'From: <sip:p@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: alive@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
      const alive = () => peer.received.map((b) => b.toString('latin1')).find((t) => t.includes('Call-ID: alive@test'));
      const until = Date.now() + 30_000;
      while (alive() === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const last = alive();
      expect(last).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(server.stats.malformed + server.stats.ignored).toBeGreaterThan(1000);
      expect(errors).toEqual([]);
    } finally {
      peer.close();
    }
  });

  it('answers over TCP on the same port, with keep-alive pongs', async () => {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    let got = '';
    sock.on('data', (c) => { got += c.toString('latin1'); });
    const msg = invite(port, 5060, '4420', 'z9hG4bK-tcp', 'tcp@test').replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
    // keep-alive, then the request split across two writes
    sock.write('\r\n\r\n');
    sock.write(msg.slice(0, 40));
    await new Promise((r) => setTimeout(r, 20));
    sock.write(msg.slice(40));
    const until = Date.now() + 30_000;
    while (!got.includes('Content-Length: 0\r\n\r\n') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    sock.destroy();
    expect(got.startsWith('\r\nSIP/2.0 302 Moved Temporarily\r\n')).toBe(true);
    expect(got).toContain('Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-tcp;rport=');
  });

  describe.skipIf(!SIPP)(`driven by sipp${SIPP ? '' : ' (skipped: sipp is not installed; apt-get install sip-tester)'}`, () => {
    it('redirects 200 sipp calls with 0 failures, Contacts checked by sipp', async () => {
      const r = await runSipp(dir, 'redirect', scenario('44', 302), port, ['-m', '200', '-r', '400', '-l', '100']);
      expect(r.failed, r.output).toBe(0);
      expect(r.successful, r.output).toBe(200);
      expect(r.code, r.output).toBe(0);
    }, 90_000);

    it('rejects 50 sipp calls with the decided code', async () => {
      const r = await runSipp(dir, 'reject', scenario('99', 503), port, ['-m', '50', '-r', '200']);
      expect(r.failed, r.output).toBe(0);
      expect(r.successful, r.output).toBe(50);
    }, 90_000);

    it('completes every call when sipp loses 7% of packets, by answering its retransmissions', async () => {
      const before = server.stats.retransmissions;
      // sipp drops 7 % of what it sends and receives, so an INVITE/302 exchange succeeds with
      // p ≈ 0.865 per try. sipp sends an INVITE at most 1 + max_invite_retrans times (default 5:
      // 6 tries, the last at 15.5 s — not the 7 that 32 s of Timer B would allow): at 10 % loss a
      // call failed with p ≈ 0.19^6 ≈ 5e-5, so one run in ~100 lost one of its 200 calls. With 8
      // tries (the last at 63.5 s) a call fails with p ≈ 0.135^8 ≈ 1e-7 (a run in ~40,000), and
      // some 302 is still lost and its retransmission answered, but for p ≈ 0.93^200 ≈ 5e-7.
      // A run takes seconds: only a call that needs its 7th try waits 31.5 s.
      const r = await runSipp(dir, 'lossy', scenario('44', 302), port, ['-m', '200', '-r', '200', '-l', '200', '-lost', '7',
        '-max_invite_retrans', '7', '-recv_timeout', '70000', '-timeout', '150']);
      expect(r.failed, r.output).toBe(0);
      expect(r.successful, r.output).toBe(200);
      expect(server.stats.retransmissions - before).toBeGreaterThan(0);
    }, 180_000);

    it('redirects sipp calls over TCP', async () => {
      const r = await runSipp(dir, 'tcp', scenario('44', 302), port, ['-t', 't1', '-m', '50', '-r', '100']);
      expect(r.failed, r.output).toBe(0);
      expect(r.successful, r.output).toBe(50);
    }, 90_000);
  });
});
