// Anthropic Messages → OpenAI Chat Completions: a Claude answer (JSON, or its SSE stream event by
// event) as a chat completion, and (the other way round for requests) a Messages request as a
// chat request — the inverse of chat-to-anthropic.ts, used by the round-trip tests. Pure functions.
import { asObject, type Json, parseObject } from "../http/json.ts";
import { count } from "../usage/tokens.ts";
import {
  type ChatCompletion,
  type ChatMessage,
  type ChatPart,
  type ChatToolCall,
  type ChatUsage,
  chatUsage,
  type FinishReason,
  nowSeconds,
  toDataUrl,
} from "./chat.ts";
import { ChunkBuilder, CUT_OFF, type StreamItem, type StreamTranslator, streamError } from "./chat-stream.ts";

export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/** Anthropic's input fields exclude cache reads and writes; OpenAI's prompt_tokens include both. */
function usageOf(raw: Json | undefined): ChatUsage {
  const cacheRead = count(raw?.cache_read_input_tokens);
  const prompt = count(raw?.input_tokens) + cacheRead + count(raw?.cache_creation_input_tokens);
  return chatUsage(prompt, count(raw?.output_tokens), cacheRead);
}

const chatId = (id: unknown) => `chatcmpl-${typeof id === "string" && id !== "" ? id : crypto.randomUUID()}`;

