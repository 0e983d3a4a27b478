/**
 * End-to-end harness: the service started exactly as `npm start` starts it (a child process
 * running `node --import tsx src/main.ts`), and Teams played by hand: Activity JSON posted to
 * its /api/messages, with every reply and proactive message captured by the Bot Connector
 * stand-in (test/bot/connectorStandIn.ts) at the activity's serviceUrl.
 *
 * - `startService` spawns the service with MONGODB_URI, PORT (a free port), TEAMS_SERVICE_URL
 *   and TEAMS_TENANT_ID (new 1:1 chats go to the stand-in), JOBS_CLOCK_START, JOBS_EVERY,
 *   JOBS_PROCESS_EVERY_MS and LOG_LEVEL, waits for GET /healthz to answer 200, and keeps its
 *   JSON log lines. `stop()` sends SIGTERM and resolves with the exit code.
 * - `TeamsChat` is one person's 1:1 chat with the bot, as the Teams client drives it: install,
 *   typed messages (the replies are what reached the stand-in for that activity) and card buttons
 *   (`adaptiveCard/action` invokes whose data is the button's data with the card's inputs merged
 *   in, as Teams does for Action.Execute; the answer is the card in the invoke response).
 * - Card readers (`texts`, `inputs`, `errorUnder`, `rows`, `actionOf`) read bound Adaptive Card
 *   JSON the way a person reads the card: its words, its fields and what sits under them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ConnectorStandIn, RecordedRequest } from '../bot/connectorStandIn.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A connection string for database `name` on the server at `serverUri` (any path there is replaced). */
