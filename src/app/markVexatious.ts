/**
 * Mark a complaint as vexatious or serial (NMAT §17), with a review date: the communication
 * plan is "reviewed after 6 months", so the review date defaults to six months from today.
 * Only senior leaders may decide it (Head of School, Executive Principal, or SLT), and only
 * under a policy that provides for it. Marking a case again (after a review) replaces the
 * mark; every decision stays in the events.
 */
import { z } from 'zod';
import { addMonths, fromDayNumber } from '../domain/dates.js';
import { AppError } from './errors.js';
import { applyToCase, hasRole, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, localDate, parseInput, reason } from './validation.js';
import { notAuthorised } from './authorisation.js';

/** Policies with a vexatious/serial complaints section, and where it is. Kept as data, not a pack field, until a second policy needs it. */
export const VEXATIOUS_PROVISION: Readonly<Record<string, string>> = { nmat: 'NMAT §17' };
export const VEXATIOUS_ROLES = ['head_of_school', 'executive_principal', 'slt'] as const;
const REVIEW_AFTER_MONTHS = 6;

export const markVexatiousInput = z.object({ caseId: id, reason, reviewOn: localDate.optional(), expectedVersion });

export async function markVexatious(deps: Deps, actor: Actor, raw: z.input<typeof markVexatiousInput>) {
  const input = parseInput(markVexatiousInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    const section = VEXATIOUS_PROVISION[ctx.policy.id];
    if (!section) {
      throw new AppError('NOT_ALLOWED', `${ctx.policy.name} has no provision for vexatious or serial complaints.`, `mark vexatious refused: policy ${ctx.policy.id}`);
    }
    if (!hasRole(ctx.school, actor, ...VEXATIOUS_ROLES)) throw notAuthorised(record, actor, 'the Head of School, the Executive Principal or SLT', 'mark a complaint as vexatious or serial');
    const now = deps.clock.now();
    const today = ctx.calendar.timezone.localDay(now.getTime());
    const reviewOn = input.reviewOn ?? fromDayNumber(addMonths(today, REVIEW_AFTER_MONTHS));
    if (reviewOn <= fromDayNumber(today)) throw new AppError('INVALID_INPUT', `The review date must be after today (${fromDayNumber(today)}).`, 'reviewOn not in the future', 'reviewOn');
    return {
      events: [{ type: 'vexatious_marked', reason: input.reason, details: { reviewOn, section } }],
      set: { vexatious: { markedAt: now, by: actor, reason: input.reason, reviewOn } },
    };
  });
}
