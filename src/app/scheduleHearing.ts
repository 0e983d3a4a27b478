/**
 * Schedule (or reschedule) the panel hearing of the current stage. The policy fold recounts
 * the hearing deadlines from the date (notice, papers, companion request, decision). The
 * complainant gets an invitation letter for each date, and a calendar request (template
 * "hearing_booking", logged for the clerk) names who may sit. Rescheduling needs a reason.
 * Booking the hearing at a time, with the panel invited in Outlook, is bookHearing.ts.
 */
import { z } from 'zod';
import { fromDayNumber } from '../domain/dates.js';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import { NO_EMAIL, latestBooking, panelCandidates } from './panel.js';
import { expectedVersion, id, localDate, parseInput, reason } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';

export const scheduleHearingInput = z.object({ caseId: id, hearingOn: localDate, reason: reason.optional(), expectedVersion });

export async function scheduleHearing(deps: Deps, actor: Actor, raw: z.input<typeof scheduleHearingInput>) {
  const input = parseInput(scheduleHearingInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'schedule the hearing');
    requireOpen(record, 'schedule a hearing');
    const stage = record.state.stage;
    const panel = ctx.policy.stages[stage - 1]?.panel;
    if (!panel?.hearing) {
      throw new AppError(
        'NOT_ALLOWED',
        `Stage ${stage} of ${ctx.policy.name} has no panel hearing.`,
        `schedule hearing refused: stage ${stage} of case ${record.id} has no hearing`,
      );
    }
    const today = fromDayNumber(ctx.calendar.timezone.localDay(deps.clock.now().getTime()));
    if (input.hearingOn < today)
      throw new AppError('INVALID_INPUT', `The hearing cannot be in the past (today is ${today}).`, 'hearingOn in the past', 'hearingOn');
    const last = latestBooking(record, stage);
    // A hearing booked in Outlook moves with its event (bookHearing), never to a bare date that would leave the invitation behind.
    if (last?.start && !last.cancelled) {
      throw new AppError(
        'NOT_ALLOWED',
        'The hearing is booked in Outlook with the panel; move it from "Book panel" so the invitation moves too.',
        'date-only reschedule of a booked hearing',
        'hearingOn',
      );
    }
    const previous = last && !last.cancelled ? last.hearingOn : undefined;
    if (previous !== undefined && !input.reason) {
      throw new AppError(
        'INVALID_INPUT',
        `The hearing is already set for ${previous}; give the reason it is moving (the complainant is told).`,
        'reschedule without a reason',
        'reason',
      );
    }
    if (previous === input.hearingOn)
      throw new AppError('NOT_ALLOWED', `The hearing is already set for ${previous}.`, 'reschedule to the same date', 'hearingOn');
    return {
      events: [{ type: 'hearing_scheduled', stage, hearingOn: input.hearingOn, ...(input.reason ? { reason: input.reason } : {}) }],
      outbox: (after) => {
        const now = deps.clock.now();
        const due = (kind: string) => after.deadlines.find((d) => d.stage === stage && d.kind === kind)?.due ?? null;
        const change = previous !== undefined ? { previousHearingOn: previous, reason: input.reason } : {};
        const organiser = after.deadlines.find((d) => d.stage === stage && d.kind === 'hearing')?.ownerId ?? actor;
        return [
          outboxItem(
            `${record.id}:letter:hearing_invitation:${stage}:${input.hearingOn}`,
            'letter',
            'complainant',
            'hearing_invitation_letter',
            {
              ...caseSummary(record, after, ctx),
              hearingOn: input.hearingOn,
              papersDue: due('panel_papers'),
              companionRequestDue: panel.complainantMayBringCompanion ? due('companion_notice') : null,
              ...change,
            },
            now,
          ),
          outboxItem(
            `${record.id}:calendar:hearing_booking:${stage}:${input.hearingOn}`,
            'calendar',
            organiser,
            'hearing_booking',
            {
              reference: record.reference,
              school: ctx.school.name,
              stage,
              hearingOn: input.hearingOn,
              // Who may sit (src/app/panel.ts); nobody is invited from here, so a missing email address does not rule anyone out.
              panel: panelCandidates(ctx, record)
                .filter((c) => !c.excluded || c.excluded === NO_EMAIL)
                .map((c) => ({ id: c.id, name: c.name })),
              minMembers: panel.minMembers,
              independentMembers: panel.independentMembers,
              ...change,
            },
            now,
          ),
        ];
      },
    };
  });
}
