/**
 * The MIET pack against the MIET complaints policy text (seed 000_50ae2c2932272d7a.txt).
 *
 * MIET counts in working days: weekdays that are not England and Wales bank holidays. School
 * holidays, half terms and INSET days are working days all the same. Every expected date below
 * was counted by hand from the policy text and these bank holidays (gov.uk):
 *   2026: Fri 3 Apr Good Friday, Mon 6 Apr Easter Monday, Mon 4 May, Mon 25 May, Mon 31 Aug,
 *         Fri 25 Dec Christmas, Mon 28 Dec Boxing Day (substitute day)
 *   2027: Fri 1 Jan, Fri 26 Mar Good Friday, Mon 29 Mar Easter Monday, Mon 3 May, Mon 31 May,
 *         Mon 30 Aug, Mon 27 Dec Christmas (substitute day), Tue 28 Dec Boxing Day (substitute day)
 *   2028: Mon 3 Jan New Year's Day (substitute day)
 * "Within N working days of A" is the Nth working day strictly after A's date (Europe/London);
 * "N working days prior to B" is the Nth working day strictly before B.
 */
import { describe, expect, it } from 'vitest';
import { ENGLAND_2025_TO_2028, deadlineOf as deadline, domainErrorOf as thrown, simulateWith, type Ev as Event } from '../../helpers/fold.js';

/**
 * A Manchester school's English term dates (ENGLAND_2025_TO_2028), and a clock reading used only
 * when a test does not give `now` in the scenario.
 */
const run = simulateWith('miet', ENGLAND_2025_TO_2028, '2026-09-01T12:00:00Z');

