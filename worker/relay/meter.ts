// Streams an upstream body to the client unchanged while its text is kept for the usage
// meter. The client's half is piped natively (no JS per chunk); the meter's half is read in
// one go after the client's half has ended — the cheapest way measured on workerd
// (../shared/TOOLCHAIN.md). A cut-off stream is metered on what was delivered.

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

const NOT_READY = Symbol("not-ready");

/** Reads what a stream already holds, without waiting for more, then cancels it. */
async function drainBuffered(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const next = await Promise.race([
        reader.read(),
        new Promise<typeof NOT_READY>((resolve) => setTimeout(resolve, 0, NOT_READY)),
      ]);
      if (next === NOT_READY || next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
  } catch {
    // The stream errored: what was read so far is all there is.
  }
  reader.cancel().catch(() => {});
  return text + decoder.decode();
}

export function meterStream(
  body: ReadableStream<Uint8Array>,
  options: MeterOptions,
): ReadableStream<Uint8Array> {
  const [toClient, toMeter] = body.tee();
  const { readable, writable } = new IdentityTransformStream();
  const delivered = toClient.pipeTo(writable, { preventAbort: true }).then(
    () => "complete" as const,
    async (): Promise<MeteredBody["ending"]> => {
      // The pipe broke. If the client can still be written to, it was the upstream that failed:
      // end the client's stream with an error event in its protocol.
      const writer = writable.getWriter();
      try {
        const tail = options.errorTail?.();
        if (tail) await writer.write(tail);
        await writer.close();
        return "upstream-failed";
      } catch {
        return "client-gone";
      }
    },
  );
  options.waitUntil(
    delivered.then(async (ending) => {
      const text = ending === "complete" ? await new Response(toMeter).text() : await drainBuffered(toMeter);
      await options.onEnd({ text, ending });
    }),
  );
  return readable;
}
