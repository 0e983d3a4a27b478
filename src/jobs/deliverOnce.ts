/**
 * One outbox item carried out once, whoever retries it: the steps every Messenger over the
 * `deliveries` ledger (the DeliveryLedger of bot/teamsMessenger.ts) takes, written once for the
 * letter mailer (src/letters/mailer.ts) and the hearing calendar (src/graph/hearingCalendar.ts).
 *
 * 1. Claim the item's key. Already delivered: log it and do nothing. Claimed by another worker
 *    less than `staleMs` ago: throw `busy()` (retryable; the outbox looks again later).
 * 2. Do the work. If it throws, release the claim (so a later try may do it), log the failure
 *    and throw the error on. Work that did nothing lasting may ask not to be recorded: the claim
 *    is released and the key stays free.
 * 3. Record the key delivered, retried a little: the work is done, so failing to record it must
 *    not make the outbox do it again now; a last failure is logged.
 *
 * Log lines carry the ids the caller gives (key, template, case, school), never content.
 */
import type { Clock, OutgoingMessage } from '../app/ports.js';
import type { Log } from '../log.js';
import type { DeliveryLedger } from '../../bot/teamsMessenger.js';

/** What is noted on the delivery record beside the ids: how it went, never what it said. */
export type DeliveryDetails = { attempts: number; transport: string } & Record<string, unknown>;

/** What the work did: details to record, or `record: false` when it did nothing that must not be repeated. */
export type Done<T> = { value: T; details: DeliveryDetails } | { value: T; record: false };

export type DeliverOnceResult<T> = { state: 'already_delivered' } | { state: 'done'; value: T };

export interface DeliverOnceOptions {
  clock: Clock;
  /** A claim older than this was left by a crashed worker and is taken over. */
  staleMs: number;
  log: Log;
  /** Ids for every log line: key, template, case, school. */
  ids: Record<string, unknown>;
  /** What is being delivered, for the log messages: "letter", "calendar request". */
  what: string;
  /** Log event names: the key was already delivered; the work failed. */
  events: { already: string; failed: string };
  /** The error thrown while another worker holds a recent claim. */
  busy: () => Error;
  /** Waits between attempts to record a delivery (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

const RECORD_ATTEMPTS = 3;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function deliverOnce<T>(
  ledger: DeliveryLedger,
  message: OutgoingMessage,
  opts: DeliverOnceOptions,
  work: () => Promise<Done<T>>,
): Promise<DeliverOnceResult<T>> {
  const { log, ids, what } = opts;
  const claim = await ledger.claim(message, opts.clock.now(), opts.staleMs);
  if (claim.state === 'delivered') {
    log.info({ event: opts.events.already, ...ids }, `${what} already delivered; not done again`);
    return { state: 'already_delivered' };
  }
  if (claim.state === 'busy') throw opts.busy();
  const release = () =>
    ledger.release(message.key, claim.token).catch((err) => log.error({ event: 'delivery_release_failed', ...ids, err }, 'could not release a delivery claim'));

  let done: Done<T>;
  try {
    done = await work();
  } catch (e) {
    await release();
    const err = e as Error & { kind?: string; code?: string; status?: number; retryable?: boolean };
    log.warn(
      { event: opts.events.failed, ...ids, error: err.message, kind: err.kind ?? err.code, status: err.status, retryable: err.retryable },
      `${what} not delivered`,
    );
    throw e;
  }
  if (!('details' in done)) {
    await release();
    return { state: 'done', value: done.value };
  }

  const sleep = opts.sleep ?? realSleep;
  for (let i = 1; ; i++) {
    try {
      // The ledger's type names the Teams fields; the letter and calendar details ride along with them.
      await ledger.delivered(message.key, claim.token, opts.clock.now(), done.details);
      break;
    } catch (err) {
      if (i >= RECORD_ATTEMPTS) {
        log.error({ event: 'delivery_record_failed', ...ids, err }, `${what} delivered but its delivery could not be recorded`);
        break;
      }
      await sleep(200 * i);
    }
  }
  return { state: 'done', value: done.value };
}
