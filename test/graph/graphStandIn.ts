/**
 * A local stand-in for Microsoft Graph (and the Microsoft Entra token endpoint) on 127.0.0.1,
 * answering the calls src/graph/gateway.ts makes with Graph's documented shapes:
 *
 * - POST /{tenant}/oauth2/v2.0/token                     client credentials -> { token_type, expires_in, access_token }
 * - GET  /v1.0/users/{id|upn}                            a user ($select honoured); 404 Request_ResourceNotFound
 * - GET  /v1.0/users?$filter=mail eq '...'               { value: [user] }
 * - GET  /v1.0/users/{id}/manager                        the manager; 404 when none
 * - POST /v1.0/$batch                                    { requests: [{id, method, url}] } -> { responses: [{id, status, headers, body}] }
 * - POST /v1.0/users/{m}/calendar/getSchedule            { value: [scheduleInformation] }
 * - POST /v1.0/users/{m}/events                          201 event; the same transactionId returns the same event
 * - PATCH /v1.0/users/{m}/events/{id}                    200 event; a new `body` on an online meeting drops its Teams
 *                                                        meeting (joinUrl null), and isOnlineMeeting cannot be turned off
 * - POST /v1.0/users/{m}/events/{id}/cancel              202; the event is then cancelled (Graph moves it to Deleted Items,
 *                                                        so it leaves the calendarView; GET by id still answers, isCancelled)
 * - GET  /v1.0/users/{m}/events/{id}                     200 event with attendee responses
 * - GET  /v1.0/users/{m}/calendarView?startDateTime=&endDateTime=   { value, @odata.nextLink }: the mailbox's events that are
 *                                                        not cancelled and overlap the range, by start; $select and $top
 *                                                        (default 10) honoured, later pages by $skip in @odata.nextLink;
 *                                                        400 ErrorInvalidParameter without the two times
 * - POST /v1.0/users/{m}/sendMail                        202
 *
 * Errors have Graph's body { error: { code, message } }. Every request is recorded in `requests`
 * (method, path, query, headers, body, status); the inner requests of a $batch are in its body.
 * `failNext(n, { status: 429, retryAfter: 1 })` or `{ status: 503 }` makes the next n Graph calls
 * (or, with `inBatch: true`, the next n requests inside $batch bodies) answer that status instead;
 * 408, 409, 412 and 423 answer with Graph's codes for a timeout, a conflict, a failed precondition
 * and a locked item. `deny(pattern)` answers 403 to matching calls, like a missing permission or an
 * access policy, until `clearDenials()`.
 * `deleteEvent(id)` plays someone deleting the event in Outlook.
 * `standInGateway(standIn)` is the real gateway wired to it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphGateway, type GraphGateway, type GraphGatewayOptions } from '../../src/graph/gateway.js';
import { silentLogger } from '../../src/log.js';

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Decoded path, e.g. "/v1.0/users/ada@school.org.uk". */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  status: number;
}

export interface StandInUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
  accountEnabled?: boolean;
  managerId?: string;
}

export interface BusyItem {
  status: 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
  start: Date;
  end: Date;
}

interface Failure {
  left: number;
  status: number;
  retryAfter?: number;
  inBatch: boolean;
  match?: RegExp;
}

interface Denial {
  match: RegExp;
  status: number;
  code: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface StoredEvent {
  mailbox: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  event: Record<string, any>;
}

const NEVER = '0001-01-01T00:00:00Z';

export type FailStatus = 408 | 409 | 412 | 423 | 429 | 503 | 504;
/** Graph's error code and message for each status failNext can answer. */
const FAILURES: Record<FailStatus, [string, string]> = {
  408: ['RequestTimeout', 'The request timed out.'],
  409: [
    'ErrorIrresolvableConflict',
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  ],
  412: ['PreconditionFailed', 'The precondition given in the request header evaluated to false.'],
  423: ['ErrorItemLocked', 'The resource that is being accessed is locked.'],
  429: ['TooManyRequests', 'Too many requests. Please retry after some time.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry.'],
  504: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry.'],
};
const err = (status: number, code: string, message: string): Answer => ({
  status,
  body: { error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString().replace(/\.\d{3}Z$/, '') } } },
});

