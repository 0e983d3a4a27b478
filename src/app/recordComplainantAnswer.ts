/**
 * The complainant's answer to the hearing date offered, as the clerk heard it: by phone, letter
 * or email. A complainant who is not sent the Outlook invitation (letters by post, or no email
 * address: src/app/complainant.ts) can answer no other way, and NMAT §14 counts a date left
 * unanswered for 5 school days as rejected, so their answer must be on record to count.
 *
 * Recorded as `hearing_responses` {booking, answers: [{who: 'complainant', answer, respondedAt,
 * receivedOn, recordedBy, via: 'clerk', note?}]} on the active booking of the stage; the answer
 * holds for every re-booking of the same start (checkHearingResponses). `receivedOn` is the school
 * date the answer arrived (today unless said): never in the future, never before the date was
 * offered; an answer that arrived after the day to answer by is counted as no answer.
 */
import { z } from 'zod';
import { DAY_MS, dayNumber, fromDayNumber } from '../domain/dates.js';
import { formatLetterDate } from '../letters/letters.js';
import { AppError } from './errors.js';
import { applyToCase, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord } from './ports.js';
import { complainantAnswerTo, hearingPanel, offeredKey, stageBookings } from './panel.js';
import { requireManager, requireOpen } from './authorisation.js';
import { expectedVersion, id, localDate, parseInput } from './validation.js';

export const recordComplainantAnswerInput = z.object({
  caseId: id,
  answer: z.enum(['accepted', 'declined'], { message: 'expected accepted or declined' }),
  /** The school date the answer arrived (YYYY-MM-DD); today when absent. */
  receivedOn: localDate.optional(),
  note: z.string().trim().max(2000, 'keep the note under 2000 characters').optional(),
  expectedVersion,
});

export async function recordComplainantAnswer(deps: Deps, actor: Actor, raw: z.input<typeof recordComplainantAnswerInput>): Promise<CaseRecord> {
  const input = parseInput(recordComplainantAnswerInput, raw);
  const note = input.note || undefined;
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, "record the complainant's answer");
    requireOpen(record, "record the complainant's answer");
    const { stage } = hearingPanel(ctx, record, "record the complainant's answer");
    const bookings = stageBookings(record, stage);
    const active = bookings.at(-1);
    if (!active || active.cancelled) {
      throw new AppError(
        'NOT_ALLOWED',
        `No hearing is booked at stage ${stage} of ${record.reference}, so there is no date for the complainant to answer.`,
        `complainant answer refused: no active booking at stage ${stage} of case ${record.id}`,
      );
    }
    const tz = ctx.calendar.timezone;
    const now = deps.clock.now();
    const today = tz.localDay(now.getTime());
    const received = input.receivedOn ? dayNumber(input.receivedOn, 'receivedOn') : today;
    if (received > today) {
      throw new AppError(
        'INVALID_INPUT',
        `The answer cannot have arrived after today (${formatLetterDate(fromDayNumber(today), tz.name)}).`,
        'complainant answer received in the future',
        'receivedOn',
      );
    }
    // The first booking of this start offered the date; an answer before that was not an answer to it.
    const offeredAt = bookings.find((b) => offeredKey(b) === offeredKey(active))!.at;
    const offered = tz.localDay(offeredAt.getTime());
    if (received < offered) {
      throw new AppError(
        'INVALID_INPUT',
        `This date was offered on ${formatLetterDate(fromDayNumber(offered), tz.name)}; the answer cannot have arrived before then.`,
        'complainant answer received before the date was offered',
        'receivedOn',
      );
    }
    const previous = complainantAnswerTo(bookings, active);
    const respondedAt = received === today ? now : new Date(tz.fromWallClock(received * DAY_MS));
    if (previous?.answer === input.answer && previous.respondedAt && tz.localDay(Date.parse(previous.respondedAt)) === received) {
      throw new AppError(
        'NOT_ALLOWED',
        `The complainant's answer (${input.answer}, ${formatLetterDate(fromDayNumber(received), tz.name)}) is already recorded.`,
        'complainant answer already recorded',
      );
    }
    return {
      events: [
        {
          type: 'hearing_responses',
          stage,
          details: {
            booking: active.booking,
            answers: [
              {
                who: 'complainant',
                answer: input.answer,
                respondedAt: respondedAt.toISOString(),
                receivedOn: fromDayNumber(received),
                recordedBy: actor,
                via: 'clerk',
                ...(note ? { note } : {}),
              },
            ],
          },
        },
      ],
    };
  });
}
