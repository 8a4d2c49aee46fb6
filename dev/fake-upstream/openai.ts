// OpenAI wire formats: the Responses API in the exact event sequence Codex accepted (see
// /work/shared/clients/fake-upstream-notes.md) and Chat Completions. Pure functions: no I/O here.
import { randomBytes } from "node:crypto";
import {
  cachedHalf,
  isRecord,
  jsonTokens,
  type NormalizedUsage,
  normalize,
  type StreamChunk,
  splitDeltas,
  sseEvent,
  wordCount,
} from "./wire.ts";

export interface ResponsesRequest {
  model: string;
  input: unknown;
  instructions?: unknown;
  reasoning: boolean;
  stream: boolean;
}

export interface ChatRequest {
  model: string;
  messages: unknown[];
  reasoning: boolean;
  stream: boolean;
  includeUsage: boolean;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Reasoning tokens reported when the request asks for reasoning (`reasoning` / `reasoning_effort`). */
export const REASONING_TOKENS = 2;

const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "permission_error", code: "permission_denied" },
  404: { type: "invalid_request_error", code: "not_found" },
  429: { type: "requests", code: "rate_limit_exceeded" },
  500: { type: "server_error", code: "server_error" },
  503: { type: "server_error", code: "service_unavailable" },
};

const MODELS = ["gpt-5-codex", "gpt-5", "gpt-5-mini"];

export const MISSING_CREDENTIAL =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
export const newIds = () => ({
  response: `resp_${hex(8)}`,
  message: `msg_${hex(8)}`,
  chat: `chatcmpl-${hex(12)}`,
});
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** OpenAI has no 529: an overloaded upstream is 503. */
export const httpStatus = (status: number): number => (status === 529 ? 503 : status);

export function errorBody(status: number, message: string): unknown {
  const { type, code } = ERRORS[httpStatus(status)] ?? { type: "server_error", code: null };
  return { error: { message, type, param: null, code } };
}

/** `x-ratelimit-reset-requests` says when the limit lifts, in OpenAI's duration format. */
export function rateLimitHeaders(resetInSeconds: number): Record<string, string> {
  return { "retry-after": "30", "x-ratelimit-reset-requests": `${resetInSeconds}s` };
}

const missing = (name: string): string => `Missing required parameter: '${name}'.`;

/** Returns the request, or an error message for a 400. */
export function parseResponsesRequest(body: unknown): ResponsesRequest | string {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  if (typeof body.model !== "string" || body.model === "") return missing("model");
  if (typeof body.input !== "string" && !Array.isArray(body.input)) return missing("input");
  return {
    model: body.model,
    input: body.input,
    instructions: body.instructions ?? undefined,
    reasoning: body.reasoning !== undefined && body.reasoning !== null,
    stream: body.stream === true,
  };
}

export function parseChatRequest(body: unknown): ChatRequest | string {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  if (typeof body.model !== "string" || body.model === "") return missing("model");
  if (!Array.isArray(body.messages)) return missing("messages");
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    model: body.model,
    messages: body.messages,
    reasoning: typeof body.reasoning_effort === "string",
    stream: body.stream === true,
    includeUsage: options.include_usage === true,
  };
}

