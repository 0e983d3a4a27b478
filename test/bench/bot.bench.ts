/**
 * The Teams bot's figures for `npm run bench` (nothing is asserted):
 *
 * 1. Messages through /api/messages: the service started as `npm start` starts it (a child
 *    process, test/e2e/harness.ts), the Bot Connector played by the local stand-in. 500 `help`
 *    messages from 10 people at once (each answered with a card delivered to the stand-in before
 *    the HTTP answer), then 500 card actions (`case.refresh` invokes, answered with the updated
 *    task card in the invoke response): throughput, p50 and p99 latency. Target: p99 of a card
 *    action under 300 ms locally.
 * 2. 1,000 nudges through the Teams messenger (rate limits per chat: 7 a second, 8 in 2 seconds,
 *    60 in 30 seconds; per app: 50 a second), each a bound nudge card, to 1,000 people who each
 *    have a chat with the bot, then to 50 people (20 each). The per-app limit alone makes 1,000
 *    take at least 20 seconds.
 */
import { randomUUID } from 'node:crypto';
import { cardAttachment, renderCard } from '../../bot/cards.js';
import type { CardData } from '../../bot/cardTypes.js';
import { MemoryConversationStore } from '../../bot/conversations.js';
import { createBotAdapter, loadBotSettings } from '../../bot/server.js';
import { MemoryDeliveryLedger, TeamsMessenger } from '../../bot/teamsMessenger.js';
import type { OutgoingMessage } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { silentLogger } from '../../src/log.js';
import { connectDatabase } from '../../src/store/mongo.js';
import { ConnectorStandIn } from '../bot/connectorStandIn.js';
import { BOT, TeamsChat, startService } from '../e2e/harness.js';
import { P, TestClock, nmatSchool, parentComplaint } from '../helpers/app.js';

const TENANT = '0b6c1f2e-3d4a-4b5c-8d9e-7f6a5b4c3d2e';
const CLOCK_START = '2026-11-09T10:00:00Z'; // Mon 9 Nov 2026, 10:00 in London

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function latencies(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
}

/** Runs `count` calls of `one(i)` with `concurrency` in flight; returns each call's latency and the wall time. */
async function load(count: number, concurrency: number, one: (i: number) => Promise<number>): Promise<{ ms: number[]; wallMs: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) ms.push(await one(next++));
    }),
  );
  return { ms, wallMs: performance.now() - t0 };
}

const rate = (n: number, wallMs: number) => `${((n / wallMs) * 1000).toFixed(0)}/s`;

async function benchMessages(uri: string, log: (m: string) => void): Promise<Record<string, string>> {
  const standIn = await ConnectorStandIn.start();
  const seed = await connectDatabase(uri);
  await seed.connection.dropDatabase();
  await seed.close();
  const db = await connectDatabase(uri);
  let service;
  try {
    await db.schools.save(nmatSchool());
    const recorded = await recordComplaint({ cases: db.cases, schools: db.schools, clock: new TestClock(CLOCK_START) }, P.teacher, {
      ...parentComplaint(),
      about: { role: 'teacher', personId: P.teacher2, personName: 'Tom Teacher' },
      category: 'behaviour',
    });
    if (recorded.result !== 'recorded') throw new Error(`bench: the complaint was not recorded (${recorded.result})`);
    const caseId = recorded.case.id;

    log('bot: starting the service (node --import tsx src/main.ts)...');
    const t0 = performance.now();
    service = await startService({ mongoUri: uri, serviceUrl: standIn.url, tenantId: TENANT, clockStart: CLOCK_START });
    const startMs = performance.now() - t0;

    const staff = nmatSchool().people.filter((p) => p.roles.length > 0);
    const chats = staff.map((p) => new TeamsChat(service!.url, standIn, TENANT, { aadObjectId: p.id, name: p.name }));
    const hana = new TeamsChat(service.url, standIn, TENANT, { aadObjectId: P.headOfSchool, name: 'Hana Head' });
    // Warm up (module caches, templates, connections).
    for (let i = 0; i < 20; i++) {
      await chats[i % chats.length]!.say('help');
      await hana.invoke('case.refresh', { caseId });
    }

    log('bot: 500 help messages, 10 at a time...');
    const help = await load(500, 10, async (i) => {
      const r = await chats[i % chats.length]!.say('help');
      if (r.cards.length !== 1) throw new Error('bench: help was not answered with one card');
      return r.ms;
    });
    log('bot: 500 card actions (case.refresh), 10 at a time...');
    const refresh = await load(500, 10, async () => {
      const r = await hana.invoke('case.refresh', { caseId });
      if (!String(JSON.stringify(r.card)).includes(recorded.case.reference)) throw new Error('bench: the refreshed card does not show the case');
      return r.ms;
    });
    const stopped = await service.stop();
    service = undefined;
    return {
      'bot: service start to /healthz 200': `${startMs.toFixed(0)} ms (exit on SIGTERM: ${stopped})`,
      'bot: help messages through /api/messages': `500 at concurrency 10 in ${help.wallMs.toFixed(0)} ms (${rate(500, help.wallMs)}); ${latencies(help.ms)} (reply delivered to the connector)`,
      'bot: card actions (case.refresh invoke)': `500 at concurrency 10 in ${refresh.wallMs.toFixed(0)} ms (${rate(500, refresh.wallMs)}); ${latencies(refresh.ms)} (target p99 < 300 ms)`,
    };
  } finally {
    await service?.stop();
    await db.close();
    await standIn.stop();
  }
}

