// The independent reader of the tests: test/read_formats.py (numpy's .npy reader, safetensors
// parsed by hand) run by the first Python with numpy found.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const READER = fileURLToPath(new URL("../../../test/read_formats.py", import.meta.url));

let python: string | undefined;

/** The first of /usr/bin/python3, python3, python that imports numpy (fails the test if none). */
export function findPython(): string {
  if (python !== undefined) return python;
  const tried: string[] = [];
  for (const p of ["/usr/bin/python3", "python3", "python"]) {
    const r = spawnSync(p, ["-c", "import numpy"], { encoding: "utf8" });
    if (r.status === 0) return (python = p);
    tried.push(`${p}: ${r.error ? r.error.message : (r.stderr.trim().split("\n").pop() ?? `exit ${r.status}`)}`);
  }
  assert.fail(`no Python with numpy found, needed to read .npy and safetensors files independently (install python3-numpy, e.g. apt-get install python3-numpy); tried ${tried.join("; ")}`);
}

/** read_formats.py with these arguments: its JSON output. */
export function readFormats<T>(...args: string[]): T {
  const r = spawnSync(findPython(), [READER, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `read_formats.py ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
