/**
 * Schedule (or reschedule) the panel hearing of the current stage. The policy fold recounts
 * the hearing deadlines from the date (notice, papers, companion request, decision). The
 * complainant gets an invitation letter for each date, and a calendar request goes out for the
 * Graph adapter to book the hearing with the panel. Rescheduling needs a reason.
 */
import { z } from 'zod';
import { fromDayNumber } from '../domain/dates.js';
import { AppError } from './errors.js';
import { SYSTEM, applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord, School } from './ports.js';
import { expectedVersion, id, localDate, parseInput, reason } from './validation.js';
import { requireManager, requireOpen } from './authorisation.js';

export const scheduleHearingInput = z.object({ caseId: id, hearingOn: localDate, reason: reason.optional(), expectedVersion });

/**
 * Panel members who were not involved: not the subject, nor anyone assigned to or deciding an
 * earlier stage (a panel member assigned to chair this stage stays on the list).
 */
export function availablePanel(school: School, record: CaseRecord, pool = 'panel_member'): Array<{ id: string; name: string }> {
  const involved = new Set<string>();
  if (record.about.personId) involved.add(record.about.personId);
  for (const e of record.events) {
    if (e.type === 'handler_assigned' && e.personId && (e.stage ?? 0) < record.state.stage) involved.add(e.personId);
    if (e.type === 'responded' && e.by !== SYSTEM) involved.add(e.by);
  }
  return school.people.filter((p) => p.roles.includes(pool) && !involved.has(p.id)).map((p) => ({ id: p.id, name: p.name }));
}

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
    const previous = [...record.events].reverse().find((e) => e.type === 'hearing_scheduled' && e.stage === stage)?.hearingOn;
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
              panel: availablePanel(ctx.school, record, panel.pool ?? 'panel_member'),
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