/** A nudge card's data, as the deadline jobs' message would make it. */
function nudgeData(i: number): CardData['nudge'] {
  return {
    level: 'due_soon',
    header: {
      caseId: `bench-case-${i}`,
      reference: `NMAT-2026-${String(i + 1).padStart(4, '0')}`,
      schoolName: 'Nunthorpe Academy',
      policyName: 'NMAT Complaints Policy and Procedure (Statutory)',
      stage: 1,
      stageName: 'Academy Response: informal complaint',
      status: 'Open',
      handlerName: 'Hana Head',
      receivedOn: 'Fri 6 Nov 2026',
      subject: 'Behaviour, discipline and how the behaviour policy was applied',
      version: 0,
    },
    deadline: {
      stage: 1,
      kind: 'acknowledge',
      label: 'Acknowledge',
      due: '2026-11-10',
      dueText: 'Tue 10 Nov 2026',
      metOn: null,
      overdue: false,
      owner: 'Hana Head',
    },
  };
}

/** The most messages seen arriving within any one second, over all chats and in any one chat. */
function peaks(arrivals: ReadonlyArray<readonly [string, number]>): { perApp: number; perChat: number } {
  const most = (times: number[]) => {
    const t = [...times].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i]! - t[j]! >= 1000) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  };
  const byChat = new Map<string, number[]>();
  for (const [chat, at] of arrivals) byChat.set(chat, [...(byChat.get(chat) ?? []), at]);
  return { perApp: most(arrivals.map(([, at]) => at)), perChat: Math.max(0, ...[...byChat.values()].map(most)) };
}

/** Sends `count` nudges spread over `people` people through one Teams messenger; every person already has a chat with the bot. */
async function deliverNudges(count: number, people: number): Promise<{ wallMs: number; delivered: number; calls: number; perApp: number; perChat: number }> {
  const standIn = await ConnectorStandIn.start();
  try {
    const conversations = new MemoryConversationStore();
    const ids = Array.from({ length: people }, (_, i) => `aad-bench-${i}`);
    for (const id of ids) {
      await conversations.save({
        aadObjectId: id,
        tenantId: TENANT,
        reference: {
          channelId: 'msteams',
          serviceUrl: standIn.url,
          conversation: { id: `a:bench-${id}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
          bot: { ...BOT },
          user: { id: `29:${id}`, name: '', aadObjectId: id },
        },
        updatedAt: new Date(),
      });
    }
    const log = silentLogger();
    const messenger = new TeamsMessenger({
      adapter: createBotAdapter(loadBotSettings({}), log),
      appId: '',
      conversations,
      deliveries: new MemoryDeliveryLedger(),
      toActivity: (m) => ({ type: 'message', attachments: [cardAttachment(renderCard('nudge', m.data as unknown as CardData['nudge']))] }),
      log,
    });
    const run = randomUUID().slice(0, 8);
    const messages: OutgoingMessage[] = Array.from({ length: count }, (_, i) => ({
      key: `bench-${run}-${i}`,
      kind: 'message',
      to: ids[i % people]!,
      template: 'deadline_due_soon',
      data: nudgeData(i) as unknown as Record<string, unknown>,
      schoolId: 'nunthorpe',
      caseId: `bench-case-${i}`,
    }));
    const t0 = performance.now();
    await Promise.all(messages.map((m) => messenger.send(m)));
    const wallMs = performance.now() - t0;
    return {
      wallMs,
      delivered: standIn.delivered.length,
      calls: standIn.requests.length,
      ...peaks(standIn.delivered.map((r) => [r.conversationId ?? '', r.at] as const)),
    };
  } finally {
    await standIn.stop();
  }
}

async function benchNudges(log: (m: string) => void): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  for (const [people, label] of [
    [1000, '1,000 people, one each'],
    [50, '50 people, 20 each'],
  ] as const) {
    log(`bot: 1,000 nudges through the Teams messenger to ${label} (about 20 s at Teams' 50 a second)...`);
    const r = await deliverNudges(1000, people);
    results[`bot: 1,000 nudges to ${label}`] =
      `${r.delivered} delivered in ${(r.wallMs / 1000).toFixed(1)} s (${rate(r.delivered, r.wallMs)}, ${r.calls} connector calls); busiest second: ${r.perApp} in all (limit 50), ${r.perChat} in one chat (limit 7)`;
  }
  return results;
}

/** Both sets of figures; `uri` is a database of the bench's own (dropped by the caller). */
export async function benchBot(uri: string, log: (m: string) => void): Promise<Record<string, string>> {
  return { ...(await benchMessages(uri, log)), ...(await benchNudges(log)) };
}
