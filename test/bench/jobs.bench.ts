/**
 * Jobs throughput: 10,000 deadlines falling due at once. Cases are stored as the use cases
 * would store them (state from the policy fold); the clock is then set to 08:00 on the due day
 * and the sweep queues one nudge per deadline, which the outbox drain then delivers.
 */
import { deriveState, schoolContext } from '../../src/app/caseFlow.js';
import type { CaseRecord, Clock } from '../../src/app/ports.js';
import { drainOutbox, sweepDeadlines } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { silentLogger } from '../../src/log.js';
import { connectDatabase } from '../../src/store/mongo.js';
import { nmatSchool } from '../helpers/app.js';

export async function benchJobs(uri: string, count = 10_000): Promise<Record<string, string>> {
  const url = new URL(uri);
  url.pathname = '/bench_jobs';
  const db = await connectDatabase(url.toString());
  await db.connection.dropDatabase();
  await db.close();
  const database = await connectDatabase(url.toString());
  try {
    let now = new Date('2026-11-06T09:00:00Z');
    const clock: Clock = { now: () => now };
    const school = await database.schools.save(nmatSchool('bench-jobs'));
    const ctx = schoolContext(school);
    // Received Fri 6 Nov 2026: the acknowledgement (2 school days) is due Tue 10 Nov for every case.
    const events = [{ type: 'received', at: now, by: 'bench', stage: 1 }];
    const state = deriveState(ctx, { about: { role: 'teacher' }, lookedAfterChild: false, events }, now);
    const cases: CaseRecord[] = Array.from({ length: count }, (_, i) => ({
      id: `bench-${i}`,
      schoolId: school.id,
      reference: `NMAT-2026-${String(i + 1).padStart(5, '0')}`,
      policyId: 'nmat',
      policyVersion: ctx.policy.version,
      complainant: { name: `Parent ${i}`, email: `parent${i}@example.com`, relationship: 'parent', preferredContact: 'email' },
      about: { role: 'teacher' },
      summary: 'Bench complaint',
      lookedAfterChild: false,
      attachments: [],
      events,
      state,
      outbox: [],
      nudges: [],
      linkedCases: [],
      version: 0,
      createdAt: now,
      updatedAt: now,
    }));
    for (let i = 0; i < cases.length; i += 1000) await Promise.all(cases.slice(i, i + 1000).map((c) => database.cases.insert(c)));
    now = new Date('2026-11-10T08:00:00Z'); // 08:00 on the due day (GMT)
    const jobCtx = { deps: { cases: database.cases, schools: database.schools, clock }, messenger: new RecordingMessenger(clock), log: silentLogger() };
    const t0 = performance.now();
    const sweep = await sweepDeadlines(jobCtx);
    const sweepMs = performance.now() - t0;
    const t1 = performance.now();
    let sent = 0;
    for (let round = 0; round < 20 && sent < sweep.nudges; round++) sent += (await drainOutbox(jobCtx, { maxItems: count * 2 })).sent;
    const drainMs = performance.now() - t1;
    return {
      'jobs: deadlines falling due at once': String(count),
      'jobs: sweep (nudges queued once each)': `${sweep.nudges} in ${sweepMs.toFixed(0)} ms (${((sweep.nudges / sweepMs) * 1000).toFixed(0)}/s)`,
      'jobs: outbox drain (delivered)': `${sent} in ${drainMs.toFixed(0)} ms (${((sent / drainMs) * 1000).toFixed(0)}/s)`,
    };
  } finally {
    await database.connection.dropDatabase().catch(() => {});
    await database.close();
  }
}
