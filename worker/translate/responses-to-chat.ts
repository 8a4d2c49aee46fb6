// OpenAI Responses → OpenAI Chat Completions: a ChatGPT account's Responses stream, event by event,
// as chat chunks (and, folded by chat-stream.ts, as one completion). Pure functions.

import { asObject, type Json, parseObject } from "../http/json.ts";
import { count } from "../usage/tokens.ts";
import { type ChatUsage, chatUsage, type FinishReason } from "./chat.ts";
import { ChunkBuilder, CUT_OFF, type StreamItem, type StreamTranslator, streamError } from "./chat-stream.ts";

/** Responses count cached tokens inside input_tokens and reasoning inside output_tokens, as chat does. */
export function usageOfResponse(raw: Json | undefined): ChatUsage {
  const cached = count(asObject(raw?.input_tokens_details)?.cached_tokens);
  const reasoning = count(asObject(raw?.output_tokens_details)?.reasoning_tokens);
  return chatUsage(count(raw?.input_tokens), count(raw?.output_tokens), cached, reasoning);
}

const chatId = (id: unknown) =>
  `chatcmpl-${typeof id === "string" && id !== "" ? id : crypto.randomUUID().replaceAll("-", "")}`;

function incompleteReason(response: Json | undefined): FinishReason {
  const reason = asObject(response?.incomplete_details)?.reason;
  return reason === "content_filter" ? "content_filter" : "length";
}

function errorMessage(event: Json): string {
  const error = asObject(event.error) ?? asObject(asObject(event.response)?.error);
  const message = error?.message ?? event.message;
  return typeof message === "string" ? message : "Upstream error";
}

export function responsesChatStream(requestedModel: string): StreamTranslator {
  const out = new ChunkBuilder(chatId(undefined), requestedModel);
  const toolIndex = new Map<number, number>();
  /** Tool calls whose arguments arrived (in the added item or in deltas), so `done` does not repeat them. */
  const argued = new Set<number>();
  let started = false;
  let finished = false;
  let failed = false;
  const start = (): StreamItem[] => {
    if (started) return [];
    started = true;
    return [out.delta({ role: "assistant", content: "" })];
  };
  const identify = (response: Json | undefined) => {
    if (typeof response?.id === "string" && !started) out.id = chatId(response.id);
    if (typeof response?.model === "string" && response.model !== "") out.model = response.model;
  };
  return {
    event({ data }) {
      if (failed || finished) return [];
      const event = parseObject(data);
      if (!event) return [];
      const response = asObject(event.response);
      switch (event.type) {
        case "response.created":
        case "response.in_progress":
          identify(response);
          return start();
        case "response.output_text.delta":
          return typeof event.delta === "string" && event.delta !== ""
            ? [...start(), out.delta({ content: event.delta })]
            : [];
        case "response.refusal.delta":
          return typeof event.delta === "string" ? [...start(), out.delta({ refusal: event.delta })] : [];
        case "response.output_item.added": {
          const item = asObject(event.item);
          if (item?.type !== "function_call") return [];
          const position = toolIndex.size;
          toolIndex.set(typeof event.output_index === "number" ? event.output_index : -1, position);
          if (typeof item.arguments === "string" && item.arguments !== "") argued.add(position);
          const call = {
            index: position,
            id: typeof item.call_id === "string" ? item.call_id : "",
            type: "function" as const,
            function: {
              name: typeof item.name === "string" ? item.name : "",
              arguments: typeof item.arguments === "string" ? item.arguments : "",
            },
          };
          return [...start(), out.delta({ tool_calls: [call] })];
        }
        case "response.function_call_arguments.delta": {
          const position = toolIndex.get(typeof event.output_index === "number" ? event.output_index : -1);
          if (position === undefined || typeof event.delta !== "string" || event.delta === "") return [];
          argued.add(position);
          return [out.delta({ tool_calls: [{ index: position, function: { arguments: event.delta } }] })];
        }
        case "response.output_item.done": {
          // An upstream that sends a call's arguments only whole, in the finished item.
          const item = asObject(event.item);
          const position = toolIndex.get(typeof event.output_index === "number" ? event.output_index : -1);
          if (item?.type !== "function_call" || position === undefined || argued.has(position)) return [];
          argued.add(position);
          const args = typeof item.arguments === "string" ? item.arguments : "";
          return args === ""
            ? []
            : [out.delta({ tool_calls: [{ index: position, function: { arguments: args } }] })];
        }
        case "response.completed":
        case "response.done":
        case "response.incomplete": {
          finished = true;
          identify(response);
          const reason: FinishReason =
            event.type === "response.incomplete"
              ? incompleteReason(response)
              : toolIndex.size > 0
                ? "tool_calls"
                : "stop";
          return [
            ...start(),
            out.finish(reason),
            out.usage(usageOfResponse(asObject(response?.usage))),
            { done: true },
          ];
        }
        case "response.failed":
        case "error":
          failed = true;
          return [streamError(errorMessage(event))];
        default:
          return [];
      }
    },
    end() {
      return finished || failed ? [] : [streamError(CUT_OFF)];
    },
  };
}
