/**
 * Case records as the cards show them (bot/cardTypes.ts): plain-word deadline labels, dates as
 * "Tue 10 Nov 2026" in the school's time zone, people by name, and which buttons a person gets.
 * Also `messageToCard`, which turns an outbox message (src/jobs) into the card the proactive
 * messenger sends to a person's 1:1 chat.
 *
 * Nothing here writes; everything is worked out from the record, the school and the policy.
 */
import { rolesForStage } from '../src/app/assignHandler.js';
import { isSltOrClerk, managesCase } from '../src/app/authorisation.js';
import { canSee, drawnSubgroup, schoolContext, type Actor, type Deps, type SchoolContext } from '../src/app/caseFlow.js';
import { currentHearing } from '../src/app/checkHearingResponses.js';
import type { CaseRecord, OutgoingMessage, School, StoredDeadline, StoredEvent } from '../src/app/ports.js';
import { DAY_MS, tryDayNumber, type TimeZone } from '../src/domain/dates.js';
import type { DeadlineKind, Policy } from '../src/domain/policy.js';
import type { CardData, CardName, CaseHeader, DeadlineView } from './cardTypes.js';
import { letterReviewCard } from './letters.js';

/** A card name with its data, typed together. */
export type CardOf = { [N in CardName]: { name: N; data: CardData[N] } }[CardName];
export const card = <N extends CardName>(name: N, data: CardData[N]) => ({ name, data }) as CardOf;

