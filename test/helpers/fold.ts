/**
 * Shared helpers for the case-fold, calendar and policy-pack tests: running a scenario through
 * `simulate` with a fixed clock, finding a deadline, catching a DomainError, and the English
 * term-date calendars the tests count by hand.
 *
 * The calendars are plain scenario input (what a school would enter), not SchoolCalendar
 * objects. Each one is a separate export because the tests' hand-counted dates depend on its
 * exact terms and closures; where two calendars share terms, they share the same term list.
 */
import { simulate, type SimulateOutput } from '../../src/app/simulate.js';
import type { CaseFacts } from '../../src/domain/case.js';
import { DomainError } from '../../src/domain/errors.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';

/** An event as a test writes it: a type and a school-time `at`, plus whatever that event needs. */
export type Ev = Record<string, unknown> & { type: string; at: string };

/** The facts of the case, plus the scenario's `now` (school time) and, to replace the default, its calendar. */
export type RunOptions = CaseFacts & { now?: string; calendar?: Record<string, unknown> };

export type Run = (events: Ev[], opts?: RunOptions) => SimulateOutput;

/**
 * A `run(events, opts)` for one built-in policy pack. The scenario's calendar is `calendar`
 * unless `opts.calendar` gives one (and none at all when both are undefined); `opts.now` is put
 * in the scenario when given, otherwise the clock reads `fixedNow` (an ISO instant).
 */
export function simulateWith(policyId: string, calendar: Record<string, unknown> | undefined, fixedNow: string): Run {
  const clock = () => Date.parse(fixedNow);
  return (events, opts = {}) => {
    const { now, calendar: given = calendar, ...facts } = opts;
    const scenario = {
      policy: policyId,
      ...(given === undefined ? {} : { calendar: given }),
      case: facts,
      events,
      ...(now === undefined ? {} : { now }),
    };
    return simulate(scenario, builtInPolicy, clock);
  };
}

/** The deadline of `stage` and `kind`; throws, listing the deadlines there are, when it is missing. */
export function deadlineOf<D extends { stage: number; kind: string }>(out: { deadlines: D[] }, stage: number, kind: string): D {
  const d = out.deadlines.find((x) => x.stage === stage && x.kind === kind);
  if (!d) throw new Error(`no stage ${stage} ${kind} deadline in ${JSON.stringify(out.deadlines)}`);
  return d;
}

/** Runs `fn` and returns the DomainError it throws; anything else it throws is thrown on. */
export function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

/**
 * The English 2026/27 school year (no closures; the calendars below add them):
 *   Autumn 1  Wed 2 Sep - Fri 23 Oct 2026    October half term Mon 26 - Fri 30 Oct
 *   Autumn 2  Mon 2 Nov - Fri 18 Dec 2026    Christmas Sat 19 Dec - Mon 4 Jan (bank holidays Fri 25 Dec,
 *                                            Mon 28 Dec Boxing Day substitute, Fri 1 Jan)
 *   Spring 1  Tue 5 Jan - Fri 12 Feb 2027    February half term Mon 15 - Fri 19 Feb
 *   Spring 2  Mon 22 Feb - Thu 25 Mar 2027   Easter Fri 26 Mar - Fri 9 Apr (Good Friday 26 Mar, Easter Monday 29 Mar)
 *   Summer 1  Mon 12 Apr - Fri 28 May 2027   (early May bank holiday Mon 3 May, in term)
 *                                            May half term Mon 31 May (spring bank holiday) - Fri 4 Jun
 *   Summer 2  Mon 7 Jun - Wed 21 Jul 2027
 */
const ENGLAND_2026_27_TERMS = [
  { start: '2026-09-02', end: '2026-10-23' },
  { start: '2026-11-02', end: '2026-12-18' },
  { start: '2027-01-05', end: '2027-02-12' },
  { start: '2027-02-22', end: '2027-03-25' },
  { start: '2027-04-12', end: '2027-05-28' },
  { start: '2027-06-07', end: '2027-07-21' },
];
const TERM_NAMES_2026_27 = ['Autumn 1', 'Autumn 2', 'Spring 1', 'Spring 2', 'Summer 1', 'Summer 2'];

/**
 * England and Wales, the 2026/27 school year above (Wed 2 Sep 2026 - Wed 21 Jul 2027) with one
 * INSET day, Tue 5 Jan 2027 (the first day of spring term: in term, not a school day).
 */
export const ENGLAND_2026_27 = {
  region: 'england-and-wales',
  terms: ENGLAND_2026_27_TERMS.map((t) => ({ ...t })),
  closures: ['2027-01-05'],
};

