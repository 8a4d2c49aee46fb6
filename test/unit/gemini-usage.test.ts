// The Gemini provider's pure parts: the usage meter on recorded answers, the upstream request for
// each account type and dialect, the answer reshaping between dialects, errors, the session hash.
import { describe, expect, it } from "vitest";
import { services } from "../../worker/env.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { reshapeJson, reshapeSse } from "../../worker/providers/gemini/codeassist.ts";
import { geminiOutcome } from "../../worker/providers/gemini/errors.ts";
import { geminiProvider } from "../../worker/providers/gemini/index.ts";
import { codeFromPaste } from "../../worker/providers/gemini/oauth.ts";
import { geminiSessionHash } from "../../worker/providers/gemini/session.ts";
import { usageFromJson, usageFromSse } from "../../worker/providers/gemini/usage.ts";
import type { ClientCall } from "../../worker/providers/provider.ts";
import { accountRecord, testEnv } from "./helpers.ts";

const config = services(testEnv).config;

// A stream as Google sends it (and the fake upstream replays it): data-only events, `\r\n\r\n`,
// a thought summary first, the running usage on the last chunk.
const chunk = (body: unknown) => `data: ${JSON.stringify(body)}\r\n\r\n`;
const finalUsage = {
  promptTokenCount: 120,
  candidatesTokenCount: 5,
  totalTokenCount: 143,
  cachedContentTokenCount: 60,
  thoughtsTokenCount: 18,
};
const candidate = (text: string, extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...extra }],
  modelVersion: "gemini-2.5-pro",
  responseId: "r1",
});
const RECORDED = [
  chunk({ ...candidate("Considering."), usageMetadata: { promptTokenCount: 120, totalTokenCount: 120 } }),
  chunk(candidate("Hello from ")),
  chunk({ ...candidate("fake upstream", { finishReason: "STOP" }), usageMetadata: finalUsage }),
].join("");

const EXPECTED = {
  input_tokens: 60,
  cache_read_input_tokens: 60,
  output_tokens: 23,
  cache_creation_input_tokens: 0,
  ephemeral_5m_input_tokens: 0,
  ephemeral_1h_input_tokens: 0,
};

describe("Gemini usage meter", () => {
  it("reads the last usageMetadata of a stream: cached as cache reads, thoughts as output", () => {
    const metered = usageFromSse(RECORDED);
    expect(metered.usage).toEqual(EXPECTED);
    expect(metered.model).toBe("gemini-2.5-pro");
    expect(metered.complete).toBe(true);
  });

  it("reads the same off `\\n\\n` separators and off a stream cut before its last chunk", () => {
    expect(usageFromSse(RECORDED.replaceAll("\r\n", "\n")).usage).toEqual(EXPECTED);
    const cut = RECORDED.slice(0, RECORDED.lastIndexOf("data:") + 40);
    const partial = usageFromSse(cut);
    expect(partial.complete).toBe(false);
    // Only the first chunk's running count was delivered: the prompt, no output yet.
    expect(partial.usage).toMatchObject({ input_tokens: 120, output_tokens: 0 });
  });

  it("reads Code Assist's `{response: …}` chunks", () => {
    const wrapped = RECORDED.split("\r\n\r\n")
      .filter(Boolean)
      .map((event) => chunk({ response: JSON.parse(event.slice("data: ".length)), traceId: "t" }))
      .join("");
    expect(usageFromSse(wrapped).usage).toEqual(EXPECTED);
    expect(usageFromJson(JSON.stringify({ response: { usageMetadata: finalUsage } })).usage).toEqual(
      EXPECTED,
    );
  });

  it("reads a JSON body and the JSON array a stream is without alt=sse", () => {
    const single = usageFromJson(
      JSON.stringify({ ...candidate("x", { finishReason: "STOP" }), usageMetadata: finalUsage }),
    );
    expect(single.usage).toEqual(EXPECTED);
    expect(single.complete).toBe(true);
    const array = JSON.stringify([
      candidate("a"),
      { ...candidate("b", { finishReason: "STOP" }), usageMetadata: finalUsage },
    ]);
    expect(usageFromJson(array).usage).toEqual(EXPECTED);
    expect(usageFromJson("not json").usage.input_tokens).toBe(0);
  });

  it("counts tool-use prompt tokens as input and never goes below zero", () => {
    const usage = usageFromJson(
      JSON.stringify({
        usageMetadata: { promptTokenCount: 10, toolUsePromptTokenCount: 5, cachedContentTokenCount: 99 },
      }),
    ).usage;
    expect(usage).toMatchObject({ input_tokens: 0, cache_read_input_tokens: 15, output_tokens: 0 });
  });
});

const account = (type: AccountRecord["type"], baseUrl = ""): AccountRecord =>
  accountRecord("acct", { type, platform: "gemini", name: type, baseUrl, credentials: "sealed" });

