// OpenAI Chat Completions inside workerd (SELF.fetch), in OpenAI's wire format with plain fetch:
// the unified routes pick Claude, Gemini or OpenAI accounts on the fake upstream from the model;
// requests are translated (checked on what the fake received), answers translated back, usage
// recorded exactly as the fake sent it, refusals and errors in OpenAI's shape.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { anthropicToChatResponse } from "../../worker/translate/anthropic-to-chat.ts";
import { collectCompletion, translateSseText } from "../../worker/translate/chat-stream.ts";
import * as recorded from "../../worker/translate/fixtures/anthropic.ts";
import * as recordedGemini from "../../worker/translate/fixtures/gemini.ts";
import { geminiChatStream } from "../../worker/translate/gemini-to-chat.ts";
import {
  BASE,
  createAccount,
  createConsoleAccount,
  createKey,
  type FakeUsage,
  freshKeyspace,
  keyUsage,
  keyUsageAfter,
  upstreamUrl,
} from "./helpers.ts";

let token: string;

interface FakeStats {
  requests: number;
  usageSent: Array<FakeUsage & { protocol: string; completed: boolean }>;
  lastRequest: { path: string; headers: Record<string, string>; body: Record<string, unknown> };
}
const fakeStats = async () => (await (await fetch(`${upstreamUrl}/__stats`)).json()) as FakeStats;
const sentFor = async (response: Response) =>
  (await fakeStats()).usageSent.find((u) => u.requestId === response.headers.get("request-id"));

const account = async (kind: string, body: Record<string, unknown>) =>
  (await createAccount(token, kind, body)).id;
const geminiAccount = (scenario = "ok") =>
  account("gemini-api", {
    name: `g-${scenario}`,
    apiKey: `AIza-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
  });
const openaiApiAccount = (scenario = "ok", extra: Record<string, unknown> = {}) =>
  account("openai-api", {
    name: `o-${scenario}`,
    apiKey: `sk-proj-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    ...extra,
  });
const chatgptAccount = (extra: Record<string, unknown> = {}) =>
  account("openai-oauth/import", {
    name: "chatgpt",
    accessToken: "chatgpt-access-token",
    refreshToken: "rt-1",
    expiresAt: Date.now() + 3_600_000,
    chatgptAccountId: "acct-1",
    baseUrl: `${upstreamUrl}/s/ok`,
    ...extra,
  });

const SAY_HELLO = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Say hello" },
];

function chat(secret: string, body: Record<string, unknown>, path = "/v1/chat/completions") {
  return SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: SAY_HELLO, ...body }),
  });
}

interface Completion {
  object: string;
  model: string;
  choices: Array<{
    message: { role: string; content: string | null; tool_calls?: unknown[] };
    finish_reason: string;
  }>;
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    prompt_tokens_details?: { cached_tokens: number };
  };
}

interface Chunk {
  object: string;
  choices: Array<{ delta: { content?: string; role?: string }; finish_reason: string | null }>;
  usage?: Completion["usage"] | null;
}

/** The `data:` payloads of an OpenAI chat stream, and whether it ended with [DONE]. */
async function readStream(response: Response) {
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const events = (await response.text()).split("\n\n").filter((e) => e.trim() !== "");
  for (const event of events) expect(event).toMatch(/^data: /);
  const payloads = events.map((e) => e.slice("data: ".length));
  const done = payloads.at(-1) === "[DONE]";
  const chunks = payloads.filter((p) => p !== "[DONE]").map((p) => JSON.parse(p) as Chunk);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  return { chunks, text, done };
}

function expectOpenaiError(body: unknown, type: string) {
  expect(body).toMatchObject({ error: { type, message: expect.any(String) } });
  expect(body).not.toHaveProperty("type");
}

