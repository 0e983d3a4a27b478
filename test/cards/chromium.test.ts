/**
 * Every bound card, rendered by the Adaptive Cards JS renderer in headless Chromium (Debian's
 * chromium package): the renderer must accept it without a parse or validation event, log no
 * warning, and show the texts a person relies on (the reference, due dates, field errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_NAMES, renderCard, type AdaptiveCardJson } from '../../bot/cards.js';
import type { CardData, CardName } from '../../bot/cardTypes.js';
import { startCardRenderer, type CardRenderer, type RenderOptions } from './browser.js';
import { keyTexts, panelSteps, samples, subgroupSteps } from './samples.js';

const { late: _late, timeLimit: _limit, ...onTime } = samples['intake-details'];
const { handlerName: _handler, ...unassigned } = samples['case-task'].header;
const { notice: _notice, ...quiet } = samples['case-task'];
const { when: _when, ...heldLetter } = samples['letter-preview'];
const bookedStep = panelSteps.find(([, d]) => d.step === 'booked')![1];
const refusedInvitation: CardData['panel-booking'] = {
  ...bookedStep,
  values: { complainantAnswer: 'declined', answerReceivedOn: '2026-12-09', answerNote: 'by phone' },
  errors: { answerReceivedOn: 'The answer cannot have arrived after today (Tuesday 8 December 2026).' },
  booked: {
    ...bookedStep.booked!,
    invitation: 'Refused by Outlook',
    invitationProblem:
      'Outlook refused the invitation: The mailbox is not enabled for calendars. Check the organiser mailbox with your IT admin, then book again.',
  },
};

/** The other shapes each card is sent in: empty lists, optional parts missing, other levels. */
const variants: Array<{ [N in CardName]: [string, N, CardData[N]] }[CardName]> = [
  ['welcome with no name or school', 'welcome', { commands: samples.welcome.commands }],
  ['help without text', 'help', { commands: samples.help.commands }],
  ['message without a tone', 'message', { title: 'Sorry', text: 'I did not understand that. Type help to see what I can do.' }],
  ['setup with nothing typed', 'setup', { ...samples.setup, values: {}, errors: {} }],
  ['complainant with nothing typed', 'intake-complainant', { ...samples['intake-complainant'], values: {}, errors: {} }],
  ['details on time', 'intake-details', { ...onTime, errors: {} }],
  ['review without duplicates', 'intake-review', { ...samples['intake-review'], duplicates: [], errors: {} }],
  ['confirmation without deadlines', 'intake-confirmation', { ...samples['intake-confirmation'], deadlines: [] }],
  [
    'task nobody may act on',
    'case-task',
    {
      ...quiet,
      header: unassigned,
      can: { acknowledge: false, outcome: false, extend: false, reassign: false, escalate: false, bookPanel: false },
      values: {},
      errors: {},
    },
  ],
  ['task without deadlines', 'case-task', { ...quiet, deadlines: [], errors: {} }],
  ['case view without history', 'case-view', { ...samples['case-view'], history: [] }],
  ['empty case list', 'case-list', { ...samples['case-list'], cases: [] }],
  ['nudge due soon', 'nudge', { ...samples.nudge, level: 'due_soon' }],
  ['nudge due today', 'nudge', { ...samples.nudge, level: 'due_today' }],
  ['digest with nothing overdue', 'digest', { ...samples.digest, items: [] }],
  [
    'task at a panel stage with the hearing booked',
    'case-task',
    { ...quiet, can: { ...quiet.can, bookPanel: true }, hearing: 'Tue 15 Dec 2026, 10:00-12:00', errors: {} },
  ],
  ...panelSteps.map(([label, data]) => [label, 'panel-booking', data] as ['panel booking', 'panel-booking', CardData['panel-booking']]),
  ['panel booking: Outlook refused the invitation, an answer with an error', 'panel-booking', refusedInvitation],
  ...subgroupSteps.map(([label, data]) => [label, 'panel-draw', data] as ['subgroup', 'panel-draw', CardData['panel-draw']]),
  [
    'task at a random panel stage with the subgroup drawn',
    'case-task',
    {
      ...quiet,
      can: { ...quiet.can, bookPanel: true },
      panelTitle: 'Complaints subgroup',
      subgroup: 'Mhairi Member (convener), Malcolm Member and Murdo Member',
      errors: {},
    },
  ],
  ['letter already sent, read-only', 'letter-preview', { ...heldLetter, editable: false, status: 'Sent by Hana Head on Tue 10 Nov 2026, 10:25.' }],
  [
    'letter with a problem in its text',
    'letter-preview',
    { ...samples['letter-preview'], values: { text: '' }, errors: { text: 'The letter is empty.', form: 'This complaint changed.' } },
  ],
];

let renderer: CardRenderer;

beforeAll(async () => {
  renderer = await startCardRenderer();
}, 60_000);

afterAll(async () => {
  await renderer?.close();
});

async function renderClean(card: AdaptiveCardJson, opts?: RenderOptions) {
  const r = await renderer.render(card, opts);
  expect(r.parseEvents, 'parse events').toEqual([]);
  expect(r.validationEvents, 'validation events').toEqual([]);
  expect(r.consoleProblems, 'console warnings and errors').toEqual([]);
  return r;
}

