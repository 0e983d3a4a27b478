/**
 * A school's calendar: which days are school days and working days, and counting in them.
 *
 * - school day: a weekday inside one of the school's terms (inclusive) that is neither a bank
 *   holiday of its region nor one of its closures (INSET days, snow days);
 * - working day: a weekday that is not a bank holiday of the region;
 * - day: a calendar day; week: 7 calendar days; hours: elapsed time (see clocks.ts).
 *
 * "Within N X of A" is the Nth qualifying day strictly after A; "N X before B" is the Nth
 * qualifying day strictly before B.
 */
import { z } from 'zod';
import bankHolidayData from './data/uk-bank-holidays.json' with { type: 'json' };
import { DomainError } from './errors.js';
import { TimeZone, fromDayNumber, isWeekend, tryDayNumber, type LocalDate } from './dates.js';

export const REGIONS = ['england-and-wales', 'scotland', 'northern-ireland'] as const;
export type Region = (typeof REGIONS)[number];
export type DayUnit = 'school_days' | 'working_days' | 'days' | 'weeks';

const localDate = z.string().refine((s) => !Number.isNaN(tryDayNumber(s)), {
  message: 'expected a date like 2026-11-02 (YYYY-MM-DD)',
});

export const calendarInputSchema = z.object({
  region: z.enum(REGIONS, { message: `expected one of ${REGIONS.join(', ')}` }).default('england-and-wales'),
  timezone: z.string().default('Europe/London'),
  terms: z.array(z.object({ start: localDate, end: localDate, name: z.string().optional() })).default([]),
  closures: z.array(localDate).default([]),
});
export type CalendarInput = z.input<typeof calendarInputSchema>;

export const BANK_HOLIDAY_YEARS = { first: bankHolidayData.firstYear, last: bankHolidayData.lastYear };
const FIRST_DAY = Date.UTC(BANK_HOLIDAY_YEARS.first, 0, 1) / 86_400_000;
const LAST_DAY = Date.UTC(BANK_HOLIDAY_YEARS.last, 11, 31) / 86_400_000;

const WORKING = 1;
const SCHOOL = 2;
const IN_TERM = 4;

export function bankHolidays(region: Region): ReadonlyArray<{ date: LocalDate; title: string }> {
  return bankHolidayData.divisions[region];
}

function outOfRange(day: number, what: string): DomainError {
  return new DomainError(
    'CALENDAR_OUT_OF_RANGE',
    `${what} reaches ${fromDayNumber(day)}, but UK bank holidays are only known from ${BANK_HOLIDAY_YEARS.first} to ${BANK_HOLIDAY_YEARS.last}; dates outside those years cannot be counted without guessing`,
  );
}

export class SchoolCalendar {
  /** One byte per day from 1 Jan of the first known year: WORKING | SCHOOL | IN_TERM bits. */
  private readonly flags: Uint8Array;
  readonly firstTermDay: number | undefined;
  readonly lastTermDay: number | undefined;

  private constructor(
    readonly region: Region,
    readonly timezone: TimeZone,
    readonly terms: ReadonlyArray<{ start: LocalDate; end: LocalDate }>,
    readonly closures: ReadonlyArray<LocalDate>,
  ) {
    this.flags = new Uint8Array(LAST_DAY - FIRST_DAY + 1);
    for (let d = FIRST_DAY; d <= LAST_DAY; d++) if (!isWeekend(d)) this.flags[d - FIRST_DAY] = WORKING;
    for (const h of bankHolidays(region)) this.flags[tryDayNumber(h.date) - FIRST_DAY]! &= ~WORKING;
    for (const t of terms) {
      for (let d = tryDayNumber(t.start); d <= tryDayNumber(t.end); d++) {
        const f = this.flags[d - FIRST_DAY]!;
        this.flags[d - FIRST_DAY] = f | IN_TERM | (f & WORKING ? SCHOOL : 0);
      }
    }
    for (const c of closures) this.flags[tryDayNumber(c) - FIRST_DAY]! &= ~SCHOOL;
    this.firstTermDay = terms.length ? tryDayNumber(terms[0]!.start) : undefined;
    this.lastTermDay = terms.length ? tryDayNumber(terms[terms.length - 1]!.end) : undefined;
  }

