/**
 * A zone's year (`/heating/zones/{zone}?year=`): its yearly figures, energy signature, months,
 * the trend of its daily mean indoor temperature against its setpoint, its calendar and unusual
 * days.
 */
import { chartFigure } from '../../charts/chart-figure.js';
import { trendChart } from '../../charts/trend-chart.js';
import type { ScopeYearModel } from '../../heating/heating-models.js';
import { html, type SafeHtml } from '../../html.js';
import { layout, type PageContext } from '../layout.js';
import {
  dayHref,
  exportLinks,
  yearSelection,
  heatCalendar,
  heatingTabs,
  unusualTable,
  yearlyTable,
  yearSwitcher,
  zoneHref,
} from './heating-common.js';
import { monthlySection, signatureSection } from './heating-sections.js';

/** The zone page; `m.zone` is set. */
export function zoneView(ctx: PageContext, m: ScopeYearModel): SafeHtml {
  const zone = m.zone ?? { zoneId: 0, name: '?' };
  const trend = trendChart(m.days, { width: 1000, height: 300 });
  const body = html`<h1>${zone.name} · ${m.year}</h1>
    <p class="sub">
      Zone ${zone.zoneId} of home ${m.homeId} · local dates in ${m.timeZone} · ${m.days.length} days analysed
    </p>
    ${yearSwitcher(m.years, m.year, (y) => zoneHref(zone.zoneId, y))}
    ${heatingTabs(m.zones, m.year, zone.zoneId)}
    <section id="yearly">
      <h2>The year</h2>
      ${m.yearly.length === 0 ? html`<p class="muted">No yearly figures stored for this zone.</p>` : yearlyTable(m.yearly, m.year)}
    </section>
    ${signatureSection(m.signature, zone.name)} ${monthlySection(m.monthly)}
    <section id="trend">
      <h2>Indoor temperature against setpoint</h2>
      ${chartFigure('trend-chart', 'Daily mean indoor temperature and mean setpoint while heating', trend, {
        columns: [
          { heading: 'date' },
          { heading: 'indoor mean (°C)', numeric: true },
          { heading: 'setpoint mean while heating (°C)', numeric: true },
        ],
        rows: m.days.map((d) => [d.date, d.insideMeanC, d.setpointMeanHeatingC]),
      })}
    </section>
    <section id="calendar">
      <h2>Daily heating hours</h2>
      ${heatCalendar(m.days, (d) => dayHref(zone.zoneId, d.date))}
    </section>
    <section id="unusual">
      <h2>Unusual days (${m.unusualDays.length})</h2>
      ${unusualTable(m.unusualDays, m.zones)}
    </section>
    ${exportLinks([
      {
        label: 'daily figures of the zone',
        table: 'zone_day_metrics',
        selection: yearSelection(m.year, zone.zoneId),
      },
      {
        label: 'one-minute series of the zone',
        table: 'zone_minute',
        selection: yearSelection(m.year, zone.zoneId),
      },
      {
        label: 'unusual days of the zone',
        table: 'unusual_days',
        selection: yearSelection(m.year, zone.zoneId),
      },
    ])}`;
  return layout(ctx, `${zone.name} ${m.year}`, body);
}
