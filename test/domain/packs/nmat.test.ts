/**
 * The NMAT pack (src/domain/packs/nmat.ts) against the policy text
 * (/work/shared/seeds/004_*.txt, "Complaints Policy and Procedure (Statutory)", 15.05.24).
 *
 * Every expected date below is worked out by hand from the policy text and the calendar
 * printed here, never copied from the engine. Counting rules: "within N school days of A" is
 * the Nth school day strictly after A; "N school days before B" is the Nth school day strictly
 * before B. A school day is a weekday inside a term that is neither a bank holiday nor a closure.
 *
 * The calendar: the English 2026/27 school year of test/fixtures/scenarios/nmat-panel.json,
 * plus the summer term before it and the autumn half-term after it (for summer-holiday receipt).
 *
 *   2026-06-01 Mon .. 2026-07-22 Wed   summer 2 (2025/26)
 *   2026-07-23 .. 2026-09-01           summer holiday (Mon 31 Aug is the summer bank holiday)
 *   2026-09-02 Wed .. 2026-10-23 Fri   autumn 1      (clocks go back Sun 25 Oct, in half term)
 *   2026-10-24 .. 2026-11-01           October half term
 *   2026-11-02 Mon .. 2026-12-18 Fri   autumn 2
 *   2026-12-19 .. 2027-01-04           Christmas (bank holidays Fri 25 Dec, Mon 28 Dec, Fri 1 Jan)
 *   2027-01-05 Tue                     INSET day (in term, not a school day)
 *   2027-01-06 Wed .. 2027-02-12 Fri   spring 1
 *   2027-02-13 .. 2027-02-21           February half term
 *   2027-02-22 Mon .. 2027-03-25 Thu   spring 2      (clocks go forward Sun 28 Mar, in Easter)
 *   2027-03-26 .. 2027-04-11           Easter (Good Friday 26 Mar, Easter Monday 29 Mar)
 *   2027-04-12 Mon .. 2027-05-28 Fri   summer 1      (Mon 3 May is the early May bank holiday)
 *   2027-05-29 .. 2027-06-06           May half term (Mon 31 May spring bank holiday)
 *   2027-06-07 Mon .. 2027-07-21 Wed   summer 2
 *   2027-07-22 .. 2027-08-31           summer holiday (Mon 30 Aug is the summer bank holiday)
 *   2027-09-01 Wed                     INSET day
 *   2027-09-02 Thu .. 2027-10-22 Fri   autumn 1 (2027/28)
 */
import { describe, expect, it } from 'vitest';
import type { SimulateOutput } from '../../../src/app/simulate.js';
import { ENGLAND_SUMMER_2026_TO_AUTUMN_2027, deadlineOf as deadline, domainErrorOf as thrown, simulateWith } from '../../helpers/fold.js';

/** A type alias, not an interface, so that it fits the helper's `Record<string, unknown>` events. */
type Ev = {
  type: string;
  at: string;
  stage?: number;
  outcome?: string;
  hearingOn?: string;
  kind?: string;
  due?: string;
  reason?: string;
};
interface Facts {
  about?: string;
  category?: string;
  incidentOn?: string;
  lookedAfterChild?: boolean;
}

const runNmat = simulateWith('nmat', ENGLAND_SUMMER_2026_TO_AUTUMN_2027, '2030-06-01T12:00:00Z');

/** Runs an NMAT scenario. `now` is school time; without it the clock is fixed well after every case here. */
function run(events: Ev[], facts: Facts = {}, now?: string): SimulateOutput {
  return runNmat(events, { ...facts, now });
}

const received = (at: string, stage = 1): Ev => ({ type: 'received', at, stage });

/** A Stage Three complaint received Fri 6 Nov 2026 and answered Fri 20 Nov 2026 (as in nmat-panel.json). */
const stage3Answered: Ev[] = [
  received('2026-11-06T09:00', 3),
  { type: 'acknowledged', at: '2026-11-09T09:00' },
  { type: 'responded', at: '2026-11-20T15:00', outcome: 'not_upheld' },
];
/** ... and escalated to Stage Four on Tue 24 Nov 2026, inside the five-school-day window. */
const stage4Requested: Ev[] = [...stage3Answered, { type: 'escalation_requested', at: '2026-11-24T08:30' }];

describe('NMAT Stage One (informal)', () => {
  it('when a Stage One concern is received in term, it must be acknowledged within 2 school days and answered within 7 school days', () => {
    const out = run([received('2026-11-06T09:00')]);
    expect(out.status).toBe('open');
    expect(out.stage).toBe(1);
    // §11: "Concerns should be raised with either the teacher, Pastoral Managers / Head of Department ..."
    expect(out.handlerRole).toBe('teacher');
    expect(out.receivedOn).toBe('2026-11-06');
    // §11: "a complaint will be acknowledged by the within 2 school days of receipt of the complaint"
    // Fri 6 Nov -> Mon 9 (1), Tue 10 (2).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-11-10', owner: 'teacher', metOn: null });
    // §11: "will aim to provide an informal response within seven school days of the date of receipt"
    // Mon 9 (1), Tue 10 (2), Wed 11 (3), Thu 12 (4), Fri 13 (5), Mon 16 (6), Tue 17 (7).
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-11-17', owner: 'teacher' });
  });

  it('when a Stage One concern about a teacher is made, the head of school handles it and owes both deadlines', () => {
    const out = run([received('2026-11-06T09:00'), { type: 'acknowledged', at: '2026-11-09T10:00' }], { about: 'teacher' });
    // §3: "Complaints against academy staff (except the Head of School) should be made in the first instance, to the Head of School"
    expect(out.handlerRole).toBe('head_of_school');
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'head_of_school', due: '2026-11-10', metOn: '2026-11-09', late: false });
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'head_of_school', due: '2026-11-17' });
  });

  it('when a Stage One concern is resolved, the case closes with that outcome and is kept for six years', () => {
    const out = run([received('2026-11-06T09:00'), { type: 'responded', at: '2026-11-13T14:00', outcome: 'resolved' }]);
    expect(out.status).toBe('closed');
    expect(out.closedOn).toBe('2026-11-13');
    expect(out.outcome).toBe('resolved');
    // A response also acknowledges, but on Fri 13 Nov, after the ack was due (Tue 10 Nov): late.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ metOn: '2026-11-13', late: true });
    // The response (due Tue 17 Nov) came in time.
    expect(deadline(out, 1, 'respond')).toMatchObject({ metOn: '2026-11-13', late: false });
    // Privacy Notice: "keep personal data collected as part of the complaints process for six years upon closure"
    expect(out.retainUntil).toBe('2032-11-13');
  });

  it('when a Stage One concern is left unanswered past its 7th school day, the response is overdue the next morning but not on the due day itself', () => {
    const events = [received('2026-11-06T09:00')];
    // §11 seven school days: due Tue 17 Nov (see above).
    expect(deadline(run(events, {}, '2026-11-17T17:30'), 1, 'respond')).toMatchObject({ overdue: false, late: false });
    expect(deadline(run(events, {}, '2026-11-18T08:00'), 1, 'respond')).toMatchObject({ overdue: true, late: true });
  });

  it('when the Stage One response is not upheld, the complainant may go on to Stage Two with no time limit and no late_escalation flag', () => {
    const out = run([
      received('2026-11-02T09:00'),
      { type: 'responded', at: '2026-11-11T15:00', outcome: 'not_upheld' },
      // Two months later: §11 only says "If the issue remains unresolved, the next step is to make a formal complaint".
      { type: 'escalation_requested', at: '2027-01-11T09:00' },
    ], { about: 'teacher' });
    expect(out.stage).toBe(2);
    // §12: "This must be made to the Head of School (unless the complaint is about the Head of School)"
    expect(out.handlerRole).toBe('head_of_school');
    expect(out.receivedOn).toBe('2026-11-02');
    expect(out.stageReceivedOn).toBe('2027-01-11');
    expect(out.flags).not.toContain('late_escalation');
    expect(out.deadlines.some((d) => d.stage === 1 && d.kind === 'escalation_window')).toBe(false);
    // §12 "within two school days": Mon 11 Jan -> Tue 12 (1), Wed 13 (2).
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2027-01-13', owner: 'head_of_school' });
  });
});

