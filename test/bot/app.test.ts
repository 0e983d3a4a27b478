/**
 * The conversation as Teams drives it: activities (install, typed messages, adaptiveCard/action
 * invokes) go through `createBot(...).run` on a TurnContext, and the test reads what the bot
 * sent. `render` records the card name and its CardData, so the tests check what each card
 * says, not its JSON. In-memory stores, plus one full run on the real database.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Activity, ConversationReference } from 'botbuilder';
import { createBot, type Bot, type Render } from '../../bot/app.js';
import type { CardData, CardName } from '../../bot/cardTypes.js';
import { messageToCard } from '../../bot/views.js';
import type { Deps } from '../../src/app/caseFlow.js';
import type { OutgoingMessage } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { sendOverdueDigests, sweepDeadlines } from '../../src/jobs/handlers.js';
import { silentLogger } from '../../src/log.js';
import { MemoryDraftStore, MongoDraftStore, type DraftStore } from '../../src/store/drafts.js';
import type { Database } from '../../src/store/mongo.js';
import { P, TestClock, memoryDeps, nmatSchool, parentComplaint, testDatabase } from '../helpers/app.js';
import { personalActivity, pressButton, runTurn } from '../helpers/teams.js';

// ---------------------------------------------------------------------------------------------
// A Teams stand-in: turns in, what the bot sent out.

type Sent = { name: CardName; data: unknown };

const render: Render = (name, data) => ({ type: 'AdaptiveCard', version: '1.5', $card: name, $data: structuredClone(data) });

const NAMES: Record<string, string> = {
  [P.teacher]: 'Tara Teacher',
  [P.teacher2]: 'Tom Teacher',
  [P.headOfSchool]: 'Hana Head',
  [P.deputy]: 'Dev Deputy',
  [P.governanceLead]: 'Gail Clerk',
  [P.outsider]: 'Colin Caretaker',
};

const nameOf = (from: string) => NAMES[from] ?? 'Someone';

interface Harness {
  bot: Bot;
  deps: Deps;
  clock: TestClock;
  drafts: DraftStore;
  remembered: Array<{ personId: string; reference: Partial<ConversationReference> }>;
  /** Sends a typed message; returns the cards the bot sent. */
  say(from: string, text: string, extra?: Partial<Activity>): Promise<Sent[]>;
  /** Presses a card button; returns the card in the invoke response (and the raw response). */
  press(from: string, verb: string, data: Record<string, unknown>, extra?: Partial<Activity>): Promise<Sent & { status: number; contentType: string }>;
  install(from: string): Promise<Sent[]>;
}

function cardsOf(sent: Array<Partial<Activity>>): Sent[] {
  return sent.flatMap((a) =>
    (a.attachments ?? []).map((att) => ({ name: (att.content as { $card: CardName }).$card, data: (att.content as { $data: unknown }).$data })),
  );
}

function harness(deps: Deps, clock: TestClock, drafts: DraftStore): Harness {
  const remembered: Harness['remembered'] = [];
  const bot = createBot({
    deps,
    drafts,
    render,
    log: silentLogger(),
    clock,
    people: { remember: async (personId, reference) => void remembered.push({ personId, reference }) },
  });
  const turn = (from: string, extra: Partial<Activity>) => runTurn(bot, personalActivity(from, extra, nameOf(from)));
  return {
    bot,
    deps,
    clock,
    drafts,
    remembered,
    say: async (from, text, extra = {}) => cardsOf(await turn(from, { type: 'message', text, ...extra })),
    install: async (from) => cardsOf(await turn(from, { type: 'conversationUpdate', membersAdded: [{ id: '28:complaints-bot', name: 'Complaints' }] })),
    press: async (from, verb, data, extra = {}) => {
      const { status, contentType, card } = await pressButton(bot, from, verb, data, { name: nameOf(from), extra });
      return { status, contentType, name: card.$card, data: card.$data };
    },
  };
}

/** The one card of a given name (fails the test with what came instead). */
function only<N extends CardName>(cards: Sent[] | Sent, name: N): CardData[N] {
  const list = Array.isArray(cards) ? cards : [cards];
  expect(list.map((c) => c.name)).toEqual([name]);
  return list[0]!.data as CardData[N];
}

/** Goes through the intake to the review card, as a receptionist would. */
/** Starts an intake and answers its first card (the complainant): the draft's id. */
async function pastComplainantStep(h: Harness, by: string): Promise<string> {
  const { draftId } = only(await h.say(by, 'new complaint'), 'intake-complainant');
  await h.press(by, 'intake.next', {
    draftId,
    step: 'complainant',
    complainantName: 'Priya Parent',
    relationship: 'Parent',
    preferredContact: 'email',
    email: 'p@example.com',
  });
  return draftId;
}

