// Atomic, verified files (Node-only). Every write goes to a temporary file in the same folder,
// is fsynced and renamed over the target, so a killed process leaves either the old file or
// the new one, never half of one. Reads that carry an expected sha-256 refuse a mismatch.
import { open, rename, unlink, readFile, mkdir, stat, access, constants } from "node:fs/promises";
import { dirname, basename, join, resolve } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { MoeBankError } from "../errors.js";
import { readInput } from "../input.js";

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes bytes to path atomically (temp file + fsync + rename), creating the folder. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  // make the rename durable: fsync the folder
  const dh = await open(dirname(path), "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Reads a regular file (at most maxBytes); any problem is a one-line MoeBankError naming it. */
export const readBytes = readInput;

/** Reads a file and checks it against its recorded sha-256 (`recordedIn` names the record). */
export async function readVerified(path: string, expected: string, recordedIn = "the manifest"): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  const got = sha256(bytes);
  if (got !== expected) throw new MoeBankError(`${path}: sha-256 ${got.slice(0, 16)}… does not match ${recordedIn}'s ${expected.slice(0, 16)}…: the file is corrupt or was changed; refusing to use it`);
  return bytes;
}

// Checks that --out can be written, creating nothing: it is a folder, or it does not exist and
// its nearest existing ancestor is a writable folder. Files appear only when a stage has
// something to write (each atomically), so a failed run leaves nothing half-written.
export async function checkOutDir(out: string): Promise<void> {
  let p = resolve(out);
  for (;;) {
    const st = await stat(p).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new MoeBankError(`${out}: ${p === resolve(out) ? "--out exists and is not a folder" : `${p} is not a folder`}`);
      try {
        await access(p, constants.W_OK);
      } catch {
        throw new MoeBankError(`${out}: ${p} is not writable`);
      }
      return;
    }
    const up = dirname(p);
    if (up === p) throw new MoeBankError(`${out}: no existing folder on its path`);
    p = up;
  }
}
