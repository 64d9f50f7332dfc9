// The CLI's option helpers; the checks of option values live with the measurements
// (src/measurements/checks.ts) and are re-exported here for the commands.
import { UsageError } from "../errors.js";
import { parseList } from "../measurements/checks.js";
export * from "../measurements/checks.js";

/** A list option, in the one list syntax of the CLI (parseList): values one after another or
 *  comma-separated, integer lists also as inclusive ranges (0-9). */
export function listOption<K extends "int" | "number" | "string", E extends object = object>(name: string, kind: K, describe: string, extra?: E) {
  return {
    type: "string" as const,
    array: true as const,
    describe,
    ...(extra ?? ({} as E)),
    coerce: (v: unknown) => parseList(`--${name}`, v, kind) as K extends "string" ? string[] : number[],
  };
}

/** A folder option (--out, --cache): one non-empty path; "" or a bare --out is a usage error,
 *  never the current folder. */
export function folderOption<E extends { demandOption?: true; default?: string }>(name: string, describe: string, extra: E) {
  return {
    type: "string" as const,
    describe,
    ...extra,
    coerce: (v: unknown): string => {
      if (Array.isArray(v)) throw new UsageError(`--${name} was given ${v.length} times; give it once`);
      if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} must name a folder, got ${v === "" ? "an empty value" : JSON.stringify(v)}`);
      return v;
    },
  };
}
