// Kamailio carrierroute is the reference for gateway hashing: the same table and the same Call-ID
// must give the same gateway. This test writes carrierroute tables in config-file mode, runs a real
// Kamailio (Debian package `kamailio`) on a loopback port, sends it INVITEs with many Call-IDs,
// reads the gateway `cr_route` chose from a 302 Contact, and checks `crSelectByCallId` picks the
// same one for every Call-ID of every table.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrTable, crHash, crSelectByCallId, crSelectByHash, type CrHashSource, type CrTarget } from '../../runtime/engine/gateway-hash.js';
import { parseSipRequest } from '../../runtime/sip/message.js';
import { findKamailio, startKamailio, type Kamailio } from '../support/kamailio.js';

const kamailio = findKamailio(['carrierroute.so']);
const CALL_IDS = 600;

interface Gw extends CrTarget { host: string }
/** Tables covering what the mapping depends on: float truncation, hash indexes, backups, off targets. */
const TABLES: Record<string, Gw[]> = {
  three: [
    { host: 'a.three', prob: 0.5, enabled: true },
    { host: 'b.three', prob: 0.3, enabled: true },
    { host: 'c.three', prob: 0.2, enabled: true },
  ],
  floaty: [
    { host: 'a.floaty', prob: 0.57, enabled: true },
    { host: 'b.floaty', prob: 0.1, enabled: true },
    { host: 'c.floaty', prob: 0.33, enabled: true },
    { host: 'd.floaty', prob: 0.7, enabled: true },
  ],
  indexed: [
    { host: 'a.indexed', prob: 1, enabled: true, hashIndex: 2 },
    { host: 'b.indexed', prob: 2, enabled: true, hashIndex: 4 },
    { host: 'c.indexed', prob: 3, enabled: true, hashIndex: 1 },
    { host: 'd.indexed', prob: 4, enabled: true, hashIndex: 3 },
  ],
  backups: [
    { host: 'a.backups', prob: 0.25, enabled: true, hashIndex: 1 },
    { host: 'b.backups', prob: 0.25, enabled: false, hashIndex: 2, backup: 1 },
    { host: 'c.backups', prob: 0.25, enabled: false, hashIndex: 3 },
    { host: 'd.backups', prob: 0.25, enabled: true, hashIndex: 4 },
    { host: 'e.backups', prob: 0.4, enabled: false, hashIndex: 5, backup: 4 },
  ],
  mixed: [
    { host: 'a.mixed', prob: 0.1, enabled: true },
    { host: 'b.mixed', prob: 0.15, enabled: true, hashIndex: 4 },
    { host: 'c.mixed', prob: 0.25, enabled: true },
    { host: 'd.mixed', prob: 0.2, enabled: true, hashIndex: 1 },
    { host: 'e.mixed', prob: 0.3, enabled: true },
  ],
};

/** carrierroute's config-file format (5.6: line based, status defaults to off, no comments). */
function carrierrouteConf(): string {
  const out: string[] = [];
  for (const [domain, gws] of Object.entries(TABLES)) {
    out.push(`domain ${domain} {`, '\tprefix NULL {', `\t\tmax_targets = ${gws.length}`);
    for (const g of gws) {
      out.push(`\t\ttarget ${g.host} {`, `\t\t\tprob = ${g.prob}`, `\t\t\tstatus = ${g.enabled ? 1 : 0}`);
      if (g.hashIndex) out.push(`\t\t\thash_index = ${g.hashIndex}`);
      if (g.backup !== undefined) out.push(`\t\t\tbackup = ${g.backup}`);
      out.push('\t\t}');
    }
    out.push('\t}', '}');
  }
  return out.join('\n') + '\n';
}

