/**
 * The deadline jobs as a school lives them: who is told what, and when, by the clock on the
 * wall at Nunthorpe Academy (NMAT policy, English 2026/27 calendar). November and February are
 * GMT, so "08:00Z" below is 08:00 at the school.
 *
 * Each step runs what the worker runs (sweep, digest, outbox drain) at one instant and reads
 * back what the messenger delivered then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import { applyToCase, type Deps } from '../../src/app/caseFlow.js';
import { MAX_ATTEMPTS } from '../../src/app/memory.js';
import type { CaseRecord, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { SchoolCalendar } from '../../src/domain/calendar.js';
import { drainOutbox, nudgeLevelAt, purgeExpired, sendOverdueDigests, sweepDeadlines, type JobContext } from '../../src/jobs/handlers.js';
import { RecordingMessenger, type Recorded } from '../../src/jobs/messengers.js';
import { memoryLogger, silentLogger } from '../../src/log.js';
import type { Database } from '../../src/store/mongo.js';
import { P, TestClock, memoryDeps, nmatSchool, parentComplaint, testDatabase } from '../helpers/app.js';

async function harness(deps: Deps & { clock: TestClock }, school: Omit<School, 'outbox' | 'digests' | 'version'> = nmatSchool()) {
  const clock = deps.clock;
  await deps.schools.save(school);
  const messenger = new RecordingMessenger(clock);
  const ctx: JobContext = { deps, messenger, log: silentLogger() };
  /** Runs the worker's jobs at `iso` and returns what was delivered then. */
  const at = async (iso: string): Promise<Recorded[]> => {
    clock.set(iso);
    await sweepDeadlines(ctx);
    await sendOverdueDigests(ctx);
    await drainOutbox(ctx);
    return messenger.take();
  };
  /** Runs at each instant in turn; returns the deadline nudges delivered as [when, to, template, kind, due]. */
  const timeline = async (...instants: string[]) => {
    const out: unknown[] = [];
    for (const t of instants) out.push(...nudgesIn(await at(t)));
    return out;
  };
  const record = async (iso: string, extra: Record<string, unknown> = {}): Promise<CaseRecord> => {
    clock.set(iso);
    const r = await recordComplaint(deps, P.teacher2, { ...parentComplaint(school.id), about: { role: 'teacher', personId: P.teacher, personName: 'Tara Teacher' }, ...extra });
    if (r.result !== 'recorded') throw new Error(JSON.stringify(r));
    return r.case;
  };
  return { deps, clock, messenger, ctx, at, timeline, record, schoolId: school.id };
}

const nudgeOf = (m: Recorded) => m.data.nudge as { kind: string; due: string; level: string };
const nudgesIn = (msgs: Recorded[]) => msgs.filter((m) => m.template.startsWith('deadline_')).map((m) => [m.at, m.to, m.template, nudgeOf(m).kind, nudgeOf(m).due]);
const z = (s: string) => `${s}:00.000Z`;
const fresh = () => {
  const clock = new TestClock('2026-11-06T09:00:00Z');
  return { ...memoryDeps(clock), clock };
};