describe('NMAT Stage Two (formal, Head of School)', () => {
  it('when a Stage Two complaint is received, the head of school acknowledges within 2 school days and responds within 10 school days', () => {
    const out = run([received('2026-11-02T09:00', 2)]);
    expect(out.handlerRole).toBe('head_of_school');
    // §12: "will acknowledge receipt of the complaint in writing within two school days". Mon 2 Nov -> Tue 3, Wed 4.
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2026-11-04', owner: 'head_of_school' });
    // §12: "a formal written response usually within 10 school days of the date of receipt"
    // Tue 3 (1), Wed 4, Thu 5, Fri 6 (4), Mon 9 .. Fri 13 (9), Mon 16 (10).
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2026-11-16', owner: 'head_of_school' });
  });

  it('when a Stage Two response goes past the 10th school day, it is overdue at the given now', () => {
    const out = run([received('2026-11-02T09:00', 2), { type: 'acknowledged', at: '2026-11-03T09:00' }], {}, '2026-11-17T09:00');
    // Due Mon 16 Nov (above); now is Tue 17 Nov.
    expect(deadline(out, 2, 'respond')).toMatchObject({ overdue: true, late: true, metOn: null });
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ overdue: false, late: false, metOn: '2026-11-03' });
  });

  it('when a Stage Two response is given, Stage Three can be requested later without any window (the text sets none)', () => {
    const out = run([
      received('2026-11-02T09:00', 2),
      { type: 'responded', at: '2026-11-16T12:00', outcome: 'partially_upheld' },
      { type: 'escalation_requested', at: '2026-12-14T09:00' },
    ]);
    // §13: "If the attempt to resolve the complaint at Stage Two have proved unsuccessful, a Stage Three complaint can be made"
    expect(out.stage).toBe(3);
    expect(out.handlerRole).toBe('executive_principal');
    expect(out.flags).not.toContain('late_escalation');
    expect(deadline(out, 2, 'respond')).toMatchObject({ metOn: '2026-11-16', late: false });
  });

  it('when the head of school cannot meet the 10-school-day response, a revised response date replaces it and the original is kept', () => {
    const out = run([
      received('2026-11-02T09:00', 2),
      { type: 'acknowledged', at: '2026-11-03T09:00' },
      // §12: "If the Head of School is unable to meet this deadline, they will provide the complainant with an update and revised response date."
      { type: 'deadline_extended', at: '2026-11-13T12:00', kind: 'respond', due: '2026-11-27', reason: 'witness on leave' },
    ], {}, '2026-11-20T12:00');
    // Original due Mon 16 Nov (above); now Fri 20 Nov is before the revised date.
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2026-11-27', originalDue: '2026-11-16', overdue: false, late: false });
  });

  it('when a revised response date is not later than the current one, or names a deadline the stage lacks, it is refused naming the field', () => {
    const early = thrown(() => run([received('2026-11-02T09:00', 2), { type: 'deadline_extended', at: '2026-11-03T12:00', kind: 'respond', due: '2026-11-16' }]));
    expect(early.code).toBe('INVALID_INPUT');
    expect(early.field).toBe('events[1].due');
    const kind = thrown(() => run([received('2026-11-02T09:00', 2), { type: 'deadline_extended', at: '2026-11-03T12:00', kind: 'hearing', due: '2026-11-30' }]));
    expect(kind.field).toBe('events[1].kind');
  });

  it('when a Stage Two response is overdue, the complainant still cannot skip to Stage Three without one (the text gives a revised date instead)', () => {
    // §12: "If the Head of School is unable to meet this deadline, they will provide the complainant with an update
    // and revised response date"; §13 starts "If the attempt to resolve the complaint at Stage Two have proved unsuccessful".
    // Response due Mon 16 Nov; request Mon 23 Nov with no response recorded.
    const err = thrown(() => run([received('2026-11-02T09:00', 2), { type: 'escalation_requested', at: '2026-11-23T09:00' }]));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });

  it('when a Stage Two complaint is resolved, the case closes at Stage Two', () => {
    const out = run([received('2026-11-02T09:00', 2), { type: 'responded', at: '2026-11-12T12:00', outcome: 'resolved' }]);
    expect(out).toMatchObject({ status: 'closed', stage: 2, closedOn: '2026-11-12', outcome: 'resolved', retainUntil: '2032-11-12' });
  });
});

