import { describe, expect, it } from 'vitest';
import { SchoolCalendar, bankHolidays } from '../../src/domain/calendar.js';
import { TimeZone, dayNumber, fromDayNumber, parseWhen, formatInstant } from '../../src/domain/dates.js';
import { DomainError } from '../../src/domain/errors.js';
import { ENGLAND_2026_27 as englishYear2026, domainErrorOf as thrown } from '../helpers/fold.js';

const d = (s: string) => dayNumber(s);

describe('UK bank holidays shipped with the project', () => {
  const has = (region: Parameters<typeof bankHolidays>[0], date: string) => bankHolidays(region).some((h) => h.date === date);

  it('include the substitute Boxing Day on 2026-12-28 in England and Wales', () => {
    expect(has('england-and-wales', '2026-12-28')).toBe(true);
    expect(has('england-and-wales', '2026-12-26')).toBe(false); // a Saturday
  });

  it("include St Patrick's Day 2027-03-17 in Northern Ireland only", () => {
    expect(has('northern-ireland', '2027-03-17')).toBe(true);
    expect(has('england-and-wales', '2027-03-17')).toBe(false);
    expect(has('scotland', '2027-03-17')).toBe(false);
  });

  it('include the substitute 2 January holiday on 2027-01-04 in Scotland only', () => {
    expect(has('scotland', '2027-01-04')).toBe(true);
    expect(has('england-and-wales', '2027-01-04')).toBe(false);
  });

  it('match the published 2024 to 2027 lists for England and Wales', () => {
    const ew = bankHolidays('england-and-wales').map((h) => h.date);
    expect(ew.filter((x) => x.startsWith('2024'))).toEqual(['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26']);
    expect(ew.filter((x) => x.startsWith('2025'))).toEqual(['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26']);
    expect(ew.filter((x) => x.startsWith('2027'))).toEqual(['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28']);
  });

  it('give Scotland its own summer holiday, St Andrew\'s Day and no Easter Monday', () => {
    expect(has('scotland', '2026-08-03')).toBe(true); // first Monday in August
    expect(has('scotland', '2026-08-31')).toBe(false);
    expect(has('scotland', '2024-12-02')).toBe(true); // St Andrew's Day 2024 fell on a Saturday
    expect(has('scotland', '2026-04-06')).toBe(false); // Easter Monday
  });

  it('give Northern Ireland the Battle of the Boyne, moved to Monday 2026-07-13', () => {
    expect(has('northern-ireland', '2026-07-13')).toBe(true);
    expect(has('northern-ireland', '2027-07-12')).toBe(true);
  });

  it('cover every year from 2024 to 2030 in each region', () => {
    for (const region of ['england-and-wales', 'scotland', 'northern-ireland'] as const) {
      for (let y = 2024; y <= 2030; y++) expect(bankHolidays(region).filter((h) => h.date.startsWith(String(y))).length).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('counting days', () => {
  const cal = SchoolCalendar.from(englishYear2026);

  it('skips half term when counting school days (Fri 23 Oct + 2 school days = Tue 3 Nov)', () => {
    expect(fromDayNumber(cal.after(d('2026-10-23'), 2, 'school_days'))).toBe('2026-11-03');
  });

  it('skips Christmas, the New Year bank holiday and the INSET day on 5 January', () => {
    // 17, 18 Dec are school days 1 and 2; term resumes 5 Jan, which is an INSET closure; 6 Jan is day 3.
    expect(fromDayNumber(cal.after(d('2026-12-16'), 3, 'school_days'))).toBe('2027-01-06');
  });

  it('counts working days through the school holidays but not over bank holidays', () => {
    // Thu 24 Dec: Fri 25 (Christmas), Mon 28 (substitute Boxing Day) skipped; Tue 29 is the 1st working day.
    expect(fromDayNumber(cal.after(d('2026-12-24'), 1, 'working_days'))).toBe('2026-12-29');
    expect(fromDayNumber(cal.after(d('2026-12-24'), 3, 'working_days'))).toBe('2026-12-31');
    // Easter 2027: Good Friday 26 Mar and Easter Monday 29 Mar.
    expect(fromDayNumber(cal.after(d('2027-03-25'), 1, 'working_days'))).toBe('2027-03-30');
  });

  it('counts calendar days and weeks straight through everything', () => {
    expect(fromDayNumber(cal.after(d('2026-12-24'), 5, 'days'))).toBe('2026-12-29');
    expect(fromDayNumber(cal.after(d('2026-12-24'), 2, 'weeks'))).toBe('2027-01-07');
  });

  it('counts "N school days before" strictly before the date, over a weekend', () => {
    // Before Tue 15 Dec 2026: Mon 14 (1), Fri 11 (2).
    expect(fromDayNumber(cal.before(d('2026-12-15'), 2, 'school_days'))).toBe('2026-12-11');
  });

  it('knows term time from school days: a Saturday in term is term time but not a school day', () => {
    expect(cal.isInTerm(d('2026-11-07'))).toBe(true);
    expect(cal.isSchoolDay(d('2026-11-07'))).toBe(false);
    expect(cal.isInTerm(d('2026-10-27'))).toBe(false);
    expect(cal.isSchoolDay(d('2027-01-05'))).toBe(false); // INSET
    expect(cal.isWorkingDay(d('2027-01-05'))).toBe(true);
  });

  it('uses the region\'s bank holidays: 2 January is a working day in England but not in Scotland', () => {
    const scot = SchoolCalendar.from({ region: 'scotland' });
    expect(cal.isWorkingDay(d('2026-01-02'))).toBe(true);
    expect(scot.isWorkingDay(d('2026-01-02'))).toBe(false);
    const ni = SchoolCalendar.from({ region: 'northern-ireland' });
    expect(fromDayNumber(ni.after(d('2027-03-16'), 1, 'working_days'))).toBe('2027-03-18');
  });

  it('refuses to count past the last term instead of guessing', () => {
    const e = thrown(() => cal.after(d('2027-07-15'), 10, 'school_days'));
    expect(e.code).toBe('CALENDAR_OUT_OF_RANGE');
    expect(e.message).toMatch(/last term in the calendar \(ends 2027-07-21\)/);
  });

  it('refuses to count working days beyond 2030 or before 2024', () => {
    expect(thrown(() => cal.after(d('2030-12-30'), 5, 'working_days')).message).toMatch(/only known from 2024 to 2030/);
    expect(thrown(() => cal.before(d('2024-01-02'), 3, 'working_days')).code).toBe('CALENDAR_OUT_OF_RANGE');
  });

  it('asks for term dates when a policy counts school days and the calendar has none', () => {
    const e = thrown(() => SchoolCalendar.from({}).after(d('2026-11-02'), 2, 'school_days'));
    expect(e.field).toBe('calendar.terms');
  });
});

describe('calendar validation', () => {
  it('rejects overlapping terms, naming the term', () => {
    const e = thrown(() => SchoolCalendar.from({ terms: [{ start: '2026-09-02', end: '2026-10-23' }, { start: '2026-10-20', end: '2026-12-18' }] }));
    expect(e.field).toBe('calendar.terms[1]');
    expect(e.message).toMatch(/overlaps/);
  });

  it('rejects a term that ends before it starts', () => {
    expect(thrown(() => SchoolCalendar.from({ terms: [{ start: '2026-10-23', end: '2026-09-02' }] })).field).toBe('calendar.terms[0]');
  });

  it('rejects malformed dates and unknown regions, naming the field', () => {
    expect(thrown(() => SchoolCalendar.from({ terms: [{ start: '2026-02-30', end: '2026-03-10' }] })).field).toBe('calendar.terms[0].start');
    const region = thrown(() => SchoolCalendar.from({ region: 'wales' }));
    expect(region.field).toBe('calendar.region');
    expect(region.message).toMatch(/england-and-wales, scotland, northern-ireland/);
  });

  it('rejects a closure outside every term', () => {
    expect(thrown(() => SchoolCalendar.from({ ...englishYear2026, closures: ['2026-10-28'] })).field).toBe('calendar.closures[0]');
  });

  it('rejects terms outside the years whose bank holidays are known', () => {
    expect(thrown(() => SchoolCalendar.from({ terms: [{ start: '2031-01-05', end: '2031-03-01' }] })).message).toMatch(/2024-01-01 and 2030-12-31/);
  });

  it('rejects an unknown time zone', () => {
    expect(thrown(() => SchoolCalendar.from({ timezone: 'Europe/Londn' })).field).toBe('calendar.timezone');
  });
});

describe('school time (Europe/London)', () => {
  const london = TimeZone.named('Europe/London');

  it('reads a wall-clock time in BST and in GMT', () => {
    expect(formatInstant(parseWhen('2026-10-24T22:15', london, 'at'))).toBe('2026-10-24T21:15:00Z');
    expect(formatInstant(parseWhen('2026-10-26T09:00', london, 'at'))).toBe('2026-10-26T09:00:00Z');
  });

  it('keeps explicit zones as given', () => {
    expect(formatInstant(parseWhen('2026-10-24T22:15Z', london, 'at'))).toBe('2026-10-24T22:15:00Z');
    expect(formatInstant(parseWhen('2026-10-24T22:15+02:00', london, 'at'))).toBe('2026-10-24T20:15:00Z');
  });

  it('takes the first of the two 01:30s on the night the clocks go back', () => {
    expect(formatInstant(parseWhen('2026-10-25T01:30', london, 'at'))).toBe('2026-10-25T00:30:00Z');
  });

  it('reads a time skipped when the clocks go forward with the offset before the change', () => {
    // 01:30 on 29 March 2026 does not exist in London; it is read as 01:30 GMT (02:30 BST).
    expect(formatInstant(parseWhen('2026-03-29T01:30', london, 'at'))).toBe('2026-03-29T01:30:00Z');
  });

  it('gives the local date of an instant late in the evening in summer', () => {
    expect(fromDayNumber(london.localDay(Date.parse('2026-06-30T23:30:00Z')))).toBe('2026-07-01');
  });

  it('rejects impossible date-times, naming the field', () => {
    expect(() => parseWhen('2026-13-01T09:00', london, 'events[0].at')).toThrow(/events\[0\]\.at: expected a date-time/);
    expect(() => parseWhen('2026-11-06T25:00', london, 'events[0].at')).toThrow(DomainError);
    expect(() => parseWhen('yesterday', london, 'events[0].at')).toThrow(DomainError);
  });
});
