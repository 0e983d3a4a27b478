/**
 * The clerk's panel booking in Teams: one card (cards/panel-booking.json) in steps, opened from
 * the task card of a hearing stage by whoever manages the case (the clerk, SLT, or the owner of
 * the hearing deadline).
 *
 *   choose (panel.propose) -> date (panel.book; panel.back keeps the choice) -> booked
 *   booked: panel.responses (check answers now), panel.answer (the complainant's answer, given by
 *           phone, letter or email), panel.reschedule (-> date, reason required),
 *           panel.cancel (reason required) -> choose again
 *
 * The card carries its own state: the date step's buttons send the first step's choice back, so
 * nothing is kept between cards. Every submission is checked with zod first; a wrong field comes
 * back on the same card with the error under it and what was typed kept, and nothing is saved.
 * The use cases (src/app/proposeHearingDates, bookHearing, cancelHearing, checkHearingResponses)
 * decide; their field errors are put under the card's own field. Changes go with the version the
 * card was drawn at: if someone else changed the case meanwhile, or the action was already done,
 * the answer is the case as it stands now with a notice saying who did what, and what was typed
 * kept. The system's own record-keeping (the Outlook event noted, answers read hourly, a letter
 * let go) is not "someone else": when nothing but that happened since the card was drawn (the
 * card carries the number of events it saw), the action is done on the current version instead.
 *
 * A stage whose panel is picked at random (KPSSPP Stage One's complaints subgroup) has no hearing:
 * its panel button opens the draw instead (cards/panel-draw.json, src/app/drawSubgroup.ts):
 *
 *   draw (panel.draw) -> drawn: panel.replace (one member, reason required),
 *                               panel.draw (a new subgroup, reason required)
 */
import { z } from 'zod';
import { managesCase } from '../src/app/authorisation.js';
import { bookHearing } from '../src/app/bookHearing.js';
import { SYSTEM, drawnSubgroup, loadSchool, type Deps, type SchoolContext } from '../src/app/caseFlow.js';
import { cancelHearing, hearingCancelledLetterKey } from '../src/app/cancelHearing.js';
import { checkHearingResponses, currentHearing, type HearingStatus } from '../src/app/checkHearingResponses.js';
import { drawSubgroup, replaceSubgroupMember, subgroupDraws, subgroupPool } from '../src/app/drawSubgroup.js';
import { AppError } from '../src/app/errors.js';
import { latestBooking, organiserChoices, panelCandidates, panelProblems } from '../src/app/panel.js';
import type { CaseRecord, StoredEvent } from '../src/app/ports.js';
import { proposeHearingDates, type HearingProposal } from '../src/app/proposeHearingDates.js';
import { complainantGetsEmail } from '../src/app/complainant.js';
import { recordComplainantAnswer } from '../src/app/recordComplainantAnswer.js';
import { viewCase } from '../src/app/viewCase.js';
import type { TimeZone } from '../src/domain/dates.js';
import { amountText } from '../src/domain/hearing.js';
import { roleText } from '../src/letters/letters.js';
import type { Log } from '../src/log.js';
import type { FieldErrors, PanelBookingCard, PanelChoice, PanelDrawCard, Verb } from './cardTypes.js';
import {
  byWhom,
  card,
  caseHeader,
  currentStageEvents,
  formatDate,
  formatDay,
  formatInstant,
  formatSlot,
  historyText,
  lastOfType,
  names,
  panelRule,
  personName,
  taskCan,
  type CardOf,
} from './views.js';

export interface PanelEnv {
  deps: Deps;
  log: Log;
  now: Date;
}

/** The panel card's verbs: those of cardTypes' VERBS that start with "panel.". */
export type PanelVerb = Extract<Verb, `panel.${string}`>;

const NOT_FOUND = 'No complaint was found.';
const CHOICE_FIELDS = ['memberIds', 'organiser', 'venue', 'online', 'durationMinutes'] as const;
const DATE_FIELDS = ['slot', 'otherStart', 'reason'] as const;
const ANSWER_FIELDS = ['complainantAnswer', 'answerReceivedOn', 'answerNote'] as const;
const DEFAULT_MINUTES = '120';

/**
 * What the system records by itself (the Outlook event noted, answers read hourly) and a letter
 * let go from its preview: none of them changes what a booking or a cancellation decides, and the
 * use case checks everything again on the current version anyway.
 */
const RECORD_KEEPING: ReadonlySet<string> = new Set(['hearing_booked', 'hearing_responses', 'letter_approved']);
const isRecordKeeping = (e: StoredEvent) => RECORD_KEEPING.has(e.type) && (e.by === SYSTEM || e.type === 'letter_approved');

const ANSWER_WORDS: Record<string, string> = { accepted: 'Accepted', tentativelyAccepted: 'Maybe (tentative)', declined: 'Declined', none: 'No answer yet' };

// ---------------------------------------------------------------------------------------------
// What the card sends, checked with zod

const text = (v: unknown): string => (Array.isArray(v) ? v.join(',') : v === undefined || v === null ? '' : String(v));
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const split = (s: string) => [
  ...new Set(
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
];

const choiceSchema = z.object({
  memberIds: z.string().transform(split).pipe(z.array(z.string()).min(1, 'Choose the panel members.')),
  organiser: z.preprocess(
    blankToUndefined,
    z.email({ message: "Enter the organiser's email address, such as clerk@school.org.uk: the invitation comes from that calendar." }).optional(),
  ),
  venue: z.preprocess(blankToUndefined, z.string().trim().max(200, 'Keep the venue under 200 characters.').optional()),
  online: z.enum(['true', 'false']).default('true'),
  durationMinutes: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? DEFAULT_MINUTES : v),
    z.coerce
      .number({ message: 'Enter the length in minutes, such as 120.' })
      .int('Enter the length in whole minutes, such as 120.')
      .min(30, 'A hearing lasts at least 30 minutes.')
      .max(480, 'A hearing lasts at most 8 hours (480 minutes).'),
  ),
});
type Choice = z.output<typeof choiceSchema>;

