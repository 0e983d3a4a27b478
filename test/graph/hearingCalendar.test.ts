/**
 * The hearing calendar adapters against the local Graph stand-in over real HTTP: the exact
 * free/busy request for a panel, busy times read back, the hearing event's body and attendees,
 * a 429 waited out, a create retried after a dropped answer making one event (same
 * transactionId), moves and cancels on the same event, and attendees' answers read.
 *
 * The case: Nunthorpe Academy (NMAT), Stage Three received Fri 6 Nov 2026 and decided Fri 20 Nov,
 * Stage Four asked for Tue 24 Nov; the clock then reads Wed 25 Nov 2026, 10:00 (GMT: school
 * time reads as UTC). §14: at least 10 school days' notice (earliest Wed 9 Dec), held within 15
 * school days of the request (by Tue 15 Dec). Ten teaching days past it are searched too, for
 * slots outside the window: 16-18 Dec and, after the holidays and the INSET day Tue 5 Jan,
 * 6-8 and 11-14 Jan 2027.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../bot/teamsMessenger.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import type { Deps } from '../../src/app/caseFlow.js';
import { closeCase } from '../../src/app/closeCase.js';
import { latestBooking } from '../../src/app/panel.js';
import type { CaseRecord, Complainant, OutgoingMessage } from '../../src/app/ports.js';
import { proposeHearingDates } from '../../src/app/proposeHearingDates.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { withdraw } from '../../src/app/withdraw.js';
import { createGraphGateway, type GraphGatewayOptions } from '../../src/graph/gateway.js';
import {
  FREE_BUSY_INTERVAL_MINUTES,
  GraphCalendarBooking,
  HearingEventError,
  HearingEventSender,
  hearingTransactionId,
} from '../../src/graph/hearingCalendar.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { renderOutboxLetter } from '../../src/letters/fromOutbox.js';
import { memoryLogger, silentLogger } from '../../src/log.js';
import { P, TestClock, memoryDeps, nmatSchool, parentComplaint } from '../helpers/app.js';
import { GraphStandIn } from './graphStandIn.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'stand-in-secret';
const CLERK = 'gail.clerk@nunthorpe.example';
const PAT = 'pat.panel@nunthorpe.example';
const PAM = 'pam.panel@nunthorpe.example';
const IAN = 'ian.independent@governors.example';
const COMPLAINANT = 'priya.parent@example.com';
const PANEL = [P.panel1, P.panel2, P.panel3];

let standIn: GraphStandIn;
let sleeps: number[];
/** Events the stand-in held before the test: each test looks at the ones it made. */
let earlier: Set<string>;
const newEvents = () => [...standIn.events.entries()].filter(([id]) => !earlier.has(id)).map(([, e]) => e.event);

