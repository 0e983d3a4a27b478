/**
 * The clerk books an NMAT Stage Four panel hearing in Teams, through the bot's real turn handling
 * (adaptiveCard/action invokes on a TurnContext) with the real card templates: each button is
 * pressed with what Teams would send for it (the button's data plus the card's inputs), and the
 * answer is read both as the bound card and as the data it was bound from.
 *
 * Free/busy and attendee answers come from the Graph stand-in over HTTP, through the real gateway
 * and GraphCalendarBooking; the outbox's calendar requests are carried out by HearingEventSender,
 * so the Outlook event, its move and its cancellation are the stand-in's recorded requests.
 *
 * The case: a parent's complaint about Tom Teacher, received at Stage Three on Fri 6 Nov 2026,
 * answered by the Executive Principal on Fri 20 Nov; Stage Four asked for on Tue 24 Nov, 08:30.
 * NMAT §14 then sets the window: at least 10 school days' notice from today (Tue 24 Nov), so from
 * Tue 8 Dec, and within 15 school days of the request, so by Tue 15 Dec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../bot/app.js';
import type { CardData, CardName, PanelBookingCard } from '../../bot/cardTypes.js';
import { messageToCard } from '../../bot/views.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { SYSTEM, type Deps } from '../../src/app/caseFlow.js';
import { checkHearingResponses } from '../../src/app/checkHearingResponses.js';
import type { DrawDeps } from '../../src/app/drawSubgroup.js';
import type { CaseRecord, OutgoingMessage, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { GraphCalendarBooking, HearingEventSender } from '../../src/graph/hearingCalendar.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { silentLogger } from '../../src/log.js';
import { MemoryDraftStore } from '../../src/store/drafts.js';
import { MemoryDeliveryLedger } from '../../bot/teamsMessenger.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';
import { P, nmatAtStageFour, nmatSchool, stageThreeComplaint, storeVariants, type StoreVariant } from '../helpers/app.js';
import { boundRender, pressButton } from '../helpers/teams.js';
import { actionOf, errorUnder, inputs, submission, textOf, type Card } from '../e2e/harness.js';

const ROB = 'aad-panel-rob';
const LEE = 'aad-panel-lee';
const NIA = 'aad-panel-nia';
const email = (name: string) => `${name.toLowerCase().replace(/ /g, '.')}@nunthorpe.org.uk`;

/** Nunthorpe Academy with email addresses, a panel pool with one independent member, and people the policy keeps off the panel. */
function panelSchool(): Omit<School, 'outbox' | 'digests' | 'version'> {
  const base = nmatSchool();
  const people = base.people.map((p) => {
    const roles = p.id === P.teacher2 || p.id === P.execPrincipal ? [...p.roles, 'panel_member'] : p.id === P.panel3 ? ['independent_panel_member'] : p.roles;
    return { ...p, roles, email: email(p.name) };
  });
  people.push(
    { id: ROB, name: 'Rob Reserve', roles: ['panel_member'], email: email('Rob Reserve') },
    { id: LEE, name: 'Lee Leaver', roles: ['panel_member'], email: email('Lee Leaver'), left: { on: '2026-11-02', reason: 'disabled' } } as never,
    { id: NIA, name: 'Nia Nomail', roles: ['panel_member'] } as never,
  );
  return { ...base, people };
}

const GAIL = email('Gail Clerk');
const PAT = email('Pat Panel');
const PAM = email('Pam Panel');
const IAN = email('Ian Independent');
const PRIYA = 'priya.parent@example.com';

// ---------------------------------------------------------------------------------------------
// Teams, played by hand (test/helpers/teams.ts), with the real templates

interface Shown<N extends CardName = CardName> {
  name: N;
  data: CardData[N];
  card: Card;
}

async function invoke(bot: Bot, from: string, verb: string, data: Record<string, unknown>): Promise<Shown> {
  const { card } = await pressButton(bot, from, verb, data);
  return { name: card.$card, data: card.$data as never, card };
}

function as<N extends CardName>(shown: Shown, name: N): CardData[N] {
  expect(shown.name, textOf(shown.card)).toBe(name);
  return shown.data as CardData[N];
}
const panel = (shown: Shown): PanelBookingCard => as(shown, 'panel-booking');

// ---------------------------------------------------------------------------------------------

/** The directory and calendars of the school, in a fresh stand-in. */
async function graphOfTheSchool(): Promise<GraphStandIn> {
  const standIn = await GraphStandIn.start();
  // Rob Reserve's mailbox is not in the directory: his calendar cannot be read.
  for (const p of panelSchool().people) {
    if (p.email && p.id !== ROB) standIn.addUser({ id: p.id, displayName: p.name, mail: p.email, userPrincipalName: p.email });
  }
  // Pat is out all day on Tue 8 Dec; Pam has a meeting until 10:15 on Wed 9 Dec (GMT: London's clock in December).
  standIn.setBusy(PAT, [{ status: 'oof', start: new Date('2026-12-08T08:00:00Z'), end: new Date('2026-12-08T17:30:00Z') }]);
  standIn.setBusy(PAM, [{ status: 'busy', start: new Date('2026-12-09T08:30:00Z'), end: new Date('2026-12-09T10:15:00Z') }]);
  return standIn;
}

/** Stage Four requested on Tue 24 Nov 2026, 08:30 (test/helpers/app.ts); the clock then stands at 09:00. */
async function stageFour(v: StoreVariant): Promise<CaseRecord> {
  await v.deps.schools.save(panelSchool());
  const four = await nmatAtStageFour(v.deps, v.clock);
  v.clock.set('2026-11-24T09:00:00Z');
  return four;
}

