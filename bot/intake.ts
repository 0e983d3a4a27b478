/**
 * Recording a complaint in Teams, one card at a time: a small state machine over a draft.
 *
 *   complainant -> about -> category -> details -> outcome -> review -> (recorded: confirmation)
 *
 * Each step's inputs are checked with zod (the pieces of recordComplaint's own schema where they
 * fit) and the errors are keyed by the card's field ids (FIELDS below), so the card shows each one
 * next to its field. Whatever was typed is kept in the draft, valid or not, so an error or going
 * back never loses it. Nothing is recorded until the review card's "Record" (intake.submit), which
 * calls the recordComplaint use case; until then only the draft changes.
 *
 * Step specifics:
 * - about: the role comes from the school's policy (roles a complaint can be about); a name that
 *   matches a member of staff is taken to be them, so the person complained about never handles
 *   or sees it, and cannot record it themselves.
 * - category: an out-of-scope category ends the intake with the policy's signpost, unless the
 *   "record it anyway" box is ticked (recordOutOfScope: the case is recorded and closed as out of scope).
 * - details: the policy's time limit is checked as recordComplaint checks it (the case fold); a
 *   late complaint needs the exceptional reason (lateReason).
 * - review: possible duplicates (same complainant, similar subject, last 30 days) are listed;
 *   the person links it to them or keeps it separate.
 *
 * Everything here is pure but for two reads (possible duplicates) and the final recordComplaint:
 * the caller (bot/app.ts) keeps the draft in the DraftStore.
 */
import { z } from 'zod';
import { deriveState, type Deps, type SchoolContext } from '../src/app/caseFlow.js';
import { AppError } from '../src/app/errors.js';
import type { CaseRecord } from '../src/app/ports.js';
import { recordComplaint, recordComplaintInput, similarity, type RecordComplaintInput } from '../src/app/recordComplaint.js';
import { localDate } from '../src/app/validation.js';
import { DAY_MS, fromDayNumber, tryDayNumber } from '../src/domain/dates.js';
import type { CardData, FieldErrors } from './cardTypes.js';
import { card, categoriesFor, categoryLabel, currentDeadlines, formatDate, personName, roleLabel, type CardOf } from './views.js';

export const INTAKE_STEPS = ['complainant', 'about', 'category', 'details', 'outcome', 'review'] as const;
export type IntakeStep = (typeof INTAKE_STEPS)[number];

/** The card input ids of each step: what a card sends in `value.action.data` and what `errors` are keyed by. */
export const FIELDS = {
  complainant: ['complainantName', 'relationship', 'preferredContact', 'email', 'phone', 'address'],
  about: ['aboutRole', 'aboutName', 'aboutPersonId'],
  category: ['category', 'recordOutOfScope'],
  details: ['summary', 'incidentOn', 'receivedOn', 'lateReason', 'lookedAfterChild'],
  outcome: ['desiredOutcome'],
  review: ['duplicates'],
} as const satisfies Record<IntakeStep, readonly string[]>;

/** recordComplaint's field paths -> [step, card field]. */
const PATHS: Record<string, [IntakeStep, string]> = {
  'complainant.name': ['complainant', 'complainantName'],
  'complainant.relationship': ['complainant', 'relationship'],
  'complainant.preferredContact': ['complainant', 'preferredContact'],
  'complainant.email': ['complainant', 'email'],
  'complainant.phone': ['complainant', 'phone'],
  'complainant.address': ['complainant', 'address'],
  'about.role': ['about', 'aboutRole'],
  'about.personName': ['about', 'aboutName'],
  'about.personId': ['about', 'aboutName'],
  category: ['category', 'category'],
  summary: ['details', 'summary'],
  incidentOn: ['details', 'incidentOn'],
  'case.incidentOn': ['details', 'incidentOn'],
  receivedAt: ['details', 'receivedOn'],
  lateReason: ['details', 'lateReason'],
  desiredOutcome: ['outcome', 'desiredOutcome'],
  duplicates: ['review', 'duplicates'],
};

export function isStep(s: unknown): s is IntakeStep {
  return typeof s === 'string' && (INTAKE_STEPS as readonly string[]).includes(s);
}

