/**
 * The second rendering pass of a try (after render-task.ts): variable and connection templates
 * (`{{ var.value.x }}`, `{{ conn.tado.password }}`) in the command and the environment, and the
 * registration with the masker of every secret the try is given: what the templates read, every
 * env value whose name is sensitive (`*_TOKEN`, `*PASSWORD*`, …), and the password of every URL
 * in an env value (`DATABASE_URL`).
 */
import { isSecretVariable } from '../config/mask-secret.js';
import type { SecretMasker } from '../secrets/secret-masker.js';
import { isSensitiveName } from '../secrets/sensitive.js';
import { SecretTemplateRenderer, type TemplateSources } from '../variables/template-render.js';
import type { RenderedTask } from './render-task.js';

/** `scheme://user:password@` */
const URL_PASSWORD = /\/\/[^/@:\s]*:([^@\s]+)@/g;

/**
 * Registers the secrets of an environment with the masker: values of sensitive names, URL passwords.
 */
export function registerEnvSecrets(env: Readonly<Record<string, string>>, masker: SecretMasker): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === '') continue;
    if (isSensitiveName(name) || isSecretVariable(name)) masker.add(value);
    for (const m of value.matchAll(URL_PASSWORD)) {
      masker.add(m[1]);
      try {
        masker.add(decodeURIComponent(m[1] ?? ''));
      } catch {
        // not percent-encoding: the raw form is registered
      }
    }
  }
}

/**
 * Renders the templates of `rendered` and registers its secrets with `masker`.
 * @throws TemplateError naming the task, the env variable or argument, and the missing variable or
 *   connection; DecryptError naming the variable or connection that cannot be decrypted
 */
export async function renderSecretTemplates(
  taskId: string,
  rendered: RenderedTask,
  sources: TemplateSources | undefined,
  masker: SecretMasker,
): Promise<RenderedTask> {
  let out = rendered;
  if (sources !== undefined) {
    const r = new SecretTemplateRenderer(sources, masker);
    const command: string[] = [];
    for (const [i, arg] of rendered.command.entries())
      command.push(await r.render(arg, `command[${i}] of task "${taskId}"`));
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(rendered.env))
      env[name] = await r.render(value, `env.${name} of task "${taskId}"`);
    out = { command, env };
  }
  registerEnvSecrets(out.env, masker);
  return out;
}
