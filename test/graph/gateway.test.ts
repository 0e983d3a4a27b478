/**
 * The Graph gateway against the local stand-in: the exact calls it makes (token, free/busy,
 * events, $batch, mail), its retries (Retry-After, 503, inner 429s in $batch) and its errors.
 */
import { createHash, createPublicKey, constants, verify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { loadGraphConfig } from '../../src/graph/config.js';
import { fromGraphResponse, GraphError } from '../../src/graph/errors.js';
import { CALENDAR_VIEW_MAX_PAGES, CALENDAR_VIEW_PAGE, type EventChanges, type GraphGatewayOptions } from '../../src/graph/gateway.js';
import { GraphStandIn, standInGateway } from './graphStandIn.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'stand-in-secret';
const CLERK = 'clerk@school.example';
const MAILBOX = 'complaints@school.example';

let standIn: GraphStandIn;
let sleeps: number[];

const gateway = (over: Partial<GraphGatewayOptions> = {}) => standInGateway(standIn, { sleeps, ...over });

async function failure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GraphError);
    return err as GraphError;
  }
  throw new Error('expected a GraphError');
}

beforeAll(async () => {
  standIn = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
  standIn
    .addUser({ id: 'u-head', displayName: 'Hana Head', mail: 'head@school.example', userPrincipalName: 'head@school.example' })
    .addUser({ id: 'u-ada', displayName: 'Ada Lovelace', mail: 'ada.lovelace@school.example', userPrincipalName: 'ada@school.example', managerId: 'u-head' })
    .addUser({ id: 'u-clerk', displayName: 'Clerk', mail: CLERK, userPrincipalName: CLERK })
    .addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX })
    .addUser({ id: 'u-gone', displayName: 'Left School', mail: 'gone@school.example', userPrincipalName: 'gone@school.example', accountEnabled: false });
  for (let i = 1; i <= 45; i++)
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

describe('token', () => {
  it('is requested once by client credentials and reused for every call', async () => {
    const g = gateway();
    await g.getUser('ada@school.example');
    await g.getUser('u-head');
    await g.getManager('u-ada');
    const tokens = standIn.tokenRequests();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.method).toBe('POST');
    expect(tokens[0]!.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(tokens[0]!.body).toEqual({
      client_id: CLIENT,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
      client_secret: SECRET,
    });
    const issued = standIn.tokensIssued.at(-1);
    expect(standIn.graphRequests().map((r) => r.headers.authorization)).toEqual([`Bearer ${issued}`, `Bearer ${issued}`, `Bearer ${issued}`]);
  });

  it('is fetched again shortly before it expires', async () => {
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const g = gateway({ now: () => clock });
    await g.getUser('u-ada');
    clock += 3599_000 - 299_000; // within 5 minutes of expiry
    await g.getUser('u-ada');
    expect(standIn.tokenRequests()).toHaveLength(2);
  });

  it('a refused secret names the variables to check', async () => {
    const e = await failure(gateway({ clientSecret: 'wrong' }).getUser('u-ada'));
    expect(e.kind).toBe('credentials');
    expect(e.message).toMatch(/invalid_client: AADSTS7000215/);
    expect(e.message).toMatch(/GRAPH_CLIENT_SECRET/);
    expect(standIn.graphRequests()).toHaveLength(0);
  });
});

