// The paper's reported numbers (arXiv:2605.05278v1, Tables I and II, Section IV-A), to print
// beside ours. Table I and Table II disagree on G at alpha = 0.7 (0.0045 vs 0.0051): comparisons
// use Table II, and Table I's value is kept here as printed.

export const PAPER_TABLE_I = {
  R: 25,
  m: 256,
  M: 300,
  alpha: 0.7,
  rTrain: 0.0802,
  rTest: 0.0846,
  g: 0.0045,
  gAbs: 0.0162,
  hW: 2.8935,
  hWgS: 1.5156,
  I: 1.3778,
  bMI: 0.1038,
  /** Section IV-A: the bootstrap 95% interval of I at alpha = 0.7, and the Miller-Madow term. */
  iCI: { lo: 1.34, hi: 1.42 },
  millerMadow: 0.04,
  /** Section IV-C. */
  bUB: 0.079,
} as const;

/** Table II rows: alpha, I, sqrt(2 I / m), G, G_abs (B_MI at alpha = 0 printed as "nan"). */
export const PAPER_TABLE_II: readonly { alpha: number; I: number; bMI: number | null; g: number; gAbs: number }[] = [
  { alpha: 0.0, I: -0.0, bMI: null, g: -0.0089, gAbs: 0.017 },
  { alpha: 0.25, I: 0.2919, bMI: 0.0478, g: -0.0034, gAbs: 0.0158 },
  { alpha: 0.5, I: 0.8305, bMI: 0.0805, g: 0.0022, gAbs: 0.0161 },
  { alpha: 0.7, I: 1.3778, bMI: 0.1038, g: 0.0051, gAbs: 0.016 },
  { alpha: 0.9, I: 2.0569, bMI: 0.1268, g: 0.0083, gAbs: 0.0159 },
  { alpha: 1.0, I: 2.528, bMI: 0.1405, g: 0.0102, gAbs: 0.0154 },
];
