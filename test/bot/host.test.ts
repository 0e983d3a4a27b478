/**
 * The Teams host over real HTTP: /healthz, /api/messages in unauthenticated local mode (the bot's
 * reply reaches the connector stand-in at the activity's serviceUrl), and with an app id (no token,
 * a malformed token, a token from the wrong issuer or signed with the wrong key: 401; a token
 * signed by the channel's published key: accepted). Bad settings are named.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ActivityHandler, type TurnContext } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { memoryLogger, silentLogger, type Log } from '../../src/log.js';
import { MemoryConversationStore } from '../../bot/conversations.js';
import { APOLOGY, createBotAdapter, loadBotSettings, startBotServer, type BotServer } from '../../bot/server.js';
import { ConnectorStandIn } from './connectorStandIn.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const APP_ID = '00000000-aaaa-bbbb-cccc-000000000001';

/** The simple bot of these tests: echoes what it is told, and greets on install. */
class EchoBot extends ActivityHandler {
  turns = 0;
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      this.turns++;
      if (context.activity.text === 'fail') throw new Error('the bot broke while handling Priya Parent');
      await context.sendActivity(`You said: ${context.activity.text}`);
      await next();
    });
  }
}

/** A bot that only counts its turns (sends nothing, so no outbound token is needed). */
const countingBot = () => {
  const bot = { turns: 0, run: async (_c: TurnContext) => void bot.turns++ };
  return bot;
};

function message(serviceUrl: string, text: string, over: Record<string, unknown> = {}) {
  return {
    type: 'message',
    id: `act-${Math.random().toString(36).slice(2)}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:teacher-1', name: 'Tara Teacher', aadObjectId: 'aad-teacher-1' },
    recipient: { id: `28:${APP_ID}`, name: 'Complaints' },
    conversation: { id: 'a:personal-teacher-1', conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    text,
    ...over,
  };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

let standIn: ConnectorStandIn;
const servers: BotServer[] = [];
beforeAll(async () => {
  standIn = await ConnectorStandIn.start();
});
afterAll(async () => {
  await standIn.stop();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  standIn.reset();
});

async function start(opts: Partial<Parameters<typeof startBotServer>[0]> = {}): Promise<BotServer> {
  const server = await startBotServer({ port: 0, host: '127.0.0.1', bot: new EchoBot(), log: silentLogger(), health: async () => true, env: {}, ...opts });
  servers.push(server);
  return server;
}

describe('GET /healthz', () => {
  test('200 while the database is reachable, 503 while it is not (or the check fails)', async () => {
    let up = true;
    let broken = false;
    const server = await start({
      health: async () => {
        if (broken) throw new Error('connection refused');
        return up;
      },
    });
    let res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    up = false;
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
    broken = true;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    broken = false;
    up = true;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test('a health check that hangs counts as down', async () => {
    const server = await start({ health: () => new Promise<boolean>(() => {}) });
    const started = Date.now();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('POST /api/messages without an app id (local use)', () => {
  test('accepts an activity, and the reply reaches the connector at its serviceUrl; the start warns', async () => {
    const { log, lines } = memoryLogger('bot');
    const server = await start({ log });
    expect(lines.find((l) => l.event === 'bot_unauthenticated')).toMatchObject({ level: 'warn' });
    expect(server.settings.appId).toBeUndefined();
    expect(server.port).toBeGreaterThan(0);

    const activity = message(standIn.url, 'hello there');
    const res = await post(server.url, activity);
    expect(res.status).toBe(200);
    expect(standIn.delivered).toHaveLength(1);
    const reply = standIn.delivered[0]!;
    expect(reply.conversationId).toBe('a:personal-teacher-1');
    expect(reply.activityId).toBe(activity.id);
    expect(reply.body).toMatchObject({ type: 'message', text: 'You said: hello there', replyToId: activity.id, recipient: { id: '29:teacher-1' } });
  });

  test("the person's conversation reference is kept on install and on every message, never for a channel", async () => {
    const conversations = new MemoryConversationStore();
    const server = await start({ conversations, bot: countingBot() });
    const install = {
      ...message(standIn.url, ''),
      type: 'installationUpdate',
      action: 'add',
      text: undefined,
    };
    expect((await post(server.url, install)).status).toBe(200);
    const saved = await conversations.get('aad-teacher-1');
    expect(saved).toMatchObject({
      tenantId: TENANT,
      reference: {
        serviceUrl: standIn.url,
        channelId: 'msteams',
        conversation: { id: 'a:personal-teacher-1', conversationType: 'personal' },
        bot: { id: `28:${APP_ID}` },
      },
    });
    expect(saved!.reference.user).toEqual({ id: '29:teacher-1', name: '', aadObjectId: 'aad-teacher-1' });

    const newer = { ...message('http://127.0.0.1:1/moved/', 'my cases') };
    await post(server.url, newer);
    expect((await conversations.get('aad-teacher-1'))!.reference.serviceUrl).toBe('http://127.0.0.1:1/moved/');

    await post(
      server.url,
      message(standIn.url, 'hi', {
        from: { id: '29:x', aadObjectId: 'aad-in-channel' },
        conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel', tenantId: TENANT },
      }),
    );
    await post(
      server.url,
      message(standIn.url, 'hi', {
        from: { id: '29:y', aadObjectId: 'aad-in-group' },
        conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: TENANT },
      }),
    );
    expect(await conversations.get('aad-in-channel')).toBeNull();
    expect(await conversations.get('aad-in-group')).toBeNull();

    await post(server.url, { ...install, action: 'remove' });
    expect(await conversations.get('aad-teacher-1')).toBeNull();
  });

  test('a failing turn logs JSON with ids only and answers the person with a short apology', async () => {
    const { log, lines } = memoryLogger('bot');
    const server = await start({ log });
    const res = await post(server.url, message(standIn.url, 'fail'));
    expect(res.status).toBe(200);
    expect(standIn.delivered.map((r) => r.body.text)).toEqual([APOLOGY]);
    const logged = lines.find((l) => l.event === 'turn_error')!;
    expect(logged).toMatchObject({ level: 'error', conversationId: 'a:personal-teacher-1', aadObjectId: 'aad-teacher-1', activityType: 'message' });
    expect(JSON.stringify(logged)).not.toContain('"text"');
  });

  test('a failing card action gets an error the card can show, not silence', async () => {
    const server = await start({
      bot: {
        run: async () => {
          throw new Error('boom');
        },
      },
    });
    const res = await post(server.url, {
      ...message(standIn.url, ''),
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'case.acknowledge' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'InternalError', message: APOLOGY } });
    expect(standIn.delivered).toHaveLength(0);
  });

  test('no apology is posted into a channel', async () => {
    const server = await start();
    await post(server.url, message(standIn.url, 'fail', { conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel', tenantId: TENANT } }));
    expect(standIn.requests).toHaveLength(0);
  });

  test('a body that is not an activity is refused with 400', async () => {
    const server = await start();
    expect((await post(server.url, { hello: 'world' })).status).toBe(400);
    expect((await post(server.url, [1, 2])).status).toBe(400);
    const res = await fetch(`${server.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(400);
  });
});

