/**
 * The one way into Microsoft Graph: typed functions over `@microsoft/microsoft-graph-client`,
 * with app-only auth (OAuth 2.0 client credentials, a secret or a certificate).
 *
 * - The token comes from `{authorityUrl}/{tenantId}/oauth2/v2.0/token` with the scope
 *   https://graph.microsoft.com/.default and is reused until shortly before it expires (5 minutes,
 *   or half its lifetime if shorter). A 401 from Graph with a cached token fetches a new one once.
 * - The client runs a custom middleware chain (one middleware: add the bearer token and fetch),
 *   so the SDK's own retry handler is not in the way and `fetch` and the base URL can be pointed at
 *   the local stand-in (test/graph/graphStandIn.ts).
 * - 429, 503 and 504 are retried honouring Retry-After (seconds or an HTTP date), else with
 *   exponential backoff, up to `retry.maxAttempts` attempts; a Retry-After above
 *   `retry.maxRetryAfterMs` gives up at once. Then the error says "Microsoft 365 is busy".
 *   Network failures are retried only where repeating the request is harmless (reads, and event
 *   creation, which carries a transactionId); a mail is never re-sent after a network failure.
 * - getUsers uses JSON batching ($batch, at most 20 requests each); throttled inner requests are
 *   sent again in a later batch after the longest Retry-After among them.
 * - getSchedule asks for at most 20 schedules per call and refuses a window of 62 days or more.
 * - findEventByTransactionId reads the organiser's calendarView over the event's time (Graph
 *   "List calendarView": startDateTime/endDateTime, $select with transactionId, $top, paging by
 *   @odata.nextLink) and picks the event by its transactionId: finding an event never makes one.
 * - Times go to Graph in UTC ({dateTime, timeZone: "UTC"}) and come back as Dates.
 *
 * Logs carry the operation, status and attempt, never addresses or content.
 */
import { createHash, createPrivateKey, randomUUID, sign, constants as cryptoConstants, X509Certificate } from 'node:crypto';
import { Client, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { Log } from '../log.js';
import type { GraphCertificate } from './config.js';
import { DEFAULT_AUTHORITY_URL, DEFAULT_GRAPH_BASE_URL } from './config.js';
import { busyError, fromGraphResponse, GraphError, networkError, type GraphOperation } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Types

export interface DirectoryUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
  accountEnabled: boolean;
}

export interface Recipient {
  name: string;
  address: string;
}

export interface Attendee extends Recipient {
  /** Default "required". */
  type?: 'required' | 'optional';
}

export interface NewEvent {
  subject: string;
  /** HTML body of the invitation (the case reference, never complaint details). */
  html: string;
  start: Date;
  end: Date;
  attendees: Attendee[];
  /** A Teams meeting (isOnlineMeeting, provider teamsForBusiness). */
  online: boolean;
  /** The venue, shown as the event's location. */
  location?: string;
}

/**
 * What a move changes. Never the body: replacing the body of an online meeting without its
 * meeting blob disables the Teams meeting (Graph "Update event", notes on the body property).
 * Never `online`: once an event is an online meeting Outlook ignores changes to isOnlineMeeting,
 * so a hearing that stops being online is a new event (src/graph/hearingCalendar.ts).
 */
export type EventChanges = Partial<Pick<NewEvent, 'start' | 'end' | 'attendees' | 'location'>>;

export type ResponseStatus = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

export interface AttendeeResponse extends Recipient {
  type: string;
  response: ResponseStatus;
  /** When they responded, if they have. */
  respondedAt: Date | null;
}

export interface CalendarEvent {
  id: string;
  subject: string;
  start: Date;
  end: Date;
  isCancelled: boolean;
  isOnlineMeeting: boolean;
  joinUrl: string | null;
  webLink: string | null;
  location: string | null;
  transactionId: string | null;
  attendees: AttendeeResponse[];
}

export type FreeBusyStatus = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';

export interface Schedule {
  /** The email address asked about. */
  scheduleId: string;
  /** One digit per interval: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
  availabilityView: string;
  items: Array<{ status: FreeBusyStatus; start: Date; end: Date }>;
  /** Set when Graph could not read this person's calendar (e.g. not a mailbox). */
  error: string | null;
}

