/**
 * `complaints school import` with people given by email address or UPN, looked up in the
 * organisation's directory (Microsoft Graph: the local stand-in over HTTP) before anything is
 * saved. In process on both stores (importSchool with deps.directory), and as the admin runs it:
 * the real command line in a child process, with GRAPH_* pointing at the stand-in.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Deps } from '../../src/app/caseFlow.js';
import { importSchool, parseSchoolFile, type ParsedSchool } from '../../src/cli/schoolImport.js';
import { GraphDirectory } from '../../src/graph/directory.js';
import { connectDatabase } from '../../src/store/mongo.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';
import { TestClock, appError, memoryDeps, storeVariants } from '../helpers/app.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const NUNTHORPE = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/schools/nunthorpe.json'), 'utf8')) as Record<string, unknown>;
const TODAY = new Date('2026-09-01T09:00:00Z');

let standIn: GraphStandIn;

/** The Nunthorpe school file with these people. */
function schoolFile(people: Array<Record<string, unknown>>): Record<string, unknown> {
  return { ...NUNTHORPE, people };
}

const parse = (people: Array<Record<string, unknown>>): ParsedSchool => parseSchoolFile(schoolFile(people), ROOT, TODAY);

const directory = () => new GraphDirectory(standInGateway(standIn));

/** The people of a school that can run NMAT stage 1: a head of school and SLT. */
const HEAD = { email: 'hana.head@nunthorpe.example', roles: ['head_of_school', 'slt'] };

beforeAll(async () => {
  standIn = await GraphStandIn.start();
  standIn
    // Email and UPN the same, as in most schools.
    .addUser({ id: 'aad-head', displayName: 'Hana Head', mail: 'hana.head@nunthorpe.example', userPrincipalName: 'hana.head@nunthorpe.example' })
    // An email address that is not the UPN: found by mail.
    .addUser({ id: 'aad-teacher-1', displayName: 'Tara Teacher', mail: 't.teacher@nunthorpe.example', userPrincipalName: 'tteacher@nunthorpe.onmicrosoft.com' })
    .addUser({ id: 'aad-deputy', displayName: 'Dev Deputy', mail: 'dev.deputy@nunthorpe.example', userPrincipalName: 'ddeputy@nunthorpe.onmicrosoft.com' })
    .addUser({ id: 'aad-clerk', displayName: 'Gail Clerk (Governance)', mail: 'governance@nmat.example', userPrincipalName: 'governance@nmat.example' })
    .addUser({ id: 'aad-exec', displayName: 'Eve Principal', mail: null, userPrincipalName: 'eve@nmat.example' })
    .addUser({
      id: 'aad-gone',
      displayName: 'Gil Gone',
      mail: 'gil.gone@nunthorpe.example',
      userPrincipalName: 'gil.gone@nunthorpe.example',
      accountEnabled: false,
    });
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.clearRequests();
});

describe.each(storeVariants('import_directory'))('school import resolving people through the directory (%s)', (_name, make) => {
  it('people given by email or UPN are saved by directory id, in file order, named from the directory when the file gives no name; everyone is checked in one $batch', async () => {
    const { deps, close } = await make();
    try {
      const parsed = parse([
        HEAD,
        { upn: 'ddeputy@nunthorpe.onmicrosoft.com', name: 'Dev Deputy', roles: ['slt'] },
        { email: 't.teacher@nunthorpe.example', roles: ['teacher'] },
        { id: 'aad-clerk', name: 'Gail Clerk', roles: ['governance_lead', 'clerk'] },
        { id: 'aad-exec', roles: ['executive_principal'] },
      ]);
      const r = await importSchool({ ...deps, directory: directory() }, parsed);
      expect(r.created).toBe(true);
      const saved = (await deps.schools.get('nunthorpe'))!;
      expect(saved.people).toEqual([
        { id: 'aad-head', name: 'Hana Head', email: 'hana.head@nunthorpe.example', roles: ['head_of_school', 'slt'] },
        { id: 'aad-deputy', name: 'Dev Deputy', email: 'dev.deputy@nunthorpe.example', roles: ['slt'] },
        { id: 'aad-teacher-1', name: 'Tara Teacher', email: 't.teacher@nunthorpe.example', roles: ['teacher'] },
        // The file's name wins over the directory's; no mail in the directory, none stored.
        { id: 'aad-clerk', name: 'Gail Clerk', email: 'governance@nmat.example', roles: ['governance_lead', 'clerk'] },
        { id: 'aad-exec', name: 'Eve Principal', roles: ['executive_principal'] },
      ]);
      // One $batch for all five (ids, UPNs and emails tried as UPNs), then the one address that is not a UPN, by mail.
      const calls = standIn.graphRequests();
      expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v1.0/$batch', 'GET /v1.0/users/t.teacher@nunthorpe.example', 'GET /v1.0/users']);
      expect(calls[0]!.body.requests.map((x: { url: string }) => decodeURIComponent(x.url.split('?')[0]!))).toEqual([
        '/users/hana.head@nunthorpe.example',
        '/users/ddeputy@nunthorpe.onmicrosoft.com',
        '/users/t.teacher@nunthorpe.example',
        '/users/aad-clerk',
        '/users/aad-exec',
      ]);
      expect(calls[2]!.query.$filter).toBe("mail eq 't.teacher@nunthorpe.example'");
    } finally {
      await close?.();
    }
  });

  it('when one person cannot be resolved, nothing is saved: not a new school, and not a change to an existing one', async () => {
    const { deps, close } = await make();
    try {
      const withDirectory = { ...deps, directory: directory() };
      const bad = parse([HEAD, { email: 'gil.gone@nunthorpe.example', roles: ['teacher'] }]);
      await appError(importSchool(withDirectory, bad));
      expect(await deps.schools.get('nunthorpe')).toBeNull();

      await importSchool(withDirectory, parse([HEAD, { email: 't.teacher@nunthorpe.example', roles: ['teacher'] }]));
      const before = (await deps.schools.get('nunthorpe'))!;
      const e = await appError(importSchool(withDirectory, parse([HEAD, { email: 'nobody@nunthorpe.example', roles: ['teacher'] }])));
      expect(e.field).toBe('people[1].email');
      expect(await deps.schools.get('nunthorpe')).toEqual(before);
    } finally {
      await close?.();
    }
  });
});

