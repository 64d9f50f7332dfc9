// The on-disk cache (Node-only): one safetensors file per finished unit of work, named by the
// sha-256 key of all its inputs, written atomically. A file that does not decode or whose
// recorded content hash does not match is reported and recomputed, never used.
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { encodeSafetensors, decodeSafetensors } from "../formats/safetensors.js";
import { writeAtomic } from "../io/files.js";
import { sha256Hex } from "../io/sha256.js";
import type { EvalBlock, ResultCache, TrainedExpert } from "./bank.js";

type Arrays = Record<string, Float32Array | Uint8Array>;

class FsCache<T extends Arrays> implements ResultCache<T> {
  constructor(readonly dir: string, readonly kind: string, readonly names: (keyof T & string)[], readonly warn: (s: string) => void) {}

  #path(key: string): string {
    return join(this.dir, this.kind, `${key}.safetensors`);
  }

  async get(key: string): Promise<T | null> {
    const path = this.#path(key);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch {
      return null;
    }
    try {
      const { tensors, metadata } = decodeSafetensors(bytes, path);
      const out: Arrays = {};
      const h = [];
      for (const n of this.names) {
        const t = tensors.get(n);
        if (!t) throw new Error(`missing ${n}`);
        out[n] = t.dtype === "F32" ? Float32Array.from(t.data as Float32Array) : Uint8Array.from(t.data as Uint8Array);
        h.push(await sha256Hex(new Uint8Array(out[n]!.buffer)));
      }
      if (metadata.key !== key || metadata.content !== h.join(",")) throw new Error("content hash mismatch");
      return out as T;
    } catch (e) {
      this.warn(`cache entry ${path} is unusable (${e instanceof Error ? e.message : String(e)}); recomputing it`);
      return null;
    }
  }

  async put(key: string, value: T): Promise<void> {
    const tensors = this.names.map((n) => {
      const d = value[n]!;
      return { name: n, dtype: (d instanceof Float32Array ? "F32" : "U8") as "F32" | "U8", shape: [d.length], data: d };
    });
    const content = (await Promise.all(this.names.map((n) => sha256Hex(new Uint8Array(value[n]!.buffer, value[n]!.byteOffset, value[n]!.byteLength))))).join(",");
    await writeAtomic(this.#path(key), encodeSafetensors(tensors, { key, content }));
  }
}

export function expertCache(dir: string, warn: (s: string) => void): ResultCache<TrainedExpert> {
  return new FsCache<TrainedExpert & Arrays>(dir, "experts", ["params", "testLosses", "testPreds"], warn) as unknown as ResultCache<TrainedExpert>;
}

export function blockCache(dir: string, warn: (s: string) => void): ResultCache<EvalBlock> {
  return new FsCache<EvalBlock & Arrays>(dir, "eval", ["losses", "preds"], warn);
}
