#!/usr/bin/env node
/**
 * The `complaints` command line. Bad input exits 2 with one line naming the field; nothing
 * here prints a stack trace unless DEBUG is set.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

function run(args: string[]): number {
  const [command, ...rest] = args;
  switch (command) {
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
  process.exitCode = run(process.argv.slice(2));
} catch (e) {
  if (e instanceof DomainError) {
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
