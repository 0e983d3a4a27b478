/**
 * The complainant's answer to a hearing date offered, as the clerk heard it: by phone, letter
 * or email. A complainant who is not sent the Outlook invitation (letters by post, or no email
 * address: src/app/complainant.ts) can answer no other way, and NMAT §14 counts a date left
 * unanswered for 5 school days as rejected, so their answer must be on record to count.
 *
 * Recorded as `hearing_responses` {booking, answers: [{who: 'complainant', answer, respondedAt,
 * receivedOn, recordedBy, via: 'clerk', note?}]} on the latest booking of the date answered:
 * `hearingOn`, any date offered at the stage (a letter about an earlier date can arrive, or be
 * entered, late), else the date booked now. The answer holds for every booking of that date
 * (checkHearingResponses). `receivedOn` is the school date the answer arrived (today unless
 * said): never in the future, never before the date was offered; a "no" that arrived after the
 * day to answer by counts as no answer, a "yes" as accepted late (src/domain/hearing.ts).
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
  /** The date answered (YYYY-MM-DD): one offered at the stage; the date booked now when absent. */
  hearingOn: localDate.optional(),
  /** The school date the answer arrived (YYYY-MM-DD); today when absent. */
  receivedOn: localDate.optional(),
  note: z.string().trim().max(2000, 'keep the note under 2000 characters').optional(),
  expectedVersion,
});

const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

export async function recordComplainantAnswer(deps: Deps, actor: Actor, raw: z.input<typeof recordComplainantAnswerInput>): Promise<CaseRecord> {
  const input = parseInput(recordComplainantAnswerInput, raw);
  const note = input.note || undefined;
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    requireManager(ctx, record, actor, "record the complainant's answer");
    requireOpen(record, "record the complainant's answer");
    const { stage } = hearingPanel(ctx, record, "record the complainant's answer");
    const tz = ctx.calendar.timezone;
    const bookings = stageBookings(record, stage);
    const active = bookings.at(-1);
    if (!bookings.length || (!input.hearingOn && active!.cancelled)) {
      throw new AppError(
        'NOT_ALLOWED',
        `No hearing is booked at stage ${stage} of ${record.reference}, so there is no date for the complainant to answer.`,
        `complainant answer refused: no active booking at stage ${stage} of case ${record.id}`,
      );
    }
    const key = input.hearingOn ? offeredKey({ hearingOn: input.hearingOn }) : offeredKey(active!);
    const sameDate = bookings.filter((b) => offeredKey(b) === key);
    if (!sameDate.length) {
      const dates = [...new Set(bookings.map((b) => b.hearingOn))].map((d) => formatLetterDate(d, tz.name));
      throw new AppError(
        'INVALID_INPUT',
        `No hearing on ${formatLetterDate(input.hearingOn!, tz.name)} was offered at stage ${stage} of ${record.reference}. ${dates.length === 1 ? 'The date offered is' : 'The dates offered are'} ${list(dates)}.`,
        'complainant answer to a date never offered',
        'hearingOn',
      );
    }
    // Recorded on the latest booking of the date; the first booking of it offered the date.
    const answered = sameDate.at(-1)!;
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
    // An answer that arrived before the date was offered was not an answer to it.
    const offered = tz.localDay(sameDate[0]!.at.getTime());
    if (received < offered) {
      throw new AppError(
        'INVALID_INPUT',
        `This date was offered on ${formatLetterDate(fromDayNumber(offered), tz.name)}; the answer cannot have arrived before then.`,
        'complainant answer received before the date was offered',
        'receivedOn',
      );
    }
    const previous = complainantAnswerTo(bookings, answered);
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
            booking: answered.booking,
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
