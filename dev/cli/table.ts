// Plain-text output: aligned tables and "label  value" blocks. No colours, so output pipes cleanly.

/** Width in terminal columns; counts code points so "…" in key previews is one column. */
const width = (text: string): number => [...text].length;
const pad = (text: string, size: number): string => text + " ".repeat(Math.max(0, size - width(text)));

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(width(header), ...rows.map((row) => width(row[column] ?? ""))),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => pad(cell, widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function details(pairs: [label: string, value: string][]): string {
  const size = Math.max(...pairs.map(([label]) => width(label)));
  return pairs.map(([label, value]) => `${pad(`${label}:`, size + 1)}  ${value}`).join("\n");
}

export function money(amount: number): string {
  return Number.isInteger(amount) ? `$${amount}` : `$${amount.toFixed(2)}`;
}

/** "2026-01-31 12:00 UTC" from any ISO timestamp; unparseable values are shown as they came. */
export function when(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export const yesNo = (value: boolean): string => (value ? "yes" : "no");
export const orDash = (text: string): string => (text === "" ? "-" : text);
