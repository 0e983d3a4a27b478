/**
 * Hearing dates (src/domain/hearing.ts) against the policies' own clocks. Every expected date is
 * counted by hand below from the calendar printed here, never copied from the engine.
 *
 * NMAT (school days) on ENGLAND_2026_27 (test/helpers/fold.ts):
 *   autumn 2 Mon 2 Nov - Fri 18 Dec 2026 (October half term Mon 26 - Fri 30 Oct before it);
 *   Christmas Sat 19 Dec - Mon 4 Jan (bank holidays Fri 25 Dec, Mon 28 Dec, Fri 1 Jan);
 *   Tue 5 Jan 2027 INSET day (in term, not a school day); spring 1 from Wed 6 Jan.
 * MIET (working days) with no term dates: every weekday but the England and Wales bank holidays.
 * MIAG (weeks): calendar days.
 */
import { describe, expect, it } from 'vitest';
import { SchoolCalendar, isTeachingDay } from '../../src/domain/calendar.js';
import { foldCase, type CaseEvent } from '../../src/domain/case.js';
import { dayNumber, parseWhen } from '../../src/domain/dates.js';
import {
  checkHearingTime,
  complainantAnswers,
  hearingWindow,
  proposeSlots,
  searchRange,
  type HearingWindow,
  type Interval,
  type SlotSearch,
} from '../../src/domain/hearing.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';
import { ENGLAND_2026_27, domainErrorOf as thrown } from '../helpers/fold.js';

const nmat = builtInPolicy('nmat');
const miet = builtInPolicy('miet');
const miag = builtInPolicy('miag');
const england = SchoolCalendar.from(ENGLAND_2026_27);
const workingDays = SchoolCalendar.from({ region: 'england-and-wales' });

/** School time on a calendar: "2026-12-14T09:00" -> epoch ms. */
const at = (cal: SchoolCalendar, text: string) => parseWhen(text, cal.timezone, 'test');
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/** The case state's deadlines after `events`, folded at `now`. */
function deadlinesOf(policy = nmat, calendar = england, events: CaseEvent[], now = '2026-11-30T12:00:00Z') {
  return foldCase({ policy, calendar, events, now: Date.parse(now) }).deadlines;
}

// NMAT Stage Four requested on Mon 30 Nov 2026.
// Hearing within 15 school days (§14): Tue 1 - Fri 4 Dec (4), Mon 7 - Fri 11 (9), Mon 14 - Fri 18
// (14); Christmas holidays; Mon 4 Jan holiday, Tue 5 Jan INSET; Wed 6 Jan (15) -> latest 2027-01-06.
const nmatRequested: CaseEvent[] = [{ type: 'received', at: '2026-11-30T09:00', stage: 4 }];
const nmatDeadlines = deadlinesOf(nmat, england, nmatRequested);
const nmatWindow = (today: string, deadlines = nmatDeadlines) => hearingWindow({ policy: nmat, calendar: england, stage: 4, today, deadlines });

