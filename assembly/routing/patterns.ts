// Distinct rows of a loss matrix (the K patterns every routing sum runs over, ba.ts): FNV-1a
// hashing with open addressing.

/** Entries of the u32 hash table ba_patterns needs: the least power of two >= 2N (at least 16). */
export function ba_table_len(N: i32): i32 {
  let n = 16;
  while (n < 2 * N) n <<= 1;
  return n;
}

/**
 * Distinct rows of the loss matrix losses u8 [R, stride] (columns 0..N-1 are the rows i): writes
 * pat u8 [K, R] (each distinct row once, in order of first occurrence), count u32 [K] and
 * rowmap u32 [N], and returns K. table: u32 [ba_table_len(N)] scratch. Hash: FNV-1a over the R
 * bytes, open addressing with linear probing; a hit is confirmed byte by byte.
 */
export function ba_patterns(losses: usize, R: i32, N: i32, stride: i32, pat: usize, count: usize, rowmap: usize, table: usize): i32 {
  const tlen = ba_table_len(N);
  const mask = <u32>(tlen - 1);
  memory.fill(table, 0, <usize>tlen << 2);
  let K = 0;
  for (let i = 0; i < N; i++) {
    // Gather row i into the next free pattern slot, hashing as we go.
    const slot = pat + <usize>K * <usize>R;
    let h: u32 = 0x811c9dc5;
    for (let t = 0; t < R; t++) {
      const b = load<u8>(losses + <usize>t * <usize>stride + <usize>i);
      store<u8>(slot + <usize>t, b);
      h = (h ^ <u32>b) * 0x01000193;
    }
    let pos = h & mask;
    let found = -1;
    while (true) {
      const e = load<u32>(table + (<usize>pos << 2));
      if (e == 0) break;
      const k = <i32>e - 1;
      if (memory.compare(pat + <usize>k * <usize>R, slot, <usize>R) == 0) {
        found = k;
        break;
      }
      pos = (pos + 1) & mask;
    }
    if (found < 0) {
      store<u32>(table + (<usize>pos << 2), <u32>(K + 1));
      store<u32>(count + (<usize>K << 2), 1);
      found = K;
      K++;
    } else {
      const cp = count + (<usize>found << 2);
      store<u32>(cp, load<u32>(cp) + 1);
    }
    store<u32>(rowmap + (<usize>i << 2), <u32>found);
  }
  return K;
}