  /** Validates a calendar and explains the first thing wrong with it, naming the field. */
  static from(input: unknown, field = 'calendar'): SchoolCalendar {
    const parsed = calendarInputSchema.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = [field, ...issue.path].map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
      throw new DomainError('INVALID_CALENDAR', issue.message, path);
    }
    const cal = parsed.data;
    const tz = TimeZone.named(cal.timezone, `${field}.timezone`);
    const inRange = (d: number) => d >= FIRST_DAY && d <= LAST_DAY;
    const terms = cal.terms
      .map((t, i) => ({ ...t, i, s: tryDayNumber(t.start), e: tryDayNumber(t.end) }))
      .sort((a, b) => a.s - b.s);
    for (const t of terms) {
      const at = `${field}.terms[${t.i}]`;
      if (t.e < t.s) throw new DomainError('INVALID_CALENDAR', `the term ends (${t.end}) before it starts (${t.start})`, at);
      if (!inRange(t.s) || !inRange(t.e)) {
        throw new DomainError('INVALID_CALENDAR', `term dates must fall between ${BANK_HOLIDAY_YEARS.first}-01-01 and ${BANK_HOLIDAY_YEARS.last}-12-31, the years whose bank holidays are known`, at);
      }
    }
    for (let k = 1; k < terms.length; k++) {
      const prev = terms[k - 1]!;
      const cur = terms[k]!;
      if (cur.s <= prev.e) {
        throw new DomainError('INVALID_CALENDAR', `the term ${cur.start} to ${cur.end} overlaps the term ${prev.start} to ${prev.end}; terms must not overlap`, `${field}.terms[${cur.i}]`);
      }
    }
    cal.closures.forEach((c, i) => {
      const d = tryDayNumber(c);
      if (!terms.some((t) => d >= t.s && d <= t.e)) {
        throw new DomainError('INVALID_CALENDAR', `${c} is not inside any term; a closure (INSET or snow day) must be a term day`, `${field}.closures[${i}]`);
      }
    });
    return new SchoolCalendar(cal.region, tz, terms.map(({ start, end }) => ({ start, end })), cal.closures);
  }

  private flag(day: number, what: () => string): number {
    if (day < FIRST_DAY || day > LAST_DAY) throw outOfRange(day, what());
    return this.flags[day - FIRST_DAY]!;
  }

  isWorkingDay(day: number): boolean {
    return (this.flag(day, () => 'the date') & WORKING) !== 0;
  }

  isSchoolDay(day: number): boolean {
    this.requireTerms('school days');
    return (this.flag(day, () => 'the date') & SCHOOL) !== 0;
  }

  /** Inside one of the terms' date ranges (weekends and bank holidays in term count as term time). */
  isInTerm(day: number): boolean {
    this.requireTerms('term time');
    return (this.flag(day, () => 'the date') & IN_TERM) !== 0;
  }

  private requireTerms(what: string): void {
    if (this.firstTermDay === undefined) {
      throw new DomainError('INVALID_CALENDAR', `this policy counts ${what}, so the calendar needs the school's term dates`, 'calendar.terms');
    }
  }

  /** The first school day on or after `day` (a complaint received in a holiday counts from it). */
  firstSchoolDayFrom(day: number): number {
    this.requireTerms('term time');
    for (let d = day; ; d++) {
      if (d > this.lastTermDay!) throw this.pastTerms(`finding the first school day after ${fromDayNumber(day)}`);
      if (this.flag(d, () => 'finding the next school day') & SCHOOL) return d;
    }
  }

  private pastTerms(what: string): DomainError {
    return new DomainError(
      'CALENDAR_OUT_OF_RANGE',
      `${what} runs past the last term in the calendar (ends ${fromDayNumber(this.lastTermDay!)}); add the next school year's term dates`,
      'calendar.terms',
    );
  }

  private beforeTerms(what: string): DomainError {
    return new DomainError(
      'CALENDAR_OUT_OF_RANGE',
      `${what} runs before the first term in the calendar (starts ${fromDayNumber(this.firstTermDay!)}); add the earlier term dates`,
      'calendar.terms',
    );
  }

  /** The Nth qualifying day strictly after `day` ("within N school days of ..."). */
  after(day: number, n: number, unit: DayUnit): number {
    if (unit === 'days') return day + n;
    if (unit === 'weeks') return day + 7 * n;
    const bit = unit === 'school_days' ? SCHOOL : WORKING;
    if (bit === SCHOOL) this.requireTerms('school days');
    const last = bit === SCHOOL ? this.lastTermDay! : LAST_DAY;
    let d = day;
    for (let left = n; left > 0; ) {
      d++;
      if (d > last || d < FIRST_DAY) {
        const what = `counting ${n} ${unit.replace('_', ' ')} from ${fromDayNumber(day)}`;
        throw bit === SCHOOL && d > last ? this.pastTerms(what) : outOfRange(d, what);
      }
      if (this.flags[d - FIRST_DAY]! & bit) left--;
    }
    return d;
  }

  /** The Nth qualifying day strictly before `day` ("at least N school days before the hearing"). */
  before(day: number, n: number, unit: DayUnit): number {
    if (unit === 'days') return day - n;
    if (unit === 'weeks') return day - 7 * n;
    const bit = unit === 'school_days' ? SCHOOL : WORKING;
    if (bit === SCHOOL) this.requireTerms('school days');
    const first = bit === SCHOOL ? this.firstTermDay! : FIRST_DAY;
    let d = day;
    for (let left = n; left > 0; ) {
      d--;
      if (d < first || d > LAST_DAY) {
        const what = `counting ${n} ${unit.replace('_', ' ')} back from ${fromDayNumber(day)}`;
        throw bit === SCHOOL && d < first ? this.beforeTerms(what) : outOfRange(d, what);
      }
      if (this.flags[d - FIRST_DAY]! & bit) left--;
    }
    return d;
  }
}

/**
 * A day the school is open for business: a school day inside the span of the calendar's terms,
 * otherwise (no terms, or before the first / after the last term it knows) a working day. The
 * digest goes out and hearings are offered only on these. Beyond the years whose bank holidays are known it
 * falls back to weekdays rather than throwing: a nudge or a slot search must not fail on a guess.
 */
export function isTeachingDay(cal: SchoolCalendar, day: number): boolean {
  if (cal.firstTermDay === undefined || day < cal.firstTermDay || day > cal.lastTermDay!) {
    return day < FIRST_DAY || day > LAST_DAY ? !isWeekend(day) : cal.isWorkingDay(day);
  }
  return cal.isSchoolDay(day);
}
