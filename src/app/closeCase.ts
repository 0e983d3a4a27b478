/**
 * Close a complaint that has not ended on an outcome: by SLT or the clerk, or by the deadline
 * job (actor SYSTEM, reason "escalation_window_lapsed") when the complainant did not ask for
 * the next stage in time. Closing starts the retention clock; the handler is told. A panel
 * hearing still to come in Outlook is cancelled with it, since nobody can cancel it afterwards.
 */
import { z } from 'zod';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import type { OutboxItem } from './ports.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { isSltOrClerk, notAuthorised, requireOpen } from './authorisation.js';
import { hearingCancelRequest, hearingToCancelOnEnding } from './cancelHearing.js';

/** What the panel and the complainant read in the Outlook cancellation of a hearing still to come. */
export const CLOSED_REASON = 'the complaint was closed';

export const closeCaseInput = z.object({ caseId: id, reason, expectedVersion });

export async function closeCase(deps: Deps, actor: Actor, raw: z.input<typeof closeCaseInput>) {
  const input = parseInput(closeCaseInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    if (!isSltOrClerk(ctx.school, actor)) throw notAuthorised(record, actor, 'SLT or the clerk', 'close this complaint');
    requireOpen(record, 'close it');
    const handler = record.state.handlerId;
    const hearing = hearingToCancelOnEnding(record, deps.clock.now());
    return {
      events: [
        {
          type: 'closed',
          reason: input.reason,
          // The history says the hearing's Outlook invitation is cancelled with it (no hearing_cancelled on an ended case).
          ...(hearing ? { details: { hearingCancelled: { stage: hearing.stage, booking: hearing.booking } } } : {}),
        },
      ],
      outbox: (after) => {
        const now = deps.clock.now();
        const items: OutboxItem[] = [];
        if (handler && handler !== actor)
          items.push(
            outboxItem(
              `${record.id}:closed:${handler}`,
              'message',
              handler,
              'case_closed',
              { ...caseSummary(record, after, ctx), reason: input.reason, closedOn: after.closedOn },
              now,
            ),
          );
        const cancel = hearing && hearingCancelRequest(record, hearing, CLOSED_REASON, now);
        if (cancel) items.push(cancel);
        return items;
      },
    };
  });
}