describe('directory', () => {
  it('gets a user by UPN with the fields it needs', async () => {
    const u = await gateway().getUser('ada@school.example');
    expect(u).toEqual({
      id: 'u-ada',
      displayName: 'Ada Lovelace',
      mail: 'ada.lovelace@school.example',
      userPrincipalName: 'ada@school.example',
      accountEnabled: true,
    });
    const [r] = standIn.graphRequests();
    expect(r!.method).toBe('GET');
    expect(r!.path).toBe('/v1.0/users/ada@school.example');
    expect(r!.query).toEqual({ $select: 'id,displayName,mail,userPrincipalName,accountEnabled' });
  });

  it('finds a user by an email address that is not the UPN', async () => {
    const u = await gateway().getUser('Ada.Lovelace@school.example');
    expect(u.id).toBe('u-ada');
    const rs = standIn.graphRequests();
    expect(rs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v1.0/users/Ada.Lovelace@school.example 404', 'GET /v1.0/users 200']);
    expect(rs[1]!.query.$filter).toBe("mail eq 'Ada.Lovelace@school.example'");
  });

  it('reports a disabled account', async () => {
    expect((await gateway().getUser('u-gone')).accountEnabled).toBe(false);
  });

  it('404 for a person: not found in the directory', async () => {
    const e = await failure(gateway().getUser('nobody@school.example'));
    expect(e.kind).toBe('notFound');
    expect(e.message).toBe('nobody@school.example was not found in the directory');
    const e2 = await failure(gateway().getManager('u-missing'));
    expect(e2.message).toBe('u-missing was not found in the directory');
  });

  it('gets the manager, or null when there is none', async () => {
    const g = gateway();
    expect((await g.getManager('u-ada'))?.id).toBe('u-head');
    expect(standIn.graphRequests()[0]!.path).toBe('/v1.0/users/u-ada/manager');
    expect(await g.getManager('u-head')).toBeNull();
  });

  it('403 names User.Read.All', async () => {
    const s = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      s.addUser({ id: 'x', displayName: 'X', mail: 'x@school.example', userPrincipalName: 'x@school.example' }).deny(
        /^GET \/users/,
        403,
        'Authorization_RequestDenied',
      );
      const e = await failure(standInGateway(s, { sleeps }).getUser('x'));
      expect(e.kind).toBe('permission');
      expect(e.message).toMatch(/application permission User\.Read\.All/);
    } finally {
      await s.close();
    }
  });

  it('$batch: 45 users in 3 batches of at most 20, a throttled inner request retried after its Retry-After', async () => {
    const ids = Array.from({ length: 45 }, (_, i) => `u-${i + 1}`);
    standIn.failNext(1, { status: 429, retryAfter: 3, inBatch: true });
    const users = await gateway().getUsers([...ids, 'u-missing']);
    const batches = standIn.graphRequests();
    expect(batches.every((r) => r.method === 'POST' && r.path === '/v1.0/$batch')).toBe(true);
    expect(batches.map((r) => r.body.requests.length)).toEqual([20, 1, 20, 6]);
    expect(batches[0]!.body.requests[0]).toEqual({ id: '1', method: 'GET', url: '/users/u-1?$select=id,displayName,mail,userPrincipalName,accountEnabled' });
    // the throttled one (the first of the first batch) is sent again on its own
    expect(batches[1]!.body.requests[0].url).toMatch(/^\/users\/u-1\?/);
    expect(sleeps).toEqual([3000]);
    expect(users.size).toBe(46);
    expect(users.get('u-45')?.displayName).toBe('Member 45');
    expect(users.get('u-1')?.id).toBe('u-1');
    expect(users.get('u-missing')).toBeNull();
  });

  it('$batch without throttling: 45 users, 3 batches', async () => {
    const ids = Array.from({ length: 45 }, (_, i) => `u-${i + 1}`);
    await gateway().getUsers(ids);
    expect(standIn.graphRequests().map((r) => r.body.requests.length)).toEqual([20, 20, 5]);
  });
});

describe('free/busy', () => {
  const start = new Date('2026-03-02T08:00:00Z');
  const end = new Date('2026-03-06T17:00:00Z');

  it('sends schedules, startTime/endTime with timeZone and the interval; reads items back', async () => {
    standIn.setBusy('m1@school.example', [{ status: 'busy', start: new Date('2026-03-02T09:00:00Z'), end: new Date('2026-03-02T10:30:00Z') }]);
    const out = await gateway().getSchedule(CLERK, ['m1@school.example', 'm2@school.example'], start, end, 30);
    const [r] = standIn.graphRequests();
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe(`/v1.0/users/${CLERK}/calendar/getSchedule`);
    expect(r!.headers.prefer).toBe('outlook.timezone="UTC"');
    expect(r!.body).toEqual({
      schedules: ['m1@school.example', 'm2@school.example'],
      startTime: { dateTime: '2026-03-02T08:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2026-03-06T17:00:00', timeZone: 'UTC' },
      availabilityViewInterval: 30,
    });
    expect(out).toHaveLength(2);
    expect(out[0]!.scheduleId).toBe('m1@school.example');
    expect(out[0]!.items).toEqual([{ status: 'busy', start: new Date('2026-03-02T09:00:00Z'), end: new Date('2026-03-02T10:30:00Z') }]);
    expect(out[0]!.availabilityView.slice(0, 6)).toBe('002220');
    expect(out[1]!.items).toEqual([]);
  });

  it('asks for at most 20 schedules per call', async () => {
    const emails = Array.from({ length: 45 }, (_, i) => `m${i + 1}@school.example`);
    const out = await gateway().getSchedule(CLERK, emails, start, end, 60);
    expect(standIn.graphRequests().map((r) => r.body.schedules.length)).toEqual([20, 20, 5]);
    expect(out.map((s) => s.scheduleId)).toEqual(emails);
  });

  it('refuses a window of 62 days or more without calling Graph', async () => {
    const e = await failure(gateway().getSchedule(CLERK, ['m1@school.example'], start, new Date(start.getTime() + 62 * 86_400_000), 30));
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/shorter than 62 days/);
    expect(standIn.requests).toHaveLength(0);
    await gateway().getSchedule(CLERK, ['m1@school.example'], start, new Date(start.getTime() + 61 * 86_400_000), 60);
    expect(standIn.graphRequests()).toHaveLength(1);
  });

  it('403 names Calendars.ReadWrite and the mailbox scope', async () => {
    const s = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      s.addUser({ id: 'c', displayName: 'C', mail: CLERK, userPrincipalName: CLERK }).deny(/getSchedule|\/events/);
      const g = standInGateway(s, { sleeps });
      const e = await failure(g.getSchedule(CLERK, [CLERK], start, end, 30));
      expect(e.kind).toBe('permission');
      expect(e.status).toBe(403);
      expect(e.message).toMatch(/application permission Calendars\.ReadWrite/);
      expect(e.message).toMatch(/access policy or RBAC for Applications scope/);
      const e2 = await failure(
        g.createEvent(CLERK, { subject: 's', html: 'h', start, end: new Date(start.getTime() + 3600_000), attendees: [], online: true }, 'tx-403'),
      );
      expect(e2.message).toMatch(/Calendars\.ReadWrite/);
    } finally {
      await s.close();
    }
  });
});

