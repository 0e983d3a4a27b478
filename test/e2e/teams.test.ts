/**
 * The service as Teams drives it, end to end: `node --import tsx src/main.ts` started as
 * `npm start` starts it (test/e2e/harness.ts), real Activity JSON posted to /api/messages, and
 * the Bot Connector played by a local stand-in at the activities' serviceUrl, which records every
 * reply and proactive message. The database is the test run's (a database of this file's own).
 *
 * Two schools are seeded through the stores before the start: Nunthorpe Academy under NMAT
 * (school days, term dates) and Crescent Primary under MIET (working days), each with people in
 * the roles its policy names.
 *
 * The service's clock starts at Mon 9 Nov 2026, 07:59:54 in London (GMT in November), so every
 * complaint recorded here is received on Mon 9 Nov, and school hours (08:00) begin six seconds
 * after the start: a complaint seeded as received on Thu 5 Nov then owes its acknowledgement the
 * next school day, and its due-soon nudge falls due from the clock, with no one doing anything.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseRecord, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import type { Database } from '../../src/store/mongo.js';
import { ConnectorStandIn } from '../bot/connectorStandIn.js';
import { ENGLAND_2026_27 } from '../helpers/fold.js';
import { P, TestClock, nmatSchool, testDatabase } from '../helpers/app.js';
import {
  TeamsChat,
  cardsOf,
  createdChatWith,
  databaseUri,
  errorUnder,
  inputs,
  recipientOf,
  rows,
  startService,
  textOf,
  texts,
  verbs,
  type Card,
  type RunningService,
} from './harness.js';

const TENANT = '5f0c7a3e-2b1d-4c6e-9a8f-0d1e2f3a4b5c';
const DB_NAME = 'e2e_teams';
/** Mon 9 Nov 2026, 07:59:54 in London: school hours begin 6 seconds after the start. */
const CLOCK_START = '2026-11-09T07:59:54Z';

/** Crescent Primary, a MIET school, by directory id. */
const M = {
  teacher: 'aad-miet-teacher-1',
  teacher2: 'aad-miet-teacher-2',
  pastoral: 'aad-miet-pastoral',
  head: 'aad-miet-head',
  exec: 'aad-miet-exec',
  chair: 'aad-miet-chair',
  office: 'aad-miet-office',
  panel1: 'aad-miet-panel-1',
  panel2: 'aad-miet-panel-2',
  panel3: 'aad-miet-panel-3',
} as const;

function mietSchool(): Omit<School, 'outbox' | 'digests' | 'version'> {
  return {
    id: 'crescent',
    name: 'Crescent Primary',
    policyId: 'miet',
    referencePrefix: 'CP',
    calendar: { region: 'england-and-wales', terms: ENGLAND_2026_27.terms.map((t) => ({ ...t })), closures: [...ENGLAND_2026_27.closures] },
    people: [
      { id: M.teacher, name: 'Aisha Ahmed', roles: ['class_teacher'] },
      { id: M.teacher2, name: 'Bilal Brown', roles: ['class_teacher'] },
      { id: M.pastoral, name: 'Parveen Patel', roles: ['pastoral_lead', 'slt'] },
      { id: M.head, name: 'Hafsa Hussain', roles: ['head_teacher', 'slt'] },
      { id: M.exec, name: 'Ezra Edwards', roles: ['executive_head'] },
      { id: M.chair, name: 'Carmen Clarke', roles: ['chair_of_trustees'] },
      { id: M.office, name: 'Omar Osman', roles: ['trust_office', 'clerk'] },
      { id: M.panel1, name: 'Nadia Noor', roles: ['panel_member'] },
      { id: M.panel2, name: 'Yusuf Young', roles: ['panel_member'] },
      { id: M.panel3, name: 'Irene Independent', roles: ['panel_member'] },
    ],
  };
}

let standIn: ConnectorStandIn;
let service: RunningService | undefined;
let db: Database;
/** The MIET complaint seeded before the start, for the nudge. */
let seeded: CaseRecord;

