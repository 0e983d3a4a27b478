/**
 * Record that the panel hearing took place (by default now). This meets the hearing deadline
 * and settles the papers and companion cut-offs; the panel's decision is then due within the
 * policy's time of the hearing (the fold counts it from the scheduled date).
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { applyToCase, hasRole, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, parseInput } from './validation.js';
import { managesCase, notAuthorised, requireOpen } from './authorisation.js';

export const recordHearingHeldInput = z.object({ caseId: id, heldAt: z.coerce.date().optional(), expectedVersion });

export async function recordHearingHeld(deps: Deps, actor: Actor, raw: z.input<typeof recordHearingHeldInput>) {
  const input = parseInput(recordHearingHeldInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    // The panel's members may record it too: they were there.
    if (!managesCase(ctx.school, record, actor) && !hasRole(ctx.school, actor, 'panel_member')) {
      throw notAuthorised(record, actor, "the complaint's handler, a panel member, SLT or the clerk", 'record that the hearing was held');
    }
    requireOpen(record, 'record a hearing');
    if (input.heldAt && input.heldAt.getTime() > deps.clock.now().getTime() + 60_000) {
      throw new AppError('INVALID_INPUT', 'A hearing cannot be recorded as held in the future.', 'heldAt in the future', 'heldAt');
    }
    return { events: [{ type: 'hearing_held', stage: record.state.stage, ...(input.heldAt ? { at: input.heldAt } : {}) }] };
  });
}
