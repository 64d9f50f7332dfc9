// Pinned results: the canonical results sha-256 of `moe-bank reproduce --quick` (seed 0, MNIST).
// Every engine (Node, Bun, Deno, Chromium) must produce it; a change here changes the numbers
// everyone must agree on and must be deliberate.
export const QUICK_RESULTS_SHA256 = "0a0470fb560e083c05c3ae781652cfbe50da0a6d184a11bc0e79009bb29a9116";