describe('MIET stage 1 (informal resolution): clocks in working days', () => {
  it('when a written complaint reaches the class teacher on Wed 4 Nov 2026, it must be acknowledged by Mon 9 Nov and resolved by Wed 18 Nov', () => {
    const out = run([{ type: 'received', at: '2026-11-04T10:00', stage: 1 }]);
    expect(out.status).toBe('open');
    expect(out.stage).toBe(1);
    expect(out.receivedOn).toBe('2026-11-04');
    // Who to contact?: "they should normally contact their child's class teacher"
    expect(out.handlerRole).toBe('class_teacher');
    // Stage 1: "it will normally be acknowledged within 3 working days": Thu 5, Fri 6, Mon 9
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'class_teacher', due: '2026-11-09', metOn: null });
    // Stage 1: "If the matter is not resolved within 10 working days": Thu 5, Fri 6 (2),
    // Mon 9 - Fri 13 (7), Mon 16, Tue 17, Wed 18 (10)
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'class_teacher', due: '2026-11-18', metOn: null });
  });

  it('when the stage 1 complaint is acknowledged on time but not resolved, only the resolution is overdue on Thu 19 Nov 2026', () => {
    const out = run(
      [
        { type: 'received', at: '2026-11-04T10:00', stage: 1 },
        { type: 'acknowledged', at: '2026-11-06T09:00' },
      ],
      { now: '2026-11-19T09:00' },
    );
    // Stage 1: "acknowledged within 3 working days" (due Mon 9 Nov; done Fri 6 Nov)
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-11-09', metOn: '2026-11-06', overdue: false, late: false });
    // Stage 1: "not resolved within 10 working days" (due Wed 18 Nov; nothing by Thu 19 Nov)
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-11-18', metOn: null, overdue: true, late: true });
  });

  it('on the last of its 10 working days a stage 1 complaint is not yet overdue', () => {
    const out = run([{ type: 'received', at: '2026-11-04T10:00', stage: 1 }], { now: '2026-11-18T16:30' });
    // Stage 1: "within 10 working days": due Wed 18 Nov, so still in time at 16:30 that day
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-11-18', overdue: false, late: false });
  });

  it('a complaint received in the October half term is counted in working days, not school days: acknowledge by Thu 29 Oct, resolve by Mon 9 Nov 2026', () => {
    // Received Mon 26 Oct 2026, the first day of half term (school closed 26-30 Oct).
    const out = run([{ type: 'received', at: '2026-10-26T11:00', stage: 1 }]);
    expect(out.receivedOn).toBe('2026-10-26');
    // Stage 1: "acknowledged within 3 working days": half-term weekdays are working days,
    // Tue 27 (1), Wed 28 (2), Thu 29 (3). (In school days it would have been Wed 4 Nov.)
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-10-29');
    // Stage 1: "within 10 working days": Tue 27 - Fri 30 Oct (4), Mon 2 - Fri 6 Nov (9), Mon 9 Nov (10)
    expect(deadline(out, 1, 'respond').due).toBe('2026-11-09');
  });

  it('an email sent at 00:30 on Friday 23 Oct 2026 in London (23:30 UTC on Thursday) is received on the Friday', () => {
    const out = run([{ type: 'received', at: '2026-10-22T23:30Z', stage: 1 }]);
    // Dates are Europe/London: 23:30Z on Thu 22 Oct is 00:30 BST on Fri 23 Oct.
    expect(out.receivedOn).toBe('2026-10-23');
    // Stage 1: "acknowledged within 3 working days" of Fri 23: Mon 26 (1), Tue 27 (2), Wed 28 (3)
    // (counting from Thu 22 would give Tue 27).
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-10-28');
  });

  it('a stage 1 complaint received in the Easter holidays 2026 skips Good Friday and Easter Monday', () => {
    // Received Tue 31 Mar 2026. Good Friday is Fri 3 Apr, Easter Monday Mon 6 Apr.
    const out = run([{ type: 'received', at: '2026-03-31T09:30', stage: 1 }]);
    // Stage 1: "acknowledged within 3 working days": Wed 1 Apr (1), Thu 2 Apr (2), [Fri 3 Good
    // Friday, weekend, Mon 6 Easter Monday], Tue 7 Apr (3)
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-04-07');
    // Stage 1: "within 10 working days": Wed 1, Thu 2 (2), Tue 7 - Fri 10 (6), Mon 13 - Thu 16 (10)
    expect(deadline(out, 1, 'respond').due).toBe('2026-04-16');
    // Timescales for stages 1 and 2: "complete stages 1 and 2 within 28 working days":
    // 1, 2 Apr (2); 7-10 Apr (6); 13-17 (11); 20-24 (16); 27-30 Apr (20); Fri 1 May (21);
    // [Mon 4 May early May bank holiday]; Tue 5 - Fri 8 May (25); Mon 11, Tue 12, Wed 13 (28)
    expect(deadline(out, 1, 'stages_target').due).toBe('2026-05-13');
  });

  it('when stage 1 is resolved, the case closes and its records are kept for three years', () => {
    const out = run([
      { type: 'received', at: '2026-11-04T10:00', stage: 1 },
      { type: 'responded', at: '2026-11-12T15:00', outcome: 'resolved' },
    ]);
    // Stage 1: "we hope that matters will be resolved quickly to the parents' satisfaction"
    expect(out).toMatchObject({ status: 'closed', stage: 1, closedOn: '2026-11-12', outcome: 'resolved' });
    expect(deadline(out, 1, 'respond')).toMatchObject({ metOn: '2026-11-12', late: false });
    // Stages 1 and 2 "within 28 working days": the case ended well inside the target
    // (due Mon 14 Dec 2026: 5-6 Nov (2), 9-13 (7), 16-20 (12), 23-27 (17), 30 Nov (18),
    // 1-4 Dec (22), 7-11 Dec (27), Mon 14 Dec (28)).
    expect(deadline(out, 1, 'stages_target')).toMatchObject({ due: '2026-12-14', metOn: '2026-11-12', late: false, overdue: false });
    // Data protection: "normally kept for three years after the resolution of the complaint"
    expect(out.retainUntil).toBe('2029-11-12');
  });
});

