import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const CONTENTS = [{ role: "user", parts: [{ text: "Say hello" }] }];
const SYSTEM = { role: "user", parts: [{ text: "You are a CLI agent." }] };
const BODY = { contents: CONTENTS, systemInstruction: SYSTEM };
const THINKING = {
  ...BODY,
  generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } },
};
const PROMPT_TOKENS = Math.ceil((JSON.stringify(CONTENTS).length + JSON.stringify(SYSTEM).length) / 4);
const MODEL_PATH = "/gemini/v1beta/models/gemini-2.5-pro";

interface Candidate {
  content: { role: string; parts: Array<{ text: string; thought?: boolean }> };
  finishReason?: string;
  index: number;
}
interface GenerateResponse {
  candidates: Candidate[];
  usageMetadata?: Record<string, number>;
  modelVersion: string;
  responseId: string;
}

type Auth = { key?: string; bearer?: string; query?: string };

function post(path: string, body: unknown, auth: Auth = { key: "goog-key" }, signal?: AbortSignal) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (auth.key !== undefined) headers["x-goog-api-key"] = auth.key;
  if (auth.bearer !== undefined) headers.authorization = `Bearer ${auth.bearer}`;
  return fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

/** Google's SSE: `data:` lines only, each chunk ended by `\r\n\r\n`. */
function parseGoogleSse<T = GenerateResponse>(text: string): T[] {
  expect(text.endsWith("\r\n\r\n")).toBe(true);
  return text
    .split("\r\n\r\n")
    .filter((block) => block !== "")
    .map((block) => {
      expect(block).toMatch(/^data: \{/);
      expect(block).not.toContain("\n");
      return JSON.parse(block.slice("data: ".length)) as T;
    });
}

const textOf = (chunks: GenerateResponse[]) =>
  chunks
    .flatMap((chunk) => chunk.candidates[0]?.content.parts ?? [])
    .filter((part) => !part.thought)
    .map((part) => part.text)
    .join("");

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("Gemini API", () => {
  it("streams data-only SSE chunks; the last carries finishReason and usageMetadata", async () => {
    const res = await post(`/s/ok${MODEL_PATH}:streamGenerateContent?alt=sse`, BODY);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const chunks = parseGoogleSse(await res.text());
    expect(chunks.length).toBeGreaterThan(1);
    expect(textOf(chunks)).toBe("Hello from fake upstream");
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.candidates[0]?.finishReason).toBeUndefined();
      expect(chunk.usageMetadata).toBeUndefined();
    }
    const last = chunks.at(-1);
    expect(last?.candidates[0]).toMatchObject({ finishReason: "STOP", index: 0, content: { role: "model" } });
    expect(last?.usageMetadata).toEqual({
      promptTokenCount: PROMPT_TOKENS,
      candidatesTokenCount: 4,
      totalTokenCount: PROMPT_TOKENS + 4,
    });
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
    expect(chunks.every((c) => c.modelVersion === "gemini-2.5-pro")).toBe(true);

    expect(upstream.stats().usageSent).toEqual([
      {
        requestId: expect.stringMatching(/^req_/),
        credential: "goog-key",
        protocol: "gemini",
        model: "gemini-2.5-pro",
        stream: true,
        input_tokens: PROMPT_TOKENS,
        output_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        ephemeral_5m_input_tokens: 0,
        ephemeral_1h_input_tokens: 0,
        completed: true,
      },
    ]);
  });

  it("with includeThoughts sends a thought chunk first and reports thoughtsTokenCount 3", async () => {
    const res = await post(`${MODEL_PATH}:streamGenerateContent?alt=sse`, THINKING);
    const chunks = parseGoogleSse(await res.text());
    expect(chunks[0]?.candidates[0]?.content.parts).toEqual([
      { text: "Considering the reply.", thought: true },
    ]);
    expect(textOf(chunks)).toBe("Hello from fake upstream");
    expect(chunks.at(-1)?.usageMetadata).toEqual({
      promptTokenCount: PROMPT_TOKENS,
      candidatesTokenCount: 4,
      thoughtsTokenCount: 3,
      totalTokenCount: PROMPT_TOKENS + 4 + 3,
    });
    expect(upstream.stats().usageSent[0]).toMatchObject({
      output_tokens: 7,
      reasoning_tokens: 3,
      completed: true,
    });
  });

  it("without alt=sse streams a JSON array of the same chunks", async () => {
    const res = await post(`${MODEL_PATH}:streamGenerateContent`, BODY);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const chunks = JSON.parse(await res.text()) as GenerateResponse[];
    expect(Array.isArray(chunks)).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
    expect(textOf(chunks)).toBe("Hello from fake upstream");
    expect(chunks.at(-1)?.candidates[0]?.finishReason).toBe("STOP");
    expect(upstream.stats().usageSent[0]).toMatchObject({ stream: true, completed: true });
  });

  it("answers generateContent with one GenerateContentResponse, also under /v1 and with ?key=", async () => {
    const res = await post(`${MODEL_PATH}:generateContent`, THINKING);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      candidates: [
        {
          content: {
            role: "model",
            parts: [{ text: "Considering the reply.", thought: true }, { text: "Hello from fake upstream" }],
          },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: PROMPT_TOKENS,
        candidatesTokenCount: 4,
        thoughtsTokenCount: 3,
        totalTokenCount: PROMPT_TOKENS + 7,
      },
      modelVersion: "gemini-2.5-pro",
      responseId: expect.any(String),
    });

    const v1 = await post("/v1/models/gemini-2.5-flash:generateContent?key=query-key", BODY, {});
    expect(v1.status).toBe(200);
    expect(((await v1.json()) as GenerateResponse).modelVersion).toBe("gemini-2.5-flash");
    const stats = upstream.stats();
    expect(stats.byCredential["query-key"]?.requests).toBe(1);
    expect(stats.usageSent.map((r) => r.stream)).toEqual([false, false]);
  });

  it("counts tokens and lists models", async () => {
    const count = await post(`${MODEL_PATH}:countTokens`, BODY);
    expect(await count.json()).toEqual({ totalTokens: PROMPT_TOKENS });
    const wrapped = await post(`${MODEL_PATH}:countTokens`, {
      generateContentRequest: { model: "models/gemini-2.5-pro", ...BODY },
    });
    expect(await wrapped.json()).toEqual({ totalTokens: PROMPT_TOKENS });

    const models = await fetch(`${upstream.url}/gemini/v1beta/models`, {
      headers: { "x-goog-api-key": "goog-key" },
    });
    const list = (await models.json()) as {
      models: Array<{ name: string; supportedGenerationMethods: string[] }>;
    };
    expect(list.models[0]).toMatchObject({ name: "models/gemini-2.5-pro" });
    expect(list.models[0]?.supportedGenerationMethods).toContain("generateContent");
    // A Google key also picks Google's list on the /v1/models path shared with Anthropic and OpenAI.
    const v1 = await fetch(`${upstream.url}/v1/models?key=goog-key`);
    expect(await v1.json()).toHaveProperty("models");
    // Only generating requests are counted.
    expect(upstream.stats()).toMatchObject({ requests: 0, usageSent: [] });
  });
});

