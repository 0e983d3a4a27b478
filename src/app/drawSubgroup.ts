/**
 * Drawing a stage's complaints subgroup at random, for a policy whose stage panel is picked by
 * lot rather than chosen: KPSSPP Stage One, "Three King's Park Secondary School Parent
 * Partnership member names will be picked at random (excluding any member mentioned in the
 * complaint) to carry out the investigation ... known temporarily as a complaints subgroup".
 *
 * The pool is the holders of the panel's pool role that panelCandidates lets sit (not the person
 * complained about, nobody involved at an earlier stage, no leaver), less anyone the complaint
 * names in its text. No email address is needed: the subgroup investigates, it is not invited.
 * Each draw is one `subgroup_drawn` event holding who was drawn (convener first), whom they were
 * drawn from and who was left out and why, so the draw can be audited. The convener handles the
 * stage and owes its deadlines (deriveState); every current member sees the case (canSee).
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { requireManager, requireOpen } from './authorisation.js';
import { applyToCase, caseSummary, drawnSubgroup, outboxItem, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import { AppError } from './errors.js';
import { NO_EMAIL, PANEL_MEMBER, panelCandidates } from './panel.js';
import type { CaseRecord, OutboxItem, StoredEvent } from './ports.js';
import { expectedVersion, id, parseInput, reason } from './validation.js';

/** A whole number from 0 to n - 1, each equally likely. */
export type Random = (n: number) => number;

/** The use cases' dependencies; `random` replaces the crypto draw in tests. */
export type DrawDeps = Deps & { random?: Random };

export const drawSubgroupInput = z.object({ caseId: id, reason: reason.optional(), expectedVersion });
export const replaceSubgroupMemberInput = z.object({ caseId: id, memberId: id, reason, expectedVersion });

export interface SubgroupPool {
  stage: number;
  /** How many are drawn: the panel's minimum (KPSSPP: exactly 3). */
  size: number;
  /** The pool role's label, "KPSSPP member". */
  label: string;
  /** Who may be drawn, in the school's order. */
  eligible: Array<{ id: string; name: string }>;
  /** Holders of the pool role who may not be drawn, and why in plain words. */
  excluded: Array<{ id: string; name: string; why: string }>;
}

/** One `subgroup_drawn` event of a stage. */
export interface SubgroupDraw {
  stage: number;
  /** 1 for the first draw of the stage, then 2, 3 ... for each redraw or replacement. */
  draw: number;
  at: Date;
  by: string;
  /** Convener first. */
  memberIds: string[];
  /** Whom the draw picked from. */
  pool: string[];
  excluded: Array<{ id: string; why: string }>;
  reason?: string;
  replaced?: { memberId: string; reason: string };
}

const cryptoRandom: Random = (n) => randomInt(n);

const words = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const plural = (n: number, label: string) => `${n} ${label}${n === 1 ? '' : 's'}`;

