/**
 * The Messenger port (src/app/ports.ts) over Teams, for kind "message": each message goes to the
 * person's 1:1 chat with the bot, never to a channel or group chat.
 *
 * - The person's stored conversation reference (bot/conversations.ts) is continued with
 *   `adapter.continueConversationAsync`. Someone the bot has never talked to is reached by
 *   creating a 1:1 conversation (`adapter.createConversationAsync`, with the tenant and their
 *   directory id), which Teams allows only where the app is installed for them; the new
 *   reference is stored. A stored reference that is not a personal chat is refused.
 * - Letters and calendar requests are not for Teams: they are refused (the composition routes
 *   them to mail and calendars).
 * - Sends queue per person (in order, one at a time) and pass rate limits per conversation
 *   (Teams': 7 a second, 8 in 2 seconds, 60 in 30 seconds, 1,800 an hour) and per app (50 a
 *   second by default, TEAMS_APP_RATE_PER_SECOND). The limits are kept in this process.
 * - 429, 412 and 5xx answers and network failures are retried with exponential backoff and
 *   jitter, waiting as long as Retry-After says, up to `maxAttempts` attempts in all; a
 *   Retry-After longer than `maxRetryAfterMs` gives up at once (the outbox tries again later).
 * - Each delivery is recorded by the message's key in the `deliveries` collection (shared with
 *   the LoggingMessenger of src/jobs/messengers.ts): claimed before sending, marked delivered
 *   after, released if the send fails. A key already delivered is not sent again; a claim left
 *   by a crashed worker is taken over once it is `staleMs` old.
 */
import { randomUUID } from 'node:crypto';
import { TurnContext, type Activity, type ConversationParameters, type ConversationReference } from 'botbuilder';
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import { parseEnv } from '../src/config.js';
import type { Clock, Messenger, OutgoingMessage } from '../src/app/ports.js';
import { DELIVERIES, type Delivery, deliveryFields } from '../src/jobs/messengers.js';
import type { Log } from '../src/log.js';
import { isPersonal, type ConversationStore, type StoredConversation } from './conversations.js';

const systemClock: Clock = { now: () => new Date() };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Settings

export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

export interface TeamsSettings {
  /** Where new 1:1 chats are created; else the service URL of the latest stored reference, else DEFAULT_SERVICE_URL. */
  serviceUrl?: string;
  /** The tenant new 1:1 chats are created in; else the tenant of the latest stored reference. */
  tenantId?: string;
  appPerSecond: number;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

const teamsEnv = z.object({
  TEAMS_SERVICE_URL: z.preprocess(
    blank,
    z.url({ protocol: /^https?$/, message: 'expected the Bot Connector service URL for your region, such as https://smba.trafficmanager.net/uk/' }).optional(),
  ),
  TEAMS_TENANT_ID: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected the Microsoft Entra tenant id, a GUID')
      .optional(),
  ),
  MicrosoftAppTenantId: z.preprocess(blank, z.string().optional()),
  TEAMS_APP_RATE_PER_SECOND: z.preprocess(
    blank,
    z
      .string()
      .regex(/^\d+$/, 'expected a whole number of requests per second from 1 to 1000 (Teams allows 50 per app and tenant)')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1000, 'expected a whole number of requests per second from 1 to 1000 (Teams allows 50 per app and tenant)')
      .optional(),
  ),
});

