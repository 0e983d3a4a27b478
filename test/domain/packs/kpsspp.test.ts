/**
 * KPSSPP (King's Park Secondary School Parent Partnership, Glasgow) complaints procedure,
 * tested against the policy text in /work/shared/seeds/002_*.txt.
 *
 * Every clock in this policy is in plain days or weeks ("within five days", "within 2 weeks",
 * "4 weeks"): KPSSPP is a voluntary parents' body, so weekends, Scottish bank holidays
 * (St Andrew's Day, Christmas, 2 January) and the school's holidays do not stop the count.
 * "Within N days of A" is the Nth calendar day strictly after A's local (Glasgow) date.
 */
import { describe, expect, it } from 'vitest';
import { builtInPolicy } from '../../../src/domain/packs/index.js';
import { deadlineOf as deadline, domainErrorOf, simulateWith, type Ev } from '../../helpers/fold.js';

/**
 * Glasgow City Council's 2026/27 school year (as a Glasgow secondary's calendar would be entered):
 * in-service days 17-18 Aug, September weekend 25 + 28 Sep, October week 12-16 Oct,
 * Christmas 23 Dec - 5 Jan, February mid-term 15-16 Feb + in-service 17 Feb, spring break
 * 26 Mar (Good Friday) - 9 Apr, summer from 26 Jun. The region is left to the pack's default.
 */
const GLASGOW_2026_27 = {
  terms: [
    { start: '2026-08-17', end: '2026-10-09', name: 'Autumn 1' },
    { start: '2026-10-19', end: '2026-12-22', name: 'Autumn 2' },
    { start: '2027-01-06', end: '2027-02-12', name: 'Winter' },
    { start: '2027-02-17', end: '2027-03-25', name: 'Spring' },
    { start: '2027-04-12', end: '2027-06-25', name: 'Summer' },
  ],
  closures: ['2026-08-17', '2026-08-18', '2026-09-25', '2026-09-28', '2027-02-17'],
};

/** A fixed clock far in the future: only scenarios that give `now` may assert `overdue`. */
const run = simulateWith('kpsspp', GLASGOW_2026_27, '2030-06-01T12:00:00Z');

describe('KPSSPP pack: who it is and where it counts', () => {
  it('counts in Scotland (Europe/London) unless a calendar says otherwise, and keeps records for one year', () => {
    const p = builtInPolicy('kpsspp');
    // Glasgow parent council: Scottish bank holidays, UK time.
    expect(p.defaults).toEqual({ region: 'scotland', timezone: 'Europe/London' });
    // Recording of any complaints: "stored in KPSSPP's Google Drive for up to one year after the complaint"
    expect(p.retention.years).toBe(1);
    // Two stages only: "Stage two is the final stage of the complaints process"
    expect(p.stages.map((s) => s.handler)).toEqual(['subgroup', 'external_investigator']);
  });

  it('has Stage One investigated by three members picked at random, leaving out anyone named in the complaint, without a hearing', () => {
    // Stage One: "Three King's Park Secondary School Parent Partnership member names will be picked at
    // random (excluding any member mentioned in the complaint) to carry out the investigation."
    const panel = builtInPolicy('kpsspp').stages[0]!.panel!;
    expect(panel).toMatchObject({ minMembers: 3, maxMembers: 3, selection: 'random', pool: 'member', excludeInvolved: true, hearing: false });
  });
});

