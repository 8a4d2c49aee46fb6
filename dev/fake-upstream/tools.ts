// Tool calls in every protocol the fake speaks, for accounts whose scenario has the `tools` part
// (real CLIs offer a dozen tools on every request and must keep getting plain text elsewhere).
// With tools offered and the user's turn last, the fake calls the first tool with arguments that
// satisfy its schema; with a tool's result last, it answers `Tool said: <result>` as text, so a test
// can see the result arrived. Pure functions: no I/O here.
import { randomBytes } from "node:crypto";
import * as anthropic from "./anthropic.ts";
import * as gemini from "./gemini.ts";
import type { ChatRequest, ChatUsage, ResponsesRequest, ResponsesUsage } from "./openai.ts";
import { isRecord, jsonTokens, type StreamChunk, sseEvent } from "./wire.ts";

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** `input` as JSON text: what OpenAI's formats carry, and what streams send in pieces. */
  arguments: string;
}

export type ToolTurn = { kind: "call"; call: ToolCall } | { kind: "result"; text: string };

/** The same shape as the server's reply payload. */
export type Payload =
  | { kind: "json"; body: unknown }
  | { kind: "stream"; contentType: string; chunks: StreamChunk[] };

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const records = (value: unknown): Record<string, unknown>[] => list(value).filter(isRecord);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A value of the schema's type: required properties only, the first enum value, `fake <name>` for strings. */
export function argumentsFor(schema: unknown, name = "value"): unknown {
  if (!isRecord(schema)) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const declared = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  // Gemini's OpenAPI-style schemas spell types in capitals.
  const type = typeof declared === "string" ? declared.toLowerCase() : "object";
  if (type === "string") return `fake ${name}`;
  if (type === "number" || type === "integer") return 42;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "null") return null;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = list(schema.required).filter((key): key is string => typeof key === "string");
  return Object.fromEntries(required.map((key) => [key, argumentsFor(properties[key], key)]));
}

export function makeCall(idPrefix: string, name: string, schema: unknown): ToolCall {
  const value = argumentsFor(schema);
  const input = isRecord(value) ? value : {};
  return {
    id: `${idPrefix}${randomBytes(8).toString("hex")}`,
    name,
    input,
    arguments: JSON.stringify(input),
  };
}

/** Output tokens of a call, like jsonTokens for the prompt. */
export const callTokens = (call: ToolCall): number => jsonTokens(call.name, call.input);

/** OpenAI usage computed for an empty text, plus the call's tokens as output (reasoning stays counted). */
export function withOutput<U extends ChatUsage | ResponsesUsage>(usage: U, call: ToolCall): U {
  const output = callTokens(call);
  const total = usage.total_tokens + output;
  return "completion_tokens" in usage
    ? { ...usage, completion_tokens: usage.completion_tokens + output, total_tokens: total }
    : { ...usage, output_tokens: usage.output_tokens + output, total_tokens: total };
}

/** The arguments in three pieces (fewer when short), so clients must assemble them. */
export function argumentPieces(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const pieces: string[] = [];
  for (let at = 0; at < json.length; at += size) pieces.push(json.slice(at, at + size));
  return pieces;
}

/** A tool result's content as text: a string, the text of content parts, or else its JSON. */
export function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return records(content)
      .map((part) => (typeof part.text === "string" ? part.text : ""))
      .join("");
  return JSON.stringify(content) ?? "";
}

const said = (results: string[]): ToolTurn => ({
  kind: "result",
  text: results.map((result) => `Tool said: ${result}`).join(" "),
});

/** The trailing items the predicate accepts (the results of one round of parallel calls). */
function trailing<T>(items: T[], accept: (item: T) => boolean): T[] {
  let start = items.length;
  while (start > 0 && accept(items[start - 1] as T)) start--;
  return items.slice(start);
}

// ---- Anthropic Messages ----

export function anthropicTurn(body: unknown): ToolTurn | undefined {
  if (!isRecord(body)) return undefined;
  const last = records(body.messages).at(-1);
  if (last?.role !== "user") return undefined;
  const results = records(last.content).filter((block) => block.type === "tool_result");
  if (results.length > 0) return said(results.map((block) => resultText(block.content)));
  if (isRecord(body.tool_choice) && body.tool_choice.type === "none") return undefined;
  const tool = records(body.tools).find((t) => typeof t.name === "string");
  return tool && { kind: "call", call: makeCall("toolu_", String(tool.name), tool.input_schema) };
}

