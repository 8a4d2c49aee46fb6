import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const INPUT = [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say hello" }] }];
const RESPONSES = { model: "gpt-5-codex", input: INPUT, instructions: "Be brief.", store: false };
const INPUT_TOKENS = Math.ceil((JSON.stringify(INPUT).length + JSON.stringify("Be brief.").length) / 4);
const MESSAGES = [{ role: "user", content: "Say hello" }];
const CHAT = { model: "gpt-5", messages: MESSAGES };
const PROMPT_TOKENS = Math.ceil(JSON.stringify(MESSAGES).length / 4);

type Auth = { bearer?: string; apiKey?: string; headers?: Record<string, string> };

function post(path: string, body: unknown, auth: Auth = { bearer: "sk-test" }, signal?: AbortSignal) {
  const headers: Record<string, string> = { "content-type": "application/json", ...auth.headers };
  if (auth.bearer !== undefined) headers.authorization = `Bearer ${auth.bearer}`;
  if (auth.apiKey !== undefined) headers["api-key"] = auth.apiKey;
  return fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

type Event = { type: string; sequence_number: number } & Record<string, unknown>;

/** Responses API SSE: every event has an `event:` line naming the data's type. */
function parseEvents(text: string): Event[] {
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const [eventLine, dataLine, ...rest] = block.split("\n");
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const data = JSON.parse(dataLine?.slice(6) ?? "null") as Event;
      expect(data.type).toBe(eventLine?.slice(7));
      return data;
    });
}

/** Chat Completions SSE: `data:` lines only; returns the raw payloads ([DONE] included). */
function parseData(text: string): string[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      expect(block).toMatch(/^data: /);
      return block.slice(6);
    });
}

interface ChatChunk {
  object: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string }; finish_reason: string | null }>;
  usage?: unknown;
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("OpenAI Responses API", () => {
  it("streams the full event sequence Codex accepts, ending with response.completed", async () => {
    const res = await post("/s/ok/openai/responses", { ...RESPONSES, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta);
    expect(deltas.join("")).toBe("Hello from fake upstream");

    const created = events[0]?.response as Record<string, unknown>;
    expect(created).toMatchObject({ object: "response", status: "in_progress", output: [], usage: null });
    const item = {
      id: expect.stringMatching(/^msg_/),
      type: "message",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "Hello from fake upstream", annotations: [], logprobs: [] }],
    };
    expect(events.find((e) => e.type === "response.output_item.done")?.item).toEqual(item);
    const usage = {
      input_tokens: INPUT_TOKENS,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: INPUT_TOKENS + 4,
    };
    expect(events.at(-1)?.response).toEqual({
      ...created,
      status: "completed",
      output: [item],
      usage,
    });

    expect(upstream.stats().usageSent).toEqual([
      {
        requestId: expect.stringMatching(/^req_/),
        credential: "sk-test",
        protocol: "openai-responses",
        model: "gpt-5-codex",
        stream: true,
        input_tokens: INPUT_TOKENS,
        output_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        ephemeral_5m_input_tokens: 0,
        ephemeral_1h_input_tokens: 0,
        completed: true,
      },
    ]);
  });

  it("answers stream:false with a Response object, at /v1/responses too", async () => {
    const res = await post("/v1/responses", { ...RESPONSES, reasoning: { effort: "low" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: expect.stringMatching(/^resp_/),
      object: "response",
      created_at: expect.any(Number),
      model: "gpt-5-codex",
      status: "completed",
      output: [
        {
          id: expect.stringMatching(/^msg_/),
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Hello from fake upstream", annotations: [], logprobs: [] }],
        },
      ],
      usage: {
        input_tokens: INPUT_TOKENS,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 6,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: INPUT_TOKENS + 6,
      },
      error: null,
      incomplete_details: null,
    });
    expect(upstream.stats().usageSent[0]).toMatchObject({
      stream: false,
      output_tokens: 6,
      reasoning_tokens: 2,
      completed: true,
    });
  });

  it("records Codex/ChatGPT headers in lastRequest and counts the credential", async () => {
    const headers = { "chatgpt-account-id": "acct-1", originator: "codex_exec" };
    await post("/openai/responses", { ...RESPONSES, stream: true }, { bearer: "chatgpt-token", headers });
    const stats = upstream.stats();
    expect(stats.lastRequest).toMatchObject({ method: "POST", path: "/openai/responses" });
    expect(stats.lastRequest?.headers["chatgpt-account-id"]).toBe("acct-1");
    expect(stats.byCredential["chatgpt-token"]).toEqual({ requests: 1, inFlight: 0, maxInFlight: 1 });
  });

  it("cache-read reports half the input as cached_tokens, mapped to cache reads in stats", async () => {
    const res = await post("/s/cache-read/v1/responses", RESPONSES);
    const { usage } = (await res.json()) as { usage: { input_tokens_details: { cached_tokens: number } } };
    const cached = Math.floor(INPUT_TOKENS / 2);
    expect(usage.input_tokens_details.cached_tokens).toBe(cached);
    expect(upstream.stats().usageSent[0]).toMatchObject({
      input_tokens: INPUT_TOKENS - cached,
      cache_read_input_tokens: cached,
    });
  });
});