describe('KPSSPP Stage One clocks', () => {
  it('when a complaint about a member is received, the subgroup handles it, the Chairperson must acknowledge within five days and the subgroup has two weeks', () => {
    // Received Mon 2 Nov 2026 10:00.
    const out = run([{ type: 'received', at: '2026-11-02T10:00', stage: 1 }], { about: 'member', now: '2026-11-05T12:00' });
    expect(out).toMatchObject({ status: 'open', stage: 1, handlerRole: 'subgroup', receivedOn: '2026-11-02', stageReceivedOn: '2026-11-02', closedOn: null, outcome: null, retainUntil: null, flags: [] });
    // Receiving Complaints: "KPSSPP Chairperson will acknowledge receipt of the complaint within five days"
    // 3,4,5,6,7 Nov -> Sat 7 Nov (a Saturday still counts: plain days).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'chairperson', due: '2026-11-07', metOn: null, overdue: false, late: false });
    // Receiving Complaints: "advise on the timeframe for investigating complaints (two weeks – see procedure)";
    // Stage One: "... how long it will take (within 2 weeks)". 2 Nov + 14 days = Mon 16 Nov.
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'subgroup', due: '2026-11-16', metOn: null, overdue: false, late: false });
    // Stage two only starts when the subgroup cannot decide, so nothing else is due yet.
    expect(out.deadlines).toHaveLength(2);
  });

  it('when the five days end on St Andrew\'s Day, the acknowledgement is still due that day and is overdue the next morning', () => {
    // Received Wed 25 Nov 2026. "within five days": 26, 27, 28 (Sat), 29 (Sun), 30 Nov (Mon, St Andrew's
    // Day, a Scottish bank holiday) -> due Mon 30 Nov. Days are not working days, so the holiday does not move it.
    const out = run([{ type: 'received', at: '2026-11-25T14:00', stage: 1 }], { now: '2026-12-01T09:00' });
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'chairperson', due: '2026-11-30', metOn: null, overdue: true, late: true });
    // "(within 2 weeks)": 25 Nov + 14 days = Wed 9 Dec; not yet due on 1 Dec.
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-12-09', overdue: false, late: false });
  });

  it('is not overdue at any time on the fifth day itself', () => {
    // Received Wed 25 Nov 2026 -> acknowledgement due Mon 30 Nov (see above); at 23:30 that day it is still in time.
    const out = run([{ type: 'received', at: '2026-11-25T14:00', stage: 1 }], { now: '2026-11-30T23:30' });
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-11-30', overdue: false, late: false });
  });

  it('when a complaint arrives just before Christmas, five days and two weeks run straight through Christmas and New Year', () => {
    // Received Mon 21 Dec 2026 16:00 (the school breaks up on Tue 22 Dec; KPSSPP does not stop).
    // Five days: 22, 23, 24, 25 (Christmas Day), 26 Dec (Sat) -> due Sat 26 Dec 2026.
    // Two weeks: 21 Dec + 14 = Mon 4 Jan 2027, which is Scotland's "2nd January (substitute day)" bank
    // holiday; calendar days ignore it (and Boxing Day substitute 28 Dec, New Year's Day 1 Jan).
    const out = run(
      [
        { type: 'received', at: '2026-12-21T16:00', stage: 1 },
        { type: 'acknowledged', at: '2026-12-29T10:00' },
      ],
      { now: '2027-01-05T09:00' },
    );
    // Receiving Complaints: "acknowledge receipt of the complaint within five days" -- met on 29 Dec, three days late.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-12-26', metOn: '2026-12-29', overdue: false, late: true });
    // Stage One "(within 2 weeks)": no decision by Tue 5 Jan -> overdue.
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2027-01-04', metOn: null, overdue: true, late: true });
    expect(out.flags).toEqual([]);
  });

  it('when a complaint is emailed on Christmas Day, outside term, it counts from Christmas Day', () => {
    // Receiving Complaints: "all complaints should be submitted by email" -- a voluntary body's inbox has no
    // term time, so receipt is the day it arrives. Fri 25 Dec 2026 + 5 days = Wed 30 Dec; + 14 days = Fri 8 Jan 2027.
    const out = run([{ type: 'received', at: '2026-12-25T11:00', stage: 1 }]);
    expect(out.receivedOn).toBe('2026-12-25');
    expect(out.flags).not.toContain('received_outside_term');
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-12-30');
    expect(deadline(out, 1, 'respond').due).toBe('2027-01-08');
  });

  it('when an email arrives at 23:30 UTC on the night the clocks go back, the days count from the Glasgow date (25 October)', () => {
    // 2026-10-24T23:30Z is 00:30 BST on Sun 25 Oct 2026 (clocks go back at 02:00 BST that morning), so the
    // complaint is received on 25 Oct, not 24 Oct. Five days: 26..30 -> Fri 30 Oct. Two weeks: 25 Oct + 14 = Sun 8 Nov.
    const out = run([{ type: 'received', at: '2026-10-24T23:30Z', stage: 1 }]);
    expect(out.receivedOn).toBe('2026-10-25');
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-10-30');
    expect(deadline(out, 1, 'respond').due).toBe('2026-11-08');
  });

  it('when a full response comes before any acknowledgement, it also meets the acknowledgement', () => {
    // Receiving Complaints: "we would encourage resolution between the individuals involved ... with an option of
    // mediation from the Chairperson or Vice-Chairperson". Received Mon 2 Nov 2026, resolved Fri 6 Nov (within
    // the five days, due Sat 7 Nov): a reply to the complainant acknowledges receipt too.
    const out = run([
      { type: 'received', at: '2026-11-02T10:00', stage: 1 },
      { type: 'responded', at: '2026-11-06T18:00', outcome: 'resolved' },
    ]);
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-11-07', metOn: '2026-11-06', late: false });
  });
});

