/**
 * Book the panel hearing of the current stage at a date and time, or re-book (move) the one
 * already booked. One conditional update saves the `hearing_scheduled` event (the fold recounts
 * notice, papers, companion and decision deadlines from its date), the complainant's invitation
 * letter and one calendar request: the Graph adapter (src/graph/hearingCalendar.ts) creates the
 * event in the organiser's calendar for a first booking and moves the same event for a re-booking.
 *
 * A time outside the policy's window, on a day the school is closed or outside school hours is
 * allowed only with a reason saying why; so is any re-booking (everyone invited is told).
 */
import { z } from 'zod';
import { fromDayNumber, parseWhen } from '../domain/dates.js';
import { checkHearingTime, hearingWindow } from '../domain/hearing.js';
import { formatLetterDate } from '../letters/letters.js';
import { AppError, fromDomain } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord } from './ports.js';
import { calendarRequest, checkedOrganiser, hearingCalendarKey, hearingPanel, latestBooking } from './panel.js';
import { chosenPanel } from './proposeHearingDates.js';
import { requireManager, requireOpen } from './authorisation.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';

export const bookHearingInput = z.object({
  caseId: id,
  /** School wall clock ("2026-12-15T10:00") or an ISO instant. */
  start: z.string().trim().min(1, 'give the date and time the hearing starts, like 2026-12-15T10:00'),
  durationMinutes: z.number().int().min(30).max(480).default(120),
  memberIds: z.array(id).min(1, 'choose the panel members'),
  organiser: z.email('expected the email address of the mailbox that sends the invitation'),
  venue: z.string().trim().optional(),
  online: z.boolean().default(true),
  reason: reason.optional(),
  expectedVersion,
});

/** The calendar request a booking queues (outbox kind "calendar", template "hearing_event"). */
export interface HearingEventRequest {
  action: 'create' | 'update' | 'cancel';
  stage: number;
  booking: number;
  /** The booking whose create made the calendar event this request acts on. */
  eventBooking: number;
  organiser: string;
  reference: string;
  start?: string;
  end?: string;
  memberIds?: string[];
  venue?: string;
  online?: boolean;
  reason?: string;
}

export const HEARING_EVENT = 'hearing_event';

