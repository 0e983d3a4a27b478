/**
 * The machinery every case use case shares: load the case and its school, add events, re-run
 * the policy fold, work out who holds each duty, and save it all (events, state, outbox) in one
 * conditional update. Use cases describe what happens; this file makes it happen the same way.
 */
import { randomUUID } from 'node:crypto';
import { SchoolCalendar } from '../domain/calendar.js';
import { EVENT_TYPES, foldCase, type CaseEvent } from '../domain/case.js';
import { builtInPolicy } from '../domain/packs/index.js';
import { parsePolicy, type Policy } from '../domain/policy.js';
import { AppError, fromDomain, notFound } from './errors.js';
import type { CalendarBooking, CaseChange, CaseRecord, CaseStateRecord, CaseStore, Clock, Directory, OutboxItem, School, SchoolStore, StoredEvent } from './ports.js';

export interface Deps {
  cases: CaseStore;
  schools: SchoolStore;
  clock: Clock;
  newId?: () => string;
  /** Free/busy and attendee answers (Microsoft Graph); absent when Graph is not configured. */
  calendar?: CalendarBooking;
  /** People by email or UPN (Microsoft Graph); absent when Graph is not configured. */
  directory?: Directory;
  /** How long a letter queued by a person's action waits for them to preview it (0: sent at once). */
  letterReviewMs?: number;
}

/** Who is acting: a directory id, or "system" for the deadline jobs. */
export type Actor = string;
export const SYSTEM: Actor = 'system';

export interface SchoolContext {
  school: School;
  policy: Policy;
  calendar: SchoolCalendar;
}

const contexts = new Map<string, { version: number; ctx: SchoolContext }>();

/** The school's policy and calendar, validated once per version of the school's setup. */
export function schoolContext(school: School): SchoolContext {
  const cached = contexts.get(school.id);
  if (cached && cached.version === school.version && cached.ctx.school === school) return cached.ctx;
  try {
    const policy = school.customPolicy ? parsePolicy(school.customPolicy, `school ${school.id} policy`) : builtInPolicy(school.policyId);
    const calendar = SchoolCalendar.from({ region: policy.defaults.region, timezone: policy.defaults.timezone, ...school.calendar }, 'calendar');
    const ctx = { school, policy, calendar };
    contexts.set(school.id, { version: school.version, ctx });
    return ctx;
  } catch (e) {
    throw fromDomain(e);
  }
}

export async function loadSchool(deps: Deps, schoolId: string): Promise<SchoolContext> {
  const school = await deps.schools.get(schoolId);
  if (!school) throw new AppError('SCHOOL_NOT_FOUND', `No school with id ${schoolId} is set up yet.`, `school not found: ${schoolId}`, 'schoolId');
  return schoolContext(school);
}

const FOLD_TYPES = new Set<string>(EVENT_TYPES);

/** The events the policy fold reads (record-keeping events such as handler_assigned are skipped). */
export function foldEvents(events: StoredEvent[]): CaseEvent[] {
  const out: CaseEvent[] = [];
  for (const e of events) {
    if (!FOLD_TYPES.has(e.type)) continue;
    const { by: _by, personId: _p, details: _d, ...rest } = e;
    out.push(rest as CaseEvent);
  }
  return out;
}

/**
 * People holding a role, the person complained about left out (they never handle their own case),
 * and so are people who have left (the directory.check job marks them): the next holder takes over.
 */
export function holders(school: School, role: string, aboutPersonId?: string): string[] {
  return school.people.filter((p) => p.roles.includes(role) && p.id !== aboutPersonId && !p.left).map((p) => p.id);
}

export function hasRole(school: School, personId: string, ...roles: string[]): boolean {
  return school.people.some((p) => p.id === personId && roles.some((r) => p.roles.includes(r)));
}

type CaseFacts = Pick<CaseRecord, 'about' | 'category' | 'incidentOn' | 'lookedAfterChild' | 'events'>;

/**
 * The complaints subgroup drawn at random for `stage` (KPSSPP Stage One; src/app/drawSubgroup.ts),
 * convener first, as the stage's latest `subgroup_drawn` event has it: a redraw or a replacement
 * supersedes the draw before. Empty when none was drawn.
 */
export function drawnSubgroup(events: StoredEvent[], stage: number): string[] {
  const ids = [...events].reverse().find((e) => e.type === 'subgroup_drawn' && e.stage === stage)?.details?.memberIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * Runs the fold and resolves roles to people: the stage's handler (an explicit assignment for
 * this stage wins; otherwise the first holder of the role who did not handle an earlier stage,
 * since each stage is "conducted by a different person"), and the owner of each deadline.
 * People who have left are never picked by role; an open case still held by one (an explicit
 * assignment) is flagged `needs_reassignment`.
 */
