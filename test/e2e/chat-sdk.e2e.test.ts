// The openai SDK through the running stack's chat routes, as an OpenAI-only tool meets them: Claude
// Console, Gemini API and OpenAI API accounts on the fake upstream's `tools` scenario, each reached
// by model name on the unified route (/api/v1) and on /v1, JSON and streamed, and a tool-call round
// trip (tool_calls out, a `role: "tool"` result back, the final text carrying it). The key's
// recorded usage equals what the fake sent, whatever protocol it spoke.
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources";
import type { Stream } from "openai/streaming";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { expectMetered } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;

const WEATHER: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, days: { type: "integer" }, note: { type: "string" } },
      required: ["city", "days"],
    },
  },
};
/** What the fake's tools scenario fills the required fields with. */
const ARGS = { city: "fake city", days: 42 };
const RESULT = "18 degrees and sunny";
const QUESTION: ChatCompletionMessageParam[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "What is the weather in Lisbon?" },
];

/** Unified route for JSON, the bare /v1 route for streams: both pick the backend from the model. */
const client = (path: "/api/v1" | "/v1") =>
  new OpenAI({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}${path}`, maxRetries: 0 });

interface Assembled {
  text: string;
  finishReason: string | null;
  calls: Array<{ id: string; name: string; arguments: string }>;
  usage: ChatCompletionChunk["usage"];
}

/** Reads a chat stream the way clients do: text concatenated, tool calls assembled by index. */
async function assemble(stream: Stream<ChatCompletionChunk>): Promise<Assembled> {
  const out: Assembled = { text: "", finishReason: null, calls: [], usage: undefined };
  for await (const chunk of stream) {
    if (chunk.usage) out.usage = chunk.usage;
    for (const choice of chunk.choices) {
      out.text += choice.delta.content ?? "";
      for (const call of choice.delta.tool_calls ?? []) {
        out.calls[call.index] ??= { id: "", name: "", arguments: "" };
        const slot = out.calls[call.index];
        if (!slot) continue;
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason) out.finishReason = choice.finish_reason;
    }
  }
  return out;
}

/** The assistant turn that made the call, then the tool's result for it. */
function answered(call: { id: string; name: string; arguments: string }): ChatCompletionMessageParam[] {
  return [
    ...QUESTION,
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } },
      ],
    },
    { role: "tool", tool_call_id: call.id, content: RESULT },
  ];
}

beforeAll(async () => {
  e2e = await startRelaySession();
  const baseUrl = `${e2e.upstream.url}/s/tools`;
  for (const [type, name, key] of [
    ["claude-console", "claude-tools", "sk-ant-sdk"],
    ["gemini-api", "gemini-tools", "AIza-sdk"],
    ["openai-api", "openai-tools", "sk-proj-sdk"],
  ] as const) {
    await adminCall(e2e.stack, e2e.token, "POST", `/accounts/${type}`, { name, apiKey: key, baseUrl });
  }
  ({ id: keyId, secret } = await apiKey(e2e.stack, e2e.token, "chat-sdk-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

const backends = [
  { model: "claude-sonnet-4-5", protocol: "anthropic" },
  { model: "gemini-2.5-flash", protocol: "gemini" },
  { model: "gpt-5", protocol: "openai-chat" },
] as const;

/** The protocols the fake answered in since its `since`-th usage record. */
const protocolsSince = (since: number) =>
  e2e.upstream
    .stats()
    .usageSent.slice(since)
    .map((u) => u.protocol);

describe.each(backends)("openai SDK → relay → $model", ({ model, protocol }) => {
  it("chat.completions.create, JSON on /api/v1 and a stream with include_usage on /v1", async () => {
    await expectMetered(e2e, keyId, 2, async (since) => {
      const completion = await client("/api/v1").chat.completions.create({ model, messages: QUESTION });
      expect(completion.object).toBe("chat.completion");
      expect(completion.choices[0]?.message.content).toBe("Hello from fake upstream");
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);

      const stream = await client("/v1").chat.completions.create({
        model,
        messages: QUESTION,
        stream: true,
        stream_options: { include_usage: true },
      });
      const streamed = await assemble(stream);
      expect(streamed.text).toBe("Hello from fake upstream");
      expect(streamed.finishReason).toBe("stop");
      expect(streamed.calls).toEqual([]);
      expect(streamed.usage?.completion_tokens).toBeGreaterThan(0);
      expect(protocolsSince(since)).toEqual([protocol, protocol]);
    });
  });

  it("a tool-call round trip, JSON: tool_calls out, the role:tool result back, the final text carries it", async () => {
    await expectMetered(e2e, keyId, 2, async (since) => {
      const first = await client("/api/v1").chat.completions.create({
        model,
        messages: QUESTION,
        tools: [WEATHER],
      });
      const choice = first.choices[0];
      expect(choice?.finish_reason).toBe("tool_calls");
      const call = choice?.message.tool_calls?.[0];
      if (call?.type !== "function")
        throw new Error(`expected a function call, got ${JSON.stringify(choice)}`);
      expect(choice?.message.tool_calls).toHaveLength(1);
      expect(call.id).not.toBe("");
      expect(call.function.name).toBe("get_weather");
      expect(JSON.parse(call.function.arguments)).toEqual(ARGS);
      expect(first.usage?.completion_tokens).toBeGreaterThan(0);

      const final = await client("/api/v1").chat.completions.create({
        model,
        messages: answered({ id: call.id, name: call.function.name, arguments: call.function.arguments }),
        tools: [WEATHER],
      });
      expect(final.choices[0]?.finish_reason).toBe("stop");
      expect(final.choices[0]?.message.content).toBe(`Tool said: ${RESULT}`);
      expect(protocolsSince(since)).toEqual([protocol, protocol]);
    });
  });

  it("a tool-call round trip, streamed: the call's arguments assembled from pieces, then the final text", async () => {
    await expectMetered(e2e, keyId, 2, async () => {
      const options = { stream: true, stream_options: { include_usage: true } } as const;
      const first = await assemble(
        await client("/v1").chat.completions.create({
          model,
          messages: QUESTION,
          tools: [WEATHER],
          ...options,
        }),
      );
      expect(first.finishReason).toBe("tool_calls");
      expect(first.text).toBe("");
      expect(first.calls).toHaveLength(1);
      const [call] = first.calls;
      if (!call) throw new Error("no tool call streamed");
      expect(call.id).not.toBe("");
      expect(call.name).toBe("get_weather");
      expect(JSON.parse(call.arguments)).toEqual(ARGS);
      expect(first.usage?.completion_tokens).toBeGreaterThan(0);

      const final = await assemble(
        await client("/v1").chat.completions.create({
          model,
          messages: answered(call),
          tools: [WEATHER],
          ...options,
        }),
      );
      expect(final.finishReason).toBe("stop");
      expect(final.text).toBe(`Tool said: ${RESULT}`);
      expect(final.calls).toEqual([]);
    });
  });
});

describe.each(backends)("tool_choice and parallel results, $model", ({ model }) => {
  it("tool_choice none reaches the upstream as its own 'no tools' setting: plain text comes back", async () => {
    await expectMetered(e2e, keyId, 1, async () => {
      const completion = await client("/api/v1").chat.completions.create({
        model,
        messages: QUESTION,
        tools: [WEATHER],
        tool_choice: "none",
      });
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      expect(completion.choices[0]?.message.content).toBe("Hello from fake upstream");
    });
  });

  it("two role:tool results (one as content parts) come back in order in the final text", async () => {
    const calls = [
      {
        id: "call_lisbon",
        type: "function" as const,
        function: { name: "get_weather", arguments: '{"city":"Lisbon"}' },
      },
      {
        id: "call_porto",
        type: "function" as const,
        function: { name: "get_weather", arguments: '{"city":"Porto"}' },
      },
    ];
    const messages: ChatCompletionMessageParam[] = [
      ...QUESTION,
      { role: "assistant", content: null, tool_calls: calls },
      { role: "tool", tool_call_id: "call_lisbon", content: "18 degrees" },
      { role: "tool", tool_call_id: "call_porto", content: [{ type: "text", text: "15 degrees" }] },
    ];
    await expectMetered(e2e, keyId, 1, async () => {
      const final = await client("/api/v1").chat.completions.create({ model, messages, tools: [WEATHER] });
      expect(final.choices[0]?.message.content).toBe("Tool said: 18 degrees Tool said: 15 degrees");
    });
  });
});

describe("what reached the upstream in its own protocol", () => {
  it("the tool result went to each backend as its native tool-result shape, paired with the call", async () => {
    const expected = {
      "claude-sonnet-4-5": (body: unknown) =>
        expect(body).toMatchObject({
          tools: [{ name: "get_weather", input_schema: WEATHER.function.parameters }],
          messages: expect.arrayContaining([
            expect.objectContaining({
              role: "user",
              content: [
                expect.objectContaining({
                  type: "tool_result",
                  tool_use_id: expect.stringMatching(/^toolu_/),
                }),
              ],
            }),
          ]),
        }),
      "gemini-2.5-flash": (body: unknown) =>
        expect(body).toMatchObject({
          contents: expect.arrayContaining([
            expect.objectContaining({
              parts: [
                expect.objectContaining({
                  functionResponse: expect.objectContaining({ name: "get_weather" }),
                }),
              ],
            }),
          ]),
        }),
      "gpt-5": (body: unknown) =>
        expect(body).toMatchObject({
          messages: expect.arrayContaining([
            { role: "tool", tool_call_id: expect.stringMatching(/^call_/), content: RESULT },
          ]),
        }),
    };
    for (const { model } of backends) {
      const first = await client("/api/v1").chat.completions.create({
        model,
        messages: QUESTION,
        tools: [WEATHER],
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      if (call?.type !== "function") throw new Error("expected a function call");
      await client("/api/v1").chat.completions.create({
        model,
        messages: answered({ id: call.id, name: call.function.name, arguments: call.function.arguments }),
        tools: [WEATHER],
      });
      expected[model](e2e.upstream.stats().lastRequest?.body);
    }
  });
});
