#!/usr/bin/env node
/**
 * The `complaints` command line. Bad input exits 2 with one line naming the field; nothing
 * here prints a stack trace unless DEBUG is set.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../app/errors.js';
import type { CaseRecord, CaseStore, Directory } from '../app/ports.js';
import { ConfigError, config } from '../config.js';
import { CliFailure } from './failure.js';
import { DomainError } from '../domain/errors.js';
import { BUILT_IN_POLICY_IDS, builtInPolicy } from '../domain/packs/index.js';
import { checkPolicy, parsePolicy, type Policy } from '../domain/policy.js';
import { simulate } from '../app/simulate.js';
import { policyText } from './policyText.js';

const USAGE = `Usage: npm run --silent complaints -- <command>

  simulate <scenario.json>   work out a case's stage, handler and deadlines; prints JSON
  policy show <id|file>      print a policy pack: stages, clocks, routing, with citations
  policy check <file>        validate a school's own policy pack (JSON)
  help                       this text

Operator commands (for the IT admin; they act as "system" and see every case, so treat their
output as confidentially as the cases themselves):

  db install                 build the embedded database (Java 17+ and Maven; done by npm test too)
  db up | down | status      start, stop or check the embedded database (data in DATA_DIR,
                             default .data/; port DB_PORT, default 27018). With MONGODB_URI set,
                             that database is used and "db up" starts nothing
  school import <file>       set up or update a school from JSON: policy, calendar, who holds
                             each role (see test/fixtures/schools/); when the calendar, policy or
                             people change, every open case's deadlines are recomputed. People
                             are given by directory id, or by email or upn when GRAPH_* is set
                             (then everyone is checked in the directory first)
  cases list [--school ID] [--handler ID] [--overdue] [--all] [--now WHEN]
                             open complaints (--all: closed ones too) with stage, handler, what
                             is due next and what is overdue
  cases show <reference> [--now WHEN]
                             one complaint: stage, handler, deadlines (due, met, overdue), history
  export <reference>         the whole case record as JSON on stdout (subject access request,
                             panel bundle)

  --now WHEN (a date or ISO date-time) shows what is overdue as at that moment instead of now.
  The operator commands use MONGODB_URI, or else the embedded database started by "db up".

Exit status: 0 done; 1 the database cannot be reached (or another failure); 2 bad input.
Built-in policies: ${BUILT_IN_POLICY_IDS.join(', ')}
`;

class UsageError extends Error {}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** A policy reference is a built-in id, or a path (relative to `baseDir`, then to the working directory). */
function loadPolicy(ref: string, baseDir: string): Policy {
  if (BUILT_IN_POLICY_IDS.includes(ref)) return builtInPolicy(ref);
  if (!/[/\\.]/.test(ref)) return builtInPolicy(ref); // an unknown id: the error lists the built-ins
  const candidates = [resolve(baseDir, ref), resolve(ref)];
  const path = candidates.find((p) => {
    try {
      readFileSync(p);
      return true;
    } catch {
      return false;
    }
  });
  if (!path) throw new DomainError('UNKNOWN_POLICY', `no policy file at ${ref}; built-in policies are ${BUILT_IN_POLICY_IDS.join(', ')}`, 'policy');
  return parsePolicy(readJson(path, 'policy file'), ref);
}

/** Parses a command's options; a misspelt or incomplete option is bad input naming it. */
function options<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], spec: T, positionals: number, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliFailure(`${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}; usage: ${usage}`, 2);
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliFailure(`${parsed.positionals.length < positionals ? 'missing' : 'unexpected'} argument; usage: ${usage}`, 2);
  }
  return parsed;
}

