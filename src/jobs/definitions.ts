/**
 * Every background job, declared once: its name, its payload (a zod schema carrying a version,
 * so a job saved by an older worker is read, or refused, knowingly), when it runs and how long
 * a worker may hold it. The scheduler (scheduler.ts) registers exactly these; the handlers
 * (handlers.ts) do the work.
 *
 * | job              | runs                  | does                                                               |
 * |------------------|-----------------------|--------------------------------------------------------------------|
 * | deadlines.sweep  | every 5 minutes       | due-soon, due-today and overdue nudges; hearing paperwork reminders; |
 * |                  |                       | closes cases whose escalation window lapsed                        |
 * | outbox.drain     | every 10 seconds      | sends queued messages and letters through the Messenger            |
 * | digest.overdue   | every 15 minutes      | once per school day by 08:30: SLT's list of everything overdue   |
 * | retention.purge  | daily, 02:30 (London) | anonymises cases whose retention date has come                     |
 * | directory.check  | daily, 06:30 (London) | marks role holders who left (account disabled or deleted) and re-derives |
 * |                  |                       | their schools' open cases; only with Microsoft Graph (directory.ts) |
 * | hearings.responses | every 60 minutes    | reads the answers to hearing invitations still ahead; a member's   |
 * |                  |                       | decline goes to the clerk with the next slots; only with Graph (hearings.ts) |
 */
import { z } from 'zod';

const v1 = { v: z.literal(1) };

export const JOBS = {
  'deadlines.sweep': {
    payload: z.object({ ...v1 }).strict(),
    every: 5 * 60_000,
    lockLifetime: 10 * 60_000,
    description: 'nudges the people who owe deadlines, in school hours; closes cases whose escalation window lapsed',
  },
  'outbox.drain': {
    payload: z.object({ ...v1, batch: z.number().int().min(1).max(500).default(25) }).strict(),
    every: 10_000,
    lockLifetime: 5 * 60_000,
    description: 'sends queued messages and letters, once each',
  },
  'digest.overdue': {
    payload: z.object({ ...v1 }).strict(),
    every: 15 * 60_000,
    lockLifetime: 10 * 60_000,
    description: "the daily list of overdue items to each school's SLT",
  },
  'retention.purge': {
    payload: z.object({ ...v1 }).strict(),
    every: '30 2 * * *',
    timezone: 'Europe/London',
    lockLifetime: 30 * 60_000,
    description: 'anonymises cases on their retention date',
  },
  // Before the 08:00 digest, so SLT read about anyone who left overnight.
  'directory.check': {
    payload: z.object({ ...v1 }).strict(),
    every: '30 6 * * *',
    timezone: 'Europe/London',
    lockLifetime: 30 * 60_000,
    description: 'marks people who left the organisation (directory account disabled or deleted) and flags their cases for reassignment',
  },
  'hearings.responses': {
    payload: z.object({ ...v1 }).strict(),
    every: 60 * 60_000,
    lockLifetime: 10 * 60_000,
    description: "reads panel members' and complainants' answers to hearing invitations; flags a member's decline to the clerk",
  },
} as const satisfies Record<string, JobDefinition>;

export interface JobDefinition {
  payload: z.ZodType<{ v: 1 }>;
  /** Milliseconds between runs, or a cron expression (with `timezone`). */
  every: number | string;
  timezone?: string;
  /** How long a worker may hold the job without touching it before another may take it over. */
  lockLifetime: number;
  description: string;
}

export type JobName = keyof typeof JOBS;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];
export type JobPayload<N extends JobName> = z.output<(typeof JOBS)[N]['payload']>;

/** The payload a freshly scheduled job carries. */
export function initialPayload(name: JobName): JobPayload<JobName> {
  return JOBS[name].payload.parse({ v: 1 });
}

/** Reads a stored payload; throws with the job name and the field when it is not one this code understands. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const r = JOBS[name].payload.safeParse(data ?? { v: 1 });
  if (r.success) return r.data as JobPayload<N>;
  const issue = r.error.issues[0]!;
  throw new Error(`job ${name}: payload ${issue.path.join('.') || '(root)'}: ${issue.message} (payload versions this worker reads: 1)`);
}
