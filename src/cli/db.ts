/**
 * The operator commands' database: `db up | down | status` for the embedded server, and the
 * connection the other commands use (MONGODB_URI, or the embedded server `db up` started).
 * Failures become `CliFailure`s with a plain message and an exit status; no stack traces.
 */
import type { Deps } from '../app/caseFlow.js';
import { AppError } from '../app/errors.js';
import { redactUri, type Config } from '../config.js';
import { dbDown, dbStatus, dbUp, ensureEmbeddedBuilt } from '../store/embedded/server.js';
import { connectDatabase, type Database } from '../store/mongo.js';
import { CliFailure } from './failure.js';

export { CliFailure };

const say = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

/** How long a command waits for the database before saying it cannot reach it. */
const CONNECT_TIMEOUT_MS = 3_000;

export async function dbCommand(sub: string | undefined, cfg: Config): Promise<number> {
  switch (sub) {
    case 'install': {
      // Builds the embedded server (Maven); idempotent, and what .ci/run uses on a clean machine.
      try {
        const r = await ensureEmbeddedBuilt({ log: note });
        say(r.built ? `Built the embedded database in ${(r.ms / 1000).toFixed(1)} s.` : 'The embedded database is already built.');
        return 0;
      } catch (e) {
        throw new CliFailure(`could not build the embedded database: ${(e as Error).message}`);
      }
    }
    case 'up': {
      if (cfg.mongodbUri) {
        say(`MONGODB_URI is set: using that database (${redactUri(cfg.mongodbUri)}); the embedded server was not started.`);
        return 0;
      }
      try {
        await ensureEmbeddedBuilt({ log: note });
        const up = await dbUp({ dataDir: cfg.dataDir, port: cfg.dbPort, log: note });
        say(
          `${up.alreadyRunning ? 'The embedded database is already running' : 'Started the embedded database'} on 127.0.0.1:${up.port} (pid ${up.pid}).\n` +
            `  data: ${cfg.dataDir}\n  log:  ${up.logFile}\n  uri:  ${up.uri}\n` +
            'Stop it with `npm run --silent complaints -- db down`.',
        );
        return 0;
      } catch (e) {
        throw new CliFailure(`could not start the embedded database: ${(e as Error).message}`);
      }
    }
    case 'down': {
      const r = await dbDown({ dataDir: cfg.dataDir });
      say(r.stopped ? `Stopped the embedded database (pid ${r.pid}).` : `The embedded database was not running (data folder ${cfg.dataDir}).`);
      if (cfg.mongodbUri) say(`MONGODB_URI is set (${redactUri(cfg.mongodbUri)}): that database is not managed here and was left alone.`);
      return 0;
    }
    case 'status': {
      if (cfg.mongodbUri) {
        const where = redactUri(cfg.mongodbUri);
        try {
          const db = await connectDatabase(cfg.mongodbUri, { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS });
          await db.close();
          say(`Using MONGODB_URI (${where}): reachable.`);
          return 0;
        } catch (e) {
          throw unreachable(where, e);
        }
      }
      const s = await dbStatus({ dataDir: cfg.dataDir });
      if (s.running) {
        say(`The embedded database is running on 127.0.0.1:${s.port} (pid ${s.pid}) since ${s.startedAt}.\n  data: ${cfg.dataDir}\n  uri:  ${s.uri}`);
        return 0;
      }
      say(`The embedded database is not running (data folder ${cfg.dataDir}). Start it with \`npm run --silent complaints -- db up\`, or set MONGODB_URI.`);
      return 1;
    }
    default:
      throw new CliFailure('expected "db up", "db down" or "db status"', 2);
  }
}

function unreachable(where: string, e: unknown): CliFailure {
  const detail = e instanceof AppError ? e.logMessage.replace(/^database unavailable: (\w*Error: )?/, '') : (e as Error).message;
  return new CliFailure(`cannot reach the database at ${where}: ${detail}. Nothing was read or changed.`);
}

/** Where the operator commands find the database: MONGODB_URI, else the embedded server `db up` started. */
export async function databaseUri(cfg: Config): Promise<string> {
  if (cfg.mongodbUri) return cfg.mongodbUri;
  const s = await dbStatus({ dataDir: cfg.dataDir });
  if (s.running && s.uri) return s.uri;
  throw new CliFailure(
    `no database is running: start the embedded one with \`npm run --silent complaints -- db up\` (data folder ${cfg.dataDir}), or set MONGODB_URI to a MongoDB server.`,
  );
}

export interface Session {
  db: Database;
  deps: Deps;
}

/** Connects, runs `work` with the stores (the real clock; the operator acts as "system"), and always disconnects. */
export async function withDatabase<T>(cfg: Config, work: (s: Session) => Promise<T>): Promise<T> {
  const uri = await databaseUri(cfg);
  let db: Database;
  try {
    db = await connectDatabase(uri, { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS });
  } catch (e) {
    throw unreachable(redactUri(uri), e);
  }
  try {
    return await work({ db, deps: { cases: db.cases, schools: db.schools, clock: { now: () => new Date() } } });
  } catch (e) {
    if (e instanceof AppError && e.code === 'DATABASE_UNAVAILABLE') throw unreachable(redactUri(uri), e);
    throw e;
  } finally {
    await db.close().catch(() => {});
  }
}
