import { describe, expect, it } from 'vitest';
import { CidrIndex, parseIpv4, parseIpv6 } from '../runtime/engine/cidr-index.js';
import { applyEgress, applyNumberActions, compileNumberActions, IDENTITY, rewriteCalled } from '../runtime/engine/number-actions.js';
import { compileSchedule, localMinuteOfWeek, scheduleOpen, zoneClock, type ScheduleSpec } from '../runtime/engine/schedule-clock.js';
import { TokenBucketSet } from '../runtime/engine/token-bucket.js';

describe('token buckets', () => {
  it('admits a full spike buffer at once, then the steady rate', () => {
    const b = new TokenBucketSet(1);
    b.configure(0, 10, 25, 0);
    let admitted = 0;
    for (let k = 0; k < 100; k++) if (b.take(0, 0)) admitted++;
    expect(admitted).toBe(25);
    // 1 s later: 10 more.
    admitted = 0;
    for (let k = 0; k < 100; k++) if (b.take(0, 1000)) admitted++;
    expect(admitted).toBe(10);
    // 100 ms later: 1 more.
    expect(b.take(0, 1100)).toBe(true);
    expect(b.take(0, 1100)).toBe(false);
  });

  it('defaults the spike buffer to one second of calls and never fills above it', () => {
    const b = new TokenBucketSet(1);
    b.configure(0, 5, undefined, 0);
    expect(b.available(0, 3_600_000)).toBe(5);
    let admitted = 0;
    for (let k = 0; k < 20; k++) if (b.take(0, 3_600_000)) admitted++;
    expect(admitted).toBe(5);
  });

  it('holds a steady rate over a long run on a fractional clock', () => {
    const b = new TokenBucketSet(1);
    b.configure(0, 100, 1, 0);
    let admitted = 0;
    // offered 1000/s for 10 s
    for (let t = 0; t < 10_000; t += 1) if (b.take(0, t + 0.5)) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(999);
    expect(admitted).toBeLessThanOrEqual(1001);
  });

  it('leaves an unlimited slot open', () => {
    const b = new TokenBucketSet(2);
    b.configure(1, 0);
    for (let k = 0; k < 1000; k++) expect(b.take(1, 0)).toBe(true);
    expect(b.limited(1)).toBe(false);
  });

  it('takes from several buckets only when all admit, and says which refused', () => {
    const b = new TokenBucketSet(3);
    b.configure(0, 10, 10, 0); // customer
    b.configure(1, 1, 1, 0); // gateway
    b.configure(2, 0); // unlimited carrier
    expect(b.takeAll([0, 2, 1], 0)).toBe(-1);
    expect(b.takeAll([0, 2, 1], 0)).toBe(2);
    // The customer's token was not spent on the refused call.
    expect(b.available(0, 0)).toBe(9);
    b.refund(0, 0);
    expect(b.available(0, 0)).toBe(10);
    b.refund(0, 0);
    expect(b.available(0, 0)).toBe(10);
  });
});

