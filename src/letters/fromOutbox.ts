/**
 * From an outbox letter item (queued by the use cases in src/app) and its case and school, to
 * the kind and data `renderLetter` takes. The item's data was captured when the change was
 * saved; the case record fills in what the item does not carry (the decided stage's
 * deadlines, the hearing date, the complaint's routing role).
 *
 * | template                   | queued by                | letter kind                               |
 * |----------------------------|--------------------------|-------------------------------------------|
 * | acknowledgement_letter     | acknowledge.ts           | acknowledgement                           |
 * | outcome_letter             | recordOutcome.ts         | outcome, or panel_decision at a hearing   |
 * | hearing_invitation_letter  | scheduleHearing.ts, bookHearing.ts | panel_invitation                |
 * | hearing_cancelled_letter   | cancelHearing.ts         | hearing_cancelled                         |
 * | extension_letter           | extendDeadline.ts        | extension                                 |
 * | timescale_letter           | resumeCase.ts            | timescale                                 |
 * | pause_letter               | pauseCase.ts             | pause                                     |
 * | withdrawal_letter          | withdraw.ts              | withdrawal_confirmation                   |
 *
 * A letter someone edited on the letter preview card (src/app/reviewLetter.ts) carries the text
 * they approved in `data.editedText`: that text is the letter's body, the subject stays.
 */
import { schoolContext } from '../app/caseFlow.js';
import { complainantGetsEmail } from '../app/complainant.js';
import type { CaseRecord, OutboxItem, School } from '../app/ports.js';
import { fromDayNumber } from '../domain/dates.js';
import { DEADLINE_KINDS, OUTCOMES, type DeadlineKind, type Outcome } from '../domain/policy.js';
import { renderEditedLetter, renderLetter, type LetterData, type LetterDeadline, type LetterKind, type RenderedLetter } from './letters.js';

