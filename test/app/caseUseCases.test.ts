/**
 * The case use cases after recording: assign, hearings, extensions, pause and resume, withdraw,
 * close, vexatious marking, calendar changes and the read side. Every test runs on the
 * in-memory stores and on the real database. Dates follow NMAT's rules on the school's real
 * 2026/27 calendar (England and Wales; autumn 2 term Mon 2 Nov - Fri 18 Dec 2026, spring term
 * from Tue 5 Jan 2027, which is an INSET day).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import { assignHandler } from '../../src/app/assignHandler.js';
import { SYSTEM, type Deps } from '../../src/app/caseFlow.js';
import { changeCalendar } from '../../src/app/changeCalendar.js';
import { closeCase } from '../../src/app/closeCase.js';
import { AppError } from '../../src/app/errors.js';
import { extendDeadline } from '../../src/app/extendDeadline.js';
import { markVexatious } from '../../src/app/markVexatious.js';
import { pauseCase } from '../../src/app/pauseCase.js';
import type { CaseRecord, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordHearingHeld } from '../../src/app/recordHearingHeld.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { resumeCase } from '../../src/app/resumeCase.js';
import { scheduleHearing } from '../../src/app/scheduleHearing.js';
import { listMyCases, listOverdue, viewCase } from '../../src/app/viewCase.js';
import { withdraw } from '../../src/app/withdraw.js';
import { P, TestClock, nmatSchool, parentComplaint, storeVariants } from '../helpers/app.js';

async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const HEAD2 = 'aad-head-2';
const MIET = { teacher: 'miet-teacher', pastoral: 'miet-pastoral', head: 'miet-head', exec: 'miet-exec' };

/** A MIET school, whose policy has no pause (nor a vexatious section). */
function mietSchool(id = 'miet-school'): Omit<School, 'outbox' | 'digests' | 'version'> {
  return {
    id,
    name: 'Manchester Islamic Grammar',
    policyId: 'miet',
    referencePrefix: 'MIET',
    calendar: nmatSchool().calendar,
    people: [
      { id: MIET.teacher, name: 'Cara Class', roles: ['class_teacher'] },
      { id: MIET.pastoral, name: 'Pia Pastoral', roles: ['pastoral_lead'] },
      { id: MIET.head, name: 'Hamid Head', roles: ['head_teacher', 'slt'] },
      { id: MIET.exec, name: 'Esme Exec', roles: ['executive_head', 'slt'] },
    ],
  };
}

const deadline = (c: CaseRecord, stage: number, kind: string) => {
  const d = c.state.deadlines.find((x) => x.stage === stage && x.kind === kind);
  if (!d) throw new Error(`no stage ${stage} ${kind} deadline in ${JSON.stringify(c.state.deadlines.map((x) => [x.stage, x.kind]))}`);
  return d;
};
const templates = (c: CaseRecord) => c.outbox.map((o) => [o.template, o.to]);

const stores = storeVariants('case_use_cases');

