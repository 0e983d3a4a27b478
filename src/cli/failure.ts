/** Ends a command with this message on stderr and this exit status (1: the database or the system; 2: the input). */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
