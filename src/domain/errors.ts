/**
 * The one error type of the domain. `code` is stable (tests, logs and the UI key off it),
 * `field` names the input that was wrong, and `message` is written for the person who typed it.
 */
export type DomainErrorCode =
  | 'INVALID_INPUT'
  | 'UNKNOWN_POLICY'
  | 'INVALID_POLICY'
  | 'INVALID_CALENDAR'
  | 'CALENDAR_OUT_OF_RANGE'
  | 'EVENT_OUT_OF_ORDER'
  | 'UNKNOWN_STAGE'
  | 'EVENT_NOT_ALLOWED';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}
