/**
 * The outbox drain with Microsoft Graph behind it (the local stand-in over real HTTP): hearing
 * calendar requests through HearingEventSender, letters through GraphLetterMailer, messages to
 * staff recorded. On the in-memory stores and on the real database.
 *
 * - A calendar request Graph refuses for good (403: the organiser's mailbox is outside what the
 *   app may use) is not tried again; the clerk who booked the hearing is told, once, in words.
 * - A hearing invitation held for review (LETTER_REVIEW_MINUTES) whose hearing is cancelled or
 *   moved meanwhile is never mailed; one whose later booking changed only the panel still is.
 *
 * The case: Nunthorpe Academy (NMAT), Stage Four asked for on Tue 24 Nov 2026 (test/helpers);
 * the clock then reads Wed 25 Nov, 10:00 (GMT). §14: 10 school days' notice, so Thu 10 Dec is
 * inside the window.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../bot/teamsMessenger.js';
import { renderCard } from '../../bot/cards.js';
import { messageToCard } from '../../bot/views.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import { latestBooking } from '../../src/app/panel.js';
import type { Deps } from '../../src/app/caseFlow.js';
import { MAX_ATTEMPTS } from '../../src/app/memory.js';
import type { Messenger, School } from '../../src/app/ports.js';
import { HearingEventError, HearingEventSender, hearingTransactionId } from '../../src/graph/hearingCalendar.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { GraphLetterMailer } from '../../src/letters/mailer.js';
import { memoryLogger } from '../../src/log.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';
import { P, nmatAtStageFour, nmatSchool, storeVariants, type StoreVariant } from '../helpers/app.js';

const MAILBOX = 'complaints@nunthorpe.example';
const PANEL4 = 'aad-panel-4';
const email = (name: string) => `${name.toLowerCase().replace(/ /g, '.')}@nunthorpe.example`;
const CLERK = email('Gail Clerk');
const PANEL = [P.panel1, P.panel2, P.panel3];

/** Nunthorpe with everyone's email address, Ian independent of the school, and a fourth panel member. */
function school(id: string): Omit<School, 'outbox' | 'digests' | 'version'> {
  const base = nmatSchool(id);
  return {
    ...base,
    people: [
      ...base.people.map((p) => ({ ...p, email: email(p.name), roles: p.id === P.panel3 ? ['independent_panel_member'] : p.roles })),
      { id: PANEL4, name: 'Paul Panel', email: email('Paul Panel'), roles: ['panel_member'] },
    ],
  };
}

async function standIn(): Promise<GraphStandIn> {
  const graph = await GraphStandIn.start();
  graph.addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX });
  for (const p of school('x').people) graph.addUser({ id: p.id, displayName: p.name, mail: p.email!, userPrincipalName: p.email! });
  return graph;
}

let graph: GraphStandIn;
beforeAll(async () => {
  graph = await standIn();
});
afterAll(async () => graph.close());

