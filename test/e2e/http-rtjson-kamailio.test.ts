// The `?format=rtjson` answer consumed by a real Kamailio rtjson module (Debian package
// `kamailio`): the document `dialplane serve` returns is handed to rtjson_init_routes in an INVITE
// header (this Kamailio has no HTTP client module, so the test carries the document for it),
// rtjson_push_routes sets the R-URI to the first route, and the script answers 302 with it. The
// Contact must be our first target's URI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, freeUdpPort, startServe, stopServe, type Served } from '../support/serve.js';

function findKamailio(): { bin: string; modules: string } | undefined {
  const bin = ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'].find((b) => existsSync(b));
  if (!bin) return undefined;
  const roots = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  try { for (const d of readdirSync('/usr/lib')) roots.push(`/usr/lib/${d}/kamailio/modules`); } catch { /* none */ }
  const modules = roots.find((r) => ['rtjson.so', 'tm.so', 'sl.so', 'textops.so', 'pv.so'].every((m) => existsSync(join(r, m))));
  return modules ? { bin, modules } : undefined;
}

const kamailio = findKamailio();

describe.skipIf(!kamailio)('rtjson output consumed by Kamailio rtjson (skipped: kamailio with rtjson.so not installed)', () => {
  let dir = '';
  let s: Served;
  let proc: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-rtjson-'));
    s = await startServe(buildDemo(join(dir, 'a'), 31), ['--limits', 'off']);
    port = await freeUdpPort();
    const cfg = join(dir, 'kamailio.cfg');
    writeFileSync(cfg, `#!KAMAILIO
debug=1
log_stderror=yes
children=1
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:${port}
mpath="${kamailio!.modules}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "rtjson.so"
request_route {
	if (is_method("ACK")) exit;
	if (!rtjson_init_routes("$hdr(X-Rtjson)")) { sl_send_reply("500", "rtjson init failed"); exit; }
	if (!rtjson_push_routes()) { sl_send_reply("500", "rtjson push failed"); exit; }
	append_to_reply("Contact: <$ru>\\r\\n");
	sl_send_reply("302", "Moved Temporarily");
	exit;
}
`);
    const check = spawnSync(kamailio!.bin, ['-f', cfg, '-c'], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`kamailio -c: ${check.stderr}`);
    proc = spawn(kamailio!.bin, ['-f', cfg, '-DD', '-E', '-n', '1', '-Y', dir, '-m', '64', '-M', '8'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }, 120_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc!.kill('SIGKILL'), 5000);
      await new Promise((ok) => proc!.on('exit', ok));
      clearTimeout(t);
    }
    await stopServe(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ask(rtjson: string): Promise<string> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', ok));
    const lp = sock.address().port;
    try {
      for (let attempt = 0; attempt < 40; attempt++) {
        const msg = `INVITE sip:447400123456@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-rtjson-${attempt}\r\n`
          + `Max-Forwards: 70\r\nFrom: <sip:100@127.0.0.1>;tag=r1\r\nTo: <sip:447400123456@127.0.0.1>\r\nCall-ID: rtjson-${attempt}@test\r\n`
          + `CSeq: 1 INVITE\r\nX-Rtjson: ${rtjson}\r\nContent-Length: 0\r\n\r\n`;
        const answer = new Promise<string | undefined>((ok) => {
          const t = setTimeout(() => ok(undefined), 250);
          sock.once('message', (m) => { clearTimeout(t); ok(m.toString('latin1')); });
        });
        sock.send(msg, port, '127.0.0.1');
        const a = await answer;
        if (a) return a;
      }
      throw new Error('Kamailio did not answer');
    } finally {
      sock.close();
    }
  }

  it('routes to the first target of the dialplane decision', async () => {
    const decision = JSON.parse(await (await fetch(`${s.base}/v1/route?src=127.0.0.1&to=447400123456&callid=rt-1`)).text());
    const doc = await (await fetch(`${s.base}/v1/route?src=127.0.0.1&to=447400123456&callid=rt-1&format=rtjson`)).text();
    expect(doc).not.toMatch(/[\r\n]/); // one header line
    const reply = await ask(doc);
    expect(reply.split('\r\n')[0]).toBe('SIP/2.0 302 Moved Temporarily');
    const contact = /\r\nContact: <([^>]+)>/.exec(reply)?.[1];
    // The first target is albion (LCR); its gateway is a weighted choice per call, so compare the
    // rtjson document's own first uri, and that it is albion's with the tech prefix.
    expect(contact).toBe(JSON.parse(doc).routes[0].uri);
    expect(contact).toMatch(/^sip:3344#447400123456@203\.0\.113\.3[0-2]:5060\b/);
    expect(decision.targets[0].carrier).toBe('albion');
  });
});
