/**
 * Dates without times ("local dates", YYYY-MM-DD, as a school's calendar speaks) and instants
 * (epoch milliseconds), and the time zone that joins them. Local dates are handled as day
 * numbers (days since 1970-01-01) so that counting is integer arithmetic.
 */
import { DomainError } from './errors.js';

export type LocalDate = string;
export const DAY_MS = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Reads `count` decimal digits at `at`, or -1. Hand-rolled: the fold parses millions of dates. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Day number of YYYY-MM-DD at the start of `s` (if it is a real date), or NaN. */
function dateAt(s: string): number {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return Number.NaN;
  const leap = m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  if (d > DAYS_IN_MONTH[m - 1]! + (leap ? 1 : 0)) return Number.NaN;
  return daysFromCivil(y, m, d);
}

/** Day number of a valid YYYY-MM-DD date, or NaN. */
export function tryDayNumber(date: string): number {
  return typeof date === 'string' && date.length === 10 ? dateAt(date) : Number.NaN;
}

export function dayNumber(date: string, field = 'date'): number {
  const n = tryDayNumber(date);
  if (Number.isNaN(n)) throw new DomainError('INVALID_INPUT', `expected a date like 2026-11-02 (YYYY-MM-DD), got ${JSON.stringify(date)}`, field);
  return n;
}

const dateText = new Map<number, LocalDate>();

/** YYYY-MM-DD of a day number (memoised: the fold prints the same few hundred dates over and over). */
export function fromDayNumber(day: number): LocalDate {
  let text = dateText.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dateText.size < 100_000) dateText.set(day, text);
  }
  return text;
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWeekend(day: number): boolean {
  const w = weekdayOf(day);
  return w === 0 || w === 6;
}

/** Calendar months later; the 31st of a shorter month becomes its last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastOfTarget = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastOfTarget)) / DAY_MS;
}

export function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

/** 2026-10-25T21:15:00Z: seconds precision, UTC, as the simulate output promises. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A named IANA time zone. Offsets come from the platform's tz database (Intl), cached per UTC
 * day because a fold over 100,000 cases converts millions of instants; only the two days a year
 * with a clock change are worked out per instant.
 */
export class TimeZone {
  private static readonly zones = new Map<string, TimeZone>();
  private readonly fmt: Intl.DateTimeFormat;
  private readonly byDay = new Map<number, number>();
  private readonly byQuarterHour = new Map<number, number>();

  static named(name: string, field = 'timezone'): TimeZone {
    let tz = TimeZone.zones.get(name);
    if (!tz) {
      try {
        tz = new TimeZone(name);
      } catch {
        throw new DomainError('INVALID_INPUT', `unknown time zone ${JSON.stringify(name)}; use an IANA name such as Europe/London`, field);
      }
      TimeZone.zones.set(name, tz);
    }
    return tz;
  }

  private constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  private exactOffsetMs(ms: number): number {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /** Offset from UTC in milliseconds at an instant (BST: +3,600,000). */
  offsetMs(ms: number): number {
    const day = Math.floor(ms / DAY_MS);
    let cached = this.byDay.get(day);
    if (cached === undefined) {
      const start = this.exactOffsetMs(day * DAY_MS);
      const end = this.exactOffsetMs(day * DAY_MS + DAY_MS - 1000);
      cached = start === end ? start : Number.NaN; // NaN marks a day with a clock change
      this.byDay.set(day, cached);
    }
    if (!Number.isNaN(cached)) return cached;
    // A day with a clock change: offsets change on a quarter hour in every zone in use today.
    const quarter = Math.floor(ms / 900_000);
    let offset = this.byQuarterHour.get(quarter);
    if (offset === undefined) {
      offset = this.exactOffsetMs(quarter * 900_000);
      this.byQuarterHour.set(quarter, offset);
    }
    return offset;
  }

  /** The local date (as a day number) of an instant in this zone. */
  localDay(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / DAY_MS);
  }

  /**
   * The instant at which the zone's wall clock reads `wallMs` (a local date-time written as if
   * it were UTC). In the autumn hour that happens twice the earlier instant is taken; a time
   * skipped in spring is read with the offset in force before the change (01:30 becomes 02:30 BST).
   */
  fromWallClock(wallMs: number): number {
    const before = this.offsetMs(wallMs - DAY_MS / 2);
    const after = this.offsetMs(wallMs + DAY_MS / 2);
    if (before === after) return wallMs - before;
    const earlier = wallMs - Math.max(before, after);
    if (this.offsetMs(earlier) === Math.max(before, after)) return earlier;
    const later = wallMs - Math.min(before, after);
    if (this.offsetMs(later) === Math.min(before, after)) return later;
    return wallMs - before;
  }
}

const WHEN_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function badWhen(text: unknown, field: string): DomainError {
  return new DomainError('INVALID_INPUT', `expected a date-time like 2026-11-06T09:00 (school time) or 2026-11-06T09:00Z, got ${JSON.stringify(text)}`, field);
}

/**
 * Reads an event time: a date ("2026-11-06", taken as the start of that day at the school),
 * a local date-time ("2026-11-06T09:00", the school's wall clock), or an instant with a zone
 * ("2026-11-06T09:00Z", "2026-11-06T09:00+01:00"). Returns epoch milliseconds.
 */
export function parseWhen(text: unknown, tz: TimeZone, field: string): number {
  if (typeof text !== 'string') throw badWhen(text, field);
  // The common shape, YYYY-MM-DDTHH:mm in school time, without a regular expression.
  if (text.length === 16 && text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58) {
    const day = dateAt(text);
    const h = digits(text, 11, 2);
    const mi = digits(text, 14, 2);
    if (Number.isNaN(day) || h < 0 || h > 23 || mi < 0 || mi > 59) throw badWhen(text, field);
    return tz.fromWallClock(day * DAY_MS + h * 3_600_000 + mi * 60_000);
  }
  const m = WHEN_RE.exec(text);
  if (!m) throw badWhen(text, field);
  const [, , , , h = '0', mi = '0', sec = '0', frac = '0', zone] = m;
  const day = dateAt(text);
  if (Number.isNaN(day) || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) throw badWhen(text, field);
  const wall = day * DAY_MS + Number(h) * 3_600_000 + Number(mi) * 60_000 + Number(sec) * 1000 + Number(frac.padEnd(3, '0'));
  if (zone === undefined) return tz.fromWallClock(wall);
  if (zone === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hm = zone.slice(1).replace(':', '');
  return wall - sign * (Number(hm.slice(0, 2)) * 60 + Number(hm.slice(2))) * 60_000;
}
