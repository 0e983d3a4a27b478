/**
 * Who may act on a case, shared by the case use cases:
 * - SLT and the clerk of the school may manage any case they can see; so may the current
 *   handler and whoever owes an open deadline of the current stage (e.g. the clerk-role holder
 *   convening a panel). The deadline jobs act as SYSTEM.
 * - The person a complaint is about never gets this far: loadCase answers "not found".
 */
import { AppError } from './errors.js';
import { SYSTEM, hasRole, type Actor, type SchoolContext } from './caseFlow.js';
import type { CaseRecord, School } from './ports.js';

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
