/**
 * The directory.check job as Nunthorpe Academy lives it (NMAT; English 2026/27 calendar; November
 * is GMT, so "06:30Z" is 06:30 at the school): a head of school whose account is disabled, then
 * deleted, then restored in the organisation's directory (the Graph stand-in over HTTP, through
 * the real gateway and GraphDirectory), on the in-memory stores and on the real database.
 *
 * Two complaints about a teacher, received Fri 6 Nov 2026 09:00, handled at stage 1 by the head
 * of school (NMAT: stage 1 goes to the head of school; acknowledge within 2 school days, so by
 * Tue 10 Nov). Both Hana Head and Dev Deputy hold that role, Hana first. Complaint A is Hana's by
 * role; complaint B was given to her by name (handler_assigned).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assignHandler } from '../../src/app/assignHandler.js';
import { schoolContext, type Deps } from '../../src/app/caseFlow.js';
import { NO_EMAIL, panelCandidates } from '../../src/app/panel.js';
import type { CaseRecord, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { GraphDirectory } from '../../src/graph/directory.js';
import { checkDirectory } from '../../src/jobs/directory.js';
import { drainOutbox, sendOverdueDigests, sweepDeadlines, type JobContext } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { memoryLogger, silentLogger } from '../../src/log.js';
import { renderCard } from '../../bot/cards.js';
import { caseHeader, messageToCard } from '../../bot/views.js';
import type { CardData } from '../../bot/cardTypes.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';
import { P, TestClock, memoryDeps, nmatSchool, parentComplaint, storeVariants } from '../helpers/app.js';

let standIn: GraphStandIn;

const NAMES: Record<string, string> = Object.fromEntries(nmatSchool().people.map((p) => [p.id, p.name]));

function addEveryone(): void {
  for (const [id, name] of Object.entries(NAMES)) {
    standIn.addUser({
      id,
      displayName: name,
      mail: `${id}@nunthorpe.example`,
      userPrincipalName: `${id}@nunthorpe.example`,
      ...(id === P.headOfSchool ? { managerId: P.execPrincipal } : {}),
    });
  }
}

const directory = () => new GraphDirectory(standInGateway(standIn));

/** Nunthorpe with Dev Deputy also a head of school, after Hana. */
function school(): Omit<School, 'outbox' | 'digests' | 'version'> {
  const s = nmatSchool();
  return { ...s, people: s.people.map((p) => (p.id === P.deputy ? { ...p, roles: ['head_of_school', 'slt'] } : p)) };
}

beforeAll(async () => {
  standIn = await GraphStandIn.start();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.users.clear();
  addEveryone();
  standIn.clearRequests();
});

async function complaint(deps: Deps, duplicates?: 'separate'): Promise<CaseRecord> {
  const r = await recordComplaint(deps, P.teacher2, {
    ...parentComplaint(),
    about: { role: 'teacher', personId: P.teacher, personName: 'Tara Teacher' },
    ...(duplicates ? { duplicates } : {}),
  });
  if (r.result !== 'recorded') throw new Error(JSON.stringify(r));
  return r.case;
}

