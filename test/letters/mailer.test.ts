/**
 * GraphLetterMailer against the local Graph stand-in: a recorded NMAT complaint is acknowledged
 * (the use cases on memory stores), and the acknowledgement letter queued in its outbox is mailed
 * from the complaints mailbox exactly once. A hearing invitation overtaken before it went is not mailed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../bot/teamsMessenger.js';
import { acknowledge } from '../../src/app/acknowledge.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import type { CaseRecord, Complainant, Messenger, OutgoingMessage } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { GraphError } from '../../src/graph/errors.js';
import { createGraphGateway, type GraphGatewayOptions } from '../../src/graph/gateway.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { renderOutboxLetter } from '../../src/letters/fromOutbox.js';
import { GraphLetterMailer, LetterMailError } from '../../src/letters/mailer.js';
import { memoryLogger, silentLogger } from '../../src/log.js';
import { P, TestClock, memoryDeps, nmatAtStageFour, nmatSchool, parentComplaint } from '../helpers/app.js';
import { GraphStandIn } from '../graph/graphStandIn.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'stand-in-secret';
const MAILBOX = 'complaints@nunthorpe.example';

let standIn: GraphStandIn;
let sleeps: number[];

beforeAll(async () => {
  standIn = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
  standIn.addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX });
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  sleeps = [];
  standIn.clearRequests();
  standIn.clearFailures();
  standIn.sentMail.length = 0;
});

/** A recorded, acknowledged NMAT complaint and a mailer over the stand-in. */
async function setUp(opts: { complainant?: Partial<Complainant>; retry?: GraphGatewayOptions['retry']; graph?: GraphStandIn } = {}) {
  const graph = opts.graph ?? standIn;
  const clock = new TestClock('2026-11-04T10:00:00Z');
  const deps = memoryDeps(clock);
  await deps.schools.save(nmatSchool());
  const input = parentComplaint();
  const r = await recordComplaint(deps, P.governanceLead, { ...input, complainant: { ...input.complainant, ...opts.complainant } });
  if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
  clock.set('2026-11-05T10:00:00Z');
  await acknowledge(deps, P.governanceLead, { caseId: r.case.id });
  const record = (await deps.cases.get(r.case.id))!;
  const item = record.outbox.find((o) => o.kind === 'letter' && o.template === 'acknowledgement_letter');
  if (!item) throw new Error(`no acknowledgement letter in ${record.outbox.map((o) => o.key).join(', ')}`);
  // As the outbox worker (src/jobs/handlers.ts) hands it over.
  const message: OutgoingMessage = {
    key: item.key,
    kind: item.kind,
    to: item.to,
    template: item.template,
    data: item.data,
    schoolId: record.schoolId,
    caseId: record.id,
  };
  const gateway = createGraphGateway({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    baseUrl: graph.baseUrl,
    authorityUrl: graph.authorityUrl,
    log: silentLogger(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  const { log, lines } = memoryLogger('mailer');
  const deliveries = new MemoryDeliveryLedger();
  const mailer = new GraphLetterMailer({ deps, gateway, mailbox: MAILBOX, deliveries, log });
  const school = (await deps.schools.get(record.schoolId))!;
  return { deps, record, item, message, mailer, deliveries, lines, letter: renderOutboxLetter(item, record, school) };
}

const mailRequests = (graph = standIn) => graph.graphRequests().filter((r) => r.method === 'POST' && r.path.endsWith('/sendMail'));

describe('GraphLetterMailer', () => {
  it('mails the acknowledgement once to the complainant from the complaints mailbox', async () => {
    const { record, message, mailer, deliveries, lines, letter } = await setUp();
    expect(record.reference).toMatch(/^NMAT-2026-\d{4}$/);

    await mailer.send(message);

    const sent = mailRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe(`/v1.0/users/${MAILBOX}/sendMail`);
    expect(sent[0]!.status).toBe(202);
    expect(sent[0]!.body).toEqual({
      message: {
        subject: letter.subject,
        body: { contentType: 'HTML', content: letter.html },
        toRecipients: [{ emailAddress: { name: 'Priya Parent', address: 'priya.parent@example.com' } }],
      },
      saveToSentItems: true,
    });
    expect(letter.kind).toBe('acknowledgement');
    expect(letter.subject).toContain(record.reference);
    expect(letter.html).toContain('Nunthorpe Academy');
    expect(letter.html).toContain(record.reference);
    expect(letter.html).toContain('Dear Priya Parent,');
    expect(standIn.sentMail).toHaveLength(1);
    expect(standIn.sentMail[0]!.mailbox).toBe(MAILBOX);

    const d = deliveries.records.get(message.key)!;
    expect(d).toMatchObject({ key: message.key, kind: 'letter', status: 'delivered', transport: 'mail', caseId: record.id, schoolId: 'nunthorpe' });
    expect(d.deliveredAt).toBeInstanceOf(Date);
    const delivered = lines.find((l) => l.event === 'letter_delivered')!;
    expect(delivered).toMatchObject({ key: message.key, caseId: record.id, transport: 'mail' });
    expect(JSON.stringify(lines)).not.toContain('priya.parent@example.com');

    // The outbox retries the same item (e.g. after a crash before it was marked sent): nothing more goes.
    await mailer.send(message);
    expect(mailRequests()).toHaveLength(1);
    expect(standIn.sentMail).toHaveLength(1);
    expect(lines.some((l) => l.event === 'letter_already_delivered' && l.key === message.key)).toBe(true);
  });

  it('a 503 and then success sends the letter once (the gateway retries)', async () => {
    const { message, mailer, deliveries } = await setUp();
    standIn.failNext(1, { status: 503, retryAfter: 2, match: /sendMail/ });
    await mailer.send(message);
    const sent = mailRequests();
    expect(sent.map((r) => r.status)).toEqual([503, 202]);
    expect(sleeps).toEqual([2000]);
    expect(standIn.sentMail).toHaveLength(1);
    expect(deliveries.records.get(message.key)?.status).toBe('delivered');
  });

  it('a 503 the gateway gives up on is thrown, the claim released, and the outbox retry sends once', async () => {
    const { message, mailer, deliveries, lines } = await setUp({ retry: { maxAttempts: 1 } });
    standIn.failNext(1, { status: 503, match: /sendMail/ });
    const e = await mailer.send(message).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GraphError);
    expect((e as GraphError).kind).toBe('busy');
    expect((e as GraphError).message).toMatch(/Microsoft 365 is busy/);
    expect(deliveries.records.has(message.key)).toBe(false);
    expect(lines.find((l) => l.event === 'letter_send_failed')).toMatchObject({ key: message.key, status: 503, retryable: true });

    await mailer.send(message);
    expect(mailRequests().map((r) => r.status)).toEqual([503, 202]);
    expect(standIn.sentMail).toHaveLength(1);
    await mailer.send(message);
    expect(standIn.sentMail).toHaveLength(1);
  });

  it('a complainant who asked for letters by post gets no email; the letter is logged for posting', async () => {
    const { record, message, mailer, deliveries, lines } = await setUp({
      complainant: { email: undefined, address: '1 Acacia Avenue, Middlesbrough TS7 0AA', preferredContact: 'letter' },
    });
    await mailer.send(message);
    expect(mailRequests()).toHaveLength(0);
    expect(standIn.sentMail).toHaveLength(0);
    const post = lines.find((l) => l.event === 'letter_needs_post')!;
    expect(post).toMatchObject({ key: message.key, caseId: record.id, schoolId: 'nunthorpe', template: 'acknowledgement_letter', preferredContact: 'letter' });
    expect(JSON.stringify(lines)).not.toContain('Acacia');
    expect(deliveries.records.get(message.key)).toMatchObject({ status: 'delivered', transport: 'post' });
    await mailer.send(message);
    expect(lines.filter((l) => l.event === 'letter_needs_post')).toHaveLength(1);
  });

  it('a letter of a purged case is skipped with a log line', async () => {
    const { deps, record, message, mailer, lines } = await setUp();
    const redacted: Pick<CaseRecord, 'complainant' | 'summary' | 'desiredOutcome' | 'about' | 'events' | 'attachments' | 'outbox'> = {
      complainant: { name: 'removed', relationship: 'removed', preferredContact: 'letter' },
      summary: 'removed',
      about: {},
      events: record.events,
      attachments: [],
      outbox: [],
    };
    await deps.cases.anonymise(record.id, new Date('2033-01-01T00:00:00Z'), redacted);
    await mailer.send(message);
    expect(mailRequests()).toHaveLength(0);
    expect(lines.find((l) => l.event === 'letter_skipped')).toMatchObject({ key: message.key, caseId: record.id, reason: 'case_purged' });
  });

  it('a 403 surfaces the Mail.Send permission message and sends nothing', async () => {
    const denied = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      denied.addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX }).deny(/sendMail/);
      const { message, mailer, deliveries } = await setUp({ graph: denied });
      const e = await mailer.send(message).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(GraphError);
      expect((e as GraphError).kind).toBe('permission');
      expect((e as GraphError).status).toBe(403);
      expect((e as GraphError).message).toMatch(/application permission Mail\.Send/);
      expect((e as GraphError).message).toContain(MAILBOX);
      expect(denied.sentMail).toHaveLength(0);
      expect(deliveries.records.has(message.key)).toBe(false);
    } finally {
      await denied.close();
    }
  });

  it('through the outbox worker, a missing Mail.Send permission fails the letter at once, logged for the admin as message_failed naming the permission', async () => {
    const denied = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      denied.addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX }).deny(/sendMail/);
      const { deps, record, item, mailer } = await setUp({ graph: denied });
      const { log, lines } = memoryLogger('outbox');
      // Teams messages are not this test's business; letters go to the mailer.
      const messenger: Messenger = { send: (m) => (m.kind === 'letter' ? mailer.send(m) : Promise.resolve()) };
      expect(await drainOutbox({ deps, messenger, log })).toMatchObject({ failed: 1, retrying: 0 });
      const failed = (await deps.cases.get(record.id))!.outbox.find((o) => o.key === item.key)!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('application permission Mail.Send') });
      expect(lines.find((l) => l.event === 'message_failed')).toMatchObject({
        key: item.key,
        caseId: record.id,
        template: 'acknowledgement_letter',
        code: 'permission',
        status: 403,
        retryable: false,
        error: expect.stringContaining('Mail.Send'),
      });
      expect(JSON.stringify(lines)).not.toContain('priya.parent@example.com');
      // Not tried again: a later run, past the time a send is retried, asks Graph nothing.
      (deps.clock as TestClock).advance(60 * 60_000);
      const asked = denied.graphRequests().length;
      expect(await drainOutbox({ deps, messenger, log })).toMatchObject({ sent: 0, failed: 0, retrying: 0 });
      expect(denied.graphRequests()).toHaveLength(asked);
      expect(denied.sentMail).toHaveLength(0);
    } finally {
      await denied.close();
    }
  });

  it('a letter another worker is sending is left to it (IN_PROGRESS, retryable); once that claim is stale, it is sent once', async () => {
    const { deps, message, mailer, deliveries, lines } = await setUp();
    await deliveries.claim(message, deps.clock.now(), 60_000); // the other worker, a moment ago
    const e = await mailer.send(message).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LetterMailError);
    expect(e).toMatchObject({ code: 'IN_PROGRESS', retryable: true });
    expect(mailRequests()).toHaveLength(0);
    expect(lines.filter((l) => l.event === 'letter_send_failed')).toEqual([]);
    // Ten minutes on (LETTER_STALE_MS) the claim counts as left by a crashed worker.
    (deps.clock as TestClock).set('2026-11-05T10:10:00Z');
    await mailer.send(message);
    expect(standIn.sentMail).toHaveLength(1);
    expect(deliveries.records.get(message.key)).toMatchObject({ status: 'delivered', transport: 'mail' });
  });

  it('a ledger that cannot record the delivery: the letter goes once, and the failure is logged after three tries', async () => {
    const { message, mailer, deliveries, lines } = await setUp();
    let tries = 0;
    deliveries.delivered = async () => {
      tries++;
      throw new Error('database unreachable');
    };
    await mailer.send(message);
    expect(standIn.sentMail).toHaveLength(1);
    expect(tries).toBe(3);
    expect(lines.filter((l) => l.event === 'delivery_record_failed')).toEqual([
      expect.objectContaining({ key: message.key, template: 'acknowledgement_letter' }),
    ]);
    expect(lines.find((l) => l.event === 'letter_delivered')).toMatchObject({ key: message.key, transport: 'mail', edited: false });
  });

  it('a hearing invitation whose hearing was cancelled while it waited is not mailed: logged and recorded as superseded', async () => {
    const clock = new TestClock('2026-11-06T09:00:00Z');
    const deps = { ...memoryDeps(clock), newId: () => `case-superseded-${Math.random().toString(36).slice(2, 8)}` };
    const school = nmatSchool();
    for (const p of school.people) p.email = `${p.id}@nunthorpe.example`;
    school.people.find((p) => p.id === P.panel3)!.roles = ['independent_panel_member'];
    await deps.schools.save(school);
    const record = await nmatAtStageFour(deps, clock);
    clock.set('2026-11-25T10:00:00Z');
    const booked = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-10T12:00',
      memberIds: [P.panel1, P.panel2, P.panel3],
      organiser: `${P.governanceLead}@nunthorpe.example`,
    });
    const item = booked.outbox.find((o) => o.template === 'hearing_invitation_letter')!;
    const message: OutgoingMessage = {
      key: item.key,
      kind: 'letter',
      to: item.to,
      template: item.template,
      data: item.data,
      schoolId: 'nunthorpe',
      caseId: record.id,
    };
    await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });

    const { log, lines } = memoryLogger('mailer');
    const deliveries = new MemoryDeliveryLedger();
    const gateway = createGraphGateway({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      baseUrl: standIn.baseUrl,
      authorityUrl: standIn.authorityUrl,
      log: silentLogger(),
    });
    const mailer = new GraphLetterMailer({ deps, gateway, mailbox: MAILBOX, deliveries, log });
    await mailer.send(message);
    expect(mailRequests()).toHaveLength(0);
    expect(lines.find((l) => l.event === 'letter_superseded')).toMatchObject({ key: item.key, caseId: record.id, template: 'hearing_invitation_letter' });
    expect(JSON.stringify(lines)).not.toContain('priya');
    expect(deliveries.records.get(item.key)).toMatchObject({ status: 'delivered', transport: 'superseded' });
    await mailer.send(message);
    expect(mailRequests()).toHaveLength(0);
  });

  it('refuses anything but a letter', async () => {
    const { message, mailer } = await setUp();
    await expect(mailer.send({ ...message, kind: 'message', to: P.teacher })).rejects.toThrow(/only letters/);
  });
});
