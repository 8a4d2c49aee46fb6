// AWS event-stream framing (application/vnd.amazon.eventstream), as Bedrock streams answers:
// each message is [total length u32][headers length u32][prelude CRC32] [headers] [payload]
// [message CRC32], big-endian. The decoder is incremental: it takes the body in whatever chunks
// the network delivers and gives back each message once all its bytes are in.

export type HeaderValue = string | number | bigint | boolean | Uint8Array;

export interface EventStreamMessage {
  headers: Record<string, HeaderValue>;
  payload: Uint8Array;
}

export class EventStreamError extends Error {}

const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
/** AWS caps a message at 16 MiB; a larger length means the framing is lost. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), the checksum event-stream frames carry. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++)
    crc = (CRC_TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Header text; bytes that are not UTF-8 are a corrupt frame like any other (not a TypeError). */
function utf8Text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new EventStreamError("event-stream header is not UTF-8");
  }
}

function parseHeaders(bytes: Uint8Array, view: DataView, start: number, end: number) {
  const headers: Record<string, HeaderValue> = {};
  let at = start;
  const need = (n: number) => {
    if (at + n > end) throw new EventStreamError("event-stream header runs past its section");
  };
  while (at < end) {
    need(1);
    const nameLength = bytes[at++] as number;
    need(nameLength + 1);
    const name = utf8Text(bytes.subarray(at, at + nameLength));
    at += nameLength;
    const type = bytes[at++] as number;
    let value: HeaderValue;
    switch (type) {
      case 0:
      case 1:
        value = type === 0;
        break;
      case 2:
        need(1);
        value = view.getInt8(at);
        at += 1;
        break;
      case 3:
        need(2);
        value = view.getInt16(at);
        at += 2;
        break;
      case 4:
        need(4);
        value = view.getInt32(at);
        at += 4;
        break;
      case 5:
      case 8:
        need(8);
        value = view.getBigInt64(at);
        at += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const length = view.getUint16(at);
        at += 2;
        need(length);
        const raw = bytes.slice(at, at + length);
        value = type === 7 ? utf8Text(raw) : raw;
        at += length;
        break;
      }
      case 9:
        need(16);
        value = bytes.slice(at, at + 16);
        at += 16;
        break;
      default:
        throw new EventStreamError(`event-stream header ${name} has unknown type ${type}`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Reads one whole frame (all there, prelude checked); checks the message CRC. */
function parseMessage(frame: Uint8Array): EventStreamMessage {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const total = frame.byteLength;
  const headersLength = view.getUint32(4);
  if (view.getUint32(total - CRC_BYTES) !== crc32(frame, 0, total - CRC_BYTES))
    throw new EventStreamError("event-stream message CRC mismatch");
  const headersEnd = PRELUDE_BYTES + headersLength;
  if (headersEnd > total - CRC_BYTES)
    throw new EventStreamError("event-stream headers longer than the message");
  return {
    headers: parseHeaders(frame, view, PRELUDE_BYTES, headersEnd),
    payload: frame.slice(headersEnd, total - CRC_BYTES),
  };
}

export class EventStreamDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  /** A corrupt frame found after good ones in the same chunk: raised on the next call. */
  private failure: EventStreamError | undefined;

  /**
   * Every message completed by this chunk, in order. Throws EventStreamError on a corrupt frame
   * (after handing over the good messages before it, on the next call).
   */
  push(chunk: Uint8Array): EventStreamMessage[] {
    if (this.failure) throw this.failure;
    if (this.buffer.byteLength === 0) {
      this.buffer = chunk;
    } else {
      const joined = new Uint8Array(this.buffer.byteLength + chunk.byteLength);
      joined.set(this.buffer);
      joined.set(chunk, this.buffer.byteLength);
      this.buffer = joined;
    }
    const messages: EventStreamMessage[] = [];
    let at = 0;
    try {
      while (this.buffer.byteLength - at >= PRELUDE_BYTES) {
        const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + at, PRELUDE_BYTES);
        // The prelude is checked before its length is trusted to wait for the rest.
        if (view.getUint32(8) !== crc32(this.buffer, at, at + 8))
          throw new EventStreamError("event-stream prelude CRC mismatch");
        const total = view.getUint32(0);
        if (total < PRELUDE_BYTES + CRC_BYTES || total > MAX_MESSAGE_BYTES)
          throw new EventStreamError(`event-stream message length ${total} is impossible`);
        if (this.buffer.byteLength - at < total) break;
        messages.push(parseMessage(this.buffer.subarray(at, at + total)));
        at += total;
      }
    } catch (error) {
      if (!(error instanceof EventStreamError) || messages.length === 0) throw error;
      this.failure = error;
      return messages;
    }
    // Copied so a large chunk's already-parsed bytes are not kept alive by the tail.
    this.buffer = at === 0 ? this.buffer : this.buffer.slice(at);
    return messages;
  }

  /** At the end of the body: throws if it ended corrupt or inside a message. */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.buffer.byteLength > 0) throw new EventStreamError("event-stream ended inside a message");
  }

  /** Bytes of a message that has not finished arriving. */
  get pending(): number {
    return this.buffer.byteLength;
  }
}