function parseUtc(dt: { dateTime: string; timeZone?: string }): Date {
  const s = dt.dateTime.replace(/(\.\d{3})\d*$/, '$1');
  return new Date(/[zZ]$/.test(s) ? s : `${s}Z`);
}

const graphDateTime = (d: Date) => ({ dateTime: d.toISOString().replace(/Z$/, '0000'), timeZone: 'UTC' });

export class GraphStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, StandInUser>();
  /** Events by id. */
  readonly events = new Map<string, StoredEvent>();
  /** Mail accepted by sendMail, in order. */
  readonly sentMail: Array<{ mailbox: string; message: Json; saveToSentItems?: boolean }> = [];
  readonly tokensIssued: string[] = [];
  private readonly busy = new Map<string, BusyItem[]>();
  private readonly transactions = new Map<string, string>();
  private failures: Failure[] = [];
  private denials: Denial[] = [];

  private constructor(
    private readonly server: Server,
    /** http://127.0.0.1:port */
    readonly origin: string,
    readonly opts: { tenantId: string; clientId: string; clientSecret?: string; tokenLifetimeS: number },
  ) {}

  /** GRAPH_BASE_URL for the gateway. */
  get baseUrl(): string {
    return `${this.origin}/v1.0`;
  }

  /** GRAPH_AUTHORITY_URL for the gateway. */
  get authorityUrl(): string {
    return this.origin;
  }

  static async start(opts: { tenantId?: string; clientId?: string; clientSecret?: string; tokenLifetimeS?: number } = {}): Promise<GraphStandIn> {
    let standIn: GraphStandIn | undefined;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new GraphStandIn(server, `http://127.0.0.1:${port}`, {
      tenantId: opts.tenantId ?? '11111111-2222-3333-4444-555555555555',
      clientId: opts.clientId ?? 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      ...(opts.clientSecret !== undefined ? { clientSecret: opts.clientSecret } : { clientSecret: 'stand-in-secret' }),
      tokenLifetimeS: opts.tokenLifetimeS ?? 3599,
    });
    return standIn;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- set-up and switches

  addUser(u: StandInUser): this {
    this.users.set(u.id, { accountEnabled: true, ...u });
    return this;
  }

  /** Free/busy items for an address, besides the events booked in the stand-in. */
  setBusy(address: string, items: BusyItem[]): this {
    this.busy.set(address.toLowerCase(), items);
    return this;
  }

  /** The next n Graph calls matching `match` (or n requests inside $batch bodies) answer `status`. */
  failNext(n: number, f: { status: FailStatus; retryAfter?: number; inBatch?: boolean; match?: RegExp }): this {
    this.failures.push({
      left: n,
      status: f.status,
      inBatch: f.inBatch ?? false,
      ...(f.retryAfter !== undefined ? { retryAfter: f.retryAfter } : {}),
      ...(f.match ? { match: f.match } : {}),
    });
    return this;
  }

  /** Lifts every deny(): the admin fixed the permission or the access policy. */
  clearDenials(): void {
    this.denials = [];
  }

  /** Calls whose "METHOD /path" matches answer 403 (ErrorAccessDenied / Authorization_RequestDenied). */
  deny(match: RegExp, status = 403, code?: string): this {
    this.denials.push({ match, status, code: code ?? 'ErrorAccessDenied' });
    return this;
  }

  /** An attendee answers the invitation. */
  setResponse(eventId: string, address: string, response: 'accepted' | 'declined' | 'tentativelyAccepted', at = new Date()): void {
    const stored = this.events.get(eventId);
    const a = stored?.event.attendees?.find((x: Json) => x.emailAddress.address.toLowerCase() === address.toLowerCase());
    if (!a) throw new Error(`stand-in: no attendee ${address} on event ${eventId}`);
    a.status = { response, time: at.toISOString() };
  }

  /** Someone deletes the event in Outlook: calls on it then answer 404 ErrorItemNotFound. */
  deleteEvent(eventId: string): void {
    if (!this.events.delete(eventId)) throw new Error(`stand-in: no event ${eventId}`);
  }

  /** Recorded calls to Graph (not the token endpoint). */
  graphRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1.0/'));
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Drops pending failNext switches (not denials). */
  clearFailures(): void {
    this.failures = [];
  }

  // ---- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const type = headers['content-type'] ?? '';
    let body: Json = raw;
    if (type.startsWith('application/json') && raw) body = JSON.parse(raw);
    else if (type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
    const rec: RecordedRequest = { seq: this.requests.length + 1, method: req.method ?? 'GET', path, query, headers, body, status: 0 };
    this.requests.push(rec);

    let answer: Answer;
    if (rec.method === 'POST' && path === `/${this.opts.tenantId}/oauth2/v2.0/token`) answer = this.token(body);
    else if (path.startsWith('/v1.0/')) {
      const auth = headers.authorization ?? '';
      const tok = auth.replace(/^Bearer\s+/i, '');
      if (!auth) answer = err(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      else if (!this.tokensIssued.includes(tok)) answer = err(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
      else answer = this.failure(rec.method, path, false) ?? this.route(rec.method, path.slice('/v1.0'.length), query, body, headers);
    } else answer = err(404, 'UnknownError', `stand-in: no route for ${rec.method} ${path}`);

    rec.status = answer.status;
    const out: Record<string, string> = { ...(answer.headers ?? {}) };
    if (answer.body !== undefined) out['Content-Type'] = 'application/json; odata.metadata=minimal; charset=utf-8';
    res.writeHead(answer.status, out);
    res.end(answer.body !== undefined ? JSON.stringify(answer.body) : undefined);
  }

  private failure(method: string, path: string, inBatch: boolean): Answer | undefined {
    const f = this.failures.find((x) => x.left > 0 && x.inBatch === inBatch && (!x.match || x.match.test(`${method} ${path}`)));
    if (!f) return undefined;
    f.left--;
    const headers: Record<string, string> = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
    const [code, message] = FAILURES[f.status as FailStatus];
    return { ...err(f.status, code, message), headers };
  }

  private token(form: Record<string, string>): Answer {
    const o = this.opts;
    const bad = (code: string, description: string): Answer => ({
      status: code === 'invalid_client' ? 401 : 400,
      body: {
        error: code,
        error_description: description,
        error_codes: [7000215],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      },
    });
    if (form.grant_type !== 'client_credentials') return bad('unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.scope !== 'https://graph.microsoft.com/.default')
      return bad('invalid_scope', `AADSTS1002012: The provided value for scope ${form.scope} is not valid.`);
    if (form.client_id !== o.clientId)
      return bad('unauthorized_client', `AADSTS700016: Application with identifier '${form.client_id}' was not found in the directory.`);
    const assertion =
      form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
      typeof form.client_assertion === 'string' &&
      form.client_assertion.split('.').length === 3;
    if (!assertion && form.client_secret !== o.clientSecret)
      return bad(
        'invalid_client',
        'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    const access = randomBytes(24).toString('base64url');
    this.tokensIssued.push(access);
    return { status: 200, body: { token_type: 'Bearer', expires_in: o.tokenLifetimeS, ext_expires_in: o.tokenLifetimeS, access_token: access } };
  }

  // ---- Graph routes (path without /v1.0)

  private route(method: string, path: string, query: Record<string, string>, body: Json, headers: Record<string, string>): Answer {
    const denial = this.denials.find((d) => d.match.test(`${method} ${path}`));
    if (denial) {
      return denial.code === 'Authorization_RequestDenied'
        ? err(denial.status, denial.code, 'Insufficient privileges to complete the operation.')
        : err(denial.status, denial.code, 'Access is denied. Check credentials and try again.');
    }
    const p = path.split('/').filter(Boolean);
    if (method === 'POST' && path === '/$batch') return this.batch(body);
    if (p[0] !== 'users') return err(400, 'BadRequest', `Resource not found for the segment '${p[0]}'.`);
    if (p.length === 1 && method === 'GET') return this.listUsers(query);
    const who = p[1]!;
    if (p.length === 2 && method === 'GET') {
      const u = this.findUser(who);
      return u ? { status: 200, body: this.select(u, query.$select) } : this.userNotFound(who);
    }
    if (p.length === 3 && p[2] === 'manager' && method === 'GET') {
      const u = this.findUser(who);
      if (!u) return this.userNotFound(who);
      const m = u.managerId ? this.users.get(u.managerId) : undefined;
      return m
        ? { status: 200, body: { '@odata.type': '#microsoft.graph.user', ...this.select(m, query.$select) } }
        : err(404, 'Request_ResourceNotFound', `Resource 'manager' does not exist or one of its queried reference-property objects are not present.`);
    }
    const mailbox = this.findUser(who);
    if (!mailbox) return err(404, 'ErrorInvalidUser', `The requested user '${who}' is invalid.`);
    const box = (mailbox.mail ?? mailbox.userPrincipalName).toLowerCase();
    if (p.length === 4 && p[2] === 'calendar' && p[3] === 'getSchedule' && method === 'POST') return this.getSchedule(body);
    if (p.length === 3 && p[2] === 'events' && method === 'POST') return this.createEvent(box, body);
    const view = p.length === 3 && p[2] === 'calendarView' ? 3 : p.length === 4 && p[2] === 'calendar' && p[3] === 'calendarView' ? 4 : 0;
    if (view && method === 'GET') return this.calendarView(box, `/v1.0${path}`, query);
    if (p.length === 3 && p[2] === 'sendMail' && method === 'POST') {
      const to = body?.message?.toRecipients;
      if (!Array.isArray(to) || to.length === 0) return err(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
      this.sentMail.push({ mailbox: box, message: body.message, saveToSentItems: body.saveToSentItems });
      return { status: 202 };
    }
    if (p.length >= 4 && p[2] === 'events') {
      const stored = this.events.get(p[3]!);
      if (!stored || stored.mailbox !== box) return err(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (p.length === 4 && method === 'GET') return { status: 200, body: this.select(stored.event, query.$select) };
      if (p.length === 4 && method === 'PATCH') {
        const e = stored.event;
        const wasOnline = e.isOnlineMeeting === true;
        for (const k of ['subject', 'body', 'start', 'end', 'location']) if (body[k] !== undefined) e[k] = body[k];
        if (body.attendees) e.attendees = this.attendees(body.attendees);
        // Turning a meeting online makes its Teams meeting; after that Outlook ignores isOnlineMeeting (it stays online).
        if (body.isOnlineMeeting === true && !wasOnline) {
          e.isOnlineMeeting = true;
          e.onlineMeetingProvider = body.onlineMeetingProvider ?? 'teamsForBusiness';
          e.onlineMeeting = { joinUrl: `https://teams.microsoft.com/l/meetup-join/${randomUUID()}` };
        }
        // A new body without the meeting blob disables the online meeting (Graph "Update event", body property).
        if (wasOnline && body.body !== undefined) {
          e.isOnlineMeeting = false;
          e.onlineMeetingProvider = 'unknown';
          e.onlineMeeting = null;
        }
        return { status: 200, body: e };
      }
      if (p.length === 5 && p[4] === 'cancel' && method === 'POST') {
        stored.event.isCancelled = true;
        stored.event.cancelComment = body?.Comment ?? body?.comment;
        return { status: 202 };
      }
    }
    void headers;
    return err(400, 'BadRequest', `stand-in: unsupported ${method} ${path}`);
  }

  private batch(body: Json): Answer {
    const requests = body?.requests;
    if (!Array.isArray(requests)) return err(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > 20) return err(400, 'BadRequest', 'Number of batch request steps exceeds the maximum of 20.');
    const responses = requests.map((r: Json) => {
      const url = new URL(String(r.url).replace(/^\/?/, '/'), 'http://inner');
      const path = decodeURIComponent(url.pathname);
      const a = this.failure(String(r.method), path, true) ?? this.route(String(r.method), path, Object.fromEntries(url.searchParams), r.body, r.headers ?? {});
      return {
        id: r.id,
        status: a.status,
        headers: { ...(a.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(a.headers ?? {}) },
        ...(a.body !== undefined ? { body: a.body } : {}),
      };
    });
    return { status: 200, body: { responses } };
  }

  private findUser(who: string): StandInUser | undefined {
    const w = who.toLowerCase();
    return this.users.get(who) ?? [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === w || u.id.toLowerCase() === w);
  }

  private userNotFound(who: string): Answer {
    return err(404, 'Request_ResourceNotFound', `Resource '${who}' does not exist or one of its queried reference-property objects are not present.`);
  }

  private listUsers(query: Record<string, string>): Answer {
    const m = /^mail eq '((?:[^']|'')*)'$/.exec(query.$filter ?? '');
    if (!m) return err(400, 'Request_UnsupportedQuery', "stand-in: only $filter=mail eq '...' is supported");
    const mail = m[1]!.replace(/''/g, "'").toLowerCase();
    const value = [...this.users.values()].filter((u) => u.mail?.toLowerCase() === mail).map((u) => this.select(u, query.$select));
    return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value } };
  }

  private select(obj: object, $select: string | undefined): Record<string, unknown> {
    const clean = Object.fromEntries(Object.entries(obj as Record<string, unknown>).filter(([k]) => k !== 'managerId' && k !== 'cancelComment'));
    if (!$select) return clean;
    const keep = $select.split(',').map((s) => s.trim());
    return Object.fromEntries(keep.filter((k) => k in clean).map((k) => [k, clean[k]]));
  }

  private attendees(list: Json[]): Json[] {
    return list.map((a) => ({
      type: a.type ?? 'required',
      status: { response: 'none', time: NEVER },
      emailAddress: { name: a.emailAddress?.name, address: a.emailAddress?.address },
    }));
  }

  private createEvent(mailbox: string, body: Json): Answer {
    if (!body?.start?.dateTime || !body?.end?.dateTime)
      return err(400, 'ErrorInvalidRequest', "Your request can't be completed. The start and end of the event are required.");
    const txKey = body.transactionId ? `${mailbox}|${body.transactionId}` : undefined;
    const existing = txKey ? this.transactions.get(txKey) : undefined;
    if (existing && this.events.has(existing)) return { status: 201, body: this.events.get(existing)!.event };
    const id = `AAMkAD${randomBytes(18).toString('base64url')}=`;
    const online = body.isOnlineMeeting === true;
    const event = {
      '@odata.etag': `W/"${randomBytes(8).toString('base64')}"`,
      id,
      createdDateTime: new Date().toISOString(),
      subject: body.subject ?? '',
      body: body.body ?? { contentType: 'text', content: '' },
      start: body.start,
      end: body.end,
      location: body.location ?? { displayName: '' },
      attendees: this.attendees(body.attendees ?? []),
      organizer: { emailAddress: { address: mailbox, name: mailbox } },
      isCancelled: false,
      isOnlineMeeting: online,
      onlineMeetingProvider: online ? (body.onlineMeetingProvider ?? 'teamsForBusiness') : 'unknown',
      onlineMeeting: online ? { joinUrl: `https://teams.microsoft.com/l/meetup-join/${randomUUID()}` } : null,
      webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
      transactionId: body.transactionId ?? null,
    };
    this.events.set(id, { mailbox, event });
    if (txKey) this.transactions.set(txKey, id);
    return { status: 201, body: event };
  }

  /** Events of the mailbox's calendar overlapping the range (Graph "List calendarView"), a page at a time. */
  private calendarView(mailbox: string, path: string, query: Record<string, string>): Answer {
    const when = (s: string | undefined) => {
      if (!s) return undefined;
      const at = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
      return Number.isNaN(at) ? undefined : at;
    };
    const start = when(query.startDateTime);
    const end = when(query.endDateTime);
    if (start === undefined || end === undefined)
      return err(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
    const top = Math.max(1, Number(query.$top ?? 10));
    const skip = Math.max(0, Number(query.$skip ?? 0));
    const all = [...this.events.values()]
      .filter((s) => s.mailbox === mailbox && !s.event.isCancelled)
      .map((s) => s.event)
      .filter((e) => parseUtc(e.start).getTime() < end && parseUtc(e.end).getTime() > start)
      .sort((a, b) => parseUtc(a.start).getTime() - parseUtc(b.start).getTime() || String(a.id).localeCompare(String(b.id)));
    const value = all.slice(skip, skip + top).map((e) => this.select(e, query.$select));
    // As Graph writes it: the same window and $select, $skip moved on, `$` not escaped.
    const next =
      skip + top < all.length
        ? Object.entries({ ...query, $skip: String(skip + top) })
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
            .join('&')
        : undefined;
    return {
      status: 200,
      body: {
        '@odata.context': `${this.baseUrl}/$metadata#Collection(event)`,
        value,
        ...(next ? { '@odata.nextLink': `${this.origin}${path.split('/').map(encodeURIComponent).join('/')}?${next}` } : {}),
      },
    };
  }

  private getSchedule(body: Json): Answer {
    const schedules: string[] = body?.schedules ?? [];
    if (!Array.isArray(schedules) || schedules.length === 0) return err(400, 'ErrorInvalidRequest', 'schedules is required.');
    if (schedules.length > 20) return err(400, 'ErrorInvalidRequest', 'stand-in: more than 20 schedules in one getSchedule call.');
    const start = parseUtc(body.startTime);
    const end = parseUtc(body.endTime);
    if (body.startTime.timeZone !== 'UTC' || body.endTime.timeZone !== 'UTC') return err(400, 'ErrorInvalidRequest', 'stand-in: only UTC times are supported.');
    if (end.getTime() - start.getTime() >= 62 * 86_400_000) return err(400, 'ErrorInvalidRequest', 'stand-in: the time window must be shorter than 62 days.');
    const interval = Number(body.availabilityViewInterval ?? 30);
    const value = schedules.map((address) => {
      const a = address.toLowerCase();
      const known = [...this.users.values()].some((u) => u.mail?.toLowerCase() === a || u.userPrincipalName.toLowerCase() === a);
      if (!known)
        return {
          scheduleId: address,
          availabilityView: '',
          scheduleItems: [],
          error: { message: `The specified user ${address} could not be found.`, responseCode: 'ErrorMailRecipientNotFound' },
        };
      const items: BusyItem[] = [...(this.busy.get(a) ?? [])];
      for (const { mailbox, event } of this.events.values()) {
        if (event.isCancelled) continue;
        const involved = mailbox === a || event.attendees.some((x: Json) => x.emailAddress.address?.toLowerCase() === a);
        if (involved) items.push({ status: 'busy', start: parseUtc(event.start), end: parseUtc(event.end) });
      }
      const inWindow = items.filter((it) => it.end > start && it.start < end).sort((x, y) => x.start.getTime() - y.start.getTime());
      const rank = { free: 0, tentative: 1, busy: 2, oof: 3, workingElsewhere: 4 } as const;
      let view = '';
      for (let t = start.getTime(); t < end.getTime(); t += interval * 60_000) {
        const slotEnd = t + interval * 60_000;
        let digit = 0;
        for (const it of inWindow)
          if (it.start.getTime() < slotEnd && it.end.getTime() > t) digit = Math.max(digit, it.status === 'workingElsewhere' ? 0 : rank[it.status]);
        view += String(digit);
      }
      return {
        scheduleId: address,
        availabilityView: view,
        scheduleItems: inWindow.map((it) => ({ isPrivate: false, status: it.status, start: graphDateTime(it.start), end: graphDateTime(it.end) })),
        workingHours: {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          startTime: '08:00:00.0000000',
          endTime: '17:00:00.0000000',
          timeZone: { name: 'GMT Standard Time' },
        },
      };
    });
    return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)', value } };
  }
}

export interface StandInGatewayOptions extends Partial<GraphGatewayOptions> {
  /** Where the gateway's waits between attempts are recorded, in ms (it never waits). */
  sleeps?: number[];
}

/**
 * The real gateway (src/graph/gateway.ts) pointed at the stand-in with its credentials, logging
 * nothing. It never waits between attempts, so retries cost a test no time; the waits it would
 * have made go to `sleeps`. Any other option (a wrong secret, a clock, a fetch) replaces the default.
 */
export function standInGateway(standIn: GraphStandIn, opts: StandInGatewayOptions = {}): GraphGateway {
  const { sleeps, ...over } = opts;
  return createGraphGateway({
    tenantId: standIn.opts.tenantId,
    clientId: standIn.opts.clientId,
    clientSecret: standIn.opts.clientSecret!,
    baseUrl: standIn.baseUrl,
    authorityUrl: standIn.authorityUrl,
    log: silentLogger(),
    sleep: async (ms) => void sleeps?.push(ms),
    ...over,
  });
}
