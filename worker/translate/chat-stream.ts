// The plumbing every streamed translation shares: upstream SSE split into complete events as
// bytes arrive, a per-protocol translator turning each event into Chat Completions chunks, the
// chunks written as OpenAI writes them (`data: {…}`, `data: [DONE]`), and — for a client that
// asked for no stream from an upstream that only streams — the chunks folded into one completion.
import { type SseEvent, sseEvents } from "../usage/sse.ts";
import type {
  ChatChunk,
  ChatCompletion,
  ChatCompletionMessage,
  ChatDelta,
  ChatToolCall,
  ChatUsage,
  FinishReason,
} from "./chat.ts";
import { nowSeconds } from "./chat.ts";

export interface StreamError {
  message: string;
  type: string;
  code: string | null;
}

export type StreamItem = { chunk: ChatChunk } | { error: StreamError } | { done: true };

/** One upstream protocol's events → chat chunks, one event at a time. */
export interface StreamTranslator {
  event(event: SseEvent): StreamItem[];
  /** The upstream ended: what closes the client's stream ([DONE], or an error if the answer was cut). */
  end(): StreamItem[];
}

/** Chunks of one completion, with its id, model and creation time. */
export class ChunkBuilder {
  id: string;
  model: string;
  readonly created: number;

  constructor(id: string, model: string, created = nowSeconds()) {
    this.id = id;
    this.model = model;
    this.created = created;
  }

  private chunk(choices: ChatChunk["choices"], usage?: ChatUsage): StreamItem {
    const chunk: ChatChunk = {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices,
    };
    if (usage) chunk.usage = usage;
    return { chunk };
  }

  delta(delta: ChatDelta, index = 0): StreamItem {
    return this.chunk([{ index, delta, finish_reason: null, logprobs: null }]);
  }

  finish(reason: FinishReason, index = 0): StreamItem {
    return this.chunk([{ index, delta: {}, finish_reason: reason, logprobs: null }]);
  }

  /** The usage chunk OpenAI sends last when `stream_options.include_usage` is set. */
  usage(usage: ChatUsage): StreamItem {
    return this.chunk([], usage);
  }
}

export const streamError = (
  message: string,
  type = "server_error",
  code: string | null = null,
): StreamItem => ({
  error: { message, type, code },
});

export const CUT_OFF = "The upstream stream ended before the answer was complete";

const isUsageChunk = (chunk: ChatChunk) => chunk.choices.length === 0 && chunk.usage !== undefined;

/** One item as OpenAI writes it. Without include_usage the usage chunk is not sent; with it, every other chunk says `usage: null`. */
export function serializeItem(item: StreamItem, includeUsage: boolean): string {
  if ("done" in item) return "data: [DONE]\n\n";
  if ("error" in item) return `data: ${JSON.stringify({ error: item.error })}\n\n`;
  const chunk = item.chunk;
  if (isUsageChunk(chunk)) return includeUsage ? `data: ${JSON.stringify(chunk)}\n\n` : "";
  return `data: ${JSON.stringify(includeUsage ? { ...chunk, usage: null } : chunk)}\n\n`;
}

/** Splits SSE text into complete events as it arrives, whatever its line ends (\n, \r\n). */
export class SseSplitter {
  private buffer = "";

  push(text: string): SseEvent[] {
    let scan = this.buffer + text;
    // A \r at the very end may be the first half of a \r\n split across two chunks.
    let held = "";
    if (scan.endsWith("\r")) {
      held = "\r";
      scan = scan.slice(0, -1);
    }
    scan = scan.replace(/\r\n?/g, "\n");
    const end = scan.lastIndexOf("\n\n");
    if (end === -1) {
      this.buffer = scan + held;
      return [];
    }
    this.buffer = scan.slice(end + 2) + held;
    return [...sseEvents(scan.slice(0, end + 2))];
  }

  end(): SseEvent[] {
    const rest = this.buffer.replace(/\r\n?/g, "\n");
    this.buffer = "";
    return rest.trim() === "" ? [] : [...sseEvents(rest)];
  }
}

/**
 * The upstream's SSE body translated event by event as it passes. This is the translated path's
 * per-chunk JavaScript; the native routes never come here. A client that goes away cancels the
 * upstream through the pipe.
 */
export function translateSse(
  body: ReadableStream<Uint8Array>,
  translator: StreamTranslator,
  includeUsage: boolean,
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const splitter = new SseSplitter();
  const write = (items: StreamItem[], controller: TransformStreamDefaultController<Uint8Array>) => {
    let out = "";
    for (const item of items) out += serializeItem(item, includeUsage);
    if (out !== "") controller.enqueue(encoder.encode(out));
  };
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(bytes, controller) {
        const items: StreamItem[] = [];
        for (const event of splitter.push(decoder.decode(bytes, { stream: true }))) {
          items.push(...translator.event(event));
        }
        write(items, controller);
      },
      flush(controller) {
        const items: StreamItem[] = [];
        for (const event of splitter.push(decoder.decode())) items.push(...translator.event(event));
        for (const event of splitter.end()) items.push(...translator.event(event));
        items.push(...translator.end());
        write(items, controller);
      },
    }),
  );
}

/** Runs a whole upstream SSE text through a translator (tests, and answers read in one go). */
export function translateSseText(text: string, translator: StreamTranslator): StreamItem[] {
  const splitter = new SseSplitter();
  const items: StreamItem[] = [];
  for (const event of [...splitter.push(text), ...splitter.end()]) items.push(...translator.event(event));
  items.push(...translator.end());
  return items;
}

interface ChoiceState {
  content: string;
  refusal: string;
  sawContent: boolean;
  calls: ChatToolCall[];
  finish: FinishReason | null;
}

/** Folds a translated stream into one chat completion; the stream's error when it failed. */
export function collectCompletion(items: StreamItem[]): ChatCompletion | StreamError {
  const choices = new Map<number, ChoiceState>();
  let head: ChatChunk | undefined;
  let usage: ChatUsage | undefined;
  for (const item of items) {
    if ("error" in item) return item.error;
    if ("done" in item) continue;
    const chunk = item.chunk;
    head ??= chunk;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      let state = choices.get(choice.index);
      if (!state) {
        state = { content: "", refusal: "", sawContent: false, calls: [], finish: null };
        choices.set(choice.index, state);
      }
      const delta = choice.delta;
      if (typeof delta.content === "string" && delta.content !== "") {
        state.content += delta.content;
        state.sawContent = true;
      }
      if (typeof delta.refusal === "string") state.refusal += delta.refusal;
      for (const call of delta.tool_calls ?? []) {
        const known = state.calls[call.index];
        if (known) known.function.arguments += call.function.arguments;
        else {
          state.calls[call.index] = {
            id: call.id ?? "",
            type: "function",
            function: { name: call.function.name ?? "", arguments: call.function.arguments },
          };
        }
      }
      if (choice.finish_reason) state.finish = choice.finish_reason;
    }
  }
  const completion: ChatCompletion = {
    id: head?.id ?? "",
    object: "chat.completion",
    created: head?.created ?? nowSeconds(),
    model: head?.model ?? "",
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, state]) => {
        const message: ChatCompletionMessage = {
          role: "assistant",
          content: state.sawContent || state.calls.length === 0 ? state.content : null,
          refusal: state.refusal === "" ? null : state.refusal,
        };
        const calls = state.calls.filter(Boolean);
        if (calls.length > 0) message.tool_calls = calls;
        return { index, message, finish_reason: state.finish, logprobs: null };
      }),
  };
  if (usage) completion.usage = usage;
  return completion;
}
