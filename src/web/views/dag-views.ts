/**
 * The pages of one DAG: grid, calendar, task durations, and one run (with its Gantt chart).
 */
import type { DagRow, DagRunRow } from '../../db/database.js';
import type { CalendarDay, DurationPoint, GridCell, GridRun, TiWithTry } from '../../db/web-queries.js';
import { STATE_COLOURS } from '../assets.js';
import { chartFigure } from '../charts/chart-figure.js';
import { durationsChart } from '../charts/durations-chart.js';
import { ganttChart } from '../charts/gantt-chart.js';
import { html, query, urlPath, type SafeHtml } from '../html.js';
import {
  actionForm,
  dsOf,
  fmtDate,
  fmtDuration,
  layout,
  scheduleText,
  signInHint,
  stateBadge,
  stateLegend,
  type PageContext,
} from './layout.js';
import { MONTH_NAMES } from './month-names.js';

/** Tabs of a DAG's pages. */
export type DagTab = 'grid' | 'graph' | 'calendar' | 'durations' | 'runs';

/** Title, actions and tabs shown above every page of a DAG. */
export function dagHeader(ctx: PageContext, dag: DagRow, tab: DagTab | undefined): SafeHtml {
  const tabs: [DagTab, string][] = [
    ['grid', 'Grid'],
    ['graph', 'Graph'],
    ['calendar', 'Calendar'],
    ['durations', 'Task durations'],
  ];
  return html`<h1>
      ${dag.dag_id} ${dag.is_paused ? html`<span class="badge state-none">paused</span>` : ''}
    </h1>
    <p class="sub">
      schedule
      <code>${scheduleText(dag)}</code
      >${dag.schedule_assets.length > 0 ? html` (<a href="/assets">assets</a>)` : ''} (${dag.timezone}) ·
      ${dag.task_ids.length} tasks (<a href="${urlPath('dags', dag.dag_id, 'graph')}">graph</a>):
      ${dag.task_ids.join(', ')} ${dag.description === null ? '' : html`· ${dag.description}`}
    </p>
    ${signInHint(ctx)}
    <div class="actions">
      ${actionForm(ctx, urlPath('dags', dag.dag_id, 'trigger'), html`<label>logical date (ISO, optional)<input name="logical_date" placeholder="now" size="22" /></label><label>conf (JSON)<input name="conf" placeholder="{}" size="16" /></label>`, 'Trigger run')}
      ${actionForm(ctx, urlPath('dags', dag.dag_id, 'pause'), html`<input type="hidden" name="paused" value="${dag.is_paused ? 'false' : 'true'}" />`, dag.is_paused ? 'Unpause' : 'Pause', 'secondary')}
      ${actionForm(
        ctx,
        '/backfills',
        html`<input type="hidden" name="dag_id" value="${dag.dag_id}" /><label
            >backfill from<input name="from" placeholder="2022-01-01" size="11" required /></label
          ><label>to<input name="to" placeholder="2022-12-31" size="11" required /></label
          ><label
            >reprocess<select name="reprocess">
              <option>none</option>
              <option>failed</option>
              <option>completed</option>
            </select></label
          >`,
        'Start backfill',
        'secondary',
      )}
    </div>
    <nav class="tabs">
      ${tabs.map(([t, label]) => html`<a class="${t === tab ? 'active' : ''}" href="${urlPath('dags', dag.dag_id, t)}">${label}</a>`)}<a
        href="/backfills?dag_id=${encodeURIComponent(dag.dag_id)}"
        >Backfills</a
      >
    </nav>`;
}

/**
 * The grid: runs as columns (a page of the newest runs, the oldest of them on the left, as
 * Airflow's grid), tasks as rows, each cell a task instance; it takes the page's width.
 */
