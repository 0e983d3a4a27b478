/**
 * Hearing dates for a panel stage, as the policy's own clocks set them:
 *
 * - the window: the earliest date that still gives every notice the policy asks for ("at least
 *   10 school days before the Hearing ..."), and the latest it allows (the hearing deadline);
 * - free slots for the panel inside it, from busy times the caller read (the domain does no I/O);
 * - checking a date and time the clerk typed instead;
 * - counting the complainant's answers to proposed dates (NMAT §14: unanswered in 5 school days
 *   is a rejection; after 3 rejections the hearing may go ahead without them).
 *
 * Dates are school dates (YYYY-MM-DD); instants are epoch ms; wall-clock times are the school's
 * time zone, so a hearing starts at 09:00 local on either side of a clock change.
 */
import { bankHolidays, isTeachingDay, type SchoolCalendar } from './calendar.js';
import { DAY_MS, dayNumber, fromDayNumber, weekdayOf, type LocalDate } from './dates.js';
import { DomainError } from './errors.js';
import type { Clock, ClockUnit, DeadlineKind, Policy } from './policy.js';

const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// The window

export interface HearingWindow {
  stage: number;
  /** First date the hearing can be held while still giving every notice the policy asks for, counted from today. */
  earliest: LocalDate;
  /** Last date the policy allows (the hearing deadline incl. any extension), or null when it sets none. */
  latest: LocalDate | null;
  /** Plain words for each bound with the policy's reason, e.g. "at least 10 school days' notice (§14: ...)". */
  earliestBecause: string;
  latestBecause: string | null;
}

/** A deadline as the case state holds it; `originalDue` is set when it was extended. */
export interface StageDeadline {
  stage: number;
  kind: DeadlineKind;
  due: string;
  originalDue?: string;
}

const UNIT_WORDS: Record<ClockUnit, string> = { school_days: 'school day', working_days: 'working day', days: 'day', weeks: 'week', hours: 'hour' };

/** "10 school days", "1 week". */
export function amountText(amount: number, unit: ClockUnit): string {
  return `${amount} ${UNIT_WORDS[unit]}${amount === 1 ? '' : 's'}`;
}

/** Why a clock counted back from the hearing holds the date off, in the words a clerk would use. */
function beforeText(c: Clock): string {
  const amount = amountText(c.amount, c.unit);
  switch (c.kind) {
    case 'hearing_notice':
      return `at least ${amount}${c.amount === 1 ? "'s" : "'"} notice of the hearing (${c.cite})`;
    case 'panel_papers':
      return `the papers must go out at least ${amount} before the hearing (${c.cite})`;
    case 'companion_notice':
      return `the complainant may ask to bring a companion up to ${amount} before the hearing (${c.cite})`;
    default:
      return `${c.kind.replace(/_/g, ' ')} at least ${amount} before the hearing (${c.cite})`;
  }
}

/** The local date of a due date as the case state writes it: a date, or an ISO instant for hour clocks. */
function dueDay(due: string, calendar: SchoolCalendar, field: string): number {
  if (due.length > 10) {
    const ms = Date.parse(due);
    if (Number.isNaN(ms)) throw new DomainError('INVALID_INPUT', `expected a date like 2026-12-15, got ${JSON.stringify(due)}`, field);
    return calendar.timezone.localDay(ms);
  }
  return dayNumber(due, field);
}

/** The first teaching day on or after `day` (never more than a fortnight away: bank holidays are at most four weekdays in a row). */
function teachingDayFrom(calendar: SchoolCalendar, day: number): number {
  let d = day;
  while (!isTeachingDay(calendar, d)) d++;
  return d;
}

/** "school day" where the calendar's terms cover the day, otherwise "working day" (see isTeachingDay). */
function teachingWord(calendar: SchoolCalendar, day: number): string {
  return calendar.firstTermDay !== undefined && day >= calendar.firstTermDay && day <= calendar.lastTermDay! ? 'school day' : 'working day';
}

