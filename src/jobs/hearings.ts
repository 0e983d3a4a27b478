/**
 * hearings.responses: reads the answers to every hearing invitation still ahead, so a member's
 * decline reaches the clerk (with the next free slots) without anyone opening the case, and
 * NMAT's count of the complainant's answers moves on by itself. Only with Microsoft Graph.
 *
 * For each open case whose current stage has a booked, not cancelled, future hearing with a
 * calendar event, checkHearingResponses runs as the system: it records answers only when they
 * changed and queues each decline message once (by key), so running it twice does nothing twice.
 */
import { SYSTEM, schoolContext, type SchoolContext } from '../app/caseFlow.js';
import { checkHearingResponses, currentHearing } from '../app/checkHearingResponses.js';
import { AppError } from '../app/errors.js';
import type { JobContext } from './handlers.js';

export interface HearingResponsesResult {
  schools: number;
  /** Cases with a hearing ahead whose answers were read. */
  checked: number;
  /** Cases where an answer changed. */
  changed: number;
  /** Panel members' declines newly flagged. */
  declined: number;
  failed: number;
}

export async function checkHearingAnswers(ctx: JobContext): Promise<HearingResponsesResult> {
  const { deps } = ctx;
  const result: HearingResponsesResult = { schools: 0, checked: 0, changed: 0, declined: 0, failed: 0 };
  if (!deps.calendar) return result; // nothing to read without Graph
  const now = deps.clock.now();
  for (const school of await deps.schools.list()) {
    if (ctx.signal?.aborted) break;
    let sc: SchoolContext;
    try {
      sc = schoolContext(school);
    } catch (e) {
      ctx.log.error({ event: 'school_setup_invalid', schoolId: school.id, err: e }, 'school setup does not validate; its jobs are skipped');
      continue;
    }
    result.schools++;
    for (const record of await deps.cases.find({ schoolId: school.id, status: 'open' })) {
      if (ctx.signal?.aborted) break;
      const h = currentHearing(record, sc, now);
      if (!h || h.cancelled || !h.eventId || h.start.getTime() <= now.getTime()) continue;
      result.checked++;
      try {
        const r = await checkHearingResponses(deps, SYSTEM, { caseId: record.id });
        if (r.record.version !== record.version) result.changed++;
        result.declined += r.declined.length;
        if (r.declined.length)
          ctx.log.info(
            { event: 'panel_member_declined', caseId: record.id, booking: h.booking, declined: r.declined },
            'a panel member declined the hearing; the clerk is told',
          );
      } catch (e) {
        // One case whose event cannot be read (deleted in Outlook, Graph busy) must not stop the others.
        if (e instanceof AppError && e.code === 'DATABASE_UNAVAILABLE') throw e;
        result.failed++;
        ctx.log.warn(
          { event: 'hearing_responses_failed', caseId: record.id, booking: h.booking, error: (e as Error).message },
          'could not read the answers to this hearing invitation',
        );
      }
    }
  }
  return result;
}
