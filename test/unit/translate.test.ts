// The pure translators (worker/translate/) on recorded fixtures, both ways: chat requests to
// Anthropic, Gemini and Responses bodies and back; Anthropic, Gemini and Responses answers (JSON
// and streamed, tool calls included) to chat completions; refusals that name the field.
import { describe, expect, it } from "vitest";
import { RelayError } from "../../worker/http/errors.ts";
import type { Json } from "../../worker/http/json.ts";
import { chatUsageFromSse } from "../../worker/providers/openai/usage.ts";
import {
  anthropicChatStream,
  anthropicToChatRequest,
  anthropicToChatResponse,
} from "../../worker/translate/anthropic-to-chat.ts";
import { type ChatChunk, parseChatRequest } from "../../worker/translate/chat.ts";
import {
  CUT_OFF,
  collectCompletion,
  type StreamItem,
  serializeItem,
  translateSse,
  translateSseText,
} from "../../worker/translate/chat-stream.ts";
import {
  chatToAnthropicRequest,
  chatToAnthropicResponse,
  defaultMaxTokens,
} from "../../worker/translate/chat-to-anthropic.ts";
import { chatToGeminiRequest, geminiModelName } from "../../worker/translate/chat-to-gemini.ts";
import { chatToResponsesRequest, DEFAULT_INSTRUCTIONS } from "../../worker/translate/chat-to-responses.ts";
import { dropUsageChunk, withStreamUsage } from "../../worker/translate/chat-usage.ts";
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

const toAnthropic = (body: Json) => chatToAnthropicRequest(body, parseChatRequest(body));
const toGemini = (body: Json) => chatToGeminiRequest(body, parseChatRequest(body));
const toResponses = (body: Json) => chatToResponsesRequest(body, parseChatRequest(body));

function refusal(translate: () => unknown): RelayError {
  try {
    translate();
  } catch (error) {
    if (error instanceof RelayError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const chunks = (items: StreamItem[]): ChatChunk[] =>
  items.flatMap((item) => ("chunk" in item ? [item.chunk] : []));
const withoutCreated = <T extends { created?: number }>(value: T) => {
  const { created: _created, ...rest } = value;
  return rest;
};

async function streamThrough(
  text: string,
  pieceBytes: number,
  translate: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>,
) {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += pieceBytes) controller.enqueue(bytes.slice(i, i + pieceBytes));
      controller.close();
    },
  });
  return new Response(translate(body)).text();
}

