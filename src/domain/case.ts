/**
 * The case fold: from a policy, a school calendar, the facts of a complaint and what has
 * happened (its events), work out where the case stands at `now` and every deadline with its
 * due date. Pure: no I/O, no clock of its own. Deadlines are never stored by hand; an extension,
 * a pause or a corrected date recomputes everything the same way.
 */
import { z } from 'zod';
import { SchoolCalendar, type DayUnit } from './calendar.js';
import { DAY_MS, addMonths, dayNumber, formatInstant, fromDayNumber, parseWhen, type LocalDate } from './dates.js';
import { DomainError } from './errors.js';
import { DEADLINE_KINDS, OUTCOMES, handlerFor, ownerFor, type Clock, type ClockUnit, type DeadlineKind, type Outcome, type Policy, type Stage } from './policy.js';

export const EVENT_TYPES = [
  'received',
  'acknowledged',
  'responded',
  'escalation_requested',
  'hearing_scheduled',
  'hearing_held',
  'hearing_cancelled',
  'deadline_extended',
  'paused',
  'resumed',
  'withdrawn',
  'closed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The reason a "closed" event gives when the deadline job closes a case whose escalation window lapsed. */
export const ESCALATION_WINDOW_LAPSED = 'escalation_window_lapsed';

/** An event as it arrives: `at` is text (school time unless it carries a zone), a Date or epoch ms. */
export interface CaseEvent {
  type: EventType;
  at: string | Date | number;
  stage?: number;
  outcome?: Outcome;
  hearingOn?: LocalDate;
  /** deadline_extended: which deadline of the current stage, and its new date. */
  kind?: DeadlineKind;
  due?: LocalDate;
  reason?: string;
}

export const caseFactsSchema = z.object({
  about: z.string().optional(),
  category: z.string().optional(),
  incidentOn: z.string().optional(),
  lookedAfterChild: z.boolean().optional(),
});
export type CaseFacts = z.infer<typeof caseFactsSchema>;

export type CaseStatus = 'open' | 'closed' | 'withdrawn' | 'out_of_scope';

export interface DeadlineState {
  stage: number;
  kind: DeadlineKind;
  /** Role that owes it, or "complainant". */
  owner: string;
  /** YYYY-MM-DD, or an ISO instant for clocks counted in hours. */
  due: string;
  metOn: string | null;
  overdue: boolean;
  /** Met after its due date, or left unmet when its stage ended. */
  late: boolean;
  /** Set when the deadline was extended: the date the policy gave. */
  originalDue?: string;
  /** Epoch ms of the end of the due day (or the due instant): lets stores index and compare without parsing. */
  dueAt: number;
  /** Not met, and its stage is current in an open, unpaused case: still something to chase (or, for the complainant's cut-offs, to wait for). */
  open: boolean;
}

export type CaseFlag = 'late' | 'out_of_scope' | 'paused' | 'late_escalation' | 'received_outside_term' | 'looked_after_child';

export interface CaseState {
  policy: string;
  status: CaseStatus;
  stage: number;
  handlerRole: string;
  /** When the complaint was received (after the policy's outside-term rule). */
  receivedOn: LocalDate;
  /** When the current stage's complaint or request was received. */
  stageReceivedOn: LocalDate;
  closedOn: LocalDate | null;
  outcome: Outcome | null;
  deadlines: DeadlineState[];
  retainUntil: LocalDate | null;
  flags: CaseFlag[];
}

export interface FoldInput {
  policy: Policy;
  calendar: SchoolCalendar;
  facts?: CaseFacts;
  events: ReadonlyArray<CaseEvent>;
  now: number;
}

/** What happened in one stage, in day numbers (local dates) and instants. */
interface StageRecord {
  stage: Stage;
  receivedMs: number;
  receivedDay: number;
  /** Latest resume after a pause: open clocks restart from here. */
  restartMs?: number;
  restartDay?: number;
  ackDay?: number;
  ackMs?: number;
  responseDay?: number;
  responseMs?: number;
  outcome?: Outcome;
  scheduledDay?: number;
  scheduledMs?: number;
  hearingOnDay?: number;
  heldDay?: number;
  heldMs?: number;
  leftDay?: number;
  leftMs?: number;
  escalatedBy?: 'request' | 'outcome';
  extensions: Map<DeadlineKind, number>;
}

const fail = (code: 'EVENT_OUT_OF_ORDER' | 'UNKNOWN_STAGE' | 'EVENT_NOT_ALLOWED' | 'INVALID_INPUT', message: string, field: string) =>
  new DomainError(code, message, field);

function instantOf(at: CaseEvent['at'], calendar: SchoolCalendar, field: string): number {
  if (typeof at === 'number' && Number.isFinite(at)) return at;
  if (at instanceof Date && !Number.isNaN(at.getTime())) return at.getTime();
  return parseWhen(at, calendar.timezone, field);
}

export function foldCase(input: FoldInput): CaseState {
  const { policy, calendar, events, now } = input;
  const facts = input.facts ?? {};
  const tz = calendar.timezone;
  const roleIds = policy.roles.map((r) => r.id);
  if (facts.about !== undefined && !roleIds.includes(facts.about)) {
    throw new DomainError('INVALID_INPUT', `"${facts.about}" is not a role in the ${policy.id} policy; expected one of ${roleIds.join(', ')}`, 'case.about');
  }
  const incidentDay = facts.incidentOn === undefined ? undefined : dayNumber(facts.incidentOn, 'case.incidentOn');
  const flags = new Set<CaseFlag>();
  if (facts.lookedAfterChild) flags.add('looked_after_child');

  const receiptDay = (ms: number): number => {
    const day = tz.localDay(ms);
    if (policy.receipt.outsideTerm === 'first_school_day_after' && !calendar.isInTerm(day)) {
      flags.add('received_outside_term');
      return calendar.firstSchoolDayFrom(day);
    }
    return day;
  };

  if (events.length === 0) throw fail('INVALID_INPUT', 'a case needs at least its "received" event', 'events');
  const stages: StageRecord[] = [];
  let status = 'open' as CaseStatus;
  let closedDay = undefined as number | undefined;
  let closedMs = undefined as number | undefined;
  let pausedSince = undefined as number | undefined;
  let closedByLapse = false;
  const cur0 = () => stages[stages.length - 1]!;
  let prevMs = Number.NEGATIVE_INFINITY;
  let caseReceivedDay = 0;
  const enter = (stage: Stage, whenMs: number, whenDay: number) => stages.push({ stage, receivedMs: whenMs, receivedDay: whenDay, extensions: new Map() });

  events.forEach((e, i) => {
    const at = `events[${i}]`;
    if (e === null || typeof e !== 'object') throw fail('INVALID_INPUT', 'expected an event object', at);
    if (!(EVENT_TYPES as readonly string[]).includes(e.type)) {
      throw fail('INVALID_INPUT', `unknown event type ${JSON.stringify(e.type)}; expected one of ${EVENT_TYPES.join(', ')}`, `${at}.type`);
    }
    const ms = instantOf(e.at, calendar, `${at}.at`);
    if (ms < prevMs) {
      throw fail('EVENT_OUT_OF_ORDER', `this ${e.type} event (${formatInstant(ms)}) is earlier than the event before it (${formatInstant(prevMs)}); list events in the order they happened`, `${at}.at`);
    }
    prevMs = ms;
    const day = tz.localDay(ms);
    if (i === 0 && e.type !== 'received') throw fail('EVENT_OUT_OF_ORDER', `the first event must be "received", not "${e.type}"`, `${at}.type`);
    if (i > 0 && e.type === 'received') {
      throw fail('EVENT_OUT_OF_ORDER', 'a case is received once; a later stage starts with "escalation_requested"', `${at}.type`);
    }
    if (status === 'closed' && closedByLapse && e.type === 'escalation_requested') {
      // A case closed only because the escalation window lapsed reopens for a late request, which
      // policies consider "only if exceptional circumstances apply" (NMAT §14): flagged, not refused.
      status = 'open';
      closedDay = closedMs = undefined;
      cur0().leftDay = cur0().leftMs = undefined;
    }
    if (status !== 'open') {
      throw fail('EVENT_OUT_OF_ORDER', `the case was ${status === 'closed' ? 'closed' : status.replace('_', ' ')} on ${fromDayNumber(closedDay!)}; no "${e.type}" can follow`, `${at}.type`);
    }
    const cur = stages[stages.length - 1]!;
    if (pausedSince !== undefined && e.type !== 'resumed' && e.type !== 'withdrawn' && e.type !== 'closed') {
      throw fail('EVENT_NOT_ALLOWED', `the case has been paused since ${fromDayNumber(pausedSince)}; record "resumed" first`, `${at}.type`);
    }

    switch (e.type) {
      case 'received': {
        const n = e.stage ?? 1;
        const stage = policy.stages[n - 1];
        if (!Number.isInteger(n) || !stage) {
          throw fail('UNKNOWN_STAGE', `the ${policy.id} policy has stages 1 to ${policy.stages.length}; there is no stage ${JSON.stringify(e.stage)}`, `${at}.stage`);
        }
        caseReceivedDay = receiptDay(ms);
        enter(stage, ms, caseReceivedDay);
        if (policy.scope.outOfScope.some((o) => o.category === facts.category)) {
          status = 'out_of_scope';
          closedDay = caseReceivedDay;
          closedMs = ms;
          flags.add('out_of_scope');
        }
        if (incidentDay !== undefined && policy.scope.timeLimit) {
          const tl = policy.scope.timeLimit;
          const limit = tl.unit === 'months' ? addMonths(incidentDay, tl.amount) : incidentDay + tl.amount * (tl.unit === 'weeks' ? 7 : 1);
          if (incidentDay > day) throw fail('INVALID_INPUT', `the incident (${facts.incidentOn}) is after the complaint was received (${fromDayNumber(day)})`, 'case.incidentOn');
          if (day > limit) flags.add('late');
        }
        break;
      }
      case 'acknowledged':
        if (cur.ackDay !== undefined) throw fail('EVENT_NOT_ALLOWED', `stage ${cur.stage.number} was already acknowledged on ${fromDayNumber(cur.ackDay)}`, `${at}.type`);
        cur.ackDay = day;
        cur.ackMs = ms;
        break;
      case 'responded': {
        const s = cur.stage;
        if (cur.responseDay !== undefined) throw fail('EVENT_NOT_ALLOWED', `stage ${s.number} already has its response (${fromDayNumber(cur.responseDay)})`, `${at}.type`);
        if (e.outcome === undefined || !s.outcomes.includes(e.outcome)) {
          throw fail('INVALID_INPUT', `stage ${s.number} of ${policy.id} can end ${s.outcomes.join(', ')}; got ${JSON.stringify(e.outcome)}`, `${at}.outcome`);
        }
        if (s.panel?.hearing && cur.hearingOnDay === undefined) {
          throw fail('EVENT_OUT_OF_ORDER', `stage ${s.number} is decided by a panel; record "hearing_scheduled" before the panel's decision`, `${at}.type`);
        }
        if (s.panel?.hearing && cur.heldDay === undefined) {
          if (cur.hearingOnDay! > day) throw fail('EVENT_OUT_OF_ORDER', `the panel's decision cannot come before its hearing on ${fromDayNumber(cur.hearingOnDay!)}`, `${at}.at`);
          cur.heldDay = cur.hearingOnDay; // the decision shows the hearing took place as scheduled
          cur.heldMs = ms;
        }
        cur.responseDay = day;
        cur.responseMs = ms;
        cur.outcome = e.outcome;
        const next = policy.stages[s.number];
        if (next && s.escalatesOn.includes(e.outcome)) {
          cur.leftDay = day;
        cur.leftMs = ms;
          cur.escalatedBy = 'outcome';
          enter(next, ms, day);
        } else if (!next || e.outcome === 'resolved' || !s.complainantMayEscalate) {
          status = 'closed';
          closedDay = day;
          closedMs = ms;
        }
        break;
      }
      case 'escalation_requested': {
        const s = cur.stage;
        const next = policy.stages[s.number];
        if (!next) throw fail('EVENT_NOT_ALLOWED', `stage ${s.number} is the final stage of the ${policy.id} procedure; there is nothing to escalate to`, `${at}.type`);
        if (!s.complainantMayEscalate) {
          throw fail('EVENT_NOT_ALLOWED', `stage ${s.number} of ${policy.id} moves to stage ${next.number} only when its outcome is ${s.escalatesOn.join(' or ')}, not at the complainant's request`, `${at}.type`);
        }
        if (cur.responseDay === undefined) {
          const respond = s.clocks.find((c) => c.kind === 'respond');
          const due = respond && s.escalateWhenResponseOverdue ? dueOf(cur, respond, calendar, undefined).day : undefined;
          if (due === undefined || day <= due) {
            throw fail('EVENT_OUT_OF_ORDER', `stage ${s.number} has no response yet${due === undefined ? '' : ` and its response is not due until ${fromDayNumber(due)}`}; record "responded" first`, `${at}.type`);
          }
        } else {
          const window = s.clocks.find((c) => c.kind === 'escalation_window');
          if (window && day > dueOf(cur, window, calendar, undefined).day) flags.add('late_escalation');
        }
        cur.leftDay = day;
        cur.leftMs = ms;
        cur.escalatedBy = 'request';
        enter(next, ms, receiptDay(ms));
        break;
      }
      case 'hearing_scheduled': {
        if (!cur.stage.panel?.hearing) throw fail('EVENT_NOT_ALLOWED', `stage ${cur.stage.number} of ${policy.id} has no panel hearing`, `${at}.type`);
        if (typeof e.hearingOn !== 'string') throw fail('INVALID_INPUT', 'expected the hearing date, like 2026-12-15', `${at}.hearingOn`);
        const hearingDay = dayNumber(e.hearingOn.slice(0, 10), `${at}.hearingOn`);
        if (hearingDay < day) throw fail('INVALID_INPUT', `the hearing (${e.hearingOn}) cannot be before the day it was scheduled (${fromDayNumber(day)})`, `${at}.hearingOn`);
        if (cur.heldDay !== undefined) throw fail('EVENT_NOT_ALLOWED', `the hearing was already held on ${fromDayNumber(cur.heldDay)}`, `${at}.type`);
        cur.scheduledDay = day;
        cur.scheduledMs = ms;
        cur.hearingOnDay = hearingDay;
        break;
      }
      case 'hearing_held':
        if (cur.hearingOnDay === undefined) throw fail('EVENT_OUT_OF_ORDER', 'record "hearing_scheduled" before "hearing_held"', `${at}.type`);
        if (cur.heldDay !== undefined) throw fail('EVENT_NOT_ALLOWED', `the hearing was already held on ${fromDayNumber(cur.heldDay)}`, `${at}.type`);
        cur.heldDay = day;
        cur.heldMs = ms;
        break;
      case 'hearing_cancelled':
        if (cur.hearingOnDay === undefined) {
          throw fail('EVENT_OUT_OF_ORDER', `stage ${cur.stage.number} has no hearing scheduled, so there is none to cancel`, `${at}.type`);
        }
        if (cur.heldDay !== undefined) throw fail('EVENT_NOT_ALLOWED', `the hearing was already held on ${fromDayNumber(cur.heldDay)}; a hearing that took place cannot be cancelled`, `${at}.type`);
        if (typeof e.reason !== 'string' || e.reason.trim() === '') throw fail('INVALID_INPUT', 'say why the hearing is cancelled', `${at}.reason`);
        // Back to "no date set": notice, papers and companion count back from the latest date the
        // policy allows again, and the complainant is owed notice of whatever date comes next.
        cur.scheduledDay = cur.scheduledMs = cur.hearingOnDay = undefined;
        break;
      case 'deadline_extended': {
        const clock = cur.stage.clocks.find((c) => c.kind === e.kind);
        if (!clock) {
          throw fail('INVALID_INPUT', `stage ${cur.stage.number} has no ${JSON.stringify(e.kind)} deadline; it has ${cur.stage.clocks.map((c) => c.kind).join(', ')}`, `${at}.kind`);
        }
        if (typeof e.due !== 'string') throw fail('INVALID_INPUT', 'expected the new due date, like 2026-12-15', `${at}.due`);
        const newDue = dayNumber(e.due, `${at}.due`);
        const current = dueOf(cur, clock, calendar, undefined);
        if (newDue <= tz.localDay(current.ms) && clock.direction === 'after') {
          throw fail('INVALID_INPUT', `an extension must be later than the current due date (${current.text})`, `${at}.due`);
        }
        cur.extensions.set(clock.kind, newDue);
        break;
      }
      case 'paused':
        if (!policy.pause.allowed) throw fail('EVENT_NOT_ALLOWED', `the ${policy.id} policy does not provide for pausing a complaint`, `${at}.type`);
        pausedSince = day;
        break;
      case 'resumed':
        if (pausedSince === undefined) throw fail('EVENT_OUT_OF_ORDER', 'the case is not paused', `${at}.type`);
        pausedSince = undefined;
        cur.restartMs = ms;
        cur.restartDay = day;
        break;
      case 'withdrawn':
      case 'closed':
        pausedSince = undefined; // ending the complaint ends the pause too
        status = e.type;
        closedByLapse = e.type === 'closed' && e.reason === ESCALATION_WINDOW_LAPSED;
        closedDay = day;
        closedMs = ms;
        cur.leftDay = day;
        cur.leftMs = ms;
        break;
    }
  });

  if (pausedSince !== undefined) flags.add('paused');
  const nowDay = tz.localDay(now);
  const current = stages[stages.length - 1]!;
  const deadlines: DeadlineState[] = [];
  if (status !== 'out_of_scope') {
    for (const rec of stages) {
      const live = status === 'open' && rec === current && pausedSince === undefined;
      for (const clock of rec.stage.clocks) {
        const d = deadlineOf(rec, clock, calendar, facts.about, live, now, nowDay);
        if (d) deadlines.push(d);
      }
    }
    for (const t of policy.targets) {
      const first = stages.find((r) => r.stage.number >= t.fromStage && r.stage.number <= t.throughStage);
      if (!first) continue;
      const through = stages.find((r) => r.stage.number === t.throughStage);
      // Met when the last stage it covers is answered, or when the case ends (or moves past it) first.
      const ended = metAt(through?.responseDay, through?.responseMs) ?? metAt(through?.leftDay, through?.leftMs) ?? metAt(closedDay, closedMs);
      const clock: Clock = { kind: 'stages_target', amount: t.amount, unit: t.unit, from: 'stage_received', direction: 'after', cite: t.cite };
      const due = dueOf(first, clock, calendar, undefined);
      const liveTarget = status === 'open' && pausedSince === undefined && current.stage.number <= t.throughStage;
      deadlines.push(finish(first.stage.number, 'stages_target', handlerFor(first.stage, facts.about), due, ended, liveTarget, now, nowDay));
    }
  }

  let retainUntil: LocalDate | null = null;
  if (closedDay !== undefined) {
    const years = facts.lookedAfterChild && policy.retention.lookedAfterChildYears ? policy.retention.lookedAfterChildYears : policy.retention.years;
    retainUntil = fromDayNumber(addMonths(closedDay, 12 * years));
  }

  return {
    policy: policy.id,
    status,
    stage: current.stage.number,
    handlerRole: handlerFor(current.stage, facts.about),
    receivedOn: fromDayNumber(caseReceivedDay),
    stageReceivedOn: fromDayNumber(current.receivedDay),
    closedOn: closedDay === undefined ? null : fromDayNumber(closedDay),
    outcome: current.outcome ?? null,
    deadlines,
    retainUntil,
    flags: [...flags],
  };
}

interface Due {
  day: number;
  ms: number;
  text: string;
  hours: boolean;
}

/** Due date of a clock in a stage, before extensions. `hearingDue` is the hearing deadline when no hearing is scheduled. */
function dueOf(rec: StageRecord, clock: Clock, calendar: SchoolCalendar, hearingDue: number | undefined): Due {
  if (clock.unit === 'hours') {
    const from = rec.restartMs ?? rec.receivedMs;
    const ms = from + clock.amount * 3_600_000;
    return { day: calendar.timezone.localDay(ms), ms, text: formatInstant(ms), hours: true };
  }
  const unit = clock.unit as Exclude<ClockUnit, 'hours'> satisfies DayUnit;
  let anchor: number;
  if (clock.from === 'stage_response') anchor = rec.responseDay!;
  else if (clock.from === 'hearing') anchor = rec.hearingOnDay ?? hearingDue!;
  else anchor = rec.restartDay ?? rec.receivedDay;
  const day = clock.direction === 'before' ? calendar.before(anchor, clock.amount, unit) : calendar.after(anchor, clock.amount, unit);
  return dayDue(day, calendar);
}

function dayDue(day: number, calendar: SchoolCalendar): Due {
  // Due at the end of the school's day: a duty due on a date may be done any time that day.
  const ms = calendar.timezone.fromWallClock((day + 1) * DAY_MS) - 1;
  return { day, ms, text: fromDayNumber(day), hours: false };
}

function deadlineOf(rec: StageRecord, clock: Clock, calendar: SchoolCalendar, about: string | undefined, live: boolean, now: number, nowDay: number): DeadlineState | undefined {
  // An escalation window opens with the stage's response, and only if the complainant may still escalate.
  if (clock.kind === 'escalation_window' && (rec.responseDay === undefined || rec.escalatedBy === 'outcome' || rec.outcome === 'resolved' || !rec.stage.complainantMayEscalate)) return undefined;
  let hearingDue: number | undefined;
  if (clock.from === 'hearing' && rec.hearingOnDay === undefined) {
    const hearing = rec.stage.clocks.find((c) => c.kind === 'hearing')!;
    hearingDue = rec.extensions.get('hearing') ?? dueOf(rec, hearing, calendar, undefined).day;
  }
  let due = dueOf(rec, clock, calendar, hearingDue);
  let originalDue: string | undefined;
  const extended = rec.extensions.get(clock.kind);
  if (extended !== undefined) {
    originalDue = due.text;
    due = dayDue(extended, calendar);
  }
  let met: Met | undefined;
  let lateUnknown = false;
  switch (clock.kind) {
    case 'acknowledge':
      met = metAt(rec.ackDay, rec.ackMs) ?? metAt(rec.responseDay, rec.responseMs); // a full response also acknowledges
      break;
    case 'respond':
    case 'panel_decision':
      met = metAt(rec.responseDay, rec.responseMs);
      break;
    case 'escalation_window':
      met = rec.escalatedBy === 'request' ? metAt(rec.leftDay, rec.leftMs) : undefined;
      break;
    case 'hearing':
      met = metAt(rec.heldDay, rec.heldMs);
      break;
    case 'panel_papers':
    case 'companion_notice':
      // Nothing records the papers or the companion request going in, so the hearing taking
      // place settles them; whether they came in on time is not known, so never "late".
      met = metAt(rec.heldDay, rec.heldMs);
      lateUnknown = met !== undefined;
      break;
    case 'hearing_notice':
      met = metAt(rec.scheduledDay, rec.scheduledMs); // the complainant is told the date when the hearing is scheduled
      break;
    default:
      met = undefined;
  }
  const owner = ownerFor(rec.stage, clock, about);
  // The complainant's own cut-offs (asking to escalate, bringing a companion) are choices, not duties: never overdue (see finish).
  const d = finish(rec.stage.number, clock.kind, owner, due, met, live, now, nowDay, metAt(rec.leftDay, rec.leftMs));
  if (lateUnknown) d.late = false;
  if (originalDue !== undefined) d.originalDue = originalDue;
  return d;
}

interface Met {
  day: number;
  ms: number;
}

const metAt = (day: number | undefined, ms: number | undefined): Met | undefined => (day === undefined || ms === undefined ? undefined : { day, ms });

function isLate(due: Due, m: Met): boolean {
  return due.hours ? m.ms > due.ms : m.day > due.day;
}

function finish(stage: number, kind: DeadlineKind, owner: string, due: Due, met: Met | undefined, live: boolean, now: number, nowDay: number, left?: Met): DeadlineState {
  const metOn = met === undefined ? null : due.hours ? formatInstant(met.ms) : fromDayNumber(met.day);
  const overdue = met === undefined && live && owner !== 'complainant' && (due.hours ? now > due.ms : nowDay > due.day);
  const late = met !== undefined ? isLate(due, met) : left !== undefined ? isLate(due, left) : overdue;
  return { stage, kind, owner, due: due.text, metOn, overdue, late, dueAt: due.ms, open: met === undefined && live };
}

export { DEADLINE_KINDS, OUTCOMES };
