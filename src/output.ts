// How commands talk to the user: results on stdout (text or --json), progress and errors on
// stderr. One place for the conventions every command keeps.
import { MoeBankError } from "./errors.js";

export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  progress: boolean;
}

/** Prints a command's result: JSON (stable key order, newline-terminated) or its text form. */
export function emit<T>(opts: GlobalOptions, result: T, text: (r: T) => string): void {
  process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + "\n" : text(result) + "\n");
}

/** Whether progress lines go to stderr: forced by --progress, silenced by --quiet, else only
 *  when stderr is a terminal. */
export function progressEnabled(opts: GlobalOptions): boolean {
  if (opts.quiet) return false;
  return opts.progress || process.stderr.isTTY === true;
}

/** One line for the user and the exit code: 2 usage, 1 expected error, 1 bug (with a hint). */
export function describeError(err: unknown): { line: string; code: number; stack?: string } {
  if (err instanceof MoeBankError) return { line: `moe-bank: ${err.message.split("\n")[0]}`, code: err.exitCode };
  const e = err instanceof Error ? err : new Error(String(err));
  return { line: `moe-bank: internal error: ${e.message.split("\n")[0]} (set MOE_BANK_DEBUG=1 for the stack)`, code: 1, stack: e.stack };
}
