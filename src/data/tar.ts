// A small tar reader (browser-safe, in memory): enough for a dataset archive such as CIFAR-10's
// cifar-10-binary.tar.gz (after gunzip, ./idx.ts). POSIX ustar and GNU tar headers: 512-byte
// blocks, an octal size (or GNU's base-256 for large members), the header checksum verified,
// ustar's name prefix, GNU long names ('L') and pax 'path' records ('x') honoured. Only regular
// files are returned; folders, links and other entries are skipped. Every malformation is an
// IdxError naming the archive and saying, on one line, what is wrong.
import { IdxError } from "../errors.js";

const BLOCK = 512;

/** One regular file of an archive: its path inside the archive and a view of its bytes. */
export interface TarMember {
  name: string;
  data: Uint8Array;
}

function text(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

/** A numeric header field: octal digits (space/NUL padded), or GNU base-256 (first byte 0x80). */
function number(h: Uint8Array, at: number, len: number, what: string, file: string, offset: number): number {
  const f = h.subarray(at, at + len);
  if (f[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + f[i]!;
    if (!Number.isSafeInteger(v)) throw new IdxError(file, `tar header at byte ${offset}: ${what} is too large`);
    return v;
  }
  const s = text(f).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new IdxError(file, `tar header at byte ${offset}: ${what} field ${JSON.stringify(s)} is not octal: not a tar archive, or a corrupt one`);
  return parseInt(s, 8);
}

/** The pax extended header's `path` record, if any ("<len> path=<value>\n" records). */
function paxPath(data: Uint8Array): string | null {
  const s = new TextDecoder().decode(data);
  let at = 0;
  let path: string | null = null;
  while (at < s.length) {
    const sp = s.indexOf(" ", at);
    if (sp < 0) break;
    const len = Number(s.slice(at, sp));
    if (!Number.isInteger(len) || len <= 0) break;
    const rec = s.slice(sp + 1, at + len - 1);
    if (rec.startsWith("path=")) path = rec.slice(5);
    at += len;
  }
  return path;
}

/**
 * The regular files of tar `bytes` (already decompressed), in archive order; `file` names the
 * archive in errors. Refuses a header whose checksum does not match, a member that runs past the
 * end, and an archive that ends inside a header.
 */
export function readTar(bytes: Uint8Array, file: string): TarMember[] {
  const out: TarMember[] = [];
  let at = 0;
  let longName: string | null = null;
  while (at + BLOCK <= bytes.length) {
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break; // the end-of-archive marker (two zero blocks; one is enough)
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const recorded = number(h, 148, 8, "checksum", file, at);
    if (recorded !== sum) throw new IdxError(file, `tar header at byte ${at}: checksum ${recorded} does not match the header's ${sum}: not a tar archive, or a corrupt one`);
    const size = number(h, 124, 12, "size", file, at);
    const type = String.fromCharCode(h[156]!);
    const magic = text(h.subarray(257, 263));
    const prefix = magic === "ustar" ? text(h.subarray(345, 500)) : "";
    let name = text(h.subarray(0, 100));
    if (prefix !== "") name = `${prefix}/${name}`;
    const start = at + BLOCK;
    if (start + size > bytes.length) throw new IdxError(file, `truncated tar archive: member ${JSON.stringify(name)} declares ${size} bytes, ${bytes.length - start} remain`);
    const data = bytes.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = text(data);
      continue;
    }
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === "g") continue;
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    if (type === "0" || type === "\0" || type === "7") out.push({ name, data });
  }
  if (at < bytes.length && at + BLOCK > bytes.length && bytes.subarray(at).some((b) => b !== 0)) {
    throw new IdxError(file, `truncated tar archive: ${bytes.length - at} bytes of a header at byte ${at}`);
  }
  return out;
}