describe('NMAT Stage Three (formal, Executive Principal)', () => {
  it('when a Stage Three complaint is received, the executive principal acknowledges within 2 school days and responds within 10', () => {
    const out = run([received('2026-11-06T09:00', 3)]);
    expect(out.handlerRole).toBe('executive_principal');
    // §13: "acknowledge receipt of the complaint in writing within two school days": Fri 6 Nov -> Mon 9, Tue 10.
    expect(deadline(out, 3, 'acknowledge')).toMatchObject({ due: '2026-11-10', owner: 'executive_principal' });
    // §13: "a formal written response within 10 school days": Mon 9 .. Fri 13 (5), Mon 16 .. Fri 20 (10).
    expect(deadline(out, 3, 'respond')).toMatchObject({ due: '2026-11-20', owner: 'executive_principal' });
    // No window until the response is given.
    expect(out.deadlines.some((d) => d.kind === 'escalation_window')).toBe(false);
  });

  it('when a Stage Three complaint is received just before February half term, its response date skips the half term', () => {
    const out = run([received('2027-02-09T09:00', 3)]);
    // Tue 9 Feb -> Wed 10 (1), Thu 11 (2), Fri 12 (3), [half term 13-21 Feb], Mon 22 (4), Tue 23 (5),
    // Wed 24 (6), Thu 25 (7), Fri 26 (8), Mon 1 Mar (9), Tue 2 Mar (10).
    expect(deadline(out, 3, 'respond').due).toBe('2027-03-02');
  });

  it('when the Stage Three response is given, the complainant has 5 school days to ask for Stage Four', () => {
    const out = run(stage3Answered, {}, '2026-11-23T12:00');
    expect(out.stage).toBe(3);
    expect(out.status).toBe('open');
    // §14: "A request to escalate to Stage Four must be made ... within five school days of receipt of the Stage Three response"
    // Fri 20 Nov -> Mon 23 (1), Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5).
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2026-11-27', owner: 'complainant', metOn: null, overdue: false });
    expect(deadline(out, 3, 'respond')).toMatchObject({ due: '2026-11-20', metOn: '2026-11-20', late: false });
  });

  it('when Stage Four is requested inside the 5-school-day window, the window is met and there is no late_escalation flag', () => {
    const out = run(stage4Requested);
    expect(out.stage).toBe(4);
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2026-11-27', metOn: '2026-11-24', late: false });
    expect(out.flags).not.toContain('late_escalation');
  });

  it('when Stage Four is requested after the 5-school-day window, it is still accepted (exceptional circumstances) but flagged late_escalation', () => {
    const out = run([...stage3Answered, { type: 'escalation_requested', at: '2026-11-30T09:00' }]);
    // §14: "Requests received outside of this time frame will only be considered if exceptional circumstances apply."
    // Window due Fri 27 Nov; request Mon 30 Nov.
    expect(out.stage).toBe(4);
    expect(out.status).toBe('open');
    expect(out.flags).toContain('late_escalation');
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2026-11-27', metOn: '2026-11-30', late: true });
  });

  it('when the Stage Three response comes just before Christmas, the escalation window runs over the holiday and the INSET day', () => {
    const out = run([received('2026-12-01T09:00', 3), { type: 'responded', at: '2026-12-15T15:00', outcome: 'not_upheld' }, { type: 'escalation_requested', at: '2027-01-07T16:00' }]);
    // Tue 15 Dec -> Wed 16 (1), Thu 17 (2), Fri 18 (3), [Christmas 19 Dec - 4 Jan; Tue 5 Jan INSET],
    // Wed 6 Jan (4), Thu 7 Jan (5). A request on Thu 7 Jan is on time.
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2027-01-07', metOn: '2027-01-07', late: false });
    expect(out.flags).not.toContain('late_escalation');
  });

  it('when a Stage Four request is emailed at 00:30 BST on the day after the window closes, it is late (local date, not UTC)', () => {
    const out = run([
      received('2027-04-12T09:00', 3),
      { type: 'responded', at: '2027-04-16T15:00', outcome: 'not_upheld' },
      // 2027-04-23T23:30Z is Sat 24 Apr 00:30 in London (BST, UTC+1, since Sun 28 Mar).
      { type: 'escalation_requested', at: '2027-04-23T23:30Z' },
    ]);
    // Window: Fri 16 Apr -> Mon 19 (1), Tue 20, Wed 21, Thu 22, Fri 23 Apr (5).
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2027-04-23', metOn: '2027-04-24', late: true });
    expect(out.flags).toContain('late_escalation');
    // Sat 24 Apr is a weekend inside term (the pack's reading of §6: not "outside term time"), so the
    // request counts from that Saturday: Mon 26 (1), Tue 27 (2).
    expect(out.stageReceivedOn).toBe('2027-04-24');
    expect(deadline(out, 4, 'acknowledge').due).toBe('2027-04-27');
  });

  it('when a Stage Four request is emailed at 23:30 GMT on the last day of the window (after the October clock change), it is on time', () => {
    // 2026-11-27T23:30Z is Fri 27 Nov 23:30 in London (GMT since Sun 25 Oct).
    const out = run([...stage3Answered, { type: 'escalation_requested', at: '2026-11-27T23:30Z' }]);
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ due: '2026-11-27', metOn: '2026-11-27', late: false });
    expect(out.flags).not.toContain('late_escalation');
  });

  it('when the Stage Three complaint is resolved, there is no escalation window and the case closes', () => {
    const out = run([received('2026-11-06T09:00', 3), { type: 'responded', at: '2026-11-19T15:00', outcome: 'resolved' }]);
    expect(out.status).toBe('closed');
    expect(out.deadlines.some((d) => d.kind === 'escalation_window')).toBe(false);
  });
});

