// Streams an upstream's SSE body to the client while its text is kept for the usage meter. Only
// whole events reach the client: the bytes after the last event boundary are held back until
// their boundary arrives, so an upstream that breaks off mid-event leaves the client with complete
// events and then the protocol's error event, never the cut event run into it (issue 17).
//
// That needs each chunk seen in JavaScript, and a body's trip through JS costs per chunk
// (../shared/TOOLCHAIN.md): one read and at most one write per chunk, on native streams (no
// TransformStream, no tee), was the cheapest way measured on bare workerd — about 40 µs of CPU per
// chunk over the native pipe used before (41 KB in 51 chunks: +2 ms; a TransformStream, a JS
// stream the runtime pulls, or writes not awaited all cost more). The boundary search is a byte
// scan from the chunk's end that stops at the first boundary, usually in the chunk's last bytes
// (upstreams write whole events), nothing is decoded for it, and nothing is copied unless a
// partial event is held. A cut-off stream is metered on what arrived.

export interface MeteredBody {
  /** The whole text when the stream ended normally; what had arrived when it did not. */
  text: string;
  /** "complete": the client got everything; "client-gone": it disconnected; "upstream-failed": the upstream broke off. */
  ending: "complete" | "client-gone" | "upstream-failed";
}

export interface MeterOptions {
  /** Bytes written to the client after an upstream failure (a protocol-shaped error event). */
  errorTail?: () => Uint8Array;
  waitUntil: (promise: Promise<unknown>) => void;
  onEnd: (body: MeteredBody) => Promise<void>;
}

const LF = 10;
const CR = 13;
const NOTHING = new Uint8Array(0);

/**
 * Where the last SSE event in `chunk` ends — just past its blank line, "\n\n", "\r\n\r\n" or
 * "\r\r" — as an index into `chunk`; 0 when no event ends in it. `before` is the last few bytes
 * that came before `chunk`, as a boundary may straddle the two.
 */
export function lastEventEnd(chunk: Uint8Array, before: Uint8Array): number {
  const at = (i: number) => (i >= 0 ? chunk[i] : before[before.length + i]);
  for (let i = chunk.length - 1; i >= 0; i--) {
    const byte = chunk[i];
    if (byte === LF) {
      const previous = at(i - 1);
      if (previous === LF || (previous === CR && at(i - 2) === LF && at(i - 3) === CR)) return i + 1;
    } else if (byte === CR && at(i - 1) === CR) return i + 1;
  }
  return 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Lets through whole SSE events only; holds the incomplete last one until its boundary arrives. */
export class EventGate {
  private held: Uint8Array[] = [];
  /** The last (up to 3) held bytes: the start of a boundary the next chunk may finish. */
  private heldTail: Uint8Array = NOTHING;

  /** The bytes of `chunk` (and of what was held) that complete events; undefined when none do. */
  pass(chunk: Uint8Array): Uint8Array | undefined {
    if (chunk.length === 0) return undefined;
    const end = lastEventEnd(chunk, this.heldTail);
    if (end === 0) {
      this.hold(chunk);
      return undefined;
    }
    const complete = end === chunk.length ? chunk : chunk.subarray(0, end);
    const ready = this.held.length === 0 ? complete : concat([...this.held, complete]);
    this.held = [];
    this.heldTail = NOTHING;
    if (end < chunk.length) this.hold(chunk.subarray(end));
    return ready;
  }

  /** What is held, for a stream that ended normally without a last blank line: passed on as it came. */
  rest(): Uint8Array | undefined {
    return this.held.length === 0 ? undefined : concat(this.held);
  }

  private hold(bytes: Uint8Array): void {
    this.held.push(bytes);
    this.heldTail = bytes.length >= 3 ? bytes.subarray(-3) : concat([this.heldTail, bytes]).subarray(-3);
  }
}

type Ending = MeteredBody["ending"];

/**
 * Relays whole events until the upstream ends or fails, or the client goes (noticed at the next
 * write, as a native pipe notices it); returns how it ended.
 */
async function relayEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  errorTail: (() => Uint8Array) | undefined,
  arrived: (chunk: Uint8Array) => void,
): Promise<Ending> {
  const gate = new EventGate();
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      // The held partial event is dropped: the error event follows whole events only.
      try {
        const tail = errorTail?.();
        if (tail) await writer.write(tail);
        await writer.close();
        return "upstream-failed";
      } catch {
        return "client-gone";
      }
    }
    try {
      if (next.done) {
        const rest = gate.rest();
        if (rest) await writer.write(rest);
        await writer.close();
        return "complete";
      }
      arrived(next.value);
      const ready = gate.pass(next.value);
      if (ready) await writer.write(ready);
    } catch {
      reader.cancel().catch(() => {});
      return "client-gone";
    }
  }
}

export function meterStream(
  body: ReadableStream<Uint8Array>,
  options: MeterOptions,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new IdentityTransformStream();
  const decoder = new TextDecoder();
  let text = "";
  const arrived = (chunk: Uint8Array) => {
    text += decoder.decode(chunk, { stream: true });
  };
  options.waitUntil(
    relayEvents(body.getReader(), writable.getWriter(), options.errorTail, arrived).then(async (ending) => {
      await options.onEnd({ text: text + decoder.decode(), ending });
    }),
  );
  return readable;
}