describe("chat requests → Anthropic Messages and back", () => {
  it("translates system, image, tools, tool calls and results, caps and stop to the recorded body", () => {
    expect(toAnthropic(chat.toolRoundTrip)).toEqual(chat.toolRoundTripAnthropic);
  });

  it("translates the Anthropic body back to a chat request that translates to the same body", () => {
    const back = anthropicToChatRequest(chat.toolRoundTripAnthropic);
    expect(back).toMatchObject({
      max_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["\n\nHuman:"],
      tool_choice: "auto",
      parallel_tool_calls: false,
      user: "user-42",
    });
    const messages = back.messages as Json[];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "tool", "user"]);
    expect(messages[2]?.tool_calls).toEqual(chat.toolRoundTrip.messages[2]?.tool_calls);
    expect(messages[3]).toEqual({ role: "tool", tool_call_id: "toolu_01A", content: "18°C, sunny" });
    expect(toAnthropic(back)).toEqual(chat.toolRoundTripAnthropic);
  });

  it("maps tool_choice, http image URLs, PDFs, developer messages and the default output cap", () => {
    const body = {
      model: "claude-opus-4-1",
      messages: [
        { role: "developer", content: "Be terse." },
        { role: "system", content: [{ type: "text", text: "Answer in French." }] },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } },
          ],
        },
      ],
      tools: [{ type: "function", function: { name: "f" } }],
      tool_choice: { type: "function", function: { name: "f" } },
    };
    const out = toAnthropic(body);
    expect(out.max_tokens).toBe(defaultMaxTokens("claude-opus-4-1"));
    expect(out.system).toEqual([
      { type: "text", text: "Be terse." },
      { type: "text", text: "Answer in French." },
    ]);
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } },
        ],
      },
    ]);
    expect(out.tools).toEqual([{ name: "f", input_schema: { type: "object", properties: {} } }]);
    expect(out.tool_choice).toEqual({ type: "tool", name: "f" });
    expect(toAnthropic({ ...body, tool_choice: "required" }).tool_choice).toEqual({ type: "any" });
    expect(toAnthropic({ ...body, tool_choice: "none" }).tool_choice).toEqual({ type: "none" });
    expect(defaultMaxTokens("claude-sonnet-4-5")).toBe(64_000);
    expect(defaultMaxTokens("claude-3-5-haiku-latest")).toBe(8192);
    expect(defaultMaxTokens("claude-opus-4-5")).toBe(64_000);
  });

  it("refuses what Claude cannot carry, naming the field", () => {
    const base = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };
    const cases: Array<[Json, RegExp]> = [
      [{ n: 2 }, /^n:/],
      [{ logprobs: true }, /^logprobs:/],
      [{ top_logprobs: 3 }, /^top_logprobs:/],
      [{ audio: { voice: "alloy", format: "mp3" }, modalities: ["text", "audio"] }, /^audio:/],
      [{ modalities: ["text", "audio"] }, /^modalities:/],
      [{ logit_bias: { "50256": -100 } }, /^logit_bias:/],
      [
        { response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } } },
        /^response_format:/,
      ],
      [{ response_format: { type: "json_object" } }, /^response_format:/],
      [{ reasoning_effort: "high" }, /^reasoning_effort:/],
      [{ presence_penalty: 0.5 }, /^presence_penalty:/],
      [{ temperature: 1.5 }, /^temperature:/],
      [{ functions: [{ name: "f" }] }, /^functions:/],
      [
        {
          messages: [
            { role: "user", content: [{ type: "input_audio", input_audio: { data: "AA", format: "wav" } }] },
          ],
        },
        /^messages\[0\]\.content\[0\]\.type:/,
      ],
      [
        {
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,AA" } }],
            },
          ],
        },
        /^messages\[0\]\.content\[0\]\.image_url\.url:/,
      ],
      [
        {
          messages: [
            { role: "user", content: "hi" },
            {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }],
            },
          ],
        },
        /^messages\[1\]\.tool_calls\[0\]\.function\.arguments: is not valid JSON/,
      ],
      [{ messages: [] }, /^messages:/],
      [{ tools: [{ type: "custom", custom: { name: "x" } }] }, /^tools\[0\]\.type:/],
    ];
    for (const [extra, field] of cases) {
      const error = refusal(() => toAnthropic({ ...base, ...extra }));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(field);
    }
    // Advisory fields with no Anthropic equivalent are not refusals.
    expect(() =>
      toAnthropic({ ...base, seed: 7, n: 1, logprobs: false, store: false, service_tier: "auto" }),
    ).not.toThrow();
  });
});

describe("chat requests → Gemini generateContent and back", () => {
  it("translates to the recorded body: inline image, function calls and responses with their ids", () => {
    expect(
      toGemini({
        ...chat.toolRoundTrip,
        model: "gemini-2.5-flash",
        user: undefined,
        parallel_tool_calls: undefined,
      }),
    ).toEqual(chat.toolRoundTripGemini);
  });

  it("translates the Gemini body back to a chat request that translates to the same body", () => {
    const back = geminiToChatRequest(chat.toolRoundTripGemini, "gemini-2.5-flash");
    const messages = back.messages as Json[];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "tool", "user"]);
    expect(messages[2]?.tool_calls).toEqual(chat.toolRoundTrip.messages[2]?.tool_calls);
    expect(toGemini(back)).toEqual(chat.toolRoundTripGemini);
  });

  it("matches function responses to calls by name when the upstream gave no ids", () => {
    const back = geminiToChatRequest(
      {
        contents: [
          { role: "user", parts: [{ text: "hi" }] },
          { role: "model", parts: [{ functionCall: { name: "a", args: {} } }] },
          { role: "user", parts: [{ functionResponse: { name: "a", response: { temp: 3 } } }] },
        ],
      },
      "gemini-2.5-pro",
    );
    const [, assistant, tool] = back.messages as Json[];
    const id = ((assistant?.tool_calls ?? []) as Array<{ id: string }>)[0]?.id;
    expect(id).toMatch(/^call_/);
    expect(tool).toEqual({ role: "tool", tool_call_id: id, content: '{"temp":3}' });
  });

  it("maps n, penalties, seed, JSON output, reasoning effort and tool_choice", () => {
    const out = toGemini({
      model: "gemini-2.5-pro",
      messages: [{ role: "user", content: "Two colours as JSON" }],
      n: 2,
      seed: 11,
      presence_penalty: 0.4,
      frequency_penalty: -0.2,
      reasoning_effort: "low",
      response_format: { type: "json_schema", json_schema: { name: "c", schema: { type: "array" } } },
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "f" } },
    });
    expect(out.generationConfig).toEqual({
      candidateCount: 2,
      seed: 11,
      presencePenalty: 0.4,
      frequencyPenalty: -0.2,
      responseMimeType: "application/json",
      responseJsonSchema: { type: "array" },
      thinkingConfig: { thinkingBudget: 1024 },
    });
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } });
  });

  it("refuses what Gemini cannot carry, naming the field", () => {
    const base = { model: "gemini-2.5-pro", messages: [{ role: "user", content: "hi" }] };
    const url = refusal(() =>
      toGemini({
        ...base,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
            ],
          },
        ],
      }),
    );
    expect(url.status).toBe(400);
    expect(url.message).toMatch(
      /^messages\[0\]\.content\[1\]\.image_url\.url: Gemini does not fetch image URLs/,
    );
    const orphan = refusal(() =>
      toGemini({
        ...base,
        messages: [
          { role: "user", content: "x" },
          { role: "tool", tool_call_id: "nope", content: "1" },
        ],
      }),
    );
    expect(orphan.message).toMatch(/^messages\[1\]\.tool_call_id:/);
    expect(refusal(() => toGemini({ ...base, logprobs: true })).message).toMatch(/^logprobs:/);
    expect(refusal(() => toGemini({ ...base, reasoning_effort: "extreme" })).message).toMatch(
      /^reasoning_effort:/,
    );
    expect(() => geminiModelName("gemini-2.5-pro:streamGenerateContent?x")).toThrow(RelayError);
    // Files Gemini already holds are referenced, not refused.
    const stored = toGemini({
      ...base,
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "gs://bucket/cat.png" } }] },
      ],
    });
    expect(stored.contents).toEqual([
      { role: "user", parts: [{ fileData: { mimeType: "image/png", fileUri: "gs://bucket/cat.png" } }] },
    ]);
  });
});