describe('NMAT Stage Four (panel hearing)', () => {
  it('when Stage Four is requested and no hearing is set yet, the notice, papers and companion deadlines count back from the latest hearing date allowed', () => {
    const out = run(stage4Requested);
    expect(out.stage).toBe(4);
    // §14: "This is the final stage ... The Panel Hearing will consist of at least three people"
    expect(out.handlerRole).toBe('panel');
    expect(out.stageReceivedOn).toBe('2026-11-24');
    // §14: "The Governance Professional and Compliance Lead will ... acknowledge receipt ... within two school days"
    // Tue 24 Nov -> Wed 25 (1), Thu 26 (2).
    expect(deadline(out, 4, 'acknowledge')).toMatchObject({ due: '2026-11-26', owner: 'governance_lead' });
    // §14: "They will aim to convene a Hearing within fifteen school days of receipt of the Stage Four request"
    // Wed 25 (1), Thu 26, Fri 27 (3), Mon 30 Nov .. Fri 4 Dec (8), Mon 7 .. Fri 11 Dec (13), Mon 14 (14), Tue 15 Dec (15).
    expect(deadline(out, 4, 'hearing')).toMatchObject({ due: '2026-12-15', owner: 'governance_lead' });
    // §14: "At least 10 school days before the Hearing ... notify the complainant of the date, time and venue"
    // Back from Tue 15 Dec: Mon 14 (1), Fri 11 .. Mon 7 (6), Fri 4 .. Tue 1 Dec (10).
    expect(deadline(out, 4, 'hearing_notice')).toMatchObject({ due: '2026-12-01', owner: 'governance_lead' });
    // §14: "request copies of any further written material ... at least seven school days before the meeting"
    // ... Mon 7 (6), Fri 4 Dec (7).
    expect(deadline(out, 4, 'panel_papers')).toMatchObject({ due: '2026-12-04', owner: 'governance_lead' });
    // §14: "This request must be submitted in writing 2 school days prior to the meeting": Mon 14 (1), Fri 11 Dec (2).
    expect(deadline(out, 4, 'companion_notice')).toMatchObject({ due: '2026-12-11', owner: 'complainant' });
    // §14: "The Chair of the Panel will provide ... their decision ... in writing, within 10 school days"
    // After Tue 15 Dec: Wed 16 (1), Thu 17 (2), Fri 18 (3), [Christmas; INSET Tue 5 Jan], Wed 6 Jan (4),
    // Thu 7 (5), Fri 8 (6), Mon 11 (7), Tue 12 (8), Wed 13 (9), Thu 14 Jan (10).
    expect(deadline(out, 4, 'panel_decision')).toMatchObject({ due: '2027-01-14', owner: 'panel' });
  });

  it('when no hearing has been set by the 10th school day before the latest hearing date, the hearing notice is overdue for the governance lead', () => {
    const out = run([...stage4Requested, { type: 'acknowledged', at: '2026-11-25T09:00' }], {}, '2026-12-02T12:00');
    // Notice due Tue 1 Dec (above); now Wed 2 Dec.
    expect(deadline(out, 4, 'hearing_notice')).toMatchObject({ overdue: true, owner: 'governance_lead' });
    expect(deadline(out, 4, 'panel_papers')).toMatchObject({ due: '2026-12-04', overdue: false });
    expect(deadline(out, 4, 'acknowledge')).toMatchObject({ metOn: '2026-11-25', late: false, overdue: false });
  });

  it('when the hearing is scheduled, notice, papers, companion and decision deadlines count from the scheduled date', () => {
    const out = run([
      ...stage4Requested,
      { type: 'acknowledged', at: '2026-11-25T09:00' },
      { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' },
    ]);
    // The 15-school-day aim still counts from receipt: Tue 15 Dec.
    expect(deadline(out, 4, 'hearing')).toMatchObject({ due: '2026-12-15', metOn: null });
    // 10 school days before Thu 10 Dec: Wed 9 (1), Tue 8, Mon 7 (3), Fri 4 .. Mon 30 Nov (8), Fri 27 (9), Thu 26 Nov (10).
    // Scheduling on Wed 25 Nov tells the complainant in time.
    expect(deadline(out, 4, 'hearing_notice')).toMatchObject({ due: '2026-11-26', metOn: '2026-11-25', late: false });
    // 7 before: ... Mon 7 (3), Fri 4 (4), Thu 3 (5), Wed 2 (6), Tue 1 Dec (7).
    expect(deadline(out, 4, 'panel_papers').due).toBe('2026-12-01');
    // 2 before: Wed 9 (1), Tue 8 Dec (2).
    expect(deadline(out, 4, 'companion_notice').due).toBe('2026-12-08');
    // 10 after Thu 10 Dec: Fri 11 (1), Mon 14 .. Fri 18 (6), [Christmas, INSET], Wed 6 (7), Thu 7 (8), Fri 8 (9), Mon 11 Jan (10).
    expect(deadline(out, 4, 'panel_decision').due).toBe('2027-01-11');
  });

  it('when the hearing is scheduled with fewer than 10 school days notice, the hearing notice is late', () => {
    const out = run([...stage4Requested, { type: 'hearing_scheduled', at: '2026-12-03T10:00', hearingOn: '2026-12-10' }]);
    // Notice due Thu 26 Nov for a hearing on Thu 10 Dec (above); the date was only set on Thu 3 Dec.
    expect(deadline(out, 4, 'hearing_notice')).toMatchObject({ due: '2026-11-26', metOn: '2026-12-03', late: true });
  });

  it('when the hearing is rescheduled into January, every hearing-based deadline moves to the new date across Christmas and the INSET day', () => {
    const out = run([
      ...stage4Requested,
      { type: 'acknowledged', at: '2026-11-25T09:00' },
      { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' },
      { type: 'hearing_scheduled', at: '2026-12-03T10:00', hearingOn: '2027-01-13', reason: 'panel member unavailable' },
    ]);
    // Before Wed 13 Jan: Tue 12 (1), Mon 11 (2), Fri 8 (3), Thu 7 (4), Wed 6 (5), [Tue 5 Jan INSET, Christmas],
    // Fri 18 Dec (6), Thu 17 (7), Wed 16 (8), Tue 15 (9), Mon 14 Dec (10).
    expect(deadline(out, 4, 'hearing_notice')).toMatchObject({ due: '2026-12-14', metOn: '2026-12-03', late: false });
    // ... Fri 18 Dec (6), Thu 17 Dec (7).
    expect(deadline(out, 4, 'panel_papers').due).toBe('2026-12-17');
    // Tue 12 (1), Mon 11 Jan (2).
    expect(deadline(out, 4, 'companion_notice').due).toBe('2027-01-11');
    // After Wed 13 Jan: Thu 14 (1), Fri 15 (2), Mon 18 .. Fri 22 (7), Mon 25 (8), Tue 26 (9), Wed 27 Jan (10).
    expect(deadline(out, 4, 'panel_decision').due).toBe('2027-01-27');
    // The 15-school-day aim (Tue 15 Dec) is unchanged by rescheduling.
    expect(deadline(out, 4, 'hearing').due).toBe('2026-12-15');
  });

  it('when the panel hears the rescheduled complaint and decides within 10 school days, the case closes with the decision and the late hearing is marked late', () => {
    const out = run([
      ...stage4Requested,
      { type: 'acknowledged', at: '2026-11-25T09:00' },
      { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' },
      { type: 'hearing_scheduled', at: '2026-12-03T10:00', hearingOn: '2027-01-13' },
      { type: 'hearing_held', at: '2027-01-13T14:00' },
      { type: 'responded', at: '2027-01-20T12:00', outcome: 'partially_upheld' },
    ], {}, '2027-02-01T12:00');
    // §14: "The panel can: uphold the complaint in whole or in part; dismiss the complaint in whole or in part."
    expect(out).toMatchObject({ status: 'closed', stage: 4, closedOn: '2027-01-20', outcome: 'partially_upheld' });
    // Hearing aimed for by Tue 15 Dec, held Wed 13 Jan.
    expect(deadline(out, 4, 'hearing')).toMatchObject({ due: '2026-12-15', metOn: '2027-01-13', late: true, overdue: false });
    expect(deadline(out, 4, 'panel_decision')).toMatchObject({ due: '2027-01-27', metOn: '2027-01-20', late: false, overdue: false });
    // Privacy Notice: six years from closure.
    expect(out.retainUntil).toBe('2033-01-20');
  });

  it('when the panel decides without a separate "hearing_held", the hearing counts as held on its scheduled date', () => {
    const out = run([...stage4Requested, { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' }, { type: 'responded', at: '2026-12-14T16:00', outcome: 'dismissed' }]);
    expect(out).toMatchObject({ status: 'closed', outcome: 'dismissed', closedOn: '2026-12-14', retainUntil: '2032-12-14' });
    expect(deadline(out, 4, 'hearing')).toMatchObject({ metOn: '2026-12-10', late: false });
    expect(deadline(out, 4, 'panel_decision')).toMatchObject({ due: '2027-01-11', metOn: '2026-12-14', late: false });
  });

  it('when the panel has held the hearing but not decided by the 10th school day, its decision is overdue', () => {
    const out = run([...stage4Requested, { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' }, { type: 'hearing_held', at: '2026-12-10T10:00' }], {}, '2027-01-12T09:00');
    // Decision due Mon 11 Jan (above).
    expect(deadline(out, 4, 'panel_decision')).toMatchObject({ due: '2027-01-11', overdue: true, owner: 'panel' });
    expect(deadline(out, 4, 'companion_notice')).toMatchObject({ metOn: '2026-12-10', overdue: false });
  });

  it('when the hearing cannot be held within 15 school days and an anticipated date is given, the notice, papers, companion and decision deadlines count from it', () => {
    const out = run([
      ...stage4Requested,
      // §14: "If this is not possible, the Governance Professional and Compliance Lead will provide an anticipated date"
      { type: 'deadline_extended', at: '2026-11-26T12:00', kind: 'hearing', due: '2027-01-13' },
    ]);
    expect(deadline(out, 4, 'hearing')).toMatchObject({ due: '2027-01-13', originalDue: '2026-12-15' });
    // Same counts as for a hearing scheduled on Wed 13 Jan (see the rescheduling test).
    expect(deadline(out, 4, 'hearing_notice').due).toBe('2026-12-14');
    expect(deadline(out, 4, 'panel_papers').due).toBe('2026-12-17');
    expect(deadline(out, 4, 'companion_notice').due).toBe('2027-01-11');
    expect(deadline(out, 4, 'panel_decision').due).toBe('2027-01-27');
  });

  it('when the hearing goes ahead on its scheduled date, the papers and companion deadlines before it are not marked late', () => {
    const out = run([
      ...stage4Requested,
      { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' },
      { type: 'hearing_held', at: '2026-12-10T10:00' },
    ], {}, '2026-12-11T12:00');
    // §14: papers requested "at least seven school days before the meeting" (Tue 1 Dec) and a companion request
    // "2 school days prior to the meeting" (Tue 8 Dec). Nothing recorded shows either was late: holding the
    // hearing on Thu 10 Dec is not evidence that they were done on the 10th.
    expect(deadline(out, 4, 'panel_papers')).toMatchObject({ due: '2026-12-01', overdue: false, late: false });
    expect(deadline(out, 4, 'companion_notice')).toMatchObject({ due: '2026-12-08', overdue: false, late: false });
  });

  it('when the complainant has not asked to bring a companion by the cut-off, the complainant is not overdue (a companion is optional)', () => {
    const out = run([...stage4Requested, { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-15' }], {}, '2026-12-14T12:00');
    // §14: "A complainant may bring someone along to the panel hearing ... This request must be submitted in writing
    // 2 school days prior": Mon 14 (1), Fri 11 Dec (2). Missing it only means no companion; it is no one's overdue duty.
    expect(deadline(out, 4, 'companion_notice')).toMatchObject({ due: '2026-12-11', owner: 'complainant', overdue: false, late: false });
  });

  it('when Stage Four is requested during the Christmas holiday, the request counts from the first school day after the INSET day', () => {
    const out = run([received('2026-12-01T09:00', 3), { type: 'responded', at: '2026-12-15T15:00', outcome: 'not_upheld' }, { type: 'escalation_requested', at: '2026-12-28T11:00' }]);
    // The window (due Thu 7 Jan, see Stage Three) is met by the request on Mon 28 Dec.
    expect(deadline(out, 3, 'escalation_window')).toMatchObject({ metOn: '2026-12-28', late: false });
    // §6: "complaints made outside of term time ... received on the first school day after the holiday period":
    // Tue 5 Jan is an INSET day (no school), so Wed 6 Jan.
    expect(out.stageReceivedOn).toBe('2027-01-06');
    expect(out.flags).toContain('received_outside_term');
    // Ack: Thu 7 (1), Fri 8 (2).
    expect(deadline(out, 4, 'acknowledge').due).toBe('2027-01-08');
    // Hearing: Thu 7 (1), Fri 8 (2), Mon 11 .. Fri 15 (7), Mon 18 .. Fri 22 (12), Mon 25 (13), Tue 26 (14), Wed 27 Jan (15).
    expect(deadline(out, 4, 'hearing').due).toBe('2027-01-27');
  });

  it('when the panel is asked to give a stage outcome it does not have, the bad outcome is refused naming the field', () => {
    const events: Ev[] = [...stage4Requested, { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' }, { type: 'responded', at: '2026-12-14T16:00', outcome: 'not_upheld' }];
    // §14: the panel can "uphold ... or dismiss"; "not_upheld" is a Stage One to Three answer.
    const err = thrown(() => run(events));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.field).toBe('events[5].outcome');
    expect(err.message).toContain('events[5].outcome');
    // "resolved" is not a panel decision either.
    const resolved = thrown(() => run([...events.slice(0, 5), { type: 'responded', at: '2026-12-14T16:00', outcome: 'resolved' }]));
    expect(resolved.field).toBe('events[5].outcome');
  });

  it('when a Stage One to Three response is recorded as "dismissed" (a panel outcome), it is refused naming the field', () => {
    const err = thrown(() => run([received('2026-11-06T09:00', 2), { type: 'acknowledged', at: '2026-11-09T09:00' }, { type: 'responded', at: '2026-11-12T09:00', outcome: 'dismissed' }]));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('events[2].outcome');
  });

  it('when a panel decision is recorded before any hearing is scheduled, it is refused', () => {
    const err = thrown(() => run([...stage4Requested, { type: 'responded', at: '2026-12-14T16:00', outcome: 'upheld' }]));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[4].type');
  });

  it('when a panel decision is dated before the scheduled hearing, it is refused', () => {
    const err = thrown(() => run([...stage4Requested, { type: 'hearing_scheduled', at: '2026-11-25T10:00', hearingOn: '2026-12-10' }, { type: 'responded', at: '2026-12-09T16:00', outcome: 'upheld' }]));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[5].at');
  });

  it('when someone asks to escalate beyond Stage Four, it is refused: Stage Four is the final stage', () => {
    // §14: "This is the final stage of the Trust's complaint's procedure."
    const err = thrown(() => run([...stage4Requested, { type: 'escalation_requested', at: '2026-11-26T09:00' }]));
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[4].type');
  });

  it('when the complaint is about the governance lead, the COO takes on the clerk duties at Stage Four while the panel still decides', () => {
    const out = run(stage4Requested, { about: 'governance_lead' });
    expect(out.handlerRole).toBe('panel');
    expect(deadline(out, 4, 'acknowledge').owner).toBe('coo');
    expect(deadline(out, 4, 'hearing_notice').owner).toBe('coo');
    expect(deadline(out, 4, 'panel_decision').owner).toBe('panel');
  });

  it('when the complaint is about a trustee, the governance lead still clerks Stage Four and the panel decides', () => {
    const out = run(stage4Requested, { about: 'trustee' });
    expect(out.handlerRole).toBe('panel');
    expect(deadline(out, 4, 'acknowledge').owner).toBe('governance_lead');
    expect(deadline(out, 4, 'companion_notice').owner).toBe('complainant');
  });
});

describe('NMAT routing: who handles a complaint about a senior role', () => {
  // Each row: the role complained about, and the handler at Stages One, Two and Three, with the text that says so.
  const rows: Array<{ about: string; s1: string; s2: string; s3: string; why: string }> = [
    {
      about: 'head_of_school',
      s1: 'executive_principal', // §3: "Complaints that involve or are about the Head of School should be addressed to the Trust's Executive Principal"
      s2: 'executive_principal', // §12: "If the complaint is about the Head of School ... the Trust's Executive Principal ... will complete all the actions at Stage Two"
      s3: 'executive_principal', // §13: "a Stage Three complaint can be made to the Executive Principal"
      why: '§3, §12, §13',
    },
    {
      about: 'chair_of_governors',
      s1: 'governance_lead', // §3: "Complaints about the Chair of Governors ... addressed directly to the Governance Professional and Compliance Lead"
      s2: 'executive_principal', // §12: "a member of the governing body (including the Chair or Vice-Chair), the Trust's Executive Principal"
      s3: 'executive_principal',
      why: '§3, §12',
    },
    {
      about: 'governing_body',
      s1: 'governance_lead', // §3: "... or the whole governing body should be addressed directly to the Governance Professional"
      s2: 'executive_principal', // §12: "the entire governing body ... Stage Two will be escalated to the Executive Principal of the Trust"
      s3: 'executive_principal',
      why: '§3, §12',
    },
    {
      about: 'executive_principal',
      s1: 'chair_of_trustees', // §3: "Complaints about the Executive Principal or an NMAT Trustee, should be addressed to the Chair of Trustees"
      s2: 'chair_of_trustees', // same §3 rule (Stage Two text is silent)
      s3: 'trustee', // §13: "If the complaint is about the Executive Principal a suitably skilled Trustee will complete all the actions at Stage Three"
      why: '§3, §13',
    },
    {
      about: 'trustee',
      s1: 'chair_of_trustees', // §3
      s2: 'chair_of_trustees', // §3
      s3: 'chair_of_trustees', // §13: "If the complaint concerns a Trustee, the complaint should be investigated by the Chair of the Trust Board"
      why: '§3, §13',
    },
    {
      about: 'chair_of_trustees',
      s1: 'executive_principal', // §3: "Complaints about the Chair of Trustees should be addressed to the Executive Principal"
      s2: 'executive_principal', // §3
      s3: 'vice_chair_of_trustees', // §13: "If a formal complaint is received about the Chair, the complaint will be referred to the Vice Chair"
      why: '§3, §13',
    },
    {
      about: 'coo',
      s1: 'executive_principal', // §12 Central Team: "(unless they are about the Chief Operations Officer)": the text names no one; pack's choice
      s2: 'executive_principal',
      s3: 'executive_principal', // §13
      why: '§12 Central Team (pack choice)',
    },
    {
      about: 'central_team',
      s1: 'coo', // §12: "Complaints about the Trust's Central Team. Formal complaints must be made to the Chief Operations Officer"
      s2: 'coo', // §12: "This will detail this step as being dealt with as Stage Two"
      s3: 'executive_principal', // §13: Stage Three goes to the Executive Principal
      why: '§12 Central Team, §13',
    },
  ];

  for (const r of rows) {
    it(`when a complaint is about the ${r.about.replaceAll('_', ' ')}, Stage One goes to ${r.s1}, Stage Two to ${r.s2} and Stage Three to ${r.s3} (${r.why}), who owe the acknowledgement and response`, () => {
      for (const [stage, handler] of [[1, r.s1], [2, r.s2], [3, r.s3]] as const) {
        const out = run([received('2026-11-06T09:00', stage)], { about: r.about });
        expect(out.handlerRole, `stage ${stage}`).toBe(handler);
        expect(deadline(out, stage, 'acknowledge').owner, `stage ${stage} acknowledge`).toBe(handler);
        expect(deadline(out, stage, 'respond').owner, `stage ${stage} respond`).toBe(handler);
        // Nobody handles a complaint about themselves.
        expect(handler).not.toBe(r.about);
      }
      // Stage Four: the panel decides; the Governance Professional and Compliance Lead clerks (§14).
      const s4 = run(stage4Requested, { about: r.about });
      expect(s4.handlerRole).toBe('panel');
      expect(deadline(s4, 4, 'acknowledge').owner).toBe('governance_lead');
      expect(deadline(s4, 4, 'hearing').owner).toBe('governance_lead');
      expect(deadline(s4, 4, 'panel_decision').owner).toBe('panel');
    });
  }

  it('when a complaint is about an individual governor, Stage One goes to the governance lead and Stage Two to the executive principal', () => {
    // §3: "Complaints about ... any individual governor ... addressed directly to the Governance Professional and Compliance Lead"
    expect(run([received('2026-11-06T09:00', 1)], { about: 'governor' }).handlerRole).toBe('governance_lead');
    // §12: "If the complaint is about ... a member of the governing body ... the Trust's Executive Principal"
    expect(run([received('2026-11-06T09:00', 2)], { about: 'governor' }).handlerRole).toBe('executive_principal');
  });

  it('when the complaint names a role the pack does not know, it is refused naming case.about', () => {
    const err = thrown(() => run([received('2026-11-06T09:00', 2)], { about: 'bursar' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.field).toBe('case.about');
  });

  it('when a case is received at a stage the policy does not have, it is refused naming the field', () => {
    const err = thrown(() => run([received('2026-11-06T09:00', 5)]));
    expect(err.code).toBe('UNKNOWN_STAGE');
    expect(err.field).toBe('events[0].stage');
  });
});

describe('NMAT §6: complaints received outside term time', () => {
  it('when a complaint is made in October half term, it counts as received on the first school day after (Mon 2 Nov)', () => {
    const out = run([received('2026-10-27T10:00')], { about: 'teacher' });
    // §6: "The Trust will consider complaints made outside of term time to have been received on the first school day after the holiday period"
    expect(out.receivedOn).toBe('2026-11-02');
    expect(out.flags).toContain('received_outside_term');
    // Ack: Tue 3 (1), Wed 4 (2). Respond (7): Tue 3, Wed 4, Thu 5, Fri 6 (4), Mon 9, Tue 10, Wed 11 (7).
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-11-04');
    expect(deadline(out, 1, 'respond').due).toBe('2026-11-11');
  });

  it('when a formal complaint is made over Christmas, it counts as received on Wed 6 Jan, after the Tue 5 Jan INSET day', () => {
    const out = run([received('2026-12-21T10:00', 2)]);
    // Holiday 19 Dec - 4 Jan; Tue 5 Jan is a term day but an INSET closure, so not a school day.
    expect(out.receivedOn).toBe('2027-01-06');
    expect(out.flags).toContain('received_outside_term');
    // Ack: Thu 7 (1), Fri 8 (2).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-01-08');
    // Respond: Thu 7, Fri 8 (2), Mon 11 .. Fri 15 (7), Mon 18 (8), Tue 19 (9), Wed 20 Jan (10).
    expect(deadline(out, 2, 'respond').due).toBe('2027-01-20');
  });

  it('when a formal complaint is made on Easter Monday, it counts as received on the first day of the summer term', () => {
    const out = run([received('2027-03-29T09:00', 2)]);
    // Easter holiday 26 Mar - 11 Apr (Easter Monday 29 Mar is also a bank holiday): Mon 12 Apr.
    expect(out.receivedOn).toBe('2027-04-12');
    expect(out.flags).toContain('received_outside_term');
    // Respond: Tue 13 .. Fri 16 (4), Mon 19 .. Fri 23 (9), Mon 26 Apr (10).
    expect(deadline(out, 2, 'respond').due).toBe('2027-04-26');
  });

  it('when a concern is made on the August summer bank holiday, it counts as received on the first day of the autumn term', () => {
    const out = run([received('2026-08-31T12:00')]);
    // Summer holiday 23 Jul - 1 Sep 2026; autumn term starts Wed 2 Sep.
    expect(out.receivedOn).toBe('2026-09-02');
    expect(out.flags).toContain('received_outside_term');
    // Ack: Thu 3 (1), Fri 4 (2). Respond: Thu 3, Fri 4, Mon 7 .. Fri 11 Sep (7).
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-09-04');
    expect(deadline(out, 1, 'respond').due).toBe('2026-09-11');
  });

  it('when a formal complaint is made in the 2027 summer holiday, it counts from Thu 2 Sep, after the Wed 1 Sep INSET day', () => {
    const out = run([received('2027-07-28T12:00', 2)]);
    expect(out.receivedOn).toBe('2027-09-02');
    // Ack: Fri 3 (1), Mon 6 (2). Respond: Fri 3 (1), Mon 6 .. Fri 10 (6), Mon 13 .. Thu 16 Sep (10).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-09-06');
    expect(deadline(out, 2, 'respond').due).toBe('2027-09-16');
  });

  it('when a complaint is made on the last day of term, it is in term time and its clock runs over Christmas and the INSET day', () => {
    const out = run([received('2026-12-18T15:00', 2)]);
    expect(out.receivedOn).toBe('2026-12-18');
    expect(out.flags).not.toContain('received_outside_term');
    // Ack: [Christmas 19 Dec - 4 Jan, INSET Tue 5 Jan], Wed 6 (1), Thu 7 Jan (2).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-01-07');
    // Respond: Wed 6 (1), Thu 7, Fri 8 (3), Mon 11 .. Fri 15 (8), Mon 18 (9), Tue 19 Jan (10).
    expect(deadline(out, 2, 'respond').due).toBe('2027-01-19');
  });

  it('when a complaint is emailed at 00:30 BST on the last Friday of term, it is received that Friday (London date), not the Thursday', () => {
    // 2026-10-22T23:30Z is Fri 23 Oct 00:30 BST.
    const out = run([received('2026-10-22T23:30Z', 2)]);
    expect(out.receivedOn).toBe('2026-10-23');
    // Ack: [half term 24 Oct - 1 Nov], Mon 2 (1), Tue 3 Nov (2).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2026-11-03');
    // Respond: Mon 2 .. Fri 6 (5), Mon 9 .. Fri 13 Nov (10).
    expect(deadline(out, 2, 'respond').due).toBe('2026-11-13');
  });
});

describe('NMAT school-day counting across bank holidays and INSET days in term', () => {
  it('when a formal complaint arrives before the early May bank holiday, the bank holiday is not a school day', () => {
    const out = run([received('2027-04-29T09:00', 2)]);
    // Thu 29 Apr -> Fri 30 (1), [Mon 3 May bank holiday], Tue 4 May (2).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-05-04');
    // Fri 30 (1), Tue 4 (2), Wed 5, Thu 6, Fri 7 (5), Mon 10 .. Fri 14 May (10).
    expect(deadline(out, 2, 'respond').due).toBe('2027-05-14');
  });

  it('when a formal complaint arrives the week before Easter, its response date skips Good Friday and the whole Easter holiday', () => {
    const out = run([received('2027-03-22T09:00', 2)]);
    // Mon 22 Mar -> Tue 23 (1), Wed 24 (2): ack.
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-03-24');
    // Tue 23, Wed 24, Thu 25 (3), [Easter 26 Mar - 11 Apr], Mon 12 .. Fri 16 (8), Mon 19 (9), Tue 20 Apr (10).
    expect(deadline(out, 2, 'respond').due).toBe('2027-04-20');
  });

  it('when a complaint is received on the INSET day itself, it is term time (no holiday rule) and counting starts the next day', () => {
    const out = run([received('2027-01-05T10:00', 2)]);
    // The pack reads §6 "outside of term time" as the holidays; Tue 5 Jan is inside the spring term.
    expect(out.receivedOn).toBe('2027-01-05');
    expect(out.flags).not.toContain('received_outside_term');
    // Wed 6 (1), Thu 7 (2).
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-01-07');
  });
});

describe('NMAT §5: three-month time limit', () => {
  it('when the complaint is raised exactly three months after the incident, it is in time', () => {
    // §5: "You must raise the complaint within three months of the incident". 6 Aug + 3 months = 6 Nov.
    const out = run([received('2026-11-06T09:00')], { incidentOn: '2026-08-06' });
    expect(out.flags).not.toContain('late');
  });

  it('when the complaint is raised more than three months after the incident, it is still opened but flagged late', () => {
    // 6 Aug + 3 months = Fri 6 Nov; raised Mon 9 Nov.
    const out = run([received('2026-11-09T09:00')], { incidentOn: '2026-08-06' });
    // §5: "The Trust will only consider complaints made outside of this time frame if exceptional circumstances apply."
    expect(out.flags).toContain('late');
    expect(out.status).toBe('open');
    expect(deadline(out, 1, 'respond').due).toBe('2026-11-18'); // Tue 10 .. Fri 13 (4), Mon 16, Tue 17, Wed 18 (7)
  });

  it('when a complaint is made in half term within three months of the incident, it is in time even though it counts as received later', () => {
    // Incident Sun 26 Jul; limit Mon 26 Oct. Made Mon 26 Oct (half term) -> deemed received Mon 2 Nov by §6,
    // but §5 is about when the complainant "raise[s] the complaint".
    const out = run([received('2026-10-26T10:00')], { incidentOn: '2026-07-26' });
    expect(out.receivedOn).toBe('2026-11-02');
    expect(out.flags).not.toContain('late');
  });

  it('when a complaint is made in half term one day after the three months, it is late', () => {
    const out = run([received('2026-10-27T10:00')], { incidentOn: '2026-07-26' });
    expect(out.flags).toContain('late');
  });

  it('when the incident was on 30 November, three months end on 28 February (the last day of the shorter month)', () => {
    // 30 Nov 2026 + 3 months: there is no 30 Feb 2027, so the limit is Sun 28 Feb.
    expect(run([received('2027-02-26T09:00')], { incidentOn: '2026-11-30' }).flags).not.toContain('late');
    expect(run([received('2027-03-01T09:00')], { incidentOn: '2026-11-30' }).flags).toContain('late');
  });

  it('when the incident is dated after the complaint, the input is refused naming case.incidentOn', () => {
    const err = thrown(() => run([received('2026-11-06T09:00')], { incidentOn: '2026-11-20' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.field).toBe('case.incidentOn');
  });
});

describe('NMAT scope (§1, §3 Exceptions)', () => {
  const outOfScope: Array<[string, string]> = [
    ['admissions', '§3: "Concerns about admissions should be handled through a separate process"'],
    ['child_protection', '§3: "Complaints about child protection matters are handled under NMAT\'s Child Protection and safeguarding policy"'],
    ['exclusions', '§3 Exceptions: "Exclusion of children from school"'],
    ['whistleblowing', '§3: "The Trust have an internal whistleblowing procedure for all its employees"'],
    ['staff_grievance', '§3: "Complaints from staff will be dealt with under the Trust\'s internal grievance procedures"'],
    ['staff_conduct', '§3 Note: "Complaints about staff conduct will not generally be handled under this complaint\'s procedure"'],
    ['send_assessment', '§1: "Statutory assessments of Special Educational Needs (SEN) ... are outside the responsibility of the Trust"'],
  ];
  for (const [category, cite] of outOfScope) {
    it(`when a complaint is about ${category.replaceAll('_', ' ')}, it is out of scope and closed on receipt with no deadlines`, () => {
      // The text each row cites (second column of the table above) puts the category outside this procedure.
      expect(cite).toMatch(/^§/);
      const out = run([received('2026-11-06T09:00', 2)], { category }, '2026-12-01T12:00');
      expect(out.status).toBe('out_of_scope');
      expect(out.flags).toContain('out_of_scope');
      expect(out.deadlines).toEqual([]);
      expect(out.closedOn).toBe('2026-11-06');
    });
  }

  it('when a complaint is about how the behaviour policy was applied, it is in scope', () => {
    // §3: "*complaints about the application of the behaviour policy can be made through the Academy's complaints procedure"
    const out = run([received('2026-11-06T09:00', 2)], { category: 'behaviour_policy' });
    expect(out.status).toBe('open');
    expect(out.flags).not.toContain('out_of_scope');
  });

  it('when anything is recorded after an out-of-scope complaint, it is refused', () => {
    const err = thrown(() => run([received('2026-11-06T09:00', 2), { type: 'acknowledged', at: '2026-11-09T09:00' }], { category: 'admissions' }));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });
});

describe('NMAT retention (Privacy Notice)', () => {
  it('when a case closes, its records are kept for six years from closure', () => {
    const out = run([...stage3Answered, { type: 'closed', at: '2026-12-04T12:00' }]);
    // "keep personal data collected as part of the complaints process for six years upon closure of the complaint"
    expect(out).toMatchObject({ status: 'closed', closedOn: '2026-12-04', retainUntil: '2032-12-04' });
  });

  it('when a closed case concerns a looked-after child, its records are kept for 40 years from closure', () => {
    const out = run([...stage3Answered, { type: 'closed', at: '2026-12-04T12:00' }], { lookedAfterChild: true });
    // "any complaints in relation to Looked after Children will be kept for 40 Years from closure of the file"
    expect(out.retainUntil).toBe('2066-12-04');
    expect(out.flags).toContain('looked_after_child');
  });

  it('when a case is still open, there is no retention date yet', () => {
    expect(run(stage4Requested, { lookedAfterChild: true }).retainUntil).toBeNull();
  });
});

describe('NMAT §7: pausing and resuming', () => {
  const paused: Ev[] = [
    received('2026-11-02T09:00', 2),
    { type: 'acknowledged', at: '2026-11-03T09:00' },
    // §7: "If other bodies are investigating aspects of the complaint, for example the police ... the procedure being suspended"
    { type: 'paused', at: '2026-11-04T12:00', reason: 'police investigation' },
  ];

  it('when a complaint is paused because the police are investigating, no deadline is overdue while it is paused', () => {
    // Without the pause the response would be due Mon 16 Nov and overdue on 30 Nov.
    const out = run(paused, {}, '2026-11-30T12:00');
    expect(out.status).toBe('open');
    expect(out.flags).toContain('paused');
    expect(out.deadlines.every((d) => !d.overdue)).toBe(true);
    expect(deadline(out, 2, 'respond')).toMatchObject({ overdue: false, metOn: null });
  });

  it('when a paused complaint is resumed, the response clock restarts from the resumption date', () => {
    const out = run([...paused, { type: 'resumed', at: '2026-12-01T09:00' }], {}, '2026-12-15T17:00');
    // §7: "we will inform you of a proposed new timescale"; the pack restarts open clocks from resumption:
    // Tue 1 Dec -> Wed 2 (1), Thu 3, Fri 4 (3), Mon 7 .. Fri 11 (8), Mon 14 (9), Tue 15 Dec (10).
    expect(out.flags).not.toContain('paused');
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2026-12-15', overdue: false });
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ metOn: '2026-11-03', late: false });
    expect(deadline(run([...paused, { type: 'resumed', at: '2026-12-01T09:00' }], {}, '2026-12-16T09:00'), 2, 'respond').overdue).toBe(true);
  });

  it('when a Stage Three complaint is resumed just before Christmas, the restarted clock skips the holiday and the INSET day', () => {
    const out = run([received('2026-11-30T09:00', 3), { type: 'acknowledged', at: '2026-12-01T09:00' }, { type: 'paused', at: '2026-12-02T09:00' }, { type: 'resumed', at: '2026-12-16T09:00' }]);
    // Wed 16 Dec -> Thu 17 (1), Fri 18 (2), [Christmas, INSET Tue 5 Jan], Wed 6 (3), Thu 7 (4), Fri 8 (5),
    // Mon 11 .. Fri 15 Jan (10).
    expect(deadline(out, 3, 'respond').due).toBe('2027-01-15');
  });

  it('when the Stage Four hearing is paused and resumed, the hearing aim and the deadlines hanging off it restart', () => {
    const out = run([...stage4Requested, { type: 'paused', at: '2026-11-25T09:00' }, { type: 'resumed', at: '2027-01-11T09:00' }]);
    // Hearing: after Mon 11 Jan: Tue 12 .. Fri 15 (4), Mon 18 .. Fri 22 (9), Mon 25 .. Fri 29 (14), Mon 1 Feb (15).
    expect(deadline(out, 4, 'hearing').due).toBe('2027-02-01');
    // Companion notice 2 before Mon 1 Feb: Fri 29 (1), Thu 28 Jan (2).
    expect(deadline(out, 4, 'companion_notice').due).toBe('2027-01-28');
  });

  it('when anything but resume, withdraw or close is recorded while paused, it is refused', () => {
    const err = thrown(() => run([...paused, { type: 'responded', at: '2026-11-10T09:00', outcome: 'upheld' }]));
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[3].type');
  });

  it('when a case that is not paused is resumed, it is refused', () => {
    const err = thrown(() => run([received('2026-11-02T09:00', 2), { type: 'resumed', at: '2026-11-04T09:00' }]));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });
});

describe('NMAT §10: withdrawal', () => {
  it('when the complainant withdraws before the response is due, the case ends as withdrawn with nothing overdue or late', () => {
    const out = run([received('2026-11-02T09:00', 2), { type: 'acknowledged', at: '2026-11-03T09:00' }, { type: 'withdrawn', at: '2026-11-12T12:00' }], {}, '2026-11-30T12:00');
    // §10: "If a complainant wants to withdraw their complaint, the Trust will ask them to confirm this in writing."
    expect(out).toMatchObject({ status: 'withdrawn', stage: 2, closedOn: '2026-11-12', outcome: null });
    // Response was due Mon 16 Nov; withdrawn Thu 12 Nov.
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2026-11-16', metOn: null, overdue: false, late: false });
    // Privacy Notice: six years from closure of the file.
    expect(out.retainUntil).toBe('2032-11-12');
  });

  it('when the complainant withdraws at Stage Four before the hearing, no hearing deadline is left overdue', () => {
    // Acknowledged Wed 25 Nov (due Thu 26); withdrawn Fri 27 Nov, before the notice (Tue 1 Dec) or hearing (Tue 15 Dec) was due.
    const out = run([...stage4Requested, { type: 'acknowledged', at: '2026-11-25T09:00' }, { type: 'withdrawn', at: '2026-11-27T09:00' }], {}, '2027-02-01T12:00');
    expect(out.status).toBe('withdrawn');
    expect(out.deadlines.filter((d) => d.stage === 4).every((d) => !d.overdue && !d.late)).toBe(true);
  });

  it('when the complainant withdraws while the complaint is paused, the case is withdrawn and no longer flagged paused', () => {
    const out = run([received('2026-11-02T09:00', 2), { type: 'paused', at: '2026-11-04T12:00' }, { type: 'withdrawn', at: '2026-11-12T12:00' }]);
    // §10 withdrawal ends the complaint; §7's suspension is over with it.
    expect(out.status).toBe('withdrawn');
    expect(out.closedOn).toBe('2026-11-12');
    expect(out.flags).not.toContain('paused');
  });

  it('when anything is recorded after withdrawal, it is refused', () => {
    const err = thrown(() => run([received('2026-11-02T09:00', 2), { type: 'withdrawn', at: '2026-11-12T12:00' }, { type: 'responded', at: '2026-11-13T12:00', outcome: 'upheld' }]));
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[2].type');
  });
});