function kamailioCfg(port: number, modules: string, crConf: string): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=1
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:${port}
mpath="${modules}/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "carrierroute.so"
modparam("carrierroute", "config_source", "file")
modparam("carrierroute", "config_file", "${crConf}")
request_route {
	if (is_method("ACK")) exit;
	if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
	$var(ok) = 0;
	if ($hdr(X-Hash) == "from_user") { if (cr_route("default", "$hdr(X-Domain)", "$rU", "$rU", "from_user")) $var(ok) = 1; }
	else if ($hdr(X-Hash) == "from_uri") { if (cr_route("default", "$hdr(X-Domain)", "$rU", "$rU", "from_uri")) $var(ok) = 1; }
	else if ($hdr(X-Hash) == "to_user") { if (cr_route("default", "$hdr(X-Domain)", "$rU", "$rU", "to_user")) $var(ok) = 1; }
	else if ($hdr(X-Hash) == "to_uri") { if (cr_route("default", "$hdr(X-Domain)", "$rU", "$rU", "to_uri")) $var(ok) = 1; }
	else if (cr_route("default", "$hdr(X-Domain)", "$rU", "$rU", "call_id")) $var(ok) = 1;
	if ($var(ok) == 1) {
		append_to_reply("Contact: <$ru>\\r\\n");
		sl_send_reply("302", "Moved Temporarily");
	} else {
		sl_send_reply("404", "No Route");
	}
	exit;
}
`;
}

/** Deterministic Call-IDs of the shapes real user agents send. */
function callIds(n: number): string[] {
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const hex = (len: number) => { let s = ''; while (s.length < len) s += next().toString(16).padStart(8, '0'); return s.slice(0, len); };
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0: ids.push(`${i + 1}-${next() % 100000}@127.0.0.1`); break; // sipp
      case 1: ids.push(`${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`); break; // uuid
      case 2: ids.push(`${hex(32)}@sbc${i % 7}.example.net`); break;
      case 3: ids.push(`${next()}`); break;
      default: ids.push(`a84b4c76e${hex(6)}@pc33.atlanta.example.com`); break;
    }
  }
  return ids;
}

/** A small UDP client: sends requests, matches responses by Call-ID, retransmits on silence. */
class Client {
  private readonly socket = dgram.createSocket('udp4');
  private readonly waiting = new Map<string, (response: string) => void>();
  port = 0;

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => {
      const text = m.toString('latin1');
      const id = /\r\nCall-ID:\s*([^\r]*)\r\n/i.exec(text)?.[1];
      const cb = id === undefined ? undefined : this.waiting.get(id);
      if (cb) { this.waiting.delete(id!); cb(text); }
    });
  }

  /**
   * Sends `message`, again every `retransmitMs` (UDP may drop it), until the answer or `deadlineMs`:
   * a deadline, not a number of tries, so a Kamailio slowed down by a loaded machine is waited for.
   */
  request(target: number, callId: string, message: string, retransmitMs = 400, deadlineMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const end = Date.now() + deadlineMs;
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        if (Date.now() > end) { this.waiting.delete(callId); reject(new Error(`no answer for ${callId} within ${deadlineMs} ms`)); return; }
        this.socket.send(message, target, '127.0.0.1');
        timer = setTimeout(send, retransmitMs);
      };
      this.waiting.set(callId, (r) => { clearTimeout(timer); resolve(r); });
      send();
    });
  }

  close(): void { this.socket.close(); }
}

function invite(port: number, clientPort: number, domain: string, callId: string, n: number, extra = { hash: '', from: '<sip:100@127.0.0.1>;tag=cr1', to: '<sip:4930123456@127.0.0.1>' }): string {
  return `INVITE sip:4930123456@127.0.0.1:${port} SIP/2.0\r\n`
    + `Via: SIP/2.0/UDP 127.0.0.1:${clientPort};branch=z9hG4bK-cr-${n}\r\n`
    + 'Max-Forwards: 70\r\n'
    + `From: ${extra.from}\r\n`
    + `To: ${extra.to}\r\n`
    + `Call-ID: ${callId}\r\n`
    + 'CSeq: 1 INVITE\r\n'
    + `X-Domain: ${domain}\r\n`
    + (extra.hash ? `X-Hash: ${extra.hash}\r\n` : '')
    + 'Content-Length: 0\r\n\r\n';
}

/** From / To values of the shapes seen in the wild, for the user and URI hash sources. */
function parties(n: number): { from: string; to: string }[] {
  let seed = 0x1234567;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const digits = (len: number) => { let s = ''; while (s.length < len) s += next() % 10; return s; };
  const out: { from: string; to: string }[] = [];
  for (let i = 0; i < n; i++) {
    const a = digits(8 + (i % 5));
    const b = digits(10 + (i % 3));
    switch (i % 6) {
      case 0: out.push({ from: `<sip:+49${a}@10.0.${i % 250}.1>;tag=t${i}`, to: `<sip:${b}@127.0.0.1>` }); break;
      case 1: out.push({ from: `"Caller ${i}" <sip:+1${a};npdi@pbx${i % 9}.example.com:5070;user=phone>;tag=t${i}`, to: `<sip:00${b};rn=+4930${i}@127.0.0.1;user=phone>` }); break;
      case 2: out.push({ from: `sip:%2B44${a}@gw.example;tag=t${i}`, to: `sip:${b}@127.0.0.1` }); break;
      case 3: out.push({ from: `<sip:user${i}:secret@Auth.Example.COM>;tag=t${i}`, to: `"Callee" <SIP:${b}@Example.NET>` }); break;
      case 4: out.push({ from: `<sips:${a}@[2001:db8::${(i % 200).toString(16)}]:5061>;tag=t${i}`, to: `<sip:+${b}@127.0.0.1:5060;transport=udp>` }); break;
      default: out.push({ from: `<sip:anonymous@anonymous.invalid>;tag=t${i}`, to: `<sip:*${b}#@127.0.0.1>` }); break;
    }
  }
  return out;
}

