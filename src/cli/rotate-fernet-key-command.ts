/**
 * `heatflow rotate-fernet-key`, as Airflow's: re-encrypts every variable and connection secret
 * with the first key of HEATFLOW_FERNET_KEY (src/secrets/rotate-secrets.ts); records
 * `secrets.rotate` in the event log. Exit 1 (nothing changed) when no key is set or a value opens
 * with none of the keys.
 */
import type { Command } from 'commander';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { HeatflowError } from '../core/errors.js';
import { rotateSecrets } from '../secrets/rotate-secrets.js';
import { CliError, withRuntime } from './context.js';

/** Adds `rotate-fernet-key` to the program. */
export function registerRotateFernetKeyCommand(program: Command): void {
  program
    .command('rotate-fernet-key')
    .description(
      're-encrypt variables and connections with the first key of HEATFLOW_FERNET_KEY ("new_key,old_key"); then the old key can be removed',
    )
    .action(async () => {
      await withRuntime('rotate-fernet-key', async (rt) => {
        const r = await rotateSecrets(rt.db, rt.config.HEATFLOW_FERNET_KEY).catch((err: unknown) => {
          if (err instanceof HeatflowError) throw new CliError(`${err.message}; nothing was changed`);
          throw err;
        });
        await recordEvent(
          rt.db,
          cliActor(),
          { event: 'secrets.rotate', extra: { variables: r.variables, connections: r.connections } },
          rt.logger,
        );
        const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
        process.stdout.write(
          `re-encrypted ${plural(r.variables, 'variable')} and ${plural(r.connections, 'connection')} with the first of ${plural(r.keyCount, 'key')} in HEATFLOW_FERNET_KEY` +
            (r.keyCount > 1
              ? '; once every scheduler, worker and web server runs with the new key first, the old keys can be removed\n'
              : '\n'),
        );
      });
    });
}
