/**
 * KPSSPP's complaints subgroup, drawn at random: Stage One, "Three King's Park Secondary School
 * Parent Partnership member names will be picked at random (excluding any member mentioned in
 * the complaint) to carry out the investigation ... known temporarily as a complaints subgroup".
 * On the in-memory stores and the real database.
 *
 * The Parent Partnership: Chris Chair (chairperson), Val Vice (vice-chairperson), Sam Senior
 * (SLT), Cat Clerk (clerk), Sandy Standing (holds the "subgroup" role, so handles Stage One until
 * a subgroup is drawn), and seven members: Morag, Murdo (no email address), Mhairi and Malcolm,
 * who may be drawn; Moira, whom the complaint names in its text; Fiona Fraser, whom it is about;
 * and Lee Leaver, who has left. The complaint arrives on Tue 3 Nov 2026; KPSSPP counts calendar
 * days and weeks, so Stage One's response is due 2 weeks later, Tue 17 Nov (kpsspp.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managesCase } from '../../src/app/authorisation.js';
import { canSee, drawnSubgroup, schoolContext, type Deps } from '../../src/app/caseFlow.js';
import { drawSubgroup, replaceSubgroupMember, subgroupDraws, subgroupPool, type Random } from '../../src/app/drawSubgroup.js';
import type { CaseRecord, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { viewCase } from '../../src/app/viewCase.js';
import { P, appError, nmatAtStageFour, nmatSchool, storeVariants, type StoreVariant } from '../helpers/app.js';

const CHAIR = 'kp-chair';
const VICE = 'kp-vice';
const SLT = 'kp-slt';
const CLERK = 'kp-clerk';
const SANDY = 'kp-sandy';
const MORAG = 'kp-morag';
const MURDO = 'kp-murdo';
const MHAIRI = 'kp-mhairi';
const MALCOLM = 'kp-malcolm';
const MOIRA = 'kp-moira';
const FIONA = 'kp-fiona';
const LEE = 'kp-lee';
const ELIGIBLE = [MORAG, MURDO, MHAIRI, MALCOLM];

function kpsspp(id: string): Omit<School, 'outbox' | 'digests' | 'version'> {
  const mail = (name: string) => `${name}.${id}@kpsspp.example`;
  return {
    id,
    name: "King's Park Secondary School Parent Partnership",
    policyId: 'kpsspp',
    referencePrefix: 'KPSSPP',
    calendar: { region: 'scotland' },
    people: [
      { id: CHAIR, name: 'Chris Chair', email: mail('chris'), roles: ['chairperson'] },
      { id: VICE, name: 'Val Vice', email: mail('val'), roles: ['vice_chairperson'] },
      { id: SLT, name: 'Sam Senior', email: mail('sam'), roles: ['slt'] },
      { id: CLERK, name: 'Cat Clerk', email: mail('cat'), roles: ['clerk'] },
      { id: SANDY, name: 'Sandy Standing', email: mail('sandy'), roles: ['subgroup'] },
      { id: MORAG, name: 'Morag Member', email: mail('morag'), roles: ['member'] },
      { id: MURDO, name: 'Murdo Member', roles: ['member'] },
      { id: MHAIRI, name: 'Mhairi Member', email: mail('mhairi'), roles: ['member'] },
      { id: MALCOLM, name: 'Malcolm Member', email: mail('malcolm'), roles: ['member'] },
      { id: MOIRA, name: 'Moira Member', email: mail('moira'), roles: ['member'] },
      { id: FIONA, name: 'Fiona Fraser', email: mail('fiona'), roles: ['member'] },
      { id: LEE, name: 'Lee Leaver', email: mail('lee'), roles: ['member'], left: { on: '2026-10-30', reason: 'disabled' } },
    ],
  };
}

/** Picks the given positions in turn (each among those not yet drawn), and records what it was asked. */
function scripted(...picks: number[]): Random & { asked: number[] } {
  const asked: number[] = [];
  const f = (n: number) => {
    asked.push(n);
    const k = picks.shift();
    if (k === undefined) throw new Error('the script ran out of picks');
    return k;
  };
  return Object.assign(f, { asked });
}

