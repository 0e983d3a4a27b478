/**
 * The contract between the conversation logic (bot/app.ts) and the card templates (cards/*.json,
 * bound by bot/cards.ts): each card's name and the data it is bound with. Every card that takes
 * input carries `values` (what the person typed, so going back or an error keeps it) and
 * `errors` (field name -> message, shown next to that field). Actions are Universal Actions
 * (Action.Execute) whose `verb` is listed here; their `data` always includes what is named.
 */

export type FieldErrors = Record<string, string>;

export interface DeadlineView {
  stage: number;
  kind: string;
  /** "Acknowledge", "Respond", "Hearing notice" ... */
  label: string;
  due: string;
  /** "Tue 10 Nov 2026" */
  dueText: string;
  /** When it was met, as display text ("Tue 10 Nov 2026"), or null. */
  metOn?: string | null;
  overdue: boolean;
  owner: string;
}

export interface CaseHeader {
  caseId: string;
  reference: string;
  schoolName: string;
  policyName: string;
  stage: number;
  stageName: string;
  status: string;
  handlerName?: string;
  receivedOn: string;
  /** One line, no personal details beyond what the handler needs: category and who it is about. */
  subject: string;
  version: number;
}

export interface CardData {
  /** On install in personal scope. */
  welcome: { userName?: string; schoolName?: string; commands: Array<{ title: string; description: string }> };
  help: { commands: Array<{ title: string; description: string }>; text?: string };
  /** A short answer (unknown command, "nothing to do", a refusal in plain words). */
  message: { title: string; text: string; tone?: 'default' | 'good' | 'warning' | 'attention' };
  /** First run: no school yet. Verbs: setup.submit. */
  /** Each role's field id is `role_<roleId>`. */
  setup: {
    policies: Array<{ id: string; name: string }>;
    regions: Array<{ id: string; name: string }>;
    /** Term-date presets offered as starting points: id, label and the terms text they fill in. */
    presets: Array<{ id: string; label: string; termsText: string }>;
    /** Policy roles to fill: one email/UPN/directory id list each. */
    roles: Array<{ id: string; label: string }>;
    values: Record<string, string>;
    errors: FieldErrors;
  };
  /** Intake steps. Verbs: intake.next, intake.back, intake.cancel (data: draftId, step). */
  'intake-complainant': { draftId: string; step: 'complainant'; values: Record<string, string>; errors: FieldErrors };
  'intake-about': { draftId: string; step: 'about'; roles: Array<{ id: string; label: string }>; values: Record<string, string>; errors: FieldErrors };
  'intake-category': {
    draftId: string;
    step: 'category';
    categories: Array<{ id: string; label: string }>;
    outOfScope: Array<{ id: string; label: string; signpost: string }>;
    values: Record<string, string>;
    errors: FieldErrors;
  };
  /** What happened and when; `late` is set when the time limit has passed (the late path asks for a reason). */
  'intake-details': { draftId: string; step: 'details'; timeLimit?: string; late?: { message: string }; values: Record<string, string>; errors: FieldErrors };
  'intake-outcome': { draftId: string; step: 'outcome'; values: Record<string, string>; errors: FieldErrors };
  /** Verb intake.submit records it; possible duplicates are listed to link or keep separate. */
  'intake-review': {
    draftId: string;
    step: 'review';
    summary: Array<{ label: string; value: string }>;
    duplicates: Array<{ caseId: string; reference: string; receivedOn: string; summary: string }>;
    /** Keeps the duplicates choice when the card comes back with an error. */
    values?: Record<string, string>;
    errors: FieldErrors;
  };
  /** After recording: the reference, handler and computed deadlines. */
  'intake-confirmation': { reference: string; handlerName: string; handlerRole: string; deadlines: DeadlineView[] };
  /**
   * A stage task in the responsible person's 1:1 chat. Verbs: case.acknowledge, case.outcome,
   * case.extend, case.reassign, case.escalate, case.refresh (data: caseId, version). Shows the
   * current state to whoever opens it; the buttons appear only where `can` allows.
   */
  'case-task': {
    header: CaseHeader;
    deadlines: DeadlineView[];
    /**
     * `bookPanel`: open the panel card (panel.open) for whoever manages the case: the booking of a
     * hearing stage, or the draw of a subgroup picked at random (KPSSPP Stage One).
     */
    can: { acknowledge: boolean; outcome: boolean; extend: boolean; reassign: boolean; escalate: boolean; bookPanel: boolean };
    /** The booked hearing in words ("Tue 15 Dec 2026, 10:00-12:00"), when there is one. */
    hearing?: string;
    /** The panel button's title where it is not a hearing's: "Draw the subgroup", "Complaints subgroup". */
    panelTitle?: string;
    /** The subgroup drawn for the stage, convener first: "Mhairi Member (convener), Morag Member and Malcolm Member". */
    subgroup?: string;
    outcomes: Array<{ id: string; label: string }>;
    extendable: Array<{ kind: string; label: string }>;
    people: Array<{ id: string; name: string }>;
    values: Record<string, string>;
    errors: FieldErrors;
    /** Set when the card was acted on: "Acknowledged by Hana Head on Mon 9 Nov". */
    notice?: string;
    /** Teams refreshes the card for these users (the people involved) so it always shows the current state; at most 60 (Teams' limit). */
    refreshUserIds: string[];
  };
  /** Read-only view of a case (`case <ref>`). */
  'case-view': { header: CaseHeader; deadlines: DeadlineView[]; history: Array<{ at: string; text: string }> };
  /** `my cases` and `overdue`: a list of cases, each with a button (verb case.open, data caseId). */
  'case-list': { title: string; empty: string; cases: Array<{ caseId: string; reference: string; stage: number; status: string; next?: string; overdue: number }> };
  /** A deadline nudge (due_soon, due_today, overdue). Verb case.open. */
  nudge: { level: 'due_soon' | 'due_today' | 'overdue'; header: CaseHeader; deadline: DeadlineView };
  /** SLT's daily digest, one card per school. */
  digest: {
    schoolName: string;
    date: string;
    items: Array<{ caseId: string; reference: string; stage: number; label: string; dueText: string; owner: string }>;
    /**
     * People who have left (directory account disabled or deleted), when there are any: `left`
     * "Account disabled, noticed Tue 10 Nov 2026", their manager's name when the directory gave
     * one, the open cases still theirs (verb case.open) and `casesText` saying what to do.
     */
    leavers?: Array<{ name: string; left: string; manager?: string; casesText: string; cases: Array<{ caseId: string; reference: string }> }>;
  };
  /**
   * Booking the panel hearing (bot/panel.ts), one card in steps. Buttons send `{ caseId, version,
   * events }` (`events`: how many events the case had when the card was drawn), and on the date
   * step the choice made on the first (`PanelChoice`). Verbs: panel.propose (choose -> date),
   * panel.back (date -> choose, keeping the choice), panel.book, panel.responses, panel.reschedule
   * (booked -> date), panel.cancel (with cancelReason), panel.answer (booked: the complainant's
   * answer), panel.open (any step: the case as it stands). Fields: memberIds (comma-separated),
   * organiser, venue, online, durationMinutes; slot (a start, or "other"), otherStart, reason;
   * cancelReason; complainantAnswer (accepted or declined), answerReceivedOn, answerNote.
   */
  'panel-booking': PanelBookingCard;
  /**
   * Drawing the complaints subgroup at random (bot/panel.ts; KPSSPP Stage One), opened with
   * panel.open like the booking. Buttons send `{ caseId, version, events }`. Verbs: panel.draw
   * (the first draw; with drawReason, a new draw replacing the whole subgroup), panel.replace
   * (replaceMemberId, replaceReason), panel.open (the subgroup as it stands).
   */
  'panel-draw': PanelDrawCard;
  /**
   * A letter to the complainant, for the person whose action queued it to read and edit before it
   * goes (bot/letters.ts). Verbs: letter.send (data: caseId, key, version; with the text typed),
   * letter.refresh (data: caseId, key; also the card's refresh). Field: text.
   */
  'letter-preview': LetterPreviewCard;
}

