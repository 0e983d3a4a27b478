/**
 * The Teams messenger against the connector stand-in, through botbuilder's real CloudAdapter in
 * unauthenticated local mode: stored references, new 1:1 chats, retries (429 with Retry-After,
 * 5xx, bounded), once-only delivery by key, Teams' rate limits, and refusals (channels, group
 * chats, letters).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { OutgoingMessage } from '../../src/app/ports.js';
import { DELIVERIES } from '../../src/jobs/messengers.js';
import { memoryLogger, silentLogger, type Log } from '../../src/log.js';
import type { Database } from '../../src/store/mongo.js';
import { MemoryConversationStore, MongoConversationStore, type ConversationStore, type StoredConversation } from '../../bot/conversations.js';
import { createBotAdapter, loadBotSettings } from '../../bot/server.js';
import {
  MemoryDeliveryLedger,
  MongoDeliveryLedger,
  TeamsDeliveryError,
  TeamsMessenger,
  loadTeamsSettings,
  retryAfter,
  type DeliveryLedger,
  type TeamsMessengerOptions,
} from '../../bot/teamsMessenger.js';
import { testDatabase } from '../helpers/app.js';
import { ConnectorStandIn, type RecordedRequest } from './connectorStandIn.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const BOT = { id: '28:complaints-bot', name: 'Complaints' };

let standIn: ConnectorStandIn;
beforeAll(async () => {
  standIn = await ConnectorStandIn.start();
});
afterAll(async () => {
  await standIn.stop();
});
afterEach(() => standIn.reset());

let n = 0;
function msg(to: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  n++;
  return { key: `case-1:msg-${n}`, kind: 'message', to, template: 'stage_task', data: { n }, caseId: 'case-1', schoolId: 'nunthorpe', ...over };
}

function reference(person: string, over: { conversationType?: string; isGroup?: boolean; serviceUrl?: string; id?: string } = {}): StoredConversation {
  return {
    aadObjectId: person,
    tenantId: TENANT,
    reference: {
      channelId: 'msteams',
      serviceUrl: over.serviceUrl ?? standIn.url,
      conversation: {
        id: over.id ?? `a:chat-${person}`,
        conversationType: over.conversationType ?? 'personal',
        isGroup: over.isGroup ?? false,
        tenantId: TENANT,
        name: '',
      },
      bot: BOT,
      user: { id: `29:${person}`, name: '', aadObjectId: person },
    },
    updatedAt: new Date('2026-11-01T09:00:00Z'),
  };
}

interface Setup {
  messenger: TeamsMessenger;
  conversations: ConversationStore;
  deliveries: DeliveryLedger;
  lines: Array<Record<string, unknown>>;
}

function setup(opts: Partial<TeamsMessengerOptions> & { log?: Log } = {}): Setup {
  const memory = memoryLogger('teams');
  const log = opts.log ?? memory.log;
  const conversations = opts.conversations ?? new MemoryConversationStore();
  const deliveries = opts.deliveries ?? new MemoryDeliveryLedger();
  const adapter = createBotAdapter(loadBotSettings({}), log);
  const messenger = new TeamsMessenger({
    adapter,
    appId: '',
    conversations,
    deliveries,
    toActivity: (m) => ({ type: 'message', text: `${m.template} #${String(m.data.n)}` }),
    log,
    retry: { baseDelayMs: 50 },
    ...opts,
  });
  return { messenger, conversations, deliveries, lines: memory.lines };
}

/** The most requests seen in any window of `ms` (arrival times at the stand-in). */
function mostInWindow(requests: RecordedRequest[], ms: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function rejection(p: Promise<unknown>): Promise<TeamsDeliveryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TeamsDeliveryError);
    return e as TeamsDeliveryError;
  }
  throw new Error('expected the send to fail');
}