for (const [name, make] of storeVariants('draw_subgroup', '2026-11-03T10:00:00Z')) {
  describe(`KPSSPP's complaints subgroup on ${name}`, () => {
    let v: StoreVariant;
    let deps: Deps;
    let n = 0;

    beforeAll(async () => {
      v = await make();
      deps = v.deps;
    });
    afterAll(async () => v?.close?.());

    /** A fresh school and a complaint about Fiona Fraser that names Moira Member, received Tue 3 Nov 2026. */
    async function complaint(school = kpsspp(`kp${++n}${Math.random().toString(36).slice(2, 6)}`)): Promise<CaseRecord> {
      v.clock.set('2026-11-03T10:00:00Z');
      await deps.schools.save(school);
      const r = await recordComplaint(deps, CHAIR, {
        schoolId: school.id,
        complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', relationship: 'parent of a pupil in S2', preferredContact: 'email' },
        about: { role: 'member', personId: FIONA, personName: 'Fiona Fraser' },
        summary: 'Fiona Fraser turned my daughter away from the Parent Partnership meeting; moira member saw it and said nothing.',
      });
      if (r.result !== 'recorded') throw new Error(`seeding: ${r.result}`);
      v.clock.set('2026-11-04T09:30:00Z');
      return r.case;
    }

    const stored = async (c: CaseRecord) => (await deps.cases.get(c.id))!;
    const sees = async (c: CaseRecord, who: string) => {
      const record = await stored(c);
      return canSee((await deps.schools.get(record.schoolId))!, record, who);
    };

    it('the pool is the members who may sit, without needing an email; the one complained about, the one named and the leaver are left out, saying why', async () => {
      const c = await complaint();
      const school = (await deps.schools.get(c.schoolId))!;
      const pool = subgroupPool(schoolContext(school), c);
      expect(pool).toMatchObject({ stage: 1, size: 3, label: 'KPSSPP member' });
      expect(pool.eligible.map((p) => p.id)).toEqual(ELIGIBLE);
      expect(pool.excluded).toEqual([
        { id: MOIRA, name: 'Moira Member', why: 'the complaint names them' },
        { id: FIONA, name: 'Fiona Fraser', why: 'the complaint is about them' },
        { id: LEE, name: 'Lee Leaver', why: 'has left' },
      ]);
      // Until a subgroup is drawn, the holder of the "subgroup" role handles Stage One, as before.
      expect(c.state.handlerId).toBe(SANDY);
      expect(c.state.deadlines.find((d) => d.kind === 'respond')).toMatchObject({ due: '2026-11-17', ownerId: SANDY });
    });

    it('the draw picks 3 distinct members by the random numbers given, records one auditable event and tells each of them', async () => {
      const c = await complaint();
      // Position 2 of Morag, Murdo, Mhairi, Malcolm; then 0 of Morag, Murdo, Malcolm; then 1 of Murdo, Malcolm.
      const random = scripted(2, 0, 1);
      const after = await drawSubgroup({ ...deps, random }, CHAIR, { caseId: c.id, expectedVersion: c.version });
      expect(random.asked).toEqual([4, 3, 2]);
      expect(after.version).toBe(c.version + 1);
      const drawn = after.events.filter((e) => e.type === 'subgroup_drawn');
      expect(drawn).toHaveLength(1);
      expect(drawn[0]).toMatchObject({
        stage: 1,
        by: CHAIR,
        details: {
          draw: 1,
          memberIds: [MHAIRI, MORAG, MALCOLM],
          pool: ELIGIBLE,
          excluded: [
            { id: MOIRA, why: 'the complaint names them' },
            { id: FIONA, why: 'the complaint is about them' },
            { id: LEE, why: 'has left' },
          ],
        },
      });
      expect(new Date(drawn[0]!.at).toISOString()).toBe('2026-11-04T09:30:00.000Z');
      const tasks = after.outbox.filter((o) => o.key.startsWith(`${c.id}:subgroup:`));
      expect(tasks.map((o) => [o.key, o.to, o.template])).toEqual([
        [`${c.id}:subgroup:1:1:${MHAIRI}`, MHAIRI, 'stage_task'],
        [`${c.id}:subgroup:1:1:${MORAG}`, MORAG, 'stage_task'],
        [`${c.id}:subgroup:1:1:${MALCOLM}`, MALCOLM, 'stage_task'],
      ]);
    });

    it('the first drawn convenes: they handle Stage One and owe its response; the chair still owes the acknowledgement', async () => {
      const c = await complaint();
      const after = await drawSubgroup({ ...deps, random: scripted(3, 0, 0) }, CHAIR, { caseId: c.id });
      expect(after.events.at(-1)!.details!.memberIds).toEqual([MALCOLM, MORAG, MURDO]);
      expect(after.state.handlerId).toBe(MALCOLM);
      const owners = Object.fromEntries(after.state.deadlines.map((d) => [d.kind, [d.due, d.ownerId]]));
      expect(owners).toEqual({ acknowledge: ['2026-11-08', CHAIR], respond: ['2026-11-17', MALCOLM] });
      const school = (await deps.schools.get(c.schoolId))!;
      expect(managesCase(school, after, MALCOLM)).toBe(true);
      // The other two investigate with the convener but record nothing: the convener does.
      expect(managesCase(school, after, MORAG)).toBe(false);
      const refused = await appError(
        recordOutcome(deps, MORAG, { caseId: c.id, outcome: 'not_upheld', decision: 'The meeting was full; nobody was turned away.' }),
      );
      expect(refused.code).toBe('NOT_AUTHORISED');
    });

    it('the three drawn see the case; a member not drawn, the one complained about and the former "subgroup" role holder do not', async () => {
      const c = await complaint();
      await drawSubgroup({ ...deps, random: scripted(0, 0, 0) }, CHAIR, { caseId: c.id });
      for (const who of [MORAG, MURDO, MHAIRI]) expect((await viewCase(deps, who, { caseId: c.id })).id, who).toBe(c.id);
      for (const who of [MALCOLM, FIONA, MOIRA, SANDY]) expect((await appError(viewCase(deps, who, { caseId: c.id }))).code, who).toBe('CASE_NOT_FOUND');
    });

    it('drawing again needs a reason, and then replaces the whole subgroup; those left off are told and no longer see the case', async () => {
      const c = await complaint();
      const first = await drawSubgroup({ ...deps, random: scripted(0, 0, 0) }, CHAIR, { caseId: c.id });
      expect(first.events.at(-1)!.details!.memberIds).toEqual([MORAG, MURDO, MHAIRI]);

      const noReason = await appError(drawSubgroup({ ...deps, random: scripted(0, 0, 0) }, CHAIR, { caseId: c.id }));
      expect(noReason).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
      expect(noReason.userMessage).toBe(
        'The subgroup for stage 1 was already drawn (Morag Member, Murdo Member and Mhairi Member). Give the reason for drawing a new one: the whole subgroup is replaced.',
      );
      expect((await stored(c)).version).toBe(first.version);

      v.clock.set('2026-11-05T11:00:00Z');
      const again = await drawSubgroup({ ...deps, random: scripted(3, 0, 1) }, SLT, {
        caseId: c.id,
        reason: 'Morag and Murdo are away until December.',
        expectedVersion: first.version,
      });
      const e = again.events.at(-1)!;
      expect(e).toMatchObject({ type: 'subgroup_drawn', by: SLT, reason: 'Morag and Murdo are away until December.' });
      expect(e.details).toMatchObject({ draw: 2, memberIds: [MALCOLM, MORAG, MHAIRI], pool: ELIGIBLE });
      expect(again.state.handlerId).toBe(MALCOLM);
      const news = again.outbox.filter((o) => o.key.startsWith(`${c.id}:subgroup:1:2:`)).map((o) => [o.to, o.template]);
      expect(news).toEqual([
        [MALCOLM, 'stage_task'],
        [MORAG, 'stage_task'],
        [MHAIRI, 'stage_task'],
        [MURDO, 'subgroup_left'],
      ]);
      expect(await sees(c, MURDO)).toBe(false);
      expect(await sees(c, MALCOLM)).toBe(true);
      expect(subgroupDraws(again, 1).map((d) => [d.draw, d.memberIds])).toEqual([
        [1, [MORAG, MURDO, MHAIRI]],
        [2, [MALCOLM, MORAG, MHAIRI]],
      ]);
    });

    it('replacing one member keeps the other two; the newcomer is someone never drawn, unless nobody else is left', async () => {
      const c = await complaint();
      const first = await drawSubgroup({ ...deps, random: scripted(2, 0, 1) }, CHAIR, { caseId: c.id });
      expect(first.events.at(-1)!.details!.memberIds).toEqual([MHAIRI, MORAG, MALCOLM]);

      // Murdo is the only eligible member never drawn: the real random draw must pick him.
      const one = await replaceSubgroupMember(deps, CHAIR, { caseId: c.id, memberId: MORAG, reason: 'Morag is related to the complainant.' });
      const e = one.events.at(-1)!;
      expect(e).toMatchObject({ type: 'subgroup_drawn', stage: 1, reason: 'Morag is related to the complainant.' });
      expect(e.details).toMatchObject({
        draw: 2,
        memberIds: [MHAIRI, MALCOLM, MURDO],
        pool: [MURDO],
        replaced: { memberId: MORAG, reason: 'Morag is related to the complainant.' },
      });
      expect(e.details!.excluded).toEqual(
        expect.arrayContaining([
          { id: MORAG, why: 'being replaced' },
          { id: MHAIRI, why: 'already on the subgroup' },
          { id: MALCOLM, why: 'already on the subgroup' },
          { id: FIONA, why: 'the complaint is about them' },
        ]),
      );
      expect(one.state.handlerId).toBe(MHAIRI);
      expect(one.outbox.filter((o) => o.key.startsWith(`${c.id}:subgroup:1:2:`)).map((o) => [o.to, o.template])).toEqual([
        [MURDO, 'stage_task'],
        [MORAG, 'subgroup_left'],
      ]);
      expect(await sees(c, MORAG)).toBe(false);
      expect(await sees(c, MURDO)).toBe(true);

      // Everyone eligible has now been drawn: Morag, the only one off the subgroup, comes back.
      const two = await replaceSubgroupMember(deps, CHAIR, { caseId: c.id, memberId: MALCOLM, reason: 'Malcolm has moved away.' });
      expect(two.events.at(-1)!.details).toMatchObject({ memberIds: [MHAIRI, MURDO, MORAG], pool: [MORAG] });

      // Replacing the convener: the next member, who knows the case, convenes and owes the response.
      const three = await replaceSubgroupMember({ ...deps, random: scripted(0) }, CHAIR, {
        caseId: c.id,
        memberId: MHAIRI,
        reason: 'Mhairi has a conflict of interest.',
      });
      expect(three.events.at(-1)!.details).toMatchObject({ memberIds: [MURDO, MORAG, MALCOLM], pool: [MALCOLM] });
      expect(three.state.handlerId).toBe(MURDO);
      expect(three.state.deadlines.find((d) => d.kind === 'respond')!.ownerId).toBe(MURDO);
    });

    it('a replacement needs a reason and a member of the subgroup, and a subgroup to replace in', async () => {
      const c = await complaint();
      const before = await appError(replaceSubgroupMember(deps, CHAIR, { caseId: c.id, memberId: MORAG, reason: 'Away.' }));
      expect(before.code).toBe('NOT_ALLOWED');
      expect(before.userMessage).toMatch(/^No subgroup has been drawn for stage 1 of KPSSPP-2026-\d{4} yet: draw it first\.$/);
      const drawn = await drawSubgroup({ ...deps, random: scripted(0, 0, 0) }, CHAIR, { caseId: c.id });
      const noReason = await appError(replaceSubgroupMember(deps, CHAIR, { caseId: c.id, memberId: MORAG, reason: ' ' }));
      expect(noReason).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
      const notOn = await appError(replaceSubgroupMember(deps, CHAIR, { caseId: c.id, memberId: MALCOLM, reason: 'Away until December.' }));
      expect(notOn).toMatchObject({ code: 'INVALID_INPUT', field: 'memberId' });
      expect(notOn.userMessage).toBe('Malcolm Member is not on the subgroup for stage 1: it is Morag Member, Murdo Member and Mhairi Member.');
      expect((await stored(c)).version).toBe(drawn.version);
    });

    it('too few who may be drawn: refused, saying how many are needed and who is left out and why; nothing is saved', async () => {
      const school = kpsspp(`kpfew${Math.random().toString(36).slice(2, 6)}`);
      // Only Morag and Mhairi remain on the members' list besides those left out.
      school.people = school.people.filter((p) => ![MURDO, MALCOLM].includes(p.id));
      const c = await complaint(school);
      const refused = await appError(drawSubgroup(deps, CHAIR, { caseId: c.id }));
      expect(refused.code).toBe('NOT_ALLOWED');
      expect(refused.userMessage).toBe(
        "You cannot draw the complaints subgroup: the subgroup needs 3 KPSSPP members picked at random, and only Morag Member and Mhairi Member can be drawn. Not eligible: Moira Member (the complaint names them), Fiona Fraser (the complaint is about them), Lee Leaver (has left). Ask your IT admin to add KPSSPP members to King's Park Secondary School Parent Partnership's list, then try again.",
      );
      expect(await stored(c)).toMatchObject({ version: c.version, events: c.events });
    });

    it('only those who manage the case may draw, and no member of the subgroup, not even its convener, may change it; someone who cannot see it is told it does not exist', async () => {
      const c = await complaint();
      const drawn = await drawSubgroup({ ...deps, random: scripted(0, 0, 0) }, CLERK, { caseId: c.id });
      // The convener handles the stage, yet a random pick is not theirs to reshape.
      const convener = drawn.state.handlerId!;
      const other = drawnSubgroup(drawn.events, 1).find((m) => m !== convener)!;
      const refused = await appError(replaceSubgroupMember(deps, convener, { caseId: c.id, memberId: other, reason: 'We do not get on.' }));
      expect(refused.code).toBe('NOT_AUTHORISED');
      expect(refused.userMessage).toMatch(/^Members of the complaints subgroup cannot change it, because it is picked at random: ask the clerk or SLT/);
      expect((await appError(drawSubgroup(deps, convener, { caseId: c.id, reason: 'Let us try again.' }))).code).toBe('NOT_AUTHORISED');
      expect((await appError(drawSubgroup(deps, MURDO, { caseId: c.id, reason: 'I would rather not.' }))).code).toBe('NOT_AUTHORISED');
      expect((await appError(replaceSubgroupMember(deps, MHAIRI, { caseId: c.id, memberId: MURDO, reason: 'He is busy.' }))).code).toBe('NOT_AUTHORISED');
      expect((await appError(drawSubgroup(deps, MALCOLM, { caseId: c.id, reason: 'Let me in.' }))).code).toBe('CASE_NOT_FOUND');
      expect((await stored(c)).version).toBe(drawn.version);
    });

    it('NMAT and SIL pick no one at random: their stages refuse, in plain words', async () => {
      await deps.schools.save({ ...nmatSchool(`nm${++n}`) });
      const four = await nmatAtStageFour(deps, v.clock, `nm${n}`);
      const panel = await appError(drawSubgroup(deps, P.governanceLead, { caseId: four.id }));
      expect(panel).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(panel.userMessage).toBe(
        'You cannot draw the complaints subgroup: stage 4 of NMAT Complaints Policy and Procedure (Statutory) does not pick its members at random (its panel is chosen by the clerk, not drawn at random: use Book the panel hearing).',
      );

      const sil = {
        ...nmatSchool(`sil${n}`),
        policyId: 'sil',
        referencePrefix: 'SIL',
        people: [{ id: 'sil-lead', name: 'Pip Lead', roles: ['project_lead', 'slt'] }],
      };
      await deps.schools.save(sil);
      const r = await recordComplaint(deps, 'sil-lead', {
        schoolId: sil.id,
        complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', relationship: 'parent', preferredContact: 'email' },
        summary: 'The school improvement visit report was never shared with parents.',
      });
      if (r.result !== 'recorded') throw new Error('not recorded');
      const none = await appError(drawSubgroup(deps, 'sil-lead', { caseId: r.case.id }));
      expect(none.code).toBe('NOT_ALLOWED');
      expect(none.userMessage).toContain('stage 1 of SIL');
      expect(none.userMessage).toContain('(it has no panel or subgroup)');
    });

    if (name === 'in-memory stores') {
      it('the real random draw, 200 times: never anyone left out, always 3 distinct, every eligible member drawn, each about as often', async () => {
        const c = await complaint();
        const started = performance.now();
        let record = await drawSubgroup(deps, CHAIR, { caseId: c.id });
        for (let i = 1; i < 200; i++) record = await drawSubgroup(deps, CHAIR, { caseId: c.id, reason: `Draw ${i + 1} of the fairness check.` });
        const ms = performance.now() - started;
        const draws = subgroupDraws(record, 1);
        expect(draws).toHaveLength(200);
        const times = new Map<string, number>();
        const convened = new Map<string, number>();
        for (const d of draws) {
          expect(new Set(d.memberIds).size).toBe(3);
          for (const id of d.memberIds) times.set(id, (times.get(id) ?? 0) + 1);
          convened.set(d.memberIds[0]!, (convened.get(d.memberIds[0]!) ?? 0) + 1);
        }
        expect([...times.keys()].sort()).toEqual([...ELIGIBLE].sort());
        // Each of the 4 is on 3 of 4 draws (150 expected, standard deviation about 6) and convenes 1 in 4 (50, about 6).
        for (const id of ELIGIBLE) {
          expect(times.get(id), id).toBeGreaterThan(110);
          expect(times.get(id), id).toBeLessThan(190);
          expect(convened.get(id), id).toBeGreaterThan(20);
          expect(convened.get(id), id).toBeLessThan(80);
        }
        console.info(`200 draws through the use case on the in-memory stores: ${ms.toFixed(0)} ms`);
      });
    }
  });
}
