/**
 * The Teams host: restify serving
 *
 * - `POST /api/messages`: Bot Framework activities, handed to botbuilder's CloudAdapter with
 *   ConfigurationBotFrameworkAuthentication built from the environment (below), then to the bot;
 * - `GET /healthz`: 200 `{ status: 'ok' }` while `health()` says the database is reachable, 503
 *   `{ status: 'unavailable' }` otherwise (a check that takes over 2 seconds counts as down).
 *
 * | variable              | meaning                                                                      |
 * |-----------------------|------------------------------------------------------------------------------|
 * | PORT                  | the port to listen on; default 3978 (0: any free port)                       |
 * | MicrosoftAppId        | the bot's Entra app (client) id. Unset: no authentication, for local use only |
 * | MicrosoftAppPassword  | its client secret (MultiTenant, SingleTenant without a certificate)          |
 * | MicrosoftAppType      | MultiTenant (default), SingleTenant or UserAssignedMSI                       |
 * | MicrosoftAppTenantId  | the tenant id; required for SingleTenant and UserAssignedMSI                 |
 * | CertificateThumbprint | with CertificatePrivateKey (PEM text): a certificate instead of a secret     |
 *
 * With no MicrosoftAppId every request is accepted and a warning is logged at start; with one,
 * a request without a valid Bot Framework token is answered 401 and logged. A bad value stops
 * the start with a ConfigError naming the variable.
 *
 * The adapter's connector clients for proactive sends (continueConversationAsync,
 * createConversationAsync) do not retry on their own: the Teams messenger's queue owns retries,
 * so that every attempt passes its rate limits and Retry-After is honoured once, not twice.
 * Replies within a turn keep botbuilder's own retries.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from 'botbuilder';
import restify from 'restify';
import { z } from 'zod';
import { parseEnv } from '../src/config.js';
import type { Log } from '../src/log.js';
import { rememberConversations, type ConversationStore } from './conversations.js';

export const DEFAULT_PORT = 3978;
export const HEALTH_TIMEOUT_MS = 2000;
/** Said in the chat when a turn fails; the details go to the log. */
export const APOLOGY = 'Sorry, something went wrong on my side and nothing was changed. Please try again in a minute.';

const APP_TYPES = { multitenant: 'MultiTenant', singletenant: 'SingleTenant', userassignedmsi: 'UserAssignedMSI' } as const;
export type AppType = (typeof APP_TYPES)[keyof typeof APP_TYPES];