// ---------------------------------------------------------------------------------------------
// With an app id: a local OpenID metadata endpoint publishes the "channel's" signing key.

interface Keys {
  server: Server;
  url: string;
  privateKey: KeyObject;
  otherKey: KeyObject;
}

async function openIdEndpoint(): Promise<Keys> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  let base = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration')
      res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${base}/v1/.well-known/keys` }));
    else if (req.url === '/v1/.well-known/keys') res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'channel-key', use: 'sig', endorsements: ['msteams'] }] }));
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: `${base}/v1/.well-known/openidconfiguration`, privateKey, otherKey };
}

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const data = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'channel-key' })}.${b64({ nbf: now - 60, exp: now + 3600, ...claims })}`;
  return `${data}.${createSign('RSA-SHA256').update(data).sign(key).toString('base64url')}`;
}

describe('POST /api/messages with an app id', () => {
  let keys: Keys;
  beforeAll(async () => {
    keys = await openIdEndpoint();
  });
  afterAll(async () => {
    await new Promise((r) => keys.server.close(r));
  });
  const env = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppType: 'MultiTenant' };
  /**
   * An adapter for the public cloud, except that the channel's signing keys are read from the local
   * endpoint. (botbuilder takes either no endpoint settings or all of them, so all are given.)
   */
  const adapter = (log: Log) => {
    const settings = loadBotSettings(env);
    settings.auth = {
      ...settings.auth,
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      OAuthUrl: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl: keys.url,
      ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration',
      CallerId: 'urn:botframework:azure',
    };
    return createBotAdapter(settings, log);
  };

  test('the environment alone gives an authenticated bot that refuses a request without a token', async () => {
    const { log, lines } = memoryLogger('bot');
    const bot = countingBot();
    const server = await start({ env, bot, log });
    expect(server.settings.appId).toBe(APP_ID);
    expect(lines.some((l) => l.event === 'bot_unauthenticated')).toBe(false);
    expect((await post(server.url, message(standIn.url, 'hello'))).status).toBe(401);
    expect((await post(server.url, message(standIn.url, 'hello'), { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    expect(bot.turns).toBe(0);
  });

  test('a request without a token, or with a bad one, gets 401 and never reaches the bot', async () => {
    const { log, lines } = memoryLogger('bot');
    const bot = countingBot();
    const server = await start({ adapter: adapter(log), bot, log });
    expect(lines.some((l) => l.event === 'bot_unauthenticated')).toBe(false);
    const activity = message(standIn.url, 'hello');
    const good = { iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: standIn.url };

    expect((await post(server.url, activity)).status).toBe(401);
    expect((await post(server.url, activity, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    expect((await post(server.url, activity, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })).status).toBe(401);
    // Issued by someone else; signed with a key the channel did not publish; for another bot; for another service URL.
    expect((await post(server.url, activity, { authorization: `Bearer ${jwt(keys.privateKey, { ...good, iss: 'https://attacker.example' })}` })).status).toBe(
      401,
    );
    expect((await post(server.url, activity, { authorization: `Bearer ${jwt(keys.otherKey, good)}` })).status).toBe(401);
    expect(
      (await post(server.url, activity, { authorization: `Bearer ${jwt(keys.privateKey, { ...good, aud: '00000000-aaaa-bbbb-cccc-000000000999' })}` })).status,
    ).toBe(401);
    expect(
      (await post(server.url, activity, { authorization: `Bearer ${jwt(keys.privateKey, { ...good, serviceurl: 'https://elsewhere.example/' })}` })).status,
    ).toBe(401);
    expect(bot.turns).toBe(0);
    expect(standIn.requests).toHaveLength(0);
    const refused = lines.filter((l) => l.event === 'request_unauthorised');
    expect(refused).toHaveLength(7);
    expect(refused[0]).toMatchObject({ level: 'warn', hadToken: false, conversationId: 'a:personal-teacher-1' });
    expect(JSON.stringify(refused)).not.toContain('eyJ');
  });

  test('a token signed with the key the channel publishes is accepted', async () => {
    const bot = countingBot();
    const { log, lines } = memoryLogger('bot');
    const server = await start({ adapter: adapter(log), bot, log });
    const token = jwt(keys.privateKey, { iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: standIn.url });
    const res = await post(server.url, message(standIn.url, 'hello'), { authorization: `Bearer ${token}` });
    expect(res.status, JSON.stringify(lines)).toBe(200);
    expect(bot.turns).toBe(1);
  });
});

describe('settings', () => {
  const named = (env: Record<string, string>) => {
    try {
      loadBotSettings(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return `${(e as ConfigError).variable}: ${(e as ConfigError).problem}`;
    }
    return 'accepted';
  };

  test('a bad or missing value is named', () => {
    expect(named({ PORT: 'eighty' })).toMatch(/^PORT: expected a port number/);
    expect(named({ PORT: '70000' })).toMatch(/^PORT: /);
    expect(named({ MicrosoftAppId: 'my-bot' })).toMatch(/^MicrosoftAppId: expected .*GUID/);
    expect(named({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'Personal' })).toMatch(
      /^MicrosoftAppType: expected MultiTenant, SingleTenant or UserAssignedMSI/,
    );
    expect(named({ MicrosoftAppId: APP_ID })).toMatch(/^MicrosoftAppPassword: is required/);
    expect(named({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant' })).toMatch(
      /^MicrosoftAppTenantId: is required when MicrosoftAppType is SingleTenant/,
    );
    expect(named({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 'not a tenant' })).toMatch(
      /^MicrosoftAppTenantId: expected/,
    );
    expect(named({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT })).toMatch(
      /^MicrosoftAppPassword: must not be set/,
    );
    expect(named({ MicrosoftAppId: APP_ID, CertificateThumbprint: 'ab'.repeat(20) })).toMatch(/^CertificatePrivateKey: is required/);
    expect(
      named({ MicrosoftAppId: APP_ID, CertificateThumbprint: 'xyz', CertificatePrivateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----' }),
    ).toMatch(/^CertificateThumbprint: /);
    // A misspelt app id must not leave a configured bot open to anyone.
    expect(named({ MicrosoftAppID: APP_ID, MicrosoftAppPassword: 'secret' })).toMatch(/^MicrosoftAppId: is not set, but MicrosoftAppPassword is/);
  });

  test('good settings, in every sign-in style', () => {
    expect(loadBotSettings({})).toMatchObject({ port: 3978, appType: 'MultiTenant', auth: {} });
    expect(loadBotSettings({ PORT: '8080', MicrosoftAppId: '', MicrosoftAppPassword: '  ' })).toMatchObject({ port: 8080 });
    expect(loadBotSettings({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's' })).toMatchObject({
      appId: APP_ID,
      appType: 'MultiTenant',
      auth: { MicrosoftAppId: APP_ID, MicrosoftAppType: 'MultiTenant' },
    });
    expect(
      loadBotSettings({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'singletenant', MicrosoftAppTenantId: TENANT }),
    ).toMatchObject({ appType: 'SingleTenant', tenantId: TENANT });
    expect(loadBotSettings({ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT }).auth).toMatchObject({
      MicrosoftAppType: 'UserAssignedMsi',
    });
    const pem = '-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----';
    expect(loadBotSettings({ MicrosoftAppId: APP_ID, CertificateThumbprint: 'AB'.repeat(20), CertificatePrivateKey: pem }).auth.CertificatePrivateKey).toBe(
      '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
    );
  });

  test('startBotServer refuses to start with a bad setting', async () => {
    await expect(start({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant' } })).rejects.toThrow(
      /MicrosoftAppTenantId/,
    );
  });
});
