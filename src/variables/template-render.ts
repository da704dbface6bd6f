/**
 * Templates of variables and connections in a task's command and environment, rendered by the
 * worker for each try, as Airflow's Jinja context `var` and `conn`:
 *
 * - `{{ var.value.KEY }}`: the variable's text; `{{ var.json.KEY }}` / `{{ var.json.KEY.a.b }}`:
 *   the variable parsed as JSON (a path into it; objects and arrays rendered as JSON text);
 * - `{{ conn.ID.FIELD }}`, FIELD one of `conn_type host schema login password port extra uri json`
 *   or `extra_dejson.KEY` (`json`: the whole connection as a JSON object, password included);
 * - `| default('text')` after any of them: used when the variable, connection or field is missing.
 *
 * A missing variable or connection without a default fails the try with a {@link TemplateError}
 * naming it. Every secret read is registered with the masker: sensitive variables (their key holds
 * one of Airflow's sensitive words), connection passwords, sensitive extra fields.
 */
import { HeatflowError } from '../core/errors.js';
import { connToUri } from '../connections/conn-uri.js';
import type { Connection } from '../connections/connection-service.js';
import type { SecretMasker } from '../secrets/secret-masker.js';
import { isSensitiveName } from '../secrets/sensitive.js';
import type { Variable } from './variable-service.js';

/** Where templates read variables and connections (the stores, or a test double). */
export interface TemplateSources {
  readonly variables: { get(key: string): Promise<Variable | undefined> };
  readonly connections: { get(connId: string): Promise<Connection | undefined> };
}

/** A template that cannot be rendered (names the template, the variable or connection, the field). */
export class TemplateError extends HeatflowError {
  constructor(message: string) {
    super('TEMPLATE', message);
    this.name = 'TemplateError';
  }
}

/** `{{ expr }}` or `{{ expr | default('x') }}` (single or double quotes). */
const TEMPLATE =
  /\{\{\s*((?:var|conn)\.[A-Za-z0-9_.-]+)\s*(?:\|\s*default\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*)?\}\}/g;

const CONN_FIELDS = [
  'conn_type',
  'host',
  'schema',
  'login',
  'password',
  'port',
  'extra',
  'uri',
  'json',
] as const;

/** Whether a text holds a variable or connection template. */
export function hasSecretTemplate(text: string): boolean {
  TEMPLATE.lastIndex = 0;
  return TEMPLATE.test(text);
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Renders templates for one try, reading each variable and connection once. */
export class SecretTemplateRenderer {
  private readonly vars = new Map<string, Promise<Variable | undefined>>();
  private readonly conns = new Map<string, Promise<Connection | undefined>>();

  constructor(
    private readonly sources: TemplateSources,
    private readonly masker: SecretMasker,
  ) {}

  private variable(key: string): Promise<Variable | undefined> {
    let p = this.vars.get(key);
    if (p === undefined) {
      p = this.sources.variables.get(key);
      this.vars.set(key, p);
    }
    return p;
  }

  private connection(id: string): Promise<Connection | undefined> {
    let p = this.conns.get(id);
    if (p === undefined) {
      p = this.sources.connections.get(id).then((c) => {
        if (c !== undefined) {
          this.masker.add(c.password);
          for (const [k, v] of Object.entries(c.extra ?? {}))
            if (isSensitiveName(k) && v !== null) this.masker.add(asText(v));
        }
        return c;
      });
      this.conns.set(id, p);
    }
    return p;
  }

  /**
   * One expression's value, or undefined when what it names is missing.
   * @throws TemplateError for an expression of an unknown shape or field
   */
  private async evaluate(expr: string, where: string): Promise<string | undefined> {
    const parts = expr.split('.');
    const [root, kind, name, ...rest] = parts;
    if (root === 'var' && (kind === 'value' || kind === 'json') && name !== undefined && name !== '') {
      const v = await this.variable(name);
      if (v === undefined) return undefined;
      if (v.isSensitive) this.masker.add(v.value);
      if (kind === 'value') {
        if (rest.length > 0)
          throw new TemplateError(
            `${where}: {{ ${expr} }}: var.value takes a key only (use var.json.KEY.path)`,
          );
        return v.value;
      }
      let value: unknown;
      try {
        value = JSON.parse(v.value);
      } catch {
        throw new TemplateError(`${where}: {{ ${expr} }}: variable "${name}" is not JSON`);
      }
      for (const step of rest) {
        if (value === null || typeof value !== 'object' || !(step in value)) return undefined;
        value = (value as Record<string, unknown>)[step];
      }
      const text = asText(value);
      if (v.isSensitive) this.masker.add(text);
      return text;
    }
    if (root === 'conn' && kind !== undefined && kind !== '' && name !== undefined) {
      const c = await this.connection(kind);
      if (c === undefined) return undefined;
      if (name === 'extra_dejson') {
        let value: unknown = c.extra ?? {};
        for (const step of rest) {
          if (value === null || typeof value !== 'object' || !(step in value)) return undefined;
          value = (value as Record<string, unknown>)[step];
        }
        return value === null || value === undefined ? undefined : asText(value);
      }
      if (rest.length > 0 || !(CONN_FIELDS as readonly string[]).includes(name))
        throw new TemplateError(
          `${where}: {{ ${expr} }}: unknown connection field "${[name, ...rest].join('.')}" (one of ${CONN_FIELDS.join(', ')}, extra_dejson.KEY)`,
        );
      const field = name as (typeof CONN_FIELDS)[number];
      switch (field) {
        case 'conn_type':
          return c.connType;
        case 'port':
          return c.port === null ? undefined : String(c.port);
        case 'extra':
          return c.extra === null ? undefined : JSON.stringify(c.extra);
        case 'uri':
          return connToUri(c);
        case 'json':
          return JSON.stringify({
            conn_id: c.connId,
            conn_type: c.connType,
            host: c.host,
            schema: c.schema,
            login: c.login,
            password: c.password,
            port: c.port,
            extra: c.extra,
          });
        default:
          return c[field] ?? undefined;
      }
    }
    throw new TemplateError(
      `${where}: {{ ${expr} }} is not a template heatflow knows (var.value.KEY, var.json.KEY.path, conn.ID.FIELD)`,
    );
  }

  /**
   * `text` with every template replaced.
   * @param where - what the text is, for errors (e.g. `env.TADO_PASSWORD of task "extract"`)
   * @throws TemplateError naming the missing variable or connection, or the malformed template
   */
  async render(text: string, where: string): Promise<string> {
    const matches = [...text.matchAll(TEMPLATE)];
    if (matches.length === 0) return text;
    let out = '';
    let last = 0;
    for (const m of matches) {
      const expr = m[1] ?? '';
      const fallback = m[2] ?? m[3];
      const value = await this.evaluate(expr, where);
      if (value === undefined && fallback === undefined) {
        const [root, kind, name] = expr.split('.');
        const what =
          root === 'var'
            ? `variable "${name ?? ''}" does not exist${expr.split('.').length > 3 ? ' (or has no such JSON path)' : ''}`
            : `connection "${kind ?? ''}" does not exist or has no ${expr.split('.').slice(2).join('.')}`;
        throw new TemplateError(`${where}: {{ ${expr} }}: ${what}`);
      }
      out += text.slice(last, m.index) + (value ?? fallback ?? '');
      last = (m.index ?? 0) + m[0].length;
    }
    return out + text.slice(last);
  }
}
