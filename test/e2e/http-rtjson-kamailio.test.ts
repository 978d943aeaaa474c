// The `?format=rtjson` answer consumed by a real Kamailio rtjson module (Debian package
// `kamailio`): the document `dialplane serve` returns is handed to rtjson_init_routes in an INVITE
// header (this Kamailio has no HTTP client module, so the test carries the document for it),
// rtjson_push_routes sets the R-URI to the first route, and the script answers 302 with it. The
// Contact must be our first target's URI.
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKamailio, startKamailio, type Kamailio } from '../support/kamailio.js';
import { buildDemo, startServe, stopServe, type Served } from '../support/serve.js';

const kamailio = findKamailio(['rtjson.so', 'tm.so', 'sl.so', 'textops.so', 'pv.so']);

describe.skipIf(!kamailio)('rtjson output consumed by Kamailio rtjson (skipped: kamailio with rtjson.so not installed)', () => {
  let dir = '';
  let s: Served;
  let kam: Kamailio | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-rtjson-'));
    s = await startServe(buildDemo(join(dir, 'a'), 31), ['--limits', 'off']);
    kam = await startKamailio(kamailio!.bin, dir, (p) => `#!KAMAILIO
debug=1
log_stderror=yes
children=1
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:${p}
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
`, ['-n', '1']);
    port = kam.port;
  }, 240_000); // maybe the run's one demo build, then Kamailio

  afterAll(async () => {
    await kam?.stop();
    await stopServe(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ask(rtjson: string): Promise<string> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', ok));
    const lp = sock.address().port;
    try {
      // Kamailio answered before (startKamailio); the retransmissions are for a dropped datagram.
      const end = Date.now() + 30_000;
      for (let attempt = 0; Date.now() < end; attempt++) {
        const msg = `INVITE sip:447400123456@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-rtjson-${attempt}\r\n`
          + `Max-Forwards: 70\r\nFrom: <sip:100@127.0.0.1>;tag=r1\r\nTo: <sip:447400123456@127.0.0.1>\r\nCall-ID: rtjson-${attempt}@test\r\n`
          + `CSeq: 1 INVITE\r\nX-Rtjson: ${rtjson}\r\nContent-Length: 0\r\n\r\n`;
        const answer = new Promise<string | undefined>((ok) => {
          const t = setTimeout(() => ok(undefined), 500);
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
