/**
 * `complaints simulate`: a scenario (policy, calendar, case facts, events, now) in, the case
 * fold out, shaped as the command prints it.
 */
import { z } from 'zod';
import { SchoolCalendar } from '../domain/calendar.js';
import { EVENT_TYPES, caseFactsSchema, foldCase, type CaseEvent, type CaseState } from '../domain/case.js';
import { parseWhen, TimeZone } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { fieldIssues } from '../domain/issues.js';
import { DEADLINE_KINDS, OUTCOMES, type Policy } from '../domain/policy.js';

const eventSchema = z
  .object({
    type: z.enum(EVENT_TYPES),
    at: z.string({ message: 'expected a date-time like 2026-11-06T09:00' }),
    stage: z.number().int().optional(),
    outcome: z.enum(OUTCOMES).optional(),
    hearingOn: z.string().optional(),
    kind: z.enum(DEADLINE_KINDS).optional(),
    due: z.string().optional(),
    reason: z.string().optional(),
    by: z.string().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    policy: z.string({ message: 'expected a policy id (miet, miag, kpsspp, sil, nmat) or the path to a policy file' }).min(1),
    timezone: z.string().optional(),
    calendar: z.record(z.string(), z.unknown()).optional(),
    case: caseFactsSchema.strict().default({}),
    events: z.array(eventSchema).min(1, 'a case needs at least its "received" event'),
    now: z.string().optional(),
  })
  .strict();

export interface SimulateOutput {
  policy: string;
  status: CaseState['status'];
  stage: number;
  handlerRole: string;
  receivedOn: string;
  stageReceivedOn: string;
  closedOn: string | null;
  outcome: string | null;
  deadlines: Array<Omit<CaseState['deadlines'][number], 'dueAt' | 'open'>>;
  retainUntil: string | null;
  flags: string[];
  now: string;
}

/** Runs a scenario. `loadPolicy` resolves an id or a file path (the caller does the I/O). */
export function simulate(input: unknown, loadPolicy: (ref: string) => Policy, clockNow: () => number = Date.now): SimulateOutput {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const first = fieldIssues(parsed.error)[0]!;
    throw new DomainError('INVALID_INPUT', first.message, first.field);
  }
  const s = parsed.data;
  const policy = loadPolicy(s.policy);
  const calendar = SchoolCalendar.from(
    { region: policy.defaults.region, timezone: s.timezone ?? policy.defaults.timezone, ...s.calendar, ...(s.timezone ? { timezone: s.timezone } : {}) },
    'calendar',
  );
  const tz: TimeZone = calendar.timezone;
  const now = s.now === undefined ? clockNow() : parseWhen(s.now, tz, 'now');
  const state = foldCase({ policy, calendar, facts: s.case, events: s.events as CaseEvent[], now });
  return {
    policy: state.policy,
    status: state.status,
    stage: state.stage,
    handlerRole: state.handlerRole,
    receivedOn: state.receivedOn,
    stageReceivedOn: state.stageReceivedOn,
    closedOn: state.closedOn,
    outcome: state.outcome,
    deadlines: state.deadlines.map(({ dueAt: _dueAt, open: _open, ...d }) => d),
    retainUntil: state.retainUntil,
    flags: state.flags,
    now: new Date(now).toISOString(),
  };
}
