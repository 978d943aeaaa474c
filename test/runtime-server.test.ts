// The serving side's pieces in-process: the artefact holder (limits before reading, hash and
// record validation before activating, one swapped reference, coalesced reloads, refusals that
// keep the last good artefact), query parsing, and the rtjson shape.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtefactHolder } from '../runtime/server/artefact-holder.js';
import type { Decider, DeciderFactory } from '../runtime/server/decider.js';
import { routerDecider } from '../runtime/server/engine.js';
import { lookupDecider } from '../runtime/server/lookup-decider.js';
import { Metrics } from '../runtime/server/metrics.js';
import { decisionJson, parseQuery, QueryError, QueryString, toRtjson } from '../runtime/server/query.js';
import { buildDemo } from './support/serve.js';

describe('artefact holder', () => {
  let dir = '';
  let a1 = '';
  let a2 = '';
  let live = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-holder-'));
    a1 = buildDemo(join(dir, 'a1'), 11);
    a2 = buildDemo(join(dir, 'a2'), 12);
    live = join(dir, 'live.dpa');
    copyFileSync(a1, live);
  }, 180_000); // may be the run's one demo build (buildDemo): a minute on a loaded machine
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const replace = (from: string | Buffer) => {
    if (typeof from === 'string') copyFileSync(from, live + '.tmp');
    else writeFileSync(live + '.tmp', from);
    renameSync(live + '.tmp', live);
  };

  it('swaps one reference; a holder of the old one keeps deciding on it', async () => {
    replace(a1);
    const metrics = new Metrics();
    const h = new ArtefactHolder({ path: live, factory: routerDecider({ limits: false }), metrics });
    const r = await h.reload();
    expect(r.ok && r.active.serial).toBe(11);
    const inFlight = h.active!; // what a request read when it started
    replace(a2);
    const r2 = await h.reload();
    expect(r2.ok && r2.changed && r2.active.serial).toBe(12);
    expect(h.active!.serial).toBe(12);
    expect(inFlight.decider.decide({ src: '127.0.0.1', to: '447400123456' }).status).toBe(302);
    expect(inFlight.serial).toBe(11);
    expect(metrics.swaps).toBe(2);
    expect(metrics.serial).toBe(12);
    // The same file again is not a swap.
    const r3 = await h.reload();
    expect(r3.ok && r3.changed).toBe(false);
    expect(metrics.swaps).toBe(2);
  });

  it('refuses a file over the size limit before reading it, and keeps serving', async () => {
    replace(a1);
    const metrics = new Metrics();
    const h = new ArtefactHolder({ path: live, factory: lookupDecider, metrics });
    expect((await h.reload()).ok).toBe(true);
    const small = new ArtefactHolder({ path: live, factory: lookupDecider, metrics, maxBytes: 1000 });
    const r = await small.reload();
    expect(r).toMatchObject({ ok: false, code: 'too-large' });
    expect(small.active).toBeUndefined();
    expect(metrics.refusals).toBe(1);
  });

  it('refuses an altered artefact (hash), garbage, a missing file and a throwing decider', async () => {
    replace(a1);
    const metrics = new Metrics();
    let throwNext = false;
    const factory: DeciderFactory = (a) => {
      if (throwNext) throw new Error('engine refused the artefact');
      return lookupDecider(a);
    };
    const h = new ArtefactHolder({ path: live, factory, metrics });
    expect((await h.reload()).ok).toBe(true);
    const bytes = readFileSync(a2);
    bytes[bytes.length - 5]! ^= 0xff;
    replace(bytes);
    expect(await h.reload()).toMatchObject({ ok: false, code: 'bad-hash' });
    replace(Buffer.from('garbage'));
    expect(await h.reload()).toMatchObject({ ok: false, code: 'truncated' });
    rmSync(live);
    expect(await h.reload()).toMatchObject({ ok: false, code: 'ENOENT' });
    replace(a2);
    throwNext = true;
    expect(await h.reload()).toMatchObject({ ok: false, error: 'engine refused the artefact' });
    expect(metrics.refusals).toBe(4);
    expect(h.active!.serial).toBe(11);
    throwNext = false;
    expect((await h.reload()).ok).toBe(true);
    expect(h.active!.serial).toBe(12);
  });

  it('runs one reload at a time: a burst of triggers makes at most two loads', async () => {
    replace(a1);
    let built = 0;
    const h = new ArtefactHolder({ path: live, factory: (a) => { built++; return lookupDecider(a); } });
    const results = await Promise.all([h.reload(), h.reload(), h.reload(), h.reload(), h.reload()]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(built).toBe(1); // the queued run finds the same file: nothing to swap
  });

  it('keeps the operator gateway overrides across a swap', async () => {
    replace(a1);
    const calls: string[] = [];
    const factory: DeciderFactory = (a) => {
      const d = lookupDecider(a);
      return { ...d, serial: d.serial, decide: d.decide, setGatewayEnabled: (c, g, e) => { calls.push(`${a.serial}:${c}/${g}=${e}`); return d.setGatewayEnabled(c, g, e); } } satisfies Decider;
    };
    const h = new ArtefactHolder({ path: live, factory });
    await h.reload();
    expect(h.setGatewayEnabled('rheinwelle', 'fra-1', false)).toBe(true);
    expect(h.setGatewayEnabled('rheinwelle', 'nope', false)).toBe(false);
    replace(a2);
    await h.reload();
    expect(calls).toEqual(['11:rheinwelle/fra-1=false', '11:rheinwelle/nope=false', '12:rheinwelle/fra-1=false']);
  });
});