describe.skipIf(!kamailio)(`Kamailio carrierroute cr_route parity${kamailio ? '' : ' (skipped: kamailio is not installed; apt-get install kamailio)'}`, () => {
  let dir = '';
  let kam: Kamailio | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-kamailio-'));
    const crConf = join(dir, 'carrierroute.conf');
    writeFileSync(crConf, carrierrouteConf());
    kam = await startKamailio(kamailio!.bin, dir, (p) => kamailioCfg(p, kamailio!.modules, crConf));
    port = kam.port;
  }, 90_000);

  afterAll(async () => {
    await kam?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`picks the gateway Kamailio picks for ${CALL_IDS} Call-IDs in each of ${Object.keys(TABLES).length} tables`, async () => {
    const ids = callIds(CALL_IDS);
    const client = new Client();
    await client.open();
    let matched = 0;
    let compared = 0;
    const mismatches: string[] = [];
    try {
      let n = 0;
      for (const [domain, gws] of Object.entries(TABLES)) {
        const built = buildCrTable(gws, 'float32');
        if (!built.ok) throw new Error(built.error);
        // A window of requests in flight at a time.
        for (let i = 0; i < ids.length; i += 50) {
          const batch = ids.slice(i, i + 50);
          const answers = await Promise.all(batch.map((id) => client.request(port, id, invite(port, client.port, domain, id, n++))));
          answers.forEach((answer, k) => {
            const id = batch[k]!;
            const host = /\r\nContact: <sip:[^@>]*@([^>;]+)>/.exec(answer)?.[1] ?? `(${answer.split('\r\n')[0]})`;
            const mine = crSelectByCallId(built.table, id);
            const expected = mine < 0 ? '(no route)' : gws[mine]!.host;
            compared++;
            if (host === expected) matched++;
            else mismatches.push(`${domain} ${id}: kamailio ${host}, dialplane ${expected}`);
          });
        }
      }
    } finally {
      client.close();
    }
    const version = spawnSync(kamailio!.bin, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0];
    console.log(`kamailio carrierroute parity: ${matched}/${compared} Call-IDs matched (${version})`);
    if (mismatches.length > 0) console.log(kam!.log().slice(-2000));
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(matched).toBe(CALL_IDS * Object.keys(TABLES).length);
  }, 120_000);

  it('picks the same gateway for the from_user, from_uri, to_user and to_uri hash sources', async () => {
    const sources: [string, CrHashSource][] = [['from_user', 'from-user'], ['from_uri', 'from-uri'], ['to_user', 'to-user'], ['to_uri', 'to-uri']];
    const people = parties(150);
    const client = new Client();
    await client.open();
    let matched = 0;
    let compared = 0;
    const mismatches: string[] = [];
    try {
      let n = 0;
      for (const domain of ['three', 'floaty', 'mixed']) {
        const gws = TABLES[domain]!;
        const built = buildCrTable(gws, 'float32');
        if (!built.ok) throw new Error(built.error);
        for (const [kamName, source] of sources) {
          for (let i = 0; i < people.length; i += 50) {
            const batch = people.slice(i, i + 50).map((p, k) => ({ ...p, id: `hs-${domain}-${kamName}-${i + k}` }));
            const answers = await Promise.all(batch.map((p) => {
              const msg = invite(port, client.port, domain, p.id, n++, { hash: kamName, from: p.from, to: p.to });
              return client.request(port, p.id, msg).then((answer) => ({ answer, msg }));
            }));
            answers.forEach(({ answer, msg }, k) => {
              const parsed = parseSipRequest(msg);
              if (!parsed.ok) throw new Error(`test INVITE does not parse: ${parsed.error}`);
              const host = /\r\nContact: <sip:[^@>]*@([^>;]+)>/.exec(answer)?.[1] ?? `(${answer.split('\r\n')[0]})`;
              const mine = crSelectByHash(built.table, crHash(source, parsed.request));
              const expected = mine < 0 ? '(no route)' : gws[mine]!.host;
              compared++;
              if (host === expected) matched++;
              else mismatches.push(`${domain} ${kamName} ${batch[k]!.from} / ${batch[k]!.to}: kamailio ${host}, dialplane ${expected}`);
            });
          }
        }
      }
    } finally {
      client.close();
    }
    console.log(`kamailio carrierroute parity, user and URI hash sources: ${matched}/${compared} matched`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(matched).toBe(compared);
  }, 120_000);
});
