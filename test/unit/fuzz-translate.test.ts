// The protocol translators (worker/translate/) under random and mutated input (fast-check), built
// from the recorded fixtures with fields dropped, repeated, retyped and moved, streams with events
// lost, repeated, out of order, edited, cut short and delivered in random byte pieces:
// - a client's chat request is translated or refused with the module's own 400 in OpenAI's shape
//   (a RelayError naming the field), never any other exception;
// - an upstream's answer (JSON, or SSE event by event) never throws at all, and a translated
//   stream always ends with exactly one [DONE] or error, whatever the bytes or how they are cut;
// - through the route (/v1/chat/completions to Claude, Gemini, OpenAI API and ChatGPT accounts on
//   the fake upstream), any body gets an answer below 500, refusals in OpenAI's error shape.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { errorBody, RelayError } from "../../worker/http/errors.ts";
import type { Json } from "../../worker/http/json.ts";
import { chatUsageFromSse } from "../../worker/providers/openai/usage.ts";
import {
  anthropicChatStream,
  anthropicToChatRequest,
  anthropicToChatResponse,
} from "../../worker/translate/anthropic-to-chat.ts";
import { parseChatRequest } from "../../worker/translate/chat.ts";
import {
  collectCompletion,
  type StreamItem,
  type StreamTranslator,
  serializeItem,
  translateSse,
  translateSseText,
} from "../../worker/translate/chat-stream.ts";
import { chatToAnthropicRequest } from "../../worker/translate/chat-to-anthropic.ts";
import { chatToGeminiRequest, geminiModelName } from "../../worker/translate/chat-to-gemini.ts";
import { chatToResponsesRequest } from "../../worker/translate/chat-to-responses.ts";
import { openaiErrorFrom } from "../../worker/translate/errors-to-openai.ts";
import * as anthropic from "../../worker/translate/fixtures/anthropic.ts";
import * as chat from "../../worker/translate/fixtures/chat.ts";
import * as gemini from "../../worker/translate/fixtures/gemini.ts";
import * as responses from "../../worker/translate/fixtures/responses.ts";
import {
  geminiChatStream,
  geminiToChatRequest,
  geminiToChatResponse,
} from "../../worker/translate/gemini-to-chat.ts";
import { responsesChatStream } from "../../worker/translate/responses-to-chat.ts";
import { sseEvents } from "../../worker/usage/sse.ts";
import { aroundFixture, asBody, cutsFor, mutatedStream, streamOf } from "./fuzz-mutate.ts";
import { admin, BASE, createConsoleAccount, createKey, freshKeyspace, upstreamUrl } from "./helpers.ts";

const { stop: _stop, ...withoutStop } = chat.toolRoundTrip;

