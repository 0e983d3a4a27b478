/**
 * School Improvement Leicester (SIL, a Leicester Primary Partnership project) complaints
 * procedure, tested against the policy text in /work/shared/seeds/003_*.txt.
 *
 * SIL's clocks are "within a week" and "within four weeks". A week is 7 calendar days, so
 * half terms, Christmas, Easter, INSET days and bank holidays do not stop them: "within N weeks
 * of A" is the date 7N days after A's local (Europe/London) date.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/errors.js';
import { builtInPolicy } from '../../../src/domain/packs/index.js';
import { LEICESTER_2026_27, deadlineOf as deadline, domainErrorOf, simulateWith, type Ev } from '../../helpers/fold.js';

/**
 * An English (Leicester) 2026/27 school calendar (LEICESTER_2026_27), and a fixed clock far in the
 * future: only scenarios that give `now` may assert `overdue`.
 */
const run = simulateWith('sil', LEICESTER_2026_27, '2030-06-01T12:00:00Z');

/** Received Mon 1 Feb 2027, answered (not upheld) Fri 26 Feb 2027: the usual Stage One before a review. */
const STAGE_ONE_ANSWERED: Ev[] = [
  { type: 'received', at: '2027-02-01T09:00', stage: 1 },
  { type: 'acknowledged', at: '2027-02-03T09:00' },
  { type: 'responded', at: '2027-02-26T15:00', outcome: 'not_upheld' },
];

describe('SIL Stage One: who investigates', () => {
  it('when a complaint about a School Improvement Partner is received, the Project Lead investigates, acknowledges within a week and replies within four weeks', () => {
    // Received Mon 1 Feb 2027 09:00.
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { about: 'school_improvement_partner', now: '2027-02-05T12:00' });
    // Stage One: "If the complaint is against a School Improvement Partner the complaint will be investigated by the Project Lead."
    expect(out).toMatchObject({ policy: 'sil', status: 'open', stage: 1, handlerRole: 'project_lead', receivedOn: '2027-02-01', stageReceivedOn: '2027-02-01', closedOn: null, outcome: null, retainUntil: null, flags: [] });
    // "Complaints should be acknowledged by the person handling the complaint within a week": 1 Feb + 7 = Mon 8 Feb.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'project_lead', due: '2027-02-08', metOn: null, overdue: false, late: false });
    // "Ideally complainants should receive a definitive reply within four weeks": 1 Feb + 28 = Mon 1 Mar 2027
    // (February 2027 has 28 days), straight through the February half term (15-19 Feb).
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'project_lead', due: '2027-03-01', metOn: null, overdue: false, late: false });
    expect(out.deadlines).toHaveLength(2);
  });

  it('when the complaint names nobody in particular, the Project Lead handles it', () => {
    // Stage One: "On receiving the complaint, the Project Lead records it in the complaints log";
    // Responsibility: "Overall responsibility for this policy and its implementation lies with the Project Lead".
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }]);
    expect(out.handlerRole).toBe('project_lead');
    expect(out.deadlines.map((d) => d.owner)).toEqual(['project_lead', 'project_lead']);
  });

  it('when the complaint is about the Project Lead, the LPP CEO investigates and owes both Stage One deadlines', () => {
    // Stage One: "If the complaint is against the Project Lead the LPP CEO will investigate the complaint".
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { about: 'project_lead' });
    expect(out.handlerRole).toBe('lpp_ceo');
    // "acknowledged by the person handling the complaint within a week": owed by the CEO, due Mon 8 Feb.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'lpp_ceo', due: '2027-02-08' });
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'lpp_ceo', due: '2027-03-01' });
  });

  it('when the complaint is about the LPP CEO, the LPP Directors investigate and owe both Stage One deadlines', () => {
    // Stage One: "if the complaint is against the LPP CEO the LPP Directors will investigate".
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { about: 'lpp_ceo' });
    expect(out.handlerRole).toBe('lpp_directors');
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'lpp_directors', due: '2027-02-08' });
    expect(deadline(out, 1, 'respond')).toMatchObject({ owner: 'lpp_directors', due: '2027-03-01' });
  });

  it('when the complaint is about the LPP Directors, a SIL Board member investigates, not the Directors themselves', () => {
    // Variation of the Complaints Procedure: "The Board may vary the procedure for good reason. This may be
    // necessary to avoid a conflict of interest". The Directors cannot investigate a complaint about themselves.
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { about: 'lpp_directors' });
    expect(out.handlerRole).toBe('board_member');
    expect(deadline(out, 1, 'acknowledge').owner).toBe('board_member');
    expect(deadline(out, 1, 'respond').owner).toBe('board_member');
  });

  it('when the complaint is about a Board member, the Project Lead investigates Stage One and another Board member reviews Stage Two', () => {
    // Variation: "a complaint about the Project Lead or another board member would rule them out of a role in
    // considering a stage two complaint"; Stage Two: "reviewed by a member of the SIL Board who has not previously
    // been involved".
    const stage2 = builtInPolicy('sil').stages[1]!;
    expect(stage2.routing).toEqual([expect.objectContaining({ about: ['board_member'], handler: 'board_member', otherHolder: true })]);
    const out = run([...STAGE_ONE_ANSWERED, { type: 'escalation_requested', at: '2027-03-03T10:00' }], { about: 'board_member' });
    expect(deadline(out, 1, 'respond').owner).toBe('project_lead');
    expect(out).toMatchObject({ stage: 2, handlerRole: 'board_member' });
    // "acknowledged within a week of it being receiving by the investigator": Wed 3 Mar + 7 = Wed 10 Mar;
    // "within four weeks": 3 Mar + 28 = Wed 31 Mar 2027.
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ owner: 'board_member', due: '2027-03-10' });
    expect(deadline(out, 2, 'respond')).toMatchObject({ owner: 'board_member', due: '2027-03-31' });
  });
});

