// Pinned results: the canonical results sha-256 of `moe-bank reproduce --quick` (seed 0, MNIST).
// Every engine (Node, Bun, Deno, Chromium) must produce it; a change here changes the numbers
// everyone must agree on and must be deliberate.
export const QUICK_RESULTS_SHA256 = "919166ecc557dfea71858b92bce2210c4f5c4ef07cc4d7d66856e4ff5ed1e6d9";

/** The sha-256 of the bank folder that `moe-bank reproduce --quick` (seed 0, MNIST) writes
 *  (bank/manifest.json and bank/experts.safetensors), measured at 39ee975 before a bank's spec
 *  followed its dataset (issue 24): the default bank's bytes must not change with that. */
export const QUICK_BANK_SHA256 = {
  "manifest.json": "ffcb4c1a9bda3e9c24ecdd579726a0afb867c632348d09bb191b2e82d3c2cf28",
  "experts.safetensors": "31eccb40aa54998f4f65005469775823fadf649895d7eb2ecf5ea69a840a3be1",
};