export function responsesUsage(request: ResponsesRequest, text: string, cacheRead: boolean): ResponsesUsage {
  const input = jsonTokens(request.input, request.instructions);
  const reasoning = request.reasoning ? REASONING_TOKENS : 0;
  const output = wordCount(text) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cachedHalf(input, cacheRead) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

export function chatUsage(request: ChatRequest, text: string, cacheRead: boolean): ChatUsage {
  const prompt = jsonTokens(request.messages);
  const reasoning = request.reasoning ? REASONING_TOKENS : 0;
  const completion = wordCount(text) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cachedHalf(prompt, cacheRead) },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** Both APIs count cached and reasoning tokens inside input and output; the relay's fields do not for cache. */
export function normalizedUsage(usage: ResponsesUsage | ChatUsage): NormalizedUsage {
  if ("input_tokens" in usage) {
    return normalize({
      input: usage.input_tokens,
      cached: usage.input_tokens_details.cached_tokens,
      output: usage.output_tokens,
      reasoning: usage.output_tokens_details.reasoning_tokens,
    });
  }
  return normalize({
    input: usage.prompt_tokens,
    cached: usage.prompt_tokens_details.cached_tokens,
    output: usage.completion_tokens,
    reasoning: usage.completion_tokens_details.reasoning_tokens,
  });
}

// ---- Responses API ----

interface ResponseIds {
  response: string;
  message: string;
}

const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

function messageItem(id: string, text: string, status: "in_progress" | "completed") {
  const content = status === "completed" ? [outputText(text)] : [];
  return { id, type: "message", role: "assistant", status, content };
}

function responseObject(
  ids: ResponseIds,
  model: string,
  createdAt: number,
  done?: { text: string; usage: ResponsesUsage },
): Record<string, unknown> {
  return {
    id: ids.response,
    object: "response",
    created_at: createdAt,
    model,
    status: done ? "completed" : "in_progress",
    output: done ? [messageItem(ids.message, done.text, "completed")] : [],
    usage: done?.usage ?? null,
    error: null,
    incomplete_details: null,
  };
}

export function responseJson(ids: ResponseIds, model: string, text: string, usage: ResponsesUsage): unknown {
  return responseObject(ids, model, nowSeconds(), { text, usage });
}

/** The nine-event sequence, one `response.output_text.delta` per ~3 words; reasoning tokens ride on the first delta. */
export function responseEvents(
  ids: ResponseIds,
  model: string,
  text: string,
  usage: ResponsesUsage,
): StreamChunk[] {
  const createdAt = nowSeconds();
  const chunks: StreamChunk[] = [];
  let reasoning = usage.output_tokens_details.reasoning_tokens;
  const event = (type: string, body: Record<string, unknown>, words = 0) => {
    const data = { type, ...body, sequence_number: chunks.length };
    chunks.push({ wire: sseEvent(data, type), words, text: type === "response.output_text.delta" });
  };
  const at = { item_id: ids.message, output_index: 0, content_index: 0 };
  event("response.created", { response: responseObject(ids, model, createdAt) });
  event("response.in_progress", { response: responseObject(ids, model, createdAt) });
  event("response.output_item.added", { output_index: 0, item: messageItem(ids.message, "", "in_progress") });
  event("response.content_part.added", { ...at, part: outputText("") });
  for (const piece of splitDeltas(text)) {
    event("response.output_text.delta", { ...at, delta: piece, logprobs: [] }, wordCount(piece) + reasoning);
    reasoning = 0;
  }
  event("response.output_text.done", { ...at, text, logprobs: [] });
  event("response.content_part.done", { ...at, part: outputText(text) });
  event("response.output_item.done", { output_index: 0, item: messageItem(ids.message, text, "completed") });
  event(
    "response.completed",
    { response: responseObject(ids, model, createdAt, { text, usage }) },
    reasoning,
  );
  return chunks;
}

// ---- Chat Completions ----

export function chatJson(id: string, model: string, text: string, usage: ChatUsage): unknown {
  return {
    id,
    object: "chat.completion",
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage,
  };
}

/**
 * A role chunk, one content chunk per ~3 words, a `finish_reason` chunk, with `include_usage` a
 * last chunk with `choices: []` and the usage (the others then carry `usage: null`), then `[DONE]`.
 */
export function chatChunks(id: string, request: ChatRequest, text: string, usage: ChatUsage): StreamChunk[] {
  const created = nowSeconds();
  let reasoning = usage.completion_tokens_details.reasoning_tokens;
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
  const chunks: StreamChunk[] = [
    { wire: chunk([choice({ role: "assistant", content: "" })]), words: 0, text: false },
  ];
  for (const piece of splitDeltas(text)) {
    chunks.push({
      wire: chunk([choice({ content: piece })]),
      words: wordCount(piece) + reasoning,
      text: true,
    });
    reasoning = 0;
  }
  chunks.push({ wire: chunk([choice({}, "stop")]), words: reasoning, text: false });
  if (request.includeUsage) chunks.push({ wire: chunk([], { usage }), words: 0, text: false });
  chunks.push({ wire: "data: [DONE]\n\n", words: 0, text: false });
  return chunks;
}

export function modelsList(): unknown {
  return {
    object: "list",
    data: MODELS.map((id) => ({ id, object: "model", created: 1_760_000_000, owned_by: "openai" })),
  };
}