describe("OpenAI Chat Completions", () => {
  it("answers a chat.completion JSON", async () => {
    const res = await post("/v1/chat/completions", CHAT);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "gpt-5",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello from fake upstream" },
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: PROMPT_TOKENS,
        completion_tokens: 4,
        total_tokens: PROMPT_TOKENS + 4,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it("streams chunks, a finish_reason chunk, a usage chunk with include_usage, then [DONE]", async () => {
    const res = await post("/openai/v1/chat/completions", {
      ...CHAT,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const data = parseData(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((raw) => JSON.parse(raw) as ChatChunk);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello from fake upstream");
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 4 });
    const finish = chunks.at(-2);
    expect(finish?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.slice(0, -2).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
    expect(upstream.stats().usageSent[0]).toMatchObject({
      protocol: "openai-chat",
      model: "gpt-5",
      stream: true,
      input_tokens: PROMPT_TOKENS,
      output_tokens: 4,
      completed: true,
    });
  });

  it("has no usage chunk without include_usage; accepts Azure's api-key under any prefix", async () => {
    const res = await post(
      "/openai/deployments/gpt-5/chat/completions?api-version=2025-04-01",
      { ...CHAT, stream: true },
      { apiKey: "azure-key" },
    );
    const data = parseData(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((raw) => JSON.parse(raw) as ChatChunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.every((c) => !("usage" in c))).toBe(true);
    expect(upstream.stats().byCredential["azure-key"]?.requests).toBe(1);
  });
});

describe("GET /v1/models", () => {
  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${upstream.url}${path}`, { headers }).then(
      (res) => res.json() as Promise<Record<string, unknown>>,
    );

  it("is OpenAI's list without an Anthropic marker, Anthropic's with one", async () => {
    const openaiList = await get("/v1/models", { authorization: "Bearer sk-test" });
    expect(openaiList).toMatchObject({ object: "list" });
    expect((openaiList.data as unknown[])[0]).toMatchObject({ id: "gpt-5-codex", object: "model" });
    expect(await get("/openai/models", { "api-key": "k" })).toMatchObject({ object: "list" });
    const anthropicList = await get("/v1/models", {
      authorization: "Bearer t",
      "anthropic-version": "2023-06-01",
    });
    expect(anthropicList).toMatchObject({ has_more: false, first_id: "claude-opus-5-5" });
    expect(await get("/v1/models", { "x-api-key": "k" })).toHaveProperty("has_more", false);
  });

  it("answers 401 in OpenAI's shape without a credential", async () => {
    const res = await fetch(`${upstream.url}/v1/models`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_api_key" },
    });
  });
});

describe("OpenAI errors and scenarios", () => {
  it.each([
    ["/v1/responses", RESPONSES],
    ["/v1/chat/completions", CHAT],
  ])("%s answers 401 invalid_api_key without a credential", async (path, body) => {
    const res = await post(path, body, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        message: expect.any(String),
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
    expect((await post(path, body, { bearer: "invalid" })).status).toBe(401);
  });

  it("answers 400 invalid_request_error for bad bodies", async () => {
    const bad: Array<[string, unknown]> = [
      ["/v1/responses", "{oops"],
      ["/v1/responses", { input: "hi" }],
      ["/v1/responses", { model: "gpt-5" }],
      ["/v1/chat/completions", { model: "gpt-5" }],
    ];
    for (const [path, body] of bad) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    }
  });

  it.each([
    ["429", 429, "requests", "rate_limit_exceeded"],
    ["500", 500, "server_error", "server_error"],
    ["529", 503, "server_error", "service_unavailable"],
    ["401", 401, "invalid_request_error", "invalid_api_key"],
    ["403", 403, "permission_error", "permission_denied"],
  ])("/s/%s answers %i %s / %s", async (scenario, status, type, code) => {
    const res = await post(`/s/${scenario}/openai/responses`, { ...RESPONSES, stream: true });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { type, code, param: null } });
    const chat = await post(`/s/${scenario}/v1/chat/completions`, CHAT);
    expect(chat.status).toBe(status);
    expect(upstream.stats().byScenario).toEqual({ [scenario]: 2 });
  });

  it("429 carries retry-after and x-ratelimit-reset-requests, which follows 429-reset-<unix>", async () => {
    const res = await post("/s/429/v1/chat/completions", CHAT);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("x-ratelimit-reset-requests")).toBe("30s");
    const reset = Math.floor(Date.now() / 1000) + 120;
    const fixed = await post(`/s/429-reset-${reset}/v1/responses`, RESPONSES);
    expect(fixed.status).toBe(429);
    expect(Number.parseInt(fixed.headers.get("x-ratelimit-reset-requests") ?? "", 10)).toBeGreaterThanOrEqual(
      119,
    );
  });

  it("reset-mid-stream cuts both streams after the first text delta", async () => {
    const responses = await post("/s/reset-mid-stream/openai/responses", {
      ...RESPONSES,
      stream: true,
      reasoning: { summary: "auto" },
    });
    expect(responses.status).toBe(200);
    await expect(responses.text()).rejects.toThrow();
    const chat = await post("/s/reset-mid-stream/v1/chat/completions", { ...CHAT, stream: true });
    await expect(chat.text()).rejects.toThrow();
    await until(() => upstream.stats().inFlight === 0);
    const [first, second] = upstream.stats().usageSent;
    // The first delta carries 3 words, plus the 2 reasoning tokens that preceded it.
    expect(first).toMatchObject({ protocol: "openai-responses", completed: false, output_tokens: 5 });
    expect(second).toMatchObject({ protocol: "openai-chat", completed: false, output_tokens: 3 });
  });

  it("hold-<ms> holds after response.created, counting in flight until the client goes", async () => {
    const controllers = [new AbortController(), new AbortController()];
    const responses = await Promise.all(
      controllers.map((controller) =>
        post(
          "/s/hold-5000/openai/responses",
          { ...RESPONSES, stream: true },
          { bearer: "k" },
          controller.signal,
        ),
      ),
    );
    const first = await responses[0]?.body?.getReader().read();
    expect(new TextDecoder().decode(first?.value)).toMatch(/^event: response\.created\n/);
    expect(upstream.stats()).toMatchObject({ inFlight: 2, maxInFlight: 2 });
    expect(upstream.stats().byCredential.k).toEqual({ requests: 2, inFlight: 2, maxInFlight: 2 });
    for (const controller of controllers) controller.abort();
    await until(() => upstream.stats().inFlight === 0);
    expect(upstream.stats().usageSent.every((r) => !r.completed && r.output_tokens === 0)).toBe(true);
  });
});