describe('what the admin is told when a person cannot be resolved', () => {
  const deps = (withDirectory: boolean): Deps => ({
    ...memoryDeps(new TestClock('2026-09-01T09:00:00Z')),
    ...(withDirectory ? { directory: directory() } : {}),
  });

  it.each([
    [
      'an address nobody has',
      [HEAD, { email: 'x@nunthorpe.example', roles: ['teacher'] }],
      'people[1].email',
      "nobody with the address x@nunthorpe.example is in your organisation's directory",
    ],
    [
      'a user name nobody has',
      [HEAD, { upn: 'nobody@nunthorpe.onmicrosoft.com', roles: ['teacher'] }],
      'people[1].upn',
      "nobody with the user name nobody@nunthorpe.onmicrosoft.com is in your organisation's directory",
    ],
    [
      'a directory id no longer there (deleted)',
      [HEAD, { id: 'aad-deleted', name: 'Del Eted', roles: ['teacher'] }],
      'people[1].id',
      "nobody with the directory id aad-deleted is in your organisation's directory",
    ],
    [
      'a disabled account',
      [HEAD, { email: 'gil.gone@nunthorpe.example', roles: ['teacher'] }],
      'people[1].email',
      "the account of Gil Gone (gil.gone@nunthorpe.example) is disabled in your organisation's directory, so they cannot hold a role; remove them or give their roles to someone else",
    ],
    [
      'the same person twice, once by address and once by id',
      [HEAD, { email: 't.teacher@nunthorpe.example', roles: ['teacher'] }, { id: 'aad-teacher-1', roles: ['slt'] }],
      'people[2].id',
      'Tara Teacher is also people[1] (the same directory account); give each person once, with all their roles',
    ],
  ])('%s', async (_what, people, field, message) => {
    const e = await appError(importSchool(deps(true), parse(people)));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe(field);
    expect(e.userMessage).toBe(`${field}: ${message}`);
  });

  it('without Microsoft Graph, a person given by email or UPN, or without a name, is refused naming the settings to set', async () => {
    const byEmail = await appError(
      importSchool(
        deps(false),
        parse([
          { id: 'aad-head', name: 'Hana Head', roles: ['head_of_school', 'slt'] },
          { email: 'x@nunthorpe.example', roles: ['teacher'] },
        ]),
      ),
    );
    expect(byEmail.userMessage).toBe(
      "people[1]: Microsoft Graph is not configured (set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or GRAPH_CERTIFICATE_PATH) and COMPLAINTS_MAILBOX to look people up by email); give the person's directory id",
    );
    const noName = await appError(importSchool(deps(false), parse([{ id: 'aad-head', roles: ['head_of_school', 'slt'] }])));
    expect(noName.field).toBe('people[0].name');
    expect(noName.userMessage).toMatch(/^people\[0\]\.name: enter the person's name \(it is read from the directory only when Microsoft Graph is configured/);
  });

  it('an import without Microsoft Graph keeps who the directory.check job marked as left; one with Graph checks them afresh', async () => {
    const d = deps(false);
    const people = [
      { id: 'aad-head', name: 'Hana Head', roles: ['head_of_school', 'slt'] },
      { id: 'aad-teacher-1', name: 'Tara Teacher', roles: ['teacher'] },
    ];
    await importSchool(d, parse(people));
    const s = (await d.schools.get('nunthorpe'))!;
    const left = { on: '2026-09-01', reason: 'disabled' as const, managerName: 'Eve Principal' };
    await d.schools.save({ ...s, people: s.people.map((p) => (p.id === 'aad-teacher-1' ? { ...p, left } : p)) });
    await importSchool(d, parse(people));
    expect((await d.schools.get('nunthorpe'))!.people[1]).toEqual({ id: 'aad-teacher-1', name: 'Tara Teacher', roles: ['teacher'], left });
    // With the directory, Tara's account is in use: the mark goes.
    await importSchool({ ...d, directory: directory() }, parse(people));
    expect((await d.schools.get('nunthorpe'))!.people[1]).not.toHaveProperty('left');
  });

  it('a person with no id, email or UPN, or the same address twice, is refused before the directory is asked', async () => {
    const parseError = (people: Array<Record<string, unknown>>) => appError(Promise.resolve().then(() => parse(people)));
    expect((await parseError([HEAD, { name: 'Nobody', roles: ['teacher'] }])).userMessage).toBe(
      "people[1]: give the person's directory (Entra ID) object id, their email address (email) or their user principal name (upn)",
    );
    expect((await parseError([HEAD, { email: 'Hana.Head@nunthorpe.example', roles: ['teacher'] }])).userMessage).toMatch(
      /^people\[1\]\.email: hana\.head@nunthorpe\.example is listed twice \(also people\[0\]\)/,
    );
    expect((await parseError([HEAD, { upn: 'not a upn', roles: ['teacher'] }])).userMessage).toMatch(/^people\[1\]\.upn: expected a user principal name/);
    expect(standIn.graphRequests()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The command line, as the admin runs it

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function complaints(env: Record<string, string>, ...args: string[]): Promise<Result> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !['MONGODB_URI', 'DATA_DIR', 'DB_PORT', 'LOG_LEVEL', 'DEBUG', 'COMPLAINTS_MAILBOX'].includes(k) && !k.startsWith('GRAPH_'),
    ),
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function writeSchool(people: Array<Record<string, unknown>>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'school-')), 'school.json');
  writeFileSync(file, JSON.stringify(schoolFile(people), null, 2));
  return file;
}

describe('complaints school import (the command line)', () => {
  const dbName = `cli_import_directory_${Date.now().toString(36)}`;
  let mongo: string;
  let graphEnv: Record<string, string>;

  beforeAll(() => {
    const uri = new URL(inject('mongoUri'));
    uri.pathname = `/${dbName}`;
    mongo = uri.toString();
    graphEnv = {
      GRAPH_TENANT_ID: standIn.opts.tenantId,
      GRAPH_CLIENT_ID: standIn.opts.clientId,
      GRAPH_CLIENT_SECRET: standIn.opts.clientSecret!,
      GRAPH_BASE_URL: standIn.baseUrl,
      GRAPH_AUTHORITY_URL: standIn.authorityUrl,
      COMPLAINTS_MAILBOX: 'complaints@nunthorpe.example',
    };
  });
  afterAll(async () => {
    const db = await connectDatabase(mongo);
    await db.connection.dropDatabase().catch(() => {});
    await db.close();
  });

  it('with GRAPH_* set, emails and UPNs are looked up and saved as directory ids; a disabled account exits 2 naming the field and saves nothing', async () => {
    const disabled = await complaints(
      { MONGODB_URI: mongo, ...graphEnv },
      'school',
      'import',
      writeSchool([HEAD, { email: 'gil.gone@nunthorpe.example', roles: ['teacher'] }]),
    );
    expect(disabled.code).toBe(2);
    expect(disabled.stderr).toMatch(
      /^error: .*school\.json: people\[1\]\.email: the account of Gil Gone \(gil\.gone@nunthorpe\.example\) is disabled in your organisation's directory/m,
    );

    const ok = await complaints(
      { MONGODB_URI: mongo, ...graphEnv },
      'school',
      'import',
      writeSchool([HEAD, { upn: 'tteacher@nunthorpe.onmicrosoft.com', roles: ['teacher'] }]),
    );
    expect(ok.stderr).not.toMatch(/^error/m);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Imported school nunthorpe \(Nunthorpe Academy\): created\./);
    const db = await connectDatabase(mongo);
    try {
      expect((await db.schools.get('nunthorpe'))!.people).toEqual([
        { id: 'aad-head', name: 'Hana Head', email: 'hana.head@nunthorpe.example', roles: ['head_of_school', 'slt'] },
        { id: 'aad-teacher-1', name: 'Tara Teacher', email: 't.teacher@nunthorpe.example', roles: ['teacher'] },
      ]);
    } finally {
      await db.close();
    }
  });

  it('without GRAPH_*, a person given by email exits 2 saying Graph is not configured', async () => {
    const r = await complaints(
      { MONGODB_URI: mongo },
      'school',
      'import',
      writeSchool([
        { id: 'aad-head', name: 'Hana Head', roles: ['head_of_school', 'slt'] },
        { email: 't.teacher@nunthorpe.example', roles: ['teacher'] },
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*school\.json: people\[1\]: Microsoft Graph is not configured \(set GRAPH_TENANT_ID, /m);
  });
});