describe('deadline nudges (NMAT stage 1, complaint about a teacher received Fri 6 Nov 2026 09:00)', () => {
  // NMAT §11: acknowledge within 2 school days of receipt: Mon 9 (1), Tue 10 Nov (2).
  // Respond within 7 school days: Mon 9 ... Fri 13 (5), Mon 16 (6), Tue 17 Nov (7).

  it('when nothing is done, the head of school hears "due soon" at 08:00 on Mon 9 Nov (not at 07:59, not at the weekend), "due today" at 08:00 Tue 10 Nov and "overdue" at 08:00 Wed 11 Nov, once each', async () => {
    const h = await harness(fresh());
    await h.record('2026-11-06T09:00:00Z');
    const got = await h.timeline(
      z('2026-11-06T09:05'), z('2026-11-06T16:59'), z('2026-11-07T10:00'), z('2026-11-08T12:00'),
      z('2026-11-09T07:59'), z('2026-11-09T08:00'), z('2026-11-09T12:00'), z('2026-11-09T16:59'),
      z('2026-11-10T07:59'), z('2026-11-10T08:00'), z('2026-11-10T14:00'), z('2026-11-10T19:00'),
      z('2026-11-11T07:59'), z('2026-11-11T08:00'), z('2026-11-11T15:00'), z('2026-11-12T08:00'),
      // The respond deadline (Tue 17 Nov): due soon on the school day before, Mon 16 Nov.
      z('2026-11-13T16:00'), z('2026-11-16T08:00'),
    );
    expect(got).toEqual([
      [z('2026-11-09T08:00'), P.headOfSchool, 'deadline_due_soon', 'acknowledge', '2026-11-10'],
      [z('2026-11-10T08:00'), P.headOfSchool, 'deadline_due_today', 'acknowledge', '2026-11-10'],
      [z('2026-11-11T08:00'), P.headOfSchool, 'deadline_overdue', 'acknowledge', '2026-11-10'],
      [z('2026-11-16T08:00'), P.headOfSchool, 'deadline_due_soon', 'respond', '2026-11-17'],
    ]);
  });

  it('when the complaint is acknowledged, nothing at all is said about the acknowledgement', async () => {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z');
    h.clock.set('2026-11-06T14:00:00Z');
    await acknowledge(h.deps, P.headOfSchool, { caseId: c.id });
    const got = await h.timeline(z('2026-11-09T08:00'), z('2026-11-10T08:00'), z('2026-11-11T08:00'), z('2026-11-16T08:00'));
    expect(got).toEqual([[z('2026-11-16T08:00'), P.headOfSchool, 'deadline_due_soon', 'respond', '2026-11-17']]);
  });

  it('when the acknowledgement is recorded after "due soon" went out, no "due today" or "overdue" follows', async () => {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z');
    expect(await h.timeline(z('2026-11-09T08:00'))).toHaveLength(1);
    h.clock.set('2026-11-09T10:00:00Z');
    await acknowledge(h.deps, P.headOfSchool, { caseId: c.id });
    expect(await h.timeline(z('2026-11-10T08:00'), z('2026-11-11T08:00'))).toEqual([]);
  });

  it('when the deadline is extended while its "due soon" is still in the outbox, that nudge is dropped and the new date gets its own', async () => {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z');
    await h.at(z('2026-11-06T09:05')); // the stage task goes out
    h.clock.set(z('2026-11-09T08:00'));
    expect((await sweepDeadlines(h.ctx)).nudges).toBe(1); // queued, not yet sent
    h.clock.set(z('2026-11-09T08:01'));
    await applyToCase(h.deps, c.id, P.headOfSchool, undefined, () => ({
      events: [{ type: 'deadline_extended', stage: 1, kind: 'acknowledge', due: '2026-11-13', reason: 'the class teacher is away until Thursday' }],
    }));
    // The new date, Fri 13 Nov: due soon Thu 12 Nov, due today Fri 13, overdue on the next school day, Mon 16 Nov.
    const got = await h.timeline(z('2026-11-09T08:02'), z('2026-11-10T08:00'), z('2026-11-11T08:00'), z('2026-11-12T08:00'), z('2026-11-13T08:00'), z('2026-11-14T10:00'), z('2026-11-16T08:00'));
    expect(got.filter((n) => (n as string[])[3] === 'acknowledge')).toEqual([
      [z('2026-11-12T08:00'), P.headOfSchool, 'deadline_due_soon', 'acknowledge', '2026-11-13'],
      [z('2026-11-13T08:00'), P.headOfSchool, 'deadline_due_today', 'acknowledge', '2026-11-13'],
      [z('2026-11-16T08:00'), P.headOfSchool, 'deadline_overdue', 'acknowledge', '2026-11-13'],
    ]);
    const stale = (await h.deps.cases.get(c.id))!.outbox.find((o) => o.key === `${c.id}:nudge:1:acknowledge:2026-11-10:due_soon`);
    expect(stale).toMatchObject({ status: 'failed', error: expect.stringMatching(/^superseded/) });
    expect(h.messenger.calls.some((m) => m.key === stale!.key)).toBe(false);
  });

  it('when a due date has passed in the holidays, nobody is told "due today" late: the overdue nudge waits for the first school day back', async () => {
    // Received Wed 21 Oct 2026: acknowledge within 2 school days, Thu 22 (1), Fri 23 Oct (2), the last day before half term.
    const clock = new TestClock('2026-10-21T08:00:00Z');
    const h = await harness({ ...memoryDeps(clock), clock });
    await h.record('2026-10-21T08:00:00Z'); // 09:00 BST
    // Summer time ends Sun 25 Oct: 08:00 BST is 07:00Z before, 08:00 GMT is 08:00Z after.
    const got = await h.timeline(z('2026-10-22T07:00'), z('2026-10-23T07:00'), z('2026-10-26T09:00'), z('2026-10-30T12:00'), z('2026-11-02T07:59'), z('2026-11-02T08:00'));
    expect(got).toEqual([
      [z('2026-10-22T07:00'), P.headOfSchool, 'deadline_due_soon', 'acknowledge', '2026-10-23'],
      [z('2026-10-23T07:00'), P.headOfSchool, 'deadline_due_today', 'acknowledge', '2026-10-23'],
      [z('2026-11-02T08:00'), P.headOfSchool, 'deadline_overdue', 'acknowledge', '2026-10-23'],
    ]);
  });

  it('when nobody holds the role that owes a deadline, each member of SLT is nudged instead', async () => {
    const school = nmatSchool();
    school.people = school.people.map((p) => (p.id === P.headOfSchool ? { ...p, roles: ['slt'] } : p)); // no head of school
    const h = await harness(fresh(), school);
    const c = await h.record('2026-11-06T09:00:00Z');
    expect(c.state.flags).toContain('needs_handler');
    const got = await h.timeline(z('2026-11-09T08:00'));
    expect(got).toEqual([
      [z('2026-11-09T08:00'), P.headOfSchool, 'deadline_due_soon', 'acknowledge', '2026-11-10'],
      [z('2026-11-09T08:00'), P.deputy, 'deadline_due_soon', 'acknowledge', '2026-11-10'],
    ]);
  });
});

