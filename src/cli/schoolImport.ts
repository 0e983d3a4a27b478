/**
 * `complaints school import <file>`: a school's setup (policy, calendar, who holds each role)
 * from JSON, validated before anything is saved, then saved with SchoolStore.save. When the
 * school already exists and its calendar changed, every open case's deadlines are recounted
 * (the changeCalendar use case); when its policy or people changed, every open case's derived
 * state (deadlines, handler, deadline owners) is recomputed from its events.
 *
 * File shape:
 *   { id, name, policy: "nmat" | "./our-policy.json" | { ...a policy pack },
 *     referencePrefix: "NMAT",
 *     calendar: { region?, timezone?, terms: [{ start, end, name? }], closures?: ["2027-01-05"] },
 *     people: [{ id?: <directory id>, email?, upn?, name?, roles: ["head_of_school", "slt"] }] }
 *
 * A person is given by directory (Entra ID) object id, email address or UPN. With Microsoft
 * Graph configured (deps.directory), every person is checked in the directory before anything is
 * saved: ids, UPNs and emails in $batch calls, then an email that is not a UPN by its address;
 * nobody found, or a disabled account, is refused naming the field, and the directory's display
 * name is used where `name` is left out. Without Graph, each person needs an id and a name.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { changeCalendar, type ChangeCalendarResult, type changeCalendarInput } from '../app/changeCalendar.js';
import { SYSTEM, deriveState, loadSchool, type Deps } from '../app/caseFlow.js';
import { AppError, fromDomain } from '../app/errors.js';
import type { CaseRecord, Directory, DirectoryPerson, School } from '../app/ports.js';
import { REGIONS, SchoolCalendar, type CalendarInput } from '../domain/calendar.js';
import { fieldIssues } from '../domain/issues.js';
import { BUILT_IN_POLICY_IDS, builtInPolicy } from '../domain/packs/index.js';
import { checkPolicy, type Policy, type PolicyInput } from '../domain/policy.js';

/** Roles a school gives people beside the policy's own: who gets the overdue digest, who clerks, who sits on panels. */
export const SCHOOL_ROLES = ['slt', 'clerk', 'panel_member', 'independent_panel_member'] as const;

const dateText = z.string({ message: 'expected a date like 2026-11-02 (YYYY-MM-DD)' });

export const schoolFileSchema = z.strictObject({
  id: z.string({ message: 'is required' }).regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lower-case id of letters, digits, - and _, such as nunthorpe'),
  name: z.string({ message: 'is required' }).trim().min(1, "enter the school's name"),
  policy: z.unknown().refine((v) => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'object' && v !== null && !Array.isArray(v)), {
    message: `expected a built-in policy id (${BUILT_IN_POLICY_IDS.join(', ')}), the path to a policy file, or a policy pack object`,
  }),
  referencePrefix: z.string({ message: 'is required' }).regex(/^[A-Z][A-Z0-9]{1,11}$/, 'expected 2 to 12 capital letters or digits starting with a letter, such as NMAT (references read NMAT-2026-0042)'),
  calendar: z.strictObject({
    region: z.enum(REGIONS).optional(),
    timezone: z.string().optional(),
    terms: z.array(z.strictObject({ start: dateText, end: dateText, name: z.string().optional() })),
    closures: z.array(dateText).default([]),
  }),
  people: z
    .array(
      z
        .strictObject({
          id: z.string().trim().min(1, "expected the person's directory (Entra ID) object id").optional(),
          email: z.email('expected an email address such as head@school.example').optional(),
          upn: z
            .string()
            .trim()
            .regex(/^[^@\s]+@[^@\s]+$/, 'expected a user principal name (the name they sign in with) such as hana.head@school.example')
            .optional(),
          name: z.string().trim().min(1, "enter the person's name, or leave it out to use the name in the directory").optional(),
          roles: z.array(z.string()).default([]),
        })
        .refine((p) => p.id || p.email || p.upn, {
          message: "give the person's directory (Entra ID) object id, their email address (email) or their user principal name (upn)",
        }),
    )
    .min(1, "list the people who hold the policy's roles"),
});

export type SchoolSetup = Omit<School, 'outbox' | 'digests' | 'version'>;

/** A person as the school file gives them, before the directory is asked. */
export interface PersonEntry {
  id?: string;
  email?: string;
  upn?: string;
  name?: string;
  roles: string[];
}

export interface ParsedSchool {
  /**
   * The setup to save. Its `people` are those given with an id and a name; people given by
   * email or UPN (or without a name) are added, in file order, by resolvePeople (importSchool does it).
   */
  school: SchoolSetup;
  /** Every person as given, in file order. */
  people: PersonEntry[];
  policy: Policy;
  /** Things worth fixing that do not stop the import (a role nobody holds, a calendar running out). */
  warnings: string[];
}

