/**
 * The clerk's panel booking: who may sit, proposed dates from the panel's free/busy, booking,
 * re-booking and cancelling the hearing event, attendees' answers, and NMAT's count of rejected
 * dates. On the in-memory stores and the real database, with calendars read and events made in
 * the local Graph stand-in over real HTTP (GraphCalendarBooking, HearingEventSender).
 *
 * Nunthorpe Academy (NMAT), English 2026/27 calendar (test/helpers/fold.ts): autumn 2 term
 * Mon 2 Nov - Fri 18 Dec 2026; spring term from Tue 5 Jan 2027, an INSET day (closure), so
 * teaching resumes Wed 6 Jan. November and December are GMT: school time reads as UTC.
 *
 * The case: Stage Two received Fri 6 Nov, decided by Hana Head on Fri 13 Nov; Stage Three asked
 * for Mon 16 Nov, acknowledged by Dev Deputy Tue 17 Nov, decided by Eve Principal Fri 20 Nov;
 * Stage Four asked for Tue 24 Nov 2026. NMAT §14, school days: the hearing is due within 15
 * school days of the request: 25, 26, 27 Nov, 30 Nov - 4 Dec, 7 - 11 Dec, 14, 15 Dec = Tue 15 Dec.
 * Booking on Wed 25 Nov, at least 10 school days' notice: 26, 27, 30 Nov, 1, 2, 3, 4, 7, 8, 9 Dec
 * = Wed 9 Dec is the earliest date.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../bot/teamsMessenger.js';
import { acknowledge } from '../../src/app/acknowledge.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import { SYSTEM, schoolContext, type Deps } from '../../src/app/caseFlow.js';
import { checkHearingResponses, currentHearing } from '../../src/app/checkHearingResponses.js';
import { organiserChoices, panelCandidates, panelProblems } from '../../src/app/panel.js';
import type { CaseRecord, Complainant, Messenger, School } from '../../src/app/ports.js';
import { proposeHearingDates } from '../../src/app/proposeHearingDates.js';
import { recordComplainantAnswer } from '../../src/app/recordComplainantAnswer.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { scheduleHearing } from '../../src/app/scheduleHearing.js';
import type { GraphGateway } from '../../src/graph/gateway.js';
import { GraphCalendarBooking, HearingEventSender } from '../../src/graph/hearingCalendar.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { checkHearingAnswers } from '../../src/jobs/hearings.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { renderOutboxLetter } from '../../src/letters/fromOutbox.js';
import { silentLogger } from '../../src/log.js';
import { P, TestClock, appError, nmatSchool, parentComplaint, storeVariants } from '../helpers/app.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';

const COMPLAINANT = 'priya.parent@example.com';
const LEAVER = 'aad-leaver';
const NO_EMAIL = 'aad-no-email';
const PANEL = [P.panel1, P.panel2, P.panel3];
const at = (iso: string) => Date.parse(iso);

let standIn: GraphStandIn;
let gateway: GraphGateway;

beforeAll(async () => {
  standIn = await GraphStandIn.start();
  gateway = standInGateway(standIn);
});
afterAll(async () => standIn.close());

/** Everyone's address at one school: unique per school, so the stand-in's calendars never mix between tests. */
type Mail = Record<'gail' | 'pat' | 'pam' | 'ian' | 'hana' | 'dev' | 'lee', string>;

/**
 * Nunthorpe Academy with a panel pool: Pat and Pam Panel, Ian Independent (independent of the
 * school), and pool members who cannot sit: Tara Teacher (the complaint is about her), Hana Head
 * (decides Stage Two), Dev Deputy (acknowledges Stage Three), Lee Leaver (left), Nia (no email).
 */
function panelSchool(id: string): { school: Omit<School, 'outbox' | 'digests' | 'version'>; mail: Mail } {
  const s = nmatSchool(id);
  const mail: Mail = {
    gail: `gail.clerk.${id}@nunthorpe.example`,
    pat: `pat.panel.${id}@nunthorpe.example`,
    pam: `pam.panel.${id}@nunthorpe.example`,
    ian: `ian.independent.${id}@governors.example`,
    hana: `hana.head.${id}@nunthorpe.example`,
    dev: `dev.deputy.${id}@nunthorpe.example`,
    lee: `lee.leaver.${id}@nunthorpe.example`,
  };
  const person = (pid: string) => s.people.find((p) => p.id === pid)!;
  person(P.governanceLead).email = mail.gail;
  person(P.panel1).email = mail.pat;
  person(P.panel2).email = mail.pam;
  Object.assign(person(P.panel3), { email: mail.ian, roles: ['independent_panel_member'] });
  person(P.teacher).roles.push('panel_member');
  Object.assign(person(P.headOfSchool), { email: mail.hana, roles: [...person(P.headOfSchool).roles, 'panel_member'] });
  Object.assign(person(P.deputy), { email: mail.dev, roles: [...person(P.deputy).roles, 'panel_member'] });
  s.people.push(
    { id: LEAVER, name: 'Lee Leaver', email: mail.lee, roles: ['panel_member'], left: { on: '2026-10-30', reason: 'disabled' } },
    { id: NO_EMAIL, name: 'Nia Noemail', roles: ['panel_member'] },
  );
  for (const [key, address] of Object.entries(mail)) standIn.addUser({ id: `${id}-${key}`, displayName: key, mail: address, userPrincipalName: address });
  return { school: s, mail };
}

