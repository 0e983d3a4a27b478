/**
 * A clerk books an NMAT Stage Four panel hearing end to end: the service started as `npm start`
 * starts it (test/e2e/harness.ts), Teams played by hand through its /api/messages, the Bot
 * Connector by its stand-in, and Microsoft Graph (token endpoint, getSchedule, events, sendMail)
 * by the Graph stand-in, which records every request so the exact calls can be checked.
 *
 * Seeded before the start (through the use cases, on the test run's database): Nunthorpe Academy
 * with email addresses, and a parent's complaint that reached Stage Four on Tue 24 Nov 2026 at
 * 08:30. The service's clock starts at 09:00 that day, so NMAT §14 gives a window from Tue 8 Dec
 * (10 school days' notice) to Tue 15 Dec (within 15 school days of the request).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseRecord, School } from '../../src/app/ports.js';
import type { Database } from '../../src/store/mongo.js';
import { ConnectorStandIn } from '../bot/connectorStandIn.js';
import { GraphStandIn, type RecordedRequest } from '../graph/graphStandIn.js';
import { P, TestClock, nmatAtStageFour, nmatSchool, stageThreeComplaint, testDatabase } from '../helpers/app.js';
import { TeamsChat, databaseUri, errorUnder, startService, textOf, texts, type Card, type RunningService } from './harness.js';

const TENANT = '5f0c7a3e-2b1d-4c6e-9a8f-0d1e2f3a4b5c';
const DB_NAME = 'e2e_panel';
const CLOCK_START = '2026-11-24T09:00:00Z';
const MAILBOX = 'complaints@nunthorpe.org.uk';
const email = (name: string) => `${name.toLowerCase().replace(/ /g, '.')}@nunthorpe.org.uk`;
const GAIL = email('Gail Clerk');
const PAT = email('Pat Panel');
const PAM = email('Pam Panel');
const IAN = email('Ian Independent');
const PRIYA = stageThreeComplaint().complainant.email;

/** Nunthorpe Academy, everyone with an email address; Ian is the panel member independent of the school. */
function school(): Omit<School, 'outbox' | 'digests' | 'version'> {
  const base = nmatSchool();
  return { ...base, people: base.people.map((p) => ({ ...p, email: email(p.name), roles: p.id === P.panel3 ? ['independent_panel_member'] : p.roles })) };
}

let teams: ConnectorStandIn;
let graph: GraphStandIn;
let service: RunningService | undefined;
let db: Database;
let record: CaseRecord;

beforeAll(async () => {
  teams = await ConnectorStandIn.start();
  graph = await GraphStandIn.start();
  graph.addUser({ id: 'aad-complaints-mailbox', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX });
  for (const p of school().people) graph.addUser({ id: p.id, displayName: p.name, mail: p.email!, userPrincipalName: p.email! });
  // Pat is away on Tue 8 Dec, the first day the notice allows.
  graph.setBusy(PAT, [{ status: 'oof', start: new Date('2026-12-08T08:00:00Z'), end: new Date('2026-12-08T17:30:00Z') }]);

  db = await testDatabase(DB_NAME);
  await db.schools.save(school());
  const clock = new TestClock('2026-11-06T09:00:00Z');
  const deps = { cases: db.cases, schools: db.schools, clock };
  record = await nmatAtStageFour(deps, clock);

  service = await startService({
    mongoUri: databaseUri(inject('mongoUri'), DB_NAME),
    serviceUrl: teams.url,
    tenantId: TENANT,
    clockStart: CLOCK_START,
    env: {
      GRAPH_TENANT_ID: graph.opts.tenantId,
      GRAPH_CLIENT_ID: graph.opts.clientId,
      GRAPH_CLIENT_SECRET: graph.opts.clientSecret!,
      GRAPH_BASE_URL: graph.baseUrl,
      GRAPH_AUTHORITY_URL: graph.authorityUrl,
      COMPLAINTS_MAILBOX: MAILBOX,
      // Letters go at once: the preview pause is another test's subject.
      LETTER_REVIEW_MINUTES: '0',
    },
  });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await teams?.stop();
  await graph?.close();
  await db?.close();
});

/** Polls `check` until it returns something, or fails after `timeoutMs`. */
async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const eventCalls = () => graph.graphRequests().filter((r) => r.path.startsWith(`/v1.0/users/${GAIL}/events`));
const call = (r: RecordedRequest) => `${r.method} ${r.path.replace(/events\/[^/]+/, 'events/{id}')}`;
const invitationLetters = () =>
  graph.sentMail.filter(
    (m) =>
      m.message.toRecipients.some((t: { emailAddress: { address: string } }) => t.emailAddress.address === PRIYA) &&
      /complaints panel will hear your complaint/.test(m.message.body.content),
  );
const cancellationLetters = () =>
  graph.sentMail.filter(
    (m) =>
      m.message.toRecipients.some((t: { emailAddress: { address: string } }) => t.emailAddress.address === PRIYA) && /is cancelled/.test(m.message.subject),
  );

