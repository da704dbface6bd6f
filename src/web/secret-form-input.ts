/**
 * The Variables / Connections page forms as typed input: pure parsing of the form fields (all
 * text) into what the stores take, every error naming the form field at fault, and the masking of
 * a connection's extra for its edit form and back. No I/O.
 */
import { CONN_ID_PATTERN } from '../connections/connection-service.js';
import { MASK, SecretMasker } from '../secrets/secret-masker.js';
import { isSensitiveName } from '../secrets/sensitive.js';
import { VARIABLE_KEY_PATTERN } from '../variables/variable-service.js';

/** A form field at fault and what is wrong with it (shown above the re-shown form). */
export interface FieldError {
  /** the form field's name (`key`, `conn_id`, `port`, `extra`, …) */
  readonly field: string;
  /** a sentence naming the field */
  readonly message: string;
}

/** A parsed form, or the first field at fault. */
export type FormParse<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FieldError };

/** The fields of a form as submitted (url-encoded text); absent fields are absent. */
export type FormBody = Readonly<Record<string, unknown>>;

/** A variable form, parsed. */
export interface VariableFormInput {
  readonly key: string;
  /** the value typed; `''` in an edit form of a sensitive key means "keep the stored one" */
  readonly value: string;
  /** `null` when left empty */
  readonly description: string | null;
}

/** A connection form's text fields as typed (for re-showing the form; never the password). */
export interface ConnectionFormValues {
  readonly conn_id: string;
  readonly conn_type: string;
  readonly description: string;
  readonly host: string;
  readonly schema: string;
  readonly login: string;
  readonly port: string;
  /** JSON text of the extra (sensitive fields shown as `***` in an edit form) */
  readonly extra: string;
}

/** A connection form, parsed. */
export interface ConnectionFormInput {
  readonly connId: string;
  readonly connType: string;
  readonly description: string | null;
  readonly host: string | null;
  readonly schema: string | null;
  readonly login: string | null;
  /** `undefined` when left empty (add: no password; edit: keep the stored one) */
  readonly password: string | undefined;
  readonly port: number | null;
  readonly extra: Readonly<Record<string, unknown>> | null;
}

/** A submitted field as text (`''` when absent or not text). */
export const textField = (body: FormBody, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v : '';
};

const orNull = (s: string): string | null => (s.trim() === '' ? null : s);
const fail = (field: string, message: string): { ok: false; error: FieldError } => ({
  ok: false,
  error: { field, message },
});

/**
 * Parses the variable form.
 * @param fixedKey - the key of the variable being edited (the form's `key` field is ignored)
 */
export function parseVariableForm(body: FormBody, fixedKey?: string): FormParse<VariableFormInput> {
  const key = fixedKey ?? textField(body, 'key').trim();
  if (fixedKey === undefined && !VARIABLE_KEY_PATTERN.test(key))
    return fail(
      'key',
      `key: ${JSON.stringify(key.slice(0, 260))} is not a variable key: 1 to 250 letters, digits, "_", "." or "-"`,
    );
  const value = textField(body, 'value');
  if (value.includes('\u0000')) return fail('value', 'value: holds a NUL character, which cannot be stored');
  const description = textField(body, 'description');
  if (description.length > 5000) return fail('description', 'description: at most 5000 characters');
  return { ok: true, value: { key, value, description: orNull(description) } };
}

/** The connection form's text fields as typed, to re-show (the password is never among them). */
export function connectionFormValues(body: FormBody, fixedConnId?: string): ConnectionFormValues {
  return {
    conn_id: fixedConnId ?? textField(body, 'conn_id').trim(),
    conn_type: textField(body, 'conn_type').trim(),
    description: textField(body, 'description'),
    host: textField(body, 'host').trim(),
    schema: textField(body, 'schema').trim(),
    login: textField(body, 'login').trim(),
    port: textField(body, 'port').trim(),
    extra: textField(body, 'extra'),
  };
}

/**
 * Parses the connection form.
 * @param fixedConnId - the id of the connection being edited (the form's `conn_id` is ignored)
 */
export function parseConnectionForm(body: FormBody, fixedConnId?: string): FormParse<ConnectionFormInput> {
  const v = connectionFormValues(body, fixedConnId);
  if (fixedConnId === undefined && !CONN_ID_PATTERN.test(v.conn_id))
    return fail(
      'conn_id',
      `conn id: ${JSON.stringify(v.conn_id.slice(0, 260))} is not a connection id: 1 to 250 letters, digits, "_", "." or "-"`,
    );
  if (!/^[A-Za-z0-9_.+-]{1,100}$/.test(v.conn_type))
    return fail(
      'conn_type',
      'conn type: 1 to 100 letters, digits, "_", ".", "+" or "-" (e.g. postgres, tado)',
    );
  let port: number | null = null;
  if (v.port !== '') {
    if (!/^\d{1,5}$/.test(v.port) || Number(v.port) > 65_535)
      return fail(
        'port',
        `port: ${JSON.stringify(v.port.slice(0, 40))} is not a whole number from 0 to 65535`,
      );
    port = Number(v.port);
  }
  let extra: Record<string, unknown> | null = null;
  if (v.extra.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.extra);
    } catch (err) {
      return fail('extra', `extra: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return fail('extra', 'extra: must be a JSON object, e.g. {"timeout": 10}');
    extra = parsed as Record<string, unknown>;
  }
  const password = textField(body, 'password');
  for (const [field, text] of Object.entries({ ...v, password }))
    if (text.includes('\u0000'))
      return fail(field, `${field}: holds a NUL character, which cannot be stored`);
  return {
    ok: true,
    value: {
      connId: v.conn_id,
      connType: v.conn_type,
      description: orNull(v.description),
      host: orNull(v.host),
      schema: orNull(v.schema),
      login: orNull(v.login),
      password: password === '' ? undefined : password,
      port,
      extra,
    },
  };
}

/** A stored extra as the edit form shows it: JSON text with sensitive fields as `***`. */
export function maskedExtraText(extra: Readonly<Record<string, unknown>> | null): string {
  return extra === null ? '' : JSON.stringify(new SecretMasker().maskJson(extra), null, 2);
}

/**
 * The extra to store from an edit form's extra: a sensitive field still `***` (as the form showed
 * it) takes the stored value back, at any depth, as Airflow's connection form does; anything
 * else is what was typed.
 * @param stored - the connection's extra before the edit
 */
export function unmaskExtra(submitted: unknown, stored: unknown): unknown {
  if (submitted === null || typeof submitted !== 'object' || Array.isArray(submitted)) return submitted;
  const before =
    stored !== null && typeof stored === 'object' && !Array.isArray(stored)
      ? (stored as Record<string, unknown>)
      : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(submitted)) {
    out[k] =
      v === MASK && isSensitiveName(k) && Object.hasOwn(before, k) ? before[k] : unmaskExtra(v, before[k]);
  }
  return out;
}
