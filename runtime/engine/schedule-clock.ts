// "Is this schedule open now?" for weekly windows in an IANA time zone (Metaswitch "current time"
// routing).
//
// A schedule is compiled once into a bitmap of the 10,080 minutes of a local week (Monday 00:00 =
// minute 0) plus its validity days. A window whose `until` is not after its `from` runs past
// midnight: Fri 22:00–06:00 is open Friday 22:00–24:00 and Saturday 00:00–06:00, and Sun 22:00–02:00
// wraps into Monday. Validity dates are local days: validUntil 2026-03-31 means open at most until
// local midnight ending that day.
//
// Per call the work is: the zone's UTC offset (cached per zone for the hour, split exactly at a
// daylight-saving change inside the hour), then integer arithmetic and one bit test.

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export interface WeeklyWindow {
  /** 0 = Monday … 6 = Sunday: the days on which the window opens. */
  days: readonly number[];
  /** Minutes after local midnight the window opens. */
  from: number;
  /** Minutes after local midnight it closes (exclusive, 1440 = 24:00); ≤ from runs past midnight. */
  until: number;
}

export interface ScheduleSpec {
  timezone: string;
  /** First local day (YYYY-MM-DD) on which the schedule can be open. */
  validFrom?: string;
  /** Last local day (YYYY-MM-DD) on which the schedule can be open. */
  validUntil?: string;
  windows: readonly WeeklyWindow[];
}

/** UTC offset of one zone, cached for the span of time in which it is known to hold. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private lo = 1;
  private hi = 0;
  private offset = 0;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
  }

  /** Offset from UTC in minutes at `ms` (London in summer → 60, New York in winter → -300). */
  offsetMinutes(ms: number): number {
    if (ms >= this.lo && ms < this.hi) return this.offset;
    const hourStart = Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR;
    const hourEnd = hourStart + MS_PER_HOUR;
    const a = this.compute(hourStart);
    const b = this.compute(hourEnd - MS_PER_MINUTE);
    if (a === b) {
      this.lo = hourStart;
      this.hi = hourEnd;
      this.offset = a;
      return a;
    }
    // A change inside this hour: find its first minute.
    let l = 0; // offset a holds at minute l
    let h = 59; // offset b holds at minute h
    while (h - l > 1) {
      const m = (l + h) >>> 1;
      if (this.compute(hourStart + m * MS_PER_MINUTE) === a) l = m;
      else h = m;
    }
    const change = hourStart + h * MS_PER_MINUTE;
    if (ms < change) { this.lo = hourStart; this.hi = change; this.offset = a; }
    else { this.lo = change; this.hi = hourEnd; this.offset = b; }
    return this.offset;
  }

  private compute(instant: number): number {
    const parts = this.format.formatToParts(instant);
    let y = 0, mo = 0, d = 0, h = 0, mi = 0;
    for (const p of parts) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
      }
    }
    const local = Date.UTC(y, mo - 1, d, h, mi);
    return Math.round((local - Math.floor(instant / MS_PER_MINUTE) * MS_PER_MINUTE) / MS_PER_MINUTE);
  }
}

const zones = new Map<string, ZoneClock>();

/** The shared clock of a zone; throws RangeError for a zone this Node does not know. */
export function zoneClock(timeZone: string): ZoneClock {
  let z = zones.get(timeZone);
  if (!z) {
    z = new ZoneClock(timeZone);
    zones.set(timeZone, z);
  }
  return z;
}

export interface CompiledSchedule {
  readonly zone: ZoneClock;
  /** Bit m set = open at local minute-of-week m. */
  readonly week: Uint32Array;
  /** Local day numbers (days since 1970-01-01) bounding validity, inclusive. */
  readonly firstDay: number;
  readonly lastDay: number;
}

export type ScheduleResult = { ok: true; schedule: CompiledSchedule } | { ok: false; error: string };

function dayNumber(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) return undefined;
  return ms / MS_PER_DAY;
}

export function compileSchedule(spec: ScheduleSpec): ScheduleResult {
  let zone: ZoneClock;
  try {
    zone = zoneClock(spec.timezone);
  } catch {
    return { ok: false, error: `unknown time zone "${spec.timezone}"` };
  }
  const week = new Uint32Array(Math.ceil(MINUTES_PER_WEEK / 32));
  for (const w of spec.windows) {
    if (!(w.from >= 0 && w.from < MINUTES_PER_DAY) || !(w.until >= 0 && w.until <= MINUTES_PER_DAY)) {
      return { ok: false, error: `window ${w.from}-${w.until}: minutes out of range` };
    }
    const length = w.until > w.from ? w.until - w.from : w.until + MINUTES_PER_DAY - w.from;
    for (const day of w.days) {
      if (!Number.isInteger(day) || day < 0 || day > 6) return { ok: false, error: `day ${day} is not 0 (Monday) … 6 (Sunday)` };
      const start = day * MINUTES_PER_DAY + w.from;
      for (let k = 0; k < length; k++) {
        const m = (start + k) % MINUTES_PER_WEEK;
        week[m >>> 5]! |= 1 << (m & 31);
      }
    }
  }
  let firstDay = -Infinity;
  let lastDay = Infinity;
  if (spec.validFrom !== undefined) {
    const d = dayNumber(spec.validFrom);
    if (d === undefined) return { ok: false, error: `validFrom "${spec.validFrom}" is not a date` };
    firstDay = d;
  }
  if (spec.validUntil !== undefined) {
    const d = dayNumber(spec.validUntil);
    if (d === undefined) return { ok: false, error: `validUntil "${spec.validUntil}" is not a date` };
    lastDay = d;
  }
  return { ok: true, schedule: { zone, week, firstDay, lastDay } };
}

/** Whether the schedule is open at the instant `ms` (epoch milliseconds, UTC). */
export function scheduleOpen(s: CompiledSchedule, ms: number): boolean {
  const local = ms + s.zone.offsetMinutes(ms) * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  if (day < s.firstDay || day > s.lastDay) return false;
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const dow = (((day + 3) % 7) + 7) % 7;
  const m = dow * MINUTES_PER_DAY + Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE);
  return (s.week[m >>> 5]! & (1 << (m & 31))) !== 0;
}

/** Local minute of the week (Monday 00:00 = 0) at `ms` in `zone`, for traces and tests. */
export function localMinuteOfWeek(zone: ZoneClock, ms: number): number {
  const local = ms + zone.offsetMinutes(ms) * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  const dow = (((day + 3) % 7) + 7) % 7;
  return dow * MINUTES_PER_DAY + Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE);
}
