// Weekly schedule windows as minute-of-week sets in UTC, for overlap checks between schedules in
// different time zones. A zone's offset changes with daylight saving, so windows are placed at a
// winter and a summer reference week: two schedules overlap if they do in either.
import type { Schedule } from './model/model.js';

export const MINUTES_PER_WEEK = 7 * 24 * 60;
/** Mondays in January and July 2026, 12:00 UTC. */
const REFERENCE_INSTANTS = [Date.UTC(2026, 0, 12, 12), Date.UTC(2026, 6, 13, 12)];

/** Offset of `timeZone` from UTC at `instant`, in minutes (London in summer → 60). */
export function zoneOffsetMinutes(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((local - Math.floor(instant / 60000) * 60000) / 60000);
}

/** Open minutes of the week (UTC, Monday 00:00 = 0) at each reference instant. */
export function weeklyOpenMinutes(s: Schedule): Uint8Array[] {
  return REFERENCE_INSTANTS.map((instant) => {
    const offset = zoneOffsetMinutes(s.timezone, instant);
    const open = new Uint8Array(MINUTES_PER_WEEK);
    for (const w of s.windows) {
      const length = w.until > w.from ? w.until - w.from : w.until + 1440 - w.from;
      for (const day of w.days) {
        const start = day * 1440 + w.from - offset;
        for (let m = 0; m < length; m++) open[(((start + m) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK] = 1;
      }
    }
    return open;
  });
}

/** Whether both schedules can be open at the same moment; returns one such moment if so. */
export function schedulesOverlap(a: Schedule, b: Schedule): { day: number; minute: number } | undefined {
  if (a.validUntil && b.validFrom && a.validUntil < b.validFrom) return undefined;
  if (b.validUntil && a.validFrom && b.validUntil < a.validFrom) return undefined;
  const wa = weeklyOpenMinutes(a);
  const wb = weeklyOpenMinutes(b);
  for (let k = 0; k < wa.length; k++) {
    for (let m = 0; m < MINUTES_PER_WEEK; m++) {
      if (wa[k]![m] && wb[k]![m]) return { day: Math.floor(m / 1440), minute: m % 1440 };
    }
  }
  return undefined;
}