describe("chat completions to a Claude account", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    ({ id: keyId, secret } = await createKey(token));
  });

  it("translates a JSON call to Anthropic Messages and back, recording the usage the upstream sent", async () => {
    const response = await chat(secret, { model: "claude-sonnet-4-5", max_tokens: 64, temperature: 0.5 });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await response.json()) as Completion;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message).toMatchObject({
      role: "assistant",
      content: "Hello from fake upstream",
    });
    expect(body.choices[0]?.finish_reason).toBe("stop");
    const { lastRequest } = await fakeStats();
    expect(lastRequest.path).toBe("/s/ok/v1/messages");
    expect(lastRequest.headers["x-api-key"]).toMatch(/^sk-ant-/);
    expect(JSON.stringify(lastRequest.headers)).not.toContain(secret);
    expect(lastRequest.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      temperature: 0.5,
      system: "Be brief.",
      messages: [{ role: "user", content: "Say hello" }],
    });
    const sent = await sentFor(response);
    expect(sent?.protocol).toBe("anthropic");
    expect(body.usage.prompt_tokens).toBe(sent?.input_tokens);
    expect(body.usage.completion_tokens).toBe(sent?.output_tokens);
    const usage = await keyUsageAfter(token, keyId, 1);
    expect(usage).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
    });
  });

  it("streams chat chunks through /api/v1 (CRS's unified route) with the usage chunk asked for", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(
      secret,
      { model: "claude-haiku-4-5", stream: true, stream_options: { include_usage: true } },
      "/api/v1/chat/completions",
    );
    expect(response.status).toBe(200);
    const { chunks, text, done } = await readStream(response);
    expect(text).toBe("Hello from fake upstream");
    expect(done).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    const sent = await sentFor(response);
    expect(last?.usage).toMatchObject({
      prompt_tokens: sent?.input_tokens,
      completion_tokens: sent?.output_tokens,
    });
    expect((await fakeStats()).lastRequest.body).toMatchObject({ stream: true, max_tokens: 64_000 });
    const usage = await keyUsageAfter(token, keyId, before.requests + 1);
    expect(usage.inputTokens - before.inputTokens).toBe(sent?.input_tokens);
    expect(usage.outputTokens - before.outputTokens).toBe(sent?.output_tokens);
  });

  it("sends no usage chunk to a streaming client that did not ask, but still records the usage", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(
      secret,
      { model: "claude-sonnet-4-5", stream: true },
      "/v1/unified/chat/completions",
    );
    const { chunks, text, done } = await readStream(response);
    expect(text).toBe("Hello from fake upstream");
    expect(done).toBe(true);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
    const sent = await sentFor(response);
    const usage = await keyUsageAfter(token, keyId, before.requests + 1);
    expect(usage.outputTokens - before.outputTokens).toBe(sent?.output_tokens);
  });

  it("sends a tool-call round trip to Anthropic with the ids kept, and translates a recorded tool_use answer back", async () => {
    const response = await chat(secret, {
      model: "claude-sonnet-4-5",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "toolu_01X",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "toolu_01X", content: "18°C" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { location: { type: "string" } } },
          },
        },
      ],
      tool_choice: "required",
    });
    expect(response.status).toBe(200);
    await response.text();
    const { body } = (await fakeStats()).lastRequest;
    expect(body.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_01X", name: "get_weather", input: { location: "Paris" } }],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01X", content: "18°C" }] },
    ]);
    expect(body.tools).toEqual([
      { name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } } } },
    ]);
    expect(body.tool_choice).toEqual({ type: "any" });
    // The fake answers text only; a recorded tool_use answer goes through the same translator.
    const completion = anthropicToChatResponse(recorded.toolUseMessage, "claude-sonnet-4-5");
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls?.[0]?.id).toBe("toolu_01A09q90qw90lq917835lq9");
  });

  it("sends a model of no known family to Claude, as CRS does", async () => {
    const response = await chat(secret, { model: "my-alias" });
    expect(response.status).toBe(200);
    await response.text();
    expect((await fakeStats()).lastRequest.path).toBe("/s/ok/v1/messages");
  });

  it("refuses an untranslatable field with a 400 naming it, before any upstream", async () => {
    const before = (await fakeStats()).requests;
    for (const [extra, field] of [
      [{ n: 2 }, "n"],
      [{ logprobs: true }, "logprobs"],
      [
        { response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } } },
        "response_format",
      ],
    ] as const) {
      const response = await chat(secret, { model: "claude-sonnet-4-5", ...extra });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string; code: string } };
      expectOpenaiError(body, "invalid_request_error");
      expect(body.error.message.startsWith(`${field}:`)).toBe(true);
      expect(body.error.code).toBe("unsupported_parameter");
    }
    const bad = await chat(secret, { model: "claude-sonnet-4-5", messages: "hi" });
    expect(bad.status).toBe(400);
    expectOpenaiError(await bad.json(), "invalid_request_error");
    expect((await fakeStats()).requests).toBe(before);
  });
});

