import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SchoolCalendar } from '../../src/domain/calendar.js';
import { foldCase, type CaseEvent } from '../../src/domain/case.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';
import { parsePolicy } from '../../src/domain/policy.js';
import { ENGLAND_SEP_2026_TO_FEB_2027, deadlineOf as dl, domainErrorOf as error } from '../helpers/fold.js';

// A school's own pack (test/fixtures/policies/oakfield.json): 2 stages in school days.
const oakfield = parsePolicy(JSON.parse(readFileSync(new URL('../fixtures/policies/oakfield.json', import.meta.url), 'utf8')));
const calendar = SchoolCalendar.from(ENGLAND_SEP_2026_TO_FEB_2027);
const at = (s: string) => Date.parse(s);
const fold = (events: CaseEvent[], now = '2026-11-20T12:00:00Z', facts = {}) => foldCase({ policy: oakfield, calendar, facts, events, now: at(now) });
const received: CaseEvent = { type: 'received', at: '2026-11-06T09:00', stage: 1 };

describe('the case fold', () => {
  it('when nothing has been done, the acknowledgement and response are due and overdue once their day has passed', () => {
    // Received Fri 6 Nov: ack 2 school days = Tue 10 Nov; respond 10 school days = Fri 20 Nov.
    const s = fold([received], '2026-11-11T08:00:00Z');
    expect(dl(s, 1, 'acknowledge')).toMatchObject({ due: '2026-11-10', metOn: null, overdue: true, late: true });
    expect(dl(s, 1, 'respond')).toMatchObject({ due: '2026-11-20', overdue: false });
  });

  it('a deadline is not overdue during its due day', () => {
    expect(dl(fold([received], '2026-11-10T23:30:00Z'), 1, 'acknowledge').overdue).toBe(false); // 23:30 GMT is still 10 Nov
  });

  it('when the handler acknowledges late, the deadline is met but marked late', () => {
    const s = fold([received, { type: 'acknowledged', at: '2026-11-11T09:00' }]);
    expect(dl(s, 1, 'acknowledge')).toMatchObject({ metOn: '2026-11-11', overdue: false, late: true });
  });

  it('when the stage is answered, the escalation window opens from the response date', () => {
    const s = fold([received, { type: 'responded', at: '2026-11-13T15:00', outcome: 'not_upheld' }]);
    expect(dl(s, 1, 'acknowledge').metOn).toBe('2026-11-13'); // a full answer also acknowledges
    // 10 school days after Fri 13 Nov: 16..20 (5), 23..27 (10).
    expect(dl(s, 1, 'escalation_window')).toMatchObject({ due: '2026-11-27', owner: 'complainant' });
    expect(s.status).toBe('open');
  });

  it('when the complainant escalates, the next stage starts that day with its own clocks and handler', () => {
    const s = fold([received, { type: 'responded', at: '2026-11-13T15:00', outcome: 'not_upheld' }, { type: 'escalation_requested', at: '2026-11-16T10:00' }]);
    expect(s).toMatchObject({ stage: 2, handlerRole: 'chair_of_governors', receivedOn: '2026-11-06', stageReceivedOn: '2026-11-16' });
    expect(dl(s, 1, 'escalation_window').metOn).toBe('2026-11-16');
    // 15 school days after Mon 16 Nov: 17..20 (4), 23..27 (9), 30 Nov..4 Dec (14), 7 Dec (15).
    expect(dl(s, 2, 'respond').due).toBe('2026-12-07');
  });

  it('when the final stage is decided, the case closes and its retention date runs from that day', () => {
    const s = fold([
      received,
      { type: 'responded', at: '2026-11-13T15:00', outcome: 'not_upheld' },
      { type: 'escalation_requested', at: '2026-11-16T10:00' },
      { type: 'responded', at: '2026-12-01T10:00', outcome: 'upheld' },
    ]);
    expect(s).toMatchObject({ status: 'closed', closedOn: '2026-12-01', outcome: 'upheld', retainUntil: '2032-12-01' });
  });

  it('when a case closed because its escalation window lapsed gets a late request, it reopens at the next stage, flagged late', () => {
    const s = fold([
      received,
      { type: 'responded', at: '2026-11-13T15:00', outcome: 'not_upheld' },
      { type: 'closed', at: '2026-11-30T08:00', reason: 'escalation_window_lapsed' },
      { type: 'escalation_requested', at: '2026-12-01T10:00' },
    ]);
    expect(s).toMatchObject({ status: 'open', stage: 2, closedOn: null, retainUntil: null });
    expect(s.flags).toContain('late_escalation');
    // A case closed for any other reason stays closed.
    expect(error(() => fold([received, { type: 'responded', at: '2026-11-13T15:00', outcome: 'not_upheld' }, { type: 'closed', at: '2026-11-16T08:00', reason: 'resolved by phone' }, { type: 'escalation_requested', at: '2026-11-17T10:00' }])).message).toMatch(/closed on 2026-11-16/);
  });

  it('when the complaint is resolved informally, the case closes with no escalation window', () => {
    const s = fold([received, { type: 'responded', at: '2026-11-10T15:00', outcome: 'resolved' }]);
    expect(s.status).toBe('closed');
    expect(s.deadlines.some((d) => d.kind === 'escalation_window')).toBe(false);
  });

  it('when the complaint is about the usual handler, the routing rule names who handles it', () => {
    expect(fold([received], undefined, { about: 'teacher' }).handlerRole).toBe('head_teacher');
    expect(dl(fold([received], undefined, { about: 'teacher' }), 1, 'respond').owner).toBe('head_teacher');
  });

  it('when a deadline is extended, the new date applies and the policy date is kept', () => {
    const s = fold([received, { type: 'deadline_extended', at: '2026-11-18T09:00', kind: 'respond', due: '2026-12-04', reason: 'witness absent' }], '2026-11-23T12:00:00Z');
    expect(dl(s, 1, 'respond')).toMatchObject({ due: '2026-12-04', originalDue: '2026-11-20', overdue: false });
  });

  it('refuses an extension that is not later than the current due date', () => {
    const e = error(() => fold([received, { type: 'deadline_extended', at: '2026-11-09T09:00', kind: 'respond', due: '2026-11-19' }]));
    expect(e.field).toBe('events[1].due');
  });

  it('refuses to escalate a stage that has not answered, even after its response is overdue, unless the policy allows it', () => {
    const early = error(() => fold([received, { type: 'escalation_requested', at: '2026-11-09T09:00' }]));
    expect(early.code).toBe('EVENT_OUT_OF_ORDER');
    expect(early.message).toMatch(/stage 1 has no response yet; record "responded" first/);
    expect(error(() => fold([received, { type: 'escalation_requested', at: '2026-11-30T09:00' }])).field).toBe('events[1].type');
  });

  it('refuses anything after the case is closed or withdrawn', () => {
    const e = error(() => fold([received, { type: 'withdrawn', at: '2026-11-09T09:00' }, { type: 'acknowledged', at: '2026-11-10T09:00' }]));
    expect(e.field).toBe('events[2].type');
    expect(e.message).toMatch(/withdrawn on 2026-11-09/);
  });

  it('when the complaint is withdrawn, nothing is overdue and retention runs from the withdrawal', () => {
    const s = fold([received, { type: 'withdrawn', at: '2026-11-09T09:00' }], '2026-12-01T12:00:00Z');
    expect(s).toMatchObject({ status: 'withdrawn', closedOn: '2026-11-09', retainUntil: '2032-11-09' });
    expect(s.deadlines.every((d) => !d.overdue)).toBe(true);
  });

  it('refuses a second acknowledgement, a second response, a hearing where there is no panel and pausing where the policy has no pause', () => {
    expect(error(() => fold([received, { type: 'acknowledged', at: '2026-11-09T09:00' }, { type: 'acknowledged', at: '2026-11-09T10:00' }])).message).toMatch(/already acknowledged on 2026-11-09/);
    expect(error(() => fold([received, { type: 'hearing_scheduled', at: '2026-11-09T09:00', hearingOn: '2026-11-20' }])).message).toMatch(/has no panel hearing/);
    expect(error(() => fold([received, { type: 'paused', at: '2026-11-09T09:00' }])).message).toMatch(/does not provide for pausing/);
  });

  it('refuses a case whose first event is not "received", or a second "received"', () => {
    expect(error(() => fold([{ type: 'acknowledged', at: '2026-11-09T09:00' }])).field).toBe('events[0].type');
    expect(error(() => fold([received, received])).field).toBe('events[1].type');
  });
});

