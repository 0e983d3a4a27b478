/**
 * `npm start`: the whole service in one process.
 * 1. the database: MONGODB_URI, or the embedded server under DATA_DIR (started if not running);
 * 2. the Teams bot on PORT (POST /api/messages, GET /healthz);
 * 3. the deadline jobs, whose messages go to people's 1:1 Teams chats as Adaptive Cards, and
 *    whose letters are emailed and hearing events booked in Outlook through Microsoft Graph when
 *    GRAPH_* is set (logged otherwise).
 * SIGINT or SIGTERM stops taking requests, finishes the jobs in hand and the work queued after
 * answered card actions, closes the connection, and stops the embedded database if this run
 * started it. Settings are checked first: a bad one exits 2 naming the variable.
 */
import { createBot } from '../bot/app.js';
import { cardAttachment, renderCard } from '../bot/cards.js';
import { MongoConversationStore } from '../bot/conversations.js';
import { createBotAdapter, loadBotSettings, startBotServer } from '../bot/server.js';
import { MongoDeliveryLedger, TeamsMessenger, loadTeamsSettings } from '../bot/teamsMessenger.js';
import { messageToCard } from '../bot/views.js';
import type { Messenger } from './app/ports.js';
import { loadConfig, loadLetterReview, redactUri } from './config.js';
import { loadGraphConfig } from './graph/config.js';
import { GraphDirectory } from './graph/directory.js';
import { createGraphGateway } from './graph/gateway.js';
import { GraphCalendarBooking, HearingEventSender } from './graph/hearingCalendar.js';
import { HEARING_EVENT } from './app/bookHearing.js';
import { LoggingMessenger } from './jobs/messengers.js';
import { GraphLetterMailer } from './letters/mailer.js';
import { startJobs } from './jobs/scheduler.js';
import { schedulerOptions, workerClock, workerEnv } from './jobs/worker.js';
import { createLogger } from './log.js';
import { dbDown, dbStatus, dbUp } from './store/embedded/server.js';
import { MongoDraftStore } from './store/drafts.js';
import { connectDatabase } from './store/mongo.js';