describe('reaching a person', () => {
  test("a stored reference is continued: the message goes to that person's chat, not as a reply", async () => {
    const { messenger, conversations, deliveries } = setup();
    await conversations.save(reference('aad-teacher-1'));
    const m = msg('aad-teacher-1');
    await messenger.send(m);
    expect(standIn.created).toHaveLength(0);
    expect(standIn.delivered).toHaveLength(1);
    const sent = standIn.delivered[0]!;
    expect(sent).toMatchObject({
      route: 'sendToConversation',
      conversationId: 'a:chat-aad-teacher-1',
      path: '/v3/conversations/a%3Achat-aad-teacher-1/activities',
    });
    expect(sent.body).toMatchObject({
      type: 'message',
      text: `stage_task #${String(m.data.n)}`,
      recipient: { id: '29:aad-teacher-1' },
      from: BOT,
      conversation: { id: 'a:chat-aad-teacher-1' },
    });
    expect(sent.body.replyToId).toBeUndefined();
    expect((deliveries as MemoryDeliveryLedger).records.get(m.key)).toMatchObject({
      status: 'delivered',
      conversationId: 'a:chat-aad-teacher-1',
      attempts: 1,
      to: 'aad-teacher-1',
      template: 'stage_task',
    });
  });

  test('someone the bot never talked to gets a new 1:1 chat (tenant and directory id), which is stored and used next time', async () => {
    const { messenger, conversations } = setup({ settings: { serviceUrl: standIn.url, tenantId: TENANT } });
    await messenger.send(msg('aad-head'));
    expect(standIn.requests.map((r) => r.route)).toEqual(['createConversation', 'sendToConversation']);
    expect(standIn.created[0]!.body).toMatchObject({
      isGroup: false,
      members: [{ id: 'aad-head' }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    });
    const conversationId = standIn.delivered[0]!.conversationId!;
    expect(conversationId).toMatch(/^a:standin-conversation-/);
    const stored = await conversations.get('aad-head');
    expect(stored).toMatchObject({
      tenantId: TENANT,
      reference: { serviceUrl: standIn.url, channelId: 'msteams', conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT } },
    });

    await messenger.send(msg('aad-head'));
    expect(standIn.created).toHaveLength(1);
    expect(standIn.delivered.map((r) => r.conversationId)).toEqual([conversationId, conversationId]);
  });

  test('without settings, a new chat starts where the latest known chat is (its service URL, tenant and bot)', async () => {
    const { messenger, conversations } = setup();
    await conversations.save(reference('aad-teacher-1'));
    await messenger.send(msg('aad-clerk'));
    expect(standIn.created[0]!.body).toMatchObject({ tenantId: TENANT, bot: BOT, members: [{ id: 'aad-clerk' }] });
    expect(await conversations.get('aad-clerk')).not.toBeNull();
  });

  test('with no tenant known at all, the send fails with a plain reason and nothing is sent', async () => {
    const { messenger } = setup();
    const e = await rejection(messenger.send(msg('aad-clerk')));
    expect(e.code).toBe('NO_ROUTE');
    expect(e.message).toMatch(/Nobody has opened the complaints bot/);
    expect(standIn.requests).toHaveLength(0);
  });

  test('a chat Teams no longer knows (404) is forgotten and a new one started', async () => {
    const { messenger, conversations } = setup({ settings: { serviceUrl: standIn.url, tenantId: TENANT } });
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(1, 404, { when: (r) => r.route === 'sendToConversation' });
    await messenger.send(msg('aad-teacher-1'));
    expect(standIn.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['sendToConversation 404', 'createConversation 201', 'sendToConversation 201']);
    expect((await conversations.get('aad-teacher-1'))!.reference.conversation!.id).toMatch(/^a:standin-conversation-/);
  });

  test('Teams refusing to open a chat (app not installed for the person) is said plainly', async () => {
    const { messenger } = setup({ settings: { serviceUrl: standIn.url, tenantId: TENANT } });
    standIn.failNext(1, 403);
    const e = await rejection(messenger.send(msg('aad-new-starter')));
    expect(e.code).toBe('NOT_INSTALLED');
    expect(e.message).toMatch(/not installed for them/);
    expect(standIn.requests).toHaveLength(1);
  });
});

