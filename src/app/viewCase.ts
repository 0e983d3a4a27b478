/**
 * Reading cases: one case as the person may see it, "my cases" (open cases the person handles
 * or owes a deadline on) and "what is overdue" for a school's SLT and clerk. A case the person
 * may not see is "not found", never "forbidden", so a complaint's existence is not disclosed.
 *
 * Also the checks of who may act on a case that the case use cases share (they would sit well
 * in caseFlow.ts; they live here, beside canSee, until then):
 * - SLT and the clerk of the school may manage any case they can see; so may the current
 *   handler and whoever owes an open deadline of the current stage (e.g. the clerk-role holder
 *   convening a panel). The deadline jobs act as SYSTEM.
 * - The person a complaint is about never gets this far: loadCase answers "not found".
 */
import { z } from 'zod';
import { AppError, notFound } from './errors.js';
import { SYSTEM, canSee, hasRole, loadSchool, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import type { CaseRecord, School, StoredDeadline } from './ports.js';
import { id, parseInput } from './validation.js';

/** SLT or the clerk of the school (or the system's own jobs). */
export function isSltOrClerk(school: School, actor: Actor): boolean {
  return actor === SYSTEM || hasRole(school, actor, 'slt', 'clerk');
}

/** SLT, the clerk, the current handler, or whoever owes an open deadline of the current stage. */
export function managesCase(school: School, record: CaseRecord, actor: Actor): boolean {
  if (isSltOrClerk(school, actor)) return true;
  if (record.state.handlerId === actor) return true;
  return record.state.deadlines.some((d) => d.open && d.stage === record.state.stage && d.ownerId === actor);
}

export function notAuthorised(record: CaseRecord, actor: Actor, who: string, doing: string): AppError {
  return new AppError('NOT_AUTHORISED', `Only ${who} can ${doing} (${record.reference}).`, `${doing} refused: ${actor} on case ${record.id}`);
}

/** Throws NOT_AUTHORISED unless the actor manages the case (see managesCase). */
export function requireManager(ctx: SchoolContext, record: CaseRecord, actor: Actor, doing: string): void {
  if (!managesCase(ctx.school, record, actor)) throw notAuthorised(record, actor, "the complaint's handler, SLT or the clerk", doing);
}

/** Throws NOT_ALLOWED unless the case is still open. */
export function requireOpen(record: CaseRecord, doing: string): void {
  const s = record.state;
  if (s.status === 'open') return;
  const how = s.status === 'out_of_scope' ? 'recorded as out of scope' : `${s.status}${s.closedOn ? ` on ${s.closedOn}` : ''}`;
  throw new AppError('NOT_ALLOWED', `${record.reference} was ${how}, so you cannot ${doing}.`, `${doing} refused: case ${record.id} is ${s.status}`);
}

/**
 * Names the use case's own field when the policy fold refuses one of the new events' fields
 * ("events[4].due" becomes "due"), so a card can show the error next to the field.
 */
export async function withInputFields<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    const m = e instanceof AppError && e.field ? /^events\[\d+\]\.(.+)$/.exec(e.field) : null;
    if (!m || !(e instanceof AppError)) throw e;
    throw new AppError(e.code, e.userMessage, e.logMessage, m[1]);
  }
}

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