describe('cards rendered by the Adaptive Cards JS renderer in Chromium', () => {
  it.each(CARD_NAMES)('%s renders without errors or warnings and shows its key texts', async (name) => {
    const r = await renderClean(renderCard(name, samples[name] as never));
    for (const text of keyTexts[name]) expect(r.text, text).toContain(text);
    expect(r.text).not.toContain('${');
  });

  it.each(variants)('%s renders without errors or warnings', async (_label, name, data) => {
    const r = await renderClean(renderCard(name, data as never));
    expect(r.text).not.toContain('${');
  });

  it('the complainant card shows the email error between the email and phone fields', async () => {
    const r = await renderClean(renderCard('intake-complainant', samples['intake-complainant']));
    const at = (s: string) => r.visibleText.indexOf(s);
    expect(at('Email address')).toBeGreaterThan(-1);
    expect(at('Expected an email address such as parent@example.com.')).toBeGreaterThan(at('Email address'));
    expect(at('Phone number')).toBeGreaterThan(at('Expected an email address such as parent@example.com.'));
    expect(r.inputValues).toMatchObject({
      complainantName: 'Priya Parent',
      relationship: 'parent of a pupil in Year 8',
      preferredContact: 'email',
      email: 'priya.parent@example',
      phone: '01642 123456',
      address: '',
    });
  });

  it('the details card keeps the dates typed, in the date pickers', async () => {
    const r = await renderClean(renderCard('intake-details', samples['intake-details']));
    expect(r.inputValues).toMatchObject({ incidentOn: '2026-06-01', receivedOn: '2026-11-09', lateReason: '' });
    expect(r.visibleText).toContain('Say why it should be accepted late.');
  });

  it('the task card shows the overdue deadline and points to the closed form with the error', async () => {
    const r = await renderClean(renderCard('case-task', samples['case-task']));
    expect(r.visibleText).toContain('Overdue, was due Mon 23 Nov 2026');
    expect(r.visibleText).toContain('The outcome has not been recorded yet.');
    for (const button of ['Acknowledge', 'Record outcome', 'Extend', 'Reassign', 'Next stage']) expect(r.visibleText).toContain(button);
  });

  it('opening Record outcome shows the decision as typed with its error under it', async () => {
    const r = await renderClean(renderCard('case-task', samples['case-task']), { openShowCard: 'Record outcome' });
    expect(r.inputValues.decision).toBe('Too short');
    const at = (s: string) => r.visibleText.indexOf(s);
    expect(at('Write the decision and the reasons for it, as the complainant will read them.')).toBeGreaterThan(at('The decision and the reasons for it'));
    for (const outcome of ['Upheld', 'Partially upheld', 'Not upheld']) expect(r.visibleText).toContain(outcome);
  });

  it('the letter preview shows the letter in the box to edit, and read-only once sent', async () => {
    const held = await renderClean(renderCard('letter-preview', samples['letter-preview']));
    expect(held.inputValues.text).toBe(samples['letter-preview'].values.text);
    expect(held.visibleText).toContain('Send now');
    const gone = await renderClean(renderCard('letter-preview', { ...heldLetter, editable: false, status: 'Sent by Hana Head on Tue 10 Nov 2026, 10:25.' }));
    expect(gone.inputValues).toEqual({});
    expect(gone.visibleText).toContain('Sent by Hana Head on Tue 10 Nov 2026, 10:25.');
    expect(gone.visibleText).toContain('Dear Priya Parent,');
    expect(gone.visibleText).not.toContain('Send now');
  });

  it('the panel choice shows the length in the number field and the organiser chosen', async () => {
    const r = await renderClean(renderCard('panel-booking', samples['panel-booking']));
    expect(r.inputValues).toMatchObject({ durationMinutes: '90', organiser: 'gail.clerk@nunthorpe.org.uk', online: 'true' });
  });

  it("the booked hearing keeps the complainant's answer as typed, the error under its date, and says Outlook refused the invitation", async () => {
    const r = await renderClean(renderCard('panel-booking', refusedInvitation));
    expect(r.inputValues).toMatchObject({ complainantAnswer: 'declined', answerReceivedOn: '2026-12-09', answerNote: 'by phone' });
    const at = (s: string) => r.visibleText.indexOf(s);
    expect(at('The answer cannot have arrived after today')).toBeGreaterThan(at('The day their answer arrived'));
    expect(at('Note (optional)')).toBeGreaterThan(at('The answer cannot have arrived after today'));
    expect(r.visibleText).toContain('Outlook refused the invitation: The mailbox is not enabled for calendars.');
    expect(r.visibleText).toContain('Record their answer');
  });

  it('opening Replace a member shows who to replace and the reason as typed, with its error under it', async () => {
    const r = await renderClean(renderCard('panel-draw', samples['panel-draw']), { openShowCard: 'Replace a member' });
    expect(r.inputValues).toMatchObject({ replaceMemberId: 'kp-malcolm', replaceReason: 'No' });
    const at = (s: string) => r.visibleText.indexOf(s);
    expect(at('Give the reason for replacing them in a few words.')).toBeGreaterThan(at('Why (kept in the case history'));
    for (const name of ['Mhairi Member', 'Malcolm Member', 'Murdo Member', 'Replace at random']) expect(r.visibleText).toContain(name);
  });

  it('the check itself notices a card the renderer does not accept', async () => {
    const r = await renderer.render({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'TextBlok', text: 'typo in the type' },
        { type: 'Input.Text', id: 'name', isRequired: true },
        { type: 'Input.Text', id: 'name', label: 'Name again' },
      ],
    });
    expect(r.parseEvents.map((e) => e.event)).toContain('UnknownElementType');
    expect(r.validationEvents.map((e) => e.event)).toEqual(
      expect.arrayContaining(['DuplicateId', 'RequiredInputsShouldHaveLabel', 'RequiredInputsShouldHaveErrorMessage']),
    );
  });
});
