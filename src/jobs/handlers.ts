/**
 * What the background jobs do, written against the ports (stores, Messenger, Clock) so the
 * tests run them with a test clock and in-memory stores as well as on the real database.
 * Agenda (scheduler.ts) only decides when they run.
 *
 * Every handler re-reads what it acts on and changes it with a conditional update, so running
 * one twice, from two workers at once, or again after a crash does nothing twice:
 *
 * - a nudge is queued with `cases.claimNudge` under the key `stage:kind:due:level`: once per
 *   deadline and level, and a deadline that moves (an extension) gets fresh keys for its new date;
 * - the digest is queued with `schools.claimDigest` under `date:person`: once per school day and person;
 * - a message leaves the outbox only through a claim (`claimOutbox`), and the Messenger is
 *   idempotent by key, so a send retried after a crash is not delivered twice;
 * - closing a case whose escalation window lapsed is a conditional update on the version the
 *   sweep read: if anyone acted meanwhile, the sweep leaves it alone.
 *
 * When nudges go out (all in the school's time zone; "school hours" are 08:00-17:00 on a
 * weekday that is not a bank holiday):
 *
 * | level     | deadline due on a date D                                  | deadline due at an instant T (hour clocks) |
 * |-----------|-----------------------------------------------------------|--------------------------------------------|
 * | due_soon  | from 08:00 on the school day before D, until D 08:00      | from the last 4 school hours before T      |
 * | due_today | from 08:00 on D, until D ends                             | (none)                                     |
 * | overdue   | from 08:00 on the first school day after D                | from T                                     |
 *
 * ("school day" is a working day for a school whose calendar has no terms, and outside the
 * terms it knows.) A nudge is sent only in school hours, and only at the level current then:
 * a later level supersedes an earlier one that never went out (no "due soon" once it is due
 * today, no "due today" in the half term after the day passed). The 4 hours of an hour clock
 * are counted in school hours so that a deadline falling due at night or at the weekend is
 * still announced while someone is at work (due Saturday 11:00: Friday 13:00).
 */
import { ESCALATION_WINDOW_LAPSED } from '../domain/case.js';
import { isTeachingDay, type SchoolCalendar } from '../domain/calendar.js';
import { DAY_MS, TimeZone, dayNumber, fromDayNumber, isWeekend } from '../domain/dates.js';
import { AppError } from '../app/errors.js';
import { SYSTEM, applyToCase, canSee, caseSummary, holders, outboxItem, schoolContext, type Deps, type SchoolContext } from '../app/caseFlow.js';
import { MAX_ATTEMPTS } from '../app/memory.js';
import type { CaseRecord, CaseStore, Messenger, OutboxItem, School, StoredDeadline } from '../app/ports.js';
import { stageBookings } from '../app/panel.js';
import { letterSuperseded } from '../letters/mailer.js';
import type { Log } from '../log.js';

export interface JobContext {
  deps: Deps;
  messenger: Messenger;
  log: Log;
  /** Aborted when the worker is stopping: handlers finish what they started, release what they claimed, and return. */
  signal?: AbortSignal;
}

export const SCHOOL_OPENS_MIN = 8 * 60;
export const SCHOOL_CLOSES_MIN = 17 * 60;
/** The digest is queued from 08:00 (the job runs every 15 minutes), so SLT have it by 08:30 school time. */
export const DIGEST_FROM_MIN = 8 * 60;
export const DUE_SOON_SCHOOL_HOURS = 4;
/** An outbox item left "sending" this long (a crashed worker, a failed send) is offered again. */
export const STALE_SENDING_MS = 5 * 60_000;
export const NUDGE_LEVELS = ['due_soon', 'due_today', 'overdue'] as const;
export type NudgeLevel = (typeof NUDGE_LEVELS)[number];
export const LAPSED_REASON = ESCALATION_WINDOW_LAPSED;

// ---------------------------------------------------------------------------------------------
// School time

const MINUTE = 60_000;

/** Minutes since local midnight at an instant. */
export function wallMinutes(cal: SchoolCalendar, ms: number): number {
  const local = ms + cal.timezone.offsetMs(ms);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE);
}

/** The instant the school's clock reads `minutes` past midnight on local day `day`. */
export function instantAt(cal: SchoolCalendar, day: number, minutes: number): number {
  return cal.timezone.fromWallClock(day * DAY_MS + minutes * MINUTE);
}

