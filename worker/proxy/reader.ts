// Reads a byte stream (a socket's readable side) by lines, by exact lengths or as it comes, with
// what one read brought beyond the request kept for the next. Bytes that can pass through as they
// arrived are handed on without a copy.

const LF = 10;
const CR = 13;
const EMPTY = new Uint8Array(0);

/** Header and status bytes as one character each (HTTP's octets, never UTF-8 decoded). */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096)
    text += String.fromCharCode(...bytes.subarray(i, Math.min(i + 4096, bytes.length)));
  return text;
}

/** The stream ended (or broke) before the bytes the protocol needs. */
export class StreamEnded extends Error {}

export class ByteReader {
  private buffer: Uint8Array = EMPTY;
  private offset = 0;
  private ended = false;

  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.reader = reader;
  }

  private get available(): number {
    return this.buffer.length - this.offset;
  }

  /** Reads one more chunk into the buffer; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.reader.read();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = next.value;
    if (this.available === 0) {
      this.buffer = chunk;
    } else {
      const joined = new Uint8Array(this.available + chunk.length);
      joined.set(this.buffer.subarray(this.offset));
      joined.set(chunk, this.available);
      this.buffer = joined;
    }
    this.offset = 0;
    return true;
  }

  /**
   * One line without its LF (and the CR before it); `max` bytes at most. Null when the stream
   * ends before any byte of it.
   */
  async readLine(max: number): Promise<string | null> {
    let searched = 0;
    for (;;) {
      const at = this.buffer.indexOf(LF, this.offset + searched);
      if (at >= 0) {
        const end = at > this.offset && this.buffer[at - 1] === CR ? at - 1 : at;
        const line = latin1(this.buffer.subarray(this.offset, end));
        this.offset = at + 1;
        return line;
      }
      searched = this.available;
      if (searched > max) throw new Error(`a protocol line longer than ${max} bytes`);
      if (!(await this.fill())) {
        if (this.available === 0) return null;
        throw new StreamEnded("the stream ended in the middle of a line");
      }
    }
  }

  /** Exactly `length` bytes (a copy only when they straddle reads). */
  async readExact(length: number): Promise<Uint8Array> {
    while (this.available < length) {
      if (!(await this.fill()))
        throw new StreamEnded(`the stream ended ${length - this.available} bytes short`);
    }
    const out = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** What is buffered, else the next chunk, at most `max` bytes of it; null at the end of the stream. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (this.available === 0 && !(await this.fill())) return null;
    const length = Math.min(max, this.available);
    const out = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Bytes already read from the stream and not yet taken. */
  get pending(): number {
    return this.available;
  }

  /** Lets go of the stream (before it is handed to TLS, or once the answer is read). */
  release(): void {
    this.reader.releaseLock();
  }

  cancel(reason?: unknown): Promise<void> {
    return this.reader.cancel(reason);
  }
}
