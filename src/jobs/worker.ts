/**
 * The background worker: `tsx src/jobs/worker.ts` (or `node --import tsx src/jobs/worker.ts`).
 * Connects to MONGODB_URI (or the embedded server `complaints db up` started), runs the jobs
 * of definitions.ts with the logging messenger, writes JSON log lines, and on SIGINT or
 * SIGTERM finishes what it is doing and exits 0. Several workers may run at once.
 *
 * Besides the variables of src/config.ts, for rehearsals and tests:
 *
 * | variable                | meaning                                                                   |
 * |-------------------------|---------------------------------------------------------------------------|
 * | JOBS_PROCESS_EVERY_MS   | how often Agenda looks for due jobs (default 2000)                        |
 * | JOBS_EVERY              | schedule overrides, e.g. `outbox.drain=200,deadlines.sweep=500` (ms)      |
 * | JOBS_LOCK_LIFETIME_MS   | lock lifetime of every job (default: each job's own, 5 to 30 minutes)     |
 * | JOBS_CLOCK_START        | run as if the time were this ISO instant when the worker started          |
 * | MESSENGER_DELAY_MS      | pause before each delivery, standing in for a real transport's latency    |
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError, loadConfig, redactUri } from '../config.js';
import type { Clock } from '../app/ports.js';
import { createLogger } from '../log.js';
import { connectDatabase, type Database } from '../store/mongo.js';
import { dbStatus, uriFor } from '../store/embedded/server.js';
import { JOB_NAMES, type JobName } from './definitions.js';
import { LoggingMessenger } from './messengers.js';
import { startJobs, type RunningJobs } from './scheduler.js';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const ms = z.preprocess(blank, z.coerce.number().int().min(0).optional());

export const workerEnv = z.object({
  JOBS_PROCESS_EVERY_MS: ms,
  JOBS_LOCK_LIFETIME_MS: ms,
  MESSENGER_DELAY_MS: ms,
  JOBS_CLOCK_START: z.preprocess(blank, z.iso.datetime({ offset: true, message: 'expected an ISO instant such as 2026-11-09T09:00:00Z' }).optional()),
  JOBS_EVERY: z.preprocess(
    blank,
    z
      .string()
      .regex(/^\s*[a-z.]+=\d+\s*(,\s*[a-z.]+=\d+\s*)*$/, `expected name=ms pairs such as outbox.drain=200,deadlines.sweep=500; names: ${JOB_NAMES.join(', ')}`)
      .transform((s) => Object.fromEntries(s.split(',').map((p) => p.split('=').map((x) => x.trim())).map(([k, v]) => [k, Number(v)])))
      .refine((o) => Object.keys(o).every((k) => (JOB_NAMES as string[]).includes(k)), `unknown job name; expected ${JOB_NAMES.join(', ')}`)
      .optional(),
  ),
});

export type WorkerEnv = z.output<typeof workerEnv>;

/** The clock jobs run on: real time, or shifted to start at JOBS_CLOCK_START (rehearsals, end-to-end tests). */
export function workerClock(env: WorkerEnv): Clock {
  const offset = env.JOBS_CLOCK_START ? Date.parse(env.JOBS_CLOCK_START) - Date.now() : 0;
  return { now: () => new Date(Date.now() + offset) };
}

/** The scheduler options the variables ask for. */
export function schedulerOptions(env: WorkerEnv) {
  const lifetime = env.JOBS_LOCK_LIFETIME_MS;
  return {
    ...(env.JOBS_PROCESS_EVERY_MS !== undefined ? { processEvery: env.JOBS_PROCESS_EVERY_MS } : {}),
    ...(env.JOBS_EVERY ? { every: env.JOBS_EVERY as Partial<Record<JobName, number>> } : {}),
    ...(lifetime !== undefined ? { lockLifetime: Object.fromEntries(JOB_NAMES.map((n) => [n, lifetime])) } : {}),
  };
}

/** Runs the worker until SIGINT/SIGTERM; `afterStop` runs once the jobs and the connection are closed (npm start stops its database there). */
export async function runWorker(opts: { afterStop?: () => Promise<void> } = {}): Promise<void> {
  let cfg;
  let env;
  try {
    cfg = loadConfig();
    const r = workerEnv.safeParse(process.env);
    if (!r.success) throw new ConfigError(String(r.error.issues[0]!.path[0]), r.error.issues[0]!.message);
    env = r.data;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger({ name: 'jobs', level: cfg.logLevel });

  let uri = cfg.mongodbUri;
  if (!uri) {
    const status = await dbStatus({ dataDir: cfg.dataDir });
    if (!status.running) {
      log.fatal({ event: 'no_database' }, `no database: set MONGODB_URI, or start the embedded one with \`npm run complaints -- db up\` (expected at ${uriFor(cfg.dbPort)})`);
      process.exit(1);
    }
    uri = status.uri!;
  }

  const clock = workerClock(env);

  let database: Database;
  try {
    database = await connectDatabase(uri);
  } catch (e) {
    log.fatal({ event: 'database_unavailable', uri: redactUri(uri), err: e }, 'cannot reach the database');
    process.exit(1);
  }
  let jobs: RunningJobs;
  try {
    const messenger = await LoggingMessenger.create(database.connection.db!, { log: log.child({ component: 'messenger' }), clock, delayMs: env.MESSENGER_DELAY_MS ?? 0 });
    jobs = await startJobs({
      db: database.connection.db!,
      deps: { cases: database.cases, schools: database.schools, clock },
      messenger,
      log,
      ...schedulerOptions(env),
    });
  } catch (e) {
    log.fatal({ event: 'jobs_start_failed', uri: redactUri(uri), err: e }, 'could not start the background jobs');
    await database.close().catch(() => {});
    process.exit(1);
  }
  log.info({ event: 'worker_ready', pid: process.pid, uri: redactUri(uri), ...(env.JOBS_CLOCK_START ? { clockStart: env.JOBS_CLOCK_START } : {}) }, 'worker ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'worker_stopping', signal }, 'stopping: finishing the jobs in hand');
    jobs
      .stop()
      .then(() => database.close())
      .then(() => opts.afterStop?.())
      .then(
        () => {
          log.info({ event: 'worker_stopped' }, 'worker stopped');
          process.exit(0);
        },
        (e: unknown) => {
          log.error({ event: 'worker_stop_failed', err: e }, 'worker did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// Run when started as a program, not when imported by src/main.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runWorker();