describe('hearing paperwork reminders (NMAT stage 4, the clerk)', () => {
  it('when a stage 4 request arrives, the clerk is reminded of the hearing notice and the panel papers on the school day before and on the day; scheduling the hearing moves the papers date', async () => {
    const clock = new TestClock('2026-11-02T09:00:00Z');
    const h = await harness({ ...memoryDeps(clock), clock });
    const c = await h.record('2026-11-02T09:00:00Z', { stage: 4 });
    // NMAT §14: the hearing within 15 school days of Mon 2 Nov: Tue 3 ... Mon 23 Nov. Until a date is set, the
    // notice is due 10 school days before that, Mon 9 Nov, and the papers 7 school days before, Thu 12 Nov.
    const clerk = (n: unknown) => (n as string[])[1] === P.governanceLead && ['hearing_notice', 'panel_papers'].includes((n as string[])[3]!);
    const first = await h.timeline(z('2026-11-06T08:00'), z('2026-11-09T08:00'));
    expect(first.filter(clerk)).toEqual([
      [z('2026-11-06T08:00'), P.governanceLead, 'deadline_due_soon', 'hearing_notice', '2026-11-09'],
      [z('2026-11-09T08:00'), P.governanceLead, 'deadline_due_today', 'hearing_notice', '2026-11-09'],
    ]);
    // Mon 9 Nov 10:00: the hearing is set for Wed 2 Dec (the notice is met). The papers are now due 7 school days
    // before it: Tue 1 Dec (1), Mon 30, Fri 27, Thu 26, Wed 25, Tue 24, Mon 23 Nov (7).
    clock.set('2026-11-09T10:00:00Z');
    await applyToCase(h.deps, c.id, P.governanceLead, undefined, () => ({ events: [{ type: 'hearing_scheduled', stage: 4, hearingOn: '2026-12-02' }] }));
    const later = await h.timeline(z('2026-11-11T08:00'), z('2026-11-12T08:00'), z('2026-11-20T08:00'), z('2026-11-23T08:00'));
    expect(later.filter(clerk)).toEqual([
      [z('2026-11-20T08:00'), P.governanceLead, 'deadline_due_soon', 'panel_papers', '2026-11-23'],
      [z('2026-11-23T08:00'), P.governanceLead, 'deadline_due_today', 'panel_papers', '2026-11-23'],
    ]);
    // The companion request is the complainant's own cut-off: nobody is nudged about it.
    expect(h.messenger.delivered.some((m) => m.template.startsWith('deadline_') && nudgeOf(m).kind === 'companion_notice')).toBe(false);
  });
});