function whenOption(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T12:00:00Z` : text);
  if (Number.isNaN(ms)) throw new CliFailure(`--now: expected a date or date-time such as 2026-11-25 or 2026-11-25T09:00:00Z, not ${JSON.stringify(text)}`, 2);
  return new Date(ms);
}

/** The operator commands: they need the configuration and (but for "db") the database, loaded only here. */
async function operator(command: string, rest: string[]): Promise<number> {
  const cfg = config();
  const { dbCommand, withDatabase } = await import('./db.js');
  switch (command) {
    case 'db':
      if (rest.length !== 1) throw new CliFailure('expected "db up", "db down" or "db status"', 2);
      return dbCommand(rest[0], cfg);
    case 'school': {
      const usage = 'complaints school import <file>';
      if (rest[0] !== 'import') throw new CliFailure(`expected "${usage}"`, 2);
      const { positionals } = options(rest.slice(1), {}, 1, usage);
      const file = positionals[0]!;
      const { readSchoolFile, importSchool } = await import('./schoolImport.js');
      let parsed;
      try {
        parsed = readSchoolFile(file);
      } catch (e) {
        if (e instanceof AppError && e.field !== 'file') throw new CliFailure(`${file}: ${e.userMessage}`, 2);
        throw e;
      }
      for (const w of parsed.warnings) process.stderr.write(`warning: ${w}\n`);
      // People given by email or UPN are looked up in the directory when GRAPH_* is set (a bad setting exits 2 naming it).
      const directory = await directoryFromSettings(cfg.logLevel);
      return withDatabase(cfg, async ({ deps }) => {
        let r;
        try {
          r = await importSchool({ ...deps, ...(directory ? { directory } : {}) }, parsed);
        } catch (e) {
          // e.g. a new calendar that cannot count an open case's deadlines: refused before anything was saved
          if (e instanceof AppError && e.code === 'INVALID_INPUT') throw new CliFailure(`${file}: ${e.field && !e.userMessage.startsWith(e.field) ? `${e.field}: ` : ''}${e.userMessage}`, 2);
          const { GraphError } = await import('../graph/errors.js');
          if (e instanceof GraphError)
            throw new CliFailure(`${file}: the people could not be looked up in the directory, so nothing was saved: ${e.message}`, e.kind === 'busy' ? 1 : 2);
          throw e;
        }
        const s = r.school;
        const terms = s.calendar.terms?.length ?? 0;
        const closures = s.calendar.closures?.length ?? 0;
        const changes = r.created ? 'created' : [r.calendarChanged && 'calendar changed', r.setupChanged && 'setup changed'].filter(Boolean).join(', ') || 'no change';
        process.stdout.write(
          `Imported school ${s.id} (${s.name}): ${changes}. Policy ${parsed.policy.id} (${parsed.policy.name}, version ${parsed.policy.version}); ` +
            `${terms} term${terms === 1 ? '' : 's'}, ${closures} closure${closures === 1 ? '' : 's'}, ${s.calendar.region}, ${s.calendar.timezone}; ${s.people.length} ${s.people.length === 1 ? 'person' : 'people'}; references ${s.referencePrefix}-YYYY-NNNN.\n`,
        );
        const cases = (n: number) => `${n} open case${n === 1 ? '' : 's'}`;
        if (r.calendar) {
          const { recomputed, unresolved } = r.calendar;
          process.stdout.write(`Recounted the deadlines of ${cases(recomputed)} with the new calendar.\n`);
          if (unresolved.length) process.stderr.write(`warning: ${unresolved.join(', ')} kept changing while being recounted; whoever changed them counted with the new calendar\n`);
        }
        if (r.recomputed) {
          const { open, changed, failed } = r.recomputed;
          process.stdout.write(`Policy or people changed: re-derived ${cases(open)}, ${changed} changed (deadlines, handlers or who owes them).\n`);
          for (const f of failed) process.stderr.write(`warning: ${f.reference}: ${f.reason}\n`);
        }
        return 0;
      });
    }
    case 'cases': {
      const [sub, ...more] = rest;
      const { listCases, showCase } = await import('./cases.js');
      if (sub === 'list') {
        const usage = 'complaints cases list [--school ID] [--handler ID] [--overdue] [--all] [--now WHEN]';
        const { values } = options(more, { school: { type: 'string' }, handler: { type: 'string' }, overdue: { type: 'boolean' }, all: { type: 'boolean' }, now: { type: 'string' } }, 0, usage);
        const now = whenOption(values.now);
        return withDatabase(cfg, async ({ deps }) => {
          if (values.school !== undefined && !(await deps.schools.get(values.school))) {
            const known = (await deps.schools.list()).map((x) => x.id);
            throw new CliFailure(`--school: no school with id ${JSON.stringify(values.school)}; ${known.length ? `schools set up: ${known.join(', ')}` : 'no school is set up yet (complaints school import <file>)'}`, 2);
          }
          const { text } = await listCases(deps, {
            ...(values.school !== undefined ? { schoolId: values.school } : {}),
            ...(values.handler !== undefined ? { handlerId: values.handler } : {}),
            overdue: !!values.overdue,
            all: !!values.all,
            now,
          });
          process.stdout.write(text);
          return 0;
        });
      }
      if (sub === 'show') {
        const usage = 'complaints cases show <reference> [--now WHEN]';
        const { values, positionals } = options(more, { now: { type: 'string' } }, 1, usage);
        const now = whenOption(values.now);
        return withDatabase(cfg, async ({ deps }) => {
          const record = await findCase(deps.cases, positionals[0]!);
          process.stdout.write(showCase(record, (await deps.schools.get(record.schoolId)) ?? undefined, now));
          return 0;
        });
      }
      throw new CliFailure('expected "cases list [options]" or "cases show <reference>"', 2);
    }
    case 'export': {
      const { positionals } = options(rest, {}, 1, 'complaints export <reference>');
      return withDatabase(cfg, async ({ deps }) => {
        const record = await findCase(deps.cases, positionals[0]!);
        process.stdout.write(JSON.stringify(record, null, 2) + '\n');
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** The organisation's directory through Microsoft Graph, when GRAPH_* is set; its log lines go to stderr. */
async function directoryFromSettings(logLevel: string): Promise<Directory | undefined> {
  const { loadGraphConfig } = await import('../graph/config.js');
  const graph = loadGraphConfig();
  if (!graph) return undefined;
  const [{ createGraphGateway }, { GraphDirectory }, { createLogger }, { pino }] = await Promise.all([
    import('../graph/gateway.js'),
    import('../graph/directory.js'),
    import('../log.js'),
    import('pino'),
  ]);
  const log = createLogger({ name: 'complaints', level: logLevel, destination: pino.destination({ dest: 2, sync: true }) });
  return new GraphDirectory(createGraphGateway({ ...graph, log: log.child({ component: 'graph' }) }), log);
}

async function findCase(cases: CaseStore, reference: string): Promise<CaseRecord> {
  const record = await cases.getByReference(reference.trim());
  if (!record) throw new CliFailure(`no complaint with reference ${JSON.stringify(reference)} was found (references read like NMAT-2026-0042)`, 1);
  return record;
}

async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'db':
    case 'school':
    case 'cases':
    case 'export':
      return operator(command, rest);
    case 'simulate': {
      const file = rest[0];
      if (!file) throw new UsageError('simulate needs a scenario file: complaints simulate <scenario.json>');
      const scenario = readJson(file, 'scenario');
      const result = simulate(scenario, (ref) => loadPolicy(ref, dirname(resolve(file))));
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    case 'policy': {
      const [sub, ref] = rest;
      if (sub === 'show' && ref) {
        process.stdout.write(policyText(loadPolicy(ref, process.cwd())));
        return 0;
      }
      if (sub === 'check' && ref) {
        const { policy, issues } = checkPolicy(readJson(ref, 'policy file'));
        if (policy) {
          process.stdout.write(`${ref}: valid policy "${policy.id}" (${policy.name}), ${policy.stages.length} stages, ${policy.stages.reduce((n, s) => n + s.clocks.length, 0)} clocks\n`);
          return 0;
        }
        process.stderr.write(`${ref}: ${issues.length} problem${issues.length > 1 ? 's' : ''}\n`);
        for (const i of issues) process.stderr.write(`  ${i.field}: ${i.message}\n`);
        return 2;
      }
      throw new UsageError('expected "policy show <id|file>" or "policy check <file>"');
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliFailure) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else if (e instanceof ConfigError) {
    process.stderr.write(`error: environment variable ${e.message} (see .env.example)\n`);
    process.exitCode = 2;
  } else if (e instanceof AppError) {
    process.stderr.write(`error: ${e.userMessage}\n`);
    process.exitCode = e.code === 'INVALID_INPUT' ? 2 : 1;
  } else if (e instanceof DomainError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`internal error: ${(e as Error).message}${process.env.DEBUG ? `\n${(e as Error).stack}` : ' (set DEBUG=1 for details)'}\n`);
    process.exitCode = 1;
  }
}