const chat = (aadObjectId: string, name: string, conversationId?: string) =>
  new TeamsChat(service!.url, standIn, TENANT, { aadObjectId, name }, conversationId);
const tara = () => chat(P.teacher, 'Tara Teacher');
const aisha = () => chat(M.teacher, 'Aisha Ahmed');

beforeAll(async () => {
  standIn = await ConnectorStandIn.start();
  db = await testDatabase(DB_NAME);
  await db.schools.save(nmatSchool());
  await db.schools.save(mietSchool());
  // A parent's email about the head teacher, opened on Thu 5 Nov 2026 by the trust office.
  const thursday = new TestClock('2026-11-05T10:00:00Z');
  const r = await recordComplaint({ cases: db.cases, schools: db.schools, clock: thursday }, M.office, {
    schoolId: 'crescent',
    complainant: { name: 'Rashid Rahman', email: 'rashid.rahman@example.com', relationship: 'Parent of a pupil in Year 3', preferredContact: 'email' },
    about: { role: 'head_teacher', personId: M.head, personName: 'Hafsa Hussain' },
    category: 'communication',
    summary: 'Three emails to the head teacher about the after-school club have gone unanswered since September.',
    desiredOutcome: 'A reply and a meeting.',
  });
  if (r.result !== 'recorded') throw new Error(`seeding the nudge case: ${r.result}`);
  seeded = r.case;
  service = await startService({ mongoUri: databaseUri(inject('mongoUri'), DB_NAME), serviceUrl: standIn.url, tenantId: TENANT, clockStart: CLOCK_START });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await standIn?.stop();
  await db?.close();
});

/** Goes through the intake cards one by one, as a person typing into them; returns the last card. */
async function intake(
  who: TeamsChat,
  answers: {
    complainant: Record<string, string>;
    about: Record<string, string>;
    category: Record<string, string>;
    details: Record<string, string>;
    outcome: Record<string, string>;
  },
): Promise<{ review: Card; confirmation: Card }> {
  let card = await who.sayForCard('new complaint');
  expect(texts(card)[0]).toBe('New complaint · step 1 of 6');
  const steps = [answers.complainant, answers.about, answers.category, answers.details, answers.outcome];
  for (const [i, typed] of steps.entries()) {
    const answer = await who.press(card, 'intake.next', typed);
    expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
    card = answer.card;
    // Each Next moves one step on: no error came back.
    expect(texts(card)[0], textOf(card)).toBe(`New complaint · step ${i + 2} of 6`);
  }
  const review = card;
  const done = await who.press(review, 'intake.submit');
  return { review, confirmation: done.card };
}

/** Polls `check` until it returns something, or fails after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The reference on a confirmation card. */
const referenceOn = (card: Card) => /Reference (\S+)/.exec(textOf(card))?.[1];

/** Cards in a chat whose text matches. */
const cardsSaying = (c: TeamsChat, pattern: RegExp) => c.cards().filter((k) => pattern.test(textOf(k)));