describe('deadlines counted in hours', () => {
  const cal = SchoolCalendar.from({ region: 'england-and-wales', timezone: 'Europe/London' });
  const level = (due: string, now: string) => nudgeLevelAt(cal, { due, dueAt: new Date(due) }, Date.parse(now));

  it('a 24-hour acknowledgement due Wed 14:00 is "due soon" from 10:00 and overdue from 14:00', () => {
    expect(level('2026-11-11T14:00:00Z', '2026-11-11T09:59:00Z')).toBeUndefined();
    expect(level('2026-11-11T14:00:00Z', '2026-11-11T10:00:00Z')).toBe('due_soon');
    expect(level('2026-11-11T14:00:00Z', '2026-11-11T14:00:00Z')).toBe('overdue');
  });

  it('one due at a weekend is announced in the last four school hours before it (Fri 13:00 for Sat 11:00), and chased on Monday at 08:00', () => {
    expect(level('2026-11-14T11:00:00Z', '2026-11-13T12:59:00Z')).toBeUndefined();
    expect(level('2026-11-14T11:00:00Z', '2026-11-13T13:00:00Z')).toBe('due_soon');
    expect(level('2026-11-14T11:00:00Z', '2026-11-14T12:00:00Z')).toBeUndefined(); // Saturday: nobody is messaged
    expect(level('2026-11-14T11:00:00Z', '2026-11-16T07:59:00Z')).toBeUndefined();
    expect(level('2026-11-14T11:00:00Z', '2026-11-16T08:00:00Z')).toBe('overdue');
  });

  it('one due at 10:00 is announced at 15:00 the working day before (2 school hours that morning, 2 the afternoon before)', () => {
    expect(level('2026-11-11T10:00:00Z', '2026-11-10T14:59:00Z')).toBeUndefined();
    expect(level('2026-11-11T10:00:00Z', '2026-11-10T15:00:00Z')).toBe('due_soon');
  });
});