export function gridView(
  ctx: PageContext,
  dag: DagRow,
  runs: readonly GridRun[],
  tis: readonly GridCell[],
  page: { offset: number; limit: number; total: number },
): SafeHtml {
  const byKey = new Map(tis.map((t) => [`${t.run_id}\u0000${t.task_id}`, t]));
  const taskIds = dag.task_ids.length > 0 ? dag.task_ids : [...new Set(tis.map((t) => t.task_id))];
  const newer = Math.max(0, page.offset - page.limit);
  const older = page.offset + page.limit;
  // pages count from the newest run; within a page the oldest run is on the left, as in Airflow
  const pager = html`<div class="pager">
    ${older < page.total ? html`<a href="${query({ offset: older })}">← older</a>` : html`<span class="muted">← older</span>`}
    <span
      >runs ${page.total === 0 ? 0 : page.offset + 1}–${Math.min(page.offset + page.limit, page.total)} of
      ${page.total} counted from the newest, oldest on the left</span
    >
    ${page.offset > 0 ? html`<a href="${query({ offset: newer })}">newer →</a>` : html`<span class="muted">newer →</span>`}
  </div>`;
  const columns = [...runs].reverse();
  const body = html`${dagHeader(ctx, dag, 'grid')} ${pager}
    <div class="grid-wrap">
      <table class="grid" id="grid">
        <thead>
          <tr>
            <th></th>
            ${columns.map((r) => html`<th class="run"><a href="${urlPath('dags', dag.dag_id, 'runs', r.run_id)}" title="${r.run_id}">${dsOf(r.logical_date, dag.timezone)}</a></th>`)}
          </tr>
        </thead>
        <tbody>
          <tr class="runstate">
            <th class="task muted">run</th>
            ${columns.map((r) => html`<td title="${r.run_id}: ${r.state}"><span class="state-${r.state}"></span></td>`)}
          </tr>
          ${taskIds.map(
            (taskId) =>
              html`<tr>
                <th class="task">${taskId}</th>
                ${columns.map((r) => {
                  const ti = byKey.get(`${r.run_id}\u0000${taskId}`);
                  const state = ti?.state ?? 'none';
                  return html`<td>
                    <a
                      class="cell state-${state}"
                      data-task-id="${taskId}"
                      data-state="${state}"
                      title="${taskId} · ${r.run_id} · ${state}${ti?.duration_ms == null ? '' : ` · ${fmtDuration(ti.duration_ms)}`}"
                      href="${urlPath('dags', dag.dag_id, 'runs', r.run_id, 'tasks', taskId)}"
                    ></a>
                  </td>`;
                })}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${stateLegend()}`;
  return layout(ctx, `${dag.dag_id} grid`, body);
}

/** The colour of a calendar day: the most telling state among its runs (as Airflow's calendar). */
export function dayState(counts: Readonly<Record<string, number>>): string {
  for (const s of ['failed', 'running', 'queued', 'success']) if ((counts[s] ?? 0) > 0) return s;
  return 'none';
}

/**
 * The calendar: one square per day of a year, coloured by the day's run state.
 * `years` are the years with runs (the shown year is added to the pager if it has none).
 */
export function calendarView(
  ctx: PageContext,
  dag: DagRow,
  year: number,
  days: readonly CalendarDay[],
  years: readonly number[],
): SafeHtml {
  const byDay = new Map(days.map((d) => [d.day, d.counts]));
  const months = MONTH_NAMES.map((name, m) => {
    const first = new Date(Date.UTC(year, m, 1));
    const lead = (first.getUTCDay() + 6) % 7; // Monday first
    const length = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
    const cells: SafeHtml[] = [];
    for (let i = 0; i < lead; i++) cells.push(html`<span class="blank"></span>`);
    for (let d = 1; d <= length; d++) {
      const day = `${year}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      const counts = byDay.get(day);
      const state = counts === undefined ? undefined : dayState(counts);
      const summary =
        counts === undefined
          ? 'no run'
          : Object.entries(counts)
              .map(([s, n]) => `${s}: ${n}`)
              .join(', ');
      cells.push(
        html`<span
          class="${state === undefined ? 'no-run' : `state-${state}`}"
          data-day="${day}"
          data-state="${state ?? ''}"
          title="${day} · ${summary}"
        ></span>`,
      );
    }
    return html`<div class="cal-month">
      <h3>${name}</h3>
      <div class="cal-days">${cells}</div>
    </div>`;
  });
  const totals: Record<string, number> = {};
  for (const d of days) for (const [s, n] of Object.entries(d.counts)) totals[s] = (totals[s] ?? 0) + n;
  // The pager reaches one year either side of the years with runs (and of this year), no further.
  const thisYear = new Date().getUTCFullYear();
  const firstYear = Math.max(1970, Math.min(thisYear, ...years) - 1);
  const lastYear = Math.min(2200, Math.max(thisYear, ...years) + 1);
  const shown = [...new Set([...years, year])].sort((a, b) => a - b);
  const body = html`${dagHeader(ctx, dag, 'calendar')}
    <div class="pager">
      ${
        year > firstYear
          ? html`<a href="${query({ year: year - 1 })}" id="cal-prev" title="${year - 1}">← previous year</a>`
          : ''
      }
      ${shown.map((y) => (y === year ? html`<strong>${y}</strong>` : html`<a href="${query({ year: y })}">${y}</a>`))}
      ${
        year < lastYear
          ? html`<a href="${query({ year: year + 1 })}" id="cal-next" title="${year + 1}">next year →</a>`
          : ''
      }
    </div>
    <p class="sub" id="calendar-summary">
      ${year}: ${days.length} days with runs ·
      ${
        Object.entries(totals)
          .map(([s, n]) => `${s} ${n}`)
          .join(' · ') || 'no runs'
      }
    </p>
    <div class="card"><div class="calendar" id="calendar">${months}</div></div>
    ${stateLegend(['success', 'failed', 'running', 'queued'])}`;
  return layout(ctx, `${dag.dag_id} calendar`, body);
}