for (const [name, make] of stores) {
  describe(`case use cases on ${name}`, () => {
    let deps: Deps;
    let clock: TestClock;
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ deps, clock, close } = await make());
    });
    afterAll(async () => close?.());
    beforeEach(() => clock.set('2026-11-06T09:00:00Z'));

    const newSchool = async (make = nmatSchool, referencePrefix?: string) => {
      const s = make(`school-${Math.random().toString(36).slice(2, 8)}`);
      if (referencePrefix) s.referencePrefix = referencePrefix;
      if (s.policyId === 'nmat') s.people.push({ id: HEAD2, name: 'Harriet Head', roles: ['head_of_school'] });
      await deps.schools.save(s);
      return s.id;
    };

    const recorded = async (input: Parameters<typeof recordComplaint>[2], actor: string = P.teacher2): Promise<CaseRecord> => {
      // Tests record several complaints from one parent: each on its own (duplicate offers are core's tests).
      const r = await recordComplaint(deps, actor, { duplicates: 'separate', ...input });
      if (r.result !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(r)}`);
      return r.case;
    };

    /** A stage 1 complaint about Tara Teacher, received Fri 6 Nov 2026: the Head of School handles it. */
    const aboutTeacher = async (schoolId: string, extra: Record<string, unknown> = {}) =>
      recorded({ ...parentComplaint(schoolId), about: { role: 'teacher', personId: P.teacher, personName: 'Tara Teacher' }, ...extra });

    /**
     * A complaint at NMAT Stage Four: Stage Three received Fri 6 Nov, answered Fri 20 Nov, Stage
     * Four asked for on Tue 24 Nov 2026 (the hearing is due within 15 school days: Tue 15 Dec).
     */
    const atStageFour = async (schoolId: string) => {
      const c = await recorded({ ...parentComplaint(schoolId), stage: 3 });
      clock.set('2026-11-20T15:00:00Z');
      await recordOutcome(deps, P.execPrincipal, {
        caseId: c.id,
        outcome: 'not_upheld',
        decision: 'The detentions followed the behaviour policy; reasons below.',
      });
      clock.set('2026-11-24T08:30:00Z');
      return requestEscalation(deps, P.governanceLead, { caseId: c.id });
    };

    /** Nothing was saved: same version, events and outbox as before. */
    const unchanged = async (before: CaseRecord) => {
      const now = (await deps.cases.get(before.id))!;
      expect(now.version).toBe(before.version);
      expect(now.events).toHaveLength(before.events.length);
      expect(now.outbox).toHaveLength(before.outbox.length);
    };

    describe('assign handler', () => {
      it('when SLT assigns stage 1 to another Head of School, that person owns its deadlines, gets the task, and the previous handler is told', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        expect(c.state.handlerId).toBe(P.headOfSchool);
        const a = await assignHandler(deps, P.deputy, { caseId: c.id, personId: HEAD2, reason: 'Hana is on leave until December', expectedVersion: c.version });
        expect(a.state.handlerId).toBe(HEAD2);
        expect(a.state.deadlines.map((d) => [d.kind, d.ownerId])).toEqual([
          ['acknowledge', HEAD2],
          ['respond', HEAD2],
        ]);
        expect(a.events.at(-1)).toMatchObject({ type: 'handler_assigned', stage: 1, personId: HEAD2, reason: 'Hana is on leave until December', by: P.deputy });
        expect(a.outbox.slice(-2)).toMatchObject([
          { kind: 'message', to: HEAD2, template: 'stage_task', data: { reference: c.reference, stage: 1 } },
          { kind: 'message', to: P.headOfSchool, template: 'reassigned', data: { reference: c.reference, reassignedTo: 'Harriet Head' } },
        ]);
        // The first head may be given it back: both are told again (new keys), nothing is swallowed.
        const back = await assignHandler(deps, P.governanceLead, { caseId: c.id, personId: P.headOfSchool, reason: 'Hana is back' });
        expect(back.state.handlerId).toBe(P.headOfSchool);
        expect(templates(back).slice(-2)).toEqual([
          ['stage_task', P.headOfSchool],
          ['reassigned', HEAD2],
        ]);
      });

      it('when the person complained about is chosen, then it is refused (SUBJECT_CANNOT_HANDLE) and nothing is saved', async () => {
        const schoolId = await newSchool();
        const c = await recorded({ ...parentComplaint(schoolId), about: { role: 'head_of_school', personId: P.headOfSchool } });
        const e = await appError(assignHandler(deps, P.deputy, { caseId: c.id, personId: P.headOfSchool, reason: 'quickest to deal with it' }));
        expect(e).toMatchObject({ code: 'SUBJECT_CANNOT_HANDLE', field: 'personId' });
        await unchanged(c);
      });

      it('when someone outside SLT and the clerk assigns, or picks a person without the stage role or outside the school, then it is refused naming why', async () => {
        const schoolId = await newSchool();
        // About the Head of School: the Executive Principal handles stage 1 (NMAT §3), but cannot reassign it.
        const c = await recorded({ ...parentComplaint(schoolId), about: { role: 'head_of_school', personId: P.headOfSchool } });
        expect(c.state.handlerId).toBe(P.execPrincipal);
        expect((await appError(assignHandler(deps, P.execPrincipal, { caseId: c.id, personId: P.execPrincipal, reason: 'mine' }))).code).toBe('NOT_AUTHORISED');
        expect(await appError(assignHandler(deps, P.deputy, { caseId: c.id, personId: P.teacher2, reason: 'has time' }))).toMatchObject({
          code: 'NOT_ALLOWED',
          field: 'personId',
          userMessage: expect.stringMatching(/Executive Principal/),
        });
        expect(await appError(assignHandler(deps, P.deputy, { caseId: c.id, personId: 'aad-stranger', reason: 'has time' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'personId',
        });
        expect(await appError(assignHandler(deps, P.deputy, { caseId: c.id, personId: P.execPrincipal, reason: 'x' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'reason',
        });
        expect((await appError(assignHandler(deps, P.outsider, { caseId: c.id, personId: P.execPrincipal, reason: 'has time' }))).code).toBe('CASE_NOT_FOUND');
        await unchanged(c);
      });
    });

    describe('hearings', () => {
      it('when the clerk schedules the Stage Four hearing for Tue 15 Dec, the hearing deadlines count back and on from it, the complainant is invited and the booking names the panel', async () => {
        const schoolId = await newSchool();
        const c = await atStageFour(schoolId);
        clock.set('2026-11-25T10:00:00Z');
        const h = await scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-15' });
        // NMAT §14, school days: notice 10 before (Tue 1 Dec, met today), papers 7 before (Fri 4 Dec),
        // companion request 2 before (Fri 11 Dec), decision 10 after: 16-18 Dec, then 6-8 and 11-14 Jan
        // (Tue 5 Jan is an INSET day) = Thu 14 Jan 2027.
        expect([deadline(h, 4, 'hearing_notice').due, deadline(h, 4, 'hearing_notice').metOn]).toEqual(['2026-12-01', '2026-11-25']);
        expect(deadline(h, 4, 'panel_papers').due).toBe('2026-12-04');
        expect(deadline(h, 4, 'companion_notice').due).toBe('2026-12-11');
        expect(deadline(h, 4, 'panel_decision').due).toBe('2027-01-14');
        expect(h.outbox.find((o) => o.template === 'hearing_invitation_letter')).toMatchObject({
          kind: 'letter',
          to: 'complainant',
          data: { hearingOn: '2026-12-15', papersDue: '2026-12-04', companionRequestDue: '2026-12-11' },
        });
        expect(h.outbox.find((o) => o.template === 'hearing_booking')).toMatchObject({
          kind: 'calendar',
          to: P.governanceLead,
          data: {
            reference: c.reference,
            hearingOn: '2026-12-15',
            panel: [{ id: P.panel1 }, { id: P.panel2 }, { id: P.panel3 }],
            minMembers: 3,
            independentMembers: 1,
          },
        });

        // Moving it needs a reason; the complainant then gets a new letter for the new date.
        clock.set('2026-11-26T10:00:00Z');
        expect(await appError(scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-17' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'reason',
        });
        await unchanged(h);
        const moved = await scheduleHearing(deps, P.governanceLead, {
          caseId: c.id,
          hearingOn: '2026-12-17',
          reason: 'the independent member is ill on the 15th',
        });
        // From Thu 17 Dec: notice Thu 3 Dec, papers Tue 8 Dec, companion Tue 15 Dec, decision
        // 18 Dec, 6-8 Jan, 11-15 Jan, Mon 18 Jan 2027.
        expect(['hearing_notice', 'panel_papers', 'companion_notice', 'panel_decision'].map((k) => deadline(moved, 4, k).due)).toEqual([
          '2026-12-03',
          '2026-12-08',
          '2026-12-15',
          '2027-01-18',
        ]);
        const letters = moved.outbox.filter((o) => o.template === 'hearing_invitation_letter');
        expect(letters.map((l) => l.data.hearingOn)).toEqual(['2026-12-15', '2026-12-17']);
        expect(letters[1]!.data).toMatchObject({ previousHearingOn: '2026-12-15', reason: 'the independent member is ill on the 15th' });
        expect(moved.outbox.filter((o) => o.template === 'hearing_booking').at(-1)!.data).toMatchObject({
          hearingOn: '2026-12-17',
          previousHearingOn: '2026-12-15',
        });
      });

      it('a panel member assigned to chair the panel stays on it; the person complained about is never on the panel', async () => {
        const schoolId = await newSchool();
        const { outbox: _o, digests: _d, version: _v, ...s } = (await deps.schools.get(schoolId))!;
        s.people.find((p) => p.id === P.panel3)!.roles.push('teacher'); // a panel member who also teaches, and is complained about
        await deps.schools.save(s);
        const c0 = await recorded({ ...parentComplaint(schoolId), stage: 3, about: { role: 'teacher', personId: P.panel3 } });
        clock.set('2026-11-20T15:00:00Z');
        await recordOutcome(deps, P.execPrincipal, {
          caseId: c0.id,
          outcome: 'not_upheld',
          decision: 'The detentions followed the behaviour policy; reasons below.',
        });
        clock.set('2026-11-24T08:30:00Z');
        const c = await requestEscalation(deps, P.governanceLead, { caseId: c0.id });
        const chaired = await assignHandler(deps, P.governanceLead, { caseId: c.id, personId: P.panel1, reason: 'chairs the panel' });
        expect(chaired.state.handlerId).toBe(P.panel1);
        const h = await scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-15' });
        expect(h.outbox.find((o) => o.template === 'hearing_booking')!.data.panel).toEqual([
          { id: P.panel1, name: 'Pat Panel' },
          { id: P.panel2, name: 'Pam Panel' },
        ]);
      });

      it('when a hearing is asked for where the policy has none, in the past, or by someone not running the case, then it is refused and nothing is saved', async () => {
        const schoolId = await newSchool();
        const s1 = await aboutTeacher(schoolId);
        expect((await appError(scheduleHearing(deps, P.headOfSchool, { caseId: s1.id, hearingOn: '2026-12-15' }))).code).toBe('NOT_ALLOWED');
        await unchanged(s1);
        const c = await atStageFour(schoolId);
        expect(await appError(scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-11-23' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'hearingOn',
        });
        expect(await appError(scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '15/12/2026' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'hearingOn',
        });
        // A panel member may see the case but does not convene the hearing (the clerk does, NMAT §14).
        expect((await appError(scheduleHearing(deps, P.panel1, { caseId: c.id, hearingOn: '2026-12-15' }))).code).toBe('NOT_AUTHORISED');
        await unchanged(c);
      });

      it('when the hearing is held, its deadline is met and the papers and companion cut-offs are settled, never late; it cannot be held before it is scheduled', async () => {
        const schoolId = await newSchool();
        const c = await atStageFour(schoolId);
        expect((await appError(recordHearingHeld(deps, P.governanceLead, { caseId: c.id }))).code).toBe('NOT_ALLOWED');
        await unchanged(c);
        clock.set('2026-11-25T10:00:00Z');
        await scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-15' });
        clock.set('2026-12-15T16:00:00Z');
        expect(await appError(recordHearingHeld(deps, P.panel1, { caseId: c.id, heldAt: '2026-12-16T10:00:00Z' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'heldAt',
        });
        // The Stage Three investigator still sees the case (they owed its deadlines) but has no part in Stage Four.
        expect((await appError(recordHearingHeld(deps, P.execPrincipal, { caseId: c.id }))).code).toBe('NOT_AUTHORISED');
        const held = await recordHearingHeld(deps, P.panel1, { caseId: c.id, heldAt: '2026-12-15T14:00:00Z' });
        expect(deadline(held, 4, 'hearing')).toMatchObject({ due: '2026-12-15', metOn: '2026-12-15', late: false });
        expect(deadline(held, 4, 'panel_papers')).toMatchObject({ metOn: '2026-12-15', late: false });
        expect(deadline(held, 4, 'companion_notice')).toMatchObject({ metOn: '2026-12-15', late: false });
        expect(deadline(held, 4, 'panel_decision')).toMatchObject({ due: '2027-01-14', open: true });
      });
    });

    describe('extend a deadline', () => {
      it('when the handler extends the Stage One response to Tue 24 Nov with a reason, the new date applies, the policy date is kept, and the complainant is told both', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        clock.set('2026-11-12T10:00:00Z');
        const x = await extendDeadline(deps, P.headOfSchool, {
          caseId: c.id,
          kind: 'respond',
          due: '2026-11-24',
          reason: 'Statements from the trip staff arrive on Friday',
        });
        // NMAT §11: seven school days from Fri 6 Nov is Tue 17 Nov.
        expect(deadline(x, 1, 'respond')).toMatchObject({ due: '2026-11-24', originalDue: '2026-11-17', open: true });
        expect(x.events.at(-1)).toMatchObject({
          type: 'deadline_extended',
          kind: 'respond',
          due: '2026-11-24',
          reason: 'Statements from the trip staff arrive on Friday',
        });
        expect(x.outbox.at(-1)).toMatchObject({
          kind: 'letter',
          to: 'complainant',
          template: 'extension_letter',
          data: {
            kind: 'respond',
            previousDue: '2026-11-17',
            newDue: '2026-11-24',
            originalDue: '2026-11-17',
            reason: 'Statements from the trip staff arrive on Friday',
          },
        });
      });

      it('when the new date is not later, the deadline is not one of the stage, already met, the reason is missing or the person has no part in the case, then it is refused naming the field', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        const ext = (who: string, v: Record<string, unknown>) =>
          appError(extendDeadline(deps, who, { caseId: c.id, kind: 'respond', due: '2026-11-24', reason: 'more time needed', ...v } as never));
        expect(await ext(P.headOfSchool, { due: '2026-11-16' })).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'due',
          userMessage: expect.stringMatching(/2026-11-17/),
        });
        expect(await ext(P.headOfSchool, { kind: 'hearing' })).toMatchObject({ code: 'INVALID_INPUT', field: 'kind' });
        expect(await ext(P.headOfSchool, { kind: 'soon' })).toMatchObject({ code: 'INVALID_INPUT', field: 'kind' });
        expect(await ext(P.headOfSchool, { reason: '' })).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
        expect((await ext(P.panel1, {})).code).toBe('NOT_AUTHORISED');
        expect((await ext(P.teacher, {})).code).toBe('CASE_NOT_FOUND');
        await unchanged(c);
        clock.set('2026-11-09T10:00:00Z');
        const acked = await acknowledge(deps, P.headOfSchool, { caseId: c.id });
        expect(await ext(P.headOfSchool, { kind: 'acknowledge', due: '2026-11-12' })).toMatchObject({ code: 'NOT_ALLOWED', field: 'kind' });
        await unchanged(acked);
      });
    });

    describe('pause and resume', () => {
      it('when a complaint is paused for a police investigation (NMAT §7), nothing is overdue; on resuming, the clocks restart and the complainant gets the new timescale', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        clock.set('2026-11-09T10:00:00Z');
        await acknowledge(deps, P.headOfSchool, { caseId: c.id });
        clock.set('2026-11-10T10:00:00Z');
        const p = await pauseCase(deps, P.headOfSchool, { caseId: c.id, reason: 'Police are investigating the same incident' });
        expect(p.state.flags).toContain('paused');
        expect(p.state.deadlines.some((d) => d.open)).toBe(false);
        expect(p.state.nextDueAt).toBeNull();
        expect(p.outbox.at(-1)).toMatchObject({ kind: 'letter', to: 'complainant', template: 'pause_letter', data: { pausedOn: '2026-11-10' } });
        expect(JSON.stringify(p.outbox.at(-1)!.data)).not.toMatch(/Police/);
        clock.set('2026-11-23T09:00:00Z'); // the response would have been due Tue 17 Nov
        expect(await listOverdue(deps, schoolId, P.deputy)).toEqual([]);
        const r = await resumeCase(deps, P.deputy, { caseId: c.id });
        // Seven school days from Mon 23 Nov: 24, 25, 26, 27, 30 Nov, 1, 2 Dec.
        expect(deadline(r, 1, 'respond')).toMatchObject({ due: '2026-12-02', open: true });
        expect(r.state.flags).not.toContain('paused');
        expect(r.outbox.slice(-2)).toMatchObject([
          { kind: 'letter', to: 'complainant', template: 'timescale_letter', data: { deadlines: [{ kind: 'respond', due: '2026-12-02' }] } },
          { kind: 'message', to: P.headOfSchool, template: 'case_resumed' },
        ]);
      });

      it('when the policy has no pause (MIET), or the case is already paused or not paused, then it is refused and nothing is saved', async () => {
        const miet = await newSchool(mietSchool);
        const m = await recorded({ ...parentComplaint(miet), about: { role: 'class_teacher', personId: MIET.teacher } }, MIET.head);
        expect(await appError(pauseCase(deps, MIET.head, { caseId: m.id, reason: 'Police are investigating' }))).toMatchObject({
          code: 'NOT_ALLOWED',
          userMessage: expect.stringMatching(/MIET Complaints Policy does not provide for pausing/),
        });
        await unchanged(m);

        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        expect((await appError(resumeCase(deps, P.headOfSchool, { caseId: c.id }))).code).toBe('NOT_ALLOWED');
        expect(await appError(pauseCase(deps, P.headOfSchool, { caseId: c.id, reason: '' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
        expect((await appError(pauseCase(deps, P.panel1, { caseId: c.id, reason: 'Police are investigating' }))).code).toBe('NOT_AUTHORISED');
        await unchanged(c);
        const p = await pauseCase(deps, P.headOfSchool, { caseId: c.id, reason: 'Police are investigating' });
        expect((await appError(pauseCase(deps, P.headOfSchool, { caseId: c.id, reason: 'and the LADO' }))).code).toBe('NOT_ALLOWED');
        await unchanged(p);
      });
    });

    describe('withdraw', () => {
      it('when an NMAT complainant withdraws, it is recorded only with their written confirmation (§10), and the handler is told', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        clock.set('2026-11-11T10:00:00Z');
        const e = await appError(withdraw(deps, P.deputy, { caseId: c.id, reason: 'Spoke to the form tutor; happy now' }));
        expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'confirmedInWriting', userMessage: expect.stringMatching(/NMAT §10.*in writing/) });
        await unchanged(c);
        const w = await withdraw(deps, P.deputy, { caseId: c.id, reason: 'Spoke to the form tutor; happy now', confirmedInWriting: true });
        // Kept six years from closure (NMAT privacy notice).
        expect(w.state).toMatchObject({ status: 'withdrawn', closedOn: '2026-11-11', retainUntil: '2032-11-11', nextDueAt: null });
        expect(w.events.at(-1)).toMatchObject({ type: 'withdrawn', reason: 'Spoke to the form tutor; happy now', details: { confirmedInWriting: true } });
        expect(w.outbox.at(-1)).toMatchObject({ kind: 'message', to: P.headOfSchool, template: 'case_withdrawn' });
        expect((await appError(withdraw(deps, P.deputy, { caseId: c.id, reason: 'again', confirmedInWriting: true }))).code).toBe('NOT_ALLOWED');
      });

      it('under a policy without the written rule (MIET) a withdrawal needs no confirmation; someone with no part in the case cannot record it', async () => {
        const miet = await newSchool(mietSchool);
        const m = await recorded({ ...parentComplaint(miet), about: { role: 'class_teacher', personId: MIET.teacher } }, MIET.head);
        expect(m.state.handlerId).toBe(MIET.pastoral);
        const w = await withdraw(deps, MIET.pastoral, { caseId: m.id, reason: 'Resolved at the parents evening' });
        expect(w.state.status).toBe('withdrawn');
        expect(w.outbox.filter((o) => o.template === 'case_withdrawn')).toEqual([]); // the handler did it themselves

        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        expect((await appError(withdraw(deps, P.panel1, { caseId: c.id, reason: 'they said so', confirmedInWriting: true }))).code).toBe('NOT_AUTHORISED');
        await unchanged(c);
      });
    });

    describe('close', () => {
      it('when the Stage Four window lapses, the deadline job closes the case as SYSTEM: retention runs from that day and the handler is told', async () => {
        const schoolId = await newSchool();
        const c = await recorded({ ...parentComplaint(schoolId), stage: 3 });
        clock.set('2026-11-20T15:00:00Z');
        await recordOutcome(deps, P.execPrincipal, {
          caseId: c.id,
          outcome: 'not_upheld',
          decision: 'The detentions followed the behaviour policy; reasons below.',
        });
        clock.set('2026-11-30T07:00:00Z'); // the window (five school days) ended Fri 27 Nov
        const closed = await closeCase(deps, SYSTEM, { caseId: c.id, reason: 'escalation_window_lapsed' });
        expect(closed.state).toMatchObject({ status: 'closed', closedOn: '2026-11-30', retainUntil: '2032-11-30', nextDueAt: null });
        expect(closed.events.at(-1)).toMatchObject({ type: 'closed', reason: 'escalation_window_lapsed', by: 'system' });
        expect(closed.outbox.at(-1)).toMatchObject({ to: P.execPrincipal, template: 'case_closed', data: { closedOn: '2026-11-30' } });
        expect((await appError(closeCase(deps, P.deputy, { caseId: c.id, reason: 'tidying up' }))).code).toBe('NOT_ALLOWED');
      });

      it('the handler alone cannot close a complaint (SLT or the clerk do); a reason is needed', async () => {
        const schoolId = await newSchool();
        const c = await recorded({ ...parentComplaint(schoolId), about: { role: 'head_of_school', personId: P.headOfSchool } });
        expect((await appError(closeCase(deps, P.execPrincipal, { caseId: c.id, reason: 'no reply from the parent' }))).code).toBe('NOT_AUTHORISED');
        expect(await appError(closeCase(deps, P.governanceLead, { caseId: c.id, reason: '' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
        expect((await appError(closeCase(deps, P.headOfSchool, { caseId: c.id, reason: 'no reply from the parent' }))).code).toBe('CASE_NOT_FOUND');
        await unchanged(c);
        expect((await closeCase(deps, P.governanceLead, { caseId: c.id, reason: 'no reply from the parent' })).state.status).toBe('closed');
      });
    });

    describe('vexatious or serial complaints (NMAT §17)', () => {
      it('when the Head of School marks a complaint vexatious, the communication plan is reviewed six months later unless another date is given', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        clock.set('2026-11-20T10:00:00Z');
        const v = await markVexatious(deps, P.headOfSchool, { caseId: c.id, reason: 'Eleventh complaint this term on the same matter' });
        expect(v.vexatious).toEqual({
          markedAt: new Date('2026-11-20T10:00:00Z'),
          by: P.headOfSchool,
          reason: 'Eleventh complaint this term on the same matter',
          reviewOn: '2027-05-20',
        });
        expect(v.events.at(-1)).toMatchObject({ type: 'vexatious_marked', details: { reviewOn: '2027-05-20' } });
        expect(v.state.status).toBe('open'); // the complaint itself still runs its course
        const again = await markVexatious(deps, P.deputy, { caseId: c.id, reason: 'Reviewed: plan continues', reviewOn: '2027-03-01' });
        expect(again.vexatious).toMatchObject({ by: P.deputy, reviewOn: '2027-03-01' });
        expect((await deps.cases.get(c.id))!.vexatious?.reviewOn).toBe('2027-03-01');
      });

      it('only senior leaders may mark it, with a review date after today, and only under a policy that provides for it', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        expect((await appError(markVexatious(deps, P.governanceLead, { caseId: c.id, reason: 'Too many emails' }))).code).toBe('NOT_AUTHORISED');
        expect(await appError(markVexatious(deps, P.headOfSchool, { caseId: c.id, reason: 'Too many emails', reviewOn: '2026-11-01' }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'reviewOn',
        });
        expect((await appError(markVexatious(deps, P.teacher, { caseId: c.id, reason: 'Too many emails' }))).code).toBe('CASE_NOT_FOUND');
        await unchanged(c);
        expect((await deps.cases.get(c.id))!.vexatious).toBeUndefined();
        const miet = await newSchool(mietSchool);
        const m = await recorded({ ...parentComplaint(miet), about: { role: 'class_teacher', personId: MIET.teacher } }, MIET.head);
        expect((await appError(markVexatious(deps, MIET.head, { caseId: m.id, reason: 'Too many emails' }))).code).toBe('NOT_ALLOWED');
        await unchanged(m);
      });
    });

    describe('calendar changes', () => {
      it("when an INSET day is added on an open case's due date, its deadline moves to the next school day; a closed case is untouched", async () => {
        const schoolId = await newSchool();
        const open = await aboutTeacher(schoolId);
        expect(deadline(open, 1, 'respond').due).toBe('2026-11-17');
        const done = await recorded({
          ...parentComplaint(schoolId),
          complainant: { ...parentComplaint().complainant, name: 'Other Parent', email: 'other@example.com' },
          summary: 'The school bus left early on Monday and my daughter was stranded.',
        });
        const closed = await closeCase(deps, P.deputy, { caseId: done.id, reason: 'sorted by phone' });
        clock.set('2026-11-12T10:00:00Z');
        const r = await changeCalendar(deps, P.governanceLead, {
          schoolId,
          calendar: { region: 'england-and-wales', terms: nmatSchool().calendar.terms, closures: ['2026-11-17', '2027-01-05'] },
        });
        expect(r).toEqual({ recomputed: 1, conflictsRetried: 0, unresolved: [] });
        const after = (await deps.cases.get(open.id))!;
        expect(deadline(after, 1, 'respond').due).toBe('2026-11-18'); // Tue 17 Nov is now an INSET day
        expect(after.version).toBe(open.version + 1);
        expect(await deps.cases.get(closed.id)).toMatchObject({ version: closed.version, state: closed.state });
        expect((await deps.schools.get(schoolId))!.calendar.closures).toEqual(['2026-11-17', '2027-01-05']);
      });

      it('when a case changes while its deadlines are being recounted, it is re-read and recounted, keeping both changes', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        clock.set('2026-11-09T10:00:00Z');
        let raced = false;
        const racing: Deps = {
          ...deps,
          cases: Object.assign(Object.create(deps.cases), {
            replaceState: async (...args: Parameters<Deps['cases']['replaceState']>) => {
              if (!raced) {
                raced = true;
                await acknowledge(deps, P.headOfSchool, { caseId: c.id });
              }
              return deps.cases.replaceState(...args);
            },
          }),
        };
        const r = await changeCalendar(racing, P.deputy, {
          schoolId,
          calendar: { terms: nmatSchool().calendar.terms, closures: ['2026-11-17', '2027-01-05'] },
        });
        expect(r).toEqual({ recomputed: 1, conflictsRetried: 1, unresolved: [] });
        const after = (await deps.cases.get(c.id))!;
        expect(deadline(after, 1, 'acknowledge').metOn).toBe('2026-11-09');
        expect(deadline(after, 1, 'respond').due).toBe('2026-11-18');
      });

      it('when the calendar is wrong or the person is not SLT or the clerk, then nothing is saved and the field is named', async () => {
        const schoolId = await newSchool();
        const c = await aboutTeacher(schoolId);
        const terms = nmatSchool().calendar.terms;
        expect(await appError(changeCalendar(deps, P.deputy, { schoolId, calendar: { terms, closures: ['2027-01-05', '2026-12-25'] } }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: 'calendar.closures[1]',
        });
        expect(await appError(changeCalendar(deps, P.deputy, { schoolId, calendar: { terms, closure: ['2026-11-17'] } as never }))).toMatchObject({
          code: 'INVALID_INPUT',
          field: expect.stringMatching(/^calendar/),
        });
        expect((await appError(changeCalendar(deps, P.teacher2, { schoolId, calendar: { terms, closures: ['2026-11-17'] } }))).code).toBe('NOT_AUTHORISED');
        expect((await appError(changeCalendar(deps, P.deputy, { schoolId: 'no-such-school', calendar: { terms } }))).code).toBe('SCHOOL_NOT_FOUND');
        expect((await deps.schools.get(schoolId))!.calendar.closures).toEqual(['2027-01-05']);
        expect(await deps.cases.get(c.id)).toMatchObject({ version: c.version, state: c.state });
      });
    });

    describe('viewing and lists', () => {
      it('a case is shown by id or reference to those who may see it; to the person it is about and to staff with no part, it is "not found"', async () => {
        // References are unique per school; the store looks them up across schools, so this school's prefix is its own.
        const schoolId = await newSchool(nmatSchool, `V${Date.now().toString(36).toUpperCase()}`);
        const c = await aboutTeacher(schoolId);
        expect((await viewCase(deps, P.deputy, { reference: c.reference.toLowerCase() })).id).toBe(c.id);
        expect((await viewCase(deps, P.headOfSchool, { caseId: c.id })).reference).toBe(c.reference);
        for (const who of [P.teacher, P.outsider, 'aad-stranger']) {
          expect((await appError(viewCase(deps, who, { caseId: c.id }))).code).toBe('CASE_NOT_FOUND');
          expect((await appError(viewCase(deps, who, { reference: c.reference }))).code).toBe('CASE_NOT_FOUND');
        }
        expect(await appError(viewCase(deps, P.deputy, {}))).toMatchObject({ code: 'INVALID_INPUT', field: 'caseId' });
      });

      it('"my cases" lists the open cases a person handles or owes a deadline on, soonest first', async () => {
        const schoolId = await newSchool();
        const c1 = await aboutTeacher(schoolId);
        const four = await atStageFour(schoolId);
        const mine = await listMyCases(deps, P.headOfSchool);
        expect(mine.filter((m) => m.case.schoolId === schoolId).map((m) => [m.case.id, m.deadlines.map((d) => d.kind)])).toEqual([
          [c1.id, ['acknowledge', 'respond']],
        ]);
        // The clerk owes Stage Four's acknowledgement and hearing (NMAT §14) without being its handler.
        const clerk = (await listMyCases(deps, P.governanceLead)).filter((m) => m.case.schoolId === schoolId);
        expect(clerk.map((m) => m.case.id)).toEqual([four.id]);
        expect(clerk[0]!.deadlines.map((d) => d.kind)).toEqual(expect.arrayContaining(['acknowledge', 'hearing', 'hearing_notice', 'panel_papers']));
        await withdraw(deps, P.deputy, { caseId: c1.id, reason: 'No longer needed', confirmedInWriting: true });
        expect((await listMyCases(deps, P.headOfSchool)).filter((m) => m.case.schoolId === schoolId)).toEqual([]);
        expect((await listMyCases(deps, P.teacher)).filter((m) => m.case.schoolId === schoolId)).toEqual([]);
      });

      it("the overdue list shows SLT and the clerk what has slipped, never the complainant's own cut-offs nor cases about the person asking", async () => {
        const schoolId = await newSchool();
        const slipped = await aboutTeacher(schoolId); // respond due Tue 17 Nov
        const aboutDeputy = await recorded({
          ...parentComplaint(schoolId),
          complainant: { ...parentComplaint().complainant, name: 'Ann Other', email: 'ann@example.com' },
          summary: 'The deputy head shouted at my daughter in the corridor.',
          about: { role: 'teacher', personId: P.deputy },
        });
        const waiting = await recorded({
          ...parentComplaint(schoolId),
          complainant: { ...parentComplaint().complainant, name: 'Wes Waiting', email: 'wes@example.com' },
          summary: 'Lunch queue arrangements leave Year 7 without hot food.',
          stage: 3,
        });
        clock.set('2026-11-09T10:00:00Z');
        await acknowledge(deps, P.headOfSchool, { caseId: slipped.id });
        await acknowledge(deps, P.headOfSchool, { caseId: aboutDeputy.id });
        clock.set('2026-11-20T15:00:00Z');
        await recordOutcome(deps, P.execPrincipal, {
          caseId: waiting.id,
          outcome: 'not_upheld',
          decision: 'Hot food is served to every year group; reasons below.',
        });
        clock.set('2026-11-30T09:00:00Z'); // waiting's escalation window ended Fri 27 Nov: the complainant's choice, not overdue
        const forHead = await listOverdue(deps, schoolId, P.headOfSchool);
        // Same due instant (end of Tue 17 Nov): listed by reference.
        expect(forHead.map((o) => [o.case.id, o.overdue.map((d) => [d.kind, d.due])])).toEqual([
          [slipped.id, [['respond', '2026-11-17']]],
          [aboutDeputy.id, [['respond', '2026-11-17']]],
        ]);
        expect((await listOverdue(deps, schoolId, P.deputy)).map((o) => o.case.id)).toEqual([slipped.id]);
        expect((await listOverdue(deps, schoolId, P.governanceLead)).map((o) => o.case.id)).toEqual([slipped.id, aboutDeputy.id]);
        // A deadline due on a date may be met any time that day: at noon on the 17th nothing is overdue yet.
        expect(await listOverdue(deps, schoolId, P.headOfSchool, new Date('2026-11-17T12:00:00Z'))).toEqual([]);
        expect((await appError(listOverdue(deps, schoolId, P.teacher2))).code).toBe('NOT_AUTHORISED');
        expect((await appError(listOverdue(deps, schoolId, P.headOfSchool.replace('head', 'nobody')))).code).toBe('NOT_AUTHORISED');
      });
    });
  });
}
