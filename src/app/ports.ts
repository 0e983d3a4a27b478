/**
 * What the use cases need from the outside world. The domain and the use cases speak these
 * types; `src/store` implements CaseStore and SchoolStore on MongoDB, tests use the in-memory
 * fakes in `src/app/memory.ts`, and Teams and Graph adapters implement Messenger later.
 */
import type { CalendarInput } from '../domain/calendar.js';
import type { CaseFlag, CaseStatus } from '../domain/case.js';
import type { DeadlineKind, Outcome, PolicyInput } from '../domain/policy.js';

export interface Clock {
  now(): Date;
}

export type ContactMethod = 'email' | 'phone' | 'letter';

export interface Complainant {
  name: string;
  email?: string;
  phone?: string;
  address?: string;
  relationship: string;
  preferredContact: ContactMethod;
}

/** An event as stored: the domain's events plus the record-keeping ones the fold does not need. */
export interface StoredEvent {
  type: string;
  at: Date;
  /** Directory id of the person who recorded it (or "system" for jobs). */
  by: string;
  stage?: number;
  outcome?: Outcome;
  hearingOn?: string;
  kind?: DeadlineKind;
  due?: string;
  reason?: string;
  personId?: string;
  details?: Record<string, unknown>;
}

export interface StoredDeadline {
  stage: number;
  kind: DeadlineKind;
  owner: string;
  /** Directory id of the person who owes it, where the owner is a role someone holds. */
  ownerId?: string;
  due: string;
  dueAt: Date;
  metOn: string | null;
  late: boolean;
  open: boolean;
  originalDue?: string;
}

export interface CaseStateRecord {
  status: CaseStatus;
  stage: number;
  handlerRole: string;
  handlerId?: string;
  receivedOn: string;
  stageReceivedOn: string;
  closedOn: string | null;
  outcome: Outcome | null;
  retainUntil: string | null;
  /**
   * `needs_handler`: nobody holds the role that handles the stage; `needs_reassignment`: the
   * person handling it, or owing one of its open deadlines, has left (account disabled or deleted).
   */
  flags: Array<CaseFlag | 'needs_handler' | 'needs_reassignment'>;
  deadlines: StoredDeadline[];
  /** Earliest due instant of an open deadline: "what falls due next" is one index scan. */
  nextDueAt: Date | null;
}

export type OutboxKind = 'message' | 'letter' | 'calendar';

/** A side effect to perform after the change that caused it is saved; `key` makes it happen once. */
export interface OutboxItem {
  key: string;
  kind: OutboxKind;
  /** Directory id for messages; "complainant" for letters. */
  to: string;
  template: string;
  data: Record<string, unknown>;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  createdAt: Date;
  attempts: number;
  claimedAt?: Date;
  sentAt?: Date;
  error?: string;
  /**
   * Not sent before this instant: a letter waits here so the person whose action queued it can
   * preview and edit it (the letter preview card); "send now" clears it.
   */
  holdUntil?: Date;
}

export interface CaseRecord {
  id: string;
  schoolId: string;
  reference: string;
  policyId: string;
  policyVersion: string;
  complainant: Complainant;
  about: { role?: string; personId?: string; personName?: string };
  category?: string;
  summary: string;
  desiredOutcome?: string;
  incidentOn?: string;
  lookedAfterChild: boolean;
  attachments: Array<{ name: string; contentType: string; size: number; location?: string }>;
  events: StoredEvent[];
  state: CaseStateRecord;
  outbox: OutboxItem[];
  /** Keys of the deadline nudges already queued ("2:respond:overdue"), so each goes once. */
  nudges: string[];
  /** Cases this one was offered as a possible duplicate of (linked, never merged). */
  linkedCases: string[];
  vexatious?: { markedAt: Date; by: string; reason: string; reviewOn: string };
  version: number;
  createdAt: Date;
  updatedAt: Date;
  purgedAt?: Date;
}

export interface Person {
  /** Directory (Entra ID) object id. */
  id: string;
  name: string;
  email?: string;
  /** Policy roles they hold, plus "slt", "clerk", "panel_member" and "independent_panel_member". */
  roles: string[];
  /**
   * Set when the directory says they have left (account disabled or deleted); they keep their
   * history. `on` is the school date it was first seen; `managerName` is their manager's name
   * as the directory gave it then (for SLT's digest), when it gave one.
   */
  left?: { on: string; reason: 'disabled' | 'deleted'; managerName?: string };
}

export interface School {
  id: string;
  name: string;
  /** A built-in policy id, or the id of `customPolicy`. */
  policyId: string;
  customPolicy?: PolicyInput;
  /** Reference numbers read NMAT-2026-0042. */
  referencePrefix: string;
  calendar: CalendarInput;
  people: Person[];
  outbox: OutboxItem[];
  /** School dates (YYYY-MM-DD) whose overdue digest has been queued. */
  digests: string[];
  version: number;
}

/** The change a use case makes to a case, saved in one conditional update. */
export interface CaseChange {
  events: StoredEvent[];
  state: CaseStateRecord;
  outbox: OutboxItem[];
  set?: Partial<Pick<CaseRecord, 'linkedCases' | 'vexatious' | 'about'>>;
}

export interface CaseQuery {
  schoolId?: string;
  status?: CaseStatus;
  handlerId?: string;
  /** Cases this person handles or owes a deadline on. */
  responsibleId?: string;
  /** Cases with an open deadline due before this instant. */
  dueBefore?: Date;
  dueAfter?: Date;
  limit?: number;
}

