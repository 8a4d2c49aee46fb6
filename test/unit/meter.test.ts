// The meter on real upstream bodies (fetch from the fake upstream): JS-made streams behave
// differently in workerd (a tee of an erroring JS stream drops its queue), so only native
// bodies tell the truth.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type MeteredBody, meterStream } from "../../worker/relay/meter.ts";

const upstreamUrl = (env as unknown as { TEST_FAKE_UPSTREAM_URL: string }).TEST_FAKE_UPSTREAM_URL;
const encoder = new TextEncoder();

async function upstream(scenario: string): Promise<ReadableStream<Uint8Array>> {
  const response = await fetch(`${upstreamUrl}/s/${scenario}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "meter-test", "content-type": "application/json" },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    }),
  });
  if (!response.body) throw new Error("no body");
  return response.body;
}

function metered(body: ReadableStream<Uint8Array>) {
  let resolveEnd: (value: MeteredBody) => void = () => {};
  const ended = new Promise<MeteredBody>((resolve) => {
    resolveEnd = resolve;
  });
  const stream = meterStream(body, {
    waitUntil: () => {},
    errorTail: () => encoder.encode("event: error\ndata: {}\n\n"),
    onEnd: async (value) => resolveEnd(value),
  });
  return { stream, ended };
}

describe("meterStream on upstream bodies", () => {
  it("passes the stream through unchanged and meters all of it", async () => {
    const { stream, ended } = metered(await upstream("ok"));
    const text = await new Response(stream).text();
    expect(text).toContain("event: message_stop");
    expect(await ended).toEqual({ text, ending: "complete" });
  });

  it("ends a stream the upstream broke off with an error event and meters what arrived", async () => {
    const { stream, ended } = metered(await upstream("reset-mid-stream"));
    const text = await new Response(stream).text();
    expect(text).toContain("event: message_start");
    expect(text.endsWith("event: error\ndata: {}\n\n")).toBe(true);
    const result = await ended;
    expect(result.ending).toBe("upstream-failed");
    expect(result.text).toContain('"input_tokens"');
    expect(result.text).not.toContain("event: error");
  });

  it("meters what was delivered when the client goes away", async () => {
    const { stream, ended } = metered(await upstream("hold-300"));
    const reader = stream.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("message_start");
    await reader.cancel();
    const result = await ended;
    expect(result.ending).toBe("client-gone");
    expect(result.text).toContain("message_start");
  });
});
