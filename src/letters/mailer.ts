/**
 * The Messenger port (src/app/ports.ts) for kind "letter": the letter an outbox item stands for
 * (src/letters/fromOutbox.ts) goes to the complainant by mail from the complaints mailbox
 * (COMPLAINTS_MAILBOX) through Microsoft Graph (src/graph/gateway.ts, sendMail).
 *
 * - Each letter is claimed by its outbox key in the `deliveries` ledger (the DeliveryLedger of
 *   bot/teamsMessenger.ts, shared with Teams and the LoggingMessenger) before it is sent, marked
 *   delivered after (transport "mail"), and released if sending fails, so a retried outbox item
 *   never mails the complainant twice (src/jobs/deliverOnce.ts, as for hearing events).
 * - A complainant with no email address, or who asked for letters by post (src/app/complainant.ts), gets no email: the
 *   letter is logged (`letter_needs_post`, ids only) and marked delivered with transport "post",
 *   for the school to print and post.
 * - A letter of a case whose personal data was removed (or that no longer exists) is skipped with
 *   a log line (`letter_skipped`); nothing is sent.
 * - A hearing invitation overtaken while it waited (held for review, or behind a retry) is never
 *   mailed: its hearing was cancelled, moved to a new time or place (a new invitation is queued),
 *   or the complaint withdrawn or closed. It is logged (`letter_superseded`, ids only) and
 *   recorded with transport "superseded"; the outbox drain checks the same first.
 * - Graph errors are thrown on, after releasing the claim. Busy after the gateway's retries (or
 *   the network) is retryable: the outbox tries again later. One that trying again cannot help
 *   (`retryable: false`: a missing Mail.Send permission, a mailbox outside the app's access
 *   policy) fails the letter at once; the admin finds it in the log as `message_failed`, whose
 *   error names the permission the app registration needs (src/graph/errors.ts).
 *
 * Log lines carry ids (key, case, school, template), never addresses or letter content.
 */
import type { Deps } from '../app/caseFlow.js';
import type { CaseRecord, Clock, Complainant, Messenger, OutboxItem, OutgoingMessage } from '../app/ports.js';
import { latestBooking } from '../app/panel.js';
import type { GraphGateway } from '../graph/gateway.js';
import type { Log } from '../log.js';
import type { DeliveryLedger } from '../../bot/teamsMessenger.js';
import { complainantEmail, complainantGetsEmail } from '../app/complainant.js';
import { deliverOnce, type Done } from '../jobs/deliverOnce.js';
import { renderOutboxLetter } from './fromOutbox.js';

/** A claim left this long by a crashed sender is taken over (as for Teams messages). */
export const LETTER_STALE_MS = 10 * 60_000;

export type LetterMailErrorCode =
  /** A message or calendar item was handed to the letter mailer. */
  | 'NOT_A_LETTER'
  /** The letter names no case, or its school is missing. */
  | 'NO_CASE'
  /** Another worker holds a recent claim on this letter. */
  | 'IN_PROGRESS';

