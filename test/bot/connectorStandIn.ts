/**
 * A local stand-in for the Bot Connector REST API (the service Teams runs at an activity's
 * `serviceUrl`), on 127.0.0.1, so tests exercise botbuilder's real connector client:
 *
 * - POST /v3/conversations                                create a conversation -> { id }
 * - POST /v3/conversations/:id/activities                 send to a conversation -> { id }
 * - POST /v3/conversations/:id/activities/:replyToId      reply to an activity -> { id }
 * - PUT  /v3/conversations/:id/activities/:activityId     update an activity -> { id }
 * - DELETE /v3/conversations/:id/activities/:activityId   delete an activity
 *
 * Every request is recorded in order with its arrival time (`requests`), including the ones it
 * was told to fail. `failNext(n, 429, { retryAfter: 1 })` or `failNext(n, 503)` makes the next n
 * calls answer that status instead (optionally only calls matching a filter).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = 'createConversation' | 'sendToConversation' | 'replyToActivity' | 'updateActivity' | 'deleteActivity' | 'unknown';

export interface RecordedRequest {
  /** 1, 2, 3 ... in arrival order. */
  seq: number;
  /** Arrival time in epoch milliseconds, with sub-millisecond precision. */
  at: number;
  method: string;
  path: string;
  route: Route;
  conversationId?: string;
  /** replyToId for replies, the activity id for updates and deletes. */
  activityId?: string;
  authorization?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The status the stand-in answered. */
  status: number;
}

interface Failure {
  left: number;
  status: number;
  retryAfter?: number | string;
  when: (r: RecordedRequest) => boolean;
}

const now = () => performance.timeOrigin + performance.now();

export class ConnectorStandIn {
  readonly requests: RecordedRequest[] = [];
  private failures: Failure[] = [];
  private conversations = 0;
  private activities = 0;
  private constructor(
    private readonly server: Server,
    /** The service URL to put in activities, with a trailing slash like Teams' own. */
    readonly url: string,
    private readonly delayMs: number,
  ) {}

  static async start(opts: { delayMs?: number } = {}): Promise<ConnectorStandIn> {
    let standIn: ConnectorStandIn | undefined;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    standIn = new ConnectorStandIn(server, `http://127.0.0.1:${port}/`, opts.delayMs ?? 0);
    return standIn;
  }

  /** The next `count` calls (matching `when`, all by default) answer `status`, with Retry-After if given. */
  failNext(count: number, status: number, opts: { retryAfter?: number | string; when?: (r: RecordedRequest) => boolean } = {}): void {
    this.failures.push({ left: count, status, ...(opts.retryAfter !== undefined ? { retryAfter: opts.retryAfter } : {}), when: opts.when ?? (() => true) });
  }

  /** Requests that carried an activity to a conversation (sends and replies) and succeeded. */
  get delivered(): RecordedRequest[] {
    return this.requests.filter((r) => (r.route === 'sendToConversation' || r.route === 'replyToActivity') && r.status < 300);
  }

  /** Conversations created (successful calls only). */
  get created(): RecordedRequest[] {
    return this.requests.filter((r) => r.route === 'createConversation' && r.status < 300);
  }

  /** Waits until `predicate` holds for the recorded requests, or fails after `timeoutMs`. */
  async waitFor(predicate: (requests: RecordedRequest[]) => boolean, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      if (Date.now() > until) throw new Error(`connector stand-in: condition not met within ${timeoutMs} ms; saw ${this.requests.length} requests`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.failures = [];
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { seq: this.requests.length + 1, at, method, path, route: 'unknown', body, status: 0 };
    if (req.headers.authorization) record.authorization = req.headers.authorization;
    const m = /^\/v3\/conversations(?:\/([^/]+)(?:\/activities(?:\/([^/]+))?)?)?\/?$/.exec(path);
    if (m) {
      const [, conv, act] = m;
      if (conv) record.conversationId = decodeURIComponent(conv);
      if (act) record.activityId = decodeURIComponent(act);
      if (method === 'POST' && !conv) record.route = 'createConversation';
      else if (method === 'POST' && conv && path.includes('/activities') && !act) record.route = 'sendToConversation';
      else if (method === 'POST' && act) record.route = 'replyToActivity';
      else if (method === 'PUT' && act) record.route = 'updateActivity';
      else if (method === 'DELETE' && act) record.route = 'deleteActivity';
    }
    this.requests.push(record);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));

    const failure = this.failures.find((f) => f.left > 0 && f.when(record));
    if (failure) {
      failure.left--;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      const code = failure.status === 429 ? 'TooManyRequests' : failure.status >= 500 ? 'ServiceUnavailable' : 'BadRequest';
      return this.answer(res, record, failure.status, { error: { code, message: `stand-in answered ${failure.status}` } }, headers);
    }
    switch (record.route) {
      case 'createConversation': {
        const id = `a:standin-conversation-${++this.conversations}`;
        return this.answer(res, record, 201, {
          id,
          serviceUrl: this.url,
          ...(isObject(body) && body.activity ? { activityId: `activity-${++this.activities}` } : {}),
        });
      }
      case 'sendToConversation':
      case 'replyToActivity':
        return this.answer(res, record, 201, { id: `activity-${++this.activities}` });
      case 'updateActivity':
        return this.answer(res, record, 200, { id: record.activityId });
      case 'deleteActivity':
        return this.answer(res, record, 200, undefined);
      default:
        return this.answer(res, record, 404, { error: { code: 'NotFound', message: `no route for ${method} ${path}` } });
    }
  }

  private answer(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): void {
    record.status = status;
    res.writeHead(status, headers);
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
