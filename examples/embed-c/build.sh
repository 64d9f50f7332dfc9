#!/bin/sh
# Builds embed-cnn (main.c + the core) from the scalar build of the core:
#   1. wabt's wasm2c translates build/scalar.wasm to C (module name "core": Z_coreZ_<export>);
#   2. gcc compiles it with IEEE-strict flags (-ffp-contract=off: no fused multiply-add; never
#      -ffast-math), together with wabt's runtime (wasm-rt-impl.c) and the host, main.c.
# Usage: examples/embed-c/build.sh [OUT_DIR]   (default $TMPDIR/moe-bank-embed-c; prints the binary's path)
# Environment: WASM (default build/scalar.wasm), WASM_RT_DIR (the folder of wasm-rt-impl.c),
# CC (default gcc). Needs Debian's wabt (1.0.32) and gcc: apt-get install wabt gcc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-${TMPDIR:-/tmp}/moe-bank-embed-c}
wasm=${WASM:-$root/build/scalar.wasm}
rt=${WASM_RT_DIR:-}
if [ -z "$rt" ]; then
  for d in /usr/share/wabt/wasm2c /usr/src/wasm2c /usr/local/share/wabt/wasm2c; do
    if [ -f "$d/wasm-rt-impl.c" ]; then rt=$d; break; fi
  done
fi
if [ -z "$rt" ]; then
  echo "build.sh: wabt's wasm-rt-impl.c not found (apt-get install wabt, or set WASM_RT_DIR)" >&2
  exit 1
fi
[ -f "$wasm" ] || { echo "build.sh: $wasm not found (npm run build:wasm)" >&2; exit 1; }
mkdir -p "$out"
# wasm2c aborts on modules that use SIMD (v128): only the scalar build translates.
wasm2c "$wasm" -n core -o "$out/core.c"
${CC:-gcc} -O2 -ffp-contract=off -I"$out" -I"$rt" -o "$out/embed-cnn" \
  "$here/main.c" "$out/core.c" "$rt/wasm-rt-impl.c" -lm
echo "$out/embed-cnn"
