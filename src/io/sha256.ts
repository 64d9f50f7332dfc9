// SHA-256, the one helper every hash of the project goes through (dataset ids, expert and bank
// hashes, cache keys and entries, manifests, reports): WebCrypto (globalThis.crypto.subtle), the
// same bytes in Node, Bun, Deno and browsers.

/** The SHA-256 of `data` as 64 lowercase hex digits: of the bytes, of a string's UTF-8 bytes, or
 *  of the concatenation of several byte arrays (one file read in parts). */
export async function sha256Hex(data: Uint8Array | string | readonly Uint8Array[]): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data instanceof Uint8Array ? data : concat(data);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (let i = 0; i < digest.length; i++) s += digest[i]!.toString(16).padStart(2, "0");
  return s;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
