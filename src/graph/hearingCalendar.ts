/**
 * Panel hearings in Outlook calendars, over the one Graph gateway (src/graph/gateway.ts):
 *
 * - GraphCalendarBooking (the CalendarBooking port): free/busy of the panel and the organiser
 *   with getSchedule (15-minute interval); a schedule Graph could not read is reported as
 *   unavailable, not as free. Attendee answers from the event, addresses lower-cased.
 * - HearingEventSender (the Messenger port for outbox kind "calendar", template "hearing_event",
 *   queued by src/app/bookHearing.ts, cancelHearing.ts, withdraw.ts and closeCase.ts): creates
 *   the event in the organiser's calendar with a Teams meeting, the panel and the complainant as
 *   attendees, and the case reference only (no complaint details, no time: the event carries
 *   it); moves it on a re-booking; cancels it with the reason.
 *
 * A retry never makes a second event: each outbox key is claimed in the `deliveries` ledger (the
 * same DeliveryLedger the Teams messenger and the letter mailer use; src/jobs/deliverOnce.ts), and the create carries a
 * transactionId derived from the key, so Graph answers a repeated create with the event it made.
 * The event id is recorded on the case (`hearing_booked`); a move or cancel whose create is still
 * to run fails and the outbox tries it again later. The sender re-reads the case, so a request
 * overtaken by a later one (moved again, cancelled, the case withdrawn or closed) is skipped
 * rather than applied late; a cancel always goes.
 *
 * What Graph cannot do, and what is done instead:
 * - a move sends only start, end, attendees and location: a new body would disable the Teams
 *   meeting, and an online meeting cannot be made in-person. A move between online and in person
 *   is a new event (its own transactionId), and the old one is cancelled.
 * - an event deleted in Outlook: cancelling it is done already; moving it makes a new event.
 * - an event Graph made whose id was never recorded (a crash, or the case saved by others four
 *   times meanwhile) and whose booking was then cancelled: the create is asked again with the
 *   same transactionId, which gives that event back, and it is cancelled.
 *
 * Log lines carry ids (key, case, school, event id), never addresses or names.
 */
import { createHash } from 'node:crypto';
import { SYSTEM, applyToCase, schoolContext, type Deps } from '../app/caseFlow.js';
import { AppError } from '../app/errors.js';
import { complainantEmail } from '../app/complainant.js';
import { hearingCalendarKey, stageBookings, type Booking } from '../app/panel.js';
import type { AttendeeAnswer, BusyStatus, BusyTime, CalendarBooking, CaseRecord, Clock, Messenger, OutboxItem, OutgoingMessage, School } from '../app/ports.js';
import { HEARING_EVENT } from '../app/bookHearing.js';
import { formatLetterDate } from '../letters/letters.js';
import type { Log } from '../log.js';
import type { DeliveryLedger } from '../../bot/teamsMessenger.js';
import { deliverOnce } from '../jobs/deliverOnce.js';
import { GraphError } from './errors.js';
import type { Attendee, CalendarEvent, GraphGateway, NewEvent } from './gateway.js';

// ---------------------------------------------------------------------------------------------
// Reading calendars

/** Free/busy is read in quarter hours: hearings start on the half hour, so nothing finer is needed. */
export const FREE_BUSY_INTERVAL_MINUTES = 15;

const BUSY_STATUSES: ReadonlySet<string> = new Set<BusyStatus>(['busy', 'tentative', 'oof', 'workingElsewhere', 'unknown']);

export class GraphCalendarBooking implements CalendarBooking {
  constructor(private readonly gateway: Pick<GraphGateway, 'getSchedule' | 'getEvent'>) {}

  async freeBusy(organiser: string, emails: string[], start: Date, end: Date): Promise<{ busy: Map<string, BusyTime[]>; unavailable: string[] }> {
    const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
    const busy = new Map<string, BusyTime[]>();
    const unavailable: string[] = [];
    if (!wanted.length) return { busy, unavailable };
    const schedules = await this.gateway.getSchedule(organiser, wanted, start, end, FREE_BUSY_INTERVAL_MINUTES);
    for (const s of schedules) {
      const address = s.scheduleId.toLowerCase();
      if (s.error) {
        unavailable.push(address);
        continue;
      }
      busy.set(
        address,
        s.items.filter((it) => BUSY_STATUSES.has(it.status)).map((it) => ({ start: it.start, end: it.end, status: it.status as BusyStatus })),
      );
    }
    // An address Graph did not answer for is as unknown as one it could not read.
    for (const a of wanted) if (!busy.has(a) && !unavailable.includes(a)) unavailable.push(a);
    return { busy, unavailable };
  }

