/**
 * The MIAG pack against MIAG's "Complaints Policy and Recording Sheet" (seed 001_4d5a2fa678607c48.txt).
 *
 * MIAG's clocks are 24 hours (stages 1 and 2) and weeks (stage 3). Hours are elapsed time: they
 * run through nights, weekends, bank holidays and clock changes. UK clock changes (Europe/London):
 *   Sun 29 Mar 2026 01:00 GMT -> 02:00 BST      Sun 25 Oct 2026 02:00 BST -> 01:00 GMT
 *   Sun 28 Mar 2027 01:00 GMT -> 02:00 BST      Sun 31 Oct 2027 02:00 BST -> 01:00 GMT
 * A week is 7 calendar days. MIAG counts no school days, so it needs no term dates.
 * Every expected instant below was worked out by hand (BST = UTC+1, GMT = UTC+0).
 */
import { describe, expect, it } from 'vitest';
import { deadlineOf as deadline, domainErrorOf as thrown, simulateWith, type Ev as Event } from '../../helpers/fold.js';

/** No calendar at all unless one is given (`opts.calendar`): MIAG counts hours and weeks only. */
const run = simulateWith('miag', undefined, '2026-01-15T12:00:00Z');

describe('MIAG stage 1: the 24-hour acknowledgement', () => {
  it('a complaint raised with a member of staff at 15:00 on Friday 6 Nov 2026 must be acknowledged by 15:00 on Saturday, not Monday', () => {
    const out = run([{ type: 'received', at: '2026-11-06T15:00', stage: 1 }]);
    expect(out).toMatchObject({ status: 'open', stage: 1, receivedOn: '2026-11-06' });
    // Action Stages 1: "Raise the issue with a member of Staff"
    expect(out.handlerRole).toBe('staff');
    // "An initial response/acknowledgement will be made within 24 hours"; Time scale: "Stage 1 24 hours".
    // 15:00 GMT Fri + 24 elapsed hours = 15:00 GMT Sat (the weekend does not stop the clock).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ owner: 'staff', due: '2026-11-07T15:00:00Z', metOn: null });
  });

  it('across the spring clock change (Sun 29 Mar 2026) 24 hours after 10:00 Saturday is 11:00 BST on Sunday', () => {
    // Received Sat 28 Mar 2026 10:00 GMT = 10:00Z. At 01:00 GMT on Sun 29 Mar clocks go forward,
    // so 24 elapsed hours end at 10:00Z on Sunday, which the school's clock shows as 11:00 BST.
    const out = run([{ type: 'received', at: '2026-03-28T10:00', stage: 1 }]);
    // Time scale: "Stage 1 24 hours"
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-03-29T10:00:00Z');
  });

  it('after the spring 2026 clock change, an acknowledgement at 10:30 BST on Sunday is still in time', () => {
    const out = run(
      [
        { type: 'received', at: '2026-03-28T10:00', stage: 1 },
        { type: 'acknowledged', at: '2026-03-29T10:30' },
      ],
      { now: '2026-03-29T12:00' },
    );
    // "within 24 hours": 10:30 BST = 09:30Z, before the 10:00Z due instant (only 23.5 hours elapsed,
    // though the wall clock has moved 24.5 hours).
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2026-03-29T10:00:00Z', metOn: '2026-03-29T09:30:00Z', late: false, overdue: false });
  });

  it('across the autumn clock change (Sun 25 Oct 2026) 24 hours after 09:00 BST Saturday is 08:00 GMT on Sunday', () => {
    // Received Sat 24 Oct 2026 09:00 BST = 08:00Z. Clocks go back at 02:00 BST on Sun 25 Oct, so
    // 24 elapsed hours end at 08:00Z = 08:00 GMT on Sunday (the wall clock shows 23 hours later).
    const out = run([{ type: 'received', at: '2026-10-24T09:00', stage: 1 }]);
    // "An initial response/acknowledgement will be made within 24 hours"
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-10-25T08:00:00Z');
  });

  it('after the autumn 2026 clock change, the acknowledgement is overdue at 08:30 GMT on Sunday though the wall clock shows under 24 hours', () => {
    const events: Event[] = [{ type: 'received', at: '2026-10-24T09:00', stage: 1 }];
    // "within 24 hours": due 08:00Z on Sun 25 Oct (see above)
    expect(deadline(run(events, { now: '2026-10-25T07:59' }), 1, 'acknowledge').overdue).toBe(false);
    expect(deadline(run(events, { now: '2026-10-25T08:30' }), 1, 'acknowledge')).toMatchObject({ overdue: true, late: true });
    // An acknowledgement at 08:30 GMT Sunday is 24.5 elapsed hours after receipt: late.
    const acked = run([...events, { type: 'acknowledged', at: '2026-10-25T08:30' }], { now: '2026-10-25T09:00' });
    expect(deadline(acked, 1, 'acknowledge')).toMatchObject({ metOn: '2026-10-25T08:30:00Z', late: true, overdue: false });
  });

  it('across the spring clock change (Sun 28 Mar 2027) 24 hours after 20:00 GMT Saturday is 21:00 BST on Sunday', () => {
    // Received Sat 27 Mar 2027 20:00 GMT = 20:00Z (the day after Good Friday); due 20:00Z Sun 28 Mar.
    const out = run([{ type: 'received', at: '2027-03-27T20:00', stage: 1 }]);
    // Time scale: "Stage 1 24 hours"
    expect(deadline(out, 1, 'acknowledge').due).toBe('2027-03-28T20:00:00Z');
  });

  it('across the autumn clock change (Sun 31 Oct 2027) 24 hours after 18:00 BST Saturday is 17:00 GMT on Sunday', () => {
    // Received Sat 30 Oct 2027 18:00 BST = 17:00Z; due 17:00Z = 17:00 GMT on Sun 31 Oct.
    const out = run([{ type: 'received', at: '2027-10-30T18:00', stage: 1 }]);
    // "An initial response/acknowledgement will be made within 24 hours"
    expect(deadline(out, 1, 'acknowledge').due).toBe('2027-10-31T17:00:00Z');
  });

  it('a complaint at 23:30 BST on the night of the autumn clock change is received on the Saturday, and due before midnight Sunday GMT', () => {
    // Received Sat 24 Oct 2026 23:30 BST = 22:30Z; + 24 h = 22:30Z Sun 25 Oct = 22:30 GMT.
    const out = run([{ type: 'received', at: '2026-10-24T23:30', stage: 1 }]);
    expect(out.receivedOn).toBe('2026-10-24');
    // "within 24 hours"
    expect(deadline(out, 1, 'acknowledge').due).toBe('2026-10-25T22:30:00Z');
  });
});

