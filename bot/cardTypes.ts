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
    can: { acknowledge: boolean; outcome: boolean; extend: boolean; reassign: boolean; escalate: boolean };
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
  digest: { schoolName: string; date: string; items: Array<{ caseId: string; reference: string; stage: number; label: string; dueText: string; owner: string }> };
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
] as const;
export type Verb = (typeof VERBS)[number];
