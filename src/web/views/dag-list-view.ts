/**
 * The DAG list: paused or not, schedule (with pending asset events), next run, last run's state, runs by state, import errors.
 */
import type { DagSummary } from '../../db/web-queries.js';
import { html, urlPath, type SafeHtml } from '../html.js';
import type { NextRun } from '../next-run.js';
import {
  actionForm,
  fmtDate,
  layout,
  scheduleText,
  signInHint,
  stateBadge,
  type PageContext,
} from './layout.js';

const COUNT_STATES = ['success', 'running', 'queued', 'failed'] as const;

/** The DAG list page. */
export function dagListView(
  ctx: PageContext,
  dags: readonly { summary: DagSummary; nextRun: NextRun | null }[],
  importErrors: readonly { filename: string; error: string }[],
): SafeHtml {
  const rows = dags.map(({ summary: s, nextRun }) => {
    const d = s.dag;
    return html`<tr data-dag-id="${d.dag_id}">
      <td>
        ${actionForm(ctx, urlPath('dags', d.dag_id, 'pause'), html`<input type="hidden" name="paused" value="${d.is_paused ? 'false' : 'true'}" />`, d.is_paused ? 'Unpause' : 'Pause', 'secondary')}
        ${ctx.csrf === undefined ? html`<span class="badge ${d.is_paused ? 'state-none' : 'state-success'}">${d.is_paused ? 'paused' : 'active'}</span>` : ''}
      </td>
      <td>
        <a href="${urlPath('dags', d.dag_id, 'grid')}"><strong>${d.dag_id}</strong></a
        >${d.is_active ? '' : html` <span class="muted">(file gone)</span>`}
        <div class="muted">${d.description ?? ''}</div>
        <div>${d.tags.map((t) => html`<span class="count state-none">${t}</span>`)}</div>
      </td>
      <td>
        <code>${scheduleText(d)}</code>
        ${
          d.schedule_assets.length === 0
            ? html`<div class="muted">${d.timezone}</div>`
            : html`<div class="muted">
                <a href="/assets"
                  >${s.pendingAssetEvents} event${s.pendingAssetEvents === 1 ? '' : 's'} pending</a
                >
              </div>`
        }
      </td>
      <td>
        ${
          nextRun === null
            ? html`<span class="muted">–</span>`
            : html`${fmtDate(nextRun.logicalDate)}
                <div class="muted">
                  ${d.is_paused ? 'DAG paused' : nextRun.due ? 'due now' : `after ${fmtDate(nextRun.createAfter)}`}
                </div>`
        }
      </td>
      <td>
        ${
          s.lastRun === undefined
            ? html`<span class="muted">no run yet</span>`
            : html`${stateBadge(s.lastRun.state)}
                <div>
                  <a href="${urlPath('dags', d.dag_id, 'runs', s.lastRun.run_id)}"
                    >${fmtDate(s.lastRun.logical_date)}</a
                  >
                </div>`
        }
      </td>
      <td class="run-counts">
        ${COUNT_STATES.map((st) => html`<span class="count state-${st}" title="${st}">${s.runCounts[st] ?? 0}</span>`)}
      </td>
      <td>${actionForm(ctx, urlPath('dags', d.dag_id, 'trigger'), html``, 'Trigger')}</td>
    </tr>`;
  });
  const body = html`<h1>DAGs</h1>
    <p class="sub">
      ${dags.length} DAG${dags.length === 1 ? '' : 's'} · runs by state: success, running, queued, failed
    </p>
    ${signInHint(ctx)}
    <table class="data" id="dag-list">
      <thead>
        <tr>
          <th>Paused</th>
          <th>DAG</th>
          <th>Schedule</th>
          <th>Next run</th>
          <th>Last run</th>
          <th>Runs</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="7" class="muted">No DAG parsed yet (check HEATFLOW_DAGS_DIR).</td>
              </tr>`
            : rows
        }
      </tbody>
    </table>
    ${
      importErrors.length === 0
        ? ''
        : html`<h2 class="error">Import errors (${importErrors.length})</h2>
            <table class="data" id="import-errors">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                ${importErrors.map(
                  (e) =>
                    html`<tr>
                      <td>${e.filename}</td>
                      <td><pre class="xcom">${e.error}</pre></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }`;
  return layout(ctx, 'DAGs', body);
}
