/**
 * Agenda wiring: registers the jobs declared in definitions.ts on the same database as the
 * cases (collection `agendaJobs`), runs each on its schedule, and stops cleanly.
 *
 * Agenda makes sure one worker at a time runs a given job (a lock in the database); the
 * handlers are idempotent anyway, so a second worker, a lock that expired under a slow run, or
 * a run repeated after a crash never sends anything twice. A long run keeps its lock by
 * touching the job every third of its lock lifetime.
 *
 * `stop()` asks running handlers to finish what they started (a send in flight completes;
 * claimed items not yet started go back to pending), waits for them, then releases jobs this
 * worker had locked but not started, so another worker can take them at once rather than when
 * the lock expires. A worker killed outright leaves its locks to expire (lockLifetime), and
 * whatever it left "sending" in the outbox is offered again after 5 minutes.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Agenda, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { MongoClient, type Db } from 'mongodb';
import type { Deps } from '../app/caseFlow.js';
import type { Messenger } from '../app/ports.js';
import type { Log } from '../log.js';
import { JOBS, JOB_NAMES, initialPayload, parsePayload, type JobName } from './definitions.js';
import { drainOutbox, purgeExpired, sendOverdueDigests, sweepDeadlines, type JobContext } from './handlers.js';
import { checkDirectory } from './directory.js';
import { checkHearingAnswers } from './hearings.js';

export const AGENDA_COLLECTION = 'agendaJobs';

export interface StartJobsOptions {
  /** The database the stores use (e.g. `database.connection.db`); Agenda keeps its jobs beside the cases. */
  db?: Db;
  /** Or a connection string: the scheduler opens (and on stop closes) its own connection. */
  mongoUri?: string;
  deps: Deps;
  messenger: Messenger;
  log: Log;
  /** How often Agenda looks for due jobs, in ms. Default 2,000. */
  processEvery?: number;
  /** Schedule overrides (ms between runs, or cron), e.g. a test drains the outbox every 200 ms. */
  every?: Partial<Record<JobName, number | string>>;
  lockLifetime?: Partial<Record<JobName, number>>;
  /** Which jobs this worker runs; all by default. */
  jobs?: JobName[];
  /** How long stop() waits for running jobs. Default 30 s. */
  stopTimeoutMs?: number;
  /** Identifies this worker in the job locks; host, pid and a random suffix by default. */
  name?: string;
}

export interface RunningJobs {
  name: string;
  agenda: Agenda;
  /** Finishes or releases in-flight work and stops taking jobs. Idempotent. */
  stop(): Promise<void>;
}

type Handler = (ctx: JobContext, payload: Record<string, unknown>) => Promise<object>;

const HANDLERS: Record<JobName, Handler> = {
  'deadlines.sweep': (ctx) => sweepDeadlines(ctx),
  'outbox.drain': (ctx, p) => drainOutbox(ctx, { batch: p.batch as number }),
  'digest.overdue': (ctx) => sendOverdueDigests(ctx),
  'retention.purge': (ctx) => purgeExpired(ctx),
  'directory.check': (ctx) => checkDirectory(ctx),
  'hearings.responses': (ctx) => checkHearingAnswers(ctx),
};

export async function startJobs(opts: StartJobsOptions): Promise<RunningJobs> {
  const { log } = opts;
  let client: MongoClient | undefined;
  let db = opts.db;
  if (!db) {
    if (!opts.mongoUri) throw new Error('startJobs: give db or mongoUri');
    client = await MongoClient.connect(opts.mongoUri, { serverSelectionTimeoutMS: 5000 });
    db = client.db();
  }
  const name = opts.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: db, collection: AGENDA_COLLECTION }),
    name,
    processEvery: opts.processEvery ?? 2000,
    defaultConcurrency: 1,
    maxConcurrency: 8,
  });
  agenda.on('error', (err: Error) => log.error({ event: 'agenda_error', err }, 'job scheduler error'));
  agenda.on('fail', (err: unknown, job: unknown) => {
    const j = job as Job | { jobName?: string };
    const jobName = 'attrs' in j ? j.attrs.name : j.jobName;
    log.error({ event: 'job_failed', job: jobName, err }, `job ${jobName} failed`);
  });

  const abort = new AbortController();
  const names = opts.jobs ?? JOB_NAMES;
  for (const jobName of names) {
    const def = JOBS[jobName];
    const lockLifetime = opts.lockLifetime?.[jobName] ?? def.lockLifetime;
    agenda.define(
      jobName,
      async (job: Job) => {
        const payload = parsePayload(jobName, job.attrs.data) as Record<string, unknown>;
        const started = Date.now();
        // Keep the lock while the run lasts, so no other worker takes the job over meanwhile.
        const keepAlive = setInterval(() => void job.touch().catch(() => {}), Math.max(250, Math.floor(lockLifetime / 3)));
        try {
          const ctx: JobContext = { deps: opts.deps, messenger: opts.messenger, log: log.child({ job: jobName }), signal: abort.signal };
          const result = await HANDLERS[jobName](ctx, payload);
          // A run that did something is news for the admin; the many that found nothing to do are not.
          const level = Object.entries(result).some(([k, v]) => k !== 'schools' && typeof v === 'number' && v > 0) ? 'info' : 'debug';
          log[level]({ event: 'job_done', job: jobName, ms: Date.now() - started, ...result }, `${jobName} done`);
        } finally {
          clearInterval(keepAlive);
        }
      },
      { concurrency: 1, lockLimit: 1, lockLifetime },
    );
  }
  await agenda.start();
  for (const jobName of names) {
    const def = JOBS[jobName];
    const every = opts.every?.[jobName] ?? def.every;
    await agenda.every(every, jobName, initialPayload(jobName), { ...('timezone' in def ? { timezone: def.timezone } : {}), skipImmediate: false });
  }
  log.info({ event: 'jobs_started', worker: name, jobs: names }, 'background jobs started');

  let stopping: Promise<void> | undefined;
  return {
    name,
    agenda,
    stop() {
      stopping ??= (async () => {
        abort.abort();
        const drained = await agenda.drain({ timeout: opts.stopTimeoutMs ?? 30_000, closeConnection: false });
        if (drained.timedOut) {
          log.warn({ event: 'jobs_stop_timeout', running: drained.running }, 'stopped waiting for running jobs; their locks will expire');
        } else {
          // Jobs locked for this worker but not started: free them for another worker now.
          await db!.collection(AGENDA_COLLECTION).updateMany({ lastModifiedBy: name, lockedAt: { $ne: null } }, { $set: { lockedAt: null } });
        }
        await client?.close();
        log.info({ event: 'jobs_stopped', worker: name, finished: drained.completed }, 'background jobs stopped');
      })();
      return stopping;
    },
  };
}
