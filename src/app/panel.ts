/**
 * The panel of the case's current stage: who may sit on it, what is wrong with a chosen panel,
 * and the hearing bookings of a stage as the case's events record them.
 *
 * The pool is the holders of the stage's `panel.pool` role if the policy names one, else of
 * "panel_member", plus every "independent_panel_member" (a person independent of the management
 * and running of the school, which is what NMAT §14 and MIET Stage 3 ask one member to be).
 * Nobody is chosen behind the clerk's back: every person in the pool is listed, and those who
 * cannot sit say why, in plain words, for the "Book panel" card.
 */
import { AppError } from './errors.js';
import { managesCase } from './authorisation.js';
import { SYSTEM, type Actor, type SchoolContext } from './caseFlow.js';
import type { CaseRecord, OutboxItem, Person, StoredEvent } from './ports.js';
import type { Policy } from '../domain/policy.js';

export const PANEL_MEMBER = 'panel_member';
export const INDEPENDENT_PANEL_MEMBER = 'independent_panel_member';
/** The reason given for someone in the pool whom no invitation can reach. */
export const NO_EMAIL = 'has no email address to invite';

export interface PanelCandidate {
  id: string;
  name: string;
  email?: string;
  independent: boolean;
  /** Why they cannot sit, in plain words ("the complaint is about them", "handled stage 2", "decided stage 1", "has left", "has no email address to invite"); absent when eligible. */
  excluded?: string;
}

/** The stage of each event, in order (a "responded" event carries none: the stage is where the case stood). */
export function eventStages(policy: Policy, events: StoredEvent[]): number[] {
  let stage = 1;
  let enterNext = false;
  return events.map((e) => {
    if (enterNext) {
      stage++;
      enterNext = false;
    }
    if (e.type === 'received') stage = e.stage ?? 1;
    else if (e.type === 'escalation_requested') stage++;
    else if (e.type === 'responded' && e.outcome && policy.stages[stage - 1]?.escalatesOn.includes(e.outcome) && policy.stages[stage]) enterNext = true;
    return e.stage ?? stage;
  });
}

/** Who was involved in the stages before the current one, and how: "handled stage 2", "decided stage 1". */
function involvement(ctx: SchoolContext, record: CaseRecord): Map<string, string> {
  const current = record.state.stage;
  const why = new Map<string, string>();
  const note = (id: string | undefined, text: string) => {
    if (id && id !== SYSTEM && !why.has(id)) why.set(id, text);
  };
  const stages = eventStages(ctx.policy, record.events);
  // Deciding a stage says the most, so it is noted first.
  record.events.forEach((e, i) => {
    if (e.type === 'responded' && stages[i]! < current) note(e.by, `decided stage ${stages[i]}`);
  });
  record.events.forEach((e, i) => {
    const s = stages[i]!;
    if (s >= current) return;
    if (e.type === 'handler_assigned') note(e.personId, `handled stage ${s}`);
    if (e.type === 'acknowledged') note(e.by, `handled stage ${s}`);
  });
  // Whoever owed an earlier stage's response was its handler, assigned or not.
  for (const d of record.state.deadlines)
    if (d.stage < current && (d.kind === 'respond' || d.kind === 'acknowledge')) note(d.ownerId, `handled stage ${d.stage}`);
  return why;
}

function isPanelRole(p: Person, pool: string): boolean {
  return p.roles.includes(pool) || p.roles.includes(INDEPENDENT_PANEL_MEMBER);
}

/**
 * The people the complaint is about, with why in plain words: the person named, or, when only a
 * role is named ("about the head of school"), everyone who holds that role, since any of them
 * may be the one meant and none of them can judge it.
 */
export function complainedAbout(ctx: SchoolContext, record: CaseRecord): Map<string, string> {
  const out = new Map<string, string>();
  const { personId, role } = record.about;
  if (personId) out.set(personId, 'the complaint is about them');
  else if (role) {
    const label = ctx.policy.roles.find((r) => r.id === role)?.label ?? role.replace(/_/g, ' ');
    for (const p of ctx.school.people) if (p.roles.includes(role)) out.set(p.id, `the complaint is about the ${label}`);
  }
  return out;
}