export function databaseUri(serverUri: string, name: string): string {
  const u = new URL(serverUri);
  u.pathname = `/${name.replace(/[^a-z0-9_]/gi, '_').slice(0, 60)}`;
  return u.toString();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The service

export interface ServiceOptions {
  mongoUri: string;
  /** The connector stand-in's URL: where new 1:1 chats are created (TEAMS_SERVICE_URL). */
  serviceUrl: string;
  tenantId: string;
  /** JOBS_CLOCK_START: the service runs as if it were this instant when it started. */
  clockStart: string;
  /** JOBS_EVERY; default outbox.drain=300,deadlines.sweep=1000,digest.overdue=1000. */
  every?: string;
  /** JOBS_PROCESS_EVERY_MS; default 200. */
  processEveryMs?: number;
  logLevel?: string;
  /** More variables (they win over the ones above). */
  env?: Record<string, string>;
  /** How long to wait for /healthz; default 60 s. */
  startTimeoutMs?: number;
}

export interface RunningService {
  url: string;
  port: number;
  /** Epoch ms just before the process was spawned: its clock reads `clockStart` at or after this moment. */
  spawnedAt: number;
  clockStart: string;
  /** The service's JSON log lines, parsed (anything else it printed goes to `output`). */
  logs: Array<Record<string, unknown>>;
  output: string[];
  /** The latest the service's clock can read now (it started counting at or after `spawnedAt`). */
  clockAtMost(at?: number): Date;
  /** SIGTERM, then the exit code (null if it had to be killed after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Has the process ended (and how)? */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** Variables that would change how the service runs if a developer's shell or .env set them. */
const NEUTRAL: Record<string, string> = {
  MicrosoftAppId: '',
  MicrosoftAppPassword: '',
  MicrosoftAppType: '',
  MicrosoftAppTenantId: '',
  CertificateThumbprint: '',
  CertificatePrivateKey: '',
  TEAMS_APP_RATE_PER_SECOND: '',
  JOBS_LOCK_LIFETIME_MS: '',
  MESSENGER_DELAY_MS: '',
};

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...NEUTRAL,
    MONGODB_URI: opts.mongoUri,
    PORT: String(port),
    TEAMS_SERVICE_URL: opts.serviceUrl,
    TEAMS_TENANT_ID: opts.tenantId,
    JOBS_CLOCK_START: opts.clockStart,
    JOBS_EVERY: opts.every ?? 'outbox.drain=300,deadlines.sweep=1000,digest.overdue=1000',
    JOBS_PROCESS_EVERY_MS: String(opts.processEveryMs ?? 200),
    LOG_LEVEL: opts.logLevel ?? 'warn',
    // Letters go without waiting for a preview, so the end-to-end timings stay as they were.
    LETTER_REVIEW_MINUTES: '0',
    ...opts.env,
  };
  const logs: Array<Record<string, unknown>> = [];
  const output: string[] = [];
  const spawnedAt = Date.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          output.push(line);
        }
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);

  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exit)
      throw new Error(
        `the service exited (${exit.code ?? exit.signal}) before it was ready:\n${[...output, ...logs.map((l) => JSON.stringify(l))].join('\n')}`,
      );
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the service did not answer /healthz within ${opts.startTimeoutMs ?? 60_000} ms:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const offset = Date.parse(opts.clockStart) - spawnedAt;
  return {
    url,
    port,
    spawnedAt,
    clockStart: opts.clockStart,
    logs,
    output,
    clockAtMost: (at = Date.now()) => new Date(at + offset),
    exited: () => exit,
    async stop(timeoutMs = 30_000) {
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      return exit!.signal ? null : exit!.code;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cards as a person reads them

export type Card = Record<string, unknown>;
type Element = Record<string, unknown>;

export const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Cards an activity carries. */
export function cardsOf(activity: unknown): Card[] {
  const attachments = (activity as { attachments?: Array<{ contentType?: string; content?: unknown }> } | undefined)?.attachments ?? [];
  return attachments.filter((a) => a.contentType === CARD_TYPE).map((a) => a.content as Card);
}

/** Every element of the card's body (containers, columns and show-cards included), depth first. */
export function elements(card: Card): Element[] {
  const out: Element[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const e = v as Element;
    if (typeof e.type === 'string') out.push(e);
    for (const k of ['body', 'items', 'columns', 'actions', 'card', 'inlineAction']) if (k in e) walk(e[k]);
  };
  walk(card.body);
  walk(card.actions);
  return out;
}

/** What the card says: its text blocks and facts ("Title: value"), in order. */
export function texts(card: Card): string[] {
  const out: string[] = [];
  for (const e of elements(card)) {
    if (e.type === 'TextBlock' && typeof e.text === 'string') out.push(e.text);
    if (e.type === 'FactSet') for (const f of (e.facts as Array<{ title: string; value: string }>) ?? []) out.push(`${f.title}: ${f.value}`);
    if (e.type === 'RichTextBlock')
      out.push(((e.inlines as Array<{ text?: string } | string>) ?? []).map((i) => (typeof i === 'string' ? i : (i.text ?? ''))).join(''));
  }
  return out;
}

/** The card's text in one string, for matching. */
export const textOf = (card: Card) => texts(card).join('\n');

/** The card's inputs by id. */
export function inputs(card: Card): Record<string, Element> {
  const out: Record<string, Element> = {};
  for (const e of elements(card)) if (typeof e.type === 'string' && e.type.startsWith('Input.') && typeof e.id === 'string') out[e.id] = e;
  return out;
}

/** The error shown right under a field (a TextBlock in the attention colour just after the input), if any. */
export function errorUnder(card: Card, field: string): string | undefined {
  let found: string | undefined;
  const walk = (v: unknown) => {
    if (found !== undefined) return;
    if (Array.isArray(v)) {
      const i = v.findIndex((e) => (e as Element)?.id === field && String((e as Element).type).startsWith('Input.'));
      if (i >= 0) {
        const next = v[i + 1] as Element | undefined;
        if (next?.type === 'TextBlock' && next.color === 'attention') found = String(next.text);
        else found = '';
        return;
      }
      return v.forEach(walk);
    }
    if (!v || typeof v !== 'object') return;
    for (const k of ['body', 'items', 'columns', 'actions', 'card']) if (k in (v as Element)) walk((v as Element)[k]);
  };
  walk(card.body);
  walk(card.actions);
  return found || undefined;
}

/** Each ColumnSet as one line, "column | column", e.g. "Acknowledge | Hana Head | Due Wed 11 Nov 2026". */
export function rows(card: Card): string[] {
  return elements(card)
    .filter((e) => e.type === 'ColumnSet')
    .map((set) =>
      ((set.columns as Element[]) ?? [])
        .flatMap((c) => ((c.items as Element[]) ?? []).filter((i) => i.type === 'TextBlock').map((i) => String(i.text)))
        .join(' | '),
    );
}

/** The verbs of the buttons the card shows (show-cards opened). */
export function verbs(card: Card): string[] {
  return elements(card)
    .filter((e) => e.type === 'Action.Execute')
    .map((e) => String(e.verb));
}

interface Located {
  action: Element;
  /** The cards from the outermost to the one holding the action (show-cards it sits in). */
  cards: Card[];
}

/** The Action.Execute with this verb, and the cards it sits in. */
export function actionOf(card: Card, verb: string): Located | undefined {
  const search = (c: Card, path: Card[]): Located | undefined => {
    const here = [...path, c];
    const inCard = (v: unknown): Located | undefined => {
      if (Array.isArray(v)) {
        for (const x of v) {
          const r = inCard(x);
          if (r) return r;
        }
        return undefined;
      }
      if (!v || typeof v !== 'object') return undefined;
      const e = v as Element;
      if (e.type === 'Action.Execute' && e.verb === verb) return { action: e, cards: here };
      if (e.type === 'Action.ShowCard' && e.card) return search(e.card as Card, here);
      for (const k of ['body', 'items', 'columns', 'actions', 'inlineAction']) {
        if (k in e) {
          const r = inCard(e[k]);
          if (r) return r;
        }
      }
      return undefined;
    };
    return inCard(c.body) ?? inCard(c.actions);
  };
  return search(card, []);
}

/** The inputs of one card, not of the show-cards inside it (Teams gathers those only when the action sits in them). */
function ownInputs(card: Card): Element[] {
  const out: Element[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const e = v as Element;
    if (typeof e.type === 'string' && e.type.startsWith('Input.') && typeof e.id === 'string') out.push(e);
    if (e.type === 'Action.ShowCard') return;
    for (const k of ['body', 'items', 'columns', 'actions']) if (k in e) walk(e[k]);
  };
  walk(card.body);
  walk(card.actions);
  return out;
}

/**
 * What Teams puts in `value.action.data` when this button is pressed after typing `typed`: the
 * button's data, plus (associatedInputs "auto") the value of every input of the card it sits in
 * and the cards around it. A required input left empty stops the press, as the Teams client would.
 */
export function submission(card: Card, verb: string, typed: Record<string, string> = {}): Record<string, unknown> {
  const found = actionOf(card, verb);
  if (!found) throw new Error(`the card has no button for ${verb}; it has ${verbs(card).join(', ') || 'none'}`);
  const data: Record<string, unknown> = { ...((found.action.data as Record<string, unknown>) ?? {}) };
  if (found.action.associatedInputs === 'none') return data;
  const fields = found.cards.flatMap(ownInputs);
  for (const key of Object.keys(typed)) {
    if (!fields.some((f) => f.id === key)) throw new Error(`the card has no field ${key} by the ${verb} button; it has ${fields.map((f) => f.id).join(', ')}`);
  }
  for (const f of fields) {
    const id = f.id as string;
    let shown = f.value === undefined || f.value === null ? '' : String(f.value);
    // A toggle is either on or off: Teams sends valueOn or valueOff ("true"/"false" unless the card says otherwise).
    if (f.type === 'Input.Toggle') shown = shown === String(f.valueOn ?? 'true') ? String(f.valueOn ?? 'true') : String(f.valueOff ?? 'false');
    const value = typed[id] ?? shown;
    if (f.isRequired === true && value.trim() === '') throw new Error(`Teams would not send ${verb}: the required field ${id} is empty`);
    data[id] = value;
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Teams

export interface TeamsUser {
  aadObjectId: string;
  name: string;
}

export interface Invoked {
  status: number;
  /** The invoke response body: { statusCode, type, value }. */
  body: { statusCode: number; type: string; value: Card };
  card: Card;
  ms: number;
}

let counter = 0;
const nextId = () => `f:${Date.now().toString(36)}${(++counter).toString(36)}`;

/** The bot's identity in activities (a local bot without an app id; Teams would say 28:<app id>). */
export const BOT = { id: '28:complaints-bot-e2e', name: 'Complaints' };

/**
 * One person's 1:1 chat with the bot. The conversation id is Teams' for a chat the person opened
 * (`a:personal-<directory id>`), or the one the stand-in gave when the bot created the chat.
 */
export class TeamsChat {
  constructor(
    readonly botUrl: string,
    readonly standIn: ConnectorStandIn,
    readonly tenantId: string,
    readonly user: TeamsUser,
    public conversationId = `a:personal-${user.aadObjectId}`,
  ) {}

  /** The person's Teams user id (an MRI). */
  get userId(): string {
    return `29:${this.user.aadObjectId}`;
  }

  /** The envelope Teams puts round every activity in a personal chat. */
  activity(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const now = new Date();
    return {
      type,
      id: nextId(),
      timestamp: now.toISOString(),
      localTimestamp: now.toISOString().replace('Z', '+00:00'),
      serviceUrl: this.standIn.url,
      channelId: 'msteams',
      from: { id: this.userId, name: this.user.name, aadObjectId: this.user.aadObjectId },
      conversation: { conversationType: 'personal', tenantId: this.tenantId, id: this.conversationId },
      recipient: { ...BOT },
      locale: 'en-GB',
      entities: [{ type: 'clientInfo', locale: 'en-GB', country: 'GB', platform: 'Web', timezone: 'Europe/London' }],
      channelData: { tenant: { id: this.tenantId } },
      ...extra,
    };
  }

  /** Posts an activity; returns the HTTP status, the body and how long the answer took. */
  async post(activity: Record<string, unknown>): Promise<{ status: number; body: unknown; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${this.botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await res.text();
    const ms = performance.now() - t0;
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, ms };
  }

  /** The replies to one activity that reached the connector. */
  repliesTo(activityId: string): RecordedRequest[] {
    return this.standIn.delivered.filter((r) => r.route === 'replyToActivity' && r.activityId === activityId);
  }

  /** Installs the app in personal scope, as Teams does: installationUpdate (add), then conversationUpdate with the bot added. Returns the cards sent back. */
  async install(): Promise<Card[]> {
    const add = this.activity('installationUpdate', { action: 'add' });
    expectOk(await this.post(add), 'installationUpdate');
    const update = this.activity('conversationUpdate', { membersAdded: [{ id: BOT.id }] });
    expectOk(await this.post(update), 'conversationUpdate');
    return [...this.repliesTo(add.id as string), ...this.repliesTo(update.id as string)].flatMap((r) => cardsOf(r.body));
  }

  /** Types a message; returns the cards (and text replies) the bot answered with. */
  async say(text: string): Promise<{ cards: Card[]; texts: string[]; ms: number }> {
    const a = this.activity('message', { text, textFormat: 'plain' });
    const res = await this.post(a);
    expectOk(res, `message "${text}"`);
    const replies = this.repliesTo(a.id as string);
    return { cards: replies.flatMap((r) => cardsOf(r.body)), texts: replies.map((r) => (r.body as { text?: string }).text ?? '').filter(Boolean), ms: res.ms };
  }

  /** Types a message and expects exactly one card back. */
  async sayForCard(text: string): Promise<Card> {
    const { cards } = await this.say(text);
    if (cards.length !== 1) throw new Error(`expected one card in answer to "${text}", got ${cards.length}`);
    return cards[0]!;
  }

  /** Sends an adaptiveCard/action invoke with this verb and data, as Teams does for Action.Execute. */
  async invoke(verb: string, data: Record<string, unknown>, replyToId?: string): Promise<Invoked> {
    const a = this.activity('invoke', {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      ...(replyToId ? { replyToId } : {}),
    });
    const res = await this.post(a);
    if (res.status !== 200) throw new Error(`invoke ${verb}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as Invoked['body'];
    return { status: res.status, body, card: body.value, ms: res.ms };
  }

  /** Presses the card's button `verb` after typing `typed` into its fields. */
  press(card: Card, verb: string, typed: Record<string, string> = {}): Promise<Invoked> {
    return this.invoke(verb, submission(card, verb, typed));
  }

  /** Everything the bot sent into this chat (replies and proactive messages), in order. */
  delivered(): RecordedRequest[] {
    return this.standIn.delivered.filter((r) => r.conversationId === this.conversationId);
  }

  /** The cards the bot sent into this chat, in order. */
  cards(): Card[] {
    return this.delivered().flatMap((r) => cardsOf(r.body));
  }
}

function expectOk(res: { status: number; body: unknown }, what: string): void {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * The 1:1 chat the bot opened with someone who had never talked to it: the conversation the
 * stand-in created with them as the member, or undefined if there is none yet.
 */
export function createdChatWith(standIn: ConnectorStandIn, aadObjectId: string): { created: RecordedRequest; conversationId?: string } | undefined {
  const created = standIn.created.find((r) => (r.body as { members?: Array<{ id: string }> })?.members?.some((m) => m.id === aadObjectId));
  if (!created) return undefined;
  // The chat's id is what the bot then posts to, addressed to that person.
  const first = standIn.delivered.find((r) => r.route === 'sendToConversation' && r.seq > created.seq && recipientOf(r) === aadObjectId);
  return { created, ...(first?.conversationId ? { conversationId: first.conversationId } : {}) };
}

/** Who a request to the connector was addressed to (directory id, or Teams user id). */
export function recipientOf(r: RecordedRequest): string | undefined {
  const to = (r.body as { recipient?: { id?: string; aadObjectId?: string } } | undefined)?.recipient;
  return to?.aadObjectId ?? to?.id;
}
