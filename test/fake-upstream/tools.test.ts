import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeUpstream, parseScenario, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import {
  anthropicTurn,
  argumentPieces,
  argumentsFor,
  chatTurn,
  geminiTurn,
  responsesTurn,
} from "../../dev/fake-upstream/tools.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const SCHEMA = {
  type: "object",
  properties: {
    city: { type: "string" },
    days: { type: "integer" },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    note: { type: "string" },
  },
  required: ["city", "days", "unit"],
};
const ARGS = { city: "fake city", days: 42, unit: "celsius" };
const ARGS_TOKENS = Math.ceil((JSON.stringify("get_weather").length + JSON.stringify(ARGS).length) / 4);

describe("tool turns, as pure functions", () => {
  it("fills required fields by type and leaves optional ones out", () => {
    expect(argumentsFor(SCHEMA)).toEqual(ARGS);
    const nested = {
      type: "OBJECT",
      properties: { where: { type: "OBJECT", properties: { lat: { type: "NUMBER" } }, required: ["lat"] } },
      required: ["where", "ok", "tags"],
    };
    expect(
      argumentsFor({
        ...nested,
        properties: { ...nested.properties, ok: { type: "BOOLEAN" }, tags: { type: "ARRAY" } },
      }),
    ).toEqual({
      where: { lat: 42 },
      ok: true,
      tags: [],
    });
    expect(argumentsFor(undefined)).toEqual({});
    expect(argumentsFor({ type: "object" })).toEqual({});
  });

  it("splits arguments into pieces that join back to the JSON", () => {
    const json = JSON.stringify(ARGS);
    const pieces = argumentPieces(json);
    expect(pieces).toHaveLength(3);
    expect(pieces.join("")).toBe(json);
    expect(argumentPieces("{}")).toEqual(["{", "}"]);
  });

  it("Anthropic: calls the first tool after a user turn, echoes tool_result, honours tool_choice none", () => {
    const tools = [
      { name: "get_weather", input_schema: SCHEMA },
      { name: "other", input_schema: {} },
    ];
    const user = { role: "user", content: "Weather?" };
    const call = anthropicTurn({ tools, messages: [user] });
    expect(call).toMatchObject({ kind: "call", call: { name: "get_weather", input: ARGS } });
    if (call?.kind !== "call") throw new Error("expected a call");
    expect(call.call.id).toMatch(/^toolu_/);
    expect(anthropicTurn({ tools, messages: [user], tool_choice: { type: "none" } })).toBeUndefined();
    expect(anthropicTurn({ messages: [user] })).toBeUndefined();
    const result = {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_1", content: "18 degrees" },
        { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "sunny" }] },
      ],
    };
    expect(anthropicTurn({ tools, messages: [user, result] })).toEqual({
      kind: "result",
      text: "Tool said: 18 degrees Tool said: sunny",
    });
    expect(anthropicTurn({ tools, messages: [user, { role: "assistant", content: "Hi" }] })).toBeUndefined();
  });

  it("Gemini: parametersJsonSchema or parameters, functionResponse echoed, mode NONE honoured", () => {
    const contents = [{ role: "user", parts: [{ text: "Weather?" }] }];
    const tools = [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: SCHEMA }] }];
    expect(geminiTurn({ contents, tools })).toMatchObject({
      kind: "call",
      call: { name: "get_weather", input: ARGS },
    });
    const legacy = [
      {
        functionDeclarations: [
          {
            name: "f",
            parameters: { type: "OBJECT", properties: { q: { type: "STRING" } }, required: ["q"] },
          },
        ],
      },
    ];
    expect(geminiTurn({ contents, tools: legacy })).toMatchObject({ call: { input: { q: "fake q" } } });
    const none = { functionCallingConfig: { mode: "NONE" } };
    expect(geminiTurn({ contents, tools, toolConfig: none })).toBeUndefined();
    const answered = [
      ...contents,
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: ARGS } }] },
      {
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { output: "18 degrees" } } }],
      },
    ];
    expect(geminiTurn({ contents: answered, tools })).toEqual({
      kind: "result",
      text: "Tool said: 18 degrees",
    });
    const structured = [{ role: "user", parts: [{ functionResponse: { name: "f", response: { t: 18 } } }] }];
    expect(geminiTurn({ contents: structured, tools })).toEqual({
      kind: "result",
      text: 'Tool said: {"t":18}',
    });
  });

  it("Chat: trailing tool messages echoed, tool_choice none honoured", () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: SCHEMA } }];
    const messages = [{ role: "user", content: "Weather?" }];
    const call = chatTurn({ tools, messages });
    expect(call).toMatchObject({
      kind: "call",
      call: { name: "get_weather", arguments: JSON.stringify(ARGS) },
    });
    if (call?.kind !== "call") throw new Error("expected a call");
    expect(call.call.id).toMatch(/^call_/);
    expect(chatTurn({ tools, messages, tool_choice: "none" })).toBeUndefined();
    const assistant = { role: "assistant", content: null, tool_calls: [{ id: "call_1" }, { id: "call_2" }] };
    const results = [
      { role: "tool", tool_call_id: "call_1", content: "18 degrees" },
      { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "sunny" }] },
    ];
    expect(chatTurn({ tools, messages: [...messages, assistant, ...results] })).toEqual({
      kind: "result",
      text: "Tool said: 18 degrees Tool said: sunny",
    });
  });

  it("Responses: string input or a user item, function_call_output echoed", () => {
    const tools = [{ type: "function", name: "get_weather", parameters: SCHEMA }];
    expect(responsesTurn({ input: "Weather?", tools })).toMatchObject({ call: { name: "get_weather" } });
    const input = [{ type: "message", role: "user", content: [{ type: "input_text", text: "Weather?" }] }];
    expect(responsesTurn({ input, tools })).toMatchObject({ kind: "call", call: { input: ARGS } });
    expect(responsesTurn({ input, tools, tool_choice: "none" })).toBeUndefined();
    const answered = [
      ...input,
      { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{}" },
      { type: "function_call_output", call_id: "call_1", output: "18 degrees" },
    ];
    expect(responsesTurn({ input: answered, tools })).toEqual({
      kind: "result",
      text: "Tool said: 18 degrees",
    });
  });

  it("is a scenario part", () => {
    expect(parseScenario("tools+cache-read")).toMatchObject({ tools: true, cacheRead: true });
    expect(parseScenario("ok")).toMatchObject({ tools: false });
  });
});

