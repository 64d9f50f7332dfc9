/* embed-cnn: the forward pass of one stored expert, from C, through the moe-bank core.
 *
 * The core is build/scalar.wasm translated to C by wabt's wasm2c (module name "core", so its
 * functions are Z_coreZ_<export>). This file is the whole host: it provides the core's only
 * import, env.abort, and then speaks the core's ABI (docs/ABI.md) directly: it allocates with
 * alloc, copies an expert's parameters out of a bank's experts.safetensors and images out of
 * IDX files into linear memory, and calls cnn_layout, cnn_workspace_bytes and cnn_forward.
 *
 *   embed-cnn EXPERTS.safetensors EXPERT IMAGES.idx LABELS.idx [COUNT] [--spec C,H,W,c1,c2,hidden,classes,k]
 *
 * Runs the first COUNT images (default 64) as one batch and prints one line per image,
 * "index pred label" and the image's logits as the 8 hex digits of each f32's bit pattern, then
 * "correct N/COUNT". The spec defaults to the paper's MNIST expert (1,28,28,16,32,64,10,3).
 * Exit codes: 0 ok, 1 bad input (one line on stderr), 3 the core aborted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* ---- the import: env.abort(msg, file, line, col) ------------------------------------------ */

/* wasm2c declares the import's context as `struct Z_env_instance_t*`; the host defines it. */
struct Z_env_instance_t {
  Z_core_instance_t* core;
};

/* An AssemblyScript string: UTF-16LE code units at ptr, their byte length as a u32 at ptr - 4. */
static void print_as_string(FILE* f, const wasm_rt_memory_t* mem, u32 ptr) {
  if (ptr < 4 || ptr > mem->size) { fputs("?", f); return; }
  u32 bytes;
  memcpy(&bytes, mem->data + ptr - 4, 4);
  if ((u64)ptr + bytes > mem->size) { fputs("?", f); return; }
  for (u32 i = 0; i + 1 < bytes; i += 2) {
    unsigned unit = mem->data[ptr + i] | (mem->data[ptr + i + 1] << 8);
    fputc(unit < 128 ? (int)unit : '?', f);
  }
}

void Z_envZ_abort(struct Z_env_instance_t* env, u32 msg, u32 file, u32 line, u32 col) {
  const wasm_rt_memory_t* mem = &env->core->w2c_memory;
  fputs("embed-cnn: the core aborted: ", stderr);
  print_as_string(stderr, mem, msg);
  fputs(" (", stderr);
  print_as_string(stderr, mem, file);
  fprintf(stderr, ":%u:%u)\n", line, col);
  exit(3);
}

/* ---- input files ---------------------------------------------------------------------------- */

static void fail(const char* what, const char* detail) {
  fprintf(stderr, "embed-cnn: %s: %s\n", what, detail);
  exit(1);
}

