// OpenAI Chat Completions through the running stack: Claude, Gemini and OpenAI API-key accounts on
// the fake upstream, driven with plain fetch in OpenAI's wire format (the raw events; the openai
// SDK and tool calls: chat-sdk.e2e.test.ts) on CRS's unified route and the bare /v1 route,
// streaming and not; the recorded usage equals what the fake sent, whatever protocol it spoke.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { settledUsage, usageOf } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;

function sentTotals(since: number) {
  const sent = e2e.upstream.stats().usageSent.slice(since);
  return {
    requests: sent.length,
    inputTokens: sent.reduce((s, u) => s + u.input_tokens, 0),
    outputTokens: sent.reduce((s, u) => s + u.output_tokens, 0),
    cacheCreateTokens: sent.reduce((s, u) => s + u.cache_creation_input_tokens, 0),
    cacheReadTokens: sent.reduce((s, u) => s + u.cache_read_input_tokens, 0),
    protocols: sent.map((u) => u.protocol),
  };
}

const chat = (path: string, body: Record<string, unknown>, key = secret) =>
  fetch(`${e2e.stack.relayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
      ],
      ...body,
    }),
  });

interface Completion {
  object: string;
  choices: Array<{ message: { content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** The text of an OpenAI chat stream, checked to be `data:` events ending with [DONE]. */
async function streamedText(response: Response): Promise<{ text: string; usage: unknown }> {
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const events = (await response.text()).split("\n\n").filter((e) => e.trim() !== "");
  expect(events.at(-1)).toBe("data: [DONE]");
  let text = "";
  let usage: unknown;
  for (const event of events.slice(0, -1)) {
    expect(event).toMatch(/^data: \{/);
    const chunk = JSON.parse(event.slice(6)) as {
      object: string;
      choices: Array<{ delta: { content?: string } }>;
      usage?: unknown;
    };
    expect(chunk.object).toBe("chat.completion.chunk");
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage };
}

beforeAll(async () => {
  e2e = await startRelaySession();
  await adminCall(e2e.stack, e2e.token, "POST", "/accounts/claude-console", {
    name: "claude-1",
    apiKey: "sk-ant-e2e",
    baseUrl: e2e.upstream.url,
  });
  await adminCall(e2e.stack, e2e.token, "POST", "/accounts/gemini-api", {
    name: "gemini-1",
    apiKey: "AIza-e2e",
    baseUrl: e2e.upstream.url,
  });
  await adminCall(e2e.stack, e2e.token, "POST", "/accounts/openai-api", {
    name: "openai-1",
    apiKey: "sk-proj-e2e",
    baseUrl: e2e.upstream.url,
  });
  ({ id: keyId, secret } = await apiKey(e2e.stack, e2e.token, "chat-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("OpenAI chat completions through the relay, one backend per model family", () => {
  const backends = [
    { model: "claude-sonnet-4-5", protocol: "anthropic", path: "/v1/messages" },
    { model: "gemini-2.5-flash", protocol: "gemini", path: "/v1beta/models/gemini-2.5-flash:" },
    { model: "gpt-5", protocol: "openai-chat", path: "/v1/chat/completions" },
  ];

  for (const backend of backends) {
    it(`${backend.model}: JSON on /api/v1 and a stream on /v1, usage recorded as the upstream sent it`, async () => {
      const before = await usageOf(e2e.stack, e2e.token, keyId);
      const since = e2e.upstream.stats().usageSent.length;

      const json = await chat("/api/v1/chat/completions", { model: backend.model, max_tokens: 64 });
      expect(json.status).toBe(200);
      const completion = (await json.json()) as Completion;
      expect(completion.object).toBe("chat.completion");
      expect(completion.choices[0]?.message.content).toBe("Hello from fake upstream");
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      expect(e2e.upstream.stats().lastRequest?.path).toContain(backend.path);

      const stream = await chat("/v1/chat/completions", {
        model: backend.model,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(stream.status).toBe(200);
      const streamed = await streamedText(stream);
      expect(streamed.text).toBe("Hello from fake upstream");
      expect(streamed.usage).toMatchObject({ completion_tokens: expect.any(Number) });

      const sent = sentTotals(since);
      expect(sent.requests).toBe(2);
      expect(sent.protocols).toEqual([backend.protocol, backend.protocol]);
      const after = await settledUsage(e2e.stack, e2e.token, keyId, before.requests + 2);
      expect(after.requests - before.requests).toBe(2);
      expect(after.inputTokens - before.inputTokens).toBe(sent.inputTokens);
      expect(after.outputTokens - before.outputTokens).toBe(sent.outputTokens);
      expect(after.cacheReadTokens - before.cacheReadTokens).toBe(sent.cacheReadTokens);
    });
  }

  it("lists the models at /v1/models, and answers refusals and key errors in OpenAI's shape", async () => {
    const list = await fetch(`${e2e.stack.relayUrl}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(list.status).toBe(200);
    const ids = ((await list.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["claude-sonnet-4-5", "gemini-2.5-flash", "gpt-5"]));

    const refused = await chat("/v1/chat/completions", { model: "claude-sonnet-4-5", n: 3 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringMatching(/^n: /) },
    });

    const unknown = await chat("/v1/chat/completions", { model: "gpt-5" }, `cr_${"f".repeat(64)}`);
    expect(unknown.status).toBe(401);
    const body = (await unknown.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: { type: "invalid_request_error" } });
    expect(body).not.toHaveProperty("type");
  });
});
