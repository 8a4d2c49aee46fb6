// The event-stream decoder and its SSE translation: whole frames, frames split anywhere, bad
// CRCs, and random chunking (fast-check) giving exactly the output of one big chunk.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, EventStreamDecoder } from "../../worker/providers/bedrock/eventstream.ts";
import { bedrockSseBody } from "../../worker/providers/bedrock/stream.ts";

const encoder = new TextEncoder();

/** A frame around already encoded header bytes, built by hand from the format's definition. */
function rawFrame(headerBytes: number[], payload: Uint8Array): Uint8Array {
  const total = 12 + headerBytes.length + payload.length + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, crc32(bytes, 0, 8));
  bytes.set(headerBytes, 12);
  bytes.set(payload, 12 + headerBytes.length);
  view.setUint32(total - 4, crc32(bytes, 0, total - 4));
  return bytes;
}

/** A frame with string headers. */
function frame(headers: Record<string, string>, payload: Uint8Array): Uint8Array {
  const headerParts: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = encoder.encode(name);
    const v = encoder.encode(value);
    headerParts.push(n.length, ...n, 7, v.length >> 8, v.length & 0xff, ...v);
  }
  return rawFrame(headerParts, payload);
}

const base64 = (text: string) => btoa(String.fromCharCode(...encoder.encode(text)));

function chunk(event: Record<string, unknown>): Uint8Array {
  return frame(
    { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
    encoder.encode(JSON.stringify({ bytes: base64(JSON.stringify(event)), p: "abc" })),
  );
}

const EVENTS = [
  { type: "message_start", message: { id: "m1", model: "claude-sonnet-4", usage: { input_tokens: 12 } } },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Grüße, 世界 👋" } },
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } },
  { type: "message_stop", "amazon-bedrock-invocationMetrics": { inputTokenCount: 12, outputTokenCount: 5 } },
];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const STREAM = concat(EVENTS.map(chunk));

/** Runs the bytes, cut at the given offsets, through the SSE translator. */
async function translate(bytes: Uint8Array, cuts: number[] = []): Promise<string> {
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length])].sort(
    (a, b) => a - b,
  );
  const pieces = points.slice(1).map((end, i) => bytes.slice(points[i], end));
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
  return new Response(bedrockSseBody(source)).text();
}

describe("event-stream decoder", () => {
  it("computes the IEEE CRC-32 (check value of '123456789')", () => {
    expect(crc32(encoder.encode("123456789"))).toBe(0xcbf43926);
  });

  it("decodes whole frames with their headers and payloads", () => {
    const messages = new EventStreamDecoder().push(STREAM);
    expect(messages).toHaveLength(EVENTS.length);
    expect(messages[0]?.headers).toEqual({
      ":event-type": "chunk",
      ":content-type": "application/json",
      ":message-type": "event",
    });
  });

  it("keeps a frame split across chunks until its last byte arrives", () => {
    const decoder = new EventStreamDecoder();
    const first = chunk(EVENTS[0] as Record<string, unknown>);
    expect(decoder.push(first.slice(0, 5))).toEqual([]);
    expect(decoder.push(first.slice(5, first.length - 1))).toEqual([]);
    expect(decoder.pending).toBe(first.length - 1);
    expect(decoder.push(first.slice(first.length - 1))).toHaveLength(1);
    expect(decoder.pending).toBe(0);
  });

  it("rejects a corrupt prelude, a corrupt message and an impossible length", () => {
    const bad = STREAM.slice(0, 200);
    bad[9] = (bad[9] as number) ^ 0xff;
    expect(() => new EventStreamDecoder().push(bad)).toThrow(/prelude CRC/);
    const flipped = chunk({ type: "ping" });
    flipped[20] = (flipped[20] as number) ^ 0x01;
    expect(() => new EventStreamDecoder().push(flipped)).toThrow(/message CRC/);
    const tiny = new Uint8Array(12);
    new DataView(tiny.buffer).setUint32(0, 3);
    new DataView(tiny.buffer).setUint32(8, crc32(tiny, 0, 8));
    expect(() => new EventStreamDecoder().push(tiny)).toThrow(/impossible/);
  });

  it("hands over the good messages before a corrupt one, then raises the corruption", () => {
    const corrupt = STREAM.slice();
    corrupt[STREAM.length - 1] = (corrupt[STREAM.length - 1] as number) ^ 0xff;
    const decoder = new EventStreamDecoder();
    expect(decoder.push(corrupt)).toHaveLength(EVENTS.length - 1);
    expect(() => decoder.finish()).toThrow(/message CRC/);
    expect(() => decoder.push(new Uint8Array(1))).toThrow(/message CRC/);
    const cut = new EventStreamDecoder();
    cut.push(STREAM.slice(0, 30));
    expect(() => cut.finish()).toThrow(/inside a message/);
  });

  it("decodes the other header value types", () => {
    // bool true, int32, bytes: encoded by hand since `frame` writes strings only.
    const headers = [1, 0x61, 0, 1, 0x62, 4, 0, 0, 1, 0, 1, 0x63, 6, 0, 2, 9, 8];
    const [message] = new EventStreamDecoder().push(rawFrame(headers, new Uint8Array()));
    expect(message?.headers).toEqual({ a: true, b: 256, c: new Uint8Array([9, 8]) });
  });
});

