/**
 * The intake state machine (bot/intake.ts) step by step, and the draft store that keeps it
 * between cards (src/store/drafts.ts) on the in-memory store and the real database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as intake from '../../bot/intake.js';
import type { CardData } from '../../bot/cardTypes.js';
import { schoolContext, type Deps } from '../../src/app/caseFlow.js';
import type { School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { DRAFT_TTL_MS, MemoryDraftStore, MongoDraftStore, type DraftStore } from '../../src/store/drafts.js';
import type { Database } from '../../src/store/mongo.js';
import { P, TestClock, memoryDeps, nmatSchool, parentComplaint, testDatabase } from '../helpers/app.js';

const DAY = 86_400_000;

const complainant = {
  complainantName: 'Priya Parent',
  relationship: 'Parent of a pupil in Year 8',
  preferredContact: 'email',
  email: 'priya.parent@example.com',
};
const about = { aboutRole: 'teacher', aboutName: 'Tom Teacher' };
const details = { summary: 'My son was kept in detention three times this week without any explanation.', incidentOn: '2026-11-02', receivedOn: '2026-11-06' };

describe('intake steps', () => {
  let deps: Deps;
  let clock: TestClock;
  let env: intake.IntakeEnv;
  let school: School;

  beforeEach(async () => {
    clock = new TestClock('2026-11-06T09:00:00Z');
    deps = memoryDeps(clock);
    school = await deps.schools.save(nmatSchool());
    env = { deps, ctx: schoolContext(school), actor: P.teacher, now: clock.now() };
  });

  const state = (step: intake.IntakeStep, values: Record<string, string> = {}): intake.IntakeState => ({ id: 'draft-1', step, values, extra: {} });

  it('the steps run complainant, about, category, details, outcome, review; back from the first stays there', () => {
    expect(intake.INTAKE_STEPS).toEqual(['complainant', 'about', 'category', 'details', 'outcome', 'review']);
    expect(intake.nextStep('outcome')).toBe('review');
    expect(intake.previousStep('complainant')).toBe('complainant');
  });

  it('the complainant’s preferred way of contact must come with its details: an address for letters', () => {
    const errors = intake.checkStep('complainant', { ...complainant, preferredContact: 'letter', email: '' }, env).errors;
    expect(errors).toEqual({ address: 'enter their postal address: they would like to be contacted by letter' });
    expect(intake.checkStep('complainant', { complainantName: ' ', relationship: '', preferredContact: '' }, env).errors).toMatchObject({
      complainantName: "enter the complainant's name",
      relationship: 'say how they relate to the school, e.g. parent of a pupil in Year 4',
      preferredContact: 'choose how they would like to hear from the school: email, phone or letter',
    });
    expect(intake.checkStep('complainant', { ...complainant, phone: 'call me' }, env).errors).toEqual({
      phone: 'expected a phone number such as 01642 123456',
    });
    expect(intake.checkStep('complainant', complainant, env).errors).toEqual({});
  });

  it('who it is about: a role of the policy, needed when a person is named; a named member of staff is recognised', () => {
    expect(intake.checkStep('about', { aboutRole: 'janitor' }, env).errors.aboutRole).toMatch(/roles listed/);
    expect(intake.checkStep('about', { aboutName: 'Mr Smith' }, env).errors.aboutRole).toMatch(/choose their role/);
    expect(intake.checkStep('about', { aboutRole: '', aboutName: '' }, env).errors).toEqual({}); // about something, not someone
    expect(intake.resolveAbout(about, env)).toEqual({ role: 'teacher', personId: P.teacher2, personName: 'Tom Teacher' });
    expect(intake.checkStep('about', { aboutRole: 'teacher', aboutName: 'TARA TEACHER' }, { ...env }).errors.aboutName).toMatch(/recorded by someone else/);
    expect(intake.checkStep('about', { aboutRole: 'teacher', aboutPersonId: P.teacher }, env).errors.aboutName).toMatch(/recorded by someone else/);
  });

  it('the category card lists the policy’s out-of-scope categories with their signposts and leaves them out of the ordinary list', () => {
    const card = intake.stepCard(state('category'), env);
    expect(card.name).toBe('intake-category');
    const data = card.data as CardData['intake-category'];
    expect(data.outOfScope.map((o) => o.id)).toEqual([
      'admissions',
      'child_protection',
      'exclusions',
      'whistleblowing',
      'staff_grievance',
      'staff_conduct',
      'send_assessment',
    ]);
    expect(data.categories.map((c) => c.id)).not.toContain('staff_conduct');
    expect(intake.checkStep('category', {}, env).errors).toEqual({ category: 'choose what the complaint is about' });
    expect(intake.checkStep('category', { category: 'exclusions' }, env).signpost?.signpost).toMatch(/school-discipline-exclusions/);
    expect(intake.checkStep('category', { category: 'exclusions', recordOutOfScope: 'true' }, env)).toEqual({ errors: {} });
  });

  it('details: dates are checked against today and each other, and the policy’s time limit asks for a reason', () => {
    const check = (v: Record<string, string>) => intake.checkStep('details', { ...about, category: 'behaviour', ...details, ...v }, env);
    expect(check({ receivedOn: '2026-11-09' }).errors.receivedOn).toBe('a complaint cannot be received in the future (today is Fri 6 Nov 2026)');
    expect(check({ incidentOn: '2026-11-05', receivedOn: '2026-11-04' }).errors.incidentOn).toBe(
      'the incident (Thu 5 Nov 2026) cannot be after the complaint was received (Wed 4 Nov 2026)',
    );
    expect(check({ incidentOn: '02/11/2026' }).errors.incidentOn).toBe('expected a date like 2026-11-02 (YYYY-MM-DD)');
    expect(check({ summary: 'Bad' }).errors.summary).toBe('describe what happened in a sentence or two');
    // Three months from Fri 10 Jul 2026 ran out on Sat 10 Oct.
    const late = check({ incidentOn: '2026-07-10' });
    expect(late.late?.message).toMatch(/^This complaint was made more than 3 months after the incident/);
    expect(late.errors).toEqual({ lateReason: 'give the exceptional reason to record this late complaint' });
    expect(check({ incidentOn: '2026-07-10', lateReason: 'Family abroad' }).errors).toEqual({});
    expect(check({ incidentOn: '2026-08-06' }).late).toBeUndefined(); // exactly three months: in time
    const card = intake.stepCard(state('details'), env);
    expect((card.data as CardData['intake-details']).values.receivedOn).toBe('2026-11-06');
    expect((card.data as CardData['intake-details']).timeLimit).toMatch(/within 3 months of the incident/);
  });

  it('a complaint received on an earlier day counts from midday of that day, school time; today’s from now', () => {
    expect(intake.receivedAt({ receivedOn: '2026-11-06' }, env)).toEqual(clock.now());
    expect(intake.receivedAt({ receivedOn: '2026-11-04' }, env).toISOString()).toBe('2026-11-04T12:00:00.000Z');
    const summer = { ...env, now: new Date('2026-07-20T09:00:00Z') };
    expect(intake.receivedAt({ receivedOn: '2026-07-16' }, summer).toISOString()).toBe('2026-07-16T11:00:00.000Z'); // BST
  });

  it('next keeps what was typed even when it is wrong, and only the card’s own fields are taken from it', async () => {
    const r = await intake.next(state('complainant', { aboutName: 'kept' }), 'complainant', { ...complainant, email: 'nope', aboutName: 'overwritten?' }, env);
    expect(r.kind).toBe('card');
    if (r.kind !== 'card') return;
    expect(r.state.step).toBe('complainant');
    expect(r.state.values).toMatchObject({ email: 'nope', aboutName: 'kept' });
    expect(r.errors).toEqual({ email: 'expected an email address such as parent@example.com' });
  });

  it('the card the person pressed decides the step: next on an old "about" card after going forward moves on from "about"', async () => {
    const r = await intake.next(state('details', { ...complainant }), 'about', about, env);
    expect(r.kind === 'card' && r.state.step).toBe('category');
  });

  it('back keeps this card’s values and shows the previous card with everything typed there', () => {
    const r = intake.back(state('about', complainant), 'about', { aboutRole: 'head_of_school', aboutName: 'Hana' }, env);
    expect(r.state.step).toBe('complainant');
    expect(r.state.values).toMatchObject({ ...complainant, aboutRole: 'head_of_school', aboutName: 'Hana' });
    expect((r.card.data as CardData['intake-complainant']).values).toMatchObject(complainant);
  });

  it('reaching review lists possible duplicates from the same complainant, and the summary reads back what was typed', async () => {
    await recordComplaint(deps, P.headOfSchool, parentComplaint());
    const values = { ...complainant, ...about, category: 'behaviour', ...details };
    const r = await intake.next(state('outcome', values), 'outcome', { desiredOutcome: 'An explanation' }, env);
    expect(r.kind).toBe('card');
    if (r.kind !== 'card') return;
    const review = r.card.data as CardData['intake-review'];
    expect(review.duplicates).toMatchObject([{ reference: 'NMAT-2026-0001', receivedOn: 'Fri 6 Nov 2026' }]);
    expect(review.summary).toEqual([
      { label: 'Complainant', value: 'Priya Parent' },
      { label: 'Relationship to the school', value: 'Parent of a pupil in Year 8' },
      { label: 'Contact by', value: 'Email: priya.parent@example.com' },
      { label: 'About', value: 'Tom Teacher, Teacher (or Pastoral Manager / Head of Department)' },
      { label: 'Category', value: 'Behaviour, discipline and how the behaviour policy was applied' },
      { label: 'What happened', value: details.summary },
      { label: 'Incident date', value: 'Mon 2 Nov 2026' },
      { label: 'Received', value: 'Fri 6 Nov 2026' },
      { label: 'Outcome wanted', value: 'An explanation' },
    ]);
    // Submitting: a choice is needed; "separate" records it on its own.
    const unanswered = await intake.submit(r.state, {}, env);
    expect(unanswered.kind === 'card' && unanswered.errors.duplicates).toMatch(/keep it separate/);
    const linkedToUnknown = await intake.submit(r.state, { duplicates: 'case-999' }, env);
    expect(linkedToUnknown.kind === 'card' && linkedToUnknown.errors.duplicates).toMatch(/choose from the complaints listed/);
    const done = await intake.submit(r.state, { duplicates: 'separate' }, env);
    expect(done.kind).toBe('ended');
    if (done.kind !== 'ended') return;
    expect(done.recorded).toMatchObject({
      reference: 'NMAT-2026-0002',
      linkedCases: [],
      complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', preferredContact: 'email' },
    });
    expect(done.card).toMatchObject({
      name: 'intake-confirmation',
      data: { reference: 'NMAT-2026-0002', handlerName: 'Hana Head', handlerRole: 'Head of School' },
    });
  });

  it('submit checks every step again: a value made wrong after going back sends the person to that step, and nothing is recorded', async () => {
    const values = { ...complainant, email: '', preferredContact: 'email', ...about, category: 'behaviour', ...details, desiredOutcome: 'x y' };
    const r = await intake.submit(state('review', values), {}, env);
    expect(r.kind === 'card' && r.state.step).toBe('complainant');
    expect(r.kind === 'card' && r.errors).toEqual({ email: 'enter their email address: they would like to be contacted by email' });
    expect(await deps.cases.find({})).toEqual([]);
  });

  it('a complaint nobody can handle yet is confirmed as waiting for SLT to assign someone', async () => {
    school = await deps.schools.save({ ...nmatSchool(), people: nmatSchool().people.filter((p) => p.id !== P.execPrincipal) });
    env = { ...env, ctx: schoolContext(school) };
    const values = { ...complainant, aboutRole: 'head_of_school', aboutName: 'Hana Head', category: 'communication', ...details, desiredOutcome: 'A meeting' };
    const done = await intake.submit(state('review', values), {}, env);
    expect(done.kind === 'ended' && done.card.data).toMatchObject({
      handlerName: 'Nobody yet: SLT have been asked to assign someone',
      handlerRole: 'Executive Principal',
    });
  });
});

for (const [name, make] of [
  ['in-memory', async (clock: TestClock) => ({ store: new MemoryDraftStore(clock) as DraftStore, close: async () => {} })],
  [
    'the real database',
    async (clock: TestClock) => {
      const db: Database = await testDatabase(`bot_drafts_${Date.now()}`);
      return { store: (await MongoDraftStore.create(db.connection.db!, clock)) as DraftStore, close: () => db.close() };
    },
  ],
] as const) {
  describe(`draft store (${name})`, () => {
    let store: DraftStore;
    let close: () => Promise<void>;
    const clock = new TestClock('2026-11-06T09:00:00Z');

    beforeAll(async () => {
      ({ store, close } = await make(clock));
    });
    afterAll(async () => close());
    beforeEach(() => clock.set('2026-11-06T09:00:00Z'));

    it('a draft belongs to the person who started it', async () => {
      const d = await store.create({ ownerId: P.teacher, schoolId: 'nunthorpe', step: 'complainant', values: { complainantName: 'Priya' } });
      expect(await store.get(d.id, P.teacher)).toMatchObject({ id: d.id, step: 'complainant', values: { complainantName: 'Priya' }, extra: {} });
      expect(await store.get(d.id, P.teacher2)).toBeNull();
      expect(await store.save({ id: d.id, ownerId: P.teacher2, step: 'about', values: {}, extra: {} })).toBeNull();
      expect(await store.delete(d.id, P.teacher2)).toBe(false);
      expect(await store.get(d.id, P.teacher)).not.toBeNull();
      expect(await store.delete(d.id, P.teacher)).toBe(true);
      expect(await store.get(d.id, P.teacher)).toBeNull();
    });

    it('an abandoned draft is kept 7 days from when it was last touched, then is gone and cleaned up', async () => {
      const d = await store.create({ ownerId: P.teacher, schoolId: 'nunthorpe', step: 'complainant' });
      expect(d.expiresAt.getTime() - d.createdAt.getTime()).toBe(DRAFT_TTL_MS);
      clock.advance(6 * DAY);
      const saved = await store.save({ id: d.id, ownerId: P.teacher, step: 'details', values: { summary: 'typed' }, extra: { duplicates: [] } });
      expect(saved).toMatchObject({ step: 'details', values: { summary: 'typed' }, extra: { duplicates: [] } });
      expect(saved!.expiresAt.toISOString()).toBe('2026-11-19T09:00:00.000Z');
      clock.advance(7 * DAY - 1);
      expect(await store.get(d.id, P.teacher)).not.toBeNull();
      clock.advance(1);
      expect(await store.get(d.id, P.teacher)).toBeNull();
      expect(await store.save({ id: d.id, ownerId: P.teacher, step: 'outcome', values: {}, extra: {} })).toBeNull();
      const fresh = await store.create({ ownerId: P.teacher, schoolId: 'nunthorpe', step: 'complainant' });
      expect(await store.cleanup()).toBeGreaterThanOrEqual(1);
      expect(await store.get(fresh.id, P.teacher)).not.toBeNull();
      expect(await store.cleanup()).toBe(0);
    });
  });
}
