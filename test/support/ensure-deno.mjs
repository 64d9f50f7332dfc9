// Installs the pinned Deno (package.json "config": {"deno": ...}) from the npm registry into its
// own prefix, .tools/ (gitignored), when it is missing or another version. Deno's npm package
// lists a binary package per platform as optional dependencies; this registry has only
// linux-x64-glibc, and `npm ci` refuses a lockfile without the others. So Deno stays out of the
// project's lockfile. It must not be installed into the project's node_modules either: an
// `npm install` there re-resolves the whole tree (undoing the as-pect patch). Run by `pretest`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).config.deno;
const prefix = join(root, ".tools");
const bin = join(prefix, "node_modules", ".bin", "deno");
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
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, "package.json"), JSON.stringify({ name: "moe-bank-tools", private: true, allowScripts: { deno: true } }, null, 2) + "\n");
  execFileSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `deno@${pinned}`], { cwd: prefix, stdio: ["ignore", "ignore", "inherit"] });
}
