// Installs the pinned Deno (package.json "config": {"deno": ...}) from the npm registry into
// node_modules when it is missing or another version. Deno's npm package lists a binary package
// per platform as optional dependencies; this registry has only linux-x64-glibc, and `npm ci`
// refuses a lockfile without the others. So Deno stays out of the lockfile and is installed here
// (run by `pretest`), with --no-save: package.json and the lockfile are left as they are.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).config.deno;
const bin = join(root, "node_modules", ".bin", "deno");
let have = "";
if (existsSync(bin)) {
  try {
    have = execFileSync(bin, ["--version"], { encoding: "utf8" });
  } catch {
    have = "";
  }
}
if (!have.includes(`deno ${pinned} `)) {
  console.error(`ensure-deno: installing deno@${pinned} from the npm registry (--no-save)`);
  execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `deno@${pinned}`], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
