/**
 * ProtoWriter appends protobuf wire-format fields to one reusable buffer.
 * It is the least the span encoder needs (encode-spans.ts), written for a
 * loop that runs thousands of times a second on the serving core: no
 * object per field, ASCII strings copied by a JS loop instead of a native
 * call each, and a nested message's length written after its content
 * (one byte reserved, the content moved up in the rare case it needs more).
 */
export class ProtoWriter {
  #buf: Buffer;
  #pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Empties the writer, keeping its buffer for the next message. */
  reset(): void {
    this.#pos = 0;
  }

  /** A copy of what was written: the buffer itself is reused. */
  finish(): Uint8Array {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }

  /** What was written so far, not copied: valid until the next write or reset. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Drops what was written after the first `length` bytes, e.g. a message that failed halfway. */
  truncate(length: number): void {
    this.#pos = Math.min(this.#pos, length);
  }

  /** Appends bytes that are already wire format, e.g. fields another writer wrote. */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Field `field` as a varint (wire type 0): uint32, enums, and int64 in the safe-integer range. */
  varintField(field: number, value: number): void {
    this.#ensure(20);
    this.#varint(field << 3);
    if (value >= 0) this.#varint(value);
    else this.#negativeVarint(value);
  }

  /** Field `field` as a bool (wire type 0). */
  boolField(field: number, value: boolean): void {
    this.#ensure(10);
    this.#varint(field << 3);
    this.#buf[this.#pos++] = value ? 1 : 0;
  }

  /** Field `field` as a double (wire type 1). */
  doubleField(field: number, value: number): void {
    this.#ensure(15);
    this.#varint((field << 3) | 1);
    this.#pos = this.#buf.writeDoubleLE(value, this.#pos);
  }

  /** Field `field` as a fixed32 (wire type 5). */
  fixed32Field(field: number, value: number): void {
    this.#ensure(10);
    this.#varint((field << 3) | 5);
    this.#pos = this.#buf.writeUInt32LE(value >>> 0, this.#pos);
  }

  /** Field `field` as a fixed64 (wire type 1) of the unsigned integer `high` · 2³² + `low`. */
  fixed64Field(field: number, low: number, high: number): void {
    this.#ensure(15);
    this.#varint((field << 3) | 1);
    this.#pos = this.#buf.writeUInt32LE(low, this.#pos);
    this.#pos = this.#buf.writeUInt32LE(high, this.#pos);
  }

  /** Field `field` as a string (wire type 2), UTF-8. */
  stringField(field: number, value: string): void {
    const length = value.length;
    this.#ensure(length * 3 + 15);
    this.#varint((field << 3) | 2);
    const start = this.#pos + 1;
    const buf = this.#buf;
    let pos = start;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) {
        pos = start + buf.write(value, start, "utf8");
        break;
      }
      buf[pos++] = code;
    }
    this.#closeLength(start, pos);
  }

  /** Field `field` as bytes (wire type 2) decoded from the hex string `hex`, e.g. a span id. */
  hexBytesField(field: number, hex: string): void {
    this.#ensure(hex.length / 2 + 15);
    this.#varint((field << 3) | 2);
    const start = this.#pos + 1;
    this.#closeLength(start, start + this.#buf.write(hex, start, "hex"));
  }

  /** Field `field` as bytes (wire type 2). */
  bytesField(field: number, value: Uint8Array): void {
    this.#ensure(value.length + 15);
    this.#varint((field << 3) | 2);
    this.#buf.set(value, this.#pos + 1);
    this.#closeLength(this.#pos + 1, this.#pos + 1 + value.length);
  }

  /**
   * Starts field `field` as an embedded message (wire type 2); the fields
   * written until `endMessage(mark)` are its content.
   */
  beginMessage(field: number): number {
    this.#ensure(15);
    this.#varint((field << 3) | 2);
    this.#pos++;
    return this.#pos;
  }

  /** Ends the embedded message `beginMessage` returned `mark` for. */
  endMessage(mark: number): void {
    this.#closeLength(mark, this.#pos);
  }

  // Content was written at [start, end) one byte after the position of its
  // length; write the length there, moving the content up if the length
  // takes more than one byte.
  #closeLength(start: number, end: number): void {
    const length = end - start;
    if (length < 0x80) {
      this.#buf[start - 1] = length;
      this.#pos = end;
      return;
    }
    const extra = varintSize(length) - 1;
    this.#ensure(extra, end);
    this.#buf.copyWithin(start + extra, start, end);
    this.#pos = start - 1;
    this.#varint(length);
    this.#pos = end + extra;
  }

  // Unsigned, up to 2⁵³: arithmetic rather than bit operations above 2³¹.
  #varint(value: number): void {
    const buf = this.#buf;
    let v = value;
    while (v > 0x7fffffff) {
      buf[this.#pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v > 0x7f) {
      buf[this.#pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.#pos++] = v;
  }

  // A negative int64 is its 64-bit two's complement: ten bytes.
  #negativeVarint(value: number): void {
    const magnitude = -value;
    let low = magnitude % 0x100000000;
    let high = Math.floor(magnitude / 0x100000000);
    low = (~low + 1) >>> 0;
    high = (low === 0 ? ~high + 1 : ~high) >>> 0;
    const buf = this.#buf;
    for (let i = 0; i < 9; i++) {
      buf[this.#pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.#pos++] = low & 0x01;
  }

  #ensure(bytes: number, from = this.#pos): void {
    if (from + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, from + bytes));
    this.#buf.copy(grown, 0, 0, from);
    this.#buf = grown;
  }
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}