  async responses(organiser: string, eventId: string): Promise<Array<{ address: string; answer: AttendeeAnswer; respondedAt: Date | null }>> {
    const event = await this.gateway.getEvent(organiser, eventId);
    return event.attendees.map((a) => ({
      address: a.address.toLowerCase(),
      // notResponded, none and organizer all mean "no answer to the invitation".
      answer: a.response === 'accepted' || a.response === 'tentativelyAccepted' || a.response === 'declined' ? a.response : 'none',
      respondedAt: a.respondedAt,
    }));
  }
}

// ---------------------------------------------------------------------------------------------
// Creating, moving and cancelling the hearing event

export type HearingEventErrorCode =
  /** A message or letter was handed to the calendar sender, or a calendar item it does not know. */
  | 'NOT_A_HEARING_EVENT'
  /** The item names no case, or its school or booking is missing. */
  | 'NO_CASE'
  /** The event this move or cancel acts on is not created yet: tried again later. */
  | 'EVENT_NOT_CREATED_YET'
  /** Another worker holds a recent claim on this item. */
  | 'IN_PROGRESS';

export class HearingEventError extends Error {
  override readonly name = 'HearingEventError';
  constructor(
    readonly code: HearingEventErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A claim left this long by a crashed sender is taken over (as for letters and Teams messages). */
export const HEARING_EVENT_STALE_MS = 10 * 60_000;

/** The transactionId of the create an outbox item asks for: the same key always gives the same id. */
export function hearingTransactionId(key: string): string {
  return createHash('sha256').update(`hearing-event:${key}`).digest('hex').slice(0, 32);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Subject and body of the invitation: the school, the reference, the stage. Nothing of the
 * complaint, and not the time either: the event carries it, and a move never rewrites the body
 * (that would disable the Teams meeting), so a time written here would go stale.
 */
export function hearingInvitation(school: School, record: CaseRecord, b: Booking): Pick<NewEvent, 'subject' | 'html'> {
  const { policy } = schoolContext(school);
  const stage = policy.stages[b.stage - 1];
  return {
    subject: `Complaint panel hearing ${record.reference}`,
    html: [
      `<p>${escapeHtml(school.name)}: the complaints panel hearing for complaint ${escapeHtml(record.reference)}${stage ? `, stage ${stage.number} (${escapeHtml(stage.name)})` : ''}.</p>`,
      '<p>The date, time and place are those of this invitation; if the hearing moves, this invitation is updated.</p>',
      '<p>The papers are sent separately. Please keep the details of the complaint confidential.</p>',
    ].join('\n'),
  };
}

/** The members (required) and, if invited by email, the complainant (required). */
export function hearingAttendees(school: School, record: CaseRecord, b: Booking): Attendee[] {
  const out: Attendee[] = [];
  for (const id of b.memberIds) {
    const p = school.people.find((x) => x.id === id);
    if (p?.email?.trim()) out.push({ name: p.name, address: p.email.trim(), type: 'required' });
  }
  const complainant = complainantEmail(record.complainant);
  if (complainant) out.push({ name: record.complainant.name, address: complainant, type: 'required' });
  return out;
}

export interface HearingEventSenderOptions {
  deps: Pick<Deps, 'cases' | 'schools' | 'clock'>;
  gateway: Pick<GraphGateway, 'createEvent' | 'updateEvent' | 'cancelEvent'>;
  deliveries: DeliveryLedger;
  log: Log;
  staleMs?: number;
}

type Outcome = { done: 'created' | 'updated' | 'recreated' | 'cancelled'; eventId: string } | { done: 'skipped'; why: string };

/** The event is not in the organiser's calendar any more (deleted in Outlook); not a mailbox Graph cannot find. */
function eventGone(e: unknown): boolean {
  return e instanceof GraphError && e.status === 404 && e.graphCode !== 'ErrorInvalidUser' && e.graphCode !== 'MailboxNotEnabledForRESTAPI';
}

/** How many tries of an outbox item came before the one running now (claiming an item counts a try). */
function earlierAttempts(item: OutboxItem | undefined): number {
  if (!item) return 0;
  return Math.max(0, item.status === 'sending' ? item.attempts - 1 : item.attempts);
}

/** One calendar request with the case as it stands now. */
interface Request {
  message: OutgoingMessage;
  ids: Record<string, unknown>;
  record: CaseRecord;
  school: School;
  stage: number;
  booking: number;
  /** The booking whose create made the event this request acts on. */
  eventBooking: number;
  /** The bookings that share that event, oldest first; `latest` is the last of them. */
  chain: Booking[];
  latest: Booking;
  organiser: string;
}

export class HearingEventSender implements Messenger {
  private readonly clock: Clock;
  private readonly staleMs: number;

  constructor(private readonly opts: HearingEventSenderOptions) {
    this.clock = opts.deps.clock;
    this.staleMs = opts.staleMs ?? HEARING_EVENT_STALE_MS;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const { log } = this.opts;
    const ids = { key: message.key, template: message.template, caseId: message.caseId, schoolId: message.schoolId };
    if (message.kind !== 'calendar' || message.template !== HEARING_EVENT) {
      throw new HearingEventError('NOT_A_HEARING_EVENT', `A ${message.kind} "${message.template}" is not a hearing calendar request.`, false);
    }
    if (!message.caseId) throw new HearingEventError('NO_CASE', `The calendar request ${message.key} names no case.`, false);

    // Done in Graph is recorded even when the ledger write fails: the transactionId covers a repeated create anyway.
    const result = await deliverOnce(
      this.opts.deliveries,
      message,
      {
        clock: this.clock,
        staleMs: this.staleMs,
        log,
        ids,
        what: 'calendar request',
        events: { already: 'hearing_event_already_done', failed: 'hearing_event_failed' },
        busy: () =>
          new HearingEventError('IN_PROGRESS', 'This calendar request is being carried out by another worker just now; it will be checked again later.', true),
      },
      async () => {
        const outcome = await this.carryOut(message, ids);
        return { value: outcome, details: { attempts: 1, transport: 'calendar', ...('eventId' in outcome ? { eventId: outcome.eventId } : {}) } };
      },
    );
    if (result.state !== 'done') return;
    const outcome = result.value;
    if (outcome.done === 'skipped') log.info({ event: 'hearing_event_skipped', ...ids, why: outcome.why }, 'calendar request skipped');
    else log.info({ event: `hearing_event_${outcome.done}`, ...ids, eventId: outcome.eventId }, `hearing event ${outcome.done}`);
  }

  private async carryOut(message: OutgoingMessage, ids: Record<string, unknown>): Promise<Outcome> {
    const { deps } = this.opts;
    const record = await deps.cases.get(message.caseId!);
    if (!record || record.purgedAt) return { done: 'skipped', why: record ? 'case_purged' : 'case_missing' };
    const school = await deps.schools.get(record.schoolId);
    if (!school) throw new HearingEventError('NO_CASE', `The school ${record.schoolId} of case ${record.reference} was not found.`, false);
    const d = message.data;
    const action = d.action;
    const stage = Number(d.stage);
    const booking = Number(d.booking);
    const eventBooking = Number(d.eventBooking ?? d.booking);
    const chain = stageBookings(record, stage).filter((b) => b.eventBooking === eventBooking);
    const latest = chain.at(-1);
    if (!latest) throw new HearingEventError('NO_CASE', `Case ${record.reference} has no booking ${eventBooking} at stage ${stage}.`, false);
    const r: Request = { message, ids, record, school, stage, booking, eventBooking, chain, latest, organiser: String(d.organiser ?? latest.organiser) };
    const eventId = chain[0]!.eventId;

    if (action === 'cancel') return this.cancel(r, eventId, typeof d.reason === 'string' ? d.reason : latest.cancelReason);
    if (action !== 'create' && action !== 'update') {
      throw new HearingEventError(
        'NOT_A_HEARING_EVENT',
        `The calendar request ${message.key} asks for ${JSON.stringify(action)}; expected create, update or cancel.`,
        false,
      );
    }
    // Overtaken: cancelled, the case withdrawn or closed (its own cancel request follows), or moved again.
    const why = latest.cancelled
      ? action === 'create'
        ? 'cancelled_before_created'
        : 'cancelled'
      : record.state.status !== 'open'
        ? `case_${record.state.status}`
        : action === 'update' && latest.booking !== booking
          ? 'moved_again'
          : undefined;
    if (why) {
      // An earlier try may have made the event and died before recording it: nobody else knows its id.
      const own = record.outbox.find((o) => o.key === message.key);
      if (action === 'create' && !eventId && earlierAttempts(own) > 0) return this.cancelUnrecorded(r, message.key, why);
      return { done: 'skipped', why };
    }
    if (action === 'create') {
      const event = await this.opts.gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(message.key));
      if (eventId !== event.id) await this.recordBooked(r, event);
      return { done: 'created', eventId: event.id };
    }
    return this.move(r, eventId);
  }

  /** The whole event for the latest details of the booking: a move queued meanwhile then finds it already right. */
  private newEvent(r: Request): NewEvent {
    const b = r.latest;
    return {
      ...hearingInvitation(r.school, r.record, b),
      start: b.start!,
      end: b.end!,
      attendees: hearingAttendees(r.school, r.record, b),
      online: b.online,
      ...(b.venue ? { location: b.venue } : {}),
    };
  }

  private async move(r: Request, eventId: string | undefined): Promise<Outcome> {
    const { gateway, log } = this.opts;
    const b = r.latest;
    let id = eventId;
    let online = this.eventOnline(r);
    if (!id) {
      const createKey = hearingCalendarKey(r.record.id, r.stage, r.eventBooking);
      const create = r.record.outbox.find((o) => o.key === createKey);
      if (!create || create.status === 'pending' || create.status === 'sending') throw this.notCreatedYet(r.record, r.eventBooking);
      // The create gave up: the move makes the event, with the create's transactionId, so an event that create made after all comes back instead of a second one.
      const made = await gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(createKey));
      if (made.start.getTime() === b.start!.getTime() && made.end.getTime() === b.end!.getTime() && made.isOnlineMeeting === b.online) {
        await this.recordBooked(r, made);
        return { done: 'created', eventId: made.id };
      }
      id = made.id;
      online = made.isOnlineMeeting;
    }
    if (online !== b.online) return this.recreate(r, id);
    try {
      // Never the body or isOnlineMeeting (see EventChanges in the gateway): the Teams meeting stays as it is.
      const moved = await gateway.updateEvent(r.organiser, id, {
        start: b.start!,
        end: b.end!,
        attendees: hearingAttendees(r.school, r.record, b),
        location: b.venue ?? '',
      });
      if (id !== eventId) await this.recordBooked(r, moved);
      return { done: 'updated', eventId: moved.id };
    } catch (e) {
      if (!eventGone(e)) throw e;
      // Deleted in Outlook while the hearing stands: it gets a new event (this request's own transactionId).
      log.warn({ event: 'hearing_event_gone', ...r.ids, eventId: id }, 'the hearing event was deleted in Outlook; a new one is made');
      const made = await gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(r.message.key));
      await this.recordBooked(r, made, id);
      return { done: 'created', eventId: made.id };
    }
  }

