/**
 * The letter preview: whoever's action queued a letter to the complainant (an acknowledgement,
 * an outcome, a panel invitation ...) reads it, and may edit it, before it goes. applyToCase
 * holds such letters for `deps.letterReviewMs` (LETTER_REVIEW_MINUTES) and sends that person a
 * `letter_review` message that brings the preview card; if they do nothing, the letter goes when
 * the time is up, as the policy's wording has it. "Send now" lets it go at once, with their text.
 *
 * Approving is recorded on the case as `letter_approved` (details: key, edited) in the SAME
 * conditional update that releases the letter (CaseStore.releaseLetter), not through
 * applyToCase: releasing changes an outbox item already queued, which applyToCase (append only)
 * cannot express, and one update means the history can never say a letter was approved and
 * edited when in fact the original had already gone, nor the reverse.
 *
 * Who may: anyone who manages the case (requireManager), and the person the review was sent to
 * (who may have just passed the case on, e.g. KPSSPP "undecided" moves it to another stage).
 */
import { z } from 'zod';
import { formatLetterDate, type LetterKind } from '../letters/letters.js';
import { renderOutboxLetter } from '../letters/fromOutbox.js';
import { letterTransport, type LetterTransport } from '../letters/mailer.js';
import { managesCase, notAuthorised } from './authorisation.js';
import { loadCase, type Actor, type Deps, type SchoolContext } from './caseFlow.js';
import { AppError } from './errors.js';
import type { CaseRecord, OutboxItem, StoredEvent } from './ports.js';
import { expectedVersion, id, parseInput } from './validation.js';

/** Far above any letter the templates write (an outcome with an 8,000-character decision is about 10,000). */
export const LETTER_MAX_CHARS = 20_000;

export const previewLetterInput = z.object({ caseId: id, key: id });

export const sendLetterInput = z.object({
  caseId: id,
  key: id,
  /** The letter as the person left it on the card; absent: send it as written. */
  text: z
    .string()
    .max(LETTER_MAX_CHARS, `the letter is too long: keep it under ${LETTER_MAX_CHARS.toLocaleString('en-GB')} characters`)
    .refine((s) => s.trim().length > 0, 'the letter is empty: write the letter, or refresh the card to start again from the original')
    .optional(),
  expectedVersion,
});

export interface LetterPreview {
  record: CaseRecord;
  key: string;
  kind: LetterKind;
  template: string;
  subject: string;
  /** The text that goes (or went): the edited text if someone edited it. */
  text: string;
  /** Not sent before then (null once released, or never held). */
  holdUntil: Date | null;
  status: OutboxItem['status'];
  sentAt: Date | null;
  edited: boolean;
  /** Who edited it, when it was edited. */
  editedBy: string | null;
  /** By mail, or left for the school to print and post (the mailer's rule). */
  transport: LetterTransport;
  /** Who let it go and when, if someone did (`letter_approved`). */
  approved: StoredEvent | null;
}

const LETTER_APPROVED = 'letter_approved';

/** The same letter whatever the line endings and trailing spaces the card sent back. */
const normalise = (s: string) =>
  s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

function letterOf(record: CaseRecord, key: string): OutboxItem {
  const item = record.outbox.find((o) => o.key === key && o.kind === 'letter');
  if (!item)
    throw new AppError(
      'INVALID_INPUT',
      `${record.reference} has no letter like that to check: it may have been removed.`,
      `no letter ${key} on case ${record.id}`,
      'key',
    );
  return item;
}

/** Managers of the case, and the person whose action queued the letter (its review went to them). */
function requireReviewer(ctx: SchoolContext, record: CaseRecord, actor: Actor, key: string, doing: string): void {
  const reviewer = record.outbox.find((o) => o.key === `${key}:review`)?.to;
  if (reviewer !== actor && !managesCase(ctx.school, record, actor)) throw notAuthorised(record, actor, "the complaint's handler, SLT or the clerk", doing);
}

const approvalOf = (record: CaseRecord, key: string) => [...record.events].reverse().find((e) => e.type === LETTER_APPROVED && e.details?.key === key) ?? null;

