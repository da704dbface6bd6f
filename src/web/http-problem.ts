/**
 * Errors of the web server as RFC 7807 problem details, the shape Airflow's REST API returns
 * (`type`, `title`, `status`, `detail`; see the "Errors" section of Airflow's stable REST API
 * reference), and request validation with zod that names the parameter at fault.
 */
import type { z } from 'zod';
import { HeatflowError } from '../core/errors.js';

/** Base of the `type` URIs (Airflow's own error section, as Airflow's API uses it). */
const TYPE_BASE =
  'https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/';

const TITLES: Readonly<Record<number, [string, string]>> = {
  400: ['BadRequest', 'Bad Request'],
  401: ['Unauthenticated', 'Unauthorized'],
  403: ['PermissionDenied', 'Forbidden'],
  404: ['NotFound', 'Not Found'],
  405: ['MethodNotAllowed', 'Method Not Allowed'],
  409: ['AlreadyExists', 'Conflict'],
  413: ['BadRequest', 'Content Too Large'],
  414: ['BadRequest', 'URI Too Long'],
  415: ['UnsupportedMediaType', 'Unsupported Media Type'],
  500: ['Unknown', 'Internal Server Error'],
  503: ['ServiceUnavailable', 'Service Unavailable'],
};

/** The JSON body of an error response. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** the request parameter at fault, for 400s */
  readonly parameter?: string;
}

/** An error answered with an HTTP status and a problem body. */
export class HttpProblem extends HeatflowError {
  constructor(
    /** HTTP status */
    readonly status: number,
    /** human-readable explanation, safe to show */
    readonly detail: string,
    /** short summary; `@defaultValue` the status's reason phrase */
    readonly title?: string,
    /** the request parameter at fault (400s) */
    readonly parameter?: string,
  ) {
    super(`HTTP_${status}`, detail);
  }

  /** The problem body of this error. */
  toBody(): ProblemBody {
    const [slug, phrase] = TITLES[this.status] ?? TITLES[500] ?? ['Unknown', 'Error'];
    return {
      type: `${TYPE_BASE}${slug}`,
      title: this.title ?? phrase,
      status: this.status,
      detail: this.detail,
      ...(this.parameter === undefined ? {} : { parameter: this.parameter }),
    };
  }
}

/** Where a parameter came from, for messages. */
export type ParameterSource = 'query' | 'path' | 'body' | 'form';

/**
 * Parses request input with a zod schema.
 * @throws HttpProblem 400 naming the first parameter at fault and what was wrong with it
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source: ParameterSource,
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path[0] === undefined ? source : String(issue.path[0]);
  const where =
    issue !== undefined && issue.path.length > 1 ? ` (at ${issue.path.map(String).join('.')})` : '';
  const message = issue === undefined ? 'invalid' : describeIssue(issue, valueAt(input, issue.path));
  throw new HttpProblem(400, `invalid ${source} parameter "${name}"${where}: ${message}`, undefined, name);
}

/** The value at a zod issue's path in the raw input (`undefined` when absent). */
function valueAt(input: unknown, at: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A received value as shown in a message: JSON, cut at 60 characters (a NUL shows as `\u0000`). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * What a zod issue means for a request parameter, in words a user can act on instead of zod's
 * own (`expected number, received NaN` for `?year=abc` becomes `expected a whole number, got
 * "abc"`).
 * @param issue - the first issue zod reported
 * @param received - the raw value at the issue's path
 */
export function describeIssue(issue: z.core.$ZodIssue, received: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (received === undefined) return 'is required';
      const what =
        issue.expected === 'int'
          ? 'a whole number'
          : issue.expected === 'number'
            ? 'a number'
            : issue.expected === 'string'
              ? 'a string'
              : issue.expected === 'boolean'
                ? 'true or false'
                : issue.expected === 'array'
                  ? 'a list'
                  : issue.expected === 'object'
                    ? 'an object'
                    : issue.expected;
      return `expected ${what}, got ${shown(received)}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') {
        if (issue.code === 'too_small' && Number(bound) === 1) return 'must not be empty';
        return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} characters`;
      }
      if (issue.origin === 'array')
        return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} items`;
      const rel =
        issue.code === 'too_small'
          ? inclusive
            ? 'at least'
            : 'greater than'
          : inclusive
            ? 'at most'
            : 'less than';
      return `must be ${rel} ${String(bound)}, got ${shown(received)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}, got ${shown(received)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}
