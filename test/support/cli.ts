// Running the CLI from tests: one spawn helper and one check for the project's error contract
// (one line on stderr, nothing on stdout, the right exit code, no stack trace).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `moe-bank ...args` with this Node and returns its exit code and output. */
export function runCli(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract: exit `code`, empty stdout, exactly one stderr line matching `pattern`, no stack. */
export function assertOneLineError(r: CliRun, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

/** Each case (the CLI's arguments, then `--cache` and, when `out(args)`, `--out` in fresh
 *  folders of `fresh`) is refused as usage: exit 2 in one line matching its pattern, nothing
 *  written, within 20 s (before any work). */
export function assertRefusedBeforeWork(cases: [string[], RegExp][], fresh: (name: string) => string, out: (args: string[]) => boolean = () => true): void {
  for (const [args, pattern] of cases) {
    const cache = fresh("cache"), dir = fresh("out");
    const t0 = Date.now();
    const r = runCli(...args, "--cache", cache, ...(out(args) ? ["--out", dir] : []));
    assertOneLineError(r, 2, pattern);
    assert.ok(!existsSync(cache) && !existsSync(dir), `nothing written (${args.join(" ")})`);
    assert.ok(Date.now() - t0 < 20_000, `refused before any work (${args.join(" ")})`);
  }
}

/** Writes `text` to `dir/name` and returns the path (a spec file for a refusal test). */
export function writeFileIn(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The cell entries a sweep's cache holds (`<cache>/cells/*.json`), by name, with their mtimes. */
export function cellEntries(cache: string): Map<string, number> {
  const dir = join(cache, "cells");
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
}

/** Runs `moe-bank ...args` (a sweep, or a command run by the sweep engine, writing its cells into
 *  `cache`) and SIGKILLs it once its first cell entry is written (failing if it finishes first);
 *  returns the entries written by then. */
export async function killAfterFirstCell(args: string[], cache: string): Promise<Map<string, number>> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: "ignore" });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, sig) => res(sig)));
  while (cellEntries(cache).size === 0) {
    if (child.exitCode !== null) assert.fail(`${args[0]} finished before it could be killed`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  return cellEntries(cache);
}