/** Task durations over the latest runs, one line per task (ECharts SVG, its numbers below). */
export function durationsView(
  ctx: PageContext,
  dag: DagRow,
  points: readonly DurationPoint[],
  runLimit: number,
): SafeHtml {
  const runs = [...new Map(points.map((p) => [p.run_id, p.logical_date])).entries()];
  const labels = runs.map(([, d]) => dsOf(d, dag.timezone));
  const index = new Map(runs.map(([id], i) => [id, i]));
  const taskIds = dag.task_ids.length > 0 ? dag.task_ids : [...new Set(points.map((p) => p.task_id))];
  const series = taskIds.map((taskId) => {
    const seconds: (number | null)[] = labels.map(() => null);
    for (const p of points) {
      const i = index.get(p.run_id);
      if (p.task_id === taskId && i !== undefined && p.duration_ms !== null)
        seconds[i] = p.duration_ms / 1000;
    }
    return { taskId, seconds };
  });
  const body = html`${dagHeader(ctx, dag, 'durations')}
    <div class="pager">
      last ${runLimit} runs:
      ${[30, 90, 365].map((n) => (n === runLimit ? html`<strong>${n}</strong>` : html`<a href="${query({ runs: n })}">${n}</a>`))}
    </div>
    ${chartFigure(
      'durations-chart',
      'Duration of each task (s) by logical date',
      durationsChart(labels, series, { width: 1100, height: 400 }),
      {
        columns: [{ heading: 'ds' }, ...series.map((t) => ({ heading: `${t.taskId} (s)`, numeric: true }))],
        rows: labels.map((ds, i) => [ds, ...series.map((t) => t.seconds[i] ?? null)]),
        digits: 3,
      },
    )}`;
  return layout(ctx, `${dag.dag_id} task durations`, body);
}