describe('MIAG routing: who handles the complaint depends on whom it is about', () => {
  const stage1 = (about: string) => run([{ type: 'received', at: '2026-11-06T15:00', stage: 1 }], { about });
  const stage2 = (about: string) => run([{ type: 'received', at: '2026-11-06T15:00', stage: 2 }], { about });

  it('a complaint about a member of staff is handled by SLT, who owe the 24-hour acknowledgement', () => {
    const out = stage1('staff');
    // Action Stages: "Staff must report any complaint to SLT"; "SLT are the contact point with
    // responsibility for the operation of the complaints policy"
    expect(out.handlerRole).toBe('slt');
    expect(deadline(out, 1, 'acknowledge').owner).toBe('slt');
  });

  it('a complaint about SLT is handled by the Head of ALP at stages 1 and 2', () => {
    // Persons Responsible for Policy: "Deb Sherring - Head of ALP" (the pack's reading: SLT cannot
    // handle complaints about SLT)
    for (const out of [stage1('slt'), stage2('slt')]) {
      expect(out.handlerRole).toBe('head_of_alp');
      expect(deadline(out, out.stage, 'acknowledge').owner).toBe('head_of_alp');
    }
  });

  it('a complaint about the Head of ALP is handled by the Director at stages 1 and 2', () => {
    // The text names no route; the Head of ALP cannot handle a complaint about herself.
    for (const out of [stage1('head_of_alp'), stage2('head_of_alp')]) {
      expect(out.handlerRole).toBe('director');
      expect(deadline(out, out.stage, 'acknowledge').owner).toBe('director');
    }
  });

  it('a complaint against the Director is handled by the Board of Trustees at stages 1 and 2', () => {
    // Action Stages 5: "Complaint against the Director. The board of Trustees (Hopson Solicitors)
    // will meet with MIAG manager to discuss independently."
    for (const out of [stage1('director'), stage2('director')]) {
      expect(out.handlerRole).toBe('trustees');
      expect(deadline(out, out.stage, 'acknowledge').owner).toBe('trustees');
    }
  });

  it('a stage 2 complaint about a member of staff is handled by SLT', () => {
    const out = stage2('staff');
    // Action Stages 4: "SLT Response. Raise the issue with SLT - formal investigation"
    expect(out.handlerRole).toBe('slt');
    // Time scale: "Stage 2 24 hours": 15:00 GMT Fri 6 Nov + 24 h
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ owner: 'slt', due: '2026-11-07T15:00:00Z' });
  });
});

