/**
 * Up to three hearing slots for a chosen panel: inside the policy's window (hearingWindow: the
 * notice the policy asks for, the hearing deadline), on school days in school hours, when every
 * member and the organiser is free. Free/busy comes from the organiser's mailbox through
 * deps.calendar (Graph getSchedule); without Graph the slots follow the school calendar only.
 */
import { z } from 'zod';
import { fromDayNumber } from '../domain/dates.js';
import { hearingWindow, proposeSlots, searchRange, type HearingWindow, type Interval, type ProposedSlot } from '../domain/hearing.js';
import { AppError, fromDomain } from './errors.js';
import { loadCase, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import type { BusyTime, CaseRecord } from './ports.js';
import { checkedOrganiser, hearingPanel, panelProblems } from './panel.js';
import { requireManager, requireOpen } from './authorisation.js';
import { id, parseInput } from './validation.js';

export const proposeHearingDatesInput = z.object({
  caseId: id,
  memberIds: z.array(id).min(1, 'choose the panel members'),
  organiser: z.email('expected the email address of the mailbox that sends the invitation').optional(),
  durationMinutes: z.number().int().min(30).max(480).default(120),
});

export interface HearingProposal {
  record: CaseRecord;
  window: HearingWindow;
  slots: ProposedSlot[];
  /** Members whose calendars could not be read (their busy times are unknown). */
  unavailable: Array<{ id: string; name: string }>;
  /** False when Graph is not configured: the slots follow the school calendar only. */
  calendarsRead: boolean;
  /** Why no calendar could be read although Graph is configured (Microsoft 365 busy, a permission missing), in plain words. */
  calendarError?: string;
  organiser: string;
}

/** Graph refuses a free/busy window of 62 days or more. */
export const MAX_FREE_BUSY_MS = 61 * 86_400_000;
/** A tentative meeting or time away counts as busy: a hearing is not offered against it. Working elsewhere does not. */
const BUSY: ReadonlySet<BusyTime['status']> = new Set(['busy', 'tentative', 'oof', 'unknown']);

export interface SlotSearchResult {
  window: HearingWindow;
  slots: ProposedSlot[];
  unavailable: Array<{ id: string; name: string }>;
  calendarsRead: boolean;
  calendarError?: string;
}

/**
 * The window and free slots for these members (already checked) at the case's current stage,
 * from `now` on. Shared with the decline flow, which asks again for the same panel.
 */
export async function findHearingSlots(
  deps: Deps,
  ctx: SchoolContext,
  record: CaseRecord,
  members: Array<{ id: string; name: string; email?: string }>,
  organiser: string,
  durationMinutes: number,
): Promise<SlotSearchResult> {
  const now = deps.clock.now().getTime();
  const cal = ctx.calendar;
  const stage = record.state.stage;
  try {
    const window = hearingWindow({
      policy: ctx.policy,
      calendar: cal,
      stage,
      today: fromDayNumber(cal.timezone.localDay(now)),
      deadlines: record.state.deadlines,
    });
    const search = { calendar: cal, window, durationMinutes, notBefore: now };
    const range = searchRange(search);
    const busy: Interval[][] = [];
    const unavailable: SlotSearchResult['unavailable'] = [];
    let calendarsRead = false;
    let calendarError: string | undefined;
    if (deps.calendar && range.end > range.start) {
      // Graph answers under 62 days; past what was read nothing is known, so nothing is offered there.
      const end = Math.min(range.end, range.start + MAX_FREE_BUSY_MS);
      if (end < range.end) busy.push([{ start: end, end: range.end }]);
      const people = [
        ...members.map((m) => ({ id: m.id, name: m.name, email: m.email?.trim().toLowerCase() })),
        { id: organiser, name: organiser, email: organiser },
      ];
      const emails = [...new Set(people.flatMap((p) => (p.email ? [p.email] : [])))];
      let read: Awaited<ReturnType<NonNullable<Deps['calendar']>['freeBusy']>>;
      try {
        read = await deps.calendar.freeBusy(organiser, emails, new Date(range.start), new Date(end));
        calendarsRead = true;
      } catch (e) {
        // Still worth proposing dates from the school calendar; the card says nobody's calendar was read, and why.
        read = { busy: new Map(), unavailable: emails };
        calendarError = e instanceof Error ? e.message : String(e);
      }
      const unreadable = new Set(read.unavailable.map((a) => a.toLowerCase()));
      const byAddress = new Map([...read.busy].map(([a, times]) => [a.toLowerCase(), times]));
      for (const p of people) {
        const times = p.email ? byAddress.get(p.email) : undefined;
        if (!p.email || unreadable.has(p.email) || !times) {
          unavailable.push({ id: p.id, name: p.name });
          continue;
        }
        busy.push(times.filter((t) => BUSY.has(t.status)).map((t) => ({ start: t.start.getTime(), end: t.end.getTime() })));
      }
    }
    return { window, slots: proposeSlots({ ...search, busy }), unavailable, calendarsRead, ...(calendarError ? { calendarError } : {}) };
  } catch (e) {
    throw fromDomain(e);
  }
}

/** The panel members chosen, with their email addresses, or INVALID_INPUT naming memberIds with every problem. */
export function chosenPanel(ctx: SchoolContext, record: CaseRecord, memberIds: string[]) {
  const problems = panelProblems(ctx, record, memberIds);
  if (problems.length) {
    throw new AppError('INVALID_INPUT', problems.join(' '), `panel refused on case ${record.id}: ${problems.length} problem(s)`, 'memberIds');
  }
  return memberIds.map((id) => {
    const p = ctx.school.people.find((x) => x.id === id)!;
    return { id: p.id, name: p.name, email: p.email!.trim() };
  });
}

export async function proposeHearingDates(deps: Deps, actor: Actor, raw: z.input<typeof proposeHearingDatesInput>): Promise<HearingProposal> {
  const input = parseInput(proposeHearingDatesInput, raw);
  const { record, ctx } = await loadCase(deps, input.caseId, actor);
  requireManager(ctx, record, actor, 'propose hearing dates');
  requireOpen(record, 'propose hearing dates');
  hearingPanel(ctx, record, 'propose hearing dates');
  const members = chosenPanel(ctx, record, input.memberIds);
  const organiser = checkedOrganiser(ctx, record, actor, input.organiser);
  const found = await findHearingSlots(deps, ctx, record, members, organiser, input.durationMinutes);
  return { record, ...found, organiser };
}
