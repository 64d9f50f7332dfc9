// The rows of a gate, p(t|x_i) for i < N over R experts, read block by block: a gate logged by a
// training run can be larger than memory (N tokens x R experts x L layers), and every quantity of
// gate-measure.ts is a sum over rows, so two passes over blocks suffice. The rows come from an
// array in memory or from an .npy file (float16/32/64, [N, R] or [L, N, R]) behind any source of
// bytes at offsets (a file opened by src/input.ts, or the bytes of a dropped file in the page).
import { MoeBankError } from "../errors.js";
import { decodeNpyFloats, npyDataBytes, npyHeaderBytes, parseNpyHeader, NPY_FLOAT_DESCR } from "../formats/npy.js";

/** N rows of R values each (probabilities or logits), row-major. */
export interface GateRows {
  readonly N: number;
  readonly R: number;
  /** Rows [start, start + count) as f64 [count, R]. */
  read(start: number, count: number): Promise<ArrayLike<number>> | ArrayLike<number>;
}

/** The rows of an array in memory, data[i * R + t]. */
export function gateRowsOf(data: ArrayLike<number>, N: number, R: number): GateRows {
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(R) || R < 1) throw new RangeError(`gate shape [${N}, ${R}] is empty`);
  if (data.length !== N * R) throw new RangeError(`gate: ${data.length} values for shape [${N}, ${R}]`);
  const sub = (data as Float64Array).subarray;
  return {
    N,
    R,
    read: (start, count) => (typeof sub === "function" ? (data as Float64Array).subarray(start * R, (start + count) * R) : Array.prototype.slice.call(data, start * R, (start + count) * R)),
  };
}

/** Bytes at offsets: an opened file (InputBlocks) or a buffer in memory. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
}

/** The bytes of a buffer as a ByteSource. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** An .npy file of gate rows: L layers (1 for a 2-D file) of N rows of R floats. */
export interface NpyGateFile {
  readonly file: string;
  readonly descr: string;
  readonly shape: number[];
  readonly layers: number;
  readonly N: number;
  readonly R: number;
  /** The rows of layer l (0 for a 2-D file). */
  layer(l: number): GateRows;
}

/** Reads the header of an .npy file of gate rows from `source`; `file` names it in messages. A
 *  dtype other than float16/32/64, a shape other than [N, R] or [L, N, R] with N, R, L >= 1, or a
 *  data section of the wrong length is a one-line MoeBankError. */
export async function npyGateFile(source: ByteSource, file: string): Promise<NpyGateFile> {
  const pre = await source.read(0, Math.min(12, source.size));
  const headEnd = npyHeaderBytes(pre, file);
  if (headEnd > source.size) throw new MoeBankError(`${file}: header length ${headEnd} runs past the end of the file (${source.size} bytes)`);
  const head = await source.read(0, headEnd);
  const { descr, shape, dataStart } = parseNpyHeader(head, file, (d) => {
    if (!Object.hasOwn(NPY_FLOAT_DESCR, d)) throw new MoeBankError(`${file}: dtype ${d}, expected float16, float32 or float64 (<f2, <f4, <f8) gate rows`);
  });
  if (shape.length !== 2 && shape.length !== 3) throw new MoeBankError(`${file}: shape (${shape.join(", ")}), expected [N, R] (items x experts) or [L, N, R] (layers x items x experts)`);
  if (shape.some((d) => d < 1)) throw new MoeBankError(`${file}: shape (${shape.join(", ")}) is empty`);
  const size = NPY_FLOAT_DESCR[descr]!;
  const need = npyDataBytes(shape, size);
  const have = source.size - dataStart;
  if (need !== have) throw new MoeBankError(`${file}: shape (${shape.join(", ")}) of ${descr} needs ${need > Number.MAX_SAFE_INTEGER ? "over 2^53" : need} data bytes, the file has ${have}`);
  const layers = shape.length === 3 ? shape[0]! : 1;
  const N = shape[shape.length - 2]!, R = shape[shape.length - 1]!;
  return {
    file,
    descr,
    shape,
    layers,
    N,
    R,
    layer(l: number): GateRows {
      if (!Number.isInteger(l) || l < 0 || l >= layers) throw new RangeError(`layer ${l} of ${layers}`);
      const base = dataStart + l * N * R * size;
      return {
        N,
        R,
        read: async (start, count) => decodeNpyFloats(await source.read(base + start * R * size, count * R * size), descr, count * R),
      };
    },
  };
}
