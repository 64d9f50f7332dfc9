// No number of moe-bank may depend on the JS engine's Math: only the members exact in every
// engine are allowed in src/ and web/ (bindings/ and the core carry the rest), and the `**`
// operator (the engine's pow) is banned. The scanner is tested on planted violations first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ALLOWED = new Set(["sqrt", "abs", "floor", "ceil", "trunc", "round", "min", "max", "sign", "fround", "imul", "clz32"]);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCANNED = ["src", "web", "bindings"];

/** Blanks out comments and string/template/regex-free literals, keeping line structure. */
export function stripCommentsAndStrings(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!, d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += c + src.slice(i + 1, j).replace(/[^\n]/g, " ") + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Each use of a non-allowed Math member, of Math as a value, or of `**`, as "line: text". */
export function violations(src: string): string[] {
  const code = stripCommentsAndStrings(src);
  const found: string[] = [];
  code.split("\n").forEach((line, k) => {
    for (const m of line.matchAll(/\bMath\s*(\.\s*(\w+)|\[|\)|,|;|$)/g)) {
      const member = m[2];
      if (member === undefined || !ALLOWED.has(member)) found.push(`${k + 1}: ${line.trim()}`);
    }
    if (/\*\*/.test(line)) found.push(`${k + 1}: ${line.trim()} (the ** operator is the engine's pow)`);
    if (/\{[^}]*\}\s*=\s*Math\b/.test(line)) found.push(`${k + 1}: ${line.trim()} (destructured Math)`);
  });
  return found;
}

async function tsFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name)).map((e) => join(e.parentPath ?? e.path, e.name));
}

test("the scanner catches every kind of violation and ignores comments and strings", () => {
  assert.deepEqual(violations("const y = Math.exp(x);").length, 1);
  assert.deepEqual(violations("const y = Math . log (x);").length, 1);
  assert.deepEqual(violations("const y = x ** 2;").length, 1);
  assert.deepEqual(violations("const f = Math['pow'];").length, 1);
  assert.deepEqual(violations("const { exp } = Math;").length, 2);
  assert.deepEqual(violations("use(Math);").length, 1);
  assert.deepEqual(violations("const y = Math.sqrt(Math.max(a, b)) + Math.fround(c);"), []);
  assert.deepEqual(violations("// Math.exp is not used here ** \nconst s = 'Math.log ** 2'; /** doc */"), []);
});

const PEER_TIMING = { file: "src/bench/core.ts", member: "Math.exp" };

test("src/, bindings/ and web/ use only the Math members exact in every engine, and no **", async () => {
  const report: string[] = [];
  let files = 0;
  for (const dir of SCANNED) {
    for (const file of await tsFiles(join(ROOT, dir))) {
      files++;
      for (const v of violations(await readFile(file, "utf8"))) report.push(`${relative(ROOT, file)}:${v}`);
    }
  }
  assert.ok(files > 3, `scanned ${files} files`);
  // The one deliberate use: `moe-bank bench --suite core` times the engine's own Math.exp as the
  // peer of the core's exp (its row says "not portable"); a time is printed, never a result.
  const peer = report.filter((v) => v.startsWith(`${PEER_TIMING.file}:`) && v.includes(`${PEER_TIMING.member}(`));
  assert.equal(peer.length, 1, `the bench's Math.exp peer appears once in ${PEER_TIMING.file}: ${peer.join("; ")}`);
  const rest = report.filter((v) => !peer.includes(v));
  assert.deepEqual(rest, [], `non-portable math:\n${rest.join("\n")}`);
});