const sameMembers = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export async function bookHearing(deps: Deps, actor: Actor, raw: z.input<typeof bookHearingInput>): Promise<CaseRecord> {
  const input = parseInput(bookHearingInput, raw);
  const venue = input.venue || undefined;
  if (!input.online && !venue) {
    throw new AppError(
      'INVALID_INPUT',
      'Say where the hearing is held (the venue), or hold it online.',
      'hearing booked with neither a venue nor online',
      'venue',
    );
  }
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'book the hearing');
    requireOpen(record, 'book a hearing');
    const { stage, panel } = hearingPanel(ctx, record, 'book a hearing');
    chosenPanel(ctx, record, input.memberIds);
    const tz = ctx.calendar.timezone;
    const timezone = tz.name;
    let start: number;
    try {
      start = parseWhen(input.start, tz, 'start');
    } catch (e) {
      throw fromDomain(e);
    }
    const end = start + input.durationMinutes * 60_000;
    const now = deps.clock.now();
    if (start <= now.getTime()) {
      throw new AppError(
        'INVALID_INPUT',
        `The hearing cannot start in the past (it is now ${formatLetterDate(now.toISOString(), timezone)}).`,
        'hearing start in the past',
        'start',
      );
    }
    const today = fromDayNumber(tz.localDay(now.getTime()));
    let check;
    try {
      const window = hearingWindow({ policy: ctx.policy, calendar: ctx.calendar, stage, today, deadlines: record.state.deadlines });
      check = checkHearingTime(ctx.calendar, window, start, end);
    } catch (e) {
      throw fromDomain(e);
    }

    const last = latestBooking(record, stage);
    const active = last && !last.cancelled ? last : undefined;
    const booking = (last?.booking ?? 0) + 1;
    // A booked event moves; a date-only hearing (scheduleHearing) or a cancelled one gets a new event.
    const moves = active?.start !== undefined;
    const given = input.organiser.toLowerCase();
    if (active && moves && active.organiser && active.organiser !== given) {
      throw new AppError(
        'INVALID_INPUT',
        `The hearing is in ${active.organiser}'s calendar; it can only be moved there. To send it from another mailbox, cancel it and book it again.`,
        'rebooking from another organiser',
        'organiser',
      );
    }
    const organiser = checkedOrganiser(ctx, record, actor, given, moves ? active?.organiser : undefined);
    // The same booking again is refused, unless Outlook never took it: then booking it again sends it again.
    if (
      active?.start &&
      calendarRequest(record, active)?.status !== 'failed' &&
      active.start.getTime() === start &&
      active.end?.getTime() === end &&
      sameMembers(active.memberIds, input.memberIds) &&
      active.venue === venue &&
      active.online === input.online
    ) {
      throw new AppError(
        'NOT_ALLOWED',
        `The hearing is already booked for ${formatLetterDate(active.start.toISOString(), timezone)} with this panel.`,
        'rebooking without a change',
        'start',
      );
    }
    const when = formatLetterDate(new Date(start).toISOString(), timezone);
    if (!input.reason && (!check.insideWindow || check.problems.length > 0)) {
      const problems = check.problems.map((p) => p.replace(/^./, (c) => c.toUpperCase())).join('. ');
      throw new AppError(
        'INVALID_INPUT',
        `${problems}. Give the reason for holding it on ${when}.`,
        `hearing time needs a reason: ${check.problems.length} problem(s)`,
        'reason',
      );
    }
    if (active && !input.reason) {
      const previous = active.start ? formatLetterDate(active.start.toISOString(), timezone) : formatLetterDate(active.hearingOn, timezone);
      throw new AppError(
        'INVALID_INPUT',
        `The hearing is already booked for ${previous}; give the reason it is moving (everyone invited is told).`,
        'rebooking without a reason',
        'reason',
      );
    }

    const hearingOn = fromDayNumber(tz.localDay(start));
    const startIso = new Date(start).toISOString();
    const endIso = new Date(end).toISOString();
    const details = {
      booking,
      start: startIso,
      end: endIso,
      organiser,
      memberIds: input.memberIds,
      ...(venue ? { venue } : {}),
      online: input.online,
      outsideWindow: !check.insideWindow,
      ...(check.problems.length ? { problems: check.problems } : {}),
    };
    // The complainant is written to when the time or the place is new; a change of panel alone is not theirs to hear of.
    const arrangementsChanged = !active?.start || active.start.getTime() !== start || active.venue !== venue || active.online !== input.online;
    return {
      events: [{ type: 'hearing_scheduled', stage, hearingOn, ...(input.reason ? { reason: input.reason } : {}), details }],
      outbox: (after) => {
        const due = (kind: string) => after.deadlines.find((d) => d.stage === stage && d.kind === kind)?.due ?? null;
        const request: HearingEventRequest = {
          action: moves ? 'update' : 'create',
          stage,
          booking,
          eventBooking: moves ? active!.eventBooking : booking,
          organiser,
          reference: record.reference,
          start: startIso,
          end: endIso,
          memberIds: input.memberIds,
          ...(venue ? { venue } : {}),
          online: input.online,
          ...(input.reason ? { reason: input.reason } : {}),
        };
        const items = [outboxItem(hearingCalendarKey(record.id, stage, booking), 'calendar', organiser, HEARING_EVENT, { ...request }, now)];
        if (arrangementsChanged) {
          items.unshift(
            outboxItem(
              `${record.id}:letter:hearing_invitation:${stage}:${booking}`,
              'letter',
              'complainant',
              'hearing_invitation_letter',
              {
                ...caseSummary(record, after, ctx),
                booking,
                hearingOn,
                hearingStart: startIso,
                hearingEnd: endIso,
                online: input.online,
                ...(venue ? { venue } : {}),
                papersDue: due('panel_papers'),
                companionRequestDue: panel.complainantMayBringCompanion ? due('companion_notice') : null,
                ...(active
                  ? { previousHearingOn: active.hearingOn, ...(active.start ? { previousHearingStart: active.start.toISOString() } : {}), reason: input.reason }
                  : {}),
              },
              now,
            ),
          );
        }
        return items;
      },
    };
  });
}