describe('KPSSPP routing: a complaint about the Chairperson', () => {
  it('when the complaint is about the Chairperson, the subgroup still investigates but the Vice-Chairperson owes the five-day acknowledgement', () => {
    // Received Wed 6 Jan 2027 (first day back at school). Five days: 7, 8, 9, 10, 11 -> Mon 11 Jan.
    // Two weeks: 6 Jan + 14 = Wed 20 Jan.
    const out = run([{ type: 'received', at: '2027-01-06T09:00', stage: 1 }], { about: 'chairperson' });
    // Stage One: "Three ... member names will be picked at random ... to carry out the investigation" -- the
    // subgroup handles it whoever the complaint is about.
    expect(out.handlerRole).toBe('subgroup');
    // Receiving Complaints: "KPSSPP Chairperson will acknowledge receipt ... with an option of mediation from the
    // Chairperson or Vice-Chairperson": the Chairperson cannot acknowledge a complaint about themselves, so the
    // Vice-Chairperson (the only other office named) does.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'vice_chairperson', due: '2027-01-11' });
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'subgroup', due: '2027-01-20' });
  });

  it('when the complaint is about the Vice-Chairperson (or a member), the Chairperson still owes the acknowledgement', () => {
    // Receiving Complaints: "KPSSPP Chairperson will acknowledge receipt of the complaint within five days".
    for (const about of ['vice_chairperson', 'member']) {
      const out = run([{ type: 'received', at: '2027-01-06T09:00', stage: 1 }], { about });
      expect(out.handlerRole).toBe('subgroup');
      expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'chairperson', due: '2027-01-11' });
    }
  });

  it('when a complaint about the Chairperson goes to Stage Two, the external investigator handles it and no Chairperson duty is left on the case', () => {
    // Stage two: "an external third party would be asked to investigate".
    const out = run(
      [
        { type: 'received', at: '2027-01-06T09:00', stage: 1 },
        { type: 'acknowledged', at: '2027-01-08T09:00' },
        { type: 'responded', at: '2027-01-20T17:00', outcome: 'undecided' },
      ],
      { about: 'chairperson' },
    );
    expect(out).toMatchObject({ stage: 2, handlerRole: 'external_investigator', stageReceivedOn: '2027-01-20' });
    // The Vice-Chairperson's acknowledgement was met in time (due Mon 11 Jan).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'vice_chairperson', metOn: '2027-01-08', late: false });
    // "Timescale for this would be 4 weeks": 20 Jan + 28 = Wed 17 Feb 2027.
    expect(deadline(out, 2, 'respond')).toMatchObject({ owner: 'external_investigator', due: '2027-02-17' });
    expect(out.deadlines.map((d) => d.owner)).not.toContain('chairperson');
  });
});

