// How commands talk to the user: results on stdout (text or --json), progress and errors on
// stderr. One place for the conventions every command keeps.
import { MoeBankError } from "./errors.js";
import { CoreMemoryError } from "../bindings/index.js";

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

/** Control characters made visible: C0 (but tab), DEL and C1 (0x80-0x9f, e.g. 0x9b, CSI in
 *  8-bit terminals) as \xNN, so text from a file (an .npy header, a path) cannot drive the terminal. */
export function escapeControls(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** One line for the user and the exit code: 2 usage, 1 expected error, 1 bug (with a hint).
 *  A CoreMemoryError (a buffer the core cannot hold) is expected: exit 1, no "internal". */
export function describeError(err: unknown): { line: string; code: number; stack?: string } {
  const first = (m: string) => escapeControls(m.split("\n")[0]!);
  if (err instanceof MoeBankError) return { line: `moe-bank: ${first(err.message)}`, code: err.exitCode };
  if (err instanceof CoreMemoryError) return { line: `moe-bank: too large for the core's memory: ${first(err.message)}`, code: 1 };
  const e = err instanceof Error ? err : new Error(String(err));
  return { line: `moe-bank: internal error: ${first(e.message)} (set MOE_BANK_DEBUG=1 for the stack)`, code: 1, stack: e.stack };
}

/** A progress line on stderr: count, rate and ETA; rewritten in place on a terminal, one line
 *  every few seconds otherwise (--progress into a file or pipe), nothing with --quiet. */
export function progressReporter(opts: GlobalOptions): (p: { stage: string; done: number; total: number; images: number; imagesTotal: number }) => void {
  if (!progressEnabled(opts)) return () => {};
  const tty = process.stderr.isTTY === true;
  let t0 = Date.now();
  let last = 0;
  let stage = "";
  return (p) => {
    const now = Date.now();
    if (p.stage !== stage) {
      stage = p.stage;
      t0 = now;
    }
    const finished = p.done === p.total;
    if (!finished && now - last < (tty ? 200 : 3000)) return;
    last = now;
    const secs = (now - t0) / 1000;
    const rate = secs > 0 ? p.images / secs : 0;
    const eta = rate > 0 ? (p.imagesTotal - p.images) / rate : NaN;
    const line = `${p.stage}: ${p.done}/${p.total}  ${Math.round(p.images)}/${p.imagesTotal} images  ${rate.toFixed(0)} images/s  ${Number.isFinite(eta) ? `ETA ${eta.toFixed(0)} s` : ""}`;
    process.stderr.write(tty ? `\r${line.padEnd(100)}${finished ? "\n" : ""}` : line + "\n");
  };
}
