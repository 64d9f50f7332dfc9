// Pinned results: the canonical results sha-256 of `moe-bank reproduce --quick` (seed 0, MNIST).
// Every engine (Node, Bun, Deno, Chromium) must produce it; a change here changes the numbers
// everyone must agree on and must be deliberate.
export const QUICK_RESULTS_SHA256 = "90572f3b75fc1ef8aeb6b6ceb79296b58cc1b56e629c240ed5d7948ed7019ecf";