/** One run: its details, its task instances, a Gantt chart, and the actions on them. */
export function runView(
  ctx: PageContext,
  dag: DagRow,
  run: DagRunRow,
  tis: readonly TiWithTry[],
  /** why the run is not moving (run-blocker-service.ts), when it is held */
  blocker?: string,
): SafeHtml {
  const t0 = Math.min(
    ...tis.map((t) => t.start_date?.getTime() ?? Infinity),
    run.start_date?.getTime() ?? Infinity,
  );
  const order = new Map(dag.task_ids.map((id, i) => [id, i]));
  const sorted = [...tis].sort((a, b) => (order.get(a.task_id) ?? 999) - (order.get(b.task_id) ?? 999));
  const gantt = sorted
    .filter((t) => t.start_date !== null && Number.isFinite(t0))
    .map((t) => {
      const start = t.start_date as Date;
      const end = t.end_date ?? new Date();
      return {
        taskId: t.task_id,
        state: t.state,
        startS: (start.getTime() - t0) / 1000,
        endS: (end.getTime() - t0) / 1000,
      };
    });
  const body = html`${dagHeader(ctx, dag, undefined)}
    <h2>Run ${run.run_id} ${stateBadge(run.state)}</h2>
    <div class="card">
      <dl class="kv">
        <dt>run type</dt>
        <dd>${run.run_type}</dd>
        <dt>logical date</dt>
        <dd>${fmtDate(run.logical_date)}</dd>
        <dt>data interval</dt>
        <dd>${fmtDate(run.data_interval_start)} → ${fmtDate(run.data_interval_end)}</dd>
        <dt>started / ended</dt>
        <dd>${fmtDate(run.start_date)} → ${fmtDate(run.end_date)}</dd>
        <dt>conf</dt>
        <dd><code>${JSON.stringify(run.conf)}</code></dd>
        ${
          run.state_reason === null
            ? ''
            : html`<dt>reason</dt>
                <dd>${run.state_reason}</dd>`
        }
        ${
          blocker === undefined
            ? ''
            : html`<dt>not moving</dt>
                <dd id="run-blocker">${blocker}</dd>`
        }
      </dl>
    </div>
    <div class="actions">
      ${actionForm(
        ctx,
        urlPath('dags', dag.dag_id, 'clear'),
        html`<input type="hidden" name="run_id" value="${run.run_id}" /><label
            >only failed<select name="only_failed">
              <option value="false">no</option>
              <option value="true">yes</option>
            </select></label
          >`,
        'Clear run',
        'danger',
      )}
    </div>
    <h2>Task instances</h2>
    <table class="data" id="run-tis">
      <thead>
        <tr>
          <th>Task</th>
          <th>State</th>
          <th>Try</th>
          <th>Started</th>
          <th>Ended</th>
          <th class="num">Duration</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        ${sorted.map(
          (t) =>
            html`<tr>
              <td>
                <a href="${urlPath('dags', dag.dag_id, 'runs', run.run_id, 'tasks', t.task_id)}"
                  >${t.task_id}</a
                >
              </td>
              <td>${stateBadge(t.state)}</td>
              <td>${t.try_number}/${t.max_tries + 1}</td>
              <td>${fmtDate(t.start_date)}</td>
              <td>${fmtDate(t.end_date)}</td>
              <td class="num">${fmtDuration(t.duration_ms)}</td>
              <td>${tiActions(ctx, dag.dag_id, run.run_id, t.task_id)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Gantt</h2>
    ${
      gantt.length === 0
        ? html`<p class="muted">No task has started yet.</p>`
        : chartFigure(
            'gantt-chart',
            'Each task from its start to its end, coloured by state',
            ganttChart(gantt, STATE_COLOURS, { width: 1100, height: Math.max(160, 60 + gantt.length * 34) }),
            {
              columns: [
                { heading: 'task' },
                { heading: 'state' },
                { heading: 'start (s)', numeric: true },
                { heading: 'end (s)', numeric: true },
              ],
              rows: gantt.map((t) => [t.taskId, t.state, t.startS, t.endS]),
              digits: 1,
            },
          )
    }`;
  return layout(ctx, `${dag.dag_id} ${run.run_id}`, body);
}

/** Clear / mark success / mark failed forms of one task instance. */
export function tiActions(ctx: PageContext, dagId: string, runId: string, taskId: string): SafeHtml {
  if (ctx.csrf === undefined) return html``;
  const ref = html`<input type="hidden" name="run_id" value="${runId}" /><input
      type="hidden"
      name="task_id"
      value="${taskId}"
    />`;
  return html`<div class="actions">
    ${actionForm(ctx, urlPath('dags', dagId, 'clear'), html`${ref}<input type="hidden" name="downstream" value="true" />`, 'Clear (+downstream)', 'secondary')}
    ${actionForm(ctx, urlPath('dags', dagId, 'mark'), html`${ref}<input type="hidden" name="state" value="success" />`, 'Mark success', 'secondary')}
    ${actionForm(ctx, urlPath('dags', dagId, 'mark'), html`${ref}<input type="hidden" name="state" value="failed" />`, 'Mark failed', 'danger')}
  </div>`;
}