function preview(record: CaseRecord, ctx: SchoolContext, item: OutboxItem): LetterPreview {
  const letter = renderOutboxLetter(item, record, ctx.school);
  return {
    record,
    key: item.key,
    kind: letter.kind,
    template: item.template,
    subject: letter.subject,
    text: letter.text.trim(),
    holdUntil: item.holdUntil ? new Date(item.holdUntil) : null,
    status: item.status,
    sentAt: item.sentAt ? new Date(item.sentAt) : null,
    edited: typeof item.data.editedText === 'string',
    editedBy: typeof item.data.editedBy === 'string' ? item.data.editedBy : null,
    transport: letterTransport(record.complainant),
    approved: approvalOf(record, item.key),
  };
}

/** The letter as it stands: what it says, whether it is still held, sent, edited, and by whom. */
export async function previewLetter(deps: Deps, actor: Actor, raw: z.input<typeof previewLetterInput>): Promise<LetterPreview> {
  const input = parseInput(previewLetterInput, raw);
  const { record, ctx } = await loadCase(deps, input.caseId, actor);
  const item = letterOf(record, input.key);
  requireReviewer(ctx, record, actor, input.key, 'read the letters of this complaint');
  return preview(record, ctx, item);
}

/** Why the letter can no longer be let go or changed, in plain words; undefined if it can. */
function refusal(record: CaseRecord, ctx: SchoolContext, item: OutboxItem): AppError | undefined {
  const tz = ctx.policy.defaults.timezone;
  const when = (at: Date | undefined) => (at ? formatLetterDate(new Date(at).toISOString(), tz) : 'an earlier date');
  const log = `send letter refused: ${item.key} on case ${record.id} is ${item.status}`;
  if (item.status === 'sent') return new AppError('NOT_ALLOWED', `This letter was already sent on ${when(item.sentAt)}, so it can no longer be changed.`, log);
  if (item.status === 'sending') return new AppError('NOT_ALLOWED', 'This letter is being sent right now, so it can no longer be changed.', log);
  if (item.status === 'failed')
    return new AppError(
      'NOT_ALLOWED',
      'This letter could not be sent and sending it has stopped. Ask your IT admin to look at the log; nothing was changed.',
      log,
    );
  const approved = approvalOf(record, item.key);
  if (approved && !item.holdUntil) {
    const who = ctx.school.people.find((p) => p.id === approved.by)?.name ?? 'someone';
    return new AppError(
      'NOT_ALLOWED',
      `${who} already let this letter go on ${when(approved.at)}; it is on its way to the complainant.`,
      `send letter refused: ${item.key} already approved`,
    );
  }
  return undefined;
}

const conflict = (record: CaseRecord, expected: number | undefined) =>
  new AppError(
    'VERSION_CONFLICT',
    `This complaint (${record.reference}) was changed by someone else after this letter was shown. Check the letter and send it again.`,
    `version conflict on ${record.id}: expected ${expected}, found ${record.version}`,
  );

/**
 * Lets a held letter go now, with `text` if the person changed it (a text identical to the
 * letter as written, line endings and trailing spaces aside, is not an edit). Records
 * `letter_approved` {key, edited}. Returns the letter as it now stands.
 */
export async function sendLetter(deps: Deps, actor: Actor, raw: z.input<typeof sendLetterInput>): Promise<LetterPreview> {
  const input = parseInput(sendLetterInput, raw);
  const { record, ctx } = await loadCase(deps, input.caseId, actor);
  const item = letterOf(record, input.key);
  requireReviewer(ctx, record, actor, input.key, 'send the letters of this complaint');
  const refused = refusal(record, ctx, item);
  if (refused) throw refused;
  if (input.expectedVersion !== undefined && input.expectedVersion !== record.version) throw conflict(record, input.expectedVersion);

  const current = preview(record, ctx, item);
  const text = input.text === undefined ? undefined : normalise(input.text);
  const edited = text !== undefined && text !== normalise(current.text);
  const at = deps.clock.now();
  const event: StoredEvent = { type: LETTER_APPROVED, at, by: actor, stage: record.state.stage, details: { key: item.key, edited } };
  const released = await deps.cases.releaseLetter(record.id, item.key, {
    ...(edited ? { text, editedBy: actor } : {}),
    at,
    event,
    expectedVersion: record.version,
  });
  if (!released) {
    // Claimed by the outbox, or changed by someone else, between reading and releasing it.
    const now = await loadCase(deps, input.caseId, actor);
    throw refusal(now.record, now.ctx, letterOf(now.record, item.key)) ?? conflict(now.record, record.version);
  }
  const after = await loadCase(deps, input.caseId, actor);
  return preview(after.record, after.ctx, letterOf(after.record, item.key));
}
