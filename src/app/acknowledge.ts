/** Acknowledge the current stage: met on the day it is recorded; the complainant gets the acknowledgement letter. */
import { z } from 'zod';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { requireManager } from './authorisation.js';
import { expectedVersion, id, parseInput } from './validation.js';

export const acknowledgeInput = z.object({ caseId: id, expectedVersion });

export async function acknowledge(deps: Deps, actor: Actor, raw: z.input<typeof acknowledgeInput>) {
  const input = parseInput(acknowledgeInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'acknowledge the complaint');
    return {
      events: [{ type: 'acknowledged' }],
      outbox: (after) => [
        outboxItem(
          `${record.id}:letter:acknowledgement:${after.stage}`,
          'letter',
          'complainant',
          'acknowledgement_letter',
          { ...caseSummary(record, after, ctx), handlerRole: after.handlerRole },
          deps.clock.now(),
        ),
      ],
    };
  });
}