/** TEAMS_SERVICE_URL, TEAMS_TENANT_ID (or MicrosoftAppTenantId), TEAMS_APP_RATE_PER_SECOND (default 50). */
export function loadTeamsSettings(env: NodeJS.ProcessEnv = process.env): TeamsSettings {
  const e = parseEnv(teamsEnv, env);
  const tenantId = e.TEAMS_TENANT_ID ?? (e.MicrosoftAppTenantId && /^[0-9a-f-]{36}$/i.test(e.MicrosoftAppTenantId) ? e.MicrosoftAppTenantId : undefined);
  return {
    ...(e.TEAMS_SERVICE_URL ? { serviceUrl: e.TEAMS_SERVICE_URL.endsWith('/') ? e.TEAMS_SERVICE_URL : `${e.TEAMS_SERVICE_URL}/` } : {}),
    ...(tenantId ? { tenantId } : {}),
    appPerSecond: e.TEAMS_APP_RATE_PER_SECOND ?? 50,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

export type TeamsDeliveryErrorCode =
  /** A letter or calendar item was handed to Teams. */
  | 'NOT_FOR_TEAMS'
  /** The stored reference is a channel or group chat. */
  | 'NOT_PERSONAL'
  /** No tenant is known to create a chat in. */
  | 'NO_ROUTE'
  /** Teams refused to create or use the chat (the app is not installed for the person, or blocked). */
  | 'NOT_INSTALLED'
  /** Throttled or failing after every attempt, or told to wait longer than we will. */
  | 'UNAVAILABLE'
  /** Another worker holds a recent claim on this key. */
  | 'IN_PROGRESS'
  /** Any other refusal by the connector. */
  | 'REJECTED';

export class TeamsDeliveryError extends Error {
  override readonly name = 'TeamsDeliveryError';
  constructor(
    readonly code: TeamsDeliveryErrorCode,
    message: string,
    /** Would trying again later help? */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limits

export interface Window {
  limit: number;
  ms: number;
}

export interface SendLimits {
  perConversation: Window[];
  perApp: Window[];
  /** Added to every window, so that requests arriving a little late at Teams still fit. */
  marginMs: number;
}

/** Teams' documented limits for a bot in one conversation, and its global limit per app and tenant. */
export const TEAMS_LIMITS: SendLimits = {
  perConversation: [
    { limit: 7, ms: 1000 },
    { limit: 8, ms: 2000 },
    { limit: 60, ms: 30_000 },
    { limit: 1800, ms: 3_600_000 },
  ],
  perApp: [{ limit: 50, ms: 1000 }],
  // A whole second's allowance leaves at once, and requests reach Teams up to ~30 ms apart (measured by
  // the bench: 58 arrivals in one second with a 25 ms margin); 100 ms keeps every second within the limit.
  marginMs: 100,
};

/** Sliding-window limits per key; `acquire` waits until every window of every key has room, then takes it. */
export class SendLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly blocked = new Map<string, number>();
  private readonly longest: number;

  constructor(
    private readonly windowsFor: (key: string) => Window[],
    /** Every window in use: the longest says how much history to keep. */
    windows: Window[],
    private readonly marginMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.longest = Math.max(1000, ...windows.map((w) => w.ms));
  }

  /** How long until a request under all these keys may go (0: now). */
  waitFor(keys: string[]): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      wait = Math.max(wait, (this.blocked.get(key) ?? 0) - now);
      const times = this.sent.get(key);
      if (!times) continue;
      for (const w of this.windowsFor(key)) {
        const span = w.ms + this.marginMs;
        let first = times.length;
        while (first > 0 && times[first - 1]! > now - span) first--;
        const inWindow = times.length - first;
        if (inWindow >= w.limit) wait = Math.max(wait, times[times.length - w.limit]! + span - now);
      }
    }
    return wait;
  }

  async acquire(keys: string[]): Promise<void> {
    for (;;) {
      const wait = this.waitFor(keys);
      if (wait <= 0) break;
      await sleep(Math.ceil(wait));
    }
    const now = this.now();
    for (const key of keys) {
      const times = this.sent.get(key) ?? [];
      times.push(now);
      const keepAfter = now - this.longest - this.marginMs;
      let drop = 0;
      while (drop < times.length && times[drop]! <= keepAfter) drop++;
      if (drop) times.splice(0, drop);
      this.sent.set(key, times);
    }
    if (this.sent.size > 10_000) this.sweep(now);
  }

  /** Nothing goes under `key` for `ms` (after a 429 with Retry-After). */
  pause(key: string, ms: number): void {
    this.blocked.set(key, Math.max(this.blocked.get(key) ?? 0, this.now() + ms));
  }

  private sweep(now: number): void {
    for (const [key, times] of this.sent) if (!times.length || times[times.length - 1]! < now - this.longest - this.marginMs) this.sent.delete(key);
    for (const [key, until] of this.blocked) if (until < now) this.blocked.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// The delivery ledger

export type Claim = { state: 'claimed'; token: string } | { state: 'delivered'; at?: Date } | { state: 'busy' };

/** Remembers which message keys went out, so that none goes twice. */
export interface DeliveryLedger {
  /** Claims the key for sending now, unless it was delivered or another sender holds a claim younger than `staleMs`. */
  claim(message: OutgoingMessage, now: Date, staleMs: number): Promise<Claim>;
  /** Marks the claimed key delivered. */
  delivered(key: string, token: string, at: Date, details: { conversationId?: string; activityId?: string; attempts: number }): Promise<void>;
  /** Gives the claim up after a failed send, so that a later try may send. */
  release(key: string, token: string): Promise<void>;
}

/** A delivery as the `deliveries` collection keeps it: ids and the template, never content. */
export interface TeamsDelivery extends Omit<Delivery, 'deliveredAt'> {
  deliveredAt?: Date;
  transport: 'teams';
  status: 'sending' | 'delivered';
  claimedAt: Date;
  claimToken?: string;
  conversationId?: string;
  activityId?: string;
  attempts?: number;
}

function deliveryOf(message: OutgoingMessage, now: Date, token: string): TeamsDelivery {
  return {
    ...deliveryFields(message),
    transport: 'teams',
    status: 'sending',
    claimedAt: now,
    claimToken: token,
  };
}

export class MemoryDeliveryLedger implements DeliveryLedger {
  readonly records = new Map<string, TeamsDelivery>();

  async claim(message: OutgoingMessage, now: Date, staleMs: number): Promise<Claim> {
    const existing = this.records.get(message.key);
    if (existing?.deliveredAt) return { state: 'delivered', at: existing.deliveredAt };
    if (existing && existing.claimedAt.getTime() > now.getTime() - staleMs) return { state: 'busy' };
    const token = randomUUID();
    this.records.set(message.key, deliveryOf(message, now, token));
    return { state: 'claimed', token };
  }

  async delivered(key: string, token: string, at: Date, details: { conversationId?: string; activityId?: string; attempts: number }): Promise<void> {
    const r = this.records.get(key);
    if (!r || r.claimToken !== token) return;
    const { claimToken: _t, ...rest } = r;
    this.records.set(key, { ...rest, status: 'delivered', deliveredAt: at, ...details });
  }

  async release(key: string, token: string): Promise<void> {
    const r = this.records.get(key);
    if (r && r.claimToken === token && !r.deliveredAt) this.records.delete(key);
  }
}

export class MongoDeliveryLedger implements DeliveryLedger {
  private constructor(readonly deliveries: Collection<TeamsDelivery>) {}

  /** Uses the `deliveries` collection and its unique index on `key` (created if missing). */
  static async create(db: Db): Promise<MongoDeliveryLedger> {
    const deliveries = db.collection<TeamsDelivery>(DELIVERIES);
    await deliveries.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
    return new MongoDeliveryLedger(deliveries);
  }

  async claim(message: OutgoingMessage, now: Date, staleMs: number): Promise<Claim> {
    for (let i = 0; i < 3; i++) {
      const token = randomUUID();
      try {
        await this.deliveries.insertOne(deliveryOf(message, now, token));
        return { state: 'claimed', token };
      } catch (e) {
        if ((e as { code?: number }).code !== 11000) throw e;
      }
      const doc = await this.deliveries.findOne({ key: message.key });
      if (!doc) continue; // released meanwhile: try to claim again
      if (doc.deliveredAt) return { state: 'delivered', at: doc.deliveredAt };
      if (new Date(doc.claimedAt).getTime() > now.getTime() - staleMs) return { state: 'busy' };
      const taken = await this.deliveries.updateOne(
        { key: message.key, claimToken: doc.claimToken, deliveredAt: { $exists: false } },
        { $set: { claimedAt: now, claimToken: token, status: 'sending' } },
      );
      if (taken.modifiedCount === 1) return { state: 'claimed', token };
    }
    return { state: 'busy' };
  }

  async delivered(key: string, token: string, at: Date, details: { conversationId?: string; activityId?: string; attempts: number }): Promise<void> {
    await this.deliveries.updateOne({ key, claimToken: token }, { $set: { status: 'delivered', deliveredAt: at, ...details }, $unset: { claimToken: '' } });
  }

  async release(key: string, token: string): Promise<void> {
    await this.deliveries.deleteOne({ key, claimToken: token, deliveredAt: { $exists: false } });
  }
}

// ---------------------------------------------------------------------------------------------
// The messenger

/** What the messenger needs of botbuilder's CloudAdapter (bot/server.ts createBotAdapter makes one). */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  createConversationAsync(
    botAppId: string,
    channelId: string,
    serviceUrl: string,
    audience: string,
    conversationParameters: ConversationParameters,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
}

export interface RetryPolicy {
  /** Attempts per connector call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for in the send: it fails, and the outbox tries again later. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
/** A claim older than this was left by a crashed sender (a send takes at most a few minutes). */
export const DELIVERY_STALE_MS = 10 * 60_000;

export interface TeamsMessengerOptions {
  adapter: ProactiveAdapter;
  /** The bot's app id; empty in unauthenticated local mode. */
  appId: string;
  conversations: ConversationStore;
  deliveries: DeliveryLedger;
  /** The activity (usually an Adaptive Card) for a message. */
  toActivity: (message: OutgoingMessage) => Partial<Activity> | Promise<Partial<Activity>>;
  log: Log;
  settings?: Partial<TeamsSettings>;
  limits?: Partial<SendLimits>;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  staleMs?: number;
}

const RETRYABLE_STATUS = new Set([408, 412, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set(['REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND', 'UND_ERR_SOCKET']);

interface ConnectorFailure {
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
}

function failureOf(e: unknown): ConnectorFailure {
  const err = e as { statusCode?: number; code?: string; response?: { status?: number; headers?: { get?(name: string): string | undefined | null } } };
  const status = err?.statusCode ?? err?.response?.status;
  if (typeof status === 'number') {
    const retryAfterMs = retryAfter(err.response?.headers);
    return { status, retryable: RETRYABLE_STATUS.has(status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { retryable: typeof err?.code === 'string' && NETWORK_CODES.has(err.code) };
}

/** Retry-After in seconds or as an HTTP date (and the millisecond variants some Azure services send). */
export function retryAfter(headers: { get?(name: string): string | undefined | null } | undefined, now = Date.now()): number | undefined {
  const get = (n: string) => headers?.get?.(n) ?? undefined;
  const ms = get('retry-after-ms') ?? get('x-ms-retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class TeamsMessenger implements Messenger {
  private readonly limiter: SendLimiter;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly settings: Partial<TeamsSettings>;
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly staleMs: number;

  constructor(private readonly opts: TeamsMessengerOptions) {
    this.settings = opts.settings ?? {};
    const limits: SendLimits = {
      ...TEAMS_LIMITS,
      ...(this.settings.appPerSecond ? { perApp: [{ limit: this.settings.appPerSecond, ms: 1000 }] } : {}),
      ...opts.limits,
    };
    this.limiter = new SendLimiter(
      (key) => (key === APP ? limits.perApp : limits.perConversation),
      [...limits.perApp, ...limits.perConversation],
      limits.marginMs,
    );
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.clock = opts.clock ?? systemClock;
    this.staleMs = opts.staleMs ?? DELIVERY_STALE_MS;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const ids = { key: message.key, to: message.to, template: message.template, caseId: message.caseId, schoolId: message.schoolId };
    if (message.kind !== 'message') {
      throw new TeamsDeliveryError(
        'NOT_FOR_TEAMS',
        `A ${message.kind} cannot be sent through Teams: Teams carries only messages to staff (letters go by mail, calendar requests to calendars).`,
        false,
      );
    }
    if (!message.to || message.to === 'complainant') {
      throw new TeamsDeliveryError('NOT_FOR_TEAMS', 'A Teams message needs the directory id of a member of staff to send it to.', false);
    }
    const claim = await this.opts.deliveries.claim(message, this.clock.now(), this.staleMs);
    if (claim.state === 'delivered') {
      this.opts.log.info({ event: 'message_already_delivered', ...ids }, 'message already delivered; not sent again');
      return;
    }
    if (claim.state === 'busy') {
      throw new TeamsDeliveryError('IN_PROGRESS', 'This message is being sent by another worker just now; it will be checked again later.', true);
    }
    let sent: { conversationId: string; activityId?: string; attempts: number };
    try {
      sent = await this.inLane(message.to, () => this.deliver(message));
    } catch (e) {
      await this.opts.deliveries
        .release(message.key, claim.token)
        .catch((err) => this.opts.log.error({ event: 'delivery_release_failed', ...ids, err }, 'could not release a delivery claim'));
      const err = e as TeamsDeliveryError;
      this.opts.log.warn(
        { event: 'teams_send_failed', ...ids, code: err.code, status: err.status, retryable: err.retryable, error: err.message },
        'Teams message not delivered',
      );
      throw e;
    }
    // The message is out: failing to record it must not make the outbox send it again now.
    for (let i = 0; ; i++) {
      try {
        await this.opts.deliveries.delivered(message.key, claim.token, this.clock.now(), sent);
        break;
      } catch (err) {
        if (i >= 2) {
          this.opts.log.error({ event: 'delivery_record_failed', ...ids, err }, 'message delivered but its delivery could not be recorded');
          break;
        }
        await sleep(200 * (i + 1));
      }
    }
    this.opts.log.info(
      { event: 'message_delivered', transport: 'teams', ...ids, conversationId: sent.conversationId, attempts: sent.attempts },
      `message ${message.template} delivered in Teams to ${message.to}`,
    );
  }

  /** Runs `work` after everything queued before it for the same person: messages arrive in order. */
  private inLane<T>(person: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(person) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.lanes.set(person, tail);
    void tail.then(() => {
      if (this.lanes.get(person) === tail) this.lanes.delete(person);
    });
    return result;
  }

  private async deliver(message: OutgoingMessage): Promise<{ conversationId: string; activityId?: string; attempts: number }> {
    let activity: Partial<Activity>;
    try {
      activity = { ...(await this.opts.toActivity(message)) };
    } catch (e) {
      throw new TeamsDeliveryError('REJECTED', `The message could not be made into a Teams message: ${e instanceof Error ? e.message : String(e)}`, false);
    }
    for (const field of ['id', 'replyToId', 'conversation', 'serviceUrl', 'channelId', 'from', 'recipient'] as const) delete activity[field];
    activity.type ??= 'message';

    let attempts = 0;
    let stored = await this.opts.conversations.get(message.to);
    let created = false;
    if (stored && !isPersonal(stored.reference)) {
      throw new TeamsDeliveryError(
        'NOT_PERSONAL',
        'The stored Teams conversation for this person is not a 1:1 chat with the bot; nothing is sent to channels or group chats.',
        false,
      );
    }
    if (!stored) {
      const made = await this.createConversation(message);
      stored = made.stored;
      attempts += made.attempts;
      created = true;
    }
    for (;;) {
      const reference = stored.reference;
      try {
        const sent = await this.withRetries(message, conversationKey(reference), async () => {
          let activityId: string | undefined;
          let failure: unknown;
          await this.opts.adapter.continueConversationAsync(this.opts.appId, reference, async (context) => {
            // Post to the conversation, not as a reply to the continuation event.
            delete (context.activity as Partial<Activity>).id;
            try {
              activityId = (await context.sendActivity(activity))?.id;
            } catch (e) {
              // Caught here, not by the adapter's onTurnError (which would answer the person with an apology).
              failure = e;
            }
          });
          if (failure) throw failure;
          return activityId;
        });
        attempts += sent.attempts;
        return { conversationId: reference.conversation!.id, ...(sent.value ? { activityId: sent.value } : {}), attempts };
      } catch (e) {
        // The chat is gone (404): forget it and start a new one, once.
        if (e instanceof TeamsDeliveryError && e.status === 404 && !created) {
          await this.opts.conversations.remove(stored.aadObjectId, stored.tenantId);
          this.opts.log.info(
            { event: 'conversation_gone', key: message.key, to: message.to, conversationId: reference.conversation?.id },
            'stored conversation no longer exists; creating a new one',
          );
          const made = await this.createConversation(message);
          stored = made.stored;
          attempts += made.attempts;
          created = true;
          continue;
        }
        throw e;
      }
    }
  }

  /** Opens a 1:1 chat with someone the bot has not talked to, and stores its reference. */
  private async createConversation(message: OutgoingMessage): Promise<{ stored: StoredConversation; attempts: number }> {
    const latest = await this.opts.conversations.latest(this.settings.tenantId);
    const tenantId = this.settings.tenantId ?? latest?.tenantId;
    if (!tenantId) {
      throw new TeamsDeliveryError(
        'NO_ROUTE',
        'Nobody has opened the complaints bot in Teams yet and no tenant is configured (TEAMS_TENANT_ID), so a chat with this person cannot be started.',
        true,
      );
    }
    const serviceUrl = this.settings.serviceUrl ?? latest?.reference.serviceUrl ?? DEFAULT_SERVICE_URL;
    const bot = latest?.reference.bot ?? { id: this.opts.appId ? `28:${this.opts.appId}` : '', name: '' };
    const parameters = {
      isGroup: false,
      bot,
      members: [{ id: message.to, name: '' }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    } as ConversationParameters;
    const made = await this.withRetries(message, `person:${message.to}`, async () => {
      let reference: Partial<ConversationReference> | undefined;
      // No audience: botbuilder then uses its default for the channel (the public cloud's https://api.botframework.com).
      await this.opts.adapter.createConversationAsync(this.opts.appId, 'msteams', serviceUrl, undefined as unknown as string, parameters, async (context) => {
        const { activityId: _a, ...ref } = TurnContext.getConversationReference(context.activity);
        reference = ref;
      });
      return reference;
    });
    const created = made.value;
    if (!created?.conversation?.id) throw new TeamsDeliveryError('REJECTED', 'Teams did not return the new conversation.', true);
    const stored: StoredConversation = {
      aadObjectId: message.to,
      tenantId,
      reference: {
        channelId: 'msteams',
        serviceUrl,
        conversation: { id: created.conversation.id, conversationType: 'personal', tenantId, isGroup: false, name: '' },
        bot: { id: bot.id, name: bot.name ?? '' },
        user: { id: message.to, name: '', aadObjectId: message.to },
      },
      updatedAt: this.clock.now(),
    };
    await this.opts.conversations.save(stored);
    this.opts.log.info(
      { event: 'conversation_created', key: message.key, to: message.to, tenantId, conversationId: created.conversation.id },
      'started a 1:1 chat with a person the bot had not talked to',
    );
    return { stored, attempts: made.attempts };
  }

  /** One connector call under the rate limits, retried on throttling and transient failures. */
  private async withRetries<T>(message: OutgoingMessage, key: string, call: () => Promise<T>): Promise<{ value: T; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      await this.limiter.acquire([key, APP]);
      try {
        return { value: await call(), attempts: attempt };
      } catch (e) {
        if (e instanceof TeamsDeliveryError) throw e;
        const f = failureOf(e);
        const ids = { key: message.key, to: message.to, status: f.status, attempt };
        if (!f.retryable) throw refusal(f, e);
        if (f.retryAfterMs !== undefined && f.retryAfterMs > this.retry.maxRetryAfterMs) {
          throw new TeamsDeliveryError(
            'UNAVAILABLE',
            `Teams asked us to wait ${Math.round(f.retryAfterMs / 1000)} seconds before sending again; the message will be tried again later.`,
            true,
            f.status,
          );
        }
        if (attempt >= this.retry.maxAttempts) {
          throw new TeamsDeliveryError(
            'UNAVAILABLE',
            `Teams did not accept the message after ${attempt} attempts (last answer: ${f.status ?? 'no connection'}); it will be tried again later.`,
            true,
            f.status,
          );
        }
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
        const delay = Math.ceil(f.retryAfterMs ?? backoff);
        if (f.status === 429) this.limiter.pause(key, delay);
        this.opts.log.warn(
          { event: 'teams_send_retry', ...ids, delayMs: delay, retryAfter: f.retryAfterMs !== undefined },
          `Teams answered ${f.status ?? 'nothing'}; trying again in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }
}

const APP = 'app';

function conversationKey(reference: Partial<ConversationReference>): string {
  return `conversation:${reference.serviceUrl ?? ''}|${reference.conversation?.id ?? ''}`;
}

function refusal(f: ConnectorFailure, e: unknown): TeamsDeliveryError {
  if (f.status === 403 || f.status === 401) {
    return new TeamsDeliveryError(
      'NOT_INSTALLED',
      'Teams refused to deliver to this person: the complaints app is probably not installed for them (an admin can pre-install it for staff), or they blocked the bot.',
      true,
      f.status,
    );
  }
  if (f.status === 404) return new TeamsDeliveryError('REJECTED', 'Teams no longer knows this conversation.', true, 404);
  const reason = e instanceof Error ? e.message : String(e);
  return new TeamsDeliveryError('REJECTED', `Teams refused the message (${f.status ?? 'no answer'}): ${reason}`, false, f.status);
}
