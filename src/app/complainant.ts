/**
 * How the school reaches the complainant, as one rule for every part that asks: the letter
 * mailer (email or post, src/letters/mailer.ts), the hearing event (is the complainant an
 * attendee, src/graph/hearingCalendar.ts), the hearing status on the cards and the letters
 * themselves (is the joining link in an invitation they were emailed).
 */
import type { Complainant } from './ports.js';

/**
 * The complainant's email address when they get email from the school: they gave one and did
 * not ask for letters by post. Undefined otherwise (their letters are printed and posted, and
 * they are not sent the Outlook invitation).
 */
export function complainantEmail(complainant: Pick<Complainant, 'email' | 'preferredContact'>): string | undefined {
  const address = complainant.email?.trim();
  return address && complainant.preferredContact !== 'letter' ? address : undefined;
}

/** Whether the complainant gets email from the school (letters by mail, the calendar invitation). */
export function complainantGetsEmail(complainant: Pick<Complainant, 'email' | 'preferredContact'>): boolean {
  return complainantEmail(complainant) !== undefined;
}