beforeAll(async () => {
  standIn = await GraphStandIn.start({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
  standIn
    .addUser({ id: 'u-clerk', displayName: 'Gail Clerk', mail: CLERK, userPrincipalName: CLERK })
    .addUser({ id: 'u-pat', displayName: 'Pat Panel', mail: PAT, userPrincipalName: PAT })
    .addUser({ id: 'u-pam', displayName: 'Pam Panel', mail: PAM, userPrincipalName: PAM })
    .addUser({ id: 'u-ian', displayName: 'Ian Independent', mail: IAN, userPrincipalName: IAN });
});
afterAll(async () => standIn.close());
beforeEach(() => {
  sleeps = [];
  standIn.clearRequests();
  standIn.clearFailures();
  earlier = new Set(standIn.events.keys());
  for (const address of [CLERK, PAT, PAM, IAN]) standIn.setBusy(address, []);
});

function gateway(over: Partial<GraphGatewayOptions> = {}) {
  return createGraphGateway({
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    baseUrl: standIn.baseUrl,
    authorityUrl: standIn.authorityUrl,
    log: silentLogger(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
}

/** A Stage Four NMAT case on memory stores, the panel with email addresses (Ian independent), Graph as the calendar. */
async function stageFour(complainant: Partial<Complainant> = {}): Promise<{ deps: Deps; clock: TestClock; record: CaseRecord }> {
  const clock = new TestClock('2026-11-06T09:00:00Z');
  // Case ids unique across tests: the outbox keys, and so the transactionIds, are too.
  const run = Math.random().toString(36).slice(2, 8);
  let n = 0;
  const deps: Deps = { ...memoryDeps(clock), newId: () => `case-${run}-${++n}`, calendar: new GraphCalendarBooking(gateway()) };
  const school = nmatSchool();
  const person = (id: string) => school.people.find((p) => p.id === id)!;
  person(P.governanceLead).email = CLERK;
  person(P.panel1).email = PAT;
  person(P.panel2).email = PAM;
  Object.assign(person(P.panel3), { email: IAN, roles: ['independent_panel_member'] });
  await deps.schools.save(school);
  const input = parentComplaint();
  const r = await recordComplaint(deps, P.governanceLead, { ...input, complainant: { ...input.complainant, ...complainant }, stage: 3 });
  if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
  clock.set('2026-11-20T15:00:00Z');
  await recordOutcome(deps, P.execPrincipal, {
    caseId: r.case.id,
    outcome: 'not_upheld',
    decision: 'The detentions followed the behaviour policy; reasons below.',
  });
  clock.set('2026-11-24T08:30:00Z');
  const record = await requestEscalation(deps, P.governanceLead, { caseId: r.case.id });
  clock.set('2026-11-25T10:00:00Z');
  return { deps, clock, record };
}

/** The calendar item of an outbox, as the outbox worker hands it to the Messenger. */
function calendarMessage(record: CaseRecord, key: string): OutgoingMessage {
  const item = record.outbox.find((o) => o.key === key);
  if (!item) throw new Error(`no outbox item ${key} in ${record.outbox.map((o) => o.key).join(', ')}`);
  return { key: item.key, kind: item.kind, to: item.to, template: item.template, data: item.data, schoolId: record.schoolId, caseId: record.id };
}

const eventPosts = () => standIn.graphRequests().filter((r) => r.method === 'POST' && /\/events$/.test(r.path));

describe('GraphCalendarBooking', () => {
  it('asks getSchedule for the members and the organiser over the days slots may fall on, in UTC, in 15-minute steps, and maps what is busy', async () => {
    const { deps, record } = await stageFour();
    standIn.setBusy(PAT, [{ status: 'oof', start: new Date('2026-12-09T09:00:00Z'), end: new Date('2026-12-09T17:00:00Z') }]);
    standIn.setBusy(CLERK, [{ status: 'tentative', start: new Date('2026-12-09T09:00:00Z'), end: new Date('2026-12-09T10:00:00Z') }]);

    const p = await proposeHearingDates(deps, P.governanceLead, { caseId: record.id, memberIds: PANEL });

    const calls = standIn.graphRequests().filter((r) => r.path.endsWith('/calendar/getSchedule'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe(`/v1.0/users/${CLERK}/calendar/getSchedule`);
    expect(calls[0]!.headers.prefer).toBe('outlook.timezone="UTC"');
    expect(calls[0]!.body).toEqual({
      schedules: [PAT, PAM, IAN, CLERK],
      // From Wed 9 Dec 09:00 (the earliest date) to Thu 14 Jan 2027 17:00 (the tenth teaching day past Tue 15 Dec).
      startTime: { dateTime: '2026-12-09T09:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2027-01-14T17:00:00', timeZone: 'UTC' },
      availabilityViewInterval: FREE_BUSY_INTERVAL_MINUTES,
    });
    expect(FREE_BUSY_INTERVAL_MINUTES).toBe(15);
    // Pat is away on Wed 9 Dec, so the first slot is Thu 10 Dec.
    expect(p.slots.map((s) => s.date)).toEqual(['2026-12-10', '2026-12-11', '2026-12-14']);

    const read = await new GraphCalendarBooking(gateway()).freeBusy(
      CLERK,
      [PAT.toUpperCase(), CLERK, 'nobody@nunthorpe.example'],
      new Date('2026-12-09T00:00:00Z'),
      new Date('2026-12-10T00:00:00Z'),
    );
    expect(read.busy.get(PAT)).toEqual([{ status: 'oof', start: new Date('2026-12-09T09:00:00Z'), end: new Date('2026-12-09T17:00:00Z') }]);
    expect(read.busy.get(CLERK)).toEqual([{ status: 'tentative', start: new Date('2026-12-09T09:00:00Z'), end: new Date('2026-12-09T10:00:00Z') }]);
    expect(read.unavailable).toEqual(['nobody@nunthorpe.example']);
  });

  it('a member whose calendar cannot be read is listed as unavailable, and the slots follow the others', async () => {
    const { deps, record } = await stageFour();
    const { school } = { school: (await deps.schools.get(record.schoolId))! };
    const { outbox: _o, digests: _d, version: _v, ...setup } = school;
    setup.people.find((p) => p.id === P.panel2)!.email = 'pam@elsewhere.example'; // not a mailbox Graph knows
    await deps.schools.save(setup);
    const p = await proposeHearingDates(deps, P.governanceLead, { caseId: record.id, memberIds: PANEL });
    expect(p.unavailable).toEqual([{ id: P.panel2, name: 'Pam Panel' }]);
    expect(p.calendarsRead).toBe(true);
    expect(p.slots.map((s) => s.date)).toEqual(['2026-12-09', '2026-12-10', '2026-12-11']);
  });

  it('waits out a 429 for as long as Retry-After says, then reads the calendars', async () => {
    const { deps, record } = await stageFour();
    standIn.failNext(1, { status: 429, retryAfter: 7, match: /getSchedule/ });
    const p = await proposeHearingDates(deps, P.governanceLead, { caseId: record.id, memberIds: PANEL });
    expect(
      standIn
        .graphRequests()
        .filter((r) => r.path.endsWith('/getSchedule'))
        .map((r) => r.status),
    ).toEqual([429, 200]);
    expect(sleeps).toEqual([7000]);
    expect(p.calendarsRead).toBe(true);
    expect(p.slots).toHaveLength(3);
  });

  it('reads each attendee answer, address lower-cased; no answer yet is "none"', async () => {
    const g = gateway();
    const event = await g.createEvent(
      CLERK,
      {
        subject: 'x',
        html: '<p>x</p>',
        start: new Date('2026-12-10T12:00:00Z'),
        end: new Date('2026-12-10T14:00:00Z'),
        online: true,
        attendees: [
          { name: 'Pat', address: 'Pat.Panel@nunthorpe.example' },
          { name: 'Priya', address: COMPLAINANT },
        ],
      },
      'tx-answers',
    );
    standIn.setResponse(event.id, PAT, 'accepted', new Date('2026-11-26T08:15:00Z'));
    const answers = await new GraphCalendarBooking(g).responses(CLERK, event.id);
    expect(answers).toEqual([
      { address: PAT, answer: 'accepted', respondedAt: new Date('2026-11-26T08:15:00Z') },
      { address: COMPLAINANT, answer: 'none', respondedAt: null },
    ]);
  });
});

describe('HearingEventSender', () => {
  it('creates one event in the organiser calendar: a Teams meeting at the venue, the panel and the complainant invited, the reference and time only', async () => {
    const { deps, record } = await stageFour();
    const booked = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-10T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      venue: 'Nunthorpe Academy, meeting room 2',
    });
    const key = `${record.id}:calendar:hearing:4:1`;
    const { log, lines } = memoryLogger('calendar');
    const sender = new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log });

    await sender.send(calendarMessage(booked, key));

    const posts = eventPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toBe(`/v1.0/users/${CLERK}/events`);
    const body = posts[0]!.body;
    expect(body).toMatchObject({
      subject: `Complaint panel hearing ${record.reference}`,
      start: { dateTime: '2026-12-10T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-10T14:00:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      location: { displayName: 'Nunthorpe Academy, meeting room 2' },
      transactionId: hearingTransactionId(key),
      attendees: [
        { emailAddress: { address: PAT, name: 'Pat Panel' }, type: 'required' },
        { emailAddress: { address: PAM, name: 'Pam Panel' }, type: 'required' },
        { emailAddress: { address: IAN, name: 'Ian Independent' }, type: 'required' },
        { emailAddress: { address: COMPLAINANT, name: 'Priya Parent' }, type: 'required' },
      ],
    });
    const html: string = body.body.content;
    expect(body.body.contentType).toBe('HTML');
    expect(html).toContain('Nunthorpe Academy');
    expect(html).toContain(record.reference);
    expect(html).toContain('stage 4 (Trust Response: Panel Hearing)');
    // No time in the body: the event carries it, and a move never rewrites the body (that would end the Teams meeting).
    expect(html).toContain('The date, time and place are those of this invitation');
    expect(html).not.toMatch(/December|12:00|14:00/);
    // Nothing of the complaint: not what happened, not what they want, not who they are.
    for (const secret of ['detention', 'explanation', 'Priya', 'Tara', record.summary.slice(0, 20)]) expect(html).not.toContain(secret);

    const after = (await deps.cases.get(record.id))!;
    const [stored] = newEvents();
    expect(after.events.at(-1)).toMatchObject({ type: 'hearing_booked', stage: 4, by: 'system', details: { booking: 1, eventId: stored!.id } });
    expect(lines.find((l) => l.event === 'hearing_event_created')).toMatchObject({ key, caseId: record.id, eventId: stored!.id });
    expect(JSON.stringify(lines)).not.toContain(COMPLAINANT);
  });

  it('a complainant who asked for letters by post is not invited, even with an email address on record', async () => {
    const { deps, record } = await stageFour({ preferredContact: 'letter', address: '1 High Street, Nunthorpe' });
    expect(record.complainant.email).toBe(COMPLAINANT);
    const booked = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log: silentLogger() }).send(
      calendarMessage(booked, `${record.id}:calendar:hearing:4:1`),
    );
    expect(eventPosts()[0]!.body.attendees.map((a: { emailAddress: { address: string } }) => a.emailAddress.address)).toEqual([PAT, PAM, IAN]);
  });

  it('a create retried after its answer was lost sends the same transactionId, and the stand-in holds one event', async () => {
    const { deps, record } = await stageFour();
    const booked = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-10T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      venue: 'Room 2',
    });
    const message = calendarMessage(booked, `${record.id}:calendar:hearing:4:1`);
    const deliveries = new MemoryDeliveryLedger();
    // The connection drops after Graph made the event (the worker crashes before hearing back).
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/events')) throw new TypeError('fetch failed: socket hang up');
      return res;
    };
    const first = new HearingEventSender({ deps, gateway: gateway({ fetch: dropping, retry: { maxAttempts: 1 } }), deliveries, log: silentLogger() });
    await expect(first.send(message)).rejects.toThrow(/could not reach|unreachable|network|socket/i);
    expect(deliveries.records.has(message.key)).toBe(false); // released: the outbox may try again
    expect((await deps.cases.get(record.id))!.events.some((e) => e.type === 'hearing_booked')).toBe(false);

    const again = new HearingEventSender({ deps, gateway: gateway(), deliveries, log: silentLogger() });
    await again.send(message);
    await again.send(message); // and once more after it went: the ledger stops it before Graph
    const posts = eventPosts();
    expect(posts).toHaveLength(2);
    expect(posts.map((r) => r.body.transactionId)).toEqual([hearingTransactionId(message.key), hearingTransactionId(message.key)]);
    expect(newEvents()).toHaveLength(1);
    const after = (await deps.cases.get(record.id))!;
    expect(after.events.filter((e) => e.type === 'hearing_booked')).toHaveLength(1);
    expect(deliveries.records.get(message.key)).toMatchObject({ status: 'delivered' });
  });

  it('a move waits for the event to exist, then moves that event (time, attendees and place only: the Teams meeting stays); a cancel cancels it with the reason', async () => {
    const { deps, clock, record } = await stageFour();
    const sender = new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-14T09:00',
      memberIds: PANEL,
      organiser: CLERK,
      venue: 'Main hall',
      reason: 'Pam cannot make the 10th',
    });
    const move = calendarMessage(moved, `${record.id}:calendar:hearing:4:2`);

    const early = await sender.send(move).then(
      () => null,
      (e: unknown) => e,
    );
    expect(early).toBeInstanceOf(HearingEventError);
    expect(early).toMatchObject({ code: 'EVENT_NOT_CREATED_YET', retryable: true });

    await sender.send(calendarMessage(first, `${record.id}:calendar:hearing:4:1`));
    const [stored] = newEvents();
    const eventId = stored!.id;
    const joinUrl = stored!.onlineMeeting.joinUrl;
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    await sender.send(move);
    const patch = standIn.graphRequests().filter((r) => r.method === 'PATCH');
    expect(patch.map((r) => r.path)).toEqual([`/v1.0/users/${CLERK}/events/${eventId}`]);
    // Only what moves: a body would disable the Teams meeting (Graph "Update event"), so none is sent.
    expect(patch[0]!.body).toEqual({
      start: { dateTime: '2026-12-14T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-14T11:00:00', timeZone: 'UTC' },
      attendees: [PAT, PAM, IAN, COMPLAINANT].map((address) => ({ emailAddress: { address, name: expect.any(String) }, type: 'required' })),
      location: { displayName: 'Main hall' },
    });
    expect(standIn.events.get(eventId)!.event).toMatchObject({ isOnlineMeeting: true, onlineMeeting: { joinUrl } });

    // The complainant's invitation letters went (the outbox worker's part), so the cancellation is written to them too.
    for (const o of (await deps.cases.get(record.id))!.outbox.filter((x) => x.kind === 'letter'))
      await deps.cases.completeOutbox(record.id, o.key, { sentAt: clock.now() });
    const cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'the complaint was withdrawn' });
    await sender.send(calendarMessage(cancelled, `${record.id}:calendar:hearing:4:cancel:2`));
    const cancel = standIn.graphRequests().filter((r) => r.path.endsWith('/cancel'));
    expect(cancel.map((r) => [r.method, r.path])).toEqual([['POST', `/v1.0/users/${CLERK}/events/${eventId}/cancel`]]);
    expect(cancel[0]!.body.Comment).toBe(
      `The complaints panel hearing for ${record.reference} on Monday 14 December 2026 at 09:00 is cancelled. Reason: the complaint was withdrawn`,
    );
    expect(standIn.events.get(eventId)!.event.isCancelled).toBe(true);
    expect(newEvents()).toHaveLength(1);

    // The complainant's letter: the time it was to be, the reason, and the Outlook invitation they had cancelled too.
    const item = cancelled.outbox.find((o) => o.key === `${record.id}:letter:hearing_cancelled:4:2`)!;
    expect(item.data).toMatchObject({
      booking: 2,
      hearingStart: '2026-12-14T09:00:00.000Z',
      hearingEnd: '2026-12-14T11:00:00.000Z',
      calendarEvent: true,
      reason: 'the complaint was withdrawn',
    });
    const letter = renderOutboxLetter(item, cancelled, (await deps.schools.get(record.schoolId))!);
    expect(letter.text).toContain('The panel hearing arranged for Monday 14 December 2026 at 09:00 will not go ahead.');
    expect(letter.text).toContain('The calendar invitation we sent to your email address has been cancelled too.');
  });

  it('a request another worker is carrying out is left to it (IN_PROGRESS, retryable), and nothing reaches Graph', async () => {
    const { deps, record } = await stageFour();
    const booked = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    const message = calendarMessage(booked, `${record.id}:calendar:hearing:4:1`);
    const deliveries = new MemoryDeliveryLedger();
    await deliveries.claim(message, deps.clock.now(), 60_000); // the other worker, a moment ago
    const { log, lines } = memoryLogger('calendar');
    const e = await new HearingEventSender({ deps, gateway: gateway(), deliveries, log }).send(message).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(HearingEventError);
    expect(e).toMatchObject({ code: 'IN_PROGRESS', retryable: true });
    expect(eventPosts()).toHaveLength(0);
    expect(lines.filter((l) => l.event === 'hearing_event_failed')).toEqual([]);
  });
});

