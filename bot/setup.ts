/**
 * First run in Teams: when the database has no school yet, the person installing the bot gets a
 * setup card (school or trust name, one of the five built-in policies, region, term dates and
 * closures, and who holds each role), so that a school can go from install to its first
 * complaint in Teams alone. `complaints school import` is the other way in (and the only way to
 * load a school's own policy file or to change a school once it is set up).
 *
 * The card's answers become a school file (src/cli/schoolImport.ts's shape) and go through the
 * same checks as an import (parseSchoolFile: policy, calendar through the domain's
 * SchoolCalendar, roles), then through schoolContext, before SchoolStore.save. Errors are keyed
 * by the card's field ids (SETUP_FIELDS; role holders are `role_<role id>`).
 *
 * Role holders are typed as directory (Entra ID) object ids or email addresses, one or more per
 * role, separated by commas, semicolons or new lines, each optionally with a name in front:
 * "Hana Head <hana.head@school.org>", "Gail Clerk <6f0c...>", or "me" for the person filling in
 * the card. Email addresses are looked up through the `people` port when there is one (Microsoft
 * Graph); without it, give directory ids with names.
 */
import { z } from 'zod';
import { SYSTEM, schoolContext, type Deps } from '../src/app/caseFlow.js';
import { AppError } from '../src/app/errors.js';
import type { Person, School } from '../src/app/ports.js';
import { parseSchoolFile, SCHOOL_ROLES, type ParsedSchool } from '../src/cli/schoolImport.js';
import { REGIONS, type Region } from '../src/domain/calendar.js';
import { tryDayNumber } from '../src/domain/dates.js';
import { BUILT_IN_POLICY_IDS, builtInPolicy } from '../src/domain/packs/index.js';
import type { Policy } from '../src/domain/policy.js';
import { GraphError } from '../src/graph/errors.js';
import type { CardData, FieldErrors } from './cardTypes.js';

export const SETUP_FIELDS = ['schoolName', 'policy', 'region', 'preset', 'terms', 'closures', 'referencePrefix'] as const;
export const ROLE_FIELD_PREFIX = 'role_';

/** Looks a person up in the organisation's directory by directory id or email (Microsoft Graph, when connected). */
export interface PeopleLookup {
  lookup(idOrEmail: string): Promise<{ id: string; name: string; email?: string } | null>;
}

const REGION_NAMES: Record<Region, string> = { 'england-and-wales': 'England and Wales', scotland: 'Scotland', 'northern-ireland': 'Northern Ireland' };

/**
 * Term dates for the 2026/27 school year in each nation, offered as STARTING POINTS TO EDIT:
 * they follow the usual pattern of each nation's local authorities (England: six half terms
 * ending late July; Scotland: mid-August to late June with an October week and a February
 * mid-term break; Northern Ireland: 1 September to 30 June with Halloween, Christmas, mid-term
 * and Easter breaks), but every authority and academy trust sets its own, so the school checks
 * them against its published calendar. Bank holidays (including St Andrew's Day in Scotland and
 * St Patrick's Day in Northern Ireland) need not be left out: the calendar never counts them as
 * school days. INSET days and local holidays (e.g. a Scottish September weekend) go in closures.
 */
