// Bedrock's event-stream decoder and its translation to Anthropic SSE under mutation (fast-check):
// a recorded stream with bytes flipped, cut, inserted and dropped, and frames whose CRCs are right
// but whose headers and payloads are wrong (unknown header types, lengths past the end, names that
// are not UTF-8, payloads that are not JSON, not base64, events without a type, odd exception
// names), all delivered in random pieces. The client's stream never errors and never stalls: it
// is well-formed Anthropic SSE, the events it passes on are the clean stream's first events in
// order, and anything else ends it with one Anthropic error event, last.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../worker/providers/bedrock/eventstream.ts";
import { bedrockSseBody } from "../../worker/providers/bedrock/stream.ts";
import { sseEvents } from "../../worker/usage/sse.ts";
import { cutsFor, streamOf } from "./fuzz-mutate.ts";

const encoder = new TextEncoder();

interface Header {
  name: Uint8Array;
  type: number;
  /** The value's bytes as written after the type byte (string lengths included). */
  value: Uint8Array;
}

const stringHeader = (name: string, value: string): Header => {
  const v = encoder.encode(value);
  return {
    name: encoder.encode(name),
    type: 7,
    value: new Uint8Array([v.length >> 8, v.length & 0xff, ...v]),
  };
};

/** A frame with good CRCs around whatever headers and payload it is given. */
function frame(headers: Header[], payload: Uint8Array): Uint8Array {
  const headerBytes: number[] = [];
  for (const h of headers) headerBytes.push(h.name.length & 0xff, ...h.name, h.type, ...h.value);
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

const base64 = (text: string) => btoa(String.fromCharCode(...encoder.encode(text)));

const chunkHeaders = [
  stringHeader(":event-type", "chunk"),
  stringHeader(":content-type", "application/json"),
  stringHeader(":message-type", "event"),
];

const chunkFrame = (event: Record<string, unknown>) =>
  frame(chunkHeaders, encoder.encode(JSON.stringify({ bytes: base64(JSON.stringify(event)) })));

const EVENTS = [
  { type: "message_start", message: { id: "m1", model: "claude-sonnet-4", usage: { input_tokens: 12 } } },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Grüße, 世界 👋" } },
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } },
  { type: "message_stop" },
];

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const FRAMES = EVENTS.map(chunkFrame);
const STREAM = concat(FRAMES);

const ANTHROPIC_ERROR_TYPES = [
  "api_error",
  "rate_limit_error",
  "overloaded_error",
  "invalid_request_error",
  "timeout_error",
];

interface Translated {
  events: Array<{ event: string | undefined; data: unknown }>;
  error?: { type: string; message: string };
}

/** The SSE the client gets; fails the test if the stream errors or an event is not well-formed. */
async function translate(bytes: Uint8Array, cuts: number[]): Promise<Translated> {
  const text = await new Response(bedrockSseBody(streamOf(bytes, cuts))).text();
  expect(text === "" || text.endsWith("\n\n"), text.slice(-80)).toBe(true);
  const events = [...sseEvents(text)].map(({ event, data }) => ({
    event,
    data: JSON.parse(data) as unknown,
  }));
  const errors = events.filter((e) => e.event === "error");
  expect(errors.length).toBeLessThanOrEqual(1);
  if (errors.length === 0) return { events };
  expect(events.at(-1)).toBe(errors[0]);
  const body = errors[0]?.data as { type: string; error: { type: unknown; message: unknown } };
  expect(body.type).toBe("error");
  expect(ANTHROPIC_ERROR_TYPES).toContain(body.error.type);
  expect(typeof body.error.message).toBe("string");
  return {
    events: events.slice(0, -1),
    error: body.error as { type: string; message: string },
  };
}

/** Every event passed on is the clean stream's event at that place, with its own type as `event:`. */
function expectPrefixOfClean(events: Translated["events"], clean: Array<Record<string, unknown>>): void {
  expect(events.length).toBeLessThanOrEqual(clean.length);
  events.forEach((e, i) => {
    expect(e.data).toEqual(clean[i]);
    expect(e.event).toBe((clean[i] as { type: string }).type);
  });
}

const byteEdit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("flip", "insert", "delete", "truncate"),
  byte: fc.integer({ min: 0, max: 255 }),
});

function mutateBytes(bytes: Uint8Array, edits: Array<{ at: number; op: string; byte: number }>): Uint8Array {
  let out = Array.from(bytes);
  for (const { at, op, byte } of edits) {
    const i = at % (out.length + 1);
    if (op === "flip" && i < out.length) out[i] = ((out[i] as number) ^ (byte || 1)) & 0xff;
    else if (op === "insert") out.splice(i, 0, byte);
    else if (op === "delete") out.splice(i, 1);
    else if (op === "truncate") out = out.slice(0, i);
  }
  return new Uint8Array(out);
}

