/**
 * The complainant withdraws the complaint (recorded by staff on their behalf). NMAT §10 asks
 * for the withdrawal to be confirmed in writing, so for NMAT it is recorded only once that
 * confirmation is in. The handler is told, and the complainant gets the letter confirming the
 * withdrawal (once: a case is withdrawn only once). A panel hearing still to come in Outlook is
 * cancelled with it (everyone invited reads why), since nobody can cancel it once it is withdrawn.
 */
import { z } from 'zod';
import { fromDayNumber } from '../domain/dates.js';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';
import { hearingCancelRequest, hearingToCancelOnEnding } from './cancelHearing.js';

/** What the panel and the complainant read in the Outlook cancellation of a hearing still to come. */
export const WITHDRAWN_REASON = 'the complaint was withdrawn';

/** Policies that ask for a withdrawal to be confirmed in writing, with where they say so. */
export const WRITTEN_WITHDRAWAL: Readonly<Record<string, string>> = { nmat: 'NMAT §10' };

export const withdrawInput = z.object({ caseId: id, reason, confirmedInWriting: z.boolean().default(false), expectedVersion });

export async function withdraw(deps: Deps, actor: Actor, raw: z.input<typeof withdrawInput>) {
  const input = parseInput(withdrawInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'record the withdrawal of this complaint');
    requireOpen(record, 'withdraw it');
    const rule = WRITTEN_WITHDRAWAL[ctx.policy.id];
    if (rule && !input.confirmedInWriting) {
      throw new AppError(
        'INVALID_INPUT',
        `${rule} asks the complainant to confirm a withdrawal in writing. Record it once their written confirmation has arrived.`,
        `withdraw refused: no written confirmation for case ${record.id}`,
        'confirmedInWriting',
      );
    }
    const handler = record.state.handlerId;
    const hearing = hearingToCancelOnEnding(record, deps.clock.now());
    return {
      events: [
        {
          type: 'withdrawn',
          reason: input.reason,
          // The history says the hearing's Outlook invitation is cancelled with it (no hearing_cancelled on an ended case).
          details: {
            confirmedInWriting: input.confirmedInWriting,
            ...(hearing ? { hearingCancelled: { stage: hearing.stage, booking: hearing.booking } } : {}),
          },
        },
      ],
      outbox: (after) => {
        const now = deps.clock.now();
        const withdrawnOn = fromDayNumber(ctx.calendar.timezone.localDay(now.getTime()));
        const items = [
          outboxItem(`${record.id}:letter:withdrawal`, 'letter', 'complainant', 'withdrawal_letter', { ...caseSummary(record, after, ctx), withdrawnOn }, now),
        ];
        const cancel = hearing && hearingCancelRequest(record, hearing, WITHDRAWN_REASON, now);
        if (cancel) items.push(cancel);
        if (handler && handler !== actor)
          items.push(
            outboxItem(
              `${record.id}:withdrawn:${handler}`,
              'message',
              handler,
              'case_withdrawn',
              { ...caseSummary(record, after, ctx), reason: input.reason },
              now,
            ),
          );
        return items;
      },
    };
  });
}