  /**
   * A move between online and in person: Outlook keeps an online meeting online whatever an
   * update says, so the hearing gets a new event (this request's own transactionId, so a retry
   * finds it) and the old one is cancelled: moved, and the new invitation follows.
   */
  private async recreate(r: Request, oldId: string): Promise<Outcome> {
    const b = r.latest;
    const made = await this.opts.gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(r.message.key));
    const when = formatLetterDate(b.start!.toISOString(), schoolContext(r.school).calendar.timezone.name);
    await this.cancelEvent(
      r,
      oldId,
      `The complaints panel hearing for ${r.record.reference} has moved to ${when}, ${b.online ? 'online as a Microsoft Teams meeting' : 'in person'}; a new invitation is sent to you.${b.reason ? ` Reason: ${b.reason}` : ''}`,
    );
    await this.recordBooked(r, made, oldId);
    return { done: 'recreated', eventId: made.id };
  }

  private async cancel(r: Request, eventId: string | undefined, reason: string | undefined): Promise<Outcome> {
    if (!eventId) {
      const createKey = hearingCalendarKey(r.record.id, r.stage, r.eventBooking);
      const create = r.record.outbox.find((o) => o.key === createKey);
      // The create runs first: it finds the booking cancelled (or the case ended) and clears up after itself.
      if (create && (create.status === 'pending' || create.status === 'sending')) throw this.notCreatedYet(r.record, r.eventBooking);
      // A create that gave up after trying may have made the event: the same transactionId finds it.
      if (create?.status === 'failed' && earlierAttempts(create) > 0) return this.cancelUnrecorded(r, createKey, 'create_failed', reason);
      return { done: 'skipped', why: 'no_event' };
    }
    await this.cancelEvent(r, eventId, this.cancelComment(r, reason));
    return { done: 'cancelled', eventId };
  }

  /**
   * An event Graph may have made for `createKey` whose id the case never recorded: asking for the
   * create again with the same transactionId gives that event back (or makes it now, so that the
   * attendees' copy is withdrawn either way), and it is cancelled.
   */
  private async cancelUnrecorded(r: Request, createKey: string, why: string, reason?: string): Promise<Outcome> {
    const made = await this.opts.gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(createKey));
    await this.cancelEvent(r, made.id, this.cancelComment(r, reason ?? r.latest.cancelReason ?? this.queuedCancelReason(r)));
    this.opts.log.warn(
      { event: 'hearing_event_unrecorded_cancelled', ...r.ids, eventId: made.id, why },
      'a hearing event made by an earlier try but never recorded was found by its transactionId and cancelled',
    );
    return { done: 'cancelled', eventId: made.id };
  }

  /** Cancels the event; one already gone from the organiser's calendar (deleted in Outlook) counts as cancelled. */
  private async cancelEvent(r: Request, eventId: string, comment: string): Promise<void> {
    try {
      await this.opts.gateway.cancelEvent(r.organiser, eventId, comment);
    } catch (e) {
      if (!eventGone(e)) throw e;
      this.opts.log.info({ event: 'hearing_event_already_gone', ...r.ids, eventId }, 'the hearing event was already deleted in Outlook; nothing to cancel');
    }
  }

  private cancelComment(r: Request, reason: string | undefined): string {
    const b = r.chain.find((x) => x.booking === r.booking) ?? r.latest;
    const when = b.start ? formatLetterDate(b.start.toISOString(), schoolContext(r.school).calendar.timezone.name) : b.hearingOn;
    return `The complaints panel hearing for ${r.record.reference} on ${when} is cancelled.${reason ? ` Reason: ${reason}` : ''}`;
  }

  /** The reason of a cancel request queued for this event (withdraw and closeCase queue one without a hearing_cancelled). */
  private queuedCancelReason(r: Request): string | undefined {
    const item = r.record.outbox.find((o) => o.template === HEARING_EVENT && o.data.action === 'cancel' && Number(o.data.eventBooking) === r.eventBooking);
    return typeof item?.data.reason === 'string' ? item.data.reason : undefined;
  }

  /** Whether the event is an online meeting now: as recorded when it was made, else as the booking before this move asked. */
  private eventOnline(r: Request): boolean {
    const booked = [...r.record.events]
      .reverse()
      .find((e) => e.type === 'hearing_booked' && e.stage === r.stage && e.details?.booking === r.eventBooking && typeof e.details.online === 'boolean');
    if (booked) return booked.details!.online === true;
    return (r.chain.at(-2) ?? r.chain[0]!).online;
  }

  private notCreatedYet(record: CaseRecord, booking: number): HearingEventError {
    return new HearingEventError(
      'EVENT_NOT_CREATED_YET',
      `The calendar event of booking ${booking} of ${record.reference} is not created yet; this change is tried again later.`,
      true,
    );
  }

  /**
   * Notes the event on the case (`hearing_booked`), as the system, retrying when someone saves
   * the case meanwhile. It is noted against the booking that made the first event, so every
   * booking that shares it (src/app/panel.ts stageBookings) has the new id; `forBooking` says
   * which booking it was made for, `replaces` the event it took over from.
   */
  private async recordBooked(r: Request, event: CalendarEvent, replaces?: string): Promise<void> {
    const deps = this.opts.deps as Deps;
    const { stage, eventBooking: booking } = r;
    for (let attempt = 1; ; attempt++) {
      try {
        await applyToCase(deps, r.record.id, SYSTEM, undefined, (record) => {
          if (stageBookings(record, stage).some((b) => b.booking === booking && b.eventId === event.id)) throw new AlreadyRecorded();
          return {
            events: [
              {
                type: 'hearing_booked',
                stage,
                details: {
                  booking,
                  eventId: event.id,
                  online: event.isOnlineMeeting,
                  ...(event.joinUrl ? { joinUrl: event.joinUrl } : {}),
                  ...(event.webLink ? { webLink: event.webLink } : {}),
                  ...(r.latest.booking !== booking ? { forBooking: r.latest.booking } : {}),
                  ...(replaces ? { replaces } : {}),
                },
              },
            ],
          };
        });
        return;
      } catch (e) {
        if (e instanceof AlreadyRecorded) return;
        if (e instanceof AppError && e.code === 'VERSION_CONFLICT' && attempt < 4) continue;
        throw e;
      }
    }
  }
}

class AlreadyRecorded extends Error {}
