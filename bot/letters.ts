/**
 * The letter preview card (cards/letter-preview.json) and its actions. A letter someone's action
 * queued waits for them to read it (src/app/reviewLetter.ts): the `letter_review` message brings
 * this card to their chat, showing who it goes to and how, the subject, the text in an editable
 * box, and when it goes by itself. "Send now" (letter.send) lets it go with the text as left;
 * letter.refresh (a button, and the card's own refresh) shows where it stands. Once it has gone
 * (or been let go) the card is read-only and says by whom and when.
 *
 * Like the task card: the answer is the updated card; a refused action is answered with the
 * letter as it stands now, the reason on top (or under the text for a problem with the text),
 * and what was typed kept; a case the person may not see is "not found".
 */
import { loadSchool, type Deps, type SchoolContext } from '../src/app/caseFlow.js';
import { AppError } from '../src/app/errors.js';
import type { Clock, OutgoingMessage } from '../src/app/ports.js';
import { previewLetter, sendLetter, type LetterPreview } from '../src/app/reviewLetter.js';
import type { LetterKind } from '../src/letters/letters.js';
import type { Log } from '../src/log.js';
import type { CardData } from './cardTypes.js';
import { card, formatDay, formatInstant, personName, type CardOf } from './views.js';

export interface LetterEnv {
  deps: Deps;
  log: Log;
  clock: Clock;
}

const TITLES: Record<LetterKind, string> = {
  acknowledgement: 'Acknowledgement letter',
  outcome: 'Outcome letter',
  panel_invitation: 'Invitation to the panel hearing',
  hearing_cancelled: 'Letter saying the panel hearing is cancelled',
  panel_decision: "Letter with the panel's decision",
  extension: 'Letter about a new deadline',
  timescale: 'Letter with the new timescale',
  pause: 'Letter saying the procedure is suspended',
  withdrawal_confirmation: 'Letter confirming the withdrawal',
};

const blank = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const capital = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** "Tue 10 Nov 2026, 10:25" -> "10:25" when it is today at the school, the whole thing otherwise. */
function whenText(at: Date, now: Date, ctx: SchoolContext): string {
  const tz = ctx.calendar.timezone;
  const full = formatInstant(at, tz);
  return formatDay(at, tz) === formatDay(now, tz) ? `at ${full.slice(-5)}` : `on ${full.replace(', ', ' at ')}`;
}

/** What became of a letter that can no longer be edited, in one line. */
function statusLine(p: LetterPreview, ctx: SchoolContext): string {
  const tz = ctx.calendar.timezone;
  const approver = p.approved ? (personName(ctx.school, p.approved.by) ?? 'someone') : undefined;
  const editor = personName(ctx.school, p.editedBy ?? undefined);
  const edited = p.edited ? `, with the changes made by ${editor ?? approver ?? 'a colleague'}` : '';
  switch (p.status) {
    case 'sent': {
      const on = p.sentAt ? formatInstant(p.sentAt, tz) : 'an earlier date';
      if (p.transport === 'post')
        return `Handed over for printing and posting on ${on}${approver ? `, let go by ${approver}` : ''}${edited}: the complainant gets letters by post.`;
      return `${approver ? `Sent by ${approver}` : 'Sent automatically'} on ${on}${edited}.`;
    }
    case 'sending':
      return 'Being sent right now.';
    case 'failed':
      return 'This letter could not be sent and sending it has stopped. Ask your IT admin to look at the log.';
    default:
      return p.approved
        ? `Let go by ${approver} on ${formatInstant(p.approved.at, tz)}${edited}: it goes to the complainant within a few minutes.`
        : 'On its way: it goes to the complainant within a few minutes.';
  }
}