async function intakeToReview(
  h: Harness,
  by: string,
  answers: {
    complainant?: Record<string, string>;
    about?: Record<string, string>;
    category?: Record<string, string>;
    details?: Record<string, string>;
    outcome?: Record<string, string>;
  } = {},
) {
  const start = only(await h.say(by, 'new complaint'), 'intake-complainant');
  const draftId = start.draftId;
  const steps: Array<[string, Record<string, string>]> = [
    [
      'complainant',
      {
        complainantName: 'Priya Parent',
        relationship: 'Parent of a pupil in Year 8',
        preferredContact: 'email',
        email: 'priya.parent@example.com',
        phone: '',
        address: '',
        ...answers.complainant,
      },
    ],
    ['about', { aboutRole: 'teacher', aboutName: 'Tom Teacher', ...answers.about }],
    ['category', { category: 'behaviour', recordOutOfScope: 'false', ...answers.category }],
    [
      'details',
      {
        summary: 'My son was kept in detention three times this week without any explanation from the school.',
        incidentOn: '2026-11-02',
        receivedOn: '2026-11-06',
        lateReason: '',
        lookedAfterChild: 'false',
        ...answers.details,
      },
    ],
    ['outcome', { desiredOutcome: 'An explanation and a review of how detentions are given.', ...answers.outcome }],
  ];
  let last;
  for (const [step, inputs] of steps) {
    last = await h.press(by, 'intake.next', { draftId, step, ...inputs });
  }
  return { draftId, review: last! };
}

async function recordedCase(h: Harness, by: string = P.teacher) {
  const { draftId, review } = await intakeToReview(h, by);
  expect(review.name).toBe('intake-review');
  const done = await h.press(by, 'intake.submit', { draftId, step: 'review' });
  const confirmation = only(done, 'intake-confirmation');
  const record = await h.deps.cases.getByReference(confirmation.reference);
  return { confirmation, record: record! };
}

// ---------------------------------------------------------------------------------------------

