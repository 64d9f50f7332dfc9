// The golden runs of the CLI: every command that prints JSON, with the arguments it is run with,
// and the masking that makes its output comparable across runs (no paths, no timings, no core
// hash). Used by test/commands-golden.test.ts on a small synthetic bank and by
// test/support/commands-golden-default.ts (hand-run) on the default bank.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { CLI } from "./cli.js";

/** What a golden run reads and where it may write. */
export interface GoldenBank {
  /** a folder with losses-train.npy and losses-test.npy */
  losses: string;
  /** the n of that bank, for `grid --bank n=DIR` */
  subsetSize: number;
  /** a scratch folder (outputs of bank train/eval) and a cache */
  scratch: string;
  cache: string;
}

export interface GoldenRun {
  name: string;
  args: string[];
}

/** The commands of `moe-bank --help` that print JSON, in small configurations (`quick`) or the
 *  defaults a user would run on the default bank (`quick` false; bounds and grid kept moderate). */
export function goldenRuns(b: GoldenBank, quick: boolean): GoldenRun[] {
  const train = `${b.losses}/losses-train.npy`, test = `${b.losses}/losses-test.npy`;
  const pair = ["--train-losses", train, "--test-losses", test];
  const small = quick;
  const runs: GoldenRun[] = [
    { name: "select", args: ["select", ...pair, ...(small ? ["-M", "200", "-m", "64", "-B", "100", "--alpha", "0", "0.7", "1", "--seed", "2"] : [])] },
    { name: "tables", args: ["tables", ...pair, ...(small ? ["-M", "200", "-m", "64", "-B", "50"] : [])] },
    { name: "bounds", args: ["bounds", ...pair, ...(small ? ["-M", "3000", "-m", "64", "-B", "100", "--ismi-runs", "600", "--ismi-blocks", "6", "--supersamples", "40", "--selectors", "60", "--seed", "2", "--alpha", "0", "0.7"] : ["-M", "20000", "--ismi-runs", "4000", "--ismi-blocks", "20", "--supersamples", "200", "--selectors", "200"])] },
    { name: "grid", args: ["grid", "--bank", `${b.subsetSize}=${b.losses}`, "--sizes", String(b.subsetSize), ...(small ? ["--counts", "4", "12", "-M", "500", "-m", "64", "-B", "50", "--alpha", "0", "1"] : ["--counts", "5", "10", "25", "-M", "2000"])] },
    { name: "route", args: ["route", "--test-losses", test, ...(small ? ["-n", "500", "--points", "5", "--rho", "0.05"] : ["--rho", "0.05", "0.1"])] },
    { name: "gates", args: ["gates", "--test-losses", test, ...(small ? ["-n", "500", "--epsilons", "0,0.5,2"] : [])] },
    { name: "synth-gating", args: ["synth", "gating", ...(small ? ["--quick"] : [])] },
    { name: "synth-constants", args: ["synth", "constants", ...(small ? ["--quick"] : [])] },
    { name: "scaling", args: ["scaling", "--quick", "--cache", b.cache, "--workers", "1", ...(small ? ["--counts", "1", "2", "3", "--widths", "4/8", "--width-experts", "2", "--subsets", "2", "--subset-size", "300", "--rho", "0.05"] : [])] },
    { name: "data-info", args: ["data", "info"] },
    { name: "bank-train", args: ["bank", "train", "--out", `${b.scratch}/bank`, "-R", "2", "--subset-size", "200", "--epochs", "1", "--cache", b.cache, "--workers", "1"] },
    { name: "bank-info", args: ["bank", "info", "--bank", `${b.scratch}/bank`] },
    { name: "bank-eval", args: ["bank", "eval", "--bank", `${b.scratch}/bank`, "--out", `${b.scratch}/eval`, "--cache", b.cache, "--workers", "1"] },
  ];
  return runs.map((r) => ({ name: r.name, args: [...r.args, "--json", "--quiet"] }));
}

const TIMING_KEYS = /^(timings|seconds|ms|elapsed|elapsedMs|duration)$/;

/** A command's JSON made comparable: paths under `roots` become <name>, timing fields and the
 *  core's own sha-256 (which moves with any change to the core's code, not its numbers) become
 *  "<masked>". */
export function maskJson(text: string, roots: Record<string, string>): string {
  let s = text;
  for (const [name, root] of Object.entries(roots)) s = s.split(root).join(`<${name}>`);
  const v = JSON.parse(s) as unknown;
  const walk = (x: unknown, key: string): unknown => {
    if (Array.isArray(x)) return x.map((y) => walk(y, key));
    if (x !== null && typeof x === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) o[k] = TIMING_KEYS.test(k) || (key === "core" && k === "sha256") ? "<masked>" : walk(y, k);
      return o;
    }
    return x;
  };
  return JSON.stringify(walk(v, ""), null, 2) + "\n";
}

/** Runs one golden command and returns its masked JSON (throws with stderr on failure). */
export function runGolden(r: GoldenRun, roots: Record<string, string>, cli = CLI): string {
  const p = spawnSync(process.execPath, [cli, ...r.args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`${r.name}: exit ${p.status}: ${p.stderr}`);
  return maskJson(p.stdout, roots);
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");