describe('events', () => {
  const hearing = {
    subject: 'Complaint panel hearing: ref CP-2026-0042',
    html: '<p>Panel hearing for complaint CP-2026-0042.</p>',
    start: new Date('2026-03-10T15:30:00Z'),
    end: new Date('2026-03-10T17:00:00Z'),
    attendees: [
      { name: 'Member 1', address: 'm1@school.example' },
      { name: 'Member 2', address: 'm2@school.example' },
      { name: 'Pat Parent', address: 'pat@example.net' },
    ],
    online: true,
  };

  it('creates a Teams meeting with the attendees and the transactionId', async () => {
    const ev = await gateway().createEvent(CLERK, hearing, 'case-42-panel-1');
    const [r] = standIn.graphRequests();
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe(`/v1.0/users/${CLERK}/events`);
    expect(r!.body).toEqual({
      subject: 'Complaint panel hearing: ref CP-2026-0042',
      body: { contentType: 'HTML', content: '<p>Panel hearing for complaint CP-2026-0042.</p>' },
      start: { dateTime: '2026-03-10T15:30:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-10T17:00:00', timeZone: 'UTC' },
      attendees: [
        { emailAddress: { address: 'm1@school.example', name: 'Member 1' }, type: 'required' },
        { emailAddress: { address: 'm2@school.example', name: 'Member 2' }, type: 'required' },
        { emailAddress: { address: 'pat@example.net', name: 'Pat Parent' }, type: 'required' },
      ],
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      transactionId: 'case-42-panel-1',
    });
    expect(ev.id).toBeTruthy();
    expect(ev.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    expect(ev.start).toEqual(hearing.start);
    expect(ev.attendees.map((a) => [a.address, a.response])).toEqual([
      ['m1@school.example', 'none'],
      ['m2@school.example', 'none'],
      ['pat@example.net', 'none'],
    ]);
  });

  it('a create retried after a 503 sends the same transactionId and makes one event', async () => {
    const before = standIn.events.size;
    standIn.failNext(1, { status: 503, match: /^POST \/v1\.0\/users\/[^/]+\/events$/ });
    const g = gateway();
    const ev = await g.createEvent(CLERK, hearing, 'case-42-panel-2');
    const posts = standIn.graphRequests();
    expect(posts.map((r) => r.status)).toEqual([503, 201]);
    expect(posts.map((r) => r.body.transactionId)).toEqual(['case-42-panel-2', 'case-42-panel-2']);
    expect(standIn.events.size).toBe(before + 1);
    // and a later retry (e.g. the outbox after a crash) gets the same event back
    const again = await g.createEvent(CLERK, hearing, 'case-42-panel-2');
    expect(again.id).toBe(ev.id);
    expect(standIn.events.size).toBe(before + 1);
  });

  it('reads attendee responses, updates and cancels the same event', async () => {
    const g = gateway();
    const ev = await g.createEvent(CLERK, { ...hearing, online: false, location: 'Library' }, 'case-42-panel-3');
    expect(ev.isOnlineMeeting).toBe(false);
    expect(ev.location).toBe('Library');
    standIn.setResponse(ev.id, 'm2@school.example', 'declined', new Date('2026-03-03T10:00:00Z'));
    const read = await g.getEvent(CLERK, ev.id);
    expect(read.attendees.find((a) => a.address === 'm2@school.example')).toMatchObject({
      response: 'declined',
      respondedAt: new Date('2026-03-03T10:00:00Z'),
    });
    expect(read.attendees.find((a) => a.address === 'm1@school.example')?.respondedAt).toBeNull();

    const moved = await g.updateEvent(CLERK, ev.id, { start: new Date('2026-03-11T15:30:00Z'), end: new Date('2026-03-11T17:00:00Z') });
    expect(moved.start).toEqual(new Date('2026-03-11T15:30:00Z'));
    await g.cancelEvent(CLERK, ev.id, 'The hearing is cancelled; a new date will follow.');
    const rs = standIn.graphRequests();
    expect(rs.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1.0/users/${CLERK}/events`,
      `GET /v1.0/users/${CLERK}/events/${ev.id}`,
      `PATCH /v1.0/users/${CLERK}/events/${ev.id}`,
      `POST /v1.0/users/${CLERK}/events/${ev.id}/cancel`,
    ]);
    expect(rs[2]!.body).toEqual({ start: { dateTime: '2026-03-11T15:30:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-11T17:00:00', timeZone: 'UTC' } });
    expect(rs[3]!.body).toEqual({ Comment: 'The hearing is cancelled; a new date will follow.' });
    expect((await g.getEvent(CLERK, ev.id)).isCancelled).toBe(true);
  });

  it('a move sends only start, end, attendees and location, so the Teams meeting survives it', async () => {
    const g = gateway();
    const ev = await g.createEvent(CLERK, hearing, 'case-42-panel-4');
    expect(ev.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    // Whatever else the caller's object holds is left out: a new body would disable the meeting.
    const changes = {
      start: new Date('2026-03-12T09:00:00Z'),
      end: new Date('2026-03-12T10:30:00Z'),
      location: 'Library',
      html: '<p>new</p>',
      subject: 's',
      online: false,
    };
    const moved = await g.updateEvent(CLERK, ev.id, changes as EventChanges);
    const patch = standIn.graphRequests().at(-1)!;
    expect(patch.method).toBe('PATCH');
    expect(patch.body).toEqual({
      start: { dateTime: '2026-03-12T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-12T10:30:00', timeZone: 'UTC' },
      location: { displayName: 'Library' },
    });
    expect(moved).toMatchObject({ isOnlineMeeting: true, joinUrl: ev.joinUrl, location: 'Library', subject: hearing.subject });
  });

  it('the stand-in plays Graph: a PATCH with a new body drops an online meeting, and isOnlineMeeting cannot be turned off', async () => {
    const ev = await gateway().createEvent(CLERK, hearing, 'case-42-panel-5');
    const token = standIn.tokensIssued.at(-1)!;
    const patch = (body: unknown) =>
      fetch(`${standIn.baseUrl}/users/${CLERK}/events/${encodeURIComponent(ev.id)}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ isOnlineMeeting: boolean; onlineMeeting: { joinUrl: string } | null }>);
    expect(await patch({ isOnlineMeeting: false })).toMatchObject({ isOnlineMeeting: true, onlineMeeting: { joinUrl: ev.joinUrl } });
    expect(await patch({ body: { contentType: 'HTML', content: '<p>Moved</p>' } })).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });
    expect((await gateway().getEvent(CLERK, ev.id)).joinUrl).toBeNull();
  });

  it('an event that no longer exists is a clear 404', async () => {
    const e = await failure(gateway().getEvent(CLERK, 'AAMkNOPE'));
    expect(e.kind).toBe('notFound');
    expect(e.message).toMatch(/calendar event AAMkNOPE no longer exists/);
  });
});