describe.each(storeVariants('bot_panel'))('booking the panel hearing in Teams (%s)', (_label, make) => {
  let v: StoreVariant;
  let standIn: GraphStandIn;
  let deps: Deps;
  let bot: Bot;
  let record: CaseRecord;
  let sent: OutgoingMessage[];
  /** Carries out what the outbox holds: calendar requests in the stand-in, the rest recorded. */
  let drain: () => Promise<void>;
  const gail = (verb: string, data: Record<string, unknown>) => invoke(bot, P.governanceLead, verb, data);
  const pressAs = (who: string, shown: Shown, verb: string, typed: Record<string, string> = {}) => invoke(bot, who, verb, submission(shown.card, verb, typed));
  const press = (shown: Shown, verb: string, typed: Record<string, string> = {}) => pressAs(P.governanceLead, shown, verb, typed);
  const stored = async () => (await deps.cases.get(record.id))!;
  const stage4 = async () =>
    (await stored()).state.deadlines
      .filter((d) => d.stage === 4)
      .map((d) => [d.kind, d.due])
      .sort();

  /** Cards kept between the steps below, as a person would have them in their chat. */
  let choose: Shown;
  let dates: Shown;
  let devsDates: Shown;
  let booked: Shown;

  beforeAll(async () => {
    v = await make();
    standIn = await graphOfTheSchool();
    const gateway = standInGateway(standIn);
    deps = { ...v.deps, calendar: new GraphCalendarBooking(gateway) };
    bot = createBot({ deps, drafts: new MemoryDraftStore(v.clock), render: boundRender, log: silentLogger(), clock: v.clock });
    record = await stageFour({ ...v, deps });
    sent = [];
    const calendar = new HearingEventSender({ deps, gateway, deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    drain = async () => {
      await drainOutbox({ deps, log: silentLogger(), messenger: { send: async (m) => (m.kind === 'calendar' ? calendar.send(m) : void sent.push(m)) } });
    };
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await v?.close?.();
  });

  it('the clerk’s task card offers to book the panel hearing; the booking card states the rule, who may sit, and who may not and why', async () => {
    const task = as(await gail('case.open', { caseId: record.id }), 'case-task');
    expect(task.header.stage).toBe(4);
    expect(task.can.bookPanel).toBe(true);
    expect(task.hearing).toBeUndefined();

    choose = await gail('panel.open', { caseId: record.id, version: record.version });
    const c = panel(choose);
    expect(c.step).toBe('choose');
    expect(c.rule).toBe('At least 3 people not involved in the complaint before, one of them independent of the school (NMAT §14).');
    expect(c.choose!.candidates.map((x) => x.title)).toEqual(['Pat Panel', 'Pam Panel', 'Ian Independent (independent of the school)', 'Rob Reserve']);
    expect(c.choose!.excluded).toEqual(
      expect.arrayContaining([
        { name: 'Tom Teacher', why: 'the complaint is about them' },
        { name: 'Eve Principal', why: 'decided stage 3' },
        { name: 'Lee Leaver', why: 'has left' },
        { name: 'Nia Nomail', why: 'has no email address to invite' },
      ]),
    );
    expect(c.choose!.excluded).toHaveLength(4);
    // The invitation goes from the clerk's own calendar unless she says otherwise; online by default.
    expect(inputs(choose.card).organiser!.value).toBe(GAIL);
    expect(inputs(choose.card).online!.value).toBe('true');
    // The length is bound as a number: the number field would show a string as empty.
    expect(inputs(choose.card).durationMinutes!.value).toBe(120);
    expect(textOf(choose.card)).toContain('Eve Principal: decided stage 3');
  });

  it('a panel without an independent member is refused under the field, saying why, and nothing is saved or asked of Graph', async () => {
    standIn.clearRequests();
    const refused = await press(choose, 'panel.propose', { memberIds: `${P.panel1},${P.panel2},${ROB}` });
    const r = panel(refused);
    expect(r.step).toBe('choose');
    expect(errorUnder(refused.card, 'memberIds')).toMatch(
      /^At least 1 member must be independent of the management and running of the school; none of those chosen (?:is|are) \(NMAT §14\)\.$/,
    );
    expect(r.choose!.ruleMet).toBe(false);
    expect(inputs(refused.card).memberIds!.value).toBe(`${P.panel1},${P.panel2},${ROB}`);
    expect(standIn.graphRequests()).toEqual([]);

    const short = panel(await press(choose, 'panel.propose', { memberIds: P.panel3, durationMinutes: '20' }));
    expect(short.errors).toEqual({ durationMinutes: 'A hearing lasts at least 30 minutes.' });
    expect((await stored()).version).toBe(record.version);
  });

  it('with the independent member the rule is met: three proposals inside the window, avoiding every busy member, from one getSchedule', async () => {
    standIn.clearRequests();
    dates = await press(choose, 'panel.propose', { memberIds: `${P.panel1},${P.panel2},${P.panel3}`, venue: 'Meeting room 2' });
    const d = panel(dates);
    expect(d.step).toBe('date');
    expect(d.date!.window).toBe(
      "Between Tue 8 Dec 2026 and Tue 15 Dec 2026: at least 10 school days' notice of the hearing (NMAT §14); the hearing must be held within 15 school days of the stage 4 request (NMAT §14).",
    );
    expect(d.date!.panel).toBe('Pat Panel, Pam Panel and Ian Independent (independent of the school)');
    // Tue 8 Dec: Pat is away. Wed 9 Dec: Pam is busy until 10:15, so the first half hour after. Then the next mornings.
    expect(d.date!.slots).toEqual([
      { value: '2026-12-09T10:30', title: 'Wed 9 Dec 2026, 10:30-12:30' },
      { value: '2026-12-10T09:00', title: 'Thu 10 Dec 2026, 09:00-11:00' },
      { value: '2026-12-11T09:00', title: 'Fri 11 Dec 2026, 09:00-11:00' },
    ]);
    expect(d.date!.unavailable).toBeUndefined();
    expect(d.date!.rescheduling).toBe(false);
    expect(d.values.slot).toBe('2026-12-09T10:30');
    const [schedule, ...rest] = standIn.graphRequests();
    expect(rest).toEqual([]);
    expect(schedule).toMatchObject({ method: 'POST', path: `/v1.0/users/${GAIL}/calendar/getSchedule`, status: 200 });
    expect([...schedule!.body.schedules].sort()).toEqual([GAIL, IAN, PAM, PAT].sort());
    expect(schedule!.body.startTime).toEqual({ dateTime: '2026-12-08T09:00:00', timeZone: 'UTC' });

    // Dev Deputy (SLT) draws the same step at the same time: his card will be out of date.
    const devsChoice = await invoke(bot, P.deputy, 'panel.open', { caseId: record.id, version: record.version });
    devsDates = await pressAs(P.deputy, devsChoice, 'panel.propose', { memberIds: `${P.panel1},${P.panel2},${P.panel3}` });
    expect(panel(devsDates).step).toBe('date');
  });

  it('a date outside the window without a reason is refused under the reason; a date typed wrongly under the date; nothing is saved', async () => {
    const outside = await press(dates, 'panel.book', { slot: 'other', otherStart: '2027-01-08 10:00', reason: '' });
    expect(panel(outside).step).toBe('date');
    expect(errorUnder(outside.card, 'reason')).toMatch(/after 2026-12-15, the latest date the policy allows.*Give the reason for holding it on/);
    expect(inputs(outside.card).otherStart!.value).toBe('2027-01-08 10:00');
    const typo = await press(dates, 'panel.book', { slot: 'other', otherStart: 'next Tuesday at ten' });
    expect(errorUnder(typo.card, 'otherStart')).toBe('Type the date and time like 2026-12-16 14:00 (school time).');
    const after = await stored();
    expect(after.version).toBe(record.version);
    expect(after.events.filter((e) => e.type === 'hearing_scheduled')).toEqual([]);
  });

  it('booking a proposal sets the hearing, recomputes notice, papers, companion and decision, and queues the invitation letter and the Outlook event', async () => {
    // Before: the notice and papers count back from the latest date §14 allows (Tue 15 Dec).
    expect(await stage4()).toEqual([
      ['acknowledge', '2026-11-26'],
      ['companion_notice', '2026-12-11'],
      ['hearing', '2026-12-15'],
      ['hearing_notice', '2026-12-01'],
      ['panel_decision', '2027-01-14'],
      ['panel_papers', '2026-12-04'],
    ]);
    const queued = new Set((await stored()).outbox.map((o) => o.key));
    booked = await press(dates, 'panel.book');
    const b = panel(booked);
    expect(b.step).toBe('booked');
    expect(b.notice).toBe(
      'Hearing booked by Gail Clerk on Tue 24 Nov 2026 for Wed 9 Dec 2026, 10:30-12:30. The Outlook invitation goes to the panel and the complainant, and the invitation letter is on its way.',
    );
    expect(b.booked).toMatchObject({
      when: 'Wed 9 Dec 2026, 10:30-12:30',
      where: 'Meeting room 2, and a Teams meeting',
      organiser: GAIL,
      invitation: 'Sending the Outlook invitation',
      members: [
        { name: 'Pat Panel', answer: 'No answer yet', declined: false },
        { name: 'Pam Panel', answer: 'No answer yet', declined: false },
        { name: 'Ian Independent', answer: 'No answer yet', declined: false },
      ],
      complainant: 'invited to the Outlook event; no answer yet',
    });
    // NMAT §14 counts the dates offered to the complainant: this one is awaited for 5 school days.
    expect(b.booked!.dates).toEqual([{ hearingOn: 'Wed 9 Dec 2026', offeredOn: 'offered Tue 24 Nov 2026', status: 'Waiting for an answer by Tue 1 Dec 2026' }]);
    expect(b.booked!.rejected).toBe('Dates rejected so far: 0 of 3 (NMAT §14).');

    const after = await stored();
    expect(after.events.at(-1)).toMatchObject({ type: 'hearing_scheduled', stage: 4, hearingOn: '2026-12-09', by: P.governanceLead });
    // After: counted from Wed 9 Dec. Notice 10 school days before (Wed 25 Nov), papers 7 (Mon 30 Nov),
    // companion 2 (Mon 7 Dec); the decision 10 school days after, across the Christmas holidays and the
    // 5 Jan 2027 closure (Fri 8 Jan 2027).
    expect(await stage4()).toEqual([
      ['acknowledge', '2026-11-26'],
      ['companion_notice', '2026-12-07'],
      ['hearing', '2026-12-15'],
      ['hearing_notice', '2026-11-25'],
      ['panel_decision', '2027-01-08'],
      ['panel_papers', '2026-11-30'],
    ]);
    expect(after.outbox.filter((o) => !queued.has(o.key)).map((o) => [o.kind, o.template, o.to])).toEqual([
      ['letter', 'hearing_invitation_letter', 'complainant'],
      ['calendar', 'hearing_event', GAIL],
    ]);
    const task = as(await gail('case.open', { caseId: record.id }), 'case-task');
    expect(task.hearing).toBe('Wed 9 Dec 2026, 10:30-12:30');
  });

  it('a second booking from a card drawn before is answered with the hearing as it stands, and books nothing', async () => {
    const stale = await pressAs(P.deputy, devsDates, 'panel.book', { slot: '2026-12-10T09:00' });
    const s = panel(stale);
    expect(s.step).toBe('booked');
    expect(s.notice).toBe('The hearing was booked by Gail Clerk on Tue 24 Nov 2026 for Wed 9 Dec 2026, 10:30-12:30. This is the hearing as it stands.');
    expect((await stored()).events.filter((e) => e.type === 'hearing_scheduled')).toHaveLength(1);
  });

  it('the Outlook event is created once; a decline read with "Check answers now" is shown and sent to the clerk with the next free times', async () => {
    await drain();
    const events = [...standIn.events.values()];
    expect(events).toHaveLength(1);
    const event = events[0]!.event;
    expect(event.attendees.map((a: { emailAddress: { address: string } }) => a.emailAddress.address)).toEqual([PAT, PAM, IAN, PRIYA]);
    const opened = panel(await gail('panel.open', { caseId: record.id }));
    expect(opened.booked).toMatchObject({ invitation: "Sent from the organiser's Outlook calendar", joinUrl: event.onlineMeeting.joinUrl });

    standIn.setResponse(event.id, PAT, 'accepted');
    standIn.setResponse(event.id, PAM, 'declined');
    const checked = panel(await gail('panel.responses', { caseId: record.id, version: (await stored()).version }));
    expect(checked.notice).toBe('Answers checked on Tue 24 Nov 2026. Pam Panel declined: move the hearing, or choose another member.');
    expect(checked.noticeTone).toBe('warning');
    expect(checked.booked!.members.map((m) => `${m.name}: ${m.answer}`)).toEqual([
      'Pat Panel: Accepted',
      'Pam Panel: Declined',
      'Ian Independent: No answer yet',
    ]);

    const item = (await stored()).outbox.find((o) => o.template === 'panel_member_declined')!;
    expect(item.to).toBe(P.governanceLead);
    const message: OutgoingMessage = {
      key: item.key,
      kind: item.kind,
      to: item.to,
      template: item.template,
      data: item.data,
      schoolId: record.schoolId,
      caseId: record.id,
    };
    const declined = await messageToCard(message, deps);
    expect(declined.name).toBe('panel-booking');
    const dd = declined.data as PanelBookingCard;
    expect(dd.step).toBe('declined');
    expect(dd.declined!.text).toBe(
      'Pam Panel declined the panel hearing on Wed 9 Dec 2026, 10:30. Move the hearing to a time that suits the panel, or choose another member.',
    );
    // The booked hearing now fills the panel's calendars on Wed 9 Dec until 12:30.
    expect(dd.declined!.slots).toEqual(['Wed 9 Dec 2026, 12:30-14:30', 'Thu 10 Dec 2026, 09:00-11:00', 'Fri 11 Dec 2026, 09:00-11:00']);
    // Someone who may not see the case learns nothing from the message.
    expect((await messageToCard({ ...message, to: P.teacher }, deps)).name).toBe('message');
  });

  it('moving the hearing needs a reason; then the same Outlook event is moved and the history says who and why', async () => {
    booked = await gail('panel.open', { caseId: record.id });
    const moving = await press(booked, 'panel.reschedule');
    const m = panel(moving);
    expect(m.step).toBe('date');
    expect(m.date!.rescheduling).toBe(true);
    expect(m.date!.choice).toMatchObject({
      memberIds: `${P.panel1},${P.panel2},${P.panel3}`,
      organiser: GAIL,
      venue: 'Meeting room 2',
      durationMinutes: '120',
    });
    const noReason = await press(moving, 'panel.book', { slot: '2026-12-10T09:00' });
    expect(errorUnder(noReason.card, 'reason')).toBe(
      'The hearing is already booked for Wednesday 9 December 2026 at 10:30; give the reason it is moving (everyone invited is told).',
    );
    const moved = panel(await press(moving, 'panel.book', { slot: '2026-12-10T09:00', reason: 'Pam Panel cannot come on the 9th' }));
    expect(moved.notice).toBe(
      'Hearing moved by Gail Clerk on Tue 24 Nov 2026 to Thu 10 Dec 2026, 09:00-11:00. The Outlook invitation is updated for everyone, and the complainant is told by letter.',
    );
    standIn.clearRequests();
    await drain();
    const eventId = [...standIn.events.keys()][0]!;
    expect(standIn.graphRequests().map((r) => [r.method, r.path])).toEqual([['PATCH', `/v1.0/users/${GAIL}/events/${eventId}`]]);
    expect(standIn.events.size).toBe(1);
    // The move, then the sender's note that Outlook now shows it (answers are credited to that booking).
    expect((await stored()).events.slice(-2)).toMatchObject([
      { type: 'hearing_scheduled', hearingOn: '2026-12-10', by: P.governanceLead, reason: 'Pam Panel cannot come on the 9th' },
      { type: 'hearing_booked', by: 'system', details: { eventId, forBooking: 2 } },
    ]);
    booked = await gail('panel.open', { caseId: record.id });
  });

  it('cancelling needs a reason; it cancels the Outlook event, and the card offers booking again with the same panel', async () => {
    const noReason = await gail('panel.cancel', { caseId: record.id, version: panel(booked).header.version, cancelReason: ' ' });
    expect(panel(noReason).errors.cancelReason).toBe('Give the reason the hearing is cancelled: the complainant and the panel are told.');
    expect(textOf(noReason.card)).toContain('The hearing has not been cancelled yet.');

    const cancelled = await press(booked, 'panel.cancel', { cancelReason: 'The chair of the panel is ill' });
    const c = panel(cancelled);
    expect(c.step).toBe('choose');
    expect(c.notice).toMatch(/^Hearing cancelled by Gail Clerk on Tue 24 Nov 2026\. The Outlook invitation is withdrawn/);
    expect(c.values).toMatchObject({ memberIds: `${P.panel1},${P.panel2},${P.panel3}`, organiser: GAIL, venue: 'Meeting room 2' });
    expect(c.choose!.ruleMet).toBe(true);
    standIn.clearRequests();
    await drain();
    const eventId = [...standIn.events.keys()][0]!;
    expect(standIn.graphRequests().map((r) => [r.method, r.path])).toEqual([['POST', `/v1.0/users/${GAIL}/events/${eventId}/cancel`]]);
    expect(standIn.graphRequests()[0]!.body.Comment ?? standIn.graphRequests()[0]!.body.comment).toMatch(/Reason: The chair of the panel is ill/);
    expect((await stored()).events.at(-1)).toMatchObject({ type: 'hearing_cancelled', by: P.governanceLead, reason: 'The chair of the panel is ill' });

    // The same button pressed again (the card from before) says it was already done.
    const again = panel(await press(booked, 'panel.cancel', { cancelReason: 'Ill' }));
    expect(again.step).toBe('choose');
    expect(again.notice).toBe('The hearing was already cancelled by Gail Clerk on Tue 24 Nov 2026: The chair of the panel is ill.');
    expect((await stored()).events.filter((e) => e.type === 'hearing_cancelled')).toHaveLength(1);
    expect(as(await gail('case.open', { caseId: record.id }), 'case-task').hearing).toBeUndefined();
  });

  it('a calendar that cannot be read is named on the card; if Graph refuses them all, the dates follow the school calendar and the card says so', async () => {
    const choice = await gail('panel.open', { caseId: record.id });
    const withRob = panel(await press(choice, 'panel.propose', { memberIds: `${P.panel1},${ROB},${P.panel3}` }));
    expect(withRob.step).toBe('date');
    expect(withRob.date!.unavailable).toBe("Rob Reserve's calendar could not be read: check with them that the time suits.");
    expect(withRob.date!.slots).toHaveLength(3);

    standIn.deny(/getSchedule/);
    const refused = panel(await press(choice, 'panel.propose', { memberIds: `${P.panel1},${P.panel2},${P.panel3}` }));
    expect(refused.step).toBe('date');
    expect(refused.date!.unavailable).toMatch(
      /^Nobody's calendar could be read, so these times fit the policy's window but no diary was checked: check with the panel that they suit\. Microsoft 365 refused .*Calendars\.ReadWrite/,
    );
    // Without free/busy, Tue 8 Dec (the first day the notice allows) is offered although Pat is away.
    expect(refused.date!.slots[0]!.title).toBe('Tue 8 Dec 2026, 09:00-11:00');
  });

  it('a teacher not involved gets "not found"; a panel member may see the case but not book it', async () => {
    const missing = as(await invoke(bot, P.teacher, 'panel.open', { caseId: record.id }), 'message');
    expect(missing).toEqual({ title: 'Not found', text: 'No complaint was found.', tone: 'default' });
    expect(as(await invoke(bot, P.teacher2, 'panel.propose', { caseId: record.id, memberIds: P.panel1 }), 'message')).toEqual(missing);
    const member = as(await invoke(bot, P.panel1, 'panel.open', { caseId: record.id }), 'message');
    expect(member.title).toBe('Not yours to book');
    expect(as(await invoke(bot, P.panel1, 'case.open', { caseId: record.id }), 'case-task').can.bookPanel).toBe(false);
    await bot.settled();
  });
});

/**
 * The same school, a complainant who asked for letters by post (so no Outlook invitation for her),
 * and her complaint received straight at Stage Four on Tue 24 Nov 2026, 08:30: the same window,
 * Tue 8 Dec to Tue 15 Dec. Her answer to the date comes by phone or letter, and the clerk's card
 * stays usable while the system notes the Outlook event and reads answers behind it.
 */
describe.each(storeVariants('bot_panel_answer'))('the complainant’s answer, and cards the system changed behind (%s)', (_label, make) => {
  let v: StoreVariant;
  let standIn: GraphStandIn;
  let deps: Deps;
  let bot: Bot;
  let record: CaseRecord;
  let drain: () => Promise<void>;
  const gail = (verb: string, data: Record<string, unknown>) => invoke(bot, P.governanceLead, verb, data);
  const press = (shown: Shown, verb: string, typed: Record<string, string> = {}) => invoke(bot, P.governanceLead, verb, submission(shown.card, verb, typed));
  const stored = async () => (await deps.cases.get(record.id))!;
  const PANEL = `${P.panel1},${P.panel2},${P.panel3}`;
  let booked: Shown;

  beforeAll(async () => {
    v = await make();
    standIn = await graphOfTheSchool();
    const gateway = standInGateway(standIn);
    deps = { ...v.deps, calendar: new GraphCalendarBooking(gateway) };
    bot = createBot({ deps, drafts: new MemoryDraftStore(v.clock), render: boundRender, log: silentLogger(), clock: v.clock });
    await deps.schools.save(panelSchool());
    v.clock.set('2026-11-24T08:30:00Z');
    const r = await recordComplaint(deps, P.governanceLead, {
      ...stageThreeComplaint(),
      stage: 4,
      complainant: {
        name: 'Priya Parent',
        address: '12 Acacia Avenue, Middlesbrough TS7 0AA',
        relationship: 'Parent of a pupil in Year 8',
        preferredContact: 'letter',
      },
    });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
    record = r.case;
    v.clock.set('2026-11-24T09:00:00Z');
    const calendar = new HearingEventSender({ deps, gateway, deliveries: new MemoryDeliveryLedger(), log: silentLogger() });
    drain = async () => {
      await drainOutbox({ deps, log: silentLogger(), messenger: { send: async (m) => (m.kind === 'calendar' ? calendar.send(m) : undefined) } });
    };
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await v?.close?.();
  });

  it('the organiser is chosen from the mailboxes that may send it, and a length changed before Back comes back in the number field', async () => {
    const choose = await gail('panel.open', { caseId: record.id, version: record.version });
    const organiser = inputs(choose.card).organiser!;
    expect(organiser.type).toBe('Input.ChoiceSet');
    expect(organiser.value).toBe(GAIL);
    // Gail (the clerk, and the one booking), then SLT: Hana Head and Dev Deputy. Nobody else's calendar.
    expect((organiser.choices as Array<{ value: string }>).map((c) => c.value)).toEqual([GAIL, email('Hana Head'), email('Dev Deputy')]);
    const dates = await press(choose, 'panel.propose', { memberIds: PANEL, durationMinutes: '90', organiser: email('Dev Deputy') });
    expect(panel(dates).date!.choice).toMatchObject({ durationMinutes: '90', organiser: email('Dev Deputy') });
    const back = await press(dates, 'panel.back');
    expect(inputs(back.card).durationMinutes!.value).toBe(90);
    expect(inputs(back.card).organiser!.value).toBe(email('Dev Deputy'));
    // Someone else's mailbox, sent all the same (an old card, a crafted request), is refused under the field.
    const pat = await press(choose, 'panel.propose', { memberIds: PANEL, organiser: PAT });
    expect(errorUnder(pat.card, 'organiser')).toMatch(
      new RegExp(
        `^The invitation must come from the mailbox of someone at Nunthorpe Academy who may convene the hearing; ${PAT.replace(/\./g, '\\.')} is not one\\. Use your own`,
      ),
    );
  });

  it('booked for a complainant who gets letters by post: the card says her answer is to be recorded here, and that the invitation is on its way', async () => {
    const choose = await gail('panel.open', { caseId: record.id });
    const dates = await press(choose, 'panel.propose', { memberIds: PANEL });
    booked = await press(dates, 'panel.book');
    const b = panel(booked);
    expect(b.notice).toMatch(/The Outlook invitation goes to the panel, and the invitation letter to the complainant is on its way\.$/);
    expect(b.booked!.invitationProblem).toBeUndefined();
    expect(b.booked).toMatchObject({
      invitation: 'Sending the Outlook invitation',
      complainant: 'told by letter (they asked for letters by post)',
      answer: {
        text: 'No answer yet.',
        // Offered Tue 24 Nov: 5 school days to answer = 25, 26, 27, 30 Nov, 1 Dec.
        how: 'They are not sent the Outlook invitation (they asked for letters by post), so their answer must be recorded here when it arrives, by phone, letter or email. With no answer by Tue 1 Dec 2026, this date counts as rejected (NMAT §14).',
      },
    });
    expect(textOf(booked.card)).toContain("The complainant's answer");
  });

  it('her answer from a card drawn before the Outlook event was noted: errors under the fields, then recorded on the current version', async () => {
    const drawnAt = (await stored()).version;
    await drain(); // the system notes the Outlook event on the case
    const now = await stored();
    expect(now.version).toBeGreaterThan(drawnAt);
    expect(now.events.at(-1)).toMatchObject({ type: 'hearing_booked', by: SYSTEM });

    const unchosen = panel(await press(booked, 'panel.answer', { answerNote: 'phoned the office' }));
    expect(unchosen.errors).toEqual({ complainantAnswer: 'Choose whether the complainant accepted or declined this date.' });
    v.clock.set('2026-11-26T10:00:00Z');
    const future = await press(booked, 'panel.answer', { complainantAnswer: 'declined', answerReceivedOn: '2026-11-27', answerNote: 'phoned the office' });
    expect(errorUnder(future.card, 'answerReceivedOn')).toBe('The answer cannot have arrived after today (Thursday 26 November 2026).');
    expect(inputs(future.card).answerNote!.value).toBe('phoned the office');
    expect((await stored()).version).toBe(now.version);

    const done = panel(await press(booked, 'panel.answer', { complainantAnswer: 'declined', answerReceivedOn: '2026-11-25', answerNote: 'phoned the office' }));
    expect(done.notice).toBe(
      "The complainant's answer is recorded: they declined the hearing on Wed 9 Dec 2026, 10:30-12:30 (answer received Wed 25 Nov 2026).",
    );
    expect(done.booked!.answer.text).toBe('Declined on Wed 25 Nov 2026, recorded by Gail Clerk.');
    expect(done.booked!.dates).toEqual([{ hearingOn: 'Wed 9 Dec 2026', offeredOn: 'offered Tue 24 Nov 2026', status: 'Rejected' }]);
    expect(done.booked!.invitation).toBe("Sent from the organiser's Outlook calendar");
    expect((await stored()).events.at(-1)).toMatchObject({
      type: 'hearing_responses',
      by: P.governanceLead,
      details: { booking: 1, answers: [{ who: 'complainant', answer: 'declined', via: 'clerk', note: 'phoned the office' }] },
    });
  });

  it('a cancellation from a card someone changed behind keeps the reason typed; one the system changed behind goes ahead', async () => {
    const old = await gail('panel.open', { caseId: record.id });
    // Dev Deputy (SLT) moves the hearing meanwhile.
    await bookHearing(deps, P.deputy, {
      caseId: record.id,
      start: '2026-12-10T09:00',
      memberIds: [P.panel1, P.panel2, P.panel3],
      organiser: GAIL,
      venue: 'Meeting room 2',
      reason: 'the complainant cannot come on the 9th',
    });
    const refused = await press(old, 'panel.cancel', { cancelReason: 'The chair of the panel is ill' });
    expect(panel(refused).notice).toBe(
      'Dev Deputy changed this complaint after this card was drawn. Nothing was saved: check it as it stands now, and press Yes, cancel the hearing again if it is still right.',
    );
    expect(inputs(refused.card).cancelReason!.value).toBe('The chair of the panel is ill');
    expect((await stored()).events.filter((e) => e.type === 'hearing_cancelled')).toEqual([]);

    // Outlook refuses the move (the drain marks the request failed): the card says so and what to do.
    const key = `${record.id}:calendar:hearing:4:2`;
    await deps.cases.completeOutbox(record.id, key, { error: 'GraphError: The mailbox is not enabled for calendars.', retry: false });
    const failed = await gail('panel.open', { caseId: record.id });
    expect(panel(failed).booked).toMatchObject({
      invitation: 'Refused by Outlook',
      invitationProblem:
        'Outlook refused the invitation: The mailbox is not enabled for calendars. Check the organiser mailbox with your IT admin, then book again.',
    });
    expect(textOf(failed.card)).toContain('Invitation: Refused by Outlook');
    expect(textOf(failed.card)).toContain('Outlook refused the invitation: The mailbox is not enabled for calendars.');

    // Sent after all; then the hourly check records Pat's answer as the system, behind this card.
    await deps.cases.completeOutbox(record.id, key, { sentAt: v.clock.now() });
    await drain();
    const card = await gail('panel.open', { caseId: record.id });
    standIn.setResponse([...standIn.events.keys()][0]!, PAT, 'accepted');
    const checked = await checkHearingResponses(deps, SYSTEM, { caseId: record.id });
    expect(checked.record.version).toBeGreaterThan(panel(card).header.version);
    const cancelled = panel(await press(card, 'panel.cancel', { cancelReason: 'The chair of the panel is ill' }));
    expect(cancelled.step).toBe('choose');
    expect(cancelled.notice).toMatch(/^Hearing cancelled by Gail Clerk on Thu 26 Nov 2026\./);
    expect((await stored()).events.at(-1)).toMatchObject({ type: 'hearing_cancelled', by: P.governanceLead, reason: 'The chair of the panel is ill' });
    await bot.settled();
  });
});

/**
 * NMAT §14 on the booked card: "Where a meeting date has been suggested and no response has been
 * received within 5 school days, this will be seen as being rejected. If the complainant rejects
 * the offer of three proposed dates, without good reason, the Governance Professional and
 * Compliance Lead will decide when to hold the Hearing in the complainant's absence".
 *
 * A complainant who asked for letters by post, her complaint received at Stage Four on Tue 24 Nov
 * 2026 (window Tue 8 to Tue 15 Dec). Gail offers Wed 9 Dec (Tue 24 Nov), Thu 10 Dec (Wed 25 Nov)
 * and Mon 14 Dec (Thu 26 Nov); each is answered by phone and recorded on the card. The outbox
 * worker does not run until the end: no letter has gone.
 */
describe.each(storeVariants('bot_panel_dates'))('the dates offered to the complainant, on the card (%s)', (_label, make) => {
  let v: StoreVariant;
  let deps: Deps;
  let bot: Bot;
  let record: CaseRecord;
  const gail = (verb: string, data: Record<string, unknown>) => invoke(bot, P.governanceLead, verb, data);
  const press = (shown: Shown, verb: string, typed: Record<string, string> = {}) => invoke(bot, P.governanceLead, verb, submission(shown.card, verb, typed));
  const open = () => gail('panel.open', { caseId: record.id });
  const stored = async () => (await deps.cases.get(record.id))!;
  const book = (start: string, reason?: string) =>
    bookHearing(deps, P.governanceLead, {
      caseId: record.id,
      start,
      memberIds: [P.panel1, P.panel2, P.panel3],
      organiser: GAIL,
      venue: 'Meeting room 2',
      ...(reason ? { reason } : {}),
    });
  const GPCL = 'the Governance Professional and Compliance Lead';

  beforeAll(async () => {
    v = await make();
    deps = v.deps;
    bot = createBot({ deps, drafts: new MemoryDraftStore(v.clock), render: boundRender, log: silentLogger(), clock: v.clock });
    await deps.schools.save(panelSchool());
    v.clock.set('2026-11-24T08:30:00Z');
    const r = await recordComplaint(deps, P.governanceLead, {
      ...stageThreeComplaint(),
      stage: 4,
      complainant: {
        name: 'Priya Parent',
        address: '12 Acacia Avenue, Middlesbrough TS7 0AA',
        relationship: 'Parent of a pupil in Year 8',
        preferredContact: 'letter',
      },
    });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
    record = r.case;
  }, 60_000);

  afterAll(async () => {
    await bot?.settled();
    await v?.close?.();
  });

  it('three dates rejected: the card says the Governance Professional and Compliance Lead decides, if without good reason; a late yes to the third is theirs to judge, not a rejection', async () => {
    const declineByPhone = async () => {
      const done = panel(await press(await open(), 'panel.answer', { complainantAnswer: 'declined', answerNote: 'phoned the office' }));
      expect(done.notice).toMatch(/^The complainant's answer is recorded: they declined/);
    };
    v.clock.set('2026-11-24T09:00:00Z');
    await book('2026-12-09T10:30');
    await declineByPhone();
    v.clock.set('2026-11-25T10:00:00Z');
    await book('2026-12-10T10:30', 'the complainant cannot come on the 9th');
    await declineByPhone();
    v.clock.set('2026-11-26T10:00:00Z');
    await book('2026-12-14T10:30', 'the complainant cannot come on the 10th');

    // Offered Thu 26 Nov: 5 school days to answer = 27, 30 Nov, 1, 2, 3 Dec. Nothing by Fri 4 Dec: the third rejection.
    v.clock.set('2026-12-04T09:00:00Z');
    const three = await open();
    expect(panel(three).booked).toMatchObject({
      dates: [
        { hearingOn: 'Wed 9 Dec 2026', offeredOn: 'offered Tue 24 Nov 2026', status: 'Rejected' },
        { hearingOn: 'Thu 10 Dec 2026', offeredOn: 'offered Wed 25 Nov 2026', status: 'Rejected' },
        { hearingOn: 'Mon 14 Dec 2026', offeredOn: 'offered Thu 26 Nov 2026', status: 'Rejected: no answer by Thu 3 Dec 2026' },
      ],
      rejected: 'Dates rejected so far: 3 of 3 (NMAT §14).',
      mayProceed: `The complainant has rejected 3 proposed dates. If they did so without good reason, ${GPCL} decides whether to hold the hearing in their absence (NMAT §14).`,
    });
    expect(textOf(three.card)).toContain(`If they did so without good reason, ${GPCL} decides whether to hold the hearing in their absence`);
    expect(textOf(three.card)).not.toContain('the clerk decides');

    // Her letter accepting Mon 14 Dec arrives that Friday: after the 5 school days, but a yes to that very date.
    const late = await press(three, 'panel.answer', { complainantAnswer: 'accepted', answerNote: 'letter dated 2 December' });
    const b = panel(late).booked!;
    expect(b.dates[2]).toEqual({
      hearingOn: 'Mon 14 Dec 2026',
      offeredOn: 'offered Thu 26 Nov 2026',
      status: `Accepted after the 5 school days (on Fri 4 Dec 2026): ${GPCL} to judge`,
    });
    expect(b.rejected).toBe('Dates rejected so far: 2 of 3 (NMAT §14).');
    expect(b.mayProceed).toBeUndefined();
    expect(textOf(late.card)).toContain(`Accepted after the 5 school days (on Fri 4 Dec 2026): ${GPCL} to judge`);
    expect(textOf(late.card)).not.toContain('in their absence');
  });

  it('cancelled before any invitation letter went, nobody writes to her; after one went, the cancellation letter does, and the card says which', async () => {
    const unsent = panel(await press(await open(), 'panel.cancel', { cancelReason: 'The chair of the panel is ill' }));
    expect(unsent.notice).toBe(
      'Hearing cancelled by Gail Clerk on Fri 4 Dec 2026. The Outlook invitation is withdrawn, and the invitation letter to the complainant, not sent yet, will not go: there is nothing to write to them about. Choose the panel below to book another date.',
    );
    expect((await stored()).outbox.filter((o) => o.template === 'hearing_cancelled_letter')).toEqual([]);

    // Booked again (past the §14 window, with the reason), and the outbox worker posts the invitation.
    await book('2026-12-18T10:30', 'the earliest date that gives 10 school days notice');
    await drainOutbox({ deps, log: silentLogger(), messenger: { send: async () => undefined } });
    expect((await stored()).outbox.find((o) => o.key === `${record.id}:letter:hearing_invitation:4:4`)).toMatchObject({ status: 'sent' });
    const told = panel(await press(await open(), 'panel.cancel', { cancelReason: 'The panel cannot meet before Christmas' }));
    expect(told.notice).toBe(
      'Hearing cancelled by Gail Clerk on Fri 4 Dec 2026. The Outlook invitation is withdrawn, and the complainant is told by letter. Choose the panel below to book another date.',
    );
    expect((await stored()).outbox.filter((o) => o.template === 'hearing_cancelled_letter').map((o) => o.key)).toEqual([
      `${record.id}:letter:hearing_cancelled:4:4`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// KPSSPP: the complaints subgroup is drawn at random, not booked (src/app/drawSubgroup.ts)

const KP = {
  chair: 'kp-chair',
  slt: 'kp-slt',
  sandy: 'kp-sandy',
  morag: 'kp-morag',
  murdo: 'kp-murdo',
  mhairi: 'kp-mhairi',
  malcolm: 'kp-malcolm',
  moira: 'kp-moira',
  fiona: 'kp-fiona',
  lee: 'kp-lee',
} as const;

/** The Parent Partnership: four members who may be drawn, one the complaint names, one it is about, one who left. */
function parentPartnership(): Omit<School, 'outbox' | 'digests' | 'version'> {
  return {
    id: 'kpsspp',
    name: "King's Park Secondary School Parent Partnership",
    policyId: 'kpsspp',
    referencePrefix: 'KPSSPP',
    calendar: { region: 'scotland' },
    people: [
      { id: KP.chair, name: 'Chris Chair', roles: ['chairperson'] },
      { id: KP.slt, name: 'Sam Senior', roles: ['slt'] },
      { id: KP.sandy, name: 'Sandy Standing', roles: ['subgroup'] },
      { id: KP.morag, name: 'Morag Member', roles: ['member'] },
      { id: KP.murdo, name: 'Murdo Member', roles: ['member'] },
      { id: KP.mhairi, name: 'Mhairi Member', roles: ['member'] },
      { id: KP.malcolm, name: 'Malcolm Member', roles: ['member'] },
      { id: KP.moira, name: 'Moira Member', roles: ['member'] },
      { id: KP.fiona, name: 'Fiona Fraser', roles: ['member'] },
      { id: KP.lee, name: 'Lee Leaver', roles: ['member'], left: { on: '2026-10-30', reason: 'disabled' } },
    ],
  };
}

/**
 * A complaint about Fiona Fraser that names Moira Member, received Tue 3 Nov 2026; the chair
 * draws the subgroup on Wed 4 Nov at 09:30 (GMT, London's clock in November). The random
 * numbers are given in turn, as positions among those not yet drawn.
 */
describe.each(storeVariants('bot_subgroup', '2026-11-03T10:00:00Z'))('drawing the complaints subgroup in Teams (%s)', (_label, make) => {
  let v: StoreVariant;
  let deps: DrawDeps;
  let bot: Bot;
  let record: CaseRecord;
  const picks: number[] = [];
  const chair = (verb: string, data: Record<string, unknown>) => invoke(bot, KP.chair, verb, data);
  const press = (shown: Shown, verb: string, typed: Record<string, string> = {}, who: string = KP.chair) =>
    invoke(bot, who, verb, submission(shown.card, verb, typed));
  const stored = async () => (await deps.cases.get(record.id))!;
  const subgroup = (shown: Shown) => as(shown, 'panel-draw');
  /** The card a queued message becomes in the recipient's chat. */
  const delivered = async (key: string) => {
    const item = (await stored()).outbox.find((o) => o.key === key);
    expect(item, key).toBeDefined();
    return messageToCard({ ...item!, caseId: record.id, schoolId: record.schoolId }, deps);
  };

  let first: Shown;
  let drawn: Shown;

  beforeAll(async () => {
    v = await make();
    const random = (n: number) => {
      const k = picks.shift();
      if (k === undefined || k >= n) throw new Error(`no scripted pick for random(${n})`);
      return k;
    };
    deps = { ...v.deps, random } satisfies DrawDeps;
    bot = createBot({ deps, drafts: new MemoryDraftStore(v.clock), render: boundRender, log: silentLogger(), clock: v.clock });
    await deps.schools.save(parentPartnership());
    const r = await recordComplaint(deps, KP.chair, {
      schoolId: 'kpsspp',
      complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', relationship: 'parent of a pupil in S2', preferredContact: 'email' },
      about: { role: 'member', personId: KP.fiona, personName: 'Fiona Fraser' },
      summary: 'Fiona Fraser turned my daughter away from the Parent Partnership meeting, and Moira Member saw it.',
    });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
    record = r.case;
    v.clock.set('2026-11-04T09:30:00Z');
  });

  afterAll(async () => {
    await bot?.settled();
    await v?.close?.();
  });

  it('the chair’s task card offers to draw the subgroup; the card gives the rule in the policy’s words, who can be drawn, and who is left out and why', async () => {
    const task = await chair('case.open', { caseId: record.id });
    expect(as(task, 'case-task')).toMatchObject({ can: { bookPanel: true }, panelTitle: 'Draw the subgroup' });
    expect(actionOf(task.card, 'panel.open')!.action.title).toBe('Draw the subgroup');

    first = await chair('panel.open', { caseId: record.id, version: record.version });
    const d = subgroup(first);
    expect(d.step).toBe('draw');
    expect(d.rule).toBe(
      '3 KPSSPP members, picked at random. Left out: anyone the complaint is about or names, anyone involved in it at an earlier stage and anyone who has left. The first drawn convenes the subgroup: they handle stage 1 and the deadlines the subgroup owes (KPSSPP Stage One).',
    );
    expect(d.cite).toMatch(/^KPSSPP Stage One: "Three \.\.\. member names will be picked at random \(excluding any member mentioned in the complaint\)/);
    expect(d.pool.map((p) => p.name)).toEqual(['Morag Member', 'Murdo Member', 'Mhairi Member', 'Malcolm Member']);
    expect(d.excluded).toEqual([
      { name: 'Moira Member', why: 'the complaint names them' },
      { name: 'Fiona Fraser', why: 'the complaint is about them' },
      { name: 'Lee Leaver', why: 'has left' },
    ]);
    expect(textOf(first.card)).toContain('Fiona Fraser: the complaint is about them');
    expect(d.drawTitle).toBe('Draw 3 at random');
  });

  it('Draw 3 at random: the first drawn convenes and owes the response; each of the three is sent the task, which only the convener can act on', async () => {
    picks.push(2, 0, 1);
    drawn = await press(first, 'panel.draw');
    const d = subgroup(drawn);
    expect(d.step).toBe('drawn');
    expect(d.notice).toBe(
      "Drawn at random by Chris Chair on Wed 4 Nov 2026, 09:30: Mhairi Member (convener), Morag Member and Malcolm Member. Each of them is sent the complaint's task card in Teams.",
    );
    expect(d.drawn!.members).toEqual([
      { name: 'Mhairi Member', role: 'Convener, handles stage 1' },
      { name: 'Morag Member', role: 'Member' },
      { name: 'Malcolm Member', role: 'Member' },
    ]);
    expect(d.drawn!.when).toBe('Drawn at random by Chris Chair on Wed 4 Nov 2026, 09:30.');
    const after = await stored();
    expect(after.state.handlerId).toBe(KP.mhairi);
    expect(after.state.deadlines.find((x) => x.kind === 'respond')).toMatchObject({ due: '2026-11-17', ownerId: KP.mhairi });
    expect(after.events.at(-1)).toMatchObject({ type: 'subgroup_drawn', by: KP.chair, details: { memberIds: [KP.mhairi, KP.morag, KP.malcolm] } });

    const convener = await delivered(`${record.id}:subgroup:1:1:${KP.mhairi}`);
    expect(convener.name).toBe('case-task');
    const task = convener.data as CardData['case-task'];
    expect(task.can).toMatchObject({ acknowledge: true, outcome: true });
    expect(task.subgroup).toBe('Mhairi Member (convener), Morag Member and Malcolm Member');
    const member = await delivered(`${record.id}:subgroup:1:1:${KP.morag}`);
    expect(member.name).toBe('case-task');
    expect((member.data as CardData['case-task']).can).toEqual({
      acknowledge: false,
      outcome: false,
      extend: false,
      reassign: false,
      escalate: false,
      bookPanel: false,
    });
  });

  it('the draw card pressed again after the draw draws nothing more: the subgroup as it stands, saying who drew it', async () => {
    const before = (await stored()).events.length;
    const again = subgroup(await press(first, 'panel.draw'));
    expect(again.step).toBe('drawn');
    expect(again.notice).toBe(
      'Drawn at random by Chris Chair on Wed 4 Nov 2026, 09:30, after this card was drawn. Nothing was saved: this is the subgroup as it stands.',
    );
    expect((await stored()).events).toHaveLength(before);
  });

  it('Replace a member: the reason is needed under its field; then one pick from those never drawn, and the other two stay', async () => {
    const version = (await stored()).version;
    const short = await press(drawn, 'panel.replace', { replaceMemberId: KP.morag, replaceReason: 'no' });
    expect(errorUnder(short.card, 'replaceReason')).toBe('Give the reason for replacing them in a few words.');
    expect(inputs(short.card).replaceMemberId!.value).toBe(KP.morag);
    expect(textOf(short.card)).toContain('Nobody has been replaced yet. Open Replace a member below to see what needs changing.');
    expect((await stored()).version).toBe(version);

    v.clock.set('2026-11-05T11:00:00Z');
    picks.push(0);
    const replaced = await press(short, 'panel.replace', { replaceMemberId: KP.morag, replaceReason: 'Morag is related to the complainant.' });
    const d = subgroup(replaced);
    expect(d.notice).toBe(
      "Morag Member was replaced by Murdo Member, picked at random by Chris Chair on Thu 5 Nov 2026, 11:00. Murdo Member is sent the complaint's task card in Teams; Morag Member is told they have nothing more to do on it.",
    );
    expect(d.drawn!.members.map((m) => m.name)).toEqual(['Mhairi Member', 'Malcolm Member', 'Murdo Member']);
    expect(d.drawn!.history.map((h) => h.text)).toEqual([
      'Wed 4 Nov 2026, 09:30: Complaints subgroup drawn at random by Chris Chair: Mhairi Member, Morag Member and Malcolm Member',
      'Thu 5 Nov 2026, 11:00: Morag Member replaced on the complaints subgroup by Murdo Member, picked at random by Chris Chair: Morag is related to the complainant.',
    ]);
    expect((await stored()).events.at(-1)!.details).toMatchObject({ pool: [KP.murdo], replaced: { memberId: KP.morag } });
    const told = await delivered(`${record.id}:subgroup:1:2:${KP.morag}:left`);
    expect(told.data).toMatchObject({ title: `${record.reference}: you are off the complaints subgroup` });
    expect(JSON.stringify(told.data)).not.toContain('related');
    expect(as(await invoke(bot, KP.morag, 'case.open', { caseId: record.id }), 'message').text).toBe('No complaint was found.');
    drawn = replaced;
  });

  it('Draw a new subgroup needs a reason under its field, then replaces all three', async () => {
    const short = await press(drawn, 'panel.draw', { drawReason: 'x' });
    expect(errorUnder(short.card, 'drawReason')).toBe('Give the reason for drawing a new subgroup in a few words.');
    picks.push(3, 1, 0);
    const again = subgroup(await press(short, 'panel.draw', { drawReason: 'The subgroup cannot meet before the deadline.' }, KP.slt));
    expect(again.drawn!.members.map((m) => m.name)).toEqual(['Malcolm Member', 'Murdo Member', 'Morag Member']);
    expect(again.drawn!.when).toBe('Drawn again at random by Sam Senior on Thu 5 Nov 2026, 11:00.');
    expect((await stored()).state.handlerId).toBe(KP.malcolm);
  });

  it('a member who does not convene may not draw; someone not on the subgroup, or whom it is about, is told it does not exist', async () => {
    const version = (await stored()).version;
    const notYours = as(await invoke(bot, KP.murdo, 'panel.open', { caseId: record.id }), 'message');
    expect(notYours).toEqual({
      title: 'Not yours to draw',
      text: `Only the clerk, SLT or whoever handles stage 1 can draw or change the complaints subgroup for ${record.reference}.`,
      tone: 'warning',
    });
    expect(as(await invoke(bot, KP.murdo, 'panel.draw', { caseId: record.id, version, drawReason: 'I would like to be off it.' }), 'message')).toEqual(
      notYours,
    );
    const missing = { title: 'Not found', text: 'No complaint was found.', tone: 'default' };
    expect(as(await invoke(bot, KP.mhairi, 'panel.open', { caseId: record.id }), 'message')).toEqual(missing);
    expect(as(await invoke(bot, KP.fiona, 'panel.draw', { caseId: record.id, version }), 'message')).toEqual(missing);
    expect((await stored()).version).toBe(version);
    await bot.settled();
  });
});
