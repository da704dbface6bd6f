/**
 * A chart as the heating pages show it: the server-rendered SVG in a `<figure>`, its caption,
 * and the chart's numbers as an HTML table in a closed `<details>` (reachable with JavaScript
 * off, by screen readers and by copy-paste).
 */
import { html, type SafeHtml } from '../html.js';

/** A column of a chart's table: its heading (with the unit) and whether it holds numbers. */
export interface TableColumn {
  readonly heading: string;
  readonly numeric?: boolean;
}

/** A cell: text, a number (shown with `digits` decimals), a link, or empty (null). */
export type TableCell = string | number | null | SafeHtml;

/** The numbers behind a chart. */
export interface ChartTable {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly (readonly TableCell[])[];
  /** decimals of number cells; `@defaultValue 2` */
  readonly digits?: number;
}

/** A number with `digits` decimals, or an en dash for null / non-finite. */
export function fmtNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** The table of a chart (also used on its own for lists). */
export function chartTable(id: string, table: ChartTable): SafeHtml {
  const digits = table.digits ?? 2;
  const cell = (c: TableCell, numeric: boolean): SafeHtml => {
    const text = typeof c === 'number' ? fmtNumber(c, digits) : c === null ? '–' : c;
    return html`<td${numeric ? html` class="num"` : ''}>${text}</td>`;
  };
  return html`<table class="data chart-data" id="${id}">
    <thead>
      <tr>
        ${table.columns.map((c) => html`<th${c.numeric === true ? html` class="num"` : ''}>${c.heading}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${table.rows.map(
        (r) =>
          html`<tr>
            ${r.map((c, i) => cell(c, table.columns[i]?.numeric === true))}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * A figure: caption, SVG, and the numbers in a closed `<details>`.
 * @param id - the figure's id; its table gets `${id}-data`
 */
export function chartFigure(id: string, caption: string, svg: SafeHtml, table: ChartTable): SafeHtml {
  return html`<figure class="hf-chart" id="${id}">
    <figcaption>${caption}</figcaption>
    <div class="hf-chart-svg">${svg}</div>
    <details class="hf-chart-numbers">
      <summary>The numbers (${table.rows.length} rows)</summary>
      ${chartTable(`${id}-data`, table)}
    </details>
  </figure>`;
}
