// Atomic, verified files (Node-only). Every write goes to a temporary file in the same folder,
// is fsynced and renamed over the target, so a killed process leaves either the old file or
// the new one, never half of one. Reads that carry an expected sha-256 refuse a mismatch.
import { open, rename, unlink, mkdir, stat, access, constants, readdir, rm, link, copyFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, basename, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { MoeBankError, UsageError } from "../errors.js";
import { readInput, fsProblem } from "../input.js";
import { sha256Hex } from "./sha256.js";

/** This host in temporary names (so stale ones are told from a live writer's on a shared
 *  filesystem): letters, digits and dashes only. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40) || "host";

/** `.BASE.HOST.PID.RAND.tmp` (files) or `.BASE.HOST.PID.RAND.tmpdir` / `.olddir` (folders). */
function tempName(base: string, kind: "tmp" | "tmpdir" | "olddir"): string {
  return `.${base}.${HOST}.${process.pid}.${randomBytes(4).toString("hex")}.${kind}`;
}

// The parts of a temporary name after `.BASE.`; the host part is absent in names written
// before it was added.
const TEMP_REST = /^(?:([A-Za-z0-9-]+)\.)?(\d+)\.[0-9a-f]{8}\.(?:tmp|tmpdir|olddir)$/;

function parseTemp(name: string, base?: string): { host: string | null; pid: number } | null {
  if (base !== undefined && !name.startsWith(`.${base}.`)) return null;
  const rest = base !== undefined ? name.slice(base.length + 2) : name.replace(/^\.[^.]+(\.[^.]+)*?\.(?=(?:[A-Za-z0-9-]+\.)?\d+\.[0-9a-f]{8}\.(?:tmp|tmpdir|olddir)$)/, "");
  if (rest === name) return null;
  const m = TEMP_REST.exec(rest);
  return m ? { host: m[1] ?? null, pid: Number(m[2]) } : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes what killed writers left beside `base` in `dir`: temporary files and folders of a
 *  process of this host that no longer runs (another host's are removed after a day). */
export async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const t = parseTemp(name, base);
    if (!t || t.pid === process.pid) continue;
    const path = join(dir, name);
    const mine = t.host === null || t.host === HOST;
    if (mine ? alive(t.pid) : Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now()) < 864e5) continue;
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}

/** An fs failure while writing `path`: one line naming it (EACCES, EROFS, ENOSPC, ...). */
function writeError(path: string, e: unknown): Error {
  if (e instanceof MoeBankError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== "string") return e as Error;
  const what = fsProblem(e).replace(/^cannot read: /, "");
  return new MoeBankError(`${path}: cannot write (${what})`);
}

/** Test-only: with MOE_BANK_TEST_PAUSE set to a folder, a writer stops at `label`, announces
 *  it there as the file LABEL.PID and waits until that file is removed. Lets a test make two
 *  runs interleave at the worst moment, deterministically. */
async function testPause(label: string): Promise<void> {
  const dir = process.env.MOE_BANK_TEST_PAUSE;
  if (!dir) return;
  const flag = join(dir, `${label}.${process.pid}`);
  await writeFile(flag, "");
  while (await stat(flag).then(() => true, () => false)) await new Promise((r) => setTimeout(r, 20));
}

/** Writes bytes to path atomically (temp file + fsync + rename), creating the folder. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await removeStaleTemps(dirname(path), basename(path));
    const tmp = join(dirname(path), tempName(basename(path), "tmp"));
    await writeDurable(tmp, bytes);
    await rename(tmp, path).catch(async (e) => {
      await unlink(tmp).catch(() => {});
      throw e;
    });
    await syncDir(dirname(path));
  } catch (e) {
    throw writeError(path, e);
  }
}

async function writeDurable(path: string, bytes: Uint8Array | string): Promise<void> {
  const fh = await open(path, "wx");
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(path).catch(() => {});
    throw e;
  }
  await fh.close();
}

// make renames durable: fsync the folder
async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Writes an output folder whole: its files are written into a temporary sibling folder, which
 *  is then renamed to `out` (an existing `out` is moved aside first and removed after), so a
 *  reader, a killed run or a concurrent run never leaves a folder that mixes two runs. With
 *  `keep`, the files of an existing `out` that are not rewritten are carried over (hard links).
 *  No locks: renames are atomic on local and on the shared filesystems clusters use. */
export async function writeFolder(out: string, files: Record<string, Uint8Array | string>, opts: { keep?: boolean } = {}): Promise<void> {
  const target = resolve(out);
  const parent = dirname(target), base = basename(target);
  let tmp = "";
  try {
    await mkdir(parent, { recursive: true });
    await removeStaleTemps(parent, base);
    tmp = join(parent, tempName(base, "tmpdir"));
    await mkdir(tmp);
    let first = true;
    for (const [name, bytes] of Object.entries(files)) {
      if (!first) await testPause("between-writes");
      first = false;
      await writeDurable(join(tmp, name), bytes);
    }
    if (opts.keep) {
      for (const name of await readdir(target).catch(() => [] as string[])) {
        if (name in files || parseTemp(name)) continue;
        await link(join(target, name), join(tmp, name)).catch(() => copyFile(join(target, name), join(tmp, name)));
      }
    }
    await syncDir(tmp);
    await testPause("before-rename");
    for (;;) {
      try {
        await rename(tmp, target); // replaces an absent or empty folder
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      }
      const aside = join(parent, tempName(base, "olddir"));
      try {
        await rename(target, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        continue; // another run moved it: try again
      }
      try {
        await rename(tmp, target);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      } finally {
        await rm(aside, { recursive: true, force: true });
      }
    }
    tmp = "";
    await syncDir(parent);
  } catch (e) {
    throw writeError(out, e);
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Reads a regular file (at most maxBytes); any problem is a one-line MoeBankError naming it. */
export const readBytes = readInput;

/** Reads a file and checks it against its recorded sha-256 (`recordedIn` names the record). */
export async function readVerified(path: string, expected: string, recordedIn = "the manifest"): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  const got = await sha256Hex(bytes);
  if (got !== expected) throw new MoeBankError(`${path}: sha-256 ${got.slice(0, 16)}… does not match ${recordedIn}'s ${expected.slice(0, 16)}…: the file is corrupt or was changed; refusing to use it`);
  return bytes;
}

async function writableFolder(p: string): Promise<boolean> {
  return access(p, constants.W_OK).then(() => true, () => false);
}

/** Checks, creating nothing, that an output folder can be written, before any work: it is a
 *  folder or does not exist, and its nearest existing ancestor is a writable folder. `whole`:
 *  the folder is written whole by writeFolder (renamed into place), so its parent must be
 *  writable too, and an existing one may hold only files `whole` matches (it is replaced; a
 *  folder of the user's own files never is). `option` names the option in messages. */
export async function checkOutDir(out: string, opts: { option?: string; whole?: RegExp } = {}): Promise<void> {
  const option = opts.option ?? "--out";
  if (out.trim() === "") throw new UsageError(`${option} must name a folder, got ""`);
  const target = resolve(out);
  let p = target;
  for (;;) {
    const st = await stat(p).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new MoeBankError(`${out}: ${p === target ? `${option} exists and is not a folder` : `${p} is not a folder`}`);
      if (!(await writableFolder(p))) throw new MoeBankError(`${out}: ${p} is not writable`);
      if (p === target && opts.whole) {
        if (!(await writableFolder(dirname(target)))) throw new MoeBankError(`${out}: its parent folder ${dirname(target)} is not writable (the folder is written beside it and renamed into place)`);
        const other = (await readdir(target)).filter((n) => !opts.whole!.test(n) && !parseTemp(n));
        if (other.length) throw new MoeBankError(`${out}: ${option} holds files moe-bank did not write (${other.slice(0, 3).join(", ")}${other.length > 3 ? ", ..." : ""}); give a new or empty folder`);
      }
      return;
    }
    const up = dirname(p);
    if (up === p) throw new MoeBankError(`${out}: no existing folder on its path`);
    p = up;
  }
}