export function anthropicReply(
  request: anthropic.MessagesRequest,
  call: ToolCall,
  cacheRead: boolean,
): { usage: anthropic.Usage; payload: Payload } {
  const id = anthropic.newMessageId();
  const usage = { ...anthropic.computeUsage(request, "", cacheRead), output_tokens: callTokens(call) };
  const block = { type: "tool_use", id: call.id, name: call.name };
  if (!request.stream) {
    const body = {
      id,
      type: "message",
      role: "assistant",
      model: request.model,
      content: [{ ...block, input: call.input }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: anthropic.wireUsage(usage, usage.output_tokens),
    };
    return { usage, payload: { kind: "json", body } };
  }
  const chunks: StreamChunk[] = [];
  const event = (type: string, data: Record<string, unknown>, words = 0) =>
    chunks.push({ wire: sseEvent({ type, ...data }, type), words, text: words > 0 });
  const message = { id, type: "message", role: "assistant", model: request.model, content: [] };
  event("message_start", {
    message: { ...message, stop_reason: null, stop_sequence: null, usage: anthropic.wireUsage(usage, 1) },
  });
  event("content_block_start", { index: 0, content_block: { ...block, input: {} } });
  argumentPieces(call.arguments).forEach((piece, i) => {
    const words = i === 0 ? usage.output_tokens : 0;
    event(
      "content_block_delta",
      { index: 0, delta: { type: "input_json_delta", partial_json: piece } },
      words,
    );
  });
  event("content_block_stop", { index: 0 });
  event("message_delta", {
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  event("message_stop", {});
  return { usage, payload: { kind: "stream", contentType: "text/event-stream", chunks } };
}

// ---- Gemini (the public API and Code Assist) ----

/** `body` is a GenerateContentRequest (for Code Assist, the inner `request`). */
export function geminiTurn(body: unknown): ToolTurn | undefined {
  if (!isRecord(body)) return undefined;
  const last = records(body.contents).at(-1);
  if (last !== undefined && last.role !== undefined && last.role !== "user") return undefined;
  const responses = records(last?.parts)
    .map((part) => part.functionResponse)
    .filter(isRecord);
  if (responses.length > 0) {
    return said(
      responses.map(({ response }) =>
        isRecord(response) && typeof response.output === "string" ? response.output : resultText(response),
      ),
    );
  }
  const calling = isRecord(body.toolConfig) ? body.toolConfig.functionCallingConfig : undefined;
  if (isRecord(calling) && calling.mode === "NONE") return undefined;
  const declaration = records(body.tools)
    .flatMap((tool) => records(tool.functionDeclarations))
    .find((d) => typeof d.name === "string");
  if (!declaration) return undefined;
  const schema = declaration.parametersJsonSchema ?? declaration.parameters;
  // Gemini's function calls usually carry no id; the client pairs results by name.
  return { kind: "call", call: makeCall("", String(declaration.name), schema) };
}

export function geminiReply(
  request: gemini.GenerateRequest,
  call: ToolCall,
  options: { cacheRead: boolean; codeAssist: boolean; stream: boolean; sse: boolean },
): { usage: gemini.UsageMetadata; payload: Payload } {
  const responseId = gemini.newResponseId();
  const base = gemini.computeUsage(request, "", options.cacheRead);
  const output = callTokens(call);
  const usage = { ...base, candidatesTokenCount: output, totalTokenCount: base.totalTokenCount + output };
  const part = { functionCall: { name: call.name, args: call.input } };
  const thoughts = gemini.thoughtParts(request);
  if (!options.stream) {
    const body = gemini.wrap(
      gemini.response(request, responseId, [...thoughts, part], usage),
      options.codeAssist,
    );
    return { usage, payload: { kind: "json", body } };
  }
  // Gemini streams a function call whole, in one chunk.
  const bodies = [{ body: gemini.response(request, responseId, [part], usage), words: output, text: true }];
  if (thoughts.length > 0) {
    const body = gemini.response(request, responseId, thoughts);
    bodies.unshift({ body, words: gemini.THOUGHT_TOKENS, text: false });
  }
  const chunks = gemini.wireChunks(bodies, options);
  return {
    usage,
    payload: { kind: "stream", contentType: options.sse ? "text/event-stream" : "application/json", chunks },
  };
}

// ---- OpenAI Chat Completions ----

export function chatTurn(body: unknown): ToolTurn | undefined {
  if (!isRecord(body)) return undefined;
  const messages = records(body.messages);
  const results = trailing(messages, (message) => message.role === "tool");
  if (results.length > 0) return said(results.map((message) => resultText(message.content)));
  if (messages.at(-1)?.role !== "user" || body.tool_choice === "none") return undefined;
  const tool = records(body.tools)
    .map((t) => t.function)
    .filter(isRecord)
    .find((f) => typeof f.name === "string");
  return tool && { kind: "call", call: makeCall("call_", String(tool.name), tool.parameters) };
}

export function chatJson(id: string, model: string, call: ToolCall, usage: ChatUsage): unknown {
  const toolCall = {
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  };
  return {
    id,
    object: "chat.completion",
    created: nowSeconds(),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: null, tool_calls: [toolCall] },
        finish_reason: "tool_calls",
      },
    ],
    usage,
  };
}