describe('MIAG stage 2: SLT formal investigation', () => {
  it('when the informal response fails, SLT must acknowledge within 24 hours of the request, across the 31 Oct 2027 clock change', () => {
    const out = run([
      { type: 'received', at: '2027-10-28T10:00', stage: 1 },
      { type: 'responded', at: '2027-10-29T16:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2027-10-30T12:00' },
    ]);
    // Action Stages 4: "If initial attempts to resolve the issue are unsuccessful and the person
    // concerned remains dissatisfied, then SLT are the contact point"
    expect(out).toMatchObject({ status: 'open', stage: 2, handlerRole: 'slt', receivedOn: '2027-10-28', stageReceivedOn: '2027-10-30' });
    // Stage 1 "24 hours": 10:00 BST Thu 28 Oct = 09:00Z -> 09:00Z Fri 29 Oct; the response at
    // 16:00 BST (15:00Z) also acknowledges, late.
    expect(deadline(out, 1, 'acknowledge')).toMatchObject({ due: '2027-10-29T09:00:00Z', metOn: '2027-10-29T15:00:00Z', late: true });
    // Time scale: "Stage 2 24 hours": Sat 30 Oct 12:00 BST = 11:00Z; + 24 h = 11:00Z Sun 31 Oct (11:00 GMT)
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ owner: 'slt', due: '2027-10-31T11:00:00Z', metOn: null });
  });

  it('a complaint cannot go to SLT stage 2 before its informal stage has been answered', () => {
    const err = thrown(() =>
      run([
        { type: 'received', at: '2026-11-02T10:00', stage: 1 },
        { type: 'escalation_requested', at: '2026-11-20T10:00' },
      ]),
    );
    // Action Stages 4: "If initial attempts to resolve the issue are unsuccessful ... then SLT"
    expect(err.code).toBe('EVENT_OUT_OF_ORDER');
    expect(err.field).toBe('events[1].type');
  });

  it('when SLT resolves the complaint the case closes, and the record is kept for six years', () => {
    const out = run([
      { type: 'received', at: '2026-11-02T10:00', stage: 2 },
      { type: 'acknowledged', at: '2026-11-02T16:00' },
      { type: 'responded', at: '2026-11-13T11:00', outcome: 'resolved' },
    ]);
    expect(out).toMatchObject({ status: 'closed', stage: 2, outcome: 'resolved', closedOn: '2026-11-13' });
    // "Stage 2 24 hours": acknowledged 6 hours after receipt
    expect(deadline(out, 2, 'acknowledge')).toMatchObject({ due: '2026-11-03T10:00:00Z', metOn: '2026-11-02T16:00:00Z', late: false });
    // "Written records will be kept of all complaints": the text gives no period; the pack's recorded
    // choice is 6 years from closure.
    expect(out.retainUntil).toBe('2032-11-13');
  });
});

