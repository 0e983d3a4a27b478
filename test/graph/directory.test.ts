/**
 * GraphDirectory (the Directory port and the setup card's people lookup) over the real Graph
 * gateway, against the local Graph stand-in over HTTP: the exact calls it makes ($batch of at
 * most 20, an inner 429 sent again after its Retry-After), and what a deleted or disabled
 * account looks like to the school.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/app/errors.js';
import { GraphDirectory } from '../../src/graph/directory.js';
import { GraphError } from '../../src/graph/errors.js';
import { silentLogger } from '../../src/log.js';
import type { PeopleLookup } from '../../bot/setup.js';
import { submitSetup } from '../../bot/setup.js';
import { TestClock, memoryDeps } from '../helpers/app.js';
import { GraphStandIn, standInGateway } from './graphStandIn.js';

let standIn: GraphStandIn;
let sleeps: number[];

const directory = () => new GraphDirectory(standInGateway(standIn, { sleeps }), silentLogger());

const batches = () => standIn.graphRequests().filter((r) => r.method === 'POST' && r.path === '/v1.0/$batch');

beforeAll(async () => {
  standIn = await GraphStandIn.start();
  standIn
    .addUser({ id: 'u-head', displayName: 'Hana Head', mail: 'hana.head@school.example', userPrincipalName: 'hana.head@school.example' })
    .addUser({
      id: 'u-tara',
      displayName: 'Tara Teacher',
      mail: 'tara.teacher@school.example',
      userPrincipalName: 'tteacher@school.onmicrosoft.com',
      managerId: 'u-head',
    })
    .addUser({
      id: 'u-gone',
      displayName: 'Gil Gone',
      mail: 'gil.gone@school.example',
      userPrincipalName: 'gil.gone@school.example',
      accountEnabled: false,
      managerId: 'u-head',
    })
    .addUser({ id: 'u-nomail', displayName: 'Nia Nomail', mail: null, userPrincipalName: 'nia@school.example' });
  for (let i = 1; i <= 24; i++)
    standIn.addUser({ id: `u-${i}`, displayName: `Member ${i}`, mail: `m${i}@school.example`, userPrincipalName: `m${i}@school.example` });
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.clearRequests();
  standIn.clearFailures();
  sleeps = [];
});

describe('finding a person', () => {
  it('by directory id, by UPN, and by an email address that is not their UPN (found by mail)', async () => {
    const d = directory();
    expect(await d.find('u-head')).toEqual({ id: 'u-head', name: 'Hana Head', email: 'hana.head@school.example', enabled: true });
    expect(await d.find('nia@school.example')).toEqual({ id: 'u-nomail', name: 'Nia Nomail', enabled: true });
    standIn.clearRequests();
    expect(await d.find('tara.teacher@school.example')).toMatchObject({ id: 'u-tara', name: 'Tara Teacher' });
    // /users/{x} takes an id or a UPN; the address is then found with a mail filter.
    expect(standIn.graphRequests().map((r) => [r.path, r.status, r.query.$filter ?? null])).toEqual([
      ['/v1.0/users/tara.teacher@school.example', 404, null],
      ['/v1.0/users', 200, "mail eq 'tara.teacher@school.example'"],
    ]);
  });

  it('nobody by that name is null, not an error; a disabled account is found, marked not enabled', async () => {
    const d = directory();
    expect(await d.find('nobody@school.example')).toBeNull();
    expect(await d.find('0000-not-an-id')).toBeNull();
    expect(await d.find('gil.gone@school.example')).toEqual({ id: 'u-gone', name: 'Gil Gone', email: 'gil.gone@school.example', enabled: false });
  });

  it('a missing permission is not "nobody": it is thrown with the permission to grant', async () => {
    standIn.deny(/^GET \/users\/u-denied$/, 403, 'Authorization_RequestDenied');
    const err = await directory()
      .find('u-denied')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).message).toMatch(/User\.Read\.All/);
  });
});

describe('many people at once', () => {
  it('25 ids take 2 $batch calls (20 + 5); a deleted person is null and a disabled one is not enabled', async () => {
    const ids = [...Array.from({ length: 23 }, (_, i) => `u-${i + 1}`), 'u-gone', 'u-deleted'];
    const found = await directory().findMany(ids);
    const calls = batches();
    expect(calls.map((c) => c.body.requests.length)).toEqual([20, 5]);
    expect(calls[0]!.body.requests[0]).toMatchObject({ method: 'GET', url: '/users/u-1?$select=id,displayName,mail,userPrincipalName,accountEnabled' });
    expect(found.size).toBe(25);
    expect(found.get('u-7')).toEqual({ id: 'u-7', name: 'Member 7', email: 'm7@school.example', enabled: true });
    expect(found.get('u-gone')).toMatchObject({ enabled: false });
    expect(found.get('u-deleted')).toBeNull();
    expect(standIn.graphRequests()).toHaveLength(2);
  });

  it('an inner request throttled with Retry-After 3 is sent again, alone, after 3 seconds', async () => {
    standIn.failNext(1, { status: 429, retryAfter: 3, inBatch: true });
    const found = await directory().findMany(['u-1', 'u-2', 'u-3']);
    expect(['u-1', 'u-2', 'u-3'].map((id) => found.get(id)?.name)).toEqual(['Member 1', 'Member 2', 'Member 3']);
    expect(batches().map((c) => c.body.requests.map((r: { url: string }) => r.url.split('?')[0]))).toEqual([
      ['/users/u-1', '/users/u-2', '/users/u-3'],
      ['/users/u-1'],
    ]);
    expect(sleeps).toEqual([3000]);
  });
});

describe('managers', () => {
  it("a person's manager; none is null; a person deleted from the directory has none to read", async () => {
    const d = directory();
    expect(await d.manager('u-tara')).toMatchObject({ id: 'u-head', name: 'Hana Head' });
    expect(await d.manager('u-gone')).toMatchObject({ name: 'Hana Head' }); // still readable while only disabled
    expect(await d.manager('u-head')).toBeNull();
    expect(await d.manager('u-deleted')).toBeNull();
  });
});

describe('the setup card looking people up', () => {
  it('is a PeopleLookup: an address becomes the directory id, name and mail; an unknown one is null', async () => {
    const lookup: PeopleLookup = directory();
    expect(await lookup.lookup('tara.teacher@school.example')).toEqual({ id: 'u-tara', name: 'Tara Teacher', email: 'tara.teacher@school.example' });
    expect(await lookup.lookup('nobody@school.example')).toBeNull();
  });

  it('refuses a disabled account in words a head teacher can act on', async () => {
    const err = await directory()
      .lookup('gil.gone@school.example')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_INPUT');
    expect((err as AppError).userMessage).toBe(
      "Gil Gone (gil.gone@school.example) cannot hold a role: their account is disabled in your organisation's directory. Choose someone whose account is in use.",
    );
  });

  it('the first-run setup card stores the directory ids of people typed as email addresses; a disabled one saves nothing', async () => {
    const deps = memoryDeps(new TestClock('2026-09-01T09:00:00Z'));
    const fields = {
      schoolName: 'Nunthorpe Academy',
      policy: 'nmat',
      preset: 'england-2026-27',
      terms: '',
      closures: '',
      role_slt: 'me',
      role_head_of_school: 'me',
    };
    const env = { deps, people: directory(), installer: { id: 'u-head', name: 'Hana Head' }, now: deps.clock.now() };

    const refused = await submitSetup(env, { ...fields, role_teacher: 'gil.gone@school.example' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors.role_teacher).toMatch(/^gil\.gone@school\.example: .*account is disabled/);
    expect(await deps.schools.list()).toEqual([]);

    const r = await submitSetup(env, { ...fields, role_teacher: 'tara.teacher@school.example; m1@school.example' });
    expect(r.ok).toBe(true);
    const [school] = await deps.schools.list();
    expect(school!.people.filter((p) => p.roles.includes('teacher'))).toEqual([
      { id: 'u-tara', name: 'Tara Teacher', email: 'tara.teacher@school.example', roles: ['teacher'] },
      { id: 'u-1', name: 'Member 1', email: 'm1@school.example', roles: ['teacher'] },
    ]);
  });
});