export interface LetterPreviewCard {
  caseId: string;
  key: string;
  version: number;
  reference: string;
  schoolName: string;
  /** "Acknowledgement letter", "Outcome letter", "Panel hearing invitation" ... */
  title: string;
  /** "Priya Parent (by email)" or "Priya Parent (to be posted)". */
  to: string;
  subject: string;
  /** Still held: the text can be edited and sent now. Otherwise the card is read-only. */
  editable: boolean;
  /** When it goes by itself: "Goes at 10:25 unless you send it sooner." (editable only). */
  when?: string;
  /** What became of it: "Sent by Gail Clerk on Tue 10 Nov 2026, 10:25", "Edited by ..." (read-only). */
  status?: string;
  /** The letter's text as it went, paragraph by paragraph (read-only). The editable text is values.text. */
  paragraphs: Array<{ text: string }>;
  values: Record<string, string>;
  errors: FieldErrors;
  notice?: string;
  refreshUserIds: string[];
}

/** What the first step chose, carried by the date step's buttons. */
export interface PanelChoice {
  memberIds: string;
  organiser: string;
  venue: string;
  online: string;
  durationMinutes: string;
}

export interface PanelBookingCard {
  step: 'choose' | 'date' | 'booked' | 'declined';
  header: CaseHeader;
  /**
   * How many events the case had when the card was drawn: on a version conflict, the bot acts on
   * the current version when everything since is the system's own record-keeping. Required on
   * the steps with buttons that change the case (choose, date, booked); the declined step has none.
   */
  eventCount?: number;
  /** The policy's panel rule in words, with its section ("At least 3 people ... (NMAT §14)"). */
  rule: string;
  notice?: string;
  noticeTone?: 'good' | 'warning';
  values: Record<string, string>;
  errors: FieldErrors;
  choose?: {
    /** Does the choice shown meet the rule, in words; `ruleMet` colours it. */
    ruleStatus: string;
    ruleMet: boolean;
    /** Eligible members; `title` marks the independent ones. */
    candidates: Array<{ id: string; title: string }>;
    excluded: Array<{ name: string; why: string }>;
    /** The mailboxes the invitation may come from (the clerk's, SLT's, the person's own): "Gail Clerk (gail@...)". */
    organisers: Array<{ value: string; title: string }>;
    /** The length shown in the number field, as a number (the renderer reads a string there as empty). */
    durationMinutes: number;
  };
  date?: {
    /** "Between Mon 14 Dec 2026 and Fri 18 Dec 2026: ..." */
    window: string;
    /** The panel chosen, in words. */
    panel: string;
    /** Up to 3 proposals; `title` says when one is outside the window. */
    slots: Array<{ value: string; title: string }>;
    /** Calendars that could not be read, or why none were, in words. */
    unavailable?: string;
    /** Moving a booked hearing: the reason is required. */
    rescheduling: boolean;
    choice: PanelChoice;
  };
  booked?: {
    when: string;
    where: string;
    joinUrl?: string;
    organiser: string;
    /** Whether the Outlook invitation has gone out yet ("Sending the Outlook invitation", "Sent ...", "Refused by Outlook"). */
    invitation: string;
    /** Outlook refused it: why, and what to do, shown in the attention colour. */
    invitationProblem?: string;
    members: Array<{ name: string; answer: string; declined: boolean }>;
    complainant: string;
    /**
     * The complainant's answer to this date as recorded ("Accepted on Tue 1 Dec 2026, recorded by
     * Gail Clerk", "No answer yet"), and how it reaches the school (`how`: for a complainant not
     * sent the Outlook invitation, that it must be recorded here when it arrives).
     */
    answer: { text: string; how: string };
    /** NMAT: the dates offered to the complainant and what became of each. */
    dates: Array<{ hearingOn: string; offeredOn: string; status: string }>;
    rejected?: string;
    /** Set once the complainant has rejected enough dates that the hearing may go ahead without them. */
    mayProceed?: string;
  };
  /** A panel member declined: who, and the next free slots. */
  declined?: { text: string; slots: string[] };
}

