/**
 * The "Event log" page (Airflow's Browse → Audit Log): who did what, when, through what and from
 * where, newest first, with filters and paging.
 */
import type { EventLogRow } from '../../db/database.js';
import { html, query, urlPath, type SafeHtml } from '../html.js';
import { fmtDate, layout, type PageContext } from './layout.js';

/** Events per page. */
export const EVENT_LOG_PAGE_SIZE = 50;

const FILTERS: readonly { readonly name: string; readonly label: string; readonly hint: string }[] = [
  { name: 'dag_id', label: 'DAG', hint: 'tado_etl' },
  { name: 'task_id', label: 'task', hint: 'extract' },
  { name: 'run_id', label: 'run', hint: 'manual__…' },
  { name: 'event', label: 'event', hint: 'trigger' },
  { name: 'owner', label: 'owner', hint: 'token' },
  { name: 'after', label: 'after', hint: '2026-12-01' },
  { name: 'before', label: 'before', hint: '2026-12-31' },
];

/**
 * The page: a filter form, the events of this page, and links to the previous and next pages.
 * @param pageSize - events a page (`limit`); `@defaultValue` {@link EVENT_LOG_PAGE_SIZE}
 */
export function eventLogView(
  ctx: PageContext,
  events: readonly EventLogRow[],
  total: number,
  filters: Readonly<Record<string, string>>,
  offset: number,
  pageSize: number = EVENT_LOG_PAGE_SIZE,
): SafeHtml {
  const pageLink = (o: number, label: string) =>
    html`<a href="/event-log${query({ ...filters, offset: o === 0 ? undefined : o })}">${label}</a>`;
  const last = Math.min(offset + events.length, total);
  const body = html`<h1>Event log</h1>
    <form method="get" action="/event-log" class="actions" id="event-log-filters">
      ${FILTERS.map(
        (f) =>
          html`<label
            >${f.label}<input
              name="${f.name}"
              value="${filters[f.name] ?? ''}"
              placeholder="${f.hint}"
              size="12"
          /></label>`,
      )}
      <button type="submit">Filter</button> <a href="/event-log">clear filters</a>
    </form>
    <p class="muted" id="event-log-count">
      ${total === 0 ? 'No events.' : `Events ${offset + 1}–${last} of ${total}, newest first.`}
    </p>
    <table class="data" id="event-log">
      <thead>
        <tr>
          <th>When</th>
          <th>Event</th>
          <th>Owner</th>
          <th>Source</th>
          <th>From</th>
          <th>DAG</th>
          <th>Run</th>
          <th>Task</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${fmtDate(e.dttm)}</td>
              <td>${e.event}</td>
              <td>${e.owner}</td>
              <td>${e.source}</td>
              <td>${e.remote_addr ?? ''}</td>
              <td>
                ${e.dag_id === null ? '' : html`<a href="${urlPath('dags', e.dag_id, 'grid')}">${e.dag_id}</a>`}
              </td>
              <td>
                ${
                  e.dag_id === null || e.run_id === null
                    ? (e.run_id ?? '')
                    : html`<a href="${urlPath('dags', e.dag_id, 'runs', e.run_id)}">${e.run_id}</a>`
                }
              </td>
              <td>${e.task_id ?? ''}</td>
              <td>
                <code>${Object.keys(e.extra as object).length === 0 ? '' : JSON.stringify(e.extra)}</code>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="pager">
      ${offset > 0 ? pageLink(Math.max(0, offset - pageSize), '← newer') : ''}
      ${last < total ? pageLink(offset + pageSize, 'older →') : ''}
    </p>`;
  return layout(ctx, 'Event log', body);
}
