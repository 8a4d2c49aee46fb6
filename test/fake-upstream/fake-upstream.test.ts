import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const BODY = {
  model: "claude-opus-5-5",
  max_tokens: 100,
  messages: [{ role: "user", content: "Say hello" }],
};

function post(path: string, body: unknown, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.key !== "") headers["x-api-key"] = init.key ?? "sk-test";
  return fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

function parseSse(text: string): Array<{ event: string; data: { type: string } & Record<string, unknown> }> {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      return { event: eventLine?.slice(7) ?? "", data: JSON.parse(dataLine?.slice(6) ?? "null") };
    });
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("Anthropic protocol", () => {
  it("streams the six event types in order, with event: lines", async () => {
    const res = await post("/v1/messages?beta=true", { ...BODY, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const events = parseSse(await res.text());
    const types = events.map((e) => e.event);
    expect([...new Set(types)]).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
    const deltas = events.filter((e) => e.event === "content_block_delta");
    expect(deltas.length).toBeGreaterThan(1);
    const text = deltas.map((e) => (e.data.delta as { text: string }).text).join("");
    expect(text).toBe("Hello from fake upstream");

    const start = events[0]?.data.message as { usage: Record<string, unknown> };
    const inputTokens = Math.ceil(JSON.stringify(BODY.messages).length / 4);
    expect(start.usage).toEqual({
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
    });
    expect(events.find((e) => e.event === "message_delta")?.data.usage).toEqual({ output_tokens: 4 });
    expect(upstream.stats().usageSent).toEqual([
      expect.objectContaining({
        protocol: "anthropic",
        stream: true,
        input_tokens: inputTokens,
        output_tokens: 4,
        completed: true,
      }),
    ]);
  });

  it("answers stream:false with a JSON message", async () => {
    const res = await post("/v1/messages", BODY);
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const message = await res.json();
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-opus-5-5",
      content: [{ type: "text", text: "Hello from fake upstream" }],
      stop_reason: "end_turn",
      usage: { output_tokens: 4 },
    });
  });

  it("reports cache writes by ttl, consistently with stats", async () => {
    const system = [
      { type: "text", text: "five minutes", cache_control: { type: "ephemeral" } },
      { type: "text", text: "one hour", cache_control: { type: "ephemeral", ttl: "1h" } },
    ];
    const res = await post("/v1/messages", { ...BODY, system });
    const { usage } = (await res.json()) as { usage: Record<string, number> & { cache_creation: object } };
    expect(usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: Math.ceil(JSON.stringify(system[0]).length / 4),
      ephemeral_1h_input_tokens: Math.ceil(JSON.stringify(system[1]).length / 4),
    });
    const [record] = upstream.stats().usageSent;
    expect(record?.cache_creation_input_tokens).toBe(usage.cache_creation_input_tokens);
    expect(record?.input_tokens).toBe(usage.input_tokens);
  });

  it("counts tokens and lists models", async () => {
    const count = await post("/v1/messages/count_tokens", BODY);
    expect(await count.json()).toEqual({ input_tokens: Math.ceil(JSON.stringify(BODY.messages).length / 4) });
    // anthropic-version is what makes /v1/models Anthropic's list rather than OpenAI's.
    const models = await fetch(`${upstream.url}/v1/models`, {
      headers: { authorization: "Bearer oauth-token", "anthropic-version": "2023-06-01" },
    });
    const list = (await models.json()) as { data: Array<{ type: string; id: string }>; has_more: boolean };
    expect(list.has_more).toBe(false);
    expect(list.data[0]).toMatchObject({ type: "model", id: "claude-opus-5-5" });
    expect(list).toMatchObject({ first_id: list.data[0]?.id, last_id: list.data.at(-1)?.id });
  });

  it("rejects missing or invalid credentials and bad bodies", async () => {
    const missing = await post("/v1/messages", BODY, { key: "" });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect((await post("/v1/messages", BODY, { key: "invalid" })).status).toBe(401);

    const notJson = await post("/v1/messages", "{oops");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    expect((await post("/v1/messages", { messages: [] })).status).toBe(400);
    expect((await post("/v1/messages", { model: "m" })).status).toBe(400);
  });

  it("records the last request and counts by credential", async () => {
    await post("/v1/messages", BODY, { key: "key-a" });
    await post("/v1/messages", BODY, { key: "key-a" });
    await fetch(`${upstream.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: "Bearer token-b" },
      body: JSON.stringify(BODY),
    });
    const stats = upstream.stats();
    expect(stats.requests).toBe(3);
    expect(stats.byCredential["key-a"]?.requests).toBe(2);
    expect(stats.byCredential["token-b"]?.requests).toBe(1);
    expect(stats.lastRequest).toMatchObject({ method: "POST", path: "/v1/messages", body: BODY });
    expect(stats.lastRequest?.headers.authorization).toBe("Bearer token-b");
  });
});

describe("scenarios", () => {
  it.each([
    ["429", 429, "rate_limit_error"],
    ["529", 529, "overloaded_error"],
    ["500", 500, "api_error"],
    ["401", 401, "authentication_error"],
    ["403", 403, "permission_error"],
  ])("/s/%s answers %i %s", async (scenario, status, type) => {
    const res = await post(`/s/${scenario}/v1/messages`, BODY);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ type: "error", error: { type } });
    expect(upstream.stats().byScenario).toEqual({ [scenario]: 1 });
  });

  it("429 carries retry-after and a unified reset", async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await post("/s/429/v1/messages", BODY);
    expect(res.headers.get("retry-after")).toBe("30");
    const reset = Number(res.headers.get("anthropic-ratelimit-unified-reset"));
    expect(reset).toBeGreaterThanOrEqual(now + 59);
    expect(reset).toBeLessThanOrEqual(now + 61);
    const fixed = await post("/s/429-reset-1900000000/v1/messages", BODY);
    expect(fixed.status).toBe(429);
    expect(fixed.headers.get("anthropic-ratelimit-unified-reset")).toBe("1900000000");
  });

  it("slow-<ms> delays the first byte", async () => {
    const started = Date.now();
    const res = await post("/s/slow-200+ok/v1/messages", BODY);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("text-<urlencoded> changes the reply and the output tokens", async () => {
    const res = await post(
      `/s/text-${encodeURIComponent("one two three four five six seven")}/v1/messages`,
      BODY,
    );
    const message = (await res.json()) as {
      content: Array<{ text: string }>;
      usage: { output_tokens: number };
    };
    expect(message.content[0]?.text).toBe("one two three four five six seven");
    expect(message.usage.output_tokens).toBe(7);
  });

  it("cache-read reports cached blocks as read, and any prefix before /v1 is accepted", async () => {
    const system = [{ type: "text", text: "cached", cache_control: { type: "ephemeral" } }];
    const res = await post("/s/cache-read/api/v1/messages?beta=true", { ...BODY, system });
    const { usage } = (await res.json()) as { usage: Record<string, number> };
    expect(usage.cache_read_input_tokens).toBe(Math.ceil(JSON.stringify(system[0]).length / 4));
    expect(usage.cache_creation_input_tokens).toBe(0);
    expect((await post("/api/v1/messages", BODY)).status).toBe(200);
  });

  it("rejects unknown scenarios", async () => {
    expect((await post("/s/nope/v1/messages", BODY)).status).toBe(400);
    const control = await fetch(`${upstream.url}/__control`, { method: "POST", body: '{"scenario":"nope"}' });
    expect(control.status).toBe(400);
  });

  it("reset-mid-stream cuts the body and records an incomplete response", async () => {
    const res = await post("/s/reset-mid-stream/v1/messages", { ...BODY, stream: true });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await until(() => upstream.stats().inFlight === 0);
    const [record] = upstream.stats().usageSent;
    expect(record).toMatchObject({ completed: false, output_tokens: 3 });
  });

  it("cut-<bytes> breaks a stream off after exactly that many bytes, mid-event", async () => {
    const whole = await (await post("/v1/messages", { ...BODY, stream: true })).arrayBuffer();
    const cutAt = 301;
    const res = await post(`/s/cut-${cutAt}/v1/messages`, { ...BODY, stream: true });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const received: number[] = [];
    await expect(
      (async () => {
        for (let next = await reader.read(); !next.done; next = await reader.read())
          received.push(...next.value);
      })(),
    ).rejects.toThrow();
    expect(received).toHaveLength(cutAt);
    const prefix = new Uint8Array(whole).subarray(0, cutAt);
    // The same reply up to the cut, apart from the ids the fake makes up per message.
    const masked = (bytes: ArrayLike<number>) =>
      new TextDecoder().decode(Uint8Array.from(bytes)).replace(/msg_[0-9a-f]+/g, "msg_");
    expect(masked(received)).toBe(masked(prefix));
    expect(masked(received)).not.toMatch(/\n\n$/);
  });

  it("cut-<bytes> past the end of the body changes nothing", async () => {
    const res = await post("/s/cut-1000000/v1/messages", { ...BODY, stream: true });
    expect(await res.text()).toContain("event: message_stop");
  });

  it("/__control changes the default route and /__reset restores it", async () => {
    const control = await fetch(`${upstream.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ scenario: "529" }),
    });
    expect(control.status).toBe(200);
    expect((await post("/v1/messages", BODY)).status).toBe(529);
    expect((await post("/s/ok/v1/messages", BODY)).status).toBe(200);
    const stats = await (await fetch(`${upstream.url}/__stats`)).json();
    expect(stats).toMatchObject({ requests: 2, byScenario: { "529": 1, ok: 1 } });

    await fetch(`${upstream.url}/__reset`, { method: "POST" });
    expect(upstream.stats().requests).toBe(0);
    expect((await post("/v1/messages", BODY)).status).toBe(200);
  });
});