describe('SIL weeks are 7 calendar days through every holiday', () => {
  it('when a complaint arrives on the last day of the autumn term, the week ends on Christmas Day and the four weeks end on 15 January', () => {
    // Received Fri 18 Dec 2026 15:00 (last day of term). 1 week: 18 + 7 = Fri 25 Dec 2026 (Christmas Day).
    // 4 weeks: 18 Dec + 28 = Fri 15 Jan 2027, through Christmas, Boxing Day (substitute Mon 28 Dec),
    // New Year's Day and the INSET day on Tue 5 Jan.
    const out = run([{ type: 'received', at: '2026-12-18T15:00', stage: 1 }], { now: '2026-12-26T10:00' });
    // Stage One: "acknowledged by the person handling the complaint within a week" -- missed on Christmas Day.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-12-25', metOn: null, overdue: true, late: true });
    // "within four weeks"
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2027-01-15', overdue: false, late: false });
  });

  it('when a complaint arrives the Monday before Easter, the week ends on Easter Monday and the four weeks on 19 April', () => {
    // Received Mon 22 Mar 2027. 1 week: 22 + 7 = Mon 29 Mar (Easter Monday, a bank holiday; weeks ignore it).
    // 4 weeks: 22 Mar + 28 = Mon 19 Apr 2027 (past Good Friday 26 Mar and the Easter holiday to 9 Apr).
    const out = run([{ type: 'received', at: '2027-03-22T11:00', stage: 1 }]);
    expect(deadline(out, 1, 'acknowledge').due).toBe('2027-03-29');
    expect(deadline(out, 1, 'respond').due).toBe('2027-04-19');
  });

  it('when a complaint arrives on the Friday before February half term, the half-term week still counts', () => {
    // Received Fri 12 Feb 2027 (half term 15-19 Feb). 1 week: Fri 19 Feb (in half term). 4 weeks: 12 Feb + 28 = Fri 12 Mar.
    const out = run([{ type: 'received', at: '2027-02-12T16:00', stage: 1 }]);
    expect(deadline(out, 1, 'acknowledge').due).toBe('2027-02-19');
    expect(deadline(out, 1, 'respond').due).toBe('2027-03-12');
  });

  it('when an email arrives at 23:30 UTC the night the clocks go back, the weeks count from the UK date, 25 October', () => {
    // 2026-10-24T23:30Z is 00:30 BST on Sun 25 Oct 2026 (BST ends at 02:00 BST that morning): received 25 Oct.
    // 1 week: Sun 1 Nov 2026. 4 weeks: 25 Oct + 28 = Sun 22 Nov 2026.
    const out = run([{ type: 'received', at: '2026-10-24T23:30Z', stage: 1 }]);
    expect(out.receivedOn).toBe('2026-10-25');
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-11-01');
    expect(deadline(out, 1, 'respond').due).toBe('2026-11-22');
  });

  it('when the four weeks end the day after the clocks go forward, the reply is overdue only from midnight BST', () => {
    // Received Mon 1 Mar 2027 -> reply due 1 Mar + 28 = Mon 29 Mar 2027 (BST began Sun 28 Mar).
    // The due day ends at 24:00 BST = 23:00 UTC on 29 Mar.
    const received: Ev[] = [
      { type: 'received', at: '2027-03-01T09:00', stage: 1 },
      { type: 'acknowledged', at: '2027-03-02T09:00' },
    ];
    // 22:30 UTC = 23:30 BST on 29 Mar: still the due day.
    const before = run(received, { now: '2027-03-29T22:30Z' });
    expect(deadline(before, 1, 'respond')).toMatchObject({ due: '2027-03-29', overdue: false, late: false });
    // 23:30 UTC = 00:30 BST on 30 Mar: overdue (a GMT reading would wrongly still say 29 Mar).
    const after = run(received, { now: '2027-03-29T23:30Z' });
    expect(deadline(after, 1, 'respond')).toMatchObject({ due: '2027-03-29', overdue: true, late: true });
  });
});