describe("chat requests → Responses (ChatGPT accounts)", () => {
  it("translates to the recorded body: instructions, input items with call ids, function tools", () => {
    const { stop: _stop, user: _user, ...request } = chat.toolRoundTrip;
    expect(toResponses({ ...request, model: "gpt-5-codex" })).toEqual(chat.toolRoundTripResponses);
  });

  it("gives the Codex backend its required instructions, and refuses what Responses cannot carry", () => {
    const base = { model: "gpt-5", messages: [{ role: "user", content: "hi" }] };
    expect(toResponses(base).instructions).toBe(DEFAULT_INSTRUCTIONS);
    expect(toResponses({ ...base, reasoning_effort: "high" }).reasoning).toEqual({ effort: "high" });
    expect(toResponses({ ...base, response_format: { type: "json_object" } }).text).toEqual({
      format: { type: "json_object" },
    });
    expect(refusal(() => toResponses({ ...base, stop: "END" })).message).toMatch(/^stop:/);
    expect(refusal(() => toResponses({ ...base, n: 3 })).message).toMatch(/^n:/);
    expect(refusal(() => toResponses({ ...base, frequency_penalty: 1 })).message).toMatch(
      /^frequency_penalty:/,
    );
  });
});

describe("Anthropic answers → chat completions", () => {
  it("translates a tool_use message, its stop reason and its usage (cache reads inside prompt_tokens)", () => {
    expect(withoutCreated(anthropicToChatResponse(anthropic.toolUseMessage, "claude-sonnet-4-5"))).toEqual(
      anthropic.toolUseCompletion,
    );
    const cut = anthropicToChatResponse(anthropic.maxTokensMessage, "claude-haiku-4-5");
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.choices[0]?.message.content).toBe("Once upon a");
  });

  it("translates the other way too: a chat completion as an Anthropic message", () => {
    const back = chatToAnthropicResponse({ ...anthropic.toolUseCompletion, created: 0 });
    expect(back).toMatchObject({
      content: anthropic.toolUseMessage.content,
      stop_reason: "tool_use",
      usage: { output_tokens: 89, cache_read_input_tokens: 128 },
    });
  });

  it("translates the stream event by event: role, text, tool call id and name, argument pieces, finish, usage", () => {
    const items = translateSseText(anthropic.toolUseStream, anthropicChatStream("claude-sonnet-4-5"));
    const list = chunks(items);
    expect(list[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(
      list.every((c) => c.id === "chatcmpl-msg_01Aq9w938a90dw8q" && c.object === "chat.completion.chunk"),
    ).toBe(true);
    const calls = list.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls[0]).toEqual({
      index: 0,
      id: "toolu_01A09q90qw90lq917835lq9",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(calls.slice(1).map((c) => c.function.arguments)).toEqual([
      '{"location": "Par',
      'is", "unit": "celsius"}',
    ]);
    expect(items.at(-1)).toEqual({ done: true });
    expect(withoutCreated(collectCompletion(items) as { created: number })).toEqual(
      anthropic.toolUseStreamCompletion,
    );
  });

  it("writes OpenAI's wire format: the usage chunk and usage:null only with include_usage, then [DONE]", () => {
    const items = translateSseText(anthropic.toolUseStream, anthropicChatStream("claude-sonnet-4-5"));
    const plain = items.map((item) => serializeItem(item, false)).join("");
    const withUsage = items.map((item) => serializeItem(item, true)).join("");
    expect(plain.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(plain).not.toContain('"usage"');
    const events = withUsage.trim().split("\n\n");
    expect(events.at(-1)).toBe("data: [DONE]");
    const last = JSON.parse(events.at(-2)?.slice(6) ?? "{}") as ChatChunk;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(anthropic.toolUseCompletion.usage);
    expect(events.slice(0, -2).every((e) => e.includes('"usage":null'))).toBe(true);
  });

  it("gives the same output however the bytes are split, with \\n or \\r\\n line ends", async () => {
    const expected = translateSseText(anthropic.toolUseStream, anthropicChatStream("m"))
      .map((item) => serializeItem(item, true))
      .join("");
    const normalize = (text: string) => text.replace(/"created":\d+/g, '"created":0');
    const accented = anthropic.toolUseStream.replace(" in Paris.", " à Paris ☀ 東京.");
    const accentedExpected = translateSseText(accented, anthropicChatStream("m"))
      .map((item) => serializeItem(item, true))
      .join("");
    const split = await streamThrough(accented, 1, (body) =>
      translateSse(body, anthropicChatStream("m"), true),
    );
    expect(normalize(split)).toBe(normalize(accentedExpected));
    expect(split).toContain("à Paris ☀ 東京.");
    for (const [text, size] of [
      [anthropic.toolUseStream, 1],
      [anthropic.toolUseStream, 7],
      [anthropic.toolUseStream.replaceAll("\n", "\r\n"), 5],
    ] as const) {
      const out = await streamThrough(text, size, (body) =>
        translateSse(body, anthropicChatStream("m"), true),
      );
      expect(normalize(out)).toBe(normalize(expected));
    }
  });

  it("ends a broken stream with an OpenAI error chunk: the upstream's error event, or a cut-off", () => {
    const head = anthropic.toolUseStream.split("event: content_block_stop")[0] ?? "";
    const broken = `${head}event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`;
    expect(translateSseText(broken, anthropicChatStream("m")).at(-1)).toEqual({
      error: { message: "Overloaded", type: "overloaded_error", code: null },
    });
    expect(translateSseText(head, anthropicChatStream("m")).at(-1)).toEqual({
      error: { message: CUT_OFF, type: "server_error", code: null },
    });
  });
});

describe("Gemini answers → chat completions", () => {
  it("translates a function call (its id kept), finish reason and usage; thoughts left out", () => {
    const completion = geminiToChatResponse(gemini.functionCallResponse, "gemini-2.5-flash");
    expect(completion.id).toBe("chatcmpl-gZ7sZ-abc123");
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "Let me look that up.",
        refusal: null,
        tool_calls: [
          {
            id: "fc-7",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris","unit":"celsius"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
    expect(completion.usage).toEqual(gemini.functionCallUsage);
  });

  it("translates the stream, Code Assist's wrapped chunks alike, giving calls without an id one", () => {
    const wrapped = gemini.functionCallChunks
      .map((c) => `data: ${JSON.stringify({ response: c })}\r\n\r\n`)
      .join("");
    for (const text of [gemini.functionCallStream, wrapped]) {
      const items = translateSseText(text, geminiChatStream("gemini-2.5-flash"));
      const completion = collectCompletion(items);
      if (!("choices" in completion)) throw new Error(completion.message);
      expect(completion.choices[0]?.message.content).toBe("Let me look that up.");
      expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({
        id: expect.stringMatching(/^call_/),
        function: { name: "get_weather", arguments: '{"location":"Paris","unit":"celsius"}' },
      });
      expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
      expect(completion.usage).toEqual(gemini.functionCallUsage);
      expect(items.at(-1)).toEqual({ done: true });
    }
  });

  it("maps SAFETY to content_filter, MAX_TOKENS to length, and candidates to choices", () => {
    expect(geminiToChatResponse(gemini.safetyResponse, "m").choices[0]?.finish_reason).toBe("content_filter");
    const two = geminiToChatResponse(gemini.twoCandidatesResponse, "m");
    expect(two.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "Red", "length"],
      [1, "Blue", "length"],
    ]);
  });

  it("ends a broken stream with an error chunk", () => {
    const first = gemini.functionCallStream.split("\r\n\r\n")[0] ?? "";
    expect(translateSseText(`${first}\r\n\r\n`, geminiChatStream("m")).at(-1)).toEqual({
      error: { message: CUT_OFF, type: "server_error", code: null },
    });
    const failed = `${first}\r\n\r\n\n\ndata: {"error":{"code":502,"message":"lost","status":"UNAVAILABLE"}}\n\n`;
    expect(translateSseText(failed, geminiChatStream("m")).at(-1)).toMatchObject({
      error: { message: "lost" },
    });
  });
});

describe("Responses streams (ChatGPT accounts) → chat completions", () => {
  it("translates a function call with its call id, argument pieces, finish and usage", () => {
    const items = translateSseText(responses.functionCallStream, responsesChatStream("gpt-5-codex"));
    const completion = collectCompletion(items);
    if (!("choices" in completion)) throw new Error(completion.message);
    expect(completion.id).toBe("chatcmpl-resp_68b5f1");
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: "call_Wx1",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
    expect(completion.usage).toEqual(responses.functionCallUsage);
  });

  it("maps an incomplete response to length", () => {
    const completion = collectCompletion(
      translateSseText(responses.incompleteStream, responsesChatStream("m")),
    );
    if (!("choices" in completion)) throw new Error(completion.message);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.choices[0]?.message.content).toBe("Once upon");
  });
});

describe("upstream errors in OpenAI's shape", () => {
  it("converts Anthropic's and Google's errors, keeps OpenAI's own, wraps anything else", () => {
    expect(
      openaiErrorFrom(
        429,
        JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "slow down" } }),
      ),
    ).toEqual({
      error: { message: "slow down", type: "rate_limit_error", param: null, code: "rate_limit_error" },
    });
    expect(
      openaiErrorFrom(
        400,
        JSON.stringify({ error: { code: 400, message: "bad", status: "INVALID_ARGUMENT" } }),
      ),
    ).toEqual({
      error: { message: "bad", type: "invalid_request_error", param: null, code: "INVALID_ARGUMENT" },
    });
    expect(
      openaiErrorFrom(
        400,
        JSON.stringify({ error: { message: "x", type: "invalid_request_error", code: null } }),
      ),
    ).toBeUndefined();
    expect(openaiErrorFrom(502, "<html>bad gateway</html>")?.error).toMatchObject({
      message: "Upstream error 502",
      type: "server_error",
    });
  });
});