export const LETTER_TEMPLATES: Readonly<Record<string, LetterKind>> = {
  acknowledgement_letter: 'acknowledgement',
  outcome_letter: 'outcome',
  hearing_invitation_letter: 'panel_invitation',
  hearing_cancelled_letter: 'hearing_cancelled',
  extension_letter: 'extension',
  timescale_letter: 'timescale',
  pause_letter: 'pause',
  withdrawal_letter: 'withdrawal_confirmation',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const isKind = (v: unknown): v is DeadlineKind => typeof v === 'string' && (DEADLINE_KINDS as readonly string[]).includes(v);
const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && (OUTCOMES as readonly string[]).includes(v);

export function letterFromOutbox(item: OutboxItem, record: CaseRecord, school: School): { kind: LetterKind; data: LetterData } {
  if (item.kind !== 'letter') throw new Error(`outbox item ${item.key} is a ${item.kind}, not a letter`);
  let kind = LETTER_TEMPLATES[item.template];
  if (!kind)
    throw new Error(
      `outbox item ${item.key}: no letter for template ${JSON.stringify(item.template)}; expected one of ${Object.keys(LETTER_TEMPLATES).join(', ')}`,
    );
  const { policy, calendar } = schoolContext(school);
  const d = item.data;
  const localDay = (at: Date) => fromDayNumber(calendar.timezone.localDay(at.getTime()));
  const summaryStage = num(d.stage) ?? record.state.stage;
  const stage = num(d.decidedStage) ?? summaryStage;

  // Deadlines: the item's (open at the time, all of the stage it was queued at), then the case's for the rest.
  const deadlines: LetterDeadline[] = [];
  const seen = new Set<string>();
  const add = (x: LetterDeadline) => {
    const k = `${x.stage}:${x.kind}`;
    if (seen.has(k)) return;
    seen.add(k);
    deadlines.push(x);
  };
  if (Array.isArray(d.deadlines)) {
    for (const x of d.deadlines as Array<Record<string, unknown>>) {
      const due = str(x.due);
      if (!isKind(x.kind) || !due) continue;
      add({ stage: x.kind === 'stages_target' ? (num(x.stage) ?? 1) : summaryStage, kind: x.kind, due, ...(str(x.owner) ? { owner: str(x.owner)! } : {}) });
    }
  }
  for (const x of record.state.deadlines) add({ stage: x.stage, kind: x.kind, due: x.due, owner: x.owner, metOn: x.metOn });

  const hearingEvent = [...record.events].reverse().find((e) => e.type === 'hearing_scheduled' && e.stage === stage);
  const stagePolicy = policy.stages[stage - 1];
  if (kind === 'outcome' && stagePolicy?.panel?.hearing) kind = 'panel_decision';

  const data: LetterData = {
    schoolName: str(d.school) ?? school.name,
    complainantName: record.complainant.name,
    reference: record.reference,
    policy,
    stage,
    ...(record.about.role ? { aboutRole: record.about.role } : {}),
    date: localDay(item.createdAt),
    deadlines,
  };
  const received = [...record.events]
    .reverse()
    .find((e) => (e.type === 'received' || e.type === 'escalation_requested') && e.at.getTime() <= item.createdAt.getTime());
  if (kind === 'acknowledgement' && stage === record.state.stage) data.stageReceivedOn = record.state.stageReceivedOn;
  else if (kind === 'acknowledgement' && received) data.stageReceivedOn = localDay(received.at);
  if (isOutcome(d.outcome)) data.outcome = d.outcome;
  if (str(d.decision)) data.decision = str(d.decision)!;
  if (kind === 'outcome' || kind === 'panel_decision') {
    data.closed = d.status === 'closed';
    const hearingOn = hearingEvent?.hearingOn;
    if (hearingOn) data.hearingOn = hearingOn;
  }
  if (kind === 'panel_invitation') {
    // A hearing booked at a time (bookHearing.ts) is written with it: "Tuesday 15 December 2026 at 10:00".
    const hearingOn = str(d.hearingStart) ?? str(d.hearingOn) ?? hearingEvent?.hearingOn;
    if (hearingOn) data.hearingOn = hearingOn;
    const previous = str(d.previousHearingStart) ?? str(d.previousHearingOn);
    if (previous) data.previousHearingOn = previous;
    // Booked at a time: where, and whether online; the joining link is in the Outlook invitation, sent only to a complainant who gets email.
    if (str(d.hearingEnd)) data.hearingEnd = str(d.hearingEnd)!;
    if (str(d.venue)) data.venue = str(d.venue)!;
    if (typeof d.online === 'boolean') {
      data.online = d.online;
      data.calendarInvitation = complainantGetsEmail(record.complainant);
    }
    // The letter's own dates win over the case's: they were worked out for this hearing date.
    for (const [field, k] of [
      ['papersDue', 'panel_papers'],
      ['companionRequestDue', 'companion_notice'],
    ] as const) {
      const due = str(d[field]);
      const i = deadlines.findIndex((x) => x.stage === stage && x.kind === k);
      if (due && i >= 0) deadlines[i] = { ...deadlines[i]!, due };
      else if (due) deadlines.push({ stage, kind: k, due });
      else if (field === 'companionRequestDue' && i >= 0) deadlines.splice(i, 1);
    }
  }
  if (kind === 'hearing_cancelled') {
    const hearingOn = str(d.hearingStart) ?? str(d.hearingOn);
    if (hearingOn) data.hearingOn = hearingOn;
    if (str(d.hearingEnd)) data.hearingEnd = str(d.hearingEnd)!;
    // The Outlook event is cancelled too (src/graph/hearingCalendar.ts); the complainant had it only if they get email.
    data.calendarInvitation = d.calendarEvent === true && complainantGetsEmail(record.complainant);
  }
  if (str(d.reason)) data.reason = str(d.reason)!;
  if (kind === 'extension') {
    const k = d.kind;
    const previousDue = str(d.previousDue);
    const newDue = str(d.newDue);
    if (!isKind(k) || !previousDue || !newDue) throw new Error(`outbox item ${item.key}: an extension letter needs kind, previousDue and newDue`);
    data.extension = { kind: k, previousDue, newDue };
  }
  if (kind === 'pause') data.pausedOn = str(d.pausedOn) ?? localDay(item.createdAt);
  if (kind === 'timescale') {
    const resumed = [...record.events].reverse().find((e) => e.type === 'resumed' && e.at.getTime() <= item.createdAt.getTime());
    data.resumedOn = localDay(resumed?.at ?? item.createdAt);
  }
  if (kind === 'withdrawal_confirmation') {
    const withdrawn = [...record.events].reverse().find((e) => e.type === 'withdrawn');
    data.withdrawnOn = str(d.withdrawnOn) ?? (withdrawn ? localDay(withdrawn.at) : localDay(item.createdAt));
    if (record.state.retainUntil) data.retainUntil = record.state.retainUntil;
  }
  return { kind, data };
}

/** The letter an outbox item stands for, rendered. */
export function renderOutboxLetter(item: OutboxItem, record: CaseRecord, school: School): RenderedLetter & { kind: LetterKind } {
  const { kind, data } = letterFromOutbox(item, record, school);
  const letter = renderLetter(kind, data);
  const edited = item.data.editedText;
  return { kind, ...(typeof edited === 'string' && edited.trim() ? renderEditedLetter(letter.subject, edited) : letter) };
}