describe('MIET routing: who handles the complaint depends on whom it is about', () => {
  const stage1 = (about: string) => run([{ type: 'received', at: '2026-11-04T10:00', stage: 1 }], { about });
  const stage2 = (about: string) => run([{ type: 'received', at: '2026-11-04T10:00', stage: 2 }], { about });

  it('when a stage 1 complaint is about the class teacher, the Pastoral Lead handles it and owes its deadlines', () => {
    const out = stage1('class_teacher');
    // Who to contact?: "Where the complaint is about the class teacher, a parent should take their
    // concerns directly to the Pastoral Lead/Deputy Head Teacher"
    expect(out.handlerRole).toBe('pastoral_lead');
    expect(deadline(out, 1, 'acknowledge').owner).toBe('pastoral_lead');
    expect(deadline(out, 1, 'respond').owner).toBe('pastoral_lead');
  });

  it('when a stage 1 complaint is about the Pastoral Lead, the Head Teacher handles it', () => {
    const out = stage1('pastoral_lead');
    // Who to contact?: "If a complaint relates to a senior member of staff concerns should be taken
    // directly to the Head Teacher"
    expect(out.handlerRole).toBe('head_teacher');
    expect(deadline(out, 1, 'respond').owner).toBe('head_teacher');
  });

  it('when a stage 1 complaint is about the Head Teacher, the Executive Head Teacher handles it', () => {
    const out = stage1('head_teacher');
    // Who to contact?: "... to the Head Teacher or Executive Head Teacher in her absence"; the Head
    // Teacher cannot handle a complaint about herself.
    expect(out.handlerRole).toBe('executive_head');
    expect(deadline(out, 1, 'acknowledge').owner).toBe('executive_head');
  });

  it('when a stage 1 complaint is about the Executive Head, the Chairman of Trustees handles it', () => {
    const out = stage1('executive_head');
    // Who to contact?: "Where a complaint is against the Executive Head, parents should make their
    // complaint to the Chairman of Trustees by emailing the Trust office"
    expect(out.handlerRole).toBe('chair_of_trustees');
    expect(deadline(out, 1, 'respond').owner).toBe('chair_of_trustees');
  });

  it('a written stage 2 complaint about the class teacher or the Pastoral Lead goes to the Head Teacher', () => {
    // Stage 2: "the parents should put their complaint in writing to the Head Teacher"
    for (const about of ['class_teacher', 'pastoral_lead']) {
      const out = stage2(about);
      expect(out.handlerRole).toBe('head_teacher');
      expect(deadline(out, 2, 'acknowledge').owner).toBe('head_teacher');
      expect(deadline(out, 2, 'respond').owner).toBe('head_teacher');
    }
  });

  it('when a stage 2 complaint is about the Head Teacher, the Executive Head Teacher handles it with the same 10 working days', () => {
    const out = stage2('head_teacher');
    // Stage 2: "If the complaint is against the Head Teacher, the Executive Head Teacher will call for
    // a full report ... This will be within 10 working days from the receipt of the written complaint"
    expect(out.handlerRole).toBe('executive_head');
    // 3 working days of Wed 4 Nov: Thu 5, Fri 6, Mon 9
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ owner: 'executive_head', due: '2026-11-09' });
    // 10 working days: Thu 5, Fri 6, Mon 9 - Fri 13, Mon 16 - Wed 18
    expect(deadline(out, 2, 'respond')).toMatchObject({ owner: 'executive_head', due: '2026-11-18' });
  });

  it('when a stage 2 complaint is about the Executive Head Teacher, the Trust Chair handles it', () => {
    const out = stage2('executive_head');
    // Stage 2: "If the complaint is against the Executive Head Teacher, the Trust Chair will call for a
    // full report from the Executive Head Teacher"
    expect(out.handlerRole).toBe('chair_of_trustees');
    expect(deadline(out, 2, 'respond').owner).toBe('chair_of_trustees');
  });
});

