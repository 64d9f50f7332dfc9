// NODE-ONLY: how many worker threads this machine holds, and the check of a requested count
// (kept apart from the browser-safe modules: it reads the machine's memory).
import { totalmem } from "node:os";
import { UsageError } from "../errors.js";

/** Memory one worker may hold: its own core, a copy of the dataset and the training workspaces
 *  (measured: 160 MB per worker training on MNIST, /usr/bin/time maxrss of bank train at 1 and 4
 *  workers); 256 MiB leaves room for larger datasets. */
export const WORKER_BYTES = 256 * 0x100000;

/** The most worker threads this machine can hold: half its memory at WORKER_BYTES each (at
 *  least 1, at most 1024). */
export function maxWorkers(): number {
  return Math.max(1, Math.min(1024, Math.floor(totalmem() / 2 / WORKER_BYTES)));
}

/** --workers, when given: 1 to maxWorkers() threads. */
export function checkWorkers(x: number | undefined): void {
  if (x !== undefined && (!Number.isInteger(x) || x < 1 || x > maxWorkers())) {
    throw new UsageError(`--workers must be an integer in [1, ${maxWorkers()}] (this machine's ${(totalmem() / 0x40000000).toFixed(1)} GiB hold ${maxWorkers()} workers of ${WORKER_BYTES / 0x100000} MiB in half its memory), got ${x}`);
  }
}