function isWorking(cal: SchoolCalendar, day: number): boolean {
  try {
    return cal.isWorkingDay(day);
  } catch {
    return !isWeekend(day); // beyond the years whose bank holidays are known
  }
}

/** A school day; a working day where the calendar has no terms or does not reach (now in the domain, shared with hearing dates). */
export { isTeachingDay };

function stepTeachingDay(cal: SchoolCalendar, day: number, step: 1 | -1): number {
  for (let d = day + step, i = 0; i < 400; d += step, i++) if (isTeachingDay(cal, d)) return d;
  return day + step;
}

export const previousTeachingDay = (cal: SchoolCalendar, day: number) => stepTeachingDay(cal, day, -1);
export const nextTeachingDay = (cal: SchoolCalendar, day: number) => stepTeachingDay(cal, day, 1);

export function inSchoolHours(cal: SchoolCalendar, ms: number): boolean {
  const m = wallMinutes(cal, ms);
  return m >= SCHOOL_OPENS_MIN && m < SCHOOL_CLOSES_MIN && isWorking(cal, cal.timezone.localDay(ms));
}

/** The instant `minutes` of school hours before `at` (counting back through evenings and weekends). */
export function schoolHoursBefore(cal: SchoolCalendar, at: number, minutes: number): number {
  let left = minutes * MINUTE;
  let end = at;
  for (let i = 0; i < 60; i++) {
    const day = cal.timezone.localDay(end - 1);
    if (isWorking(cal, day)) {
      const open = instantAt(cal, day, SCHOOL_OPENS_MIN);
      const segmentEnd = Math.min(end, instantAt(cal, day, SCHOOL_CLOSES_MIN));
      if (segmentEnd > open) {
        if (segmentEnd - open >= left) return segmentEnd - left;
        left -= segmentEnd - open;
      }
    }
    end = instantAt(cal, day, 0);
  }
  return at - minutes * MINUTE;
}

export interface NudgeWindow {
  level: NudgeLevel;
  from: number;
  until: number;
}

/** When each level of nudge may go out for a deadline (see the table at the top). */
export function nudgeWindows(cal: SchoolCalendar, d: Pick<StoredDeadline, 'due' | 'dueAt'>): NudgeWindow[] {
  const dueAt = new Date(d.dueAt).getTime();
  if (d.due.includes('T')) {
    return [
      { level: 'due_soon', from: schoolHoursBefore(cal, dueAt, DUE_SOON_SCHOOL_HOURS * 60), until: dueAt },
      { level: 'overdue', from: dueAt, until: Number.POSITIVE_INFINITY },
    ];
  }
  const day = dayNumber(d.due, 'due');
  return [
    { level: 'due_soon', from: instantAt(cal, previousTeachingDay(cal, day), SCHOOL_OPENS_MIN), until: instantAt(cal, day, SCHOOL_OPENS_MIN) },
    { level: 'due_today', from: instantAt(cal, day, SCHOOL_OPENS_MIN), until: dueAt + 1 },
    { level: 'overdue', from: instantAt(cal, nextTeachingDay(cal, day), SCHOOL_OPENS_MIN), until: Number.POSITIVE_INFINITY },
  ];
}

/** The nudge to send now for a deadline, if any: only in school hours, only the current level. */
export function nudgeLevelAt(cal: SchoolCalendar, d: Pick<StoredDeadline, 'due' | 'dueAt'>, now: number): NudgeLevel | undefined {
  if (!inSchoolHours(cal, now)) return undefined;
  return nudgeWindows(cal, d).find((w) => now >= w.from && now < w.until)?.level;
}

/**
 * Open cases whose next deadline is due before this instant may have a nudge due now: the end of
 * the day after the next school (or working) day. A deadline due later than that has its due-soon
 * time, the earliest of its nudges, after today.
 */
export function sweepHorizon(cal: SchoolCalendar, now: number): number {
  const today = cal.timezone.localDay(now);
  let nextWorking = today + 1;
  while (!isWorking(cal, nextWorking) && nextWorking < today + 30) nextWorking++;
  const last = Math.max(nextTeachingDay(cal, today), nextWorking) + 1;
  return instantAt(cal, last + 1, 0);
}

// ---------------------------------------------------------------------------------------------
// deadlines.sweep