export interface PanelDrawCard {
  /** `draw`: nobody drawn yet; `drawn`: the subgroup as it stands. */
  step: 'draw' | 'drawn';
  header: CaseHeader;
  /** How many events the case had when the card was drawn (see PanelBookingCard). */
  eventCount: number;
  /** The rule in words: "3 KPSSPP members picked at random, leaving out ..." */
  rule: string;
  /** The policy's own words, with its section: 'KPSSPP Stage One: "Three ... member names will be picked at random ..."'. */
  cite: string;
  /** Who the draw picks from, and how many: "4 KPSSPP members can be drawn:". */
  poolText: string;
  pool: Array<{ name: string }>;
  excluded: Array<{ name: string; why: string }>;
  /** The draw button: "Draw 3 at random". Absent when too few can be drawn (`cannotDraw` says why). */
  drawTitle?: string;
  cannotDraw?: string;
  notice?: string;
  noticeTone?: 'good' | 'warning';
  values: Record<string, string>;
  errors: FieldErrors;
  drawn?: {
    /** Convener first; `role`: "Convener: handles stage 1 and owes its response" or "Member". */
    members: Array<{ name: string; role: string }>;
    /** "Drawn at random by Chris Chair on Wed 4 Nov 2026, 09:30." */
    when: string;
    /** Every draw and replacement of the stage, oldest first, as the case history words them. */
    history: Array<{ text: string }>;
    /** Who may be replaced (the members drawn): the replaceMemberId choices. */
    replaceable: Array<{ id: string; title: string }>;
  };
}

export type CardName = keyof CardData;

/** Verbs the cards send, handled by bot/app.ts. */
export const VERBS = [
  'setup.submit',
  'intake.next',
  'intake.back',
  'intake.cancel',
  'intake.submit',
  'case.open',
  'case.refresh',
  'case.acknowledge',
  'case.outcome',
  'case.extend',
  'case.reassign',
  'case.escalate',
  'panel.open',
  'panel.propose',
  'panel.back',
  'panel.book',
  'panel.responses',
  'panel.reschedule',
  'panel.cancel',
  'panel.answer',
  'panel.draw',
  'panel.replace',
  'letter.send',
  'letter.refresh',
] as const;
export type Verb = (typeof VERBS)[number];