for (const [name, make] of storeVariants('panel_booking')) {
  describe(`panel booking on ${name}`, () => {
    let deps: Deps;
    let clock: TestClock;
    let close: (() => Promise<void>) | undefined;
    let letters: RecordingMessenger;
    let sender: HearingEventSender;

    beforeAll(async () => {
      const v = await make();
      clock = v.clock;
      close = v.close;
      deps = { ...v.deps, calendar: new GraphCalendarBooking(gateway) };
      letters = new RecordingMessenger(clock);
      sender = new HearingEventSender({ deps, gateway, deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    });
    afterAll(async () => close?.());
    beforeEach(() => clock.set('2026-11-06T09:00:00Z'));

    const messenger: Messenger = { send: (m) => (m.kind === 'calendar' ? sender.send(m) : letters.send(m)) };
    /** The outbox worker's run: calendar requests to the stand-in, the rest recorded. */
    const drain = () => drainOutbox({ deps, messenger, log: silentLogger() });

    const newSchool = async () => {
      const { school, mail } = panelSchool(`s${Math.random().toString(36).slice(2, 8)}`);
      await deps.schools.save(school);
      return { schoolId: school.id, mail };
    };

    /** The case of the header comment, at Stage Four; the clock then reads Wed 25 Nov 2026, 10:00. */
    const atStageFour = async (schoolId: string, complainant?: Complainant): Promise<CaseRecord> => {
      const r = await recordComplaint(deps, P.governanceLead, {
        ...parentComplaint(schoolId),
        ...(complainant ? { complainant } : {}),
        stage: 2,
        about: { role: 'teacher', personId: P.teacher, personName: 'Tara Teacher' },
        duplicates: 'separate',
      });
      if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
      const caseId = r.case.id;
      clock.set('2026-11-13T15:00:00Z');
      await recordOutcome(deps, P.headOfSchool, { caseId, outcome: 'not_upheld', decision: 'The detentions followed the behaviour policy; reasons below.' });
      clock.set('2026-11-16T09:00:00Z');
      await requestEscalation(deps, P.governanceLead, { caseId });
      clock.set('2026-11-17T09:00:00Z');
      await acknowledge(deps, P.deputy, { caseId });
      clock.set('2026-11-20T15:00:00Z');
      await recordOutcome(deps, P.execPrincipal, { caseId, outcome: 'not_upheld', decision: 'Stage Three found the same; reasons below.' });
      clock.set('2026-11-24T08:30:00Z');
      const c = await requestEscalation(deps, P.governanceLead, { caseId });
      clock.set('2026-11-25T10:00:00Z');
      return c;
    };

    /** A school of another policy on the same English calendar, with a parent's complaint received at Stage Three on Mon 16 Nov 2026, 09:00; the clock then reads 10:00. */
    const atStageThree = async (school: Omit<School, 'outbox' | 'digests' | 'version' | 'calendar'>, by: string): Promise<CaseRecord> => {
      await deps.schools.save({ ...school, calendar: nmatSchool().calendar });
      clock.set('2026-11-16T09:00:00Z');
      const r = await recordComplaint(deps, by, { ...parentComplaint(school.id), stage: 3, duplicates: 'separate' });
      if (r.result !== 'recorded') throw new Error('not recorded');
      clock.set('2026-11-16T10:00:00Z');
      return r.case;
    };

    /** Pat is away all Wed 9 Dec, Pam teaches Thu 10 Dec until noon, Gail has a tentative meeting Fri 11 Dec until 10:30; Ian works elsewhere Mon 14 Dec (no bar to a hearing). */
    const busyWeek = (mail: Mail) => {
      standIn.setBusy(mail.pat, [{ status: 'oof', start: new Date('2026-12-09T09:00:00Z'), end: new Date('2026-12-09T17:00:00Z') }]);
      standIn.setBusy(mail.pam, [{ status: 'busy', start: new Date('2026-12-10T09:00:00Z'), end: new Date('2026-12-10T12:00:00Z') }]);
      standIn.setBusy(mail.gail, [{ status: 'tentative', start: new Date('2026-12-11T09:00:00Z'), end: new Date('2026-12-11T10:30:00Z') }]);
      standIn.setBusy(mail.ian, [{ status: 'workingElsewhere', start: new Date('2026-12-14T08:00:00Z'), end: new Date('2026-12-14T17:00:00Z') }]);
    };

    /** Microsoft 365 answers 503 to every change of events in this mailbox, past the gateway's own retries. */
    const graphDown = (mailbox: string) => standIn.failNext(1000, { status: 503, match: new RegExp(`^(PATCH|POST) /v1\\.0/users/${mailbox}/events`) });
    const deadline = (c: CaseRecord, kind: string) => c.state.deadlines.find((d) => d.stage === 4 && d.kind === kind)!;
    const eventsOf = (mailbox: string) => [...standIn.events.values()].filter((e) => e.mailbox === mailbox).map((e) => e.event);
    const unchanged = async (before: CaseRecord) => {
      const now = (await deps.cases.get(before.id))!;
      expect(now.version).toBe(before.version);
      expect(now.outbox).toHaveLength(before.outbox.length);
    };
    const ctxOf = async (schoolId: string) => schoolContext((await deps.schools.get(schoolId))!);
    const book = (c: CaseRecord, mail: Mail, start: string, extra: Record<string, unknown> = {}) =>
      bookHearing(deps, P.governanceLead, {
        caseId: c.id,
        start,
        memberIds: PANEL,
        organiser: mail.gail,
        venue: 'Nunthorpe Academy, meeting room 2',
        ...extra,
      });

    it('lists the pool with who cannot sit and why; a panel short of members or of an independent one is refused with the policy text', async () => {
      const { schoolId } = await newSchool();
      const c = await atStageFour(schoolId);
      const ctx = await ctxOf(schoolId);
      expect(panelCandidates(ctx, c).map((x) => [x.name, x.independent, x.excluded ?? null])).toEqual([
        ['Pat Panel', false, null],
        ['Pam Panel', false, null],
        ['Ian Independent', true, null],
        ['Tara Teacher', false, 'the complaint is about them'],
        ['Hana Head', false, 'decided stage 2'],
        ['Dev Deputy', false, 'handled stage 3'],
        ['Lee Leaver', false, 'has left'],
        ['Nia Noemail', false, 'has no email address to invite'],
      ]);
      expect(panelProblems(ctx, c, PANEL)).toEqual([]);

      // Two members, neither independent: NMAT §14 asks for three, one independent of the Trust.
      const short = await appError(proposeHearingDates(deps, P.governanceLead, { caseId: c.id, memberIds: [P.panel1, P.panel2] }));
      expect(short).toMatchObject({ code: 'INVALID_INPUT', field: 'memberIds' });
      expect(short.userMessage).toContain('The panel needs at least 3 members; 2 chosen (§14: "The Panel Hearing will consist of at least three people');
      expect(short.userMessage).toContain('At least 1 member must be independent of the management and running of the school; none of those chosen is (§14:');
      expect(short.userMessage).toContain('One panel member will be independent of the management and running of the Academy Trust.');
      const involved = await appError(
        book(c, { gail: 'gail@x.example' } as Mail, '2026-12-10T12:00', { memberIds: [P.panel1, P.teacher, P.headOfSchool, P.panel3] }),
      );
      expect(involved).toMatchObject({ code: 'INVALID_INPUT', field: 'memberIds' });
      expect(involved.userMessage).toBe(
        'Tara Teacher cannot sit on this panel: the complaint is about them. Hana Head cannot sit on this panel: decided stage 2.',
      );
      await unchanged(c);
      // A panel member may see the case, but the clerk convenes the hearing.
      expect((await appError(proposeHearingDates(deps, P.panel1, { caseId: c.id, memberIds: PANEL }))).code).toBe('NOT_AUTHORISED');
    });

    it('proposes three slots inside the window when the whole panel and the organiser are free; without Graph, the school calendar alone', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      busyWeek(mail);
      const p = await proposeHearingDates(deps, P.governanceLead, { caseId: c.id, memberIds: PANEL });
      expect(p.organiser).toBe(mail.gail);
      expect(p.window).toMatchObject({ earliest: '2026-12-09', latest: '2026-12-15' });
      expect(p.window.earliestBecause).toContain('10 school days');
      expect(p.calendarsRead).toBe(true);
      expect(p.unavailable).toEqual([]);
      // Wed 9 Dec: Pat is away. Thu 10 Dec: Pam is free from 12:00. Fri 11 Dec: Gail from 10:30. Mon 14 Dec: 09:00.
      expect(p.slots).toEqual([
        { date: '2026-12-10', start: at('2026-12-10T12:00:00Z'), end: at('2026-12-10T14:00:00Z'), insideWindow: true },
        { date: '2026-12-11', start: at('2026-12-11T10:30:00Z'), end: at('2026-12-11T12:30:00Z'), insideWindow: true },
        { date: '2026-12-14', start: at('2026-12-14T09:00:00Z'), end: at('2026-12-14T11:00:00Z'), insideWindow: true },
      ]);

      const offline = await proposeHearingDates({ ...deps, calendar: undefined }, P.governanceLead, { caseId: c.id, memberIds: PANEL, durationMinutes: 90 });
      expect(offline.calendarsRead).toBe(false);
      expect(offline.slots.map((s) => [s.date, new Date(s.start).toISOString(), new Date(s.end).toISOString()])).toEqual([
        ['2026-12-09', '2026-12-09T09:00:00.000Z', '2026-12-09T10:30:00.000Z'],
        ['2026-12-10', '2026-12-10T09:00:00.000Z', '2026-12-10T10:30:00.000Z'],
        ['2026-12-11', '2026-12-11T09:00:00.000Z', '2026-12-11T10:30:00.000Z'],
      ]);
      // Whoever has no email address of their own must say which mailbox sends the invitation.
      expect(await appError(proposeHearingDates(deps, SYSTEM, { caseId: c.id, memberIds: PANEL }))).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'organiser',
      });
    });

    it('booking a proposed slot recounts the hearing deadlines, invites the complainant by letter with the time, and makes one Outlook event whose id the case records', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      const booked = await book(c, mail, '2026-12-10T12:00', { expectedVersion: c.version });
      expect(booked.events.at(-1)).toMatchObject({
        type: 'hearing_scheduled',
        stage: 4,
        hearingOn: '2026-12-10',
        by: P.governanceLead,
        details: {
          booking: 1,
          start: '2026-12-10T12:00:00.000Z',
          end: '2026-12-10T14:00:00.000Z',
          organiser: mail.gail,
          memberIds: PANEL,
          venue: 'Nunthorpe Academy, meeting room 2',
          online: true,
          outsideWindow: false,
        },
      });
      // From Thu 10 Dec, school days: notice 10 before = Thu 26 Nov (given on booking, Wed 25 Nov); papers 7
      // before = Tue 1 Dec; companion request 2 before = Tue 8 Dec; decision 10 after: 11, 14-18 Dec, then
      // 6, 7, 8, 11 Jan (5 Jan is an INSET day) = Mon 11 Jan 2027.
      expect([deadline(booked, 'hearing_notice').due, deadline(booked, 'hearing_notice').metOn]).toEqual(['2026-11-26', '2026-11-25']);
      expect(deadline(booked, 'panel_papers').due).toBe('2026-12-01');
      expect(deadline(booked, 'companion_notice').due).toBe('2026-12-08');
      expect(deadline(booked, 'panel_decision').due).toBe('2027-01-11');

      const calendarItems = booked.outbox.filter((o) => o.kind === 'calendar');
      expect(calendarItems).toHaveLength(1);
      expect(calendarItems[0]).toMatchObject({
        key: `${c.id}:calendar:hearing:4:1`,
        to: mail.gail,
        template: 'hearing_event',
        data: {
          action: 'create',
          stage: 4,
          booking: 1,
          eventBooking: 1,
          organiser: mail.gail,
          start: '2026-12-10T12:00:00.000Z',
          end: '2026-12-10T14:00:00.000Z',
          memberIds: PANEL,
          online: true,
          reference: c.reference,
        },
      });
      const letter = booked.outbox.find((o) => o.template === 'hearing_invitation_letter')!;
      expect(letter.data).toMatchObject({
        hearingOn: '2026-12-10',
        hearingStart: '2026-12-10T12:00:00.000Z',
        papersDue: '2026-12-01',
        companionRequestDue: '2026-12-08',
      });
      const rendered = renderOutboxLetter(letter, booked, (await deps.schools.get(schoolId))!);
      expect(rendered.subject).toContain(`Your complaint ${c.reference}: panel hearing on Thursday 10 December 2026 at 12:00`);

      await drain();
      await drain(); // a second run repeats nothing
      const events = eventsOf(mail.gail);
      expect(events).toHaveLength(1);
      const after = (await deps.cases.get(c.id))!;
      expect(after.events.filter((e) => e.type === 'hearing_booked')).toEqual([
        expect.objectContaining({
          stage: 4,
          by: SYSTEM,
          details: expect.objectContaining({ booking: 1, eventId: events[0]!.id, joinUrl: events[0]!.onlineMeeting.joinUrl }),
        }),
      ]);
      const h = currentHearing(after, await ctxOf(schoolId), clock.now())!;
      expect(h).toMatchObject({ stage: 4, booking: 1, eventId: events[0]!.id, online: true, cancelled: false, complainant: { answer: 'none', invited: true } });
      expect(h.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
      expect(h.members.map((m) => [m.name, m.answer])).toEqual([
        ['Pat Panel', 'none'],
        ['Pam Panel', 'none'],
        ['Ian Independent', 'none'],
      ]);
    });

    it('a time outside the window, on a day the school is shut or in the past needs a reason (or is refused), and nothing is saved until one is given', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      const late = await appError(book(c, mail, '2027-01-07T10:00'));
      expect(late).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
      expect(late.userMessage).toMatch(
        /^2027-01-07 is after 2026-12-15, the latest date the policy allows: the hearing must be held within 15 school days of the stage 4 request \(§14: /,
      );
      expect(late.userMessage).toMatch(/Give the reason for holding it on Thursday 7 January 2027 at 10:00\.$/);
      const saturday = await appError(book(c, mail, '2026-12-12T10:00'));
      expect(saturday).toMatchObject({ field: 'reason', userMessage: expect.stringContaining('2026-12-12 is not a school day: it is a Saturday') });
      const evening = await appError(book(c, mail, '2026-12-10T16:30'));
      expect(evening.userMessage).toContain('The hearing must be between 09:00 and 17:00 school time; this one runs from 16:30 to 18:30');
      expect(await appError(book(c, mail, '2026-11-25T09:00'))).toMatchObject({ code: 'INVALID_INPUT', field: 'start' });
      expect(await appError(book(c, mail, '10/12/2026 12:00'))).toMatchObject({ code: 'INVALID_INPUT', field: 'start' });
      expect(await appError(book(c, mail, '2026-12-10T12:00', { online: false, venue: '  ' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'venue' });
      await unchanged(c);

      const booked = await book(c, mail, '2027-01-07T10:00', { reason: 'the independent member is abroad until the new year' });
      expect(booked.events.at(-1)).toMatchObject({
        reason: 'the independent member is abroad until the new year',
        details: { outsideWindow: true, problems: [expect.stringContaining('is after 2026-12-15')] },
      });
      // Decision within 10 school days of Thu 7 Jan: 8, 11-15, 18-21 Jan = Thu 21 Jan 2027.
      expect(deadline(booked, 'panel_decision').due).toBe('2027-01-21');
    });

    it('moving the hearing needs a reason, moves the same Outlook event and recounts the deadlines', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00');
      await drain();
      const [event] = eventsOf(mail.gail);
      clock.set('2026-11-26T10:00:00Z');
      const before = (await deps.cases.get(c.id))!;
      expect(await appError(book(c, mail, '2026-12-14T09:00'))).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'reason',
        userMessage: 'The hearing is already booked for Thursday 10 December 2026 at 12:00; give the reason it is moving (everyone invited is told).',
      });
      expect(await appError(book(c, mail, '2026-12-10T12:00', { reason: 'no change really' }))).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(await appError(book(c, mail, '2026-12-14T09:00', { reason: 'Pam cannot make the 10th', organiser: mail.pat }))).toMatchObject({
        field: 'organiser',
      });
      // A date-only reschedule would leave the Outlook invitation behind.
      expect(
        await appError(scheduleHearing(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-14', reason: 'Pam cannot make the 10th' })),
      ).toMatchObject({ code: 'NOT_ALLOWED' });
      await unchanged(before);

      const moved = await book(c, mail, '2026-12-14T09:00', { reason: 'Pam cannot make the 10th' });
      // From Mon 14 Dec: notice Mon 30 Nov, papers Thu 3 Dec, companion Thu 10 Dec, decision 15-18 Dec, 6-8, 11-13 Jan = Wed 13 Jan 2027.
      expect(['hearing_notice', 'panel_papers', 'companion_notice', 'panel_decision'].map((k) => deadline(moved, k).due)).toEqual([
        '2026-11-30',
        '2026-12-03',
        '2026-12-10',
        '2027-01-13',
      ]);
      expect(moved.outbox.find((o) => o.key === `${c.id}:calendar:hearing:4:2`)!.data).toMatchObject({
        action: 'update',
        booking: 2,
        eventBooking: 1,
        reason: 'Pam cannot make the 10th',
      });
      expect(moved.outbox.find((o) => o.key === `${c.id}:letter:hearing_invitation:4:2`)!.data).toMatchObject({
        previousHearingOn: '2026-12-10',
        previousHearingStart: '2026-12-10T12:00:00.000Z',
        reason: 'Pam cannot make the 10th',
      });

      standIn.clearRequests();
      await drain();
      const patches = standIn.graphRequests().filter((r) => r.method === 'PATCH');
      expect(patches.map((r) => r.path)).toEqual([`/v1.0/users/${mail.gail}/events/${event!.id}`]);
      expect(patches[0]!.body).toMatchObject({
        start: { dateTime: '2026-12-14T09:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-12-14T11:00:00', timeZone: 'UTC' },
      });
      expect(eventsOf(mail.gail)).toHaveLength(1);
      const h = currentHearing((await deps.cases.get(c.id))!, await ctxOf(schoolId), clock.now())!;
      expect(h).toMatchObject({ booking: 2, eventId: event!.id, start: new Date('2026-12-14T09:00:00Z'), reason: 'Pam cannot make the 10th' });
      // The first date was replaced the day after it was offered, before the complainant's 5 school days ran out: it is not one they rejected.
      expect(h.dates!.dates.map((d) => d.hearingOn)).toEqual(['2026-12-14']);
    });

    it('cancelling needs a reason, cancels the event with it, and the next booking makes a new event', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00');
      await drain();
      expect(await appError(cancelHearing(deps, P.governanceLead, { caseId: c.id } as never))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
      const cancelled = await cancelHearing(deps, P.governanceLead, {
        caseId: c.id,
        reason: 'the complainant has asked to pause while the police investigate',
      });
      expect(cancelled.events.at(-1)).toMatchObject({
        type: 'hearing_cancelled',
        stage: 4,
        by: P.governanceLead,
        reason: 'the complainant has asked to pause while the police investigate',
      });
      // No date again: notice counts back from the latest date §14 allows, Tue 15 Dec: 10 school days before = Tue 1 Dec.
      expect(deadline(cancelled, 'hearing_notice')).toMatchObject({ due: '2026-12-01', metOn: null });
      expect(await appError(cancelHearing(deps, P.governanceLead, { caseId: c.id, reason: 'again' }))).toMatchObject({ code: 'NOT_ALLOWED' });

      await drain();
      const [event] = eventsOf(mail.gail);
      expect(event).toMatchObject({
        isCancelled: true,
        cancelComment: expect.stringContaining('the complainant has asked to pause while the police investigate'),
      });
      // The complainant is written to once: the hearing on Thu 10 Dec at 12:00 will not go ahead, and why.
      const key = `${c.id}:letter:hearing_cancelled:4:1`;
      expect(letters.delivered.filter((m) => m.kind === 'letter' && m.template === 'hearing_cancelled_letter').map((m) => m.key)).toEqual([key]);
      const letter = renderOutboxLetter(
        cancelled.outbox.find((o) => o.key === key)!,
        cancelled,
        (await deps.schools.get(schoolId))!,
      );
      expect(letter.subject).toContain(`Your complaint ${c.reference}: the panel hearing on Thursday 10 December 2026 at 12:00 is cancelled`);
      expect(letter.text).toContain('the complainant has asked to pause while the police investigate');
      expect(currentHearing((await deps.cases.get(c.id))!, await ctxOf(schoolId), clock.now())).toMatchObject({ cancelled: true });

      const again = await book(c, mail, '2026-12-14T09:00');
      expect(again.outbox.find((o) => o.key === `${c.id}:calendar:hearing:4:2`)!.data).toMatchObject({ action: 'create', eventBooking: 2 });
      await drain();
      expect(eventsOf(mail.gail).map((e) => e.isCancelled)).toEqual([true, false]);
    });

    it("a member's decline is recorded once and tells the clerk once, with the next free slots for the same panel", async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      busyWeek(mail);
      await book(c, mail, '2026-12-10T12:00');
      await drain();
      const [event] = eventsOf(mail.gail);
      standIn.setResponse(event!.id, mail.pat, 'accepted', new Date('2026-11-25T11:00:00Z'));
      standIn.setResponse(event!.id, mail.pam.toUpperCase(), 'declined', new Date('2026-11-25T11:30:00Z'));
      clock.set('2026-11-25T12:00:00Z');

      const r = await checkHearingResponses(deps, SYSTEM, { caseId: c.id });
      expect(r.declined).toEqual([P.panel2]);
      expect(r.record.events.at(-1)).toMatchObject({
        type: 'hearing_responses',
        stage: 4,
        details: {
          booking: 1,
          answers: [
            { who: P.panel1, answer: 'accepted', respondedAt: '2026-11-25T11:00:00.000Z' },
            { who: P.panel2, answer: 'declined', respondedAt: '2026-11-25T11:30:00.000Z' },
          ],
        },
      });
      expect(r.hearing!.members.map((m) => m.answer)).toEqual(['accepted', 'declined', 'none']);
      const told = r.record.outbox.filter((o) => o.template === 'panel_member_declined');
      expect(told).toHaveLength(1);
      // The hearing now fills Thu 10 Dec 12:00-14:00 for everyone: the next slots are 14:00 that day, Fri 11 Dec 10:30, Mon 14 Dec 09:00.
      expect(told[0]).toMatchObject({
        kind: 'message',
        to: P.governanceLead,
        data: {
          reference: c.reference,
          memberName: 'Pam Panel',
          hearingStart: '2026-12-10T12:00:00.000Z',
          nextSlots: [
            { date: '2026-12-10', start: '2026-12-10T14:00:00.000Z', end: '2026-12-10T16:00:00.000Z', insideWindow: true },
            { date: '2026-12-11', start: '2026-12-11T10:30:00.000Z', end: '2026-12-11T12:30:00.000Z', insideWindow: true },
            { date: '2026-12-14', start: '2026-12-14T09:00:00.000Z', end: '2026-12-14T11:00:00.000Z', insideWindow: true },
          ],
        },
      });

      // Nothing new: no event, no message, from the clerk's check or from the hourly job.
      const again = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(again).toMatchObject({ declined: [], record: { version: r.record.version } });
      const job = await checkHearingAnswers({ deps, messenger, log: silentLogger() });
      expect(job.failed).toBe(0);
      expect(job.checked).toBeGreaterThanOrEqual(1);
      expect((await deps.cases.get(c.id))!.version).toBe(r.record.version);
      expect(await checkHearingAnswers({ deps: { ...deps, calendar: undefined }, messenger, log: silentLogger() })).toMatchObject({ checked: 0 });
    });

    it('NMAT §14: two dates declined and a third unanswered for 5 school days are three rejections, and the hearing may go ahead without the complainant', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      const declineAndCheck = async () => {
        await drain();
        const [event] = eventsOf(mail.gail);
        standIn.setResponse(event!.id, COMPLAINANT, 'declined');
        await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      };
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      await declineAndCheck();
      clock.set('2026-11-26T10:00:00Z');
      await book(c, mail, '2026-12-14T09:00', { reason: 'the complainant cannot attend on the 10th' });
      await declineAndCheck();
      clock.set('2026-11-27T10:00:00Z');
      await book(c, mail, '2026-12-15T10:00', { reason: 'the complainant cannot attend on the 14th' });
      await drain();

      const ctx = await ctxOf(schoolId);
      const record = (await deps.cases.get(c.id))!;
      // Offered Fri 27 Nov: 5 school days to answer = 30 Nov, 1, 2, 3, 4 Dec: still awaited on Fri 4 Dec.
      const friday = currentHearing(record, ctx, new Date('2026-12-04T16:00:00Z'))!.dates!;
      expect(friday).toMatchObject({ rejected: 2, mayProceedInAbsence: false });
      expect(friday.dates[2]).toMatchObject({ hearingOn: '2026-12-15', offeredOn: '2026-11-27', status: 'awaiting', answerBy: '2026-12-04' });
      const monday = currentHearing(record, ctx, new Date('2026-12-07T09:00:00Z'))!.dates!;
      expect(monday.dates.map((d) => [d.hearingOn, d.status, d.because])).toEqual([
        ['2026-12-10', 'rejected', 'declined'],
        ['2026-12-14', 'rejected', 'declined'],
        ['2026-12-15', 'rejected', 'no_answer'],
      ]);
      expect(monday).toMatchObject({ rejected: 3, mayProceedInAbsence: true });
    });

    it('NMAT §14: the answer of a complainant who gets letters by post is recorded by the clerk, counts if it arrived within 5 school days, and is late after them', async () => {
      const { schoolId, mail } = await newSchool();
      const byPost: Complainant = {
        name: 'Priya Parent',
        email: COMPLAINANT,
        address: '12 Acacia Avenue, Middlesbrough TS7 0AA',
        relationship: 'parent of a pupil in Year 8',
        preferredContact: 'letter',
      };
      const c = await atStageFour(schoolId, byPost);
      // Nothing booked yet: no date to answer.
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'accepted' }))).toMatchObject({ code: 'NOT_ALLOWED' });
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      await drain();
      // Not sent the Outlook invitation: the event invites the panel only.
      expect(eventsOf(mail.gail)[0]!.attendees.map((a: { emailAddress: { address: string } }) => a.emailAddress.address)).not.toContain(COMPLAINANT);
      const ctx = await ctxOf(schoolId);

      // Offered Wed 25 Nov: 5 school days to answer = 26, 27, 30 Nov, 1, 2 Dec. With nothing recorded, Thu 3 Dec counts it as rejected.
      clock.set('2026-12-03T09:00:00Z');
      const silent = currentHearing((await deps.cases.get(c.id))!, ctx, clock.now())!;
      expect(silent.complainant).toEqual({ answer: 'none', invited: false });
      expect(silent.dates!.dates[0]).toMatchObject({ status: 'rejected', because: 'no_answer', answerBy: '2026-12-02' });

      // Her letter accepting the date arrived on Tue 1 Dec; the clerk records it on Thu 3 Dec.
      const before = (await deps.cases.get(c.id))!;
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'accepted', receivedOn: '2026-12-04' }))).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'receivedOn',
        userMessage: 'The answer cannot have arrived after today (Thursday 3 December 2026).',
      });
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'accepted', receivedOn: '2026-11-24' }))).toMatchObject({
        field: 'receivedOn',
        userMessage: 'This date was offered on Wednesday 25 November 2026; the answer cannot have arrived before then.',
      });
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'maybe' as 'accepted' }))).toMatchObject({
        field: 'answer',
      });
      expect(await appError(recordComplainantAnswer(deps, P.panel1, { caseId: c.id, answer: 'accepted' }))).toMatchObject({ code: 'NOT_AUTHORISED' });
      await unchanged(before);

      const recorded = await recordComplainantAnswer(deps, P.governanceLead, {
        caseId: c.id,
        answer: 'accepted',
        receivedOn: '2026-12-01',
        note: 'letter dated 30 November',
        expectedVersion: before.version,
      });
      expect(recorded.events.at(-1)).toMatchObject({
        type: 'hearing_responses',
        stage: 4,
        by: P.governanceLead,
        details: {
          booking: 1,
          answers: [
            { who: 'complainant', answer: 'accepted', recordedBy: P.governanceLead, via: 'clerk', receivedOn: '2026-12-01', note: 'letter dated 30 November' },
          ],
        },
      });
      const accepted = currentHearing(recorded, ctx, clock.now())!;
      expect(accepted.complainant).toEqual({ answer: 'accepted', invited: false, answeredOn: '2026-12-01', via: 'clerk', recordedBy: P.governanceLead });
      expect(accepted.dates!.dates[0]).toMatchObject({ status: 'accepted', answeredOn: '2026-12-01' });
      expect(accepted.dates).toMatchObject({ rejected: 0, mayProceedInAbsence: false });
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'accepted', receivedOn: '2026-12-01' }))).toMatchObject({
        code: 'NOT_ALLOWED',
      });

      // She phones on Thu 3 Dec to decline instead: after the day to answer by, so the date counts as rejected for want of an answer in time.
      const late = await recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'declined' });
      const h = currentHearing(late, ctx, clock.now())!;
      expect(h.complainant).toMatchObject({ answer: 'declined', answeredOn: '2026-12-03' });
      expect(h.dates!.dates[0]).toMatchObject({
        status: 'rejected',
        because: 'no_answer',
        answer: 'declined',
        answeredOn: '2026-12-03',
        answerBy: '2026-12-02',
      });
    });

    it('NMAT §14: re-booking the same time (a new room) offers no new date, and the answer given to it carries over', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      await drain();
      const [event] = eventsOf(mail.gail);
      standIn.setResponse(event!.id, COMPLAINANT, 'accepted', new Date('2026-11-25T16:00:00Z'));
      await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      // Three changes of room over the next days, the time unchanged.
      const rooms = ['meeting room 3', 'the library', 'the main hall'];
      for (const [i, venue] of rooms.entries()) {
        clock.set(`2026-11-${26 + i}T10:00:00Z`);
        await book(c, mail, '2026-12-10T12:00', { venue, reason: `room ${i + 2} is needed for exams` });
        await drain();
      }
      const record = (await deps.cases.get(c.id))!;
      expect(record.events.filter((e) => e.type === 'hearing_scheduled')).toHaveLength(4);
      // Outlook clears answers when an event is changed: that does not undo hers, and nothing new is recorded.
      expect((await checkHearingResponses(deps, P.governanceLead, { caseId: c.id })).record.version).toBe(record.version);
      // Weeks later, still one date, offered on Wed 25 Nov and accepted: nothing counts towards hearing it without her.
      const h = currentHearing(record, await ctxOf(schoolId), new Date('2026-12-09T09:00:00Z'))!;
      expect(h).toMatchObject({ booking: 4, venue: 'the main hall', complainant: { answer: 'accepted', answeredOn: '2026-11-25', via: 'outlook' } });
      expect(h.dates!.dates).toEqual([expect.objectContaining({ hearingOn: '2026-12-10', offeredOn: '2026-11-25', answer: 'accepted', status: 'accepted' })]);
      expect(h.dates).toMatchObject({ rejected: 0, mayProceedInAbsence: false });
    });

    it('NMAT §14: a yes that comes after the 5 school days is accepted late, not a rejection: it never makes the third rejected date', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      const answerInOutlook = async (answer: 'accepted' | 'declined', at: string) => {
        await drain();
        const [event] = eventsOf(mail.gail);
        standIn.setResponse(event!.id, COMPLAINANT, answer, new Date(at));
        return checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      };
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      await answerInOutlook('declined', '2026-11-25T15:00:00Z');
      clock.set('2026-11-26T10:00:00Z');
      await book(c, mail, '2026-12-14T09:00', { reason: 'the complainant cannot attend on the 10th' });
      await answerInOutlook('declined', '2026-11-26T15:00:00Z');
      clock.set('2026-11-27T10:00:00Z');
      await book(c, mail, '2026-12-15T10:00', { reason: 'the complainant cannot attend on the 14th' });
      await drain();
      const ctx = await ctxOf(schoolId);

      // Offered Fri 27 Nov: 5 school days to answer = 30 Nov, 1, 2, 3, 4 Dec. Silent until Monday 7 Dec: three rejections.
      clock.set('2026-12-07T09:00:00Z');
      expect(currentHearing((await deps.cases.get(c.id))!, ctx, clock.now())!.dates).toMatchObject({ rejected: 3, mayProceedInAbsence: true });

      // At 09:30 she accepts Tue 15 Dec in Outlook: after the day to answer by, but a yes to that very date.
      clock.set('2026-12-07T10:00:00Z');
      const late = (await answerInOutlook('accepted', '2026-12-07T09:30:00Z')).hearing!;
      expect(late.complainant).toMatchObject({ answer: 'accepted', answeredOn: '2026-12-07', via: 'outlook' });
      expect(late.dates!.dates.map((d) => [d.hearingOn, d.status, d.because])).toEqual([
        ['2026-12-10', 'rejected', 'declined'],
        ['2026-12-14', 'rejected', 'declined'],
        ['2026-12-15', 'accepted_late', undefined],
      ]);
      expect(late.dates!.dates[2]).toMatchObject({ answerBy: '2026-12-04', answeredOn: '2026-12-07' });
      expect(late.dates).toMatchObject({ rejected: 2, mayProceedInAbsence: false });
    });

    it('NMAT §14: moving the hearing to another time on the same day offers no new date, and the answer given to it carries over', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      await drain();
      const [event] = eventsOf(mail.gail);
      standIn.setResponse(event!.id, COMPLAINANT, 'accepted', new Date('2026-11-25T16:00:00Z'));
      await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      // Thu 26 Nov: the same Thursday, in the morning instead.
      clock.set('2026-11-26T10:00:00Z');
      await book(c, mail, '2026-12-10T09:30', { reason: 'Pam can only come in the morning' });
      await drain();
      // Outlook clears answers when the time changes: that does not undo hers.
      await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      const record = (await deps.cases.get(c.id))!;
      // Wed 9 Dec, long after 5 school days from Thu 26 Nov (Thu 3 Dec): still one date, offered Wed 25 Nov and accepted.
      const h = currentHearing(record, await ctxOf(schoolId), new Date('2026-12-09T09:00:00Z'))!;
      expect(h).toMatchObject({ booking: 2, start: new Date('2026-12-10T09:30:00Z'), complainant: { answer: 'accepted', answeredOn: '2026-11-25' } });
      expect(h.dates!.dates).toEqual([expect.objectContaining({ hearingOn: '2026-12-10', offeredOn: '2026-11-25', status: 'accepted' })]);
      expect(h.dates).toMatchObject({ rejected: 0, mayProceedInAbsence: false });
    });

    it('NMAT §14: the clerk records an answer to an earlier date, as it arrived, and it counts for that date', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId, {
        name: 'Priya Parent',
        address: '12 Acacia Avenue, Middlesbrough TS7 0AA',
        relationship: 'parent of a pupil in Year 8',
        preferredContact: 'letter',
      });
      await book(c, mail, '2026-12-10T12:00'); // offered Wed 25 Nov
      clock.set('2026-11-26T10:00:00Z');
      await book(c, mail, '2026-12-14T09:00', { reason: 'the panel chair is away on the 10th' }); // offered Thu 26 Nov
      await drain();
      const ctx = await ctxOf(schoolId);

      // Mon 30 Nov: her letter declining Thu 10 Dec, which reached the school on Thu 26 Nov, is found in the post tray.
      clock.set('2026-11-30T10:00:00Z');
      // Replaced before her 5 school days ran out and unanswered on record, Thu 10 Dec is not counted.
      expect(currentHearing((await deps.cases.get(c.id))!, ctx, clock.now())!.dates!.dates.map((d) => d.hearingOn)).toEqual(['2026-12-14']);
      const before = (await deps.cases.get(c.id))!;
      const answer = (extra: Record<string, unknown>) =>
        appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'declined', receivedOn: '2026-11-26', ...extra }));
      expect(await answer({ hearingOn: '2026-12-11' })).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'hearingOn',
        userMessage: `No hearing on Friday 11 December 2026 was offered at stage 4 of ${c.reference}. The dates offered are Thursday 10 December 2026 and Monday 14 December 2026.`,
      });
      expect(await answer({ hearingOn: '10 December' })).toMatchObject({ code: 'INVALID_INPUT', field: 'hearingOn' });
      expect(await answer({ hearingOn: '2026-12-10', receivedOn: '2026-11-24' })).toMatchObject({
        field: 'receivedOn',
        userMessage: 'This date was offered on Wednesday 25 November 2026; the answer cannot have arrived before then.',
      });
      await unchanged(before);

      const recorded = await recordComplainantAnswer(deps, P.governanceLead, {
        caseId: c.id,
        hearingOn: '2026-12-10',
        answer: 'declined',
        receivedOn: '2026-11-26',
        note: 'letter found in the post tray',
      });
      expect(recorded.events.at(-1)).toMatchObject({
        type: 'hearing_responses',
        details: { booking: 1, answers: [{ who: 'complainant', answer: 'declined', via: 'clerk', receivedOn: '2026-11-26' }] },
      });
      const h = currentHearing(recorded, ctx, clock.now())!;
      // Thu 10 Dec is now a date she rejected; her answer to Mon 14 Dec (due by Thu 3 Dec) is still awaited.
      expect(h.dates!.dates.map((d) => [d.hearingOn, d.status, d.because, d.answeredOn])).toEqual([
        ['2026-12-10', 'rejected', 'declined', '2026-11-26'],
        ['2026-12-14', 'awaiting', undefined, undefined],
      ]);
      expect(h.complainant).toEqual({ answer: 'none', invited: false });

      // Once the hearing is cancelled there is no date booked to answer, but an answer to an offered date can still be recorded.
      clock.set('2026-12-01T10:00:00Z');
      await cancelHearing(deps, P.governanceLead, { caseId: c.id, reason: 'the panel cannot meet that week' });
      expect(await appError(recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, answer: 'declined' }))).toMatchObject({ code: 'NOT_ALLOWED' });
      const cancelled = await recordComplainantAnswer(deps, P.governanceLead, { caseId: c.id, hearingOn: '2026-12-14', answer: 'declined' });
      expect(cancelled.events.at(-1)).toMatchObject({ details: { booking: 2, answers: [{ answer: 'declined', receivedOn: '2026-12-01' }] } });
    });

    it("answers read from Outlook go to the booking Outlook shows: a move not made there yet, or refused, leaves them with the time before it; the card's calendar status follows the request", async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00');
      await drain();
      const [event] = eventsOf(mail.gail);
      clock.set('2026-11-26T10:00:00Z');
      const moved = await book(c, mail, '2026-12-14T09:00', { reason: 'Pam cannot make the 10th' });
      const ctx = await ctxOf(schoolId);
      expect(currentHearing(moved, ctx, clock.now())).toMatchObject({ booking: 2, calendar: { status: 'pending' } });

      // Before the move reaches Outlook, Pat accepts the invitation she has: Thu 10 Dec.
      standIn.setResponse(event!.id, mail.pat, 'accepted', new Date('2026-11-26T10:30:00Z'));
      const early = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(early.record.events.at(-1)).toMatchObject({
        type: 'hearing_responses',
        details: { booking: 1, answers: [{ who: P.panel1, answer: 'accepted' }] },
      });
      expect(early.hearing!.members.map((m) => m.answer)).toEqual(['none', 'none', 'none']);

      // Outlook refuses the move (the organiser's mailbox left the app's access policy): the answers stay with Thu 10 Dec, and the card says so.
      standIn.deny(new RegExp(`^PATCH /users/${mail.gail}/events/`));
      try {
        await drain();
      } finally {
        standIn.clearDenials();
      }
      expect(standIn.events.get(event!.id)!.event.start.dateTime).toMatch(/^2026-12-10T12:00:00/);
      standIn.setResponse(event!.id, mail.pam, 'declined', new Date('2026-11-26T11:00:00Z'));
      const refused = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(refused.record.events.at(-1)).toMatchObject({ details: { booking: 1, answers: [{ who: P.panel2, answer: 'declined' }] } });
      expect(refused.hearing).toMatchObject({ booking: 2, calendar: { status: 'failed', error: expect.stringContaining('Calendars.ReadWrite') } });
      expect(refused.hearing!.members.map((m) => m.answer)).toEqual(['none', 'none', 'none']);

      // IT fixes it and the clerk moves it again, the same time in another room: once Outlook shows Mon 14 Dec, the answers are to it.
      clock.set('2026-11-26T12:00:00Z');
      await book(c, mail, '2026-12-14T09:00', { venue: 'the library', reason: 'Outlook refused the move; the library is free too' });
      await drain();
      expect(standIn.events.get(event!.id)!.event.start.dateTime).toMatch(/^2026-12-14T09:00:00/);
      standIn.setResponse(event!.id, mail.ian, 'accepted', new Date('2026-11-26T12:30:00Z'));
      const sent = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(sent.record.events.at(-1)).toMatchObject({ details: { booking: 3 } });
      expect(sent.hearing).toMatchObject({ booking: 3, calendar: { status: 'sent' } });
      expect(sent.hearing!.members.find((m) => m.id === P.panel3)!.answer).toBe('accepted');
    });

    it('a move skipped because the hearing moved again is not what Outlook shows: answers go to the time in Outlook until the latest move is made there', async () => {
      const { schoolId, mail } = await newSchool();
      const c = await atStageFour(schoolId);
      await book(c, mail, '2026-12-10T12:00');
      await drain();
      const [event] = eventsOf(mail.gail);
      clock.set('2026-11-26T10:00:00Z');
      await book(c, mail, '2026-12-11T12:00', { reason: 'Pam cannot make the 10th' });
      await book(c, mail, '2026-12-14T12:00', { reason: 'Pat cannot make the 11th either' });
      // The first move is skipped (moved again, marked sent); Microsoft 365 is down for the second.
      graphDown(mail.gail);
      try {
        await drain();
      } finally {
        standIn.clearFailures();
      }
      const between = (await deps.cases.get(c.id))!;
      expect(between.outbox.filter((o) => o.kind === 'calendar').map((o) => [o.key.split(':').at(-1), o.status])).toEqual([
        ['1', 'sent'],
        ['2', 'sent'],
        ['3', 'sending'],
      ]);
      expect(standIn.events.get(event!.id)!.event.start.dateTime).toMatch(/^2026-12-10T12:00:00/);

      // The complainant accepts what Outlook shows them: Thu 10 Dec, never Fri 11 Dec.
      standIn.setResponse(event!.id, COMPLAINANT, 'accepted', new Date('2026-11-26T10:30:00Z'));
      const read = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(read.record.events.at(-1)).toMatchObject({
        type: 'hearing_responses',
        details: { booking: 1, answers: [{ who: 'complainant', answer: 'accepted' }] },
      });
      expect(read.hearing!.dates!.dates.find((d) => d.hearingOn === '2026-12-11')).not.toMatchObject({ answer: 'accepted' });

      // The second move goes through on the next run: from then on, answers are to Mon 14 Dec.
      clock.advance(5 * 60_000 + 1000);
      await drain();
      expect(standIn.events.get(event!.id)!.event.start.dateTime).toMatch(/^2026-12-14T12:00:00/);
      standIn.setResponse(event!.id, mail.pat, 'accepted', new Date('2026-11-26T11:00:00Z'));
      const after = await checkHearingResponses(deps, P.governanceLead, { caseId: c.id });
      expect(after.record.events.at(-1)).toMatchObject({ details: { booking: 3, answers: [{ who: P.panel1, answer: 'accepted' }] } });
    });

    it('the invitation comes from the mailbox of someone who may convene the hearing, never from that of the person complained about', async () => {
      const { schoolId, mail } = await newSchool();
      // Tara Teacher, whom the complaint is about, is also in SLT here, with a mailbox.
      const school = (await deps.schools.get(schoolId))!;
      const tara = `tara.teacher.${schoolId}@nunthorpe.example`;
      const people = school.people.map((p) => (p.id === P.teacher ? { ...p, email: tara, roles: [...p.roles, 'slt'] } : p));
      await deps.schools.save({ ...school, people });
      const c = await atStageFour(schoolId);
      const ctx = await ctxOf(schoolId);
      // Gail (the clerk, acting), then SLT with a mailbox: Hana Head and Dev Deputy; not Tara.
      expect(organiserChoices(ctx, c, P.governanceLead).map((o) => [o.email, o.as])).toEqual([
        [mail.gail, 'you'],
        [mail.hana, 'SLT'],
        [mail.dev, 'SLT'],
      ]);
      const who = `Use your own (${mail.gail}), Hana Head's (${mail.hana}) or Dev Deputy's (${mail.dev}).`;
      expect(await appError(book(c, { ...mail, gail: tara }, '2026-12-10T12:00'))).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'organiser',
        userMessage: `${tara} is the mailbox of someone the complaint is about, so it cannot send the invitation. ${who}`,
      });
      expect(await appError(proposeHearingDates(deps, P.governanceLead, { caseId: c.id, memberIds: PANEL, organiser: mail.pat }))).toMatchObject({
        field: 'organiser',
        userMessage: `The invitation must come from the mailbox of someone at Nunthorpe Academy who may convene the hearing; ${mail.pat} is not one. ${who}`,
      });
      await unchanged(c);
      const booked = await book(c, { ...mail, gail: mail.dev.toUpperCase() }, '2026-12-10T12:00');
      expect(booked.outbox.find((o) => o.kind === 'calendar')).toMatchObject({ to: mail.dev, data: { organiser: mail.dev } });
    });

    it('a complaint about a role with nobody named keeps every holder of that role off the panel and out of the organiser choices', async () => {
      const { schoolId, mail } = await newSchool();
      const r = await recordComplaint(deps, P.governanceLead, {
        ...parentComplaint(schoolId),
        stage: 4,
        about: { role: 'head_of_school' },
        duplicates: 'separate',
      });
      if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
      const ctx = await ctxOf(schoolId);
      const hana = panelCandidates(ctx, r.case).find((x) => x.id === P.headOfSchool);
      expect(hana).toMatchObject({ name: 'Hana Head', excluded: 'the complaint is about the Head of School' });
      expect(panelProblems(ctx, r.case, [P.panel1, P.headOfSchool, P.panel3])).toEqual([
        'Hana Head cannot sit on this panel: the complaint is about the Head of School.',
      ]);
      expect(organiserChoices(ctx, r.case, P.governanceLead).map((o) => o.email)).not.toContain(mail.hana);
    });

    it('MIET: the hearing falls within 14 working days of the request, with the papers 3 working days before it', async () => {
      const id = `miet${Math.random().toString(36).slice(2, 8)}`;
      const people = [
        { id: 'miet-head', name: 'Hamid Head', email: `head.${id}@miet.example`, roles: ['head_teacher', 'slt'] },
        { id: 'miet-office', name: 'Olu Office', email: `office.${id}@miet.example`, roles: ['trust_office'] },
        { id: 'miet-p1', name: 'Paula Panel', email: `p1.${id}@miet.example`, roles: ['panel_member'] },
        { id: 'miet-p2', name: 'Peter Panel', email: `p2.${id}@miet.example`, roles: ['panel_member'] },
        { id: 'miet-p3', name: 'Pia Panel', email: `p3.${id}@miet.example`, roles: ['panel_member'] },
        { id: 'miet-ind', name: 'Ida Independent', email: `ind.${id}@miet.example`, roles: ['independent_panel_member'] },
      ];
      const c = await atStageThree({ id, name: 'Manchester Islamic Grammar', policyId: 'miet', referencePrefix: 'MIET', people }, 'miet-head');
      const offline = { ...deps, calendar: undefined };
      const members = ['miet-p1', 'miet-p2', 'miet-ind'];
      const p = await proposeHearingDates(offline, 'miet-head', { caseId: c.id, memberIds: members, organiser: `office.${id}@miet.example` });
      // Requested Mon 16 Nov: 14 working days = 17-20, 23-27 Nov, 30 Nov - 4 Dec = Fri 4 Dec. Papers 3 working days
      // before the hearing, counted from today: 17, 18, 19 Nov = Thu 19 Nov at the earliest.
      expect(p.window).toMatchObject({ earliest: '2026-11-19', latest: '2026-12-04' });
      expect(p.window.latestBecause).toContain('14 working days');
      expect(p.slots.map((s) => s.date)).toEqual(['2026-11-19', '2026-11-20', '2026-11-23']);
      const four = await appError(
        proposeHearingDates(offline, 'miet-head', { caseId: c.id, memberIds: [...members, 'miet-p3'], organiser: `office.${id}@miet.example` }),
      );
      expect(four.userMessage).toContain('The panel has at most 3 members; 4 chosen (Stage 3: "The Panel will consist of three persons');
      const booked = await bookHearing(offline, 'miet-head', {
        caseId: c.id,
        start: '2026-12-04T10:00',
        memberIds: members,
        organiser: `office.${id}@miet.example`,
        venue: 'Main hall',
        online: false,
      });
      // Papers 3 working days before Fri 4 Dec = Tue 1 Dec; decision 7 working days after = 7-11, 14, 15 Dec = Tue 15 Dec.
      expect(booked.state.deadlines.filter((d) => d.stage === 3).map((d) => [d.kind, d.due])).toEqual(
        expect.arrayContaining([
          ['panel_papers', '2026-12-01'],
          ['panel_decision', '2026-12-15'],
        ]),
      );
    });

    it('MIAG: with no hearing clock, the panel must meet within the 4 weeks it has to decide', async () => {
      const id = `miag${Math.random().toString(36).slice(2, 8)}`;
      const people = [
        { id: 'miag-slt', name: 'Sam Senior', email: `slt.${id}@miag.example`, roles: ['slt'] },
        { id: 'miag-p1', name: 'Pru Panel', email: `p1.${id}@miag.example`, roles: ['panel_member'] },
        { id: 'miag-p2', name: 'Phil Panel', email: `p2.${id}@miag.example`, roles: ['panel_member'] },
      ];
      const c = await atStageThree({ id, name: 'MIAG', policyId: 'miag', referencePrefix: 'MIAG', people }, 'miag-slt');
      const p = await proposeHearingDates({ ...deps, calendar: undefined }, 'miag-slt', { caseId: c.id, memberIds: ['miag-p1', 'miag-p2'] });
      // Requested Mon 16 Nov; 4 weeks = Mon 14 Dec. No notice to give: from the next school day, Tue 17 Nov.
      expect(p.window).toMatchObject({ earliest: '2026-11-17', latest: '2026-12-14' });
      expect(p.window.latestBecause).toContain('4 weeks');
      expect(p.slots.map((s) => s.date)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
      expect(p.organiser).toBe(`slt.${id}@miag.example`);
    });

    it('KPSSPP: the randomly picked subgroup investigates without a hearing, so none can be proposed or booked', async () => {
      const id = `kp${Math.random().toString(36).slice(2, 8)}`;
      const people = [
        { id: 'kp-chair', name: 'Chris Chair', email: `chair.${id}@kpsspp.example`, roles: ['chairperson', 'clerk'] },
        { id: 'kp-m1', name: 'Morag Member', email: `m1.${id}@kpsspp.example`, roles: ['member'] },
        { id: 'kp-m2', name: 'Murdo Member', email: `m2.${id}@kpsspp.example`, roles: ['member'] },
        { id: 'kp-m3', name: 'Mhairi Member', email: `m3.${id}@kpsspp.example`, roles: ['member'] },
      ];
      await deps.schools.save({
        id,
        name: "King's Park Secondary School Parent Partnership",
        policyId: 'kpsspp',
        referencePrefix: 'KPSSPP',
        calendar: { region: 'scotland', terms: nmatSchool().calendar.terms },
        people,
      });
      const r = await recordComplaint(deps, 'kp-chair', { ...parentComplaint(id), duplicates: 'separate' });
      if (r.result !== 'recorded') throw new Error('not recorded');
      const refused = await appError(proposeHearingDates(deps, 'kp-chair', { caseId: r.case.id, memberIds: ['kp-m1', 'kp-m2', 'kp-m3'] }));
      expect(refused).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(refused.userMessage).toContain('has no panel hearing (its randomly picked group investigates without a hearing)');
      const notBooked = await appError(
        bookHearing(deps, 'kp-chair', {
          caseId: r.case.id,
          start: '2026-11-20T10:00',
          memberIds: ['kp-m1', 'kp-m2', 'kp-m3'],
          organiser: `chair.${id}@kpsspp.example`,
        }),
      );
      expect(notBooked.code).toBe('NOT_ALLOWED');
      await unchanged(r.case);
    });
  });
}
