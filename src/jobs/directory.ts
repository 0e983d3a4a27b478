/**
 * `directory.check`, daily: who among each school's role holders has left. Every person of every
 * school is read from the directory (deps.directory: Microsoft Graph, $batch of 20); one whose
 * account is disabled, or who is no longer there (deleted), is marked `left: { on, reason }` with
 * the school date it was first seen and their manager's name (for SLT's digest); one whose
 * account is back in use loses the mark. A school whose people changed is saved
 * (SchoolStore.save) and its open cases re-derived (recomputeOpenCases): stages their role held
 * go to the next holder of the role, and a case assigned to them by name is flagged
 * `needs_reassignment` until SLT reassigns it. The SLT digest then lists them (handlers.ts).
 * Someone set up by directory id with no email address (before Graph was connected) gets the
 * address the directory has for them, so that panel invitations can reach them.
 *
 * Without Graph there is no directory to ask: the job runs, does nothing and says so once per
 * process (it stays registered, so that every worker declares the same jobs). Logs carry school
 * and directory ids only.
 */
import type { Directory, Person, School } from '../app/ports.js';
import { schoolContext } from '../app/caseFlow.js';
import { recomputeOpenCases } from '../cli/schoolImport.js';
import { fromDayNumber } from '../domain/dates.js';
import type { JobContext } from './handlers.js';

export interface DirectoryCheckResult {
  schools: number;
  /** People read from the directory. */
  people: number;
  /** Newly marked as having left. */
  left: number;
  /** Marked as having left before, now back in use. */
  back: number;
  /** People with no email address at the school who were given the directory's. */
  emails: number;
  /** Open cases whose state changed when they were re-derived. */
  recomputed: number;
  /** Schools that could not be checked (the directory failed; tried again tomorrow). */
  failed: number;
}

let saidNoDirectory = false;

/** The address the directory has for someone the school knows without one; undefined otherwise. */
const missingEmail = (p: Person, d: { email?: string } | null): string | undefined => (!p.email?.trim() && d?.email?.trim() ? d.email.trim() : undefined);

/** The school's people as the directory now has them: who left (with the school date and manager), who is back, emails it has that the school lacks. */
async function updatedPeople(
  directory: Directory,
  school: School,
  today: string,
): Promise<{ people: Person[]; left: string[]; back: string[]; emails: string[]; read: number }> {
  const found = await directory.findMany(school.people.map((p) => p.id));
  const left: string[] = [];
  const back: string[] = [];
  const emails: string[] = [];
  const people: Person[] = [];
  for (const given of school.people) {
    if (!found.has(given.id)) {
      people.push(given); // not asked (a blank id): leave as it is
      continue;
    }
    const d = found.get(given.id) ?? null;
    const email = missingEmail(given, d);
    if (email) emails.push(given.id);
    const p = email ? { ...given, email } : given;
    const reason = d === null ? 'deleted' : d.enabled ? undefined : 'disabled';
    const { left: was, ...rest } = p;
    if (!reason) {
      if (was) back.push(p.id);
      people.push(rest);
      continue;
    }
    if (was?.reason === reason) {
      people.push(p);
      continue;
    }
    if (!was) left.push(p.id);
    // The manager is read while the account is only disabled; a deleted account keeps the name found then.
    const manager = reason === 'disabled' ? await directory.manager(p.id) : null;
    const managerName = manager?.name ?? was?.managerName;
    people.push({ ...rest, left: { on: was?.on ?? today, reason, ...(managerName ? { managerName } : {}) } });
  }
  return { people, left, back, emails, read: found.size };
}

const differ = (a: Person[], b: Person[], field: (p: Person) => unknown) => JSON.stringify(a.map(field)) !== JSON.stringify(b.map(field));
const leftMark = (p: Person) => p.left ?? null;
const emailOf = (p: Person) => p.email ?? null;

export async function checkDirectory(ctx: JobContext): Promise<DirectoryCheckResult> {
  const { deps, log } = ctx;
  const result: DirectoryCheckResult = { schools: 0, people: 0, left: 0, back: 0, emails: 0, recomputed: 0, failed: 0 };
  const directory = deps.directory;
  if (!directory) {
    if (!saidNoDirectory) log.info({ event: 'directory_check_skipped' }, 'Microsoft Graph is not configured: nobody is checked for having left');
    saidNoDirectory = true;
    return result;
  }
  for (const school of await deps.schools.list()) {
    if (ctx.signal?.aborted) break;
    let today: string;
    try {
      const cal = schoolContext(school).calendar;
      today = fromDayNumber(cal.timezone.localDay(deps.clock.now().getTime()));
    } catch (e) {
      log.error({ event: 'school_setup_invalid', schoolId: school.id, err: e }, 'school setup does not validate; its people are not checked');
      continue;
    }
    result.schools++;
    let update;
    try {
      update = await updatedPeople(directory, school, today);
    } catch (e) {
      // Graph busy or refusing: the marks stay as they are until tomorrow's run.
      result.failed++;
      log.error({ event: 'directory_check_failed', schoolId: school.id, err: e }, "could not read the school's people from the directory");
      continue;
    }
    result.people += update.read;
    const marksChanged = differ(school.people, update.people, leftMark);
    if (!marksChanged && !differ(school.people, update.people, emailOf)) continue;
    // The directory calls took a while: apply the marks to the school as it is now (an import may have run meanwhile).
    const current = (await deps.schools.get(school.id)) ?? school;
    const marks = new Map(update.people.map((p) => [p.id, p.left]));
    const found = new Map(update.people.map((p) => [p.id, p]));
    const people = current.people.map((p) => {
      if (!marks.has(p.id)) return p;
      const { left: _old, ...rest } = p;
      const left = marks.get(p.id);
      // An address typed in meanwhile (an import) wins over the directory's.
      const email = missingEmail(p, found.get(p.id) ?? null);
      const withEmail = email ? { ...rest, email } : rest;
      return left ? { ...withEmail, left } : withEmail;
    });
    const { outbox: _o, digests: _d, version: _v, ...setup } = current;
    await deps.schools.save({ ...setup, people });
    for (const id of update.left)
      log.info(
        { event: 'person_left', schoolId: school.id, personId: id, reason: marks.get(id)?.reason },
        'a role holder has left (directory account disabled or deleted)',
      );
    for (const id of update.back)
      log.info({ event: 'person_back', schoolId: school.id, personId: id }, 'a role holder marked as left is back in the directory');
    if (update.emails.length)
      log.info(
        { event: 'emails_filled', schoolId: school.id, personIds: update.emails },
        "role holders with no email address at the school were given the directory's",
      );
    result.left += update.left.length;
    result.back += update.back.length;
    result.emails += update.emails.length;
    // An address filled in changes nobody's duties; a leaver or a return does.
    if (!marksChanged) continue;
    const r = await recomputeOpenCases(deps, school.id);
    result.recomputed += r.changed;
    for (const f of r.failed)
      log.warn({ event: 'recompute_failed', schoolId: school.id, reference: f.reference, reason: f.reason }, 'an open case could not be re-derived');
  }
  return result;
}