describe('number actions (Metaswitch edit language)', () => {
  const run = (actions: string | string[], n: string) => {
    const r = compileNumberActions(actions);
    if (!r.ok) throw new Error(r.error);
    return applyNumberActions(r.program, n);
  };

  it('adds and deletes prefixes and suffixes, replaces, in order', () => {
    expect(run('PA0', '2079460000')).toBe('02079460000');
    expect(run('PD2', '442079460000')).toBe('2079460000');
    expect(run('SD4', '442079460000')).toBe('44207946');
    expect(run('R999', '442079460000')).toBe('999');
    expect(run('PD2PA0', '442079460000')).toBe('02079460000');
    expect(run(['PD2', 'PA0', 'SD1'], '442079460000')).toBe('0207946000');
    expect(run('R123PA9', '5')).toBe('9123');
    expect(run('PA+', '4420')).toBe('+4420');
  });

  it('deletes no more digits than there are', () => {
    expect(run('PD20', '1234')).toBe('');
    expect(run('SD5', '1234')).toBe('');
    expect(run('', '1234')).toBe('1234');
  });

  it('refuses malformed actions and a replace after another action', () => {
    expect(compileNumberActions('PX1')).toMatchObject({ ok: false, offset: 0 });
    expect(compileNumberActions('PD')).toMatchObject({ ok: false });
    expect(compileNumberActions('PA')).toMatchObject({ ok: false });
    expect(compileNumberActions('PA1R2')).toMatchObject({ ok: false, offset: 3 });
  });

  it('rewrites for a carrier: strip, prefix, suffix, tech prefix', () => {
    expect(applyEgress({ strip: 2, prefix: '0', suffix: '', techPrefix: '1234#' }, '442079460000')).toBe('1234#02079460000');
    expect(applyEgress({ strip: 0, prefix: '', suffix: '#', techPrefix: '' }, '1212')).toBe('1212#');
    expect(applyEgress({ strip: 9, prefix: 'x', suffix: '', techPrefix: '' }, '12')).toBe('x');
  });

  it('applies number actions after egress rewriting and keeps the tech prefix in front', () => {
    const r = compileNumberActions('PD1');
    if (!r.ok) throw new Error(r.error);
    expect(rewriteCalled('442079460000', { strip: 2, prefix: '0', suffix: '', techPrefix: '77#' }, r.program)).toBe('77#2079460000');
    expect(rewriteCalled('4420', { strip: 0, prefix: '', suffix: '', techPrefix: '' }, IDENTITY)).toBe('4420');
  });
});

