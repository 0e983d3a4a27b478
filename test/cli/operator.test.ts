/**
 * The IT admin's commands (`db`, `school import`, `cases list | show`, `export`), run as the
 * admin runs them: the real command line in a child process, against this file's own database
 * on the server the test run started (MONGODB_URI), or a `db up` server of its own.
 *
 * Dates: the NMAT school's 2026/27 calendar (test/fixtures/schools/nunthorpe.json: Autumn 2 is
 * Mon 2 Nov - Fri 18 Dec 2026). A complaint received Fri 6 Nov 2026 09:00 (GMT, so 09:00 in
 * London) is acknowledged within 2 school days (Mon 9, Tue 10 Nov: due 2026-11-10) and answered
 * within 7 (Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Mon 16, Tue 17: due 2026-11-17).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Deps } from '../../src/app/caseFlow.js';
import type { CaseRecord } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { loadConfig } from '../../src/config.js';
import { dbDown } from '../../src/store/embedded/server.js';
import { connectDatabase, type Database } from '../../src/store/mongo.js';
import { P, TestClock, parentComplaint } from '../helpers/app.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCHOOLS = join(ROOT, 'test/fixtures/schools');
/** This file's own database; a fresh name per run, so nothing needs dropping first. */
const DB_NAME = `cli_operator_${Date.now().toString(36)}`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `complaints ...` as the admin would (through tsx), with only the settings given; never throws. */
function complaints(env: Record<string, string>, ...args: string[]): Promise<Result> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['MONGODB_URI', 'DATA_DIR', 'DB_PORT', 'LOG_LEVEL', 'DEBUG'].includes(k)));
  const started = Date.now();
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A school file: the Nunthorpe example with some fields changed, written to a temp folder. */
function schoolFile(change: (school: Record<string, any>) => void): string {
  const school = JSON.parse(readFileSync(join(SCHOOLS, 'nunthorpe.json'), 'utf8'));
  change(school);
  const file = join(mkdtempSync(join(tmpdir(), 'school-')), 'school.json');
  writeFileSync(file, JSON.stringify(school, null, 2));
  return file;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

const noStackTrace = (r: Result) => expect(r.stderr).not.toMatch(/^\s+at /m);

describe('operator commands against the database', () => {
  let db: Database;
  let deps: Deps;
  let env: Record<string, string>;
  const clock = new TestClock('2026-11-06T09:00:00Z');

  beforeAll(async () => {
    const uri = new URL(inject('mongoUri'));
    uri.pathname = `/${DB_NAME}`;
    env = { MONGODB_URI: uri.toString() };
    db = await connectDatabase(env.MONGODB_URI!);
    deps = { cases: db.cases, schools: db.schools, clock };
  });
  afterAll(async () => {
    await db?.connection.dropDatabase().catch(() => {});
    await db?.close();
  });

  async function recordCase(schoolId: string, duplicates?: 'separate'): Promise<CaseRecord> {
    clock.set('2026-11-06T09:00:00Z');
    const r = await recordComplaint(deps, P.teacher, { ...parentComplaint(schoolId), ...(duplicates ? { duplicates } : {}) });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(r)}`);
    return r.case;
  }

  it('when the example school is imported, then its policy, calendar and role holders are saved, and the admin is warned that nobody holds the stage 4 panel role', async () => {
    const r = await complaints(env, 'school', 'import', join(SCHOOLS, 'nunthorpe.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported school nunthorpe \(Nunthorpe Academy\): created\. Policy nmat/);
    expect(r.stderr).toMatch(/^warning: nobody holds panel \(Stage Four complaints panel\), which handles stage 4/m);
    const school = await db.schools.get('nunthorpe');
    expect(school).toMatchObject({ policyId: 'nmat', referencePrefix: 'NMAT', calendar: { region: 'england-and-wales', timezone: 'Europe/London', closures: ['2027-01-05'] } });
    expect(school!.calendar.terms).toHaveLength(6);
    expect(school!.people.find((p) => p.id === P.headOfSchool)).toEqual({ id: P.headOfSchool, name: 'Hana Head', email: 'head@nunthorpe.example', roles: ['head_of_school', 'slt'] });
    expect(school!.people).toHaveLength(15);
  });

  it('when a school uses its own policy pack from a file, then the pack is validated and saved with the school', async () => {
    const r = await complaints(env, 'school', 'import', join(SCHOOLS, 'oakfield.json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const school = await db.schools.get('oakfield');
    expect(school).toMatchObject({ policyId: 'oakfield', customPolicy: { id: 'oakfield', organisation: 'Oakfield Primary' } });
  });

  it('when a complaint is recorded through the app, then "cases list" shows its stage, handler, what is due next and, once passed, what is overdue', async () => {
    const recorded = await recordCase('nunthorpe');
    expect(recorded.reference).toBe('NMAT-2026-0001');

    // Mon 9 Nov: nothing overdue yet; the acknowledgement is due Tue 10 Nov.
    const before = await complaints(env, 'cases', 'list', '--school', 'nunthorpe', '--now', '2026-11-09T12:00:00Z');
    expect(before.code).toBe(0);
    const row = before.stdout.split('\n').find((l) => l.startsWith('NMAT-2026-0001'))!;
    expect(row.split(/\s{2,}/)).toEqual(['NMAT-2026-0001', '1', 'open', 'Tara Teacher (teacher)', '2026-11-10 acknowledge', '-']);
    expect(before.stdout).toMatch(/^reference\s+stage\s+status\s+handler\s+next due\s+overdue$/m);

    // Wed 11 Nov: the acknowledgement (due Tue 10) is overdue; the answer (Tue 17) is next.
    const after = await complaints(env, 'cases', 'list', '--overdue', '--now', '2026-11-11T12:00:00Z');
    expect(after.code).toBe(0);
    const late = after.stdout.split('\n').find((l) => l.startsWith('NMAT-2026-0001'))!;
    expect(late.split(/\s{2,}/)).toEqual(['NMAT-2026-0001', '1', 'open', 'Tara Teacher (teacher)', '2026-11-17 respond', 'acknowledge (due 2026-11-10)']);

    const none = await complaints(env, 'cases', 'list', '--overdue', '--now', '2026-11-09T12:00:00Z');
    expect(none.stdout).toBe('No overdue complaints.\n');
    const byHandler = await complaints(env, 'cases', 'list', '--handler', P.teacher, '--now', '2026-11-09T12:00:00Z');
    expect(byHandler.stdout).toMatch(/^NMAT-2026-0001 /m);
    const otherHandler = await complaints(env, 'cases', 'list', '--handler', P.headOfSchool);
    expect(otherHandler.stdout).toBe(`No open complaints for handler ${P.headOfSchool}.\n`);
  });

  it('when the admin shows a case, then they see its stage, handler, each deadline due, met or overdue, and the history in school time', async () => {
    const r = await complaints(env, 'cases', 'show', 'nmat-2026-0001', '--now', '2026-11-11T12:00:00Z');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NMAT-2026-0001 {2}Nunthorpe Academy \(nunthorpe\), policy nmat/);
    expect(r.stdout).toMatch(/^stage: +1 \(Academy Response: informal complaint\), received 2026-11-06/m);
    expect(r.stdout).toMatch(/^handler: +Tara Teacher \(teacher\)$/m);
    expect(r.stdout).toMatch(/^ +1 +acknowledge +teacher: Tara Teacher +2026-11-10 +OVERDUE$/m);
    expect(r.stdout).toMatch(/^ +1 +respond +teacher: Tara Teacher +2026-11-17 +open$/m);
    expect(r.stdout).toMatch(/^ +2026-11-06 09:00 {2}received: stage 1 {2}\(by Tara Teacher \(aad-teacher-1\)\)$/m);
  });

  it('when the admin exports a case, then the whole record comes out as JSON on stdout', async () => {
    const stored = await db.cases.getByReference('NMAT-2026-0001');
    const r = await complaints(env, 'export', 'NMAT-2026-0001');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      id: stored!.id,
      reference: 'NMAT-2026-0001',
      schoolId: 'nunthorpe',
      complainant: { name: 'Priya Parent', email: 'priya.parent@example.com' },
      summary: parentComplaint().summary,
      events: [{ type: 'received', at: '2026-11-06T09:00:00.000Z', by: P.teacher, stage: 1 }],
      state: { status: 'open', stage: 1, handlerId: P.teacher },
      version: stored!.version,
    });
    expect(out.state.deadlines.map((d: { kind: string; due: string }) => `${d.kind} ${d.due}`)).toEqual(['acknowledge 2026-11-10', 'respond 2026-11-17']);
    expect(out.outbox).toHaveLength(1);
  });

  it('when the reference does not exist, then show and export say so and exit 1', async () => {
    for (const cmd of [['cases', 'show'], ['export']]) {
      const r = await complaints(env, ...cmd, 'NMAT-2026-0999');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no complaint with reference "NMAT-2026-0999" was found/);
      expect(r.stdout).toBe('');
    }
  });

  it("when a school's calendar changes (a snow day on Mon 9 Nov), then every open case's deadlines are recomputed", async () => {
    const id = 'nunthorpe-snow';
    const first = schoolFile((s) => Object.assign(s, { id, referencePrefix: 'SNOW' }));
    expect((await complaints(env, 'school', 'import', first)).code).toBe(0);
    const before = await recordCase(id);
    expect(before.state.deadlines.map((d) => d.due)).toEqual(['2026-11-10', '2026-11-17']);
    const closed = await recordCase(id, 'separate').then(async (c) => {
      // A withdrawn case is not open: its state is left as it was.
      const { applyToCase } = await import('../../src/app/caseFlow.js');
      return applyToCase(deps, c.id, P.teacher, undefined, () => ({ events: [{ type: 'withdrawn' }] }));
    });

    const snow = schoolFile((s) => {
      Object.assign(s, { id, referencePrefix: 'SNOW' });
      s.calendar.closures.unshift('2026-11-09');
    });
    const r = await complaints(env, 'school', 'import', snow);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: calendar changed\./);
    expect(r.stdout).toMatch(/^Recounted the deadlines of 1 open case with the new calendar\.$/m);
    // Mon 9 Nov is no longer a school day: acknowledge by Tue 10, Wed 11; answer by Wed 18 Nov.
    const after = await db.cases.get(before.id);
    expect(after!.state.deadlines.map((d) => d.due)).toEqual(['2026-11-11', '2026-11-18']);
    expect(after!.version).toBe(before.version + 1);
    expect((await db.cases.get(closed.id))!.version).toBe(closed.version);

    const again = await complaints(env, 'school', 'import', snow);
    expect(again.stdout).toMatch(/: no change\./);
    expect(again.stdout).not.toMatch(/Recounted|re-derived/);

    // Tara Teacher leaves: the open case goes to the other teacher, Tom (the first holder of the role not excluded).
    const left = schoolFile((s) => {
      Object.assign(s, { id, referencePrefix: 'SNOW' });
      s.calendar.closures.unshift('2026-11-09');
      s.people = s.people.filter((p: { id: string }) => p.id !== P.teacher);
    });
    const moved = await complaints(env, 'school', 'import', left);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/: setup changed\./);
    expect(moved.stdout).toMatch(/^Policy or people changed: re-derived 1 open case, 1 changed/m);
    const handed = await db.cases.get(before.id);
    expect(handed!.state.handlerId).toBe(P.teacher2);
    expect(handed!.state.deadlines.map((d) => `${d.due} ${d.ownerId}`)).toEqual([`2026-11-11 ${P.teacher2}`, `2026-11-18 ${P.teacher2}`]);
  });

  it('when a new calendar cannot count an open case\'s deadlines, then the import is refused naming the case, and nothing is saved', async () => {
    const id = 'nunthorpe-short';
    expect((await complaints(env, 'school', 'import', schoolFile((s) => Object.assign(s, { id, referencePrefix: 'SHRT' })))).code).toBe(0);
    const open = await recordCase(id);
    // Only Autumn 1 (2 Sep - 23 Oct 2026): no school day follows the receipt on Fri 6 Nov, so its deadlines cannot be counted.
    const short = schoolFile((s) => {
      Object.assign(s, { id, referencePrefix: 'SHRT' });
      s.calendar.terms = s.calendar.terms.slice(0, 1);
      s.calendar.closures = [];
    });
    const r = await complaints(env, 'school', 'import', short);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: .*school\\.json: .*${open.reference}`, 'm'));
    const school = await db.schools.get(id);
    expect(school!.calendar.terms).toHaveLength(6);
    expect((await db.cases.get(open.id))!.version).toBe(open.version);
  });

  const badFiles: Array<[string, (s: Record<string, any>) => void, RegExp]> = [
    ['overlapping terms', (s) => (s.calendar.terms[1].start = '2026-10-20'), /calendar\.terms\[1\]: the term 2026-10-20 to 2026-12-18 overlaps the term 2026-09-02 to 2026-10-23/],
    ['a closure outside term', (s) => s.calendar.closures.push('2026-10-28'), /calendar\.closures\[1\]: 2026-10-28 is not inside any term/],
    ['a role the policy does not have', (s) => s.people[2].roles.push('headteacher'), /people\[2\]\.roles\[2\]: "headteacher" is not a role in NMAT/],
    ['an unknown policy', (s) => (s.policy = 'nmatt'), /policy: unknown policy "nmatt"; built-in policies are miet, miag, kpsspp, sil, nmat/],
    ['a custom policy with a mistake', (s) => (s.policy = { ...JSON.parse(readFileSync(join(ROOT, 'test/fixtures/policies/oakfield.json'), 'utf8')), roles: [] }), /policy\.roles: /],
    ['a misspelt field', (s) => ((s.calender = s.calendar), delete s.calendar), /\(top level\): unknown field calender/],
    ['a malformed email', (s) => (s.people[0].email = 'tara at school'), /people\[0\]\.email: expected an email address/],
    ['a person listed twice', (s) => s.people.push({ ...s.people[0] }), /people\[15\]\.id: aad-teacher-1 is listed twice/],
  ];
  for (const [what, change, message] of badFiles) {
    it(`when a school file has ${what}, then import exits 2 naming the field and saves nothing`, async () => {
      const file = schoolFile((s) => {
        s.id = 'bad-school';
        change(s);
      });
      const r = await complaints(env, 'school', 'import', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^error: .*school\.json: /m);
      noStackTrace(r);
      expect(await db.schools.get('bad-school')).toBeNull();
    });
  }

  it('when --school names no school, then the list exits 2 naming --school', async () => {
    const r = await complaints(env, 'cases', 'list', '--school', 'nowhere');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --school: no school with id "nowhere"; schools set up: .*nunthorpe/m);
  });
});

