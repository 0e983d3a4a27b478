/**
 * Letters held for their author to read, and the letter preview card. With a 10-minute review
 * (LETTER_REVIEW_MINUTES=10), a letter queued by a person's action waits in the outbox and a
 * `letter_review` message brings its preview to their chat; "Send now" lets it go at once, with
 * their edits. The use cases run on the in-memory stores and on the real database; the card runs
 * through the bot's turn (createBot) with the real card templates.
 *
 * NMAT school, English 2026/27 calendar: Thursday 5 November 2026 is a school day in the autumn
 * 2 term; November is GMT, so 10:00Z is 10:00 at school.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../bot/app.js';
import { renderCard } from '../../bot/cards.js';
import type { CardData, CardName } from '../../bot/cardTypes.js';
import { messageToCard } from '../../bot/views.js';
import { acknowledge } from '../../src/app/acknowledge.js';
import { SYSTEM, type Deps } from '../../src/app/caseFlow.js';
import type { CaseRecord, OutboxItem } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { LETTER_MAX_CHARS, previewLetter, sendLetter } from '../../src/app/reviewLetter.js';
import { withdraw } from '../../src/app/withdraw.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { renderOutboxLetter } from '../../src/letters/fromOutbox.js';
import { silentLogger } from '../../src/log.js';
import { MemoryDraftStore } from '../../src/store/drafts.js';
import { P, TestClock, appError, memoryDeps, nmatSchool, parentComplaint, storeVariants } from '../helpers/app.js';
import { boundRender, pressButton } from '../helpers/teams.js';

const REVIEW_MS = 10 * 60_000;

const letterOf = (c: CaseRecord, template: string): OutboxItem => {
  const l = c.outbox.find((o) => o.kind === 'letter' && o.template === template);
  if (!l) throw new Error(`no ${template} in ${c.outbox.map((o) => o.key).join(', ')}`);
  return l;
};

/** A recorded NMAT complaint, acknowledged by Hana Head (SLT) at 10:00 on Thu 5 Nov 2026. */
async function acknowledged(deps: Deps, clock: TestClock, by: string = P.headOfSchool) {
  clock.set('2026-11-05T09:00:00Z');
  const r = await recordComplaint(deps, P.governanceLead, { ...parentComplaint(), duplicates: 'separate' });
  if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
  clock.set('2026-11-05T10:00:00Z');
  const c = await acknowledge(deps, by, { caseId: r.case.id });
  return { c, letter: letterOf(c, 'acknowledgement_letter') };
}

