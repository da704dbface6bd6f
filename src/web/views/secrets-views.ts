/**
 * The Variables and Connections pages (Airflow's Admin → Variables / Connections): the lists, with
 * links to the add / edit / delete forms (secret-form-views.ts) for a reader signed in to act;
 * changes also go through `heatflow variables|connections …` or the REST API with the token. A value
 * whose key looks sensitive is shown as `***`, a connection's password never, sensitive extra
 * fields masked; an entry the configured key cannot decrypt is listed with the reason.
 */
import type { Connection } from '../../connections/connection-service.js';
import { MASK, SecretMasker } from '../../secrets/secret-masker.js';
import type { Unreadable, Variable } from '../../variables/variable-service.js';
import { html, urlPath, type SafeHtml } from '../html.js';
import { layout, type PageContext } from './layout.js';

/** The edit and delete links of a row, for a reader signed in to act (nothing otherwise). */
const rowActions = (ctx: PageContext, list: 'variables' | 'connections', id: string): SafeHtml =>
  ctx.csrf === undefined
    ? html``
    : html`<td class="row-actions">
        <a href="${urlPath(list, id)}/edit">Edit</a> · <a href="${urlPath(list, id)}/delete">Delete</a>
      </td>`;

/** The add link above a list, or how to get it (sign in, or set HEATFLOW_WEB_TOKEN). */
const addLink = (ctx: PageContext, list: 'variables' | 'connections', what: string): SafeHtml => {
  if (ctx.csrf !== undefined)
    return html`<p><a class="button" id="add-${list}" href="/${list}/new">Add a ${what}</a></p>`;
  if (!ctx.actionsEnabled)
    return html`<p class="muted">Read-only: set HEATFLOW_WEB_TOKEN to add, edit or delete here.</p>`;
  return html`<p class="muted">
    <a href="/login?next=${encodeURIComponent(ctx.here)}">Sign in</a> to add, edit or delete.
  </p>`;
};

const actionsHead = (ctx: PageContext): SafeHtml => (ctx.csrf === undefined ? html`` : html`<th></th>`);

const unreadableRow = (
  ctx: PageContext,
  list: 'variables' | 'connections',
  u: Unreadable,
  columns: number,
): SafeHtml =>
  html`<tr class="unreadable">
    <td>${u.id}</td>
    <td colspan="${String(columns - 1)}" class="bad">cannot decrypt: ${u.error}</td>
    ${rowActions(ctx, list, u.id)}
  </tr>`;

/** The Variables page. */
export function variablesView(
  ctx: PageContext,
  variables: readonly Variable[],
  unreadable: readonly Unreadable[],
): SafeHtml {
  const body = html`<h1>Variables</h1>
    <p class="sub">
      Set here, with <code>heatflow variables set KEY VALUE</code> or <code>POST /api/v1/variables</code>;
      used in a task's env as <code>{{ var.value.KEY }}</code>. Values of keys that look secret are hidden.
    </p>
    ${addLink(ctx, 'variables', 'variable')}
    <table class="data" id="variables">
      <thead>
        <tr>
          <th>Key</th>
          <th>Value</th>
          <th>Description</th>
          <th>Encrypted</th>
          ${actionsHead(ctx)}
        </tr>
      </thead>
      <tbody>
        ${variables.map(
          (v) =>
            html`<tr>
              <td>${v.key}</td>
              <td><code>${v.isSensitive ? MASK : v.value}</code></td>
              <td>${v.description ?? ''}</td>
              <td>${v.isEncrypted ? 'yes' : 'no'}</td>
              ${rowActions(ctx, 'variables', v.key)}
            </tr>`,
        )}
        ${unreadable.map((u) => unreadableRow(ctx, 'variables', u, 4))}
      </tbody>
    </table>
    ${variables.length + unreadable.length === 0 ? html`<p class="muted">No variables.</p>` : ''}`;
  return layout(ctx, 'Variables', body);
}

/** The Connections page. */
export function connectionsView(
  ctx: PageContext,
  connections: readonly Connection[],
  unreadable: readonly Unreadable[],
): SafeHtml {
  const masker = new SecretMasker();
  const body = html`<h1>Connections</h1>
    <p class="sub">
      Added here, with <code>heatflow connections add ID --conn-uri URI</code> or
      <code>POST /api/v1/connections</code>; used in a task's env as <code>{{ conn.ID.FIELD }}</code> (a
      <code>tado</code> connection feeds tado_etl's extract). Passwords are never shown.
    </p>
    ${addLink(ctx, 'connections', 'connection')}
    <table class="data" id="connections">
      <thead>
        <tr>
          <th>Conn id</th>
          <th>Type</th>
          <th>Host</th>
          <th>Schema</th>
          <th>Login</th>
          <th>Port</th>
          <th>Password</th>
          <th>Extra</th>
          ${actionsHead(ctx)}
        </tr>
      </thead>
      <tbody>
        ${connections.map(
          (c) =>
            html`<tr>
              <td>${c.connId}</td>
              <td>${c.connType}</td>
              <td>${c.host ?? ''}</td>
              <td>${c.schema ?? ''}</td>
              <td>${c.login ?? ''}</td>
              <td>${c.port === null ? '' : String(c.port)}</td>
              <td>${(c.password ?? '') === '' ? '' : MASK}</td>
              <td><code>${c.extra === null ? '' : JSON.stringify(masker.maskJson(c.extra))}</code></td>
              ${rowActions(ctx, 'connections', c.connId)}
            </tr>`,
        )}
        ${unreadable.map((u) => unreadableRow(ctx, 'connections', u, 8))}
      </tbody>
    </table>
    ${connections.length + unreadable.length === 0 ? html`<p class="muted">No connections.</p>` : ''}`;
  return layout(ctx, 'Connections', body);
}
