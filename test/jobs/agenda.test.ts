/**
 * The jobs run by real Agenda on the real database: the schedule is registered, a due nudge
 * travels sweep -> outbox -> messenger, two workers share the work without sending twice, and
 * stopping a worker lets the send in hand finish and frees its jobs for others.
 *
 * Schedules are shortened (Agenda polls every 100 ms; the sweep runs every 300 ms and the drain
 * every 200 ms); the school's clock is a test clock set to Mon 9 Nov 2026 08:00, when the
 * acknowledgement of a complaint received Fri 6 Nov is "due soon" (due Tue 10 Nov).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/app/caseFlow.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { JOB_NAMES } from '../../src/jobs/definitions.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { AGENDA_COLLECTION, startJobs, type RunningJobs, type StartJobsOptions } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/log.js';
import type { Database } from '../../src/store/mongo.js';
import { P, TestClock, nmatSchool, parentComplaint, testDatabase } from '../helpers/app.js';

const FAST = { processEvery: 100, every: { 'deadlines.sweep': 300, 'outbox.drain': 200, 'digest.overdue': 300 } } satisfies Partial<StartJobsOptions>;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function school(name: string, complaints: number): Promise<{ db: Database; deps: Deps; clock: TestClock }> {
  const db = await testDatabase(`jobs_agenda_${name}_${Date.now()}`);
  cleanup.push(() => db.close());
  const clock = new TestClock('2026-11-06T09:00:00Z');
  const deps: Deps = { cases: db.cases, schools: db.schools, clock };
  await deps.schools.save(nmatSchool());
  for (let i = 0; i < complaints; i++) {
    const r = await recordComplaint(deps, P.teacher2, {
      ...parentComplaint(),
      complainant: { ...parentComplaint().complainant, name: `Parent ${i}`, email: `parent${i}@example.com` },
      summary: `Complaint ${i}: homework in Year ${i} was marked late`,
      about: { role: 'teacher', personId: P.teacher },
    });
    if (r.result !== 'recorded') throw new Error(JSON.stringify(r));
  }
  clock.set('2026-11-09T08:00:00Z');
  return { db, deps, clock };
}

async function start(db: Database, deps: Deps, messenger: RecordingMessenger, extra: Partial<StartJobsOptions> = {}): Promise<RunningJobs> {
  const jobs = await startJobs({ db: db.connection.db!, deps, messenger, log: silentLogger(), ...FAST, ...extra });
  cleanup.push(() => jobs.stop());
  return jobs;
}

describe('the jobs on Agenda', () => {
  it('when the scheduler starts, every job is registered with its versioned payload, and a due nudge reaches the messenger through the sweep and the outbox drain', async () => {
    const { db, deps } = await school('start', 1);
    const messenger = new RecordingMessenger(deps.clock);
    const jobs = await start(db, deps, messenger);
    await waitFor('the due-soon nudge', () => messenger.delivered.some((m) => m.template === 'deadline_due_soon'));
    expect(messenger.delivered.map((m) => [m.to, m.template])).toEqual([
      [P.headOfSchool, 'stage_task'],
      [P.headOfSchool, 'deadline_due_soon'],
    ]);
    const stored = await db.connection.db!.collection(AGENDA_COLLECTION).find({}).toArray();
    expect(stored.map((j) => j.name).sort()).toEqual([...JOB_NAMES].sort());
    expect(stored.find((j) => j.name === 'outbox.drain')).toMatchObject({ type: 'single', data: { v: 1, batch: 25 }, repeatInterval: 200 });
    expect(stored.find((j) => j.name === 'retention.purge')).toMatchObject({ repeatInterval: '30 2 * * *', repeatTimezone: 'Europe/London' });
    await jobs.stop();
  });

  it('when two workers run at once, every message is sent exactly once', async () => {
    const { db, deps } = await school('two_workers', 25);
    const a = new RecordingMessenger(deps.clock);
    const b = new RecordingMessenger(deps.clock);
    await Promise.all([start(db, deps, a, { name: 'worker-a' }), start(db, deps, b, { name: 'worker-b' })]);
    // 25 stage tasks (queued when recorded) and 25 due-soon nudges.
    const calls = () => [...a.calls, ...b.calls];
    await waitFor('50 messages', () => calls().length >= 50);
    await new Promise((r) => setTimeout(r, 1000)); // time for any duplicate to show up
    expect(calls()).toHaveLength(50);
    expect(new Set(calls().map((m) => m.key)).size).toBe(50);
    expect(calls().filter((m) => m.template === 'deadline_due_soon')).toHaveLength(25);
  });

  it('when a worker is stopped in the middle of a send, stop() waits for it, the message is marked sent, the worker takes no more, and its jobs are free for others', async () => {
    const { db, deps } = await school('stop', 1);
    const messenger = new RecordingMessenger(deps.clock, { delayMs: 800 });
    const jobs = await start(db, deps, messenger, { jobs: ['outbox.drain'] });
    await waitFor('a send in flight', () => messenger.calls.length === 1);
    expect(messenger.delivered).toHaveLength(0);
    await jobs.stop();
    expect(messenger.delivered.map((m) => m.template)).toEqual(['stage_task']);
    const c = (await deps.cases.find({}))[0]!;
    expect(c.outbox.map((o) => o.status)).toEqual(['sent']);
    const locked = await db.connection.db!.collection(AGENDA_COLLECTION).countDocuments({ lockedAt: { $ne: null } });
    expect(locked).toBe(0);
    // Another message queued after the stop is left for the next worker.
    await db.connection.db!.collection('cases').updateOne({ _id: c.id as never }, { $push: { outbox: { key: `${c.id}:later`, kind: 'message', to: P.deputy, template: 'stage_task', data: {}, status: 'pending', createdAt: new Date(), attempts: 0 } } as never });
    await new Promise((r) => setTimeout(r, 600));
    expect(messenger.calls).toHaveLength(1);
  });
});