export const nextStep = (s: IntakeStep): IntakeStep => INTAKE_STEPS[Math.min(INTAKE_STEPS.indexOf(s) + 1, INTAKE_STEPS.length - 1)]!;
export const previousStep = (s: IntakeStep): IntakeStep => INTAKE_STEPS[Math.max(INTAKE_STEPS.indexOf(s) - 1, 0)]!;

/** What the flow keeps between cards (a Draft without its bookkeeping). */
export interface IntakeState {
  id: string;
  step: IntakeStep;
  values: Record<string, string>;
  extra: { duplicates?: CardData['intake-review']['duplicates'] };
}

export interface IntakeEnv {
  deps: Deps;
  ctx: SchoolContext;
  /** Directory id of the person recording it. */
  actor: string;
  now: Date;
}

export type IntakeResult =
  /** Show this card; keep the draft as `state`. */
  | { kind: 'card'; state: IntakeState; card: CardOf; errors: FieldErrors }
  /** The intake is over (recorded, signposted, cancelled): delete the draft, show this card. */
  | { kind: 'ended'; card: CardOf; recorded?: CaseRecord };

/** The submitted values of one step's fields, as text (a toggle's true/false too). */
export function stepValues(step: IntakeStep, data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS[step]) {
    const v = data[f];
    if (v === undefined || v === null) continue;
    out[f] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation, step by step

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
const isTrue = (v: string | undefined) => v === 'true' || v === 'on' || v === 'yes';

const c = recordComplaintInput.shape.complainant.shape;
const complainantSchema = z
  .object({
    complainantName: c.name,
    relationship: c.relationship,
    preferredContact: z.enum(['email', 'phone', 'letter'], { message: 'choose how they would like to hear from the school: email, phone or letter' }),
    email: c.email,
    phone: c.phone,
    address: z.string().trim().min(5, 'enter their postal address').optional(),
  })
  .superRefine((v, ctx) => {
    const field = { email: 'email', phone: 'phone', letter: 'address' }[v.preferredContact];
    if (!blank(v[field as 'email' | 'phone' | 'address'])) {
      const what = { email: 'their email address', phone: 'their phone number', address: 'their postal address' }[field as 'email' | 'phone' | 'address'];
      ctx.addIssue({ code: 'custom', path: [field], message: `enter ${what}: they would like to be contacted by ${v.preferredContact}` });
    }
  });

const detailsSchema = z.object({
  summary: recordComplaintInput.shape.summary,
  incidentOn: localDate.optional(),
  receivedOn: localDate,
  lateReason: z.string().trim().min(3, 'give the exceptional reason in a few words').optional(),
  lookedAfterChild: z.enum(['true', 'false']).optional(),
});

const outcomeSchema = z.object({ desiredOutcome: z.string().trim().min(2, 'say what the complainant would like to happen (or "not said")') });

/** What to say for a field left empty (zod's own words for a missing value are not for people). */
const REQUIRED: Record<string, string> = {
  complainantName: "enter the complainant's name",
  relationship: 'say how they relate to the school, e.g. parent of a pupil in Year 4',
  preferredContact: 'choose how they would like to hear from the school: email, phone or letter',
  summary: 'describe what happened in a sentence or two',
  receivedOn: 'enter the date the complaint was received',
  desiredOutcome: 'say what the complainant would like to happen (or "not said")',
};

function zodErrors(r: z.ZodSafeParseResult<unknown>): FieldErrors {
  if (r.success) return {};
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (!(field in errors)) errors[field] = issue.code === 'invalid_type' ? (REQUIRED[field] ?? 'is required') : issue.message;
  }
  return errors;
}