export interface SweepResult {
  schools: number;
  cases: number;
  nudges: number;
  closed: number;
}

const aborted = (ctx: JobContext) => ctx.signal?.aborted === true;

/** Loads a school's policy and calendar; a school whose setup no longer validates is logged and skipped. */
function contextOf(ctx: JobContext, school: School): SchoolContext | undefined {
  try {
    return schoolContext(school);
  } catch (e) {
    ctx.log.error({ event: 'school_setup_invalid', schoolId: school.id, err: e }, 'school setup does not validate; its jobs are skipped');
    return undefined;
  }
}

export async function sweepDeadlines(ctx: JobContext): Promise<SweepResult> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const result: SweepResult = { schools: 0, cases: 0, nudges: 0, closed: 0 };
  for (const school of await deps.schools.list()) {
    if (aborted(ctx)) break;
    const sc = contextOf(ctx, school);
    if (!sc) continue;
    result.schools++;
    const cases = await deps.cases.find({ schoolId: school.id, status: 'open', dueBefore: new Date(sweepHorizon(sc.calendar, now.getTime())) });
    for (const record of cases) {
      if (aborted(ctx)) break;
      result.cases++;
      try {
        await sweepCase(ctx, sc, record, now, result);
      } catch (e) {
        // One case the sweep cannot handle must not stop the others' nudges; a database outage stops the run.
        if (e instanceof AppError && e.code === 'DATABASE_UNAVAILABLE') throw e;
        ctx.log.error({ event: 'sweep_case_failed', caseId: record.id, err: e }, 'the sweep could not handle this case');
      }
    }
  }
  return result;
}

async function sweepCase(ctx: JobContext, sc: SchoolContext, record: CaseRecord, now: Date, result: SweepResult): Promise<void> {
  const cal = sc.calendar;
  for (const d of record.state.deadlines) {
    if (!d.open) continue;
    if (d.owner === 'complainant') {
      // The complainant's own cut-offs are theirs to meet: nobody is nudged. A lapsed escalation window ends the
      // case, in school hours, since the handler is told.
      if (d.kind === 'escalation_window' && d.stage === record.state.stage && now.getTime() > new Date(d.dueAt).getTime() && inSchoolHours(cal, now.getTime())) {
        if (await closeLapsed(ctx, record, now)) result.closed++;
        return;
      }
      continue;
    }
    const level = nudgeLevelAt(cal, d, now.getTime());
    if (!level) continue;
    const key = `${d.stage}:${d.kind}:${d.due}:${level}`;
    // Nobody holds the role that owes it, or the person who does has left: SLT are told instead
    // (never the person the complaint is about).
    const owner = d.ownerId && !sc.school.people.some((p) => p.id === d.ownerId && p.left) ? d.ownerId : undefined;
    const recipients = owner ? [{ to: owner, key }] : holders(sc.school, 'slt', record.about.personId).map((to) => ({ to, key: `${key}:slt:${to}` }));
    if (!recipients.length) ctx.log.warn({ event: 'nudge_no_recipient', caseId: record.id, deadline: key, role: d.owner }, 'nobody holds the role that owes this deadline, and the school has no SLT to tell');
    for (const r of recipients) {
      if (record.nudges.includes(r.key)) continue;
      const data = {
        ...caseSummary(record, record.state, sc),
        nudge: { stage: d.stage, kind: d.kind, due: d.due, level, owner: d.owner },
        ...(owner ? {} : { unfilledRole: d.owner }),
      };
      const item = outboxItem(`${record.id}:nudge:${r.key}`, 'message', r.to, `deadline_${level}`, data, now);
      if (await ctx.deps.cases.claimNudge(record.id, r.key, item)) {
        result.nudges++;
        ctx.log.info({ event: 'nudge_queued', caseId: record.id, key: item.key, to: r.to, level, kind: d.kind, due: d.due }, `${level} nudge queued`);
      }
    }
  }
}

class NothingToDo extends Error {}