describe('MIAG stage 3: the Complaints Panel', () => {
  /** Stage 2 answered Tue 15 Dec 2026; the complainant asks for the panel on Wed 16 Dec 2026. */
  const toPanel: Event[] = [
    { type: 'received', at: '2026-12-07T09:00', stage: 2 },
    { type: 'responded', at: '2026-12-15T14:00', outcome: 'not_upheld' },
    { type: 'escalation_requested', at: '2026-12-16T10:00' },
  ];

  it('a panel requested on Wed 16 Dec 2026 must report within 4 weeks, by Wed 13 Jan 2027: Christmas does not stop the clock', () => {
    const out = run(toPanel);
    // Action Stages 6: "If the matter remains unresolved following stages 1 and 2 then the complaint
    // will be heard by a Complaints Panel"
    expect(out).toMatchObject({ status: 'open', stage: 3, handlerRole: 'panel', stageReceivedOn: '2026-12-16' });
    // Time scale: "Stage 3 1-4 weeks": 4 x 7 = 28 calendar days after Wed 16 Dec = Wed 13 Jan 2027
    // (16 Dec + 15 days = 31 Dec, + 13 days = 13 Jan).
    expect(deadline(out, 3, 'panel_decision')).toMatchObject({ owner: 'panel', due: '2027-01-13', metOn: null });
  });

  it('the panel report is overdue the day after its four weeks end', () => {
    // "Stage 3 1-4 weeks" (due Wed 13 Jan 2027)
    expect(deadline(run(toPanel, { now: '2027-01-13T18:00' }), 3, 'panel_decision')).toMatchObject({ overdue: false });
    expect(deadline(run(toPanel, { now: '2027-01-14T09:00' }), 3, 'panel_decision')).toMatchObject({ overdue: true, late: true });
  });

  it('a panel requested on Good Friday 2027 reports within four calendar weeks, by Fri 23 Apr, across Easter and the clock change', () => {
    const out = run([
      { type: 'received', at: '2027-03-15T09:00', stage: 2 },
      { type: 'responded', at: '2027-03-22T14:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2027-03-26T10:00' },
    ]);
    // "Stage 3 1-4 weeks": Fri 26 Mar + 28 days = Fri 23 Apr 2027 (26 Mar + 5 = 31 Mar, + 23 = 23 Apr);
    // Good Friday, Easter Monday and the 28 Mar clock change make no difference to weeks.
    expect(deadline(out, 3, 'panel_decision').due).toBe('2027-04-23');
  });

  it('when the panel upholds the complaint in part after its hearing, the case closes and is kept for six years', () => {
    const out = run([
      ...toPanel,
      { type: 'hearing_scheduled', at: '2026-12-18T10:00', hearingOn: '2027-01-07' },
      { type: 'hearing_held', at: '2027-01-07T13:00' },
      { type: 'responded', at: '2027-01-11T10:00', outcome: 'partially_upheld' },
    ]);
    // Action Stages 6: "The panel can: dismiss the complaint in whole or in part; uphold the complaint
    // in whole or in part"; "The panel will make findings and recommendations which will be provided
    // to the complainant in writing."
    expect(out).toMatchObject({ status: 'closed', stage: 3, outcome: 'partially_upheld', closedOn: '2027-01-11' });
    // Within the 4 weeks (due Wed 13 Jan)
    expect(deadline(out, 3, 'panel_decision')).toMatchObject({ due: '2027-01-13', metOn: '2027-01-11', late: false });
    // The text sets no retention period; the pack's recorded choice is 6 years from closure.
    expect(out.retainUntil).toBe('2033-01-11');
  });

  it('the panel may dismiss or uphold, but must reach a finding: "undecided" is refused, naming the field', () => {
    const scheduled: Event[] = [...toPanel, { type: 'hearing_scheduled', at: '2026-12-18T10:00', hearingOn: '2027-01-07' }];
    // Action Stages 6: "The panel can: dismiss the complaint in whole or in part; uphold the complaint in whole or in part"
    for (const outcome of ['dismissed', 'upheld']) {
      const out = run([...scheduled, { type: 'responded', at: '2027-01-08T10:00', outcome }]);
      expect(out).toMatchObject({ status: 'closed', outcome, closedOn: '2027-01-08', retainUntil: '2033-01-08' });
    }
    const err = thrown(() => run([...scheduled, { type: 'responded', at: '2027-01-08T10:00', outcome: 'undecided' }]));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.field).toBe('events[4].outcome');
    expect(err.message).toContain('events[4].outcome');
  });

  it('nothing can be escalated beyond the panel', () => {
    const err = thrown(() => run([...toPanel, { type: 'escalation_requested', at: '2026-12-20T10:00' }]));
    // The panel is the last of the three "Action Stages"; its findings are final.
    expect(err.code).toBe('EVENT_NOT_ALLOWED');
    expect(err.field).toBe('events[3].type');
  });
});

describe('MIAG calendars: no term dates needed', () => {
  it('a calendar without terms is enough, and term dates change nothing', () => {
    const events: Event[] = [
      { type: 'received', at: '2026-10-24T09:00', stage: 2 },
      { type: 'responded', at: '2026-10-26T10:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2026-10-27T10:00' },
    ];
    const noTerms = run(events, { calendar: { region: 'england-and-wales' } });
    const withTerms = run(events, {
      calendar: {
        region: 'england-and-wales',
        terms: [
          { start: '2026-09-02', end: '2026-10-23' },
          { start: '2026-11-02', end: '2026-12-18' },
        ],
      },
    });
    // Time scale: "Stage 2 24 hours" from Sat 24 Oct 09:00 BST (08:00Z), across the 25 Oct clock change
    expect(deadline(noTerms, 2, 'acknowledge')).toMatchObject({ due: '2026-10-25T08:00:00Z', metOn: '2026-10-26T10:00:00Z', late: true });
    // "Stage 3 1-4 weeks": Tue 27 Oct (half term) + 28 days = Tue 24 Nov 2026
    expect(deadline(noTerms, 3, 'panel_decision').due).toBe('2026-11-24');
    expect(withTerms.deadlines).toEqual(noTerms.deadlines);
    // No calendar at all works as well.
    expect(run(events).deadlines).toEqual(noTerms.deadlines);
  });
});
