// Reading an input file the user named (a dataset file, a loss matrix, a manifest), where the host
// has a file system (node:fs/promises through bindings/host.ts, so the browser-safe pipeline may
// import this module; in a browser a read is refused in one line).
// One reader for all of them: it opens without blocking (a FIFO cannot hang it), refuses what is
// not a regular file (a device such as /dev/zero, a FIFO, a socket) and anything larger than the
// caller's cap, and says what is wrong in one line naming the file.
import type { Stats } from "node:fs";
import { nodeBuiltin } from "../bindings/host.js";
import { MoeBankError } from "./errors.js";

/** An input file that cannot be used: `file` names it, `problem` says why. */
export class InputFileError extends MoeBankError {
  override name = "InputFileError";
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** What an fs error code means, in words. */
export function fsProblem(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "ENOTDIR":
      return "no such file (a parent of it is not a directory)";
    case "EISDIR":
      return "is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ERR_FS_FILE_TOO_LARGE":
      return "file too large to read";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "read-only file system";
    case "ELOOP":
      return "too many levels of symbolic links";
    default: {
      const msg = e instanceof Error ? e.message : String(e);
      return `cannot read: ${typeof code === "string" ? code + " " : ""}${msg}`.replace(/\s+/g, " ").trim();
    }
  }
}

function typeOf(st: Stats): string {
  return st.isFIFO() ? "a FIFO" : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device" : st.isSocket() ? "a socket" : "not a file";
}

/** The largest input read whole (Node's Buffer limit is 2 GiB). */
export const INPUT_MAX_BYTES = 0x7fffffff;

type FileHandle = import("node:fs/promises").FileHandle;

/** Opens a regular file for reading (not blocking, not a device/FIFO/socket, at most maxBytes). */
async function openChecked(path: string, maxBytes: number): Promise<{ fh: FileHandle; size: number }> {
  const fs = nodeBuiltin<typeof import("node:fs/promises")>("node:fs/promises");
  if (fs === null) throw new InputFileError(path, "cannot read files here (no file system)");
  let fh: FileHandle;
  try {
    fh = await fs.open(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(path, fsProblem(e));
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputFileError(path, "is a directory");
    if (!st.isFile()) throw new InputFileError(path, `is ${typeOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw new InputFileError(path, `is ${st.size} bytes, more than the ${maxBytes} this input may have`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e instanceof InputFileError ? e : new InputFileError(path, fsProblem(e));
  }
}

/** Reads length bytes at offset (fewer only at the end of the file). */
async function readAt(fh: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(out, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? out : out.subarray(0, got);
}

/** Reads a regular file whole, at most `maxBytes`; anything else is an InputFileError. */
export async function readInput(path: string, maxBytes = INPUT_MAX_BYTES): Promise<Uint8Array> {
  const { fh, size } = await openChecked(path, maxBytes);
  try {
    return await readAt(fh, 0, size);
  } catch (e) {
    throw e instanceof InputFileError ? e : new InputFileError(path, fsProblem(e));
  } finally {
    await fh.close();
  }
}

/** An input file read piece by piece (a file larger than memory). Close it when done. */
export interface InputBlocks {
  readonly path: string;
  readonly size: number;
  /** length bytes at offset; an InputFileError if the file ends before. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens a regular file of any size for reads at offsets (same checks as readInput). */
export async function openInputBlocks(path: string): Promise<InputBlocks> {
  const { fh, size } = await openChecked(path, Number.MAX_SAFE_INTEGER);
  return {
    path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      let b: Uint8Array;
      try {
        b = await readAt(fh, offset, length);
      } catch (e) {
        throw new InputFileError(path, fsProblem(e));
      }
      if (b.length < length) throw new InputFileError(path, `ends at byte ${offset + b.length}, ${length} bytes were to be read at ${offset} (did it change while being read?)`);
      return b;
    },
    close: () => fh.close(),
  };
}