describe('refusals', () => {
  test('a channel or group chat reference is refused: nothing is posted there, and no other chat is opened', async () => {
    const { messenger, conversations } = setup({ settings: { serviceUrl: standIn.url, tenantId: TENANT } });
    await conversations.save(reference('aad-in-channel', { conversationType: 'channel', id: '19:general@thread.tacv2' }));
    await conversations.save(reference('aad-in-group', { conversationType: 'groupChat', isGroup: true, id: '19:group@thread.v2' }));
    for (const person of ['aad-in-channel', 'aad-in-group']) {
      const e = await rejection(messenger.send(msg(person)));
      expect(e.code).toBe('NOT_PERSONAL');
      expect(e.retryable).toBe(false);
    }
    expect(standIn.requests).toHaveLength(0);
  });

  test('letters and calendar requests are not for Teams', async () => {
    const { messenger, conversations } = setup();
    await conversations.save(reference('aad-teacher-1'));
    const letter = await rejection(messenger.send(msg('complainant', { kind: 'letter', template: 'acknowledgement_letter' })));
    expect(letter).toMatchObject({ code: 'NOT_FOR_TEAMS', retryable: false });
    expect(letter.message).toMatch(/A letter cannot be sent through Teams/);
    const calendar = await rejection(messenger.send(msg('aad-teacher-1', { kind: 'calendar', template: 'hearing' })));
    expect(calendar.message).toMatch(/A calendar cannot be sent through Teams/);
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  test('a 429 with Retry-After: 1 is tried again after at least a second, and delivered once', async () => {
    const { messenger, conversations, lines } = setup();
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(1, 429, { retryAfter: 1 });
    await messenger.send(msg('aad-teacher-1'));
    expect(standIn.requests.map((r) => r.status)).toEqual([429, 201]);
    expect(standIn.requests[1]!.at - standIn.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(standIn.delivered).toHaveLength(1);
    expect(lines.find((l) => l.event === 'teams_send_retry')).toMatchObject({ level: 'warn', status: 429, delayMs: 1000, retryAfter: true });
  });

  test('503 twice, then delivered (with growing waits between)', async () => {
    const { messenger, conversations } = setup({ retry: { baseDelayMs: 100 } });
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(2, 503);
    await messenger.send(msg('aad-teacher-1'));
    const [a, b, c] = standIn.requests;
    expect(standIn.requests.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(80);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(160);
    expect(standIn.delivered).toHaveLength(1);
  });

  test('attempts are bounded; the failed claim is released so that the outbox can send it later', async () => {
    const { messenger, conversations, lines } = setup({ retry: { baseDelayMs: 10, maxAttempts: 3 } });
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(10, 503);
    const m = msg('aad-teacher-1');
    const e = await rejection(messenger.send(m));
    expect(e).toMatchObject({ code: 'UNAVAILABLE', retryable: true, status: 503 });
    expect(e.message).toMatch(/after 3 attempts/);
    expect(standIn.requests).toHaveLength(3);
    // Nothing else went to the person (no apology from the adapter's turn-error handler).
    expect(standIn.requests.every((r) => r.status === 503)).toBe(true);
    expect(lines.find((l) => l.event === 'teams_send_failed')).toMatchObject({ key: m.key, code: 'UNAVAILABLE' });

    standIn.reset();
    await messenger.send(m);
    expect(standIn.delivered).toHaveLength(1);
  });

  test('a Retry-After longer than we wait in a send fails at once (the outbox tries later)', async () => {
    const { messenger, conversations } = setup({ retry: { maxRetryAfterMs: 5000 } });
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(1, 429, { retryAfter: 3600 });
    const started = Date.now();
    const e = await rejection(messenger.send(msg('aad-teacher-1')));
    expect(e).toMatchObject({ code: 'UNAVAILABLE', retryable: true, status: 429 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(standIn.requests).toHaveLength(1);
  });

  test('a connector that cannot be reached is retried, then reported', async () => {
    const { messenger, conversations } = setup({ retry: { baseDelayMs: 10, maxAttempts: 2 } });
    await conversations.save(reference('aad-teacher-1', { serviceUrl: 'http://127.0.0.1:9/' }));
    const e = await rejection(messenger.send(msg('aad-teacher-1')));
    expect(e).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(e.message).toMatch(/after 2 attempts \(last answer: no connection\)/);
  });

  test('a request Teams rejects outright (400) is not retried', async () => {
    const { messenger, conversations } = setup();
    await conversations.save(reference('aad-teacher-1'));
    standIn.failNext(1, 400);
    const e = await rejection(messenger.send(msg('aad-teacher-1')));
    expect(e).toMatchObject({ code: 'REJECTED', retryable: false, status: 400 });
    expect(standIn.requests).toHaveLength(1);
  });

  test('Retry-After is read in seconds, as a date, or in milliseconds', () => {
    const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] });
    expect(retryAfter(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(retryAfter(headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:05 GMT' }), Date.parse('2026-11-25T10:00:00Z'))).toBe(5000);
    expect(retryAfter(headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfter(headers({}))).toBeUndefined();
    expect(retryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('once only', () => {
  test('a key delivered once is not sent again, however often the outbox asks', async () => {
    const { messenger, conversations, lines } = setup();
    await conversations.save(reference('aad-teacher-1'));
    const m = msg('aad-teacher-1');
    await messenger.send(m);
    await messenger.send(m);
    await messenger.send({ ...m, data: { n: 'changed' } });
    expect(standIn.delivered).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'message_already_delivered')).toHaveLength(2);
  });

  test('two workers sending the same key at once deliver it once', async () => {
    const deliveries = new MemoryDeliveryLedger();
    const conversations = new MemoryConversationStore();
    await conversations.save(reference('aad-teacher-1'));
    const a = setup({ deliveries, conversations }).messenger;
    const b = setup({ deliveries, conversations }).messenger;
    const m = msg('aad-teacher-1');
    const results = await Promise.allSettled([a.send(m), b.send(m)]);
    expect(standIn.delivered).toHaveLength(1);
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(failed.map((r) => (r.reason as TeamsDeliveryError).code)).toEqual(['IN_PROGRESS']);
  });
});

describe("Teams' rate limits", () => {
  test('20 messages to one person take at least 2 seconds (7 a second), in order', async () => {
    const { messenger, conversations } = setup();
    await conversations.save(reference('aad-teacher-1'));
    const messages = Array.from({ length: 20 }, () => msg('aad-teacher-1'));
    const started = Date.now();
    await Promise.all(messages.map((m) => messenger.send(m)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(standIn.delivered).toHaveLength(20);
    expect(mostInWindow(standIn.delivered, 1000)).toBeLessThanOrEqual(7);
    expect(mostInWindow(standIn.delivered, 2000)).toBeLessThanOrEqual(8);
    expect(standIn.delivered.map((r) => r.body.text)).toEqual(messages.map((m) => `stage_task #${String(m.data.n)}`));
  });

  test('a burst to many people keeps to the per-app limit', async () => {
    const { messenger, conversations } = setup({ settings: { appPerSecond: 10 } });
    const people = Array.from({ length: 30 }, (_, i) => `aad-staff-${i}`);
    for (const p of people) await conversations.save(reference(p));
    const started = Date.now();
    await Promise.all(people.map((p) => messenger.send(msg(p))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(standIn.delivered).toHaveLength(30);
    expect(new Set(standIn.delivered.map((r) => r.conversationId)).size).toBe(30);
    // 10 a second, allowing for a few milliseconds between leaving the queue and arriving.
    expect(mostInWindow(standIn.delivered, 950)).toBeLessThanOrEqual(10);
  });

  test('other people are not held up behind a person whose chat is throttled', async () => {
    const { messenger, conversations } = setup();
    await conversations.save(reference('aad-busy'));
    await conversations.save(reference('aad-other'));
    standIn.failNext(1, 429, { retryAfter: 1, when: (r) => r.conversationId === 'a:chat-aad-busy' });
    const busy = messenger.send(msg('aad-busy'));
    await standIn.waitFor((rs) => rs.length >= 1);
    const started = Date.now();
    await messenger.send(msg('aad-other'));
    expect(Date.now() - started).toBeLessThan(500);
    await busy;
    expect(standIn.delivered.map((r) => r.conversationId)).toEqual(['a:chat-aad-other', 'a:chat-aad-busy']);
  });
});

describe('settings', () => {
  test('read from the environment, a bad value named', () => {
    expect(loadTeamsSettings({})).toEqual({ appPerSecond: 50 });
    expect(loadTeamsSettings({ TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/uk', TEAMS_TENANT_ID: TENANT, TEAMS_APP_RATE_PER_SECOND: '20' })).toEqual({
      serviceUrl: 'https://smba.trafficmanager.net/uk/',
      tenantId: TENANT,
      appPerSecond: 20,
    });
    expect(loadTeamsSettings({ MicrosoftAppTenantId: TENANT }).tenantId).toBe(TENANT);
    expect(() => loadTeamsSettings({ TEAMS_APP_RATE_PER_SECOND: 'fast' })).toThrow(/^TEAMS_APP_RATE_PER_SECOND: expected a whole number/);
    expect(() => loadTeamsSettings({ TEAMS_SERVICE_URL: 'smba' })).toThrow(/^TEAMS_SERVICE_URL: /);
    expect(() => loadTeamsSettings({ TEAMS_TENANT_ID: 'contoso' })).toThrow(/^TEAMS_TENANT_ID: /);
  });
});

describe('on the real database', () => {
  let db: Database;
  beforeAll(async () => {
    db = await testDatabase(`teams_messenger_${Date.now()}`);
  });
  afterAll(async () => {
    await db.close();
  });

  test('references and deliveries survive a restart: nothing is sent twice, a new chat is reused', async () => {
    const mongo = db.connection.db!;
    const make = async () =>
      setup({
        log: silentLogger(),
        conversations: await MongoConversationStore.create(mongo),
        deliveries: await MongoDeliveryLedger.create(mongo),
        settings: { serviceUrl: standIn.url, tenantId: TENANT },
      });
    const first = await make();
    const m = msg('aad-governor');
    await first.messenger.send(m);
    expect(standIn.requests.map((r) => r.route)).toEqual(['createConversation', 'sendToConversation']);

    const second = await make();
    await second.messenger.send(m);
    await second.messenger.send(msg('aad-governor'));
    expect(standIn.created).toHaveLength(1);
    expect(standIn.delivered).toHaveLength(2);
    const record = await mongo.collection(DELIVERIES).findOne({ key: m.key });
    expect(record).toMatchObject({
      key: m.key,
      transport: 'teams',
      status: 'delivered',
      to: 'aad-governor',
      template: 'stage_task',
      caseId: 'case-1',
      schoolId: 'nunthorpe',
    });
    expect(record!.deliveredAt).toBeInstanceOf(Date);
    expect(record!.data).toBeUndefined();
  });

  test('a key the logging messenger already delivered is not sent again', async () => {
    const mongo = db.connection.db!;
    await mongo
      .collection(DELIVERIES)
      .insertOne({ key: 'case-9:old', kind: 'message', to: 'aad-teacher-1', template: 'nudge', schoolId: 'nunthorpe', deliveredAt: new Date() });
    const { messenger, conversations } = setup({ deliveries: await MongoDeliveryLedger.create(mongo) });
    await conversations.save(reference('aad-teacher-1'));
    await messenger.send(msg('aad-teacher-1', { key: 'case-9:old' }));
    expect(standIn.requests).toHaveLength(0);
  });

  test('a claim left by a crashed sender is taken over once stale; a fresh one is not', async () => {
    const mongo = db.connection.db!;
    const deliveries = await MongoDeliveryLedger.create(mongo);
    const m = msg('aad-teacher-1');
    const now = new Date();
    expect((await deliveries.claim(m, now, 60_000)).state).toBe('claimed');
    expect((await deliveries.claim(m, new Date(now.getTime() + 1000), 60_000)).state).toBe('busy');
    const taken = await deliveries.claim(m, new Date(now.getTime() + 120_000), 60_000);
    expect(taken.state).toBe('claimed');
    await deliveries.delivered(m.key, (taken as { token: string }).token, new Date(), { attempts: 1 });
    expect((await deliveries.claim(m, new Date(now.getTime() + 999_999), 60_000)).state).toBe('delivered');
  });

  test('the conversation store keeps one reference per person and tenant, newest first', async () => {
    const store = await MongoConversationStore.create(db.connection.db!);
    const T = 'tenant-of-the-store-test';
    await store.save({ ...reference('aad-p1'), tenantId: T, updatedAt: new Date('2026-11-01T09:00:00Z') });
    await store.save({ ...reference('aad-p1', { id: 'a:newer' }), tenantId: T, updatedAt: new Date('2026-11-02T09:00:00Z') });
    await store.save({ ...reference('aad-p2'), tenantId: T, updatedAt: new Date('2026-10-01T09:00:00Z') });
    await store.save({ ...reference('aad-p1', { id: 'a:other-tenant' }), tenantId: 'other', updatedAt: new Date('2026-11-03T09:00:00Z') });
    expect((await store.get('aad-p1', T))!.reference.conversation!.id).toBe('a:newer');
    expect((await store.get('aad-p1'))!.reference.conversation!.id).toBe('a:other-tenant');
    expect((await store.latest(T))!.aadObjectId).toBe('aad-p1');
    await store.remove('aad-p1', 'other');
    expect((await store.get('aad-p1'))!.tenantId).toBe(T);
    expect(await store.get('aad-nobody')).toBeNull();
  });
});
