// Tables as text (browser-safe, no engine Math beyond max): Markdown pipe tables for report.md
// and the commands' Markdown, and space-aligned columns for terminal output.

/** A Markdown pipe table: every column padded to its widest cell (at least 3), `|` escaped. */
export function markdownTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((r) => r.map((cell) => cell.replace(/\|/g, "\\|")));
  const widths = all[0]!.map((_, c) => Math.max(3, ...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(all[0]!), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...all.slice(1).map(line)].join("\n");
}

/** Columns separated by two spaces, each as wide as its widest cell, trailing blanks trimmed.
 *  `numbers`: the first column left-aligned and the rest right-aligned (columns of numbers);
 *  otherwise every column left-aligned. */
export function textTable(rows: string[][], align: "left" | "numbers" = "left"): string {
  const widths = rows[0]!.map((_, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  const pad = (cell: string, c: number) => (align === "numbers" && c > 0 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!));
  return rows.map((r) => r.map(pad).join("  ").trimEnd()).join("\n");
}

/** 2000 -> "2,000" (the same in every engine; toLocaleString is not). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