export interface BotSettings {
  port: number;
  /** Undefined: unauthenticated local mode. */
  appId?: string;
  appType: AppType;
  tenantId?: string;
  /**
   * What ConfigurationBotFrameworkAuthentication is built from (the public cloud's endpoints unless
   * a caller adds botbuilder's own keys, as the tests do to publish their own signing key).
   */
  auth: ConfigurationBotFrameworkAuthenticationOptions;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const envSchema = z
  .object({
    PORT: z.preprocess(
      blank,
      z
        .string()
        .regex(/^\d+$/, 'expected a port number from 1 to 65535 (or 0 for any free port)')
        .transform(Number)
        .refine((n) => n <= 65_535, 'expected a port number from 1 to 65535 (or 0 for any free port)')
        .optional(),
    ),
    MicrosoftAppId: z.preprocess(
      blank,
      z.string().regex(GUID, "expected the bot's Microsoft Entra application (client) id, a GUID such as 00000000-0000-0000-0000-000000000000").optional(),
    ),
    MicrosoftAppPassword: z.preprocess(blank, z.string().optional()),
    MicrosoftAppType: z.preprocess(
      blank,
      z
        .string()
        .transform((s) => APP_TYPES[s.toLowerCase() as keyof typeof APP_TYPES])
        .refine((t) => t !== undefined, 'expected MultiTenant, SingleTenant or UserAssignedMSI')
        .optional(),
    ),
    MicrosoftAppTenantId: z.preprocess(
      blank,
      z
        .string()
        .refine((s) => GUID.test(s) || DOMAIN.test(s), 'expected the Microsoft Entra tenant id (a GUID) or its domain such as contoso.onmicrosoft.com')
        .optional(),
    ),
    CertificateThumbprint: z.preprocess(
      blank,
      z
        .string()
        .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/i, "expected the certificate's thumbprint: 40 (SHA-1) or 64 (SHA-256) hexadecimal characters")
        .optional(),
    ),
    CertificatePrivateKey: z.preprocess(
      (v) => (typeof blank(v) === 'string' ? String(v).replace(/\\n/g, '\n').trim() : undefined),
      z
        .string()
        .regex(
          /^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----$/,
          'expected the private key as PEM text (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----; \\n for line breaks)',
        )
        .optional(),
    ),
  })
  .superRefine((e, ctx) => {
    const appType = e.MicrosoftAppType ?? 'MultiTenant';
    const problem = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
    if (!e.MicrosoftAppId) {
      // A misspelt MicrosoftAppId must not leave a configured bot open to anyone: only a bare environment runs unauthenticated.
      const set = (['MicrosoftAppPassword', 'MicrosoftAppTenantId', 'CertificateThumbprint', 'CertificatePrivateKey'] as const).filter((k) => e[k]);
      if (set.length)
        problem(
          'MicrosoftAppId',
          `is not set, but ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'}; set the bot's application id, or unset them to run unauthenticated for local use`,
        );
      else if (e.MicrosoftAppType && appType !== 'MultiTenant') problem('MicrosoftAppId', `is required when MicrosoftAppType is ${appType}`);
      return;
    }
    const withCertificate = Boolean(e.CertificateThumbprint || e.CertificatePrivateKey);
    if (withCertificate && !e.CertificateThumbprint) problem('CertificateThumbprint', 'is required with CertificatePrivateKey');
    if (withCertificate && !e.CertificatePrivateKey) problem('CertificatePrivateKey', 'is required with CertificateThumbprint');
    if (appType === 'UserAssignedMSI') {
      if (e.MicrosoftAppPassword)
        problem('MicrosoftAppPassword', 'must not be set when MicrosoftAppType is UserAssignedMSI (the managed identity signs in without a secret)');
      if (withCertificate)
        problem(e.CertificateThumbprint ? 'CertificateThumbprint' : 'CertificatePrivateKey', 'must not be set when MicrosoftAppType is UserAssignedMSI');
    } else if (!withCertificate && !e.MicrosoftAppPassword) {
      problem(
        'MicrosoftAppPassword',
        `is required when MicrosoftAppId is set and MicrosoftAppType is ${appType} (or give CertificateThumbprint and CertificatePrivateKey)`,
      );
    }
    if (appType !== 'MultiTenant' && !e.MicrosoftAppTenantId) problem('MicrosoftAppTenantId', `is required when MicrosoftAppType is ${appType}`);
    if (appType === 'MultiTenant' && withCertificate && e.MicrosoftAppPassword)
      problem('MicrosoftAppPassword', 'and a certificate are both set; give one or the other');
  });

/** Validates the bot's settings; throws ConfigError naming the first bad variable. */
export function loadBotSettings(env: NodeJS.ProcessEnv = process.env): BotSettings {
  const e = parseEnv(envSchema, env);
  const appType: AppType = e.MicrosoftAppType ?? 'MultiTenant';
  const auth: ConfigurationBotFrameworkAuthenticationOptions = {};
  if (e.MicrosoftAppId) {
    auth.MicrosoftAppId = e.MicrosoftAppId;
    // botbuilder spells the managed identity type "UserAssignedMsi" (compared case-insensitively).
    auth.MicrosoftAppType = appType === 'UserAssignedMSI' ? 'UserAssignedMsi' : appType;
    if (e.MicrosoftAppPassword) auth.MicrosoftAppPassword = e.MicrosoftAppPassword;
    if (e.MicrosoftAppTenantId) auth.MicrosoftAppTenantId = e.MicrosoftAppTenantId;
    if (e.CertificateThumbprint) auth.CertificateThumbprint = e.CertificateThumbprint;
    if (e.CertificatePrivateKey) auth.CertificatePrivateKey = e.CertificatePrivateKey;
  }
  return {
    port: e.PORT ?? DEFAULT_PORT,
    ...(e.MicrosoftAppId ? { appId: e.MicrosoftAppId } : {}),
    appType,
    ...(e.MicrosoftAppTenantId ? { tenantId: e.MicrosoftAppTenantId } : {}),
    auth,
  };
}

// ---------------------------------------------------------------------------------------------
// The adapter

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;