for (const [name, make] of storeVariants('calendar_outbox')) {
  describe(`the outbox drain with Graph, on ${name}`, () => {
    let v: StoreVariant;
    beforeEach(async () => {
      v = await make();
    });
    afterEach(async () => v.close?.());

    /** A Stage Four case at a school of its own, and the worker's drain over the stand-in `g`. */
    async function setUp(g: GraphStandIn, opts: { letterReviewMs?: number } = {}) {
      const id = `s${Math.random().toString(36).slice(2, 8)}`;
      let n = 0;
      // Case ids unique across tests: the transactionIds the stand-in remembers are too.
      const deps: Deps = { ...v.deps, newId: () => `${id}-case-${++n}`, ...(opts.letterReviewMs ? { letterReviewMs: opts.letterReviewMs } : {}) };
      await deps.schools.save(school(id));
      const record = await nmatAtStageFour(deps, v.clock, id);
      v.clock.set('2026-11-25T10:00:00Z');
      const gateway = standInGateway(g);
      const { log, lines } = memoryLogger('worker');
      const staff = new RecordingMessenger(v.clock);
      const calendar = new HearingEventSender({ deps, gateway, deliveries: new MemoryDeliveryLedger(), log });
      const letters = new GraphLetterMailer({ deps, gateway, mailbox: MAILBOX, deliveries: new MemoryDeliveryLedger(), log });
      const messenger: Messenger = { send: (m) => (m.kind === 'calendar' ? calendar.send(m) : m.kind === 'letter' ? letters.send(m) : staff.send(m)) };
      const drain = () => drainOutbox({ deps, messenger, log });
      const book = (start: string, extra: Record<string, unknown> = {}) =>
        bookHearing(deps, P.governanceLead, { caseId: record.id, start, memberIds: PANEL, organiser: CLERK, ...extra });
      const stored = async () => (await deps.cases.get(record.id))!;
      return { deps, record, staff, lines, drain, book, stored };
    }

    it('a calendar request Outlook refuses for good fails at once, is logged as an error with its code, and the clerk who booked is told once', async () => {
      const denied = await standIn();
      try {
        denied.deny(/^POST \/users\/[^/]+\/events$/); // the organiser's mailbox is outside the app's access policy
        const h = await setUp(denied);
        await h.book('2026-12-10T12:00');
        const key = `${h.record.id}:calendar:hearing:4:1`;

        expect(await h.drain()).toMatchObject({ failed: 1, retrying: 0 });
        const item = (await h.stored()).outbox.find((o) => o.key === key)!;
        expect(item).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/^GraphError: .*Calendars\.ReadWrite/) });
        expect(h.lines.find((l) => l.event === 'message_failed')).toMatchObject({
          level: 'error',
          key,
          caseId: h.record.id,
          kind: 'calendar',
          code: 'permission',
          graphCode: 'ErrorAccessDenied',
          status: 403,
          retryable: false,
        });

        // The clerk hears of it in the same run, in plain words, as a card.
        const told = h.staff.delivered.filter((m) => m.template === 'hearing_event_failed');
        expect(told).toHaveLength(1);
        expect(told[0]).toMatchObject({
          key: `${key}:failed`,
          kind: 'message',
          to: P.governanceLead,
          caseId: h.record.id,
          data: { reference: h.record.reference, action: 'create', stage: 4, error: expect.stringContaining('Calendars.ReadWrite') },
        });
        const error = String(told[0]!.data.error);
        const card = await messageToCard(told[0]!, h.deps);
        expect(card).toMatchObject({ name: 'message', data: { title: `${h.record.reference}: Outlook refused the hearing`, tone: 'attention' } });
        const text = `Outlook refused to create the hearing for ${h.record.reference}: ${error.replace(/\.$/, '')}. Check the organiser mailbox is one the app may use (your IT admin: README, Permissions), then book again.`;
        expect(card.data).toMatchObject({ text });
        expect(JSON.stringify(renderCard('message', card.data as never))).toContain(JSON.stringify(text).slice(1, -1));

        // Forty minutes on, nothing was tried again and nobody told twice.
        for (let i = 0; i < MAX_ATTEMPTS; i++) {
          v.clock.advance(5 * 60_000 + 1000);
          await h.drain();
        }
        expect(denied.graphRequests().filter((r) => r.method === 'POST' && r.path.endsWith('/events'))).toHaveLength(1);
        expect(h.staff.calls.filter((m) => m.template === 'hearing_event_failed')).toHaveLength(1);
        expect((await h.stored()).outbox.filter((o) => o.template === 'hearing_event_failed')).toHaveLength(1);
      } finally {
        await denied.close();
      }
    });

    it('a calendar request that keeps failing is given up after the last attempt, and the clerk is told then', async () => {
      const h = await setUp(graph);
      await h.book('2026-12-10T12:00', { organiser: email('Hana Head') });
      graph.failNext(1000, { status: 503, match: new RegExp(`^POST /v1\\.0/users/${email('Hana Head')}/events$`) });
      try {
        for (let i = 0; i < MAX_ATTEMPTS; i++) {
          await h.drain();
          v.clock.advance(5 * 60_000 + 1000);
        }
      } finally {
        graph.clearFailures();
      }
      expect((await h.stored()).outbox.find((o) => o.key === `${h.record.id}:calendar:hearing:4:1`)).toMatchObject({
        status: 'failed',
        attempts: MAX_ATTEMPTS,
      });
      const told = h.staff.delivered.filter((m) => m.template === 'hearing_event_failed');
      expect(told.map((m) => [m.to, m.data.action])).toEqual([[P.governanceLead, 'create']]);
      // Not "refused": it gave up, after how many tries over how long, and says what to do now.
      const minutes = Math.round(((MAX_ATTEMPTS - 1) * (5 * 60_000 + 1000)) / 60_000);
      const card = await messageToCard(told[0]!, h.deps);
      expect(card.data).toMatchObject({
        title: `${h.record.reference}: the hearing was not created in Outlook`,
        text: `Outlook did not answer after ${MAX_ATTEMPTS} tries over ${minutes} minutes, so the hearing for ${h.record.reference} was not created in Outlook. Open the hearing card and press Move or Cancel again, or tell your IT admin.`,
        tone: 'attention',
      });
      expect(JSON.stringify(renderCard('message', card.data as never))).toContain(`after ${MAX_ATTEMPTS} tries over ${minutes} minutes`);

      // As the card says: the same time booked again (a reason is needed for any re-booking) sends it again, and Outlook has it.
      const before = graph.events.size;
      await expect(h.book('2026-12-10T12:00', { organiser: email('Hana Head') })).rejects.toMatchObject({ field: 'reason' });
      await h.book('2026-12-10T12:00', { organiser: email('Hana Head'), reason: 'Outlook was down yesterday' });
      await h.drain();
      expect(graph.events.size).toBe(before + 1);
      expect(latestBooking(await h.stored(), 4)).toMatchObject({ booking: 2, applied: true });
    });

    it('a move given up because its event was never created says so, and never that it is tried again later', async () => {
      const h = await setUp(graph);
      await h.book('2026-12-10T12:00');
      const move = await h.book('2026-12-14T09:00', { reason: 'Pam cannot make the 10th' });
      const moveKey = `${h.record.id}:calendar:hearing:4:2`;
      // The create stays with Microsoft 365 all along (another worker holds it), so every try of the move finds no event yet.
      const waiting = new HearingEventError(
        'EVENT_NOT_CREATED_YET',
        'The Outlook invitation for booking 1 has not been created, so it cannot be changed yet.',
        true,
      );
      const drain = () =>
        drainOutbox({
          deps: h.deps,
          messenger: {
            send: (m) =>
              m.kind !== 'calendar'
                ? h.staff.send(m)
                : m.key === moveKey
                  ? Promise.reject(waiting)
                  : Promise.reject(new HearingEventError('IN_PROGRESS', 'held', true)),
          },
          log: memoryLogger('worker').log,
        });
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        await drain();
        v.clock.advance(5 * 60_000 + 1000);
      }
      expect(move.outbox.find((o) => o.key === moveKey)).toBeDefined();
      const told = h.staff.delivered.filter((m) => m.template === 'hearing_event_failed' && m.data.action === 'update');
      expect(told).toHaveLength(1);
      const text = String(((await messageToCard(told[0]!, h.deps)).data as { text?: string }).text);
      expect(text).toBe(
        `The hearing for ${h.record.reference} was not moved in Outlook: its invitation was never created, and we stopped after ${MAX_ATTEMPTS} tries over ${Math.round(((MAX_ATTEMPTS - 1) * (5 * 60_000 + 1000)) / 60_000)} minutes. Open the hearing card and press Move or Cancel again, or tell your IT admin.`,
      );
      expect(text).not.toMatch(/tried again later|refused/);
    });

    it('a conflict or a locked item (409, 423) is tried again later, not failed at once, and then the event is made', async () => {
      const h = await setUp(graph);
      await h.book('2026-12-10T12:00');
      const posts = () =>
        graph
          .graphRequests()
          .filter((r) => r.method === 'POST' && r.path === `/v1.0/users/${CLERK}/events` && r.body.transactionId === hearingTransactionId(key));
      const key = `${h.record.id}:calendar:hearing:4:1`;
      graph.failNext(1, { status: 409, match: new RegExp(`^POST /v1\\.0/users/${CLERK}/events$`) });
      graph.failNext(1, { status: 423, match: new RegExp(`^POST /v1\\.0/users/${CLERK}/events$`) });
      expect(await h.drain()).toMatchObject({ retrying: 1, failed: 0 });
      v.clock.advance(5 * 60_000 + 1000);
      expect(await h.drain()).toMatchObject({ retrying: 1, failed: 0 });
      v.clock.advance(5 * 60_000 + 1000);
      expect(await h.drain()).toMatchObject({ sent: 1, failed: 0 });
      expect(posts().map((r) => r.status)).toEqual([409, 423, 201]);
      expect((await h.stored()).outbox.find((o) => o.key === key)).toMatchObject({ status: 'sent', attempts: 3 });
      expect(h.staff.calls.filter((m) => m.template === 'hearing_event_failed')).toEqual([]);
    });

    it('a held invitation whose hearing is cancelled, or moved to a new time, is never mailed; one whose later booking changed only the panel is', async () => {
      const REVIEW = 10 * 60_000;
      const sentTo = (subject: RegExp) => graph.sentMail.filter((m) => subject.test(m.message.subject));

      // Cancelled while the invitation waited for review: nothing is mailed, since a cancellation of a hearing they never heard of would only confuse them (src/app/cancelHearing.ts).
      graph.sentMail.length = 0; // each school's first case is NMAT-2026-0001: only this test's mail is looked at
      const a = await setUp(graph, { letterReviewMs: REVIEW });
      await a.book('2026-12-10T12:00');
      v.clock.advance(2 * 60_000);
      await cancelHearing(a.deps, P.governanceLead, { caseId: a.record.id, reason: 'The chair is ill' });
      v.clock.advance(REVIEW);
      const ran = await a.drain();
      expect(ran.superseded).toBe(1);
      const invitation = (await a.stored()).outbox.find((o) => o.key === `${a.record.id}:letter:hearing_invitation:4:1`)!;
      expect(invitation).toMatchObject({ status: 'failed', error: 'superseded: the hearing was cancelled' });
      expect(a.lines.find((l) => l.event === 'letter_superseded')).toMatchObject({ key: invitation.key, caseId: a.record.id });
      expect(sentTo(new RegExp(`${a.record.reference}: panel hearing on`))).toEqual([]);
      expect(sentTo(new RegExp(`${a.record.reference}: the panel hearing on .* is cancelled`))).toEqual([]);

      // Moved to a new time while it waited: the complainant gets the new invitation only.
      graph.sentMail.length = 0;
      const b = await setUp(graph, { letterReviewMs: REVIEW });
      await b.book('2026-12-10T12:00');
      v.clock.advance(2 * 60_000);
      await b.book('2026-12-11T12:00', { reason: 'Pam cannot make the 10th' });
      v.clock.advance(REVIEW);
      await b.drain();
      const letters = sentTo(new RegExp(`${b.record.reference}: panel hearing on`)).map((m) => m.message.subject as string);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toContain('Friday 11 December 2026');
      expect((await b.stored()).outbox.find((o) => o.key === `${b.record.id}:letter:hearing_invitation:4:1`)).toMatchObject({
        status: 'failed',
        error: 'superseded: the hearing was moved; a newer invitation is queued',
      });

      // Only the panel changed: no new letter was queued, so the first one still tells the truth and goes.
      graph.sentMail.length = 0;
      const c = await setUp(graph, { letterReviewMs: REVIEW });
      await c.book('2026-12-10T12:00');
      v.clock.advance(2 * 60_000);
      const changed = await c.book('2026-12-10T12:00', { memberIds: [P.panel1, PANEL4, P.panel3], reason: 'Pam is unwell' });
      expect(changed.outbox.filter((o) => o.template === 'hearing_invitation_letter').map((o) => o.data.booking)).toEqual([1]);
      v.clock.advance(REVIEW);
      expect((await c.drain()).superseded).toBe(0);
      expect(sentTo(new RegExp(`${c.record.reference}: panel hearing on Thursday 10 December 2026`))).toHaveLength(1);
    });
  });
}
