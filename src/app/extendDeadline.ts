/**
 * Extend a deadline of the current stage, with a reason. The fold keeps the policy's date as
 * `originalDue`; the complainant is told the old and new dates by letter.
 */
import { z } from 'zod';
import { DEADLINE_KINDS } from '../domain/policy.js';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, localDate, parseInput, reason } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';

export const extendDeadlineInput = z.object({ caseId: id, kind: z.enum(DEADLINE_KINDS), due: localDate, reason, expectedVersion });

export async function extendDeadline(deps: Deps, actor: Actor, raw: z.input<typeof extendDeadlineInput>) {
  const input = parseInput(extendDeadlineInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'extend a deadline');
    requireOpen(record, 'extend a deadline');
    const stage = record.state.stage;
    const current = record.state.deadlines.find((d) => d.stage === stage && d.kind === input.kind);
    if (!current) {
      const kinds = record.state.deadlines.filter((d) => d.stage === stage).map((d) => d.kind);
      throw new AppError(
        'INVALID_INPUT',
        `Stage ${stage} has no ${input.kind.replace(/_/g, ' ')} deadline now${kinds.length ? `; it has ${kinds.join(', ')}` : ''}.`,
        `extend refused: no ${input.kind} deadline in stage ${stage} of case ${record.id}`,
        'kind',
      );
    }
    if (current.metOn !== null) {
      throw new AppError(
        'NOT_ALLOWED',
        `The ${input.kind.replace(/_/g, ' ')} deadline was already met on ${current.metOn}; there is nothing to extend.`,
        `extend refused: ${input.kind} met on case ${record.id}`,
        'kind',
      );
    }
    return {
      events: [{ type: 'deadline_extended', stage, kind: input.kind, due: input.due, reason: input.reason }],
      outbox: (after) => {
        const now = deps.clock.now();
        const extended = after.deadlines.find((d) => d.stage === stage && d.kind === input.kind);
        return [
          outboxItem(
            `${record.id}:letter:extension:${stage}:${input.kind}:${input.due}`,
            'letter',
            'complainant',
            'extension_letter',
            {
              ...caseSummary(record, after, ctx),
              kind: input.kind,
              previousDue: current.due,
              newDue: extended?.due ?? input.due,
              originalDue: extended?.originalDue ?? current.due,
              reason: input.reason,
            },
            now,
          ),
        ];
      },
    };
  });
}