for (const [name, make] of storeVariants('review_letter')) {
  describe(`letters held for review, on ${name}`, () => {
    let deps: Deps;
    let clock: TestClock;
    let close: (() => Promise<void>) | undefined;
    let messenger: RecordingMessenger;
    const drain = () => drainOutbox({ deps, messenger, log: silentLogger() });
    /** The letters and letter reviews that went out for this case since the last look (the database holds the other tests' cases too). */
    const sentFor = (caseId: string) =>
      messenger
        .take()
        .filter((m) => m.caseId === caseId && m.key.includes(':letter:'))
        .map((m) => m.key);

    beforeAll(async () => {
      const v = await make();
      ({ clock, close } = v);
      deps = { ...v.deps, letterReviewMs: REVIEW_MS };
      await deps.schools.save(nmatSchool());
    });
    afterAll(async () => close?.());
    beforeEach(() => {
      messenger = new RecordingMessenger(clock);
    });

    it('a letter queued by a person waits ten minutes, and a message brings its preview to their chat; the outbox leaves it until then', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      expect(letter.holdUntil).toEqual(new Date('2026-11-05T10:10:00Z'));
      const review = c.outbox.find((o) => o.template === 'letter_review')!;
      expect(review).toMatchObject({
        key: `${letter.key}:review`,
        kind: 'message',
        to: P.headOfSchool,
        data: { reference: c.reference, letterKey: letter.key, template: 'acknowledgement_letter', holdUntil: '2026-11-05T10:10:00.000Z' },
      });

      await drain();
      expect(sentFor(c.id)).toEqual([review.key]);
      clock.set('2026-11-05T10:09:59Z');
      await drain();
      expect(sentFor(c.id)).toEqual([]);
      clock.set('2026-11-05T10:10:00Z');
      await drain();
      expect(sentFor(c.id)).toEqual([letter.key]);
      expect(letterOf((await deps.cases.get(c.id))!, 'acknowledgement_letter')).toMatchObject({ status: 'sent', sentAt: new Date('2026-11-05T10:10:00Z') });
    });

    it("the jobs' own letters (the system) are not held: nobody is there to read them", async () => {
      const { letter, c } = await acknowledged(deps, clock, SYSTEM);
      expect(letter.holdUntil).toBeUndefined();
      expect(c.outbox.filter((o) => o.template === 'letter_review')).toEqual([]);
    });

    it('the preview is the letter as the mailer renders it: who it goes to, how, the subject and the text', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      const p = await previewLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key });
      const school = (await deps.schools.get(c.schoolId))!;
      const rendered = renderOutboxLetter(letter, c, school);
      expect(p).toMatchObject({
        key: letter.key,
        kind: 'acknowledgement',
        subject: rendered.subject,
        text: rendered.text.trim(),
        status: 'pending',
        edited: false,
        transport: 'mail',
        approved: null,
      });
      expect(p.holdUntil).toEqual(new Date('2026-11-05T10:10:00Z'));
      expect(p.text).toContain('Dear Priya Parent,');
      expect(p.subject).toBe(`Your complaint ${c.reference}: acknowledgement (Nunthorpe Academy)`);
    });

    it('"send now" with edited text lets it go at once with that text, and the history says who approved it and that it was edited', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      clock.set('2026-11-05T10:02:00Z');
      const before = await previewLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key });
      const text = before.text.replace('Dear Priya Parent,', 'Dear Mrs Parent,\r\n\r\nThank you for taking the time to speak to me on the phone today.');
      const after = await sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text, expectedVersion: c.version });
      expect(after).toMatchObject({ status: 'pending', holdUntil: null, edited: true, editedBy: P.headOfSchool });
      expect(after.text).toContain('Dear Mrs Parent,\n\nThank you for taking the time');
      expect(after.record.version).toBe(c.version + 1);
      expect(after.record.events.at(-1)).toMatchObject({
        type: 'letter_approved',
        by: P.headOfSchool,
        at: new Date('2026-11-05T10:02:00Z'),
        details: { key: letter.key, edited: true },
      });
      const item = letterOf(after.record, 'acknowledgement_letter');
      expect(item.data).toMatchObject({ editedText: after.text, editedBy: P.headOfSchool, editedAt: new Date('2026-11-05T10:02:00Z') });
      // The letter that goes is the edited one: the same subject, the new body, escaped in the HTML.
      const mailed = renderOutboxLetter(item, after.record, (await deps.schools.get(c.schoolId))!);
      expect(mailed.subject).toBe(before.subject);
      expect(mailed.html).toContain('<p>Dear Mrs Parent,</p><p>Thank you for taking the time to speak to me on the phone today.</p>');

      // Before its ten minutes are up, the drain sends it; nothing is sent twice.
      clock.set('2026-11-05T10:03:00Z');
      await drain();
      expect(sentFor(c.id).sort()).toEqual([letter.key, `${letter.key}:review`]);
      await drain();
      expect(sentFor(c.id)).toEqual([]);
      const e = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: 'Another go' }));
      expect(e).toMatchObject({
        code: 'NOT_ALLOWED',
        userMessage: 'This letter was already sent on Thursday 5 November 2026 at 10:03, so it can no longer be changed.',
      });
    });

    it('sent as written (only line endings and trailing spaces differ) is not an edit; pressing it twice is refused the second time', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      const p = await previewLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key });
      const same = `${p.text.replace(/\n/g, '  \r\n')}\r\n`;
      const after = await sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: same });
      expect(after).toMatchObject({ edited: false, holdUntil: null, text: p.text });
      expect(letterOf(after.record, 'acknowledgement_letter').data.editedText).toBeUndefined();
      expect(after.record.events.at(-1)).toMatchObject({ type: 'letter_approved', details: { key: letter.key, edited: false } });
      const again = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: same }));
      expect(again.code).toBe('NOT_ALLOWED');
      expect(again.userMessage).toBe('Hana Head already let this letter go on Thursday 5 November 2026 at 10:00; it is on its way to the complainant.');
    });

    it('bad input is refused naming the field, and nothing is saved', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      const empty = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: ' \n ' }));
      expect(empty).toMatchObject({ code: 'INVALID_INPUT', field: 'text' });
      expect(empty.userMessage).toMatch(/^text: the letter is empty/);
      const long = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: 'x'.repeat(LETTER_MAX_CHARS + 1) }));
      expect(long).toMatchObject({ code: 'INVALID_INPUT', field: 'text', userMessage: 'text: the letter is too long: keep it under 20,000 characters' });
      const key = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: `${c.id}:letter:mystery` }));
      expect(key).toMatchObject({ code: 'INVALID_INPUT', field: 'key' });
      const stale = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, expectedVersion: c.version - 1 }));
      expect(stale.code).toBe('VERSION_CONFLICT');
      const now = (await deps.cases.get(c.id))!;
      expect(now.version).toBe(c.version);
      expect(letterOf(now, 'acknowledgement_letter')).toEqual(letter);
    });

    it('someone with no part in the case gets "not found"; a panel member, who may see it, is not authorised', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      for (const who of [P.outsider, 'aad-stranger']) {
        expect((await appError(previewLetter(deps, who, { caseId: c.id, key: letter.key }))).code).toBe('CASE_NOT_FOUND');
        expect((await appError(sendLetter(deps, who, { caseId: c.id, key: letter.key }))).code).toBe('CASE_NOT_FOUND');
      }
      const e = await appError(sendLetter(deps, P.panel1, { caseId: c.id, key: letter.key }));
      expect(e).toMatchObject({
        code: 'NOT_AUTHORISED',
        userMessage: `Only the complaint's handler, SLT or the clerk can send the letters of this complaint (${c.reference}).`,
      });
      expect((await appError(previewLetter(deps, P.panel1, { caseId: c.id, key: letter.key }))).code).toBe('NOT_AUTHORISED');
      expect(letterOf((await deps.cases.get(c.id))!, 'acknowledgement_letter').holdUntil).toEqual(letter.holdUntil);
    });

    it('the teacher who wrote the stage 1 outcome can still send its letter after the case moved on to the Head of School', async () => {
      clock.set('2026-11-05T09:00:00Z');
      const r = await recordComplaint(deps, P.governanceLead, { ...parentComplaint(), duplicates: 'separate' });
      if (r.result !== 'recorded') throw new Error('not recorded');
      clock.set('2026-11-10T10:00:00Z');
      const outcome = await recordOutcome(deps, P.teacher, {
        caseId: r.case.id,
        outcome: 'not_upheld',
        decision: 'The detentions followed the behaviour policy.',
      });
      const letter = letterOf(outcome, 'outcome_letter');
      expect(outcome.outbox.find((o) => o.key === `${letter.key}:review`)?.to).toBe(P.teacher);
      clock.set('2026-11-10T10:05:00Z');
      const moved = await requestEscalation(deps, P.governanceLead, { caseId: r.case.id });
      expect(moved.state).toMatchObject({ stage: 2, handlerId: P.headOfSchool });
      const sent = await sendLetter(deps, P.teacher, { caseId: r.case.id, key: letter.key });
      expect(sent).toMatchObject({ holdUntil: null, approved: { by: P.teacher } });
    });

    it('a letter the outbox has already taken can no longer be changed', async () => {
      const { c, letter } = await acknowledged(deps, clock);
      clock.set('2026-11-05T10:10:00Z');
      await deps.cases.claimOutbox(clock.now(), new Date('2000-01-01T00:00:00Z'), 50);
      const e = await appError(sendLetter(deps, P.headOfSchool, { caseId: c.id, key: letter.key, text: 'Changed my mind' }));
      expect(e).toMatchObject({ code: 'NOT_ALLOWED', userMessage: 'This letter is being sent right now, so it can no longer be changed.' });
      expect(letterOf((await deps.cases.get(c.id))!, 'acknowledgement_letter').data.editedText).toBeUndefined();
    });

    it('withdrawing queues the letter confirming it, once, held for review like the others', async () => {
      clock.set('2026-11-05T09:00:00Z');
      const r = await recordComplaint(deps, P.governanceLead, { ...parentComplaint(), duplicates: 'separate' });
      if (r.result !== 'recorded') throw new Error('not recorded');
      clock.set('2026-11-11T10:00:00Z');
      const w = await withdraw(deps, P.deputy, { caseId: r.case.id, reason: 'Spoke to the form tutor; happy now', confirmedInWriting: true });
      const letter = letterOf(w, 'withdrawal_letter');
      expect(letter).toMatchObject({
        key: `${w.id}:letter:withdrawal`,
        to: 'complainant',
        holdUntil: new Date('2026-11-11T10:10:00Z'),
        data: { withdrawnOn: '2026-11-11' },
      });
      const p = await previewLetter(deps, P.deputy, { caseId: w.id, key: letter.key });
      expect(p.kind).toBe('withdrawal_confirmation');
      // NMAT Privacy Notice: kept six years from closure.
      expect(p.text).toContain(`We confirm that you withdrew your complaint (reference ${w.reference}) on Wednesday 11 November 2026`);
      expect(p.text).toContain('until Thursday 11 November 2032');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The card, through the bot's turn, with the real templates.

type Sent = { name: CardName; data: unknown };

async function press(bot: Bot, from: string, verb: string, data: Record<string, unknown>): Promise<Sent> {
  const { card } = await pressButton(bot, from, verb, data);
  return { name: card.$card, data: card.$data };
}

function only<N extends CardName>(sent: Sent, name: N): CardData[N] {
  expect(sent.name, JSON.stringify(sent.data)).toBe(name);
  return sent.data as CardData[N];
}

describe('the letter preview card in Teams', () => {
  let deps: ReturnType<typeof memoryDeps> & Deps;
  let clock: TestClock;
  let bot: Bot;
  let messenger: RecordingMessenger;

  beforeEach(async () => {
    clock = new TestClock('2026-11-05T09:00:00Z');
    deps = { ...memoryDeps(clock), letterReviewMs: REVIEW_MS };
    await deps.schools.save(nmatSchool());
    // The real templates bind every card the bot answers with; the test reads the data it was bound with.
    bot = createBot({ deps, drafts: new MemoryDraftStore(clock), render: boundRender, log: silentLogger(), clock });
    messenger = new RecordingMessenger(clock);
  });

  /** The card the review message brings to the person's chat, as the Teams messenger draws it. */
  async function reviewCard() {
    await drainOutbox({ deps, messenger, log: silentLogger() });
    const message = messenger.take().find((m) => m.template === 'letter_review')!;
    const c = await messageToCard(message, deps, { refreshUserIds: [] });
    renderCard(c.name, c.data as never);
    return only({ name: c.name, data: c.data }, 'letter-preview');
  }

  it('shows the letter to edit and when it goes; Send now lets the edited letter go and the card turns read-only', async () => {
    const { c, letter } = await acknowledged(deps, clock);
    const card = await reviewCard();
    expect(card).toMatchObject({
      caseId: c.id,
      key: letter.key,
      version: c.version,
      reference: c.reference,
      title: 'Acknowledgement letter',
      to: 'Priya Parent (by email)',
      subject: `Your complaint ${c.reference}: acknowledgement (Nunthorpe Academy)`,
      editable: true,
      when: 'Goes at 10:10 unless you send it sooner.',
      errors: {},
    });
    expect(card.values.text).toContain('Dear Priya Parent,');

    clock.set('2026-11-05T10:04:00Z');
    const text = String(card.values.text).replace('Dear Priya Parent,', 'Dear Mrs Parent,');
    const answer = only(await press(bot, P.headOfSchool, 'letter.send', { caseId: card.caseId, key: card.key, version: card.version, text }), 'letter-preview');
    expect(answer).toMatchObject({
      editable: false,
      notice: 'Done: the letter goes to Priya Parent within a few minutes, as you edited it.',
      status: 'Let go by Hana Head on Thu 5 Nov 2026, 10:04, with the changes made by Hana Head: it goes to the complainant within a few minutes.',
    });
    expect(answer.when).toBeUndefined();
    expect(answer.paragraphs[3]).toEqual({ text: 'Dear Mrs Parent,' });

    // The same button again (an old copy of the card): the letter as it stands, and why nothing happened.
    const again = only(await press(bot, P.headOfSchool, 'letter.send', { caseId: card.caseId, key: card.key, version: card.version, text }), 'letter-preview');
    expect(again.errors).toEqual({ form: 'Hana Head already let this letter go on Thursday 5 November 2026 at 10:04; it is on its way to the complainant.' });
    expect(again.editable).toBe(false);

    clock.set('2026-11-05T10:05:00Z');
    await drainOutbox({ deps, messenger, log: silentLogger() });
    expect(messenger.take().map((m) => m.key)).toEqual([letter.key]);
    const refreshed = only(await press(bot, P.headOfSchool, 'letter.refresh', { caseId: card.caseId, key: card.key }), 'letter-preview');
    expect(refreshed.status).toBe('Sent by Hana Head on Thu 5 Nov 2026, 10:05, with the changes made by Hana Head.');
  });

  it('an empty letter is refused under the text box, keeping what was typed; nothing is saved', async () => {
    const { c, letter } = await acknowledged(deps, clock);
    const answer = only(await press(bot, P.headOfSchool, 'letter.send', { caseId: c.id, key: letter.key, version: c.version, text: '   ' }), 'letter-preview');
    expect(answer.editable).toBe(true);
    expect(answer.values.text).toBe('   ');
    expect(answer.errors.text).toMatch(/^The letter is empty: write the letter, or refresh the card/);
    expect(letterOf((await deps.cases.get(c.id))!, 'acknowledgement_letter')).toEqual(letter);
  });

  it('a card drawn before someone else changed the case is answered with the letter as it stands, and asks to check it again', async () => {
    const { c, letter } = await acknowledged(deps, clock);
    await deps.cases.update(c.id, c.version, { events: [{ type: 'note', at: clock.now(), by: P.deputy }], state: c.state, outbox: [] });
    const text = 'Dear Priya Parent,\n\nA shorter letter.';
    const answer = only(await press(bot, P.headOfSchool, 'letter.send', { caseId: c.id, key: letter.key, version: c.version, text }), 'letter-preview');
    expect(answer).toMatchObject({ editable: true, version: c.version + 1, values: { text } });
    expect(answer.errors.form).toBe(
      `This complaint (${c.reference}) was changed by someone else after this letter was shown. Check the letter and send it again.`,
    );
  });

  it('people with no part in the case are told it was not found; a panel member is told who can send letters', async () => {
    const { c, letter } = await acknowledged(deps, clock);
    expect(only(await press(bot, P.outsider, 'letter.send', { caseId: c.id, key: letter.key, version: c.version, text: 'x' }), 'message')).toMatchObject({
      title: 'Not found',
    });
    expect(only(await press(bot, P.outsider, 'letter.refresh', { caseId: c.id, key: letter.key }), 'message')).toMatchObject({ title: 'Not found' });
    expect(only(await press(bot, P.panel1, 'letter.refresh', { caseId: c.id, key: letter.key }), 'message')).toMatchObject({
      title: 'That did not work',
      text: `Only the complaint's handler, SLT or the clerk can read the letters of this complaint (${c.reference}).`,
    });
    expect(letterOf((await deps.cases.get(c.id))!, 'acknowledgement_letter')).toEqual(letter);
  });

  it('a letter that went by itself is shown read-only, with when it went', async () => {
    const { letter } = await acknowledged(deps, clock);
    clock.set('2026-11-05T10:10:00Z');
    await drainOutbox({ deps, messenger, log: silentLogger() });
    const message = messenger.take().find((m) => m.template === 'letter_review')!;
    const card = only(await messageToCard(message, deps).then((c) => ({ name: c.name, data: c.data })), 'letter-preview');
    expect(card).toMatchObject({ key: letter.key, editable: false, status: 'Sent automatically on Thu 5 Nov 2026, 10:10.' });
  });
});
