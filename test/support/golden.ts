// Pinned results: the canonical results sha-256 of `moe-bank reproduce --quick` (seed 0, MNIST).
// Every engine (Node, Bun, Deno, Chromium) must produce it; a change here changes the numbers
// everyone must agree on and must be deliberate.
export const QUICK_RESULTS_SHA256 = "919166ecc557dfea71858b92bce2210c4f5c4ef07cc4d7d66856e4ff5ed1e6d9";

/** The sha-256 of the bank folder that `moe-bank reproduce --quick` (seed 0, MNIST) writes: its
 *  experts.safetensors as measured at 39ee975 (before a bank's spec followed its dataset, issue 24,
 *  and before the fused kernels of issue 23: neither may change the experts' bits), and its
 *  manifest.json with the core's sha-256 (which the manifest records, and which every kernel commit
 *  changes even when the bits it computes do not) written as 64 zeros. */
export const QUICK_BANK_SHA256 = {
  "manifest.json": "43b16dbab94769202567fcdf65b00226dda3e51bdfec66ea805bad8182dc41c8",
  "experts.safetensors": "31eccb40aa54998f4f65005469775823fadf649895d7eb2ecf5ea69a840a3be1",
};

/** A manifest's bytes with its core sha-256 (`core`, the build's hash) written as 64 zeros. */
export function maskCoreSha(manifest: Uint8Array, core: string): Uint8Array {
  const text = new TextDecoder().decode(manifest);
  if (text.split(core).length !== 2 || !text.includes(`"sha256": "${core}"`)) throw new Error(`the manifest names core ${core} not exactly once`);
  return new TextEncoder().encode(text.replace(core, "0".repeat(64)));
}