// ---- through the server ----

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

const lastUsage = () => {
  const record = upstream.stats().usageSent.at(-1);
  if (!record) throw new Error("no usage recorded");
  return record;
};

/** `data:` payloads of an SSE body ([DONE] left out). */
const sseData = (text: string): Array<Record<string, unknown>> =>
  text
    .split(/\r?\n\r?\n/)
    .flatMap((block) => block.split("\n").filter((line) => line.startsWith("data: ")))
    .map((line) => line.slice(6))
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data) as Record<string, unknown>);

describe("tool calls served under /s/tools", () => {
  const anthropicHeaders = { "x-api-key": "sk-ant", "anthropic-version": "2023-06-01" };
  const anthropicBody = {
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    tools: [{ name: "get_weather", input_schema: SCHEMA }],
    messages: [{ role: "user", content: "Weather?" }],
  };

  it("Anthropic: a tool_use block, JSON and streamed, with usage as recorded", async () => {
    const json = await post("/s/tools/v1/messages", anthropicBody, anthropicHeaders);
    expect(json.status).toBe(200);
    const message = (await json.json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      stop_reason: "tool_use",
      content: [{ type: "tool_use", name: "get_weather", input: ARGS, id: expect.stringMatching(/^toolu_/) }],
      usage: { output_tokens: ARGS_TOKENS },
    });
    expect(lastUsage()).toMatchObject({ output_tokens: ARGS_TOKENS, completed: true });

    const stream = await post("/s/tools/v1/messages", { ...anthropicBody, stream: true }, anthropicHeaders);
    const events = sseData(await stream.text());
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[1]).toMatchObject({ content_block: { type: "tool_use", name: "get_weather", input: {} } });
    const json2 = events
      .filter((e) => e.type === "content_block_delta")
      .map((e) => (e.delta as { type: string; partial_json: string }).partial_json)
      .join("");
    expect(JSON.parse(json2)).toEqual(ARGS);
    expect(events[6]).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { output_tokens: ARGS_TOKENS },
    });
    expect(lastUsage()).toMatchObject({ output_tokens: ARGS_TOKENS, completed: true, stream: true });
  });

  it("Anthropic: the tool result comes back as text; without the scenario tools get plain text", async () => {
    const messages = [
      ...anthropicBody.messages,
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: ARGS }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18 degrees" }] },
    ];
    const answer = await post("/s/tools/v1/messages", { ...anthropicBody, messages }, anthropicHeaders);
    expect(await answer.json()).toMatchObject({
      stop_reason: "end_turn",
      content: [{ type: "text", text: "Tool said: 18 degrees" }],
      usage: { output_tokens: 4 },
    });
    const plain = await post("/v1/messages", anthropicBody, anthropicHeaders);
    expect(await plain.json()).toMatchObject({
      content: [{ type: "text", text: "Hello from fake upstream" }],
    });
  });

  it("Gemini: a functionCall part, JSON and streamed (SSE and Code Assist)", async () => {
    const body = {
      contents: [{ role: "user", parts: [{ text: "Weather?" }] }],
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: SCHEMA }] }],
    };
    const headers = { "x-goog-api-key": "goog" };
    const json = await post("/s/tools/v1beta/models/gemini-2.5-flash:generateContent", body, headers);
    const answer = (await json.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({
      candidates: [
        {
          content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: ARGS } }] },
          finishReason: "STOP",
        },
      ],
      usageMetadata: { candidatesTokenCount: ARGS_TOKENS },
    });
    expect(lastUsage()).toMatchObject({ protocol: "gemini", output_tokens: ARGS_TOKENS, completed: true });

    const sse = await post(
      "/s/tools/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      body,
      headers,
    );
    const chunks = sseData(await sse.text());
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({
      candidates: [
        { content: { parts: [{ functionCall: { name: "get_weather", args: ARGS } }] }, finishReason: "STOP" },
      ],
    });

    const codeAssist = await post(
      "/s/tools/v1internal:streamGenerateContent?alt=sse",
      { model: "gemini-2.5-pro", project: "p", request: body },
      { authorization: "Bearer ya29" },
    );
    expect(sseData(await codeAssist.text())[0]).toMatchObject({
      response: { candidates: [{ content: { parts: [{ functionCall: { name: "get_weather" } }] } }] },
    });
    expect(lastUsage()).toMatchObject({ output_tokens: ARGS_TOKENS, completed: true, stream: true });
  });

  it("OpenAI chat: tool_calls, JSON and streamed in pieces, usage with include_usage", async () => {
    const body = {
      model: "gpt-5",
      messages: [{ role: "user", content: "Weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: SCHEMA } }],
    };
    const headers = { authorization: "Bearer sk-proj" };
    const json = await post("/s/tools/v1/chat/completions", body, headers);
    const completion = (await json.json()) as Record<string, unknown>;
    expect(completion).toMatchObject({
      choices: [
        {
          finish_reason: "tool_calls",
          message: {
            content: null,
            tool_calls: [
              { type: "function", function: { name: "get_weather", arguments: JSON.stringify(ARGS) } },
            ],
          },
        },
      ],
      usage: { completion_tokens: ARGS_TOKENS },
    });

    const streamBody = { ...body, stream: true, stream_options: { include_usage: true } };
    const stream = await post("/s/tools/v1/chat/completions", streamBody, headers);
    type Delta = {
      tool_calls?: Array<{ index: number; id?: string; function: { name?: string; arguments: string } }>;
    };
    const chunks = sseData(await stream.text()) as Array<{
      choices: Array<{ delta: Delta; finish_reason: string | null }>;
      usage?: { completion_tokens: number } | null;
    }>;
    const calls = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls[0]).toMatchObject({
      index: 0,
      id: expect.stringMatching(/^call_/),
      function: { name: "get_weather" },
    });
    expect(JSON.parse(calls.map((c) => c.function.arguments).join(""))).toEqual(ARGS);
    expect(calls.length).toBe(4);
    expect(chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual([
      "tool_calls",
    ]);
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: ARGS_TOKENS });
    expect(lastUsage()).toMatchObject({
      protocol: "openai-chat",
      output_tokens: ARGS_TOKENS,
      completed: true,
    });

    const messages = [
      ...body.messages,
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_1", content: "18 degrees" },
    ];
    const final = await post("/s/tools/v1/chat/completions", { ...body, messages }, headers);
    expect(await final.json()).toMatchObject({
      choices: [{ finish_reason: "stop", message: { content: "Tool said: 18 degrees" } }],
    });
  });

  it("OpenAI Responses: a function_call output item, JSON and streamed", async () => {
    const body = {
      model: "gpt-5",
      input: "Weather?",
      reasoning: { effort: "low" },
      tools: [{ type: "function", name: "get_weather", parameters: SCHEMA }],
    };
    const headers = { authorization: "Bearer sk-proj" };
    const json = await post("/s/tools/v1/responses", body, headers);
    expect(await json.json()).toMatchObject({
      status: "completed",
      output: [
        { type: "function_call", name: "get_weather", arguments: JSON.stringify(ARGS), status: "completed" },
      ],
      usage: { output_tokens: ARGS_TOKENS + 2, output_tokens_details: { reasoning_tokens: 2 } },
    });
    expect(lastUsage()).toMatchObject({ output_tokens: ARGS_TOKENS + 2, reasoning_tokens: 2 });

    const stream = await post("/s/tools/v1/responses", { ...body, stream: true }, headers);
    const events = sseData(await stream.text());
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    const deltas = events.filter((e) => e.type === "response.function_call_arguments.delta");
    expect(deltas).toHaveLength(3);
    expect(JSON.parse(deltas.map((e) => e.delta).join(""))).toEqual(ARGS);
    expect(events.find((e) => e.type === "response.function_call_arguments.done")).toMatchObject({
      arguments: JSON.stringify(ARGS),
    });
    expect(lastUsage()).toMatchObject({ output_tokens: ARGS_TOKENS + 2, completed: true, stream: true });
  });
});
