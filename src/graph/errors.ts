/**
 * Errors from Microsoft Graph, turned into plain messages a clerk or IT admin can act on.
 *
 * - 429, 503 and 504 are retried by the gateway (src/graph/gateway.ts) honouring Retry-After; when
 *   the retries run out, or Graph asks for a longer wait than we will make, the error is `busy`:
 *   "Microsoft 365 is busy ...".
 * - 401 and 403 name the application permission the call needs (PERMISSIONS), and for mail and
 *   calendar calls mention the Exchange access policy / RBAC scope that can also refuse a mailbox.
 * - 404 for a person is "... not found in the directory"; for an event, "the calendar event ...
 *   no longer exists".
 * - 408, 409, 412 and 423 (a timeout, an edit conflict, a precondition that no longer holds, a
 *   locked item) and 5xx say "not now", so they are retryable: the outbox tries again later.
 *   Only permission, credentials, notFound and invalid (400 and the other 4xx: the request
 *   itself is wrong) fail at once.
 *
 * Messages never carry the body of a complaint; they may name a mailbox or directory id.
 */

/** Every call the gateway makes. */
export type GraphOperation =
  'getUser' | 'getManager' | 'getUsers' | 'getSchedule' | 'createEvent' | 'updateEvent' | 'cancelEvent' | 'getEvent' | 'findEvent' | 'sendMail';

/** The application permission (admin-consented) each call needs; see the README's "Microsoft Graph permissions". */
export const PERMISSIONS: Record<GraphOperation, string> = {
  getUser: 'User.Read.All',
  getManager: 'User.Read.All',
  getUsers: 'User.Read.All',
  getSchedule: 'Calendars.ReadWrite',
  createEvent: 'Calendars.ReadWrite',
  updateEvent: 'Calendars.ReadWrite',
  cancelEvent: 'Calendars.ReadWrite',
  getEvent: 'Calendars.ReadWrite',
  findEvent: 'Calendars.ReadWrite',
  sendMail: 'Mail.Send',
};

const WHAT: Record<GraphOperation, string> = {
  getUser: 'looking up a person in the directory',
  getManager: "looking up a person's manager",
  getUsers: 'looking up people in the directory',
  getSchedule: 'reading free/busy times',
  createEvent: 'creating the calendar event',
  updateEvent: 'updating the calendar event',
  cancelEvent: 'cancelling the calendar event',
  getEvent: 'reading the calendar event',
  findEvent: 'looking for the calendar event',
  sendMail: 'sending mail',
};

const MAILBOX_OPS = new Set<GraphOperation>(['getSchedule', 'createEvent', 'updateEvent', 'cancelEvent', 'getEvent', 'findEvent', 'sendMail']);

export type GraphErrorKind =
  /** Throttled or unavailable after every retry (or told to wait longer than we will). */
  | 'busy'
  /** 401/403: the app lacks the permission, or the mailbox is outside its access policy. */
  | 'permission'
  /** The app's own credentials were refused at the token endpoint. */
  | 'credentials'
  /** 404: a person or event that does not exist. */
  | 'notFound'
  /** Refused before calling Graph (bad arguments), or a 400 from Graph. */
  | 'invalid'
  /** A transient answer (408, 409, 412, 423, 5xx) or a network failure: always retryable. */
  | 'failed';

export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    readonly kind: GraphErrorKind,
    message: string,
    /** Would trying again later help? */
    readonly retryable: boolean,
    readonly operation?: GraphOperation,
    /** The HTTP status Graph answered with, if any. */
    readonly status?: number,
    /** Graph's error code (`error.code` of the body), e.g. "ErrorAccessDenied". */
    readonly graphCode?: string,
  ) {
    super(message);
  }
}

export function busyError(operation: GraphOperation, status?: number, graphCode?: string): GraphError {
  return new GraphError(
    'busy',
    `Microsoft 365 is busy (${status === 429 ? 'too many requests' : 'service unavailable'}) while ${WHAT[operation]}; nothing was changed by the failed attempt. Try again in a few minutes.`,
    true,
    operation,
    status,
    graphCode,
  );
}

export function permissionError(operation: GraphOperation, status: number, graphCode?: string, mailbox?: string): GraphError {
  const perm = PERMISSIONS[operation];
  const scope = MAILBOX_OPS.has(operation)
    ? ` If it has, the mailbox${mailbox ? ` ${mailbox}` : ''} may be outside the app's Exchange application access policy or RBAC for Applications scope.`
    : '';
  return new GraphError(
    'permission',
    `Microsoft 365 refused ${WHAT[operation]} (HTTP ${status}${graphCode ? ` ${graphCode}` : ''}): the app registration needs the application permission ${perm}, granted with admin consent.${scope}`,
    false,
    operation,
    status,
    graphCode,
  );
}

/** Answers that mean "not now" rather than "never": request timeout, conflict, precondition failed, locked. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 409, 412, 423]);

export function notFoundInDirectory(person: string, operation: GraphOperation = 'getUser'): GraphError {
  return new GraphError('notFound', `${person} was not found in the directory`, false, operation, 404, 'Request_ResourceNotFound');
}

/**
 * Maps a final (non-retried) answer from Graph to a GraphError.
 * `subject` is the person (id, UPN or email) or event id the call was about.
 */
export function fromGraphResponse(
  operation: GraphOperation,
  status: number,
  graphCode: string | undefined,
  graphMessage: string | undefined,
  subject?: { person?: string; eventId?: string; mailbox?: string },
): GraphError {
  if (status === 429 || status === 503 || status === 504) return busyError(operation, status, graphCode);
  if (status === 401 || status === 403) return permissionError(operation, status, graphCode, subject?.mailbox);
  if (status === 404) {
    if (subject?.person) return notFoundInDirectory(subject.person, operation);
    if (subject?.eventId)
      return new GraphError(
        'notFound',
        `The calendar event ${subject.eventId} no longer exists in ${subject.mailbox ?? 'the organiser'}'s calendar`,
        false,
        operation,
        404,
        graphCode,
      );
    if (subject?.mailbox) return new GraphError('notFound', `The mailbox ${subject.mailbox} was not found in the directory`, false, operation, 404, graphCode);
  }
  const detail = graphMessage ? `: ${graphMessage}` : '';
  if (status === 404)
    return new GraphError(
      'notFound',
      `Microsoft 365 found nothing while ${WHAT[operation]} (HTTP 404${graphCode ? ` ${graphCode}` : ''})${detail}`,
      false,
      operation,
      status,
      graphCode,
    );
  // Any other 4xx says the request itself is wrong: sending it again cannot help.
  if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status))
    return new GraphError(
      'invalid',
      `Microsoft 365 rejected ${WHAT[operation]} (HTTP ${status}${graphCode ? ` ${graphCode}` : ''})${detail}`,
      false,
      operation,
      status,
      graphCode,
    );
  return new GraphError(
    'failed',
    `Microsoft 365 failed ${WHAT[operation]} (HTTP ${status}${graphCode ? ` ${graphCode}` : ''})${detail}`,
    true,
    operation,
    status,
    graphCode,
  );
}

export function networkError(operation: GraphOperation, cause: unknown): GraphError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new GraphError('failed', `Could not reach Microsoft 365 while ${WHAT[operation]}: ${why}`, true, operation);
}
