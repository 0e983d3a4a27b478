/**
 * The process's settings, read from the environment once and validated with zod. A bad value
 * stops the program with a message naming the variable (`ConfigError`); `.env.example` lists
 * every variable. Empty values count as unset, so `MONGODB_URI=` in a .env file means "none".
 *
 * | variable    | default                  | meaning                                                    |
 * |-------------|--------------------------|------------------------------------------------------------|
 * | MONGODB_URI | (none: embedded server)  | a real MongoDB 7/8 or Atlas; unset: the embedded server    |
 * | DATA_DIR    | .data (repository root)  | where the embedded server keeps its data, pid and log      |
 * | DB_PORT     | 27018                    | the embedded server's port on 127.0.0.1 (0: any free port) |
 * | LOG_LEVEL   | info                     | trace, debug, info, warn, error, fatal or silent           |
 * | LETTER_REVIEW_MINUTES | 10             | how long a letter waits for the person whose action queued it to preview (and edit) it; 0 sends at once (loadLetterReview) |
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root (this file is src/config.ts). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** A MongoDB connection string, when the database is not the embedded one. */
  mongodbUri?: string;
  /** Absolute path of the embedded server's data folder. */
  dataDir: string;
  /** The embedded server's port; 0 picks a free one. */
  dbPort: number;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

/** Validates environment variables with `schema`; the first bad one becomes a ConfigError naming it. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
}

const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const envSchema = z.object({
  MONGODB_URI: z.preprocess(
    blankIsUnset,
    z
      .string()
      .trim()
      .regex(/^mongodb(\+srv)?:\/\/[^/?#\s]+/, 'expected a MongoDB connection string such as mongodb://db.example.org:27017/complaints or mongodb+srv://user:pass@cluster.example.net/complaints')
      .optional(),
  ),
  DATA_DIR: z.preprocess(blankIsUnset, z.string().default('.data')),
  DB_PORT: z.preprocess(
    blankIsUnset,
    z
      .string()
      .default('27018')
      .refine((s) => /^\d+$/.test(s.trim()) && Number(s) <= 65_535, 'expected a port number from 1 to 65535 (or 0 for any free port)')
      .transform(Number),
  ),
  LOG_LEVEL: z.preprocess((v) => (typeof blankIsUnset(v) === 'string' ? String(v).trim().toLowerCase() : undefined), z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info')),
});

/** Validates the given environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // A .env file at the repository root fills in what the environment does not set (Node's own parser).
  if (env === process.env && existsSync(resolve(ROOT, '.env'))) process.loadEnvFile(resolve(ROOT, '.env'));
  const e = parseEnv(envSchema, env);
  // The default lives under the repository root (where `npm run` runs); a value given is taken from where the command runs.
  const dataDir = env.DATA_DIR?.trim() ? (isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR)) : resolve(ROOT, e.DATA_DIR);
  return { ...(e.MONGODB_URI ? { mongodbUri: e.MONGODB_URI } : {}), dataDir, dbPort: e.DB_PORT, logLevel: e.LOG_LEVEL };
}

let cached: Config | undefined;

/** The process's configuration, read from `process.env` the first time it is asked for. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

const letterReviewSchema = z.object({
  LETTER_REVIEW_MINUTES: z.preprocess(
    blankIsUnset,
    z
      .string()
      .default('10')
      .refine(
        (s) => /^\d+$/.test(s.trim()) && Number(s) <= 1440,
        'expected whole minutes from 0 to 1440 (a day), such as 10; 0 sends letters without waiting for a preview',
      )
      .transform((s) => Number(s)),
  ),
});

/** How long a letter queued by a person's action waits for them to preview it, in ms (LETTER_REVIEW_MINUTES). */
export function loadLetterReview(env: NodeJS.ProcessEnv = process.env): { letterReviewMs: number } {
  return { letterReviewMs: parseEnv(letterReviewSchema, env).LETTER_REVIEW_MINUTES * 60_000 };
}

/** A connection string fit for messages and logs: the password replaced by ***. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : auth}@`);
}