describe("concurrency accounting", () => {
  it("counts parallel hold requests and returns to 0 after aborts", async () => {
    const controllers = [1, 2, 3].map(() => new AbortController());
    const responses = await Promise.all(
      controllers.map((controller, i) =>
        post(
          "/s/hold-5000/v1/messages",
          { ...BODY, stream: true },
          {
            key: i < 2 ? "key-a" : "key-b",
            signal: controller.signal,
          },
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    let stats = upstream.stats();
    expect(stats).toMatchObject({ inFlight: 3, maxInFlight: 3 });
    expect(stats.byCredential["key-a"]).toEqual({ requests: 2, inFlight: 2, maxInFlight: 2 });

    for (const controller of controllers) controller.abort();
    await until(() => upstream.stats().inFlight === 0);
    stats = upstream.stats();
    expect(stats.maxInFlight).toBe(3);
    expect(stats.byCredential["key-a"]?.inFlight).toBe(0);
    expect(stats.usageSent.every((r) => !r.completed && r.output_tokens === 0)).toBe(true);
  });

  it("a finished hold request completes and releases its slot", async () => {
    const res = await post("/s/hold-100/v1/messages", { ...BODY, stream: true });
    expect(parseSse(await res.text()).at(-1)?.event).toBe("message_stop");
    await until(() => upstream.stats().inFlight === 0);
    expect(upstream.stats().usageSent[0]).toMatchObject({ completed: true, output_tokens: 4 });
  });
});
