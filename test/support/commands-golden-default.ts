// Hand-run (minutes): every golden command of test/support/commands-golden.ts on the DEFAULT
// bank (the paper configuration), printing one sha-256 per command of its masked --json output.
// Run it before and after a refactor of the TypeScript layer; the two lists must be equal.
//   node dist/test/support/commands-golden-default.js [BANK_DIR] [CACHE_DIR] [CLI]
// (defaults: /work/banks/repro0/bank, /work/banks/cache, this build's dist/src/cli.js).
// The expert cache is shared and content-addressed; bank train/eval write into a scratch folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI } from "./cli.js";
import { goldenRuns, runGolden, sha256 } from "./commands-golden.js";

const bankDir = resolve(process.argv[2] ?? "/work/banks/repro0/bank");
const cache = resolve(process.argv[3] ?? "/work/banks/cache");
const cli = process.argv[4] ? resolve(process.argv[4]) : CLI;
const scratch = mkdtempSync(join(tmpdir(), "moe-bank-golden-default-"));
try {
  const runs = goldenRuns({ losses: bankDir, subsetSize: 10000, scratch, cache }, false);
  for (const r of runs) {
    const t0 = performance.now();
    const out = runGolden(r, { bank: bankDir, scratch, cache }, cli);
    process.stdout.write(`${sha256(out)}  ${r.name}\n`);
    process.stderr.write(`${r.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
