/**
 * A stream that masks secrets in a child's output on its way to the try's log. It works line by
 * line, so a secret split across two chunks is still found; a line without a newline for 64 KiB
 * is masked and passed on anyway (a secret spanning that cut can escape: documented in docs/secrets.md).
 */
import { Transform, Writable, type TransformCallback } from 'node:stream';
import type { SecretMasker } from './secret-masker.js';

const MAX_PENDING = 64 * 1024;

/** Masks each complete line through `masker`; flushes the rest at the end. */
export class MaskingStream extends Transform {
  private pending = '';

  constructor(private readonly masker: SecretMasker) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending += chunk.toString();
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      this.push(this.masker.mask(this.pending.slice(0, nl + 1)));
      this.pending = this.pending.slice(nl + 1);
    }
    if (this.pending.length > MAX_PENDING) {
      this.push(this.masker.mask(this.pending));
      this.pending = '';
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.pending !== '') this.push(this.masker.mask(this.pending));
    this.pending = '';
    cb();
  }
}

/** Where one output stream of a try goes: `stream` to write to, `finished` once all reached the log. */
export interface LogSink {
  readonly stream: Writable;
  readonly finished: Promise<void>;
}

/**
 * A writable that passes output on to `log` (not ending it), masked line by line when `masker`
 * has secrets; without any, chunks go straight through (a partial line shows at once).
 */
export function logSink(log: Writable, masker: SecretMasker | undefined): LogSink {
  if (masker === undefined || masker.size === 0) {
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        log.write(chunk, () => cb());
      },
    });
    return { stream, finished: new Promise((resolve) => stream.once('finish', () => resolve())) };
  }
  const m = new MaskingStream(masker);
  m.pipe(log, { end: false });
  return { stream: m, finished: new Promise((resolve) => m.once('end', () => resolve())) };
}