const WHEN = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$/;
const dateSchema = z
  .object({
    slot: z.string({ message: 'Choose a date and time, or "another date and time".' }).trim().min(1, 'Choose a date and time, or "another date and time".'),
    otherStart: z.preprocess(blankToUndefined, z.string().trim().regex(WHEN, 'Type the date and time like 2026-12-16 14:00 (school time).').optional()),
    reason: z.preprocess(blankToUndefined, z.string().trim().min(3, 'Give the reason in a few words.').max(2000).optional()),
  })
  .superRefine((v, ctx) => {
    if (v.slot === 'other' && !v.otherStart)
      ctx.addIssue({ code: 'custom', path: ['otherStart'], message: 'Type the date and time, like 2026-12-16 14:00 (school time).' });
  });

const answerSchema = z.object({
  complainantAnswer: z.enum(['accepted', 'declined'], { message: 'Choose whether the complainant accepted or declined this date.' }),
  answerReceivedOn: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'Give the day their answer arrived, like 2026-12-01.')
      .optional(),
  ),
  answerNote: z.preprocess(blankToUndefined, z.string().trim().max(500, 'Keep the note under 500 characters.').optional()),
});

const drawSchema = z.object({
  drawReason: z.preprocess(
    blankToUndefined,
    z.string().trim().min(3, 'Give the reason for drawing a new subgroup in a few words.').max(2000, 'Keep the reason under 2000 characters.').optional(),
  ),
});

const replaceSchema = z.object({
  replaceMemberId: z.string({ message: 'Choose who to replace.' }).trim().min(1, 'Choose who to replace.'),
  replaceReason: z
    .string({ message: 'Give the reason for replacing them.' })
    .trim()
    .min(3, 'Give the reason for replacing them in a few words.')
    .max(2000, 'Keep the reason under 2000 characters.'),
});

const cancelSchema = z.object({
  cancelReason: z
    .string({ message: 'Give the reason the hearing is cancelled: the complainant and the panel are told.' })
    .trim()
    .min(3, 'Give the reason the hearing is cancelled: the complainant and the panel are told.')
    .max(2000),
});

function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!(field in errors)) errors[field] = issue.message;
  }
  return errors;
}

function pick(data: Record<string, unknown>, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) if (data[f] !== undefined && data[f] !== null) out[f] = text(data[f]);
  return out;
}

/** "2026-12-16 9:30" -> "2026-12-16T09:30", the school wall clock bookHearing reads. */
function wallClock(s: string): string {
  const m = WHEN.exec(s.trim());
  return m ? `${m[1]}T${m[2]!.padStart(2, '0')}:${m[3]}` : s.trim();
}

/** An instant as the school's wall clock, "2026-12-15T10:00": the value of a proposed slot. */
function wallClockOf(ms: number, tz: TimeZone): string {
  return new Date(ms + tz.offsetMs(ms)).toISOString().slice(0, 16);
}

/** The use case's words without its "field: " prefix. */
const plain = (e: AppError) => e.userMessage.replace(/^[\w.[\]]+: /, '');