const invalid = (field: string, message: string) => new AppError('INVALID_INPUT', `${field}: ${message}`, `invalid school file: ${field}: ${message}`, field);

/** A policy given as a built-in id, a path (relative to the school file's folder) or a pack object. */
function resolvePolicy(ref: unknown, baseDir: string): { policy: Policy; policyId: string; customPolicy?: PolicyInput } {
  let raw: unknown = ref;
  let field = 'policy';
  if (typeof ref === 'string') {
    const id = ref.trim();
    if (BUILT_IN_POLICY_IDS.includes(id)) return { policy: builtInPolicy(id), policyId: id };
    if (!/[/\\]|\.json$/i.test(id)) throw invalid('policy', `unknown policy ${JSON.stringify(id)}; built-in policies are ${BUILT_IN_POLICY_IDS.join(', ')}, or give the path to a policy file or the pack itself`);
    const path = resolve(baseDir, id);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw invalid('policy', `no policy file at ${path}; built-in policies are ${BUILT_IN_POLICY_IDS.join(', ')}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw invalid('policy', `${path} is not valid JSON (${(e as Error).message})`);
    }
    field = `policy (${id})`;
  }
  const { policy, issues } = checkPolicy(raw);
  if (!policy) {
    const first = issues[0]!;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more; run "complaints policy check" on the pack for all of them)` : '';
    throw invalid(`${field}.${first.field}`, `${first.message}${more}`);
  }
  return { policy, policyId: policy.id, customPolicy: raw as PolicyInput };
}

/** The calendar as stored: region and time zone filled in from the policy, closures always listed. */
export function normaliseCalendar(cal: CalendarInput, policy: Policy): CalendarInput {
  return {
    region: cal.region ?? policy.defaults.region,
    timezone: cal.timezone ?? policy.defaults.timezone,
    terms: (cal.terms ?? []).map((t) => ({ start: t.start, end: t.end, ...(t.name !== undefined ? { name: t.name } : {}) })),
    closures: [...(cal.closures ?? [])],
  };
}

/** Roles that have work to do in the policy, each with the first duty found (for the warning). */
function dutyRoles(policy: Policy): Map<string, string> {
  const duties = new Map<string, string>();
  const add = (role: string | undefined, why: string) => {
    if (role && role !== 'complainant' && !duties.has(role)) duties.set(role, why);
  };
  for (const s of policy.stages) {
    add(s.handler, `handles stage ${s.number} (${s.name})`);
    for (const r of s.routing) add(r.handler, `handles stage ${s.number} (${s.name}) when the complaint is about ${r.about.join(' or ')}`);
    for (const c of s.clocks) add(c.owner, `owes the stage ${s.number} ${c.kind.replace(/_/g, ' ')} deadline`);
    add(s.panel?.pool, `is the pool the stage ${s.number} panel is drawn from`);
  }
  return duties;
}

/**
 * Validates a school file's content (everything but the database): the shape, the policy, the
 * calendar (through the domain's SchoolCalendar, so overlapping terms are named), and that every
 * role given to a person exists. Throws an INVALID_INPUT AppError naming the field.
 */
export function parseSchoolFile(raw: unknown, baseDir: string, today = new Date()): ParsedSchool {
  const r = schoolFileSchema.safeParse(raw);
  if (!r.success) {
    const first = fieldIssues(r.error)[0]!;
    throw invalid(first.field, first.message);
  }
  const f = r.data;
  const { policy, policyId, customPolicy } = resolvePolicy(f.policy, baseDir);

  const calendar = normaliseCalendar(f.calendar, policy);
  try {
    SchoolCalendar.from(calendar, 'calendar');
  } catch (e) {
    const err = fromDomain(e);
    if (err instanceof AppError) throw invalid(err.field ?? 'calendar', err.userMessage);
    throw err;
  }
  const countsSchoolDays = policy.stages.some((s) => s.clocks.some((c) => c.unit === 'school_days')) || policy.stages.some((s) => s.panel?.proposedDates?.unit === 'school_days');
  if (countsSchoolDays && !calendar.terms!.length) throw invalid('calendar.terms', `${policy.name} counts school days, so the calendar needs the school's term dates`);

  const roleIds = new Set(policy.roles.map((x) => x.id));
  const allowed = [...roleIds, ...SCHOOL_ROLES];
  const seen = new Map<string, number>();
  f.people.forEach((p, i) => {
    for (const [key, value] of [['id', p.id], ['email', p.email?.toLowerCase()], ['upn', p.upn?.toLowerCase()]] as const) {
      if (!value) continue;
      const before = seen.get(`${key}:${value}`);
      if (before !== undefined) throw invalid(`people[${i}].${key}`, `${value} is listed twice (also people[${before}]); give each person once, with all their roles`);
      seen.set(`${key}:${value}`, i);
    }
    p.roles.forEach((role, j) => {
      if (!allowed.includes(role)) throw invalid(`people[${i}].roles[${j}]`, `"${role}" is not a role in ${policy.name}; expected one of ${allowed.join(', ')}`);
    });
  });

  const warnings: string[] = [];
  const held = new Set(f.people.flatMap((p) => p.roles));
  for (const [role, why] of dutyRoles(policy)) {
    if (!held.has(role)) warnings.push(`nobody holds ${role} (${policy.roles.find((x) => x.id === role)?.label ?? role}), which ${why}: cases routed there will be flagged as needing a handler`);
  }
  if (!held.has('slt')) warnings.push('nobody is in slt: the daily overdue digest and the "needs a handler" alerts go to SLT');
  if (calendar.terms!.length) {
    const last = calendar.terms!.reduce((a, t) => (t.end > a ? t.end : a), '');
    if (last < today.toISOString().slice(0, 10)) warnings.push(`calendar.terms: the last term ended on ${last}; add the coming terms, or school-day deadlines cannot be counted`);
  }

  return {
    school: {
      id: f.id,
      name: f.name,
      policyId,
      ...(customPolicy ? { customPolicy } : {}),
      referencePrefix: f.referencePrefix,
      calendar,
      people: f.people.flatMap((p) => (p.id && p.name ? [{ id: p.id, name: p.name, ...(p.email ? { email: p.email } : {}), roles: p.roles }] : [])),
    },
    people: f.people.map((p) => ({ ...p })),
    policy,
    warnings,
  };
}

/** Reads and validates a school file; errors name the file and the field. */
export function readSchoolFile(path: string, today = new Date()): ParsedSchool {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError('INVALID_INPUT', `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message}`, 'unreadable school file', 'file');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AppError('INVALID_INPUT', `${path}: not valid JSON (${(e as Error).message})`, 'school file not JSON', 'file');
  }
  return parseSchoolFile(raw, dirname(resolve(path)), today);
}

