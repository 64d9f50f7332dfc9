// The privacy-constrained gate (src/routing/private.ts): randomized response over the experts on
// top of the best-expert choice. I(X;T) <= epsilon for every epsilon (eps-LDP), and no
// (rate, distortion) point lies below the BA frontier on the same rows: constrainedD's lower
// bound at the gate's rate is a lower bound on any gate's distortion at that rate.
// JS Math is fine here: tests are the independent reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { loadCore } from "./support/core.js";
import { constrainedD, RoutingProblem } from "../src/routing/index.js";
import { bestExpertChoice, gateDistortion, privateGateMatrix, privateGateSweep, PRIVATE_EPSILONS } from "../src/routing/private.js";
import { readLossMatrix, type LossMatrix } from "../src/formats/losses.js";

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** R experts with error rates 0.08-0.2 on N items, correlated through a per-item difficulty. */
function bankLike(R: number, N: number, seed: number): LossMatrix {
  const u = rng(seed);
  const data = new Uint8Array(R * N);
  for (let i = 0; i < N; i++) {
    const hard = u() < 0.1;
    for (let t = 0; t < R; t++) data[t * N + i] = u() < (hard ? 0.6 : 0.04 + 0.01 * t) ? 1 : 0;
  }
  return { R, N, data };
}

/** Independent f64 reference of eq. 24 with JS Math. */
function refInformation(p: Float64Array, n: number, R: number): number {
  const pi = new Float64Array(R);
  for (let i = 0; i < n; i++) for (let t = 0; t < R; t++) pi[t] += p[i * R + t]!;
  for (let t = 0; t < R; t++) pi[t] /= n;
  let I = 0;
  for (let i = 0; i < n; i++) for (let t = 0; t < R; t++) {
    const q = p[i * R + t]!;
    if (q > 0) I += q * Math.log(q / pi[t]!);
  }
  return I / n;
}

function checkAgainstFrontier(core: Awaited<ReturnType<typeof loadCore>>, L: LossMatrix, n: number, label: string): void {
  const { choice, best } = bestExpertChoice(L, n);
  // the choice: b* where it is right, else a right expert, else b*
  for (let i = 0; i < n; i++) {
    const c = choice[i]!;
    let anyRight = false;
    for (let t = 0; t < L.R; t++) if (L.data[t * L.N + i] === 0) anyRight = true;
    if (anyRight) assert.equal(L.data[c * L.N + i], 0);
    else assert.equal(c, best);
  }
  const { points } = privateGateSweep(core, L, PRIVATE_EPSILONS, n);
  const prob = RoutingProblem.create(core, L, n);
  try {
    let prevD = Infinity;
    for (const pt of points) {
      const p = privateGateMatrix(core, choice, L.R, pt.epsilon);
      const ref = refInformation(p, n, L.R);
      assert.ok(Math.abs(ref - pt.rate) <= 1e-12, `${label} eps ${pt.epsilon}: I ${pt.rate} vs reference ${ref}`);
      assert.ok(pt.rate <= pt.epsilon + 1e-12, `${label} eps ${pt.epsilon}: I(X;T) = ${pt.rate} > epsilon`);
      assert.ok(pt.rate <= Math.log(L.R) + 1e-12);
      assert.ok(pt.distortion <= prevD + 1e-12, `${label}: D not decreasing in eps`);
      prevD = pt.distortion;
      if (pt.epsilon === 0) assert.ok(pt.rate <= 1e-12);
      const c = constrainedD(core, prob, pt.rate);
      assert.ok(pt.distortion >= c.lower - 1e-9, `${label} eps ${pt.epsilon}: gate (${pt.rate}, ${pt.distortion}) below the frontier (lower ${c.lower})`);
    }
    // the comparison has power: the most accurate gate, misreported at rate 0 (a rate bug), would
    // lie below the frontier's rate-0 end (the best single expert)
    const last = points[points.length - 1]!;
    assert.ok(last.distortion < constrainedD(core, prob, 0).lower - 1e-3, `${label}: the frontier check cannot fail`);
  } finally {
    prob.free();
  }
}

test("private gate: I(X;T) <= epsilon and never below the BA frontier (synthetic bank)", async () => {
  const core = await loadCore();
  const L = bankLike(10, 800, 7);
  checkAgainstFrontier(core, L, L.N, "synthetic");
  // the distortion helper against its definition on a point gate
  const { choice } = bestExpertChoice(L);
  const hard = new Float64Array(L.N * L.R);
  let err = 0;
  for (let i = 0; i < L.N; i++) { hard[i * L.R + choice[i]!] = 1; err += L.data[choice[i]! * L.N + i]!; }
  assert.equal(gateDistortion(L, hard, L.N), err / L.N);
  assert.throws(() => privateGateMatrix(core, choice, L.R, -1), RangeError);
});

const BANK = "/work/banks/distinct/losses-test.npy";
test("private gate on the default MNIST bank, first 2,000 test rows", { skip: !existsSync(BANK) && "no bank" }, async () => {
  const core = await loadCore();
  const L = await readLossMatrix(BANK);
  checkAgainstFrontier(core, { R: L.R, N: L.N, data: L.data }, 2000, "mnist");
});

test("moe-bank gates --gate private: --json points, every gap >= 0, one-line errors", async () => {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { encodeNpy } = await import("../src/formats/npy.js");
  const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "moe-gates-"));
  try {
    const L = bankLike(8, 2500, 11);
    const f = join(dir, "losses.npy");
    writeFileSync(f, encodeNpy("u8", [L.R, L.N], L.data));
    const r = spawnSync(process.execPath, [CLI, "gates", "--test-losses", f, "--epsilons", "0,1,2,4", "--json"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.gate, "private");
    assert.equal(j.N, 2000);
    assert.deepEqual(j.points.map((p: { epsilon: number }) => p.epsilon), [0, 1, 2, 4]);
    const core = await loadCore();
    const direct = privateGateSweep(core, L, [0, 1, 2, 4], 2000).points;
    for (const [k, p] of (j.points as { rate: number; distortion: number; gap: number; epsilon: number }[]).entries()) {
      assert.equal(p.rate, direct[k]!.rate);
      assert.equal(p.distortion, direct[k]!.distortion);
      assert.ok(p.rate <= p.epsilon + 1e-12 && p.gap >= -1e-9);
    }
    const bad = spawnSync(process.execPath, [CLI, "gates", "--test-losses", f, "--epsilons", "-1"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, "");
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