describe('KPSSPP Stage Two: when the subgroup cannot decide', () => {
  it('when the subgroup records "undecided", the complaint is raised to Stage Two that day and the external investigator has 4 weeks', () => {
    // Received Mon 11 Jan 2027: acknowledgement due Sat 16 Jan (12..16), decision due Mon 25 Jan (11 + 14).
    // Undecided on Fri 22 Jan 2027 17:00 -> Stage Two from 22 Jan; 4 weeks = 28 days -> Fri 19 Feb 2027
    // (runs through the February mid-term, 15-17 Feb, which KPSSPP does not observe).
    const out = run(
      [
        { type: 'received', at: '2027-01-11T09:00', stage: 1 },
        { type: 'acknowledged', at: '2027-01-13T09:00' },
        { type: 'responded', at: '2027-01-22T17:00', outcome: 'undecided' },
      ],
      { now: '2027-02-01T12:00' },
    );
    // Stage two: "If the complaints subgroup is unable to recommend a resolution or final decision due to the
    // complexity of the complaint, the complaint would be raised to stage two and an external third party would
    // be asked to investigate."
    expect(out).toMatchObject({ status: 'open', stage: 2, handlerRole: 'external_investigator', receivedOn: '2027-01-11', stageReceivedOn: '2027-01-22', closedOn: null, outcome: null, retainUntil: null });
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2027-01-16', metOn: '2027-01-13', late: false });
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2027-01-25', metOn: '2027-01-22', late: false, overdue: false });
    // Stage two: "If a complaint is raised to stage two, the complainant should be notified. Timescale for this would be 4 weeks."
    expect(deadline(out, 2, 'respond')).toMatchObject({ owner: 'external_investigator', due: '2027-02-19', metOn: null, overdue: false, late: false });
    // No time is given for the Stage Two notification, and there is no complainant escalation window:
    // exactly the two Stage One clocks and the Stage Two 4 weeks.
    expect(out.deadlines.map((d) => `${d.stage}:${d.kind}`)).toEqual(['1:acknowledge', '1:respond', '2:respond']);
  });

  it('when Stage Two runs over Christmas and New Year, the 4 weeks run straight through and it is overdue the day after', () => {
    // Received Fri 27 Nov 2026: acknowledgement due Wed 2 Dec (28,29,30 Nov,1,2 Dec), decision due Fri 11 Dec.
    // Undecided on Fri 11 Dec (the due day, so not late) -> Stage Two from 11 Dec:
    // 11 Dec + 28 days = 8 Jan 2027, counting through Christmas Day, Boxing Day (substitute Mon 28 Dec),
    // New Year's Day and the 2 January substitute holiday (Mon 4 Jan).
    const out = run(
      [
        { type: 'received', at: '2026-11-27T12:00', stage: 1 },
        { type: 'acknowledged', at: '2026-11-30T12:00' },
        { type: 'responded', at: '2026-12-11T16:00', outcome: 'undecided' },
      ],
      { now: '2027-01-09T10:00' },
    );
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-12-02', late: false });
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-12-11', metOn: '2026-12-11', late: false });
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-01-08', metOn: null, overdue: true, late: true });
  });

  it('when the external investigator decides, the case closes on that decision and the file is kept for one year', () => {
    // Same case as above: Stage Two due Fri 19 Feb 2027; decision (not upheld) on Thu 18 Feb 2027.
    const out = run([
      { type: 'received', at: '2027-01-11T09:00', stage: 1 },
      { type: 'acknowledged', at: '2027-01-13T09:00' },
      { type: 'responded', at: '2027-01-22T17:00', outcome: 'undecided' },
      { type: 'responded', at: '2027-02-18T11:00', outcome: 'not_upheld' },
    ]);
    // Stage two: "Stage two is the final stage of the complaints process."
    expect(out).toMatchObject({ status: 'closed', stage: 2, closedOn: '2027-02-18', outcome: 'not_upheld' });
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-02-19', metOn: '2027-02-18', late: false, overdue: false });
    // Recording of any complaints: "Once the complaint investigation is complete and closed ... stored ... for up
    // to one year after the complaint": 18 Feb 2027 + 1 year = 18 Feb 2028.
    expect(out.retainUntil).toBe('2028-02-18');
  });

  it('when the external investigator also cannot decide, Stage Two is still the final stage and the case closes', () => {
    // Stage two: "The external third party will decide between if the complaint is upheld, not upheld or
    // undecided" and "Stage two is the final stage".
    const out = run([
      { type: 'received', at: '2027-01-11T09:00', stage: 1 },
      { type: 'responded', at: '2027-01-22T17:00', outcome: 'undecided' },
      { type: 'responded', at: '2027-02-22T11:00', outcome: 'undecided' },
    ]);
    expect(out).toMatchObject({ status: 'closed', stage: 2, closedOn: '2027-02-22', outcome: 'undecided', retainUntil: '2028-02-22' });
    // 22 Jan + 28 = Fri 19 Feb; decided Mon 22 Feb -> late.
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-02-19', metOn: '2027-02-22', late: true });
  });

  it('when a Stage Two decision lands on 29 February, the one-year retention ends on 28 February the next year', () => {
    // Received Tue 1 Feb 2028; undecided Mon 14 Feb 2028 (due 1 Feb + 14 = 15 Feb); Stage Two from 14 Feb,
    // decided (upheld) Tue 29 Feb 2028. "up to one year after": 2029 has no 29 February, so the year ends on
    // 28 Feb 2029 (keeping it to 1 March would exceed "up to one year").
    const out = run([
      { type: 'received', at: '2028-02-01T09:00', stage: 1 },
      { type: 'responded', at: '2028-02-14T12:00', outcome: 'undecided' },
      { type: 'responded', at: '2028-02-29T12:00', outcome: 'upheld' },
    ]);
    expect(out).toMatchObject({ status: 'closed', closedOn: '2028-02-29', retainUntil: '2029-02-28' });
  });

  it('refuses any event after the Stage Two decision has closed the case', () => {
    // "Stage two is the final stage of the complaints process": nothing can follow the final decision.
    const err = domainErrorOf(() =>
      run([
        { type: 'received', at: '2027-01-11T09:00', stage: 1 },
        { type: 'responded', at: '2027-01-22T17:00', outcome: 'undecided' },
        { type: 'responded', at: '2027-02-18T11:00', outcome: 'upheld' },
        { type: 'escalation_requested', at: '2027-02-25T11:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[3].type');
    expect(err.message).toContain('events[3].type');
  });
});

describe('KPSSPP Stage One decisions', () => {
  it('when the complaint is resolved between the people involved, the case closes and is kept for one year', () => {
    // Receiving Complaints: "In the first instance, we would encourage resolution between the individuals involved".
    // Received Mon 2 Nov 2026, resolved Fri 6 Nov -> closed 6 Nov, kept until 6 Nov 2027.
    const out = run([
      { type: 'received', at: '2026-11-02T10:00', stage: 1 },
      { type: 'responded', at: '2026-11-06T18:00', outcome: 'resolved' },
    ]);
    expect(out).toMatchObject({ status: 'closed', stage: 1, closedOn: '2026-11-06', outcome: 'resolved', retainUntil: '2027-11-06' });
  });

  it('when the subgroup decides upheld or not upheld, that decision ends the complaint: there is no Stage Two to ask for', () => {
    // Stage One: "The subgroup will decide between them if the complaint is upheld, not upheld or undecided. They
    // will make their recommendation on a resolution/final decision to the Chairperson. KPSS Chairperson will then
    // notify the complainant ... of the outcome decided by the subgroup". Stage two only follows when the subgroup
    // "is unable to recommend a resolution or final decision". So a decided Stage One is the end of the procedure.
    for (const outcome of ['upheld', 'not_upheld']) {
      // Received Mon 2 Nov 2026; decided Fri 13 Nov (within 2 weeks, due 16 Nov) -> closed 13 Nov, kept to 13 Nov 2027.
      const events: Ev[] = [
        { type: 'received', at: '2026-11-02T10:00', stage: 1 },
        { type: 'acknowledged', at: '2026-11-03T10:00' },
        { type: 'responded', at: '2026-11-13T15:00', outcome },
      ];
      const out = run(events);
      expect(out).toMatchObject({ status: 'closed', stage: 1, outcome, closedOn: '2026-11-13', retainUntil: '2027-11-13' });
      // ... and the complainant cannot then push it to the external investigator.
      const err = domainErrorOf(() => run([...events, { type: 'escalation_requested', at: '2026-11-20T10:00' }]));
      expect(err.field).toBe('events[3].type');
    }
  });

  it('does not let the complainant move the case to Stage Two while the subgroup is still within its two weeks', () => {
    // Stage two is reached only when "the complaints subgroup is unable to recommend a resolution or final decision".
    // Received Mon 2 Nov 2026 (decision due 16 Nov); a request on 9 Nov is refused.
    const err = domainErrorOf(() =>
      run([
        { type: 'received', at: '2026-11-02T10:00', stage: 1 },
        { type: 'escalation_requested', at: '2026-11-09T10:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[1].type');
  });

  it('refuses a Stage One outcome the subgroup cannot reach (partially upheld, dismissed) or a decision with no outcome, naming the field', () => {
    // Stage One: "The subgroup will decide between them if the complaint is upheld, not upheld or undecided."
    for (const outcome of ['partially_upheld', 'dismissed', undefined]) {
      const err = domainErrorOf(() =>
        run([
          { type: 'received', at: '2026-11-02T10:00', stage: 1 },
          { type: 'responded', at: '2026-11-13T15:00', ...(outcome ? { outcome } : {}) },
        ]),
      );
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('events[1].outcome');
      expect(err.message).toContain('events[1].outcome');
    }
  });

  it('refuses a Stage Two outcome the external investigator cannot reach (partially upheld, dismissed), naming the field', () => {
    // Stage two: "The external third party will decide between if the complaint is upheld, not upheld or undecided."
    for (const outcome of ['partially_upheld', 'dismissed']) {
      const err = domainErrorOf(() =>
        run([
          { type: 'received', at: '2027-01-11T09:00', stage: 1 },
          { type: 'responded', at: '2027-01-22T17:00', outcome: 'undecided' },
          { type: 'responded', at: '2027-02-18T11:00', outcome },
        ]),
      );
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('events[2].outcome');
    }
  });
});

describe('KPSSPP scope and what the policy does not provide for', () => {
  it('sets no time limit for complaining: a complaint about something two years old is not flagged late', () => {
    // Definition of a Complaint: "any expression of dissatisfaction ... about any aspect of the work of KPSSPP";
    // the policy gives no time limit and excludes no category of complaint.
    const p = builtInPolicy('kpsspp');
    expect(p.scope.timeLimit).toBeUndefined();
    expect(p.scope.outOfScope).toEqual([]);
    const out = run([{ type: 'received', at: '2026-11-02T10:00', stage: 1 }], { incidentOn: '2024-10-01', category: 'staff_grievance' });
    expect(out.status).toBe('open');
    expect(out.flags).toEqual([]);
  });

  it('refuses to pause a complaint, naming the event', () => {
    // The procedure has no provision for putting a complaint on hold.
    const err = domainErrorOf(() =>
      run([
        { type: 'received', at: '2026-11-02T10:00', stage: 1 },
        { type: 'paused', at: '2026-11-04T10:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[1].type');
  });

  it('records a revised date for the two-week Stage One reply and keeps the policy date beside it', () => {
    // Receiving Complaints: the Chairperson will "advise on the timeframe for investigating complaints (two weeks)".
    // Any school may tell the complainant of a revised date (with a reason); the fold keeps the policy's date as originalDue.
    const out = run([
      { type: 'received', at: '2026-11-02T10:00', stage: 1 },
      { type: 'deadline_extended', at: '2026-11-10T10:00', kind: 'respond', due: '2026-11-30', reason: 'subgroup member ill' },
    ]);
    // 2 weeks after Mon 2 Nov 2026 = Mon 16 Nov.
    expect(out.deadlines.find((d) => d.stage === 1 && d.kind === 'respond')).toMatchObject({ due: '2026-11-30', originalDue: '2026-11-16' });
  });
});
