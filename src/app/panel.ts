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
import { SYSTEM, type SchoolContext } from './caseFlow.js';
import type { CaseRecord, Person, StoredEvent } from './ports.js';
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

/** Who may sit on the panel of the case's current stage; those who may not say why. Eligible people first. */
export function panelCandidates(ctx: SchoolContext, record: CaseRecord): PanelCandidate[] {
  const panel = ctx.policy.stages[record.state.stage - 1]?.panel;
  if (!panel) return [];
  const pool = panel.pool ?? PANEL_MEMBER;
  const involved = panel.excludeInvolved ? involvement(ctx, record) : new Map<string, string>();
  const out = ctx.school.people
    .filter((p) => isPanelRole(p, pool))
    .map((p): PanelCandidate => {
      const email = p.email?.trim();
      const excluded =
        p.id === record.about.personId ? 'the complaint is about them' : (involved.get(p.id) ?? (p.left ? 'has left' : !email ? NO_EMAIL : undefined));
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
  joinUrl?: string;
  webLink?: string;
  cancelled: boolean;
  cancelledAt?: Date;
  cancelReason?: string;
  /** Attendees' latest answers to this booking: person id or "complainant". */
  answers: Map<string, { answer: string; respondedAt: string | null }>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const date = (v: unknown): Date | undefined => (v instanceof Date ? v : typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);

/** Every hearing booked at `stage`, in order, with its calendar event, answers and cancellation. */
export function stageBookings(record: CaseRecord, stage: number): Booking[] {
  const bookings: Booking[] = [];
  let active: Booking | undefined;
  for (const e of record.events) {
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
        b.eventId = eventId;
        if (str(d.joinUrl)) b.joinUrl = str(d.joinUrl)!;
        if (str(d.webLink)) b.webLink = str(d.webLink)!;
      }
    } else if (e.type === 'hearing_responses') {
      const b = bookings.find((x) => x.booking === d.booking);
      for (const a of Array.isArray(d.answers) ? (d.answers as Array<Record<string, unknown>>) : []) {
        if (b && str(a.who) && str(a.answer)) b.answers.set(str(a.who)!, { answer: str(a.answer)!, respondedAt: str(a.respondedAt) ?? null });
      }
    }
  }
  return bookings;
}

/** The latest booking of the stage, or undefined when none. */
export function latestBooking(record: CaseRecord, stage: number): Booking | undefined {
  return stageBookings(record, stage).at(-1);
}
