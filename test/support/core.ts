// Shared by the tests: one core instance per build, loaded once per test file.
import { Core, type Build } from "../../bindings/index.js";

const cache = new Map<Build, Promise<Core>>();
export function loadCore(build: Build = "simd"): Promise<Core> {
  let p = cache.get(build);
  if (!p) {
    p = Core.load({ build });
    cache.set(build, p);
  }
  return p;
}
