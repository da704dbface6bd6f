/**
 * The backfills page, the sign-in page and the HTML error page.
 */
import type { BackfillProgress } from '../../db/web-queries.js';
import { html, urlPath, type SafeHtml } from '../html.js';
import { actionForm, fmtDate, layout, signInHint, type PageContext } from './layout.js';

/** Backfills: range, progress, state; and a form to start one. */
export function backfillsView(
  ctx: PageContext,
  backfills: readonly BackfillProgress[],
  dagIds: readonly string[],
  dagFilter?: string,
): SafeHtml {
  const done = (p: BackfillProgress) => (p.runCounts.success ?? 0) + (p.runCounts.failed ?? 0);
  const body = html`<h1>Backfills${dagFilter === undefined ? '' : html` of ${dagFilter}`}</h1>
    ${signInHint(ctx)}
    <div class="actions">
      ${actionForm(
        ctx,
        '/backfills',
        html`<label
            >DAG<select name="dag_id">
              ${dagIds.map((id) => html`<option${id === dagFilter ? html` selected` : ''}>${id}</option>`)}
            </select></label
          >
          <label>from<input name="from" placeholder="2022-01-01" size="11" required /></label
          ><label>to<input name="to" placeholder="2022-12-31" size="11" required /></label>
          <label
            >reprocess<select name="reprocess">
              <option>none</option>
              <option>failed</option>
              <option>completed</option>
            </select></label
          >
          <label>max active runs<input name="max_active_runs" size="4" placeholder="DAG's" /></label>
          <label
            >order<select name="run_backwards">
              <option value="false">oldest first</option>
              <option value="true">newest first</option>
            </select></label
          >`,
        'Start backfill',
      )}
    </div>
    <table class="data" id="backfills">
      <thead>
        <tr>
          <th>Id</th>
          <th>DAG</th>
          <th>Range</th>
          <th>Reprocess</th>
          <th>Max active runs</th>
          <th>Progress</th>
          <th>State</th>
          <th>Created</th>
          <th>Completed</th>
        </tr>
      </thead>
      <tbody>
        ${
          backfills.length === 0
            ? html`<tr>
                <td colspan="9" class="muted">No backfill yet.</td>
              </tr>`
            : backfills.map((p) => {
                const b = p.backfill;
                const total = Math.max(1, p.totalRuns);
                const bar = ['success', 'failed', 'running', 'queued'].map((s) => {
                  const n = p.runCounts[s] ?? 0;
                  return n === 0
                    ? ''
                    : html`<span
                        class="state-${s}"
                        style="width:${((100 * n) / total).toFixed(2)}%"
                        title="${s}: ${n}"
                      ></span>`;
                });
                return html`<tr data-backfill-id="${b.id}">
                  <td>${b.id}</td>
                  <td><a href="${urlPath('dags', b.dag_id, 'grid')}">${b.dag_id}</a></td>
                  <td>
                    ${fmtDate(b.from_date)} →
                    ${fmtDate(b.to_date)}${b.run_backwards ? html` <span class="muted">(newest first)</span>` : ''}
                  </td>
                  <td>${b.reprocess_behavior}</td>
                  <td class="num">${b.max_active_runs}</td>
                  <td>
                    <div class="progress">${bar}</div>
                    <div class="progress-text">
                      ${done(p)} / ${p.totalRuns} runs
                      done${(p.runCounts.failed ?? 0) > 0 ? html`, <span class="error">${p.runCounts.failed} failed</span>` : ''}
                    </div>
                  </td>
                  <td>
                    <span
                      class="badge state-${b.state === 'completed' ? 'success' : b.state === 'running' ? 'running' : 'none'}"
                      >${b.state}</span
                    >
                  </td>
                  <td>${fmtDate(b.created_at)}</td>
                  <td>${fmtDate(b.completed_at)}</td>
                </tr>`;
              })
        }
      </tbody>
    </table>`;
  return layout(ctx, 'Backfills', body);
}

/** The sign-in page: the user pastes HEATFLOW_WEB_TOKEN. */
export function loginView(ctx: PageContext, next: string, error?: string): SafeHtml {
  const body = html`<h1>Sign in</h1>
    <p class="sub">
      Actions (trigger, clear, mark, pause, backfill; adding, editing or deleting variables and connections)
      need a person's username and password (heatflow users create) or the web token (HEATFLOW_WEB_TOKEN).
      Pages stay readable without them.
    </p>
    ${error === undefined ? '' : html`<div class="flash bad" id="login-error">${error}</div>`}
    <div class="card">
      <form method="post" action="/login" class="actions" id="login-person">
        <input type="hidden" name="next" value="${next}" />
        <label
          >username<input type="text" name="username" autocomplete="username" size="20" required autofocus
        /></label>
        <label
          >password<input type="password" name="password" autocomplete="current-password" size="20" required
        /></label>
        <button type="submit">Sign in</button>
      </form>
    </div>
    <div class="card">
      <form method="post" action="/login" class="actions" id="login-token">
        <input type="hidden" name="next" value="${next}" />
        <label>token<input type="password" name="token" autocomplete="off" size="40" required /></label>
        <button type="submit">Sign in with the token</button>
      </form>
    </div>`;
  return layout(ctx, 'Sign in', body);
}

/** An HTML error page. */
export function errorView(ctx: PageContext, status: number, title: string, detail: string): SafeHtml {
  return layout(
    ctx,
    title,
    html`<h1>${status} ${title}</h1>
      <p class="error" id="error-detail">${detail}</p>
      <p><a href="/">Back to the DAG list</a></p>`,
  );
}
