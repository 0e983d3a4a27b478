/**
 * Assign the current stage to a named person. Only SLT or the clerk may do it. The person must
 * be staff of the school and hold the role the policy routes this stage to (for a panel stage,
 * a panel member: the panel's pool role, or "panel_member"). The person the complaint is about
 * can never be assigned. The new handler gets the stage task; the previous one is told.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import type { CaseRecord } from './ports.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { isSltOrClerk, notAuthorised, requireOpen } from './authorisation.js';

export const assignHandlerInput = z.object({ caseId: id, personId: id, reason, expectedVersion });

/** The roles a person may hold to handle the case's current stage. */
export function rolesForStage(ctx: SchoolContext, record: CaseRecord): string[] {
  const stage = ctx.policy.stages[record.state.stage - 1];
  const roles = [record.state.handlerRole];
  if (stage?.panel) roles.push(stage.panel.pool ?? 'panel_member');
  return roles;
}

export async function assignHandler(deps: Deps, actor: Actor, raw: z.input<typeof assignHandlerInput>) {
  const input = parseInput(assignHandlerInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    const { school, policy } = ctx;
    if (!isSltOrClerk(school, actor)) throw notAuthorised(record, actor, 'SLT or the clerk', 'assign who handles this complaint');
    requireOpen(record, 'assign a handler');
    if (input.personId === record.about.personId) {
      throw new AppError('SUBJECT_CANNOT_HANDLE', 'This complaint is about that person, so they can never handle it or see it. Choose someone else.', `assign refused: ${input.personId} is the subject of case ${record.id}`, 'personId');
    }
    const person = school.people.find((p) => p.id === input.personId);
    if (!person) throw new AppError('INVALID_INPUT', `That person is not set up as staff of ${school.name}.`, `assign refused: ${input.personId} not in school ${school.id}`, 'personId');
    const stage = record.state.stage;
    const roles = rolesForStage(ctx, record);
    if (!roles.some((r) => person.roles.includes(r))) {
      const label = (r: string) => policy.roles.find((x) => x.id === r)?.label ?? r.replace(/_/g, ' ');
      throw new AppError('NOT_ALLOWED', `${policy.name} gives stage ${stage} of this complaint to the ${roles.map(label).join(' or ')}, and ${person.name} does not hold that role.`, `assign refused: ${person.id} holds none of ${roles.join(', ')} for stage ${stage} of case ${record.id}`, 'personId');
    }
    if (record.state.handlerId === person.id) {
      throw new AppError('NOT_ALLOWED', `${person.name} already handles stage ${stage} of ${record.reference}.`, `assign refused: ${person.id} already handles case ${record.id}`, 'personId');
    }
    const previous = record.state.handlerId;
    return {
      events: [{ type: 'handler_assigned', stage, personId: person.id, reason: input.reason }],
      outbox: (after) => {
        const now = deps.clock.now();
        // The version makes each assignment's messages new, even when someone is given the stage back.
        const items = [outboxItem(`${record.id}:task:${stage}:${person.id}:assigned:${record.version}`, 'message', person.id, 'stage_task', { ...caseSummary(record, after, ctx), assignedBy: actor, reason: input.reason }, now)];
        if (previous) items.push(outboxItem(`${record.id}:reassigned:${stage}:${previous}:${record.version}`, 'message', previous, 'reassigned', { reference: record.reference, school: school.name, stage, reassignedTo: person.name, reason: input.reason }, now));
        return items;
      },
    };
  });
}