export function deriveState(ctx: SchoolContext, facts: CaseFacts, now: Date): CaseStateRecord {
  let fold;
  try {
    fold = foldCase({
      policy: ctx.policy,
      calendar: ctx.calendar,
      facts: { about: facts.about.role, category: facts.category, incidentOn: facts.incidentOn, lookedAfterChild: facts.lookedAfterChild },
      events: foldEvents(facts.events),
      now: now.getTime(),
    });
  } catch (e) {
    throw fromDomain(e);
  }
  const aboutId = facts.about.personId;
  const assigned = [...facts.events].reverse().find((e) => e.type === 'handler_assigned' && e.stage === fold.stage)?.personId;
  const earlierHandlers = new Set(facts.events.filter((e) => e.type === 'handler_assigned' && (e.stage ?? 0) < fold.stage).map((e) => e.personId));
  const candidates = holders(ctx.school, fold.handlerRole, aboutId);
  // A subgroup drawn at random is convened by its first member, who takes the stage's duties (a named assignment still wins).
  const convener = drawnSubgroup(facts.events, fold.stage).find((id) => id !== aboutId);
  const handlerId = assigned ?? convener ?? candidates.find((id) => !earlierHandlers.has(id)) ?? candidates[0];
  const flags: CaseStateRecord['flags'] = [...fold.flags];
  // A panel stage is convened by the clerk (who owes its deadlines); its members are chosen per hearing.
  if (!handlerId && fold.status === 'open' && !ctx.policy.stages[fold.stage - 1]?.panel) flags.push('needs_handler');
  const deadlines = fold.deadlines.map((d) => {
    const ownerId = d.owner === fold.handlerRole ? handlerId : d.owner === 'complainant' ? undefined : holders(ctx.school, d.owner, aboutId)[0];
    return {
      stage: d.stage,
      kind: d.kind,
      owner: d.owner,
      ...(ownerId ? { ownerId } : {}),
      due: d.due,
      dueAt: new Date(d.dueAt),
      metOn: d.metOn,
      late: d.late,
      open: d.open,
      ...(d.originalDue ? { originalDue: d.originalDue } : {}),
    };
  });
  // Someone assigned by name keeps the case after leaving (holders() never picks a leaver), so SLT must reassign it.
  const gone = new Set(ctx.school.people.filter((p) => p.left).map((p) => p.id));
  if (fold.status === 'open' && gone.size && ((handlerId && gone.has(handlerId)) || deadlines.some((d) => d.open && d.ownerId && gone.has(d.ownerId))))
    flags.push('needs_reassignment');
  const open = deadlines.filter((d) => d.open).map((d) => d.dueAt.getTime());
  return {
    status: fold.status,
    stage: fold.stage,
    handlerRole: fold.handlerRole,
    ...(handlerId ? { handlerId } : {}),
    receivedOn: fold.receivedOn,
    stageReceivedOn: fold.stageReceivedOn,
    closedOn: fold.closedOn,
    outcome: fold.outcome,
    retainUntil: fold.retainUntil,
    flags,
    deadlines,
    nextDueAt: open.length ? new Date(Math.min(...open)) : null,
  };
}

/**
 * Who may see a case: its handler (now or at an earlier stage), anyone who owes one of its
 * deadlines, SLT, the clerk and panel members of the school, and the current members of a
 * subgroup drawn for it. Never the person it is about.
 */
export function canSee(school: School, record: CaseRecord, personId: Actor): boolean {
  if (personId === SYSTEM) return true;
  if (record.about.personId === personId) return false;
  if (!school.people.some((p) => p.id === personId)) return false;
  if (hasRole(school, personId, 'slt', 'clerk', 'panel_member')) return true;
  if (record.state.handlerId === personId || record.state.deadlines.some((d) => d.ownerId === personId)) return true;
  // Each stage's current subgroup investigates it; a member replaced out of it no longer sees the case for that reason.
  const drawnAt = new Set(record.events.filter((e) => e.type === 'subgroup_drawn').map((e) => e.stage ?? 0));
  if ([...drawnAt].some((stage) => drawnSubgroup(record.events, stage).includes(personId))) return true;
  return record.events.some((e) => e.type === 'handler_assigned' && e.personId === personId);
}