/** An Anthropic message (JSON) as a chat completion. Thinking blocks stay behind, as OpenAI hides reasoning. */
export function anthropicToChatResponse(message: Json, requestedModel: string): ChatCompletion {
  let text = "";
  let sawText = false;
  const calls: ChatToolCall[] = [];
  for (const value of Array.isArray(message.content) ? message.content : []) {
    const block = asObject(value);
    if (block?.type === "text" && typeof block.text === "string") {
      text += block.text;
      sawText = true;
    } else if (block?.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string") {
      calls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const completion: ChatCompletion = {
    id: chatId(message.id),
    object: "chat.completion",
    created: nowSeconds(),
    model: typeof message.model === "string" ? message.model : requestedModel,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: sawText || calls.length === 0 ? text : null,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        finish_reason: finishReasonOf(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: usageOf(asObject(message.usage)),
  };
  return completion;
}

/** Anthropic's stream events → chat chunks: text deltas, tool calls (id and name first, then argument pieces), finish, usage. */
export function anthropicChatStream(requestedModel: string): StreamTranslator {
  const out = new ChunkBuilder(chatId(undefined), requestedModel);
  const toolIndex = new Map<number, number>();
  let usage: Json = {};
  let started = false;
  let finished = false;
  let failed = false;
  const start = (): StreamItem[] => {
    if (started) return [];
    started = true;
    return [out.delta({ role: "assistant", content: "" })];
  };
  return {
    event({ data }) {
      if (failed || finished) return [];
      const event = parseObject(data);
      switch (event?.type) {
        case "message_start": {
          const message = asObject(event.message);
          if (typeof message?.id === "string") out.id = chatId(message.id);
          if (typeof message?.model === "string") out.model = message.model;
          usage = { ...usage, ...asObject(message?.usage) };
          return start();
        }
        case "content_block_start": {
          const block = asObject(event.content_block);
          const index = typeof event.index === "number" ? event.index : -1;
          if (block?.type === "tool_use") {
            const position = toolIndex.size;
            toolIndex.set(index, position);
            const call = {
              index: position,
              id: typeof block.id === "string" ? block.id : "",
              type: "function" as const,
              function: { name: typeof block.name === "string" ? block.name : "", arguments: "" },
            };
            return [...start(), out.delta({ tool_calls: [call] })];
          }
          if (block?.type === "text" && typeof block.text === "string" && block.text !== "") {
            return [...start(), out.delta({ content: block.text })];
          }
          return start();
        }
        case "content_block_delta": {
          const delta = asObject(event.delta);
          if (delta?.type === "text_delta" && typeof delta.text === "string") {
            return [...start(), out.delta({ content: delta.text })];
          }
          const position = toolIndex.get(typeof event.index === "number" ? event.index : -1);
          if (delta?.type === "input_json_delta" && position !== undefined) {
            const piece = typeof delta.partial_json === "string" ? delta.partial_json : "";
            if (piece === "") return [];
            return [out.delta({ tool_calls: [{ index: position, function: { arguments: piece } }] })];
          }
          return [];
        }
        case "message_delta": {
          usage = { ...usage, ...asObject(event.usage) };
          const stop = asObject(event.delta)?.stop_reason;
          return stop ? [...start(), out.finish(finishReasonOf(stop))] : [];
        }
        case "message_stop":
          finished = true;
          return [...start(), out.usage(usageOf(usage)), { done: true }];
        case "error": {
          failed = true;
          const error = asObject(event.error);
          const message = typeof error?.message === "string" ? error.message : "Upstream error";
          return [streamError(message, typeof error?.type === "string" ? error.type : "server_error")];
        }
        default:
          return [];
      }
    },
    end() {
      return finished || failed ? [] : [streamError(CUT_OFF)];
    },
  };
}

// ---- requests, the other way: Anthropic Messages → chat ----

function textOfBlocks(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b) => {
      const block = asObject(b);
      return block?.type === "text" && typeof block.text === "string" ? block.text : "";
    })
    .join("");
}

function chatPart(block: Json): ChatPart | undefined {
  if (block.type === "text" && typeof block.text === "string") return { type: "text", text: block.text };
  const source = asObject(block.source);
  if (block.type === "image" && source?.type === "base64") {
    return {
      type: "image_url",
      image_url: { url: toDataUrl(String(source.media_type), String(source.data)) },
    };
  }
  if (block.type === "image" && source?.type === "url" && typeof source.url === "string") {
    return { type: "image_url", image_url: { url: source.url } };
  }
  if (block.type === "document" && source?.type === "base64") {
    return { type: "file", file: { file_data: toDataUrl(String(source.media_type), String(source.data)) } };
  }
  return undefined;
}

function chatContent(content: unknown): string | ChatPart[] {
  if (typeof content === "string") return content;
  const parts: ChatPart[] = [];
  for (const value of Array.isArray(content) ? content : []) {
    const block = asObject(value);
    const part = block ? chatPart(block) : undefined;
    if (part) parts.push(part);
  }
  return parts;
}

function chatMessages(message: Json): ChatMessage[] {
  const content = message.content;
  if (message.role === "assistant") {
    if (typeof content === "string") return [{ role: "assistant", content }];
    const calls: ChatToolCall[] = [];
    let text = "";
    for (const value of Array.isArray(content) ? content : []) {
      const block = asObject(value);
      if (block?.type === "text" && typeof block.text === "string") text += block.text;
      if (block?.type === "tool_use") {
        calls.push({
          id: String(block.id),
          type: "function",
          function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
        });
      }
    }
    return [
      calls.length > 0
        ? { role: "assistant", content: text === "" ? null : text, tool_calls: calls }
        : { role: "assistant", content: text },
    ];
  }
  if (typeof content === "string") return [{ role: "user", content }];
  const out: ChatMessage[] = [];
  const rest: Json[] = [];
  for (const value of Array.isArray(content) ? content : []) {
    const block = asObject(value);
    if (block?.type === "tool_result") {
      out.push({
        role: "tool",
        tool_call_id: String(block.tool_use_id),
        content: chatContent(block.content),
      });
    } else if (block) rest.push(block);
  }
  if (rest.length > 0 || out.length === 0) out.push({ role: "user", content: chatContent(rest) });
  return out;
}

/** An Anthropic Messages request as a chat request (what both can say; the rest is left out). */
export function anthropicToChatRequest(request: Json): Json {
  const messages: ChatMessage[] = [];
  const system = textOfBlocks(request.system);
  if (system !== "") messages.push({ role: "system", content: system });
  for (const value of Array.isArray(request.messages) ? request.messages : []) {
    const message = asObject(value);
    if (message) messages.push(...chatMessages(message));
  }
  const out: Json = { model: request.model, messages };
  if (typeof request.max_tokens === "number") out.max_tokens = request.max_tokens;
  if (typeof request.temperature === "number") out.temperature = request.temperature;
  if (typeof request.top_p === "number") out.top_p = request.top_p;
  if (Array.isArray(request.stop_sequences)) out.stop = request.stop_sequences;
  if (Array.isArray(request.tools)) {
    out.tools = request.tools.map((value) => {
      const tool = asObject(value) ?? {};
      return {
        type: "function",
        function: {
          name: tool.name,
          ...(typeof tool.description === "string" ? { description: tool.description } : {}),
          parameters: tool.input_schema,
        },
      };
    });
  }
  const choice = asObject(request.tool_choice);
  if (choice?.type === "auto") out.tool_choice = "auto";
  else if (choice?.type === "any") out.tool_choice = "required";
  else if (choice?.type === "none") out.tool_choice = "none";
  else if (choice?.type === "tool") out.tool_choice = { type: "function", function: { name: choice.name } };
  if (choice?.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  const user = asObject(request.metadata)?.user_id;
  if (typeof user === "string") out.user = user;
  if (request.stream === true) out.stream = true;
  return out;
}