// ---------------------------------------------------------------------------------------------
// Dates

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dayText(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "2026-11-10" -> "Tue 10 Nov 2026"; anything that is not a date is returned as it is. */
export function formatDate(date: string): string {
  const day = tryDayNumber(date.slice(0, 10));
  return Number.isNaN(day) ? date : dayText(day);
}

/** An instant in the school's time zone: "Tue 10 Nov 2026, 14:30". */
export function formatInstant(at: Date | string | number, tz: TimeZone): string {
  const ms = new Date(at).getTime();
  const local = ms + tz.offsetMs(ms);
  const day = Math.floor(local / DAY_MS);
  const minutes = Math.floor((local - day * DAY_MS) / 60_000);
  return `${dayText(day)}, ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The school date of an instant: "Tue 10 Nov 2026". */
export function formatDay(at: Date | string | number, tz: TimeZone): string {
  return dayText(tz.localDay(new Date(at).getTime()));
}

/** A hearing's time in the school's time zone: "Tue 15 Dec 2026, 10:00-12:00" (the end's date too if it differs). */
export function formatSlot(start: Date | string | number, end: Date | string | number, tz: TimeZone): string {
  const from = formatInstant(start, tz);
  const to = formatInstant(end, tz);
  return from.slice(0, -7) === to.slice(0, -7) ? `${from}-${to.slice(-5)}` : `${from} to ${to}`;
}

/** A due date (a date, or an ISO instant for clocks counted in hours) in plain words. */
export function formatDue(due: string, tz: TimeZone): string {
  return due.includes('T') ? formatInstant(due, tz) : formatDate(due);
}

// ---------------------------------------------------------------------------------------------
// Words

const KIND_LABELS: Record<DeadlineKind, string> = {
  acknowledge: 'Acknowledge',
  respond: 'Respond',
  escalation_window: 'Complainant can ask for the next stage',
  hearing: 'Hold the hearing',
  hearing_notice: 'Hearing notice',
  panel_papers: 'Panel papers',
  companion_notice: 'Companion notice',
  panel_decision: 'Panel decision',
  stages_target: 'Overall target',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind as DeadlineKind] ?? kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export const OUTCOME_LABELS: Record<string, string> = {
  upheld: 'Upheld',
  partially_upheld: 'Partially upheld',
  not_upheld: 'Not upheld',
  dismissed: 'Dismissed',
  undecided: 'Undecided (passed on for investigation)',
  resolved: 'Resolved',
};

const SCHOOL_ROLE_LABELS: Record<string, string> = { slt: 'Senior leadership team', clerk: 'Clerk', panel_member: 'Panel member' };

export function roleLabel(policy: Policy, role: string | undefined): string {
  if (!role) return 'nobody in particular';
  if (role === 'complainant') return 'The complainant';
  return policy.roles.find((r) => r.id === role)?.label ?? SCHOOL_ROLE_LABELS[role] ?? role.replace(/_/g, ' ');
}

/**
 * A stage's panel rule in words, with the policy's section: "At least 3 people not involved in
 * the complaint before, one of them independent of the school (NMAT §14)".
 */
export function panelRule(policy: Policy, stage: number): string {
  const panel = policy.stages[stage - 1]?.panel;
  if (!panel) return `Stage ${stage} of ${policy.name} has no panel.`;
  const { minMembers: min, maxMembers: max, independentMembers: independent } = panel;
  const size = max === min ? `Exactly ${min} people` : max ? `${min} to ${max} people` : `At least ${min} people`;
  const involved = panel.excludeInvolved ? ' not involved in the complaint before' : '';
  const apart = independent ? `, ${independent === 1 ? 'one' : independent} of them independent of the school` : '';
  const section = panel.cite.split(':')[0]!.trim();
  return `${size}${involved}${apart} (${policy.id.toUpperCase()} ${section}).`;
}

/** "A", "A and B", "A, B and C". */
export const names = (list: string[]) => (list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`);

export function personName(school: School, id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (id === 'system') return 'the system';
  return school.people.find((p) => p.id === id)?.name;
}

/**
 * Categories a complaint can have besides the policy's out-of-scope ones. Policies name only
 * what they exclude; these are the everyday subjects of school complaints. Any id a policy
 * lists as out of scope is left out here (NMAT: staff conduct goes to the disciplinary route).
 */
export const IN_SCOPE_CATEGORIES: ReadonlyArray<{ id: string; label: string }> = [
  { id: 'teaching_and_learning', label: 'Teaching, learning and the curriculum' },
  { id: 'behaviour', label: 'Behaviour, discipline and how the behaviour policy was applied' },
  { id: 'bullying', label: 'Bullying' },
  { id: 'send_support', label: 'Support for special educational needs in school' },
  { id: 'wellbeing', label: "A pupil's welfare, health or safety" },
  { id: 'communication', label: 'Communication with the school' },
  { id: 'staff_handling', label: 'How a member of staff dealt with something' },
  { id: 'premises', label: 'Premises, trips, meals or other services' },
  { id: 'other', label: 'Something else' },
];

export function categoriesFor(policy: Policy) {
  const excluded = new Set(policy.scope.outOfScope.map((o) => o.category));
  return {
    categories: IN_SCOPE_CATEGORIES.filter((c) => !excluded.has(c.id)).map((c) => ({ ...c })),
    outOfScope: policy.scope.outOfScope.map((o) => ({ id: o.category, label: o.label, signpost: o.signpost })),
  };
}

export function categoryLabel(policy: Policy, category: string | undefined): string | undefined {
  if (!category) return undefined;
  return (
    IN_SCOPE_CATEGORIES.find((c) => c.id === category)?.label ??
    policy.scope.outOfScope.find((o) => o.category === category)?.label ??
    category.replace(/_/g, ' ')
  );
}

function statusText(record: CaseRecord): string {
  const s = record.state;
  const base = { open: 'Open', closed: 'Closed', withdrawn: 'Withdrawn', out_of_scope: 'Out of scope' }[s.status] ?? s.status;
  const notes = [
    s.flags.includes('paused') ? 'paused' : '',
    s.flags.includes('needs_handler') ? 'needs a handler' : '',
    s.flags.includes('needs_reassignment') ? 'needs reassigning' : '',
  ].filter(Boolean);
  return notes.length ? `${base} (${notes.join(', ')})` : base;
}

// ---------------------------------------------------------------------------------------------
// Case parts

export function isOverdue(d: StoredDeadline, now: Date): boolean {
  return d.open && d.owner !== 'complainant' && new Date(d.dueAt).getTime() < now.getTime();
}

export function deadlineView(d: StoredDeadline, ctx: SchoolContext, now: Date): DeadlineView {
  const tz = ctx.calendar.timezone;
  return {
    stage: d.stage,
    kind: d.kind,
    label: kindLabel(d.kind),
    due: d.due,
    dueText: formatDue(d.due, tz),
    metOn: d.metOn ? formatDue(d.metOn, tz) : null,
    overdue: isOverdue(d, now),
    owner: personName(ctx.school, d.ownerId) ?? roleLabel(ctx.policy, d.owner),
  };
}

/** The deadlines of the current stage (and any target spanning it), soonest first. */
export function currentDeadlines(record: CaseRecord, ctx: SchoolContext, now: Date): DeadlineView[] {
  return record.state.deadlines
    .filter((d) => d.stage === record.state.stage || (d.kind === 'stages_target' && d.open))
    .sort((a, b) => new Date(a.dueAt).getTime() - new Date(b.dueAt).getTime())
    .map((d) => deadlineView(d, ctx, now));
}

export function caseSubject(record: CaseRecord, policy: Policy): string {
  const category = categoryLabel(policy, record.category);
  const who = record.about.personName
    ? `${record.about.personName}${record.about.role ? ` (${roleLabel(policy, record.about.role)})` : ''}`
    : record.about.role
      ? `the ${roleLabel(policy, record.about.role)}`
      : undefined;
  const parts = [category, who ? `about ${who}` : undefined].filter(Boolean);
  return parts.length ? parts.join(', ') : 'Complaint';
}

export function caseHeader(record: CaseRecord, ctx: SchoolContext): CaseHeader {
  const s = record.state;
  const handlerName = personName(ctx.school, s.handlerId);
  return {
    caseId: record.id,
    reference: record.reference,
    schoolName: ctx.school.name,
    policyName: ctx.policy.name,
    stage: s.stage,
    stageName: ctx.policy.stages[s.stage - 1]?.name ?? `Stage ${s.stage}`,
    status: statusText(record),
    ...(handlerName ? { handlerName } : {}),
    receivedOn: formatDate(s.receivedOn),
    subject: caseSubject(record, ctx.policy),
    version: record.version,
  };
}

/**
 * The events of the current stage, in order (from the event that started it). A stage starts
 * with "received", an escalation request, or an outcome the policy escalates on (KPSSPP
 * "undecided"), in which case it starts just after that outcome.
 */
export function currentStageEvents(record: CaseRecord, policy: Policy): StoredEvent[] {
  let stage = 1;
  let start = 0;
  record.events.forEach((e, i) => {
    if (e.type === 'received') {
      stage = e.stage ?? 1;
      start = i;
    } else if (e.type === 'escalation_requested') {
      stage++;
      start = i;
    } else if (e.type === 'responded' && e.outcome && policy.stages[stage - 1]?.escalatesOn.includes(e.outcome) && policy.stages[stage]) {
      stage++;
      start = i + 1;
    }
  });
  return record.events.slice(start);
}

export function lastOfType(events: StoredEvent[], type: string): StoredEvent | undefined {
  return [...events].reverse().find((e) => e.type === type);
}

/** "Hana Head on Tue 10 Nov 2026": who did something and when, for notices. */
export function byWhom(e: StoredEvent, ctx: SchoolContext): string {
  return `${personName(ctx.school, e.by) ?? 'someone'} on ${formatDay(e.at, ctx.calendar.timezone)}`;
}

export type TaskCan = CardData['case-task']['can'];

/** Which of the task card's buttons this person gets now. */
export function taskCan(record: CaseRecord, ctx: SchoolContext, actor: Actor, now: Date): TaskCan {
  const none = { acknowledge: false, outcome: false, extend: false, reassign: false, escalate: false, bookPanel: false };
  const s = record.state;
  if (s.status !== 'open' || !canSee(ctx.school, record, actor)) return none;
  const manages = managesCase(ctx.school, record, actor);
  const paused = s.flags.includes('paused');
  const stage = ctx.policy.stages[s.stage - 1];
  const events = currentStageEvents(record, ctx.policy);
  const acknowledged = events.some((e) => e.type === 'acknowledged');
  const responded = events.some((e) => e.type === 'responded');
  const hearingSet = events.some((e) => e.type === 'hearing_scheduled');
  const respond = s.deadlines.find((d) => d.stage === s.stage && d.kind === 'respond');
  const responseOverdue = respond !== undefined && respond.metOn === null && new Date(respond.dueAt).getTime() < now.getTime();
  return {
    acknowledge: manages && !paused && !acknowledged && !responded,
    outcome: manages && !paused && !responded && (!stage?.panel?.hearing || hearingSet),
    extend: manages && !paused && extendable(record).length > 0,
    reassign: !paused && isSltOrClerk(ctx.school, actor),
    escalate:
      manages &&
      !paused &&
      stage !== undefined &&
      ctx.policy.stages[stage.number] !== undefined &&
      stage.complainantMayEscalate &&
      (responded || (stage.escalateWhenResponseOverdue && responseOverdue)),
    // A hearing to book, or a subgroup to draw at random (KPSSPP Stage One): both open the panel card.
    bookPanel: manages && !paused && !responded && (stage?.panel?.hearing === true || stage?.panel?.selection === 'random'),
  };
}

function extendable(record: CaseRecord): StoredDeadline[] {
  return record.state.deadlines.filter((d) => d.stage === record.state.stage && d.kind !== 'stages_target' && d.metOn === null);
}

export interface TaskOptions {
  now: Date;
  notice?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  /** Teams user ids (MRIs, "29:...") the card refreshes for; see cardTypes. */
  refreshUserIds?: string[];
}

/** The stage task card for `actor`: the current state of the case, with the buttons they may use. */
export function caseTask(record: CaseRecord, ctx: SchoolContext, actor: Actor, opts: TaskOptions): CardData['case-task'] {
  const can = taskCan(record, ctx, actor, opts.now);
  const stage = ctx.policy.stages[record.state.stage - 1];
  const hearing = stage?.panel?.hearing ? currentHearing(record, ctx, opts.now) : null;
  const random = stage?.panel?.selection === 'random';
  const subgroup = random ? drawnSubgroup(record.events, record.state.stage).map((id) => personName(ctx.school, id) ?? 'someone no longer listed') : [];
  const people = can.reassign
    ? ctx.school.people
        .filter((p) => p.id !== record.about.personId && p.id !== record.state.handlerId && rolesForStage(ctx, record).some((r) => p.roles.includes(r)))
        .map((p) => ({ id: p.id, name: p.name }))
    : [];
  return {
    header: caseHeader(record, ctx),
    deadlines: currentDeadlines(record, ctx, opts.now),
    can,
    outcomes: (stage?.outcomes ?? []).map((o) => ({ id: o, label: OUTCOME_LABELS[o] ?? o })),
    extendable: can.extend
      ? extendable(record).map((d) => ({ kind: d.kind, label: `${kindLabel(d.kind)} (due ${formatDue(d.due, ctx.calendar.timezone)})` }))
      : [],
    people,
    values: opts.values ?? {},
    errors: opts.errors ?? {},
    ...(opts.notice ? { notice: opts.notice } : {}),
    ...(hearing && !hearing.cancelled ? { hearing: formatSlot(hearing.start, hearing.end, ctx.calendar.timezone) } : {}),
    ...(random ? { panelTitle: subgroup.length ? 'Complaints subgroup' : 'Draw the subgroup' } : {}),
    ...(subgroup.length ? { subgroup: names([`${subgroup[0]} (convener)`, ...subgroup.slice(1)]) } : {}),
    refreshUserIds: opts.refreshUserIds ?? [],
  };
}

export function historyText(e: StoredEvent, ctx: SchoolContext): string {
  const who = personName(ctx.school, e.by) ?? 'someone';
  const tz = ctx.calendar.timezone;
  switch (e.type) {
    case 'received':
      return `Received at stage ${e.stage ?? 1}, recorded by ${who}${e.reason ? ' (accepted after the time limit)' : ''}`;
    case 'acknowledged':
      return `Acknowledged by ${who}`;
    case 'responded':
      return `Outcome recorded by ${who}: ${OUTCOME_LABELS[e.outcome ?? ''] ?? e.outcome}`;
    case 'escalation_requested':
      return `The complainant asked for the next stage (recorded by ${who})`;
    case 'hearing_scheduled': {
      // A booking from the panel card has a time; a re-booking has the reason it moved.
      const start = typeof e.details?.start === 'string' ? e.details.start : undefined;
      const end = typeof e.details?.end === 'string' ? e.details.end : start;
      const when = start ? formatSlot(start, end!, tz) : e.hearingOn ? formatDate(e.hearingOn) : 'a date';
      return `Hearing set for ${when} by ${who}${e.reason ? `: ${e.reason}` : ''}`;
    }
    case 'hearing_cancelled':
      return `Hearing cancelled by ${who}${e.reason ? `: ${e.reason}` : ''}`;
    case 'hearing_booked': {
      // The sender records each change Outlook made: a first event, a move of it, or a new event
      // replacing one (a move between a Teams meeting and in person).
      const d = e.details ?? {};
      if (d.replaces) return 'New Outlook invitation sent and the old one cancelled (the hearing changed between a Teams meeting and in person)';
      if (d.forBooking !== undefined && d.forBooking !== d.booking) return 'Outlook invitation moved to the new time for everyone invited';
      return 'Outlook invitation sent to the panel and the complainant';
    }
    case 'hearing_responses':
      return 'Answers to the hearing invitation recorded';
    case 'hearing_held':
      return 'Hearing held';
    case 'deadline_extended':
      return `${kindLabel(e.kind ?? '')} deadline moved to ${e.due ? formatDate(e.due) : 'a later date'} by ${who}${e.reason ? `: ${e.reason}` : ''}`;
    case 'subgroup_drawn': {
      const d = e.details ?? {};
      const ids = Array.isArray(d.memberIds) ? (d.memberIds as string[]) : [];
      const name = (id: unknown) => personName(ctx.school, typeof id === 'string' ? id : undefined) ?? 'someone no longer listed';
      const replaced = d.replaced as { memberId?: unknown } | undefined;
      if (replaced) return `${name(replaced.memberId)} replaced on the complaints subgroup by ${name(ids.at(-1))}, picked at random by ${who}${e.reason ? `: ${e.reason}` : ''}`;
      const again = typeof d.draw === 'number' && d.draw > 1 ? ' again' : '';
      return `Complaints subgroup drawn${again} at random by ${who}: ${names(ids.map(name))}${e.reason ? ` (${e.reason})` : ''}`;
    }
    case 'handler_assigned':
      return `Stage ${e.stage ?? ''} given to ${personName(ctx.school, e.personId) ?? 'someone'} by ${who}${e.reason ? `: ${e.reason}` : ''}`;
    case 'paused':
      return `Paused by ${who}`;
    case 'resumed':
      return `Resumed by ${who}`;
    case 'withdrawn':
      return `Withdrawn (recorded by ${who})`;
    case 'closed':
      return e.by === 'system' ? `Closed automatically (${formatDay(e.at, tz)}): the complainant did not ask for the next stage in time` : `Closed by ${who}`;
    default:
      return `${e.type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())} (${who})`;
  }
}

export function caseView(record: CaseRecord, ctx: SchoolContext, now: Date): CardData['case-view'] {
  return {
    header: caseHeader(record, ctx),
    deadlines: record.state.deadlines.map((d) => deadlineView(d, ctx, now)),
    history: record.events.map((e) => ({ at: formatInstant(e.at, ctx.calendar.timezone), text: historyText(e, ctx) })),
  };
}

/** One row of `my cases` / `overdue`: the soonest open deadline (the actor's own first, if given). */
export function caseListItem(record: CaseRecord, ctx: SchoolContext, now: Date, mine?: StoredDeadline[]): CardData['case-list']['cases'][number] {
  const open = record.state.deadlines.filter((d) => d.open && d.owner !== 'complainant');
  const pool = mine?.length ? mine : open;
  const next = [...pool].sort((a, b) => new Date(a.dueAt).getTime() - new Date(b.dueAt).getTime())[0];
  return {
    caseId: record.id,
    reference: record.reference,
    stage: record.state.stage,
    status: statusText(record),
    ...(next ? { next: `${kindLabel(next.kind)} by ${formatDue(next.due, ctx.calendar.timezone)}` } : {}),
    overdue: open.filter((d) => isOverdue(d, now)).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Outbox messages -> cards

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function messageCard(title: string, text: string, tone: CardData['message']['tone'] = 'default'): CardOf {
  return card('message', { title, text, tone });
}

const NUDGE_LEVEL = /^(?:nudge|deadline_(due_soon|due_today|overdue))$/;

/**
 * The card the proactive messenger sends for an outbox message (kind "message"):
 * stage_task -> case-task (the case's current state, for the recipient), nudge and
 * deadline_due_soon|due_today|overdue (the names the deadline jobs use) -> nudge,
 * overdue_digest -> digest, letter_review -> letter-preview, anything else -> message. The case is re-read, so a card sent late
 * shows where the case stands now; if the recipient may no longer see it, they get a plain note
 * with the reference only. `refreshUserIds`: the recipient's Teams user id, when known.
 */
export async function messageToCard(message: OutgoingMessage, deps: Deps, opts: { refreshUserIds?: string[] } = {}): Promise<CardOf> {
  const now = deps.clock.now();
  const data = message.data ?? {};
  const reference = str(data.reference) ?? 'A complaint';

  if (message.template === 'overdue_digest') {
    const school = await deps.schools.get(message.schoolId);
    const ctx = school ? schoolContext(school) : undefined;
    const items = Array.isArray(data.items) ? (data.items as Array<Record<string, unknown>>) : [];
    const leavers = Array.isArray(data.leavers) ? (data.leavers as LeaverData[]) : [];
    const tz = ctx?.calendar.timezone;
    return card('digest', {
      schoolName: str(data.school) ?? school?.name ?? '',
      date: str(data.date) ? formatDate(String(data.date)) : '',
      items: items.map((i) => ({
        caseId: String(i.caseId ?? ''),
        reference: String(i.reference ?? ''),
        stage: Number(i.stage ?? 0),
        label: kindLabel(String(i.kind ?? '')),
        dueText: tz ? formatDue(String(i.due ?? ''), tz) : formatDate(String(i.due ?? '')),
        owner: (school && personName(school, str(i.ownerId))) ?? (ctx ? roleLabel(ctx.policy, str(i.owner)) : String(i.owner ?? '')),
      })),
      ...(leavers.length ? { leavers: leavers.map(leaverView) } : {}),
    });
  }

  // A letter waiting for its author to read it: the letter preview card (bot/letters.ts).
  if (message.template === 'letter_review') return letterReviewCard(message, deps, opts);

  const record = message.caseId ? await deps.cases.get(message.caseId) : null;
  const school = record ? await deps.schools.get(record.schoolId) : null;
  const ctx = school ? schoolContext(school) : undefined;
  const visible = record && ctx && canSee(ctx.school, record, message.to);

  if (message.template === 'stage_task') {
    if (!visible)
      return messageCard(
        `${reference}: a task for you`,
        'This complaint is no longer yours to act on, or it has been removed. Type "my cases" to see what you owe.',
      );
    return card('case-task', caseTask(record, ctx, message.to, { now, refreshUserIds: opts.refreshUserIds ?? [] }));
  }

  const level = NUDGE_LEVEL.exec(message.template);
  if (level) {
    const n = (data.nudge ?? {}) as { stage?: number; kind?: string; due?: string; level?: string; owner?: string };
    const lvl = (level[1] ?? n.level ?? 'due_soon') as CardData['nudge']['level'];
    if (!visible)
      return messageCard(`${reference}: a deadline`, 'A deadline on this complaint needs attention. Type "my cases" to see what you owe.', 'warning');
    const stored = record.state.deadlines.find((d) => d.stage === n.stage && d.kind === n.kind) ?? record.state.deadlines.find((d) => d.open);
    const deadline = stored
      ? deadlineView(stored, ctx, now)
      : {
          stage: n.stage ?? record.state.stage,
          kind: n.kind ?? '',
          label: kindLabel(n.kind ?? ''),
          due: n.due ?? '',
          dueText: formatDue(n.due ?? '', ctx.calendar.timezone),
          metOn: null,
          overdue: lvl === 'overdue',
          owner: roleLabel(ctx.policy, n.owner),
        };
    return card('nudge', { level: lvl, header: caseHeader(record, ctx), deadline });
  }

  if (message.template === 'panel_member_declined') {
    if (!visible)
      return messageCard(`${reference}: the panel hearing`, 'A panel member declined the hearing. Type "my cases" to see what you owe.', 'warning');
    const tz = ctx.calendar.timezone;
    const when = data.hearingStart !== undefined ? ` on ${formatInstant(data.hearingStart as string, tz)}` : '';
    const slots = (Array.isArray(data.nextSlots) ? (data.nextSlots as unknown[]) : []).map((s) => {
      const o = s as { start?: unknown; end?: unknown; insideWindow?: unknown };
      return typeof s === 'object' && s !== null && o.start !== undefined
        ? `${formatSlot(o.start as string, (o.end ?? o.start) as string, tz)}${o.insideWindow === false ? ' (outside the window)' : ''}`
        : formatInstant(s as string, tz);
    });
    return card('panel-booking', {
      step: 'declined',
      header: caseHeader(record, ctx),
      rule: panelRule(ctx.policy, record.state.stage),
      values: {},
      errors: {},
      declined: {
        text: `${str(data.memberName) ?? 'A panel member'} declined the panel hearing${when}. Move the hearing to a time that suits the panel, or choose another member.`,
        slots,
      },
    });
  }

  return messageCard(...otherMessage(message.template, data, reference, ctx));
}

/** A leaver as the digest job queued them (src/jobs/handlers.ts LeaverItem). */
interface LeaverData {
  name?: string;
  reason?: string;
  on?: string;
  managerName?: string;
  cases?: Array<{ caseId?: string; reference?: string }>;
}

function leaverView(l: LeaverData): NonNullable<CardData['digest']['leavers']>[number] {
  const cases = (l.cases ?? []).map((c) => ({ caseId: String(c.caseId ?? ''), reference: String(c.reference ?? '') }));
  const refs = cases.map((c) => c.reference).join(', ');
  return {
    name: l.name ?? 'Someone',
    left: `Account ${l.reason === 'deleted' ? 'deleted' : 'disabled'}, noticed ${l.on ? formatDate(l.on) : 'recently'}`,
    ...(l.managerName ? { manager: l.managerName } : {}),
    casesText: cases.length
      ? `Still theirs: ${refs}. Reassign ${cases.length === 1 ? 'it' : 'them'} to someone else.`
      : 'No open complaints are theirs.',
    cases,
  };
}

function otherMessage(
  template: string,
  data: Record<string, unknown>,
  reference: string,
  ctx: SchoolContext | undefined,
): [string, string, CardData['message']['tone']] {
  const stage = data.stage !== undefined ? ` (stage ${String(data.stage)})` : '';
  switch (template) {
    case 'needs_handler': {
      const role = ctx ? roleLabel(ctx.policy, str(data.handlerRole)) : (str(data.handlerRole) ?? 'the role');
      return [
        `${reference} needs a handler`,
        `Nobody at ${str(data.school) ?? 'the school'} holds the role of ${role}, which handles this stage${stage}. Open the case and reassign it to someone who can.`,
        'attention',
      ];
    }
    case 'reassigned':
      return [
        `${reference} was reassigned`,
        `Stage ${String(data.stage ?? '')} is now handled by ${str(data.reassignedTo) ?? 'someone else'}${str(data.reason) ? `: ${String(data.reason)}` : ''}. You have nothing more to do on it.`,
        'default',
      ];
    case 'case_closed':
      return [
        `${reference} was closed`,
        data.closedBecause === 'escalation_window_lapsed'
          ? `The complainant did not ask for the next stage by ${str(data.escalationWindowDue) ? formatDate(String(data.escalationWindowDue)) : 'the deadline'}, so the complaint is closed.`
          : `The complaint was closed${str(data.closedOn) ? ` on ${formatDate(String(data.closedOn))}` : ''}${str(data.reason) ? `: ${String(data.reason)}` : ''}.`,
        'good',
      ];
    case 'subgroup_left':
      // No reason is given: it may be about them, and they have nothing more to do.
      return [
        `${reference}: you are off the complaints subgroup`,
        `You are no longer on the complaints subgroup for stage ${String(data.stage ?? '')} of ${reference}, so you have nothing more to do on it.`,
        'default',
      ];
    case 'case_withdrawn':
      return [`${reference} was withdrawn`, 'The complainant withdrew the complaint; there is nothing more to do on it.', 'good'];
    case 'hearing_event_failed': {
      // A calendar request failed for good (src/jobs/handlers.ts): the person who booked the hearing is told.
      const verb = data.action === 'update' ? 'move' : data.action === 'cancel' ? 'cancel' : 'create';
      const gaveUp = data.gaveUp as { attempts?: unknown; minutes?: unknown; why?: unknown } | undefined;
      if (gaveUp && typeof gaveUp === 'object') {
        // Not refused: the app stopped trying. Its last error ("... cannot be changed yet", "Try again in a few minutes") would mislead here.
        const done = verb === 'move' ? 'moved' : verb === 'cancel' ? 'cancelled' : 'created';
        const attempts = Number(gaveUp.attempts);
        const minutes = Number(gaveUp.minutes);
        const tries = `${attempts > 1 ? `${attempts} tries` : 'several tries'}${minutes >= 120 ? ` over about ${Math.round(minutes / 60)} hours` : minutes > 0 ? ` over ${minutes} minutes` : ''}`;
        const what =
          gaveUp.why === 'not_created'
            ? `The hearing for ${reference} was not ${done} in Outlook: its invitation was never created, and we stopped after ${tries}.`
            : `Outlook did not answer after ${tries}, so the hearing for ${reference} was not ${done} in Outlook${verb === 'move' ? ': the invitations still show the time before the move' : verb === 'cancel' ? ': the invitations still stand' : ''}.`;
        const todo =
          verb === 'cancel'
            ? "Check the organiser's Outlook calendar and cancel the meeting there by hand if it is still in it, or tell your IT admin."
            : 'Open the hearing card and press Move or Cancel again, or tell your IT admin.';
        return [`${reference}: the hearing was not ${done} in Outlook`, `${what} ${todo}`, 'attention'];
      }
      const error = (str(data.error) ?? 'no reason was given').replace(/[.\s]+$/, '');
      return [
        `${reference}: Outlook refused the hearing`,
        `Outlook refused to ${verb} the hearing for ${reference}: ${error}. Check the organiser mailbox is one the app may use (your IT admin: README, Permissions), ${verb === 'cancel' ? "or cancel the meeting in the organiser's Outlook calendar by hand." : 'then book again.'}`,
        'attention',
      ];
    }
    case 'case_resumed':
      return [
        `${reference} is running again`,
        'The complaint was resumed after a pause; its deadlines are counting again. Type "my cases" to see them.',
        'warning',
      ];
    default:
      return [reference, `${template.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())}${stage}.`, 'default'];
  }
}