describe('SIL Stage One outcomes', () => {
  it('when the Stage One reply is sent, the case stays open for a Board review with no time limit', () => {
    // "If you are not satisfied with the response to your complaint see stage two." The policy gives no time limit
    // for asking, so there is no escalation window.
    const out = run(STAGE_ONE_ANSWERED, { now: '2027-06-01T12:00' });
    expect(out).toMatchObject({ status: 'open', stage: 1, outcome: 'not_upheld', closedOn: null, retainUntil: null });
    // Received Mon 1 Feb: acknowledged Wed 3 Feb (due 8 Feb), answered Fri 26 Feb (due 1 Mar).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2027-02-08', metOn: '2027-02-03', late: false });
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2027-03-01', metOn: '2027-02-26', late: false, overdue: false });
    expect(out.deadlines.map((d) => d.kind)).not.toContain('escalation_window');
  });

  it('when the complaint is resolved at Stage One, the case closes that day and the retention runs from then', () => {
    // Stage One: "they may be able to resolve it swiftly and should do so if both possible and appropriate".
    // Resolved Fri 5 Feb 2027; the pack keeps records 6 years from closure (the policy states no period): 5 Feb 2033.
    const out = run([
      { type: 'received', at: '2027-02-01T09:00', stage: 1 },
      { type: 'responded', at: '2027-02-05T12:00', outcome: 'resolved' },
    ]);
    expect(out).toMatchObject({ status: 'closed', stage: 1, closedOn: '2027-02-05', outcome: 'resolved', retainUntil: '2033-02-05' });
    // The reply within the week also acknowledges (due 8 Feb).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ metOn: '2027-02-05', late: false });
  });

  it('refuses a Stage One outcome that is not a reply to the complaint (undecided, dismissed), naming the field', () => {
    // Stage One: "The reply to the complainant should describe ... the conclusions from the investigation".
    for (const outcome of ['undecided', 'dismissed']) {
      const err = domainErrorOf(() =>
        run([
          { type: 'received', at: '2027-02-01T09:00', stage: 1 },
          { type: 'responded', at: '2027-02-26T15:00', outcome },
        ]),
      );
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('events[1].outcome');
      expect(err.message).toContain('events[1].outcome');
    }
  });

  it('lets a progress report move the four-week reply date, keeping the original date', () => {
    // Stage One: "If this is not possible because for example, an investigation has not been fully completed, a
    // progress report will be sent with an indication of when a full reply can be expected."
    // Received Mon 1 Feb 2027, reply due Mon 1 Mar; progress report on Fri 26 Feb promising a reply by Mon 15 Mar.
    const out = run(
      [
        { type: 'received', at: '2027-02-01T09:00', stage: 1 },
        { type: 'acknowledged', at: '2027-02-03T09:00' },
        { type: 'deadline_extended', at: '2027-02-26T10:00', kind: 'respond', due: '2027-03-15', reason: 'progress report: investigation not complete' },
      ],
      { now: '2027-03-05T12:00' },
    );
    expect(deadline(out, 1, 'respond')).toMatchObject({ due: '2027-03-15', originalDue: '2027-03-01', overdue: false, late: false });
  });
});

