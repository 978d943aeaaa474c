import { describe, expect, it } from 'vitest';
import { parseCidr } from '../compiler/net.js';
import { regexLiterals } from '../compiler/dial.js';
import { schedulesOverlap, zoneOffsetMinutes } from '../compiler/schedule-time.js';
import type { Schedule } from '../compiler/model/model.js';

describe('CIDR parsing', () => {
  it('accepts a host address as a /32 and a network with clear host bits', () => {
    expect(parseCidr('203.0.113.7')).toMatchObject({ ok: true, family: 4, prefixLength: 32 });
    expect(parseCidr('198.51.100.0/24')).toMatchObject({ ok: true, prefixLength: 24 });
    expect(parseCidr('2001:db8::/32')).toMatchObject({ ok: true, family: 6, prefixLength: 32, address: '2001:db8::' });
  });

  it('refuses host bits beyond the prefix length and suggests the network', () => {
    expect(parseCidr('198.51.100.7/24')).toMatchObject({ ok: false, suggestion: '198.51.100.0/24' });
    expect(parseCidr('2001:db8::1/64')).toMatchObject({ ok: false, suggestion: '2001:db8::/64' });
  });

  it('refuses malformed addresses and prefix lengths', () => {
    expect(parseCidr('300.1.1.1').ok).toBe(false);
    expect(parseCidr('10.0.0.0/33').ok).toBe(false);
    expect(parseCidr('host.example').ok).toBe(false);
  });
});

describe('dial-string specificity of a regex', () => {
  it('is the literal digits anchored at the start', () => {
    expect(regexLiterals('^44\\d+$')).toEqual(['44']);
    expect(regexLiterals('^1212')).toEqual(['1212']);
  });

  it('expands one simple alternation or digit class', () => {
    expect(regexLiterals('^44(1|2)[0-9]{8}$')).toEqual(['441', '442']);
    expect(regexLiterals('^33[67]')).toEqual(['336', '337']);
    expect(regexLiterals('^49[1-3]')).toEqual(['491', '492', '493']);
  });

  it('does not count an optional digit or an unanchored pattern', () => {
    expect(regexLiterals('^44?1')).toEqual(['4']);
    expect(regexLiterals('44\\d+')).toEqual(['']);
  });
});

const schedule = (over: Partial<Schedule>): Schedule => ({
  doc: undefined as never, path: [], id: 's', name: 's', timezone: 'UTC', precedence: 1, windows: [], ...over,
});

describe('schedule overlap', () => {
  it('knows London is UTC+1 in summer', () => {
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 6, 1))).toBe(60);
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 0, 1))).toBe(0);
    expect(zoneOffsetMinutes('America/New_York', Date.UTC(2026, 0, 1))).toBe(-300);
  });

  it('finds no overlap between weekday days and weekday nights in one zone', () => {
    const day = schedule({ windows: [{ days: [0, 1, 2, 3, 4], from: 8 * 60, until: 18 * 60 }] });
    const night = schedule({ windows: [{ days: [0, 1, 2, 3, 4], from: 18 * 60, until: 8 * 60 }] });
    expect(schedulesOverlap(day, night)).toBeUndefined();
  });

  it('finds the overlap that a time-zone difference creates', () => {
    const london = schedule({ timezone: 'Europe/London', windows: [{ days: [0], from: 9 * 60, until: 10 * 60 }] });
    const utc = schedule({ windows: [{ days: [0], from: 8 * 60, until: 9 * 60 }] });
    // In summer 09:00 London is 08:00 UTC.
    expect(schedulesOverlap(london, utc)).toEqual({ day: 0, minute: 8 * 60 });
  });

  it('finds no overlap when validity dates do not meet', () => {
    const w = [{ days: [0, 1, 2, 3, 4, 5, 6], from: 0, until: 24 * 60 }];
    const a = schedule({ windows: w, validUntil: '2026-06-30' });
    const b = schedule({ windows: w, validFrom: '2026-07-01' });
    expect(schedulesOverlap(a, b)).toBeUndefined();
  });
});