let settings;
try {
  const cfg = loadConfig();
  const env = workerEnv.safeParse(process.env);
  if (!env.success) throw new Error(`${String(env.error.issues[0]!.path[0])}: ${env.error.issues[0]!.message}`);
  settings = { cfg, jobsEnv: env.data, bot: loadBotSettings(), teams: loadTeamsSettings(), graph: loadGraphConfig(), letters: loadLetterReview() };
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message} (see .env.example)\n`);
  process.exit(2);
}
const { cfg, jobsEnv } = settings;
const log = createLogger({ name: 'main', level: cfg.logLevel });
const clock = workerClock(jobsEnv);

// Stop steps, registered as each part starts and run in reverse. A signal during start-up waits
// for start-up to finish, so nothing (the embedded database above all) is left running.
const stops: Array<() => Promise<unknown>> = [];
let started!: () => void;
const startup = new Promise<void>((resolve) => (started = resolve));
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ event: 'service_stopping', signal }, 'stopping');
  await startup;
  try {
    for (const stop of stops.reverse()) await stop();
    log.info({ event: 'service_stopped' }, 'stopped');
    process.exit(0);
  } catch (e) {
    log.error({ event: 'service_stop_failed', err: e }, 'did not stop cleanly');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

let uri = cfg.mongodbUri;
if (!uri) {
  try {
    const status = await dbStatus({ dataDir: cfg.dataDir });
    if (status.running) uri = status.uri!;
    else {
      const up = await dbUp({ dataDir: cfg.dataDir, port: cfg.dbPort, log: (m) => log.info({ event: 'embedded_database' }, m) });
      stops.push(() => dbDown({ dataDir: cfg.dataDir }));
      uri = up.uri;
      log.info({ event: 'embedded_database_started', port: up.port, dataDir: cfg.dataDir }, 'embedded database started');
    }
  } catch (e) {
    log.fatal({ event: 'embedded_database_failed', err: e }, (e as Error).message);
    process.exit(1);
  }
}

let database;
try {
  database = await connectDatabase(uri);
} catch (e) {
  log.fatal({ event: 'database_unavailable', uri: redactUri(uri), err: e }, 'cannot reach the database');
  process.exit(1);
}
const connected = database;
stops.push(() => connected.close());
const db = database.connection.db!;
// One Graph gateway (one token, one retry policy) for letters and the directory, when GRAPH_* is set.
const graph = settings.graph;
const gateway = graph ? createGraphGateway({ ...graph, log: log.child({ component: 'graph' }) }) : undefined;
const directory = gateway ? new GraphDirectory(gateway, log.child({ component: 'directory' })) : undefined;
// Free/busy and invitation answers for panel hearings, from the same gateway.
const calendar = gateway ? new GraphCalendarBooking(gateway) : undefined;
// Letters a person's action queues wait LETTER_REVIEW_MINUTES for them to preview (bot/letters.ts).
const deps = {
  cases: database.cases,
  schools: database.schools,
  clock,
  letterReviewMs: settings.letters.letterReviewMs,
  ...(directory ? { directory } : {}),
  ...(calendar ? { calendar } : {}),
};
const conversations = await MongoConversationStore.create(db);
const drafts = await MongoDraftStore.create(db, clock);

// The setup card looks role holders up by email in the directory (a disabled account is refused).
const people = directory ? { lookup: (idOrEmail: string) => directory.lookup(idOrEmail) } : undefined;
const bot = createBot({ deps, drafts, ...(people ? { people } : {}), render: renderCard, log: log.child({ component: 'bot' }), clock });
stops.push(() => bot.settled()); // work queued after answered card actions
const adapter = createBotAdapter(settings.bot, log);
const server = await startBotServer({
  bot,
  log,
  adapter,
  conversations,
  health: () => db.admin().ping().then(() => true, () => false),
});
stops.push(() => server.stop());

// One ledger of deliveries by key (its index made once) for Teams messages, letters and hearing events.
const deliveries = await MongoDeliveryLedger.create(db);
const teams = new TeamsMessenger({
  adapter,
  appId: settings.bot.appId ?? '',
  conversations,
  deliveries,
  toActivity: async (message) => {
    const card = await messageToCard(message, deps);
    return { type: 'message', attachments: [cardAttachment(renderCard(card.name, card.data as never))] };
  },
  settings: settings.teams,
  log: log.child({ component: 'teams' }),
  clock,
});
const logged = await LoggingMessenger.create(db, { log: log.child({ component: 'outbox' }), clock });
// Letters are emailed from the complaints mailbox when Graph is configured; otherwise logged.
// Hearing events (bookHearing, cancelHearing) are created, moved and cancelled in the organiser's
// calendar when Graph is configured; other calendar requests (a date-only hearing) are logged.
const letters: Messenger =
  graph && gateway
    ? new GraphLetterMailer({
        deps,
        gateway,
        mailbox: graph.complaintsMailbox,
        deliveries,
        log: log.child({ component: 'letters' }),
      })
    : logged;
const hearingEvents: Messenger | undefined = gateway
  ? new HearingEventSender({ deps, gateway, deliveries, log: log.child({ component: 'calendar' }) })
  : undefined;
const messenger: Messenger = {
  send: (m) =>
    m.kind === 'message' ? teams.send(m) : m.kind === 'letter' ? letters.send(m) : m.kind === 'calendar' && m.template === HEARING_EVENT && hearingEvents ? hearingEvents.send(m) : logged.send(m),
};
const jobs = await startJobs({ db, deps, messenger, log, ...schedulerOptions(jobsEnv) });
stops.push(() => jobs.stop());
log.info({ event: 'service_ready', url: server.url, database: redactUri(uri) }, `complaints bot listening on ${server.url}`);

started();
