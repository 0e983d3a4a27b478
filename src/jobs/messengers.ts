/**
 * Stand-ins for the Messenger port until Teams and Graph carry messages (their own issues):
 *
 * - LoggingMessenger: "delivers" a message by recording it in the `deliveries` collection (a
 *   unique index on `key`) and writing one JSON log line. The record comes first, so a send
 *   retried after a crash (the outbox item was still "sending") finds the key taken and delivers
 *   nothing twice. This is the shape a real transport keeps: remember the key, then send.
 * - RecordingMessenger: a test fake that keeps every call, when it came (by the test clock),
 *   and can be told to fail or to be slow.
 */
import type { Collection, Db } from 'mongodb';
import type { Clock, Messenger, OutgoingMessage } from '../app/ports.js';
import type { Log } from '../log.js';

const systemClock: Clock = { now: () => new Date() };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One delivered message, as the deliveries collection keeps it: ids and the template, no content. */
export interface Delivery {
  key: string;
  kind: OutgoingMessage['kind'];
  to: string;
  template: string;
  schoolId: string;
  caseId?: string;
  deliveredAt: Date;
}

export const DELIVERIES = 'deliveries';

/** What a delivery record says about its message (ids and template only: no content). */
export function deliveryFields(message: OutgoingMessage): Pick<Delivery, 'key' | 'kind' | 'to' | 'template' | 'schoolId' | 'caseId'> {
  return { key: message.key, kind: message.kind, to: message.to, template: message.template, schoolId: message.schoolId, ...(message.caseId ? { caseId: message.caseId } : {}) };
}

export class LoggingMessenger implements Messenger {
  private constructor(
    readonly deliveries: Collection<Delivery>,
    private readonly log: Log,
    private readonly clock: Clock,
    private readonly delayMs: number,
  ) {}

  /**
   * Creates the unique index on `key` (idempotent) and returns the messenger. `delayMs` adds a
   * pause before each delivery, standing in for a real transport's latency (rehearsals, tests).
   */
  static async create(db: Db, opts: { log: Log; clock?: Clock; delayMs?: number }): Promise<LoggingMessenger> {
    const deliveries = db.collection<Delivery>(DELIVERIES);
    await deliveries.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
    return new LoggingMessenger(deliveries, opts.log, opts.clock ?? systemClock, opts.delayMs ?? 0);
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    const delivery: Delivery = { ...deliveryFields(message), deliveredAt: this.clock.now() };
    try {
      await this.deliveries.insertOne(delivery);
    } catch (e) {
      if ((e as { code?: number }).code === 11000) {
        this.log.info({ event: 'message_already_delivered', key: message.key, caseId: message.caseId, schoolId: message.schoolId }, 'message already delivered; not sent again');
        return;
      }
      throw e;
    }
    this.log.info(
      { event: 'message_delivered', key: message.key, kind: message.kind, to: message.to, template: message.template, caseId: message.caseId, schoolId: message.schoolId },
      `${message.kind} ${message.template} delivered to ${message.to}`,
    );
  }
}

/** A message as the RecordingMessenger saw it, with the (test) clock's time of the call. */
export type Recorded = OutgoingMessage & { at: string };

export class RecordingMessenger implements Messenger {
  /** Every call, including repeats of a key and failed ones. */
  readonly calls: Recorded[] = [];
  /** The first successful delivery of each key, in order. */
  readonly delivered: Recorded[] = [];
  private readonly keys = new Set<string>();
  private failing: Array<{ left: number; error: string; when: (m: OutgoingMessage) => boolean }> = [];
  private taken = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly opts: { delayMs?: number } = {},
  ) {}

  /** The next `times` sends (of messages matching `when`) throw `error`. */
  failNext(times = 1, error = 'messenger unavailable', when: (m: OutgoingMessage) => boolean = () => true): void {
    this.failing.push({ left: times, error, when });
  }

  async send(message: OutgoingMessage): Promise<void> {
    const at = this.clock.now().toISOString();
    this.calls.push({ ...structuredClone(message), at });
    if (this.opts.delayMs) await sleep(this.opts.delayMs);
    const failure = this.failing.find((f) => f.left > 0 && f.when(message));
    if (failure) {
      failure.left--;
      throw new Error(failure.error);
    }
    if (this.keys.has(message.key)) return;
    this.keys.add(message.key);
    this.delivered.push({ ...structuredClone(message), at });
  }

  /** Deliveries since the last call of `take` (a test's "what went out this time"). */
  take(): Recorded[] {
    const out = this.delivered.slice(this.taken);
    this.taken = this.delivered.length;
    return out;
  }
}
