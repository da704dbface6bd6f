/**
 * The loud "no HEATFLOW_FERNET_KEY" warning, printed once per process: `demo` and `standalone`
 * start a scheduler and a worker in one process, and each used to print it. Services log it
 * (a pino warn line); a command a person runs (`demo`, `dags backfill --local`, `tasks run`)
 * prints it first as the text the other commands print, `WARNING: …` on stderr
 * ({@link printNoFernetKeyWarningOnce}), and the services' log line is then not repeated.
 */
import type { Logger } from 'pino';
import { NO_FERNET_KEY_WARNING, SecretCipher } from './secret-cipher.js';

let warned = false;

/**
 * Logs {@link NO_FERNET_KEY_WARNING} at warn level unless this process already did.
 * @returns whether it logged now
 */
export function warnNoFernetKeyOnce(logger: Pick<Logger, 'warn'>): boolean {
  if (warned) return false;
  warned = true;
  logger.warn(NO_FERNET_KEY_WARNING);
  return true;
}

/**
 * Writes `WARNING: ` {@link NO_FERNET_KEY_WARNING} as one line of text unless this process already
 * warned (as text or through {@link warnNoFernetKeyOnce}, which then stays quiet).
 * @param write - where the line goes; `@defaultValue` standard error
 * @returns whether it wrote now
 */
export function printNoFernetKeyWarningOnce(
  write: (line: string) => void = (line) => process.stderr.write(line),
): boolean {
  if (warned) return false;
  warned = true;
  write(`WARNING: ${NO_FERNET_KEY_WARNING}\n`);
  return true;
}

/**
 * What `heatflow info` shows of encryption at rest: the cipher and key count, or that secrets are
 * stored unencrypted, or why the key setting is invalid.
 */
export function encryptionStatus(keySetting: string | undefined): {
  readonly encrypted: boolean;
  readonly text: string;
} {
  try {
    const c = new SecretCipher(keySetting);
    return c.enabled
      ? { encrypted: true, text: `AES-256-GCM (${c.keyCount} key${c.keyCount === 1 ? '' : 's'})` }
      : {
          encrypted: false,
          text: 'OFF: variables and connection passwords are stored UNENCRYPTED (set HEATFLOW_FERNET_KEY)',
        };
  } catch (err) {
    return { encrypted: false, text: `invalid: ${(err as Error).message}` };
  }
}