/** Policy quotes shortened to their section ("(§14: \"...\")" -> "(NMAT §14)"): the card states the rule once, the letters quote it. */
function shortCites(s: string, policyId: string): string {
  return s.replace(/\s*\(([^()":]+): "[\s\S]*?"(?:[^()]*)\)/g, (_m, section: string) => ` (${policyId.toUpperCase()} ${section.trim()})`);
}

// ---------------------------------------------------------------------------------------------
// The conversation

export async function panelAction(env: PanelEnv, verb: string, data: Record<string, unknown>, actor: string): Promise<CardOf> {
  const { record, ctx } = await visibleCase(env, data, actor);
  const version = Number(data.version);
  const cardVersion = Number.isInteger(version) && version >= 0 ? version : undefined;
  const seen = data.events === undefined || data.events === '' ? Number.NaN : Number(data.events);
  const cardEvents = Number.isInteger(seen) && seen >= 0 ? seen : undefined;
  if (verb === 'panel.draw' || verb === 'panel.replace' || ctx.policy.stages[record.state.stage - 1]?.panel?.selection === 'random') {
    const refused = mayDraw(record, ctx, actor, env.now);
    if (refused) return refused;
    const s = new Subgroup(env, record, ctx, actor, { version: cardVersion, events: cardEvents });
    if (verb === 'panel.draw') return s.draw(data, cardVersion);
    if (verb === 'panel.replace') return s.replace(data, cardVersion);
    // panel.open, or a booking button on a card from before: the subgroup as it stands.
    return s.current();
  }
  const refusal = mayBook(record, ctx, actor, env.now);
  if (refusal) return refusal;
  const p = new Panel(env, record, ctx, actor, { version: cardVersion, events: cardEvents });
  switch (verb as PanelVerb) {
    case 'panel.open':
      return p.current();
    case 'panel.back':
      return p.choose({ values: pick(data, CHOICE_FIELDS) });
    case 'panel.propose':
      return p.propose(data, cardVersion);
    case 'panel.book':
      return p.book(data, cardVersion);
    case 'panel.responses':
      return p.responses();
    case 'panel.reschedule':
      return p.reschedule(cardVersion);
    case 'panel.cancel':
      return p.cancel(data, cardVersion);
    case 'panel.answer':
      return p.answer(data, cardVersion);
    default:
      return card('message', {
        title: 'This card is out of date',
        text: 'That button belongs to an older version of the app. Type "help" to see what I can do.',
      });
  }
}

/** The case if this person may see it; CASE_NOT_FOUND (the same words as a case that does not exist) otherwise. */
async function visibleCase(env: PanelEnv, data: Record<string, unknown>, actor: string): Promise<{ record: CaseRecord; ctx: SchoolContext }> {
  const caseId = typeof data.caseId === 'string' ? data.caseId.trim() : '';
  if (!caseId) throw new AppError('CASE_NOT_FOUND', NOT_FOUND, 'panel card action without a caseId');
  const record = await viewCase(env.deps, actor, { caseId });
  return { record, ctx: await loadSchool(env.deps, record.schoolId) };
}

/** Why this person cannot draw or change the subgroup of the case as it is now, as a card; undefined when they can. */
function mayDraw(record: CaseRecord, ctx: SchoolContext, actor: string, now: Date): CardOf | undefined {
  const stage = ctx.policy.stages[record.state.stage - 1];
  const warn = (title: string, text: string) => card('message', { title, text, tone: 'warning' });
  if (record.state.status !== 'open')
    return warn('Nothing to draw', `${record.reference} is ${record.state.status.replace(/_/g, ' ')}: there is no subgroup to draw.`);
  if (stage?.panel?.selection !== 'random')
    return warn(
      'No subgroup at this stage',
      `${record.reference} is at stage ${record.state.stage} (${stage?.name ?? 'unknown'}), which has no subgroup drawn at random under ${ctx.policy.name}.`,
    );
  if (taskCan(record, ctx, actor, now).bookPanel) return undefined;
  if (record.state.flags.includes('paused')) return warn('The complaint is paused', `${record.reference} is paused: resume it before drawing the subgroup.`);
  if (!managesCase(ctx.school, record, actor))
    return warn(
      'Not yours to draw',
      `Only the clerk, SLT or whoever handles stage ${record.state.stage} can draw or change the complaints subgroup for ${record.reference}.`,
    );
  return warn('The subgroup has finished', `The outcome of stage ${record.state.stage} of ${record.reference} is already recorded.`);
}

/** Why this person cannot book the panel on the case as it is now, as a card; undefined when they can. */
function mayBook(record: CaseRecord, ctx: SchoolContext, actor: string, now: Date): CardOf | undefined {
  if (taskCan(record, ctx, actor, now).bookPanel) return undefined;
  const stage = ctx.policy.stages[record.state.stage - 1];
  if (record.state.status !== 'open')
    return card('message', {
      title: 'Nothing to book',
      text: `${record.reference} is ${record.state.status.replace(/_/g, ' ')}: there is no hearing to book.`,
      tone: 'warning',
    });
  if (!stage?.panel?.hearing)
    return card('message', {
      title: 'No panel hearing at this stage',
      text: `${record.reference} is at stage ${record.state.stage} (${stage?.name ?? 'unknown'}), which has no panel hearing under ${ctx.policy.name}.`,
      tone: 'warning',
    });
  if (record.state.flags.includes('paused'))
    return card('message', { title: 'The complaint is paused', text: `${record.reference} is paused: resume it before booking the hearing.`, tone: 'warning' });
  if (!managesCase(ctx.school, record, actor))
    return card('message', {
      title: 'Not yours to book',
      text: `Only the clerk, SLT or whoever convenes the hearing can book the panel for ${record.reference}.`,
      tone: 'warning',
    });
  return card('message', {
    title: 'Nothing to book',
    text: `The outcome of stage ${record.state.stage} of ${record.reference} is already recorded.`,
    tone: 'warning',
  });
}

interface Extra {
  values?: Record<string, string>;
  errors?: FieldErrors;
  notice?: string;
  noticeTone?: 'good' | 'warning';
}

/** The case as the card that was pressed saw it: its version and how many events it had. */
interface Seen {
  version?: number;
  events?: number;
}

/** A change, done; or refused because the case changed in a way the person must look at first. */
type Attempt = { record: CaseRecord } | { conflict: AppError };

/** What both panel cards share: the case as the pressed card saw it, and changing it safely. */
abstract class CaseCard {
  constructor(
    protected readonly env: PanelEnv,
    protected record: CaseRecord,
    protected readonly ctx: SchoolContext,
    protected readonly actor: string,
    protected readonly seen: Seen = {},
  ) {}

  protected get deps(): Deps {
    return this.env.deps;
  }

  protected log(event: string, fields: Record<string, unknown>, msg: string): void {
    this.env.log.info({ event, caseId: this.record.id, actor: this.actor, ...fields }, msg);
  }

  /**
   * Runs a change on the card's version. If the case has moved on since, and only by the system's
   * record-keeping (or by nothing the events show), it is run once more on the current version:
   * the use case checks everything again there. Otherwise the conflict is handed back, with the
   * case as it stands now in this.record.
   */
  protected async attempt(verb: string, cardVersion: number | undefined, run: (expectedVersion: number | undefined) => Promise<CaseRecord>): Promise<Attempt> {
    try {
      return { record: await run(cardVersion) };
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'VERSION_CONFLICT') throw e;
      this.record = (await this.deps.cases.get(this.record.id)) ?? this.record;
      const since = this.seen.events !== undefined && this.seen.events <= this.record.events.length ? this.since() : undefined;
      if (!since || !since.every(isRecordKeeping)) {
        this.log('action_conflict', { verb, expectedVersion: cardVersion, version: this.record.version }, e.logMessage);
        return { conflict: e };
      }
      this.log(
        'action_retried',
        { verb, expectedVersion: cardVersion, version: this.record.version, events: since.length },
        'only record-keeping since the card was drawn: acting on the current version',
      );
      try {
        return { record: await run(this.record.version) };
      } catch (again) {
        if (!(again instanceof AppError) || again.code !== 'VERSION_CONFLICT') throw again;
        this.record = (await this.deps.cases.get(this.record.id)) ?? this.record;
        this.log('action_conflict', { verb, expectedVersion: cardVersion, version: this.record.version }, again.logMessage);
        return { conflict: again };
      }
    }
  }

  /** The events recorded since the card was drawn (all of them if the card did not say how many it saw: the last one then). */
  protected since(): StoredEvent[] {
    const n = this.seen.events;
    return n !== undefined && n <= this.record.events.length ? this.record.events.slice(n) : this.record.events.slice(-1);
  }

  /** "Dev Deputy changed this complaint after this card was drawn ...": who, from the events since, the system's record-keeping aside. */
  protected changedNotice(button: string): string {
    const by = [...this.since()].reverse().find((e) => !isRecordKeeping(e))?.by;
    const who = (by && personName(this.ctx.school, by)) ?? 'Someone';
    return `${who} changed this complaint after this card was drawn. Nothing was saved: check it as it stands now, and press ${button} again if it is still right.`;
  }
}

class Panel extends CaseCard {
  private readonly tz: TimeZone;

  constructor(env: PanelEnv, record: CaseRecord, ctx: SchoolContext, actor: string, seen: Seen = {}) {
    super(env, record, ctx, actor, seen);
    this.tz = ctx.calendar.timezone;
  }

  private base(step: PanelBookingCard['step'], extra: Extra): PanelBookingCard {
    return {
      step,
      header: caseHeader(this.record, this.ctx),
      eventCount: this.record.events.length,
      rule: panelRule(this.ctx.policy, this.record.state.stage),
      values: extra.values ?? {},
      errors: extra.errors ?? {},
      ...(extra.notice ? { notice: extra.notice, noticeTone: extra.noticeTone ?? 'good' } : {}),
    };
  }

  private hearing(): HearingStatus | null {
    const h = currentHearing(this.record, this.ctx, this.env.now);
    return h && !h.cancelled ? h : null;
  }

  /** The case as it stands: the booked hearing, or the first step. */
  current(extra: Extra = {}): CardOf {
    const h = this.hearing();
    return h ? this.booked(h, extra) : this.choose(extra);
  }

  // ---- step 1

  choose(extra: Extra = {}): CardOf {
    const candidates = panelCandidates(this.ctx, this.record);
    const last = latestBooking(this.record, this.record.state.stage);
    const organisers = organiserChoices(this.ctx, this.record, this.actor);
    const me = organisers.find((o) => o.as === 'you')?.email;
    // A new booking starts from the last one's choices (after a cancellation), else from the clerk's own mailbox.
    const lastOrganiser = organisers.find((o) => o.email === last?.organiser)?.email;
    const values: Record<string, string> = {
      memberIds: last?.memberIds.join(',') ?? '',
      organiser: lastOrganiser ?? me ?? '',
      venue: last?.venue ?? '',
      online: last ? String(last.online) : 'true',
      durationMinutes: last?.start && last.end ? String(Math.round((last.end.getTime() - last.start.getTime()) / 60_000)) : DEFAULT_MINUTES,
      ...extra.values,
    };
    const chosen = split(values.memberIds ?? '');
    const problems = chosen.length ? panelProblems(this.ctx, this.record, chosen) : [];
    // The number field shows a number only; a blank length is the default one.
    const typed = (values.durationMinutes ?? '').trim();
    const minutes = typed === '' || !Number.isFinite(Number(typed)) ? Number(DEFAULT_MINUTES) : Number(typed);
    const ruleMet = chosen.length > 0 && problems.length === 0;
    return card('panel-booking', {
      ...this.base('choose', { ...extra, values }),
      choose: {
        ruleMet,
        ruleStatus: !chosen.length
          ? 'Nobody is chosen yet.'
          : ruleMet
            ? `The ${chosen.length} people chosen meet the rule.`
            : `The people chosen do not meet the rule yet: ${shortCites(problems.join(' '), this.ctx.policy.id)}`,
        candidates: candidates.filter((c) => !c.excluded).map((c) => ({ id: c.id, title: c.independent ? `${c.name} (independent of the school)` : c.name })),
        excluded: candidates.filter((c) => c.excluded).map((c) => ({ name: c.name, why: c.excluded! })),
        organisers: organisers.map((o) => ({ value: o.email, title: `${o.name} (${o.email})` })),
        durationMinutes: minutes,
      },
    });
  }

  /** The first step's fields, checked; or the first step again with the errors under them. */
  private checkChoice(data: Record<string, unknown>): { choice: Choice; values: Record<string, string> } | { card: CardOf } {
    const values = pick(data, CHOICE_FIELDS);
    const parsed = choiceSchema.safeParse({ online: 'true', durationMinutes: DEFAULT_MINUTES, ...values });
    if (!parsed.success) return { card: this.choose({ values, errors: fieldErrors(parsed.error) }) };
    const problems = panelProblems(this.ctx, this.record, parsed.data.memberIds);
    if (problems.length) return { card: this.choose({ values, errors: { memberIds: shortCites(problems.join(' '), this.ctx.policy.id) } }) };
    return { choice: parsed.data, values };
  }

  async propose(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const stale = this.bookedSince(cardVersion);
    if (stale) return stale;
    const checked = this.checkChoice(data);
    if ('card' in checked) {
      this.log('panel_invalid', { step: 'choose', fields: Object.keys((checked.card.data as PanelBookingCard).errors) }, 'panel choice needs correcting');
      return checked.card;
    }
    return this.dates(checked.choice, checked.values, {});
  }

  // ---- step 2

  /** Asks for free slots for this panel and draws the date step. */
  private async dates(choice: Choice, values: Record<string, string>, extra: Extra): Promise<CardOf> {
    let proposal: HearingProposal;
    try {
      proposal = await proposeHearingDates(this.deps, this.actor, {
        caseId: this.record.id,
        memberIds: choice.memberIds,
        ...(choice.organiser ? { organiser: choice.organiser } : {}),
        durationMinutes: choice.durationMinutes,
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE' || e.code === 'NOT_AUTHORISED') throw e;
      this.log('panel_refused', { step: 'propose', code: e.code, field: e.field }, e.logMessage);
      const field = e.field && (CHOICE_FIELDS as readonly string[]).includes(e.field) ? e.field : 'form';
      return this.choose({ values, errors: { [field]: plain(e) } });
    }
    this.record = proposal.record;
    const rescheduling = this.hearing() !== null;
    const candidates = new Map(panelCandidates(this.ctx, this.record).map((c) => [c.id, c]));
    const panel = names(
      choice.memberIds.map((id) => {
        const c = candidates.get(id);
        const name = c?.name ?? personName(this.ctx.school, id) ?? id;
        return c?.independent ? `${name} (independent of the school)` : name;
      }),
    );
    const slots = proposal.slots.map((s) => ({
      value: wallClockOf(s.start, this.tz),
      title: `${formatSlot(s.start, s.end, this.tz)}${s.insideWindow ? '' : ' (outside the window)'}`,
    }));
    const unread = proposal.unavailable.map((u) => u.name);
    const unavailable = proposal.calendarError
      ? `Nobody's calendar could be read, so these times fit the policy's window but no diary was checked: check with the panel that they suit. ${proposal.calendarError.replace(/([^.])$/, '$1.')}`
      : !proposal.calendarsRead
        ? "Calendars are not connected (Microsoft 365): these times fit the policy's window, but check with the panel that they suit."
        : unread.length === 1
          ? `${unread[0]}'s calendar could not be read: check with them that the time suits.`
          : unread.length
            ? `The calendars of ${names(unread)} could not be read: check with them that the time suits.`
            : undefined;
    const choiceOut: PanelChoice = {
      memberIds: choice.memberIds.join(','),
      organiser: proposal.organiser,
      venue: choice.venue ?? '',
      online: String(choice.online === 'true'),
      durationMinutes: String(choice.durationMinutes),
    };
    this.log(
      'panel_proposed',
      { members: choice.memberIds.length, slots: slots.length, unread: unread.length, calendarsRead: proposal.calendarsRead },
      'hearing dates proposed',
    );
    return card('panel-booking', {
      ...this.base('date', { ...extra, values: { slot: slots[0]?.value ?? 'other', ...extra.values } }),
      date: { window: this.windowText(proposal), panel, slots, ...(unavailable ? { unavailable } : {}), rescheduling, choice: choiceOut },
    });
  }

  private windowText(p: HearingProposal): string {
    const w = p.window;
    const id = this.ctx.policy.id;
    const earliest = formatDate(w.earliest);
    if (w.latest === null || w.latestBecause === null) return `From ${earliest}: ${shortCites(w.earliestBecause, id)}. The policy sets no latest date.`;
    const latest = formatDate(w.latest);
    if (w.latest < w.earliest)
      return `No date gives the notice the policy asks for before its latest date, so any date needs a reason. Earliest ${earliest}: ${shortCites(w.earliestBecause, id)}; latest ${latest}: ${shortCites(w.latestBecause, id)}.`;
    return `Between ${earliest} and ${latest}: ${shortCites(w.earliestBecause, id)}; ${shortCites(w.latestBecause, id)}.`;
  }

  async book(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const checked = this.checkChoice(data);
    if ('card' in checked) return checked.card;
    const { choice, values: choiceValues } = checked;
    const values = pick(data, DATE_FIELDS);
    const parsed = dateSchema.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      this.log('panel_invalid', { step: 'date', fields: Object.keys(errors) }, 'hearing date needs correcting');
      return this.dates(choice, choiceValues, { values, errors });
    }
    const other = parsed.data.slot === 'other';
    const start = other ? wallClock(parsed.data.otherStart!) : parsed.data.slot;
    const before = this.hearing();
    let attempt: Attempt;
    try {
      attempt = await this.attempt('panel.book', cardVersion, (expectedVersion) =>
        bookHearing(this.deps, this.actor, {
          caseId: this.record.id,
          start,
          durationMinutes: choice.durationMinutes,
          memberIds: choice.memberIds,
          organiser: choice.organiser ?? '',
          ...(choice.venue ? { venue: choice.venue } : {}),
          online: choice.online === 'true',
          ...(parsed.data.reason ? { reason: parsed.data.reason } : {}),
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'book', code: e.code, field: e.field }, e.logMessage);
      if (e.field && (CHOICE_FIELDS as readonly string[]).includes(e.field)) return this.choose({ values: choiceValues, errors: { [e.field]: plain(e) } });
      const field = e.field === 'start' ? (other ? 'otherStart' : 'slot') : e.field === 'reason' ? 'reason' : 'form';
      return this.dates(choice, choiceValues, { values, errors: { [field]: plain(e) } });
    }
    if ('conflict' in attempt) {
      // Someone else booked or moved it meanwhile: their hearing, not a second booking over it.
      const h = this.hearing();
      if (h && this.since().some((e) => e.type === 'hearing_scheduled'))
        return this.booked(h, { notice: `${this.bookedBy()} This is the hearing as it stands.`, noticeTone: 'warning' });
      return this.dates(choice, choiceValues, { values, notice: this.changedNotice('Book'), noticeTone: 'warning' });
    }
    const after = attempt.record;
    this.record = after;
    const h = this.hearing();
    const who = personName(this.ctx.school, this.actor) ?? 'you';
    const on = formatDay(this.env.now, this.tz);
    const when = h ? formatSlot(h.start, h.end, this.tz) : formatDate(start.slice(0, 10));
    this.log(
      'hearing_booked_from_teams',
      { version: after.version, moved: before !== null, outsideWindow: Boolean(parsed.data.reason) },
      before ? 'hearing moved' : 'hearing booked',
    );
    return this.current({
      notice: before
        ? `Hearing moved by ${who} on ${on} to ${when}. The Outlook invitation is updated for everyone, and the complainant is told by letter.`
        : `Hearing booked by ${who} on ${on} for ${when}. ${
            h?.complainant.invited
              ? 'The Outlook invitation goes to the panel and the complainant, and the invitation letter is on its way.'
              : 'The Outlook invitation goes to the panel, and the invitation letter to the complainant is on its way.'
          }`,
    });
  }

  // ---- step 3

  private booked(h: HearingStatus, extra: Extra): CardOf {
    const tz = this.tz;
    const stage = this.ctx.policy.stages[this.record.state.stage - 1];
    const rule = stage?.panel?.proposedDates;
    const where = h.venue && h.online ? `${h.venue}, and a Teams meeting` : (h.venue ?? (h.online ? 'Teams meeting' : 'Not given yet'));
    // Why they get no email (src/app/complainant.ts): they asked for letters by post, or gave no address.
    const byPost = !complainantGetsEmail(this.record.complainant) && this.record.complainant.preferredContact === 'letter';
    // Who decides on a late yes, or on a hearing without the complainant: whoever convenes the hearing (owes its deadline), as the policy names them.
    const decider = roleText(this.ctx.policy, stage?.clocks.find((c) => c.kind === 'hearing')?.owner ?? 'clerk');
    const complainant = h.complainant.invited
      ? `invited to the Outlook event; ${(ANSWER_WORDS[h.complainant.answer] ?? h.complainant.answer).toLowerCase()}`
      : `told by letter (${byPost ? 'they asked for letters by post' : 'no email address to invite them by'})`;
    const dates = (h.dates?.dates ?? []).map((d) => ({
      hearingOn: formatDate(d.hearingOn),
      offeredOn: `offered ${formatDate(d.offeredOn)}`,
      status:
        d.status === 'accepted'
          ? 'Accepted'
          : d.status === 'accepted_late'
            ? `Accepted after the ${rule ? amountText(rule.answerWithin, rule.unit) : 'time to answer'}${d.answeredOn ? ` (on ${formatDate(d.answeredOn)})` : ''}: ${decider} to judge`
            : d.status === 'awaiting'
              ? `Waiting for an answer by ${formatDate(d.answerBy)}`
              : d.because === 'no_answer' && d.answer !== 'none' && d.answeredOn
                ? `Rejected: the answer came on ${formatDate(d.answeredOn)}, after ${formatDate(d.answerBy)}`
                : d.because === 'no_answer'
                  ? `Rejected: no answer by ${formatDate(d.answerBy)}`
                  : 'Rejected',
    }));
    const section = rule ? `${this.ctx.policy.id.toUpperCase()} ${rule.cite.split(':')[0]!.trim()}` : '';
    // The date now booked, if it is still waiting for the complainant's answer.
    const awaited = [...(h.dates?.dates ?? [])].reverse().find((d) => formatDate(d.hearingOn) === formatDay(h.start, tz) && d.status === 'awaiting');
    const said = h.complainant;
    const recorder = said.recordedBy ? (personName(this.ctx.school, said.recordedBy) ?? 'someone') : undefined;
    const answer = {
      text:
        said.answer === 'none' || !said.answeredOn
          ? 'No answer yet.'
          : `${ANSWER_WORDS[said.answer] ?? said.answer} on ${formatDate(said.answeredOn)}${said.via === 'clerk' ? `, recorded by ${recorder}` : ', in Outlook'}.`,
      how: `${
        said.invited
          ? "Their answer to the Outlook invitation is read from the organiser's calendar (every hour, or with Check answers now). If they answer by phone, letter or email instead, record it here."
          : `They are not sent the Outlook invitation (${byPost ? 'they asked for letters by post' : 'we have no email address for them'}), so their answer must be recorded here when it arrives, by phone, letter or email.`
      }${awaited ? ` With no answer by ${formatDate(awaited.answerBy)}, this date counts as rejected (${section}).` : ''}`,
    };
    const calendar = h.calendar;
    const invitation =
      calendar.status === 'sent'
        ? "Sent from the organiser's Outlook calendar"
        : calendar.status === 'failed'
          ? 'Refused by Outlook'
          : 'Sending the Outlook invitation';
    // The drain stores "GraphError: <Graph's words>": the words are for the clerk, the class name is not.
    const why = calendar.error?.replace(/^\w*Error: /, '').replace(/\.+$/, '');
    return card('panel-booking', {
      ...this.base('booked', extra),
      booked: {
        when: formatSlot(h.start, h.end, tz),
        where,
        ...(h.joinUrl ? { joinUrl: h.joinUrl } : {}),
        organiser: h.organiser,
        invitation,
        ...(calendar.status === 'failed'
          ? {
              invitationProblem: calendar.gaveUp
                ? `Outlook did not take the invitation after several tries${why ? ` (${why})` : ''}. Press Move the hearing and book the same time again, or tell your IT admin.`
                : `Outlook refused the invitation${why ? `: ${why}` : ''}. Check the organiser mailbox with your IT admin, then book again.`,
            }
          : {}),
        members: h.members.map((m) => ({ name: m.name, answer: ANSWER_WORDS[m.answer] ?? m.answer, declined: m.answer === 'declined' })),
        complainant,
        answer,
        dates,
        ...(h.dates && rule ? { rejected: `Dates rejected so far: ${h.dates.rejected} of ${rule.rejectionsBeforeProceeding} (${section}).` } : {}),
        ...(h.dates?.mayProceedInAbsence
          ? {
              mayProceed: `The complainant has rejected ${h.dates.rejected} proposed dates. If they did so without good reason, ${decider} decides whether to hold the hearing in their absence (${section}).`,
            }
          : {}),
      },
    });
  }

  async responses(): Promise<CardOf> {
    const h = this.hearing();
    if (!h) return this.choose({ notice: 'There is no hearing booked, so there are no answers to check.', noticeTone: 'warning' });
    try {
      const r = await checkHearingResponses(this.deps, this.actor, { caseId: this.record.id });
      this.record = r.record;
      const who = r.declined.map((id) => personName(this.ctx.school, id) ?? 'A panel member');
      const declined = who.length ? ` ${names(who)} declined: move the hearing, or choose another member.` : '';
      this.log('hearing_answers_checked', { declined: r.declined.length }, 'hearing answers checked from Teams');
      return this.current({
        notice: `Answers checked on ${formatDay(this.env.now, this.tz)}.${declined}`,
        noticeTone: r.declined.length ? 'warning' : 'good',
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'responses', code: e.code }, e.logMessage);
      return this.booked(h, { notice: plain(e), noticeTone: 'warning' });
    }
  }

  /** The complainant's answer to the date booked, as it reached the school by phone, letter or email. */
  async answer(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const h = this.hearing();
    if (!h)
      return this.choose({
        notice: this.cancelledNotice(cardVersion) ?? 'There is no hearing booked, so there is no answer to record.',
        noticeTone: 'warning',
      });
    const values = pick(data, ANSWER_FIELDS);
    const parsed = answerSchema.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      this.log('panel_invalid', { step: 'answer', fields: Object.keys(errors) }, "complainant's answer needs correcting");
      return this.booked(h, { values, errors });
    }
    const { complainantAnswer, answerReceivedOn, answerNote } = parsed.data;
    let attempt: Attempt;
    try {
      attempt = await this.attempt('panel.answer', cardVersion, (expectedVersion) =>
        recordComplainantAnswer(this.deps, this.actor, {
          caseId: this.record.id,
          answer: complainantAnswer,
          ...(answerReceivedOn ? { receivedOn: answerReceivedOn } : {}),
          ...(answerNote ? { note: answerNote } : {}),
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'answer', code: e.code, field: e.field }, e.logMessage);
      const field = ({ answer: 'complainantAnswer', receivedOn: 'answerReceivedOn', note: 'answerNote' } as Record<string, string>)[e.field ?? ''];
      return this.booked(h, field ? { values, errors: { [field]: plain(e) } } : { values, notice: plain(e), noticeTone: 'warning' });
    }
    if ('conflict' in attempt) {
      const now = this.hearing();
      if (!now) return this.choose({ notice: this.cancelledNotice(cardVersion) ?? this.changedNotice('Record their answer'), noticeTone: 'warning' });
      return this.booked(now, { values, notice: this.changedNotice('Record their answer'), noticeTone: 'warning' });
    }
    this.record = attempt.record;
    const after = this.hearing();
    this.log('complainant_answer_recorded', { version: this.record.version, answer: complainantAnswer }, "complainant's answer recorded from Teams");
    const on = after?.complainant.answeredOn ? formatDate(after.complainant.answeredOn) : formatDay(this.env.now, this.tz);
    return this.current({
      notice: `The complainant's answer is recorded: ${complainantAnswer === 'accepted' ? 'they accepted' : 'they declined'} the hearing on ${after ? formatSlot(after.start, after.end, this.tz) : 'the date booked'} (answer received ${on}).`,
    });
  }

  async reschedule(cardVersion: number | undefined): Promise<CardOf> {
    const h = this.hearing();
    if (!h)
      return this.choose({
        notice: this.cancelledNotice(cardVersion) ?? 'There is no hearing booked to move: choose the panel to book one.',
        noticeTone: 'warning',
      });
    const choice: Choice = {
      memberIds: h.members.map((m) => m.id),
      organiser: h.organiser,
      venue: h.venue,
      online: h.online ? 'true' : 'false',
      durationMinutes: Math.round((h.end.getTime() - h.start.getTime()) / 60_000),
    };
    const values = {
      memberIds: choice.memberIds.join(','),
      organiser: h.organiser,
      venue: h.venue ?? '',
      online: choice.online,
      durationMinutes: String(choice.durationMinutes),
    };
    return this.dates(choice, values, {});
  }

  async cancel(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const h = this.hearing();
    if (!h) return this.choose({ notice: this.cancelledNotice(cardVersion) ?? 'There is no hearing booked to cancel.', noticeTone: 'warning' });
    const values = pick(data, ['cancelReason']);
    const parsed = cancelSchema.safeParse(values);
    if (!parsed.success) return this.booked(h, { values, errors: fieldErrors(parsed.error) });
    let attempt: Attempt;
    try {
      attempt = await this.attempt('panel.cancel', cardVersion, (expectedVersion) =>
        cancelHearing(this.deps, this.actor, {
          caseId: this.record.id,
          reason: parsed.data.cancelReason,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'cancel', code: e.code, field: e.field }, e.logMessage);
      return this.booked(h, e.field === 'reason' ? { values, errors: { cancelReason: plain(e) } } : { values, notice: plain(e), noticeTone: 'warning' });
    }
    if ('conflict' in attempt) {
      const now = this.hearing();
      if (!now) return this.choose({ notice: this.cancelledNotice(cardVersion) ?? this.changedNotice('Cancel'), noticeTone: 'warning' });
      return this.booked(now, { values, notice: this.changedNotice('Yes, cancel the hearing'), noticeTone: 'warning' });
    }
    const after = attempt.record;
    this.record = after;
    this.log('hearing_cancelled_from_teams', { version: after.version }, 'hearing cancelled');
    // No letter when the complainant was never sent the invitation (src/app/cancelHearing.ts).
    const written = after.outbox.some((o) => o.key === hearingCancelledLetterKey(after.id, h.stage, h.booking));
    const complainant = written
      ? 'and the complainant is told by letter'
      : 'and the invitation letter to the complainant, not sent yet, will not go: there is nothing to write to them about';
    return this.choose({
      notice: `Hearing cancelled by ${personName(this.ctx.school, this.actor) ?? 'you'} on ${formatDay(this.env.now, this.tz)}. The Outlook invitation is withdrawn, ${complainant}. Choose the panel below to book another date.`,
    });
  }

  // ---- stale cards

  /** A card drawn before the hearing was booked (an older version): the booked hearing instead, saying who booked it. */
  private bookedSince(cardVersion: number | undefined): CardOf | undefined {
    if (cardVersion === undefined || cardVersion === this.record.version) return undefined;
    const h = this.hearing();
    return h ? this.booked(h, { notice: `${this.bookedBy()} This is the hearing as it stands.`, noticeTone: 'warning' }) : undefined;
  }

  private bookedBy(): string {
    const e = lastOfType(currentStageEvents(this.record, this.ctx.policy), 'hearing_scheduled');
    const h = this.hearing();
    return e && h ? `The hearing was booked by ${byWhom(e, this.ctx)} for ${formatSlot(h.start, h.end, this.tz)}.` : 'The hearing was booked by someone else.';
  }

  private cancelledNotice(cardVersion: number | undefined): string | undefined {
    if (cardVersion === undefined || cardVersion === this.record.version) return undefined;
    const e = lastOfType(currentStageEvents(this.record, this.ctx.policy), 'hearing_cancelled');
    return e ? `The hearing was already cancelled by ${byWhom(e, this.ctx)}${e.reason ? `: ${e.reason}` : ''}.` : undefined;
  }
}

/** The complaints subgroup drawn at random (cards/panel-draw.json): the draw, then the subgroup with Replace and Draw again. */
class Subgroup extends CaseCard {
  private get stage(): number {
    return this.record.state.stage;
  }

  /** The subgroup as it stands (the drawn step), or the draw. */
  current(extra: Extra = {}): CardOf {
    const policy = this.ctx.policy;
    const panel = policy.stages[this.stage - 1]!.panel!;
    const pool = subgroupPool(this.ctx, this.record);
    const members = drawnSubgroup(this.record.events, this.stage);
    const events = this.record.events.filter((e) => e.type === 'subgroup_drawn' && e.stage === this.stage);
    const name = (id: string) => personName(this.ctx.school, id) ?? 'someone no longer listed';
    const labels = `${pool.label}s`;
    const canDraw = pool.eligible.length >= pool.size;
    // A member of the subgroup sees it but cannot change it (the draw is at random).
    const inSubgroup = members.includes(this.actor);
    const section = `${policy.id.toUpperCase()} ${panel.cite.split(':')[0]!.trim()}`;
    const data: PanelDrawCard = {
      step: members.length ? 'drawn' : 'draw',
      header: caseHeader(this.record, this.ctx),
      eventCount: this.record.events.length,
      rule: `${panel.minMembers} ${labels}, picked at random. Left out: anyone the complaint is about or names${
        panel.excludeInvolved ? ', anyone involved in it at an earlier stage' : ''
      } and anyone who has left. The first drawn convenes the subgroup: they handle stage ${this.stage} and the deadlines the subgroup owes (${section}).`,
      cite: `${policy.id.toUpperCase()} ${panel.cite}`,
      poolText: pool.eligible.length
        ? `${pool.eligible.length === 1 ? `1 ${pool.label} can` : `${pool.eligible.length} ${labels} can`} be drawn:`
        : 'Nobody can be drawn.',
      pool: pool.eligible.map((c) => ({ name: c.name })),
      excluded: pool.excluded.map((c) => ({ name: c.name, why: c.why })),
      ...(inSubgroup
        ? {}
        : canDraw
          ? { drawTitle: `Draw ${pool.size} at random` }
          : {
              cannotDraw: `The subgroup needs ${pool.size} ${labels} and only ${pool.eligible.length} can be drawn. Ask your IT admin to add ${labels} to ${this.ctx.school.name}'s list, then open this card again.`,
            }),
      values: extra.values ?? {},
      errors: extra.errors ?? {},
      ...(extra.notice ? { notice: extra.notice, noticeTone: extra.noticeTone ?? 'good' } : {}),
    };
    const last = events.at(-1);
    if (members.length && last) {
      data.drawn = {
        members: members.map((id, i) => ({
          name: name(id),
          role: i > 0 ? 'Member' : this.record.state.handlerId === id ? `Convener, handles stage ${this.stage}` : 'Convener',
        })),
        when: `${this.drawnBy(last)}.`,
        history: events.map((e) => ({ text: `${formatInstant(e.at, this.ctx.calendar.timezone)}: ${historyText(e, this.ctx)}` })),
        replaceable: inSubgroup ? [] : members.map((id) => ({ id, title: name(id) })),
      };
    }
    return card('panel-draw', data);
  }

  /** "Drawn at random by Chris Chair on Wed 4 Nov 2026, 09:30", or who replaced whom. */
  private drawnBy(e: StoredEvent): string {
    const who = personName(this.ctx.school, e.by) ?? 'someone';
    const when = formatInstant(e.at, this.ctx.calendar.timezone);
    const d = e.details ?? {};
    const replaced = d.replaced as { memberId?: string } | undefined;
    const ids = Array.isArray(d.memberIds) ? (d.memberIds as string[]) : [];
    const name = (id: string | undefined) => personName(this.ctx.school, id) ?? 'someone no longer listed';
    if (replaced) return `${name(replaced.memberId)} was replaced by ${name(ids.at(-1))}, picked at random by ${who} on ${when}`;
    return `Drawn${typeof d.draw === 'number' && d.draw > 1 ? ' again' : ''} at random by ${who} on ${when}`;
  }

  /** When the case changed since the card was drawn: who drew the subgroup meanwhile, or who changed what. */
  private conflictNotice(button: string): string {
    const e = [...this.since()].reverse().find((x) => x.type === 'subgroup_drawn');
    return e ? `${this.drawnBy(e)}, after this card was drawn. Nothing was saved: this is the subgroup as it stands.` : this.changedNotice(button);
  }

  async draw(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const values = pick(data, ['drawReason']);
    const parsed = drawSchema.safeParse(values);
    if (!parsed.success) return this.current({ values, errors: fieldErrors(parsed.error) });
    const reason = parsed.data.drawReason;
    let attempt: Attempt;
    try {
      attempt = await this.attempt('panel.draw', cardVersion, (expectedVersion) =>
        drawSubgroup(this.deps, this.actor, {
          caseId: this.record.id,
          ...(reason ? { reason } : {}),
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'draw', code: e.code, field: e.field }, e.logMessage);
      return this.current(e.field === 'reason' ? { values, errors: { drawReason: plain(e) } } : { values, notice: plain(e), noticeTone: 'warning' });
    }
    if ('conflict' in attempt) return this.current({ values, notice: this.conflictNotice('Draw'), noticeTone: 'warning' });
    this.record = attempt.record;
    const members = drawnSubgroup(this.record.events, this.stage);
    const drawn = members.map((id) => personName(this.ctx.school, id) ?? 'someone');
    this.log('subgroup_drawn_from_teams', { version: this.record.version, members: members.length, redraw: Boolean(reason) }, 'complaints subgroup drawn');
    return this.current({
      notice: `${this.drawnBy(this.record.events.at(-1)!)}: ${names([`${drawn[0]} (convener)`, ...drawn.slice(1)])}. Each of them is sent the complaint's task card in Teams.`,
    });
  }

  async replace(data: Record<string, unknown>, cardVersion: number | undefined): Promise<CardOf> {
    const values = pick(data, ['replaceMemberId', 'replaceReason']);
    const parsed = replaceSchema.safeParse(values);
    if (!parsed.success) return this.current({ values, errors: fieldErrors(parsed.error) });
    const { replaceMemberId: memberId, replaceReason: reason } = parsed.data;
    let attempt: Attempt;
    try {
      attempt = await this.attempt('panel.replace', cardVersion, (expectedVersion) =>
        replaceSubgroupMember(this.deps, this.actor, {
          caseId: this.record.id,
          memberId,
          reason,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code === 'CASE_NOT_FOUND' || e.code === 'DATABASE_UNAVAILABLE') throw e;
      this.log('panel_refused', { step: 'replace', code: e.code, field: e.field }, e.logMessage);
      const field = ({ memberId: 'replaceMemberId', reason: 'replaceReason' } as Record<string, string>)[e.field ?? ''];
      return this.current(field ? { values, errors: { [field]: plain(e) } } : { values, notice: plain(e), noticeTone: 'warning' });
    }
    if ('conflict' in attempt) return this.current({ values, notice: this.conflictNotice('Replace at random'), noticeTone: 'warning' });
    this.record = attempt.record;
    const last = subgroupDraws(this.record, this.stage).at(-1)!;
    const newcomer = personName(this.ctx.school, last.memberIds.at(-1)) ?? 'someone';
    const gone = personName(this.ctx.school, memberId) ?? 'The member replaced';
    this.log('subgroup_member_replaced_from_teams', { version: this.record.version, draw: last.draw }, 'complaints subgroup member replaced');
    return this.current({
      notice: `${this.drawnBy(this.record.events.at(-1)!)}. ${newcomer} is sent the complaint's task card in Teams; ${gone} is told they have nothing more to do on it.`,
    });
  }
}