const GRAPH_SETTINGS = 'set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or GRAPH_CERTIFICATE_PATH) and COMPLAINTS_MAILBOX';

/** Email lookups that are not UPNs, a few at a time (each is one or two Graph calls). */
const LOOKUP_CONCURRENCY = 4;

/**
 * Completes the school's people from the directory, before anything is saved: everyone given
 * by id, UPN or email is looked up (one $batch pass; then, for an email that is not anyone's
 * UPN, a search by address), refused if nobody has it or their account is disabled, and named
 * from the directory when the file gives no name. Without a directory, everyone needs an id and
 * a name. Errors name the field (people[2].email). Graph failures (busy, a missing permission)
 * are thrown on as they are.
 */
export async function resolvePeople(parsed: ParsedSchool, directory: Directory | undefined): Promise<ParsedSchool> {
  const entries = parsed.people;
  if (!directory) {
    entries.forEach((p, i) => {
      if (!p.id)
        throw invalid(
          `people[${i}]`,
          `Microsoft Graph is not configured (${GRAPH_SETTINGS} to look people up by ${p.upn ? 'UPN' : 'email'}); give the person's directory id`,
        );
      if (!p.name)
        throw invalid(
          `people[${i}].name`,
          `enter the person's name (it is read from the directory only when Microsoft Graph is configured: ${GRAPH_SETTINGS})`,
        );
    });
    return parsed;
  }
  // What each entry is looked up by: its id, else its UPN, else its email (tried as a UPN first: it usually is one).
  const keyOf = (p: PersonEntry) => (p.id ?? p.upn ?? p.email!).trim();
  const batched = await directory.findMany(entries.map(keyOf));
  const found: Array<DirectoryPerson | null> = entries.map((p) => batched.get(keyOf(p)) ?? null);
  const byAddress = entries.flatMap((p, i) => (!p.id && !p.upn && !found[i] ? [i] : []));
  let next = 0;
  const worker = async () => {
    while (next < byAddress.length) {
      const i = byAddress[next++]!;
      found[i] = await directory.find(entries[i]!.email!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, byAddress.length) }, worker));

  const people: SchoolSetup['people'] = [];
  const seen = new Map<string, number>();
  entries.forEach((p, i) => {
    const by = p.id ? 'id' : p.upn ? 'upn' : 'email';
    const field = `people[${i}].${by}`;
    const d = found[i];
    if (!d)
      throw invalid(field, `nobody with the ${{ id: 'directory id', upn: 'user name', email: 'address' }[by]} ${keyOf(p)} is in your organisation's directory`);
    if (!d.enabled)
      throw invalid(
        field,
        `the account of ${d.name} (${keyOf(p)}) is disabled in your organisation's directory, so they cannot hold a role; remove them or give their roles to someone else`,
      );
    const before = seen.get(d.id);
    if (before !== undefined)
      throw invalid(field, `${d.name} is also people[${before}] (the same directory account); give each person once, with all their roles`);
    seen.set(d.id, i);
    const email = p.email ?? d.email;
    people.push({ id: d.id, name: p.name ?? d.name, ...(email ? { email } : {}), roles: p.roles });
  });
  return { ...parsed, school: { ...parsed.school, people } };
}

