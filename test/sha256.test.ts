// src/io/sha256.ts, the one SHA-256 helper: bytes (and views into a larger buffer), strings
// (their UTF-8 bytes) and byte arrays in parts (hashed as their concatenation), against node:crypto.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256Hex } from "../src/io/sha256.js";

const node = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

test("sha256Hex of bytes, views, strings and parts equals node:crypto's", async () => {
  assert.equal(await sha256Hex(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(await sha256Hex(big), node(big));
  assert.equal(await sha256Hex(big.subarray(17, 90_000)), node(big.subarray(17, 90_000)), "a view hashes its own bytes only");
  const s = "{\"kind\":\"eval\",\"é\":\"∑\"}";
  assert.equal(await sha256Hex(s), node(Buffer.from(s, "utf8")));
  assert.equal(await sha256Hex([big.subarray(0, 5), big.subarray(5, 77_000), big.subarray(77_000)]), node(big), "parts hash as their concatenation");
  assert.equal(await sha256Hex([big.subarray(0, 9)]), node(big.subarray(0, 9)));
  assert.equal(await sha256Hex([]), node(new Uint8Array(0)));
});
