import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import type { Deps } from '../../src/app/caseFlow.js';
import { AppError } from '../../src/app/errors.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import type { CaseRecord } from '../../src/app/ports.js';
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

async function recorded(deps: Deps, actor: string, input: Parameters<typeof recordComplaint>[2]): Promise<CaseRecord> {
  const r = await recordComplaint(deps, actor, input);
  if (r.result !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(r)}`);
  return r.case;
}

const stores = storeVariants('core_use_cases');

for (const [name, make] of stores) {
  describe(`core use cases on ${name}`, () => {
    let deps: Deps;
    let clock: TestClock;
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ deps, clock, close } = await make());
    });
    afterAll(async () => close?.());
    beforeEach(async () => {
      clock.set('2026-11-06T09:00:00Z');
      await deps.schools.save(nmatSchool(`nunthorpe-${Math.random().toString(36).slice(2, 8)}`));
    });

    const newSchool = async () => {
      const s = nmatSchool(`nunthorpe-${Math.random().toString(36).slice(2, 8)}`);
      await deps.schools.save(s);
      return s.id;
    };

    it('when a teacher records a complaint about a teacher, the head of school gets the stage 1 task with its deadlines and a readable reference', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher2, { ...parentComplaint(schoolId), about: { role: 'teacher', personId: P.teacher, personName: 'Tara Teacher' } });
      expect(c.reference).toBe('NMAT-2026-0001');
      expect(c.state).toMatchObject({ status: 'open', stage: 1, handlerRole: 'head_of_school', handlerId: P.headOfSchool, receivedOn: '2026-11-06' });
      // NMAT §11: acknowledge within 2 school days (Tue 10 Nov), respond within 7 (Tue 17 Nov).
      expect(c.state.deadlines.map((d) => [d.kind, d.due, d.ownerId])).toEqual([
        ['acknowledge', '2026-11-10', P.headOfSchool],
        ['respond', '2026-11-17', P.headOfSchool],
      ]);
      expect(c.outbox).toMatchObject([
        { kind: 'message', to: P.headOfSchool, template: 'stage_task', status: 'pending', data: { reference: 'NMAT-2026-0001', stage: 1 } },
      ]);
      const again = await recorded(deps, P.teacher2, {
        ...parentComplaint(schoolId),
        complainant: { ...parentComplaint().complainant, name: 'Sam Other', email: 'sam@example.com' },
      });
      expect(again.reference).toBe('NMAT-2026-0002');
    });

    it('the person a complaint is about is never its handler: a complaint about the head of school goes to the executive principal', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher, { ...parentComplaint(schoolId), stage: 2, about: { role: 'head_of_school', personId: P.headOfSchool } });
      expect(c.state).toMatchObject({ handlerRole: 'executive_principal', handlerId: P.execPrincipal });
    });

    it('bad input is refused with the field named and nothing saved', async () => {
      const schoolId = await newSchool();
      const e = await appError(
        recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), complainant: { ...parentComplaint().complainant, email: 'not-an-email' } }),
      );
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.field).toBe('complainant.email');
      const short = await appError(recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), summary: 'bad' }));
      expect(short.field).toBe('summary');
      const noPhone = await appError(
        recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), complainant: { name: 'A', relationship: 'parent', preferredContact: 'phone' } }),
      );
      expect(noPhone.field).toBe('complainant.phone');
      expect(await deps.cases.find({ schoolId })).toEqual([]);
    });

    it('an out-of-scope category is explained with its signpost, and recorded as out of scope only when asked', async () => {
      const schoolId = await newSchool();
      const r = await recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), category: 'admissions' });
      expect(r).toMatchObject({ result: 'out_of_scope', signpost: expect.stringMatching(/appeals process or via the Local Authority/) });
      expect(await deps.cases.find({ schoolId })).toEqual([]);
      const kept = await recorded(deps, P.teacher, { ...parentComplaint(schoolId), category: 'admissions', recordOutOfScope: true });
      expect(kept.state).toMatchObject({ status: 'out_of_scope', deadlines: [] });
    });

    it('a complaint made more than three months after the incident needs the exceptional reason (NMAT §5)', async () => {
      const schoolId = await newSchool();
      const r = await recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), incidentOn: '2026-07-01' });
      expect(r).toMatchObject({ result: 'late', limit: '3 months' });
      const c = await recorded(deps, P.teacher, {
        ...parentComplaint(schoolId),
        incidentOn: '2026-07-01',
        lateReason: 'parent was in hospital over the summer',
      });
      expect(c.state.flags).toContain('late');
      expect(c.events[0]).toMatchObject({ type: 'received', reason: 'parent was in hospital over the summer' });
    });

    it('the same complainant with a similar subject within 30 days is offered as a link, not merged', async () => {
      const schoolId = await newSchool();
      const first = await recorded(deps, P.teacher, parentComplaint(schoolId));
      clock.set('2026-11-20T10:00:00Z');
      const again = {
        ...parentComplaint(schoolId),
        complainant: { ...parentComplaint().complainant, name: 'PRIYA PARENT', email: 'Priya.Parent@example.com' },
        summary: 'Still no explanation of the detentions my son was kept in this week.',
      };
      const offer = await recordComplaint(deps, P.teacher, again);
      expect(offer).toEqual({ result: 'possible_duplicates', candidates: [expect.objectContaining({ id: first.id, reference: first.reference })] });
      expect(await deps.cases.find({ schoolId })).toHaveLength(1);
      const linked = await recorded(deps, P.teacher, { ...again, duplicates: [first.id] });
      expect(linked.linkedCases).toEqual([first.id]);
      clock.set('2026-12-30T10:00:00Z'); // 54 days later: outside the window
      expect((await recordComplaint(deps, P.teacher, again)).result).toBe('recorded');
    });

    it('staff of another school cannot record complaints for this one', async () => {
      const schoolId = await newSchool();
      expect((await appError(recordComplaint(deps, 'aad-stranger', parentComplaint(schoolId)))).code).toBe('NOT_AUTHORISED');
    });

    it('acknowledging meets the deadline and queues the acknowledgement letter once; a stale version is a conflict, not a lost update', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher, parentComplaint(schoolId));
      clock.set('2026-11-09T10:00:00Z');
      const acked = await acknowledge(deps, P.teacher, { caseId: c.id, expectedVersion: c.version });
      expect(acked.version).toBe(c.version + 1);
      expect(acked.state.deadlines[0]).toMatchObject({ kind: 'acknowledge', metOn: '2026-11-09', open: false });
      expect(acked.outbox.filter((o) => o.template === 'acknowledgement_letter')).toMatchObject([{ to: 'complainant', kind: 'letter' }]);
      const conflict = await appError(acknowledge(deps, P.headOfSchool, { caseId: c.id, expectedVersion: c.version }));
      expect(conflict.code).toBe('VERSION_CONFLICT');
      const twice = await appError(acknowledge(deps, P.teacher, { caseId: c.id }));
      expect(twice).toMatchObject({ code: 'NOT_ALLOWED', userMessage: expect.stringMatching(/already acknowledged on 2026-11-09/) });
      expect((await deps.cases.get(c.id))!.events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    });

    it('two people acting on the same version at once: exactly one wins', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher, parentComplaint(schoolId));
      const results = await Promise.allSettled(
        [P.teacher, P.headOfSchool, P.deputy].map((who) => acknowledge(deps, who, { caseId: c.id, expectedVersion: c.version })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code)).toEqual([
        'VERSION_CONFLICT',
        'VERSION_CONFLICT',
      ]);
    });

    it('the person complained about, and staff with no part in it, get "not found"', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher2, { ...parentComplaint(schoolId), about: { role: 'teacher', personId: P.teacher } });
      for (const who of [P.teacher, P.outsider]) {
        const e = await appError(acknowledge(deps, who, { caseId: c.id }));
        expect(e.code).toBe('CASE_NOT_FOUND');
      }
    });

    it('an outcome with its decision text queues the outcome letter; an escalation moves the case on with the next handler told', async () => {
      const schoolId = await newSchool();
      const c = await recorded(deps, P.teacher, { ...parentComplaint(schoolId), stage: 3 });
      clock.set('2026-11-20T15:00:00Z');
      const answered = await recordOutcome(deps, P.execPrincipal, {
        caseId: c.id,
        outcome: 'not_upheld',
        decision: 'The detentions followed the behaviour policy; reasons are set out below.',
      });
      expect(answered.outbox.find((o) => o.template === 'outcome_letter')).toMatchObject({
        to: 'complainant',
        data: { outcome: 'not_upheld', decidedStage: 3 },
      });
      // NMAT §14: five school days to ask for Stage Four: Mon 23 ... Fri 27 Nov.
      expect(answered.state.deadlines.find((d) => d.kind === 'escalation_window')).toMatchObject({ due: '2026-11-27', owner: 'complainant', open: true });
      const bad = await appError(recordOutcome(deps, P.execPrincipal, { caseId: c.id, outcome: 'dismissed', decision: 'short' }));
      expect(bad.field).toBe('decision');
      clock.set('2026-11-24T08:30:00Z');
      const escalated = await requestEscalation(deps, P.governanceLead, { caseId: c.id });
      expect(escalated.state).toMatchObject({ stage: 4, handlerRole: 'panel', stageReceivedOn: '2026-11-24' });
      expect(escalated.state.deadlines.find((d) => d.stage === 4 && d.kind === 'hearing')).toMatchObject({ due: '2026-12-15', ownerId: P.governanceLead });
    });
  });
}
