/**
 * Reading cases: one case as the person may see it, "my cases" (open cases the person handles
 * or owes a deadline on) and "what is overdue" for a school's SLT and clerk. A case the person
 * may not see is "not found", never "forbidden", so a complaint's existence is not disclosed.
 */
import { z } from 'zod';
import { AppError, notFound } from './errors.js';
import { SYSTEM, canSee, loadSchool, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord, StoredDeadline } from './ports.js';
import { id, parseInput } from './validation.js';
import { isSltOrClerk } from './authorisation.js';

export const viewCaseInput = z
  .object({ caseId: id.optional(), reference: id.optional() })
  .refine((v) => v.caseId !== undefined || v.reference !== undefined, { message: 'give the case id or its reference, like NMAT-2026-0042', path: ['caseId'] });

/** One case, if the actor may see it (canSee); anything else is CASE_NOT_FOUND. */
export async function viewCase(deps: Deps, actor: Actor, raw: z.input<typeof viewCaseInput>): Promise<CaseRecord> {
  const input = parseInput(viewCaseInput, raw);
  const what = input.caseId ?? input.reference!;
  let record = input.caseId !== undefined ? await deps.cases.get(input.caseId) : null;
  if (input.reference !== undefined) {
    // References are unique per school: look in the schools the actor belongs to.
    for (const s of await deps.schools.list()) {
      if (actor !== SYSTEM && !s.people.some((p) => p.id === actor)) continue;
      record = await deps.cases.getByReference(input.reference, s.id);
      if (record) break;
    }
  }
  if (!record) throw notFound(what);
  const school = await deps.schools.get(record.schoolId);
  if (!school || !canSee(school, record, actor)) throw notFound(what);
  return record;
}

export interface MyCase {
  case: CaseRecord;
  /** The open deadlines the actor owes on it (as handler or named owner). */
  deadlines: StoredDeadline[];
}

/**
 * Open cases where the actor is the handler or owes an open deadline, across the schools they
 * belong to, soonest due first (indexed by handler and by deadline owner).
 */
export async function listMyCases(deps: Deps, actor: Actor): Promise<MyCase[]> {
  const schools = (await deps.schools.list()).filter((s) => s.people.some((p) => p.id === actor));
  const out: MyCase[] = [];
  for (const school of schools) {
    for (const c of await deps.cases.find({ schoolId: school.id, status: 'open', responsibleId: actor })) {
      if (!canSee(school, c, actor)) continue;
      const mine = c.state.deadlines.filter((d) => d.open && d.ownerId === actor);
      if (c.state.handlerId === actor || mine.length) out.push({ case: c, deadlines: mine });
    }
  }
  return out.sort((a, b) => (a.case.state.nextDueAt?.getTime() ?? Infinity) - (b.case.state.nextDueAt?.getTime() ?? Infinity));
}

export interface OverdueCase {
  case: CaseRecord;
  /** Open deadlines owed by staff whose due instant has passed. */
  overdue: StoredDeadline[];
}

/**
 * Open cases of a school with something overdue at `now`, for SLT and the clerk only. Worked
 * out from the stored deadlines (dueAt against now), so it is right between job runs too. The
 * complainant's own cut-offs are never overdue; paused cases have no open deadlines. Never
 * lists a case the actor is the subject of.
 */
export async function listOverdue(deps: Deps, schoolId: string, actor: Actor, now: Date = deps.clock.now()): Promise<OverdueCase[]> {
  const { school } = await loadSchool(deps, schoolId);
  if (!isSltOrClerk(school, actor)) {
    throw new AppError('NOT_AUTHORISED', `Only SLT or the clerk of ${school.name} can see the overdue list.`, `overdue list refused: ${actor} in school ${school.id}`);
  }
  const out: OverdueCase[] = [];
  for (const c of await deps.cases.find({ schoolId, status: 'open', dueBefore: now })) {
    if (!canSee(school, c, actor)) continue;
    const overdue = c.state.deadlines.filter((d) => d.open && d.owner !== 'complainant' && new Date(d.dueAt).getTime() < now.getTime());
    if (overdue.length) out.push({ case: c, overdue });
  }
  return out;
}
