/**
 * Record a stage's outcome (or the panel's decision) with the decision text. The complainant
 * gets the outcome letter; if the policy moves the case on (KPSSPP "undecided"), the next
 * stage's handler gets the task.
 */
import { z } from 'zod';
import { OUTCOMES } from '../domain/policy.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { requireManager } from './authorisation.js';
import { expectedVersion, id, parseInput } from './validation.js';

export const recordOutcomeInput = z.object({
  caseId: id,
  outcome: z.enum(OUTCOMES),
  decision: z.string().trim().min(10, 'write the decision and the reasons for it, as the complainant will read them'),
  expectedVersion,
});

export async function recordOutcome(deps: Deps, actor: Actor, raw: z.input<typeof recordOutcomeInput>) {
  const input = parseInput(recordOutcomeInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'record the outcome');
    return {
      events: [{ type: 'responded', outcome: input.outcome, details: { decision: input.decision } }],
      outbox: (after) => {
        const now = deps.clock.now();
        const stage = record.state.stage;
        const items = [
          outboxItem(
            `${record.id}:letter:outcome:${stage}`,
            'letter',
            'complainant',
            'outcome_letter',
            {
              ...caseSummary(record, after, ctx),
              decidedStage: stage,
              outcome: input.outcome,
              decision: input.decision,
              nextSteps: after.status === 'closed' ? (ctx.policy.nextSteps ?? null) : null,
            },
            now,
          ),
        ];
        if (after.stage !== stage && after.handlerId)
          items.push(
            outboxItem(`${record.id}:task:${after.stage}:${after.handlerId}`, 'message', after.handlerId, 'stage_task', caseSummary(record, after, ctx), now),
          );
        return items;
      },
    };
  });
}
