// Pinned results: the canonical results sha-256 of `moe-bank reproduce --quick` (seed 0, MNIST).
// Every engine (Node, Bun, Deno, Chromium) must produce it; a change here changes the numbers
// everyone must agree on and must be deliberate.
export const QUICK_RESULTS_SHA256 = "abf20b7b3a1683ac1fc343cc779ef3a058cb87800a438199112e5e562eb5ec4d";