export class LetterMailError extends Error {
  override readonly name = 'LetterMailError';
  constructor(
    readonly code: LetterMailErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface GraphLetterMailerOptions {
  deps: Pick<Deps, 'cases' | 'schools'> & { clock?: Clock };
  gateway: Pick<GraphGateway, 'sendMail'>;
  /** The mailbox letters are sent from (GraphConfig.complaintsMailbox). */
  mailbox: string;
  deliveries: DeliveryLedger;
  log: Log;
  clock?: Clock;
  staleMs?: number;
}

/** How the letter went: by mail, or left for the school to post. */
export type LetterTransport = 'mail' | 'post';

export const HEARING_INVITATION_LETTER = 'hearing_invitation_letter';

/**
 * Why a queued letter must no longer go, or undefined. Only hearing invitations are overtaken:
 * one whose booking is no longer the stage's latest active booking, unless the later booking
 * changed only the panel (then no new letter was queued, and this one still tells the truth).
 */
export function letterSuperseded(record: Pick<CaseRecord, 'events' | 'outbox' | 'state'>, item: Pick<OutboxItem, 'template' | 'data'>): string | undefined {
  if (item.template !== HEARING_INVITATION_LETTER) return undefined;
  const stage = Number(item.data.stage);
  const booking = Number(item.data.booking);
  if (!Number.isInteger(stage) || !Number.isInteger(booking)) return undefined;
  if (record.state.status !== 'open') return `the complaint was ${record.state.status.replace(/_/g, ' ')}`;
  const latest = latestBooking(record as CaseRecord, stage);
  if (!latest || latest.cancelled) return 'the hearing was cancelled';
  if (latest.booking === booking) return undefined;
  const newer = record.outbox.some((o) => o.template === HEARING_INVITATION_LETTER && Number(o.data.stage) === stage && Number(o.data.booking) > booking);
  return newer ? 'the hearing was moved; a newer invitation is queued' : undefined;
}

/** By mail when the complainant gets email from the school (src/app/complainant.ts), else by post. */
export function letterTransport(complainant: Pick<Complainant, 'email' | 'preferredContact'>): LetterTransport {
  return complainantGetsEmail(complainant) ? 'mail' : 'post';
}

export class GraphLetterMailer implements Messenger {
  private readonly clock: Clock;
  private readonly staleMs: number;

  constructor(private readonly opts: GraphLetterMailerOptions) {
    this.clock = opts.clock ?? opts.deps.clock ?? { now: () => new Date() };
    this.staleMs = opts.staleMs ?? LETTER_STALE_MS;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const { log } = this.opts;
    const ids = { key: message.key, template: message.template, caseId: message.caseId, schoolId: message.schoolId };
    if (message.kind !== 'letter') {
      throw new LetterMailError('NOT_A_LETTER', `A ${message.kind} cannot be sent as a letter: only letters to complainants go by mail.`, false);
    }
    const caseId = message.caseId;
    if (!caseId) throw new LetterMailError('NO_CASE', `The letter ${message.key} names no case.`, false);

    const result = await deliverOnce(
      this.opts.deliveries,
      message,
      {
        clock: this.clock,
        staleMs: this.staleMs,
        log,
        ids,
        what: 'letter',
        events: { already: 'letter_already_delivered', failed: 'letter_send_failed' },
        busy: () => new LetterMailError('IN_PROGRESS', 'This letter is being sent by another worker just now; it will be checked again later.', true),
      },
      async (): Promise<Done<{ transport: LetterTransport | 'superseded'; edited: boolean } | undefined>> => {
        const record = await this.opts.deps.cases.get(caseId);
        if (!record || record.purgedAt) {
          log.info(
            { event: 'letter_skipped', ...ids, reason: record ? 'case_purged' : 'case_missing' },
            'letter not sent: the case no longer holds personal data',
          );
          return { value: undefined, record: false };
        }
        const superseded = letterSuperseded(record, { template: message.template, data: message.data });
        if (superseded) {
          log.info({ event: 'letter_superseded', ...ids }, `letter not sent: ${superseded}`);
          return { value: { transport: 'superseded', edited: false }, details: { attempts: 1, transport: 'superseded' } };
        }
        const school = await this.opts.deps.schools.get(record.schoolId);
        if (!school) throw new LetterMailError('NO_CASE', `The school ${record.schoolId} of case ${record.reference} was not found.`, false);
        const item: OutboxItem = record.outbox.find((o) => o.key === message.key) ?? {
          key: message.key,
          kind: 'letter',
          to: message.to,
          template: message.template,
          data: message.data,
          status: 'sending',
          createdAt: this.clock.now(),
          attempts: 1,
        };
        const letter = renderOutboxLetter(item, record, school);
        // Whether a person edited the letter on its preview card before it went (src/app/reviewLetter.ts).
        const edited = typeof item.data.editedText === 'string';
        const complainant = record.complainant;
        const address = complainantEmail(complainant);
        if (!address) {
          log.info(
            { event: 'letter_needs_post', ...ids, letter: letter.kind, preferredContact: complainant.preferredContact },
            'letter not emailed: the complainant has no email address or asked for letters by post; print and post it',
          );
          return { value: { transport: 'post', edited }, details: { attempts: 1, transport: 'post' } };
        }
        await this.opts.gateway.sendMail(this.opts.mailbox, { subject: letter.subject, html: letter.html, to: [{ name: complainant.name, address }] });
        return { value: { transport: 'mail', edited }, details: { attempts: 1, transport: 'mail' } };
      },
    );
    if (result.state === 'done' && result.value?.transport === 'mail') {
      log.info({ event: 'letter_delivered', transport: 'mail', edited: result.value.edited, ...ids }, `letter ${message.template} sent by mail`);
    }
  }
}