/** Only the fields of `step`, blanks dropped, for zod. */
function present(step: IntakeStep, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS[step]) {
    const v = blank(values[f]);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/** The school's local date today. */
export function today(env: IntakeEnv): string {
  return fromDayNumber(env.ctx.calendar.timezone.localDay(env.now.getTime()));
}

/** When it was received: now if today, otherwise midday (school time) of that date. */
export function receivedAt(values: Record<string, string>, env: IntakeEnv): Date {
  const on = blank(values.receivedOn);
  if (!on || on === today(env)) return env.now;
  return new Date(env.ctx.calendar.timezone.fromWallClock(tryDayNumber(on) * DAY_MS + 12 * 3_600_000));
}

/** Who the complaint is about: a person picked on the card, or a member of staff whose name matches. */
export type About = { role?: string; personId?: string; personName?: string };

export function resolveAbout(values: Record<string, string>, env: IntakeEnv): About {
  const role = blank(values.aboutRole);
  const name = blank(values.aboutName)?.trim();
  let personId = blank(values.aboutPersonId);
  let personName = name;
  if (personId) personName = personName ?? env.ctx.school.people.find((p) => p.id === personId)?.name;
  else if (name) personId = env.ctx.school.people.find((p) => p.name.trim().toLowerCase() === name.toLowerCase())?.id;
  return { ...(role ? { role } : {}), ...(personId ? { personId } : {}), ...(personName ? { personName } : {}) };
}

export interface StepCheck {
  errors: FieldErrors;
  /** details: the time limit has passed. */
  late?: { message: string };
  /** category: an out-of-scope category was chosen without "record it anyway". */
  signpost?: { label: string; signpost: string };
}

const SUBJECT_CANNOT_RECORD = 'A complaint about you has to be recorded by someone else, so that you never handle or see it.';

/** Checks one step against everything typed so far. */
export function checkStep(step: IntakeStep, values: Record<string, string>, env: IntakeEnv): StepCheck {
  const { policy } = env.ctx;
  switch (step) {
    case 'complainant':
      return { errors: zodErrors(complainantSchema.safeParse(present(step, values))) };
    case 'about': {
      const errors: FieldErrors = {};
      const roles = policy.roles.filter((r) => r.subject).map((r) => r.id);
      const role = blank(values.aboutRole);
      if (role && !roles.includes(role)) errors.aboutRole = `choose one of the roles listed for ${policy.name}`;
      const about = resolveAbout(values, env);
      if ((about.personName || about.personId) && !role) errors.aboutRole = 'choose their role, so the complaint goes to the right person under the policy';
      if (about.personId && about.personId === env.actor) errors.aboutName = SUBJECT_CANNOT_RECORD;
      return { errors };
    }
    case 'category': {
      const category = blank(values.category);
      const { categories, outOfScope } = categoriesFor(policy);
      if (!category) return { errors: { category: 'choose what the complaint is about' } };
      const excluded = outOfScope.find((o) => o.id === category);
      if (!excluded && !categories.some((x) => x.id === category)) return { errors: { category: 'choose one of the categories listed' } };
      if (excluded && !isTrue(values.recordOutOfScope)) return { errors: {}, signpost: { label: excluded.label, signpost: excluded.signpost } };
      return { errors: {} };
    }
    case 'details': {
      const errors = zodErrors(detailsSchema.safeParse(present(step, values)));
      const on = blank(values.receivedOn);
      const incident = blank(values.incidentOn);
      const now = today(env);
      if (!errors.receivedOn && on && on > now) errors.receivedOn = `a complaint cannot be received in the future (today is ${formatDate(now)})`;
      if (!errors.incidentOn && incident && incident > now) errors.incidentOn = `the incident cannot be in the future (today is ${formatDate(now)})`;
      if (!errors.incidentOn && !errors.receivedOn && incident && on && incident > on)
        errors.incidentOn = `the incident (${formatDate(incident)}) cannot be after the complaint was received (${formatDate(on)})`;
      if (Object.keys(errors).length) return { errors };
      // The time limit, exactly as recordComplaint will check it: the case fold's "late" flag.
      let late: { message: string } | undefined;
      try {
        const about = resolveAbout(values, env);
        const state = deriveState(
          env.ctx,
          {
            about,
            ...(blank(values.category) ? { category: values.category } : {}),
            ...(incident ? { incidentOn: incident } : {}),
            lookedAfterChild: isTrue(values.lookedAfterChild),
            events: [{ type: 'received', at: receivedAt(values, env), by: env.actor, stage: 1 }],
          },
          env.now,
        );
        if (state.flags.includes('late')) {
          const tl = policy.scope.timeLimit!;
          late = {
            message: `This complaint was made more than ${tl.amount} ${tl.unit} after the incident. ${policy.organisation} considers it only in exceptional circumstances: give the reason to record it anyway.`,
          };
        }
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        errors[e.field === 'case.incidentOn' ? 'incidentOn' : 'receivedOn'] = e.userMessage.replace(/^[\w.[\]]+: /, '');
        return { errors };
      }
      if (late && !blank(values.lateReason)) errors.lateReason = 'give the exceptional reason to record this late complaint';
      return { errors, ...(late ? { late } : {}) };
    }
    case 'outcome':
      return { errors: zodErrors(outcomeSchema.safeParse(present(step, values))) };
    case 'review':
      return { errors: {} };
  }
}

// ---------------------------------------------------------------------------------------------
// Cards

function timeLimitText(env: IntakeEnv): string | undefined {
  const tl = env.ctx.policy.scope.timeLimit;
  return tl
    ? `${env.ctx.policy.organisation} considers complaints made within ${tl.amount} ${tl.unit} of the incident${tl.exceptionalCircumstances ? ', and later ones only in exceptional circumstances' : ''}.`
    : undefined;
}

const CONTACT = { email: 'Email', phone: 'Phone', letter: 'Letter' } as Record<string, string>;

function reviewSummary(values: Record<string, string>, env: IntakeEnv): Array<{ label: string; value: string }> {
  const { policy } = env.ctx;
  const about = resolveAbout(values, env);
  const rows: Array<[string, string | undefined]> = [
    ['Complainant', blank(values.complainantName)],
    ['Relationship to the school', blank(values.relationship)],
    [
      'Contact by',
      [CONTACT[values.preferredContact ?? ''], { email: values.email, phone: values.phone, letter: values.address }[values.preferredContact ?? '']]
        .filter(blank)
        .join(': ') || undefined,
    ],
    [
      'About',
      about.role || about.personName
        ? [about.personName, about.role ? roleLabel(policy, about.role) : undefined].filter(Boolean).join(', ')
        : 'Not about a particular person',
    ],
    [
      'Category',
      `${categoryLabel(policy, blank(values.category)) ?? ''}${isTrue(values.recordOutOfScope) ? ' (out of scope: recorded anyway and closed)' : ''}`,
    ],
    ['What happened', blank(values.summary)],
    ['Incident date', blank(values.incidentOn) ? formatDate(values.incidentOn!) : 'Not given'],
    ['Received', blank(values.receivedOn) ? formatDate(values.receivedOn!) : formatDate(today(env))],
    ['Reason for accepting it late', blank(values.lateReason)],
    ['Looked-after child', isTrue(values.lookedAfterChild) ? 'Yes' : undefined],
    ['Outcome wanted', blank(values.desiredOutcome)],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '').map(([label, value]) => ({ label, value }));
}

/** The card for the state's step, with these errors (and the late notice on the details card). */
export function stepCard(state: IntakeState, env: IntakeEnv, errors: FieldErrors = {}, late?: { message: string }): CardOf {
  const base = { draftId: state.id, values: { ...state.values }, errors };
  const { policy } = env.ctx;
  switch (state.step) {
    case 'complainant':
      return card('intake-complainant', { ...base, step: 'complainant' });
    case 'about':
      return card('intake-about', { ...base, step: 'about', roles: policy.roles.filter((r) => r.subject).map((r) => ({ id: r.id, label: r.label })) });
    case 'category':
      return card('intake-category', { ...base, step: 'category', ...categoriesFor(policy) });
    case 'details': {
      const tl = timeLimitText(env);
      const values = { ...base.values, receivedOn: base.values.receivedOn || today(env) };
      return card('intake-details', { ...base, values, step: 'details', ...(tl ? { timeLimit: tl } : {}), ...(late ? { late } : {}) });
    }
    case 'outcome':
      return card('intake-outcome', { ...base, step: 'outcome' });
    case 'review':
      return card('intake-review', {
        draftId: state.id,
        step: 'review',
        summary: reviewSummary(state.values, env),
        duplicates: state.extra.duplicates ?? [],
        values: { duplicates: state.values.duplicates ?? '' },
        errors,
      });
  }
}

// ---------------------------------------------------------------------------------------------
// Moves

export function start(id: string, env: IntakeEnv): IntakeResult & { kind: 'card' } {
  const state: IntakeState = { id, step: 'complainant', values: {}, extra: {} };
  return { kind: 'card', state, card: stepCard(state, env), errors: {} };
}

const DUPLICATE_WINDOW_MS = 30 * 86_400_000;

/** Earlier complaints from the same complainant with a similar subject, as recordComplaint finds them. */
export async function possibleDuplicates(values: Record<string, string>, env: IntakeEnv): Promise<CardData['intake-review']['duplicates']> {
  const at = receivedAt(values, env);
  const key = {
    name: values.complainantName ?? '',
    ...(blank(values.email) ? { email: values.email } : {}),
    ...(blank(values.phone) ? { phone: values.phone } : {}),
  };
  if (!key.name.trim()) return [];
  const earlier = await env.deps.cases.findByComplainant(env.ctx.school.id, key, new Date(at.getTime() - DUPLICATE_WINDOW_MS));
  const about = resolveAbout(values, env);
  const category = blank(values.category);
  return earlier
    .filter(
      (x) =>
        !x.purgedAt &&
        (similarity(x.summary, values.summary ?? '') >= 0.3 || (category !== undefined && x.category === category && x.about.role === about.role)),
    )
    .map((x) => ({ caseId: x.id, reference: x.reference, receivedOn: formatDate(x.state.receivedOn), summary: x.summary.slice(0, 120) }));
}

/**
 * "Next" on a step's card: keep what was typed, check the step, and move on if it is right.
 * `step` is the card's step (the card the person is looking at), which wins over the draft's.
 */
export async function next(state: IntakeState, step: IntakeStep, data: Record<string, unknown>, env: IntakeEnv): Promise<IntakeResult> {
  const values = { ...state.values, ...stepValues(step, data) };
  const here: IntakeState = { ...state, step, values };
  if (step === 'review') return submit(here, data, env);
  // Every step up to this one must still be right (a value changed after going back is checked again).
  for (const s of INTAKE_STEPS.slice(0, INTAKE_STEPS.indexOf(step) + 1)) {
    const check = checkStep(s, values, env);
    if (check.signpost) {
      return {
        kind: 'ended',
        card: card('message', {
          title: `Not for this complaints procedure: ${check.signpost.label}`,
          text: `${check.signpost.signpost}\n\nNothing was recorded. If the complainant insists that it is a complaint under this procedure, type "new complaint" and tick "record it anyway" at the category step: it is then recorded and closed as out of scope.`,
          tone: 'warning',
        }),
      };
    }
    if (Object.keys(check.errors).length) {
      const at: IntakeState = { ...here, step: s };
      return { kind: 'card', state: at, card: stepCard(at, env, check.errors, check.late), errors: check.errors };
    }
  }
  const to: IntakeState = { ...here, step: nextStep(step) };
  if (to.step === 'review') to.extra = { ...to.extra, duplicates: await possibleDuplicates(values, env) };
  return { kind: 'card', state: to, card: stepCard(to, env), errors: {} };
}

/** "Back": keep what was typed on this card (unchecked) and show the step before. */
export function back(state: IntakeState, step: IntakeStep, data: Record<string, unknown>, env: IntakeEnv): IntakeResult & { kind: 'card' } {
  const values = step === 'review' ? state.values : { ...state.values, ...stepValues(step, data) };
  const to: IntakeState = { ...state, values, step: previousStep(step) };
  return { kind: 'card', state: to, card: stepCard(to, env), errors: {} };
}

export function toRecordInput(values: Record<string, string>, env: IntakeEnv, duplicates: RecordComplaintInput['duplicates']): RecordComplaintInput {
  const contact = (k: 'email' | 'phone' | 'address') => (blank(values[k]) ? { [k]: values[k]!.trim() } : {});
  return {
    schoolId: env.ctx.school.id,
    complainant: {
      name: values.complainantName ?? '',
      relationship: values.relationship ?? '',
      preferredContact: (values.preferredContact ?? 'email') as 'email' | 'phone' | 'letter',
      ...contact('email'),
      ...contact('phone'),
      ...contact('address'),
    },
    about: resolveAbout(values, env),
    ...(blank(values.category) ? { category: values.category } : {}),
    summary: values.summary ?? '',
    ...(blank(values.desiredOutcome) ? { desiredOutcome: values.desiredOutcome!.trim() } : {}),
    ...(blank(values.incidentOn) ? { incidentOn: values.incidentOn } : {}),
    lookedAfterChild: isTrue(values.lookedAfterChild),
    receivedAt: receivedAt(values, env),
    ...(blank(values.lateReason) ? { lateReason: values.lateReason!.trim() } : {}),
    recordOutOfScope: isTrue(values.recordOutOfScope),
    ...(duplicates !== undefined ? { duplicates } : {}),
  };
}

/** The review card's answer about duplicates: "separate", or the ids (comma-separated) of those to link to. */
function duplicateChoice(state: IntakeState, raw: string | undefined): { value?: RecordComplaintInput['duplicates']; error?: string } {
  const shown = state.extra.duplicates ?? [];
  const v = blank(raw)?.trim();
  if (!shown.length) return v === 'separate' ? { value: 'separate' } : {};
  if (!v) return { error: 'this may be the same complaint as one already recorded: link it to them, or keep it separate' };
  if (v === 'separate') return { value: 'separate' };
  const ids = v.split(/[\s,;]+/).filter(Boolean);
  if (!ids.every((id) => shown.some((d) => d.caseId === id))) return { error: 'choose from the complaints listed, or keep it separate' };
  return { value: ids };
}

function fieldError(e: AppError): [IntakeStep, string, string] | undefined {
  const message = e.userMessage.replace(/^[\w.[\]]+: /, '');
  if (e.code === 'SUBJECT_CANNOT_HANDLE') return ['about', 'aboutName', message];
  if (!e.field) return undefined;
  const at = PATHS[e.field] ?? PATHS[e.field.replace(/^events\[\d+\]\./, '')];
  return at ? [at[0], at[1], message] : undefined;
}

/** "Record" on the review card: every step checked again, then recordComplaint. */
export async function submit(state: IntakeState, data: Record<string, unknown>, env: IntakeEnv): Promise<IntakeResult> {
  const here: IntakeState = { ...state, step: 'review', values: { ...state.values, ...stepValues('review', data) } };
  for (const s of INTAKE_STEPS) {
    const check = checkStep(s, here.values, env);
    if (Object.keys(check.errors).length || check.signpost) {
      const at: IntakeState = { ...here, step: s };
      const errors = check.signpost ? { category: `${check.signpost.label} is not covered by this procedure: ${check.signpost.signpost}` } : check.errors;
      return { kind: 'card', state: at, card: stepCard(at, env, errors, check.late), errors };
    }
  }
  const choice = duplicateChoice(here, here.values.duplicates);
  if (choice.error) {
    const errors = { duplicates: choice.error };
    return { kind: 'card', state: here, card: stepCard(here, env, errors), errors };
  }
  let result;
  try {
    result = await recordComplaint(env.deps, env.actor, toRecordInput(here.values, env, choice.value));
  } catch (e) {
    const at = e instanceof AppError ? fieldError(e) : undefined;
    if (!at) throw e;
    const [step, field, message] = at;
    const to: IntakeState = { ...here, step };
    const errors = { [field]: message };
    return { kind: 'card', state: to, card: stepCard(to, env, errors), errors };
  }
  switch (result.result) {
    case 'recorded':
      return { kind: 'ended', recorded: result.case, card: confirmation(result.case, env) };
    case 'possible_duplicates': {
      const to: IntakeState = {
        ...here,
        extra: {
          ...here.extra,
          duplicates: result.candidates.map((d) => ({ caseId: d.id, reference: d.reference, receivedOn: formatDate(d.receivedOn), summary: d.summary })),
        },
      };
      const errors = { duplicates: 'this may be the same complaint as one already recorded: link it to them, or keep it separate' };
      return { kind: 'card', state: to, card: stepCard(to, env, errors), errors };
    }
    case 'late': {
      const to: IntakeState = { ...here, step: 'details' };
      const errors = { lateReason: 'give the exceptional reason to record this late complaint' };
      return { kind: 'card', state: to, card: stepCard(to, env, errors, { message: result.message }), errors };
    }
    case 'out_of_scope':
      return { kind: 'ended', card: card('message', { title: `Not for this complaints procedure: ${result.label}`, text: result.signpost, tone: 'warning' }) };
  }
}

/** After recording: the reference, who handles it and the deadlines worked out for it. */
export function confirmation(record: CaseRecord, env: IntakeEnv): CardOf {
  const s = record.state;
  const { school, policy } = env.ctx;
  let handlerName = personName(school, s.handlerId);
  if (s.status === 'out_of_scope') handlerName = 'Nobody: it is recorded as out of scope and closed';
  else if (!handlerName) handlerName = s.flags.includes('needs_handler') ? 'Nobody yet: SLT have been asked to assign someone' : 'To be assigned';
  return card('intake-confirmation', {
    reference: record.reference,
    handlerName,
    handlerRole: roleLabel(policy, s.handlerRole),
    deadlines: currentDeadlines(record, env.ctx, env.now),
  });
}