/** `n` of `ids` drawn without replacement: each pick is uniform over those not yet drawn. */
export function drawAtRandom(ids: readonly string[], n: number, random: Random): string[] {
  const left = [...ids];
  const out: string[] = [];
  while (out.length < n && left.length) {
    const k = random(left.length);
    if (!Number.isInteger(k) || k < 0 || k >= left.length)
      throw new Error(`random(${left.length}) gave ${k}: expected a whole number from 0 to ${left.length - 1}`);
    out.push(...left.splice(k, 1));
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * People the complaint names in its own words (the summary, the outcome wanted, the name typed
 * as whom it is about): KPSSPP leaves out "any member mentioned in the complaint", not only the
 * one it is about. Full names only, as whole words, ignoring case.
 */
function namedInComplaint(record: CaseRecord, people: Array<{ id: string; name: string }>): Map<string, string> {
  const text = [record.summary, record.desiredOutcome ?? ''].join('\n');
  const about = record.about.personName?.trim().toLowerCase();
  const out = new Map<string, string>();
  for (const p of people) {
    const name = p.name.trim();
    if (!name) continue;
    if (about === name.toLowerCase()) out.set(p.id, 'the complaint is about them');
    else if (new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}])`, 'iu').test(text))
      out.set(p.id, 'the complaint names them');
  }
  return out;
}

/**
 * Who may be drawn for the subgroup of the case's current stage, and who may not and why.
 * NOT_ALLOWED in plain words when the stage's panel is not picked at random.
 */
export function subgroupPool(ctx: SchoolContext, record: CaseRecord, doing = 'draw a complaints subgroup'): SubgroupPool {
  const stage = record.state.stage;
  const panel = ctx.policy.stages[stage - 1]?.panel;
  if (panel?.selection !== 'random') {
    const what = panel ? 'its panel is chosen by the clerk, not drawn at random: use Book the panel hearing' : 'it has no panel or subgroup';
    throw new AppError(
      'NOT_ALLOWED',
      `You cannot ${doing}: stage ${stage} of ${ctx.policy.name} does not pick its members at random (${what}).`,
      `${doing} refused: stage ${stage} of case ${record.id} has no random panel`,
    );
  }
  const pool = panel.pool ?? PANEL_MEMBER;
  const label = ctx.policy.roles.find((r) => r.id === pool)?.label ?? pool.replace(/_/g, ' ');
  const holders = new Set(ctx.school.people.filter((p) => p.roles.includes(pool)).map((p) => p.id));
  const candidates = panelCandidates(ctx, record).filter((c) => holders.has(c.id));
  const named = namedInComplaint(record, candidates);
  const eligible: SubgroupPool['eligible'] = [];
  const excluded: SubgroupPool['excluded'] = [];
  for (const c of candidates) {
    // An email address is only needed to invite someone to a hearing; nobody is invited here.
    const why = (c.excluded === NO_EMAIL ? undefined : c.excluded) ?? named.get(c.id);
    if (why) excluded.push({ id: c.id, name: c.name, why });
    else eligible.push({ id: c.id, name: c.name });
  }
  // panelCandidates lists the eligible first; the draw reads them in the school's own order.
  const order = new Map(ctx.school.people.map((p, i) => [p.id, i]));
  const byOrder = (a: { id: string }, b: { id: string }) => order.get(a.id)! - order.get(b.id)!;
  return { stage, size: panel.minMembers, label, eligible: eligible.sort(byOrder), excluded: excluded.sort(byOrder) };
}

/** Every draw of `stage`, oldest first. */
export function subgroupDraws(record: CaseRecord, stage: number): SubgroupDraw[] {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return record.events
    .filter((e): e is StoredEvent & { stage: number } => e.type === 'subgroup_drawn' && e.stage === stage)
    .map((e, i) => {
      const d = e.details ?? {};
      const replaced = d.replaced as { memberId?: unknown; reason?: unknown } | undefined;
      return {
        stage,
        draw: typeof d.draw === 'number' ? d.draw : i + 1,
        at: new Date(e.at),
        by: e.by,
        memberIds: strings(d.memberIds),
        pool: strings(d.pool),
        excluded: Array.isArray(d.excluded) ? (d.excluded as Array<{ id: string; why: string }>) : [],
        ...(e.reason ? { reason: e.reason } : {}),
        ...(replaced && typeof replaced.memberId === 'string' ? { replaced: { memberId: replaced.memberId, reason: String(replaced.reason ?? '') } } : {}),
      };
    });
}

function nameOf(ctx: SchoolContext, id: string): string {
  return ctx.school.people.find((p) => p.id === id)?.name ?? 'someone no longer on the list';
}

/** NOT_ALLOWED: too few can be drawn, saying how many are needed, who could be, and who may not be and why. */
function tooFew(ctx: SchoolContext, record: CaseRecord, pool: SubgroupPool, doing: string, needs: string, from: Array<{ name: string }>): AppError {
  const can = from.length === 0 ? 'nobody can be drawn' : `only ${words(from.map((c) => c.name))} can be drawn`;
  const out = pool.excluded.length ? ` Not eligible: ${pool.excluded.map((x) => `${x.name} (${x.why})`).join(', ')}.` : '';
  return new AppError(
    'NOT_ALLOWED',
    `You cannot ${doing}: ${needs}, and ${can}.${out} Ask your IT admin to add ${pool.label}s to ${ctx.school.name}'s list, then try again.`,
    `${doing} refused: ${from.length} eligible for ${pool.size} places on case ${record.id}`,
  );
}