static uint8_t* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) fail(path, "cannot open");
  if (fseek(f, 0, SEEK_END) != 0) fail(path, "cannot seek");
  long n = ftell(f);
  if (n < 0) fail(path, "cannot tell its size");
  rewind(f);
  uint8_t* buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) fail(path, "cannot read");
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static u32 be32(const uint8_t* p) {
  return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

/* An IDX file of unsigned bytes (raw, not gzipped): magic 0x0000 08 <ndim>, ndim big-endian u32
 * dimensions, then the data. Returns a pointer to the data and the item count (first dim). */
static const uint8_t* idx_data(const char* path, const uint8_t* buf, size_t size, u32 ndim, u32* count, u32* item) {
  if (size < 4 + 4 * (size_t)ndim || be32(buf) != (0x0800u | ndim)) fail(path, "not an IDX file of unsigned bytes with the expected rank (gunzip it first)");
  u64 per = 1;
  for (u32 d = 1; d < ndim; d++) per *= be32(buf + 4 + 4 * d);
  *count = be32(buf + 4);
  *item = (u32)per;
  if (4 + 4 * (u64)ndim + per * *count > size) fail(path, "truncated");
  return buf + 4 + 4 * ndim;
}

/* The safetensors header is JSON: {"expert.3.conv1.weight":{"dtype":"F32","shape":[...],
 * "data_offsets":[begin,end]}, ...}. This finds one tensor's entry with plain string search
 * (enough for files moe-bank writes; not a general JSON parser) and returns its bytes. */
static const uint8_t* st_tensor(const char* path, const uint8_t* buf, size_t size, const char* name, u64* bytes) {
  if (size < 8) fail(path, "not a safetensors file");
  u64 hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | buf[i];
  if (hlen > size - 8) fail(path, "header longer than the file");
  char* header = malloc(hlen + 1);
  memcpy(header, buf + 8, hlen);
  header[hlen] = 0;
  char key[128];
  snprintf(key, sizeof key, "\"%s\"", name);
  char* at = strstr(header, key);
  if (!at) { fprintf(stderr, "embed-cnn: %s: no tensor %s\n", path, name); exit(1); }
  char* end = strchr(at, '}');
  char* dtype = strstr(at, "\"dtype\"");
  char* offs = strstr(at, "\"data_offsets\"");
  if (!end || !dtype || !offs || dtype > end || offs > end) fail(path, "malformed tensor entry");
  if (!strstr(dtype, "\"F32\"") || strstr(dtype, "\"F32\"") > end) { fprintf(stderr, "embed-cnn: %s: %s is not F32\n", path, name); exit(1); }
  unsigned long long b0, b1;
  if (sscanf(strchr(offs, '[') + 1, "%llu , %llu", &b0, &b1) != 2 || b1 < b0 || 8 + hlen + b1 > size) fail(path, "bad data_offsets");
  free(header);
  *bytes = b1 - b0;
  return buf + 8 + hlen + b0;
}

/* ---- main ----------------------------------------------------------------------------------- */

static const char* TENSORS[8] = {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                 "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};

int main(int argc, char** argv) {
  const char* pos[5] = {0};
  int npos = 0;
  int32_t spec[9] = {1, 28, 28, 16, 32, 64, 10, 3, 1}; /* C, H, W, c1, c2, hidden, classes, k, pad */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--spec") == 0 && i + 1 < argc) {
      if (sscanf(argv[++i], "%d,%d,%d,%d,%d,%d,%d,%d", &spec[0], &spec[1], &spec[2], &spec[3], &spec[4], &spec[5], &spec[6], &spec[7]) != 8) fail("--spec", "expected C,H,W,c1,c2,hidden,classes,k");
      spec[8] = (spec[7] - 1) / 2;
    } else if (npos < 5) {
      pos[npos++] = argv[i];
    } else {
      fail("usage", "too many arguments");
    }
  }
  if (npos < 4) {
    fprintf(stderr, "usage: embed-cnn EXPERTS.safetensors EXPERT IMAGES.idx LABELS.idx [COUNT] [--spec C,H,W,c1,c2,hidden,classes,k]\n");
    return 1;
  }
  const int expert = atoi(pos[1]);
  size_t stSize, imSize, lbSize;
  uint8_t* st = read_file(pos[0], &stSize);
  uint8_t* im = read_file(pos[2], &imSize);
  uint8_t* lb = read_file(pos[3], &lbSize);
  u32 nImages, pixels, nLabels, one;
  const uint8_t* images = idx_data(pos[2], im, imSize, 3, &nImages, &pixels);
  const uint8_t* labels = idx_data(pos[3], lb, lbSize, 1, &nLabels, &one);
  if (nLabels != nImages) fail(pos[3], "label count differs from the image count");
  if (pixels != (u32)(spec[0] * spec[1] * spec[2])) fail(pos[2], "image size does not match the spec");
  u32 B = npos > 4 ? (u32)atoi(pos[4]) : 64;
  if (B < 1 || B > nImages) fail("COUNT", "must be between 1 and the number of images");

  /* the core: runtime, module, instance (its memory), with our env */
  wasm_rt_init();
  Z_core_init_module();
  Z_core_instance_t core;
  struct Z_env_instance_t env = {&core};
  Z_core_instantiate(&core, &env);
  if (Z_coreZ_abi_version(&core) != 1) fail("core", "unexpected ABI version");

  /* Every buffer comes from the core's allocator. alloc may grow memory (and move
   * core.w2c_memory.data), so addresses in host memory are formed only after the last alloc. */
  const u32 specPtr = Z_coreZ_alloc(&core, sizeof spec);
  const u32 tablePtr = Z_coreZ_alloc(&core, 16 * 4);
  memcpy(core.w2c_memory.data + specPtr, spec, sizeof spec); /* i32 little-endian, like the host */
  const u32 nParams = Z_coreZ_cnn_layout(&core, specPtr, tablePtr);
  int32_t table[16];
  memcpy(table, core.w2c_memory.data + tablePtr, sizeof table); /* 8 offsets, 8 lengths (floats) */
  const u32 wsBytes = Z_coreZ_cnn_workspace_bytes(&core, specPtr, (u32)B);
  const u32 params = Z_coreZ_alloc(&core, nParams * 4);
  const u32 imgs = Z_coreZ_alloc(&core, B * pixels);
  const u32 labs = Z_coreZ_alloc(&core, B);
  const u32 idx = Z_coreZ_alloc(&core, B * 4);
  const u32 ws = Z_coreZ_alloc(&core, wsBytes);
  const u32 logits = Z_coreZ_alloc(&core, B * (u32)spec[6] * 4);
  const u32 preds = Z_coreZ_alloc(&core, B * 4);
  const u32 losses = Z_coreZ_alloc(&core, B);

  uint8_t* mem = core.w2c_memory.data;
  for (int t = 0; t < 8; t++) {
    char name[96];
    snprintf(name, sizeof name, "expert.%d.%s", expert, TENSORS[t]);
    u64 bytes;
    const uint8_t* src = st_tensor(pos[0], st, stSize, name, &bytes);
    if (bytes != (u64)table[8 + t] * 4) { fprintf(stderr, "embed-cnn: %s: %s has %llu bytes, the spec needs %d\n", pos[0], name, (unsigned long long)bytes, table[8 + t] * 4); return 1; }
    memcpy(mem + params + (u32)table[t] * 4, src, bytes); /* safetensors data is little-endian */
  }
  memcpy(mem + imgs, images, (size_t)B * pixels);
  memcpy(mem + labs, labels, B);
  for (u32 b = 0; b < B; b++) memcpy(mem + idx + 4 * b, &b, 4);

  Z_coreZ_cnn_forward(&core, specPtr, params, imgs, labs, idx, B, ws, logits, preds, losses);

  mem = core.w2c_memory.data;
  u32 correct = 0;
  for (u32 b = 0; b < B; b++) {
    int32_t pred;
    memcpy(&pred, mem + preds + 4 * b, 4);
    correct += mem[losses + b] == 0;
    printf("%u %d %u", b, pred, labels[b]);
    for (int k = 0; k < spec[6]; k++) {
      u32 bits;
      memcpy(&bits, mem + logits + 4 * (b * (u32)spec[6] + (u32)k), 4);
      printf(" %08x", bits);
    }
    putchar('\n');
  }
  printf("correct %u/%u\n", correct, B);

  Z_core_free(&core);
  wasm_rt_free();
  free(st); free(im); free(lb);
  return 0;
}