/** Closes a case whose escalation window passed with no request; false if someone acted first. */
async function closeLapsed(ctx: JobContext, seen: CaseRecord, now: Date): Promise<boolean> {
  try {
    await applyToCase(ctx.deps, seen.id, SYSTEM, seen.version, (record, sc) => {
      const window = record.state.deadlines.find((d) => d.kind === 'escalation_window' && d.open && d.stage === record.state.stage);
      if (!window || now.getTime() <= new Date(window.dueAt).getTime()) throw new NothingToDo();
      const handler = record.state.handlerId;
      return {
        events: [{ type: 'closed', reason: LAPSED_REASON, details: { kind: 'escalation_window', due: window.due } }],
        outbox: (after) =>
          handler
            ? [outboxItem(`${record.id}:closed:${handler}`, 'message', handler, 'case_closed', { ...caseSummary(record, after, sc), closedBecause: LAPSED_REASON, escalationWindowDue: window.due, closedOn: after.closedOn }, now)]
            : [],
      };
    });
  } catch (e) {
    if (e instanceof NothingToDo) return false;
    if (e instanceof AppError && (e.code === 'VERSION_CONFLICT' || e.code === 'NOT_ALLOWED' || e.code === 'CASE_NOT_FOUND')) {
      ctx.log.info({ event: 'lapse_close_skipped', caseId: seen.id, code: e.code }, 'the case changed meanwhile; not closed by the sweep');
      return false;
    }
    throw e;
  }
  ctx.log.info({ event: 'case_closed', caseId: seen.id, reference: seen.reference, closedBecause: LAPSED_REASON }, 'escalation window lapsed: case closed');
  return true;
}

// ---------------------------------------------------------------------------------------------
// digest.overdue

export interface OverdueItem {
  caseId: string;
  reference: string;
  stage: number;
  kind: string;
  due: string;
  owner: string;
  ownerId?: string;
}

export interface DigestResult {
  schools: number;
  digests: number;
}

/** Someone the directory says has left (directory.check), as SLT's digest lists them. */
export interface LeaverItem {
  personId: string;
  name: string;
  reason: 'disabled' | 'deleted';
  /** School date it was first seen. */
  on: string;
  managerName?: string;
  /** Open cases still theirs (assigned to them by name, or a deadline they owe), for SLT to reassign. */
  cases: Array<{ caseId: string; reference: string }>;
}

/** Is the open case still theirs: they handle it (assigned by name), or owe one of its open deadlines? */
function stillHolds(c: CaseRecord, personId: string): boolean {
  return c.state.status === 'open' && (c.state.handlerId === personId || c.state.deadlines.some((d) => d.open && d.ownerId === personId));
}

/**
 * The school's leavers who still hold open cases that `personId` may see, each with those cases.
 * A leaver whose cases have all gone to someone else (or closed) is no longer SLT's to act on,
 * so they drop out of the digest instead of staying in it for good.
 */
export function leaverItems(school: School, casesOf: Map<string, CaseRecord[]>, personId: string): LeaverItem[] {
  return school.people.flatMap((p) => {
    if (!p.left) return [];
    const cases = (casesOf.get(p.id) ?? []).filter((c) => stillHolds(c, p.id) && canSee(school, c, personId));
    if (!cases.length) return [];
    return [
      {
        personId: p.id,
        name: p.name,
        reason: p.left.reason,
        on: p.left.on,
        ...(p.left.managerName ? { managerName: p.left.managerName } : {}),
        cases: cases.map((c) => ({ caseId: c.id, reference: c.reference })),
      },
    ];
  });
}

/** Every overdue item of the school the person may see (never a complaint about them), oldest first. */
export function overdueItems(school: School, cases: CaseRecord[], personId: string, now: Date): OverdueItem[] {
  const items: OverdueItem[] = [];
  for (const c of cases) {
    if (c.state.status !== 'open' || !canSee(school, c, personId)) continue;
    for (const d of c.state.deadlines) {
      if (!d.open || d.owner === 'complainant' || new Date(d.dueAt).getTime() >= now.getTime()) continue;
      items.push({ caseId: c.id, reference: c.reference, stage: d.stage, kind: d.kind, due: d.due, owner: d.owner, ...(d.ownerId ? { ownerId: d.ownerId } : {}) });
    }
  }
  return items.sort((a, b) => a.due.localeCompare(b.due) || a.reference.localeCompare(b.reference) || a.stage - b.stage);
}

/**
 * Once per school day, from 08:00 to 17:00 school time (so by 08:30): each SLT member gets one
 * list of everything overdue and of the people who have left, with the cases still theirs. It
 * goes when something is overdue or a leaver still holds an open case.
 */