describe('the overdue digest to SLT', () => {
  it('when something is overdue, SLT (the head of school and the deputy) each get one list by 08:30 on a school day (queued from 08:00): not before, not twice, not at the weekend', async () => {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z');
    const digests = async (iso: string) => (await h.at(iso)).filter((m) => m.template === 'overdue_digest').map((m) => [m.at, m.to, m.data.items]);
    // Tue 10 Nov: the acknowledgement is due today, not overdue: no digest.
    expect(await digests(z('2026-11-10T08:00'))).toEqual([]);
    expect(await digests(z('2026-11-11T07:59'))).toEqual([]);
    const item = { caseId: c.id, reference: 'NMAT-2026-0001', stage: 1, kind: 'acknowledge', due: '2026-11-10', owner: 'head_of_school', ownerId: P.headOfSchool };
    expect(await digests(z('2026-11-11T08:00'))).toEqual([
      [z('2026-11-11T08:00'), P.headOfSchool, [item]],
      [z('2026-11-11T08:00'), P.deputy, [item]],
    ]);
    expect(await digests(z('2026-11-11T11:00'))).toEqual([]);
    expect(await digests(z('2026-11-14T09:00'))).toEqual([]); // Saturday
    expect(await digests(z('2026-11-16T08:30'))).toHaveLength(2); // Monday: again, once each
  });

  it('when the complaint is about a member of SLT, their digest leaves it out', async () => {
    const h = await harness(fresh());
    await h.record('2026-11-06T09:00:00Z');
    const aboutHead = await h.record('2026-11-06T09:30:00Z', { about: { role: 'head_of_school', personId: P.headOfSchool }, complainant: { ...parentComplaint().complainant, name: 'Sam Other', email: 'sam@example.com' } });
    const got = (await h.at(z('2026-11-11T08:30'))).filter((m) => m.template === 'overdue_digest');
    const refs = (to: string) => (got.find((m) => m.to === to)!.data.items as Array<{ reference: string }>).map((i) => i.reference);
    expect(refs(P.headOfSchool)).toEqual(['NMAT-2026-0001']);
    expect(refs(P.deputy)).toEqual(['NMAT-2026-0001', aboutHead.reference]);
  });

  it('in the February half term no digest goes out; it resumes on the first day back', async () => {
    // Received Mon 8 Feb 2027: acknowledge by Wed 10 Feb; overdue from Thu 11 Feb. Half term Mon 15 - Fri 19 Feb.
    const clock = new TestClock('2027-02-08T09:00:00Z');
    const h = await harness({ ...memoryDeps(clock), clock });
    await h.record('2027-02-08T09:00:00Z');
    const digests = async (iso: string) => (await h.at(iso)).filter((m) => m.template === 'overdue_digest').map((m) => m.to);
    expect(await digests(z('2027-02-12T08:30'))).toEqual([P.headOfSchool, P.deputy]);
    expect(await digests(z('2027-02-15T08:30'))).toEqual([]);
    expect(await digests(z('2027-02-19T12:00'))).toEqual([]);
    expect(await digests(z('2027-02-22T08:30'))).toEqual([P.headOfSchool, P.deputy]);
  });
});