describe('the Teams conversation (in-memory stores)', () => {
  let h: Harness;

  beforeEach(async () => {
    const clock = new TestClock('2026-11-06T09:00:00Z'); // Fri 6 Nov 2026, 09:00 in London
    const deps = memoryDeps(clock);
    h = harness(deps, clock, new MemoryDraftStore(clock));
  });

  describe('first run and commands', () => {
    it('when the bot is installed and no school exists yet, the installing person gets the setup card with the five policies and the three nations’ term dates', async () => {
      const setup = only(await h.install(P.headOfSchool), 'setup');
      expect(setup.policies.map((p) => p.id).sort()).toEqual(['kpsspp', 'miag', 'miet', 'nmat', 'sil']);
      expect(setup.presets.map((p) => p.id)).toEqual(['england-2026-27', 'scotland-2026-27', 'northern-ireland-2026-27']);
      expect(setup.presets[0]!.termsText).toContain('2026-09-02 to 2026-10-23');
      expect(setup.regions.map((r) => r.name)).toEqual(['England and Wales', 'Scotland', 'Northern Ireland']);
      expect(setup.roles.map((r) => r.id)).toContain('role_slt');
    });

    it('a school set up from the card can record its first complaint straight away, with the installer in the roles they typed as "me"', async () => {
      const policy = only(await h.install(P.headOfSchool), 'setup').values.policy;
      expect(policy).toBe('miet');
      // Choosing another policy first asks who holds its roles.
      const second = await h.press(P.headOfSchool, 'setup.submit', {
        schoolName: 'Nunthorpe Academy',
        policy: 'nmat',
        region: '',
        preset: 'england-2026-27',
        terms: '',
        closures: '',
      });
      const again = only(second, 'setup');
      expect(again.errors.policy).toMatch(/who holds each role of NMAT/);
      expect(again.roles.map((r) => r.id)).toContain('role_head_of_school');
      expect(again.values.schoolName).toBe('Nunthorpe Academy');
      // A missing stage 1 handler and bad term dates are shown next to their fields; nothing is saved.
      const bad = only(
        await h.press(P.headOfSchool, 'setup.submit', {
          schoolName: 'Nunthorpe Academy',
          policy: 'nmat',
          preset: 'england-2026-27',
          terms: 'Autumn 1: 2026-09-02 to 2026-10-23\nAutumn 2: 2026-10-20 to 2026-12-18',
          closures: '',
          role_slt: 'me',
          role_teacher: '',
        }),
        'setup',
      );
      expect(bad.errors.role_teacher).toMatch(/stage 1/);
      expect(await h.deps.schools.list()).toEqual([]);
      const overlap = only(
        await h.press(P.headOfSchool, 'setup.submit', {
          schoolName: 'Nunthorpe Academy',
          policy: 'nmat',
          preset: 'england-2026-27',
          terms: 'Autumn 1: 2026-09-02 to 2026-10-23\nAutumn 2: 2026-10-20 to 2026-12-18',
          closures: '',
          role_slt: 'me',
          role_head_of_school: 'me',
          role_teacher: `Tara Teacher <${P.teacher}>`,
        }),
        'setup',
      );
      expect(overlap.errors.terms).toMatch(/overlaps/);
      expect(overlap.values.role_teacher).toBe(`Tara Teacher <${P.teacher}>`);
      const emailOnly = only(
        await h.press(P.headOfSchool, 'setup.submit', {
          schoolName: 'Nunthorpe Academy',
          policy: 'nmat',
          preset: 'england-2026-27',
          terms: '',
          closures: '2027-01-04',
          role_slt: 'me',
          role_head_of_school: 'me',
          role_teacher: 'tara@nunthorpe.example',
        }),
        'setup',
      );
      expect(emailOnly.errors.role_teacher).toMatch(/directory \(Entra ID\) object id/);

      const done = only(
        await h.press(P.headOfSchool, 'setup.submit', {
          schoolName: 'Nunthorpe Academy',
          policy: 'nmat',
          region: '',
          preset: 'england-2026-27',
          terms: '',
          closures: '2027-01-04',
          role_slt: 'me',
          role_head_of_school: 'me',
          role_teacher: `Tara Teacher <${P.teacher}>; Tom Teacher <${P.teacher2}>`,
        }),
        'message',
      );
      expect(done.title).toBe('Nunthorpe Academy is set up');
      expect(done.text).toMatch(/nobody holds executive_principal/); // warned, not refused
      const [school] = await h.deps.schools.list();
      expect(school).toMatchObject({
        id: 'nunthorpe-academy',
        name: 'Nunthorpe Academy',
        policyId: 'nmat',
        referencePrefix: 'NA',
        calendar: { region: 'england-and-wales', closures: ['2027-01-04'] },
      });
      expect(school!.calendar.terms).toHaveLength(6);
      expect(school!.people.find((p) => p.id === P.headOfSchool)).toEqual({ id: P.headOfSchool, name: 'Hana Head', roles: ['head_of_school', 'slt'] });
      // A second setup is refused: changes go through the import.
      expect(only(await h.press(P.outsider, 'setup.submit', { schoolName: 'Hijack', policy: 'miet' }), 'message').title).toBe('Already set up');

      const { confirmation } = await recordedCase(h, P.teacher);
      expect(confirmation).toMatchObject({ reference: 'NA-2026-0001', handlerName: 'Hana Head', handlerRole: 'Head of School' });
    });

    it('on install in a personal chat the welcome card names the school and the commands, and the conversation is remembered for proactive messages after the turn', async () => {
      await h.deps.schools.save(nmatSchool());
      const welcome = only(await h.install(P.teacher), 'welcome');
      expect(welcome).toMatchObject({ userName: 'Tara Teacher', schoolName: 'Nunthorpe Academy' });
      expect(welcome.commands.map((c) => c.title)).toEqual(['new complaint', 'my cases', 'overdue', 'case NMAT-2026-0042', 'help']);
      await h.bot.settled();
      expect(h.remembered).toHaveLength(1);
      expect(h.remembered[0]).toMatchObject({
        personId: P.teacher,
        reference: { conversation: { id: `a:personal-${P.teacher}` }, serviceUrl: 'https://smba.trafficmanager.net/uk/' },
      });
    });

    it('every message gets an answer: help, an unknown command, an empty message, "case" without a reference', async () => {
      await h.deps.schools.save(nmatSchool());
      expect(only(await h.say(P.teacher, 'help'), 'help').commands).toHaveLength(5);
      const unknown = only(await h.say(P.teacher, 'what is the weather'), 'message');
      expect(unknown.text).toMatch(/new complaint/);
      expect(only(await h.say(P.teacher, ''), 'message').text).toMatch(/help/);
      expect(only(await h.say(P.teacher, 'case'), 'message').text).toMatch(/case NMAT-2026-0042/);
      expect(
        only(
          await h.say(P.teacher, '<at>Complaints</at> help', {
            entities: [{ type: 'mention', mentioned: { id: '28:complaints-bot', name: 'Complaints' }, text: '<at>Complaints</at>' }],
          }),
          'help',
        ),
      ).toBeDefined();
    });

    it('in a group chat the bot says it works only 1:1 and shows no case', async () => {
      await h.deps.schools.save(nmatSchool());
      const group = { conversation: { id: '19:group', conversationType: 'groupChat', isGroup: true, name: 'Staff room', tenantId: 'tenant-1' } };
      expect(only(await h.say(P.headOfSchool, 'my cases', group), 'message').title).toBe('Only in a 1:1 chat');
      expect(only(await h.press(P.headOfSchool, 'case.refresh', { caseId: 'case-1', version: 0 }, group), 'message').title).toBe('Only in a 1:1 chat');
    });

    it('someone who is not staff of any school is told so, and cannot start a complaint', async () => {
      await h.deps.schools.save(nmatSchool());
      expect(only(await h.say('aad-stranger', 'new complaint'), 'message').title).toBe('You are not set up yet');
    });
  });

  describe('recording a complaint', () => {
    beforeEach(async () => {
      await h.deps.schools.save(nmatSchool());
    });

    it('a teacher records a parent’s complaint about a colleague: reference, handler and deadlines on the confirmation; the draft is gone', async () => {
      const { confirmation, record } = await recordedCase(h, P.teacher);
      expect(confirmation.reference).toBe('NMAT-2026-0001');
      expect(confirmation.handlerName).toBe('Hana Head');
      expect(confirmation.deadlines.map((d) => [d.label, d.dueText, d.owner])).toEqual([
        ['Acknowledge', 'Tue 10 Nov 2026', 'Hana Head'],
        ['Respond', 'Tue 17 Nov 2026', 'Hana Head'],
      ]);
      expect(record).toMatchObject({
        about: { role: 'teacher', personId: P.teacher2, personName: 'Tom Teacher' },
        category: 'behaviour',
        incidentOn: '2026-11-02',
      });
      expect(record.outbox.map((o) => [o.template, o.to])).toEqual([['stage_task', P.headOfSchool]]);
      expect((h.drafts as MemoryDraftStore).drafts.size).toBe(0);
    });

    it('a wrong field is shown next to that field with what was typed kept, and nothing is saved', async () => {
      const start = only(await h.say(P.teacher, 'new complaint'), 'intake-complainant');
      const res = await h.press(P.teacher, 'intake.next', {
        draftId: start.draftId,
        step: 'complainant',
        complainantName: 'Priya Parent',
        relationship: 'Parent',
        preferredContact: 'email',
        email: 'not-an-email',
        phone: '',
      });
      const card = only(res, 'intake-complainant');
      expect(card.errors).toEqual({ email: 'expected an email address such as parent@example.com' });
      expect(card.values).toMatchObject({ complainantName: 'Priya Parent', email: 'not-an-email' });
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(await h.deps.cases.find({})).toEqual([]);
    });

    it('going back keeps what was typed on both cards', async () => {
      const start = only(await h.say(P.teacher, 'new complaint'), 'intake-complainant');
      const draftId = start.draftId;
      only(
        await h.press(P.teacher, 'intake.next', {
          draftId,
          step: 'complainant',
          complainantName: 'Priya Parent',
          relationship: 'Parent',
          preferredContact: 'phone',
          phone: '01642 123456',
        }),
        'intake-about',
      );
      const back = only(
        await h.press(P.teacher, 'intake.back', { draftId, step: 'about', aboutRole: 'head_of_school', aboutName: 'Hana' }),
        'intake-complainant',
      );
      expect(back.values).toMatchObject({ complainantName: 'Priya Parent', preferredContact: 'phone', phone: '01642 123456' });
      const forward = only(await h.press(P.teacher, 'intake.next', { draftId, step: 'complainant', ...back.values }), 'intake-about');
      expect(forward.values).toMatchObject({ aboutRole: 'head_of_school', aboutName: 'Hana' });
    });

    it('the person a complaint is about cannot record it', async () => {
      const start = only(await h.say(P.headOfSchool, 'new complaint'), 'intake-complainant');
      only(
        await h.press(P.headOfSchool, 'intake.next', {
          draftId: start.draftId,
          step: 'complainant',
          complainantName: 'Priya Parent',
          relationship: 'Parent',
          preferredContact: 'email',
          email: 'p@example.com',
        }),
        'intake-about',
      );
      const about = only(
        await h.press(P.headOfSchool, 'intake.next', { draftId: start.draftId, step: 'about', aboutRole: 'head_of_school', aboutName: 'hana head' }),
        'intake-about',
      );
      expect(about.errors.aboutName).toMatch(/recorded by someone else/);
    });

    it('an out-of-scope category ends with the policy’s signpost and records nothing, unless they insist', async () => {
      const draftId = await pastComplainantStep(h, P.teacher);
      const category = only(await h.press(P.teacher, 'intake.next', { draftId, step: 'about', aboutRole: '', aboutName: '' }), 'intake-category');
      expect(category.outOfScope.find((o) => o.id === 'admissions')?.signpost).toMatch(/admissions appeals/);
      expect(category.categories.map((c) => c.id)).not.toContain('staff_conduct');
      const ended = only(await h.press(P.teacher, 'intake.next', { draftId, step: 'category', category: 'admissions', recordOutOfScope: 'false' }), 'message');
      expect(ended.text).toMatch(/admissions appeals process/);
      expect(await h.deps.cases.find({})).toEqual([]);
      expect(only(await h.press(P.teacher, 'intake.next', { draftId, step: 'category', category: 'admissions' }), 'message').title).toBe(
        'This draft is no longer here',
      );

      const { review, draftId: second } = await intakeToReview(h, P.teacher, {
        about: { aboutRole: '', aboutName: '' },
        category: { category: 'admissions', recordOutOfScope: 'true' },
      });
      expect(only(review, 'intake-review').summary.find((r) => r.label === 'Category')?.value).toMatch(/out of scope/);
      const done = only(await h.press(P.teacher, 'intake.submit', { draftId: second, step: 'review' }), 'intake-confirmation');
      expect(done.handlerName).toMatch(/out of scope/);
      expect((await h.deps.cases.getByReference(done.reference))!.state.status).toBe('out_of_scope');
    });

    it('a complaint made after the time limit asks for the exceptional reason, then records it', async () => {
      const draftId = await pastComplainantStep(h, P.teacher);
      await h.press(P.teacher, 'intake.next', { draftId, step: 'about', aboutRole: 'teacher', aboutName: 'Tom Teacher' });
      await h.press(P.teacher, 'intake.next', { draftId, step: 'category', category: 'bullying' });
      const details = {
        draftId,
        step: 'details',
        summary: 'Our daughter was bullied on the bus all summer term and nobody acted.',
        incidentOn: '2026-07-10',
        receivedOn: '2026-11-06',
        lateReason: '',
      };
      const late = only(await h.press(P.teacher, 'intake.next', details), 'intake-details');
      expect(late.late?.message).toMatch(/more than 3 months after the incident/);
      expect(late.errors.lateReason).toBeDefined();
      only(await h.press(P.teacher, 'intake.next', { ...details, lateReason: 'The family was abroad caring for a relative until October.' }), 'intake-outcome');
      only(await h.press(P.teacher, 'intake.next', { draftId, step: 'outcome', desiredOutcome: 'An apology and a plan for the bus.' }), 'intake-review');
      const done = only(await h.press(P.teacher, 'intake.submit', { draftId, step: 'review' }), 'intake-confirmation');
      expect((await h.deps.cases.getByReference(done.reference))!.state.flags).toContain('late');
    });

    it('a possible duplicate is offered at review: it must be linked or kept separate', async () => {
      const first = await recordComplaint(h.deps, P.teacher, parentComplaint());
      expect(first.result).toBe('recorded');
      const { draftId, review } = await intakeToReview(h, P.teacher2, { about: { aboutRole: 'teacher', aboutName: 'Tara Teacher' } });
      const offered = only(review, 'intake-review');
      expect(offered.duplicates.map((d) => d.reference)).toEqual(['NMAT-2026-0001']);
      const unanswered = only(await h.press(P.teacher2, 'intake.submit', { draftId, step: 'review' }), 'intake-review');
      expect(unanswered.errors.duplicates).toMatch(/link it to them, or keep it separate/);
      const caseId = offered.duplicates[0]!.caseId;
      const done = only(await h.press(P.teacher2, 'intake.submit', { draftId, step: 'review', duplicates: caseId }), 'intake-confirmation');
      expect((await h.deps.cases.getByReference(done.reference))!.linkedCases).toEqual([caseId]);
    });

    it('another person cannot continue someone’s draft', async () => {
      const start = only(await h.say(P.teacher, 'new complaint'), 'intake-complainant');
      const other = only(await h.press(P.teacher2, 'intake.next', { draftId: start.draftId, step: 'complainant', complainantName: 'X' }), 'message');
      expect(other.title).toBe('This draft is no longer here');
    });
  });

  describe('stage tasks', () => {
    beforeEach(async () => {
      await h.deps.schools.save(nmatSchool());
    });

    it('the handler acknowledges from the card; a second press, or someone else’s stale card, shows the current state with who did it', async () => {
      const { record } = await recordedCase(h);
      h.clock.set('2026-11-09T10:00:00Z');
      const acked = only(await h.press(P.headOfSchool, 'case.acknowledge', { caseId: record.id, version: record.version }), 'case-task');
      expect(acked.notice).toBe('Acknowledged by Hana Head on Mon 9 Nov 2026. The acknowledgement letter to the complainant is on its way.');
      expect(acked.can.acknowledge).toBe(false);
      expect(acked.can.outcome).toBe(true);
      expect(acked.header).toMatchObject({ reference: 'NMAT-2026-0001', version: record.version + 1, handlerName: 'Hana Head', stage: 1 });
      expect(acked.deadlines.find((d) => d.kind === 'acknowledge')?.metOn).toBe('Mon 9 Nov 2026');
      expect(acked.refreshUserIds).toEqual([`29:${P.headOfSchool}`]);

      const again = only(await h.press(P.deputy, 'case.acknowledge', { caseId: record.id, version: record.version }), 'case-task');
      expect(again.notice).toBe('Already acknowledged by Hana Head on Mon 9 Nov 2026.');
      expect(again.header.version).toBe(record.version + 1);
      const stored = await h.deps.cases.get(record.id);
      expect(stored!.events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    });

    it('two people pressing acknowledge at the same moment: one acknowledgement, both see who did it', async () => {
      const { record } = await recordedCase(h);
      const [a, b] = await Promise.all([
        h.press(P.headOfSchool, 'case.acknowledge', { caseId: record.id, version: record.version }),
        h.press(P.deputy, 'case.acknowledge', { caseId: record.id, version: record.version }),
      ]);
      const notices = [only(a, 'case-task').notice, only(b, 'case-task').notice];
      expect(notices.filter((x) => x?.startsWith('Acknowledged by'))).toHaveLength(1);
      expect(notices.filter((x) => x?.startsWith('Already acknowledged by'))).toHaveLength(1);
      expect((await h.deps.cases.get(record.id))!.events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    });

    it('refresh gives whoever opens the card the current state; someone else’s change shows as a notice, not an overwrite', async () => {
      const { record } = await recordedCase(h);
      const fresh = only(await h.press(P.headOfSchool, 'case.refresh', { caseId: record.id, version: record.version }), 'case-task');
      expect(fresh.can).toEqual({ acknowledge: true, outcome: true, extend: true, reassign: true, escalate: false, bookPanel: false });
      expect(fresh.outcomes.map((o) => o.id)).toEqual(['resolved', 'upheld', 'partially_upheld', 'not_upheld']);
      expect(fresh.people.map((p) => p.name)).toEqual([]); // nobody else holds head_of_school
      // The deputy extends the respond deadline; Hana's card (old version) then tries to extend too.
      const ext = only(
        await h.press(P.deputy, 'case.extend', {
          caseId: record.id,
          version: record.version,
          extendKind: 'respond',
          extendDue: '2026-11-20',
          extendReason: 'Waiting for the bus company',
        }),
        'case-task',
      );
      expect(ext.notice).toBe('Respond deadline moved to Fri 20 Nov 2026 by Dev Deputy. The complainant is told by letter.');
      const stale = only(
        await h.press(P.headOfSchool, 'case.extend', {
          caseId: record.id,
          version: record.version,
          extendKind: 'respond',
          extendDue: '2026-11-24',
          extendReason: 'More time',
        }),
        'case-task',
      );
      expect(stale.notice).toMatch(/^Dev Deputy changed this complaint after this card was drawn/);
      expect(stale.values).toMatchObject({ extendDue: '2026-11-24' });
      expect(stale.deadlines.find((d) => d.kind === 'respond')?.dueText).toBe('Fri 20 Nov 2026');
    });

    it('a bad outcome submission puts the error next to the field and keeps what was typed; a good one closes the stage', async () => {
      const { record } = await recordedCase(h);
      const bad = only(
        await h.press(P.headOfSchool, 'case.outcome', { caseId: record.id, version: record.version, outcome: 'not_upheld', decision: 'No.' }),
        'case-task',
      );
      expect(bad.errors.decision).toMatch(/write the decision/);
      expect(bad.values).toMatchObject({ outcome: 'not_upheld', decision: 'No.' });
      expect((await h.deps.cases.get(record.id))!.version).toBe(record.version);
      const good = only(
        await h.press(P.headOfSchool, 'case.outcome', {
          caseId: record.id,
          version: record.version,
          outcome: 'not_upheld',
          decision: 'The detentions followed the behaviour policy; we have explained each one to the family.',
        }),
        'case-task',
      );
      expect(good.notice).toMatch(/^Outcome recorded by Hana Head on Fri 6 Nov 2026: Not upheld/);
      expect(good.can).toMatchObject({ outcome: false, acknowledge: false, escalate: true });
      const twice = only(
        await h.press(P.deputy, 'case.outcome', { caseId: record.id, version: record.version, outcome: 'upheld', decision: 'Upheld after all, for reasons.' }),
        'case-task',
      );
      expect(twice.notice).toBe('The outcome of stage 1 was already recorded by Hana Head on Fri 6 Nov 2026: Not upheld.');
      const escalated = only(
        await h.press(P.headOfSchool, 'case.escalate', {
          caseId: record.id,
          version: good.header.version,
          escalateGrounds: 'The parent wants a formal investigation',
        }),
        'case-task',
      );
      expect(escalated.header.stage).toBe(2);
      expect(escalated.notice).toMatch(/Stage 2 is now with Hana Head/);
    });

    it('reassigning to the person the complaint is about is refused next to the field', async () => {
      const { record } = await recordedCase(h);
      const refused = only(
        await h.press(P.deputy, 'case.reassign', { caseId: record.id, version: record.version, reassignTo: P.teacher2, reassignReason: 'Hana is away' }),
        'case-task',
      );
      expect(refused.errors.reassignTo).toMatch(/This complaint is about that person/);
    });
  });

  describe('who sees what', () => {
    beforeEach(async () => {
      await h.deps.schools.save(nmatSchool());
    });

    it('a case is "not found" for anyone who may not see it, in the same words as a reference that does not exist', async () => {
      const { record } = await recordedCase(h);
      const missing = only(await h.say(P.outsider, 'case NMAT-2026-9999'), 'message');
      expect(missing).toEqual({ title: 'Not found', text: 'No complaint was found.', tone: 'default' });
      for (const person of [P.outsider, P.teacher2 /* the complaint is about him */, P.execPrincipal, 'aad-stranger']) {
        expect(only(await h.say(person, 'case NMAT-2026-0001'), 'message'), person).toEqual(missing);
        expect(only(await h.press(person, 'case.refresh', { caseId: record.id, version: record.version }), 'message'), person).toEqual(missing);
        expect(only(await h.press(person, 'case.acknowledge', { caseId: record.id, version: record.version }), 'message'), person).toEqual(missing);
      }
      expect(only(await h.press(P.outsider, 'case.refresh', { caseId: 'no-such-case', version: 0 }), 'message')).toEqual(missing);
      expect((await h.deps.cases.get(record.id))!.events.map((e) => e.type)).toEqual(['received']);
      // The handler, SLT, the clerk and panel members do see it.
      for (const person of [P.headOfSchool, P.deputy, P.governanceLead, P.panel1]) {
        const view = only(await h.say(person, 'case nmat-2026-0001.'), 'case-view');
        expect(view.header.reference).toBe('NMAT-2026-0001');
      }
      const view = only(await h.say(P.headOfSchool, 'case NMAT-2026-0001'), 'case-view');
      expect(view.history).toEqual([{ at: 'Fri 6 Nov 2026, 09:00', text: 'Received at stage 1, recorded by Tara Teacher' }]);
      expect(view.header.subject).toBe(
        'Behaviour, discipline and how the behaviour policy was applied, about Tom Teacher (Teacher (or Pastoral Manager / Head of Department))',
      );
    });

    it('"my cases" lists what the person owes; "overdue" is for SLT and the clerk and shows what is late', async () => {
      const { record } = await recordedCase(h);
      const mine = only(await h.say(P.headOfSchool, 'my cases'), 'case-list');
      expect(mine.cases).toEqual([
        { caseId: record.id, reference: 'NMAT-2026-0001', stage: 1, status: 'Open', next: 'Acknowledge by Tue 10 Nov 2026', overdue: 0 },
      ]);
      expect(only(await h.say(P.teacher, 'my cases'), 'case-list').cases).toEqual([]);
      expect(only(await h.say(P.teacher, 'overdue'), 'message').title).toBe('Only for SLT and the clerk');
      h.clock.set('2026-11-12T09:00:00Z');
      const overdue = only(await h.say(P.deputy, 'overdue'), 'case-list');
      expect(overdue.title).toBe('Overdue at Nunthorpe Academy');
      expect(overdue.cases).toMatchObject([{ reference: 'NMAT-2026-0001', overdue: 1 }]);
      const opened = only(await h.press(P.deputy, 'case.open', { caseId: record.id }), 'case-task');
      expect(opened.deadlines.find((d) => d.kind === 'acknowledge')).toMatchObject({ overdue: true, dueText: 'Tue 10 Nov 2026' });
    });
  });

  describe('messages from the outbox as cards', () => {
    beforeEach(async () => {
      await h.deps.schools.save(nmatSchool());
    });

    const outgoing = (
      item: { key: string; kind: OutgoingMessage['kind']; to: string; template: string; data: Record<string, unknown> },
      schoolId: string,
      caseId?: string,
    ): OutgoingMessage => ({
      key: item.key,
      kind: item.kind,
      to: item.to,
      template: item.template,
      data: item.data,
      schoolId,
      ...(caseId ? { caseId } : {}),
    });

    it('a stage task becomes the task card for its recipient; a nudge the nudge card; the SLT digest one digest card', async () => {
      const { record } = await recordedCase(h);
      const task = await messageToCard(outgoing(record.outbox[0]!, record.schoolId, record.id), h.deps, { refreshUserIds: ['29:hana'] });
      expect(task.name).toBe('case-task');
      const taskData = task.data as CardData['case-task'];
      expect(taskData.can.acknowledge).toBe(true);
      expect(taskData.refreshUserIds).toEqual(['29:hana']);

      h.clock.set('2026-11-11T09:00:00Z'); // Wed 11 Nov, 09:00: acknowledge (due Tue 10) is overdue
      await sweepDeadlines({ deps: h.deps, messenger: { send: async () => {} }, log: silentLogger() });
      const nudgeItem = (await h.deps.cases.get(record.id))!.outbox.find((o) => o.template.startsWith('deadline_'))!;
      const nudge = await messageToCard(outgoing(nudgeItem, record.schoolId, record.id), h.deps);
      expect(nudge.name).toBe('nudge');
      expect(nudge.data).toMatchObject({
        level: 'overdue',
        header: { reference: 'NMAT-2026-0001' },
        deadline: { label: 'Acknowledge', dueText: 'Tue 10 Nov 2026', owner: 'Hana Head', overdue: true },
      });

      await sendOverdueDigests({ deps: h.deps, messenger: { send: async () => {} }, log: silentLogger() });
      const school = (await h.deps.schools.get(record.schoolId))!;
      const digestItem = school.outbox.find((o) => o.template === 'overdue_digest' && o.to === P.deputy)!;
      const digest = await messageToCard(outgoing(digestItem, school.id), h.deps);
      expect(digest).toEqual({
        name: 'digest',
        data: {
          schoolName: 'Nunthorpe Academy',
          date: 'Wed 11 Nov 2026',
          items: [{ caseId: record.id, reference: 'NMAT-2026-0001', stage: 1, label: 'Acknowledge', dueText: 'Tue 10 Nov 2026', owner: 'Hana Head' }],
        },
      });

      const other = await messageToCard(
        {
          key: 'k',
          kind: 'message',
          to: P.headOfSchool,
          template: 'reassigned',
          data: { reference: 'NMAT-2026-0001', stage: 1, reassignedTo: 'Dev Deputy', reason: 'Hana is away' },
          schoolId: record.schoolId,
          caseId: record.id,
        },
        h.deps,
      );
      expect(other).toEqual({
        name: 'message',
        data: {
          title: 'NMAT-2026-0001 was reassigned',
          text: 'Stage 1 is now handled by Dev Deputy: Hana is away. You have nothing more to do on it.',
          tone: 'default',
        },
      });
      // Someone who may not see the case gets no details from a task card.
      const hidden = await messageToCard({ ...outgoing(record.outbox[0]!, record.schoolId, record.id), to: P.teacher2 }, h.deps);
      expect(hidden.name).toBe('message');
    });
  });
});

describe('the Teams conversation on the real database', () => {
  let db: Database;
  afterAll(async () => db?.close());

  it('records a complaint through the cards, keeps the draft in the database meanwhile, and acknowledges it once', async () => {
    db = await testDatabase(`bot_app_${Date.now()}`);
    const clock = new TestClock('2026-11-06T09:00:00Z');
    const deps: Deps = { cases: db.cases, schools: db.schools, clock };
    const drafts = await MongoDraftStore.create(db.connection.db!, clock);
    const h = harness(deps, clock, drafts);
    await deps.schools.save(nmatSchool());

    const { draftId, review } = await intakeToReview(h, P.teacher);
    expect(only(review, 'intake-review').summary.find((r) => r.label === 'Complainant')?.value).toBe('Priya Parent');
    expect(await drafts.get(draftId, P.teacher)).toMatchObject({ step: 'review', values: { complainantName: 'Priya Parent', category: 'behaviour' } });
    const done = only(await h.press(P.teacher, 'intake.submit', { draftId, step: 'review' }), 'intake-confirmation');
    expect(done).toMatchObject({ reference: 'NMAT-2026-0001', handlerName: 'Hana Head' });
    expect(await drafts.get(draftId, P.teacher)).toBeNull();

    const record = (await deps.cases.getByReference('NMAT-2026-0001'))!;
    const [a, b] = await Promise.all([
      h.press(P.headOfSchool, 'case.acknowledge', { caseId: record.id, version: record.version }),
      h.press(P.deputy, 'case.acknowledge', { caseId: record.id, version: record.version }),
    ]);
    const notices = [only(a, 'case-task').notice, only(b, 'case-task').notice];
    expect(notices.filter((x) => x?.startsWith('Already acknowledged by'))).toHaveLength(1);
    expect((await deps.cases.get(record.id))!.events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    expect(only(await h.say(P.outsider, 'case NMAT-2026-0001'), 'message').text).toBe('No complaint was found.');
    await h.bot.settled();
  });
});
