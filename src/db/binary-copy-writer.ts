/**
 * Encodes rows in Postgres's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), the
 * format the server reads without parsing text: a signature and header, then per row a 16-bit
 * field count and per field a 32-bit length (−1 for NULL) and the value in network byte order,
 * then a −1 trailer. Source: PostgreSQL documentation, "COPY", section "Binary Format", and the
 * types' `*_send` functions (timestamptz: µs since 2000-01-01 UTC as int64; date: days since
 * 2000-01-01 as int32).
 *
 * Bytes are written into chunks (`chunkBytes` each); {@link BinaryCopyWriter.take} hands over the
 * chunks filled so far, so a caller can stream them with backpressure.
 */

/** 2000-01-01T00:00:00Z, the epoch of Postgres's binary date and time values, in ms since 1970. */
const PG_EPOCH_MS = 946_684_800_000;
/** Days from 1970-01-01 to 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;
const TWO_32 = 4_294_967_296;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Bytes kept free for a row's fixed-width fields: more than any row of the analytics tables. */
const ROW_RESERVE = 512;

export class BinaryCopyWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly filled: Buffer[] = [];
  private readonly textCache = new Map<string, Buffer>();
  /** rows begun so far */
  rows = 0;

  /** @param chunkBytes - size of each chunk; `@defaultValue 1 MiB` */
  constructor(private readonly chunkBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    SIGNATURE.copy(this.buf, 0);
    this.pos = SIGNATURE.length;
    this.pos = this.buf.writeInt32BE(0, this.pos); // flags
    this.pos = this.buf.writeInt32BE(0, this.pos); // header extension length
  }

  /** Starts a row of `fields` fields. */
  beginRow(fields: number): void {
    if (this.buf.length - this.pos < ROW_RESERVE) this.nextChunk(ROW_RESERVE);
    this.pos = this.buf.writeInt16BE(fields, this.pos);
    this.rows++;
  }

  private nextChunk(need: number): void {
    if (this.pos > 0) this.filled.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, need));
    this.pos = 0;
  }

  private nullField(): void {
    this.pos = this.buf.writeInt32BE(-1, this.pos);
  }

  int2(v: number | null): void {
    if (v === null) return this.nullField();
    this.pos = this.buf.writeInt32BE(2, this.pos);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  int4(v: number | null): void {
    if (v === null) return this.nullField();
    this.pos = this.buf.writeInt32BE(4, this.pos);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  float8(v: number | null): void {
    if (v === null) return this.nullField();
    this.pos = this.buf.writeInt32BE(8, this.pos);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  bool(v: boolean | null): void {
    if (v === null) return this.nullField();
    this.pos = this.buf.writeInt32BE(1, this.pos);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** An instant, ms since 1970 (whole ms: exact as µs in an int64). */
  timestamptz(ms: number | null): void {
    if (ms === null) return this.nullField();
    const us = (ms - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / TWO_32);
    this.pos = this.buf.writeInt32BE(8, this.pos);
    this.pos = this.buf.writeInt32BE(hi, this.pos);
    this.pos = this.buf.writeUInt32BE(us - hi * TWO_32, this.pos);
  }

  /** A date, as days since 1970-01-01. */
  date(days: number | null): void {
    if (days === null) return this.nullField();
    this.pos = this.buf.writeInt32BE(4, this.pos);
    this.pos = this.buf.writeInt32BE(days - PG_EPOCH_DAYS, this.pos);
  }

  /** Text as UTF-8 (each distinct string is encoded once). */
  text(v: string | null): void {
    if (v === null) return this.nullField();
    let bytes = this.textCache.get(v);
    if (bytes === undefined) {
      bytes = Buffer.from(v, 'utf8');
      if (this.textCache.size < 10_000) this.textCache.set(v, bytes);
    }
    // COPY data may be split between chunks anywhere: a long string simply starts a new chunk
    if (this.buf.length - this.pos < bytes.length + 4) this.nextChunk(bytes.length + 4 + ROW_RESERVE);
    this.pos = this.buf.writeInt32BE(bytes.length, this.pos);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  /** Writes the trailer; call once, after the last row, then {@link take} the last chunks. */
  end(): void {
    if (this.buf.length - this.pos < 2) this.nextChunk(2);
    this.pos = this.buf.writeInt16BE(-1, this.pos);
    this.filled.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.alloc(0);
    this.pos = 0;
  }

  /** The chunks filled since the last call (the one being filled stays). */
  take(): Buffer[] {
    return this.filled.splice(0, this.filled.length);
  }
}
