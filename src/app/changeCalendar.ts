/**
 * Change a school's calendar (terms, closures such as a new INSET or snow day, region, time
 * zone) and recompute the deadlines of every open case of the school with it.
 *
 * The new calendar is validated, and every open case's deadlines worked out with it, before
 * anything is saved: a calendar that cannot count some case's deadlines (e.g. terms removed
 * under an open case) is refused naming that case. Then the school is saved and each open
 * case's state replaced with a version check; a case changed meanwhile is re-read and
 * recomputed, up to three more times. A use case running after the save already counts with
 * the new calendar, so a case still in conflict after that is listed as `unresolved`, not lost.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { deriveState, loadSchool, schoolContext, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import type { CaseRecord, CaseStateRecord, School } from './ports.js';
import { id, parseInput } from './validation.js';
import { isSltOrClerk } from './authorisation.js';

const MAX_RETRIES = 3;
const CONCURRENCY = 16;

export const changeCalendarInput = z.object({
  schoolId: id,
  /** Checked in full by the domain's SchoolCalendar (term order, overlaps, closures inside terms); misspelt fields are refused here. */
  calendar: z.strictObject({
    region: z.string().optional(),
    timezone: z.string().optional(),
    terms: z.array(z.unknown()).optional(),
    closures: z.array(z.unknown()).optional(),
  }),
});

export interface ChangeCalendarResult {
  recomputed: number;
  conflictsRetried: number;
  /** References of open cases still changing under us after every retry (they were recounted by whoever changed them). */
  unresolved: string[];
}

export async function changeCalendar(deps: Deps, actor: Actor, raw: z.input<typeof changeCalendarInput>): Promise<ChangeCalendarResult> {
  const input = parseInput(changeCalendarInput, raw);
  const { school } = await loadSchool(deps, input.schoolId);
  if (!isSltOrClerk(school, actor)) {
    throw new AppError('NOT_AUTHORISED', `Only SLT or the clerk of ${school.name} can change its calendar.`, `calendar change refused: ${actor} in school ${school.id}`);
  }
  const calendar = input.calendar as School['calendar'];
  const candidate = schoolContext({ ...school, calendar });
  const now = deps.clock.now();

  const open = await deps.cases.find({ schoolId: school.id, status: 'open' });
  const states = new Map<string, CaseStateRecord>();
  for (const c of open) states.set(c.id, recount(candidate, c, now));

  const { outbox: _o, digests: _d, version: _v, ...setup } = school;
  const saved = schoolContext(await deps.schools.save({ ...setup, calendar }));

  const result: ChangeCalendarResult = { recomputed: 0, conflictsRetried: 0, unresolved: [] };
  const replace = async (first: CaseRecord) => {
    let c: CaseRecord | null = first;
    let state = states.get(first.id)!;
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      if (await deps.cases.replaceState(c.id, c.version, state)) {
        result.recomputed++;
        return;
      }
      result.conflictsRetried++;
      c = await deps.cases.get(first.id);
      if (!c || c.state.status !== 'open') return; // closed meanwhile: its deadlines are settled
      state = recount(saved, c, deps.clock.now());
    }
    result.unresolved.push(first.reference);
  };
  for (let i = 0; i < open.length; i += CONCURRENCY) await Promise.all(open.slice(i, i + CONCURRENCY).map(replace));
  return result;
}

function recount(ctx: SchoolContext, c: CaseRecord, now: Date): CaseStateRecord {
  try {
    return deriveState(ctx, c, now);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    throw new AppError('INVALID_INPUT', `With this calendar the deadlines of ${c.reference} cannot be worked out: ${e.userMessage}`, `calendar change refused for school ${ctx.school.id}: case ${c.id}: ${e.logMessage}`, 'calendar');
  }
}