/**
 * Authentication whose proactive connector clients leave retrying to the caller. botbuilder's
 * connector client retries 429 and 5xx three times by itself (through @azure/core-rest-pipeline's
 * "defaultRetryPolicy"); for proactive sends the Teams messenger's queue does that instead, so each
 * attempt passes its rate limits. If a botbuilder upgrade moves the policy, sends still work, with
 * both layers retrying, and a warning is logged once.
 */
class CallerRetriesAuthentication extends ConfigurationBotFrameworkAuthentication {
  private warned = false;
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly log: Log,
  ) {
    super(options);
  }

  override createConnectorFactory(claimsIdentity: Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0]): ConnectorFactory {
    const inner = super.createConnectorFactory(claimsIdentity);
    return {
      create: async (serviceUrl: string, audience?: string): Promise<ConnectorClient> => {
        const client = await inner.create(serviceUrl, audience);
        const pipeline = (client as unknown as { client?: { pipeline?: { removePolicy(o: { name: string }): unknown[] } } }).client?.pipeline;
        const removed = pipeline?.removePolicy({ name: 'defaultRetryPolicy' }) ?? [];
        if (!removed.length && !this.warned) {
          this.warned = true;
          this.log.warn(
            { event: 'connector_retry_policy_not_found' },
            "botbuilder's own retry policy was not found on the connector client; proactive sends are retried by both it and the send queue",
          );
        }
        return client;
      },
    } as ConnectorFactory;
  }
}

interface RequestLike {
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}
interface ResponseLike {
  status(code: number): unknown;
  send(body?: unknown): unknown;
  end(): unknown;
  header?(name: string, value: string): unknown;
}

/** CloudAdapter with an HTTP entry point that logs JSON and never echoes internal errors to the caller. */
export class TeamsBotAdapter extends CloudAdapter {
  constructor(
    readonly settings: BotSettings,
    private readonly log: Log,
  ) {
    super(new CallerRetriesAuthentication(settings.auth, log));
  }

  /** The bot's app id for proactive calls; empty in unauthenticated local mode. */
  get appId(): string {
    return this.settings.appId ?? '';
  }

  /** Authenticates and runs one activity from `POST /api/messages`, answering the HTTP request. */
  async handle(req: RequestLike, res: ResponseLike, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const reply = (status: number, body?: unknown) => {
      res.status(status);
      if (body !== undefined) res.send(body);
      else res.end();
    };
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
      this.log.warn({ event: 'bad_activity' }, 'request body is not an activity');
      return reply(400, { error: 'expected a Bot Framework activity: a JSON object with a "type"' });
    }
    const activity = withDates(body as Record<string, unknown>) as unknown as Activity;
    const header = req.headers.authorization ?? req.headers.Authorization;
    const authHeader = typeof header === 'string' ? header : '';
    const ids = activityIds(activity);
    try {
      const invokeResponse = await this.processActivity(authHeader, activity, logic);
      return reply(invokeResponse?.status ?? 200, invokeResponse?.body);
    } catch (e) {
      const err = e as { name?: string; message?: string; statusCode?: number };
      const unauthorised =
        err?.statusCode === 401 || err?.statusCode === 403 || ['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(err?.name ?? '');
      if (unauthorised) {
        this.log.warn(
          { event: 'request_unauthorised', ...ids, reason: err.message, hadToken: authHeader !== '' },
          'request refused: no valid Bot Framework token',
        );
        return reply(401, { error: 'unauthorised' });
      }
      this.log.error({ event: 'request_failed', ...ids, err: e }, 'activity could not be processed');
      return reply(err?.statusCode === 500 ? 503 : 500, { error: 'the bot could not process this activity' });
    }
  }
}

/** The activity's timestamps as Dates, as botbuilder expects after parsing (its own validator does the same). */
function withDates(activity: Record<string, unknown>): Record<string, unknown> {
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['localTimestamp', 'rawLocalTimestamp'],
    ['expiration', 'rawExpiration'],
  ] as const) {
    if (typeof activity[field] === 'string') {
      activity[raw] = activity[field];
      activity[field] = new Date(activity[field] as string);
    }
  }
  return activity;
}

/** The ids a log line may carry about an activity (never its text). */
export function activityIds(activity: Partial<Activity> | undefined): Record<string, string | undefined> {
  return {
    activityType: activity?.type,
    activityName: activity?.name,
    activityId: activity?.id,
    conversationId: activity?.conversation?.id,
    conversationType: activity?.conversation?.conversationType,
    tenantId: activity?.conversation?.tenantId,
    aadObjectId: activity?.from?.aadObjectId,
    channelId: activity?.channelId,
  };
}

