// The fake upstream's Azure OpenAI and Droid (Factory.ai) paths: what each service checks before
// answering (Azure's api-key and api-version, Factory's bearer and CLI headers), and the answers
// (Azure's content-filter chunk and usage chunk, embeddings, Anthropic/OpenAI shapes for Droid).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const MESSAGES = [{ role: "user", content: "Say hello" }];
const PROMPT_TOKENS = Math.ceil(JSON.stringify(MESSAGES).length / 4);
const CHAT_PATH = "/s/ok/openai/deployments/gpt4o-prod/chat/completions";

function post(path: string, body: unknown, headers: Record<string, string>) {
  return fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const dataLines = (text: string) =>
  text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice(6));

describe("Azure OpenAI paths", () => {
  const key = { "api-key": "azure-key-1" };

  it("refuses a call without api-key in Azure's error shape, before counting usage", async () => {
    const res = await post(
      `${CHAT_PATH}?api-version=2024-10-21`,
      { model: "gpt-4o", messages: MESSAGES },
      {},
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: "401", message: expect.stringMatching(/Access denied/) },
    });
    expect(upstream.stats().usageSent).toEqual([]);
  });

  it("requires api-version on deployment paths, and a preview one for Responses", async () => {
    const missing = await post(CHAT_PATH, { model: "gpt-4o", messages: MESSAGES }, key);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "404" } });
    const bad = await post(`${CHAT_PATH}?api-version=latest`, { model: "gpt-4o", messages: MESSAGES }, key);
    expect(bad.status).toBe(400);
    const ga = await post(
      "/s/ok/openai/responses?api-version=2024-10-21",
      { model: "gpt4o-prod", input: "hi" },
      key,
    );
    expect(ga.status).toBe(400);
    expect(JSON.stringify(await ga.json())).toMatch(/preview/);
    // The v1 path takes no api-version.
    const v1 = await post("/s/ok/openai/v1/responses", { model: "gpt4o-prod", input: "hi" }, key);
    expect(v1.status).toBe(200);
  });

  it("answers chat completions as JSON with usage, counting the api-key as the credential", async () => {
    const res = await post(
      `${CHAT_PATH}?api-version=2024-10-21`,
      { model: "gpt-4o", messages: MESSAGES },
      key,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: string;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.model).toBe("gpt-4o");
    expect(body.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 4 });
    const stats = upstream.stats();
    expect(stats.byCredential["azure-key-1"]?.requests).toBe(1);
    expect(stats.usageSent[0]).toMatchObject({
      protocol: "openai-chat",
      input_tokens: PROMPT_TOKENS,
      completed: true,
    });
  });

  it("streams a content-filter chunk first and, with include_usage, a usage chunk last", async () => {
    const res = await post(
      `${CHAT_PATH}?api-version=2024-10-21`,
      { model: "gpt-4o", messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
      key,
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const data = dataLines(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
    expect(chunks[0]).toMatchObject({ choices: [], model: "", prompt_filter_results: [expect.any(Object)] });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 4 },
    });
  });

  it("streams without a usage chunk when include_usage is off", async () => {
    const res = await post(
      `${CHAT_PATH}?api-version=2024-10-21`,
      { model: "gpt-4o", messages: MESSAGES, stream: true },
      key,
    );
    const chunks = dataLines(await res.text()).filter((d) => d !== "[DONE]");
    expect(chunks.some((d) => d.includes('"usage":{'))).toBe(false);
  });

  it("serves Responses on the preview api-version", async () => {
    const res = await post(
      "/s/ok/openai/responses?api-version=2025-04-01-preview",
      { model: "gpt4o-prod", input: "Say hello", stream: true },
      key,
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("event: response.completed");
  });

  it("serves embeddings on the deployment, model from the path when the body has none", async () => {
    const res = await post(
      "/s/ok/openai/deployments/embed-small/embeddings?api-version=2024-10-21",
      { input: ["one", "two"] },
      key,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: Array<{ index: number; embedding: number[] }>;
      model: string;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(body.model).toBe("embed-small");
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.data[0]?.embedding).toHaveLength(8);
    const tokens = Math.ceil(JSON.stringify(["one", "two"]).length / 4);
    expect(body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    expect(upstream.stats().usageSent[0]).toMatchObject({
      protocol: "openai-embeddings",
      input_tokens: tokens,
    });
  });

  it("plays error scenarios after the checks, in OpenAI's shape", async () => {
    const res = await post(
      "/s/429/openai/deployments/d/chat/completions?api-version=2024-10-21",
      { model: "gpt-4o", messages: MESSAGES },
      key,
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("30");
  });
});

describe("Droid (Factory.ai) paths", () => {
  const factory = {
    authorization: "Bearer fk-droid-1",
    "x-factory-client": "cli",
    "user-agent": "factory-cli/0.32.1",
  };
  const messages = { model: "claude-sonnet-4-5", max_tokens: 50, messages: MESSAGES };

  it("answers Anthropic Messages under /a/, counting the bearer (not the placeholder x-api-key)", async () => {
    const res = await post("/s/ok/api/llm/a/v1/messages", messages, {
      ...factory,
      "x-api-provider": "anthropic",
      "x-api-key": "placeholder",
      "anthropic-version": "2023-06-01",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "message", model: "claude-sonnet-4-5" });
    expect(upstream.stats().byCredential["fk-droid-1"]?.requests).toBe(1);
    expect(upstream.stats().byCredential.placeholder).toBeUndefined();
  });

  it("refuses a missing bearer, a missing x-factory-client and a wrong x-api-provider", async () => {
    const noBearer = await post("/s/ok/api/llm/a/v1/messages", messages, {
      "x-factory-client": "cli",
      "x-api-provider": "anthropic",
      "x-api-key": "placeholder",
    });
    expect(noBearer.status).toBe(401);
    expect(await noBearer.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const noClient = await post(
      "/s/ok/api/llm/o/v1/responses",
      { model: "gpt-5", input: "hi" },
      {
        authorization: "Bearer fk-droid-1",
        "x-api-provider": "azure_openai",
      },
    );
    expect(noClient.status).toBe(400);
    expect(await noClient.json()).toMatchObject({
      error: { message: expect.stringMatching(/x-factory-client/) },
    });
    const wrong = await post("/s/ok/api/llm/a/v1/messages", messages, {
      ...factory,
      "x-api-provider": "openai",
    });
    expect(wrong.status).toBe(400);
  });

  it("answers Responses and chat completions under /o/ in OpenAI's shape", async () => {
    const responses = await post(
      "/s/ok/api/llm/o/v1/responses",
      { model: "gpt-5-2025-08-07", input: "Say hello" },
      { ...factory, "x-api-provider": "azure_openai" },
    );
    expect(responses.status).toBe(200);
    expect(await responses.json()).toMatchObject({ object: "response", status: "completed" });
    const chat = await post(
      "/s/ok/api/llm/o/v1/chat/completions",
      { model: "glm-4.6", messages: MESSAGES },
      { ...factory, "x-api-provider": "fireworks" },
    );
    expect(chat.status).toBe(200);
    expect(await chat.json()).toMatchObject({ object: "chat.completion" });
  });

  it("an `invalid` key is refused as Factory would refuse a revoked one", async () => {
    const res = await post(
      "/s/ok/api/llm/o/v1/responses",
      { model: "gpt-5", input: "hi" },
      {
        ...factory,
        authorization: "Bearer invalid",
        "x-api-provider": "azure_openai",
      },
    );
    expect(res.status).toBe(401);
  });
});