/** `deadlines` are the stage's deadlines as the case state holds them (kind and due date). */
export function hearingWindow(input: {
  policy: Policy;
  calendar: SchoolCalendar;
  stage: number;
  today: LocalDate;
  deadlines: ReadonlyArray<StageDeadline>;
}): HearingWindow {
  const { policy, calendar, stage, deadlines } = input;
  const s = policy.stages.find((x) => x.number === stage);
  if (!s)
    throw new DomainError(
      'UNKNOWN_STAGE',
      `the ${policy.id} policy has stages 1 to ${policy.stages.length}; there is no stage ${JSON.stringify(stage)}`,
      'stage',
    );
  if (!s.panel?.hearing) throw new DomainError('INVALID_INPUT', `stage ${stage} of ${policy.id} has no panel hearing, so it has no hearing dates`, 'stage');
  const today = dayNumber(input.today, 'today');

  // Latest: the hearing deadline; failing that (MIAG) the panel's whole-stage deadline counted
  // from the request, since the panel must have met by then too.
  const bound = s.clocks.find((c) => c.kind === 'hearing') ?? s.clocks.find((c) => c.kind === 'panel_decision' && c.from === 'stage_received');
  let latest: number | null = null;
  let latestBecause: string | null = null;
  if (bound) {
    const i = deadlines.findIndex((d) => d.stage === stage && d.kind === bound.kind);
    if (i < 0)
      throw new DomainError(
        'INVALID_INPUT',
        `the stage ${stage} ${bound.kind.replace(/_/g, ' ')} deadline is missing; pass the deadlines of the case as its state holds them`,
        'deadlines',
      );
    const d = deadlines[i]!;
    latest = dueDay(d.due, calendar, `deadlines[${i}].due`);
    const rule =
      bound.kind === 'hearing'
        ? `the hearing must be held within ${amountText(bound.amount, bound.unit)} of the stage ${stage} request (${bound.cite})`
        : `the panel must meet and decide within ${amountText(bound.amount, bound.unit)} of the stage ${stage} request (${bound.cite})`;
    latestBecause = d.originalDue ? `the deadline was extended to ${fromDayNumber(latest)} (the policy's date was ${d.originalDue}: ${rule})` : rule;
  }

  // Earliest: tomorrow at the soonest, and late enough that each "N units before the hearing"
  // falls today or later: the date D with before(D, N) >= today is after(today, N).
  let earliest = teachingDayFrom(calendar, today + 1);
  let earliestBecause = `the first ${teachingWord(calendar, earliest)} after today`;
  let byClock = false; // on a tie, the policy's rule is the better reason to give
  for (const c of s.clocks) {
    if (c.from !== 'hearing' || c.direction !== 'before') continue;
    const d = c.unit === 'hours' ? today + Math.ceil(c.amount / 24) : calendar.after(today, c.amount, c.unit);
    if (d > earliest || (d === earliest && !byClock)) {
      earliest = d;
      earliestBecause = beforeText(c);
      byClock = true;
    }
  }
  // A count in working days can land in a school holiday; hearings are on teaching days.
  earliest = teachingDayFrom(calendar, earliest);

  return { stage, earliest: fromDayNumber(earliest), latest: latest === null ? null : fromDayNumber(latest), earliestBecause, latestBecause };
}

// ---------------------------------------------------------------------------------------------
// Slots

export interface Interval {
  start: number;
  end: number;
}

export interface SlotSearch {
  calendar: SchoolCalendar;
  window: Pick<HearingWindow, 'earliest' | 'latest'>;
  durationMinutes: number;
  /** Busy intervals of each person (members, organiser), any order, may overlap. */
  busy: Interval[][];
  dayStartMinutes?: number; // default 9*60: hearings start from 09:00 school time
  dayEndMinutes?: number; // default 17*60: and end by 17:00
  stepMinutes?: number; // default 30
  max?: number; // default 3
  /** Teaching days searched past `latest` when the window has fewer than `max` free slots (flagged outside). default 10 */
  beyondDays?: number;
  /** Teaching days searched when `latest` is null. default 30 */
  searchDays?: number;
  /** Slots starting before this instant are never offered (now). */
  notBefore?: number;
}

export interface ProposedSlot {
  date: LocalDate;
  start: number;
  end: number;
  insideWindow: boolean;
}

interface Plan {
  calendar: SchoolCalendar;
  dayStart: number;
  dayEnd: number;
  durationMs: number;
  stepMs: number;
  max: number;
  notBefore: number;
  /** Teaching days to search, soonest first. */
  days: Array<{ day: number; inside: boolean }>;
}