/** Who may sit on the panel of the case's current stage; those who may not say why. Eligible people first. */
export function panelCandidates(ctx: SchoolContext, record: CaseRecord): PanelCandidate[] {
  const panel = ctx.policy.stages[record.state.stage - 1]?.panel;
  if (!panel) return [];
  const pool = panel.pool ?? PANEL_MEMBER;
  const involved = panel.excludeInvolved ? involvement(ctx, record) : new Map<string, string>();
  const about = complainedAbout(ctx, record);
  const out = ctx.school.people
    .filter((p) => isPanelRole(p, pool))
    .map((p): PanelCandidate => {
      const email = p.email?.trim();
      const excluded = about.get(p.id) ?? involved.get(p.id) ?? (p.left ? 'has left' : !email ? NO_EMAIL : undefined);
      return {
        id: p.id,
        name: p.name,
        ...(email ? { email } : {}),
        independent: p.roles.includes(INDEPENDENT_PANEL_MEMBER),
        ...(excluded ? { excluded } : {}),
      };
    });
  return [...out.filter((c) => !c.excluded), ...out.filter((c) => c.excluded)];
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What is wrong with choosing `memberIds` for the stage's panel rule: too few or too many, the
 * independence rule (with the policy's cite), someone who cannot sit or is not in the pool.
 * Empty when the panel is fine.
 */
export function panelProblems(ctx: SchoolContext, record: CaseRecord, memberIds: string[]): string[] {
  const stage = record.state.stage;
  const panel = ctx.policy.stages[stage - 1]?.panel;
  if (!panel) return [`Stage ${stage} of ${ctx.policy.name} has no panel.`];
  const problems: string[] = [];
  const candidates = new Map(panelCandidates(ctx, record).map((c) => [c.id, c]));
  const seen = new Set<string>();
  const chosen: PanelCandidate[] = [];
  for (const id of memberIds) {
    const c = candidates.get(id);
    const name = c?.name ?? ctx.school.people.find((p) => p.id === id)?.name;
    if (seen.has(id)) {
      problems.push(`${name ?? id} is chosen twice.`);
      continue;
    }
    seen.add(id);
    if (!c)
      problems.push(
        name ? `${name} is not on ${ctx.school.name}'s list of panel members.` : `Nobody with the id ${id} is on ${ctx.school.name}'s list of panel members.`,
      );
    else if (c.excluded) problems.push(`${c.name} cannot sit on this panel: ${c.excluded}.`);
    else chosen.push(c);
  }
  const n = seen.size;
  if (n < panel.minMembers) problems.push(`The panel needs at least ${count(panel.minMembers, 'member')}; ${n} chosen (${panel.cite}).`);
  if (panel.maxMembers !== undefined && n > panel.maxMembers)
    problems.push(`The panel has at most ${count(panel.maxMembers, 'member')}; ${n} chosen (${panel.cite}).`);
  const independent = chosen.filter((c) => c.independent).length;
  if (independent < panel.independentMembers) {
    problems.push(
      `At least ${count(panel.independentMembers, 'member')} must be independent of the management and running of the school; ${independent === 0 ? 'none' : independent} of those chosen ${independent <= 1 ? 'is' : 'are'} (${panel.cite}).`,
    );
  }
  return problems;
}

/** The stage's panel with a hearing, or NOT_ALLOWED in plain words (KPSSPP's subgroup investigates without one). */
export function hearingPanel(ctx: SchoolContext, record: CaseRecord, doing: string) {
  const stage = record.state.stage;
  const panel = ctx.policy.stages[stage - 1]?.panel;
  if (!panel?.hearing) {
    const what = panel ? `its ${panel.selection === 'random' ? 'randomly picked ' : ''}group investigates without a hearing` : 'it has no panel';
    throw new AppError(
      'NOT_ALLOWED',
      `You cannot ${doing}: stage ${stage} of ${ctx.policy.name} has no panel hearing (${what}).`,
      `${doing} refused: stage ${stage} of case ${record.id} has no hearing`,
    );
  }
  return { stage, panel };
}

// ---------------------------------------------------------------------------------------------
// Who the invitation comes from

export interface OrganiserChoice {
  /** Lower-cased. */
  email: string;
  name: string;
  /** "you", or why they may convene it: "clerk", "convenor" (they handle the stage or owe its hearing deadline), "SLT". */
  as: string;
}

/**
 * The mailboxes the hearing invitation may come from: the actor's own, then those of the other
 * people who may convene the hearing (managesCase: the clerk, whoever handles the stage or owes
 * one of its deadlines, such as MIET's Trust office, and SLT), never that of anyone the complaint
 * is about (complainedAbout) nor of someone who has left. The panel's and the complainant's
 * answers all land in that calendar, so it is never anyone else's.
 */
export function organiserChoices(ctx: SchoolContext, record: CaseRecord, actor: Actor): OrganiserChoice[] {
  const about = complainedAbout(ctx, record);
  const out: OrganiserChoice[] = [];
  const add = (p: Person | undefined, as: string) => {
    const email = p?.email?.trim().toLowerCase();
    if (!p || !email || p.left || about.has(p.id) || out.some((o) => o.email === email)) return;
    out.push({ email, name: p.name, as });
  };
  add(
    ctx.school.people.find((p) => p.id === actor),
    'you',
  );
  for (const p of ctx.school.people) if (p.roles.includes('clerk')) add(p, 'clerk');
  for (const p of ctx.school.people) if (!p.roles.includes('slt') && managesCase(ctx.school, record, p.id)) add(p, 'convenor');
  for (const p of ctx.school.people) if (p.roles.includes('slt')) add(p, 'SLT');
  return out;
}

const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * The organiser's mailbox, lower-cased: the one given if it is one of organiserChoices (or, when
 * moving a booked hearing, the calendar it is already in), else the actor's own. INVALID_INPUT on
 * `organiser` naming whose mailboxes may be used.
 */
export function checkedOrganiser(ctx: SchoolContext, record: CaseRecord, actor: Actor, given: string | undefined, current?: string): string {
  const choices = organiserChoices(ctx, record, actor);
  const allowed = choices.map((c) => c.email);
  const about = complainedAbout(ctx, record);
  const aboutEmails = new Set(ctx.school.people.filter((p) => about.has(p.id) && p.email).map((p) => p.email!.trim().toLowerCase()));
  if (current && !aboutEmails.has(current)) allowed.push(current);
  const who = choices.length
    ? `Use ${list(choices.map((c) => `${c.as === 'you' ? 'your own' : `${c.name}'s`} (${c.email})`))}.`
    : `Nobody at ${ctx.school.name} who may convene the hearing (the clerk, SLT or whoever owes the hearing) has an email address yet: ask your IT admin to add one.`;
  const organiser = given?.trim().toLowerCase() || allowed[0];
  if (!given?.trim() && !choices.some((c) => c.as === 'you')) {
    throw new AppError(
      'INVALID_INPUT',
      `Choose the mailbox the hearing invitation is sent from: we do not have one for you. ${who}`,
      'organiser missing: the actor has no email address',
      'organiser',
    );
  }
  if (!organiser || !allowed.includes(organiser)) {
    const because = aboutEmails.has(organiser ?? '')
      ? `${organiser} is the mailbox of someone the complaint is about, so it cannot send the invitation.`
      : `The invitation must come from the mailbox of someone at ${ctx.school.name} who may convene the hearing; ${organiser || 'that'} is not one.`;
    throw new AppError('INVALID_INPUT', `${because} ${who}`, `organiser refused on case ${record.id}: not a convenor's mailbox`, 'organiser');
  }
  return organiser;
}

// ---------------------------------------------------------------------------------------------
// Bookings as the events record them

/** One `hearing_scheduled` of a stage, and what became of it. */
export interface Booking {
  stage: number;
  booking: number;
  hearingOn: string;
  /** When it was booked (the offered date, for NMAT's count of answers). */
  at: Date;
  by: string;
  reason?: string;
  /** Absent for a date-only hearing (scheduleHearing). */
  start?: Date;
  end?: Date;
  organiser?: string;
  memberIds: string[];
  venue?: string;
  online: boolean;
  outsideWindow: boolean;
  /** The booking whose calendar event this one created or moved (itself for a first booking). */
  eventBooking: number;
  /** Set once the calendar event exists (a `hearing_booked` record). */
  eventId?: string;
  /**
   * Outlook showed this booking's time, place and attendees: a `hearing_booked` record says the
   * event was made, moved or made again for it (its `forBooking`). A request skipped because the
   * hearing moved again or was cancelled never sets it.
   */
  applied?: boolean;
  joinUrl?: string;
  webLink?: string;
  cancelled: boolean;
  cancelledAt?: Date;
  cancelReason?: string;
  /** Attendees' latest answers to this booking: person id or "complainant". */
  answers: Map<string, RecordedAnswer>;
}

/** An attendee's answer as a `hearing_responses` event recorded it. */
export interface RecordedAnswer {
  answer: string;
  /** When they answered (Outlook's time, or the start of the day a clerk says the answer arrived), ISO; null if unknown. */
  respondedAt: string | null;
  /** When it was recorded, ISO. */
  recordedAt: string;
  /** "clerk" when someone recorded an answer given by phone, letter or email; else read from Outlook. */
  via: 'clerk' | 'outlook';
  recordedBy?: string;
  /** The place of its event among the case's events: the later answer wins. */
  seq: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const date = (v: unknown): Date | undefined => (v instanceof Date ? v : typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);

/** Every hearing booked at `stage`, in order, with its calendar event, answers and cancellation. */
export function stageBookings(record: CaseRecord, stage: number): Booking[] {
  const bookings: Booking[] = [];
  let active: Booking | undefined;
  for (const [seq, e] of record.events.entries()) {
    if (e.stage !== stage) continue;
    const d = e.details ?? {};
    if (e.type === 'hearing_scheduled') {
      const booking = typeof d.booking === 'number' ? d.booking : bookings.length + 1;
      const start = date(d.start);
      const b: Booking = {
        stage,
        booking,
        hearingOn: e.hearingOn ?? '',
        at: new Date(e.at),
        by: e.by,
        ...(e.reason ? { reason: e.reason } : {}),
        ...(start ? { start, end: date(d.end) ?? start } : {}),
        ...(str(d.organiser) ? { organiser: str(d.organiser)! } : {}),
        memberIds: Array.isArray(d.memberIds) ? (d.memberIds as string[]) : [],
        ...(str(d.venue) ? { venue: str(d.venue)! } : {}),
        online: d.online === true,
        outsideWindow: d.outsideWindow === true,
        // A re-booking moves the event of the booking it replaces, if that one had one.
        eventBooking: start && active?.start && !active.cancelled ? active.eventBooking : booking,
        cancelled: false,
        answers: new Map(),
      };
      if (b.eventBooking !== booking) {
        const from = bookings.find((x) => x.booking === b.eventBooking);
        if (from?.eventId)
          Object.assign(b, { eventId: from.eventId, ...(from.joinUrl ? { joinUrl: from.joinUrl } : {}), ...(from.webLink ? { webLink: from.webLink } : {}) });
      }
      bookings.push(b);
      active = b;
    } else if (e.type === 'hearing_cancelled' && active && !active.cancelled) {
      active.cancelled = true;
      active.cancelledAt = new Date(e.at);
      if (e.reason) active.cancelReason = e.reason;
    } else if (e.type === 'hearing_booked') {
      const eventId = str(d.eventId);
      if (!eventId) continue;
      // The event serves its booking and every re-booking that moved it.
      for (const b of bookings) {
        if (b.eventBooking !== d.booking) continue;
        const joinUrl = str(d.joinUrl);
        const webLink = str(d.webLink);
        // A new event (a first booking, or a move between online and in person) brings its own
        // links, so an in-person hearing keeps no Teams link; a move of the same event keeps them.
        const fresh = b.eventId !== eventId;
        b.eventId = eventId;
        if (joinUrl) b.joinUrl = joinUrl;
        else if (fresh) delete b.joinUrl;
        if (webLink) b.webLink = webLink;
        else if (fresh) delete b.webLink;
      }
      // Which booking Outlook now shows: the one the event was made or moved for (older records: its own).
      const shown = bookings.find((x) => x.booking === (typeof d.forBooking === 'number' ? d.forBooking : d.booking));
      if (shown) shown.applied = true;
    } else if (e.type === 'hearing_responses') {
      const b = bookings.find((x) => x.booking === d.booking);
      for (const a of Array.isArray(d.answers) ? (d.answers as Array<Record<string, unknown>>) : []) {
        if (!b || !str(a.who) || !str(a.answer)) continue;
        b.answers.set(str(a.who)!, {
          answer: str(a.answer)!,
          respondedAt: str(a.respondedAt) ?? null,
          recordedAt: new Date(e.at).toISOString(),
          via: a.via === 'clerk' ? 'clerk' : 'outlook',
          ...(str(a.recordedBy) ? { recordedBy: str(a.recordedBy)! } : {}),
          seq,
        });
      }
    }
  }
  return bookings;
}

/** The latest booking of the stage, or undefined when none. */
export function latestBooking(record: CaseRecord, stage: number): Booking | undefined {
  return stageBookings(record, stage).at(-1);
}

/**
 * The outbox key of a booking's calendar request: create or move (its status says whether Outlook
 * has it yet), or with `cancel` the request that cancels the booking's event.
 */
export function hearingCalendarKey(caseId: string, stage: number, booking: number, action?: 'cancel'): string {
  return action === 'cancel' ? `${caseId}:calendar:hearing:${stage}:cancel:${booking}` : `${caseId}:calendar:hearing:${stage}:${booking}`;
}

/** The calendar request of a booking, if it made one (a date-only hearing does not). */
export function calendarRequest(record: CaseRecord, b: Booking): OutboxItem | undefined {
  return record.outbox.find((o) => o.key === hearingCalendarKey(record.id, b.stage, b.booking));
}

/**
 * Outlook has shown this booking: the calendar sender recorded that it made or moved the event
 * for it (`applied`). Not the outbox status: a request skipped because the hearing moved again
 * or was cancelled is marked sent too, yet Outlook never showed its time.
 */
export function reachedOutlook(_record: CaseRecord, b: Booking): boolean {
  return b.start !== undefined && b.eventId !== undefined && b.applied === true;
}

/**
 * The booking whose time the Outlook event shows now, so answers read from it are answers to
 * that booking: the newest of the active booking's chain (the bookings that made or moved its
 * event) that Outlook was given (reachedOutlook). Undefined when none has reached Outlook yet,
 * or the latest booking is cancelled or date-only.
 */
export function bookingInOutlook(record: CaseRecord, bookings: Booking[]): Booking | undefined {
  const last = bookings.at(-1);
  if (!last?.start || last.cancelled) return undefined;
  for (let i = bookings.length - 1; i >= 0 && bookings[i]!.eventBooking === last.eventBooking; i--) {
    if (reachedOutlook(record, bookings[i]!)) return bookings[i];
  }
  return undefined;
}

/**
 * What NMAT §14 counts as one proposed date: the school date of the hearing. Two times on the
 * same day are one date, so a re-booking on that day (another time, room or panel) offers
 * nothing new.
 */
export function offeredKey(b: Pick<Booking, 'hearingOn'>): string {
  return b.hearingOn;
}

/**
 * The complainant's latest answer to the date this booking offers, whichever booking of that
 * date it was given to: re-booking the same date (another time, venue or panel) keeps their answer.
 */
export function complainantAnswerTo(bookings: Booking[], b: Booking): RecordedAnswer | undefined {
  const key = offeredKey(b);
  let latest: RecordedAnswer | undefined;
  for (const x of bookings) {
    if (offeredKey(x) !== key) continue;
    const a = x.answers.get('complainant');
    if (a && (!latest || a.seq > latest.seq)) latest = a;
  }
  return latest;
}
