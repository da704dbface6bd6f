/**
 * Pieces shared by the heating pages: the tabs (overview, each zone, unusual days), the year
 * switcher, the yearly figures table, the unusual-days table, the calendar heat map of daily
 * heating hours (HTML: every day is a link, which an SVG chart would not give with JavaScript
 * off) and the place of the download links.
 */
import { daysInYear, MIN_DAILY_COVERAGE_FRACTION } from '../../../analytics/data-sufficiency.js';
import { exportHref, type ExportSelection } from '../../export-href.js';
import { fmtNumber } from '../../charts/chart-figure.js';
import type { DayFigures, PeriodFigures, UnusualDayItem, ZoneRef } from '../../heating/heating-models.js';
import { html, query, urlPath, type SafeHtml } from '../../html.js';
import { MONTH_NAMES } from '../month-names.js';

/** Path of the overview of a year. */
export const overviewHref = (year: number): string => `/heating${query({ year })}`;
/** Path of a zone's year. */
export const zoneHref = (zoneId: number, year: number): string =>
  `${urlPath('heating', 'zones', zoneId)}${query({ year })}`;
/** Path of a zone-day. */
export const dayHref = (zoneId: number, date: string): string =>
  urlPath('heating', 'zones', zoneId, 'days', date);
/** Path of the unusual days of a year. */
export const unusualHref = (year: number, sort?: string): string =>
  `/heating/unusual-days${query({ year, sort })}`;

