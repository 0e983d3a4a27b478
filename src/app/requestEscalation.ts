/** The complainant asks for the next stage (recorded by staff on their behalf): the next stage's handler gets the task. */
import { z } from 'zod';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { requireManager } from './authorisation.js';
import { expectedVersion, id, parseInput } from './validation.js';

export const requestEscalationInput = z.object({
  caseId: id,
  /** When the request arrived, if not now (a letter opened today may have come yesterday). */
  receivedAt: z.coerce.date().optional(),
  grounds: z.string().trim().min(3, 'say why the complainant is not satisfied').optional(),
  expectedVersion,
});

export async function requestEscalation(deps: Deps, actor: Actor, raw: z.input<typeof requestEscalationInput>) {
  const input = parseInput(requestEscalationInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'record an escalation request');
    return {
      events: [{ type: 'escalation_requested', ...(input.receivedAt ? { at: input.receivedAt } : {}), ...(input.grounds ? { reason: input.grounds } : {}) }],
      outbox: (after) =>
        after.handlerId
          ? [
              outboxItem(
                `${record.id}:task:${after.stage}:${after.handlerId}`,
                'message',
                after.handlerId,
                'stage_task',
                caseSummary(record, after, ctx),
                deps.clock.now(),
              ),
            ]
          : [],
    };
  });
}
