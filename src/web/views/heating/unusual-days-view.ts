/**
 * The unusual days of a year (`/heating/unusual-days?year=&sort=`): every scope's, sortable by
 * date, scope or reason (links, no script), each linked to its day view.
 */
import type { UnusualDayItem, ZoneRef } from '../../heating/heating-models.js';
import { html, type SafeHtml } from '../../html.js';
import { layout, type PageContext } from '../layout.js';
import {
  exportLinks,
  yearSelection,
  heatingTabs,
  unusualHref,
  unusualTable,
  yearSwitcher,
} from './heating-common.js';

/** The unusual-days page; `sort` as given (`date`, `-zone`, …). */
export function unusualDaysView(
  ctx: PageContext,
  m: { year: number; years: readonly number[]; unusualDays: readonly UnusualDayItem[] },
  zones: readonly ZoneRef[],
  sort: string,
): SafeHtml {
  const counts = new Map<string, number>();
  for (const u of m.unusualDays) counts.set(u.reason, (counts.get(u.reason) ?? 0) + 1);
  const body = html`<h1>Unusual days · ${m.year}</h1>
    <p class="sub">
      ${m.unusualDays.length} flags:
      ${[...counts.entries()].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'} · sorted by ${sort}
    </p>
    ${yearSwitcher(m.years, m.year, (y) => unusualHref(y, sort))} ${heatingTabs(zones, m.year, 'unusual')}
    ${unusualTable(m.unusualDays, zones, (key) => unusualHref(m.year, sort === key ? `-${key}` : key))}
    ${exportLinks([{ label: 'unusual days', table: 'unusual_days', selection: yearSelection(m.year) }])}`;
  return layout(ctx, `Unusual days ${m.year}`, body);
}