/** The tabs of the heating pages; `active` is `overview`, `unusual` or a zone id. */
export function heatingTabs(
  zones: readonly ZoneRef[],
  year: number,
  active: 'overview' | 'unusual' | number,
): SafeHtml {
  const tab = (href: string, label: string, on: boolean) =>
    html`<a href="${href}" ${on ? html` class="active" aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="tabs" aria-label="heating pages">
    ${tab(overviewHref(year), 'Home overview', active === 'overview')}
    ${zones.map((z) => tab(zoneHref(z.zoneId, year), z.name, active === z.zoneId))}
    ${tab(unusualHref(year), 'Unusual days', active === 'unusual')}
  </nav>`;
}

/** Links to every stored year, the shown one marked. */
export function yearSwitcher(years: readonly number[], year: number, href: (y: number) => string): SafeHtml {
  return html`<nav class="year-switch" aria-label="year">
    Year:
    ${years.map((y) =>
      y === year ? html`<strong aria-current="page">${y}</strong>` : html`<a href="${href(y)}">${y}</a>`,
    )}
  </nav>`;
}

/** The yearly figures, one row per scope. */
export function yearlyTable(rows: readonly PeriodFigures[], year: number): SafeHtml {
  return html`<table class="data" id="yearly-figures">
    <thead>
      <tr>
        <th>Scope</th>
        <th class="num">Days</th>
        <th class="num">Heating hours (h)</th>
        <th class="num">HDD (°C·day)</th>
        <th class="num">Hours per HDD (h/(°C·day))</th>
        <th class="num">Mean indoor while heating (°C)</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr data-zone="${r.zoneId ?? 'home'}">
            <td>
              ${
                r.zoneId === null
                  ? html`<strong>Whole home</strong>`
                  : html`<a href="${zoneHref(r.zoneId, year)}">${r.zoneName ?? `zone ${r.zoneId}`}</a>`
              }
            </td>
            <td class="num">
              ${r.days}${
                r.days / daysInYear(year) < MIN_DAILY_COVERAGE_FRACTION
                  ? html` <span
                      class="muted partial-year"
                      title="under ${MIN_DAILY_COVERAGE_FRACTION * 100} % of the year's ${daysInYear(year)} days (CalTRACK §2.2.1): its figures and fit describe part of the year"
                      >(partial year)</span
                    >`
                  : ''
              }
            </td>
            <td class="num">${fmtNumber(r.heatingHours, 1)}</td>
            <td class="num">${fmtNumber(r.hdd, 1)}</td>
            <td class="num">${fmtNumber(r.heatingHoursPerHdd, 3)}</td>
            <td class="num">${fmtNumber(r.insideMeanHeatingC, 2)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The figures of an unusual day as `name value` pairs. */
export function figuresText(f: UnusualDayItem['figures']): string {
  return Object.entries(f)
    .map(
      ([k, v]) =>
        `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : (v ?? '–')}`,
    )
    .join(', ');
}

/** The link of an unusual day: the zone's day view, or for the home the first zone's. */
export function unusualDayHref(u: UnusualDayItem, zones: readonly ZoneRef[]): string | undefined {
  const zoneId = u.zoneId ?? zones[0]?.zoneId;
  return zoneId === undefined ? undefined : dayHref(zoneId, u.date);
}

/** A table of unusual days, each linked to its day view; `sortHref` makes the headings sort links. */
export function unusualTable(
  days: readonly UnusualDayItem[],
  zones: readonly ZoneRef[],
  sortHref?: (key: string) => string,
): SafeHtml {
  const head = (key: string, label: string) =>
    sortHref === undefined ? label : html`<a href="${sortHref(key)}" data-sort="${key}">${label}</a>`;
  if (days.length === 0) return html`<p class="muted" id="unusual-days-none">No unusual days.</p>`;
  return html`<table class="data" id="unusual-days">
    <thead>
      <tr>
        <th>${head('date', 'Date')}</th>
        <th>${head('zone', 'Scope')}</th>
        <th>${head('reason', 'Reason')}</th>
        <th>What happened</th>
        <th>Figures</th>
      </tr>
    </thead>
    <tbody>
      ${days.map((u) => {
        const href = unusualDayHref(u, zones);
        return html`<tr data-reason="${u.reason}" data-date="${u.date}">
          <td>${href === undefined ? u.date : html`<a class="day-link" href="${href}">${u.date}</a>`}</td>
          <td>${u.zoneId === null ? 'whole home' : (u.zoneName ?? `zone ${u.zoneId}`)}</td>
          <td><span class="badge reason">${u.reason}</span></td>
          <td>${u.description}</td>
          <td class="muted">${figuresText(u.figures)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** Background of a calendar day: light grey (0 h) to deep red (the year's most hours). */
export function heatColour(hours: number, maxHours: number): string {
  const t = maxHours <= 0 ? 0 : Math.min(1, Math.max(0, hours / maxHours));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(238, 178)}, ${mix(241, 24)}, ${mix(245, 43)})`;
}

/**
 * The calendar heat map: one square per day with metrics, coloured by heating hours, unusual
 * days outlined, each a link (`dayLink(date)`). Months without a day are left out.
 */
export function heatCalendar(
  days: readonly DayFigures[],
  dayLink: (d: DayFigures) => string | undefined,
): SafeHtml {
  // the scale tops out at the 95th percentile, so one extreme day does not wash out the year
  const sorted = days.map((d) => d.heatingHours).sort((a, b) => a - b);
  const max = sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
  const byMonth = new Map<string, DayFigures[]>();
  for (const d of days) {
    const k = d.date.slice(0, 7);
    byMonth.set(k, [...(byMonth.get(k) ?? []), d]);
  }
  const months = [...byMonth.entries()].map(([ym, list]) => {
    const [y, m] = ym.split('-').map(Number) as [number, number];
    const firstWeekday = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday first
    const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const by = new Map(list.map((d) => [Number(d.date.slice(8, 10)), d]));
    const cells: SafeHtml[] = [];
    for (let i = 0; i < firstWeekday; i++) cells.push(html`<span class="blank"></span>`);
    for (let day = 1; day <= length; day++) {
      const d = by.get(day);
      if (d === undefined) {
        cells.push(
          html`<span class="no-data" title="${ym}-${String(day).padStart(2, '0')}: no data"></span>`,
        );
        continue;
      }
      const title = `${d.date}: ${d.heatingHours.toFixed(1)} h heating${d.outsideMeanC === null ? '' : `, ${d.outsideMeanC.toFixed(1)} °C outdoors`}${d.unusualReasons.length > 0 ? ` (unusual: ${d.unusualReasons.join(', ')})` : ''}`;
      const href = dayLink(d);
      const attrs = html`class="hm-day${d.unusualReasons.length > 0 ? ' unusual' : ''}" data-date="${d.date}"
      data-hours="${d.heatingHours.toFixed(2)}" style="background:${heatColour(d.heatingHours, max)}"
      title="${title}"`;
      cells.push(href === undefined ? html`<span ${attrs}></span>` : html`<a href="${href}" ${attrs}></a>`);
    }
    return html`<div class="cal-month">
      <h3>${MONTH_NAMES[m - 1]} ${y}</h3>
      <div class="cal-days">${cells}</div>
    </div>`;
  });
  return html`<div class="calendar heat-calendar" id="heat-calendar">${months}</div>
    <div class="legend">
      <span><i style="background:${heatColour(0, 1)}"></i>0 h</span>
      <span><i style="background:${heatColour(0.5, 1)}"></i>${(max / 2).toFixed(1)} h</span>
      <span><i style="background:${heatColour(1, 1)}"></i>${max.toFixed(1)} h or more</span>
      <span><i class="unusual-key"></i>unusual day (outlined)</span>
    </div>`;
}

/** One table of what a page shows, offered as a download (`exportHref`). */
export interface PageExport {
  /** e.g. `daily figures` */
  readonly label: string;
  /** a table of schema tado or analytics, e.g. `zone_day_metrics` */
  readonly table: string;
  readonly selection: ExportSelection;
}

/** The first and last day of a calendar year, as an export selection's `from` / `to`. */
export function yearSelection(year: number, zone?: number): ExportSelection {
  return { from: `${year}-01-01`, to: `${year}-12-31`, ...(zone === undefined ? {} : { zone }) };
}

/**
 * The CSV and Parquet download links of what a page shows (issue 13 §3), each through
 * `GET /api/v1/export/{table}.{format}` (docs/analytics.md "Exports").
 */
export function exportLinks(items: readonly PageExport[]): SafeHtml {
  const links = items.map(
    (e) =>
      html`<li data-export-table="${e.table}">
        ${e.label} (<code>${e.table}</code>):
        <a href="${exportHref(e.table, e.selection, 'csv')}" download>CSV</a> ·
        <a href="${exportHref(e.table, e.selection, 'parquet')}" download>Parquet</a>
      </li>`,
  );
  return html`<section class="exports" id="exports">
    <h2>Downloads</h2>
    <ul>
      ${links}
    </ul>
  </section>`;
}
