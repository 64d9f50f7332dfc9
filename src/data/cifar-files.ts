// NODE-ONLY: CIFAR-10 from disk -- a folder of the binary version's six .bin files, or the official
// archive cifar-10-binary.tar.gz itself (gunzipped in memory by node:zlib and read by ./tar.ts),
// checked against the archive's published md5. The format and the record -> [N, H, W, C] mapping
// are in ./cifar.ts. No package this project can install ships CIFAR-10: the user downloads the
// binary version from https://www.cs.toronto.edu/~kriz/cifar.html and names its folder.
import { stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { IdxError } from "../errors.js";
import { gunzip as gunzipCallback } from "node:zlib";
import { promisify } from "node:util";
import { readTar } from "./tar.js";
import { readDataFile, type LoadedSplit } from "./files.js";
import { sha256Hex } from "../io/sha256.js";
import {
  CIFAR10_FILES, CIFAR10_FOLDER, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, CIFAR10_WANTED, CIFAR100_FILES, CIFAR100_FOLDER,
  cifar100Refusal, cifarSplit,
} from "./cifar.js";

/** Where CIFAR-10 is published (and its archive's md5 with it). */
export const CIFAR10_PAGE = "https://www.cs.toronto.edu/~kriz/cifar.html";
/** The official archive's file name. */
export const CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";
/** The md5 of the official cifar-10-binary.tar.gz as the CIFAR-10 page publishes it (beside the
 *  "CIFAR-10 binary version (suitable for C programs)" download, 162 MB). */
export const CIFAR10_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
const CIFAR100_ARCHIVE = "cifar-100-binary.tar.gz";
const gunzipAsync = promisify(gunzipCallback);

/** Where the six files were read from: a folder, or an archive (with its md5). */
export type CifarSource = { kind: "folder"; path: string } | { kind: "archive"; path: string; md5: string };

export interface LoadedCifar {
  source: CifarSource;
  train: LoadedSplit;
  test: LoadedSplit;
  /** where each batch was read from (a path, or archive:member), by file name */
  files: Record<string, string>;
  /** sha-256 of each batch's bytes, by file name */
  fileSha256: Record<string, string>;
}

async function kind(path: string): Promise<"file" | "dir" | null> {
  const st = await stat(path).catch(() => null);
  return st === null ? null : st.isDirectory() ? "dir" : "file";
}

async function split(names: readonly string[], batches: Map<string, { where: string; bytes: Uint8Array }>): Promise<LoadedSplit> {
  const list = names.map((n) => ({ file: batches.get(n)!.where, bytes: batches.get(n)!.bytes }));
  const s = cifarSplit(list);
  // the split's identity: its record bytes (the files, in order) and its labels, as an IDX
  // dataset's are its images file and its labels file (the dataset id is datasetId of the four)
  return { ...s, sha256: { images: await sha256Hex(list.map((b) => b.bytes)), labels: await sha256Hex(s.labels) } };
}

/**
 * Reads CIFAR-10 from `dataDir`: the six .bin files in it or in its cifar-10-batches-bin/ folder,
 * or its cifar-10-binary.tar.gz (or `dataDir` may be that archive). The archive's md5 must be
 * `archiveMd5` (default: the official one; null skips the check). Every problem is an IdxError
 * naming the folder, file or archive on one line: nothing there, a missing batch, a malformed
 * batch (./cifar.ts), CIFAR-100's files or format, a corrupt or foreign archive.
 */
export async function loadCifar10(dataDir: string, options: { archiveMd5?: string | null } = {}): Promise<LoadedCifar> {
  const what = await kind(dataDir);
  if (what === null) throw new IdxError(dataDir, "no such folder (--data-dir names the folder holding CIFAR-10's files)");
  if (what === "file") return fromArchive(dataDir, options.archiveMd5);
  let folder: string | null = null;
  for (const dir of [dataDir, join(dataDir, CIFAR10_FOLDER)]) {
    if (folder === null && (await kind(dir)) === "dir" && (await Promise.all(CIFAR10_FILES.map((f) => kind(join(dir, f))))).some((k) => k !== null)) folder = dir;
  }
  if (folder !== null) {
    const batches = new Map<string, { where: string; bytes: Uint8Array }>();
    for (const f of CIFAR10_FILES) {
      const path = join(folder, f);
      if ((await kind(path)) === null) throw new IdxError(path, `no such file: a batch is missing (${CIFAR10_WANTED})`);
      batches.set(f, { where: path, bytes: await readDataFile(path) });
    }
    return done({ kind: "folder", path: folder }, batches);
  }
  if ((await kind(join(dataDir, CIFAR10_ARCHIVE))) === "file") return fromArchive(join(dataDir, CIFAR10_ARCHIVE), options.archiveMd5);
  for (const dir of [dataDir, join(dataDir, CIFAR100_FOLDER)]) {
    if ((await Promise.all(CIFAR100_FILES.map((f) => kind(join(dir, f))))).some((k) => k !== null)) throw new IdxError(dir, cifar100Refusal(`holds ${CIFAR100_FILES.join(" and ")}`));
  }
  if ((await kind(join(dataDir, CIFAR100_ARCHIVE))) !== null) throw new IdxError(join(dataDir, CIFAR100_ARCHIVE), cifar100Refusal("CIFAR-100's archive"));
  throw new IdxError(dataDir, `no CIFAR-10 files: expected ${CIFAR10_WANTED}, in this folder or in ${CIFAR10_FOLDER}/, or the archive ${CIFAR10_ARCHIVE} (the binary version, from ${CIFAR10_PAGE})`);
}

async function fromArchive(path: string, archiveMd5: string | null | undefined): Promise<LoadedCifar> {
  if (basename(path) === CIFAR100_ARCHIVE) throw new IdxError(path, cifar100Refusal("CIFAR-100's archive"));
  const bytes = await readDataFile(path);
  const md5 = createHash("md5").update(bytes).digest("hex");
  const want = archiveMd5 === undefined ? CIFAR10_ARCHIVE_MD5 : archiveMd5;
  if (want !== null && md5 !== want) {
    throw new IdxError(path, `md5 ${md5} is not ${want === CIFAR10_ARCHIVE_MD5 ? `the official ${CIFAR10_ARCHIVE}'s ${want} (published on the CIFAR-10 page, ${CIFAR10_PAGE})` : want}: a different or damaged download; download it again, or extract it and give its folder to read the files as they are`);
  }
  // the official archive holds about 185 MB of tar: allow up to 1 GiB. node:zlib here (this file
  // is Node-only): about twice as fast as the DecompressionStream the browser-safe IDX reader uses
  let tar: Uint8Array;
  try {
    const out = await gunzipAsync(bytes, { maxOutputLength: 1 << 30 });
    tar = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new IdxError(path, `corrupt gzip data: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim()}`);
  }
  const members = readTar(tar, path);
  const byName = new Map<string, Uint8Array>();
  for (const m of members) {
    const name = m.name.replace(/^\.\//, "");
    if (!byName.has(name)) byName.set(name, m.data);
  }
  const batches = new Map<string, { where: string; bytes: Uint8Array }>();
  for (const f of CIFAR10_FILES) {
    const member = [`${CIFAR10_FOLDER}/${f}`, f].find((n) => byName.has(n));
    if (member === undefined) {
      if ([...byName.keys()].some((n) => (CIFAR100_FILES as readonly string[]).includes(basename(n)))) throw new IdxError(path, cifar100Refusal(`its members are ${CIFAR100_FILES.join(" and ")}`));
      throw new IdxError(path, `no member ${CIFAR10_FOLDER}/${f}: a batch is missing (${CIFAR10_WANTED})`);
    }
    batches.set(f, { where: `${path}:${member}`, bytes: byName.get(member)! });
  }
  return done({ kind: "archive", path, md5 }, batches);
}

async function done(source: CifarSource, batches: Map<string, { where: string; bytes: Uint8Array }>): Promise<LoadedCifar> {
  const train = await split(CIFAR10_TRAIN_FILES, batches);
  const test = await split(CIFAR10_TEST_FILES, batches);
  const files: Record<string, string> = {}, fileSha256: Record<string, string> = {};
  for (const f of CIFAR10_FILES) {
    files[f] = batches.get(f)!.where;
    fileSha256[f] = await sha256Hex(batches.get(f)!.bytes);
  }
  return { source, train, test, files, fileSha256 };
}