describe('the service in Teams, end to end', () => {
  it('installed in a personal chat it welcomes the person; help, and anything it does not know, get a short helpful answer', async () => {
    const t = tara();
    const welcome = await t.install();
    expect(welcome).toHaveLength(1);
    expect(textOf(welcome[0]!)).toMatch(/^Hello, Tara Teacher\nI help staff at Nunthorpe Academy record complaints/);
    expect(texts(welcome[0]!)).toContain(
      'new complaint: Record a complaint someone made by phone, email, letter or in person. It takes a minute; you can go back at any step.',
    );

    const help = await t.sayForCard('help');
    expect(texts(help)[0]).toBe('What I can do');
    expect(texts(help).filter((x) => /^(new complaint|my cases|overdue|case NMAT-2026-0042|help): /.test(x))).toHaveLength(5);

    const unknown = await t.sayForCard('what time is the nativity play');
    expect(texts(unknown)).toEqual([
      'I did not catch that',
      'I do not know "what time is the nativity play". Type "new complaint" to record one, "my cases" for what you owe, "overdue" for what is late, "case" and a reference for one complaint, or "help".',
    ]);
    // Every answer went into Tara's own chat, as a reply to what she sent.
    expect(t.delivered().map((r) => r.route)).toEqual(['replyToActivity', 'replyToActivity', 'replyToActivity']);
    // Her chat is remembered, so that the bot can write to her later.
    expect(await db.connection.db!.collection('conversationReferences').findOne({ aadObjectId: P.teacher })).toMatchObject({
      tenantId: TENANT,
      reference: {
        serviceUrl: standIn.url,
        conversation: { id: t.conversationId, conversationType: 'personal' },
        user: { id: t.userId, aadObjectId: P.teacher },
      },
    });
  });

  it('NMAT: a teacher records a parent’s complaint about a colleague; the Head of School, who never opened the bot, gets the task, acknowledges it and records the outcome', async () => {
    const t = tara();
    expect(createdChatWith(standIn, P.headOfSchool)).toBeUndefined();
    const { review, confirmation } = await intake(t, {
      complainant: {
        complainantName: 'Priya Parent',
        relationship: 'Parent of a pupil in Year 8',
        preferredContact: 'email',
        email: 'priya.parent@example.com',
      },
      about: { aboutRole: 'teacher', aboutName: 'Tom Teacher' },
      category: { category: 'behaviour' },
      details: { summary: 'My son was kept in detention three times last week without any explanation from the school.', incidentOn: '2026-11-05' },
      outcome: { desiredOutcome: 'An explanation and a review of how detentions are given.' },
    });
    expect(texts(review)).toEqual(
      expect.arrayContaining([
        'Complainant: Priya Parent',
        'About: Tom Teacher, Teacher (or Pastoral Manager / Head of Department)',
        'Received: Mon 9 Nov 2026', // today on the service's clock
      ]),
    );

    // Received Mon 9 Nov 2026 (a school day of Autumn 2). NMAT stage 1: acknowledge within 2 school
    // days (Tue 10, Wed 11) and respond within 7 (Tue 10, Wed 11, Thu 12, Fri 13, Mon 16, Tue 17, Wed 18).
    // A complaint about a teacher goes to the Head of School (§3).
    expect(referenceOn(confirmation)).toBe('NMAT-2026-0001');
    expect(texts(confirmation)).toContain('Handled by: Hana Head (Head of School)');
    expect(rows(confirmation)).toEqual(['Acknowledge | Hana Head | Due Wed 11 Nov 2026', 'Respond | Hana Head | Due Wed 18 Nov 2026']);
    const record = (await db.cases.getByReference('NMAT-2026-0001'))!;
    expect(record).toMatchObject({
      schoolId: 'nunthorpe',
      about: { role: 'teacher', personId: P.teacher2 },
      category: 'behaviour',
      incidentOn: '2026-11-05',
      state: { status: 'open', stage: 1, handlerId: P.headOfSchool, receivedOn: '2026-11-09' },
    });
    expect(record.events.map((e) => [e.type, e.by])).toEqual([['received', P.teacher]]);

    // The outbox drain (every 300 ms) sends the task: Hana has no chat with the bot, so one is created.
    await standIn.waitFor(() => createdChatWith(standIn, P.headOfSchool)?.conversationId !== undefined, 10_000);
    const opened = createdChatWith(standIn, P.headOfSchool)!;
    expect(opened.created.body).toMatchObject({ isGroup: false, tenantId: TENANT, members: [{ id: P.headOfSchool }], channelData: { tenant: { id: TENANT } } });
    const hana = chat(P.headOfSchool, 'Hana Head', opened.conversationId);
    expect(await db.connection.db!.collection('conversationReferences').findOne({ aadObjectId: P.headOfSchool })).toMatchObject({
      reference: { serviceUrl: standIn.url, conversation: { id: opened.conversationId, conversationType: 'personal' } },
    });
    const [task] = hana.cards();
    expect(hana.cards()).toHaveLength(1);
    expect(texts(task!).slice(0, 3)).toEqual([
      'Complaint to handle · Nunthorpe Academy',
      'NMAT-2026-0001',
      'Behaviour, discipline and how the behaviour policy was applied, about Tom Teacher (Teacher (or Pastoral Manager / Head of Department))',
    ]);
    expect(rows(task!)).toEqual(['Acknowledge | Hana Head | Due Wed 11 Nov 2026', 'Respond | Hana Head | Due Wed 18 Nov 2026']);
    expect(verbs(task!)).toEqual(expect.arrayContaining(['case.acknowledge', 'case.outcome', 'case.extend']));
    // The card keeps showing the case as it stands whenever Hana opens it: Teams refreshes it for her.
    // (Teams: `userIds: []` turns automatic refresh off and leaves only "Refresh card" in the menu.)
    const refresh = task!.refresh as { action: { verb: string; data: unknown }; userIds?: string[] };
    expect(refresh.action).toMatchObject({ verb: 'case.refresh', data: { caseId: record.id } });
    expect.soft(refresh.userIds, 'the task card in Hana’s chat must refresh automatically for her').not.toEqual([]);
    // Nothing about the case went to anyone else's chat: only the task to Hana.
    expect(standIn.delivered.filter((r) => JSON.stringify(r.body).includes('NMAT-2026-0001')).map(recipientOf)).toEqual([P.headOfSchool]);

    // Hana acknowledges from the card...
    const acked = await hana.press(task!, 'case.acknowledge');
    expect(textOf(acked.card)).toContain('Acknowledged by Hana Head on Mon 9 Nov 2026. The acknowledgement letter to the complainant is on its way.');
    expect(rows(acked.card)).toEqual(['Acknowledge | Hana Head | Done Mon 9 Nov 2026', 'Respond | Hana Head | Due Wed 18 Nov 2026']);
    expect(verbs(acked.card)).not.toContain('case.acknowledge');
    // ...a second press on the old card shows who did it, and acknowledges nothing twice.
    const again = await hana.press(task!, 'case.acknowledge');
    expect(textOf(again.card)).toContain('Already acknowledged by Hana Head on Mon 9 Nov 2026.');

    // ...then records the outcome from the updated card's form.
    const tooShort = await hana.press(acked.card, 'case.outcome', { outcome: 'not_upheld', decision: 'No.' });
    expect(errorUnder(tooShort.card, 'decision')).toMatch(/write the decision/);
    expect(inputs(tooShort.card).decision?.value).toBe('No.');
    const decision = 'The detentions followed the behaviour policy; we have explained each one to the family and shared the log.';
    const outcome = await hana.press(tooShort.card, 'case.outcome', { outcome: 'not_upheld', decision });
    expect(textOf(outcome.card)).toContain('Outcome recorded by Hana Head on Mon 9 Nov 2026: Not upheld. The outcome letter to the complainant is on its way.');
    expect(verbs(outcome.card)).toEqual(expect.arrayContaining(['case.escalate']));
    expect(verbs(outcome.card)).not.toContain('case.outcome');

    const after = await eventually(async () => {
      const r = (await db.cases.getByReference('NMAT-2026-0001'))!;
      return r.outbox.find((o) => o.template === 'stage_task')?.status === 'sent' ? r : undefined;
    });
    expect(after.events.map((e) => [e.type, e.by, e.outcome])).toEqual([
      ['received', P.teacher, undefined],
      ['acknowledged', P.headOfSchool, undefined],
      ['responded', P.headOfSchool, 'not_upheld'],
    ]);
    expect(after.events[2]!.details).toEqual({ decision });
    expect(after.state.deadlines.map((d) => [d.kind, d.due, d.metOn])).toEqual([
      ['acknowledge', '2026-11-11', '2026-11-09'],
      ['respond', '2026-11-18', '2026-11-09'],
    ]);
    expect(after.state).toMatchObject({ status: 'open', stage: 1, outcome: 'not_upheld' });
    const task1 = after.outbox.find((o) => o.template === 'stage_task')!;
    expect(task1).toMatchObject({ to: P.headOfSchool, status: 'sent' });
    expect(after.outbox.filter((o) => o.kind === 'letter').map((o) => o.template)).toEqual(['acknowledgement_letter', 'outcome_letter']);
    // The task went once: one card in Hana's chat, one delivery recorded against its key.
    expect(hana.cards()).toHaveLength(1);
    expect(await db.connection.db!.collection('deliveries').countDocuments({ key: task1.key, status: 'delivered' })).toBe(1);
  });

  it('MIET: the same from the other policy; working days count, a complaint about a class teacher goes to the Pastoral Lead, and "resolved" closes it', async () => {
    const a = aisha();
    const { confirmation } = await intake(a, {
      complainant: { complainantName: 'Fatima Farah', relationship: 'Mother of a pupil in Year 2', preferredContact: 'phone', phone: '0161 496 0123' },
      about: { aboutRole: 'class_teacher', aboutName: 'Bilal Brown' },
      category: { category: 'communication' },
      details: { summary: 'The class teacher did not tell us our daughter had been hurt in the playground until the next day.' },
      outcome: { desiredOutcome: 'To be phoned the same day when something happens.' },
    });
    // Received Mon 9 Nov 2026. MIET stage 1 counts working days (weekdays that are not bank
    // holidays, term or not): acknowledge within 3 (Tue 10, Wed 11, Thu 12), respond within 10
    // (Tue 10 ... Fri 13, Mon 16 ... Fri 20, Mon 23), and stages 1 and 2 together within 28
    // (4 in the week of 9 Nov, then 5 a week to Fri 11 Dec makes 24, then Mon 14 ... Thu 17 Dec).
    expect(referenceOn(confirmation)).toBe('CP-2026-0002'); // 0001 is the complaint seeded on Thursday
    expect(texts(confirmation)).toContain('Handled by: Parveen Patel (Pastoral Lead / Deputy Head Teacher)');
    expect(rows(confirmation)).toEqual([
      'Acknowledge | Parveen Patel | Due Thu 12 Nov 2026',
      'Respond | Parveen Patel | Due Mon 23 Nov 2026',
      'Overall target | Parveen Patel | Due Thu 17 Dec 2026',
    ]);

    await standIn.waitFor(() => createdChatWith(standIn, M.pastoral)?.conversationId !== undefined, 10_000);
    const parveen = chat(M.pastoral, 'Parveen Patel', createdChatWith(standIn, M.pastoral)!.conversationId);
    const [task] = parveen.cards();
    expect(texts(task!).slice(0, 2)).toEqual(['Complaint to handle · Crescent Primary', 'CP-2026-0002']);

    const acked = await parveen.press(task!, 'case.acknowledge');
    expect(textOf(acked.card)).toContain('Acknowledged by Parveen Patel on Mon 9 Nov 2026.');
    const resolved = await parveen.press(acked.card, 'case.outcome', {
      outcome: 'resolved',
      decision: 'We phoned the family, apologised, and agreed that the class teacher phones home the same day after any injury.',
    });
    expect(textOf(resolved.card)).toContain('Outcome recorded by Parveen Patel on Mon 9 Nov 2026: Resolved.');
    expect(textOf(resolved.card)).toContain('The complaint is now closed.');
    expect(verbs(resolved.card).filter((v) => v !== 'case.refresh')).toEqual([]);

    const record = (await db.cases.getByReference('CP-2026-0002'))!;
    expect(record.events.map((e) => [e.type, e.by])).toEqual([
      ['received', M.teacher],
      ['acknowledged', M.pastoral],
      ['responded', M.pastoral],
    ]);
    expect(record.state).toMatchObject({ status: 'closed', stage: 1, outcome: 'resolved', closedOn: '2026-11-09', handlerId: M.pastoral });
    expect(record.about).toMatchObject({ role: 'class_teacher', personId: M.teacher2 });
    // The class teacher it is about was never sent anything.
    expect(standIn.delivered.filter((r) => recipientOf(r) === M.teacher2)).toEqual([]);
  });

  it('a complaint about the NMAT Head of School goes to the Executive Principal; the head never receives it and is told "not found"', async () => {
    const t = tara();
    const { confirmation } = await intake(t, {
      complainant: {
        complainantName: 'Mark Mason',
        relationship: 'Father of a pupil in Year 10',
        preferredContact: 'letter',
        address: '12 Marton Road, Middlesbrough TS7 8AA',
      },
      about: { aboutRole: 'head_of_school', aboutName: 'Hana Head' },
      category: { category: 'communication' },
      details: { summary: 'The Head of School cancelled our meeting about the school trip twice without telling us why.' },
      outcome: { desiredOutcome: 'A meeting with someone else at the trust.' },
    });
    // Same dates as any NMAT complaint received Mon 9 Nov; the Executive Principal owes them (§3).
    expect(referenceOn(confirmation)).toBe('NMAT-2026-0002');
    expect(texts(confirmation)).toContain('Handled by: Eve Principal (Executive Principal)');
    expect(rows(confirmation)).toEqual(['Acknowledge | Eve Principal | Due Wed 11 Nov 2026', 'Respond | Eve Principal | Due Wed 18 Nov 2026']);

    await standIn.waitFor(() => createdChatWith(standIn, P.execPrincipal)?.conversationId !== undefined, 10_000);
    const eve = chat(P.execPrincipal, 'Eve Principal', createdChatWith(standIn, P.execPrincipal)!.conversationId);
    expect(texts(eve.cards()[0]!).slice(0, 2)).toEqual(['Complaint to handle · Nunthorpe Academy', 'NMAT-2026-0002']);
    expect(textOf(eve.cards()[0]!)).toContain('about Hana Head (Head of School)');

    // Hana (SLT, and the handler of the other complaint) gets nothing about it, and cannot look it up.
    const hana = chat(P.headOfSchool, 'Hana Head', createdChatWith(standIn, P.headOfSchool)!.conversationId);
    const caseId = (await db.cases.getByReference('NMAT-2026-0002'))!.id;
    await new Promise((r) => setTimeout(r, 700)); // two more outbox drains
    const aboutIt = standIn.requests.filter((r) => JSON.stringify(r.body ?? '').includes('NMAT-2026-0002') || JSON.stringify(r.body ?? '').includes(caseId));
    expect(aboutIt.map(recipientOf).filter((to) => to !== P.teacher && to !== P.execPrincipal)).toEqual([]);
    const lookup = await hana.sayForCard('case NMAT-2026-0002');
    expect(texts(lookup)).toEqual(['Not found', 'No complaint was found.']);
    // The same words as for a reference that does not exist.
    expect(texts(await hana.sayForCard('case NMAT-2026-0999'))).toEqual(texts(lookup));
    const refreshed = await hana.invoke('case.refresh', { caseId });
    expect(texts(refreshed.card)).toEqual(['Not found', 'No complaint was found.']);
    // Eve sees it.
    const view = await eve.sayForCard('case NMAT-2026-0002');
    expect(texts(view).slice(0, 2)).toEqual(['Complaint · Nunthorpe Academy', 'NMAT-2026-0002']);
  });

  it('a bad card submission comes back as the same card with the error next to the field and what was typed kept; nothing is recorded', async () => {
    const t = tara();
    const casesBefore = await db.connection.db!.collection('cases').countDocuments();
    const start = await t.sayForCard('new complaint');
    const typed = {
      complainantName: 'Paula Price',
      relationship: 'Parent of a pupil in Year 7',
      preferredContact: 'email',
      email: 'paula.price-at-example.com',
    };
    const bad = await t.press(start, 'intake.next', typed);
    expect(texts(bad.card)[0]).toBe('New complaint · step 1 of 6');
    expect(errorUnder(bad.card, 'email')).toBe('expected an email address such as parent@example.com');
    expect(errorUnder(bad.card, 'complainantName')).toBeUndefined();
    expect(Object.fromEntries(Object.entries(inputs(bad.card)).map(([id, i]) => [id, i.value]))).toMatchObject(typed);

    // Corrected, on to the details; a missing summary is shown under the summary box.
    const about = (await t.press(bad.card, 'intake.next', { email: 'paula.price@example.com' })).card;
    // Tara cannot record a complaint about herself: the reason is shown under the name.
    const self = (await t.press(about, 'intake.next', { aboutRole: 'teacher', aboutName: 'Tara Teacher' })).card;
    expect(texts(self)[0]).toBe('New complaint · step 2 of 6');
    expect(errorUnder(self, 'aboutName')).toBe('A complaint about you has to be recorded by someone else, so that you never handle or see it.');
    expect(errorUnder(self, 'aboutRole')).toBeUndefined();
    const category = (await t.press(self, 'intake.next', { aboutName: 'Tom Teacher' })).card;
    expect(texts(category)[0]).toBe('New complaint · step 3 of 6');
    const details = (await t.press(category, 'intake.next', { category: 'teaching_and_learning' })).card;
    expect(texts(details)[0]).toBe('New complaint · step 4 of 6');
    const noSummary = await t.press(details, 'intake.next', { summary: '', incidentOn: '2026-11-04' });
    expect(texts(noSummary.card)[0]).toBe('New complaint · step 4 of 6');
    expect(errorUnder(noSummary.card, 'summary')).toBe('describe what happened in a sentence or two');
    expect(inputs(noSummary.card).incidentOn?.value).toBe('2026-11-04');

    expect(await db.connection.db!.collection('cases').countDocuments()).toBe(casesBefore);
    const cancelled = await t.press(noSummary.card, 'intake.cancel');
    expect(texts(cancelled.card)).toEqual(['Cancelled', 'Nothing was recorded, and the draft is deleted.']);
    expect(await db.connection.db!.collection('cases').countDocuments()).toBe(casesBefore);
  });

  it('a 429 from the connector: the message waits for Retry-After and is delivered once, for a reply and for a proactive task', async () => {
    const t = tara();
    // A reply within the turn: botbuilder's connector client retries it.
    standIn.failNext(1, 429, { retryAfter: 1, when: (r) => r.route === 'replyToActivity' && r.conversationId === t.conversationId });
    const { cards } = await t.say('help');
    expect(cards.map((c) => texts(c)[0])).toEqual(['What I can do']);
    const replies = standIn.requests.filter((r) => r.conversationId === t.conversationId).slice(-2);
    expect(replies.map((r) => `${r.route} ${r.status}`)).toEqual(['replyToActivity 429', 'replyToActivity 201']);
    expect(replies[1]!.at - replies[0]!.at).toBeGreaterThanOrEqual(1000);

    // A proactive stage task: the Teams messenger's queue retries it after the wait.
    const hanaChat = createdChatWith(standIn, P.headOfSchool)!.conversationId!;
    const hana = chat(P.headOfSchool, 'Hana Head', hanaChat);
    const before = hana.cards().length;
    standIn.failNext(1, 429, { retryAfter: 1, when: (r) => r.route === 'sendToConversation' && r.conversationId === hanaChat });
    const { confirmation } = await intake(t, {
      complainant: {
        complainantName: 'Grace Green',
        relationship: 'Grandmother of a pupil in Year 9',
        preferredContact: 'email',
        email: 'grace.green@example.com',
      },
      about: { aboutRole: 'teacher', aboutName: 'Tom Teacher' },
      category: { category: 'bullying' },
      details: { summary: 'My grandson has been called names in Mr Teacher’s tutor group for weeks and nothing was done.' },
      outcome: { desiredOutcome: 'The name-calling to stop.' },
    });
    expect(referenceOn(confirmation)).toBe('NMAT-2026-0003');
    await standIn.waitFor(() => hana.cards().length > before, 15_000);
    const attempts = standIn.requests.filter((r) => r.conversationId === hanaChat && r.route === 'sendToConversation').slice(-2);
    expect(attempts.map((r) => r.status)).toEqual([429, 201]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1000)); // more drains: nothing goes twice
    expect(
      hana
        .cards()
        .slice(before)
        .map((c) => texts(c)[1]),
    ).toEqual(['NMAT-2026-0003']);
    const record = (await db.cases.getByReference('NMAT-2026-0003'))!;
    expect(record.outbox.find((o) => o.template === 'stage_task')).toMatchObject({ to: P.headOfSchool, status: 'sent', attempts: 1 });
    expect(service!.logs.filter((l) => l.event === 'teams_send_retry').map((l) => [l.status, l.delayMs])).toEqual([[429, 1000]]);
  });

  it('a nudge fires from the clock: at 08:00 the complaint received on Thursday owes its acknowledgement the next school day, and the handler is told once', async () => {
    // Seeded: received Thu 5 Nov 2026 at Crescent Primary, about the head teacher, so the
    // Executive Head handles it (MIET "who to contact"). Acknowledge within 3 working days:
    // Fri 6, Mon 9, Tue 10 -> due Tue 10 Nov. Its due-soon nudge goes from 08:00 on the school
    // day before, Mon 9 Nov, which the service's clock reaches 6 seconds after it started.
    expect(seeded.state.deadlines.find((d) => d.kind === 'acknowledge')).toMatchObject({ due: '2026-11-10', ownerId: M.exec });
    await standIn.waitFor(() => createdChatWith(standIn, M.exec)?.conversationId !== undefined, 10_000);
    const ezra = chat(M.exec, 'Ezra Edwards', createdChatWith(standIn, M.exec)!.conversationId);
    await standIn.waitFor(() => cardsSaying(ezra, /^Coming up/).length > 0, 20_000);
    const nudge = cardsSaying(ezra, /^Coming up/)[0]!;
    expect(texts(nudge)).toEqual([
      'Coming up',
      'Acknowledge is due Tue 10 Nov 2026',
      'Complaint CP-2026-0001: Communication with the school, about Hafsa Hussain (Head Teacher)',
      'Stage: 1 – Informal Resolution',
      'For: Ezra Edwards',
      'School: Crescent Primary',
    ]);
    expect(verbs(nudge)).toEqual(['case.open']);
    // It went out only once school hours began on the service's clock (never before 08:00)...
    const sent = ezra.delivered().find((r) => cardsOf(r.body).some((c) => /^Coming up/.test(textOf(c))))!;
    expect(service!.clockAtMost(sent.at).getTime()).toBeGreaterThanOrEqual(Date.parse('2026-11-09T08:00:00Z'));
    // The outbox marks it sent just after the connector answered.
    const record = await eventually(async () => {
      const r = (await db.cases.get(seeded.id))!;
      return r.outbox.some((o) => o.template.startsWith('deadline_') && o.status === 'sent') ? r : undefined;
    });
    const queued = record.outbox.filter((o) => o.template.startsWith('deadline_'));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ template: 'deadline_due_soon', to: M.exec, status: 'sent' });
    expect(queued[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-11-09T08:00:00Z'));
    expect(queued[0]!.createdAt.getTime()).toBeLessThan(Date.parse('2026-11-09T08:05:00Z'));
    expect(record.nudges).toEqual(['1:acknowledge:2026-11-10:due_soon']);

    // ...and once: the sweep runs every second, and a few more runs send nothing new.
    await new Promise((r) => setTimeout(r, 2500));
    expect(cardsSaying(ezra, /^Coming up/)).toHaveLength(1);
    expect(ezra.cards().map((c) => texts(c)[0])).toEqual(['Complaint to handle · Crescent Primary', 'Coming up']);

    // The button on the nudge opens the case for him.
    const opened = await ezra.press(nudge, 'case.open');
    expect(texts(opened.card).slice(0, 2)).toEqual(['Complaint to handle · Crescent Primary', 'CP-2026-0001']);
    expect(rows(opened.card)[0]).toBe('Acknowledge | Ezra Edwards | Due Tue 10 Nov 2026');
  });

  it('stops cleanly on SIGTERM (exit 0), having logged no errors', async () => {
    const problems = service!.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(problems).toEqual([]);
    expect(await service!.stop()).toBe(0);
    expect(service!.exited()).toEqual({ code: 0, signal: null });
  });
});