describe('SIL escalation to a Board review (Stage Two)', () => {
  it('does not let the complainant ask for a Board review before a reply while the four weeks are still running', () => {
    // Stage One: "If you are not satisfied with the response to your complaint see stage two." Received Mon 1 Feb,
    // reply due Mon 1 Mar 2027: a request on the due day itself is still too early.
    const err = domainErrorOf(() =>
      run([
        { type: 'received', at: '2027-02-01T09:00', stage: 1 },
        { type: 'escalation_requested', at: '2027-03-01T10:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });

  it('does not start a Board review while Stage One has given no reply, even after the four weeks', () => {
    // Stage Two "is not a reinvestigation of the complaint, but a review of the way in which the investigation was
    // conducted": there must be a Stage One reply to review. Late replies get "a progress report ... with an
    // indication of when a full reply can be expected" (an extension), not a jump to Stage Two.
    // No reply by Mon 1 Mar; a request on Tue 2 Mar 2027 is refused.
    let caught: unknown;
    try {
      run([
        { type: 'received', at: '2027-02-01T09:00', stage: 1 },
        { type: 'acknowledged', at: '2027-02-03T09:00' },
        { type: 'escalation_requested', at: '2027-03-02T10:00' },
      ]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).field).toBe('events[2].type');
    expect((caught as DomainError).message).toMatch(/no response yet/);
  });

  it('when the complainant asks for a Board review six months after the reply, it is not late and Stage Two clocks start from the request', () => {
    // The policy sets no time limit for requesting a Stage Two review. Reply Fri 26 Feb 2027; request Mon 6 Sep 2027.
    const out = run([...STAGE_ONE_ANSWERED, { type: 'escalation_requested', at: '2027-09-06T10:00' }], { now: '2027-09-14T09:00' });
    expect(out.flags).not.toContain('late_escalation');
    expect(out).toMatchObject({ stage: 2, handlerRole: 'board_member', stageReceivedOn: '2027-09-06' });
    // Stage Two: "The request for the Board review should be acknowledged within a week": 6 + 7 = Mon 13 Sep,
    // overdue on the 14th. "within four weeks": 6 Sep + 28 = Mon 4 Oct 2027.
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2027-09-13', metOn: null, overdue: true, late: true });
    expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-10-04', overdue: false, late: false });
    expect(out.deadlines.map((d) => `${d.stage}:${d.kind}`)).toEqual(['1:acknowledge', '1:respond', '2:acknowledge', '2:respond']);
  });

  it('has nothing to escalate to after the Board member\'s decision', () => {
    // Stage Two: "The decision taken at this stage is final."
    const err = domainErrorOf(() =>
      run([
        ...STAGE_ONE_ANSWERED,
        { type: 'escalation_requested', at: '2027-03-03T10:00' },
        { type: 'responded', at: '2027-03-24T10:00', outcome: 'upheld' },
        { type: 'escalation_requested', at: '2027-03-26T10:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[5].type');
  });
});

describe('SIL Stage Two decision', () => {
  it('when the Board member decides (upheld, partially upheld or not upheld), the case closes on that decision', () => {
    // Stage Two: "There are 3 possible outcomes to the stage two investigation: upheld, not upheld, partially
    // upheld." "The decision taken at this stage is final."
    // Request Wed 3 Mar 2027 -> reply due 31 Mar; decided Tue 30 Mar 2027. Retention: 6 years from closure
    // (the pack's reading; the policy states no period) -> 30 Mar 2033.
    for (const outcome of ['upheld', 'partially_upheld', 'not_upheld']) {
      const out = run([
        ...STAGE_ONE_ANSWERED,
        { type: 'escalation_requested', at: '2027-03-03T10:00' },
        { type: 'acknowledged', at: '2027-03-05T10:00' },
        { type: 'responded', at: '2027-03-30T16:00', outcome },
      ]);
      expect(out).toMatchObject({ status: 'closed', stage: 2, outcome, closedOn: '2027-03-30', retainUntil: '2033-03-30' });
      expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2027-03-10', metOn: '2027-03-05', late: false });
      expect(deadline(out, 2, 'respond')).toMatchObject({ due: '2027-03-31', metOn: '2027-03-30', late: false, overdue: false });
    }
  });

  it('refuses any other Stage Two outcome (resolved, undecided, dismissed), naming the field', () => {
    // Stage Two: "There are 3 possible outcomes to the stage two investigation".
    for (const outcome of ['resolved', 'undecided', 'dismissed']) {
      const err = domainErrorOf(() =>
        run([...STAGE_ONE_ANSWERED, { type: 'escalation_requested', at: '2027-03-03T10:00' }, { type: 'responded', at: '2027-03-30T16:00', outcome }]),
      );
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('events[4].outcome');
      expect(err.message).toContain('events[4].outcome');
    }
  });
});

describe('SIL scope', () => {
  it('when a member of staff complains, the complaint is out of scope: no deadlines, and nothing further can be recorded', () => {
    // Where Complaints Come From: "This policy does not cover complaints from staff, who should use their school's
    // grievance policies."
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { category: 'staff_grievance' });
    expect(out).toMatchObject({ status: 'out_of_scope', closedOn: '2027-02-01', deadlines: [] });
    expect(out.flags).toContain('out_of_scope');
    const outOfScope = builtInPolicy('sil').scope.outOfScope;
    expect(outOfScope.map((o) => o.category)).toEqual(['staff_grievance']);
    const err = domainErrorOf(() =>
      run(
        [
          { type: 'received', at: '2027-02-01T09:00', stage: 1 },
          { type: 'acknowledged', at: '2027-02-02T09:00' },
        ],
        { category: 'staff_grievance' },
      ),
    );
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });

  it('sets no time limit: a complaint about something three years old is not flagged late', () => {
    // The policy gives no time limit for making a complaint.
    expect(builtInPolicy('sil').scope.timeLimit).toBeUndefined();
    const out = run([{ type: 'received', at: '2027-02-01T09:00', stage: 1 }], { incidentOn: '2024-01-15' });
    expect(out.status).toBe('open');
    expect(out.flags).toEqual([]);
  });

  it('refuses to pause a complaint, naming the event', () => {
    // The procedure does not provide for putting a complaint on hold (only a progress report with a new date).
    const err = domainErrorOf(() =>
      run([
        { type: 'received', at: '2027-02-01T09:00', stage: 1 },
        { type: 'paused', at: '2027-02-04T09:00' },
      ]),
    );
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[1].type');
  });
});
