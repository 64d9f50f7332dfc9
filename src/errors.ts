// Errors a user sees. A MoeBankError is expected (bad input, a missing file, a hash mismatch):
// the CLI prints its one-line message and exits 1, with no stack trace. A UsageError is a bad
// command line: exit 2. Anything else is a bug and keeps its stack.

export class MoeBankError extends Error {
  override name = "MoeBankError";
  readonly exitCode: number = 1;
}

export class UsageError extends MoeBankError {
  override name = "UsageError";
  override readonly exitCode: number = 2;
}

/** A malformed or unreadable IDX file: `file` names it, `problem` says what is wrong. */
export class IdxError extends MoeBankError {
  override name = "IdxError";
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}