/** Chat requests that reach every branch of the request translators (Responses refuses `stop`). */
const CHAT_SEEDS: Json[] = [
  chat.toolRoundTrip,
  withoutStop,
  {
    model: "gemini-2.5-pro",
    messages: [
      { role: "developer", content: [{ type: "text", text: "JSON only" }] },
      {
        role: "user",
        content: [
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
          { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
        ],
      },
      { role: "assistant", content: [{ type: "refusal", refusal: "no" }] },
      { role: "user", content: "again" },
    ],
    response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    reasoning_effort: "low",
    n: 2,
    seed: 7,
    presence_penalty: 0.5,
    stream: true,
    stream_options: { include_usage: true },
    tool_choice: { type: "function", function: { name: "get_weather" } },
  },
];

const MODELS = {
  claude: "claude-sonnet-4-5",
  gemini: "gemini-2.5-pro",
  responses: "gpt-5-codex",
} as const;
type Backend = keyof typeof MODELS;

const chatBodies = (backend: Backend) =>
  fc
    .tuple(fc.constantFrom(...CHAT_SEEDS), fc.boolean())
    .chain(([seed, keepModel]) =>
      aroundFixture(keepModel ? { ...seed, model: MODELS[backend] } : seed).map(asBody),
    );

/** The only exception a translator may throw at a client's request: its own 400, in OpenAI's shape, naming the field. */
function expectRefusal(thrown: unknown): void {
  expect(thrown, String(thrown)).toBeInstanceOf(RelayError);
  const error = thrown as RelayError;
  expect(error.status).toBe(400);
  const body = errorBody("openai", error) as { error: { message: string; type: string; code: string } };
  expect(body.error.type).toBe("invalid_request_error");
  expect(body.error.message).toMatch(/^[A-Za-z_][\w.[\]]*: ./);
  expect(["unsupported_parameter", "invalid_value"]).toContain(body.error.code);
}

function translateFor(backend: Backend, body: Json): string {
  const request = parseChatRequest(body);
  if (backend === "claude") return JSON.stringify(chatToAnthropicRequest(body, request));
  if (backend === "gemini") {
    geminiModelName(request.model);
    return JSON.stringify(chatToGeminiRequest(body, request));
  }
  return JSON.stringify(chatToResponsesRequest(body, request));
}

describe("request translators: translated or refused with their own 400", () => {
  for (const backend of Object.keys(MODELS) as Backend[]) {
    it(`chat → ${backend}`, () => {
      let translated = 0;
      fc.assert(
        fc.property(chatBodies(backend), (body) => {
          try {
            expect(typeof JSON.parse(translateFor(backend, body))).toBe("object");
            translated++;
          } catch (thrown) {
            expectRefusal(thrown);
          }
        }),
        { numRuns: 600 },
      );
      // The mutations stay close enough to the fixtures that many still translate.
      expect(translated).toBeGreaterThan(30);
    });
  }

  it("the way back (Anthropic → chat, Gemini → chat) never throws, and its output is translated or refused", () => {
    const back = fc.oneof(
      aroundFixture(chat.toolRoundTripAnthropic).map((value) => anthropicToChatRequest(asBody(value))),
      aroundFixture(chat.toolRoundTripGemini).map((value) =>
        geminiToChatRequest(asBody(value), "gemini-2.5-pro"),
      ),
    );
    fc.assert(
      fc.property(back, (body) => {
        for (const backend of Object.keys(MODELS) as Backend[]) {
          try {
            translateFor(backend, body);
          } catch (thrown) {
            expectRefusal(thrown);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

// ---- answers ----

function expectSaneUsage(usage: Record<string, unknown> | null | undefined): void {
  if (!usage) return;
  for (const key of ["prompt_tokens", "completion_tokens", "total_tokens"]) {
    const value = usage[key];
    expect(Number.isInteger(value) && (value as number) >= 0, `${key}=${String(value)}`).toBe(true);
  }
}

describe("answer translators never throw on an upstream's JSON", () => {
  it("Anthropic message → chat completion", () => {
    const seeds = fc.constantFrom<unknown>(anthropic.toolUseMessage, anthropic.maxTokensMessage);
    fc.assert(
      fc.property(seeds.chain(aroundFixture), (value) => {
        const completion = anthropicToChatResponse(asBody(value), "claude-sonnet-4-5");
        expect(completion.choices).toHaveLength(1);
        expectSaneUsage(completion.usage as unknown as Record<string, unknown>);
        JSON.stringify(completion);
      }),
      { numRuns: 500 },
    );
  });

  it("Gemini answer (public and Code Assist wrapping) → chat completion", () => {
    const seeds = fc.constantFrom<unknown>(
      gemini.functionCallResponse,
      gemini.safetyResponse,
      gemini.twoCandidatesResponse,
      { response: gemini.functionCallResponse },
    );
    fc.assert(
      fc.property(seeds.chain(aroundFixture), (value) => {
        const completion = geminiToChatResponse(asBody(value), "gemini-2.5-pro");
        expect(completion.choices.length).toBeGreaterThan(0);
        expectSaneUsage(completion.usage as unknown as Record<string, unknown>);
        JSON.stringify(completion);
      }),
      { numRuns: 500 },
    );
  });

  it("upstream error bodies → OpenAI's error shape", () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      aroundFixture({ type: "error", error: { type: "overloaded_error", message: "busy" } }).map((v) =>
        JSON.stringify(v),
      ),
      aroundFixture({ error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED" } }).map((v) =>
        JSON.stringify(v),
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), bodies, (status, text) => {
        const converted = openaiErrorFrom(status, text);
        if (converted) {
          expect(typeof converted.error.message).toBe("string");
          expect(typeof converted.error.type).toBe("string");
        } else {
          expect(typeof (JSON.parse(text) as { error: { message: string } }).error.message).toBe("string");
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---- streams ----

/** A recorded stream's text as its events. */
const eventsOf = (text: string) => text.split(/(?<=\n\n)/);

const STREAMS: Array<[string, () => StreamTranslator, string[]]> = [
  ["Anthropic", () => anthropicChatStream("claude-sonnet-4-5"), eventsOf(anthropic.toolUseStream)],
  [
    "Gemini",
    () => geminiChatStream("gemini-2.5-pro"),
    gemini.functionCallChunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`),
  ],
  [
    "Gemini (Code Assist)",
    () => geminiChatStream("gemini-2.5-pro"),
    gemini.functionCallChunks.map((c) => `data: ${JSON.stringify({ response: c })}\n\n`),
  ],
  ["Responses", () => responsesChatStream("gpt-5-codex"), eventsOf(responses.functionCallStream)],
  ["Responses (incomplete)", () => responsesChatStream("gpt-5-codex"), eventsOf(responses.incompleteStream)],
];

/** Exactly one end ([DONE] or an error), last; every item written as valid SSE JSON. */
function expectWellFormed(items: StreamItem[]): void {
  const ends = items.filter((item) => "done" in item || "error" in item);
  expect(ends).toHaveLength(1);
  expect(items.at(-1)).toBe(ends[0]);
  for (const item of items) {
    const text = serializeItem(item, true);
    for (const event of sseEvents(text)) {
      if (event.data === "[DONE]") continue;
      const value = JSON.parse(event.data) as { usage?: Record<string, unknown> | null };
      expectSaneUsage(value.usage);
    }
  }
  const folded = collectCompletion(items);
  if ("choices" in folded) expectSaneUsage(folded.usage as unknown as Record<string, unknown>);
  else expect(typeof folded.message).toBe("string");
}

/**
 * What a client sees, ids and times aside: a stream that lost its first event gets a random
 * completion id, and Gemini's calls random call ids.
 */
function normalized(text: string): unknown[] {
  return [...sseEvents(text)].map(({ data }) => {
    if (data === "[DONE]") return data;
    const { id: _id, created: _created, ...rest } = JSON.parse(data) as Record<string, unknown>;
    return JSON.parse(JSON.stringify(rest).replace(/"call_[0-9a-f]{24}"/g, '"call_*"'));
  });
}

describe("stream translators, event by event", () => {
  for (const [name, translator, events] of STREAMS) {
    it(`${name}: mutated streams never throw and end exactly once`, () => {
      const texts = fc.oneof(
        { weight: 8, arbitrary: mutatedStream(events) },
        { weight: 1, arbitrary: fc.constant(events.join("")) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
      );
      fc.assert(
        fc.property(texts, (text) => {
          expectWellFormed(translateSseText(text, translator()));
          chatUsageFromSse(text);
        }),
        { numRuns: 500 },
      );
    });

    it(`${name}: the same answer however the bytes are cut (UTF-8 split too)`, async () => {
      const encoder = new TextEncoder();
      const cases = fc
        .oneof(mutatedStream(events), fc.constant(events.join("")))
        .map((text) => encoder.encode(text))
        .chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length), fc.boolean()));
      await fc.assert(
        fc.asyncProperty(cases, async ([bytes, cuts, includeUsage]) => {
          const whole = translateSseText(new TextDecoder().decode(bytes), translator())
            .map((item) => serializeItem(item, includeUsage))
            .join("");
          const piecewise = await new Response(
            translateSse(streamOf(bytes, cuts), translator(), includeUsage),
          ).text();
          expect(normalized(piecewise)).toEqual(normalized(whole));
        }),
        { numRuns: 150 },
      );
    });
  }
});

// ---- through the route ----

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Below 500; refusals in OpenAI's error shape; streams end with [DONE] or an error event; no stack. */
async function expectCleanAnswer(response: Response, seen: Set<number>): Promise<void> {
  seen.add(response.status);
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBeLessThan(500);
  expect(text).not.toMatch(/\.ts:\d+|at [A-Za-z.]+ \(/);
  if (response.status >= 400) {
    const body = json(text) as { error?: { message?: unknown; type?: unknown } } | undefined;
    expect(typeof body?.error?.message, text.slice(0, 300)).toBe("string");
    expect(typeof body?.error?.type, text.slice(0, 300)).toBe("string");
    return;
  }
  if (response.headers.get("content-type")?.includes("text/event-stream")) {
    const last = [...sseEvents(text)].at(-1)?.data ?? "";
    expect(last === "[DONE]" || (json(last) as { error?: unknown })?.error !== undefined, last).toBe(true);
  } else {
    expect(Array.isArray((json(text) as { choices?: unknown })?.choices), text.slice(0, 300)).toBe(true);
  }
}

const routeBodies = (backend: Backend) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: chatBodies(backend).map((b) => JSON.stringify({ ...b, model: MODELS[backend] })),
    },
    { weight: 2, arbitrary: chatBodies(backend).map((b) => JSON.stringify(b)) },
    {
      weight: 1,
      arbitrary: fc
        .record({ messages: fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 3 }) })
        .map((b) => JSON.stringify({ ...b, model: MODELS[backend] })),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
  );

async function post(secret: string, body: string): Promise<Response> {
  return SELF.fetch(`${BASE}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body,
  });
}

describe("/v1/chat/completions with fuzzed bodies: never a 5xx from the relay", () => {
  let secret: string;
  beforeAll(async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    await admin(token, "POST", "/accounts/gemini-api", {
      name: "g",
      apiKey: `AIza-${crypto.randomUUID()}`,
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    await admin(token, "POST", "/accounts/openai-api", {
      name: "o",
      apiKey: `sk-proj-${crypto.randomUUID()}`,
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    secret = (await createKey(token)).secret;
  });

  for (const backend of ["claude", "gemini", "responses"] as const) {
    const label = backend === "responses" ? "gpt- (OpenAI API account, native chat)" : `${backend}-`;
    it(`${label} models`, async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(routeBodies(backend), async (body) =>
          expectCleanAnswer(await post(secret, body), seen),
        ),
        { numRuns: 60 },
      );
      // Both served and refused bodies were among them: the fuzz reached the upstream too.
      expect(seen.has(200), [...seen].join()).toBe(true);
      expect(
        [...seen].some((s) => s >= 400),
        [...seen].join(),
      ).toBe(true);
    }, 120_000);
  }
});

describe("/v1/chat/completions to a ChatGPT account (translated to Responses) with fuzzed bodies", () => {
  let secret: string;
  beforeAll(async () => {
    const token = await freshKeyspace();
    const created = await admin(token, "POST", "/accounts/openai-oauth/import", {
      name: "chatgpt",
      accessToken: "chatgpt-access-token",
      refreshToken: "rt-1",
      expiresAt: Date.now() + 3_600_000,
      chatgptAccountId: "acct-1",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(created.status).toBe(201);
    secret = (await createKey(token)).secret;
  });

  it("gpt- models", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(routeBodies("responses"), async (body) =>
        expectCleanAnswer(await post(secret, body), seen),
      ),
      { numRuns: 60 },
    );
    expect(seen.has(200), [...seen].join()).toBe(true);
    expect(
      [...seen].some((s) => s >= 400),
      [...seen].join(),
    ).toBe(true);
  }, 120_000);
});
