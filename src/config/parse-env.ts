/**
 * Validates environment variables against a zod object schema: empty strings count as unset, and
 * a failure names every variable at fault, its value and what was expected. Secrets are masked in
 * that message (`mask-secret.ts`): passwords in connection strings, and the whole value of a
 * variable named like a secret (`…_TOKEN`, `…_PASSWORD`, `…_SECRET`, `…_KEY`).
 */
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { displayValue } from './mask-secret.js';

/**
 * @param what - how the error begins, e.g. `invalid configuration`
 * @throws ConfigError listing `NAME="value": expected …` for each invalid variable, its value masked
 *   when it holds a secret
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
  what: string,
): z.output<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const vars = parsed.error.issues.map((i) => String(i.path[0]));
    const lines = parsed.error.issues.map(
      (i) =>
        `${String(i.path[0])}=${displayValue(String(i.path[0]), input[String(i.path[0])] ?? '')}: ${i.message}`,
    );
    throw new ConfigError(`${what}: ${lines.join('; ')}`, vars);
  }
  return parsed.data;
}
