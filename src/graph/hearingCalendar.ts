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
 * same DeliveryLedger the Teams messenger and the letter mailer use; src/jobs/deliverOnce.ts), and
 * a create carries a transactionId derived from the key, so Graph answers a repeated create with
 * the event it made. Every create and move records on the case (`hearing_booked`, with
 * `forBooking`) which booking Outlook now shows: answers read from the event are credited to it
 * (src/app/panel.ts bookingInOutlook), never to a booking whose request was skipped. A move or
 * cancel whose create is still to run fails and the outbox tries it again later; so does a cancel
 * while a move of the same event is running or due a retry, so it cancels the event that move
 * leaves. The sender re-reads the case, so a request overtaken by a later one (moved again,
 * cancelled, the case withdrawn or closed) is skipped rather than applied late.
 *
 * What Graph cannot do, and what is done instead:
 * - a move sends only start, end, attendees and location: a new body would disable the Teams
 *   meeting, and an online meeting cannot be made in-person. A move between online and in person
 *   is a new event: the old one is cancelled first, then the new one made (its own transactionId)
 *   and recorded, so whatever fails in between, no second live event is left behind.
 * - a cancel reads the event first: one already cancelled (a retry) or deleted in Outlook is done.
 * - an event deleted (or cancelled) in Outlook while the hearing stands: a move makes a new
 *   event, after reading the case again, so a cancel or later move saved meanwhile is not undone.
 * - an event Graph may have made whose id was never recorded (a lost answer, a crash, a request
 *   that gave up) while its booking was cancelled or moved again: it is looked for by READING the
 *   organiser's calendarView for its transactionId (findEventByTransactionId) and cancelled if
 *   found; nothing found means nothing was made, and nothing is sent to anyone.
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
  /** The event this move or cancel acts on is not created yet (retryable: the create may still run). */
  | 'EVENT_NOT_CREATED_YET'
  /** A cancel whose event a move is still changing (retryable: it follows the move). */
  | 'EVENT_CHANGE_PENDING'
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
  gateway: Pick<GraphGateway, 'createEvent' | 'updateEvent' | 'cancelEvent' | 'getEvent' | 'findEventByTransactionId'>;
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

