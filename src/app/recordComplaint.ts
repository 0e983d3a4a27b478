/**
 * Record a complaint: check it against the policy's scope and time limit, offer likely
 * duplicates (same complainant, similar subject, last 30 days) as links rather than merging
 * them, give it a reference a person can read on the phone, and tell its handler.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { SYSTEM, caseSummary, deriveState, loadSchool, newId, outboxItem, holders, type Actor, type Deps } from './caseFlow.js';
import type { CaseRecord } from './ports.js';
import { id, localDate, parseInput } from './validation.js';

const phone = z.string().trim().regex(/^\+?[0-9 ()-]{7,20}$/, 'expected a phone number such as 01642 123456');

export const recordComplaintInput = z
  .object({
    schoolId: id,
    complainant: z.object({
      name: z.string().trim().min(1, "enter the complainant's name"),
      email: z.email('expected an email address such as parent@example.com').optional(),
      phone: phone.optional(),
      address: z.string().trim().min(5).optional(),
      relationship: z.string().trim().min(1, 'say how they relate to the school, e.g. parent of a pupil in Year 4'),
      preferredContact: z.enum(['email', 'phone', 'letter']),
    }),
    about: z.object({ role: z.string().optional(), personId: z.string().optional(), personName: z.string().trim().optional() }).default({}),
    category: z.string().optional(),
    summary: z.string().trim().min(10, 'describe what happened in a sentence or two'),
    desiredOutcome: z.string().trim().optional(),
    incidentOn: localDate.optional(),
    lookedAfterChild: z.boolean().default(false),
    /** When the complaint actually arrived (a letter opened today may have come yesterday). */
    receivedAt: z.coerce.date().optional(),
    stage: z.number().int().positive().default(1),
    attachments: z.array(z.object({ name: z.string().min(1), contentType: z.string().min(1), size: z.number().int().nonnegative(), location: z.string().optional() })).default([]),
    /** Accept a complaint made after the policy's time limit, for this stated exceptional reason. */
    lateReason: z.string().trim().min(3).optional(),
    /** Record a complaint in an out-of-scope category anyway (it is closed as out of scope, with the signpost). */
    recordOutOfScope: z.boolean().default(false),
    /** After being offered possible duplicates: link to these cases, or "separate" to record it on its own. */
    duplicates: z.union([z.literal('separate'), z.array(id).min(1)]).optional(),
  })
  .superRefine((v, ctx) => {
    const c = v.complainant;
    const need = { email: c.email, phone: c.phone, letter: c.address }[c.preferredContact];
    if (!need) ctx.addIssue({ code: 'custom', path: ['complainant', c.preferredContact === 'letter' ? 'address' : c.preferredContact], message: `needed to contact them by ${c.preferredContact}, their preferred way` });
  });
export type RecordComplaintInput = z.input<typeof recordComplaintInput>;

export type RecordComplaintResult =
  | { result: 'recorded'; case: CaseRecord }
  | { result: 'possible_duplicates'; candidates: Array<{ id: string; reference: string; receivedOn: string; summary: string }> }
  | { result: 'out_of_scope'; category: string; label: string; signpost: string }
  | { result: 'late'; limit: string; message: string };

const DUPLICATE_WINDOW_DAYS = 30;
const words = (s: string) => new Set(s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 3));

/** Share of the smaller complaint's words that the other also uses: "similar subject". */
export function similarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (!wa.size || !wb.size) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / Math.min(wa.size, wb.size);
}

