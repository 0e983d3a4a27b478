/**
 * `npm run bench`: prints figures; it asserts nothing (speed is measured here, not in tests).
 * The store, jobs and bot figures need a database: MONGODB_URI if set (in databases of the run's own,
 * dropped afterwards), otherwise an in-memory embedded server started for the run and stopped at
 * the end. The printout says which.
 */
import { cpus } from 'node:os';
import { benchBot } from './bot.bench.js';
import { benchFold } from './fold.bench.js';
import { benchHearing } from './hearing.bench.js';
import { benchJobs } from './jobs.bench.js';
import { benchLetters } from './letters.bench.js';
import { benchDatabase, benchStore } from './store.bench.js';

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

function print(results: Record<string, string>): void {
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${v}`);
}

const started = Date.now();
const results: Record<string, string> = {
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores; the fold runs on one)`,
  ...benchFold(),
  ...benchLetters(),
  ...(await benchHearing()),
};

const database = await benchDatabase(log);
log(`database: ${database.label}`);
try {
  Object.assign(results, await benchStore(database, log));
  log('jobs: 10,000 deadlines falling due at once...');
  Object.assign(results, await benchJobs(database.uriFor('bench_jobs')));
  log('bot: the service with the Bot Connector stand-in...');
  Object.assign(results, await benchBot(database.uriFor('bench_bot'), log));
} finally {
  await database.close();
}
results['bench: total time'] = `${((Date.now() - started) / 1000).toFixed(0)} s`;
print(results);