export async function sendOverdueDigests(ctx: JobContext): Promise<DigestResult> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const result: DigestResult = { schools: 0, digests: 0 };
  for (const school of await deps.schools.list()) {
    if (aborted(ctx)) break;
    const sc = contextOf(ctx, school);
    if (!sc) continue;
    const cal = sc.calendar;
    const today = cal.timezone.localDay(now.getTime());
    const minutes = wallMinutes(cal, now.getTime());
    if (!isTeachingDay(cal, today) || minutes < DIGEST_FROM_MIN || minutes >= SCHOOL_CLOSES_MIN) continue;
    result.schools++;
    const date = fromDayNumber(today);
    const waiting = holders(school, 'slt').filter((id) => !school.digests.includes(`${date}:${id}`));
    if (!waiting.length) continue;
    const cases = await deps.cases.find({ schoolId: school.id, status: 'open', dueBefore: now });
    const casesOf = new Map<string, CaseRecord[]>();
    for (const p of school.people) if (p.left) casesOf.set(p.id, await deps.cases.find({ schoolId: school.id, status: 'open', responsibleId: p.id }));
    for (const personId of waiting) {
      const items = overdueItems(school, cases, personId, now);
      const leavers = leaverItems(school, casesOf, personId);
      if (!items.length && !leavers.length) continue;
      const data = { school: school.name, date, count: items.length, items, ...(leavers.length ? { leavers } : {}) };
      const item = outboxItem(`${school.id}:digest:${date}:${personId}`, 'message', personId, 'overdue_digest', data, now);
      if (await deps.schools.claimDigest(school.id, `${date}:${personId}`, item)) {
        result.digests++;
        ctx.log.info({ event: 'digest_queued', schoolId: school.id, to: personId, date, items: items.length, leavers: leavers.length }, 'overdue digest queued');
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// retention.purge

export interface PurgeResult {
  anonymised: number;
}

type Redacted = Parameters<CaseStore['anonymise']>[2];

/**
 * The case with its personal data taken out: the complainant, what the complaint said, who it
 * was about (the role stays), reasons and details of events, attachments and message contents.
 * The reference, dates, stages, deadlines and outcomes stay, for the school's statistics.
 */
export function anonymised(record: CaseRecord, date: string): Redacted {
  const removed = `[removed on ${date} under the retention rule]`;
  return {
    complainant: { name: '[removed]', relationship: '[removed]', preferredContact: record.complainant.preferredContact },
    summary: removed,
    ...(record.desiredOutcome !== undefined ? { desiredOutcome: removed } : {}),
    about: record.about.role ? { role: record.about.role } : {},
    events: record.events.map(({ reason: _reason, details: _details, ...rest }) => rest),
    attachments: [],
    outbox: record.outbox.map((o) => ({ ...o, data: {} })),
  };
}

export async function purgeExpired(ctx: JobContext, opts: { batch?: number } = {}): Promise<PurgeResult> {
  const { deps } = ctx;
  const now = deps.clock.now();
  // "Today" where it is earliest among the schools' time zones: nothing is purged before its date anywhere.
  const zones = new Set<string>();
  for (const s of await deps.schools.list()) {
    const sc = contextOf(ctx, s);
    if (sc) zones.add(sc.calendar.timezone.name);
  }
  if (!zones.size) zones.add('Europe/London');
  const today = fromDayNumber(Math.min(...[...zones].map((tz) => TimeZone.named(tz).localDay(now.getTime()))));
  const result: PurgeResult = { anonymised: 0 };
  const seen = new Set<string>();
  for (;;) {
    if (aborted(ctx)) break;
    const batch = (await deps.cases.findExpired(today, opts.batch ?? 100)).filter((c) => !seen.has(c.id));
    if (!batch.length) break;
    for (const record of batch) {
      seen.add(record.id);
      await deps.cases.anonymise(record.id, now, anonymised(record, today));
      result.anonymised++;
      ctx.log.info({ event: 'case_anonymised', caseId: record.id, reference: record.reference, retainUntil: record.state.retainUntil }, 'personal data removed under the retention rule');
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// outbox.drain

export interface DrainResult {
  sent: number;
  /** Sends that failed and will be tried again (the item stays "sending" until it is stale). */
  retrying: number;
  /** Items given up after MAX_ATTEMPTS, or at once when the error says trying again cannot help (`retryable: false`). */
  failed: number;
  /** Nudges not sent because their deadline was met, moved or closed after they were queued; hearing invitations overtaken (src/letters/mailer.ts letterSuperseded). */
  superseded: number;
  /** Claimed but not started when the worker was stopped: back to pending. */
  released: number;
}

interface Claimed {
  caseId?: string;
  schoolId?: string;
  item: OutboxItem;
}

const DRAIN_CONCURRENCY = 8;

/**
 * Sends what the outbox holds: claims items (pending ones, and ones left "sending" for 5 minutes
 * by a crashed worker or a failed send), sends each through the Messenger and marks it sent.
 * A failed send is tried again once it is stale, so every 5 minutes, up to MAX_ATTEMPTS; then
 * it is marked failed and logged as an error for the admin. An error with `retryable: false`
 * (GraphError, HearingEventError, ...) is marked failed at once; for a hearing's calendar request
 * the person who booked the hearing is told either way (template hearing_event_failed), in words
 * that say whether Outlook refused it or the app gave up after trying.
 */
export async function drainOutbox(ctx: JobContext, opts: { batch?: number; maxItems?: number } = {}): Promise<DrainResult> {
  const { deps } = ctx;
  const batch = opts.batch ?? 25;
  const maxItems = opts.maxItems ?? 10_000;
  const result: DrainResult = { sent: 0, retrying: 0, failed: 0, superseded: 0, released: 0 };
  let handled = 0;
  while (!aborted(ctx) && handled < maxItems) {
    const now = deps.clock.now();
    const staleBefore = new Date(now.getTime() - STALE_SENDING_MS);
    const claimed: Claimed[] = [
      ...(await deps.cases.claimOutbox(now, staleBefore, batch)).map(({ caseId, item }) => ({ caseId, item })),
      ...(await deps.schools.claimOutbox(now, staleBefore, batch)).map(({ schoolId, item }) => ({ schoolId, item })),
    ];
    if (!claimed.length) break;
    handled += claimed.length;
    const caseIds = [...new Set(claimed.flatMap((c) => (c.caseId ? [c.caseId] : [])))];
    const records = new Map((await Promise.all(caseIds.map((id) => deps.cases.get(id)))).flatMap((r) => (r ? [[r.id, r] as const] : [])));
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const c = claimed[next++]!;
        if (aborted(ctx)) {
          await complete(ctx, c, { error: 'released: the worker stopped before sending it', retry: true });
          result.released++;
          continue;
        }
        await deliver(ctx, c, c.caseId ? records.get(c.caseId) : undefined, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DRAIN_CONCURRENCY, claimed.length) }, worker));
  }
  return result;
}

function complete(ctx: JobContext, c: Claimed, outcome: { sentAt: Date } | { error: string; retry: boolean }): Promise<void> {
  return c.caseId ? ctx.deps.cases.completeOutbox(c.caseId, c.item.key, outcome) : ctx.deps.schools.completeOutbox(c.schoolId!, c.item.key, outcome);
}

/** The message to the person who booked a hearing whose calendar request failed for good (bot/views.ts). */
export const HEARING_EVENT_FAILED = 'hearing_event_failed';

/**
 * A hearing's calendar request failed for good: whoever booked the hearing (the `by` of its
 * hearing_scheduled) is told, once per request (claimNudge under the request's key), so the
 * convener learns the invitation is not in Outlook rather than finding out on the day.
 * Outlook refusing it (a permission, a bad request) and the app giving up after MAX_ATTEMPTS
 * (Microsoft 365 busy or unreachable all that time, or the event to change never created) are
 * told apart: `gaveUp` says how many tries over how long, and why, for bot/views.ts's words.
 */
async function tellHearingBooker(ctx: JobContext, caseId: string, record: CaseRecord, item: OutboxItem, e: unknown, refused: boolean): Promise<void> {
  const stage = Number(item.data.stage);
  const booking = Number(item.data.booking);
  const ids = { key: item.key, caseId };
  const by = stageBookings(record, stage).find((b) => b.booking === booking)?.by;
  if (!by || by === SYSTEM) {
    ctx.log.warn({ event: 'hearing_event_failure_untold', ...ids }, 'nobody booked this hearing by hand to tell that its calendar request failed');
    return;
  }
  const now = ctx.deps.clock.now();
  const gaveUp = refused
    ? {}
    : {
        gaveUp: {
          attempts: item.attempts,
          minutes: Math.max(1, Math.round((now.getTime() - new Date(item.createdAt).getTime()) / 60_000)),
          why: (e as { code?: unknown }).code === 'EVENT_NOT_CREATED_YET' ? 'not_created' : 'no_answer',
        },
      };
  const data = { reference: record.reference, action: item.data.action, error: e instanceof Error ? e.message : String(e), stage, ...gaveUp };
  const message = outboxItem(`${item.key}:failed`, 'message', by, HEARING_EVENT_FAILED, data, now);
  try {
    if (await ctx.deps.cases.claimNudge(caseId, `${HEARING_EVENT_FAILED}:${item.key}`, message))
      ctx.log.info({ event: 'hearing_event_failure_told', ...ids, to: by, refused }, 'the person who booked the hearing is told the calendar request failed');
  } catch (err) {
    ctx.log.error({ event: 'hearing_event_failure_untold', ...ids, err }, 'could not queue the message about a refused calendar request');
  }
}

/** Is the deadline a queued nudge is about still open, with the same due date? */
function nudgeStillDue(record: CaseRecord | undefined, item: OutboxItem): boolean {
  const n = item.data.nudge as { stage?: number; kind?: string; due?: string } | undefined;
  if (!n || !record) return true;
  return record.state.status === 'open' && record.state.deadlines.some((d) => d.open && d.stage === n.stage && d.kind === n.kind && d.due === n.due);
}

async function deliver(ctx: JobContext, c: Claimed, record: CaseRecord | undefined, result: DrainResult): Promise<void> {
  const { item } = c;
  const ids = { key: item.key, caseId: c.caseId, schoolId: c.schoolId ?? record?.schoolId };
  if (!nudgeStillDue(record, item)) {
    await complete(ctx, c, { error: 'superseded: the deadline was met, moved or closed before the nudge went out', retry: false });
    result.superseded++;
    ctx.log.info({ event: 'nudge_superseded', ...ids }, 'nudge not sent: its deadline changed after it was queued');
    return;
  }
  const overtaken = record && item.kind === 'letter' ? letterSuperseded(record, item) : undefined;
  if (overtaken) {
    await complete(ctx, c, { error: `superseded: ${overtaken}`, retry: false });
    result.superseded++;
    ctx.log.info({ event: 'letter_superseded', ...ids, template: item.template }, `letter not sent: ${overtaken}`);
    return;
  }
  const schoolId = ids.schoolId;
  if (!schoolId) {
    await complete(ctx, c, { error: `case ${c.caseId} no longer exists`, retry: false });
    result.failed++;
    ctx.log.error({ event: 'message_failed', ...ids }, 'outbox item of a case that no longer exists');
    return;
  }
  try {
    await ctx.messenger.send({ key: item.key, kind: item.kind, to: item.to, template: item.template, data: item.data, schoolId, ...(c.caseId ? { caseId: c.caseId } : {}) });
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const why = e as { retryable?: unknown; code?: unknown; kind?: unknown; graphCode?: unknown; status?: unknown };
    // Refused for good (a missing permission, a mailbox outside the app's access policy): trying again cannot help.
    const refused = why.retryable === false;
    if (refused || item.attempts >= MAX_ATTEMPTS) {
      await complete(ctx, c, { error, retry: false });
      result.failed++;
      const code = typeof why.code === 'string' ? why.code : typeof why.kind === 'string' ? why.kind : undefined;
      ctx.log.error(
        {
          event: 'message_failed',
          ...ids,
          kind: item.kind,
          template: item.template,
          attempts: item.attempts,
          code,
          graphCode: why.graphCode,
          status: why.status,
          retryable: !refused,
          error,
        },
        refused ? 'refused: not tried again' : `gave up sending after ${item.attempts} attempts`,
      );
      if (item.kind === 'calendar' && c.caseId && record) await tellHearingBooker(ctx, c.caseId, record, item, e, refused);
    } else {
      // Left "sending": offered again once stale, so the next try is 5 minutes away.
      result.retrying++;
      ctx.log.warn({ event: 'message_retry', ...ids, attempts: item.attempts, retryInMs: STALE_SENDING_MS, error }, 'send failed; will try again');
    }
    return;
  }
  await complete(ctx, c, { sentAt: ctx.deps.clock.now() });
  result.sent++;
}
