/**
 * Plain-text tables for the command's listings: every column as wide as its widest cell (header
 * included), two spaces between columns, the last column not padded. Pure.
 */

/**
 * The table as lines (header first), each ending with a newline.
 * @param rows - cells by column; a row shorter than the header leaves its last cells empty
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    header
      .map((_, i) => (i === header.length - 1 ? (cells[i] ?? '') : (cells[i] ?? '').padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map((r) => `${line(r)}\n`).join('');
}
