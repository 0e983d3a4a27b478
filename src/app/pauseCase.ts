/**
 * Pause a complaint while another body investigates (NMAT §7: the police, local authority
 * safeguarding teams or tribunals). Only where the policy provides for it; other policies
 * refuse. While paused nothing is overdue. The complainant is told the procedure is suspended;
 * the reason stays on the record, not in the letter (it may concern another investigation).
 */
import { z } from 'zod';
import { fromDayNumber } from '../domain/dates.js';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';

export const pauseCaseInput = z.object({ caseId: id, reason, expectedVersion });

export async function pauseCase(deps: Deps, actor: Actor, raw: z.input<typeof pauseCaseInput>) {
  const input = parseInput(pauseCaseInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'pause this complaint');
    if (!ctx.policy.pause.allowed) {
      throw new AppError('NOT_ALLOWED', `${ctx.policy.name} does not provide for pausing a complaint, so its deadlines keep running.`, `pause refused: policy ${ctx.policy.id} has no pause`);
    }
    requireOpen(record, 'pause it');
    if (record.state.flags.includes('paused')) {
      throw new AppError('NOT_ALLOWED', `${record.reference} is already paused.`, `pause refused: case ${record.id} already paused`);
    }
    return {
      events: [{ type: 'paused', reason: input.reason }],
      outbox: (after) => [
        outboxItem(`${record.id}:letter:paused:${record.version}`, 'letter', 'complainant', 'pause_letter', { ...caseSummary(record, after, ctx), pausedOn: fromDayNumber(ctx.calendar.timezone.localDay(deps.clock.now().getTime())) }, deps.clock.now()),
      ],
    };
  });
}
