// Property: a chat request translated to Anthropic Messages and back keeps everything both formats
// can say — message roles and text, tool definitions, tool calls (ids, names, arguments) and their
// results, tool_choice, max tokens, temperature, top_p, stop sequences. Same for Gemini, whose
// function calls and responses carry the ids too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "../../worker/http/json.ts";
import { anthropicToChatRequest } from "../../worker/translate/anthropic-to-chat.ts";
import { parseChatRequest } from "../../worker/translate/chat.ts";
import { chatToAnthropicRequest, defaultMaxTokens } from "../../worker/translate/chat-to-anthropic.ts";
import { chatToGeminiRequest } from "../../worker/translate/chat-to-gemini.ts";
import { geminiToChatRequest } from "../../worker/translate/gemini-to-chat.ts";

const text = fc.string({ minLength: 1, maxLength: 24 });
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);
const args = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });

const content = fc.oneof(
  text,
  fc.array(
    text.map((t) => ({ type: "text", text: t })),
    { minLength: 1, maxLength: 3 },
  ),
);

interface Exchange {
  user: unknown;
  reply?: { text: string; calls: Array<{ name: string; args: Json; result: unknown }> };
}

const exchange: fc.Arbitrary<Exchange> = fc.record(
  {
    user: content,
    reply: fc.record({
      text: fc.oneof(fc.constant(""), text),
      calls: fc.array(fc.record({ name, args, result: content }), { maxLength: 3 }),
    }),
  },
  { requiredKeys: ["user"] },
);

const tool = fc.record(
  {
    name,
    description: text,
    parameters: fc.constant({ type: "object", properties: { q: { type: "string" } }, required: ["q"] }),
  },
  { requiredKeys: ["name"] },
);

const chatRequest = fc
  .record(
    {
      system: text,
      exchanges: fc.array(exchange, { minLength: 1, maxLength: 5 }),
      tools: fc.array(tool, { minLength: 1, maxLength: 3 }),
      tool_choice: fc.oneof(
        fc.constantFrom("auto", "none", "required"),
        name.map((n) => ({ type: "function", function: { name: n } })),
      ),
      max: fc.integer({ min: 1, max: 100_000 }),
      maxField: fc.constantFrom("max_tokens", "max_completion_tokens"),
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      top_p: fc.double({ min: 0, max: 1, noNaN: true }),
      stop: fc.array(text, { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ["exchanges", "maxField"] },
  )
  .map((g) => {
    let next = 0;
    const messages: Json[] = [];
    if (g.system !== undefined) messages.push({ role: "system", content: g.system });
    for (const turn of g.exchanges) {
      messages.push({ role: "user", content: turn.user });
      if (!turn.reply) continue;
      const calls = turn.reply.calls.map((call) => ({ ...call, id: `call_${next++}` }));
      messages.push(
        calls.length === 0
          ? { role: "assistant", content: turn.reply.text }
          : {
              role: "assistant",
              content: turn.reply.text === "" ? null : turn.reply.text,
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: "function",
                function: { name: c.name, arguments: JSON.stringify(c.args) },
              })),
            },
      );
      for (const call of calls) messages.push({ role: "tool", tool_call_id: call.id, content: call.result });
    }
    const request: Json = { model: "claude-sonnet-4-5", messages };
    if (g.tools) request.tools = g.tools.map((t) => ({ type: "function", function: t }));
    if (g.tools && g.tool_choice !== undefined) request.tool_choice = g.tool_choice;
    if (g.max !== undefined) request[g.maxField] = g.max;
    if (g.temperature !== undefined) request.temperature = g.temperature;
    if (g.top_p !== undefined) request.top_p = g.top_p;
    if (g.stop) request.stop = g.stop;
    return request;
  });

const textOf = (value: unknown): string =>
  typeof value === "string"
    ? value
    : Array.isArray(value)
      ? value.map((p) => (p as { text?: string }).text ?? "").join("")
      : "";

/** What both formats can say, in one comparable shape. */
function expressible(request: Json) {
  const messages = (request.messages as Json[]).map((m) => ({
    role: m.role === "developer" ? "system" : m.role,
    text: textOf(m.content),
    calls: ((m.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>) ?? []).map(
      (c) => ({
        id: c.id,
        name: c.function.name,
        args: JSON.parse(c.function.arguments) as unknown,
      }),
    ),
    result: m.role === "tool" ? m.tool_call_id : undefined,
  }));
  const tools = ((request.tools as Array<{ function: Json }>) ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description,
    parameters: t.function.parameters ?? { type: "object", properties: {} },
  }));
  return {
    messages,
    tools,
    tool_choice: request.tool_choice,
    max: request.max_completion_tokens ?? request.max_tokens,
    temperature: request.temperature,
    top_p: request.top_p,
    stop: request.stop,
  };
}

describe("translation round trips (fast-check)", () => {
  it("chat → Anthropic → chat keeps messages, roles, tools, tool calls and results, caps, temperature, stop", () => {
    fc.assert(
      fc.property(chatRequest, (request) => {
        const anthropic = chatToAnthropicRequest(request, parseChatRequest(request));
        const back = anthropicToChatRequest(JSON.parse(JSON.stringify(anthropic)) as Json);
        const expected = expressible(request);
        expected.max ??= defaultMaxTokens("claude-sonnet-4-5");
        expect(expressible(back)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("chat → Gemini → chat keeps the same, tool call ids included", () => {
    fc.assert(
      fc.property(chatRequest, (request) => {
        const gemini = chatToGeminiRequest(request, parseChatRequest(request));
        const back = geminiToChatRequest(JSON.parse(JSON.stringify(gemini)) as Json, "claude-sonnet-4-5");
        expect(expressible(back)).toEqual(expressible(request));
      }),
      { numRuns: 300 },
    );
  });
});
