/**
 * Validates environment variables against a zod object schema: empty strings count as unset, and
 * a failure names every variable at fault, its value and what was expected.
 */
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * @param what - how the error begins, e.g. `invalid configuration`
 * @throws ConfigError listing `NAME="value": expected …` for each invalid variable
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
      (i) => `${String(i.path[0])}=${JSON.stringify(input[String(i.path[0])] ?? '')}: ${i.message}`,
    );
    throw new ConfigError(`${what}: ${lines.join('; ')}`, vars);
  }
  return parsed.data;
}
