// Anthropic Messages wire format, in the exact shape Claude Code accepted
// (see /work/shared/clients/fake-upstream-notes.md). Pure functions: no I/O here.
import { randomBytes } from "node:crypto";
import { isRecord, splitDeltas, wordCount } from "./wire.ts";

export { splitDeltas, wordCount };

/** One SSE event; `words` is how many output tokens it carries, so the server can count what was really sent. */
export interface SseEvent {
  event?: string;
  data: unknown;
  words: number;
}

export interface MessagesRequest {
  model: string;
  messages: unknown[];
  system?: unknown;
  stream: boolean;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const MODELS = [
  { id: "claude-opus-5-5", display_name: "Claude Opus 5.5", created_at: "2026-09-01T00:00:00Z" },
  { id: "claude-haiku-4-5", display_name: "Claude Haiku 4.5", created_at: "2025-10-01T00:00:00Z" },
  { id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5", created_at: "2025-09-29T00:00:00Z" },
];

export const newMessageId = (): string => `msg_${randomBytes(8).toString("hex")}`;
export const newRequestId = (): string => `req_${randomBytes(12).toString("hex")}`;

export function errorBody(status: number, message: string): unknown {
  return { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } };
}

export function rateLimitHeaders(resetAtSeconds: number): Record<string, string> {
  return {
    "retry-after": "30",
    "anthropic-ratelimit-unified-status": "rejected",
    "anthropic-ratelimit-unified-reset": String(resetAtSeconds),
  };
}

/** Returns the request, or an error message for a 400. */
export function parseMessagesRequest(body: unknown): MessagesRequest | string {
  if (!isRecord(body)) return "request body must be a JSON object";
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (!Array.isArray(body.messages)) return "messages: Field required";
  return { model: body.model, messages: body.messages, system: body.system, stream: body.stream === true };
}

const tokensOf = (value: unknown): number =>
  value === undefined ? 0 : Math.ceil(JSON.stringify(value).length / 4);

/** Also the count_tokens answer, so the two always agree. */
export function countInputTokens(request: Pick<MessagesRequest, "system" | "messages">): number {
  const chars =
    (request.system === undefined ? 0 : JSON.stringify(request.system).length) +
    JSON.stringify(request.messages).length;
  return Math.ceil(chars / 4);
}

/** Tokens of every block carrying `cache_control`, bucketed by its ttl. Nested blocks inside a cached one are not counted twice. */
function cachedTokens(value: unknown, totals = { m5: 0, h1: 0 }): { m5: number; h1: number } {
  if (Array.isArray(value)) {
    for (const item of value) cachedTokens(item, totals);
  } else if (isRecord(value)) {
    const control = value.cache_control;
    if (isRecord(control)) {
      if (control.ttl === "1h") totals.h1 += tokensOf(value);
      else totals.m5 += tokensOf(value);
    } else {
      for (const child of Object.values(value)) cachedTokens(child, totals);
    }
  }
  return totals;
}

/** With `cacheRead`, the cached blocks are reported as read from cache instead of written to it. */
export function computeUsage(request: MessagesRequest, text: string, cacheRead: boolean): Usage {
  const cached = cachedTokens([request.system, request.messages]);
  const creation = cacheRead ? { m5: 0, h1: 0 } : cached;
  return {
    input_tokens: countInputTokens(request),
    output_tokens: wordCount(text),
    cache_creation_input_tokens: creation.m5 + creation.h1,
    cache_read_input_tokens: cacheRead ? cached.m5 + cached.h1 : 0,
    ephemeral_5m_input_tokens: creation.m5,
    ephemeral_1h_input_tokens: creation.h1,
  };
}

export function wireUsage(usage: Usage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.ephemeral_5m_input_tokens,
      ephemeral_1h_input_tokens: usage.ephemeral_1h_input_tokens,
    },
    output_tokens: outputTokens,
  };
}

export function messageJson(id: string, model: string, text: string, usage: Usage): unknown {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: wireUsage(usage, usage.output_tokens),
  };
}

export function streamEvents(id: string, model: string, text: string, usage: Usage): SseEvent[] {
  const event = (type: string, body: Record<string, unknown>, words = 0): SseEvent => ({
    event: type,
    data: { type, ...body },
    words,
  });
  const start = { id, type: "message", role: "assistant", model, content: [], stop_reason: null };
  return [
    event("message_start", { message: { ...start, stop_sequence: null, usage: wireUsage(usage, 1) } }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...splitDeltas(text).map((piece) =>
      event(
        "content_block_delta",
        { index: 0, delta: { type: "text_delta", text: piece } },
        wordCount(piece),
      ),
    ),
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    event("message_stop", {}),
  ];
}

export function modelsList(): unknown {
  const data = MODELS.map((model) => ({ type: "model", ...model }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