describe('finding an event by its transactionId (calendarView)', () => {
  const at = (minutes: number) => new Date(Date.parse('2026-04-01T08:00:00Z') + minutes * 60_000);
  /** 60 events in the complaints mailbox, one a minute from 08:00, each 30 minutes long: two pages of 50. */
  let made: Array<{ id: string; tx: string }>;
  beforeAll(async () => {
    const g = gateway();
    made = [];
    for (let i = 0; i < 60; i++) {
      const tx = `find-me-${i}`;
      const e = await g.createEvent(MAILBOX, { subject: `e${i}`, html: '<p>x</p>', start: at(i), end: at(i + 30), attendees: [], online: false }, tx);
      made.push({ id: e.id, tx });
    }
  });

  it('reads the calendarView over the time given, with transactionId selected, page after page by @odata.nextLink, and makes nothing', async () => {
    const before = standIn.events.size;
    const found = await gateway().findEventByTransactionId(MAILBOX, at(0), at(90), 'find-me-57');
    expect(found).toMatchObject({ id: made[57]!.id, transactionId: 'find-me-57', start: at(57), end: at(87), isCancelled: false });
    const reads = standIn.graphRequests();
    expect(reads.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', `/v1.0/users/${MAILBOX}/calendarView`, 200],
      ['GET', `/v1.0/users/${MAILBOX}/calendarView`, 200],
    ]);
    expect(reads[0]!.query).toMatchObject({ startDateTime: '2026-04-01T08:00:00Z', endDateTime: '2026-04-01T09:30:00Z', $top: '50' });
    expect(reads[0]!.query.$select!.split(',')).toEqual(expect.arrayContaining(['id', 'start', 'end', 'isCancelled', 'transactionId']));
    expect(reads[0]!.headers.prefer).toBe('outlook.timezone="UTC"');
    expect(reads[1]!.query).toMatchObject({ startDateTime: '2026-04-01T08:00:00Z', endDateTime: '2026-04-01T09:30:00Z', $skip: '50' });
    expect(standIn.events.size).toBe(before);
  });

  it('is null when no event in the time given has it: one outside the time, a cancelled one, or none at all', async () => {
    const g = gateway();
    expect(await g.findEventByTransactionId(MAILBOX, at(0), at(5), 'find-me-40')).toBeNull();
    await g.cancelEvent(MAILBOX, made[3]!.id, 'not needed');
    expect(await g.findEventByTransactionId(MAILBOX, at(0), at(90), 'find-me-3')).toBeNull();
    expect(await g.findEventByTransactionId(MAILBOX, at(0), at(90), 'never-made')).toBeNull();
    expect(standIn.graphRequests().filter((r) => r.method === 'POST' && r.path.endsWith('/events'))).toEqual([]);
  });

  it('a calendar too full to search to the end is an error that says so, never "no event": the event may be on a page not read', async () => {
    // Copies of a stored event fill the time beyond the pages the search reads (20 of 50).
    const [sample] = [...standIn.events.values()].filter((e) => e.mailbox === MAILBOX);
    const extra: string[] = [];
    for (let i = 0; i < CALENDAR_VIEW_PAGE * CALENDAR_VIEW_MAX_PAGES; i++) {
      const id = `AAMkFULL${i}`;
      standIn.events.set(id, { mailbox: MAILBOX, event: { ...sample!.event, id, transactionId: `full-${i}`, isCancelled: false } });
      extra.push(id);
    }
    try {
      const e = await failure(gateway().findEventByTransactionId(MAILBOX, at(0), at(90), 'never-made'));
      expect(e).toMatchObject({ kind: 'failed', retryable: false, operation: 'findEvent' });
      expect(e.message).toMatch(/too many to search .*look for it in Outlook/);
      expect(standIn.graphRequests()).toHaveLength(CALENDAR_VIEW_MAX_PAGES);
    } finally {
      for (const id of extra) standIn.events.delete(id);
    }
  });

  it('refuses a search that ends before it starts, or without a transactionId, without calling Graph', async () => {
    expect((await failure(gateway().findEventByTransactionId(MAILBOX, at(10), at(0), 'x'))).kind).toBe('invalid');
    expect((await failure(gateway().findEventByTransactionId(MAILBOX, at(0), at(10), ''))).kind).toBe('invalid');
    expect(standIn.graphRequests()).toEqual([]);
  });
});

