/**
 * The secrets masker, as Airflow's `SecretsMasker`: secrets registered while a try is rendered
 * (every variable and connection password read, every sensitive env value) are replaced by `***`
 * in the text the worker writes to the try's log; JSON values (XComs shown by the web page and the
 * API) are masked by value and by sensitive field name.
 */
import { isSensitiveName } from './sensitive.js';

/** What a masked secret is shown as. */
export const MASK = '***';

/** Secrets shorter than this are not masked (masking `1` or `ab` would blank whole logs, as Airflow's `min_length`). */
const MIN_SECRET_LENGTH = 3;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces registered secrets by `***`. */
export class SecretMasker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a secret and the forms it takes in logs (JSON-escaped, percent-encoded). */
  add(secret: string | undefined | null): this {
    if (secret === undefined || secret === null) return this;
    const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    for (const f of forms) if (f.length >= MIN_SECRET_LENGTH) this.secrets.add(f);
    this.pattern = undefined;
    return this;
  }

  /** Number of distinct masked forms registered. */
  get size(): number {
    return this.secrets.size;
  }

  /** `text` with every registered secret replaced by `***`. */
  mask(text: string): string {
    if (this.secrets.size === 0) return text;
    // longest first, so a secret containing another is masked whole
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }

  /**
   * A JSON value with every string masked, and the value of every sensitive field name
   * (`password`, `api_key`, …) replaced by `***` whatever it is.
   */
  maskJson(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.maskJson(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        out[k] = isSensitiveName(k) && v !== null ? MASK : this.maskJson(v);
      return out;
    }
    return value;
  }
}
