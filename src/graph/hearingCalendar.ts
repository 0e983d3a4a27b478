/**
 * Panel hearings in Outlook calendars, over the one Graph gateway (src/graph/gateway.ts):
 *
 * - GraphCalendarBooking (the CalendarBooking port): free/busy of the panel and the organiser
 *   with getSchedule (15-minute interval); a schedule Graph could not read is reported as
 *   unavailable, not as free. Attendee answers from the event, addresses lower-cased.
 * - HearingEventSender (the Messenger port for outbox kind "calendar", template "hearing_event",
 *   queued by src/app/bookHearing.ts and cancelHearing.ts): creates the event in the organiser's
 *   calendar with a Teams meeting, the panel and the complainant as attendees, and the case
 *   reference only (no complaint details); moves it on a re-booking; cancels it with the reason.
 *
 * A retry never makes a second event: each outbox key is claimed in the `deliveries` ledger (the
 * same DeliveryLedger the Teams messenger and the letter mailer use; src/jobs/deliverOnce.ts), and the create carries a
 * transactionId derived from the key, so Graph answers a repeated create with the event it made.
 * The event id is recorded on the case (`hearing_booked`); a move or cancel whose event is not
 * created yet fails and the outbox tries it again later. The sender re-reads the case, so a
 * request overtaken by a later one (moved again, cancelled) is skipped rather than applied late.
 *
 * Log lines carry ids (key, case, school, event id), never addresses or names.
 */
import { createHash } from 'node:crypto';
import { SYSTEM, applyToCase, schoolContext, type Deps } from '../app/caseFlow.js';
import { AppError } from '../app/errors.js';
import { complainantEmail } from '../app/complainant.js';
import { stageBookings, type Booking } from '../app/panel.js';
import type { AttendeeAnswer, BusyStatus, BusyTime, CalendarBooking, CaseRecord, Clock, Messenger, OutgoingMessage, School } from '../app/ports.js';
import { HEARING_EVENT } from '../app/bookHearing.js';
import { formatLetterDate } from '../letters/letters.js';
import type { Log } from '../log.js';
import type { DeliveryLedger } from '../../bot/teamsMessenger.js';
import { deliverOnce } from '../jobs/deliverOnce.js';
import type { Attendee, GraphGateway, NewEvent } from './gateway.js';

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

