// Claude Code's warm-up and title requests, which the relay may answer itself (CLAUDE_INTERCEPT_WARMUP,
// the original's per-account `interceptWarmup`, off by default) instead of spending an account on
// them. Detection and answer are the original's (src/utils/warmupInterceptor.js): a message whose
// text is exactly "Warmup" or asks for "a 5-10 word title for the following conversation", or the
// topic-title system prompt; the answer is the text "New Conversation", in a Messages JSON body or
// a Messages event stream Claude Code and the Anthropic SDK accept.
import { asObject, type Json } from "../../http/json.ts";

const TITLE_REQUEST = "Please write a 5-10 word title for the following conversation:";
const TOPIC_SYSTEM_PROMPT =
  "nalyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title";
const ANSWER = ["New", " Conversation"];
const USAGE = { input_tokens: 10, output_tokens: 2 };

/**
 * A cheap look at the raw body before it is parsed a second time: false when no warm-up marker is
 * in it (the "Warmup" text, the title request, the topic-title prompt).
 */
export const mayBeWarmup = (text: string) =>
  text.includes('"Warmup"') || text.includes(TITLE_REQUEST) || text.includes(TOPIC_SYSTEM_PROMPT);

const isWarmupText = (text: unknown) =>
  typeof text === "string" && (text === "Warmup" || text.includes(TITLE_REQUEST));

function texts(content: unknown): unknown[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.filter((block) => asObject(block)?.type === "text").map((block) => asObject(block)?.text);
}

function systemText(system: unknown): string {
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) return "";
  return system.map((entry) => asObject(entry)?.text ?? (typeof entry === "string" ? entry : "")).join("");
}

/** A warm-up, title or topic request of Claude Code's. */
export function isWarmupRequest(body: unknown): boolean {
  const request = asObject(body);
  if (!request) return false;
  const messages = Array.isArray(request.messages) ? request.messages : [];
  if (messages.some((message) => texts(asObject(message)?.content).some(isWarmupText))) return true;
  return systemText(request.system).includes(TOPIC_SYSTEM_PROMPT);
}

const messageId = () => `msg_warmup_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** The relay's own answer to a warm-up request, as Anthropic would give it (JSON or SSE). */
export function warmupAnswer(model: string, stream: boolean, headers: HeadersInit = {}): Response {
  const id = messageId();
  if (!stream) {
    const body = {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text: ANSWER.join("") }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: USAGE,
    };
    return Response.json(body, { headers });
  }
  const events: [string, Json][] = [
    [
      "message_start",
      {
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: USAGE.input_tokens, output_tokens: 0 },
        },
      },
    ],
    ["content_block_start", { index: 0, content_block: { type: "text", text: "" } }],
    ...ANSWER.map((text): [string, Json] => [
      "content_block_delta",
      { index: 0, delta: { type: "text_delta", text } },
    ]),
    ["content_block_stop", { index: 0 }],
    [
      "message_delta",
      {
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: USAGE.output_tokens },
      },
    ],
    ["message_stop", {}],
  ];
  const sse = events
    .map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
    .join("");
  const streamHeaders = new Headers(headers);
  streamHeaders.set("content-type", "text/event-stream");
  streamHeaders.set("cache-control", "no-cache");
  return new Response(sse, { headers: streamHeaders });
}
