/**
 * The task instance page: its state, its tries (start, end, duration, exit code), the log of one
 * try (following live while the try runs), and its XCom values.
 */
import type { DagRow, DagRunRow, TaskTryRow } from '../../db/database.js';
import type { TiWithTry } from '../../db/web-queries.js';
import type { XComEntry } from '../../xcom/xcom-store.js';
import { html, jsonScript, query, urlPath, type SafeHtml } from '../html.js';
import { logLinesHtml } from '../log-format.js';
import { dagHeader, tiActions } from './dag-views.js';
import { fmtDate, fmtDuration, layout, stateBadge, type PageContext } from './layout.js';

/** The log of the selected try, as read for the page. */
export interface LogExcerpt {
  readonly tryNumber: number;
  readonly content: string;
  /** the log file is missing (never written, or on another machine) */
  readonly missing: boolean;
  /** bytes left out at the start (the page shows the tail of long logs) */
  readonly skippedBytes: number;
  /** continuation token to follow from (the API's) */
  readonly continuationToken: string;
  /** the try is still running: the page follows the log */
  readonly live: boolean;
  /** IANA zone the lines' times are shown in (the DAG's) */
  readonly timeZone: string;
}

/** The task instance page. */
export function taskInstanceView(
  ctx: PageContext,
  dag: DagRow,
  run: DagRunRow,
  ti: TiWithTry,
  tries: readonly TaskTryRow[],
  log: LogExcerpt | undefined,
  xcoms: readonly XComEntry[],
): SafeHtml {
  const logUrl = (n: number) =>
    `/api/v1${urlPath('dags', dag.dag_id, 'dagRuns', run.run_id, 'taskInstances', ti.task_id, 'logs', n)}`;
  const body = html`${dagHeader(ctx, dag, undefined)}
    <h2>
      Task <span id="ti-task-id">${ti.task_id}</span> ${stateBadge(ti.state)}
      <span class="muted"
        >of run <a href="${urlPath('dags', dag.dag_id, 'runs', run.run_id)}">${run.run_id}</a></span
      >
    </h2>
    <div class="card">
      <dl class="kv">
        <dt>try</dt>
        <dd>${ti.try_number} of ${ti.max_tries + 1} allowed</dd>
        <dt>logical date</dt>
        <dd>${fmtDate(run.logical_date)}</dd>
        <dt>queued / started / ended</dt>
        <dd>${fmtDate(ti.queued_at)} · ${fmtDate(ti.start_date)} · ${fmtDate(ti.end_date)}</dd>
        <dt>duration</dt>
        <dd>${fmtDuration(ti.duration_ms)}</dd>
        <dt>pool</dt>
        <dd>${ti.pool} (${ti.pool_slots} slot${ti.pool_slots === 1 ? '' : 's'})</dd>
        ${
          ti.next_retry_at === null
            ? ''
            : html`<dt>next retry</dt>
                <dd>${fmtDate(ti.next_retry_at)}</dd>`
        }
        ${
          ti.state_reason === null
            ? ''
            : html`<dt>reason</dt>
                <dd>${ti.state_reason}</dd>`
        }
      </dl>
    </div>
    ${tiActions(ctx, dag.dag_id, run.run_id, ti.task_id)}
    <h2>Tries</h2>
    <table class="data" id="tries">
      <thead>
        <tr>
          <th>Try</th>
          <th>State</th>
          <th>Started</th>
          <th>Ended</th>
          <th class="num">Duration</th>
          <th class="num">Exit code</th>
          <th>Host</th>
          <th>Error</th>
          <th>Log</th>
        </tr>
      </thead>
      <tbody>
        ${
          tries.length === 0
            ? html`<tr>
                <td colspan="9" class="muted">No try yet.</td>
              </tr>`
            : tries.map(
                (
                  t,
                ) => html`<tr${log?.tryNumber === t.try_number ? html` class="selected"` : ''}><td>${t.try_number}</td><td>${stateBadge(t.state)}</td><td>${fmtDate(t.start_date)}</td><td>${fmtDate(t.end_date)}</td>
<td class="num">${fmtDuration(t.duration_ms)}</td><td class="num">${t.exit_code ?? '–'}</td><td>${t.hostname ?? ''}</td><td class="error">${t.error ?? ''}</td>
<td><a href="${query({ try: t.try_number })}">view</a> · <a href="${logUrl(t.try_number)}?full_content=true" type="text/plain">raw</a></td></tr>`,
              )
        }
      </tbody>
    </table>
    ${
      log === undefined
        ? ''
        : html`<h2>
              Log of try ${log.tryNumber}
              <small class="muted" id="log-status"
                >${log.live ? 'following live…' : log.missing ? 'no log file' : ''}</small
              >
            </h2>
            ${log.skippedBytes > 0 ? html`<p class="muted">First ${log.skippedBytes} bytes left out; <a href="${logUrl(log.tryNumber)}?full_content=true">full log</a>.</p>` : ''}
            <p class="muted log-help">
              Times in ${log.timeZone}; a line's other JSON fields unfold on a click; the raw lines are below
              (and
              <a href="${logUrl(log.tryNumber)}?full_content=true">as text</a>).
            </p>
            <div class="log log-lines" id="log-content">
              ${log.missing ? html`<div class="log-line log-text">(the log file of this try was not found on this machine)</div>` : logLinesHtml(log.content, log.timeZone)}
            </div>
            <details class="log-raw" id="log-raw-box">
              <summary>raw JSON lines</summary>
              <pre class="log" id="log-raw">${log.content}</pre>
            </details>
            ${log.live ? jsonScript('hf-log-follow', { url: `${urlPath('dags', dag.dag_id, 'runs', run.run_id, 'tasks', ti.task_id, 'log-lines')}?try=${log.tryNumber}`, token: log.continuationToken, intervalMs: 1000 }) : ''}`
    }
    <h2>XComs</h2>
    ${
      xcoms.length === 0
        ? html`<p class="muted" id="xcoms">No XCom (none pushed, expired, or cleared).</p>`
        : html`<table class="data" id="xcoms">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              ${xcoms.map(
                (x) =>
                  html`<tr>
                    <td><code>${x.key}</code></td>
                    <td><pre class="xcom">${JSON.stringify(x.value, null, 2)}</pre></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return layout(ctx, `${ti.task_id} · ${run.run_id}`, body);
}