describe('the clerk books, moves and cancels the panel hearing from Teams, against Microsoft Graph', () => {
  const gail = () => new TeamsChat(service!.url, teams, TENANT, { aadObjectId: P.governanceLead, name: 'Gail Clerk' });
  let booked: Card;
  let eventId: string;

  it('books from the card: one Outlook event with the panel, the complainant and a Teams meeting; the invitation letter mailed to the complainant', async () => {
    const g = gail();
    const task = (await g.invoke('case.open', { caseId: record.id })).card;
    const open = await g.press(task, 'panel.open');
    expect(texts(open.card)).toContain('Step 1 of 3 · Choose the panel');
    expect(textOf(open.card)).toContain('At least 3 people not involved in the complaint before, one of them independent of the school (NMAT §14).');

    const noIndependent = await g.press(open.card, 'panel.propose', { memberIds: `${P.panel1},${P.panel2}` });
    expect(errorUnder(noIndependent.card, 'memberIds')).toMatch(/at least 3 members; 2 chosen .*independent of the management and running of the school/);

    const dates = await g.press(open.card, 'panel.propose', { memberIds: `${P.panel1},${P.panel2},${P.panel3}`, venue: 'Meeting room 2' });
    expect(textOf(dates.card)).toContain("Between Tue 8 Dec 2026 and Tue 15 Dec 2026: at least 10 school days' notice of the hearing (NMAT §14)");
    const schedule = graph.graphRequests().filter((r) => r.path === `/v1.0/users/${GAIL}/calendar/getSchedule`);
    expect(schedule).toHaveLength(1);
    expect([...schedule[0]!.body.schedules].sort()).toEqual([GAIL, IAN, PAM, PAT].sort());

    const answer = await g.press(dates.card, 'panel.book'); // the first proposal: Wed 9 Dec, 09:00 (Pat is away on the 8th)
    booked = answer.card;
    expect(texts(booked)).toContain('Step 3 of 3 · Booked');
    expect(textOf(booked)).toContain('Hearing booked by Gail Clerk on Tue 24 Nov 2026 for Wed 9 Dec 2026, 09:00-11:00.');

    const [created] = await eventually(() => (eventCalls().length ? eventCalls() : undefined));
    await eventually(() => (graph.events.size === 1 && invitationLetters().length === 1) || undefined);
    expect(eventCalls().map(call)).toEqual(['POST /v1.0/users/{GAIL}/events'.replace('{GAIL}', GAIL)]);
    const body = created!.body;
    expect(body).toMatchObject({
      subject: `Complaint panel hearing ${record.reference}`,
      start: { dateTime: '2026-12-09T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-09T11:00:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      location: { displayName: 'Meeting room 2' },
    });
    expect(body.transactionId).toEqual(expect.any(String));
    expect(body.attendees.map((a: { emailAddress: { address: string }; type: string }) => [a.emailAddress.address, a.type])).toEqual([
      [PAT, 'required'],
      [PAM, 'required'],
      [IAN, 'required'],
      [PRIYA, 'required'],
    ]);
    // The invitation names the case, never what the complaint is about.
    expect(JSON.stringify(body)).not.toContain('detention');
    expect(created!.status).toBe(201);
    eventId = [...graph.events.keys()][0]!;

    const letter = invitationLetters()[0]!;
    expect(letter.mailbox).toBe(MAILBOX);
    expect(letter.message.toRecipients).toEqual([{ emailAddress: { name: 'Priya Parent', address: PRIYA } }]);
    expect(letter.message.body.content).toMatch(/Wednesday 9 December 2026/);

    // The case records the event; the card shows the invitation sent and the Teams link.
    const stored = await eventually(async () => {
      const r = await db.cases.get(record.id);
      return r?.events.some((e) => e.type === 'hearing_booked' && e.details?.eventId === eventId) ? r : undefined;
    });
    expect(stored.events.filter((e) => e.type === 'hearing_scheduled')).toHaveLength(1);
    const reopened = await g.invoke('panel.open', { caseId: record.id });
    expect(textOf(reopened.card)).toContain("Invitation: Sent from the organiser's Outlook calendar");
    expect(textOf(reopened.card)).toContain(`[Join the Teams meeting](${graph.events.get(eventId)!.event.onlineMeeting.joinUrl})`);
    booked = reopened.card;
  });

  it('moving it PATCHes the same event (no second event) and writes to the complainant again; cancelling calls /cancel with the reason and writes to the complainant once', async () => {
    const g = gail();
    const moving = await g.press(booked, 'panel.reschedule');
    const withoutReason = await g.press(moving.card, 'panel.book', { slot: '2026-12-10T09:00' });
    expect(errorUnder(withoutReason.card, 'reason')).toMatch(/give the reason it is moving/);
    const moved = await g.press(moving.card, 'panel.book', { slot: '2026-12-10T09:00', reason: 'Pam Panel cannot come on the 9th' });
    expect(textOf(moved.card)).toContain('Hearing moved by Gail Clerk on Tue 24 Nov 2026 to Thu 10 Dec 2026, 09:00-11:00.');
    const patch = await eventually(() => eventCalls().find((r) => r.method === 'PATCH'));
    expect(patch.path).toBe(`/v1.0/users/${GAIL}/events/${eventId}`);
    expect(patch.body).toMatchObject({
      start: { dateTime: '2026-12-10T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-10T11:00:00', timeZone: 'UTC' },
    });
    await eventually(() => invitationLetters().length === 2 || undefined);
    expect(invitationLetters()[1]!.message.body.content).toContain('Pam Panel cannot come on the 9th');

    const refused = await g.invoke('panel.cancel', { caseId: record.id, version: (await db.cases.get(record.id))!.version, cancelReason: '' });
    expect(errorUnder(refused.card, 'cancelReason')).toMatch(/Give the reason the hearing is cancelled/);
    const cancelled = await g.press(moved.card, 'panel.cancel', { cancelReason: 'The chair of the panel is ill' });
    expect(texts(cancelled.card)).toContain('Step 1 of 3 · Choose the panel');
    const cancel = await eventually(() => eventCalls().find((r) => r.path.endsWith('/cancel')));
    expect(cancel.path).toBe(`/v1.0/users/${GAIL}/events/${eventId}/cancel`);
    expect(JSON.stringify(cancel.body)).toContain('Reason: The chair of the panel is ill');
    expect(eventCalls().map(call)).toEqual([
      `POST /v1.0/users/${GAIL}/events`,
      `PATCH /v1.0/users/${GAIL}/events/{id}`,
      `POST /v1.0/users/${GAIL}/events/{id}/cancel`,
    ]);
    expect(graph.events.get(eventId)!.event.isCancelled).toBe(true);

    // The complainant is written to once: when it was to be, why, and that a new date follows.
    const [letter] = await eventually(() => (cancellationLetters().length ? cancellationLetters() : undefined));
    expect(letter!.mailbox).toBe(MAILBOX);
    expect(letter!.message.toRecipients).toEqual([{ emailAddress: { name: 'Priya Parent', address: PRIYA } }]);
    expect(letter!.message.subject).toBe(
      `Your complaint ${record.reference}: the panel hearing on Thursday 10 December 2026 at 09:00 is cancelled (Nunthorpe Academy)`,
    );
    const content: string = letter!.message.body.content;
    expect(content).toContain('The panel hearing arranged for Thursday 10 December 2026 at 09:00 will not go ahead.');
    expect(content).toContain('The chair of the panel is ill');
    expect(content).toContain('The calendar invitation we sent to your email address has been cancelled too.');
    // §14: within 15 school days of the Stage Four request of Tue 24 Nov = Tue 15 Dec, still ahead.
    expect(content).toContain('the hearing should be held by Tuesday 15 December 2026.');
    // The moved invitation told them where and how to join, and from which time to which.
    const movedLetter: string = invitationLetters()[1]!.message.body.content;
    expect(movedLetter).toContain('The hearing has moved from Wednesday 9 December 2026 at 09:00 to Thursday 10 December 2026 at 09:00.');
    expect(movedLetter).toContain(
      'The hearing will be held at Meeting room 2. You may also join it online, as a Microsoft Teams meeting: the link to join is in the calendar invitation we have sent to your email address.',
    );
    await new Promise((r) => setTimeout(r, 1000)); // a few more outbox runs (every 300 ms): nothing more goes
    expect(cancellationLetters()).toHaveLength(1);
  });

  it('the case history says who booked, moved and cancelled the hearing, and why', async () => {
    const view = await gail().sayForCard(`case ${record.reference}`);
    const history = texts(view).filter((t) => /^(Hearing (set|cancelled)|Outlook)/.test(t));
    expect(history).toEqual([
      'Hearing set for Wed 9 Dec 2026, 09:00-11:00 by Gail Clerk',
      'Outlook invitation sent to the panel and the complainant',
      'Hearing set for Thu 10 Dec 2026, 09:00-11:00 by Gail Clerk: Pam Panel cannot come on the 9th',
      'Outlook invitation moved to the new time for everyone invited',
      'Hearing cancelled by Gail Clerk: The chair of the panel is ill',
    ]);
    const problems = service!.logs.filter((l) => l.level === 'error' || l.level === 'fatal' || (typeof l.level === 'number' && l.level >= 50));
    expect(problems).toEqual([]);
    // No log line carries the complainant's details.
    expect(JSON.stringify(service!.logs)).not.toContain(PRIYA);
    expect(JSON.stringify(service!.logs)).not.toContain('detention');
  });

  it('moving the hearing kept its Teams meeting: the update carried the time, attendees and place, never the body', () => {
    const patch = eventCalls().find((r) => r.method === 'PATCH')!;
    expect(Object.keys(patch.body).sort()).toEqual(['attendees', 'end', 'location', 'start']);
    const [event] = [...graph.events.values()].map((e) => e.event);
    expect(event).toMatchObject({ isOnlineMeeting: true, onlineMeeting: { joinUrl: expect.stringMatching(/^https:\/\/teams\.microsoft\.com\//) } });
    // The invitation names the case and the stage, not a time that a move would leave stale.
    expect(event!.body.content).toContain(record.reference);
    expect(event!.body.content).not.toMatch(/December|09:00/);
  });
});
