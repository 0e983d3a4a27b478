/**
 * The conversation: what the bot says and does for each Teams activity. The HTTP host
 * (CloudAdapter on restify) hands every turn to `run`; nothing here knows which server or SDK
 * carried it, so a second host can reuse it.
 *
 * - Install in a personal chat: the welcome card, or, while the database has no school yet, the
 *   setup card for the person installing it (bot/setup.ts).
 * - Typed commands: `new complaint`, `my cases`, `overdue`, `case <reference>`, `help` (and
 *   `setup` before any school exists). Anything else gets a short helpful answer, never silence.
 * - Card buttons are Universal Actions (Action.Execute): an `adaptiveCard/action` invoke whose
 *   `value.action.verb` is one of cardTypes' VERBS and whose `value.action.data` holds the
 *   card's data with the inputs merged in by Teams. Each is answered with an invoke response
 *   carrying the updated card. The answer waits only for the use case itself (messages to other
 *   people go through the outbox); bookkeeping (remembering the conversation for proactive
 *   messages, clearing old drafts) runs after the turn.
 * - Stage tasks call the use cases in src/app with the version the card was drawn from. If the
 *   case changed meanwhile (VERSION_CONFLICT), or the action was already done, the answer is the
 *   case's CURRENT state with a notice ("Already acknowledged by Hana Head on Mon 9 Nov 2026"),
 *   so two people cannot acknowledge the same stage twice.
 * - People are identified by their directory (Entra ID) object id, `from.aadObjectId`, as in
 *   school.people. A case the person may not see (src/app canSee) is "not found", in the same
 *   words as a case that does not exist. An AppError's userMessage goes on the card; the log
 *   gets its logMessage, with ids only.
 * - Only personal (1:1) chats: in a group chat or channel the bot says so and shows nothing else.
 */
import {
  CardFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationReference,
} from 'botbuilder';
import { acknowledge } from '../src/app/acknowledge.js';
import { assignHandler } from '../src/app/assignHandler.js';
import { isSltOrClerk } from '../src/app/authorisation.js';
import { loadSchool, schoolContext, type Deps, type SchoolContext } from '../src/app/caseFlow.js';
import { AppError } from '../src/app/errors.js';
import type { CaseRecord, Clock, School } from '../src/app/ports.js';
import { recordOutcome } from '../src/app/recordOutcome.js';
import { requestEscalation } from '../src/app/requestEscalation.js';
import { extendDeadline } from '../src/app/extendDeadline.js';
import { listMyCases, listOverdue, viewCase } from '../src/app/viewCase.js';
import type { DraftStore } from '../src/store/drafts.js';
import type { Log } from '../src/log.js';
import type { CardData, CardName } from './cardTypes.js';
import * as intake from './intake.js';
import { letterAction } from './letters.js';
import { panelAction } from './panel.js';
import { setupCard, submitSetup, type PeopleLookup } from './setup.js';
import {
  OUTCOME_LABELS,
  byWhom,
  card,
  caseListItem,
  caseTask,
  caseView,
  currentStageEvents,
  formatDate,
  formatDay,
  formatInstant,
  kindLabel,
  lastOfType,
  personName,
  type CardOf,
} from './views.js';

/** Turns a card name and its data into the Adaptive Card JSON (bot/cards.ts binds the templates). */
export type Render = <N extends CardName>(name: N, data: CardData[N]) => Record<string, unknown>;

/**
 * What the bot may ask of the people directory and of the proactive messenger. Both optional:
 * - `remember`: called (after the turn) with the conversation reference of every personal chat
 *   the bot hears from, on install and on every message or card action, keyed by directory id:
 *   the proactive messenger keeps it to reach the person later.
 * - `lookup`: resolves an email address or directory id to a person (Microsoft Graph), for the
 *   setup card's role holders.
 */
export interface PeoplePort extends Partial<PeopleLookup> {
  remember?(personId: string, reference: Partial<ConversationReference>): Promise<void>;
}

