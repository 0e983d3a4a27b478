/**
 * `npm start`: the database (the embedded one under DATA_DIR unless MONGODB_URI is set), then
 * the deadline jobs with the logging messenger. SIGINT or SIGTERM finishes the jobs in hand,
 * closes the connection and stops the embedded database if this run started it.
 * (The Teams bot joins here with its issue.)
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { dbDown, dbStatus, dbUp } from './store/embedded/server.js';
import { runWorker } from './jobs/worker.js';

let cfg;
try {
  cfg = loadConfig();
} catch (e) {
  process.stderr.write(`error: ${(e as ConfigError).message}\n`);
  process.exit(2);
}
const log = createLogger({ name: 'main', level: cfg.logLevel });
let startedDatabase = false;
if (!cfg.mongodbUri) {
  try {
    if (!(await dbStatus({ dataDir: cfg.dataDir })).running) {
      const up = await dbUp({ dataDir: cfg.dataDir, port: cfg.dbPort, log: (m) => log.info({ event: 'embedded_database' }, m) });
      startedDatabase = true;
      log.info({ event: 'embedded_database_started', port: up.port, dataDir: cfg.dataDir }, 'embedded database started');
    }
  } catch (e) {
    log.fatal({ event: 'embedded_database_failed', err: e }, (e as Error).message);
    process.exit(1);
  }
} else {
  log.info({ event: 'external_database' }, 'using the database in MONGODB_URI');
}
await runWorker({
  afterStop: async () => {
    if (startedDatabase) {
      await dbDown({ dataDir: cfg.dataDir });
      log.info({ event: 'embedded_database_stopped' }, 'embedded database stopped');
    }
  },
});