describe("Chat Completions as the upstream protocol (OpenAI API-key accounts)", () => {
  const stream = [
    {
      id: "c",
      object: "chat.completion.chunk",
      model: "gpt-5",
      choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }],
      usage: null,
    },
    {
      id: "c",
      object: "chat.completion.chunk",
      model: "gpt-5",
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      usage: null,
    },
    {
      id: "c",
      object: "chat.completion.chunk",
      model: "gpt-5",
      choices: [],
      usage: {
        prompt_tokens: 20,
        completion_tokens: 5,
        total_tokens: 25,
        prompt_tokens_details: { cached_tokens: 8 },
      },
    },
  ]
    .map((c) => `data: ${JSON.stringify(c)}\n\n`)
    .join("")
    .concat("data: [DONE]\n\n");

  it("meters the usage chunk (cached tokens apart from input)", () => {
    expect(chatUsageFromSse(stream)).toMatchObject({
      model: "gpt-5",
      complete: true,
      usage: { input_tokens: 12, cache_read_input_tokens: 8, output_tokens: 5 },
    });
  });

  it("asks for the usage chunk and takes it out again, every other byte unchanged", async () => {
    expect(JSON.parse(withStreamUsage({ model: "gpt-5", stream_options: { x: 1 } }))).toEqual({
      model: "gpt-5",
      stream_options: { x: 1, include_usage: true },
    });
    for (const size of [3, 1000]) {
      const out = await streamThrough(stream, size, (body) => body.pipeThrough(dropUsageChunk()));
      const events = stream.split("\n\n");
      expect(out).toBe(`${[events[0], events[1], events[3]].join("\n\n")}\n\n`);
    }
  });
});