export interface RecomputeResult {
  open: number;
  changed: number;
  /** Cases that could not be recomputed (e.g. a date the new calendar cannot count), with why. */
  failed: Array<{ reference: string; reason: string }>;
}

const sameState = (a: CaseRecord['state'], b: CaseRecord['state']) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Re-derives every open case of a school from its events with the school's current setup, and
 * saves each changed state with a conditional update on the case's version. A case changed
 * meanwhile is re-read and recomputed again (a use case that ran meanwhile already used the new
 * setup, so usually nothing is left to do). Runs `concurrency` cases at a time.
 */
export async function recomputeOpenCases(deps: Deps, schoolId: string, opts: { now?: Date; concurrency?: number } = {}): Promise<RecomputeResult> {
  const ctx = await loadSchool(deps, schoolId);
  const now = opts.now ?? deps.clock.now();
  const open = await deps.cases.find({ schoolId, status: 'open' });
  const result: RecomputeResult = { open: open.length, changed: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < open.length) {
      let record: CaseRecord | null = open[next++]!;
      for (let attempt = 0; record && record.state.status === 'open'; attempt++) {
        let state;
        try {
          state = deriveState(ctx, record, now);
        } catch (e) {
          result.failed.push({ reference: record.reference, reason: e instanceof AppError ? e.userMessage : (e as Error).message });
          break;
        }
        if (sameState(record.state, state)) break;
        if (await deps.cases.replaceState(record.id, record.version, state)) {
          result.changed++;
          break;
        }
        if (attempt >= 4) {
          result.failed.push({ reference: record.reference, reason: 'it kept changing while being recomputed; run the import again' });
          break;
        }
        record = await deps.cases.get(record.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  return result;
}

function keepLeft(p: School['people'][number], existing: School): School['people'][number] {
  const left = existing.people.find((x) => x.id === p.id)?.left;
  return left ? { ...p, left } : p;
}

export interface ImportResult {
  school: School;
  created: boolean;
  calendarChanged: boolean;
  /** Policy or people changed (handlers and deadline owners may move). */
  setupChanged: boolean;
  /** Open cases recounted with the new calendar (src/app/changeCalendar.ts). */
  calendar?: ChangeCalendarResult;
  /** Open cases re-derived after the policy or people changed. */
  recomputed?: RecomputeResult;
}

/**
 * Saves a validated school, its people first completed and checked in the directory
 * (resolvePeople; a failure there saves nothing). For an existing school, a new calendar goes through the
 * changeCalendar use case first (as "system"): it refuses a calendar that cannot count some open
 * case's deadlines, before anything is saved, and recounts every open case. Then the rest of the
 * setup is saved, and if the policy or people changed, the open cases are re-derived again
 * (their handlers and deadline owners may have moved).
 */
export async function importSchool(deps: Deps, given: ParsedSchool): Promise<ImportResult> {
  const parsed = await resolvePeople(given, deps.directory);
  const { policy } = parsed;
  const existing = await deps.schools.get(parsed.school.id);
  // Without the directory to ask, who has left is kept as the directory.check job last saw it.
  const school = deps.directory || !existing ? parsed.school : { ...parsed.school, people: parsed.school.people.map((p) => keepLeft(p, existing)) };
  const calendarChanged = !!existing && JSON.stringify(normaliseCalendar(existing.calendar, policy)) !== JSON.stringify(school.calendar);
  const setupOf = (s: SchoolSetup) => JSON.stringify([s.name, s.referencePrefix, s.policyId, s.customPolicy ?? null, s.people.map((p) => [p.id, p.name, p.email ?? null, p.roles, p.left?.reason ?? null])]);
  const setupChanged = !!existing && setupOf(existing) !== setupOf(school);
  const policyOrPeopleChanged = !!existing && setupOf({ ...existing, name: '', referencePrefix: '' }) !== setupOf({ ...school, name: '', referencePrefix: '' });
  let calendar: ChangeCalendarResult | undefined;
  if (calendarChanged) calendar = await changeCalendar(deps, SYSTEM, { schoolId: school.id, calendar: school.calendar as z.input<typeof changeCalendarInput>['calendar'] });
  const saved = await deps.schools.save(school);
  const out: ImportResult = { school: saved, created: !existing, calendarChanged, setupChanged };
  if (calendar) out.calendar = calendar;
  if (policyOrPeopleChanged) out.recomputed = await recomputeOpenCases(deps, school.id);
  return out;
}
