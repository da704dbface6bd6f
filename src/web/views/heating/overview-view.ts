/**
 * The heating overview of a home and year (`/heating?year=`): yearly figures per zone, the energy
 * signature with the verdict, monthly hours against HDD, the calendar heat map (each day linked
 * to a day view), the unusual days.
 */
import type { ScopeYearModel } from '../../heating/heating-models.js';
import { html, type SafeHtml } from '../../html.js';
import { layout, type PageContext } from '../layout.js';
import {
  dayHref,
  exportLinks,
  yearSelection,
  heatCalendar,
  heatingTabs,
  overviewHref,
  unusualHref,
  unusualTable,
  yearlyTable,
  yearSwitcher,
} from './heating-common.js';
import { monthlySection, signatureSection } from './heating-sections.js';

/** The overview page. */
export function overviewView(ctx: PageContext, m: ScopeYearModel): SafeHtml {
  const firstZone = m.zones[0]?.zoneId;
  // a day links to the day view of a zone it was unusual for, else of the first zone
  const unusualZone = new Map<string, number>();
  for (const u of m.unusualDays)
    if (u.zoneId !== null && !unusualZone.has(u.date)) unusualZone.set(u.date, u.zoneId);
  const body = html`<h1>Heating ${m.year}</h1>
    <p class="sub">Home ${m.homeId} · local dates in ${m.timeZone} · ${m.days.length} days analysed</p>
    ${yearSwitcher(m.years, m.year, overviewHref)} ${heatingTabs(m.zones, m.year, 'overview')}
    <section id="yearly">
      <h2>The year</h2>
      ${yearlyTable(m.yearly, m.year)}
    </section>
    ${signatureSection(m.signature, 'whole home')} ${monthlySection(m.monthly)}
    <section id="calendar">
      <h2>Daily heating hours</h2>
      ${heatCalendar(m.days, (d) => {
        const z = unusualZone.get(d.date) ?? firstZone;
        return z === undefined ? undefined : dayHref(z, d.date);
      })}
    </section>
    <section id="unusual">
      <h2>Unusual days (${m.unusualDays.length})</h2>
      ${unusualTable(m.unusualDays, m.zones)}
      <p><a href="${unusualHref(m.year)}">All unusual days, sortable</a></p>
    </section>
    ${exportLinks([
      { label: 'daily figures per zone', table: 'zone_day_metrics', selection: yearSelection(m.year) },
      { label: 'daily figures of the home', table: 'home_day_metrics', selection: yearSelection(m.year) },
      { label: 'unusual days', table: 'unusual_days', selection: yearSelection(m.year) },
    ])}`;
  return layout(ctx, `Heating ${m.year}`, body);
}
