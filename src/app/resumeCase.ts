/**
 * Resume a paused complaint. The open clocks of the stage restart from today (NMAT §7: "we
 * will inform you of a proposed new timescale"): the complainant gets the new dates by letter
 * and the handler is told the case is live again.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, parseInput } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';

export const resumeCaseInput = z.object({ caseId: id, expectedVersion });

export async function resumeCase(deps: Deps, actor: Actor, raw: z.input<typeof resumeCaseInput>) {
  const input = parseInput(resumeCaseInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'resume this complaint');
    requireOpen(record, 'resume it');
    if (!record.state.flags.includes('paused')) {
      throw new AppError('NOT_ALLOWED', `${record.reference} is not paused.`, `resume refused: case ${record.id} not paused`);
    }
    return {
      events: [{ type: 'resumed' }],
      outbox: (after) => {
        const now = deps.clock.now();
        const summary = caseSummary(record, after, ctx);
        const items = [outboxItem(`${record.id}:letter:timescale:${record.version}`, 'letter', 'complainant', 'timescale_letter', summary, now)];
        if (after.handlerId && after.handlerId !== actor) items.push(outboxItem(`${record.id}:resumed:${record.version}:${after.handlerId}`, 'message', after.handlerId, 'case_resumed', summary, now));
        return items;
      },
    };
  });
}
