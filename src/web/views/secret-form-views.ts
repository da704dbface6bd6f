/**
 * The forms of the Variables and Connections pages (Airflow's Admin → Variables / Connections
 * add and edit forms, and a JS-free delete confirmation). A sensitive value and a password are
 * never written into a page: their fields start empty, and left empty keep the stored secret.
 */
import { html, urlPath, type SafeHtml } from '../html.js';
import type { ConnectionFormValues } from '../secret-form-input.js';
import { layout, type PageContext } from './layout.js';

/** What the variable form shows. */
export interface VariableFormState {
  /** `add` a new variable, or `edit` the one named by {@link key} */
  readonly mode: 'add' | 'edit';
  readonly key: string;
  /** pre-filled value; never given for a sensitive key or an unreadable variable */
  readonly value?: string;
  readonly description: string;
  /** the key looks secret: the value field starts empty, empty keeps the stored value */
  readonly sensitive: boolean;
  /** why the stored value cannot be decrypted (edit only: a new value is needed) */
  readonly unreadable?: string;
  /** the message of a refused submission */
  readonly error?: string;
}

/** What the connection form shows. */
export interface ConnectionFormState {
  readonly mode: 'add' | 'edit';
  readonly values: ConnectionFormValues;
  /** a password is stored (edit): the empty field keeps it */
  readonly hasPassword: boolean;
  /** why the stored secrets cannot be decrypted (edit only: a new password is needed) */
  readonly unreadable?: string;
  readonly error?: string;
}

const csrfField = (ctx: PageContext): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;

const errorBox = (error: string | undefined): SafeHtml =>
  error === undefined ? html`` : html`<p class="flash bad" role="alert" id="form-error">${error}</p>`;

const unreadableBox = (reason: string | undefined, needs: string): SafeHtml =>
  reason === undefined
    ? html``
    : html`<p class="flash bad" id="unreadable">
        Cannot decrypt: ${reason}. It can be deleted, or replaced by giving a new ${needs} (the stored one
        cannot be kept).
      </p>`;

const textInput = (label: string, name: string, value: string, extra: SafeHtml = html``): SafeHtml =>
  html`<label>${label}<input type="text" name="${name}" value="${value}" size="50" ${extra} /></label>`;

/** A textarea whose content is exactly `value` (on one line: no whitespace added around it). */
const textArea = (name: string, rows: number, value: string): SafeHtml =>
  html`<textarea name="${name}" rows="${String(rows)}" cols="60" autocomplete="off">${value}</textarea>`;

/** The add or edit form of a variable. */
export function variableFormView(ctx: PageContext, s: VariableFormState): SafeHtml {
  const action = s.mode === 'add' ? '/variables' : `${urlPath('variables', s.key)}/edit`;
  const keepHint =
    s.mode !== 'edit'
      ? html``
      : s.unreadable !== undefined
        ? html`<p class="muted">
            Its description cannot be shown either: left empty, the stored one is kept.
          </p>`
        : s.sensitive
          ? html`<p class="muted">
              The key looks secret: its value is not shown. Leave it empty to keep it.
            </p>`
          : html``;
  const body = html`<h1>${s.mode === 'add' ? 'Add a variable' : `Edit variable ${s.key}`}</h1>
    ${errorBox(s.error)} ${unreadableBox(s.unreadable, 'value')} ${keepHint}
    <form method="post" action="${action}" class="secret-form" id="variable-form">
      ${csrfField(ctx)}
      ${
        s.mode === 'add'
          ? textInput('key', 'key', s.key, html`required maxlength="250" pattern="[A-Za-z0-9_.\\-]+"`)
          : html`<p>key <code>${s.key}</code></p>`
      }
      <label>value${textArea('value', 4, s.value ?? '')}</label>
      <label>description${textArea('description', 2, s.description)}</label>
      <p>
        <button type="submit">${s.mode === 'add' ? 'Add' : 'Save'}</button>
        <a href="/variables">Cancel</a>
      </p>
    </form>`;
  return layout(ctx, s.mode === 'add' ? 'Add a variable' : `Edit ${s.key}`, body);
}

/** The add or edit form of a connection. */
export function connectionFormView(ctx: PageContext, s: ConnectionFormState): SafeHtml {
  const v = s.values;
  const action = s.mode === 'add' ? '/connections' : `${urlPath('connections', v.conn_id)}/edit`;
  const body = html`<h1>${s.mode === 'add' ? 'Add a connection' : `Edit connection ${v.conn_id}`}</h1>
    ${errorBox(s.error)} ${unreadableBox(s.unreadable, 'password')}
    <form method="post" action="${action}" class="secret-form" id="connection-form">
      ${csrfField(ctx)}
      ${
        s.mode === 'add'
          ? textInput('conn id', 'conn_id', v.conn_id, html`required maxlength="250"`)
          : html`<p>conn id <code>${v.conn_id}</code></p>`
      }
      ${textInput('conn type', 'conn_type', v.conn_type, html`required maxlength="100"`)}
      ${textInput('description', 'description', v.description)} ${textInput('host', 'host', v.host)}
      ${textInput('schema', 'schema', v.schema)} ${textInput('login', 'login', v.login)}
      <label
        >password<input type="password" name="password" value="" size="50" autocomplete="new-password"
      /></label>
      ${
        s.mode === 'edit' && s.unreadable === undefined
          ? html`<p class="muted">
              ${
                s.hasPassword
                  ? 'A password is stored; it is never shown. Leave the field empty to keep it.'
                  : 'No password is stored.'
              }
            </p>`
          : html``
      }
      ${textInput('port', 'port', v.port, html`inputmode="numeric"`)}
      <label
        >extra (a JSON object; sensitive fields shown as *** keep their stored
        value)${textArea('extra', 5, v.extra)}</label
      >
      <p>
        <button type="submit">${s.mode === 'add' ? 'Add' : 'Save'}</button>
        <a href="/connections">Cancel</a>
      </p>
    </form>`;
  return layout(ctx, s.mode === 'add' ? 'Add a connection' : `Edit ${v.conn_id}`, body);
}

/**
 * The confirmation of a delete: a POST form (no script), and a way back.
 * @param kind - `variable` or `connection`
 * @param id - the variable's key or the connection's id
 */
export function deleteConfirmView(ctx: PageContext, kind: 'variable' | 'connection', id: string): SafeHtml {
  const list = kind === 'variable' ? 'variables' : 'connections';
  const body = html`<h1>Delete ${kind} ${id}?</h1>
    <p>The ${kind} <code>${id}</code> is removed for good; tasks that use it fail until it is added again.</p>
    <form method="post" action="${urlPath(list, id)}/delete" id="delete-form">
      ${csrfField(ctx)}
      <button type="submit" class="danger">Delete ${id}</button>
      <a href="/${list}">Cancel</a>
    </form>`;
  return layout(ctx, `Delete ${id}`, body);
}