describe('MIET stage 2 (formal resolution)', () => {
  it('a stage 2 complaint received around the May bank holiday 2027 must be acknowledged by Wed 5 May and met on by Fri 14 May', () => {
    // Received Thu 29 Apr 2027; Mon 3 May 2027 is the early May bank holiday.
    const out = run([{ type: 'received', at: '2027-04-29T12:00', stage: 2 }]);
    expect(out.handlerRole).toBe('head_teacher');
    // Stage 2: "acknowledge receipt of the written complaint within 3 working days":
    // Fri 30 Apr (1), [Mon 3 May bank holiday], Tue 4 (2), Wed 5 (3)
    expect(deadline(out, 2, 'acknowledge').due).toBe('2027-05-05');
    // Stage 2: "This will be within 10 working days of the receipt of the written complaint":
    // Fri 30 Apr (1), Tue 4 - Fri 7 May (5), Mon 10 - Fri 14 May (10)
    expect(deadline(out, 2, 'respond').due).toBe('2027-05-14');
  });

  it('a stage 2 complaint handed in on the last day of the autumn term 2026 runs through Christmas and the INSET day to Wed 6 Jan 2027', () => {
    // Received Fri 18 Dec 2026. Christmas Day Fri 25 Dec, Boxing Day substitute Mon 28 Dec,
    // New Year's Day Fri 1 Jan. Tue 5 Jan 2027 is an INSET day: a closure, but still a working day.
    const out = run([{ type: 'received', at: '2026-12-18T15:30', stage: 2 }]);
    // "within 3 working days": Mon 21 (1), Tue 22 (2), Wed 23 (3)
    expect(deadline(out, 2, 'acknowledge').due).toBe('2026-12-23');
    // "within 10 working days": Mon 21 - Thu 24 (4), [Fri 25, Mon 28], Tue 29 - Thu 31 (7),
    // [Fri 1 Jan], Mon 4 (8), Tue 5 INSET (9), Wed 6 (10)
    expect(deadline(out, 2, 'respond').due).toBe('2027-01-06');
    // Timescales for stages 1 and 2: "within 28 working days", from Fri 18 Dec:
    // 21-24 Dec (4), 29-31 Dec (7), 4-8 Jan (12), 11-15 (17), 18-22 (22), 25-29 (27), Mon 1 Feb (28)
    expect(deadline(out, 2, 'stages_target').due).toBe('2027-02-01');
  });

  it('when the stage 2 decision is sent on Wed 20 May 2026, the parents have until Thu 28 May to ask for a panel (the Spring bank holiday does not count)', () => {
    const out = run([
      { type: 'received', at: '2026-05-05T09:00', stage: 2 },
      { type: 'responded', at: '2026-05-20T16:00', outcome: 'not_upheld' },
    ]);
    // Not upheld at stage 2 is not the end: the parents may go on to stage 3.
    expect(out).toMatchObject({ status: 'open', stage: 2, closedOn: null, outcome: 'not_upheld', retainUntil: null });
    // Stage 3: "they should write to the Trust office within five working days of the stage 2
    // decision": Thu 21 (1), Fri 22 (2), [Mon 25 May Spring bank holiday], Tue 26 (3), Wed 27 (4),
    // Thu 28 (5). Half-term weekdays count: they are working days.
    expect(deadline(out, 2, 'escalation_window')).toMatchObject({ owner: 'complainant', due: '2026-05-28', metOn: null });
  });

  it('a panel request on the fifth working day after the stage 2 decision is in time', () => {
    const out = run([
      { type: 'received', at: '2026-05-05T09:00', stage: 2 },
      { type: 'responded', at: '2026-05-20T16:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2026-05-28T19:00' },
    ]);
    // Stage 3: "within five working days of the stage 2 decision" (due Thu 28 May, see above)
    expect(out.stage).toBe(3);
    expect(out.stageReceivedOn).toBe('2026-05-28');
    expect(deadline(out, 2, 'escalation_window')).toMatchObject({ due: '2026-05-28', metOn: '2026-05-28', late: false });
    expect(out.flags).not.toContain('late_escalation');
  });

  it('a panel request on the sixth working day after the stage 2 decision is flagged as late', () => {
    const out = run([
      { type: 'received', at: '2026-05-05T09:00', stage: 2 },
      { type: 'responded', at: '2026-05-20T16:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2026-05-29T09:00' },
    ]);
    // Stage 3: "within five working days of the stage 2 decision": Fri 29 May is the sixth.
    // ("A panel hearing cannot normally be requested ...": the request is recorded, but flagged.)
    expect(out.stage).toBe(3);
    expect(out.flags).toContain('late_escalation');
    expect(deadline(out, 2, 'escalation_window')).toMatchObject({ due: '2026-05-28', metOn: '2026-05-29', late: true });
  });

  it('a stage 2 decision recorded after its 10 working days is late, and counts toward the 28-working-day target from the stage 1 receipt', () => {
    const out = run([
      { type: 'received', at: '2026-11-04T10:00', stage: 1 },
      { type: 'responded', at: '2026-11-13T12:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2026-11-16T09:00' },
      { type: 'acknowledged', at: '2026-11-18T09:00' },
      { type: 'responded', at: '2026-12-15T12:00', outcome: 'partially_upheld' },
    ]);
    expect(out).toMatchObject({ stage: 2, status: 'open', receivedOn: '2026-11-04', stageReceivedOn: '2026-11-16', outcome: 'partially_upheld' });
    // Stage 2 "within 3 working days" of Mon 16 Nov: Tue 17, Wed 18, Thu 19
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2026-11-19', metOn: '2026-11-18', late: false });
    // Stage 2 "within 10 working days": Tue 17 - Fri 20 (4), Mon 23 - Fri 27 (9), Mon 30 Nov (10)
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2026-11-30', metOn: '2026-12-15', late: true });
    // "complete stages 1 and 2 within 28 working days", counted from Wed 4 Nov (stage 1 receipt):
    // due Mon 14 Dec (see the stage 1 resolution test); the stage 2 decision on Tue 15 Dec misses it.
    expect(deadline(out, 1, 'stages_target')).toMatchObject({ due: '2026-12-14', metOn: '2026-12-15', late: true });
    // Stage 2 decision Tue 15 Dec: five working days are Wed 16, Thu 17, Fri 18, Mon 21, Tue 22
    expect(deadline(out, 2, 'escalation_window').due).toBe('2026-12-22');
  });

  it('refuses a stage 2 outcome the policy does not offer, naming the field', () => {
    const err = thrown(() =>
      run([
        { type: 'received', at: '2026-11-04T10:00', stage: 2 },
        { type: 'responded', at: '2026-11-10T10:00', outcome: 'dismissed' },
      ]),
    );
    // Stage 2: "a decision will be made and parents will be informed in writing of the decision";
    // dismissal is a finding of the Panel ("The Panel may dismiss or uphold the complaint").
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.field).toBe('events[1].outcome');
    expect(err.message).toContain('events[1].outcome');
  });
});

