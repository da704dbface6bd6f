/**
 * The page frame and small shared pieces of the UI (badges, dates, durations, action forms).
 */
import { assetScheduleLabel } from '../../core/asset.js';
import { html, type SafeHtml } from '../html.js';

/** What every page needs to know about the request. */
export interface PageContext {
  /** actions are possible (HEATFLOW_WEB_TOKEN is set) */
  readonly actionsEnabled: boolean;
  /** CSRF token of the signed-in session; undefined when not signed in */
  readonly csrf?: string;
  /** who is signed in: a person's username, or `token` for a session of the web token */
  readonly signedInAs?: string;
  /** HEATFLOW_FERNET_KEY is not set: variables and connection passwords are stored in plain text */
  readonly secretsUnencrypted?: boolean;
  /** this page's path and query, where actions return to */
  readonly here: string;
  /** a message from the previous action */
  readonly flash?: { readonly text: string; readonly bad: boolean };
}

/** A whole HTML page. */
export function layout(ctx: PageContext, title: string, body: SafeHtml): SafeHtml {
  const signedIn = ctx.csrf !== undefined;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · heatflow</title>
        <link rel="stylesheet" href="/static/heatflow.css" />
        <link rel="icon" href="data:," />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">heatflow</a>
          <nav>
            <a href="/">DAGs</a><a href="/heating">Heating</a><a href="/assets">Assets</a>
            <a href="/backfills">Backfills</a><a href="/api/v1/health">API health</a>
            <a href="/event-log">Event log</a><a href="/variables">Variables</a
            ><a href="/connections">Connections</a>
          </nav>
          ${
            !ctx.actionsEnabled
              ? html`<span class="muted" title="set HEATFLOW_WEB_TOKEN to enable actions">read-only</span>`
              : signedIn
                ? html`<span class="muted" id="signed-in-as"
                      >${
                        ctx.signedInAs === 'token' || ctx.signedInAs === undefined
                          ? 'signed in with the token'
                          : `signed in as ${ctx.signedInAs}`
                      }</span
                    >
                    <form method="post" action="/logout">
                      <input type="hidden" name="_csrf" value="${ctx.csrf}" /><button
                        class="secondary"
                        type="submit"
                      >
                        Sign out
                      </button>
                    </form>`
                : html`<a href="/login?next=${encodeURIComponent(ctx.here)}">Sign in to act</a>`
          }
        </header>
        <main>
          ${
            ctx.secretsUnencrypted === true
              ? html`<div class="banner" role="alert" id="no-fernet-key">
                  HEATFLOW_FERNET_KEY is not set: variables and connection passwords are stored unencrypted in
                  Postgres. Set a key (docs/adr/0006-secrets-at-rest-aes-gcm.md says how) and restart
                  heatflow.
                </div>`
              : ''
          }
          ${ctx.flash === undefined ? '' : html`<div class="flash${ctx.flash.bad ? ' bad' : ''}" role="status">${ctx.flash.text}</div>`}
          ${body}
        </main>
        <script src="/static/heatflow.js"></script>
      </body>
    </html>`;
}

/** How a DAG's schedule reads: its cron/preset, `on asset …` for an asset schedule, or `none`. */
export function scheduleText(dag: { schedule: string | null; schedule_assets: readonly string[] }): string {
  if (dag.schedule_assets.length > 0) return assetScheduleLabel(dag.schedule_assets);
  return dag.schedule ?? 'none';
}

/** A coloured state badge. */
export function stateBadge(state: string | null | undefined): SafeHtml {
  const s = state ?? 'none';
  return html`<span class="badge state-${/^[a-z_]+$/.test(s) ? s : 'none'}">${s}</span>`;
}

const dsFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `ds` of an instant: its date `YYYY-MM-DD` in the DAG's time zone (as `formatDs` in
 * core/timetable.ts), with a cached `Intl.DateTimeFormat` per zone: a grid of 100 runs formats
 * 100 dates per view, and this is about ten times cheaper than luxon.
 */
export function dsOf(date: Date, timezone: string): string {
  let f = dsFormatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dsFormatters.set(timezone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(date)) parts[p.type] = p.value;
  return `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}`;
}

/** `2022-01-01 01:00:00 UTC` (or a dash). */
export function fmtDate(d: Date | null | undefined): string {
  if (d === null || d === undefined) return '–';
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `1.234 s`, `2 min 5 s`, or a dash. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * A form that performs an action (POST, with the CSRF token and where to return), or nothing
 * when the user is not signed in.
 */
export function actionForm(
  ctx: PageContext,
  action: string,
  fields: SafeHtml,
  button: string,
  buttonClass = '',
): SafeHtml {
  if (ctx.csrf === undefined) return html``;
  return html`<form method="post" action="${action}">
    <input type="hidden" name="_csrf" value="${ctx.csrf}" />
    <input type="hidden" name="next" value="${ctx.here}" />
    ${fields}
    <button type="submit" class="${buttonClass}">${button}</button>
  </form>`;
}

/** The legend of state colours. */
export function stateLegend(
  states: readonly string[] = [
    'success',
    'failed',
    'running',
    'queued',
    'up_for_retry',
    'up_for_reschedule',
    'upstream_failed',
    'skipped',
    'none',
  ],
): SafeHtml {
  return html`<div class="legend">
    ${states.map((s) => html`<span><i class="state-${s}"></i>${s}</span>`)}
  </div>`;
}

/** A short note telling how to act when signed out. */
export function signInHint(ctx: PageContext): SafeHtml {
  if (ctx.csrf !== undefined) return html``;
  if (!ctx.actionsEnabled)
    return html`<p class="muted">Actions are disabled: set HEATFLOW_WEB_TOKEN to enable them.</p>`;
  return html`<p class="muted">
    <a href="/login?next=${encodeURIComponent(ctx.here)}">Sign in</a> with the web token to trigger, clear or
    mark.
  </p>`;
}