export const TERM_PRESETS: ReadonlyArray<{ id: string; label: string; region: Region; termsText: string }> = [
  {
    id: 'england-2026-27',
    label: 'England and Wales 2026/27 (a typical local authority pattern: edit to match yours)',
    region: 'england-and-wales',
    termsText: [
      'Autumn 1: 2026-09-02 to 2026-10-23',
      'Autumn 2: 2026-11-02 to 2026-12-18',
      'Spring 1: 2027-01-04 to 2027-02-12',
      'Spring 2: 2027-02-22 to 2027-03-25',
      'Summer 1: 2027-04-12 to 2027-05-28',
      'Summer 2: 2027-06-07 to 2027-07-21',
    ].join('\n'),
  },
  {
    id: 'scotland-2026-27',
    label: 'Scotland 2026/27 (a typical council pattern: edit to match yours)',
    region: 'scotland',
    termsText: [
      'Term 1: 2026-08-18 to 2026-10-09',
      'Term 2: 2026-10-19 to 2026-12-22',
      'Term 3a: 2027-01-06 to 2027-02-12',
      'Term 3b: 2027-02-17 to 2027-03-26',
      'Term 4: 2027-04-12 to 2027-06-30',
    ].join('\n'),
  },
  {
    id: 'northern-ireland-2026-27',
    label: 'Northern Ireland 2026/27 (a typical pattern: edit to match yours)',
    region: 'northern-ireland',
    termsText: [
      'Autumn 1: 2026-09-01 to 2026-10-23',
      'Autumn 2: 2026-11-02 to 2026-12-22',
      'Spring 1: 2027-01-05 to 2027-02-12',
      'Spring 2: 2027-02-17 to 2027-03-26',
      'Summer: 2027-04-06 to 2027-06-30',
    ].join('\n'),
  },
];

const ROLE_LABELS: Record<(typeof SCHOOL_ROLES)[number], string> = {
  slt: 'Senior leadership team (they get the daily overdue list and assign complaints nobody can take)',
  clerk: 'Clerk (sees every complaint and convenes panels)',
  panel_member: 'Panel members',
  independent_panel_member: 'Independent panel members (independent of the management and running of the school)',
};

function policyOrDefault(id: string | undefined): Policy {
  return builtInPolicy(id && BUILT_IN_POLICY_IDS.includes(id) ? id : BUILT_IN_POLICY_IDS[0]!);
}

/** The roles to fill for a policy: its own, then SLT, clerk and panel members. */
export function setupRoles(policy: Policy): Array<{ id: string; label: string }> {
  return [
    ...policy.roles.map((r) => ({ id: r.id, label: r.label })),
    ...SCHOOL_ROLES.filter((r) => !policy.roles.some((x) => x.id === r)).map((r) => ({ id: r, label: ROLE_LABELS[r] })),
  ];
}