describe.each(storeVariants('jobs_directory'))('directory.check (%s)', (_name, make) => {
  // Nunthorpe on a fresh store for each test, with the directory in the stand-in and the job's context.
  let deps: Deps;
  let clock: TestClock;
  let messenger: RecordingMessenger;
  let ctx: JobContext;
  let close: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const v = await make();
    ({ clock, close } = v);
    deps = { ...v.deps, directory: directory() };
    messenger = new RecordingMessenger(clock);
    ctx = { deps, messenger, log: silentLogger() };
    await deps.schools.save(school());
  });
  afterEach(async () => close?.());

  it('a head of school disabled, then deleted, then restored: her stages by role go to the next head, the one given to her by name is flagged for reassignment and listed in SLT’s digest with her manager, and the flag clears when she is back', async () => {
    const a = await complaint(deps);
    const b0 = await complaint(deps, 'separate');
    // B: given to Dev while Hana was away, then back to Hana by name.
    await assignHandler(deps, P.headOfSchool, { caseId: b0.id, personId: P.deputy, reason: 'Hana is on a course this week' });
    await assignHandler(deps, P.deputy, { caseId: b0.id, personId: P.headOfSchool, reason: 'Hana knows the family' });
    const get = async (c: CaseRecord) => (await deps.cases.get(c.id))!;
    expect((await get(a)).state.handlerId).toBe(P.headOfSchool);
    expect((await get(b0)).state.handlerId).toBe(P.headOfSchool);

    // Mon 9 Nov: the IT admin disabled Hana's account over the weekend.
    standIn.users.get(P.headOfSchool)!.accountEnabled = false;
    clock.set('2026-11-09T06:30:00Z');
    standIn.clearRequests();
    // Nobody had an email address at the school: each is given the directory's.
    expect(await checkDirectory(ctx)).toEqual({ schools: 1, people: 15, left: 1, back: 0, emails: 15, recomputed: 2, failed: 0 });
    // Everyone in one pass of $batch (15 people: one call), and her manager once.
    expect(standIn.graphRequests().map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([
      'POST /v1.0/$batch',
      `GET /v1.0/users/${P.headOfSchool}/manager`,
    ]);
    let hana = (await deps.schools.get('nunthorpe'))!.people.find((p) => p.id === P.headOfSchool)!;
    expect(hana.left).toEqual({ on: '2026-11-09', reason: 'disabled', managerName: 'Eve Principal' });

    let caseA = await get(a);
    let caseB = await get(b0);
    // A was Hana's by role: the next head of school takes it, with its deadlines.
    expect(caseA.state.handlerId).toBe(P.deputy);
    expect(caseA.state.flags).not.toContain('needs_reassignment');
    expect(caseA.state.deadlines.filter((d) => d.open && d.owner === 'head_of_school').map((d) => d.ownerId)).toEqual([P.deputy, P.deputy]);
    // B was given to her by name: it stays hers until SLT reassign it, and says so.
    expect(caseB.state.handlerId).toBe(P.headOfSchool);
    expect(caseB.state.flags).toContain('needs_reassignment');
    const sc = schoolContext((await deps.schools.get('nunthorpe'))!);
    expect(caseHeader(caseB, sc).status).toBe('Open (needs reassigning)');

    // Run again the same day: nothing changes, and the date she was first seen to have left stays.
    clock.set('2026-11-09T07:00:00Z');
    expect(await checkDirectory(ctx)).toMatchObject({ left: 0, back: 0, recomputed: 0 });

    // 08:00: nothing is overdue yet (acknowledgements are due Tue 10 Nov), but Hana still holds B: SLT's digest goes
    // to Dev (Hana, who left, gets none), once that day.
    clock.set('2026-11-09T08:00:00Z');
    expect(await sendOverdueDigests(ctx)).toEqual({ schools: 1, digests: 1 });
    clock.set('2026-11-09T09:00:00Z');
    expect(await sendOverdueDigests(ctx)).toEqual({ schools: 1, digests: 0 });
    await drainOutbox(ctx);
    const [digest, ...more] = messenger.take().filter((m) => m.template === 'overdue_digest');
    expect(more).toEqual([]);
    expect(digest!.to).toBe(P.deputy);
    expect(digest!.data).toMatchObject({
      count: 0,
      items: [],
      leavers: [
        {
          personId: P.headOfSchool,
          name: 'Hana Head',
          reason: 'disabled',
          on: '2026-11-09',
          managerName: 'Eve Principal',
          cases: [{ caseId: b0.id, reference: caseB.reference }],
        },
      ],
    });
    const view = await messageToCard(
      { key: digest!.key, kind: 'message', to: digest!.to, template: digest!.template, data: digest!.data, schoolId: 'nunthorpe' },
      deps,
    );
    const leavers = (view.data as CardData['digest']).leavers;
    expect(leavers).toEqual([
      {
        name: 'Hana Head',
        left: 'Account disabled, noticed Mon 9 Nov 2026',
        manager: 'Eve Principal',
        casesText: `Still theirs: ${caseB.reference}. Reassign it to someone else.`,
        cases: [{ caseId: b0.id, reference: caseB.reference }],
      },
    ]);
    const card = JSON.stringify(renderCard('digest', view.data as CardData['digest']));
    for (const text of ['People who have left', 'Account disabled, noticed Mon 9 Nov 2026', 'Their manager: Eve Principal', `Open ${caseB.reference}`])
      expect(card).toContain(text);

    // Tue 10 Nov: her account is deleted. Still left, since Monday; the manager's name read then is kept.
    standIn.users.delete(P.headOfSchool);
    clock.set('2026-11-10T06:30:00Z');
    expect(await checkDirectory(ctx)).toMatchObject({ left: 0, back: 0 });
    hana = (await deps.schools.get('nunthorpe'))!.people.find((p) => p.id === P.headOfSchool)!;
    expect(hana.left).toEqual({ on: '2026-11-09', reason: 'deleted', managerName: 'Eve Principal' });
    expect((await get(b0)).state.flags).toContain('needs_reassignment');

    // Wed 11 Nov: restored (she was deleted by mistake). The mark goes; B is hers without a flag, and A is hers again
    // by role (the first head of school).
    addEveryone();
    clock.set('2026-11-11T06:30:00Z');
    expect(await checkDirectory(ctx)).toEqual({ schools: 1, people: 15, left: 0, back: 1, emails: 0, recomputed: 2, failed: 0 });
    hana = (await deps.schools.get('nunthorpe'))!.people.find((p) => p.id === P.headOfSchool)!;
    expect(hana).not.toHaveProperty('left');
    caseA = await get(a);
    caseB = await get(b0);
    expect(caseB.state.flags).not.toContain('needs_reassignment');
    expect(caseA.state.handlerId).toBe(P.headOfSchool);
    // 08:00: both acknowledgements are overdue; nobody has left, so the digest lists no leavers.
    clock.set('2026-11-11T08:00:00Z');
    await sendOverdueDigests(ctx);
    await drainOutbox(ctx);
    const wednesday = messenger.take().filter((m) => m.template === 'overdue_digest');
    expect(wednesday.map((m) => m.to)).toEqual([P.headOfSchool, P.deputy]);
    expect(wednesday[0]!.data.count).toBe(2);
    expect(wednesday[0]!.data).not.toHaveProperty('leavers');
  });

  it('a deputy deleted outright, who was given a complaint by name: it is flagged, his deadline nudges go to SLT, and the digest lists him with no manager', async () => {
    const c = await complaint(deps);
    await assignHandler(deps, P.headOfSchool, { caseId: c.id, personId: P.deputy, reason: 'Hana is on a course this week' });
    standIn.users.delete(P.deputy);
    clock.set('2026-11-09T06:30:00Z');
    standIn.clearRequests();
    expect(await checkDirectory(ctx)).toMatchObject({ left: 1, recomputed: 1 });
    // A deleted account has no manager to read: none is asked for.
    expect(standIn.graphRequests().map((r) => r.path)).toEqual(['/v1.0/$batch']);
    expect((await deps.schools.get('nunthorpe'))!.people.find((p) => p.id === P.deputy)!.left).toEqual({ on: '2026-11-09', reason: 'deleted' });
    const record = (await deps.cases.get(c.id))!;
    expect(record.state.handlerId).toBe(P.deputy);
    expect(record.state.flags).toContain('needs_reassignment');

    clock.set('2026-11-09T08:00:00Z');
    // The acknowledgement he owed (NMAT §11: 2 school days from Fri 6 Nov, so Tue 10 Nov) is due
    // soon from 08:00 on Mon 9 Nov: the nudge goes to SLT, not to the account that is gone.
    await sweepDeadlines(ctx);
    await drainOutbox(ctx);
    const nudges = messenger.take().filter((m) => m.template === 'deadline_due_soon');
    expect(nudges.map((m) => [m.to, (m.data.nudge as { kind: string }).kind, m.data.unfilledRole])).toEqual([
      [P.headOfSchool, 'acknowledge', 'head_of_school'],
    ]);

    await sendOverdueDigests(ctx);
    await drainOutbox(ctx);
    const digests = messenger.take().filter((m) => m.template === 'overdue_digest');
    expect(digests.map((m) => m.to)).toEqual([P.headOfSchool]);
    expect(digests[0]!.data.leavers).toEqual([
      { personId: P.deputy, name: 'Dev Deputy', reason: 'deleted', on: '2026-11-09', cases: [{ caseId: c.id, reference: record.reference }] },
    ]);
    const view = await messageToCard(
      { key: 'k', kind: 'message', to: P.headOfSchool, template: 'overdue_digest', data: digests[0]!.data, schoolId: 'nunthorpe' },
      deps,
    );
    const card = JSON.stringify(renderCard('digest', view.data as CardData['digest']));
    expect(card).toContain('Account deleted, noticed Mon 9 Nov 2026');
    expect(card).not.toContain('Their manager');
  });
  it('a leaver drops out of SLT’s digest once the complaints they held are reassigned, though other things are still overdue', async () => {
    const c = await complaint(deps);
    await assignHandler(deps, P.headOfSchool, { caseId: c.id, personId: P.deputy, reason: 'Hana is on a course this week' });
    standIn.users.delete(P.deputy);
    clock.set('2026-11-09T06:30:00Z');
    await checkDirectory(ctx);
    // SLT (Hana) gives it back to herself by name.
    clock.set('2026-11-09T07:00:00Z');
    await assignHandler(deps, P.headOfSchool, { caseId: c.id, personId: P.headOfSchool, reason: 'Dev has left the school' });
    const record = (await deps.cases.get(c.id))!;
    expect(record.state.flags).not.toContain('needs_reassignment');
    // Dev still appears on the case's history, but holds nothing open.
    expect(await deps.cases.find({ schoolId: 'nunthorpe', status: 'open', responsibleId: P.deputy })).toHaveLength(0);

    // Wed 11 Nov 08:00: the acknowledgement (due Tue 10 Nov) is overdue, so the digest goes; Dev is not in it.
    clock.set('2026-11-11T08:00:00Z');
    expect(await sendOverdueDigests(ctx)).toEqual({ schools: 1, digests: 1 });
    await drainOutbox(ctx);
    const [digest] = messenger.take().filter((m) => m.template === 'overdue_digest');
    expect(digest!.to).toBe(P.headOfSchool);
    expect(digest!.data.count).toBe(1);
    expect(digest!.data).not.toHaveProperty('leavers');
  });

  it('someone set up by directory id with no email address is given the directory’s, and can then be invited to sit on a panel; an address the school has is kept', async () => {
    const s = school();
    // Pat Panel was set up before Graph was connected; Pam Panel's address was typed in at import.
    const people = s.people.map((p) => (p.id === P.panel2 ? { ...p, email: 'pam.panel@governors.example' } : p));
    await deps.schools.save({ ...s, people });
    // A complaint at NMAT's Stage Four, the panel hearing.
    const r = await recordComplaint(deps, P.governanceLead, { ...parentComplaint(), stage: 4 });
    if (r.result !== 'recorded') throw new Error(JSON.stringify(r));
    const at = r.case;
    const before = schoolContext((await deps.schools.get('nunthorpe'))!);
    expect(panelCandidates(before, at).find((x) => x.id === P.panel1)).toMatchObject({ excluded: NO_EMAIL });

    clock.set('2026-11-09T06:30:00Z');
    expect(await checkDirectory(ctx)).toMatchObject({ left: 0, back: 0, emails: 14, recomputed: 0 });
    const after = (await deps.schools.get('nunthorpe'))!;
    const person = (id: string) => after.people.find((p) => p.id === id)!;
    expect(person(P.panel1).email).toBe(`${P.panel1}@nunthorpe.example`);
    expect(person(P.panel2).email).toBe('pam.panel@governors.example');
    const pat = panelCandidates(schoolContext(after), at).find((x) => x.id === P.panel1)!;
    expect(pat).toEqual({ id: P.panel1, name: 'Pat Panel', email: `${P.panel1}@nunthorpe.example`, independent: false });

    // Nothing new the next day: the school is not saved again.
    clock.set('2026-11-10T06:30:00Z');
    expect(await checkDirectory(ctx)).toMatchObject({ emails: 0 });
    expect((await deps.schools.get('nunthorpe'))!.version).toBe(after.version);
  });
});