function wholeNumber(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new DomainError('INVALID_INPUT', `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, field);
  return v;
}

const clockText = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Checks the search and lists the days it covers: the window's teaching days, then up to `beyondDays` after it. */
function plan(s: Omit<SlotSearch, 'busy'>): Plan {
  const dayStart = wholeNumber(s.dayStartMinutes, 9 * 60, 'dayStartMinutes', 0, 24 * 60);
  const dayEnd = wholeNumber(s.dayEndMinutes, 17 * 60, 'dayEndMinutes', 0, 24 * 60);
  const duration = wholeNumber(s.durationMinutes, Number.NaN, 'durationMinutes', 1, 24 * 60);
  if (dayStart + duration > dayEnd) {
    throw new DomainError(
      'INVALID_INPUT',
      `a hearing of ${duration} minutes does not fit between ${clockText(dayStart)} and ${clockText(dayEnd)}`,
      'durationMinutes',
    );
  }
  const step = wholeNumber(s.stepMinutes, 30, 'stepMinutes', 1, 24 * 60);
  const max = wholeNumber(s.max, 3, 'max', 1, 100);
  const beyondDays = wholeNumber(s.beyondDays, 10, 'beyondDays', 0, 200);
  const searchDays = wholeNumber(s.searchDays, 30, 'searchDays', 1, 200);
  if (s.notBefore !== undefined && !Number.isFinite(s.notBefore))
    throw new DomainError('INVALID_INPUT', 'expected an instant (epoch milliseconds)', 'notBefore');
  const notBefore = s.notBefore ?? Number.NEGATIVE_INFINITY;
  const cal = s.calendar;
  const earliest = dayNumber(s.window.earliest, 'window.earliest');
  const latest = s.window.latest === null ? null : dayNumber(s.window.latest, 'window.latest');
  // No day before the one `notBefore` falls on can hold a slot.
  const first = Number.isFinite(notBefore) ? Math.max(earliest, cal.timezone.localDay(notBefore)) : earliest;

  const days: Plan['days'] = [];
  const take = (from: number, count: number, inside: boolean) => {
    for (let d = from, n = 0; n < count; d++) {
      if (isTeachingDay(cal, d)) {
        days.push({ day: d, inside });
        n++;
      }
    }
  };
  if (latest === null) take(first, searchDays, true);
  else {
    for (let d = first; d <= latest; d++) if (isTeachingDay(cal, d)) days.push({ day: d, inside: true });
    // Past the deadline, but never before the earliest date: that would cut the notice short.
    take(Math.max(latest + 1, first), beyondDays, false);
  }
  return { calendar: cal, dayStart, dayEnd, durationMs: duration * MINUTE, stepMs: step * MINUTE, max, notBefore, days };
}

/** The instant the school's clock reads `minutes` past midnight on `day`. */
function wallClock(cal: SchoolCalendar, day: number, minutes: number): number {
  return cal.timezone.fromWallClock(day * DAY_MS + minutes * MINUTE);
}

/** Everyone's busy time as one sorted list of disjoint intervals (as two arrays, for a binary search). */
function mergeBusy(busy: Interval[][]): { starts: Float64Array; ends: Float64Array; n: number } {
  const all: Interval[] = [];
  busy.forEach((person, p) => {
    if (!Array.isArray(person)) throw new DomainError('INVALID_INPUT', 'expected a list of busy intervals', `busy[${p}]`);
    for (const iv of person) if (iv && Number.isFinite(iv.start) && Number.isFinite(iv.end) && iv.end > iv.start) all.push(iv);
  });
  all.sort((a, b) => a.start - b.start);
  const starts = new Float64Array(all.length);
  const ends = new Float64Array(all.length);
  let n = 0;
  for (const iv of all) {
    if (n > 0 && iv.start <= ends[n - 1]!) {
      if (iv.end > ends[n - 1]!) ends[n - 1] = iv.end;
    } else {
      starts[n] = iv.start;
      ends[n] = iv.end;
      n++;
    }
  }
  return { starts, ends, n };
}

/** Up to `max` slots when everyone is free: at most one per day (the earliest free start that day), teaching days only, soonest first. */
export function proposeSlots(s: SlotSearch): ProposedSlot[] {
  const p = plan(s);
  const { starts, ends, n } = mergeBusy(s.busy);
  const out: ProposedSlot[] = [];
  for (const { day, inside } of p.days) {
    if (out.length >= p.max) break;
    const open = wallClock(p.calendar, day, p.dayStart);
    const close = wallClock(p.calendar, day, p.dayEnd);
    // Starts are open + k * step; the first one not before `notBefore`.
    let t = p.notBefore > open ? open + Math.ceil((p.notBefore - open) / p.stepMs) * p.stepMs : open;
    // First busy interval that ends after t (ends are sorted: the intervals are disjoint).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    while (t + p.durationMs <= close) {
      while (i < n && ends[i]! <= t) i++;
      if (i === n || starts[i]! >= t + p.durationMs) {
        out.push({ date: fromDayNumber(day), start: t, end: t + p.durationMs, insideWindow: inside });
        break;
      }
      t = open + Math.ceil((ends[i]! - open) / p.stepMs) * p.stepMs; // the first start after that meeting ends
    }
  }
  return out;
}

/**
 * The instants [start, end) proposeSlots may look at, so the caller asks free/busy for exactly
 * these. Empty (start >= end) when there is no day to search.
 */
export function searchRange(s: Omit<SlotSearch, 'busy'>): Interval {
  const p = plan(s);
  if (p.days.length === 0) {
    const at = wallClock(p.calendar, dayNumber(s.window.earliest, 'window.earliest'), p.dayStart);
    return { start: at, end: at };
  }
  const start = Math.max(wallClock(p.calendar, p.days[0]!.day, p.dayStart), p.notBefore);
  const end = wallClock(p.calendar, p.days[p.days.length - 1]!.day, p.dayEnd);
  return { start: Math.min(start, end), end };
}

// ---------------------------------------------------------------------------------------------
// A time the clerk typed

/** Minutes past midnight on the school's clock at an instant. */
function wallMinutesOf(cal: SchoolCalendar, ms: number): number {
  const local = ms + cal.timezone.offsetMs(ms);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE);
}

/** Why a day is not a teaching day, in plain words. */
function whyClosed(cal: SchoolCalendar, day: number): string {
  const w = weekdayOf(day);
  if (w === 0 || w === 6) return `it is a ${w === 0 ? 'Sunday' : 'Saturday'}`;
  const date = fromDayNumber(day);
  const holiday = bankHolidays(cal.region).find((h) => h.date === date);
  if (holiday) return `it is a bank holiday (${holiday.title})`;
  if (cal.closures.includes(date)) return 'the school is closed that day (an INSET or snow day)';
  return 'it is in the school holidays';
}

/** Is a hearing at [start, end) acceptable? Problems in plain words (not a school day; before the earliest date, with why; after the latest, with why; outside 09:00-17:00). */
export function checkHearingTime(
  calendar: SchoolCalendar,
  window: HearingWindow,
  start: number,
  end: number,
  opts: { dayStartMinutes?: number; dayEndMinutes?: number } = {},
): { insideWindow: boolean; problems: string[] } {
  if (!Number.isFinite(start)) throw new DomainError('INVALID_INPUT', 'expected the hearing start as an instant', 'start');
  if (!Number.isFinite(end)) throw new DomainError('INVALID_INPUT', 'expected the hearing end as an instant', 'end');
  const dayStart = wholeNumber(opts.dayStartMinutes, 9 * 60, 'dayStartMinutes', 0, 24 * 60);
  const dayEnd = wholeNumber(opts.dayEndMinutes, 17 * 60, 'dayEndMinutes', 0, 24 * 60);
  const tz = calendar.timezone;
  const day = tz.localDay(start);
  const date = fromDayNumber(day);
  const earliest = dayNumber(window.earliest, 'window.earliest');
  const latest = window.latest === null ? null : dayNumber(window.latest, 'window.latest');
  const problems: string[] = [];

  if (end <= start) problems.push('the hearing must end after it starts');
  if (!isTeachingDay(calendar, day)) problems.push(`${date} is not a ${teachingWord(calendar, day)}: ${whyClosed(calendar, day)}`);
  if (day < earliest) problems.push(`${date} is before ${window.earliest}, the earliest date the policy allows: ${window.earliestBecause}`);
  if (latest !== null && day > latest) problems.push(`${date} is after ${window.latest}, the latest date the policy allows: ${window.latestBecause}`);
  if (end > start && (start < wallClock(calendar, day, dayStart) || end > wallClock(calendar, day, dayEnd))) {
    const ends =
      tz.localDay(end) === day ? clockText(wallMinutesOf(calendar, end)) : `${clockText(wallMinutesOf(calendar, end))} on ${fromDayNumber(tz.localDay(end))}`;
    problems.push(
      `the hearing must be between ${clockText(dayStart)} and ${clockText(dayEnd)} school time; this one runs from ${clockText(wallMinutesOf(calendar, start))} to ${ends}`,
    );
  }
  return { insideWindow: day >= earliest && (latest === null || day <= latest), problems };
}

// ---------------------------------------------------------------------------------------------
// The complainant's answers to proposed dates

/**
 * One date proposed to the complainant (NMAT §14: "Where a meeting date has been suggested and no
 * response has been received within 5 school days, this will be seen as being rejected").
 */
export interface OfferedDate {
  hearingOn: LocalDate;
  offeredOn: LocalDate;
  answer: 'accepted' | 'tentativelyAccepted' | 'declined' | 'none';
  /** When the answer reached the school; after the day to answer by, it came too late. */
  answeredOn?: LocalDate;
}

/**
 * - accepted: accepted (or tentatively) by the day to answer by;
 * - accepted_late: accepted after it. Not a rejection: the complainant wants that very date, and
 *   whether a late yes stands is for the person who convenes the hearing to judge, not a count;
 * - rejected: declined, or no answer by the day to answer by (`because`);
 * - awaiting: no answer yet, and the day to answer by has not passed.
 */
export type OfferedDateStatus = 'accepted' | 'accepted_late' | 'rejected' | 'awaiting';

export interface DateAnswers {
  dates: Array<OfferedDate & { status: OfferedDateStatus; answerBy: LocalDate; because?: 'declined' | 'no_answer' }>;
  rejected: number;
  /**
   * At least as many dates rejected as the policy allows ("If the complainant rejects the offer of
   * three proposed dates, without good reason, the Governance Professional and Compliance Lead will
   * decide when to hold the Hearing in the complainant's absence"). A may, not a must: whether the
   * reasons were good is a person's judgement.
   */
  mayProceedInAbsence: boolean;
}

const ANSWERS: ReadonlyArray<OfferedDate['answer']> = ['accepted', 'tentativelyAccepted', 'declined', 'none'];

export function complainantAnswers(
  rule: { answerWithin: number; unit: 'school_days' | 'working_days' | 'days'; rejectionsBeforeProceeding: number },
  calendar: SchoolCalendar,
  dates: OfferedDate[],
  today: LocalDate,
): DateAnswers {
  const todayDay = dayNumber(today, 'today');
  let rejected = 0;
  const out = dates.map((d, i): DateAnswers['dates'][number] => {
    dayNumber(d.hearingOn, `dates[${i}].hearingOn`);
    const answerByDay = calendar.after(dayNumber(d.offeredOn, `dates[${i}].offeredOn`), rule.answerWithin, rule.unit);
    const answerBy = fromDayNumber(answerByDay);
    if (!ANSWERS.includes(d.answer))
      throw new DomainError('INVALID_INPUT', `expected one of ${ANSWERS.join(', ')}, got ${JSON.stringify(d.answer)}`, `dates[${i}].answer`);
    const late = d.answer !== 'none' && d.answeredOn !== undefined && dayNumber(d.answeredOn, `dates[${i}].answeredOn`) > answerByDay;
    if (d.answer === 'accepted' || d.answer === 'tentativelyAccepted') return { ...d, status: late ? 'accepted_late' : 'accepted', answerBy };
    // "No response ... within 5 school days ... will be seen as being rejected": a later no does not undo that.
    if (late) {
      rejected++;
      return { ...d, status: 'rejected', answerBy, because: 'no_answer' };
    }
    if (d.answer === 'declined') {
      rejected++;
      return { ...d, status: 'rejected', answerBy, because: 'declined' };
    }
    // Still awaited on the last day to answer; silence after it counts as a rejection.
    if (todayDay <= answerByDay) return { ...d, status: 'awaiting', answerBy };
    rejected++;
    return { ...d, status: 'rejected', answerBy, because: 'no_answer' };
  });
  return { dates: out, rejected, mayProceedInAbsence: rejected >= rule.rejectionsBeforeProceeding };
}
