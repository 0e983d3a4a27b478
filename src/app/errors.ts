/**
 * The application's one error type. `code` is stable; `userMessage` is for the person in Teams
 * or at the command line (plain words, no internals); `logMessage` is for the IT admin's log.
 *
 * | code                 | when                                                           |
 * |----------------------|----------------------------------------------------------------|
 * | INVALID_INPUT        | a field is wrong; `field` names it                             |
 * | CASE_NOT_FOUND       | no such case, or one the person may not see (never "forbidden") |
 * | SCHOOL_NOT_FOUND     | no such school                                                 |
 * | VERSION_CONFLICT     | someone else changed the case first; reload and try again      |
 * | NOT_AUTHORISED       | the person may see the case but not do this to it              |
 * | NOT_ALLOWED          | the policy or the case's state does not allow it now           |
 * | SUBJECT_CANNOT_HANDLE| the person complained about cannot handle or see the case      |
 * | NO_HANDLER           | nobody holds the role the policy routes the stage to           |
 * | DATABASE_UNAVAILABLE | the database cannot be reached; nothing was saved              |
 */
import { DomainError } from '../domain/errors.js';

export type AppErrorCode =
  | 'INVALID_INPUT'
  | 'CASE_NOT_FOUND'
  | 'SCHOOL_NOT_FOUND'
  | 'VERSION_CONFLICT'
  | 'NOT_AUTHORISED'
  | 'NOT_ALLOWED'
  | 'SUBJECT_CANNOT_HANDLE'
  | 'NO_HANDLER'
  | 'DATABASE_UNAVAILABLE';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    readonly userMessage: string,
    readonly logMessage: string = userMessage,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${userMessage}` : userMessage);
  }
}

/** Domain refusals (bad dates, events out of order, outcomes a stage cannot reach) become app errors. */
export function fromDomain(e: unknown): unknown {
  if (!(e instanceof DomainError)) return e;
  const code: AppErrorCode = e.code === 'EVENT_NOT_ALLOWED' || e.code === 'EVENT_OUT_OF_ORDER' ? 'NOT_ALLOWED' : 'INVALID_INPUT';
  return new AppError(code, e.message.replace(/^[^:]*: /, e.field ? '' : '$&'), e.message, e.field);
}

export const notFound = (what: string) => new AppError('CASE_NOT_FOUND', `No complaint ${what} was found.`, `case not found or not visible: ${what}`);