describe('operator commands when the database cannot be reached', () => {
  it('when MONGODB_URI points at a closed port, then each command exits 1 within a few seconds saying it cannot reach the database', async () => {
    const port = await freePort();
    const env = { MONGODB_URI: `mongodb://admin:s3cret@127.0.0.1:${port}/complaints` };
    const results = await Promise.all([
      complaints(env, 'cases', 'list'),
      complaints(env, 'export', 'NMAT-2026-0001'),
      complaints(env, 'school', 'import', join(SCHOOLS, 'oakfield.json')),
    ]);
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error: cannot reach the database at mongodb://admin:\\*\\*\\*@127\\.0\\.0\\.1:${port}/complaints: .*ECONNREFUSED.*Nothing was read or changed\\.$`, 'm'));
      expect(r.stderr).not.toMatch(/s3cret/);
      noStackTrace(r);
      expect(r.ms).toBeLessThan(10_000);
    }
  });

  it('when a setting is malformed, then the command stops naming the variable', async () => {
    const port = await complaints({ DB_PORT: 'twenty' }, 'db', 'status');
    expect(port.code).toBe(2);
    expect(port.stderr).toBe('error: environment variable DB_PORT: expected a port number from 1 to 65535 (or 0 for any free port) (see .env.example)\n');
    const uri = await complaints({ MONGODB_URI: 'localhost:27017' }, 'cases', 'list');
    expect(uri.code).toBe(2);
    expect(uri.stderr).toMatch(/^error: environment variable MONGODB_URI: expected a MongoDB connection string/);
    const level = await complaints({ LOG_LEVEL: 'loud' }, 'cases', 'list');
    expect(level.stderr).toMatch(/^error: environment variable LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent/);
  });

  it('when nothing is set, then the defaults are the embedded server on port 27018 with data in .data/', () => {
    expect(loadConfig({}, '/somewhere')).toEqual({ dataDir: join(ROOT, '.data'), dbPort: 27018, logLevel: 'info' });
    expect(loadConfig({ MONGODB_URI: ' ', DATA_DIR: 'db', DB_PORT: '0', LOG_LEVEL: 'DEBUG' }, '/srv/complaints')).toEqual({ dataDir: '/srv/complaints/db', dbPort: 0, logLevel: 'debug' });
  });

  it('when MONGODB_URI is set, then "db up" uses that database and starts nothing', async () => {
    const r = await complaints({ MONGODB_URI: 'mongodb://db.example.org:27017/complaints', DATA_DIR: mkdtempSync(join(tmpdir(), 'complaints-data-')) }, 'db', 'up');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MONGODB_URI is set: using that database \(mongodb:\/\/db\.example\.org:27017\/complaints\); the embedded server was not started\./);
  });
});