describe('schedule clock', () => {
  const compile = (spec: ScheduleSpec) => {
    const r = compileSchedule(spec);
    if (!r.ok) throw new Error(r.error);
    return r.schedule;
  };
  const MON = 0, TUE = 1, FRI = 4, SAT = 5, SUN = 6;

  it('opens weekday office hours in the schedule’s own zone', () => {
    const s = compile({ timezone: 'Europe/London', windows: [{ days: [MON, TUE, 2, 3, FRI], from: 8 * 60, until: 18 * 60 }] });
    // Monday 2026-07-06 08:30 BST = 07:30 UTC: open; 07:30 BST = 06:30 UTC: closed.
    expect(scheduleOpen(s, Date.UTC(2026, 6, 6, 7, 30))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 6, 6, 30))).toBe(false);
    // 17:59 BST open, 18:00 BST closed (until is exclusive).
    expect(scheduleOpen(s, Date.UTC(2026, 6, 6, 16, 59))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 6, 17, 0))).toBe(false);
    // Saturday closed. In winter London is UTC: Monday 2026-01-05 08:30 UTC open.
    expect(scheduleOpen(s, Date.UTC(2026, 6, 11, 10, 0))).toBe(false);
    expect(scheduleOpen(s, Date.UTC(2026, 0, 5, 8, 30))).toBe(true);
  });

  it('runs a window past midnight into the next day, and Sunday night into Monday', () => {
    const s = compile({ timezone: 'UTC', windows: [{ days: [FRI, SUN], from: 22 * 60, until: 6 * 60 }] });
    // Fri 2026-07-10 23:00 and Sat 05:59 open, Sat 06:00 closed.
    expect(scheduleOpen(s, Date.UTC(2026, 6, 10, 23, 0))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 11, 5, 59))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 11, 6, 0))).toBe(false);
    // Sun 2026-07-12 22:30 and Mon 01:00 open; Fri 21:59 closed.
    expect(scheduleOpen(s, Date.UTC(2026, 6, 12, 22, 30))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 13, 1, 0))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 6, 10, 21, 59))).toBe(false);
  });

  it('is open only within its validity days, read in its zone', () => {
    const s = compile({
      timezone: 'America/New_York', validFrom: '2026-03-01', validUntil: '2026-03-31',
      windows: [{ days: [0, 1, 2, 3, 4, SAT, SUN], from: 0, until: 1440 }],
    });
    // 2026-03-01 00:30 in New York (EST, UTC-5) is 05:30 UTC: open; 04:30 UTC is still Feb 28 there.
    expect(scheduleOpen(s, Date.UTC(2026, 2, 1, 5, 30))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 2, 1, 4, 30))).toBe(false);
    // 2026-03-31 23:30 EDT = 2026-04-01 03:30 UTC: open; 04:30 UTC is April 1 there: closed.
    expect(scheduleOpen(s, Date.UTC(2026, 3, 1, 3, 30))).toBe(true);
    expect(scheduleOpen(s, Date.UTC(2026, 3, 1, 4, 30))).toBe(false);
  });

  it('follows a daylight-saving change inside a cached hour to the minute', () => {
    const z = zoneClock('Europe/Berlin');
    // 2026-03-29 01:00 UTC Berlin goes from +60 to +120.
    expect(z.offsetMinutes(Date.UTC(2026, 2, 29, 0, 59))).toBe(60);
    expect(z.offsetMinutes(Date.UTC(2026, 2, 29, 1, 0))).toBe(120);
    expect(z.offsetMinutes(Date.UTC(2026, 2, 29, 0, 30))).toBe(60);
    // Lord Howe changes by 30 minutes at 15:00 UTC (02:00 local, +10:30 → +11:00) on 2026-10-03? check both sides agree with Intl
    const lh = zoneClock('Australia/Lord_Howe');
    const intl = (ms: number) => {
      const p = new Intl.DateTimeFormat('en-US', { timeZone: 'Australia/Lord_Howe', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(ms);
      const g = (t: string) => Number(p.find((x) => x.type === t)!.value);
      return (Date.UTC(g('year'), g('month') - 1, g('day'), g('hour'), g('minute')) - ms) / 60000;
    };
    for (let ms = Date.UTC(2026, 9, 3, 14, 0); ms < Date.UTC(2026, 9, 3, 17, 0); ms += 60_000) expect(lh.offsetMinutes(ms)).toBe(intl(ms));
    expect(localMinuteOfWeek(zoneClock('UTC'), Date.UTC(2026, 6, 13, 0, 1))).toBe(1); // a Monday
  });

  it('refuses an unknown zone and impossible dates', () => {
    expect(compileSchedule({ timezone: 'Mars/Olympus', windows: [] }).ok).toBe(false);
    expect(compileSchedule({ timezone: 'UTC', validFrom: '2026-02-30', windows: [] }).ok).toBe(false);
    expect(compileSchedule({ timezone: 'UTC', windows: [{ days: [7], from: 0, until: 60 }] }).ok).toBe(false);
  });
});

