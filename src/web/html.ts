/**
 * HTML with escaping by default: `html\`<p>${value}</p>\`` escapes every interpolated value
 * unless it is itself a {@link SafeHtml} (built by `html` or, deliberately, by {@link raw}).
 */

/** A string already safe to put in HTML. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c) : text;
}

const NEEDS_ESCAPE = /[&<>"'`]/;

/**
 * The markup with each run of whitespace between two tags reduced to one space (what a browser
 * renders anyway), so indented templates do not bloat pages. Text inside `<pre>` keeps its line
 * breaks: escaped text contains no `<` or `>`, so only whitespace between tags is touched.
 */
export function collapseWhitespace(page: SafeHtml): string {
  return page.value.replace(/>\s+</g, '> <');
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- numbers, strings, dates: callers pass scalars
  return escapeHtml(String(value));
}

/** Tagged template: escapes values, keeps nested `html` fragments, joins arrays, drops null/false. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks trusted markup as safe (never pass request text). */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and line separators are
 * escaped so no value can close the script element.
 */
export function jsonScript(id: string, value: unknown): SafeHtml {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

/** A path from segments, each percent-encoded: `urlPath('dags', id, 'grid')` → `/dags/<id>/grid`. */
export function urlPath(...segments: (string | number)[]): string {
  return `/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

/** A query string (with the `?`) from defined values, or `''`. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s === '' ? '' : `?${s}`;
}