export interface BotOptions {
  deps: Deps;
  drafts: DraftStore;
  people?: PeoplePort;
  render: Render;
  log: Log;
  clock: Clock;
}

export interface Bot {
  /** One turn: the host calls this for every activity (CloudAdapter.process's logic callback). */
  run(context: TurnContext): Promise<void>;
  /** Resolves when the work queued after earlier turns has finished (tests, clean shutdown). */
  settled(): Promise<void>;
}

export const COMMANDS: CardData['help']['commands'] = [
  {
    title: 'new complaint',
    description: 'Record a complaint someone made by phone, email, letter or in person. It takes a minute; you can go back at any step.',
  },
  { title: 'my cases', description: 'The complaints you handle or owe something on, soonest deadline first.' },
  { title: 'overdue', description: 'Everything overdue in your school (for SLT and the clerk).' },
  { title: 'case NMAT-2026-0042', description: 'Where one complaint stands: its stage, deadlines and history.' },
  { title: 'help', description: 'What I can do.' },
];

const NOT_FOUND = 'No complaint was found.';
const CLEANUP_EVERY_MS = 6 * 3_600_000;
const LATER = Symbol('later');
const TASK_FIELDS = ['outcome', 'decision', 'extendKind', 'extendDue', 'extendReason', 'reassignTo', 'reassignReason', 'escalateGrounds'] as const;

const message = (title: string, text: string, tone: CardData['message']['tone'] = 'default'): CardOf => card('message', { title, text, tone });
const blank = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

class ComplaintsHandler extends TeamsActivityHandler {
  constructor(private readonly app: Conversation) {
    super();
    this.onMessage(async (context, next) => {
      await app.onMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await app.onInstalled(context);
      await next();
    });
    // Teams also sends installationUpdate on install: the welcome goes with the conversationUpdate
    // above (once), this only remembers the conversation.
    this.onInstallationUpdateAdd(async (context, next) => {
      app.remember(context);
      await next();
    });
  }

  protected override onAdaptiveCardInvoke(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return this.app.onAction(context, value);
  }
}