describe('the hearing window', () => {
  it('NMAT: from the request day, the earliest date gives 10 school days of notice and the latest is the 15th school day, across Christmas and the INSET day', () => {
    const w = nmatWindow('2026-11-30');
    // Notice: 10 school days after Mon 30 Nov: 1..4 Dec (4), 7..11 (9), Mon 14 Dec (10). Papers (7)
    // would allow Wed 9 Dec and the companion request (2) Wed 2 Dec: the notice is what binds.
    expect(w).toMatchObject({ stage: 4, earliest: '2026-12-14', latest: '2027-01-06' });
    expect(w.earliestBecause).toMatch(/^at least 10 school days' notice of the hearing \(§14: "At least 10 school days before the Hearing/);
    expect(w.latestBecause).toMatch(
      /^the hearing must be held within 15 school days of the stage 4 request \(§14: "They will aim to convene a Hearing within fifteen school days/,
    );
  });

  it('NMAT: when the clerk starts late, the earliest date with full notice can fall after the latest date, and the window says so as it is', () => {
    // From Wed 9 Dec: 10 (1), 11 (2), 14..18 (7), Christmas, 5 Jan INSET, 6 (8), 7 (9), Fri 8 Jan (10).
    const w = nmatWindow('2026-12-09');
    expect(w).toMatchObject({ earliest: '2027-01-08', latest: '2027-01-06' });
  });

  it('NMAT: an extended hearing deadline moves the latest date and the reason keeps the policy date', () => {
    const deadlines = deadlinesOf(nmat, england, [
      ...nmatRequested,
      { type: 'deadline_extended', at: '2026-12-01T10:00', kind: 'hearing', due: '2027-01-13', reason: 'panel member ill' },
    ]);
    const w = nmatWindow('2026-12-01', deadlines);
    // Earliest from Tue 1 Dec: 2..4 (3), 7..11 (8), Mon 14 (9), Tue 15 Dec (10).
    expect(w).toMatchObject({ earliest: '2026-12-15', latest: '2027-01-13' });
    expect(w.latestBecause).toMatch(
      /^the deadline was extended to 2027-01-13 \(the policy's date was 2027-01-06: the hearing must be held within 15 school days/,
    );
  });

  it('MIET: the papers must go out 3 working days before, counted over the Christmas bank holidays', () => {
    // Stage 3 requested Mon 14 Dec 2026. Hearing within 14 working days: 15..18 (4), 21..24 (8),
    // Fri 25 and Mon 28 Dec bank holidays, 29..31 (11), Fri 1 Jan bank holiday, Mon 4 (12), Tue 5 (13), Wed 6 Jan (14).
    const deadlines = deadlinesOf(miet, workingDays, [{ type: 'received', at: '2026-12-14T09:00', stage: 3 }], '2026-12-24T12:00:00Z');
    const w = hearingWindow({ policy: miet, calendar: workingDays, stage: 3, today: '2026-12-24', deadlines });
    // Papers from Thu 24 Dec: Tue 29 (1), Wed 30 (2), Thu 31 Dec (3).
    expect(w).toMatchObject({ earliest: '2026-12-31', latest: '2027-01-06' });
    expect(w.earliestBecause).toMatch(/^the papers must go out at least 3 working days before the hearing \(Stage 3: "Copies of such details/);
    expect(w.latestBecause).toMatch(/within 14 working days of the stage 3 request/);
  });

  it('MIET at a school that enters its term dates: a working-day count that lands in the holidays moves to the next school day', () => {
    const deadlines = deadlinesOf(miet, england, [{ type: 'received', at: '2026-12-14T09:00', stage: 3 }], '2026-12-24T12:00:00Z');
    const w = hearingWindow({ policy: miet, calendar: england, stage: 3, today: '2026-12-24', deadlines });
    // Thu 31 Dec is in the Christmas holidays; Mon 4 Jan too; Tue 5 Jan is the INSET day: Wed 6 Jan.
    expect(w.earliest).toBe('2027-01-06');
  });

  it('MIAG: with no hearing deadline, the panel must have met within the 4 weeks it has to decide, and nothing but the next working day holds it off', () => {
    const deadlines = deadlinesOf(miag, workingDays, [{ type: 'received', at: '2026-11-30T09:00', stage: 3 }]);
    const w = hearingWindow({ policy: miag, calendar: workingDays, stage: 3, today: '2026-11-30', deadlines });
    // 4 weeks after Mon 30 Nov is Mon 28 Dec (a bank holiday, but the policy counts weeks).
    expect(w).toMatchObject({ earliest: '2026-12-01', latest: '2026-12-28', earliestBecause: 'the first working day after today' });
    expect(w.latestBecause).toMatch(/^the panel must meet and decide within 4 weeks of the stage 3 request \(Time scale: "Stage 3 1-4 weeks"/);
  });

  it('refuses a stage without a hearing, a malformed date and missing deadlines, naming the field', () => {
    expect(thrown(() => hearingWindow({ policy: nmat, calendar: england, stage: 2, today: '2026-11-30', deadlines: [] }))).toMatchObject({
      field: 'stage',
      message: expect.stringMatching(/stage 2 of nmat has no panel hearing/),
    });
    expect(thrown(() => hearingWindow({ policy: nmat, calendar: england, stage: 9, today: '2026-11-30', deadlines: [] })).field).toBe('stage');
    expect(thrown(() => nmatWindow('30/11/2026')).field).toBe('today');
    expect(thrown(() => nmatWindow('2026-11-30', [])).field).toBe('deadlines');
  });
});

describe('teaching days (shared with the deadline jobs)', () => {
  it('are school days inside the span of the terms, and working days outside it or with no terms', () => {
    const d = dayNumber;
    expect(isTeachingDay(england, d('2026-12-18'))).toBe(true);
    expect(isTeachingDay(england, d('2026-12-21'))).toBe(false); // Christmas holidays
    expect(isTeachingDay(england, d('2027-01-05'))).toBe(false); // INSET
    expect(isTeachingDay(england, d('2027-07-26'))).toBe(true); // after the last term: a working day
    expect(isTeachingDay(workingDays, d('2026-12-28'))).toBe(false); // Boxing Day substitute
    expect(isTeachingDay(workingDays, d('2031-01-06'))).toBe(true); // beyond the known bank holidays: a weekday
  });
});

describe('proposing hearing slots', () => {
  // December in London is GMT: school time and UTC agree, which keeps the hand-written instants readable.
  const window = { earliest: '2026-12-14', latest: '2027-01-06' };
  const search = (busy: Interval[][], more: Partial<SlotSearch> = {}): SlotSearch => ({ calendar: england, window, durationMinutes: 120, busy, ...more });
  const busy = (from: string, to: string): Interval => ({ start: at(england, from), end: at(england, to) });
  const allDay = (date: string) => busy(`${date}T00:00`, `${date}T23:59`);
  const slots = (s: SlotSearch) => proposeSlots(s).map((x) => `${x.date} ${iso(x.start)}-${iso(x.end).slice(11)}${x.insideWindow ? '' : ' outside'}`);

  it('with everyone free, offers the first start of the first three school days of the window, one a day', () => {
    expect(slots(search([[], [], []]))).toEqual([
      '2026-12-14 2026-12-14T09:00-11:00',
      '2026-12-15 2026-12-15T09:00-11:00',
      '2026-12-16 2026-12-16T09:00-11:00',
    ]);
  });

  it("members' meetings push the slot to the first half hour where all three and the organiser are free for the whole hearing", () => {
    const a = [busy('2026-12-14T09:00', '2026-12-14T10:15'), busy('2026-12-16T09:00', '2026-12-16T15:30')];
    const b = [busy('2026-12-14T10:00', '2026-12-14T12:00'), busy('2026-12-17T11:00', '2026-12-17T12:00')];
    const c = [busy('2026-12-14T12:30', '2026-12-14T13:00')];
    const organiser = [allDay('2026-12-15')];
    expect(slots(search([a, b, c, organiser]))).toEqual([
      '2026-12-14 2026-12-14T13:00-15:00', // 09:00-12:00 and 12:30-13:00 are taken; 12:00 would run into 12:30
      // Tue 15: the organiser is out. Wed 16: free from 15:30, but two hours would end after 17:00.
      '2026-12-17 2026-12-17T09:00-11:00', // ends as b's 11:00 meeting starts: free
      '2026-12-18 2026-12-18T09:00-11:00',
    ]);
  });

  it('skips the weekend, the Christmas holidays and bank holidays and the INSET day, then offers days after the latest date flagged as outside the window', () => {
    const full = ['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18'].map(allDay);
    // Inside the window only Wed 6 Jan is left; then Thu 7 and Fri 8 Jan, past the latest date.
    expect(slots(search([full]))).toEqual([
      '2027-01-06 2027-01-06T09:00-11:00',
      '2027-01-07 2027-01-07T09:00-11:00 outside',
      '2027-01-08 2027-01-08T09:00-11:00 outside',
    ]);
    expect(slots(search([full], { beyondDays: 1 }))).toEqual(['2027-01-06 2027-01-06T09:00-11:00', '2027-01-07 2027-01-07T09:00-11:00 outside']);
    expect(slots(search([full], { beyondDays: 0 }))).toEqual(['2027-01-06 2027-01-06T09:00-11:00']);
  });

  it('at a school without term dates, bank holidays and weekends are skipped but the days a school would be on holiday are not', () => {
    const s = { calendar: workingDays, window: { earliest: '2026-12-31', latest: '2027-01-06' }, durationMinutes: 60, busy: [] };
    // Thu 31 Dec; Fri 1 Jan bank holiday; the weekend; Mon 4 Jan.
    expect(proposeSlots(s).map((x) => x.date)).toEqual(['2026-12-31', '2027-01-04', '2027-01-05']);
  });

  it('never offers a start before now: the next half hour today, or tomorrow when the rest of today is too short', () => {
    expect(slots(search([], { notBefore: at(england, '2026-12-14T10:10'), max: 1 }))).toEqual(['2026-12-14 2026-12-14T10:30-12:30']);
    expect(slots(search([], { notBefore: at(england, '2026-12-14T15:10'), max: 1 }))).toEqual(['2026-12-15 2026-12-15T09:00-11:00']);
    // A "now" days into the window starts the search there.
    expect(slots(search([], { notBefore: at(england, '2026-12-17T08:00'), max: 2 }))).toEqual([
      '2026-12-17 2026-12-17T09:00-11:00',
      '2026-12-18 2026-12-18T09:00-11:00',
    ]);
  });

  it('when the window is already missed, offers nothing before the earliest date (that would cut the notice short)', () => {
    expect(slots(search([], { window: { earliest: '2027-01-08', latest: '2027-01-06' } }))).toEqual([
      '2027-01-08 2027-01-08T09:00-11:00 outside',
      '2027-01-11 2027-01-11T09:00-11:00 outside',
      '2027-01-12 2027-01-12T09:00-11:00 outside',
    ]);
  });

  it('with no latest date, searches the next school days, all inside the window', () => {
    const s = search([], { window: { earliest: '2026-12-17', latest: null }, max: 3 });
    expect(proposeSlots(s).map((x) => [x.date, x.insideWindow])).toEqual([
      ['2026-12-17', true],
      ['2026-12-18', true],
      ['2027-01-06', true],
    ]);
    expect(proposeSlots({ ...s, busy: [[busy('2026-12-17T00:00', '2027-01-07T00:00')]], searchDays: 3 })).toEqual([]);
  });

  it('starts at 09:00 school time on both sides of the autumn clock change (London) and on a school day when the clocks change (Jerusalem)', () => {
    // Clocks go back on Sun 25 Oct 2026: Fri 23 Oct is BST (09:00 = 08:00 UTC), Mon 26 Oct GMT.
    const london = proposeSlots({
      calendar: workingDays,
      window: { earliest: '2026-10-23', latest: '2026-10-26' },
      durationMinutes: 60,
      beyondDays: 0,
      busy: [],
    });
    expect(london.map((x) => iso(x.start))).toEqual(['2026-10-23T08:00', '2026-10-26T09:00']);
    // Israel moves to summer time at 02:00 on Fri 27 Mar 2026, a working day here: 09:00 is 06:00 UTC
    // that day (UTC+3), 07:00 UTC the day before (UTC+2); the last start for 2 hours is 15:00 local.
    const jerusalem = SchoolCalendar.from({ region: 'england-and-wales', timezone: 'Asia/Jerusalem' });
    const slots2 = proposeSlots({
      calendar: jerusalem,
      window: { earliest: '2026-03-26', latest: '2026-03-27' },
      durationMinutes: 120,
      beyondDays: 0,
      busy: [[{ start: Date.parse('2026-03-27T06:00Z'), end: Date.parse('2026-03-27T11:50Z') }]],
    });
    expect(slots2.map((x) => iso(x.start))).toEqual(['2026-03-26T07:00', '2026-03-27T12:00']); // 15:00 local on the 27th
    const late = proposeSlots({
      calendar: jerusalem,
      window: { earliest: '2026-03-27', latest: '2026-03-27' },
      durationMinutes: 120,
      beyondDays: 0,
      busy: [[{ start: Date.parse('2026-03-27T06:00Z'), end: Date.parse('2026-03-27T12:01Z') }]],
    });
    expect(late).toEqual([]); // 15:30 local would end at 17:30
  });

  it('searchRange covers exactly the days searched, so free/busy is asked for no more and no less', () => {
    // Window 14 Dec - 6 Jan, then 10 school days beyond: 7, 8, 11..15, 18, 19, Wed 20 Jan.
    const r = searchRange({ calendar: england, window, durationMinutes: 120 });
    expect([iso(r.start), iso(r.end)]).toEqual(['2026-12-14T09:00', '2027-01-20T17:00']);
    const now = at(england, '2026-12-14T10:10');
    expect(searchRange({ calendar: england, window, durationMinutes: 120, notBefore: now }).start).toBe(now);
    // Every slot offered lies inside it, however busy people are.
    const full = ['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18', '2027-01-06', '2027-01-07', '2027-01-08', '2027-01-11'].map(allDay);
    const offered = proposeSlots(search([full], { max: 10 }));
    expect(offered.map((x) => x.date)).toEqual(['2027-01-12', '2027-01-13', '2027-01-14', '2027-01-15', '2027-01-18', '2027-01-19', '2027-01-20']);
    expect(offered.every((x) => x.start >= r.start && x.end <= r.end)).toBe(true);
  });

  it('refuses a hearing that cannot fit in the day, a step of nothing and a malformed window date, naming the field', () => {
    expect(thrown(() => proposeSlots(search([], { durationMinutes: 540 })))).toMatchObject({
      field: 'durationMinutes',
      message: expect.stringMatching(/a hearing of 540 minutes does not fit between 09:00 and 17:00/),
    });
    expect(thrown(() => proposeSlots(search([], { durationMinutes: 0 }))).field).toBe('durationMinutes');
    expect(thrown(() => proposeSlots(search([], { stepMinutes: 0 }))).field).toBe('stepMinutes');
    expect(thrown(() => searchRange({ calendar: england, window: { earliest: '14 Dec', latest: null }, durationMinutes: 60 })).field).toBe('window.earliest');
  });
});

describe('checking a hearing time the clerk typed', () => {
  const window = nmatWindow('2026-11-30'); // 14 Dec - 6 Jan, as above
  const check = (from: string, to: string, w: HearingWindow = window, cal = england) => checkHearingTime(cal, w, at(cal, from), at(cal, to));

  it('accepts a school day inside the window in school hours', () => {
    expect(check('2026-12-15T10:00', '2026-12-15T12:00')).toEqual({ insideWindow: true, problems: [] });
    expect(check('2026-12-15T15:00', '2026-12-15T17:00').problems).toEqual([]); // ending at 17:00 is fine
  });

  it('says why a day is not a school day: a weekend, a bank holiday, the INSET day, the holidays', () => {
    expect(check('2026-12-19T10:00', '2026-12-19T12:00').problems).toEqual(['2026-12-19 is not a school day: it is a Saturday']);
    expect(check('2026-12-25T10:00', '2026-12-25T12:00').problems).toEqual(['2026-12-25 is not a school day: it is a bank holiday (Christmas Day)']);
    expect(check('2027-01-05T10:00', '2027-01-05T12:00').problems).toEqual([
      '2027-01-05 is not a school day: the school is closed that day (an INSET or snow day)',
    ]);
    const holiday = check('2026-12-22T10:00', '2026-12-22T12:00');
    expect(holiday).toEqual({ insideWindow: true, problems: ['2026-12-22 is not a school day: it is in the school holidays'] });
    expect(checkHearingTime(workingDays, window, at(workingDays, '2026-12-28T10:00'), at(workingDays, '2026-12-28T11:00')).problems).toEqual([
      '2026-12-28 is not a working day: it is a bank holiday (Boxing Day (substitute day))',
    ]);
  });

  it('says when a date is before the earliest or after the latest, with the policy reason', () => {
    const early = check('2026-12-10T10:00', '2026-12-10T12:00');
    expect(early.insideWindow).toBe(false);
    expect(early.problems).toEqual([`2026-12-10 is before 2026-12-14, the earliest date the policy allows: ${window.earliestBecause}`]);
    expect(early.problems[0]).toMatch(/at least 10 school days' notice/);
    const late = check('2027-01-07T10:00', '2027-01-07T12:00');
    expect(late.insideWindow).toBe(false);
    expect(late.problems).toEqual([`2027-01-07 is after 2027-01-06, the latest date the policy allows: ${window.latestBecause}`]);
  });

  it('says when the hearing is outside 09:00 to 17:00 school time, or ends before it starts', () => {
    expect(check('2026-12-16T08:30', '2026-12-16T10:00').problems).toEqual([
      'the hearing must be between 09:00 and 17:00 school time; this one runs from 08:30 to 10:00',
    ]);
    expect(check('2026-12-16T16:00', '2026-12-16T17:30').problems).toEqual([
      'the hearing must be between 09:00 and 17:00 school time; this one runs from 16:00 to 17:30',
    ]);
    expect(check('2026-12-16T12:00', '2026-12-16T11:00').problems).toEqual(['the hearing must end after it starts']);
  });

  it('lists every problem at once', () => {
    expect(check('2027-01-09T18:00', '2027-01-09T19:00').problems).toHaveLength(3); // a Saturday, after the latest, in the evening
  });
});

describe("the complainant's answers to proposed dates (NMAT §14)", () => {
  const rule = nmat.stages[3]!.panel!.proposedDates!; // 5 school days to answer, 3 rejections
  // Offered Wed 21 Oct 2026: Thu 22 (1), Fri 23 (2), October half term, Mon 2 Nov (3), Tue 3 (4), Wed 4 Nov (5).
  // Offered Thu 5 Nov: Fri 6 (1), Mon 9 .. Thu 12 Nov (5).
  const declined = { hearingOn: '2026-11-16', offeredOn: '2026-10-21', answer: 'declined' } as const;
  const silent = { hearingOn: '2026-11-18', offeredOn: '2026-10-21', answer: 'none' } as const;
  const third = { hearingOn: '2026-11-25', offeredOn: '2026-11-05', answer: 'none' } as const;

  it('counts the time to answer in school days across the half term: on the last day the date is still awaited', () => {
    const a = complainantAnswers(rule, england, [silent], '2026-11-04');
    expect(a).toEqual({ dates: [{ ...silent, status: 'awaiting', answerBy: '2026-11-04' }], rejected: 0, mayProceedInAbsence: false });
  });

  it('a declined date and one left unanswered past its day are rejected; a newer one is awaited', () => {
    const a = complainantAnswers(rule, england, [declined, silent, third], '2026-11-05');
    expect(a.dates.map((d) => [d.status, d.because, d.answerBy])).toEqual([
      ['rejected', 'declined', '2026-11-04'],
      ['rejected', 'no_answer', '2026-11-04'],
      ['awaiting', undefined, '2026-11-12'],
    ]);
    expect(a).toMatchObject({ rejected: 2, mayProceedInAbsence: false });
  });

  it('when the third proposed date is left unanswered past its day, the panel may proceed without the complainant', () => {
    expect(complainantAnswers(rule, england, [declined, silent, third], '2026-11-12')).toMatchObject({ rejected: 2, mayProceedInAbsence: false });
    const a = complainantAnswers(rule, england, [declined, silent, third], '2026-11-13');
    expect(a).toMatchObject({ rejected: 3, mayProceedInAbsence: true });
    expect(a.dates[2]).toMatchObject({ status: 'rejected', because: 'no_answer' });
  });

  it('an accepted or tentatively accepted date is accepted when the answer came by the day to answer by', () => {
    const a = complainantAnswers(
      rule,
      england,
      [
        { ...silent, answer: 'accepted', answeredOn: '2026-11-04' },
        { ...third, answer: 'tentativelyAccepted' },
      ],
      '2026-12-01',
    );
    expect(a.dates.map((d) => d.status)).toEqual(['accepted', 'accepted']);
    expect(a.rejected).toBe(0);
  });

  it('a yes after the day to answer by is accepted late, not rejected: two declined dates and a third accepted late never let the hearing go ahead without the complainant', () => {
    // Offered Wed 25, Thu 26, Fri 27 Nov: answer by Wed 2, Thu 3, Fri 4 Dec (five school days each: 26, 27, 30 Nov, 1, 2 Dec; and so on).
    const dates = [
      { hearingOn: '2026-12-09', offeredOn: '2026-11-25', answer: 'declined', answeredOn: '2026-11-26' },
      { hearingOn: '2026-12-10', offeredOn: '2026-11-26', answer: 'declined', answeredOn: '2026-11-27' },
      { hearingOn: '2026-12-14', offeredOn: '2026-11-27', answer: 'accepted', answeredOn: '2026-12-07' },
    ] as const;
    const a = complainantAnswers(rule, england, [...dates], '2026-12-07');
    expect(a.dates.map((d) => [d.status, d.because, d.answerBy])).toEqual([
      ['rejected', 'declined', '2026-12-02'],
      ['rejected', 'declined', '2026-12-03'],
      ['accepted_late', undefined, '2026-12-04'],
    ]);
    expect(a).toMatchObject({ rejected: 2, mayProceedInAbsence: false });
    // Tentatively, late: the same. A no after the day still counts as no answer in time.
    expect(complainantAnswers(rule, england, [{ ...dates[2], answer: 'tentativelyAccepted' }], '2026-12-07').dates[0]!.status).toBe('accepted_late');
    expect(complainantAnswers(rule, england, [{ ...dates[2], answer: 'declined' }], '2026-12-07').dates[0]).toMatchObject({
      status: 'rejected',
      because: 'no_answer',
    });
    // On the day to answer by, a yes is in time.
    expect(complainantAnswers(rule, england, [{ ...dates[2], answeredOn: '2026-12-04' }], '2026-12-07').dates[0]!.status).toBe('accepted');
  });

  it('refuses an answer it does not know and a malformed date, naming the field', () => {
    expect(thrown(() => complainantAnswers(rule, england, [{ ...silent, answer: 'maybe' as 'none' }], '2026-11-05')).field).toBe('dates[0].answer');
    expect(thrown(() => complainantAnswers(rule, england, [declined, { ...third, offeredOn: '5 Nov' }], '2026-11-05')).field).toBe('dates[1].offeredOn');
  });
});
