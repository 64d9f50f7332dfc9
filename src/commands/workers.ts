// NODE-ONLY: the --workers option of every command that runs a worker pool; its bound and check
// are src/parallel/workers.ts's.
import { maxWorkers } from "../parallel/workers.js";
export { checkWorkers, maxWorkers, WORKER_BYTES } from "../parallel/workers.js";

/** The --workers option of every command that runs a worker pool. */
export const workersOption = {
  type: "number",
  describe: `worker threads (default: one per core; at most ${maxWorkers()} here, by memory); results do not depend on it`,
} as const;