describe('retries', () => {
  it.each([408, 409, 412, 423] as const)(
    '%i (a timeout, a conflict, a failed precondition, a locked item) is retryable: the outbox tries it again later',
    async (status) => {
      const g = gateway();
      const ev = await g.createEvent(
        CLERK,
        { subject: 's', html: '<p>x</p>', start: new Date('2026-05-01T09:00:00Z'), end: new Date('2026-05-01T10:00:00Z'), attendees: [], online: false },
        `transient-${status}`,
      );
      standIn.failNext(1, { status, match: /^PATCH / });
      const e = await failure(g.updateEvent(CLERK, ev.id, { location: 'Hall' }));
      expect(e).toMatchObject({ kind: 'failed', retryable: true, status, operation: 'updateEvent' });
      expect(e.message).toMatch(new RegExp(`^Microsoft 365 failed updating the calendar event \\(HTTP ${status} `));
    },
  );

  it('only a refusal fails at once: permission, invalid (400 and the other 4xx), not found', () => {
    expect(fromGraphResponse('updateEvent', 405, 'MethodNotAllowed', undefined, {})).toMatchObject({ kind: 'invalid', retryable: false });
    expect(fromGraphResponse('updateEvent', 400, 'ErrorInvalidRequest', undefined, {})).toMatchObject({ kind: 'invalid', retryable: false });
    expect(fromGraphResponse('updateEvent', 403, 'ErrorAccessDenied', undefined, { mailbox: CLERK })).toMatchObject({ kind: 'permission', retryable: false });
    expect(fromGraphResponse('findEvent', 404, 'ErrorItemNotFound', undefined, {})).toMatchObject({ kind: 'notFound', retryable: false });
    expect(fromGraphResponse('updateEvent', 500, 'InternalServerError', undefined, {})).toMatchObject({ kind: 'failed', retryable: true });
  });

  it('429 waits as long as Retry-After says, then succeeds', async () => {
    standIn.failNext(1, { status: 429, retryAfter: 2 });
    const u = await gateway().getUser('u-ada');
    expect(u.id).toBe('u-ada');
    expect(standIn.graphRequests().map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([2000]);
  });

  it('gives up after a bounded number of attempts with "Microsoft 365 is busy"', async () => {
    standIn.failNext(10, { status: 503 });
    const e = await failure(gateway({ retry: { maxAttempts: 3, baseDelayMs: 10 } }).getUser('u-ada'));
    expect(e.kind).toBe('busy');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/^Microsoft 365 is busy/);
    expect(standIn.graphRequests()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('a Retry-After longer than the bound gives up at once', async () => {
    const s = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      s.addUser({ id: 'x', displayName: 'X', mail: 'x@school.example', userPrincipalName: 'x@school.example' }).failNext(1, { status: 429, retryAfter: 600 });
      const e = await failure(standInGateway(s, { sleeps, retry: { maxRetryAfterMs: 30_000 } }).getUser('x'));
      expect(e.kind).toBe('busy');
      expect(s.graphRequests()).toHaveLength(1);
      expect(sleeps).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe('mail', () => {
  it('sends HTML from the mailbox to the recipients and keeps a copy', async () => {
    await gateway().sendMail(MAILBOX, {
      subject: 'Your complaint CP-2026-0042: acknowledgement',
      html: '<p>We have received your complaint.</p>',
      to: [{ name: 'Pat Parent', address: 'pat@example.net' }],
    });
    const [r] = standIn.graphRequests();
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe(`/v1.0/users/${MAILBOX}/sendMail`);
    expect(r!.status).toBe(202);
    expect(r!.body).toEqual({
      message: {
        subject: 'Your complaint CP-2026-0042: acknowledgement',
        body: { contentType: 'HTML', content: '<p>We have received your complaint.</p>' },
        toRecipients: [{ emailAddress: { name: 'Pat Parent', address: 'pat@example.net' } }],
      },
      saveToSentItems: true,
    });
    expect(standIn.sentMail.at(-1)?.message.toRecipients).toEqual([{ emailAddress: { name: 'Pat Parent', address: 'pat@example.net' } }]);
  });

  it('403 names Mail.Send', async () => {
    const s = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      s.addUser({ id: 'b', displayName: 'B', mail: MAILBOX, userPrincipalName: MAILBOX }).deny(/sendMail/);
      const e = await failure(standInGateway(s, { sleeps }).sendMail(MAILBOX, { subject: 's', html: 'h', to: [{ name: 'P', address: 'p@example.net' }] }));
      expect(e.message).toMatch(/application permission Mail\.Send/);
      expect(s.sentMail).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});

describe('config', () => {
  const ok = { GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_ID: CLIENT, GRAPH_CLIENT_SECRET: 's3cret', COMPLAINTS_MAILBOX: 'Complaints@School.example' };

  it('is undefined when Graph is not configured, and has defaults', () => {
    expect(loadGraphConfig({})).toBeUndefined();
    expect(loadGraphConfig(ok)).toEqual({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: 's3cret',
      baseUrl: 'https://graph.microsoft.com/v1.0',
      authorityUrl: 'https://login.microsoftonline.com',
      complaintsMailbox: 'complaints@school.example',
    });
  });

  it('names the bad variable', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadGraphConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).variable;
      }
      return 'none';
    };
    expect(bad({ ...ok, GRAPH_CLIENT_ID: 'not-a-guid' })).toBe('GRAPH_CLIENT_ID');
    expect(bad({ ...ok, GRAPH_TENANT_ID: '' })).toBe('GRAPH_TENANT_ID');
    expect(bad({ ...ok, COMPLAINTS_MAILBOX: 'nope' })).toBe('COMPLAINTS_MAILBOX');
    expect(bad({ ...ok, GRAPH_BASE_URL: 'ftp://x' })).toBe('GRAPH_BASE_URL');
    expect(bad({ ...ok, GRAPH_CLIENT_SECRET: '' })).toBe('GRAPH_CLIENT_SECRET');
    expect(bad({ ...ok, GRAPH_CERTIFICATE_PATH: '/x.pem' })).toBe('GRAPH_CLIENT_SECRET');
    const { GRAPH_CLIENT_SECRET: _, ...noSecret } = ok;
    void _;
    expect(bad({ ...noSecret, GRAPH_CERTIFICATE_PATH: '/nowhere/cert.pem' })).toBe('GRAPH_CERTIFICATE_PATH');
  });
});

/** A self-signed test certificate and its key (test only; registered nowhere). */
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIDHTCCAgWgAwIBAgIUMBxB/oTTfahM531Lt08a/08CxEwwDQYJKoZIhvcNAQEL
BQAwHjEcMBoGA1UEAwwTY29tcGxhaW50cy1ib3QtdGVzdDAeFw0yNjExMjUxMDM0
NTNaFw0zNjExMjIxMDM0NTNaMB4xHDAaBgNVBAMME2NvbXBsYWludHMtYm90LXRl
c3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDNkWNUAVAuuY726ggW
puAjlNDu5kz+aFJKAAcO0qS70Y30ZoSMCQC5YOTTQgehxtu51viHC4acPZlsQOkx
GKNHx5oIlDgsNzWhJuKto69IHpByj4HYTumwYuImAOeuQcF9ZKKqZt2n1/Axxm4g
w01d1z1JjP9265ktzL3m6ktF+pSOoj3kGnEzBa3pMtQVyNHYtb34MFDabzpSFvKL
Ny0dtc2IF3ZaqLsII2GwOhAnUHEwTTkQKbs/0XkXcp0fV0EH5eHuVMcbGmPaLsNb
nzxIRAxJGnrKkLoX77lAFvKTJN/OoPlpHlOKTitd12GZvkMnx1Cqhosq3+Xpfr7K
mvHHAgMBAAGjUzBRMB0GA1UdDgQWBBTPOiE+/6D34sd0ueaZnCzlcecYvDAfBgNV
HSMEGDAWgBTPOiE+/6D34sd0ueaZnCzlcecYvDAPBgNVHRMBAf8EBTADAQH/MA0G
CSqGSIb3DQEBCwUAA4IBAQC6XVs9m6ZP/UD7oAsR2FkUf3iAcl4FFxEPshQ1sN6c
y5kV8ints+vZ9+47phq4/+QB8gDDCaFasWiT/fXCYEmRQRuzsFsIHpClBofKFXvX
Py0igYcUW8GHJhUiVjlAmpebe4AGOvESa8wWoObboEq3IaktKJ5DZ2YFBJOvZ1KH
Foz7qmARBM6y+P4KD+MWPWMfjtoB7uIVe3N28CfhOJS/lhSDkbT2Ncyxu/imvvH0
l9GL/qhkmL+rUKJBWUCLAxONWAOVFNS+pBDvH280NdlZMtD8C+y3sI6SUrdSH6Bs
A/J4z34x5GmqBFv2rRwdIDghN6tXEnx8tx0BH2NNGh5u
-----END CERTIFICATE-----`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNkWNUAVAuuY72
6ggWpuAjlNDu5kz+aFJKAAcO0qS70Y30ZoSMCQC5YOTTQgehxtu51viHC4acPZls
QOkxGKNHx5oIlDgsNzWhJuKto69IHpByj4HYTumwYuImAOeuQcF9ZKKqZt2n1/Ax
xm4gw01d1z1JjP9265ktzL3m6ktF+pSOoj3kGnEzBa3pMtQVyNHYtb34MFDabzpS
FvKLNy0dtc2IF3ZaqLsII2GwOhAnUHEwTTkQKbs/0XkXcp0fV0EH5eHuVMcbGmPa
LsNbnzxIRAxJGnrKkLoX77lAFvKTJN/OoPlpHlOKTitd12GZvkMnx1Cqhosq3+Xp
fr7KmvHHAgMBAAECggEAGKl9H6pqqrhjUPch0knh8RLdABRMH2d3m94l+p7F2ayZ
2bzk4QIBfrwDp96vmLaJTOHf/h+hXiQ7wFOHRnccu7NUJPxXQuK6weMu5cMR99aG
4N+bpc5N1fX/CK0qHmtQIdGNfGEL7aOH8wjJ1I9pvDzi4uySB3vbbDW4gLgSIMpo
rG0/iZfw2MygxFW4D/WEqQF/R7qRZxuKVQWtCtwrLPHVBwhWHQxSMufOvH1aJwmP
2za4xxPkXtaaY+Mn4GXMehKGGa+Wj0gthdtNM1t/IXPRdY+1hZJna+0VvT6T66LC
100MTzXDtf9muOxjDqMvOBFjh6NgHZK01DVQ5cKjuQKBgQDuA+TGHX1zaOUuAZgq
1/scsJIdn6j3wY9JBL1DbyML7U4RR49t6MmFE+HNKH73sPLx9PJaKMPuabBd6KtJ
KOMGQYsDPZnAOtqvqftK6MKbKN5ww1ecHzocpYTiovowPAdlNlofkosId6BIlTW4
YbaxowMq0ssDzMdZcGb76pJ1bwKBgQDdGdeZHz3BpOVWLkZ3HC7gwNrc0WUbeO1w
xWGPtGsQCvHzrEaNA9rnpA/GkI025Ja9gmnuCMxdWEVewrIKq1VRfUZeNAmRpjhJ
YBXv43JSlytLzeAStOnNDfyq4BwWF8wMTA7tGuY5pSD17zo0FbhbBZnh23rflusQ
7abKzQiNKQKBgQDR007oNHE2v99iOneaNYMjXKnDQdBkchfOCEaNXzlnN1GePBa+
jvywu8FQ6oVb+HuEQCsyvkNUN4oKj6YIvem9xyQ0vCaB56CIQfLNq/p7bIEEqcDf
WkwRmv1WCtVClnjyigLTWI4G7ea4dgnAvSug2BNfuirM88c+GrA/HyD0MwKBgC0c
B6PC/vuSJAQ4PsIwatQKJN0mj6VSP8dhTe1e1vUX9pNLk71Tiwb1rw5JEbagXqzd
fbVF8EQfLVAPEvogSLDuiTvRDB6+Nf+qbe9ajUmSdA/sOgo3BPiEIQfP34sWYdgk
cGspsM0UBqyGmW5k/A7+Do5JFEGn7d+vTPdVa6g5AoGAPw20Tqol1z9mcvJh0iCO
xnQyCp9B0xutEO9BxmwL3Bsqn+dugLN/Rff//fSO4zOJUJ6WM9fi5ll/3MyAYz6S
vz6ISfDZKtMgRFrnlhlLyobL4dc0/05lUOMkCd2VzOmkBQbbCcb6Vhcl4a2r9SYS
lmD7kGRtV3dKHx+I8gzWxls=
-----END PRIVATE KEY-----`;

describe('certificate credentials', () => {
  it('sends a PS256 client assertion with x5t#S256 instead of a secret', async () => {
    const g = gateway({ clientSecret: undefined, certificate: { certificatePem: TEST_CERT, privateKeyPem: TEST_KEY } });
    await g.getUser('u-ada');
    const [t] = standIn.tokenRequests();
    expect(t!.body.client_secret).toBeUndefined();
    expect(t!.body.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [h, c, sig] = String(t!.body.client_assertion).split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(c!, 'base64url').toString());
    const cert = new X509Certificate(TEST_CERT);
    expect(header).toEqual({ alg: 'PS256', typ: 'JWT', 'x5t#S256': createHash('sha256').update(cert.raw).digest('base64url') });
    expect(claims).toMatchObject({ aud: `${standIn.authorityUrl}/${TENANT}/oauth2/v2.0/token`, iss: CLIENT, sub: CLIENT });
    expect(claims.exp - claims.nbf).toBe(600);
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${c}`),
      { key: createPublicKey(TEST_CERT), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(sig!, 'base64url'),
    );
    expect(ok).toBe(true);
  });

  it('config reads the certificate and key from GRAPH_CERTIFICATE_PATH', () => {
    const files: Record<string, string> = { '/etc/bot/graph.pem': `${TEST_KEY}\n${TEST_CERT}\n` };
    const cfg = loadGraphConfig(
      { GRAPH_TENANT_ID: 'school.onmicrosoft.com', GRAPH_CLIENT_ID: CLIENT, GRAPH_CERTIFICATE_PATH: '/etc/bot/graph.pem', COMPLAINTS_MAILBOX: MAILBOX },
      (p) => {
        const f = files[p];
        if (f === undefined) throw new Error('ENOENT');
        return f;
      },
    );
    expect(cfg?.certificate).toEqual({ certificatePem: TEST_CERT, privateKeyPem: TEST_KEY });
    expect(cfg?.clientSecret).toBeUndefined();
  });
});
