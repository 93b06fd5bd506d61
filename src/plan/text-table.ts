/** A column of a plain-text table: numbers read best right-aligned. */
export interface TextColumn {
  readonly header: string;
  readonly align?: "left" | "right";
}

/** Renders rows as a space-padded table with a rule under the headers. */
export function textTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[], indent = ""): string {
  const widths = columns.map((column, index) => Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    indent +
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const width = widths[index] ?? cell.length;
        return column.align === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = indent + widths.map((width) => "-".repeat(width)).join("  ");
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join("\n");
}