describe("Code Assist (v1internal)", () => {
  const CA_BODY = { model: "gemini-2.5-pro", project: "fake-project", user_prompt_id: "p1", request: BODY };

  it("loads and onboards with a bearer token", async () => {
    const load = await post("/v1internal:loadCodeAssist", { metadata: {} }, { bearer: "ya29.token" });
    expect(await load.json()).toEqual({
      currentTier: { id: "standard-tier" },
      cloudaicompanionProject: "fake-project",
    });
    const onboard = await post("/s/ok/v1internal:onboardUser", { tierId: "standard-tier" }, { bearer: "t" });
    expect(await onboard.json()).toEqual({
      done: true,
      response: { cloudaicompanionProject: { id: "fake-project" } },
    });
  });

  it("wraps generateContent and every stream chunk as {response}", async () => {
    const json = await post("/v1internal:generateContent", CA_BODY, { bearer: "ya29.token" });
    const wrapped = (await json.json()) as { response: GenerateResponse };
    expect(Object.keys(wrapped)).toEqual(["response"]);
    expect(wrapped.response.candidates[0]?.content.parts).toEqual([{ text: "Hello from fake upstream" }]);
    expect(wrapped.response.usageMetadata?.promptTokenCount).toBe(PROMPT_TOKENS);

    const stream = await post("/v1internal:streamGenerateContent?alt=sse", CA_BODY, { bearer: "ya29.token" });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const chunks = parseGoogleSse<{ response: GenerateResponse }>(await stream.text());
    expect(chunks.every((chunk) => Object.keys(chunk).join() === "response")).toBe(true);
    expect(textOf(chunks.map((chunk) => chunk.response))).toBe("Hello from fake upstream");
    expect(chunks.at(-1)?.response.candidates[0]?.finishReason).toBe("STOP");

    const count = await post(
      "/v1internal:countTokens",
      { request: { model: "models/gemini-2.5-pro", contents: CONTENTS } },
      { bearer: "ya29.token" },
    );
    expect(await count.json()).toEqual({ totalTokens: Math.ceil(JSON.stringify(CONTENTS).length / 4) });

    const stats = upstream.stats();
    expect(stats.requests).toBe(2);
    expect(stats.byCredential["ya29.token"]?.requests).toBe(2);
    expect(stats.usageSent.map((r) => [r.protocol, r.model, r.stream])).toEqual([
      ["gemini", "gemini-2.5-pro", false],
      ["gemini", "gemini-2.5-pro", true],
    ]);
  });

  it("rejects a Code Assist body without request.contents", async () => {
    const res = await post("/v1internal:generateContent", { model: "gemini-2.5-pro" }, { bearer: "t" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });
});

describe("Gemini errors and scenarios", () => {
  it("answers 401 UNAUTHENTICATED without a credential, and for an invalid one", async () => {
    const res = await post(`${MODEL_PATH}:streamGenerateContent?alt=sse`, BODY, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 401, message: expect.any(String), status: "UNAUTHENTICATED" },
    });
    expect((await post(`${MODEL_PATH}:generateContent`, BODY, { key: "invalid" })).status).toBe(401);
    expect(upstream.stats().byCredential["(none)"]?.requests).toBe(1);
  });

  it("answers 400 INVALID_ARGUMENT for invalid JSON or no contents", async () => {
    for (const body of ["{oops", { contents: [] }, { systemInstruction: SYSTEM }]) {
      const res = await post(`${MODEL_PATH}:generateContent`, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
    }
    expect((await post(`${MODEL_PATH}:countTokens`, {})).status).toBe(400);
  });

  it.each([
    ["429", 429, "RESOURCE_EXHAUSTED"],
    ["500", 500, "INTERNAL"],
    ["529", 503, "UNAVAILABLE"],
    ["401", 401, "UNAUTHENTICATED"],
    ["403", 403, "PERMISSION_DENIED"],
  ])("/s/%s answers %i %s in Google's shape", async (scenario, status, name) => {
    const res = await post(`/s/${scenario}${MODEL_PATH}:streamGenerateContent?alt=sse`, BODY);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    expect(body.error).toMatchObject({ code: status, status: name });
    expect(upstream.stats().byScenario).toEqual({ [scenario]: 1 });
  });

  it("429 carries retry-after and RetryInfo, which follows 429-reset-<unix>", async () => {
    const res = await post(`/s/429${MODEL_PATH}:generateContent`, BODY);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(await res.json()).toMatchObject({
      error: { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }] },
    });
    const reset = Math.floor(Date.now() / 1000) + 120;
    const fixed = await post(`/s/429-reset-${reset}${MODEL_PATH}:generateContent`, BODY);
    const { error } = (await fixed.json()) as { error: { details: Array<{ retryDelay: string }> } };
    expect(Number.parseInt(error.details[0]?.retryDelay ?? "", 10)).toBeGreaterThanOrEqual(119);
  });

  it("cache-read reports half the prompt as cachedContentTokenCount, mapped to cache reads in stats", async () => {
    const res = await post(`/s/cache-read${MODEL_PATH}:generateContent`, BODY);
    const { usageMetadata } = (await res.json()) as GenerateResponse;
    const cached = Math.floor(PROMPT_TOKENS / 2);
    expect(usageMetadata).toMatchObject({ promptTokenCount: PROMPT_TOKENS, cachedContentTokenCount: cached });
    expect(upstream.stats().usageSent[0]).toMatchObject({
      input_tokens: PROMPT_TOKENS - cached,
      cache_read_input_tokens: cached,
      cache_creation_input_tokens: 0,
    });
  });

  it("text-<urlencoded> changes the reply and candidatesTokenCount", async () => {
    const text = "one two three four five six seven";
    const res = await post(
      `/s/text-${encodeURIComponent(text)}${MODEL_PATH}:streamGenerateContent?alt=sse`,
      BODY,
    );
    const chunks = parseGoogleSse(await res.text());
    expect(chunks).toHaveLength(3);
    expect(textOf(chunks)).toBe(text);
    expect(chunks.at(-1)?.usageMetadata?.candidatesTokenCount).toBe(7);
  });

  it("reset-mid-stream cuts the stream after the first text chunk", async () => {
    const res = await post(`/s/reset-mid-stream${MODEL_PATH}:streamGenerateContent?alt=sse`, THINKING);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await until(() => upstream.stats().inFlight === 0);
    // The thought chunk (3) and the first text chunk (3 words) went out.
    expect(upstream.stats().usageSent[0]).toMatchObject({ completed: false, output_tokens: 6 });

    const json = await post(`/s/reset-mid-stream${MODEL_PATH}:generateContent`, BODY);
    await expect(json.text()).rejects.toThrow();
    await until(() => upstream.stats().inFlight === 0);
    expect(upstream.stats().usageSent[1]).toMatchObject({ completed: false, output_tokens: 0 });
  });

  it("hold-<ms> holds after the first chunk and counts in flight", async () => {
    const controller = new AbortController();
    const res = await post(
      `/s/hold-5000${MODEL_PATH}:streamGenerateContent?alt=sse`,
      BODY,
      { key: "held" },
      controller.signal,
    );
    const reader = res.body?.getReader();
    const first = new TextDecoder().decode((await reader?.read())?.value);
    expect(first).toMatch(/^data: /);
    expect(upstream.stats()).toMatchObject({ inFlight: 1, maxInFlight: 1 });
    expect(upstream.stats().byCredential.held).toEqual({ requests: 1, inFlight: 1, maxInFlight: 1 });
    controller.abort();
    await until(() => upstream.stats().inFlight === 0);
    expect(upstream.stats().usageSent[0]).toMatchObject({ completed: false, output_tokens: 3 });
  });
});