/** The task for each person newly on the subgroup, and a note for each person no longer on it. */
function messages(record: CaseRecord, ctx: SchoolContext, stage: number, draw: number, joined: string[], left: string[], now: Date) {
  return (after: CaseRecord['state']): OutboxItem[] => [
    ...joined.map((id) =>
      outboxItem(`${record.id}:subgroup:${stage}:${draw}:${id}`, 'message', id, 'stage_task', { ...caseSummary(record, after, ctx), subgroupDraw: draw }, now),
    ),
    // No reason is passed on: it may be about them (a conflict of interest), and they have nothing more to do.
    ...left.map((id) =>
      outboxItem(
        `${record.id}:subgroup:${stage}:${draw}:${id}:left`,
        'message',
        id,
        'subgroup_left',
        { reference: record.reference, school: ctx.school.name, stage },
        now,
      ),
    ),
  ];
}

/**
 * The draw is at random: a member of the subgroup (the convener handles the stage, so they
 * otherwise "manage" the case) must not replace colleagues or redraw until the pick suits them.
 */
function requireOutsideSubgroup(record: CaseRecord, current: string[], actor: Actor, doing: string): void {
  if (current.includes(actor))
    throw new AppError(
      'NOT_AUTHORISED',
      `Members of the complaints subgroup cannot change it, because it is picked at random: ask the clerk or SLT to ${doing.replace(/^draw/, 'draw again')} (${record.reference}).`,
      `${doing} refused: ${actor} is in the subgroup of case ${record.id}`,
    );
}

/** What both changes to a subgroup check first (who may, the case open, no member of it), and the stage's draws so far. */
function subgroupToChange(ctx: SchoolContext, record: CaseRecord, actor: Actor, doing: string) {
  requireManager(ctx, record, actor, doing);
  requireOpen(record, doing);
  const pool = subgroupPool(ctx, record, doing);
  const current = drawnSubgroup(record.events, pool.stage);
  requireOutsideSubgroup(record, current, actor, doing);
  return { pool, draws: subgroupDraws(record, pool.stage), current };
}

/**
 * Draws the subgroup of the case's current stage: the panel's number of members picked
 * uniformly at random, without replacement, from those who may be drawn. A stage that already
 * has a subgroup is drawn again only with a reason, and the whole subgroup is replaced.
 */
export async function drawSubgroup(deps: DrawDeps, actor: Actor, raw: z.input<typeof drawSubgroupInput>): Promise<CaseRecord> {
  const input = parseInput(drawSubgroupInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    const doing = 'draw the complaints subgroup';
    const { pool, draws, current } = subgroupToChange(ctx, record, actor, doing);
    if (current.length && !input.reason) {
      throw new AppError(
        'INVALID_INPUT',
        `The subgroup for stage ${pool.stage} was already drawn (${words(current.map((m) => nameOf(ctx, m)))}). Give the reason for drawing a new one: the whole subgroup is replaced.`,
        `redraw refused on case ${record.id}: no reason given`,
        'reason',
      );
    }
    if (pool.eligible.length < pool.size)
      throw tooFew(ctx, record, pool, doing, `the subgroup needs ${plural(pool.size, pool.label)} picked at random`, pool.eligible);
    const memberIds = drawAtRandom(
      pool.eligible.map((c) => c.id),
      pool.size,
      deps.random ?? cryptoRandom,
    );
    const draw = draws.length + 1;
    return {
      events: [
        {
          type: 'subgroup_drawn',
          stage: pool.stage,
          ...(input.reason ? { reason: input.reason } : {}),
          details: { draw, memberIds, pool: pool.eligible.map((c) => c.id), excluded: pool.excluded.map(({ id, why }) => ({ id, why })) },
        },
      ],
      outbox: messages(
        record,
        ctx,
        pool.stage,
        draw,
        memberIds,
        current.filter((m) => !memberIds.includes(m)),
        deps.clock.now(),
      ),
    };
  });
}