describe('directory.check without Microsoft Graph', () => {
  it('does nothing and says so once', async () => {
    const clock = new TestClock('2026-11-09T06:30:00Z');
    const deps = memoryDeps(clock);
    await deps.schools.save(school());
    const { log, lines } = memoryLogger();
    const ctx: JobContext = { deps, messenger: new RecordingMessenger(clock), log };
    expect(await checkDirectory(ctx)).toEqual({ schools: 0, people: 0, left: 0, back: 0, emails: 0, recomputed: 0, failed: 0 });
    await checkDirectory(ctx);
    expect(lines.filter((l) => l.event === 'directory_check_skipped')).toHaveLength(1);
  });

  it('when the directory cannot be read (a missing permission), the school is left as it was and the failure is logged with its id', async () => {
    const clock = new TestClock('2026-11-09T06:30:00Z');
    const deps: Deps = { ...memoryDeps(clock), directory: directory() };
    await deps.schools.save(school());
    const before = await deps.schools.get('nunthorpe');
    standIn.deny(/^POST \/\$batch$/, 403, 'Authorization_RequestDenied');
    const { log, lines } = memoryLogger();
    expect(await checkDirectory({ deps, messenger: new RecordingMessenger(clock), log })).toMatchObject({ schools: 1, failed: 1, left: 0 });
    expect(await deps.schools.get('nunthorpe')).toEqual(before);
    expect(lines.find((l) => l.event === 'directory_check_failed')).toMatchObject({ level: 'error', schoolId: 'nunthorpe' });
  });
});
