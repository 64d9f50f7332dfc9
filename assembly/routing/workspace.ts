// The workspace of ba_solve and ba_gate_stats: one caller-owned buffer of ba_workspace_bytes(K, R)
// bytes, 16-byte aligned. Its first bytes hold a BaWork record (where each slot of the rest of the
// buffer is, and the solver's counters), so the routing kernels keep no module-level state: every
// call carves its own buffer, and two problems solved in turn or interleaved cannot share a slot.
// Slots of f64 after the record (each block 16-byte aligned):
//   Z0, Z1 [K]: Z at the current point and at the candidate;
//   c0, c1, c2 [RS]: certificates; p1, p2, th, r, v, q, d, u, grad, x, y, pb [RS]: vectors;
//   A [RS*RS]: Hessian of F; M [R*R]: Cholesky factor of its free block;
//   freeList i32 [RS], W u8 [RS]: the QP's free list and working set.
import { align16 } from "../mem";
import { ba_stride } from "./ba";

/** The record at the start of a workspace: slot pointers and counters (written to ba_solve's out). */
@unmanaged
export class BaWork {
  Z0: usize; Z1: usize;
  c0: usize; c1: usize; c2: usize;
  p1: usize; p2: usize; th: usize; r: usize; v: usize; q: usize; d: usize;
  u: usize; grad: usize; x: usize; y: usize; pb: usize;
  A: usize; M: usize; freeList: usize; W: usize;
  nEval: i32; nIter: i32; nAccel: i32; nFallback: i32; nQp: i32;
}

const NVEC: i32 = 15;

// @ts-ignore: decorator
@inline function recordBytes(): usize {
  return align16(offsetof<BaWork>());
}

/** Bytes of workspace ba_solve and ba_gate_stats need for K distinct rows and R experts. */
export function ba_workspace_bytes(K: i32, R: i32): usize {
  const RS = <usize>ba_stride(R);
  return recordBytes() + 2 * align16(<usize>K << 3) + <usize>NVEC * align16(RS << 3) + align16((RS * RS) << 3) + align16(<usize>(R * R) << 3) + align16(RS << 2) + align16(RS);
}

/** The record of the workspace at `work` for (K, R): slots carved in order, counters zero. */
export function baWork(work: usize, K: i32, R: i32): BaWork {
  const ws = changetype<BaWork>(work);
  const RS = <usize>ba_stride(R);
  const kb = align16(<usize>K << 3), vb = align16(RS << 3);
  let p = work + recordBytes();
  ws.Z0 = p; p += kb;
  ws.Z1 = p; p += kb;
  ws.c0 = p; p += vb; ws.c1 = p; p += vb; ws.c2 = p; p += vb;
  ws.p1 = p; p += vb; ws.p2 = p; p += vb; ws.th = p; p += vb; ws.r = p; p += vb; ws.v = p; p += vb;
  ws.q = p; p += vb; ws.d = p; p += vb; ws.u = p; p += vb; ws.grad = p; p += vb; ws.x = p; p += vb;
  ws.y = p; p += vb; ws.pb = p; p += vb;
  ws.A = p; p += align16((RS * RS) << 3);
  ws.M = p; p += align16(<usize>(R * R) << 3);
  ws.freeList = p; p += align16(RS << 2);
  ws.W = p;
  ws.nEval = 0;
  ws.nIter = 0;
  ws.nAccel = 0;
  ws.nFallback = 0;
  ws.nQp = 0;
  return ws;
}