/** As openai.chatChunks, with the call's id and name first, then its arguments in pieces. */
export function chatChunks(
  id: string,
  request: ChatRequest,
  call: ToolCall,
  usage: ChatUsage,
): StreamChunk[] {
  const created = nowSeconds();
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sseEvent({
      id,
      object: "chat.completion.chunk",
      created,
      model: request.model,
      choices,
      ...(request.includeUsage ? { usage: null } : {}),
      ...extra,
    });
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta,
    finish_reason: finish,
  });
  const opening = { index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
  const chunks: StreamChunk[] = [
    {
      wire: chunk([choice({ role: "assistant", content: null, tool_calls: [opening] })]),
      words: 0,
      text: false,
    },
  ];
  argumentPieces(call.arguments).forEach((piece, i) => {
    const delta = { tool_calls: [{ index: 0, function: { arguments: piece } }] };
    chunks.push({ wire: chunk([choice(delta)]), words: i === 0 ? usage.completion_tokens : 0, text: true });
  });
  chunks.push({ wire: chunk([choice({}, "tool_calls")]), words: 0, text: false });
  if (request.includeUsage) chunks.push({ wire: chunk([], { usage }), words: 0, text: false });
  chunks.push({ wire: "data: [DONE]\n\n", words: 0, text: false });
  return chunks;
}

// ---- OpenAI Responses ----

export function responsesTurn(body: unknown): ToolTurn | undefined {
  if (!isRecord(body)) return undefined;
  const input =
    typeof body.input === "string" ? [{ role: "user", content: body.input }] : records(body.input);
  const results = trailing(input, (item) => item.type === "function_call_output");
  if (results.length > 0) return said(results.map((item) => resultText(item.output)));
  if (input.at(-1)?.role !== "user" || body.tool_choice === "none") return undefined;
  const tool = records(body.tools).find((t) => t.type === "function" && typeof t.name === "string");
  return tool && { kind: "call", call: makeCall("call_", String(tool.name), tool.parameters) };
}

function functionCallItem(itemId: string, call: ToolCall, done: boolean) {
  return {
    id: itemId,
    type: "function_call",
    status: done ? "completed" : "in_progress",
    arguments: done ? call.arguments : "",
    call_id: call.id,
    name: call.name,
  };
}

function responseObject(
  ids: { response: string },
  model: string,
  createdAt: number,
  done?: { item: unknown; usage: ResponsesUsage },
): Record<string, unknown> {
  return {
    id: ids.response,
    object: "response",
    created_at: createdAt,
    model,
    status: done ? "completed" : "in_progress",
    output: done ? [done.item] : [],
    usage: done?.usage ?? null,
    error: null,
    incomplete_details: null,
  };
}

/** `ids.message` names the function_call item. */
export function responsesReply(
  ids: { response: string; message: string },
  request: ResponsesRequest,
  call: ToolCall,
  usage: ResponsesUsage,
): Payload {
  const createdAt = nowSeconds();
  const itemId = ids.message.replace(/^msg_/, "fc_");
  const item = functionCallItem(itemId, call, true);
  const completed = responseObject(ids, request.model, createdAt, { item, usage });
  if (!request.stream) return { kind: "json", body: completed };
  const chunks: StreamChunk[] = [];
  const event = (type: string, body: Record<string, unknown>, words = 0) => {
    const data = { type, ...body, sequence_number: chunks.length };
    chunks.push({
      wire: sseEvent(data, type),
      words,
      text: type === "response.function_call_arguments.delta",
    });
  };
  const at = { item_id: itemId, output_index: 0 };
  event("response.created", { response: responseObject(ids, request.model, createdAt) });
  event("response.in_progress", { response: responseObject(ids, request.model, createdAt) });
  event("response.output_item.added", { output_index: 0, item: functionCallItem(itemId, call, false) });
  argumentPieces(call.arguments).forEach((delta, i) => {
    event("response.function_call_arguments.delta", { ...at, delta }, i === 0 ? usage.output_tokens : 0);
  });
  event("response.function_call_arguments.done", { ...at, arguments: call.arguments });
  event("response.output_item.done", { output_index: 0, item });
  event("response.completed", { response: completed });
  return { kind: "stream", contentType: "text/event-stream", chunks };
}