/**
 * England and Wales, only the first three terms of 2026/27 (Wed 2 Sep 2026 - Fri 12 Feb 2027):
 * October half term 26-30 Oct, Christmas 19 Dec - 4 Jan (bank holidays 25 Dec, 28 Dec, 1 Jan).
 * No INSET days: Tue 5 Jan 2027 is a school day here.
 */
export const ENGLAND_SEP_2026_TO_FEB_2027 = {
  region: 'england-and-wales',
  terms: ENGLAND_2026_27_TERMS.slice(0, 3).map((t) => ({ ...t })),
};

/**
 * An English (Leicester) 2026/27 school calendar, as a subscribing primary would enter it:
 * October half term 26-30 Oct, Christmas 21 Dec - 4 Jan (INSET day Tue 5 Jan), February half
 * term 15-19 Feb, Easter 29 Mar - 9 Apr (Good Friday 26 Mar, Easter Monday 29 Mar), May half
 * term 31 May - 4 Jun. The region is left to the pack's default (England and Wales). The terms
 * are those of ENGLAND_2026_27, named Autumn 1 .. Summer 2.
 */
export const LEICESTER_2026_27 = {
  terms: ENGLAND_2026_27_TERMS.map((t, i) => ({ ...t, name: TERM_NAMES_2026_27[i]! })),
  closures: ['2027-01-05'],
};

/**
 * A Manchester school's English term dates, 2025/26 to spring 1 2028 (Wed 3 Sep 2025 - Fri 11 Feb
 * 2028), with half terms, Christmas and Easter holidays, and one INSET day, Tue 5 Jan 2027 (as in
 * the nmat-panel fixture). Holidays besides those of ENGLAND_2026_27:
 *   2025/26  October half term Mon 27 - Fri 31 Oct 2025; Christmas Sat 20 Dec 2025 - Sun 4 Jan 2026
 *            (bank holidays 25, 26 Dec, 1 Jan); February half term Mon 16 - Fri 20 Feb;
 *            Easter holidays Mon 30 Mar - Fri 10 Apr 2026 (Good Friday 3 Apr, Easter Monday 6 Apr);
 *            early May bank holiday Mon 4 May (in term); May half term Mon 25 (bank holiday) - Fri 29 May;
 *            summer from Wed 22 Jul 2026 (Mon 31 Aug is the summer bank holiday)
 *   summer 2027 from Thu 22 Jul (Mon 30 Aug bank holiday); term resumes Thu 2 Sep 2027, no INSET day
 *   2027/28  October half term Mon 25 - Fri 29 Oct 2027; Christmas holidays Sat 18 Dec 2027 - Mon 3 Jan
 *            2028 (bank holidays Mon 27, Tue 28 Dec, Mon 3 Jan, all substitute days)
 */
export const ENGLAND_2025_TO_2028 = {
  region: 'england-and-wales',
  terms: [
    { start: '2025-09-03', end: '2025-10-24' },
    { start: '2025-11-03', end: '2025-12-19' },
    { start: '2026-01-05', end: '2026-02-13' },
    { start: '2026-02-23', end: '2026-03-27' },
    { start: '2026-04-13', end: '2026-05-22' },
    { start: '2026-06-01', end: '2026-07-21' },
    ...ENGLAND_2026_27_TERMS.map((t) => ({ ...t })),
    { start: '2027-09-02', end: '2027-10-22' },
    { start: '2027-11-01', end: '2027-12-17' },
    { start: '2028-01-04', end: '2028-02-11' },
  ],
  closures: ['2027-01-05'],
};

/**
 * England and Wales, the 2026/27 school year of test/fixtures/scenarios/nmat-panel.json plus the
 * summer term before it (Mon 1 Jun - Wed 22 Jul 2026; summer holiday to Tue 1 Sep, with the Mon
 * 31 Aug bank holiday) and the autumn half-term after it (2027/28 autumn 1, Wed 1 Sep - Fri 22 Oct
 * 2027). Two INSET days: Tue 5 Jan 2027 and Wed 1 Sep 2027 (first day of each term, in term but
 * not school days). Holidays as in ENGLAND_2026_27; summer 2027 runs Thu 22 Jul - Tue 31 Aug
 * (Mon 30 Aug is the summer bank holiday).
 */
export const ENGLAND_SUMMER_2026_TO_AUTUMN_2027 = {
  region: 'england-and-wales',
  terms: [
    { start: '2026-06-01', end: '2026-07-22' },
    ...ENGLAND_2026_27_TERMS.map((t) => ({ ...t })),
    { start: '2027-09-01', end: '2027-10-22' },
  ],
  closures: ['2027-01-05', '2027-09-01'],
};
