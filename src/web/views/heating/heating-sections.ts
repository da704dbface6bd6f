/**
 * The chart sections of a year page (overview or zone): the energy signature with its fit and
 * verdict, and monthly heating hours against HDD; each an ECharts SVG with its numbers.
 */
import { chartFigure, fmtNumber } from '../../charts/chart-figure.js';
import { monthlyChart, monthName } from '../../charts/monthly-chart.js';
import { signatureChart } from '../../charts/signature-chart.js';
import type { PeriodFigures, SignatureModel } from '../../heating/heating-models.js';
import { html, type SafeHtml } from '../../html.js';

/** The energy signature: verdict, fit figures, scatter with the fitted line. */
export function signatureSection(s: SignatureModel, scope: string): SafeHtml {
  const f = s.fit;
  const svg = signatureChart(
    s.points,
    f === null
      ? null
      : {
          model: f.model,
          balanceTemperatureC: f.balanceTemperatureC,
          slopeHoursPerC: f.slopeHoursPerC,
          interceptHours: f.interceptHours,
        },
    { width: 640, height: 380 },
  );
  return html`<section id="energy-signature">
    <h2>Is heating weather-dependent? (${scope})</h2>
    <p class="verdict ${f?.weatherDependent === true ? 'yes' : 'no'}" id="verdict">${s.verdict}</p>
    <div class="chart-row">
      ${chartFigure(
        'signature-chart',
        'Energy signature: daily heating hours against mean outdoor temperature',
        svg,
        {
          columns: [
            { heading: 'date' },
            { heading: 'mean outdoor (°C)', numeric: true },
            { heading: 'heating (h)', numeric: true },
          ],
          rows: s.points.map((p) => [p.date, p.outsideMeanC, p.heatingHours]),
        },
      )}
      ${
        f === null
          ? ''
          : html`<dl class="kv fit-figures" id="fit-figures">
              <dt>model</dt>
              <dd>
                ${f.model === 'heating_change_point' ? 'heating change-point, y = μ + β·max(0, T_b − T)' : 'intercept only, y = μ'}
              </dd>
              <dt>balance temperature T_b</dt>
              <dd>${fmtNumber(f.balanceTemperatureC, 1)} °C</dd>
              <dt>slope β</dt>
              <dd>${fmtNumber(f.slopeHoursPerC, 3)} h/°C</dd>
              <dt>intercept μ</dt>
              <dd>${fmtNumber(f.interceptHours, 3)} h</dd>
              <dt>R² / adjusted R²</dt>
              <dd>${fmtNumber(f.r2, 3)} / ${fmtNumber(f.adjustedR2, 3)}</dd>
              <dt>CV(RMSE) / NMBE</dt>
              <dd>${fmtNumber(f.cvRmse, 3)} / ${fmtNumber(f.nmbe, 3)}</dd>
              <dt>days fitted / heating days</dt>
              <dd>${f.n} / ${f.heatingDays} (${f.periodStart} … ${f.periodEnd})</dd>
              <dt>p-value of β</dt>
              <dd>
                ${f.slopePValue === null ? '–' : f.slopePValue < 1e-15 ? '< 1e-15' : f.slopePValue.toExponential(2)}
              </dd>
              <dt>decision</dt>
              <dd class="muted">${f.decision}</dd>
            </dl>`
      }
    </div>
  </section>`;
}

/** Monthly heating hours against HDD. */
export function monthlySection(months: readonly PeriodFigures[]): SafeHtml {
  const svg = monthlyChart(
    months.flatMap((m) =>
      m.month === null ? [] : [{ month: m.month, heatingHours: m.heatingHours, hdd: m.hdd }],
    ),
    { width: 640, height: 300 },
  );
  return html`<section id="monthly">
    <h2>Monthly heating hours and heating degree days</h2>
    ${chartFigure('monthly-chart', 'Heating hours (bars) and HDD (line) per month', svg, {
      columns: [
        { heading: 'month' },
        { heading: 'days', numeric: true },
        { heading: 'heating (h)', numeric: true },
        { heading: 'HDD (°C·day)', numeric: true },
        { heading: 'h per HDD', numeric: true },
        { heading: 'indoor while heating (°C)', numeric: true },
      ],
      rows: months.map((m) => [
        monthName(m.month ?? 0),
        String(m.days),
        m.heatingHours,
        m.hdd,
        m.heatingHoursPerHdd,
        m.insideMeanHeatingC,
      ]),
    })}
  </section>`;
}
