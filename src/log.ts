/**
 * The process's logger: pino, one JSON object per line, for the IT admin. Log lines carry ids
 * (case, school, directory ids, outbox keys), never personal data: fields that would hold it
 * (a complainant, their contact details, a summary or decision) are redacted if one slips in.
 *
 * Levels: trace, debug, info, warn, error, fatal, or silent (LOG_LEVEL; src/config.ts).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type Log = Logger;

/** Field names that hold personal data wherever they appear (two levels deep). */
const PERSONAL = ['complainant', 'email', 'phone', 'address', 'summary', 'desiredOutcome', 'decision', 'personName'];
const REDACT = PERSONAL.flatMap((f) => [f, `*.${f}`]);

export interface LoggerOptions {
  /** Shown as `name` on every line, e.g. "jobs" or "bot". */
  name?: string;
  level?: string;
  /** Where the lines go; standard output by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Log {
  return pino(
    {
      name: opts.name ?? 'complaints',
      level: opts.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that writes nothing (tests that do not read the log). */
export function silentLogger(): Log {
  return pino({ level: 'silent' });
}

/** A logger whose lines are kept, parsed, in `lines` (tests that assert what was logged). */
export function memoryLogger(name = 'test'): { log: Log; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination: DestinationStream = {
    write(line: string) {
      for (const l of line.split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    },
  };
  return { log: createLogger({ name, level: 'debug', destination }), lines };
}