describe("chat completions to a Gemini account", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    token = await freshKeyspace();
    await geminiAccount();
    ({ id: keyId, secret } = await createKey(token));
  });

  it("translates a JSON call through /api/v1 to generateContent and back, recording the usage sent", async () => {
    const response = await chat(
      secret,
      { model: "gemini-2.5-flash", max_tokens: 100 },
      "/api/v1/chat/completions",
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Completion;
    expect(body.choices[0]?.message.content).toBe("Hello from fake upstream");
    expect(body.choices[0]?.finish_reason).toBe("stop");
    const { lastRequest } = await fakeStats();
    expect(lastRequest.path).toBe("/s/ok/v1beta/models/gemini-2.5-flash:generateContent");
    expect(lastRequest.headers["x-goog-api-key"]).toMatch(/^AIza-/);
    expect(lastRequest.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { maxOutputTokens: 100 },
    });
    const sent = await sentFor(response);
    expect(sent?.protocol).toBe("gemini");
    expect(body.usage.prompt_tokens).toBe(sent?.input_tokens);
    const usage = await keyUsageAfter(token, keyId, 1);
    expect(usage).toMatchObject({ inputTokens: sent?.input_tokens, outputTokens: sent?.output_tokens });
  });

  it("streams through /v1 from streamGenerateContent?alt=sse", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(secret, {
      model: "gemini-2.5-pro",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    const { chunks, text, done } = await readStream(response);
    expect(text).toBe("Hello from fake upstream");
    expect(done).toBe(true);
    expect((await fakeStats()).lastRequest.path).toBe(
      "/s/ok/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
    );
    const sent = await sentFor(response);
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: sent?.input_tokens,
      completion_tokens: sent?.output_tokens,
    });
    const usage = await keyUsageAfter(token, keyId, before.requests + 1);
    expect(usage.outputTokens - before.outputTokens).toBe(sent?.output_tokens);
  });

  it("sends function calls and responses with their ids, and translates a recorded function-call stream back", async () => {
    const response = await chat(secret, {
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18°C" },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    expect(response.status).toBe(200);
    await response.text();
    const { body } = (await fakeStats()).lastRequest;
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris?" }] },
      {
        role: "model",
        parts: [{ functionCall: { id: "call_1", name: "get_weather", args: { location: "Paris" } } }],
      },
      {
        role: "user",
        parts: [{ functionResponse: { id: "call_1", name: "get_weather", response: { output: "18°C" } } }],
      },
    ]);
    expect(body.tools).toEqual([
      { functionDeclarations: [{ name: "get_weather", parametersJsonSchema: { type: "object" } }] },
    ]);
    const completion = collectCompletion(
      translateSseText(recordedGemini.functionCallStream, geminiChatStream("gemini-2.5-flash")),
    );
    expect("choices" in completion && completion.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("refuses an image URL Gemini cannot fetch, naming the field", async () => {
    const response = await chat(secret, {
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
      ],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^messages\[0\]\.content\[0\]\.image_url\.url: /);
  });

  it("relays through a Gemini OAuth (Code Assist) account, unwrapping its answer", async () => {
    token = await freshKeyspace();
    await account("gemini-oauth/import", {
      name: "ca",
      accessToken: "ya29.token",
      refreshToken: "1//rt",
      expiresAt: Date.now() + 3_600_000,
      projectId: "my-project",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    const key = await createKey(token);
    for (const stream of [false, true]) {
      const response = await chat(key.secret, { model: "gemini-2.5-pro", stream });
      expect(response.status).toBe(200);
      const text = stream
        ? (await readStream(response)).text
        : ((await response.json()) as Completion).choices[0]?.message.content;
      expect(text).toBe("Hello from fake upstream");
      const { lastRequest } = await fakeStats();
      expect(lastRequest.path).toMatch(
        /^\/s\/ok\/v1internal:(generateContent|streamGenerateContent\?alt=sse)$/,
      );
      expect(lastRequest.body).toMatchObject({ model: "gemini-2.5-pro", project: "my-project" });
    }
  });
});

describe("chat completions to OpenAI accounts", () => {
  it("forwards to an API-key account's {base}/v1/chat/completions unchanged, JSON and streamed", async () => {
    token = await freshKeyspace();
    await openaiApiAccount();
    const key = await createKey(token);
    const request = { model: "gpt-5", messages: SAY_HELLO, max_completion_tokens: 50, logprobs: true, n: 1 };
    const response = await chat(key.secret, request);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Completion;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello from fake upstream");
    const { lastRequest } = await fakeStats();
    expect(lastRequest.path).toBe("/s/ok/v1/chat/completions");
    expect(lastRequest.headers.authorization).toMatch(/^Bearer sk-proj-/);
    expect(lastRequest.body).toEqual(request);
    const sent = await sentFor(response);
    expect(sent?.protocol).toBe("openai-chat");

    // Streaming without include_usage: the relay asks for it (to meter) and keeps its chunk from the client.
    const streamed = await chat(key.secret, { model: "gpt-5", stream: true }, "/openai/v1/chat/completions");
    const { chunks, text, done } = await readStream(streamed);
    expect(text).toBe("Hello from fake upstream");
    expect(done).toBe(true);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect((await fakeStats()).lastRequest.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const streamedSent = await sentFor(streamed);

    const withUsage = await chat(key.secret, {
      model: "gpt-5",
      stream: true,
      stream_options: { include_usage: true },
    });
    const asked = await readStream(withUsage);
    expect(asked.chunks.at(-1)?.choices).toEqual([]);
    const withUsageSent = await sentFor(withUsage);

    const usage = await keyUsageAfter(token, key.id, 3);
    expect(usage.requests).toBe(3);
    const total = [sent, streamedSent, withUsageSent].reduce((s, u) => s + (u?.output_tokens ?? 0), 0);
    expect(usage.outputTokens).toBe(total);
    expect(usage.inputTokens).toBe(
      [sent, streamedSent, withUsageSent].reduce((s, u) => s + (u?.input_tokens ?? 0), 0),
    );
  });

  it("translates chat to Responses for a ChatGPT account, JSON and streamed, recording the usage sent", async () => {
    token = await freshKeyspace();
    await chatgptAccount();
    const key = await createKey(token);
    const response = await chat(
      key.secret,
      { model: "gpt-5-codex", max_tokens: 40 },
      "/api/v1/chat/completions",
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Completion;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello from fake upstream");
    expect(body.choices[0]?.finish_reason).toBe("stop");
    const { lastRequest } = await fakeStats();
    expect(lastRequest.path).toBe("/s/ok/responses");
    expect(lastRequest.headers).toMatchObject({
      authorization: "Bearer chatgpt-access-token",
      "chatgpt-account-id": "acct-1",
    });
    expect(lastRequest.body).toEqual({
      model: "gpt-5-codex",
      instructions: "Be brief.",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
      stream: true,
      store: false,
      max_output_tokens: 40,
    });
    const sent = await sentFor(response);
    expect(sent?.protocol).toBe("openai-responses");
    expect(body.usage.prompt_tokens).toBe((sent?.input_tokens ?? 0) + (sent?.cache_read_input_tokens ?? 0));

    const streamed = await chat(key.secret, {
      model: "gpt-5-codex",
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text, done } = await readStream(streamed);
    expect(text).toBe("Hello from fake upstream");
    expect(done).toBe(true);
    const streamedSent = await sentFor(streamed);
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: streamedSent?.output_tokens });
    const usage = await keyUsageAfter(token, key.id, 2);
    expect(usage.outputTokens).toBe((sent?.output_tokens ?? 0) + (streamedSent?.output_tokens ?? 0));
    expect(usage.inputTokens).toBe((sent?.input_tokens ?? 0) + (streamedSent?.input_tokens ?? 0));
  });

  it("serves a field Responses cannot carry from an API-key account, else refuses it with a 400", async () => {
    token = await freshKeyspace();
    await chatgptAccount();
    const key = await createKey(token);
    const refused = await chat(key.secret, { model: "gpt-5", stop: ["END"] });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { message: string } };
    expectOpenaiError(body, "invalid_request_error");
    expect(body.error.message).toMatch(/^stop: /);

    await openaiApiAccount("ok", { priority: 90 });
    const served = await chat(key.secret, { model: "gpt-5", stop: ["END"] });
    expect(served.status).toBe(200);
    await served.text();
    expect((await fakeStats()).lastRequest).toMatchObject({
      path: "/s/ok/v1/chat/completions",
      body: { stop: ["END"] },
    });
  });
});

describe("chat completions: permissions, models and upstream errors", () => {
  beforeAll(async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    await geminiAccount();
  });

  it("answers 403 for a model whose platform the key may not use, and for a blacklisted model", async () => {
    const claudeOnly = await createKey(token, { limits: { permissions: ["claude"] } });
    const gemini = await chat(claudeOnly.secret, { model: "gemini-2.5-flash" });
    expect(gemini.status).toBe(403);
    const body = (await gemini.json()) as { error: { code: string; message: string } };
    expectOpenaiError(body, "permission_error");
    expect(body.error.code).toBe("permission_denied");
    expect(body.error.message).toMatch(/gemini/);
    expect((await chat(claudeOnly.secret, { model: "claude-sonnet-4-5" })).status).toBe(200);

    const blacklisted = await createKey(token, { limits: { restrictedModels: ["claude-opus*"] } });
    const refused = await chat(blacklisted.secret, { model: "claude-opus-4-5" });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("model_not_allowed");
  });

  it("answers 401 in OpenAI's shape for a missing or unknown key, on /api/v1 too", async () => {
    for (const path of ["/v1/chat/completions", "/api/v1/chat/completions", "/openai/v1/chat/completions"]) {
      const response = await SELF.fetch(`${BASE}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer cr_${"0".repeat(64)}` },
        body: JSON.stringify({ model: "gpt-5", messages: SAY_HELLO }),
      });
      expect(response.status).toBe(401);
      expectOpenaiError(await response.json(), "invalid_request_error");
    }
  });

  it("lists the models the key may use at /v1/models and /openai/v1/models; /api/v1/models stays Claude's", async () => {
    const key = await createKey(token, {
      limits: { permissions: ["claude", "gemini"], restrictedModels: ["gemini-2.5-pro"] },
    });
    for (const path of ["/v1/models", "/openai/v1/models"]) {
      const response = await SELF.fetch(`${BASE}${path}`, {
        headers: { authorization: `Bearer ${key.secret}` },
      });
      expect(response.status).toBe(200);
      const list = (await response.json()) as {
        object: string;
        data: Array<{ id: string; object: string; owned_by: string }>;
      };
      expect(list.object).toBe("list");
      const ids = list.data.map((m) => m.id);
      expect(ids).toContain("claude-sonnet-4-5");
      expect(ids).toContain("gemini-2.5-flash");
      expect(ids).not.toContain("gemini-2.5-pro");
      expect(ids.some((id) => id.startsWith("gpt-"))).toBe(false);
      expect(list.data.every((m) => m.object === "model")).toBe(true);
    }
    const one = await SELF.fetch(`${BASE}/v1/models/gemini-2.5-flash`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(((await one.json()) as { owned_by: string }).owned_by).toBe("google");
    const hidden = await SELF.fetch(`${BASE}/v1/models/gemini-2.5-pro`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(hidden.status).toBe(404);
    expectOpenaiError(await hidden.json(), "invalid_request_error");
    const anthropicList = await SELF.fetch(`${BASE}/api/v1/models`, { headers: { "x-api-key": key.secret } });
    expect(await anthropicList.json()).toHaveProperty("has_more", false);
  });

  it("hands an upstream's error to the client in OpenAI's shape", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "429");
    await geminiAccount("500");
    const key = await createKey(token);
    const limited = await chat(key.secret, { model: "claude-sonnet-4-5", stream: true });
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { error: { code: string } };
    expectOpenaiError(body, "rate_limit_error");
    expect(body.error.code).toBe("rate_limit_error");
    // Not the upstream's raw 500: no account served, so 503 with when to come back.
    const broken = await chat(key.secret, { model: "gemini-2.5-flash" });
    expect(broken.status).toBe(503);
    expect(broken.headers.get("retry-after")).toBeTruthy();
    expectOpenaiError(await broken.json(), "server_error");
  });

  it("ends a stream the upstream cut with an OpenAI error chunk", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "reset-mid-stream");
    const key = await createKey(token);
    const response = await chat(key.secret, { model: "claude-sonnet-4-5", stream: true });
    expect(response.status).toBe(200);
    const events = (await response.text()).trim().split("\n\n");
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":/);
  });
});