const apiKeyCredentials = { apiKey: "AIza-account-key" };
const oauthCredentials = {
  accessToken: "ya29.account",
  refreshToken: "1//refresh",
  expiresAt: Date.now() + 3_600_000,
  scopes: [],
  projectId: "proj-123",
};
const publicBody = {
  contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
  systemInstruction: "Be brief.",
  generationConfig: { temperature: 1 },
};

function call(path: string, body: unknown, search = "", model = "gemini-2.5-pro"): ClientCall {
  const request = new Request("https://relay.test/gemini/x", {
    method: "POST",
    headers: {
      "x-goog-api-key": "cr_client_key",
      "user-agent": "GeminiCLI/0.61.0",
      "x-goog-api-client": "google-genai-sdk/1.30.0",
      "x-gemini-api-privileged-user-id": "installation-id",
      cookie: "a=b",
    },
  });
  return { request, path, search, body: JSON.stringify(body), model, stream: path.includes("stream") };
}

async function built(c: ClientCall, a: AccountRecord, credentials: unknown) {
  const request = await geminiProvider.buildRequest(c, a, credentials, config);
  return {
    url: request.url,
    headers: request.headers,
    body: JSON.parse(await request.text()) as Record<string, unknown>,
  };
}

describe("Gemini upstream requests", () => {
  it("API-key account, public call: the account's key as x-goog-api-key, path and alt=sse kept, body as sent", async () => {
    const c = call("/v1beta/models/gemini-2.5-pro:streamGenerateContent", publicBody, "?alt=sse");
    const r = await built(c, account("gemini-api", "http://up.test/s/ok/"), apiKeyCredentials);
    expect(r.url).toBe("http://up.test/s/ok/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(r.headers.get("x-goog-api-key")).toBe("AIza-account-key");
    expect(r.headers.get("authorization")).toBeNull();
    expect(r.headers.get("user-agent")).toBe("GeminiCLI/0.61.0");
    expect(r.headers.get("x-goog-api-client")).toBe("google-genai-sdk/1.30.0");
    expect(r.headers.get("x-gemini-api-privileged-user-id")).toBeNull();
    expect(r.headers.get("cookie")).toBeNull();
    expect(JSON.stringify([...r.headers])).not.toContain("cr_client_key");
    expect(r.body).toEqual(publicBody);
  });

  it("API-key account without a base URL goes to Google's API", async () => {
    const c = call("/v1/models/gemini-2.5-flash:generateContent", publicBody, "", "gemini-2.5-flash");
    const r = await built(c, account("gemini-api"), apiKeyCredentials);
    expect(r.url).toBe(
      "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent",
    );
  });

  it("OAuth account, public call: Code Assist with a bearer, the body wrapped in the account's project", async () => {
    const c = call("/v1beta/models/gemini-2.5-pro:streamGenerateContent", publicBody, "?alt=sse");
    const r = await built(c, account("gemini-oauth"), oauthCredentials);
    expect(r.url).toBe("https://cloudcode-pa.googleapis.com/v1internal:streamGenerateContent?alt=sse");
    expect(r.headers.get("authorization")).toBe("Bearer ya29.account");
    expect(r.headers.get("x-goog-api-key")).toBeNull();
    expect(r.body).toMatchObject({
      model: "gemini-2.5-pro",
      project: "proj-123",
      request: {
        contents: publicBody.contents,
        systemInstruction: { role: "user", parts: [{ text: "Be brief." }] },
        generationConfig: { temperature: 1 },
      },
    });
    expect(typeof r.body.user_prompt_id).toBe("string");
  });

  it("OAuth account, public countTokens: Code Assist's `{request: {model, contents}}`", async () => {
    const c = call("/v1beta/models/gemini-2.5-pro:countTokens", { contents: publicBody.contents });
    const r = await built(c, account("gemini-oauth", "http://up.test"), oauthCredentials);
    expect(r.url).toBe("http://up.test/v1internal:countTokens");
    expect(r.body).toEqual({ request: { model: "models/gemini-2.5-pro", contents: publicBody.contents } });
  });

  it("Code Assist call on an OAuth account: forwarded, with the account's project", async () => {
    const body = {
      model: "gemini-2.5-pro",
      project: "client-project",
      user_prompt_id: "p1",
      request: publicBody,
    };
    const r = await built(
      call("/v1internal:generateContent", body),
      account("gemini-oauth"),
      oauthCredentials,
    );
    expect(r.url).toBe("https://cloudcode-pa.googleapis.com/v1internal:generateContent");
    expect(r.body).toEqual({ ...body, project: "proj-123" });
  });

  it("Code Assist call on an API-key account: the public API with the request unwrapped", async () => {
    const body = { model: "gemini-2.5-pro", project: "p", request: { ...publicBody, session_id: "s1" } };
    const c = call("/v1internal:streamGenerateContent", body, "?alt=sse");
    const r = await built(c, account("gemini-api", "http://up.test"), apiKeyCredentials);
    expect(r.url).toBe("http://up.test/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(r.body).toEqual(publicBody);
    const count = call("/v1internal:countTokens", {
      request: { model: "models/gemini-2.5-pro", contents: [] },
    });
    expect((await built(count, account("gemini-api", "http://up.test"), apiKeyCredentials)).body).toEqual({
      contents: [],
    });
  });
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("Gemini answers between dialects", () => {
  const wrappedEvents = [
    chunk({ response: candidate("Hel"), traceId: "t" }),
    chunk({ response: { ...candidate("lo", { finishReason: "STOP" }), usageMetadata: finalUsage } }),
  ].join("");

  it("unwraps Code Assist SSE events even when chunks split an event or its separator", async () => {
    const bytes = new TextEncoder().encode(wrappedEvents);
    for (const size of [1, 3, 7, 64, bytes.length]) {
      const source = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
          controller.close();
        },
      });
      const text = await readAll(source.pipeThrough(reshapeSse("unwrap")));
      expect(text).toBe(
        [
          chunk(candidate("Hel")),
          chunk({ ...candidate("lo", { finishReason: "STOP" }), usageMetadata: finalUsage }),
        ].join(""),
      );
    }
  });

  it("wraps public events for Code Assist clients and leaves error events alone", async () => {
    const error = 'data: {"error":{"code":500,"message":"x","status":"INTERNAL"}}\n\n';
    const source = new Response(`${chunk(candidate("Hi"))}${error}`).body;
    if (!source) throw new Error("no body");
    const text = await readAll(source.pipeThrough(reshapeSse("wrap")));
    expect(text).toBe(
      `${chunk({ response: candidate("Hi") })}data: {"error":{"code":500,"message":"x","status":"INTERNAL"}}\r\n\r\n`,
    );
  });

  it("reshapes JSON answers and JSON-array streams", () => {
    expect(JSON.parse(reshapeJson(JSON.stringify({ response: candidate("x") }), "unwrap"))).toEqual(
      candidate("x"),
    );
    expect(JSON.parse(reshapeJson(JSON.stringify([candidate("a"), candidate("b")]), "wrap"))).toEqual([
      { response: candidate("a") },
      { response: candidate("b") },
    ]);
    expect(reshapeJson("not json", "unwrap")).toBe("not json");
  });

  it("ends a broken stream with a Google-shaped error event on its own", () => {
    const text = new TextDecoder().decode(geminiProvider.streamErrorEvent("lost"));
    expect(text).toBe('data: {"error":{"code":502,"message":"lost","status":"UNAVAILABLE"}}\n\n');
  });
});

describe("Gemini upstream errors and sessions", () => {
  const answer = (status: number, headers: Record<string, string> = {}) =>
    geminiOutcome(new Response("{}", { status, headers }));

  it("maps statuses to account outcomes", () => {
    const limited = answer(429, { "retry-after": "30" });
    expect(limited.kind).toBe("rate-limited");
    if (limited.kind === "rate-limited") {
      expect(limited.until).toBeGreaterThan(Date.now() + 25_000);
      expect(limited.until).toBeLessThan(Date.now() + 35_000);
    }
    const noHeader = answer(429);
    expect(noHeader.kind === "rate-limited" && noHeader.until > Date.now() + 200_000).toBe(true);
    expect(answer(503).kind).toBe("overloaded");
    expect(answer(401).kind).toBe("unauthorized");
    expect(answer(403).kind).toBe("unauthorized");
    expect(answer(500).kind).toBe("server-error");
    expect(answer(400).kind).toBe("client-error");
    expect(answer(200).kind).toBe("ok");
  });

  it("keeps a conversation on one hash: the first user turn, or Code Assist's session_id", async () => {
    const first = {
      role: "user",
      parts: [{ text: "<session_context>…</session_context>" }, { text: "Say hello" }],
    };
    const turn1 = await geminiSessionHash({ contents: [first] });
    const turn2 = await geminiSessionHash({
      contents: [
        first,
        { role: "model", parts: [{ text: "Hello" }] },
        { role: "user", parts: [{ text: "More" }] },
      ],
    });
    expect(turn1).toMatch(/^[0-9a-f]{32}$/);
    expect(turn2).toBe(turn1);
    expect(await geminiSessionHash({ contents: [{ role: "user", parts: [{ text: "other" }] }] })).not.toBe(
      turn1,
    );
    // Code Assist: the same body inside `request` hashes the same, and a session_id wins.
    expect(await geminiSessionHash({ model: "m", request: { contents: [first] } })).toBe(turn1);
    const a = await geminiSessionHash({ request: { contents: [first], session_id: "s-1" } });
    const b = await geminiSessionHash({
      request: { contents: [{ parts: [{ text: "x" }] }], session_id: "s-1" },
    });
    expect(a).toBe(b);
    expect(a).not.toBe(turn1);
    expect(await geminiSessionHash({ contents: [] })).toBeUndefined();
  });

  it("accepts the pasted code or the whole redirect URL", () => {
    expect(codeFromPaste(" 4/0Ab-code ")).toBe("4/0Ab-code");
    expect(codeFromPaste("https://codeassist.google.com/authcode?code=4%2F0Ab&state=s")).toBe("4/0Ab");
  });
});