describe("Bedrock stream → Anthropic SSE", () => {
  it("writes each chunk as an Anthropic SSE event, payload unchanged", async () => {
    const sse = await translate(STREAM);
    const blocks = sse.split("\n\n").filter(Boolean);
    expect(blocks).toHaveLength(EVENTS.length);
    blocks.forEach((block, i) => {
      const [eventLine, dataLine] = block.split("\n");
      expect(eventLine).toBe(`event: ${EVENTS[i]?.type}`);
      expect(JSON.parse(dataLine?.slice("data: ".length) ?? "")).toEqual(EVENTS[i]);
    });
  });

  it("turns an in-stream exception into an Anthropic error event", async () => {
    const exception = frame(
      {
        ":exception-type": "throttlingException",
        ":content-type": "application/json",
        ":message-type": "exception",
      },
      encoder.encode(JSON.stringify({ message: "Too many tokens, please wait." })),
    );
    const sse = await translate(concat([chunk(EVENTS[0] as Record<string, unknown>), exception]));
    const last = sse.split("\n\n").filter(Boolean).at(-1) ?? "";
    expect(last.split("\n")[0]).toBe("event: error");
    expect(JSON.parse(last.split("\n")[1]?.slice(6) ?? "")).toEqual({
      type: "error",
      error: {
        type: "rate_limit_error",
        message: "AWS Bedrock (throttlingException): Too many tokens, please wait.",
      },
    });
  });

  it("ends with an Anthropic error event after the good events on a bad CRC, a truncated frame or a broken upstream", async () => {
    const lastError = (sse: string) => {
      const blocks = sse.split("\n\n").filter(Boolean);
      const last = blocks.at(-1) ?? "";
      expect(last.split("\n")[0]).toBe("event: error");
      return { count: blocks.length, error: JSON.parse(last.split("\n")[1]?.slice(6) ?? "") };
    };
    const corrupt = STREAM.slice();
    corrupt[STREAM.length - 1] = (corrupt[STREAM.length - 1] as number) ^ 0xff;
    const crc = lastError(await translate(corrupt));
    expect(crc.count).toBe(EVENTS.length);
    expect(crc.error.error.message).toMatch(/message CRC mismatch/);
    const truncated = lastError(await translate(STREAM.slice(0, STREAM.length - 3)));
    expect(truncated.error.error.message).toMatch(/inside a message/);

    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(STREAM.slice(0, 300));
      },
      pull(controller) {
        controller.error(new Error("connection reset"));
      },
    });
    const cut = lastError(await new Response(bedrockSseBody(broken)).text());
    expect(cut.count).toBeGreaterThan(1);
    expect(cut.error).toEqual({
      type: "error",
      error: { type: "api_error", message: "Upstream connection lost mid-response" },
    });
  });

  it("gives the same output however the bytes are chunked (fast-check)", async () => {
    const whole = await translate(STREAM);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          expect(await translate(STREAM, cuts)).toBe(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("accepts every byte boundary as a cut, one at a time", async () => {
    const whole = await translate(STREAM);
    for (let cut = 1; cut < STREAM.length; cut += 7) expect(await translate(STREAM, [cut])).toBe(whole);
  });
});
