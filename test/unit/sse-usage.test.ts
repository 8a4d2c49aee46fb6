import { describe, expect, it } from "vitest";
import { usageFromJson, usageFromSse } from "../../worker/providers/claude/usage.ts";
import { sseEvents } from "../../worker/usage/sse.ts";

const stream = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":120,"cache_creation_input_tokens":30,"cache_read_input_tokens":400,"cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":20},"output_tokens":1}}}\n\n',
  ": keep-alive comment\n\n",
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join("");

const expected = {
  input_tokens: 120,
  output_tokens: 42,
  cache_creation_input_tokens: 30,
  cache_read_input_tokens: 400,
  ephemeral_5m_input_tokens: 10,
  ephemeral_1h_input_tokens: 20,
};

describe("Anthropic SSE usage meter", () => {
  it("reads message_start and message_delta usage", () => {
    const metered = usageFromSse(stream);
    expect(metered.usage).toEqual(expected);
    expect(metered.model).toBe("claude-sonnet-4-5");
    expect(metered.complete).toBe(true);
  });

  it("gives the same result with \\r\\n line ends", () => {
    expect(usageFromSse(stream.replaceAll("\n", "\r\n")).usage).toEqual(expected);
  });

  it("reads a final event that has no trailing newline", () => {
    const cut = stream.replace(/\n\n$/, "");
    expect(usageFromSse(cut).usage).toEqual(expected);
  });

  it("gives the same result however the text was split into chunks", () => {
    // The meter sees the concatenated text; splitting must not matter once joined.
    for (const size of [1, 7, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      expect(usageFromSse(chunks.join("")).usage).toEqual(expected);
    }
  });

  it("joins multi-line data fields", () => {
    const events = [...sseEvents('event: x\ndata: {"a":\ndata: 1}\n\n')];
    expect(events).toEqual([{ event: "x", data: '{"a":\n1}' }]);
  });

  it("meters a stream cut before message_delta on what was delivered", () => {
    const cut = stream.slice(0, stream.indexOf("event: message_delta"));
    const metered = usageFromSse(cut);
    expect(metered.usage.input_tokens).toBe(120);
    expect(metered.usage.output_tokens).toBe(1);
    expect(metered.complete).toBe(false);
  });

  it("counts cache writes without a breakdown as 5-minute writes", () => {
    const text =
      'data: {"type":"message_start","message":{"usage":{"input_tokens":5,"cache_creation_input_tokens":9,"output_tokens":1}}}\n\n';
    expect(usageFromSse(text).usage.ephemeral_5m_input_tokens).toBe(9);
  });

  it("ignores garbage and non-JSON data lines", () => {
    const metered = usageFromSse("data: not json\n\ndata: [DONE]\n\nevent: ping\n\n");
    expect(metered.usage.input_tokens).toBe(0);
    expect(metered.complete).toBe(false);
  });

  it("reads a non-streaming JSON message", () => {
    const metered = usageFromJson(
      JSON.stringify({
        type: "message",
        model: "claude-opus-5-5",
        usage: { input_tokens: 10, output_tokens: 5 },
      }),
    );
    expect(metered.usage.input_tokens).toBe(10);
    expect(metered.usage.output_tokens).toBe(5);
    expect(metered.complete).toBe(true);
    expect(usageFromJson("{oops").complete).toBe(false);
  });
});