/** Loads a case the actor may see; anything else is "not found", so a complaint's existence is not disclosed. */
export async function loadCase(deps: Deps, caseId: string, actor: Actor): Promise<{ record: CaseRecord; ctx: SchoolContext }> {
  const record = await deps.cases.get(caseId);
  if (!record) throw notFound(caseId);
  const ctx = await loadSchool(deps, record.schoolId);
  if (!canSee(ctx.school, record, actor)) throw notFound(caseId);
  return { record, ctx };
}

export function outboxItem(key: string, kind: OutboxItem['kind'], to: string, template: string, data: Record<string, unknown>, now: Date): OutboxItem {
  return { key, kind, to, template, data, status: 'pending', createdAt: now, attempts: 0 };
}

export interface Plan {
  events: Array<Omit<StoredEvent, 'at' | 'by'> & { at?: Date }>;
  /** Side effects, given the state after the change. */
  outbox?: (after: CaseStateRecord, record: CaseRecord) => OutboxItem[];
  set?: CaseChange['set'];
}

/**
 * Applies a use case's events to a case: validates them through the fold (nothing is saved if
 * the policy refuses), then saves events, state and outbox in one conditional update on the
 * version the caller last saw (or the one just loaded).
 */
export async function applyToCase(
  deps: Deps,
  caseId: string,
  actor: Actor,
  expectedVersion: number | undefined,
  plan: (record: CaseRecord, ctx: SchoolContext) => Plan,
): Promise<CaseRecord> {
  const { record, ctx } = await loadCase(deps, caseId, actor);
  if (expectedVersion !== undefined && expectedVersion !== record.version) {
    throw new AppError(
      'VERSION_CONFLICT',
      `This complaint (${record.reference}) was changed by someone else a moment ago. Reload it and try again.`,
      `version conflict on ${record.id}: expected ${expectedVersion}, found ${record.version}`,
    );
  }
  const now = deps.clock.now();
  const p = plan(record, ctx);
  const events: StoredEvent[] = p.events.map((e) => ({ ...e, at: e.at ?? now, by: actor }));
  let state: CaseStateRecord;
  try {
    state = deriveState(ctx, { ...record, ...(p.set?.about ? { about: p.set.about } : {}), events: [...record.events, ...events] }, now);
  } catch (e) {
    throw asInputField(e);
  }
  // An item already queued (same key) is not queued again: retrying a use case never repeats a letter.
  const queued = new Set(record.outbox.map((o) => o.key));
  const outbox = holdForReview(
    deps,
    actor,
    record,
    now,
    (p.outbox ? p.outbox(state, record) : []).filter((o) => !queued.has(o.key)),
  );
  return deps.cases.update(record.id, record.version, { events, state, outbox, ...(p.set ? { set: p.set } : {}) });
}

/**
 * Letters a person's action queued wait `deps.letterReviewMs` so that person can read and edit
 * them first: each is held until then, and a `letter_review` message brings its preview card to
 * their chat. Letters the jobs queue (SYSTEM) go at once: nobody is there to read them.
 */
function holdForReview(deps: Deps, actor: Actor, record: CaseRecord, now: Date, items: OutboxItem[]): OutboxItem[] {
  const ms = deps.letterReviewMs ?? 0;
  if (ms <= 0 || actor === SYSTEM) return items;
  const holdUntil = new Date(now.getTime() + ms);
  return items.flatMap((o) =>
    o.kind !== 'letter'
      ? [o]
      : [
          { ...o, holdUntil },
          outboxItem(
            `${o.key}:review`,
            'message',
            actor,
            'letter_review',
            { reference: record.reference, letterKey: o.key, template: o.template, holdUntil: holdUntil.toISOString() },
            now,
          ),
        ],
  );
}

/**
 * When the policy refuses a field of the new events, name the use case's own field
 * ("events[4].due" becomes "due") so a card can show the error next to it.
 */
function asInputField(e: unknown): unknown {
  const m = e instanceof AppError && e.field ? /^events\[\d+\]\.(.+)$/.exec(e.field) : null;
  return m && e instanceof AppError ? new AppError(e.code, e.userMessage, e.logMessage, m[1]) : e;
}

export const newId = (deps: Deps) => (deps.newId ?? randomUUID)();

/** Data every message about a case carries: enough to say what it is, no complaint details. */
export function caseSummary(record: CaseRecord, state: CaseStateRecord, ctx: SchoolContext): Record<string, unknown> {
  return {
    reference: record.reference,
    school: ctx.school.name,
    policy: ctx.policy.name,
    stage: state.stage,
    stageName: ctx.policy.stages[state.stage - 1]?.name,
    status: state.status,
    deadlines: state.deadlines.filter((d) => d.open).map((d) => ({ kind: d.kind, due: d.due, owner: d.owner })),
  };
}