describe('MIET: moving from stage 1 to stage 2 without a response', () => {
  // Received Mon 2 Nov 2026. "Within 10 working days": Tue 3 - Fri 6 (4), Mon 9 - Fri 13 (9), Mon 16 (10).
  it('refuses to escalate an unanswered stage 1 complaint on the tenth working day', () => {
    const err = thrown(() =>
      run([
        { type: 'received', at: '2026-11-02T09:00', stage: 1 },
        { type: 'escalation_requested', at: '2026-11-16T17:00' },
      ]),
    );
    // Stage 1: "If the matter is not resolved within 10 working days ... then parents will be advised
    // to proceed to Stage 2": Mon 16 Nov is still within the 10 working days.
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });

  it('lets the parents take an unanswered stage 1 complaint to the Head Teacher once the 10 working days have passed', () => {
    const out = run(
      [
        { type: 'received', at: '2026-11-02T09:00', stage: 1 },
        { type: 'escalation_requested', at: '2026-11-17T09:00' },
      ],
      { now: '2026-11-20T12:00' },
    );
    // Stage 1: "If the matter is not resolved within 10 working days ... proceed to Stage 2"
    expect(out).toMatchObject({ status: 'open', stage: 2, handlerRole: 'head_teacher', receivedOn: '2026-11-02', stageReceivedOn: '2026-11-17' });
    // The stage 1 resolution was never given: it stays unmet and late, but it is no longer a live duty.
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2026-11-16', metOn: null, late: true, overdue: false });
    // Stage 2 clocks run from Tue 17 Nov: acknowledge Wed 18, Thu 19, Fri 20 ...
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2026-11-20', overdue: false });
    // ... respond: Wed 18 - Fri 20 (3), Mon 23 - Fri 27 (8), Mon 30 Nov (9), Tue 1 Dec (10)
    expect(deadline(out, 2, 'respond').due).toBe('2026-12-01');
    // Stages 1 and 2 "within 28 working days" of Mon 2 Nov: 3-6 Nov (4), 9-13 (9), 16-20 (14),
    // 23-27 (19), Mon 30 Nov (20), 1-4 Dec (24), Mon 7 - Thu 10 Dec (28)
    expect(deadline(out, 1, 'stages_target')).toMatchObject({ due: '2026-12-10', metOn: null, overdue: false });
  });

  it('refuses a panel request before the stage 2 complaint has been decided or its 10 working days have passed', () => {
    const err = thrown(() =>
      run([
        { type: 'received', at: '2026-11-02T09:00', stage: 2 },
        { type: 'escalation_requested', at: '2026-11-09T09:00' },
      ]),
    );
    // Stage 3: "A panel hearing cannot normally be requested unless stages 1 and 2 of this procedure
    // have been completed."
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });
});

