/**
 * A complaints policy as data. Every rule carries `cite`: the section of the school's own
 * policy it comes from, so a clerk can check the pack against the text. Where the text is
 * ambiguous the pack records the reading it took in `choices`.
 */
import { z } from 'zod';
import { REGIONS } from './calendar.js';
import { DomainError } from './errors.js';
import { fieldIssues, type FieldIssue } from './issues.js';

export const DEADLINE_KINDS = [
  'acknowledge',
  'respond',
  'escalation_window',
  'hearing',
  'hearing_notice',
  'panel_papers',
  'companion_notice',
  'panel_decision',
  'stages_target',
] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const OUTCOMES = ['upheld', 'partially_upheld', 'not_upheld', 'dismissed', 'undecided', 'resolved'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const CLOCK_UNITS = ['school_days', 'working_days', 'days', 'weeks', 'hours'] as const;
export type ClockUnit = (typeof CLOCK_UNITS)[number];

/** Deadlines that belong to a hearing: they only make sense on a stage with a panel. */
const HEARING_KINDS: ReadonlySet<DeadlineKind> = new Set(['hearing', 'hearing_notice', 'panel_papers', 'companion_notice', 'panel_decision']);

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case id such as head_teacher');
const cite = z.string().min(3, 'cite the section of the policy text this rule comes from');

export const clockSchema = z.object({
  kind: z.enum(DEADLINE_KINDS),
  amount: z.number().int().positive(),
  unit: z.enum(CLOCK_UNITS),
  /**
   * What the clock counts from:
   * - stage_received: the date the stage's complaint or request was received;
   * - stage_response: the date of the stage's response (escalation windows);
   * - hearing: the scheduled hearing date, or while none is set, the latest date the hearing may be held.
   */
  from: z.enum(['stage_received', 'stage_response', 'hearing']),
  direction: z.enum(['after', 'before']).default('after'),
  /** Who owes it: a role id, or "complainant" for cut-offs the complainant must meet. Defaults to the stage's handler. */
  owner: z.string().optional(),
  cite,
  note: z.string().optional(),
});
export type Clock = z.output<typeof clockSchema>;

export const routingRuleSchema = z.object({
  /** When the complaint is about any of these roles ... */
  about: z.array(id).min(1),
  /** ... this role handles the stage instead of the usual handler. */
  handler: id,
  /** Set when the handler is another holder of the same role (e.g. a board member not previously involved). */
  otherHolder: z.boolean().default(false),
  /** Set when the rule only moves the deadlines that role owes (e.g. a clerk's), not the stage itself. */
  dutiesOnly: z.boolean().default(false),
  cite,
});

export const panelSchema = z.object({
  minMembers: z.number().int().min(1),
  maxMembers: z.number().int().min(1).optional(),
  /** How many members must be independent of the management and running of the school. */
  independentMembers: z.number().int().min(0).default(0),
  selection: z.enum(['appointed', 'random']).default('appointed'),
  /** Role whose holders form the pool members are drawn from, if the policy names one. */
  pool: id.optional(),
  /** Members must not have been involved earlier, nor be named in the complaint. */
  excludeInvolved: z.boolean().default(true),
  /** False for a group that investigates without a hearing (KPSSPP's randomly picked subgroup). */
  hearing: z.boolean().default(true),
  complainantMayBringCompanion: z.boolean().default(true),
  /** NMAT: a proposed date not answered within N school days counts as rejected; after M rejected dates the hearing may go ahead. */
  proposedDates: z
    .object({ answerWithin: z.number().int().positive(), unit: z.enum(['school_days', 'working_days', 'days']), rejectionsBeforeProceeding: z.number().int().positive(), cite })
    .optional(),
  cite,
});

export const stageSchema = z.object({
  number: z.number().int().positive(),
  name: z.string().min(1),
  handler: id,
  routing: z.array(routingRuleSchema).default([]),
  clocks: z.array(clockSchema).default([]),
  outcomes: z.array(z.enum(OUTCOMES)).min(1, 'list the outcomes this stage can reach'),
  /** Outcomes that move the case to the next stage without a request from the complainant (KPSSPP: undecided goes to an external investigator). */
  escalatesOn: z.array(z.enum(OUTCOMES)).default([]),
  /** False where only `escalatesOn` leads on (KPSSPP Stage One): any other outcome ends the complaint. */
  complainantMayEscalate: z.boolean().default(true),
  /** The complainant may move on without an answer once the response is overdue (MIET Stage 1: "not resolved within 10 working days"). */
  escalateWhenResponseOverdue: z.boolean().default(false),
  panel: panelSchema.optional(),
  cite,
});
export type Stage = z.output<typeof stageSchema>;

export const policySchema = z
  .object({
    id,
    name: z.string().min(1),
    organisation: z.string().min(1),
    version: z.string().min(1),
    source: z.string().min(1),
    defaults: z
      .object({ region: z.enum(REGIONS).default('england-and-wales'), timezone: z.string().default('Europe/London') })
      .default({ region: 'england-and-wales', timezone: 'Europe/London' }),
    roles: z
      .array(
        z.object({
          id,
          label: z.string().min(1),
          /** False for roles a complaint cannot be "about" (a panel, an external investigator). */
          subject: z.boolean().default(true),
        }),
      )
      .min(1),
    stages: z.array(stageSchema).min(1),
    /** Targets that span stages (MIET: stages 1 and 2 within 28 working days). */
    targets: z
      .array(
        z.object({
          kind: z.literal('stages_target'),
          fromStage: z.number().int().positive(),
          throughStage: z.number().int().positive(),
          amount: z.number().int().positive(),
          unit: z.enum(CLOCK_UNITS),
          cite,
        }),
      )
      .default([]),
    receipt: z
      .object({
        /** NMAT §6: a complaint made outside term time counts as received on the first school day after the holiday. */
        outsideTerm: z.enum(['as_received', 'first_school_day_after']),
        cite: cite.optional(),
      })
      .default({ outsideTerm: 'as_received' }),
    scope: z
      .object({
        timeLimit: z
          .object({ amount: z.number().int().positive(), unit: z.enum(['months', 'days', 'weeks']), exceptionalCircumstances: z.boolean().default(true), cite })
          .optional(),
        outOfScope: z
          .array(z.object({ category: id, label: z.string().min(1), signpost: z.string().min(1), cite }))
          .default([]),
        complainants: z.string().optional(),
      })
      .default({ outOfScope: [] }),
    retention: z.object({
      years: z.number().int().positive(),
      cite,
      /** NMAT privacy notice: complaints about looked-after children are kept for 40 years. */
      lookedAfterChildYears: z.number().int().positive().optional(),
    }),
    pause: z.object({ allowed: z.boolean(), cite: cite.optional() }).default({ allowed: false }),
    /** Where the policy text is ambiguous: the reading this pack takes, and why. */
    choices: z.array(z.object({ about: z.string().min(1), choice: z.string().min(1) })).default([]),
    /** Where to go when the procedure is complete (used by outcome letters). */
    nextSteps: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    const roles = new Set(p.roles.map((r) => r.id));
    const bad = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const roleList = [...roles].join(', ');
    p.stages.forEach((s, i) => {
      if (s.number !== i + 1) bad(['stages', i, 'number'], `stages must be numbered 1, 2, 3 ... in order; expected ${i + 1}, got ${s.number}`);
      if (!roles.has(s.handler)) bad(['stages', i, 'handler'], `"${s.handler}" is not one of the policy's roles (${roleList})`);
      s.routing.forEach((r, j) => {
        r.about.forEach((a, k) => {
          if (!roles.has(a)) bad(['stages', i, 'routing', j, 'about', k], `"${a}" is not one of the policy's roles (${roleList})`);
        });
        if (!roles.has(r.handler)) bad(['stages', i, 'routing', j, 'handler'], `"${r.handler}" is not one of the policy's roles (${roleList})`);
        if (r.about.includes(r.handler) && !r.otherHolder) {
          bad(['stages', i, 'routing', j], `a complaint about ${r.handler} would be handled by ${r.handler}; route it to someone else, or set otherHolder: true if another holder of that role handles it`);
        }
      });
      // The person complained about must never handle their own complaint.
      if (!s.panel) {
        for (const role of p.roles) {
          if (!role.subject) continue;
          const rule = s.routing.find((r) => r.about.includes(role.id));
          if (!rule && s.handler === role.id) {
            bad(['stages', i, 'routing'], `stage ${s.number} is handled by ${role.id}, so a complaint about ${role.id} needs a routing rule naming who handles it instead`);
          }
        }
      }
      const kinds = new Set<string>();
      s.clocks.forEach((c, j) => {
        const at = ['stages', i, 'clocks', j];
        if (kinds.has(c.kind)) bad([...at, 'kind'], `stage ${s.number} already has a ${c.kind} clock`);
        kinds.add(c.kind);
        if (c.kind === 'stages_target') bad([...at, 'kind'], 'stages_target spans stages; declare it under targets');
        if (HEARING_KINDS.has(c.kind) && !s.panel?.hearing) bad([...at, 'kind'], `${c.kind} needs a hearing, but stage ${s.number} has no panel hearing`);
        if (c.direction === 'before' && c.from !== 'hearing') bad([...at, 'direction'], 'only hearing clocks count backwards ("N days before the hearing")');
        if (c.unit === 'hours' && c.from === 'hearing') bad([...at, 'unit'], 'hearing clocks are counted in days');
        if (c.from === 'hearing' && c.kind === 'hearing') bad([...at, 'from'], 'the hearing clock counts from stage_received');
        if ((c.kind === 'escalation_window') !== (c.from === 'stage_response')) {
          bad([...at, 'from'], 'an escalation window counts from the stage response (stage_response), and only it does');
        }
        if (c.kind === 'escalation_window' && i === p.stages.length - 1) bad([...at, 'kind'], `stage ${s.number} is the final stage; there is nothing to escalate to`);
        if (c.owner && c.owner !== 'complainant' && !roles.has(c.owner)) bad([...at, 'owner'], `"${c.owner}" is not one of the policy's roles (${roleList}) nor "complainant"`);
        const ownerRole = p.roles.find((r) => r.id === c.owner);
        if (ownerRole?.subject && c.owner !== s.handler && !s.routing.some((r) => r.about.includes(ownerRole.id))) {
          bad([...at, 'owner'], `${ownerRole.id} owes this deadline, so a complaint about ${ownerRole.id} needs a routing rule in stage ${s.number} naming who owes it instead`);
        }
      });
      const hearingFrom = s.clocks.some((c) => c.from === 'hearing');
      if (hearingFrom && !kinds.has('hearing')) bad(['stages', i, 'clocks'], `stage ${s.number} counts from the hearing, so it needs a hearing clock too`);
      s.escalatesOn.forEach((o, j) => {
        if (!s.outcomes.includes(o)) bad(['stages', i, 'escalatesOn', j], `"${o}" is not one of stage ${s.number}'s outcomes`);
        if (i === p.stages.length - 1) bad(['stages', i, 'escalatesOn', j], `stage ${s.number} is the final stage; there is nothing to escalate to`);
      });
      if (s.panel?.pool && !roles.has(s.panel.pool)) bad(['stages', i, 'panel', 'pool'], `"${s.panel.pool}" is not one of the policy's roles (${roleList})`);
      if (s.panel && s.panel.maxMembers !== undefined && s.panel.maxMembers < s.panel.minMembers) bad(['stages', i, 'panel', 'maxMembers'], 'maxMembers is below minMembers');
    });
    p.targets.forEach((t, i) => {
      if (t.fromStage > p.stages.length) bad(['targets', i, 'fromStage'], `there is no stage ${t.fromStage}`);
      if (t.throughStage > p.stages.length || t.throughStage < t.fromStage) bad(['targets', i, 'throughStage'], `expected a stage from ${t.fromStage} to ${p.stages.length}`);
    });
  });

export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;

/** The handler role of a stage for a complaint about `about` (a role id), following the routing rules. */
export function handlerFor(stage: Stage, about: string | undefined): string {
  if (about) for (const r of stage.routing) if (!r.dutiesOnly && r.about.includes(about)) return r.handler;
  return stage.handler;
}

/**
 * Who owes a clock. The role complained about never owes anything in its own case: the
 * stage's routing rule for that role names who steps in (KPSSPP: the vice-chairperson
 * acknowledges a complaint about the chairperson).
 */
export function ownerFor(stage: Stage, clock: Clock, about: string | undefined): string {
  const owner = clock.owner ?? stage.handler;
  if (owner === stage.handler) return handlerFor(stage, about);
  if (owner !== about) return owner;
  return stage.routing.find((r) => r.about.includes(about))?.handler ?? owner;
}

/** Every problem with a policy pack, one per field; empty when the pack is valid. */
export function checkPolicy(input: unknown): { policy?: Policy; issues: FieldIssue[] } {
  const r = policySchema.safeParse(input);
  return r.success ? { policy: r.data, issues: [] } : { issues: fieldIssues(r.error) };
}

export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const { policy, issues } = checkPolicy(input);
  if (policy) return policy;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}; run "complaints policy check" for all of them)` : '';
  throw new DomainError('INVALID_POLICY', `${first.message}${more}`, `${source}: ${first.field}`);
}
