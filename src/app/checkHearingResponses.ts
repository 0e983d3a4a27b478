/**
 * The hearing of the current stage and the attendees' answers to its invitation.
 *
 * - currentHearing: what the case's events say (pure; the cards read it).
 * - checkHearingResponses: reads the answers from the organiser's calendar (deps.calendar),
 *   records a `hearing_responses` event only when an answer changed, and when a panel member
 *   declines tells whoever convenes the hearing, with the next free slots for the same panel.
 *   Answers are credited to the booking Outlook shows (bookingInOutlook): a move whose calendar
 *   request has not been sent yet still shows the time before it.
 *
 * NMAT §14 ("Where a meeting date has been suggested and no response has been received within
 * 5 school days, this will be seen as being rejected ... three proposed dates"): every date
 * offered at the stage (one per school date: another time, venue or panel on the same day offers
 * nothing new) is counted with the complainant's answer to it, read from Outlook or
 * recorded by the clerk (recordComplainantAnswer), and on time only if it arrived by the day to
 * answer by. A date the school itself replaced or cancelled before the complainant's time to
 * answer ran out was not rejected by them, so it is left out of the count.
 */
import { fromDayNumber } from '../domain/dates.js';
import { complainantAnswers, type DateAnswers, type OfferedDate } from '../domain/hearing.js';
import { applyToCase, caseSummary, holders, loadCase, outboxItem, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import type { AttendeeAnswer, CaseRecord, CaseStateRecord, School } from './ports.js';
import { bookingInOutlook, calendarRequest, complainantAnswerTo, offeredKey, stageBookings, type Booking, type RecordedAnswer } from './panel.js';
import { MAX_ATTEMPTS } from './memory.js';
import { findHearingSlots } from './proposeHearingDates.js';
import { requireManager } from './authorisation.js';
import { complainantGetsEmail } from './complainant.js';

export interface HearingStatus {
  stage: number;
  booking: number;
  start: Date;
  end: Date;
  organiser: string;
  venue?: string;
  online: boolean;
  eventId?: string;
  joinUrl?: string;
  members: Array<{ id: string; name: string; answer: AttendeeAnswer }>;
  /**
   * Their answer to this date (carried over from an earlier booking of the same date), the school
   * date it arrived, and whether a clerk recorded it (`recordedBy`) or it was read from Outlook.
   */
  complainant: { answer: AttendeeAnswer; invited: boolean; answeredOn?: string; via?: 'clerk' | 'outlook'; recordedBy?: string };
  /** The booking's calendar request (create or move): waiting to go, sent, or refused by Outlook (with why). */
  calendar: { status: 'pending' | 'sent' | 'failed'; error?: string; gaveUp?: boolean };
  cancelled: boolean;
  /** Why it was moved (a re-booking) or cancelled. */
  reason?: string;
  /** The time fell outside the policy's window (booked with a reason). */
  outsideWindow: boolean;
  /** NMAT-like rules only: the complainant's answers to every date offered at this stage. */
  dates?: DateAnswers;
}

const ANSWERS: ReadonlySet<string> = new Set(['accepted', 'tentativelyAccepted', 'declined', 'none']);
const answerOf = (b: Booking, who: string): AttendeeAnswer => {
  const a = b.answers.get(who)?.answer;
  return a && ANSWERS.has(a) ? (a as AttendeeAnswer) : 'none';
};

/** Whether the complainant gets the calendar invitation: whenever they get email at all (src/app/complainant.ts). */
export function complainantInvited(record: CaseRecord): boolean {
  return complainantGetsEmail(record.complainant);
}

const asAnswer = (a: RecordedAnswer | undefined): AttendeeAnswer => (a && ANSWERS.has(a.answer) ? (a.answer as AttendeeAnswer) : 'none');

/** The school date an answer reached the school: when they gave it, and never later than when it was recorded. */
function answeredOn(ctx: SchoolContext, a: RecordedAnswer): string {
  const recorded = Date.parse(a.recordedAt);
  const given = a.respondedAt ? Date.parse(a.respondedAt) : Number.NaN;
  return fromDayNumber(ctx.calendar.timezone.localDay(Number.isNaN(given) ? recorded : Math.min(given, recorded)));
}

/** The complainant's answers to every date offered at the stage, by the policy's proposed-dates rule. */
function offeredDates(ctx: SchoolContext, stage: number, bookings: Booking[], now: Date): DateAnswers | undefined {
  const rule = ctx.policy.stages[stage - 1]?.panel?.proposedDates;
  if (!rule) return undefined;
  const tz = ctx.calendar.timezone;
  const local = (d: Date) => fromDayNumber(tz.localDay(d.getTime()));
  // One date per school date, offered when the first booking of it was made.
  const byStart = new Map<string, Booking[]>();
  for (const b of bookings) byStart.set(offeredKey(b), [...(byStart.get(offeredKey(b)) ?? []), b]);
  const dates: OfferedDate[] = [];
  for (const same of byStart.values()) {
    const first = same[0]!;
    const last = same.at(-1)!;
    const a = complainantAnswerTo(bookings, first);
    const offered: OfferedDate = {
      hearingOn: first.hearingOn,
      offeredOn: local(first.at),
      answer: asAnswer(a),
      ...(a && a.answer !== 'none' ? { answeredOn: answeredOn(ctx, a) } : {}),
    };
    const endedAt = last.cancelledAt ?? bookings[bookings.indexOf(last) + 1]?.at;
    if (endedAt && offered.answer === 'none' && complainantAnswers(rule, ctx.calendar, [offered], local(endedAt)).dates[0]!.status === 'awaiting') continue;
    dates.push(offered);
  }
  return complainantAnswers(rule, ctx.calendar, dates, local(now));
}

/** The hearing of the current stage as the case's events record it (pure; for cards). null when none booked. */
export function currentHearing(record: CaseRecord, ctx: SchoolContext, now: Date): HearingStatus | null {
  const stage = record.state.stage;
  const bookings = stageBookings(record, stage);
  const b = bookings.at(-1);
  if (!b?.start || !b.end || !b.organiser) return null;
  const name = (id: string) => ctx.school.people.find((p) => p.id === id)?.name ?? id;
  const dates = offeredDates(ctx, stage, bookings, now);
  const reason = b.cancelled ? b.cancelReason : b.reason;
  const said = complainantAnswerTo(bookings, b);
  const request = calendarRequest(record, b);
  const calendar: HearingStatus['calendar'] = request
    ? request.status === 'sent'
      ? { status: 'sent' }
      : request.status === 'failed'
        ? {
            status: 'failed',
            ...(request.error ? { error: request.error } : {}),
            // Every try used (Microsoft 365 busy, or the event never made), rather than refused outright.
            ...(request.attempts >= MAX_ATTEMPTS ? { gaveUp: true } : {}),
          }
        : { status: 'pending' }
    : { status: b.eventId ? 'sent' : 'pending' };
  return {
    stage,
    booking: b.booking,
    start: b.start,
    end: b.end,
    organiser: b.organiser,
    ...(b.venue ? { venue: b.venue } : {}),
    online: b.online,
    ...(b.eventId ? { eventId: b.eventId } : {}),
    ...(b.joinUrl ? { joinUrl: b.joinUrl } : {}),
    members: b.memberIds.map((id) => ({ id, name: name(id), answer: answerOf(b, id) })),
    complainant: {
      answer: asAnswer(said),
      invited: complainantInvited(record),
      ...(said && said.answer !== 'none'
        ? { answeredOn: answeredOn(ctx, said), via: said.via, ...(said.recordedBy ? { recordedBy: said.recordedBy } : {}) }
        : {}),
    },
    calendar,
    cancelled: b.cancelled,
    ...(reason ? { reason } : {}),
    outsideWindow: b.outsideWindow,
    ...(dates ? { dates } : {}),
  };
}

/** Who hears of a member's decline: whoever owes the stage's hearing deadline, else the clerk, else SLT. */
function convenors(school: School, record: CaseRecord, state: CaseStateRecord, stage: number): string[] {
  const owner = state.deadlines.find((d) => d.stage === stage && d.kind === 'hearing')?.ownerId;
  if (owner) return [owner];
  const clerks = holders(school, 'clerk', record.about.personId);
  return clerks.length ? clerks : holders(school, 'slt', record.about.personId);
}

interface Answer {
  who: string;
  answer: AttendeeAnswer;
  respondedAt: string | null;
}

/** Reads attendee answers through deps.calendar, records changes on the case, flags a member's decline to the clerk with the next proposed slots. */
export async function checkHearingResponses(
  deps: Deps,
  actor: Actor,
  raw: { caseId: string },
): Promise<{ record: CaseRecord; hearing: HearingStatus | null; declined: string[] }> {
  const { record, ctx } = await loadCase(deps, raw.caseId, actor);
  requireManager(ctx, record, actor, 'check the answers to the hearing invitation');
  const now = deps.clock.now();
  const hearing = currentHearing(record, ctx, now);
  if (!hearing || hearing.cancelled || !deps.calendar) return { record, hearing, declined: [] };
  // The booking whose time Outlook shows: a move not sent yet leaves the answers with the booking before it.
  const shown = bookingInOutlook(record, stageBookings(record, hearing.stage));
  if (!shown?.eventId || !shown.organiser || !shown.start || !shown.end) return { record, hearing, declined: [] };
  const booking = shown.booking;
  const start = shown.start;
  const name = (id: string) => ctx.school.people.find((p) => p.id === id)?.name ?? id;

  const read = await deps.calendar.responses(shown.organiser, shown.eventId);
  const byAddress = new Map(read.map((r) => [r.address.toLowerCase(), r]));
  const answerAt = (email: string | undefined): Omit<Answer, 'who'> => {
    const r = email ? byAddress.get(email.trim().toLowerCase()) : undefined;
    return { answer: r?.answer ?? 'none', respondedAt: r?.respondedAt ? r.respondedAt.toISOString() : null };
  };
  const answers: Answer[] = shown.memberIds.map((id) => ({ who: id, ...answerAt(ctx.school.people.find((p) => p.id === id)?.email) }));
  if (hearing.complainant.invited) answers.push({ who: 'complainant', ...answerAt(record.complainant.email) });
  const changedSince = (r: CaseRecord) => {
    const bookings = stageBookings(r, hearing.stage);
    const b = bookings.find((x) => x.booking === booking);
    if (!b) return [];
    return answers.filter((a) =>
      a.who !== 'complainant'
        ? answerOf(b, a.who) !== a.answer
        : // Outlook saying nothing never undoes an answer recorded by the clerk, or given to this date before.
          a.answer !== 'none' && asAnswer(complainantAnswerTo(bookings, b)) !== a.answer,
    );
  };
  const changed = changedSince(record);
  if (!changed.length) return { record, hearing, declined: [] };

  const declined = changed.filter((a) => a.who !== 'complainant' && a.answer === 'declined').map((a) => a.who);
  let nextSlots: Array<{ date: string; start: string; end: string; insideWindow: boolean }> = [];
  if (declined.length) {
    // The same panel: the member declined this time, not the panel; the hearing itself now fills the others' calendars.
    const members = shown.memberIds.map((id) => {
      const p = ctx.school.people.find((x) => x.id === id);
      return { id, name: name(id), ...(p?.email ? { email: p.email } : {}) };
    });
    try {
      const found = await findHearingSlots(deps, ctx, record, members, shown.organiser, Math.round((shown.end.getTime() - start.getTime()) / 60_000));
      nextSlots = found.slots.map((s) => ({
        date: s.date,
        start: new Date(s.start).toISOString(),
        end: new Date(s.end).toISOString(),
        insideWindow: s.insideWindow,
      }));
    } catch {
      nextSlots = []; // the decline still goes to the clerk; they can ask for dates on the card
    }
  }

  let updated: CaseRecord;
  try {
    updated = await applyToCase(deps, record.id, actor, undefined, (fresh, sc) => {
      const diff = changedSince(fresh);
      if (!diff.length) throw new Unchanged(fresh);
      return {
        events: [{ type: 'hearing_responses', stage: hearing.stage, details: { booking, answers: diff } }],
        outbox: (after) =>
          diff
            .filter((a) => a.who !== 'complainant' && a.answer === 'declined')
            .flatMap((a) =>
              convenors(sc.school, fresh, after, hearing.stage).map((to) =>
                outboxItem(
                  `${fresh.id}:message:panel_member_declined:${hearing.stage}:${booking}:${a.who}:${to}`,
                  'message',
                  to,
                  'panel_member_declined',
                  {
                    ...caseSummary(fresh, after, sc),
                    memberId: a.who,
                    memberName: name(a.who),
                    hearingStart: start.toISOString(),
                    booking,
                    nextSlots,
                  },
                  now,
                ),
              ),
            ),
      };
    });
  } catch (e) {
    if (e instanceof Unchanged) return { record: e.record, hearing: currentHearing(e.record, ctx, now), declined: [] };
    throw e;
  }
  return { record: updated, hearing: currentHearing(updated, ctx, now), declined };
}

/** Someone recorded the same answers a moment ago: nothing to save. */
class Unchanged extends Error {
  constructor(readonly record: CaseRecord) {
    super('answers unchanged');
  }
}