/** Subject and body of the invitation: the school, the reference, the stage, the date and time. Nothing of the complaint. */
export function hearingInvitation(school: School, record: CaseRecord, b: Booking): Pick<NewEvent, 'subject' | 'html'> {
  const { policy, calendar } = schoolContext(school);
  const tz = calendar.timezone.name;
  const stage = policy.stages[b.stage - 1];
  const from = formatLetterDate(b.start!.toISOString(), tz);
  const until = formatLetterDate(b.end!.toISOString(), tz).replace(/^.* at /, '');
  return {
    subject: `Complaint panel hearing ${record.reference}`,
    html: [
      `<p>${escapeHtml(school.name)}: the complaints panel hearing for complaint ${escapeHtml(record.reference)}${stage ? `, stage ${stage.number} (${escapeHtml(stage.name)})` : ''}.</p>`,
      `<p>${escapeHtml(from)} to ${escapeHtml(until)} (${escapeHtml(tz)} time).</p>`,
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

type Outcome = { done: 'created' | 'updated' | 'cancelled'; eventId: string } | { done: 'skipped'; why: string };

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
        const outcome = await this.carryOut(message);
        return { value: outcome, details: { attempts: 1, transport: 'calendar', ...('eventId' in outcome ? { eventId: outcome.eventId } : {}) } };
      },
    );
    if (result.state !== 'done') return;
    const outcome = result.value;
    if (outcome.done === 'skipped') log.info({ event: 'hearing_event_skipped', ...ids, why: outcome.why }, 'calendar request skipped');
    else log.info({ event: `hearing_event_${outcome.done}`, ...ids, eventId: outcome.eventId }, `hearing event ${outcome.done}`);
  }

  private async carryOut(message: OutgoingMessage): Promise<Outcome> {
    const { deps, gateway } = this.opts;
    const record = await deps.cases.get(message.caseId!);
    if (!record || record.purgedAt) return { done: 'skipped', why: record ? 'case_purged' : 'case_missing' };
    const school = await deps.schools.get(record.schoolId);
    if (!school) throw new HearingEventError('NO_CASE', `The school ${record.schoolId} of case ${record.reference} was not found.`, false);
    const d = message.data;
    const action = d.action;
    const stage = Number(d.stage);
    const booking = Number(d.booking);
    const eventBooking = Number(d.eventBooking ?? d.booking);
    const bookings = stageBookings(record, stage);
    const chain = bookings.filter((b) => b.eventBooking === eventBooking);
    const latest = chain.at(-1);
    if (!latest) throw new HearingEventError('NO_CASE', `Case ${record.reference} has no booking ${eventBooking} at stage ${stage}.`, false);
    const organiser = String(d.organiser ?? latest.organiser);
    const eventId = chain[0]!.eventId;

    if (action === 'create') {
      if (latest.cancelled) return { done: 'skipped', why: 'cancelled_before_created' };
      // The latest details of the booking: a move queued meanwhile then finds the event already right.
      const event = await gateway.createEvent(
        organiser,
        {
          ...hearingInvitation(school, record, latest),
          start: latest.start!,
          end: latest.end!,
          attendees: hearingAttendees(school, record, latest),
          online: latest.online,
          ...(latest.venue ? { location: latest.venue } : {}),
        },
        hearingTransactionId(message.key),
      );
      if (eventId !== event.id) await this.recordBooked(record.id, stage, eventBooking, event);
      return { done: 'created', eventId: event.id };
    }
    if (action === 'update') {
      if (latest.cancelled) return { done: 'skipped', why: 'cancelled' };
      if (latest.booking !== booking) return { done: 'skipped', why: 'moved_again' };
      if (!eventId) throw this.notCreatedYet(record, eventBooking);
      const moved = await gateway.updateEvent(organiser, eventId, {
        ...hearingInvitation(school, record, latest),
        start: latest.start!,
        end: latest.end!,
        attendees: hearingAttendees(school, record, latest),
        online: latest.online,
        location: latest.venue ?? '',
      });
      return { done: 'updated', eventId: moved.id };
    }
    if (action === 'cancel') {
      if (!eventId) {
        // The create went without making an event (it found the booking cancelled), or gave up: nothing to cancel.
        const create = record.outbox.find((o) => o.key === `${record.id}:calendar:hearing:${stage}:${eventBooking}`);
        if (create && (create.status === 'sent' || create.status === 'failed')) return { done: 'skipped', why: 'no_event' };
        throw this.notCreatedYet(record, eventBooking);
      }
      const b = chain.find((x) => x.booking === booking) ?? latest;
      const when = b.start ? formatLetterDate(b.start.toISOString(), schoolContext(school).calendar.timezone.name) : b.hearingOn;
      const reason = typeof d.reason === 'string' ? d.reason : b.cancelReason;
      await gateway.cancelEvent(
        organiser,
        eventId,
        `The complaints panel hearing for ${record.reference} on ${when} is cancelled.${reason ? ` Reason: ${reason}` : ''}`,
      );
      return { done: 'cancelled', eventId };
    }
    throw new HearingEventError(
      'NOT_A_HEARING_EVENT',
      `The calendar request ${message.key} asks for ${JSON.stringify(action)}; expected create, update or cancel.`,
      false,
    );
  }

  private notCreatedYet(record: CaseRecord, booking: number): HearingEventError {
    return new HearingEventError(
      'EVENT_NOT_CREATED_YET',
      `The calendar event of booking ${booking} of ${record.reference} is not created yet; this change is tried again later.`,
      true,
    );
  }

  /** Notes the event on the case (`hearing_booked`), as the system, retrying when someone saves the case meanwhile. */
  private async recordBooked(
    caseId: string,
    stage: number,
    booking: number,
    event: { id: string; joinUrl: string | null; webLink: string | null },
  ): Promise<void> {
    const deps = this.opts.deps as Deps;
    for (let attempt = 1; ; attempt++) {
      try {
        await applyToCase(deps, caseId, SYSTEM, undefined, (record) => {
          if (stageBookings(record, stage).some((b) => b.booking === booking && b.eventId === event.id)) throw new AlreadyRecorded();
          return {
            events: [
              {
                type: 'hearing_booked',
                stage,
                details: {
                  booking,
                  eventId: event.id,
                  ...(event.joinUrl ? { joinUrl: event.joinUrl } : {}),
                  ...(event.webLink ? { webLink: event.webLink } : {}),
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