describe('complaints db up | status | down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-data-'));
  afterAll(async () => {
    await dbDown({ dataDir }); // in case a step failed with the server still up
  });

  it('when the admin starts the embedded database, then the other commands use it until it is stopped', { timeout: 120_000 }, async () => {
    const env = { DATA_DIR: dataDir, DB_PORT: String(await freePort()) };

    const idle = await complaints(env, 'db', 'status');
    expect(idle.code).toBe(1);
    expect(idle.stdout).toMatch(/^The embedded database is not running/);
    const nothing = await complaints(env, 'cases', 'list');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/^error: no database is running: start the embedded one with `npm run --silent complaints -- db up`.*or set MONGODB_URI/);

    const up = await complaints(env, 'db', 'up');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^Started the embedded database on 127\\.0\\.0\\.1:${env.DB_PORT} \\(pid \\d+\\)`));
    const again = await complaints(env, 'db', 'up');
    expect(again.stdout).toMatch(/^The embedded database is already running/);
    const status = await complaints(env, 'db', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^The embedded database is running on 127\\.0\\.0\\.1:${env.DB_PORT}`));

    expect((await complaints(env, 'school', 'import', join(SCHOOLS, 'nunthorpe.json'))).code).toBe(0);
    const list = await complaints(env, 'cases', 'list', '--school', 'nunthorpe');
    expect(list).toMatchObject({ code: 0, stdout: 'No open complaints for school nunthorpe.\n' });

    const down = await complaints(env, 'db', 'down');
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^Stopped the embedded database \(pid \d+\)\./);
    expect((await complaints(env, 'db', 'status')).code).toBe(1);
    expect((await complaints(env, 'db', 'down')).stdout).toMatch(/^The embedded database was not running/);
  });
});