/**
 * Replaces one member of the current subgroup by a fresh random pick from those who may be
 * drawn and are not on it, never someone drawn before at this stage unless nobody else is left.
 * The others stay, in order, and the new member joins last: when the convener is replaced, the
 * next member, who already knows the case, convenes.
 */
export async function replaceSubgroupMember(deps: DrawDeps, actor: Actor, raw: z.input<typeof replaceSubgroupMemberInput>): Promise<CaseRecord> {
  const input = parseInput(replaceSubgroupMemberInput, raw);
  return applyToCase(deps, input.caseId, actor, input.expectedVersion, (record, ctx) => {
    const doing = 'replace a member of the complaints subgroup';
    const { pool, draws, current } = subgroupToChange(ctx, record, actor, doing);
    if (!current.length) {
      throw new AppError(
        'NOT_ALLOWED',
        `No subgroup has been drawn for stage ${pool.stage} of ${record.reference} yet: draw it first.`,
        `replace refused: no subgroup on case ${record.id}`,
      );
    }
    if (!current.includes(input.memberId)) {
      const who = ctx.school.people.find((p) => p.id === input.memberId)?.name ?? 'That person';
      throw new AppError(
        'INVALID_INPUT',
        `${who} is not on the subgroup for stage ${pool.stage}: it is ${words(current.map((m) => nameOf(ctx, m)))}.`,
        `replace refused: ${input.memberId} is not on the subgroup of case ${record.id}`,
        'memberId',
      );
    }
    const keep = current.filter((m) => m !== input.memberId);
    const drawnBefore = new Set(draws.flatMap((d) => d.memberIds));
    const open = pool.eligible.filter((c) => c.id !== input.memberId && !keep.includes(c.id));
    const fresh = open.filter((c) => !drawnBefore.has(c.id));
    const from = fresh.length ? fresh : open;
    if (!from.length) {
      const others = keep.length ? `the others on the subgroup are ${words(keep.map((m) => nameOf(ctx, m)))}` : 'the subgroup needs a replacement';
      throw tooFew(ctx, record, pool, `replace ${nameOf(ctx, input.memberId)}`, others, []);
    }
    const [pick] = drawAtRandom(
      from.map((c) => c.id),
      1,
      deps.random ?? cryptoRandom,
    );
    const memberIds = [...keep, pick!];
    const draw = draws.length + 1;
    // Why each person left out of this pick was left out, for the audit.
    const passedOver = pool.eligible
      .filter((c) => !from.includes(c))
      .map((c) => ({
        id: c.id,
        why: c.id === input.memberId ? 'being replaced' : keep.includes(c.id) ? 'already on the subgroup' : 'drawn before at this stage',
      }));
    return {
      events: [
        {
          type: 'subgroup_drawn',
          stage: pool.stage,
          reason: input.reason,
          details: {
            draw,
            memberIds,
            pool: from.map((c) => c.id),
            excluded: [...pool.excluded.map(({ id, why }) => ({ id, why })), ...passedOver],
            replaced: { memberId: input.memberId, reason: input.reason },
          },
        },
      ],
      outbox: messages(record, ctx, pool.stage, draw, [pick!], [input.memberId], deps.clock.now()),
    };
  });
}