describe('CIDR index', () => {
  const build = (entries: { cidr: string; value: number }[]) => {
    const r = CidrIndex.build(entries);
    if (!r.ok) throw new Error(r.error);
    return r.index;
  };

  it('parses addresses the way sockets report them', () => {
    expect(parseIpv4('198.51.100.7')).toBe(0xc6336407);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('1.2.3')).toBe(-1);
    expect(parseIpv4('1.2.3.256')).toBe(-1);
    expect(parseIpv4('01.2.3.4')).toBe(-1);
    const w = new Uint32Array(4);
    expect(parseIpv6('2001:db8::1', w)).toBe(true);
    expect([...w]).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6('::ffff:192.0.2.1', w)).toBe(true);
    expect([...w]).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect(parseIpv6('fe80::1%eth0', w)).toBe(true);
    expect(parseIpv6('::', w)).toBe(true);
    expect(parseIpv6('1::2::3', w)).toBe(false);
    expect(parseIpv6('12345::', w)).toBe(false);
    expect(parseIpv6('1:2:3:4:5:6:7', w)).toBe(false);
  });

  it('lets the most specific network win, whatever the order given', () => {
    const idx = build([
      { cidr: '198.51.100.128/25', value: 2 },
      { cidr: '0.0.0.0/0', value: 9 },
      { cidr: '198.51.100.0/24', value: 1 },
      { cidr: '198.51.100.200', value: 3 },
    ]);
    expect(idx.lookup('198.51.100.7')).toBe(1);
    expect(idx.lookup('198.51.100.129')).toBe(2);
    expect(idx.lookup('198.51.100.200')).toBe(3);
    expect(idx.lookup('198.51.100.201')).toBe(2);
    expect(idx.lookup('198.51.101.0')).toBe(9);
    expect(idx.lookup('255.255.255.255')).toBe(9);
    expect(idx.lookup('::ffff:198.51.100.7')).toBe(1);
  });

  it('finds nothing outside every network, and handles the top of the address space', () => {
    const idx = build([{ cidr: '10.0.0.0/8', value: 0 }, { cidr: '255.255.255.0/24', value: 5 }]);
    expect(idx.lookup('9.255.255.255')).toBe(-1);
    expect(idx.lookup('10.255.255.255')).toBe(0);
    expect(idx.lookup('11.0.0.0')).toBe(-1);
    expect(idx.lookup('255.255.255.255')).toBe(5);
    expect(idx.lookup('not an address')).toBe(-1);
  });

  it('matches IPv6 networks longest first', () => {
    const idx = build([
      { cidr: '2001:db8::/32', value: 1 },
      { cidr: '2001:db8:1::/48', value: 2 },
      { cidr: '2001:db8:1::5/128', value: 3 },
      { cidr: '10.0.0.0/8', value: 4 },
    ]);
    expect(idx.lookup('2001:db8::1')).toBe(1);
    expect(idx.lookup('2001:db8:1:2::1')).toBe(2);
    expect(idx.lookup('2001:db8:1::5')).toBe(3);
    expect(idx.lookup('2001:db8:1::6')).toBe(2);
    expect(idx.lookup('2001:db9::')).toBe(-1);
    expect(idx.lookup('10.1.2.3')).toBe(4);
  });

  it('agrees with a brute-force longest match on random networks', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const nets: { start: number; len: number; value: number }[] = [];
    const entries: { cidr: string; value: number }[] = [];
    for (let v = 0; v < 300; v++) {
      const len = 8 + (rnd() % 25);
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      const start = ((rnd() & 0x0fffffff) & mask) >>> 0; // keep them near each other: 0.0.0.0/4
      const key = `${start}/${len}`;
      if (nets.some((n) => `${n.start}/${n.len}` === key)) continue;
      nets.push({ start, len, value: v });
      entries.push({ cidr: `${start >>> 24}.${(start >>> 16) & 255}.${(start >>> 8) & 255}.${start & 255}/${len}`, value: v });
    }
    const idx = build(entries);
    for (let k = 0; k < 5000; k++) {
      const ip = (k < 2500 ? rnd() & 0x0fffffff : nets[k % nets.length]!.start + (rnd() % 4)) >>> 0;
      let best = -1;
      let bestLen = -1;
      for (const n of nets) {
        const mask = (0xffffffff << (32 - n.len)) >>> 0;
        if (((ip & mask) >>> 0) === n.start && n.len > bestLen) { best = n.value; bestLen = n.len; }
      }
      expect(idx.lookupV4(ip)).toBe(best);
    }
  });

  it('refuses host bits, bad lengths and conflicting duplicates', () => {
    expect(CidrIndex.build([{ cidr: '10.0.0.1/8', value: 0 }])).toMatchObject({ ok: false, entry: 0 });
    expect(CidrIndex.build([{ cidr: '10.0.0.0/33', value: 0 }]).ok).toBe(false);
    expect(CidrIndex.build([{ cidr: '10.0.0.0/8', value: 0 }, { cidr: '10.0.0.0/8', value: 1 }]).ok).toBe(false);
    expect(CidrIndex.build([{ cidr: '10.0.0.0/8', value: 0 }, { cidr: '10.0.0.0/8', value: 0 }]).ok).toBe(true);
  });
});