export interface Mail {
  subject: string;
  html: string;
  to: Recipient[];
}

export interface GraphGateway {
  /** A person by directory id, UPN or email address. Throws "... not found in the directory". */
  getUser(idOrUpnOrEmail: string): Promise<DirectoryUser>;
  /** The person's manager, or null when they have none. */
  getManager(id: string): Promise<DirectoryUser | null>;
  /** Many people by directory id (or UPN) through $batch; null for those not in the directory. */
  getUsers(ids: string[]): Promise<Map<string, DirectoryUser | null>>;
  getSchedule(organiser: string, emails: string[], start: Date, end: Date, intervalMinutes: number): Promise<Schedule[]>;
  /** Creates the event in the organiser's calendar; the same transactionId never creates a second one. */
  createEvent(organiser: string, event: NewEvent, transactionId: string): Promise<CalendarEvent>;
  /** Moves the event: start, end, attendees and location only (see EventChanges). */
  updateEvent(organiser: string, eventId: string, changes: EventChanges): Promise<CalendarEvent>;
  /** Cancels the event and sends the comment to the attendees (organiser only). */
  cancelEvent(organiser: string, eventId: string, comment: string): Promise<void>;
  /** The event with attendee responses. */
  getEvent(organiser: string, eventId: string): Promise<CalendarEvent>;
  /**
   * The event of the organiser's calendar between `start` and `end` whose transactionId is the
   * one given, or null when there is none (read only: nothing is made, nobody is invited).
   */
  findEventByTransactionId(organiser: string, start: Date, end: Date, transactionId: string): Promise<CalendarEvent | null>;
  /** Sends an HTML mail from the mailbox (kept in its Sent Items). */
  sendMail(mailbox: string, mail: Mail): Promise<void>;
}

export interface RetryOptions {
  /** Attempts in all, including the first (default 4). */
  maxAttempts?: number;
  /** A Retry-After longer than this gives up at once (default 60 s). */
  maxRetryAfterMs?: number;
  /** First backoff without Retry-After, doubled each time (default 1 s). */
  baseDelayMs?: number;
}