describe('the escalation window (NMAT stage 3 to stage 4)', () => {
  // Stage 3 received Fri 6 Nov; the Executive Principal responds Mon 16 Nov. NMAT §14: a request for stage 4
  // within 5 school days of the response: Tue 17, Wed 18, Thu 19, Fri 20, Mon 23 Nov.
  async function responded() {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z', { stage: 3 });
    h.clock.set('2026-11-16T10:00:00Z');
    const r = await recordOutcome(h.deps, P.execPrincipal, { caseId: c.id, outcome: 'not_upheld', decision: 'The detentions followed the behaviour policy.' });
    expect(r.state.deadlines.find((d) => d.kind === 'escalation_window')).toMatchObject({ due: '2026-11-23', owner: 'complainant', open: true });
    return { h, c };
  }

  it('when the window lapses with no request, the next school-hours sweep closes the case (by the system, with the reason) and tells the handler; the complainant is never nudged', async () => {
    const { h, c } = await responded();
    await h.at(z('2026-11-23T16:59'));
    expect((await h.deps.cases.get(c.id))!.state.status).toBe('open');
    await h.at(z('2026-11-24T00:05')); // past the window, but nobody is messaged at midnight
    expect((await h.deps.cases.get(c.id))!.state.status).toBe('open');
    const sent = await h.at(z('2026-11-24T08:00'));
    const after = (await h.deps.cases.get(c.id))!;
    expect(after.state).toMatchObject({ status: 'closed', closedOn: '2026-11-24', retainUntil: '2032-11-24' });
    expect(after.events.at(-1)).toMatchObject({ type: 'closed', by: 'system', reason: 'escalation_window_lapsed' });
    expect(sent.map((m) => [m.to, m.template])).toEqual([[P.execPrincipal, 'case_closed']]);
    expect(h.messenger.delivered.some((m) => m.to === 'complainant' && m.template.startsWith('deadline_'))).toBe(false);
    await h.at(z('2026-11-24T08:05'));
    expect((await h.deps.cases.get(c.id))!.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });

  it('when the complainant asks for stage 4 on the last day, the case stays open', async () => {
    const { h, c } = await responded();
    h.clock.set('2026-11-23T15:00:00Z');
    await requestEscalation(h.deps, P.governanceLead, { caseId: c.id });
    await h.at(z('2026-11-24T08:00'));
    expect((await h.deps.cases.get(c.id))!.state).toMatchObject({ status: 'open', stage: 4 });
  });
});

describe('the retention purge', () => {
  it('on the retention date (six years after closure) the personal data is removed and one line logged with ids only; not the day before', async () => {
    const deps = fresh();
    const h = await harness(deps);
    const c = await h.record('2026-11-06T09:00:00Z', { attachments: [{ name: 'letter.pdf', contentType: 'application/pdf', size: 1200 }] });
    h.clock.set('2026-11-09T10:00:00Z');
    await acknowledge(h.deps, P.headOfSchool, { caseId: c.id });
    h.clock.set('2026-11-12T10:00:00Z');
    const withdrawn = await applyToCase(h.deps, c.id, P.headOfSchool, undefined, () => ({ events: [{ type: 'withdrawn', reason: 'Priya Parent says it is sorted' }] }));
    expect(withdrawn.state.retainUntil).toBe('2032-11-12'); // NMAT Privacy Notice: six years from closure
    const { log, lines } = memoryLogger();
    const ctx = { ...h.ctx, log };

    h.clock.set('2032-11-11T23:30:00Z');
    expect(await purgeExpired(ctx)).toEqual({ anonymised: 0 });
    h.clock.set('2032-11-12T02:30:00Z');
    expect(await purgeExpired(ctx)).toEqual({ anonymised: 1 });
    expect(await purgeExpired(ctx)).toEqual({ anonymised: 0 });

    const after = (await h.deps.cases.get(c.id))!;
    const removed = '[removed on 2032-11-12 under the retention rule]';
    expect(after).toMatchObject({
      reference: 'NMAT-2026-0001',
      complainant: { name: '[removed]', relationship: '[removed]' },
      summary: removed,
      desiredOutcome: removed,
      about: { role: 'teacher' },
      attachments: [],
      state: { status: 'withdrawn', stage: 1, receivedOn: '2026-11-06', closedOn: '2026-11-12' },
    });
    expect(after.complainant.email).toBeUndefined();
    expect(after.about.personId).toBeUndefined();
    expect(after.events.map((e) => e.type)).toEqual(['received', 'acknowledged', 'withdrawn']);
    expect(after.events.some((e) => e.reason !== undefined || e.details !== undefined)).toBe(false);
    expect(after.outbox.every((o) => Object.keys(o.data).length === 0)).toBe(true);
    expect(after.purgedAt).toBeDefined();

    const logged = lines.filter((l) => l.event === 'case_anonymised');
    expect(logged).toEqual([expect.objectContaining({ caseId: c.id, reference: 'NMAT-2026-0001', retainUntil: '2032-11-12' })]);
    expect(JSON.stringify(lines)).not.toMatch(/Priya|priya\.parent|detention|Tara/);
  });
});

describe('the outbox drain', () => {
  it('when the messenger fails, the message is tried again after five minutes and delivered once; after the last attempt it is marked failed', async () => {
    const h = await harness(fresh());
    const c = await h.record('2026-11-06T09:00:00Z');
    h.messenger.failNext(1);
    expect(await drainOutbox(h.ctx)).toMatchObject({ sent: 0, retrying: 1 });
    h.clock.set(z('2026-11-06T09:04'));
    expect(await drainOutbox(h.ctx)).toMatchObject({ sent: 0, retrying: 0 });
    h.clock.set('2026-11-06T09:05:01Z');
    expect(await drainOutbox(h.ctx)).toMatchObject({ sent: 1 });
    expect(h.messenger.delivered.map((m) => [m.to, m.template])).toEqual([[P.headOfSchool, 'stage_task']]);

    h.clock.set(z('2026-11-09T10:00'));
    await acknowledge(h.deps, P.headOfSchool, { caseId: c.id }); // queues the acknowledgement letter
    h.messenger.failNext(100, 'mail server down');
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await drainOutbox(h.ctx);
      h.clock.advance(5 * 60_000 + 1000);
    }
    const letter = (await h.deps.cases.get(c.id))!.outbox.find((o) => o.template === 'acknowledgement_letter')!;
    expect(letter).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, error: 'Error: mail server down' });
    expect(await drainOutbox(h.ctx)).toMatchObject({ sent: 0, failed: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// Idempotency on both stores

const stores: Array<[string, () => Promise<{ deps: Deps & { clock: TestClock }; close?: () => Promise<void> }>]> = [
  ['in-memory stores', async () => ({ deps: fresh() })],
  ['the real database', async () => {
    const clock = new TestClock('2026-11-06T09:00:00Z');
    const db: Database = await testDatabase(`jobs_handlers_${Date.now()}`);
    return { deps: { cases: db.cases, schools: db.schools, clock }, close: () => db.close() };
  }],
];

for (const [name, make] of stores) {
  describe(`the sweep on ${name}`, () => {
    let deps: Deps & { clock: TestClock };
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ deps, close } = await make());
    });
    afterAll(async () => close?.());

    it('when the sweep runs twice, and from two workers at once, each nudge is queued and delivered once', async () => {
      const h = await harness(deps);
      const cases: CaseRecord[] = [];
      for (let i = 0; i < 12; i++) {
        cases.push(await h.record('2026-11-06T09:00:00Z', { complainant: { ...parentComplaint().complainant, name: `Parent ${i}`, email: `parent${i}@example.com` }, summary: `Complaint number ${i} about homework marking in Year ${i}` }));
      }
      await h.at(z('2026-11-06T09:05')); // stage tasks out of the way
      deps.clock.set(z('2026-11-09T08:00'));
      const other: JobContext = { ...h.ctx, messenger: new RecordingMessenger(deps.clock) };
      const runs = await Promise.all([sweepDeadlines(h.ctx), sweepDeadlines(other), sweepDeadlines(h.ctx)]);
      expect(runs.reduce((n, r) => n + r.nudges, 0)).toBe(12);
      expect((await sweepDeadlines(h.ctx)).nudges).toBe(0);
      for (const c of cases) {
        const stored = (await deps.cases.get(c.id))!;
        expect(stored.nudges).toEqual(['1:acknowledge:2026-11-10:due_soon']);
        expect(stored.outbox.filter((o) => o.template === 'deadline_due_soon')).toHaveLength(1);
      }
      await Promise.all([drainOutbox(h.ctx), drainOutbox(other), drainOutbox(h.ctx)]);
      const calls = [...h.messenger.calls, ...(other.messenger as RecordingMessenger).calls].filter((m) => m.template === 'deadline_due_soon');
      expect(calls).toHaveLength(12);
      expect(new Set(calls.map((m) => m.key)).size).toBe(12);
      expect(calls.every((m) => m.to === P.headOfSchool)).toBe(true);
    });
  });
}