export function createBot(opts: BotOptions): Bot {
  const conversation = new Conversation(opts);
  const handler = new ComplaintsHandler(conversation);
  const pending = new Set<Promise<void>>();
  return {
    async run(context: TurnContext) {
      const later: Array<() => Promise<void>> = [];
      context.turnState.set(LATER, later);
      try {
        await handler.run(context);
      } finally {
        if (later.length) {
          const p = Promise.allSettled(later.map((job) => job())).then((results) => {
            for (const r of results)
              if (r.status === 'rejected')
                opts.log.error({ event: 'after_turn_failed', activityId: context.activity.id, err: r.reason }, 'work after the turn failed');
          });
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      }
    },
    async settled() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

class Conversation {
  private lastCleanup = 0;

  constructor(private readonly o: BotOptions) {}

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private render(c: CardOf): Record<string, unknown> {
    return (this.o.render as (name: CardName, data: unknown) => Record<string, unknown>)(c.name, c.data);
  }

  private async send(context: TurnContext, c: CardOf): Promise<void> {
    await context.sendActivity({ attachments: [CardFactory.adaptiveCard(this.render(c))] });
  }

  private answer(c: CardOf): AdaptiveCardInvokeResponse {
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: this.render(c) };
  }

  /** The directory id of the person (Teams gives it as aadObjectId; other channels only have from.id). */
  private actor(context: TurnContext): string {
    return context.activity.from?.aadObjectId ?? context.activity.from?.id ?? 'unknown';
  }

  private personal(context: TurnContext): boolean {
    const type = context.activity.conversation?.conversationType;
    return type === undefined || type === 'personal';
  }

  remember(context: TurnContext): void {
    this.afterTurn(context);
  }

  /** Work after the answer: remember the conversation (proactive messages) and now and then clear expired drafts. */
  private afterTurn(context: TurnContext): void {
    const later = context.turnState.get(LATER) as Array<() => Promise<void>> | undefined;
    if (!later) return;
    const remember = this.o.people?.remember;
    if (remember && this.personal(context) && context.activity.from?.aadObjectId) {
      const reference = TurnContext.getConversationReference(context.activity);
      const id = context.activity.from.aadObjectId;
      later.push(() => remember.call(this.o.people, id, reference));
    }
    const now = this.o.clock.now().getTime();
    if (now - this.lastCleanup > CLEANUP_EVERY_MS) {
      this.lastCleanup = now;
      later.push(async () => {
        const removed = await this.o.drafts.cleanup();
        if (removed) this.o.log.info({ event: 'drafts_expired', removed }, `${removed} abandoned complaint drafts deleted after 7 days`);
      });
    }
  }

  private async schoolsOf(actor: string): Promise<{ all: School[]; mine: School[] }> {
    const all = await this.o.deps.schools.list();
    return { all, mine: all.filter((s) => s.people.some((p) => p.id === actor)) };
  }

  private notStaff(): CardOf {
    return message(
      'You are not set up yet',
      'I do not know you as staff of a school here, so I cannot show or record complaints for you. Ask whoever set this app up (or your IT admin) to add you with "complaints school import".',
      'warning',
    );
  }

  private setup(): CardOf {
    return card('setup', setupCard());
  }

  /** The card for an error: plain words for the person, the details in the log. */
  private failure(e: unknown, context: TurnContext, what: string): CardOf {
    if (e instanceof AppError) {
      this.o.log.info({ event: 'refused', what, code: e.code, actor: this.actor(context), activityId: context.activity.id }, e.logMessage);
      if (e.code === 'CASE_NOT_FOUND') return message('Not found', NOT_FOUND);
      return message(
        e.code === 'DATABASE_UNAVAILABLE' ? 'Please try again in a few minutes' : 'That did not work',
        e.userMessage,
        e.code === 'DATABASE_UNAVAILABLE' ? 'attention' : 'warning',
      );
    }
    this.o.log.error(
      { event: 'turn_failed', what, actor: this.actor(context), activityId: context.activity.id, err: e },
      'unexpected error handling a Teams activity',
    );
    return message(
      'Something went wrong',
      `Something went wrong on our side and nothing was changed. Please try again; if it keeps happening, tell your IT admin (reference ${context.activity.id ?? 'unknown'}).`,
      'attention',
    );
  }

  // -------------------------------------------------------------------------------------------
  // Install

  async onInstalled(context: TurnContext): Promise<void> {
    const a = context.activity;
    const added = a.membersAdded ?? [];
    if (!this.personal(context) || !added.some((m) => m.id === a.recipient?.id || m.id === a.from?.id)) return;
    this.afterTurn(context);
    try {
      const { all, mine } = await this.schoolsOf(this.actor(context));
      if (!all.length) {
        this.o.log.info({ event: 'setup_offered', actor: this.actor(context) }, 'no school yet: setup card sent to the installing person');
        return await this.send(context, this.setup());
      }
      await this.send(
        context,
        card('welcome', { ...(a.from?.name ? { userName: a.from.name } : {}), ...(mine[0] ? { schoolName: mine[0].name } : {}), commands: COMMANDS }),
      );
    } catch (e) {
      await this.send(context, this.failure(e, context, 'install'));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Typed commands

  async onMessage(context: TurnContext): Promise<void> {
    this.afterTurn(context);
    if (!this.personal(context)) {
      await this.send(
        context,
        message(
          'Only in a 1:1 chat',
          'I work only in a 1:1 chat with you, so that nobody outside a complaint can read about it. Open a chat with me to record or follow complaints.',
        ),
      );
      return;
    }
    const raw = (TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '').replace(/\s+/g, ' ').trim();
    const text = raw.toLowerCase().replace(/[.!?]+$/, '');
    try {
      if (!text && context.activity.value) {
        return await this.send(context, message('This card is out of date', 'That button belongs to an older card. Type "help" to see what I can do.'));
      }
      if (/^(help|\?|commands|what can you do)$/.test(text)) return await this.send(context, card('help', { commands: COMMANDS }));
      if (/^(hi|hello|hey|start|good (morning|afternoon))\b/.test(text)) return await this.welcome(context);
      if (/^(new|new complaint|record( a)? complaint|add( a)? complaint|complaint)$/.test(text))
        return await this.send(context, await this.startIntake(context));
      if (/^(my cases|my complaints|cases|mine|my tasks)$/.test(text)) return await this.send(context, await this.myCases(context));
      if (/^(overdue|what is overdue|what's overdue)$/.test(text)) return await this.send(context, await this.overdue(context));
      const ref = /^(?:case|show|view)\s+(\S+?)[.!?]*$/i.exec(raw);
      if (ref) return await this.send(context, await this.showCase(context, ref[1]!));
      if (/^(case|show|view)$/.test(text))
        return await this.send(context, message('Which complaint?', 'Give its reference after "case", like: case NMAT-2026-0042'));
      if (text === 'setup' || text === 'set up')
        return await this.send(
          context,
          (await this.o.deps.schools.list()).length
            ? message('Already set up', 'A school is already set up here. Changes are made with "complaints school import" by your IT admin.')
            : this.setup(),
        );
      await this.send(
        context,
        message(
          'I did not catch that',
          `${text ? `I do not know "${raw.slice(0, 40)}". ` : ''}Type "new complaint" to record one, "my cases" for what you owe, "overdue" for what is late, "case" and a reference for one complaint, or "help".`,
        ),
      );
    } catch (e) {
      await this.send(context, this.failure(e, context, 'message'));
    }
  }

  private async welcome(context: TurnContext): Promise<void> {
    const { all, mine } = await this.schoolsOf(this.actor(context));
    if (!all.length) return this.send(context, this.setup());
    await this.send(
      context,
      card('welcome', {
        ...(context.activity.from?.name ? { userName: context.activity.from.name } : {}),
        ...(mine[0] ? { schoolName: mine[0].name } : {}),
        commands: COMMANDS,
      }),
    );
  }

  private intakeEnv(ctx: SchoolContext, actor: string): intake.IntakeEnv {
    return { deps: this.o.deps, ctx, actor, now: this.o.clock.now() };
  }

  private async startIntake(context: TurnContext): Promise<CardOf> {
    const actor = this.actor(context);
    const { all, mine } = await this.schoolsOf(actor);
    if (!all.length) return this.setup();
    const school = mine[0];
    if (!school) return this.notStaff();
    const draft = await this.o.drafts.create({ ownerId: actor, schoolId: school.id, step: 'complainant' });
    this.o.log.info({ event: 'intake_started', draftId: draft.id, schoolId: school.id, actor }, 'complaint intake started');
    return intake.start(draft.id, this.intakeEnv(schoolContext(school), actor)).card;
  }

  private async myCases(context: TurnContext): Promise<CardOf> {
    const actor = this.actor(context);
    const { all, mine } = await this.schoolsOf(actor);
    if (!all.length) return this.setup();
    if (!mine.length) return this.notStaff();
    const now = this.o.clock.now();
    const contexts = new Map(mine.map((s) => [s.id, schoolContext(s)]));
    const cases = (await listMyCases(this.o.deps, actor)).map((m) => caseListItem(m.case, contexts.get(m.case.schoolId)!, now, m.deadlines));
    return card('case-list', {
      title: 'Your complaints',
      empty: 'Nothing is waiting on you: no open complaint has you as its handler or owes you a deadline.',
      cases,
    });
  }

  private async overdue(context: TurnContext): Promise<CardOf> {
    const actor = this.actor(context);
    const { all, mine } = await this.schoolsOf(actor);
    if (!all.length) return this.setup();
    if (!mine.length) return this.notStaff();
    const allowed = mine.filter((s) => isSltOrClerk(s, actor));
    if (!allowed.length)
      return message('Only for SLT and the clerk', 'The overdue list of the whole school is for SLT and the clerk. Type "my cases" to see what you owe.');
    const now = this.o.clock.now();
    const cases: CardData['case-list']['cases'] = [];
    for (const s of allowed) {
      const ctx = schoolContext(s);
      for (const o of await listOverdue(this.o.deps, s.id, actor, now)) cases.push(caseListItem(o.case, ctx, now));
    }
    return card('case-list', { title: allowed.length === 1 ? `Overdue at ${allowed[0]!.name}` : 'Overdue', empty: 'Nothing is overdue. Well done.', cases });
  }

  private async showCase(context: TurnContext, reference: string): Promise<CardOf> {
    const actor = this.actor(context);
    try {
      const record = await viewCase(this.o.deps, actor, { reference: reference.toUpperCase() });
      const ctx = await loadSchool(this.o.deps, record.schoolId);
      return card('case-view', caseView(record, ctx, this.o.clock.now()));
    } catch (e) {
      // The same words whether it does not exist or is not theirs to see.
      if (e instanceof AppError && e.code === 'CASE_NOT_FOUND') {
        this.o.log.info({ event: 'case_not_found', actor }, e.logMessage);
        return message('Not found', NOT_FOUND);
      }
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Card actions (Universal Actions)

  async onAction(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    this.afterTurn(context);
    const verb = value.action?.verb ?? '';
    const data = (value.action?.data ?? {}) as Record<string, unknown>;
    const actor = this.actor(context);
    const started = Date.now();
    let result: CardOf;
    try {
      if (!this.personal(context))
        result = message('Only in a 1:1 chat', 'Complaints are handled only in a 1:1 chat with me, so that nobody outside a complaint can read about it.');
      else result = await this.dispatch(context, verb, data, actor);
    } catch (e) {
      result = this.failure(e, context, verb);
    }
    this.o.log.info(
      {
        event: 'card_action',
        verb,
        actor,
        caseId: typeof data.caseId === 'string' ? data.caseId : undefined,
        draftId: typeof data.draftId === 'string' ? data.draftId : undefined,
        card: result.name,
        ms: Date.now() - started,
      },
      `card action ${verb}`,
    );
    return this.answer(result);
  }

  private async dispatch(context: TurnContext, verb: string, data: Record<string, unknown>, actor: string): Promise<CardOf> {
    switch (verb) {
      case 'setup.submit':
        return this.submitSetup(context, data, actor);
      case 'intake.next':
      case 'intake.back':
      case 'intake.cancel':
      case 'intake.submit':
        return this.intakeAction(verb, data, actor);
      case 'case.open':
      case 'case.refresh':
        return this.openCase(context, data, actor);
      case 'case.acknowledge':
      case 'case.outcome':
      case 'case.extend':
      case 'case.reassign':
      case 'case.escalate':
        return this.caseAction(context, verb, data, actor);
      case 'letter.send':
      case 'letter.refresh':
        return letterAction(this.o, verb, data, actor, context.activity.from?.id ? [context.activity.from.id] : []);
      case 'panel.open':
      case 'panel.propose':
      case 'panel.back':
      case 'panel.book':
      case 'panel.responses':
      case 'panel.reschedule':
      case 'panel.cancel':
      case 'panel.answer':
      case 'panel.draw':
      case 'panel.replace':
        return panelAction({ deps: this.o.deps, log: this.o.log, now: this.o.clock.now() }, verb, data, actor);
      default:
        this.o.log.warn({ event: 'unknown_verb', verb, actor }, 'a card sent a verb the bot does not know');
        return message('This card is out of date', 'That button belongs to an older version of the app. Type "help" to see what I can do.');
    }
  }

  private async submitSetup(context: TurnContext, data: Record<string, unknown>, actor: string): Promise<CardOf> {
    const existing = await this.o.deps.schools.list();
    if (existing.length) {
      return message(
        'Already set up',
        `${existing.map((s) => s.name).join(', ')} ${existing.length === 1 ? 'is' : 'are'} already set up here. Changes are made with "complaints school import" by your IT admin.`,
      );
    }
    const r = await submitSetup(
      {
        deps: this.o.deps,
        ...(this.o.people?.lookup ? { people: this.o.people as PeopleLookup } : {}),
        installer: { id: actor, name: context.activity.from?.name ?? 'You' },
        now: this.o.clock.now(),
      },
      data,
    );
    if (!r.ok) return card('setup', r.card);
    this.o.log.info(
      { event: 'school_set_up', schoolId: r.school.id, policyId: r.school.policyId, people: r.school.people.length, actor },
      'school set up from Teams',
    );
    const warnings = r.warnings.length ? `\n\nWorth fixing (with "complaints school import"):\n${r.warnings.map((w) => `- ${w}`).join('\n')}` : '';
    return message(
      `${r.school.name} is set up`,
      `Complaints are now handled under ${r.policy.name}. Type "new complaint" to record the first one, or "help" to see what I can do.${warnings}`,
      warnings ? 'warning' : 'good',
    );
  }

  private async intakeAction(verb: string, data: Record<string, unknown>, actor: string): Promise<CardOf> {
    const draftId = blank(data.draftId);
    const draft = draftId ? await this.o.drafts.get(draftId, actor) : null;
    if (!draft) {
      return message(
        'This draft is no longer here',
        'Drafts of complaints are kept for 7 days, and only for the person who started them. Nothing was recorded from it. Type "new complaint" to start again.',
        'warning',
      );
    }
    if (verb === 'intake.cancel') {
      await this.o.drafts.delete(draft.id, actor);
      this.o.log.info({ event: 'intake_cancelled', draftId: draft.id, actor }, 'complaint intake cancelled');
      return message('Cancelled', 'Nothing was recorded, and the draft is deleted.');
    }
    const ctx = await loadSchool(this.o.deps, draft.schoolId);
    const env = this.intakeEnv(ctx, actor);
    const state: intake.IntakeState = {
      id: draft.id,
      step: intake.isStep(draft.step) ? draft.step : 'complainant',
      values: draft.values,
      extra: draft.extra as intake.IntakeState['extra'],
    };
    const step = intake.isStep(data.step) ? data.step : state.step;
    const result =
      verb === 'intake.back'
        ? intake.back(state, step, data, env)
        : verb === 'intake.submit'
          ? await intake.submit({ ...state, step: 'review' }, data, env)
          : await intake.next(state, step, data, env);
    if (result.kind === 'ended') {
      await this.o.drafts.delete(draft.id, actor);
      if (result.recorded)
        this.o.log.info(
          {
            event: 'complaint_recorded',
            caseId: result.recorded.id,
            reference: result.recorded.reference,
            schoolId: result.recorded.schoolId,
            draftId: draft.id,
            actor,
          },
          'complaint recorded from Teams',
        );
      else this.o.log.info({ event: 'intake_ended', draftId: draft.id, actor }, 'complaint intake ended without recording');
      return result.card;
    }
    await this.o.drafts.save({ id: draft.id, ownerId: actor, step: result.state.step, values: result.state.values, extra: result.state.extra });
    if (Object.keys(result.errors).length)
      this.o.log.info(
        { event: 'intake_invalid', draftId: draft.id, step: result.state.step, fields: Object.keys(result.errors) },
        'intake step needs correcting',
      );
    return result.card;
  }

  /** The case as this person may see it, or CASE_NOT_FOUND (the same for a case that is not theirs). */
  private async visibleCase(data: Record<string, unknown>, actor: string): Promise<{ record: CaseRecord; ctx: SchoolContext }> {
    const caseId = blank(data.caseId);
    if (!caseId) throw new AppError('CASE_NOT_FOUND', NOT_FOUND, 'card action without a caseId');
    const record = await viewCase(this.o.deps, actor, { caseId });
    return { record, ctx: await loadSchool(this.o.deps, record.schoolId) };
  }

  private task(
    context: TurnContext,
    record: CaseRecord,
    ctx: SchoolContext,
    actor: string,
    extra: { notice?: string; values?: Record<string, string>; errors?: Record<string, string> } = {},
  ): CardOf {
    return card(
      'case-task',
      caseTask(record, ctx, actor, { now: this.o.clock.now(), refreshUserIds: context.activity.from?.id ? [context.activity.from.id] : [], ...extra }),
    );
  }

  private async openCase(context: TurnContext, data: Record<string, unknown>, actor: string): Promise<CardOf> {
    const { record, ctx } = await this.visibleCase(data, actor);
    return this.task(context, record, ctx, actor);
  }

  /** Why this action cannot be done again on the case as it is now, in the words the card shows. */
  private alreadyDone(verb: string, record: CaseRecord, ctx: SchoolContext): string | undefined {
    const events = currentStageEvents(record, ctx.policy);
    const status = record.state.status;
    // A case closed because the escalation window lapsed can still take a late request (the use case decides).
    if (status !== 'open' && !(verb === 'case.escalate' && status === 'closed')) {
      const when = record.state.closedOn && status !== 'out_of_scope' ? ` on ${formatDate(record.state.closedOn)}` : '';
      return `${record.reference} was ${status === 'out_of_scope' ? 'recorded as out of scope' : status}${when}: there is nothing more to do on it.`;
    }
    const responded = lastOfType(events, 'responded');
    if (verb === 'case.acknowledge') {
      const ack = lastOfType(events, 'acknowledged');
      if (ack) return `Already acknowledged by ${byWhom(ack, ctx)}.`;
      if (responded) return `Already answered: the outcome was recorded by ${byWhom(responded, ctx)}.`;
    }
    if (verb === 'case.outcome' && responded)
      return `The outcome of stage ${record.state.stage} was already recorded by ${byWhom(responded, ctx)}: ${OUTCOME_LABELS[responded.outcome ?? ''] ?? responded.outcome}.`;
    return undefined;
  }

  private async caseAction(context: TurnContext, verb: string, data: Record<string, unknown>, actor: string): Promise<CardOf> {
    const { record, ctx } = await this.visibleCase(data, actor);
    const values: Record<string, string> = {};
    for (const f of TASK_FIELDS) if (data[f] !== undefined && data[f] !== null) values[f] = String(data[f]);
    const version = Number(data.version);
    const expectedVersion = Number.isInteger(version) && version >= 0 ? version : undefined;
    const done = this.alreadyDone(verb, record, ctx);
    if (done) return this.task(context, record, ctx, actor, { notice: done });

    const deps = this.o.deps;
    const caseId = record.id;
    let after: CaseRecord;
    try {
      switch (verb) {
        case 'case.acknowledge':
          after = await acknowledge(deps, actor, { caseId, expectedVersion });
          break;
        case 'case.outcome':
          after = await recordOutcome(deps, actor, { caseId, outcome: blank(data.outcome) as never, decision: blank(data.decision) ?? '', expectedVersion });
          break;
        case 'case.extend':
          after = await extendDeadline(deps, actor, {
            caseId,
            kind: blank(data.extendKind) as never,
            due: blank(data.extendDue) ?? '',
            reason: blank(data.extendReason) ?? '',
            expectedVersion,
          });
          break;
        case 'case.reassign':
          after = await assignHandler(deps, actor, {
            caseId,
            personId: blank(data.reassignTo) ?? '',
            reason: blank(data.reassignReason) ?? '',
            expectedVersion,
          });
          break;
        default: {
          const grounds = blank(data.escalateGrounds);
          after = await requestEscalation(deps, actor, { caseId, ...(grounds ? { grounds } : {}), expectedVersion });
        }
      }
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      const current = (await deps.cases.get(caseId)) ?? record;
      if (e.code === 'VERSION_CONFLICT') {
        this.o.log.info({ event: 'action_conflict', verb, caseId, actor, expectedVersion, version: current.version }, e.logMessage);
        const last = current.events[current.events.length - 1];
        const notice =
          this.alreadyDone(verb, current, ctx) ??
          `${last ? `${personName(ctx.school, last.by) ?? 'Someone'} changed this complaint` : 'This complaint changed'} after this card was drawn. This is where it stands now: check it and try again.`;
        return this.task(context, current, ctx, actor, { notice, values });
      }
      this.o.log.info({ event: 'action_refused', verb, caseId, actor, code: e.code, field: e.field }, e.logMessage);
      const field = taskField(verb, e.field);
      const text = e.userMessage.replace(/^[\w.[\]]+: /, '');
      return this.task(context, current, ctx, actor, field ? { values, errors: { [field]: text } } : { values, notice: text });
    }
    this.o.log.info(
      { event: 'case_action', verb, caseId, actor, version: after.version, stage: after.state.stage, status: after.state.status },
      `${verb} done`,
    );
    return this.task(context, after, ctx, actor, { notice: doneNotice(verb, record, after, ctx, actor, this.o.clock.now()) });
  }
}

/** A use case's field -> the task card's input id. */
function taskField(verb: string, field: string | undefined): string | undefined {
  if (!field) return undefined;
  const map: Record<string, Record<string, string>> = {
    'case.outcome': { outcome: 'outcome', decision: 'decision' },
    'case.extend': { kind: 'extendKind', due: 'extendDue', reason: 'extendReason' },
    'case.reassign': { personId: 'reassignTo', reason: 'reassignReason' },
    'case.escalate': { grounds: 'escalateGrounds', receivedAt: 'escalateGrounds' },
  };
  return map[verb]?.[field];
}

/** Where the letter this action queued stands: held for the person to check first, or on its way. */
function letterNotice(what: string, before: CaseRecord, after: CaseRecord, ctx: SchoolContext, now: Date): string {
  const queued = new Set(before.outbox.map((o) => o.key));
  const held = after.outbox.find((o) => o.kind === 'letter' && !queued.has(o.key) && o.holdUntil && new Date(o.holdUntil).getTime() > now.getTime());
  if (!held) return `The ${what} letter to the complainant is on its way.`;
  const at = formatInstant(held.holdUntil!, ctx.calendar.timezone).replace(/^.*, /, '');
  return `The ${what} letter is in your chat for you to check; it goes at ${at} unless you send it sooner.`;
}

function doneNotice(verb: string, before: CaseRecord, after: CaseRecord, ctx: SchoolContext, actor: string, now: Date): string {
  const who = personName(ctx.school, actor) ?? 'you';
  const on = formatDay(now, ctx.calendar.timezone);
  const handler = personName(ctx.school, after.state.handlerId);
  switch (verb) {
    case 'case.acknowledge':
      return `Acknowledged by ${who} on ${on}. ${letterNotice('acknowledgement', before, after, ctx, now)}`;
    case 'case.outcome': {
      const outcome = OUTCOME_LABELS[after.state.outcome ?? ''] ?? lastOfType(after.events, 'responded')?.outcome ?? '';
      const moved =
        after.state.stage !== before.state.stage
          ? ` The complaint moves to stage ${after.state.stage}${handler ? `, with ${handler}` : ''}.`
          : after.state.status === 'closed'
            ? ' The complaint is now closed.'
            : '';
      return `Outcome recorded by ${who} on ${on}: ${outcome}. ${letterNotice('outcome', before, after, ctx, now)}${moved}`;
    }
    case 'case.extend': {
      const e = lastOfType(after.events, 'deadline_extended');
      return `${kindLabel(e?.kind ?? '')} deadline moved to ${e?.due ? formatDate(e.due) : 'the new date'} by ${who}. The complainant is told by letter.`;
    }
    case 'case.reassign':
      return `Stage ${after.state.stage} is now with ${handler ?? 'the person chosen'} (by ${who} on ${on}); they have been sent the task.`;
    default:
      return `The complainant's request for the next stage was recorded by ${who} on ${on}. Stage ${after.state.stage} is now with ${handler ?? 'nobody yet: nobody holds the role that handles it, so SLT or the clerk need to reassign it'}.`;
  }
}