export async function recordComplaint(deps: Deps, actor: Actor, raw: RecordComplaintInput): Promise<RecordComplaintResult> {
  const input = parseInput(recordComplaintInput, raw);
  const ctx = await loadSchool(deps, input.schoolId);
  const { policy, school } = ctx;
  if (actor !== SYSTEM && !school.people.some((p) => p.id === actor)) {
    throw new AppError('NOT_AUTHORISED', `You are not set up as staff of ${school.name}, so you cannot record complaints for it.`, `record refused: ${actor} not in school ${school.id}`);
  }
  if (input.about.role && !policy.roles.some((r) => r.id === input.about.role)) {
    throw new AppError('INVALID_INPUT', `about.role: "${input.about.role}" is not a role in ${policy.name}; expected one of ${policy.roles.filter((r) => r.subject).map((r) => r.id).join(', ')}`, 'invalid about.role', 'about.role');
  }
  if (input.about.personId && input.about.personId === actor) {
    throw new AppError('SUBJECT_CANNOT_HANDLE', 'A complaint about you has to be recorded by someone else, so that you never handle or see it.', `record refused: ${actor} recording a complaint about themselves`);
  }
  const outOfScope = policy.scope.outOfScope.find((o) => o.category === input.category);
  if (outOfScope && !input.recordOutOfScope) return { result: 'out_of_scope', category: outOfScope.category, label: outOfScope.label, signpost: outOfScope.signpost };

  const now = deps.clock.now();
  const receivedAt = input.receivedAt ?? now;
  if (receivedAt.getTime() > now.getTime() + 60_000) throw new AppError('INVALID_INPUT', 'receivedAt: a complaint cannot be received in the future', 'receivedAt in the future', 'receivedAt');

  if (input.duplicates === undefined) {
    const since = new Date(receivedAt.getTime() - DUPLICATE_WINDOW_DAYS * 86_400_000);
    const earlier = await deps.cases.findByComplainant(school.id, input.complainant, since);
    const similar = earlier.filter((c) => !c.purgedAt && (similarity(c.summary, input.summary) >= 0.3 || (input.category !== undefined && c.category === input.category && c.about.role === input.about.role)));
    if (similar.length) {
      return { result: 'possible_duplicates', candidates: similar.map((c) => ({ id: c.id, reference: c.reference, receivedOn: c.state.receivedOn, summary: c.summary.slice(0, 120) })) };
    }
  }

  const caseId = newId(deps);
  const base = {
    about: input.about,
    ...(input.category !== undefined ? { category: input.category } : {}),
    ...(input.incidentOn !== undefined ? { incidentOn: input.incidentOn } : {}),
    lookedAfterChild: input.lookedAfterChild,
    events: [{ type: 'received', at: receivedAt, by: actor, stage: input.stage, ...(input.lateReason ? { reason: input.lateReason } : {}) }],
  };
  const state = deriveState(ctx, base, now);
  if (state.flags.includes('late') && !input.lateReason) {
    const tl = policy.scope.timeLimit!;
    return { result: 'late', limit: `${tl.amount} ${tl.unit}`, message: `This complaint was made more than ${tl.amount} ${tl.unit} after the incident. ${policy.organisation} considers it only in exceptional circumstances: give the reason to record it anyway.` };
  }

  const year = Number(state.receivedOn.slice(0, 4));
  const sequence = await deps.cases.nextSequence(school.id, year);
  const reference = `${school.referencePrefix}-${year}-${String(sequence).padStart(4, '0')}`;
  const record: CaseRecord = {
    id: caseId,
    schoolId: school.id,
    reference,
    policyId: policy.id,
    policyVersion: policy.version,
    complainant: input.complainant,
    summary: input.summary,
    ...(input.desiredOutcome ? { desiredOutcome: input.desiredOutcome } : {}),
    attachments: input.attachments,
    ...base,
    state,
    outbox: [],
    nudges: [],
    linkedCases: Array.isArray(input.duplicates) ? input.duplicates : [],
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  const summary = caseSummary(record, state, ctx);
  if (state.status === 'open' && state.handlerId) {
    record.outbox.push(outboxItem(`${caseId}:task:${state.stage}:${state.handlerId}`, 'message', state.handlerId, 'stage_task', summary, now));
  } else if (state.status === 'open') {
    for (const slt of holders(school, 'slt', input.about.personId)) {
      record.outbox.push(outboxItem(`${caseId}:needs_handler:${state.stage}:${slt}`, 'message', slt, 'needs_handler', { ...summary, handlerRole: state.handlerRole }, now));
    }
  }
  await deps.cases.insert(record);
  return { result: 'recorded', case: record };
}