export interface CaseStore {
  insert(record: CaseRecord): Promise<void>;
  get(id: string): Promise<CaseRecord | null>;
  /** References are unique per school; without `schoolId` the first match is returned (for operators). */
  getByReference(reference: string, schoolId?: string): Promise<CaseRecord | null>;
  /** Saves `change` only if the case is still at `expectedVersion`; throws VERSION_CONFLICT otherwise. */
  update(id: string, expectedVersion: number, change: CaseChange): Promise<CaseRecord>;
  /** Replaces the derived state only (after a calendar change); same version check. */
  replaceState(id: string, expectedVersion: number, state: CaseStateRecord): Promise<boolean>;
  find(query: CaseQuery): Promise<CaseRecord[]>;
  /** Next free sequence number for a school and year (1, 2, 3 ...). */
  nextSequence(schoolId: string, year: number): Promise<number>;
  /** Cases from the same complainant received since a date (duplicate detection). */
  findByComplainant(schoolId: string, complainantKey: { name: string; email?: string; phone?: string }, since: Date): Promise<CaseRecord[]>;
  /** Records that a nudge was queued, with its message, unless it already was: true if this call did it. */
  claimNudge(id: string, key: string, item: OutboxItem): Promise<boolean>;
  /** Claims up to `limit` pending outbox items (or ones stuck "sending" since before `staleBefore`). */
  claimOutbox(now: Date, staleBefore: Date, limit: number): Promise<Array<{ caseId: string; item: OutboxItem }>>;
  completeOutbox(caseId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }): Promise<void>;
  /**
   * Lets a letter held for review go: only while it is still pending (never once claimed or sent),
   * and on `expectedVersion` when given. In one conditional update: the edited text (data.editedText,
   * editedBy, editedAt) when given, holdUntil cleared, `event` appended, version bumped. False if
   * the letter was no longer pending (or the case had moved on from `expectedVersion`).
   */
  releaseLetter(
    id: string,
    key: string,
    change: { text?: string; editedBy?: string; at: Date; event?: StoredEvent; expectedVersion?: number },
  ): Promise<boolean>;
  /** Cases whose retention date has passed and which still hold personal data. */
  findExpired(today: string, limit: number): Promise<CaseRecord[]>;
  /** Replaces the personal data with `redacted` and drops the vexatious marking's reason. */
  anonymise(id: string, at: Date, redacted: Pick<CaseRecord, 'complainant' | 'summary' | 'desiredOutcome' | 'about' | 'events' | 'attachments' | 'outbox'>): Promise<void>;
}

export interface SchoolStore {
  get(id: string): Promise<School | null>;
  list(): Promise<School[]>;
  /** Creates or replaces the school's setup (calendar, policy, people), keeping its outbox and digests. */
  save(school: Omit<School, 'outbox' | 'digests' | 'version'>): Promise<School>;
  /** Queues the overdue digest for a school date once: false if it already was. */
  claimDigest(id: string, date: string, item: OutboxItem): Promise<boolean>;
  claimOutbox(now: Date, staleBefore: Date, limit: number): Promise<Array<{ schoolId: string; item: OutboxItem }>>;
  completeOutbox(schoolId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }): Promise<void>;
}

/** A message to a person (Teams later) or a letter to a complainant (Graph mail later). */
export interface OutgoingMessage {
  key: string;
  kind: OutboxKind;
  to: string;
  template: string;
  data: Record<string, unknown>;
  caseId?: string;
  schoolId: string;
}

/** Sends one message. Must be idempotent by `key`: the outbox may retry after a crash. */
export interface Messenger {
  send(message: OutgoingMessage): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Microsoft 365, as the use cases see it (src/graph implements these over the Graph gateway).

export type BusyStatus = 'busy' | 'tentative' | 'oof' | 'workingElsewhere' | 'unknown';

export interface BusyTime {
  start: Date;
  end: Date;
  status: BusyStatus;
}

export type AttendeeAnswer = 'accepted' | 'tentativelyAccepted' | 'declined' | 'none';

/**
 * Reading calendars for a panel hearing. Creating, moving and cancelling the hearing event are
 * side effects of a saved change, so they go through the outbox (kind "calendar"), not this port.
 */
export interface CalendarBooking {
  /** Busy times of each address over [start, end); `unavailable` lists addresses whose calendar could not be read. */
  freeBusy(organiser: string, emails: string[], start: Date, end: Date): Promise<{ busy: Map<string, BusyTime[]>; unavailable: string[] }>;
  /** Each attendee's answer to the hearing event (address lower-cased). */
  responses(organiser: string, eventId: string): Promise<Array<{ address: string; answer: AttendeeAnswer; respondedAt: Date | null }>>;
}

export interface DirectoryPerson {
  /** Directory (Entra ID) object id. */
  id: string;
  name: string;
  email?: string;
  /** False when the account is disabled. */
  enabled: boolean;
}

/** The organisation's directory (Microsoft Entra ID through Graph). */
export interface Directory {
  /** A person by email address, UPN or directory id; null when the directory has nobody by that name. */
  find(idOrEmail: string): Promise<DirectoryPerson | null>;
  /** Many people by directory id (batched): null for those who are no longer in the directory. */
  findMany(ids: string[]): Promise<Map<string, DirectoryPerson | null>>;
  /** Their manager, or null when they have none. */
  manager(id: string): Promise<DirectoryPerson | null>;
}
