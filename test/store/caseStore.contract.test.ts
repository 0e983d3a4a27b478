/**
 * The CaseStore and SchoolStore contract, run against the in-memory stores and the real
 * database alike, so the fakes the use-case tests rely on behave as MongoDB does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/app/errors.js';
import { MemoryCaseStore, MemorySchoolStore } from '../../src/app/memory.js';
import type { CaseRecord, CaseStore, OutboxItem, SchoolStore } from '../../src/app/ports.js';
import { nmatSchool, testDatabase } from '../helpers/app.js';

const at = (iso: string) => new Date(iso);

function caseRecord(id: string, over: Partial<CaseRecord> = {}): CaseRecord {
  return {
    id,
    schoolId: 'nunthorpe',
    reference: `NMAT-2026-${id.padStart(4, '0')}`,
    policyId: 'nmat',
    policyVersion: '2024-05-15',
    complainant: { name: 'Priya Parent', email: 'priya@example.com', phone: '01642 123456', relationship: 'parent', preferredContact: 'email' },
    about: { role: 'teacher', personId: 'aad-teacher-1' },
    summary: 'Detentions without explanation',
    lookedAfterChild: false,
    attachments: [],
    events: [{ type: 'received', at: at('2026-11-06T09:00:00Z'), by: 'aad-teacher-2', stage: 1 }],
    state: {
      status: 'open',
      stage: 1,
      handlerRole: 'head_of_school',
      handlerId: 'aad-head',
      receivedOn: '2026-11-06',
      stageReceivedOn: '2026-11-06',
      closedOn: null,
      outcome: null,
      retainUntil: null,
      flags: [],
      deadlines: [{ stage: 1, kind: 'acknowledge', owner: 'head_of_school', ownerId: 'aad-head', due: '2026-11-10', dueAt: at('2026-11-10T23:59:59.999Z'), metOn: null, late: false, open: true }],
      nextDueAt: at('2026-11-10T23:59:59.999Z'),
    },
    outbox: [],
    nudges: [],
    linkedCases: [],
    version: 0,
    createdAt: at('2026-11-06T09:00:00Z'),
    updatedAt: at('2026-11-06T09:00:00Z'),
    ...over,
  };
}

const item = (key: string, over: Partial<OutboxItem> = {}): OutboxItem => ({ key, kind: 'message', to: 'aad-head', template: 'nudge', data: { n: 1 }, status: 'pending', createdAt: at('2026-11-09T08:00:00Z'), attempts: 0, ...over });

const implementations: Array<[string, () => Promise<{ cases: CaseStore; schools: SchoolStore; close?: () => Promise<void> }>]> = [
  ['in memory', async () => ({ cases: new MemoryCaseStore(), schools: new MemorySchoolStore() })],
  ['on the database', async () => {
    const db = await testDatabase(`store_contract_${Date.now()}`);
    return { cases: db.cases, schools: db.schools, close: () => db.close() };
  }],
];

for (const [name, make] of implementations) {
  describe(`the case store ${name}`, () => {
    let cases: CaseStore;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ cases, close } = await make());
    });
    afterAll(async () => close?.());

    it('stores and returns a case as it was given, by id and by reference', async () => {
      const c = caseRecord('1');
      await cases.insert(c);
      expect(await cases.get('1')).toEqual(c);
      expect(await cases.getByReference('nmat-2026-0001')).toEqual(c);
      expect(await cases.get('nope')).toBeNull();
    });

    it('refuses a second case with the same reference in the same school', async () => {
      await cases.insert(caseRecord('2'));
      await expect(cases.insert(caseRecord('2b', { reference: 'NMAT-2026-0002' }))).rejects.toThrow(/already taken|is taken/);
    });

    it('applies a change only on the version it was made from: events appended, state replaced, outbox queued, version bumped', async () => {
      await cases.insert(caseRecord('3'));
      const next = await cases.update('3', 0, {
        events: [{ type: 'acknowledged', at: at('2026-11-09T10:00:00Z'), by: 'aad-head' }],
        state: { ...caseRecord('3').state, deadlines: [] , nextDueAt: null },
        outbox: [item('3:letter')],
      });
      expect(next.version).toBe(1);
      expect(next.events.map((e) => e.type)).toEqual(['received', 'acknowledged']);
      expect(next.outbox.map((o) => o.key)).toEqual(['3:letter']);
      const err = await cases.update('3', 0, { events: [], state: next.state, outbox: [] }).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VERSION_CONFLICT');
      expect((await cases.get('3'))!.version).toBe(1);
    });

    it('hands out reference numbers once each, even to concurrent callers', async () => {
      const seq = await Promise.all(Array.from({ length: 20 }, () => cases.nextSequence('contract-school', 2027)));
      expect([...seq].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await cases.nextSequence('contract-school', 2028)).toBe(1);
    });

    it('finds a complainant\'s earlier cases by email, phone or name, ignoring case, within the window', async () => {
      await cases.insert(caseRecord('4', { schoolId: 'dup-school', reference: 'D-1' }));
      const since = at('2026-11-01T00:00:00Z');
      expect((await cases.findByComplainant('dup-school', { name: 'someone else', email: 'PRIYA@example.com' }, since)).map((c) => c.id)).toEqual(['4']);
      expect((await cases.findByComplainant('dup-school', { name: 'x', phone: '(01642) 123-456' }, since)).map((c) => c.id)).toEqual(['4']);
      expect((await cases.findByComplainant('dup-school', { name: ' priya PARENT ' }, since)).map((c) => c.id)).toEqual(['4']);
      expect(await cases.findByComplainant('dup-school', { name: 'Priya Parent' }, at('2026-11-07T00:00:00Z'))).toEqual([]);
      expect(await cases.findByComplainant('other-school', { name: 'Priya Parent' }, since)).toEqual([]);
    });

    it('queues a nudge once, however many workers claim it', async () => {
      await cases.insert(caseRecord('5'));
      const wins = await Promise.all(Array.from({ length: 8 }, () => cases.claimNudge('5', '1:acknowledge:2026-11-10:due_today', item('5:nudge'))));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const c = (await cases.get('5'))!;
      expect(c.nudges).toEqual(['1:acknowledge:2026-11-10:due_today']);
      expect(c.outbox.map((o) => o.key)).toEqual(['5:nudge']);
    });

    it('lets one worker claim each outbox item, retries failures, and takes back items stuck "sending"', async () => {
      await cases.insert(caseRecord('6', { outbox: [item('6:a'), item('6:b'), item('6:c', { status: 'sent' })] }));
      const now = at('2026-11-09T08:00:00Z');
      const stale = at('2026-11-09T07:55:00Z');
      const [first, second] = await Promise.all([cases.claimOutbox(now, stale, 50), cases.claimOutbox(now, stale, 50)]);
      const claimed = [...first!, ...second!].filter((x) => x.caseId === '6').map((x) => x.item.key).sort();
      expect(claimed).toEqual(['6:a', '6:b']);
      await cases.completeOutbox('6', '6:a', { sentAt: now });
      await cases.completeOutbox('6', '6:b', { error: 'Bot Connector 503', retry: true });
      let c = (await cases.get('6'))!;
      expect(c.outbox.map((o) => [o.key, o.status, o.attempts])).toEqual([['6:a', 'sent', 1], ['6:b', 'pending', 1], ['6:c', 'sent', 0]]);
      // Claimed again, then the worker dies: after five minutes another worker takes it back.
      await cases.claimOutbox(now, stale, 50);
      expect((await cases.claimOutbox(at('2026-11-09T08:01:00Z'), at('2026-11-09T07:56:00Z'), 50)).filter((x) => x.caseId === '6')).toEqual([]);
      const retaken = (await cases.claimOutbox(at('2026-11-09T08:06:00Z'), at('2026-11-09T08:01:00Z'), 50)).filter((x) => x.caseId === '6');
      expect(retaken.map((x) => [x.item.key, x.item.attempts])).toEqual([['6:b', 3]]);
      await cases.completeOutbox('6', '6:b', { error: 'recipient unknown', retry: false });
      c = (await cases.get('6'))!;
      expect(c.outbox.find((o) => o.key === '6:b')).toMatchObject({ status: 'failed', error: 'recipient unknown' });
    });

    it('does not claim a letter held for review before its time, nor let held letters crowd out the rest of a batch', async () => {
      const now = at('2026-11-09T10:00:00Z');
      const long = at('2000-01-01T00:00:00Z'); // nothing left "sending" by the tests above is taken back here
      const held = (key: string) => item(key, { kind: 'letter', to: 'complainant', template: 'acknowledgement_letter', holdUntil: at('2026-11-09T10:10:00Z') });
      await cases.insert(caseRecord('11', { reference: 'NMAT-2026-0011', outbox: [held('11:letter')] }));
      await cases.insert(caseRecord('12', { reference: 'NMAT-2026-0012', outbox: [held('12:letter')] }));
      await cases.insert(caseRecord('13', { reference: 'NMAT-2026-0013', outbox: [held('13:letter'), item('13:review')] }));
      await cases.insert(caseRecord('14', { reference: 'NMAT-2026-0014', outbox: [item('14:task')] }));
      // A batch of two: the cases holding only held letters come first, yet the message and the task are claimed.
      const first = await cases.claimOutbox(now, long, 2);
      expect(first.map((x) => x.item.key).sort()).toEqual(['13:review', '14:task']);
      expect(await cases.claimOutbox(at('2026-11-09T10:09:59Z'), long, 50)).toEqual([]);
      const due = await cases.claimOutbox(at('2026-11-09T10:10:00Z'), long, 50);
      expect(due.map((x) => x.item.key).sort()).toEqual(['11:letter', '12:letter', '13:letter']);
    });

    it('releases a held letter once, with the edited text and the approval, only while it is still pending', async () => {
      const key = '15:letter:outcome:1';
      const letter = item(key, {
        kind: 'letter',
        to: 'complainant',
        template: 'outcome_letter',
        data: { reference: 'NMAT-2026-0015', decision: 'Upheld in part.' },
        holdUntil: at('2026-11-09T10:10:00Z'),
      });
      await cases.insert(caseRecord('15', { reference: 'NMAT-2026-0015', outbox: [letter, item('15:review')] }));
      const event = { type: 'letter_approved', at: at('2026-11-09T10:02:00Z'), by: 'aad-head', stage: 1, details: { key, edited: true } };
      const change = { text: 'Dear Priya Parent,\n\nWe have looked again.', editedBy: 'aad-head', at: at('2026-11-09T10:02:00Z'), event };
      // Drawn at another version: refused, nothing changed.
      expect(await cases.releaseLetter('15', key, { ...change, expectedVersion: 3 })).toBe(false);
      expect((await cases.get('15'))!).toMatchObject({ version: 0, outbox: [letter, item('15:review')] });
      // A message, or a case that does not exist, is not a letter to release.
      expect(await cases.releaseLetter('15', '15:review', change)).toBe(false);
      expect(await cases.releaseLetter('nope', key, change)).toBe(false);

      expect(await cases.releaseLetter('15', key, { ...change, expectedVersion: 0 })).toBe(true);
      let c = (await cases.get('15'))!;
      expect(c.version).toBe(1);
      expect(c.events.at(-1)).toEqual(event);
      const { holdUntil: _h, ...released } = letter;
      expect(c.outbox[0]).toEqual({ ...released, data: { ...letter.data, editedText: change.text, editedBy: 'aad-head', editedAt: change.at } });
      // No longer held: the outbox takes it at once; once claimed (and once sent) it is never changed again.
      const claimed = await cases.claimOutbox(at('2026-11-09T10:03:00Z'), at('2000-01-01T00:00:00Z'), 50);
      const mine = claimed.filter((x) => x.caseId === '15').map((x) => x.item.key);
      expect(mine.sort()).toEqual(['15:letter:outcome:1', '15:review']);
      expect(await cases.releaseLetter('15', key, { at: at('2026-11-09T10:04:00Z') })).toBe(false);
      await cases.completeOutbox('15', key, { sentAt: at('2026-11-09T10:04:00Z') });
      expect(await cases.releaseLetter('15', key, { text: 'Too late', at: at('2026-11-09T10:05:00Z'), event })).toBe(false);
      c = (await cases.get('15'))!;
      expect(c.version).toBe(1);
      expect(c.events.filter((e) => e.type === 'letter_approved')).toHaveLength(1);
      expect(c.outbox[0]).toMatchObject({ status: 'sent', data: { editedText: change.text } });
    });

    it('finds open cases by handler and by what falls due, soonest first', async () => {
      const due = (iso: string) => ({ ...caseRecord('x').state, nextDueAt: at(iso) });
      await cases.insert(caseRecord('7', { schoolId: 'q-school', reference: 'Q-7', state: due('2026-11-12T23:59:59Z') }));
      await cases.insert(caseRecord('8', { schoolId: 'q-school', reference: 'Q-8', state: { ...due('2026-11-10T23:59:59Z'), handlerId: 'aad-other' } }));
      await cases.insert(caseRecord('9', { schoolId: 'q-school', reference: 'Q-9', state: { ...due('2026-11-01T23:59:59Z'), status: 'closed' } }));
      expect((await cases.find({ schoolId: 'q-school', status: 'open' })).map((c) => c.id)).toEqual(['8', '7']);
      expect((await cases.find({ schoolId: 'q-school', status: 'open', dueBefore: at('2026-11-11T00:00:00Z') })).map((c) => c.id)).toEqual(['8']);
      expect((await cases.find({ schoolId: 'q-school', handlerId: 'aad-head', status: 'open' })).map((c) => c.id)).toEqual(['7']);
      expect((await cases.find({ schoolId: 'q-school', dueAfter: at('2026-11-11T00:00:00Z'), dueBefore: at('2026-11-20T00:00:00Z') })).map((c) => c.id)).toEqual(['7']);
    });

    it('finds cases past their retention date and anonymises them once', async () => {
      await cases.insert(caseRecord('10', { schoolId: 'r-school', reference: 'R-10', state: { ...caseRecord('x').state, status: 'closed', retainUntil: '2032-12-01' } }));
      expect((await cases.findExpired('2032-11-30', 10)).filter((c) => c.id === '10')).toEqual([]);
      expect((await cases.findExpired('2032-12-01', 10)).map((c) => c.id)).toContain('10');
      const redacted = { complainant: { name: '[removed]', relationship: '[removed]', preferredContact: 'letter' as const }, summary: '[removed]', about: { role: 'teacher' }, events: [], attachments: [], outbox: [] };
      await cases.anonymise('10', at('2032-12-01T03:00:00Z'), redacted);
      const c = (await cases.get('10'))!;
      expect(c).toMatchObject({ complainant: { name: '[removed]' }, summary: '[removed]', purgedAt: at('2032-12-01T03:00:00Z'), reference: 'R-10' });
      expect((await cases.findExpired('2040-01-01', 10)).map((x) => x.id)).not.toContain('10');
      expect(await cases.findByComplainant('r-school', { name: 'Priya Parent' }, at('2020-01-01T00:00:00Z'))).toEqual([]);
    });
  });

  describe(`the school store ${name}`, () => {
    let schools: SchoolStore;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ schools, close } = await make());
    });
    afterAll(async () => close?.());

    it('saves a school setup and bumps its version on each change, keeping its outbox', async () => {
      const first = await schools.save(nmatSchool('s1'));
      expect(first).toMatchObject({ id: 's1', version: 1, outbox: [], digests: [] });
      expect(await schools.claimDigest('s1', '2026-11-09', item('digest:s1:2026-11-09'))).toBe(true);
      expect(await schools.claimDigest('s1', '2026-11-09', item('digest:s1:2026-11-09'))).toBe(false);
      const second = await schools.save({ ...nmatSchool('s1'), name: 'Nunthorpe Academy (renamed)' });
      expect(second).toMatchObject({ version: 2, name: 'Nunthorpe Academy (renamed)', digests: ['2026-11-09'] });
      expect(second.outbox.map((o) => o.key)).toEqual(['digest:s1:2026-11-09']);
      expect((await schools.get('s1'))!.people).toHaveLength(nmatSchool().people.length);
      expect((await schools.list()).map((s) => s.id)).toContain('s1');
    });
  });
}
