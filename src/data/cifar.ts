// CIFAR-10's binary format, read in memory (browser-safe; files and the archive: ./cifar-files.ts).
// https://www.cs.toronto.edu/~kriz/cifar.html ("Binary version"): data_batch_1.bin ...
// data_batch_5.bin (training) and test_batch.bin (test), each a whole number of 3,073-byte
// records: one label byte 0-9, then the 3 x 32 x 32 = 3,072 pixel bytes of one image, channel-major
// -- the 1,024 red values, then the green, then the blue, each 32 rows of 32, row-major. The
// official files hold 10,000 records each; any count >= 1 is read.
//
// From records to the core's layout. The core reads images as [N, H, W, C] (u8, one image after
// another, each [H, W, C]: CoreDataset, assembly/nn/cnn.ts), so a record's channel-major
// [C, H, W] pixels are transposed on reading:
//   record r's byte 1 + c * 1024 + h * 32 + w  (channel c, row h, column w)
//   -> images[r * 3072 + (h * 32 + w) * 3 + c]
// and the first convolution sees channel c of pixel (h, w) exactly where PyTorch sees
// x[r, c, h, w] of the same record reshaped to [3, 32, 32] (test/torch.test.ts checks this
// against PyTorch on records written in this format).
//
// CIFAR-100's binary version (train.bin, test.bin) has 3,074-byte records (a coarse and a fine
// label byte): it is refused by name and by record size, never misread as CIFAR-10.
import { IdxError } from "../errors.js";
import type { Split } from "./idx.js";

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_CLASSES = 10;
/** Pixel bytes per image: 3 x 32 x 32. */
export const CIFAR_PIXELS = CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE;
/** Bytes per CIFAR-10 record: the label, then the pixels. */
export const CIFAR10_RECORD = 1 + CIFAR_PIXELS;
/** Bytes per CIFAR-100 record (coarse label, fine label, pixels): refused. */
export const CIFAR100_RECORD = 2 + CIFAR_PIXELS;

/** The binary version's files, in the order the dataset id takes them. */
export const CIFAR10_TRAIN_FILES = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"] as const;
export const CIFAR10_TEST_FILES = ["test_batch.bin"] as const;
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES] as const;
/** The folder the official archive extracts to. */
export const CIFAR10_FOLDER = "cifar-10-batches-bin";
/** CIFAR-100's binary files and folder, recognised only to refuse them clearly. */
export const CIFAR100_FILES = ["train.bin", "test.bin"] as const;
export const CIFAR100_FOLDER = "cifar-100-binary";

/** What moe-bank reads, for messages. */
export const CIFAR10_WANTED = `CIFAR-10's binary version: ${CIFAR10_TRAIN_FILES[0]} ... ${CIFAR10_TRAIN_FILES[4]} and ${CIFAR10_TEST_FILES[0]}, each of 3,073-byte records (1 label byte 0-9, then 3x32x32 pixel bytes)`;

/** The refusal of CIFAR-100's format, after `what` (a file or folder) and a colon. */
export function cifar100Refusal(why: string): string {
  return `${why}: this is CIFAR-100's binary format (3,074-byte records: a coarse and a fine label byte, then 3x32x32 pixels), which moe-bank does not read; --dataset cifar10 reads ${CIFAR10_WANTED}`;
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Checks one batch file's bytes and returns its record count. Refuses (IdxError naming `file`) an
 * empty file, a size that is not a whole number of 3,073-byte records (a truncated or padded
 * file; a whole number of 3,074-byte records is named as CIFAR-100's format), and a label outside
 * 0-9 (naming the record and its byte offset).
 */
export function checkCifarBatch(bytes: Uint8Array, file: string): number {
  const n = bytes.length;
  if (n === 0) throw new IdxError(file, `empty file: a CIFAR-10 batch holds 3,073-byte records (1 label byte 0-9, then 3x32x32 pixel bytes)`);
  if (n % CIFAR10_RECORD !== 0) {
    if (n % CIFAR100_RECORD === 0) throw new IdxError(file, cifar100Refusal(`${thousands(n)} bytes are ${thousands(n / CIFAR100_RECORD)} records of 3,074 bytes`));
    const whole = Math.floor(n / CIFAR10_RECORD);
    throw new IdxError(file, `truncated: ${thousands(n)} bytes are ${thousands(whole)} whole 3,073-byte records and ${thousands(n - whole * CIFAR10_RECORD)} bytes of another (a CIFAR-10 batch is a whole number of records)`);
  }
  const count = n / CIFAR10_RECORD;
  for (let r = 0, at = 0; r < count; r++, at += CIFAR10_RECORD) {
    const label = bytes[at]!;
    if (label >= CIFAR_CLASSES) throw new IdxError(file, `record ${r} (byte ${thousands(at)}): label ${label} is outside 0-9`);
  }
  return count;
}

/**
 * The split made of batch files (each checked by checkCifarBatch), records in file order: 3 x 32
 * x 32 images in the core's [N, H, W, C] layout (see the mapping at the top of this file) and
 * their labels.
 */
export function cifarSplit(batches: { file: string; bytes: Uint8Array }[]): Split {
  const counts = batches.map((b) => checkCifarBatch(b.bytes, b.file));
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  let i = 0;
  for (const { bytes } of batches) {
    for (let at = 0; at < bytes.length; at += CIFAR10_RECORD, i++) {
      labels[i] = bytes[at]!;
      const dst = i * CIFAR_PIXELS;
      for (let c = 0; c < CIFAR_CHANNELS; c++) {
        const src = at + 1 + c * plane;
        for (let p = 0; p < plane; p++) images[dst + p * CIFAR_CHANNELS + c] = bytes[src + p]!;
      }
    }
  }
  return { count, rows: CIFAR_SIDE, cols: CIFAR_SIDE, channels: CIFAR_CHANNELS, images, labels, classes: CIFAR_CLASSES };
}

/** Writes records in CIFAR-10's format (tests, examples): `images` in [N, 32, 32, 3] order (the
 *  inverse of cifarSplit's transpose), labels 0-9. */
export function encodeCifarBatch(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * CIFAR_PIXELS) throw new RangeError(`encodeCifarBatch: ${images.length} pixel bytes for ${n} images of ${CIFAR_PIXELS}`);
  const out = new Uint8Array(n * CIFAR10_RECORD);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let i = 0; i < n; i++) {
    if (labels[i]! >= CIFAR_CLASSES) throw new RangeError(`encodeCifarBatch: label ${labels[i]} at ${i} is outside 0-9`);
    const at = i * CIFAR10_RECORD;
    out[at] = labels[i]!;
    for (let c = 0; c < CIFAR_CHANNELS; c++) for (let p = 0; p < plane; p++) out[at + 1 + c * plane + p] = images[i * CIFAR_PIXELS + p * CIFAR_CHANNELS + c]!;
  }
  return out;
}