describe('cancelling a hearing (NMAT Stage Four)', () => {
  // Stage Four requested Mon 30 Nov 2026; this calendar has no INSET day, so Tue 5 Jan is a school day.
  // Hearing within 15 school days: 1..4 Dec (4), 7..11 (9), 14..18 (14), Tue 5 Jan (15).
  const nmat = builtInPolicy('nmat');
  const foldNmat = (events: CaseEvent[], now = '2026-12-08T12:00:00Z') => foldCase({ policy: nmat, calendar, events, now: at(now) });
  const requested: CaseEvent = { type: 'received', at: '2026-11-30T09:00', stage: 4 };
  const scheduled: CaseEvent = { type: 'hearing_scheduled', at: '2026-12-01T10:00', hearingOn: '2026-12-15' };
  const cancelled: CaseEvent = { type: 'hearing_cancelled', at: '2026-12-03T10:00', reason: 'the independent member withdrew' };

  it('after a cancellation the notice, papers and companion deadlines count back from the latest date allowed again, and notice is owed again', () => {
    // Scheduled for Tue 15 Dec: notice 10 school days before = Tue 1 Dec (given that day); papers 7 before = Fri 4 Dec.
    const before = foldNmat([requested, scheduled]);
    expect(dl(before, 4, 'hearing_notice')).toMatchObject({ due: '2026-12-01', metOn: '2026-12-01' });
    expect(dl(before, 4, 'panel_papers').due).toBe('2026-12-04');
    // Cancelled: back from Tue 5 Jan. Notice: 18, 17, 16, 15, 14, 11, 10, 9, 8, Mon 7 Dec (10);
    // papers: 18 .. 14, 11, Thu 10 Dec (7); companion: 18, Thu 17 Dec (2). By Tue 8 Dec the notice is overdue.
    const after = foldNmat([requested, scheduled, cancelled]);
    expect(dl(after, 4, 'hearing_notice')).toMatchObject({ due: '2026-12-07', metOn: null, overdue: true, owner: 'governance_lead' });
    expect(dl(after, 4, 'panel_papers').due).toBe('2026-12-10');
    expect(dl(after, 4, 'companion_notice').due).toBe('2026-12-17');
    expect(dl(after, 4, 'hearing')).toMatchObject({ due: '2027-01-05', metOn: null });
  });

  it('a hearing scheduled after a cancellation works as a first scheduling', () => {
    // Set on Wed 9 Dec for Wed 13 Jan: notice 12, 11, 8, 7, 6, 5 Jan, 18, 17, 16, Tue 15 Dec (10), given on 9 Dec;
    // papers 12 .. 5 Jan (6), Fri 18 Dec (7).
    const s = foldNmat([requested, scheduled, cancelled, { type: 'hearing_scheduled', at: '2026-12-09T10:00', hearingOn: '2027-01-13' }], '2026-12-09T12:00:00Z');
    expect(dl(s, 4, 'hearing_notice')).toMatchObject({ due: '2026-12-15', metOn: '2026-12-09', late: false });
    expect(dl(s, 4, 'panel_papers').due).toBe('2026-12-18');
  });

  it('once cancelled, the hearing can be neither held nor decided until a new date is set', () => {
    expect(error(() => foldNmat([requested, scheduled, cancelled, { type: 'hearing_held', at: '2026-12-15T10:00' }])).message).toMatch(/record "hearing_scheduled" before "hearing_held"/);
    expect(error(() => foldNmat([requested, scheduled, cancelled, { type: 'responded', at: '2026-12-16T10:00', outcome: 'dismissed' }])).message).toMatch(/record "hearing_scheduled" before the panel's decision/);
  });

  it('refuses to cancel when no hearing is scheduled, after it was held, or without a reason', () => {
    const none = error(() => foldNmat([requested, cancelled]));
    expect(none).toMatchObject({ code: 'EVENT_OUT_OF_ORDER', field: 'events[1].type' });
    expect(none.message).toMatch(/stage 4 has no hearing scheduled, so there is none to cancel/);
    expect(error(() => foldNmat([requested, scheduled, cancelled, cancelled])).field).toBe('events[3].type'); // cancelled twice
    const held = error(() => foldNmat([requested, scheduled, { type: 'hearing_held', at: '2026-12-15T10:00' }, { ...cancelled, at: '2026-12-15T12:00' }], '2026-12-16T12:00:00Z'));
    expect(held).toMatchObject({ code: 'EVENT_NOT_ALLOWED', field: 'events[3].type' });
    expect(held.message).toMatch(/the hearing was already held on 2026-12-15; a hearing that took place cannot be cancelled/);
    expect(error(() => foldNmat([requested, scheduled, { type: 'hearing_cancelled', at: '2026-12-03T10:00', reason: ' ' }])).field).toBe('events[2].reason');
  });
});
