/**
 * The failures a school's server meets: the worker killed outright in the middle of a run
 * (a power cut, an OOM kill, `kill -9`), and the database going away and coming back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import type { Deps } from '../../src/app/caseFlow.js';
import { AppError } from '../../src/app/errors.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { startEmbedded, REPO_ROOT, type EmbeddedServer } from '../../src/store/embedded/server.js';
import { connectDatabase, type Database } from '../../src/store/mongo.js';
import { P, TestClock, nmatSchool, parentComplaint, testDatabase } from '../helpers/app.js';

const children: ChildProcess[] = [];
const servers: EmbeddedServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function seed(deps: Deps, count: number): Promise<string[]> {
  await deps.schools.save(nmatSchool());
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await recordComplaint(deps, P.teacher2, {
      ...parentComplaint(),
      complainant: { ...parentComplaint().complainant, name: `Parent ${i}`, email: `parent${i}@example.com` },
      summary: `Complaint ${i}: a detention given without explanation`,
      about: { role: 'teacher', personId: P.teacher },
    });
    if (r.result !== 'recorded') throw new Error(JSON.stringify(r));
    ids.push(r.case.id);
  }
  return ids;
}

interface Worker {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** `node --import tsx src/jobs/worker.ts`, as an admin would run it, with the schedule shortened for the test. */
function startWorker(uri: string, clockStart: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/worker.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MONGODB_URI: uri,
      LOG_LEVEL: 'info',
      JOBS_PROCESS_EVERY_MS: '100',
      JOBS_EVERY: 'deadlines.sweep=500,outbox.drain=200,digest.overdue=1000',
      JOBS_CLOCK_START: clockStart,
      MESSENGER_DELAY_MS: '15',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ unparsed: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, lines, exited, stderr: () => err };
}

describe('a worker killed in the middle of a run', () => {
  it('when the worker is killed with SIGKILL while sending 600 due messages and started again, every one is delivered exactly once: none lost, none twice', async () => {
    const name = `jobs_reliability_kill_${Date.now()}`;
    const db = await testDatabase(name);
    const uri = new URL(inject('mongoUri'));
    uri.pathname = `/${name}`;
    try {
      const clock = new TestClock('2026-11-06T09:00:00Z');
      // 300 complaints received Fri 6 Nov 09:00: each queues the head of school's stage 1 task, and each
      // acknowledgement (due Tue 10 Nov) is "due soon" from Mon 9 Nov 08:00, when the worker's clock starts.
      const ids = await seed({ cases: db.cases, schools: db.schools, clock }, 300);
      const expected = new Set(ids.flatMap((id) => [`${id}:task:1:${P.headOfSchool}`, `${id}:nudge:1:acknowledge:2026-11-10:due_soon`]));
      const deliveries = db.connection.db!.collection('deliveries');

      const first = startWorker(uri.toString(), '2026-11-09T08:00:00Z');
      const atKill = await waitFor('the first 150 deliveries', async () => {
        const n = await deliveries.countDocuments();
        return n >= 150 ? n : undefined;
      }, 40_000).catch((e: Error) => {
        throw new Error(`${e.message}\nworker stderr: ${first.stderr()}\nworker log: ${JSON.stringify(first.lines.slice(-5))}`);
      });
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const afterKill = await deliveries.countDocuments();
      expect(afterKill).toBeGreaterThanOrEqual(atKill);
      expect(afterKill).toBeLessThan(600); // it really died half way

      // Started again ten minutes later (school time): whatever the dead worker left "sending" is stale by then.
      const second = startWorker(uri.toString(), '2026-11-09T08:10:00Z');
      await waitFor('every message to be sent', async () => {
        const unsent = await db.connection.db!.collection('cases').countDocuments({ outbox: { $elemMatch: { status: { $ne: 'sent' } } } });
        return unsent === 0 && (await deliveries.countDocuments()) === 600;
      }, 40_000).catch((e: Error) => {
        throw new Error(`${e.message}\nworker stderr: ${second.stderr()}\nworker log: ${JSON.stringify(second.lines.slice(-5))}`);
      });
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null }); // a clean stop
      expect(second.lines.some((l) => l.event === 'worker_stopped')).toBe(true);

      const delivered = await deliveries.find({}).toArray();
      expect(delivered).toHaveLength(600);
      expect(new Set(delivered.map((d) => d.key as string))).toEqual(expected);
      for (const id of ids) {
        const c = (await db.cases.get(id))!;
        expect(c.nudges).toEqual(['1:acknowledge:2026-11-10:due_soon']);
        expect(c.outbox.map((o) => o.status)).toEqual(['sent', 'sent']);
      }
      // The log says each delivery at most once across both runs (a line can be lost to the kill, never doubled).
      const logged = [...first.lines, ...second.lines].filter((l) => l.event === 'message_delivered').map((l) => l.key as string);
      expect(new Set(logged).size).toBe(logged.length);
      expect(logged.length).toBeGreaterThanOrEqual(599);
      expect(JSON.stringify([...first.lines, ...second.lines])).not.toMatch(/parent\d+@example\.com|Parent \d+|detention/);
    } finally {
      await db.close();
    }
  }, 90_000);
});

describe('the database going away', () => {
  it('when the database is stopped, a use case fails with DATABASE_UNAVAILABLE and saves nothing; when it is back, the same connection works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'complaints-db-'));
    dirs.push(dir);
    const server = await startEmbedded({ dataDir: dir, port: 0 });
    servers.push(server);
    const db: Database = await connectDatabase(server.uri, { serverSelectionTimeoutMS: 2000 });
    try {
      const clock = new TestClock('2026-11-06T09:00:00Z');
      const deps: Deps = { cases: db.cases, schools: db.schools, clock };
      const [caseId] = await seed(deps, 1);
      const before = (await db.cases.get(caseId!))!;

      await server.stop();
      clock.set('2026-11-09T10:00:00Z');
      const failure = await acknowledge(deps, P.headOfSchool, { caseId: caseId! }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: 'DATABASE_UNAVAILABLE', userMessage: expect.stringMatching(/cannot be reached just now, so nothing was saved/) });
      const recording = await recordComplaint(deps, P.teacher2, parentComplaint()).then(() => undefined, (e: unknown) => e);
      expect(recording).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });

      const again = await startEmbedded({ dataDir: dir, port: server.port });
      servers.push(again);
      const back = await waitFor('the driver to reconnect', () => db.cases.get(caseId!), 30_000);
      expect(back).toEqual(before); // nothing half-written while it was down
      expect(await db.cases.find({})).toHaveLength(1);
      const acked = await acknowledge(deps, P.headOfSchool, { caseId: caseId! });
      expect(acked.version).toBe(before.version + 1);
      expect(acked.outbox.map((o) => o.template)).toEqual(['stage_task', 'acknowledgement_letter']);
    } finally {
      await db.close();
    }
  }, 90_000);
});