describe('queries', () => {
  it('reads a query string once, decoding escapes, first value wins, unknown names ignored', () => {
    const p = new QueryString();
    expect({ ...p.read('src=127.0.0.1&to=%2B4474&from=a+b&to=2&flag&=x&%65xplain=1&user=&format=rtjson') }).toEqual({
      src: '127.0.0.1', to: '+4474', from: 'a b', callid: undefined, callId: undefined, user: '', at: undefined,
      srcPort: undefined, srcport: undefined, explain: '1', format: 'rtjson',
    });
    expect(() => p.read('to=%E0%A4%A')).toThrow(QueryError);
    expect(() => p.read('src=1&other=%zz')).toThrow(QueryError);
    expect(p.read('to=1&to=%zz').to).toBe('1'); // a repeat is not even decoded
    expect({ ...p.read(undefined) }).toEqual({}); // the previous request's values are gone
    expect(parseQuery(p.read('src=10.0.0.1&to=44&callid=c&srcport=5060&explain=0'))).toEqual({ src: '10.0.0.1', to: '44', callId: 'c', srcPort: 5060 });
  });

  it('names the bad parameter', () => {
    const err = (o: Record<string, unknown>, at = '') => {
      try { parseQuery(o, at); } catch (e) { return (e as QueryError).parameter; }
      return undefined;
    };
    expect(err({ to: '1' })).toBe('src');
    expect(err({ src: '::1' })).toBe('to');
    expect(err({ src: '10.0.0.300', to: '1' })).toBe('src');
    expect(err({ src: '10.0.0.1', to: '1', at: 'soon' }, '[2].')).toBe('[2].at');
    expect(err({ src: '10.0.0.1', to: 5 })).toBe('to');
    expect(err({ src: '10.0.0.1', to: '1\n' })).toBe('to');
    expect(parseQuery({ src: '2001:db8::1', to: '44', at: '2026-01-01T00:00:00Z', explain: '1', callid: 'c' }))
      .toEqual({ src: '2001:db8::1', to: '44', at: Date.parse('2026-01-01T00:00:00Z'), explain: true, callId: 'c' });
  });

  it('renders JSON with the serial and rtjson for Kamailio', () => {
    const d = { status: 302, reason: 'Moved Temporarily', sell: '0.01', maxDuration: 60, targets: [{ uri: 'sip:1@h', carrier: 'c', gateway: 'g', card: 'k', cost: '0.005', margin: '0.005' }], dropped: [] };
    expect(JSON.parse(decisionJson(d, 7))).toEqual({ ...d, serial: 7 });
    expect(toRtjson(d)).toEqual({ version: '1.0', routing: 'serial', routes: [{ uri: 'sip:1@h', headers: { extra: 'X-Dialplane-Sell: 0.01\r\nX-Dialplane-Max-Duration: 60\r\n' } }], status: 302, reason: 'Moved Temporarily' });
    expect(toRtjson({ status: 503, reason: 'No Routes Available (Pre)', targets: [], dropped: [] })).toEqual({ version: '1.0', routing: 'serial', routes: [], status: 503, reason: 'No Routes Available (Pre)' });
  });
});