export interface GraphGatewayOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: GraphCertificate;
  /** Default https://graph.microsoft.com/v1.0. */
  baseUrl?: string;
  /** Default https://login.microsoftonline.com. */
  authorityUrl?: string;
  log: Log;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Waits between attempts (tests record them instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const MAX_BATCH = 20;
export const MAX_SCHEDULES_PER_CALL = 20;
export const MAX_SCHEDULE_DAYS = 62;
/** Events asked for per calendarView page, and the pages read before giving up the search. */
export const CALENDAR_VIEW_PAGE = 50;
export const CALENDAR_VIEW_MAX_PAGES = 20;

const USER_FIELDS = 'id,displayName,mail,userPrincipalName,accountEnabled';
const EVENT_FIELDS = 'id,subject,start,end,isCancelled,isOnlineMeeting,onlineMeeting,webLink,location,transactionId,attendees';

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Token

interface CachedToken {
  value: string;
  refreshAt: number;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A client assertion (private_key_jwt) signed PS256 with the certificate's key, per Microsoft identity platform certificate credentials. */
export function clientAssertion(cert: GraphCertificate, clientId: string, audience: string, nowMs: number): string {
  const der = new X509Certificate(cert.certificatePem).raw;
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': base64url(createHash('sha256').update(der).digest()) };
  const now = Math.floor(nowMs / 1000);
  const claims = { aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + 600 };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const key = createPrivateKey({ key: cert.privateKeyPem, ...(cert.passphrase ? { passphrase: cert.passphrase } : {}) });
  const signature = sign('sha256', Buffer.from(input), { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return `${input}.${base64url(signature)}`;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** "2026-03-02T09:00:00" (UTC, no offset) for dateTimeTimeZone. */
function utcDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '');
}

/** Parses a dateTimeTimeZone answered in UTC ("2019-03-15T12:00:00.0000000"). */
function parseUtc(dt: { dateTime?: string; timeZone?: string } | undefined): Date {
  const s = (dt?.dateTime ?? '').replace(/(\.\d{3})\d*$/, '$1');
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** Retry-After in ms from a header value: seconds, or an HTTP date. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? rec[key] : undefined;
}

function toUser(u: Record<string, unknown>): DirectoryUser {
  return {
    id: String(u.id),
    displayName: String(u.displayName ?? ''),
    mail: typeof u.mail === 'string' ? u.mail : null,
    userPrincipalName: String(u.userPrincipalName ?? ''),
    accountEnabled: u.accountEnabled !== false,
  };
}

interface GraphEventBody {
  id: string;
  subject?: string;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  isCancelled?: boolean;
  isOnlineMeeting?: boolean;
  onlineMeeting?: { joinUrl?: string } | null;
  webLink?: string;
  location?: { displayName?: string } | null;
  transactionId?: string | null;
  attendees?: Array<{ type?: string; emailAddress?: { name?: string; address?: string }; status?: { response?: string; time?: string } }>;
}

const NEVER = '0001-01-01T00:00:00';

function toEvent(e: GraphEventBody): CalendarEvent {
  return {
    id: e.id,
    subject: e.subject ?? '',
    start: parseUtc(e.start),
    end: parseUtc(e.end),
    isCancelled: e.isCancelled === true,
    isOnlineMeeting: e.isOnlineMeeting === true,
    joinUrl: e.onlineMeeting?.joinUrl ?? null,
    webLink: e.webLink ?? null,
    location: e.location?.displayName || null,
    transactionId: e.transactionId ?? null,
    attendees: (e.attendees ?? []).map((a) => ({
      name: a.emailAddress?.name ?? '',
      address: a.emailAddress?.address ?? '',
      type: a.type ?? 'required',
      response: (a.status?.response ?? 'none') as ResponseStatus,
      respondedAt: a.status?.time && !a.status.time.startsWith(NEVER) ? new Date(a.status.time) : null,
    })),
  };
}

function eventBody(e: EventChanges & Partial<Pick<NewEvent, 'subject' | 'html' | 'online'>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (e.subject !== undefined) body.subject = e.subject;
  if (e.html !== undefined) body.body = { contentType: 'HTML', content: e.html };
  if (e.start) body.start = { dateTime: utcDateTime(e.start), timeZone: 'UTC' };
  if (e.end) body.end = { dateTime: utcDateTime(e.end), timeZone: 'UTC' };
  if (e.location !== undefined) body.location = { displayName: e.location };
  if (e.attendees) body.attendees = e.attendees.map((a) => ({ emailAddress: { address: a.address, name: a.name }, type: a.type ?? 'required' }));
  if (e.online !== undefined) {
    body.isOnlineMeeting = e.online;
    if (e.online) body.onlineMeetingProvider = 'teamsForBusiness';
  }
  return body;
}

/** What the SDK throws for a non-2xx answer or a network failure (its own GraphError). */
interface SdkError {
  statusCode?: number;
  code?: string | null;
  message?: string;
  headers?: Headers;
}

// ---------------------------------------------------------------------------------------------
// The gateway

export function createGraphGateway(opts: GraphGatewayOptions): GraphGateway {
  if (!opts.clientSecret && !opts.certificate) throw new Error('createGraphGateway: a clientSecret or a certificate is required');
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const log = opts.log;
  const maxAttempts = Math.max(1, opts.retry?.maxAttempts ?? 4);
  const maxRetryAfterMs = opts.retry?.maxRetryAfterMs ?? 60_000;
  const baseDelayMs = opts.retry?.baseDelayMs ?? 1000;
  const authority = (opts.authorityUrl ?? DEFAULT_AUTHORITY_URL).replace(/\/+$/, '');
  const tokenUrl = `${authority}/${encodeURIComponent(opts.tenantId)}/oauth2/v2.0/token`;

  // ---- token
  let cached: CachedToken | undefined;
  let pending: Promise<string> | undefined;

  async function requestToken(): Promise<string> {
    const form = new URLSearchParams({ client_id: opts.clientId, scope: GRAPH_SCOPE, grant_type: 'client_credentials' });
    if (opts.clientSecret) form.set('client_secret', opts.clientSecret);
    else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', clientAssertion(opts.certificate!, opts.clientId, tokenUrl, now()));
    }
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetchFn(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      } catch (err) {
        if (attempt < maxAttempts) {
          await sleep(backoff(attempt));
          continue;
        }
        throw new GraphError('failed', `Could not reach Microsoft Entra (${authority}) for a token: ${(err as Error).message}`, true);
      }
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        /* not JSON */
      }
      if (res.ok && typeof body.access_token === 'string') {
        const lifetime = Number(body.expires_in ?? 3599) * 1000;
        cached = { value: body.access_token, refreshAt: now() + lifetime - Math.min(300_000, lifetime / 2) };
        log.debug({ graph: 'token', expiresInS: Math.round(lifetime / 1000) }, 'graph token acquired');
        return body.access_token;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < maxAttempts) {
        const wait = retryAfterMs(res.headers.get('Retry-After'), now()) ?? backoff(attempt);
        if (wait <= maxRetryAfterMs) {
          await sleep(wait);
          continue;
        }
      }
      const code = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
      const desc = typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : '';
      if (res.status === 429 || res.status >= 500) {
        throw new GraphError(
          'busy',
          `Microsoft 365 is busy: Microsoft Entra did not issue a token (${code}). Try again in a few minutes.`,
          true,
          undefined,
          res.status,
          code,
        );
      }
      throw new GraphError(
        'credentials',
        `Microsoft Entra refused the app's credentials (${code}${desc ? `: ${desc}` : ''}); check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and ${opts.clientSecret ? 'GRAPH_CLIENT_SECRET' : 'the certificate (GRAPH_CERTIFICATE_PATH) uploaded to the app registration'}`,
        false,
        undefined,
        res.status,
        code,
      );
    }
  }

  async function token(): Promise<string> {
    if (cached && now() < cached.refreshAt) return cached.value;
    pending ??= requestToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  function backoff(attempt: number): number {
    const exp = baseDelayMs * 2 ** (attempt - 1);
    return Math.min(maxRetryAfterMs, Math.round(exp * (0.8 + Math.random() * 0.4)));
  }

  // ---- client: one middleware that adds the token and fetches
  const auth: Middleware = {
    async execute(context: Context) {
      const value = await token();
      const headers = new Headers((context.options?.headers ?? {}) as ConstructorParameters<typeof Headers>[0]);
      headers.set('Authorization', `Bearer ${value}`);
      context.response = await fetchFn(context.request as string, { ...(context.options as RequestInit), headers });
    },
  };
  const base = new URL(opts.baseUrl ?? DEFAULT_GRAPH_BASE_URL);
  const parts = base.pathname.replace(/\/+$/, '').split('/');
  const version = parts.pop() || 'v1.0';
  const client = Client.initWithMiddleware({ middleware: auth, baseUrl: `${base.origin}${parts.join('/')}`, defaultVersion: version });

  interface Subject {
    person?: string;
    eventId?: string;
    mailbox?: string;
  }

  /** Runs one Graph call with the retry policy; maps failures to GraphError. */
  async function call<T>(op: GraphOperation, subject: Subject, send: () => Promise<T>, retryNetwork: boolean): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await token(); // outside the SDK, so that credential errors surface as they are
      try {
        return await send();
      } catch (raw) {
        if (raw instanceof GraphError) throw raw;
        const err = raw as SdkError;
        const status = typeof err.statusCode === 'number' ? err.statusCode : -1;
        const code = err.code ?? undefined;
        if (status === 429 || status === 503 || status === 504) {
          const ra = retryAfterMs(headerOf(err.headers, 'Retry-After'), now());
          if (attempt >= maxAttempts || (ra !== undefined && ra > maxRetryAfterMs)) {
            log.warn({ graph: op, status, attempt }, 'graph busy; giving up');
            throw busyError(op, status, code);
          }
          const wait = ra ?? backoff(attempt);
          log.warn({ graph: op, status, attempt, waitMs: wait }, 'graph throttled or unavailable; retrying');
          await sleep(wait);
          continue;
        }
        if (status === 401 && !refreshed) {
          // A token revoked or expired early: fetch a new one once.
          refreshed = true;
          cached = undefined;
          attempt--;
          continue;
        }
        if (status <= 0) {
          if (retryNetwork && attempt < maxAttempts) {
            const wait = backoff(attempt);
            log.warn({ graph: op, attempt, waitMs: wait }, 'graph unreachable; retrying');
            await sleep(wait);
            continue;
          }
          throw networkError(op, raw);
        }
        throw fromGraphResponse(op, status, code, err.message, subject);
      }
    }
  }

  // ---- directory

  async function getUser(idOrUpnOrEmail: string): Promise<DirectoryUser> {
    const who = idOrUpnOrEmail.trim();
    if (!who) throw new GraphError('invalid', 'A directory id, UPN or email address is required', false, 'getUser');
    try {
      const u = await call(
        'getUser',
        { person: who },
        () =>
          client
            .api(`/users/${seg(who)}`)
            .select(USER_FIELDS)
            .get() as Promise<Record<string, unknown>>,
        true,
      );
      return toUser(u);
    } catch (err) {
      // /users/{x} takes an id or a UPN; an email address that is not the UPN is found by mail.
      if (!(err instanceof GraphError && err.kind === 'notFound' && who.includes('@'))) throw err;
      const filter = `mail eq '${who.replace(/'/g, "''")}'`;
      const r = await call(
        'getUser',
        {},
        () => client.api('/users').filter(encodeURIComponent(filter)).select(USER_FIELDS).get() as Promise<{ value?: Array<Record<string, unknown>> }>,
        true,
      );
      const u = r.value?.[0];
      if (!u) throw err;
      return toUser(u);
    }
  }

  async function getManager(id: string): Promise<DirectoryUser | null> {
    try {
      const u = await call(
        'getManager',
        { person: id },
        () =>
          client
            .api(`/users/${seg(id)}/manager`)
            .select(USER_FIELDS)
            .get() as Promise<Record<string, unknown>>,
        true,
      );
      return toUser(u);
    } catch (err) {
      if (!(err instanceof GraphError && err.kind === 'notFound')) throw err;
      // 404 means no manager, or no such person: tell them apart.
      await getUser(id);
      return null;
    }
  }

  interface BatchResponse {
    id: string;
    status: number;
    headers?: Record<string, string>;
    body?: { error?: { code?: string; message?: string } } & Record<string, unknown>;
  }

  async function getUsers(ids: string[]): Promise<Map<string, DirectoryUser | null>> {
    const result = new Map<string, DirectoryUser | null>();
    const unique = [...new Set(ids.map((i) => i.trim()).filter(Boolean))];
    for (let i = 0; i < unique.length; i += MAX_BATCH) {
      let todo = unique.slice(i, i + MAX_BATCH).map((who, n) => ({ id: String(n + 1), who }));
      for (let round = 1; todo.length > 0; round++) {
        const requests = todo.map((t) => ({ id: t.id, method: 'GET', url: `/users/${seg(t.who)}?$select=${USER_FIELDS}` }));
        const answer = await call('getUsers', {}, () => client.api('/$batch').post({ requests }) as Promise<{ responses?: BatchResponse[] }>, true);
        const byId = new Map((answer.responses ?? []).map((r) => [String(r.id), r]));
        const again: typeof todo = [];
        let wait = 0;
        for (const t of todo) {
          const r = byId.get(t.id);
          if (!r) {
            again.push(t);
            continue;
          }
          if (r.status >= 200 && r.status < 300) result.set(t.who, toUser(r.body ?? {}));
          else if (r.status === 404) result.set(t.who, null);
          else if (r.status === 429 || r.status === 503 || r.status === 504) {
            again.push(t);
            const ra = retryAfterMs(headerOf(r.headers, 'Retry-After'), now());
            if (ra !== undefined && ra > maxRetryAfterMs) throw busyError('getUsers', r.status, r.body?.error?.code);
            wait = Math.max(wait, ra ?? backoff(round));
          } else throw fromGraphResponse('getUsers', r.status, r.body?.error?.code, r.body?.error?.message, {});
        }
        if (again.length > 0) {
          if (round >= maxAttempts) throw busyError('getUsers', 429);
          log.warn({ graph: 'getUsers', throttled: again.length, round, waitMs: wait }, 'graph batch: throttled requests retried');
          await sleep(wait);
        }
        todo = again;
      }
    }
    return result;
  }

  // ---- calendars

  async function getSchedule(organiser: string, emails: string[], start: Date, end: Date, intervalMinutes: number): Promise<Schedule[]> {
    if (!(end.getTime() > start.getTime())) throw new GraphError('invalid', 'The free/busy window must end after it starts', false, 'getSchedule');
    if (end.getTime() - start.getTime() >= MAX_SCHEDULE_DAYS * 86_400_000) {
      throw new GraphError(
        'invalid',
        `The free/busy window must be shorter than ${MAX_SCHEDULE_DAYS} days (Microsoft 365 refuses longer ones); ask for a shorter period`,
        false,
        'getSchedule',
      );
    }
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < 5 || intervalMinutes > 1440) {
      throw new GraphError('invalid', 'The free/busy interval must be a whole number of minutes from 5 to 1440', false, 'getSchedule');
    }
    const out: Schedule[] = [];
    for (let i = 0; i < emails.length; i += MAX_SCHEDULES_PER_CALL) {
      const schedules = emails.slice(i, i + MAX_SCHEDULES_PER_CALL);
      const body = {
        schedules,
        startTime: { dateTime: utcDateTime(start), timeZone: 'UTC' },
        endTime: { dateTime: utcDateTime(end), timeZone: 'UTC' },
        availabilityViewInterval: intervalMinutes,
      };
      const r = await call(
        'getSchedule',
        { mailbox: organiser },
        () =>
          client
            .api(`/users/${seg(organiser)}/calendar/getSchedule`)
            .header('Prefer', 'outlook.timezone="UTC"')
            .post(body) as Promise<{ value?: Array<Record<string, unknown>> }>,
        true,
      );
      for (const s of r.value ?? []) {
        const items = (s.scheduleItems as Array<{ status?: string; start?: { dateTime: string }; end?: { dateTime: string } }> | undefined) ?? [];
        const error = s.error as { message?: string; responseCode?: string } | undefined;
        out.push({
          scheduleId: String(s.scheduleId ?? ''),
          availabilityView: String(s.availabilityView ?? ''),
          items: items.map((it) => ({ status: (it.status ?? 'unknown') as FreeBusyStatus, start: parseUtc(it.start), end: parseUtc(it.end) })),
          error: error ? (error.message ?? error.responseCode ?? 'unavailable') : null,
        });
      }
    }
    return out;
  }

  async function createEvent(organiser: string, event: NewEvent, transactionId: string): Promise<CalendarEvent> {
    if (!transactionId) throw new GraphError('invalid', 'A transactionId is required so that a retry never creates a second event', false, 'createEvent');
    if (!(event.end.getTime() > event.start.getTime())) throw new GraphError('invalid', 'The event must end after it starts', false, 'createEvent');
    const body = { ...eventBody(event), transactionId };
    // Safe to repeat after a network failure: Graph returns the same event for the same transactionId.
    const e = await call(
      'createEvent',
      { mailbox: organiser },
      () => client.api(`/users/${seg(organiser)}/events`).post(body) as Promise<GraphEventBody>,
      true,
    );
    log.info({ graph: 'createEvent', eventId: e.id }, 'calendar event created');
    return toEvent(e);
  }

  async function updateEvent(organiser: string, eventId: string, changes: EventChanges): Promise<CalendarEvent> {
    // Only the fields a move may change, whatever the caller's object holds (see EventChanges).
    const { start, end, attendees, location } = changes;
    const body = eventBody({ start, end, attendees, location });
    const e = await call(
      'updateEvent',
      { mailbox: organiser, eventId },
      () => client.api(`/users/${seg(organiser)}/events/${seg(eventId)}`).patch(body) as Promise<GraphEventBody>,
      true,
    );
    return toEvent(e);
  }

  async function cancelEvent(organiser: string, eventId: string, comment: string): Promise<void> {
    // Not repeated after a network failure: a second cancel of a cancelled event is an error.
    await call(
      'cancelEvent',
      { mailbox: organiser, eventId },
      () => client.api(`/users/${seg(organiser)}/events/${seg(eventId)}/cancel`).post({ Comment: comment }) as Promise<unknown>,
      false,
    );
    log.info({ graph: 'cancelEvent', eventId }, 'calendar event cancelled');
  }

  async function getEvent(organiser: string, eventId: string): Promise<CalendarEvent> {
    const e = await call(
      'getEvent',
      { mailbox: organiser, eventId },
      () =>
        client
          .api(`/users/${seg(organiser)}/events/${seg(eventId)}`)
          .header('Prefer', 'outlook.timezone="UTC"')
          .select(EVENT_FIELDS)
          .get() as Promise<GraphEventBody>,
      true,
    );
    return toEvent(e);
  }

  async function findEventByTransactionId(organiser: string, start: Date, end: Date, transactionId: string): Promise<CalendarEvent | null> {
    if (!transactionId) throw new GraphError('invalid', 'A transactionId is required to find the event it made', false, 'findEvent');
    if (!(end.getTime() > start.getTime())) throw new GraphError('invalid', 'The time to search must end after it starts', false, 'findEvent');
    const first = () =>
      client
        .api(`/users/${seg(organiser)}/calendarView`)
        .query({ startDateTime: `${utcDateTime(start)}Z`, endDateTime: `${utcDateTime(end)}Z` })
        .select(EVENT_FIELDS)
        .top(CALENDAR_VIEW_PAGE);
    let path: string | undefined;
    for (let page = 1; page <= CALENDAR_VIEW_MAX_PAGES; page++) {
      const next = path;
      const r = await call(
        'findEvent',
        { mailbox: organiser },
        () =>
          (next ? client.api(next) : first()).header('Prefer', 'outlook.timezone="UTC"').get() as Promise<{
            value?: GraphEventBody[];
            '@odata.nextLink'?: string;
          }>,
        true,
      );
      const hit = (r.value ?? []).find((e) => e.transactionId === transactionId);
      if (hit) return toEvent(hit);
      path = nextPath(r['@odata.nextLink']);
      if (!path) return null;
    }
    // Not "nothing found": an event may sit beyond the pages read, so the caller must not assume it does not exist.
    log.warn({ graph: 'findEvent', pages: CALENDAR_VIEW_MAX_PAGES }, 'calendarView search stopped after the page limit');
    throw new GraphError(
      'failed',
      `The calendar of ${organiser} has more than ${CALENDAR_VIEW_MAX_PAGES * CALENDAR_VIEW_PAGE} events in that period, too many to search for the hearing's invitation; look for it in Outlook and cancel it there if it is still there`,
      false,
      'findEvent',
    );
  }

  /** The path and query of an @odata.nextLink, sent to our own base URL: the token never goes to a host a response names. */
  function nextPath(link: string | undefined): string | undefined {
    if (!link) return undefined;
    const u = new URL(link, base);
    const prefix = `${parts.join('/')}/${version}/`;
    const path = u.pathname.startsWith(prefix) ? u.pathname.slice(prefix.length - 1) : u.pathname;
    return `${path}${u.search}`;
  }

  // ---- mail

  async function sendMail(mailbox: string, mail: Mail): Promise<void> {
    if (mail.to.length === 0) throw new GraphError('invalid', 'A mail needs at least one recipient', false, 'sendMail');
    const body = {
      message: {
        subject: mail.subject,
        body: { contentType: 'HTML', content: mail.html },
        toRecipients: mail.to.map((r) => ({ emailAddress: { name: r.name, address: r.address } })),
      },
      saveToSentItems: true,
    };
    // 429/503 mean the mail was not accepted and are retried; after a network failure it may have been, so it is not.
    await call('sendMail', { mailbox }, () => client.api(`/users/${seg(mailbox)}/sendMail`).post(body) as Promise<unknown>, false);
    log.info({ graph: 'sendMail', recipients: mail.to.length }, 'mail sent');
  }

  return { getUser, getManager, getUsers, getSchedule, createEvent, updateEvent, cancelEvent, getEvent, findEventByTransactionId, sendMail };
}