describe('MIET stage 3 (panel hearing)', () => {
  /** Stage 2 decided Tue 1 Dec 2026; the parents write to the Trust office on Wed 9 Dec 2026. */
  const toPanel: Event[] = [
    { type: 'received', at: '2026-11-16T09:00', stage: 2 },
    { type: 'responded', at: '2026-12-01T15:00', outcome: 'not_upheld' },
    { type: 'escalation_requested', at: '2026-12-09T10:00' },
  ];

  it('a panel request on Wed 9 Dec 2026 must be heard by Thu 31 Dec; until a date is set, papers and decision hang off that latest date', () => {
    const out = run(toPanel);
    expect(out).toMatchObject({ status: 'open', stage: 3, handlerRole: 'panel', stageReceivedOn: '2026-12-09' });
    // Stage 3: "schedule a hearing to take place ... normally within 14 working days of the parent's
    // request": Thu 10 (1), Fri 11 (2), Mon 14 - Fri 18 (7), Mon 21 - Thu 24 (11),
    // [Fri 25 Christmas, Mon 28 Boxing Day substitute], Tue 29 (12), Wed 30 (13), Thu 31 (14)
    expect(deadline(out, 3, 'hearing')).toMatchObject({ owner: 'trust_office', due: '2026-12-31' });
    // "not later than 3 working days prior to the hearing", before Thu 31 Dec:
    // Wed 30 (1), Tue 29 (2), [Mon 28, Fri 25 bank holidays], Thu 24 (3)
    expect(deadline(out, 3, 'panel_papers')).toMatchObject({ owner: 'trust_office', due: '2026-12-24' });
    // "within 7 working days of the hearing", after Thu 31 Dec:
    // [Fri 1 Jan], Mon 4 (1), Tue 5 INSET (2), Wed 6 (3), Thu 7 (4), Fri 8 (5), Mon 11 (6), Tue 12 (7)
    expect(deadline(out, 3, 'panel_decision')).toMatchObject({ owner: 'panel', due: '2027-01-12' });
  });

  it('with the hearing set for Tue 29 Dec 2026, the papers are due Tue 22 Dec and the decision Fri 8 Jan 2027', () => {
    const out = run([...toPanel, { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2026-12-29' }]);
    // Deadlines hanging off a hearing count from the scheduled hearing date.
    // The hearing itself is still due within 14 working days of the request (Thu 31 Dec).
    expect(deadline(out, 3, 'hearing').due).toBe('2026-12-31');
    // "not later than 3 working days prior to the hearing", before Tue 29 Dec:
    // [Mon 28 Boxing Day substitute, Fri 25 Christmas], Thu 24 (1), Wed 23 (2), Tue 22 (3)
    expect(deadline(out, 3, 'panel_papers').due).toBe('2026-12-22');
    // "within 7 working days of the hearing", after Tue 29 Dec:
    // Wed 30 (1), Thu 31 (2), [Fri 1 Jan], Mon 4 (3), Tue 5 (4), Wed 6 (5), Thu 7 (6), Fri 8 (7)
    expect(deadline(out, 3, 'panel_decision').due).toBe('2027-01-08');
  });

  it('a hearing set for after the 14 working days is late, and the papers and decision move with it', () => {
    const out = run([
      ...toPanel,
      { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2027-01-04' },
      { type: 'hearing_held', at: '2027-01-04T14:00' },
    ]);
    // "normally within 14 working days of the parent's request": due Thu 31 Dec, held Mon 4 Jan
    expect(deadline(out, 3, 'hearing')).toMatchObject({ due: '2026-12-31', metOn: '2027-01-04', late: true });
    // 3 working days before Mon 4 Jan: [Fri 1 Jan], Thu 31 (1), Wed 30 (2), Tue 29 (3)
    expect(deadline(out, 3, 'panel_papers').due).toBe('2026-12-29');
    // 7 working days after Mon 4 Jan: Tue 5 - Fri 8 (4), Mon 11, Tue 12, Wed 13 (7)
    expect(deadline(out, 3, 'panel_decision').due).toBe('2027-01-13');
  });

  it('before a hearing date is set, the hearing is overdue the day after its 14th working day', () => {
    // Stage 3: "normally within 14 working days of the parent's request" (due Thu 31 Dec 2026)
    const onTheDay = run(toPanel, { now: '2026-12-31T17:00' });
    expect(deadline(onTheDay, 3, 'hearing')).toMatchObject({ due: '2026-12-31', overdue: false });
    const nextDay = run(toPanel, { now: '2027-01-01T09:00' });
    expect(deadline(nextDay, 3, 'hearing')).toMatchObject({ due: '2026-12-31', overdue: true, late: true });
    // Papers "not later than 3 working days prior to the hearing" (Thu 24 Dec) are overdue by then too.
    expect(deadline(nextDay, 3, 'panel_papers')).toMatchObject({ due: '2026-12-24', overdue: true });
  });

  it("when the panel decides after the hearing held as scheduled, the case closes: the panel's decision is final", () => {
    const out = run([
      ...toPanel,
      { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2026-12-29' },
      { type: 'hearing_held', at: '2026-12-29T10:00' },
      { type: 'responded', at: '2027-01-07T12:00', outcome: 'dismissed' },
    ]);
    // Stage 3: "The Panel may dismiss or uphold the complaint"; "The decision of the Panel will be final."
    expect(out).toMatchObject({ status: 'closed', stage: 3, outcome: 'dismissed', closedOn: '2027-01-07' });
    // Hearing on Tue 29 Dec, within the 14 working days (due Thu 31 Dec)
    expect(deadline(out, 3, 'hearing')).toMatchObject({ due: '2026-12-31', metOn: '2026-12-29', late: false });
    // Decision "within 7 working days of the hearing": due Fri 8 Jan, given Thu 7 Jan
    expect(deadline(out, 3, 'panel_decision')).toMatchObject({ due: '2027-01-08', metOn: '2027-01-07', late: false, overdue: false });
    // Data protection: "kept for three years after the resolution of the complaint"
    expect(out.retainUntil).toBe('2030-01-07');
  });

  it('holding the hearing on its scheduled date does not make the papers deadline late', () => {
    const out = run([
      ...toPanel,
      { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2026-12-29' },
      { type: 'hearing_held', at: '2026-12-29T10:00' },
      { type: 'responded', at: '2027-01-07T12:00', outcome: 'upheld' },
    ]);
    // Stage 3: "Copies of such details shall be supplied to all parties not later than 3 working days
    // prior to the hearing" (Tue 22 Dec). Nothing records the papers going out late, so holding the
    // hearing on Tue 29 Dec must not mark the papers deadline late.
    const papers = deadline(out, 3, 'panel_papers');
    expect(papers.due).toBe('2026-12-22');
    expect(papers.late).toBe(false);
  });

  it('a panel request over Christmas 2027 skips both substitute days and the New Year substitute day', () => {
    const out = run([
      { type: 'received', at: '2027-12-01T09:00', stage: 2 },
      { type: 'responded', at: '2027-12-17T15:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2027-12-23T11:00' },
    ]);
    // Stage 2 "within 10 working days" of Wed 1 Dec 2027: Thu 2, Fri 3 (2), 6-10 (7), Mon 13 - Wed 15 (10);
    // the decision on Fri 17 Dec was late.
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-12-15', metOn: '2027-12-17', late: true });
    // "within five working days of the stage 2 decision" (Fri 17 Dec): Mon 20 - Fri 24 Dec
    expect(deadline(out, 2, 'escalation_window')).toMatchObject({ due: '2027-12-24', metOn: '2027-12-23', late: false });
    // Hearing "within 14 working days" of Thu 23 Dec 2027: Fri 24 (1), [Mon 27, Tue 28 substitute
    // days], Wed 29 (2), Thu 30 (3), Fri 31 (4), [Mon 3 Jan 2028 substitute day], Tue 4 (5) - Fri 7 (8),
    // Mon 10 (9) - Fri 14 (13), Mon 17 Jan (14)
    expect(deadline(out, 3, 'hearing').due).toBe('2028-01-17');
    // Papers 3 working days before Mon 17 Jan: Fri 14 (1), Thu 13 (2), Wed 12 (3)
    expect(deadline(out, 3, 'panel_papers').due).toBe('2028-01-12');
    // Decision 7 working days after Mon 17 Jan: Tue 18 - Fri 21 (4), Mon 24 - Wed 26 (7)
    expect(deadline(out, 3, 'panel_decision').due).toBe('2028-01-26');
  });

  it('the panel may not find a complaint partially upheld or not upheld: it may only dismiss or uphold', () => {
    const scheduled: Event[] = [...toPanel, { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2026-12-29' }];
    // Findings: "The Panel may dismiss or uphold the complaint."
    for (const outcome of ['partially_upheld', 'not_upheld', 'resolved']) {
      const err = thrown(() => run([...scheduled, { type: 'responded', at: '2027-01-07T12:00', outcome }]));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('events[4].outcome');
      expect(err.message).toContain('events[4].outcome');
    }
    const upheld = run([...scheduled, { type: 'responded', at: '2027-01-07T12:00', outcome: 'upheld' }]);
    expect(upheld).toMatchObject({ status: 'closed', outcome: 'upheld', closedOn: '2027-01-07', retainUntil: '2030-01-07' });
  });

  it('nothing can be escalated beyond the panel', () => {
    const err = thrown(() =>
      run([
        ...toPanel,
        { type: 'hearing_scheduled', at: '2026-12-11T10:00', hearingOn: '2026-12-29' },
        { type: 'escalation_requested', at: '2026-12-14T10:00' },
      ]),
    );
    // Stage 3: "The decision of the Panel will be final."
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[4].type');
  });

  it('when the panel hearing is about the Trust office, the Chairman takes on its duties while the panel still decides', () => {
    const out = run(toPanel, { about: 'trust_office' });
    // Stage 3: "The Trust office will notify the Chairman" (the pack's reading for this case)
    expect(out.handlerRole).toBe('panel');
    expect(deadline(out, 3, 'hearing').owner).toBe('chair_of_trustees');
    expect(deadline(out, 3, 'panel_papers').owner).toBe('chair_of_trustees');
    // "The Panel will write to the parents informing them of its decision"
    expect(deadline(out, 3, 'panel_decision').owner).toBe('panel');
  });
});
