/**
 * A day of a zone (`/heating/zones/{zone}/days/{date}`): the one-minute chart (indoor, setpoint,
 * outdoor, humidity, demand band, offline spans, cleaned minutes) in the home's local time, the
 * day's metrics and cleaning counts, its unusual-day reasons, and the runs that produced it.
 */
import { chartFigure, fmtNumber } from '../../charts/chart-figure.js';
import { dayChart, localClock } from '../../charts/day-chart.js';
import type { RunLink, ZoneDayModel, ZoneRef } from '../../heating/heating-models.js';
import { html, type SafeHtml } from '../../html.js';
import { layout, stateBadge, type PageContext } from '../layout.js';
import { dayHref, exportLinks, figuresText, heatingTabs } from './heating-common.js';

/** `date` shifted by `days` (calendar arithmetic, UTC). */
export function shiftDay(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

const METRIC_LABELS: readonly [string, string, number][] = [
  ['heatingMinutes', 'heating (min)', 0],
  ['demandWeightedMinutes', 'demand-weighted heating (min)', 1],
  ['insideMeanC', 'indoor mean (°C)', 2],
  ['insideMinC', 'indoor min (°C)', 2],
  ['insideMaxC', 'indoor max (°C)', 2],
  ['insideMeanHeatingC', 'indoor mean while heating (°C)', 2],
  ['setpointMeanHeatingC', 'setpoint mean while heating (°C)', 2],
  ['comfortDeficitDegreeMinutes', 'comfort deficit (°C·min)', 1],
  ['minutesBelowSetpoint2CHeating', 'heating > 2 °C below setpoint (min)', 0],
  ['outsideMeanC', 'outdoor mean (°C)', 2],
  ['hdd', 'HDD (°C·day)', 2],
  ['heatUpRateCPerH', 'heat-up rate (°C/h)', 2],
  ['maxDrop1hC', 'largest 1-h drop (°C)', 2],
  ['coverageFraction', 'coverage (fraction of minutes)', 3],
];

/**
 * One run of "Produced by": a link to its page with its state, or, when the run was deleted
 * (`heatflow dags delete …` keeps the zone-days it wrote), its id without a link, saying so.
 */
function runItem(r: RunLink): SafeHtml {
  return r.href === null || r.state === null
    ? html`<span class="run-deleted">${r.runId}</span> <span class="muted">(run deleted: no page)</span>`
    : html`<a class="run-link" data-dag="${r.dagId}" href="${r.href}">${r.runId}</a> ${stateBadge(r.state)}`;
}

/** The day page. */
/**
 * @param zones - every heating zone of the home (the tabs)
 * @param sameDay - the zones with a zone-day on this date (the "same day in" links); `@defaultValue zones`
 */
export function dayView(
  ctx: PageContext,
  m: ZoneDayModel,
  zones: readonly ZoneRef[],
  sameDay: readonly ZoneRef[] = zones,
): SafeHtml {
  const year = Number(m.date.slice(0, 4));
  const startMs = m.dayStart === null ? Date.parse(`${m.date}T00:00:00Z`) : Date.parse(m.dayStart);
  const minutes = m.minutes ?? m.series.insideC.length;
  const clock = (minute: number) => localClock(startMs + minute * 60_000, m.timeZone);
  const nav = html`<nav class="day-nav">
    <a href="${dayHref(m.zone.zoneId, shiftDay(m.date, -1))}" rel="prev">← ${shiftDay(m.date, -1)}</a>
    <a href="${dayHref(m.zone.zoneId, shiftDay(m.date, 1))}" rel="next">${shiftDay(m.date, 1)} →</a>
    ${sameDay.some((z) => z.zoneId !== m.zone.zoneId) ? html`<span class="muted">same day in:</span>` : ''}
    ${sameDay.filter((z) => z.zoneId !== m.zone.zoneId).map((z) => html`<a class="zone-link" href="${dayHref(z.zoneId, m.date)}">${z.name}</a>`)}
  </nav>`;
  const runs = html`<section id="runs">
    <h2>Produced by</h2>
    ${
      m.runs.length === 0
        ? html`<p class="muted">No run recorded (loaded or analysed outside a DAG run).</p>`
        : html`<ul class="runs">
            ${m.runs.map((r) => html`<li><span class="muted">${r.dagId}</span> ${runItem(r)}</li>`)}
          </ul>`
    }
  </section>`;
  if (m.status !== 'analysed') {
    const body = html`<h1>${m.zone.name} · ${m.date}</h1>
      ${heatingTabs(zones, year, m.zone.zoneId)} ${nav}
      <p class="error" id="rejected-reason">
        This zone-day was set aside by the analysis: ${m.reason ?? 'no reason recorded'}
      </p>
      ${runs}`;
    return layout(ctx, `${m.zone.name} ${m.date}`, body);
  }
  const svg = dayChart(
    { ...m.series, dayStartMs: startMs, minutes, timeZone: m.timeZone },
    { width: 1100, height: 440 },
  );
  const every15 = Array.from({ length: Math.ceil(minutes / 15) }, (_, k) => k * 15);
  const s = m.series;
  const chart = chartFigure('day-chart', `One-minute series, local time (${m.timeZone})`, svg, {
    columns: [
      { heading: 'time' },
      { heading: 'indoor (°C)', numeric: true },
      { heading: 'setpoint (°C)', numeric: true },
      { heading: 'outdoor (°C)', numeric: true },
      { heading: 'humidity (%)', numeric: true },
      { heading: 'demand (0–3)', numeric: true },
      { heading: 'device' },
      { heading: 'cleaned' },
    ],
    rows: every15.map((i) => [
      clock(i),
      s.insideC[i] ?? null,
      s.setpointC[i] ?? null,
      s.outsideC[i] ?? null,
      s.humidityFraction[i] == null ? null : (s.humidityFraction[i] ?? 0) * 100,
      s.demandLevel[i] == null ? null : String(s.demandLevel[i]),
      s.connected[i] === false ? 'offline' : s.connected[i] === true ? 'online' : null,
      s.cleaned[i] === true ? 'yes' : '',
    ]),
  });
  const metrics = m.metrics ?? {};
  const body = html`<h1>${m.zone.name} · ${m.date}</h1>
    <p class="sub" id="day-length">
      ${minutes / 60} hours (${minutes} minutes), ${clock(0)} to ${clock(minutes)}
      ${m.timeZone}${minutes === 1440 ? '' : ' · clock change'}
    </p>
    ${heatingTabs(zones, year, m.zone.zoneId)} ${nav}
    <div class="day-layout">
      ${chart}
      <aside>
        <h2>The day's figures</h2>
        <dl class="kv" id="day-metrics">
          ${METRIC_LABELS.map(([k, label, digits]) => {
            const v = metrics[k];
            return html`<dt>${label}</dt>
              <dd data-metric="${k}">${typeof v === 'number' ? fmtNumber(v, digits) : (v ?? '–')}</dd>`;
          })}
          <dt>largest 1-h drop began</dt>
          <dd>
            ${typeof metrics.maxDrop1hAt === 'string' ? localClock(Date.parse(metrics.maxDrop1hAt), m.timeZone) : '–'}
          </dd>
        </dl>
        <h2>Cleaning</h2>
        <dl class="kv" id="cleaning">
          <dt>raw readings</dt>
          <dd>${m.cleaning.readings ?? '–'}</dd>
          <dt>temperature set aside</dt>
          <dd>
            ${Object.entries(m.cleaning.temperatureRemoved)
              .map(([k, v]) => `${k} ${v ?? 0}`)
              .join(', ')}
          </dd>
          <dt>humidity set aside</dt>
          <dd>
            ${Object.entries(m.cleaning.humidityRemoved)
              .map(([k, v]) => `${k} ${v ?? 0}`)
              .join(', ')}
          </dd>
          <dt>cleaned minutes</dt>
          <dd id="cleaned-minutes">${m.cleanedMinutes}</dd>
          <dt>device offline</dt>
          <dd id="offline-spans">
            ${m.offlineSpans.length === 0 ? 'never' : m.offlineSpans.map((sp) => `${clock(sp.start)}–${clock(sp.end)}`).join(', ')}
          </dd>
        </dl>
      </aside>
    </div>
    <section id="unusual">
      <h2>Unusual</h2>
      ${
        m.unusualDays.length === 0
          ? html`<p class="muted">Nothing unusual about this day.</p>`
          : html`<ul id="day-unusual">
              ${m.unusualDays.map((u) => html`<li><span class="badge reason">${u.reason}</span> ${u.zoneId === null ? '(whole home) ' : ''}${u.description} <span class="muted">${figuresText(u.figures)}</span></li>`)}
            </ul>`
      }
    </section>
    ${runs}
    ${exportLinks([
      {
        label: 'one-minute series of the day',
        table: 'zone_minute',
        selection: { from: m.date, to: m.date, zone: m.zone.zoneId },
      },
      {
        label: 'raw tado indoor readings of the day',
        table: 'interior',
        selection: { from: m.date, to: m.date, zone: m.zone.zoneId },
      },
    ])}`;
  return layout(ctx, `${m.zone.name} ${m.date}`, body);
}