describe('HearingEventSender: what Graph cannot do, done another way', () => {
  const key = (record: CaseRecord, tail: string) => `${record.id}:calendar:hearing:4:${tail}`;
  const sent = (deps: Deps, log = silentLogger()) => new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log });

  it('moving an online hearing to in person makes a new in-person event with its own transactionId and cancels the Teams one (Outlook keeps an online meeting online)', async () => {
    const { deps, clock, record } = await stageFour();
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await sent(deps).send(calendarMessage(first, key(record, '1')));
    const [online] = newEvents();
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-14T09:00',
      memberIds: PANEL,
      organiser: CLERK,
      venue: 'Main hall',
      online: false,
      reason: 'The complainant asked to meet in person',
    });
    standIn.clearRequests();
    const { log, lines } = memoryLogger('calendar');
    await sent(deps, log).send(calendarMessage(moved, key(record, '2')));

    // The old event is cancelled first, then the new one made: whatever fails in between, no second live event is left.
    const calls = standIn.graphRequests();
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /v1.0/users/${CLERK}/events/${online!.id}/cancel`, `POST /v1.0/users/${CLERK}/events`]);
    expect(calls[1]!.body).toMatchObject({
      start: { dateTime: '2026-12-14T09:00:00', timeZone: 'UTC' },
      isOnlineMeeting: false,
      location: { displayName: 'Main hall' },
      transactionId: hearingTransactionId(key(record, '2')),
    });
    expect(calls[0]!.body.Comment).toBe(
      `The complaints panel hearing for ${record.reference} has moved to Monday 14 December 2026 at 09:00, in person; a new invitation is sent to you. Reason: The complainant asked to meet in person`,
    );
    const inPerson = newEvents().find((e) => e.id !== online!.id)!;
    expect(inPerson).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null, isCancelled: false });
    expect(standIn.events.get(online!.id)!.event.isCancelled).toBe(true);

    // The case follows the new event: a later cancel cancels it, not the old one.
    const after = (await deps.cases.get(record.id))!;
    expect(after.events.at(-1)).toMatchObject({
      type: 'hearing_booked',
      details: { booking: 1, forBooking: 2, eventId: inPerson.id, online: false, replaces: online!.id },
    });
    expect(latestBooking(after, 4)).toMatchObject({ booking: 2, eventId: inPerson.id });
    // The card shows no Teams link for the in-person hearing.
    expect(latestBooking(after, 4)!.joinUrl).toBeUndefined();
    expect(lines.find((l) => l.event === 'hearing_event_recreated')).toMatchObject({ key: key(record, '2'), eventId: inPerson.id });
    const cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    standIn.clearRequests();
    await sent(deps).send(calendarMessage(cancelled, key(record, 'cancel:2')));
    expect(standIn.graphRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`POST /v1.0/users/${CLERK}/events/${inPerson.id}/cancel`]);
    expect(newEvents()).toHaveLength(2);
  });

  it('an event deleted in Outlook: a move makes a new event for the hearing, and a cancel of a deleted event counts as done', async () => {
    const { deps, clock, record } = await stageFour();
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await sent(deps).send(calendarMessage(first, key(record, '1')));
    const [deleted] = newEvents();
    standIn.deleteEvent(deleted!.id);
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-11T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pam cannot make the 10th',
    });
    standIn.clearRequests();
    const { log, lines } = memoryLogger('calendar');
    await sent(deps, log).send(calendarMessage(moved, key(record, '2')));
    expect(standIn.graphRequests().map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 404],
      ['POST', 201],
    ]);
    expect(standIn.graphRequests()[1]!.body).toMatchObject({
      start: { dateTime: '2026-12-11T12:00:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      transactionId: hearingTransactionId(key(record, '2')),
    });
    const [made] = newEvents();
    expect(latestBooking((await deps.cases.get(record.id))!, 4)).toMatchObject({ booking: 2, eventId: made!.id, joinUrl: made!.onlineMeeting.joinUrl });
    expect(lines.find((l) => l.event === 'hearing_event_gone')).toMatchObject({ key: key(record, '2'), eventId: deleted!.id });

    standIn.deleteEvent(made!.id);
    const cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    const deliveries = new MemoryDeliveryLedger();
    const cancelLog = memoryLogger('calendar');
    const message = calendarMessage(cancelled, key(record, 'cancel:2'));
    standIn.clearRequests();
    await new HearingEventSender({ deps, gateway: gateway(), deliveries, log: cancelLog.log }).send(message);
    expect(standIn.graphRequests().map((r) => [r.method, r.path, r.status])).toEqual([['POST', `/v1.0/users/${CLERK}/events/${made!.id}/cancel`, 404]]);
    expect(cancelLog.lines.find((l) => l.event === 'hearing_event_already_gone')).toMatchObject({ eventId: made!.id });
    expect(deliveries.records.get(message.key)).toMatchObject({ status: 'delivered' });
  });

  it('an event deleted in Outlook while the hearing is cancelled meanwhile: the move reads the case again and makes no new event', async () => {
    const { deps, clock, record } = await stageFour();
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await sent(deps).send(calendarMessage(first, key(record, '1')));
    const [deleted] = newEvents();
    standIn.deleteEvent(deleted!.id);
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-11T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pam cannot',
    });
    // The clerk cancels the hearing while the move is with Graph (after the sender read the case).
    const g = gateway();
    let cancelled: CaseRecord | undefined;
    const racing = {
      ...g,
      updateEvent: async (...args: Parameters<typeof g.updateEvent>) => {
        cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
        return g.updateEvent(...args);
      },
    };
    standIn.clearRequests();
    const { log, lines } = memoryLogger('calendar');
    await new HearingEventSender({ deps, gateway: racing, deliveries: new MemoryDeliveryLedger(), log }).send(calendarMessage(moved, key(record, '2')));
    expect(standIn.graphRequests().map((r) => [r.method, r.status])).toEqual([['PATCH', 404]]);
    expect(lines.find((l) => l.event === 'hearing_event_skipped')).toMatchObject({ key: key(record, '2'), why: 'cancelled' });
    await sent(deps).send(calendarMessage(cancelled!, key(record, 'cancel:2')));
    expect(newEvents()).toEqual([]);
  });

  it("a move whose create gave up makes the event itself, at the new time, asking with the create's transactionId", async () => {
    const { deps, clock, record } = await stageFour();
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    // The outbox tried the create and gave up on it (Graph never made the event).
    await deps.cases.claimOutbox(deps.clock.now(), deps.clock.now(), 10);
    await deps.cases.completeOutbox(record.id, key(record, '1'), { error: 'gave up', retry: false });
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-11T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pam cannot make the 10th',
    });
    await sent(deps).send(calendarMessage(moved, key(record, '2')));
    expect(eventPosts().map((r) => [r.body.transactionId, r.body.start.dateTime])).toEqual([[hearingTransactionId(key(record, '1')), '2026-12-11T12:00:00']]);
    expect(standIn.graphRequests().filter((r) => r.method === 'PATCH')).toEqual([]);
    const [made] = newEvents();
    expect(latestBooking((await deps.cases.get(record.id))!, 4)).toMatchObject({ booking: 2, eventId: made!.id });
  });

  it('an event Graph made but the case never recorded (the worker died) is found by its transactionId and cancelled when the hearing is cancelled', async () => {
    const { deps, clock, record } = await stageFour();
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    const createKey = key(record, '1');
    // Graph makes the event, then the connection drops: the worker never hears of it.
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/events')) throw new TypeError('fetch failed: socket hang up');
      return res;
    };
    const deliveries = new MemoryDeliveryLedger();
    const others = new RecordingMessenger(clock);
    const drainWith = (s: HearingEventSender) =>
      drainOutbox({ deps, messenger: { send: (m) => (m.kind === 'calendar' ? s.send(m) : others.send(m)) }, log: silentLogger() });
    const dying = new HearingEventSender({ deps, gateway: gateway({ fetch: dropping, retry: { maxAttempts: 1 } }), deliveries, log: silentLogger() });
    expect(await drainWith(dying)).toMatchObject({ retrying: 1 });
    expect(newEvents()).toHaveLength(1);
    expect(latestBooking((await deps.cases.get(record.id))!, 4)!.eventId).toBeUndefined();

    clock.advance(60_000);
    await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    const { log, lines } = memoryLogger('calendar');
    const sender = new HearingEventSender({ deps, gateway: gateway(), deliveries, log });
    for (let i = 0; i < 3; i++) {
      clock.advance(5 * 60_000 + 1000);
      await drainWith(sender);
    }
    const [event] = newEvents();
    expect(newEvents()).toHaveLength(1);
    expect(event).toMatchObject({ isCancelled: true, cancelComment: expect.stringContaining('Reason: The chair is ill') });
    // Found by reading the calendar, not by asking for the create again.
    expect(eventPosts().map((r) => r.body.transactionId)).toEqual([hearingTransactionId(createKey)]);
    expect(standIn.graphRequests().filter((r) => r.path.endsWith('/calendarView'))).toMatchObject([
      { method: 'GET', status: 200, query: { startDateTime: '2026-12-10T12:00:00Z', endDateTime: '2026-12-10T14:00:00Z' } },
    ]);
    const after = (await deps.cases.get(record.id))!;
    expect(after.outbox.filter((o) => o.kind === 'calendar').map((o) => [o.key, o.status])).toEqual([
      [createKey, 'sent'],
      [key(record, 'cancel:1'), 'sent'],
    ]);
    expect(lines.find((l) => l.event === 'hearing_event_unrecorded_cancelled')).toMatchObject({
      key: createKey,
      eventId: event!.id,
      why: 'cancelled_before_created',
    });
  });

  it('a create that gave up after Graph made its event: the cancel finds the event by the same transactionId and cancels it', async () => {
    const { deps, record } = await stageFour();
    const booked = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    const createKey = key(record, '1');
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/events')) throw new TypeError('fetch failed: socket hang up');
      return res;
    };
    const dying = new HearingEventSender({
      deps,
      gateway: gateway({ fetch: dropping, retry: { maxAttempts: 1 } }),
      deliveries: new MemoryDeliveryLedger(),
      log: silentLogger(),
    });
    await expect(dying.send(calendarMessage(booked, createKey))).rejects.toThrow(/socket hang up/);
    // The outbox tried it (one attempt) and gave up on it.
    await deps.cases.claimOutbox(deps.clock.now(), deps.clock.now(), 10);
    await deps.cases.completeOutbox(record.id, createKey, { error: 'gave up', retry: false });
    const cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    expect(cancelled.outbox.find((o) => o.key === createKey)).toMatchObject({ status: 'failed', attempts: 1 });
    await sent(deps).send(calendarMessage(cancelled, key(record, 'cancel:1')));
    expect(newEvents()).toHaveLength(1);
    expect(newEvents()[0]).toMatchObject({ isCancelled: true, cancelComment: expect.stringContaining('Reason: The chair is ill') });
  });
});

describe('HearingEventSender when the complaint ends with a hearing still to come', () => {
  const key = (record: CaseRecord, tail: string) => `${record.id}:calendar:hearing:4:${tail}`;

  it('withdrawing cancels the Outlook event with the reason; a move still queued is not applied to the withdrawn case', async () => {
    const { deps, clock, record } = await stageFour();
    const sender = new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await sender.send(calendarMessage(first, key(record, '1')));
    const [event] = newEvents();
    clock.set('2026-11-26T10:00:00Z');
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-14T09:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pam cannot make the 10th',
    });
    const withdrawn = await withdraw(deps, P.governanceLead, { caseId: record.id, reason: 'The family moved away', confirmedInWriting: true });
    expect(withdrawn.state.status).toBe('withdrawn');
    expect(withdrawn.events.at(-1)).toMatchObject({ type: 'withdrawn', details: { hearingCancelled: { stage: 4, booking: 2 } } });
    expect(withdrawn.outbox.find((o) => o.key === key(record, 'cancel:2'))).toMatchObject({
      kind: 'calendar',
      to: CLERK,
      template: 'hearing_event',
      data: { action: 'cancel', stage: 4, booking: 2, eventBooking: 1, organiser: CLERK, reference: record.reference, reason: 'the complaint was withdrawn' },
    });

    standIn.clearRequests();
    const { log, lines } = memoryLogger('calendar');
    const late = new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log });
    await late.send(calendarMessage(moved, key(record, '2')));
    expect(standIn.graphRequests()).toEqual([]);
    expect(lines.find((l) => l.event === 'hearing_event_skipped')).toMatchObject({ key: key(record, '2'), why: 'case_withdrawn' });
    await late.send(calendarMessage(withdrawn, key(record, 'cancel:2')));
    expect(standIn.graphRequests().map((r) => r.path)).toEqual([`/v1.0/users/${CLERK}/events/${event!.id}/cancel`]);
    // The hearing as the attendees last had it (the move never reached Outlook, but the case's latest booking is what is cancelled).
    expect(standIn.graphRequests()[0]!.body.Comment).toBe(
      `The complaints panel hearing for ${record.reference} on Monday 14 December 2026 at 09:00 is cancelled. Reason: the complaint was withdrawn`,
    );
    expect(standIn.events.get(event!.id)!.event.isCancelled).toBe(true);
  });

  it('closing before the event was made: the create is skipped, the cancel finds nothing to cancel, and Graph is never called', async () => {
    const { deps, clock, record } = await stageFour();
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    const closed = await closeCase(deps, P.governanceLead, { caseId: record.id, reason: 'Resolved informally at a meeting with the family' });
    expect(closed.outbox.find((o) => o.key === key(record, 'cancel:1'))!.data).toMatchObject({ action: 'cancel', reason: 'the complaint was closed' });
    const sender = new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    const others = new RecordingMessenger(clock);
    for (let i = 0; i < 3; i++) {
      await drainOutbox({ deps, messenger: { send: (m) => (m.kind === 'calendar' ? sender.send(m) : others.send(m)) }, log: silentLogger() });
      clock.advance(5 * 60_000 + 1000);
    }
    expect(standIn.graphRequests()).toEqual([]);
    expect((await deps.cases.get(record.id))!.outbox.filter((o) => o.kind === 'calendar').map((o) => o.status)).toEqual(['sent', 'sent']);
  });

  it('closing after the hearing is over queues no cancellation', async () => {
    const { deps, clock, record } = await stageFour();
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    clock.set('2026-12-10T14:00:00Z'); // the hearing ran 12:00-14:00
    const closed = await closeCase(deps, P.governanceLead, { caseId: record.id, reason: 'Resolved at the hearing' });
    expect(closed.outbox.filter((o) => o.data.action === 'cancel')).toEqual([]);
    expect(closed.events.at(-1)!.details).toBeUndefined();
  });
});

describe('HearingEventSender: a failure part way, or a change meanwhile, leaves live only the event the hearing needs', () => {
  const key = (record: CaseRecord, tail: string) => `${record.id}:calendar:hearing:4:${tail}`;
  /** The hearing events of this test still in the calendar: when, and whether a Teams meeting. */
  const live = () =>
    newEvents()
      .filter((e) => !e.isCancelled)
      .map((e) => ({ start: e.start.dateTime as string, online: e.isOnlineMeeting as boolean }));
  const cancels = (eventId: string) => standIn.graphRequests().filter((r) => r.method === 'POST' && r.path.endsWith(`/events/${eventId}/cancel`));

  /** The outbox worker; its gateway tries each call once, so one 503 fails the request and the outbox tries it again 5 minutes on. */
  function worker(deps: Deps, clock: TestClock, deliveries = new MemoryDeliveryLedger()) {
    const { log, lines } = memoryLogger('calendar');
    const others = new RecordingMessenger(clock);
    const run = (g: GraphGatewayOptions['fetch'] | undefined = undefined) => {
      const sender = new HearingEventSender({ deps, gateway: gateway({ retry: { maxAttempts: 1 }, ...(g ? { fetch: g } : {}) }), deliveries, log });
      return drainOutbox({ deps, messenger: { send: (m) => (m.kind === 'calendar' ? sender.send(m) : others.send(m)) }, log: silentLogger() });
    };
    const later = async (times: number) => {
      for (let i = 0; i < times; i++) {
        clock.advance(5 * 60_000 + 1000);
        await run();
      }
    };
    /** The case's calendar requests: the end of the key (booking, or cancel:booking) and status. */
    const calendarItems = async (record: CaseRecord) =>
      (await deps.cases.get(record.id))!.outbox.filter((o) => o.kind === 'calendar').map((o) => [o.key.slice(key(record, '').length), o.status]);
    return { drain: run, later, lines, calendarItems };
  }
  const inPerson = (record: CaseRecord, start: string, reason: string) =>
    ({ caseId: record.id, start, memberIds: PANEL, organiser: CLERK, venue: 'Main hall', online: false, reason }) as const;

  it('a move to in person cancels the Teams event first; if that fails and the hearing is then cancelled, the cancel waits for the move and nothing stays live', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await w.drain();
    const [teams] = newEvents();
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-14T09:00', 'In person please'));
    standIn.failNext(1, { status: 503, match: /\/cancel$/ });
    expect(await w.drain()).toMatchObject({ retrying: 1 });
    // Nothing new was made while the Teams event stands.
    expect(live()).toEqual([{ start: '2026-12-10T12:00:00', online: true }]);

    clock.advance(60_000);
    await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    expect(await w.drain()).toMatchObject({ retrying: 1 });
    expect(w.lines.find((l) => l.event === 'hearing_event_failed' && l.key === key(record, 'cancel:2'))).toMatchObject({
      kind: 'EVENT_CHANGE_PENDING',
      retryable: true,
    });

    await w.later(2);
    expect(live()).toEqual([]);
    expect(eventPosts()).toHaveLength(1); // the in-person event was never made
    expect(cancels(teams!.id).map((r) => r.status)).toEqual([503, 202]);
    expect(standIn.events.get(teams!.id)!.event.cancelComment).toContain('Reason: The chair is ill');
    expect(await w.calendarItems(record)).toEqual([
      ['1', 'sent'],
      ['2', 'sent'],
      ['cancel:2', 'sent'],
    ]);
  });

  it('a move to in person whose cancel of the Teams event fails, moved again before the retry: one live event, at the latest time, the Teams one cancelled once', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await w.drain();
    const [teams] = newEvents();
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-14T09:00', 'In person please'));
    standIn.failNext(1, { status: 503, match: /\/cancel$/ });
    await w.drain();
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-15T09:00', 'Pam cannot make the 14th'));
    await w.later(3);
    expect(live()).toEqual([{ start: '2026-12-15T09:00:00', online: false }]);
    expect(cancels(teams!.id).map((r) => r.status)).toEqual([503, 202]);
    expect(latestBooking((await deps.cases.get(record.id))!, 4)).toMatchObject({
      booking: 3,
      eventId: newEvents().find((e) => !e.isCancelled)!.id,
      applied: true,
    });
  });

  it('a move to in person whose new event fails after the Teams one was cancelled: the retry reads the Teams event, does not cancel it twice, and makes the in-person one', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await w.drain();
    const [teams] = newEvents();
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-14T09:00', 'In person please'));
    standIn.failNext(1, { status: 503, match: /^POST \/v1\.0\/users\/[^/]+\/events$/ });
    expect(await w.drain()).toMatchObject({ retrying: 1 });
    await w.later(1);
    expect(cancels(teams!.id)).toHaveLength(1);
    expect(live()).toEqual([{ start: '2026-12-14T09:00:00', online: false }]);
    expect(w.lines.find((l) => l.event === 'hearing_event_already_cancelled')).toMatchObject({ key: key(record, '2'), eventId: teams!.id });
  });

  it('an in-person event a move made but never recorded, then moved again: the retry finds it by its transactionId and withdraws it; the latest move stands alone', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await w.drain();
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-14T09:00', 'In person please'));
    // Graph makes the in-person event, then the answer is lost.
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/events')) throw new TypeError('fetch failed: socket hang up');
      return res;
    };
    expect(await w.drain(dropping)).toMatchObject({ retrying: 1 });
    const stray = newEvents().find((e) => !e.isCancelled)!;
    expect(stray).toMatchObject({ transactionId: hearingTransactionId(key(record, '2')) });
    clock.advance(60_000);
    await bookHearing(deps, P.governanceLead, inPerson(record, '2026-12-15T09:00', 'Pam cannot make the 14th'));
    await w.later(2);
    expect(live()).toEqual([{ start: '2026-12-15T09:00:00', online: false }]);
    expect(standIn.events.get(stray.id)!.event.cancelComment).toBe(
      `This copy of the invitation to the complaints panel hearing for ${record.reference} is withdrawn. The hearing is on Tuesday 15 December 2026 at 09:00, as your other invitation says.`,
    );
    expect(w.lines.find((l) => l.event === 'hearing_event_unrecorded_cancelled')).toMatchObject({
      key: key(record, '2'),
      eventId: stray.id,
      why: 'moved_again',
    });
  });

  it('a create Graph answered 503 (nothing made), cancelled before its retry: the calendar is read, nothing is made and nobody gets an invitation or a cancellation', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    standIn.failNext(1, { status: 503, match: /^POST \/v1\.0\/users\/[^/]+\/events$/ });
    expect(await w.drain()).toMatchObject({ retrying: 1 });
    clock.advance(60_000);
    await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    await w.later(3);
    expect(newEvents()).toEqual([]);
    expect(eventPosts().map((r) => r.status)).toEqual([503]);
    expect(standIn.graphRequests().filter((r) => r.path.endsWith('/calendarView'))).toMatchObject([
      { method: 'GET', status: 200, headers: { prefer: 'outlook.timezone="UTC"' }, query: { $select: expect.stringContaining('transactionId') } },
    ]);
    expect(w.lines.find((l) => l.event === 'hearing_event_unrecorded_none')).toMatchObject({ key: key(record, '1'), why: 'cancelled_before_created' });
    expect(await w.calendarItems(record)).toEqual([
      ['1', 'sent'],
      ['cancel:1', 'sent'],
    ]);
  });

  it('a create released when the worker stopped (it never reached Graph), then cancelled: nothing is made', async () => {
    const { deps, clock, record } = await stageFour();
    const w = worker(deps, clock);
    await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    // The worker claimed it and stopped before sending (drainOutbox releases it: one attempt counted, back to pending).
    await deps.cases.claimOutbox(clock.now(), clock.now(), 10);
    await deps.cases.completeOutbox(record.id, key(record, '1'), { error: 'released: the worker stopped before sending it', retry: true });
    await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    await w.drain();
    await w.later(2);
    expect(newEvents()).toEqual([]);
    expect(eventPosts()).toEqual([]);
  });

  it('a move that read the case before a cancel went out, its change landing after: the event stays cancelled and no new one is made', async () => {
    const { deps, clock, record } = await stageFour();
    const sender = sentBy(deps);
    const first = await bookHearing(deps, P.governanceLead, { caseId: record.id, start: '2026-12-10T12:00', memberIds: PANEL, organiser: CLERK });
    await sender.send(calendarMessage(first, key(record, '1')));
    clock.advance(60_000);
    const moved = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-11T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pam cannot',
    });
    await sender.send(calendarMessage(moved, key(record, '2')));
    clock.advance(60_000);
    const again = await bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start: '2026-12-14T12:00',
      memberIds: PANEL,
      organiser: CLERK,
      reason: 'Pat cannot',
    });
    const before = (await deps.cases.get(record.id))!;
    const cancelled = await cancelHearing(deps, P.governanceLead, { caseId: record.id, reason: 'The chair is ill' });
    await sender.send(calendarMessage(cancelled, key(record, 'cancel:3')));
    // The move's worker read the case just before the cancel was saved.
    let stale = true;
    const cases = Object.create(deps.cases) as Deps['cases'];
    cases.get = async (id) => (stale ? ((stale = false), before) : deps.cases.get(id));
    const { log, lines } = memoryLogger('calendar');
    await new HearingEventSender({ deps: { ...deps, cases }, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log }).send(
      calendarMessage(again, key(record, '3')),
    );
    expect(live()).toEqual([]);
    expect(eventPosts()).toHaveLength(1);
    expect(lines.find((l) => l.event === 'hearing_event_skipped')).toMatchObject({ key: key(record, '3'), why: 'cancelled' });
  });

  const sentBy = (deps: Deps) => new HearingEventSender({ deps, gateway: gateway(), deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
});