const isChange = (o: OutboxItem) => o.template === HEARING_EVENT && (o.data.action === 'create' || o.data.action === 'update');
const eventBookingOf = (o: OutboxItem) => Number(o.data.eventBooking ?? o.data.booking);

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
  /** An earlier try of this request ran (and may have done part of its work in Graph). */
  retry: boolean;
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
        busy: () => new HearingEventError('IN_PROGRESS', 'This calendar request is being carried out by another worker just now.', true),
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

  /** The request against the case as stored now (re-read), or why it has nothing to act on. */
  private async request(message: OutgoingMessage, ids: Record<string, unknown>): Promise<Request | { skip: string }> {
    const { deps } = this.opts;
    const record = await deps.cases.get(message.caseId!);
    if (!record || record.purgedAt) return { skip: record ? 'case_purged' : 'case_missing' };
    const school = await deps.schools.get(record.schoolId);
    if (!school) throw new HearingEventError('NO_CASE', `The school ${record.schoolId} of case ${record.reference} was not found.`, false);
    const d = message.data;
    const stage = Number(d.stage);
    const booking = Number(d.booking);
    const eventBooking = Number(d.eventBooking ?? d.booking);
    const chain = stageBookings(record, stage).filter((b) => b.eventBooking === eventBooking);
    const latest = chain.at(-1);
    if (!latest) throw new HearingEventError('NO_CASE', `Case ${record.reference} has no booking ${eventBooking} at stage ${stage}.`, false);
    const own = record.outbox.find((o) => o.key === message.key);
    return {
      message,
      ids,
      record,
      school,
      stage,
      booking,
      eventBooking,
      chain,
      latest,
      organiser: String(d.organiser ?? latest.organiser),
      retry: earlierAttempts(own) > 0,
    };
  }

  /** Why a create or move is overtaken (cancelled, the case withdrawn or closed, moved again), or undefined when it stands. */
  private overtaken(r: Request): string | undefined {
    const create = r.message.data.action === 'create';
    if (r.latest.cancelled) return create ? 'cancelled_before_created' : 'cancelled';
    if (r.record.state.status !== 'open') return `case_${r.record.state.status}`;
    if (!create && r.latest.booking !== r.booking) return 'moved_again';
    return undefined;
  }

  private async carryOut(message: OutgoingMessage, ids: Record<string, unknown>): Promise<Outcome> {
    const action = message.data.action;
    if (action !== 'create' && action !== 'update' && action !== 'cancel') {
      throw new HearingEventError(
        'NOT_A_HEARING_EVENT',
        `The calendar request ${message.key} asks for ${JSON.stringify(action)}; expected create, update or cancel.`,
        false,
      );
    }
    const r = await this.request(message, ids);
    if ('skip' in r) return { done: 'skipped', why: r.skip };
    const eventId = r.chain[0]!.eventId;
    const d = message.data;

    if (action === 'cancel') return this.cancel(r, eventId, typeof d.reason === 'string' ? d.reason : r.latest.cancelReason);
    // Overtaken: cancelled, the case withdrawn or closed (its own cancel request follows), or moved again.
    const why = this.overtaken(r);
    if (why) {
      // An earlier try may have made an event (a create, a move between online and in person, or
      // one in place of an event deleted in Outlook) and died before recording it: nobody else knows its id.
      if (r.retry) return this.cancelUnrecorded(r, message.key, r.organiser, why);
      return { done: 'skipped', why };
    }
    if (action === 'create') {
      const event = await this.opts.gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(message.key));
      await this.recordBooked(r, event);
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
    const { gateway } = this.opts;
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
    let moved: CalendarEvent | undefined;
    try {
      // Never the body or isOnlineMeeting (see EventChanges in the gateway): the Teams meeting stays as it is.
      moved = await gateway.updateEvent(r.organiser, id, {
        start: b.start!,
        end: b.end!,
        attendees: hearingAttendees(r.school, r.record, b),
        location: b.venue ?? '',
      });
    } catch (e) {
      if (!eventGone(e)) throw e;
    }
    // An event cancelled meanwhile is out of the calendar: moving it invites nobody.
    if (!moved || moved.isCancelled) return this.replaceGone(r, id);
    await this.recordBooked(r, moved);
    return { done: 'updated', eventId: moved.id };
  }

  /**
   * The event is gone from Outlook (deleted there, or cancelled) while the hearing stands: it gets
   * a new event (this request's own transactionId, so a retry finds it). The case is read again
   * first: a cancel or a later move saved while this request ran must not get a live event back.
   */
  private async replaceGone(r: Request, goneId: string): Promise<Outcome> {
    const { gateway, log } = this.opts;
    const now = await this.request(r.message, r.ids);
    if ('skip' in now) return { done: 'skipped', why: now.skip };
    const why = this.overtaken(now) ?? (now.chain[0]!.eventId !== goneId ? 'event_replaced' : undefined);
    if (why) {
      log.info(
        { event: 'hearing_event_gone', ...r.ids, eventId: goneId, why },
        'the hearing event is gone from Outlook and the request was overtaken; no new event',
      );
      return { done: 'skipped', why };
    }
    log.warn({ event: 'hearing_event_gone', ...r.ids, eventId: goneId }, 'the hearing event was deleted in Outlook; a new one is made');
    const made = await gateway.createEvent(now.organiser, this.newEvent(now), hearingTransactionId(r.message.key));
    await this.recordBooked(now, made, goneId);
    return { done: 'created', eventId: made.id };
  }

  /**
   * A move between online and in person: Outlook keeps an online meeting online whatever an
   * update says, so the hearing gets a new event. The old one is cancelled first, then the new
   * one made (this request's own transactionId) and recorded: a retry finds the old event already
   * cancelled, and a cancel queued meanwhile waits for this request (cancel), so no live event is
   * left behind whatever fails in between.
   */
  private async recreate(r: Request, oldId: string): Promise<Outcome> {
    const b = r.latest;
    const when = formatLetterDate(b.start!.toISOString(), schoolContext(r.school).calendar.timezone.name);
    await this.cancelEvent(
      r,
      oldId,
      `The complaints panel hearing for ${r.record.reference} has moved to ${when}, ${b.online ? 'online as a Microsoft Teams meeting' : 'in person'}; a new invitation is sent to you.${b.reason ? ` Reason: ${b.reason}` : ''}`,
    );
    const made = await this.opts.gateway.createEvent(r.organiser, this.newEvent(r), hearingTransactionId(r.message.key));
    await this.recordBooked(r, made, oldId);
    return { done: 'recreated', eventId: made.id };
  }

  private async cancel(r: Request, eventId: string | undefined, reason: string | undefined): Promise<Outcome> {
    // A move of this event still running (it may have read the case before the cancel) or due a
    // retry may yet make a new event: the cancel waits, so it acts on the event that will exist.
    // A pending one has not read the case yet and will find the hearing cancelled.
    const applied = Math.max(0, ...r.chain.filter((b) => b.applied).map((b) => b.booking));
    const moving = r.record.outbox.find(
      (o) => o.key !== r.message.key && isChange(o) && eventBookingOf(o) === r.eventBooking && o.status === 'sending' && Number(o.data.booking) > applied,
    );
    if (moving) {
      throw new HearingEventError(
        'EVENT_CHANGE_PENDING',
        `A change to the Outlook invitation for booking ${r.eventBooking} of ${r.record.reference} is still being made; the cancellation must follow it.`,
        true,
      );
    }
    const createKey = hearingCalendarKey(r.record.id, r.stage, r.eventBooking);
    const create = r.record.outbox.find((o) => o.key === createKey);
    // The create runs first: it finds the booking cancelled (or the case ended) and clears up after itself.
    if (!eventId && create && (create.status === 'pending' || create.status === 'sending')) throw this.notCreatedYet(r.record, r.eventBooking);
    let outcome: Outcome = { done: 'skipped', why: 'no_event' };
    if (eventId) {
      await this.cancelEvent(r, eventId, this.cancelComment(r, reason));
      outcome = { done: 'cancelled', eventId };
    }
    // Requests of this event that gave up after trying may have made an event nobody recorded: found by their transactionId.
    const gaveUp = r.record.outbox.filter((o) => isChange(o) && eventBookingOf(o) === r.eventBooking && o.status === 'failed' && o.attempts > 0);
    for (const item of gaveUp) {
      const stray = await this.cancelUnrecorded(r, item.key, String(item.data.organiser ?? r.organiser), 'request_failed', reason);
      if (stray.done === 'cancelled' && outcome.done === 'skipped') outcome = stray;
    }
    return outcome;
  }

  /**
   * An event Graph may have made for the request `key` whose id the case never recorded: looked
   * for by its transactionId in the organiser's calendar over the times of the booking's chain
   * (reading only: nothing is made, nobody is invited), and cancelled if found. Nothing found
   * means nothing was made: there is nothing to cancel.
   */
  private async cancelUnrecorded(r: Request, key: string, organiser: string, why: string, reason?: string): Promise<Outcome> {
    const { gateway, log } = this.opts;
    const timed = r.chain.filter((b) => b.start && b.end);
    if (!timed.length) return { done: 'skipped', why };
    const start = new Date(Math.min(...timed.map((b) => b.start!.getTime())));
    const end = new Date(Math.max(...timed.map((b) => b.end!.getTime())));
    const found = await gateway.findEventByTransactionId(organiser, start, end, hearingTransactionId(key));
    // The recorded event is the cancel request's (or the next move's) to act on.
    if (!found || found.isCancelled || found.id === r.chain[0]!.eventId) {
      log.info(
        { event: 'hearing_event_unrecorded_none', ...r.ids, searched: key, why },
        'no unrecorded hearing event was found by its transactionId; nothing to cancel',
      );
      return { done: 'skipped', why };
    }
    const comment = why === 'moved_again' ? this.strayComment(r) : this.cancelComment(r, reason ?? r.latest.cancelReason ?? this.queuedCancelReason(r));
    await this.cancelEvent({ ...r, organiser }, found.id, comment, found);
    log.warn(
      { event: 'hearing_event_unrecorded_cancelled', ...r.ids, searched: key, eventId: found.id, why },
      'a hearing event made by an earlier try but never recorded was found by its transactionId and cancelled',
    );
    return { done: 'cancelled', eventId: found.id };
  }

  /**
   * Whether the event may have been cancelled by us already: this request ran before, or a move
   * of the same event ran without finishing (a move between online and in person cancels the old
   * event before it makes and records the new one).
   */
  private mayBeCancelled(r: Request): boolean {
    if (r.retry) return true;
    const applied = Math.max(0, ...r.chain.filter((b) => b.applied).map((b) => b.booking));
    return r.record.outbox.some(
      (o) =>
        o.key !== r.message.key &&
        o.template === HEARING_EVENT &&
        o.data.action === 'update' &&
        eventBookingOf(o) === r.eventBooking &&
        o.attempts > 0 &&
        Number(o.data.booking) > applied,
    );
  }

  /**
   * Cancels the event; one gone from the organiser's calendar (deleted in Outlook) counts as
   * cancelled. When it may be cancelled already (mayBeCancelled) it is read first, and one
   * cancelled is left alone: attendees never get a second cancellation.
   */
  private async cancelEvent(r: Request, eventId: string, comment: string, read?: CalendarEvent): Promise<void> {
    const { gateway, log } = this.opts;
    try {
      const current = read ?? (this.mayBeCancelled(r) ? await gateway.getEvent(r.organiser, eventId) : undefined);
      if (current?.isCancelled) {
        log.info({ event: 'hearing_event_already_cancelled', ...r.ids, eventId }, 'the hearing event was cancelled already; not cancelled again');
        return;
      }
      await gateway.cancelEvent(r.organiser, eventId, comment);
    } catch (e) {
      if (!eventGone(e)) throw e;
      log.info({ event: 'hearing_event_already_gone', ...r.ids, eventId }, 'the hearing event was already deleted in Outlook; nothing to cancel');
    }
  }

  private cancelComment(r: Request, reason: string | undefined): string {
    const b = r.chain.find((x) => x.booking === r.booking) ?? r.latest;
    const when = b.start ? formatLetterDate(b.start.toISOString(), schoolContext(r.school).calendar.timezone.name) : b.hearingOn;
    return `The complaints panel hearing for ${r.record.reference} on ${when} is cancelled.${reason ? ` Reason: ${reason}` : ''}`;
  }

  /** For a second copy of the invitation an overtaken move made: the hearing stands, at its latest time. */
  private strayComment(r: Request): string {
    const b = r.latest;
    const when = b.start ? formatLetterDate(b.start.toISOString(), schoolContext(r.school).calendar.timezone.name) : b.hearingOn;
    return `This copy of the invitation to the complaints panel hearing for ${r.record.reference} is withdrawn. The hearing is on ${when}, as your other invitation says.`;
  }

  /** The reason of a cancel request queued for this event (withdraw and closeCase queue one without a hearing_cancelled). */
  private queuedCancelReason(r: Request): string | undefined {
    const item = r.record.outbox.find((o) => o.template === HEARING_EVENT && o.data.action === 'cancel' && eventBookingOf(o) === r.eventBooking);
    return typeof item?.data.reason === 'string' ? item.data.reason : undefined;
  }

  /** Whether the event is an online meeting now: as recorded when it was made or moved, else as the booking before this move asked. */
  private eventOnline(r: Request): boolean {
    const booked = [...r.record.events]
      .reverse()
      .find((e) => e.type === 'hearing_booked' && e.stage === r.stage && e.details?.booking === r.eventBooking && typeof e.details.online === 'boolean');
    if (booked) return booked.details!.online === true;
    return (r.chain.at(-2) ?? r.chain[0]!).online;
  }

  private notCreatedYet(record: CaseRecord, booking: number): HearingEventError {
    // No promise of a later try here: the same words end up on the card if the outbox gives up.
    return new HearingEventError(
      'EVENT_NOT_CREATED_YET',
      `The Outlook invitation for booking ${booking} of ${record.reference} has not been created, so it cannot be changed yet.`,
      true,
    );
  }

  /**
   * Notes on the case (`hearing_booked`), as the system, that Outlook now shows booking
   * `forBooking` (the latest of the request's chain): after every create, move and new event,
   * retrying when someone saves the case meanwhile. It is noted against the booking that made the
   * first event, so every booking that shares it (src/app/panel.ts stageBookings) has its id;
   * `forBooking` is what answers read from Outlook are credited to (bookingInOutlook), `replaces`
   * the event it took over from.
   */
  private async recordBooked(r: Request, event: CalendarEvent, replaces?: string): Promise<void> {
    const deps = this.opts.deps as Deps;
    const { stage, eventBooking: booking } = r;
    const forBooking = r.latest.booking;
    for (let attempt = 1; ; attempt++) {
      try {
        await applyToCase(deps, r.record.id, SYSTEM, undefined, (record) => {
          const shown = stageBookings(record, stage).find((b) => b.booking === forBooking);
          if (shown?.applied && shown.eventId === event.id) throw new AlreadyRecorded();
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
                  forBooking,
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