/** The setup card's data; the roles are those of the policy chosen (the first built-in until one is). */
export function setupCard(values: Record<string, string> = {}, errors: FieldErrors = {}): CardData['setup'] {
  const policy = policyOrDefault(values.policy);
  return {
    policies: BUILT_IN_POLICY_IDS.map((id) => ({ id, name: builtInPolicy(id).name })),
    regions: REGIONS.map((id) => ({ id, name: REGION_NAMES[id] })),
    presets: TERM_PRESETS.map(({ id, label, termsText }) => ({ id, label, termsText })),
    roles: setupRoles(policy).map((r) => ({ id: `${ROLE_FIELD_PREFIX}${r.id}`, label: r.label })),
    values: { policy: policy.id, ...values },
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the card

const DATE = /(\d{4}-\d{2}-\d{2})/;
const TERM_LINE = new RegExp(`^(?:(.+?)\\s*:\\s*)?${DATE.source}\\s*(?:to|until|–|—|\\s-\\s)\\s*${DATE.source}$`, 'i');

/** "Autumn 1: 2026-09-02 to 2026-10-23", one term a line (the name is optional). */
export function parseTerms(text: string): { terms?: Array<{ start: string; end: string; name?: string }>; error?: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) return { error: 'enter the term dates, one term a line, like "Autumn 1: 2026-09-02 to 2026-10-23", or choose one of the starting points' };
  const terms: Array<{ start: string; end: string; name?: string }> = [];
  for (const [i, line] of lines.entries()) {
    const m = TERM_LINE.exec(line);
    if (!m) return { error: `line ${i + 1} ("${line}"): expected a term like "Autumn 1: 2026-09-02 to 2026-10-23"` };
    for (const d of [m[2]!, m[3]!]) if (Number.isNaN(tryDayNumber(d))) return { error: `line ${i + 1}: ${d} is not a date` };
    terms.push({ start: m[2]!, end: m[3]!, ...(m[1] ? { name: m[1] } : {}) });
  }
  return { terms };
}

export function parseClosures(text: string | undefined): { closures?: string[]; error?: string } {
  const items = (text ?? '').split(/[\s,;]+/).filter(Boolean);
  for (const d of items)
    if (Number.isNaN(tryDayNumber(d))) return { error: `${d} is not a date: list INSET and other closure days like 2027-01-04, separated by commas` };
  return { closures: items };
}

export function schoolId(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || 'school';
}

/** "Nunthorpe Academy" -> "NA"; one-word names give their first four letters. */
export function referencePrefixFor(name: string): string {
  const words = name
    .toUpperCase()
    .normalize('NFKD')
    .replace(/[^A-Z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => /^[A-Z]/.test(w));
  const initials = words
    .map((w) => w[0])
    .join('')
    .slice(0, 12);
  if (initials.length >= 2) return initials;
  return (words[0] ?? 'SCHOOL').slice(0, 4).padEnd(2, 'X');
}

/** "Hana Head <hana@school.org>", "hana@school.org", "<directory id>" or "me". */
function parseHolder(entry: string): { name?: string; key: string } {
  const m = /^(.*?)\s*<([^>]+)>$/.exec(entry.trim());
  if (m) return { ...(m[1]!.trim() ? { name: m[1]!.trim() } : {}), key: m[2]!.trim() };
  return { key: entry.trim() };
}

export interface SetupEnv {
  deps: Deps;
  people?: PeopleLookup;
  /** The person filling in the card (directory id and name from Teams). */
  installer: { id: string; name: string; email?: string };
  now: Date;
}

export type SetupResult = { ok: true; school: School; policy: Policy; warnings: string[] } | { ok: false; card: CardData['setup']; errors: FieldErrors };

/** What the card sends: every field is text (blank when left empty). */
const setupData = z.record(z.string(), z.unknown()).transform((data) => {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if ((SETUP_FIELDS as readonly string[]).includes(k) || k.startsWith(ROLE_FIELD_PREFIX)) values[k] = v === undefined || v === null ? '' : String(v);
  }
  return values;
});

/** Maps an import field ("calendar.terms[2]", "people[0].id") to a card field. */
function cardField(field: string | undefined): string {
  if (!field) return 'schoolName';
  if (field === 'name') return 'schoolName';
  if (field.startsWith('calendar.terms')) return 'terms';
  if (field.startsWith('calendar.closures')) return 'closures';
  if (field.startsWith('calendar.region') || field === 'region') return 'region';
  if (field.startsWith('calendar')) return 'terms';
  if (field.startsWith('policy')) return 'policy';
  if (field === 'referencePrefix') return 'referencePrefix';
  return 'schoolName';
}

/**
 * Reads a submitted setup card. Only when no school exists yet (the caller checks): then
 * validates everything, saves the school, and returns it with warnings worth fixing later; or
 * the card again with the errors next to their fields and everything typed kept.
 */
export async function submitSetup(env: SetupEnv, data: Record<string, unknown>): Promise<SetupResult> {
  const values = setupData.parse(data);
  const errors: FieldErrors = {};
  const fail = (): SetupResult => ({ ok: false, card: setupCard(values, errors), errors });

  const name = (values.schoolName ?? '').trim();
  if (!name) errors.schoolName = 'enter the name of the school or trust';
  const policyId = (values.policy ?? '').trim();
  if (!BUILT_IN_POLICY_IDS.includes(policyId)) {
    errors.policy = `choose one of the built-in policies (${BUILT_IN_POLICY_IDS.join(', ')}); to use your own policy file, set the school up with "complaints school import"`;
    return fail();
  }
  const policy = builtInPolicy(policyId);
  const preset = TERM_PRESETS.find((p) => p.id === values.preset);
  if (values.preset && !preset) errors.preset = 'choose one of the starting points listed';
  const region = (values.region || preset?.region || policy.defaults.region) as Region;
  if (!REGIONS.includes(region)) errors.region = `choose one of ${REGIONS.map((r) => REGION_NAMES[r]).join(', ')}`;
  const termsText = values.terms?.trim() ? values.terms : (preset?.termsText ?? '');
  const terms = parseTerms(termsText);
  if (terms.error) errors.terms = terms.error;
  const closures = parseClosures(values.closures);
  if (closures.error) errors.closures = closures.error;
  const prefix = (values.referencePrefix ?? '').trim().toUpperCase() || referencePrefixFor(name || 'school');

  // Who holds each role.
  const roles = setupRoles(policy);
  const submittedRoles = roles.filter((r) => `${ROLE_FIELD_PREFIX}${r.id}` in values);
  if (!submittedRoles.length) {
    errors.policy = `now say who holds each role of ${policy.name}`;
    return fail();
  }
  const people = new Map<string, Person>();
  for (const role of roles) {
    const field = `${ROLE_FIELD_PREFIX}${role.id}`;
    const entries = (values[field] ?? '')
      .split(/[\n,;]+/)
      .map((e) => e.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const found = await resolveHolder(env, entry);
      if ('error' in found) {
        errors[field] = found.error;
        break;
      }
      const person = people.get(found.id) ?? { id: found.id, name: found.name, ...(found.email ? { email: found.email } : {}), roles: [] };
      if (!person.roles.includes(role.id)) person.roles.push(role.id);
      people.set(found.id, person);
    }
  }
  const held = new Set([...people.values()].flatMap((p) => p.roles));
  const first = policy.stages[0]!.handler;
  if (!held.has(first) && !errors[`${ROLE_FIELD_PREFIX}${first}`])
    errors[`${ROLE_FIELD_PREFIX}${first}`] =
      `someone must hold this role: the ${policy.roles.find((r) => r.id === first)?.label ?? first} handles stage 1 of every complaint`;
  if (!held.has('slt') && !errors.role_slt) errors.role_slt = 'name at least one member of the senior leadership team';
  if (Object.keys(errors).length) return fail();

  // The same checks as "complaints school import", then the policy and calendar as the use cases load them.
  let parsed: ParsedSchool;
  try {
    parsed = parseSchoolFile(
      {
        id: schoolId(name),
        name,
        policy: policyId,
        referencePrefix: prefix,
        calendar: { region, terms: terms.terms!, closures: closures.closures! },
        people: [...people.values()].map((p) => ({ id: p.id, name: p.name, ...(p.email ? { email: p.email } : {}), roles: p.roles })),
      },
      process.cwd(),
      env.now,
    );
    schoolContext({ ...parsed.school, outbox: [], digests: [], version: 0 });
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    errors[cardField(e.field)] = e.userMessage.replace(/^[\w.[\]]+: /, '');
    return fail();
  }
  const school = await env.deps.schools.save(parsed.school);
  return { ok: true, school, policy, warnings: parsed.warnings };
}

async function resolveHolder(env: SetupEnv, entry: string): Promise<{ id: string; name: string; email?: string } | { error: string }> {
  if (entry.toLowerCase() === 'me') return env.installer;
  const { name, key } = parseHolder(entry);
  if (key === SYSTEM) return { error: `"${SYSTEM}" is reserved; give a person's directory id or email` };
  if (key === env.installer.id || (env.installer.email && key.toLowerCase() === env.installer.email.toLowerCase()))
    return { ...env.installer, ...(name ? { name } : {}) };
  if (env.people) {
    let found;
    try {
      found = await env.people.lookup(key);
    } catch (e) {
      // A disabled account, or Graph busy or missing a permission: said next to the role, nothing saved.
      if (e instanceof AppError) return { error: `${key}: ${e.userMessage}` };
      if (e instanceof GraphError) return { error: `${key} could not be checked in the directory just now (${e.message}). Try again, or tell your IT admin.` };
      throw e;
    }
    if (!found) return { error: `${key} was not found in your organisation's directory` };
    return { ...found, ...(name ? { name } : {}) };
  }
  if (key.includes('@'))
    return {
      error: `${key}: email addresses cannot be looked up until Microsoft Graph is connected; give their directory (Entra ID) object id with their name, like "Hana Head <6f0c5a1e-...>", or "me" for yourself`,
    };
  if (!name) return { error: `${key}: give their name too, like "Hana Head <${key}>"` };
  return { id: key, name };
}
