/**
 * Close a complaint that has not ended on an outcome: by SLT or the clerk, or by the deadline
 * job (actor SYSTEM, reason "escalation_window_lapsed") when the complainant did not ask for
 * the next stage in time. Closing starts the retention clock; the handler is told.
 */
import { z } from 'zod';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { isSltOrClerk, notAuthorised, requireOpen } from './authorisation.js';

export const closeCaseInput = z.object({ caseId: id, reason, expectedVersion });

export async function closeCase(deps: Deps, actor: Actor, raw: z.input<typeof closeCaseInput>) {
  const input = parseInput(closeCaseInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    if (!isSltOrClerk(ctx.school, actor)) throw notAuthorised(record, actor, 'SLT or the clerk', 'close this complaint');
    requireOpen(record, 'close it');
    const handler = record.state.handlerId;
    return {
      events: [{ type: 'closed', reason: input.reason }],
      outbox: (after) =>
        handler && handler !== actor
          ? [outboxItem(`${record.id}:closed:${handler}`, 'message', handler, 'case_closed', { ...caseSummary(record, after, ctx), reason: input.reason, closedOn: after.closedOn }, deps.clock.now())]
          : [],
    };
  });
}