describe("Bedrock event-stream: mutated bytes", () => {
  it("the clean stream passes whole", async () => {
    const clean = await translate(STREAM, []);
    expect(clean.error).toBeUndefined();
    expect(clean.events.map((e) => e.data)).toEqual(EVENTS);
  });

  it("flipped, inserted, deleted bytes and cut streams: the clean events in order, then at most one error", async () => {
    const cases = fc
      .array(byteEdit, { minLength: 1, maxLength: 4 })
      .map((edits) => mutateBytes(STREAM, edits))
      .chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length)));
    await fc.assert(
      fc.asyncProperty(cases, async ([bytes, cuts]) => {
        const { events } = await translate(bytes, cuts);
        expectPrefixOfClean(events, EVENTS);
      }),
      { numRuns: 400 },
    );
  });

  it("random bytes never break the client's stream", async () => {
    const cases = fc
      .uint8Array({ maxLength: 400 })
      .chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length)));
    await fc.assert(
      fc.asyncProperty(cases, async ([bytes, cuts]) => {
        const { events, error } = await translate(bytes, cuts);
        expect(events).toEqual([]);
        if (bytes.length > 0) expect(error).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});

// ---- frames with good CRCs and bad content ----

const anyHeader: fc.Arbitrary<Header> = fc.record({
  name: fc.oneof(
    fc
      .constantFrom(":event-type", ":message-type", ":exception-type", ":content-type")
      .map((n) => encoder.encode(n)),
    fc.uint8Array({ maxLength: 6 }),
  ),
  type: fc.integer({ min: 0, max: 12 }),
  value: fc.uint8Array({ maxLength: 20 }),
});

const exceptionName = fc.oneof(
  fc.constantFrom(
    "throttlingException",
    "validationException",
    "modelTimeoutException",
    "internalServerException",
    "constructor",
    "__proto__",
    "toString",
    "hasOwnProperty",
  ),
  fc.string({ maxLength: 12 }),
);

/** A frame that is framed right but may say anything. */
const badFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Headers of every type and length, good or not.
  fc
    .tuple(fc.array(anyHeader, { maxLength: 4 }), fc.uint8Array({ maxLength: 40 }))
    .map(([headers, payload]) => frame(headers, payload)),
  // A chunk whose payload is not what Bedrock sends.
  fc
    .oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string().map((s) => JSON.stringify({ bytes: s })),
      fc.jsonValue().map((v) => JSON.stringify({ bytes: base64(JSON.stringify(v)) })),
      fc.string().map((s) => JSON.stringify({ bytes: base64(s) })),
      fc.string({ unit: "binary" }),
    )
    .map((payload) => frame(chunkHeaders, encoder.encode(payload))),
  // An exception, named anything, with any body.
  fc
    .tuple(
      exceptionName,
      fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
      ),
    )
    .map(([name, payload]) =>
      frame(
        [stringHeader(":message-type", "exception"), stringHeader(":exception-type", name)],
        encoder.encode(payload),
      ),
    ),
);

describe("Bedrock event-stream: well-framed frames with bad content", () => {
  it("good frames, then any bad frame, then more: the good events before it, then at most one error", async () => {
    const cases = fc
      .tuple(fc.nat(FRAMES.length), badFrame, fc.boolean())
      .chain(([position, bad, onePiece]) => {
        const bytes = concat([...FRAMES.slice(0, position), bad, ...FRAMES.slice(position)]);
        return fc.tuple(
          fc.constant(position),
          fc.constant(bytes),
          onePiece ? fc.constant<number[]>([]) : cutsFor(bytes.length),
        );
      });
    await fc.assert(
      fc.asyncProperty(cases, async ([position, bytes, cuts]) => {
        const { events, error } = await translate(bytes, cuts);
        // Everything before the bad frame arrives, whether it came in the same piece or not.
        expect(events.length).toBeGreaterThanOrEqual(position);
        expectPrefixOfClean(events.slice(0, position), EVENTS);
        if (error) expect(events).toHaveLength(position);
      }),
      { numRuns: 500 },
    );
  });
});

// Regressions for what the fuzzing above found (each failed before its fix in stream.ts / eventstream.ts).
describe("Bedrock event-stream: found by fuzzing", () => {
  const errorOf = (t: Translated) => t.error;

  it("a bad frame in the same network chunk as good ones no longer swallows the good events", async () => {
    const notJson = frame(chunkHeaders, encoder.encode("not json"));
    const got = await translate(concat([FRAMES[0] as Uint8Array, notJson]), []);
    expect(got.events.map((e) => e.data)).toEqual([EVENTS[0]]);
    expect(errorOf(got)?.message).toMatch(/payload is not a JSON object/);
  });

  it("a header name that is not UTF-8 is a corrupt frame (reported as such, good events kept)", async () => {
    const badName: Header = { name: new Uint8Array([0x80]), type: 0, value: new Uint8Array() };
    const got = await translate(concat([FRAMES[0] as Uint8Array, frame([badName], new Uint8Array())]), []);
    expect(got.events.map((e) => e.data)).toEqual([EVENTS[0]]);
    expect(errorOf(got)?.message).toBe("AWS Bedrock stream unreadable: event-stream header is not UTF-8");
  });

  it("an in-stream exception ends the stream, whatever follows; its name maps by own keys only", async () => {
    const exception = (name: string) =>
      frame(
        [stringHeader(":message-type", "exception"), stringHeader(":exception-type", name)],
        encoder.encode(JSON.stringify({ message: "stop" })),
      );
    const got = await translate(
      concat([FRAMES[0] as Uint8Array, exception("constructor"), ...FRAMES.slice(1)]),
      [],
    );
    expect(got.events.map((e) => e.data)).toEqual([EVENTS[0]]);
    expect(errorOf(got)).toEqual({ type: "api_error", message: "AWS Bedrock (constructor): stop" });
    const throttled = await translate(exception("throttlingException"), []);
    expect(errorOf(throttled)?.type).toBe("rate_limit_error");
  });
});