/** Creates the adapter for these settings, with the turn-error handler installed. */
export function createBotAdapter(settings: BotSettings, log: Log): TeamsBotAdapter {
  const adapter = new TeamsBotAdapter(settings, log);
  adapter.onTurnError = async (context, error) => {
    const activity = context.activity;
    log.error({ event: 'turn_error', ...activityIds(activity), err: error }, 'the bot failed while handling an activity');
    try {
      if (activity.type === 'invoke') {
        // A card action waits for an answer: an error the card can show, in plain words.
        const body =
          activity.name === 'adaptiveCard/action'
            ? { statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'InternalError', message: APOLOGY } }
            : { error: APOLOGY };
        await context.sendActivity({ type: 'invokeResponse', value: { status: activity.name === 'adaptiveCard/action' ? 200 : 500, body } });
        return;
      }
      // Never into a channel or group chat: only the person's own chat with the bot.
      const type = activity.conversation?.conversationType;
      if (type && type !== 'personal') return;
      await context.sendActivity({ type: 'message', text: APOLOGY });
    } catch (e) {
      log.error({ event: 'turn_error_reply_failed', ...activityIds(activity), err: e }, 'the apology could not be sent either');
    }
  };
  return adapter;
}

// ---------------------------------------------------------------------------------------------
// The server

export interface BotServerOptions {
  /** Overrides PORT from `env`. */
  port?: number;
  /** Where to listen; all interfaces by default. */
  host?: string;
  bot: { run(context: TurnContext): Promise<void> };
  log: Log;
  /** Is the database reachable? */
  health: () => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  /** Where each person's conversation reference is kept (on install and every message). */
  conversations?: ConversationStore;
  /** An adapter already made with createBotAdapter (e.g. shared with the Teams messenger); one is made from `env` otherwise. */
  adapter?: TeamsBotAdapter;
}

export interface BotServer {
  url: string;
  port: number;
  adapter: TeamsBotAdapter;
  settings: BotSettings;
  stop(): Promise<void>;
}

/** Validates the settings (ConfigError naming the variable), then listens. */
export async function startBotServer(opts: BotServerOptions): Promise<BotServer> {
  const log = opts.log;
  const settings = opts.adapter?.settings ?? loadBotSettings(opts.env ?? process.env);
  const port = opts.port ?? settings.port;
  const adapter = opts.adapter ?? createBotAdapter(settings, log);
  if (opts.conversations) adapter.use(rememberConversations(opts.conversations, log));
  if (!settings.appId) {
    log.warn(
      { event: 'bot_unauthenticated' },
      'MicrosoftAppId is not set: the bot accepts activities without authentication. Use this only on your own machine.',
    );
  }

  const server = restify.createServer({ name: 'complaints-bot', log: log.child({ component: 'http' }) as never, handleUncaughtExceptions: false });
  server.use(restify.plugins.jsonBodyParser({ mapParams: false, maxBodySize: 1024 * 1024 } as never));

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.handle(req as unknown as RequestLike, res as unknown as ResponseLike, (context) => opts.bot.run(context));
  });

  let healthy: boolean | undefined;
  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    const ok = await checkHealth(opts.health);
    if (ok !== healthy) {
      if (ok) log.info({ event: 'health_ok' }, 'database reachable');
      else log.warn({ event: 'health_unavailable' }, 'database not reachable: /healthz answers 503');
      healthy = ok;
    }
    res.status(ok ? 200 : 503);
    res.send({ status: ok ? 'ok' : 'unavailable' });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    const done = () => {
      server.removeListener('error', onError);
      resolve();
    };
    if (opts.host) server.listen(port, opts.host, done);
    else server.listen(port, done);
  });
  const address = server.address() as { port: number };
  const shownHost = !opts.host || opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  const url = `http://${shownHost}:${address.port}`;
  log.info(
    { event: 'bot_listening', port: address.port, authenticated: Boolean(settings.appId), appType: settings.appId ? settings.appType : undefined },
    `bot listening on ${url}/api/messages`,
  );

  let stopping: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    adapter,
    settings,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        // In-flight requests finish; idle keep-alive connections are closed so close() returns.
        server.close(() => resolve());
        (server.server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      })),
  };
}

async function checkHealth(health: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      health().then((v) => v === true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
