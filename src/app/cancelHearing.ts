/**
 * Cancel the booked hearing of the current stage, with the reason (the case history shows who
 * and why; the attendees read the reason in the cancellation). The fold then treats the stage as
 * having no hearing date again, and a later booking is a first booking with a new event.
 *
 * The complainant is written to (template "hearing_cancelled_letter"): the hearing on its date
 * will not go ahead, why, and that a new date follows; but only if they were written to about
 * it (complainantToldOfHearing). An invitation still held for review or waiting to go is
 * overtaken by the cancellation and never sent (src/letters/mailer.ts letterSuperseded), and a
 * letter cancelling a hearing they never heard of would only confuse them. Attendees invited in
 * Outlook also get the calendar cancellation, with the reason.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { applyToCase, caseSummary, outboxItem, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord, CaseStateRecord, OutboxItem, StoredEvent } from './ports.js';
import { HEARING_EVENT, type HearingEventRequest } from './bookHearing.js';
import { hearingCalendarKey, hearingPanel, latestBooking, stageBookings, type Booking } from './panel.js';
import { requireManager, requireOpen } from './authorisation.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';
import { HEARING_INVITATION_LETTER, letterSuperseded } from '../letters/mailer.js';

export const cancelHearingInput = z.object({ caseId: id, reason, expectedVersion });

/**
 * The calendar request that cancels booking `b`'s Outlook event, the reason told to everyone
 * invited; none for a date-only hearing (scheduleHearing), which has no event.
 */
export function hearingCancelRequest(record: CaseRecord, b: Booking, reason: string, now: Date): OutboxItem | undefined {
  if (!b.start || !b.organiser) return undefined;
  const request: HearingEventRequest = {
    action: 'cancel',
    stage: b.stage,
    booking: b.booking,
    eventBooking: b.eventBooking,
    organiser: b.organiser,
    reference: record.reference,
    reason,
  };
  return outboxItem(hearingCalendarKey(record.id, b.stage, b.booking, 'cancel'), 'calendar', b.organiser, HEARING_EVENT, { ...request }, now);
}

/**
 * The hearing of the case's stage still to come in Outlook when the case ends (withdrawn or
 * closed): booked with an event, not cancelled, not held and not over. Nobody can cancel it once
 * the case is no longer open, so withdraw and closeCase queue its cancellation themselves.
 */
export function hearingToCancelOnEnding(record: CaseRecord, now: Date): Booking | undefined {
  const stage = record.state.stage;
  const last = latestBooking(record, stage);
  if (!last || last.cancelled || !last.start || !last.organiser) return undefined;
  const held = record.events.some((e) => e.type === 'hearing_held' && e.stage === stage && new Date(e.at).getTime() >= last.at.getTime());
  if (held || (last.end ?? last.start).getTime() <= now.getTime()) return undefined;
  return last;
}

/** The outbox key of the letter telling the complainant that booking `booking` of `stage` is cancelled. */
export function hearingCancelledLetterKey(caseId: string, stage: number, booking: number): string {
  return `${caseId}:letter:hearing_cancelled:${stage}:${booking}`;
}

/**
 * Whether the complainant was written to about the hearing of `stage` that `cancelled` (the case
 * with its `hearing_cancelled` event and the state after it) no longer has: an invitation letter
 * for a booking of the stage's current chain (the bookings since the last cancellation) was sent,
 * is being sent, or still goes once the hearing is cancelled (letterSuperseded lets it through).
 * One held for review or waiting to go is overtaken and never sent, so it does not count.
 */
export function complainantToldOfHearing(record: CaseRecord, stage: number, cancelled: Pick<CaseRecord, 'events' | 'outbox' | 'state'>): boolean {
  const bookings = stageBookings(record, stage);
  let from = bookings.length;
  while (from > 0 && !bookings[from - 1]!.cancelled) from--;
  const chain = bookings.slice(from);
  const numbers = new Set(chain.map((b) => b.booking));
  // A date-only hearing's invitation (scheduleHearing) names its date, not a booking.
  const dates = new Set(chain.filter((b) => !b.start).map((b) => b.hearingOn));
  return record.outbox.some((o) => {
    if (o.kind !== 'letter' || o.template !== HEARING_INVITATION_LETTER || Number(o.data.stage) !== stage) return false;
    const ofChain = o.data.booking === undefined ? dates.has(String(o.data.hearingOn)) : numbers.has(Number(o.data.booking));
    if (!ofChain) return false;
    if (o.status === 'sent' || o.status === 'sending') return true;
    return o.status === 'pending' && letterSuperseded(cancelled, o) === undefined;
  });
}

export async function cancelHearing(deps: Deps, actor: Actor, raw: z.input<typeof cancelHearingInput>): Promise<CaseRecord> {
  const input = parseInput(cancelHearingInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, 'cancel the hearing');
    requireOpen(record, 'cancel the hearing');
    const { stage } = hearingPanel(ctx, record, 'cancel the hearing');
    const last = latestBooking(record, stage);
    if (!last || last.cancelled) {
      throw new AppError(
        'NOT_ALLOWED',
        `No hearing is booked for stage ${stage} of ${record.reference}, so there is none to cancel.`,
        `cancel hearing refused: none booked on case ${record.id}`,
      );
    }
    const event = { type: 'hearing_cancelled', stage, reason: input.reason, details: { booking: last.booking } };
    return {
      events: [event],
      outbox: (after: CaseStateRecord) => {
        const now = deps.clock.now();
        const calendar = hearingCancelRequest(record, last, input.reason, now);
        const cancelled = { events: [...record.events, { ...event, at: now, by: actor } as StoredEvent], outbox: record.outbox, state: after };
        if (!complainantToldOfHearing(record, stage, cancelled)) return calendar ? [calendar] : [];
        const letter = outboxItem(
          hearingCancelledLetterKey(record.id, stage, last.booking),
          'letter',
          'complainant',
          'hearing_cancelled_letter',
          {
            ...caseSummary(record, after, ctx),
            booking: last.booking,
            hearingOn: last.hearingOn,
            ...(last.start ? { hearingStart: last.start.toISOString(), hearingEnd: (last.end ?? last.start).toISOString() } : {}),
            // Whether an Outlook invitation went out (and is now cancelled too).
            calendarEvent: Boolean(last.eventId),
            reason: input.reason,
          },
          now,
        );
        return calendar ? [letter, calendar] : [letter];
      },
    };
  });
}