/** The card for a letter as it stands. `values.text` keeps what the person typed, if given. */
export function letterPreviewCard(
  p: LetterPreview,
  ctx: SchoolContext,
  now: Date,
  opts: { values?: Record<string, string>; errors?: Record<string, string>; notice?: string; refreshUserIds?: string[] } = {},
): CardOf {
  const editable = p.status === 'pending' && p.holdUntil !== null;
  const complainant = p.record.complainant.name;
  let when: string | undefined;
  if (editable)
    when =
      p.holdUntil!.getTime() > now.getTime()
        ? `Goes ${whenText(p.holdUntil!, now, ctx)} unless you send it sooner.`
        : 'Its waiting time is over: it goes within a few minutes unless you send it now.';
  const data: CardData['letter-preview'] = {
    caseId: p.record.id,
    key: p.key,
    version: p.record.version,
    reference: p.record.reference,
    schoolName: ctx.school.name,
    title: TITLES[p.kind],
    to: `${complainant} (${p.transport === 'mail' ? 'by email' : 'to be posted'})`,
    subject: p.subject,
    editable,
    ...(when ? { when } : {}),
    ...(editable ? {} : { status: statusLine(p, ctx) }),
    paragraphs: p.text
      .split(/\n\s*\n/)
      .map((t) => t.trim())
      .filter(Boolean)
      .map((text) => ({ text })),
    values: { text: opts.values?.text ?? p.text },
    errors: opts.errors ?? {},
    ...(opts.notice ? { notice: opts.notice } : {}),
    refreshUserIds: opts.refreshUserIds ?? [],
  };
  return card('letter-preview', data);
}

async function cardFor(env: LetterEnv, p: LetterPreview, opts: Parameters<typeof letterPreviewCard>[3]): Promise<CardOf> {
  return letterPreviewCard(p, await loadSchool(env.deps, p.record.schoolId), env.clock.now(), opts);
}

/** letter.send and letter.refresh: the answer is the letter's card as it now stands. */
export async function letterAction(env: LetterEnv, verb: string, data: Record<string, unknown>, actor: string, refreshUserIds: string[]): Promise<CardOf> {
  const caseId = blank(data.caseId);
  const key = blank(data.key);
  if (!caseId || !key) throw new AppError('CASE_NOT_FOUND', 'No complaint was found.', `${verb} without a caseId or key`);
  if (verb === 'letter.refresh') return cardFor(env, await previewLetter(env.deps, actor, { caseId, key }), { refreshUserIds });

  const typed = typeof data.text === 'string' ? data.text : undefined;
  const version = Number(data.version);
  const expectedVersion = Number.isInteger(version) && version >= 0 ? version : undefined;
  try {
    const after = await sendLetter(env.deps, actor, { caseId, key, ...(typed !== undefined ? { text: typed } : {}), expectedVersion });
    env.log.info({ event: 'letter_approved', caseId, key, actor, edited: after.edited }, 'letter let go from its preview card');
    const who = after.record.complainant.name;
    return cardFor(env, after, { refreshUserIds, notice: `Done: the letter goes to ${who} within a few minutes${after.edited ? ', as you edited it' : ''}.` });
  } catch (e) {
    // Not theirs, gone, or the database down: the usual answers (bot/app.ts failure()).
    if (!(e instanceof AppError) || ['CASE_NOT_FOUND', 'NOT_AUTHORISED', 'DATABASE_UNAVAILABLE'].includes(e.code) || e.field === 'key') throw e;
    env.log.info({ event: 'action_refused', verb, caseId, key, actor, code: e.code, field: e.field }, e.logMessage);
    const current = await previewLetter(env.deps, actor, { caseId, key });
    const text = capital(e.userMessage.replace(/^[\w.[\]]+: /, ''));
    const values = typed !== undefined ? { text: typed } : undefined;
    return cardFor(env, current, { refreshUserIds, ...(values ? { values } : {}), errors: e.field === 'text' ? { text } : { form: text } });
  }
}

/**
 * The card for a `letter_review` message (bot/views.ts messageToCard): the letter as it stands
 * when the message goes (already sent, it is read-only). Someone who may no longer see the case
 * gets a plain note with the reference only.
 */
export async function letterReviewCard(message: OutgoingMessage, deps: Deps, opts: { refreshUserIds?: string[] } = {}): Promise<CardOf> {
  const key = blank(message.data?.letterKey);
  const reference = blank(message.data?.reference) ?? 'A complaint';
  try {
    if (!message.caseId || !key) throw new AppError('CASE_NOT_FOUND', 'No complaint was found.', 'letter_review message without a case or letter');
    const p = await previewLetter(deps, message.to, { caseId: message.caseId, key });
    return letterPreviewCard(p, await loadSchool(deps, p.record.schoolId), deps.clock.now(), { refreshUserIds: opts.refreshUserIds ?? [] });
  } catch (e) {
    if (!(e instanceof AppError) || e.code === 'DATABASE_UNAVAILABLE') throw e;
    return card('message', {
      title: `${reference}: a letter to check`,
      text: 'This letter is no longer yours to check, or the complaint has been removed. Type "my cases" to see what you owe.',
      tone: 'default',
    });
  }
}
