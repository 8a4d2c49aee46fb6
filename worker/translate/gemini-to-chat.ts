// Gemini generateContent → OpenAI Chat Completions: a Gemini answer (JSON, or its SSE stream
// chunk by chunk; Code Assist's `{response: …}` wrapping read too) as a chat completion, and (the
// other way round for requests) a GenerateContentRequest as a chat request — the inverse of
// chat-to-gemini.ts, used by the round-trip tests. Pure functions.
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
  newToolCallId,
  nowSeconds,
  objects,
  toDataUrl,
} from "./chat.ts";
import { ChunkBuilder, CUT_OFF, type StreamItem, type StreamTranslator, streamError } from "./chat-stream.ts";

const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

export function finishReasonOf(reason: unknown, calledTools: boolean): FinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (typeof reason === "string" && FILTERED.has(reason)) return "content_filter";
  return calledTools ? "tool_calls" : "stop";
}

/** Google counts cached tokens inside promptTokenCount, and thoughts apart from the answer (billed as output). */
export function usageOfMetadata(metadata: Json | undefined): ChatUsage {
  const prompt = count(metadata?.promptTokenCount) + count(metadata?.toolUsePromptTokenCount);
  const thoughts = count(metadata?.thoughtsTokenCount);
  const cached = Math.min(count(metadata?.cachedContentTokenCount), prompt);
  return chatUsage(prompt, count(metadata?.candidatesTokenCount) + thoughts, cached, thoughts);
}

/** Code Assist answers `{response: GenerateContentResponse}`; the public API the response itself. */
const inner = (chunk: Json): Json => asObject(chunk.response) ?? chunk;

const chatId = (id: unknown) =>
  `chatcmpl-${typeof id === "string" && id !== "" ? id : crypto.randomUUID().replaceAll("-", "")}`;

interface PartsRead {
  text: string;
  sawText: boolean;
  calls: ChatToolCall[];
}

/** A candidate's parts: its answer text (thought summaries left out) and its function calls. */
function readParts(candidate: Json): PartsRead {
  const read: PartsRead = { text: "", sawText: false, calls: [] };
  const parts = asObject(candidate.content)?.parts;
  for (const value of Array.isArray(parts) ? parts : []) {
    const part = asObject(value);
    if (!part) continue;
    if (typeof part.text === "string" && part.thought !== true) {
      read.text += part.text;
      read.sawText = true;
    }
    const call = asObject(part.functionCall);
    if (call && typeof call.name === "string") {
      read.calls.push({
        id: typeof call.id === "string" && call.id !== "" ? call.id : newToolCallId(),
        type: "function",
        function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
      });
    }
  }
  return read;
}

const candidatesOf = (response: Json): Json[] => objects(response.candidates);

const indexOf = (candidate: Json, fallback: number) =>
  typeof candidate.index === "number" ? candidate.index : fallback;

/** A whole Gemini answer as a chat completion, one choice per candidate. */
export function geminiToChatResponse(body: Json, requestedModel: string): ChatCompletion {
  const response = inner(body);
  const candidates = candidatesOf(response);
  const blocked = candidates.length === 0 && asObject(response.promptFeedback)?.blockReason !== undefined;
  const choices: ChatCompletion["choices"] = candidates.map((candidate, i) => {
    const read = readParts(candidate);
    return {
      index: indexOf(candidate, i),
      message: {
        role: "assistant",
        content: read.sawText || read.calls.length === 0 ? read.text : null,
        refusal: null,
        ...(read.calls.length > 0 ? { tool_calls: read.calls } : {}),
      },
      finish_reason: finishReasonOf(candidate.finishReason, read.calls.length > 0),
      logprobs: null,
    };
  });
  if (choices.length === 0) {
    choices.push({
      index: 0,
      message: { role: "assistant", content: "", refusal: null },
      finish_reason: blocked ? "content_filter" : "stop",
      logprobs: null,
    });
  }
  return {
    id: chatId(response.responseId),
    object: "chat.completion",
    created: nowSeconds(),
    model: typeof response.modelVersion === "string" ? response.modelVersion : requestedModel,
    choices,
    usage: usageOfMetadata(asObject(response.usageMetadata)),
  };
}

/** Gemini's stream chunks → chat chunks. Every chunk may carry text, whole function calls, a finish reason, usage so far. */
export function geminiChatStream(requestedModel: string): StreamTranslator {
  const out = new ChunkBuilder(chatId(undefined), requestedModel);
  const started = new Set<number>();
  const toolCount = new Map<number, number>();
  const finished = new Set<number>();
  let metadata: Json | undefined;
  let identified = false;
  let failed = false;
  let blocked = false;
  const start = (index: number): StreamItem[] => {
    if (started.has(index)) return [];
    started.add(index);
    return [out.delta({ role: "assistant", content: "" }, index)];
  };
  return {
    event({ data }) {
      if (failed) return [];
      const chunk = parseObject(data);
      if (!chunk) return [];
      const error = asObject(chunk.error);
      if (error) {
        failed = true;
        const message = typeof error.message === "string" ? error.message : "Upstream error";
        return [streamError(message)];
      }
      const response = inner(chunk);
      if (!identified) {
        identified = true;
        if (typeof response.responseId === "string" && response.responseId)
          out.id = chatId(response.responseId);
        if (typeof response.modelVersion === "string" && response.modelVersion)
          out.model = response.modelVersion;
      }
      metadata = asObject(response.usageMetadata) ?? metadata;
      if (asObject(response.promptFeedback)?.blockReason !== undefined) blocked = true;
      const items: StreamItem[] = [];
      candidatesOf(response).forEach((candidate, i) => {
        const index = indexOf(candidate, i);
        items.push(...start(index));
        const read = readParts(candidate);
        if (read.text !== "") items.push(out.delta({ content: read.text }, index));
        if (read.calls.length > 0) {
          const before = toolCount.get(index) ?? 0;
          toolCount.set(index, before + read.calls.length);
          const calls = read.calls.map((call, j) => ({ index: before + j, ...call }));
          items.push(out.delta({ tool_calls: calls }, index));
        }
        if (typeof candidate.finishReason === "string" && !finished.has(index)) {
          finished.add(index);
          items.push(
            out.finish(finishReasonOf(candidate.finishReason, (toolCount.get(index) ?? 0) > 0), index),
          );
        }
      });
      return items;
    },
    end() {
      if (failed) return [];
      if (finished.size === 0 && !blocked) return [streamError(CUT_OFF)];
      const items: StreamItem[] = [];
      if (finished.size === 0) items.push(...start(0), out.finish("content_filter"));
      items.push(out.usage(usageOfMetadata(metadata)), { done: true });
      return items;
    },
  };
}

// ---- requests, the other way: Gemini → chat ----

function chatPart(part: Json): ChatPart | undefined {
  if (typeof part.text === "string") return { type: "text", text: part.text };
  const inline = asObject(part.inlineData);
  if (inline && typeof inline.mimeType === "string" && typeof inline.data === "string") {
    const url = toDataUrl(inline.mimeType, inline.data);
    if (inline.mimeType.startsWith("image/")) return { type: "image_url", image_url: { url } };
    return { type: "file", file: { file_data: url } };
  }
  const file = asObject(part.fileData);
  if (file && typeof file.fileUri === "string")
    return { type: "image_url", image_url: { url: file.fileUri } };
  return undefined;
}

function outputText(response: unknown): string {
  const output = asObject(response)?.output;
  return typeof output === "string" ? output : JSON.stringify(response ?? {});
}

/** A GenerateContentRequest as a chat request (what both can say). Calls without ids get one, matched by name. */
export function geminiToChatRequest(request: Json, model: string): Json {
  const messages: ChatMessage[] = [];
  const system = asObject(request.systemInstruction)?.parts;
  const systemText = (Array.isArray(system) ? system : [])
    .map((p) => asObject(p)?.text)
    .filter((t) => typeof t === "string")
    .join("");
  if (systemText !== "") messages.push({ role: "system", content: systemText });
  const pending = new Map<string, string[]>();
  for (const value of Array.isArray(request.contents) ? request.contents : []) {
    const content = asObject(value);
    const parts = objects(content?.parts);
    if (content?.role === "model") {
      let text = "";
      const calls: ChatToolCall[] = [];
      for (const part of parts) {
        if (typeof part.text === "string") text += part.text;
        const call = asObject(part.functionCall);
        if (call && typeof call.name === "string") {
          const id = typeof call.id === "string" ? call.id : newToolCallId();
          pending.set(call.name, [...(pending.get(call.name) ?? []), id]);
          calls.push({
            id,
            type: "function",
            function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
          });
        }
      }
      messages.push(
        calls.length > 0
          ? { role: "assistant", content: text === "" ? null : text, tool_calls: calls }
          : { role: "assistant", content: text },
      );
      continue;
    }
    const rest: ChatPart[] = [];
    for (const part of parts) {
      const response = asObject(part.functionResponse);
      if (response && typeof response.name === "string") {
        const queue = pending.get(response.name) ?? [];
        const id = typeof response.id === "string" ? response.id : (queue.shift() ?? newToolCallId());
        messages.push({ role: "tool", tool_call_id: id, content: outputText(response.response) });
        continue;
      }
      const chat = chatPart(part);
      if (chat) rest.push(chat);
    }
    if (rest.length > 0) messages.push({ role: "user", content: rest });
  }
  const out: Json = { model, messages };
  const config = asObject(request.generationConfig) ?? {};
  if (typeof config.maxOutputTokens === "number") out.max_tokens = config.maxOutputTokens;
  if (typeof config.temperature === "number") out.temperature = config.temperature;
  if (typeof config.topP === "number") out.top_p = config.topP;
  if (Array.isArray(config.stopSequences)) out.stop = config.stopSequences;
  const declarations = objects(request.tools).flatMap((tool) => objects(tool.functionDeclarations));
  if (declarations.length > 0) {
    out.tools = declarations.map((d) => ({
      type: "function",
      function: {
        name: d.name,
        ...(typeof d.description === "string" ? { description: d.description } : {}),
        ...(d.parametersJsonSchema !== undefined || d.parameters !== undefined
          ? { parameters: d.parametersJsonSchema ?? d.parameters }
          : {}),
      },
    }));
  }
  const calling = asObject(asObject(request.toolConfig)?.functionCallingConfig);
  const allowed = Array.isArray(calling?.allowedFunctionNames) ? calling.allowedFunctionNames : [];
  if (calling?.mode === "NONE") out.tool_choice = "none";
  else if (calling?.mode === "AUTO") out.tool_choice = "auto";
  else if (calling?.mode === "ANY" && allowed.length === 1) {
    out.tool_choice = { type: "function", function: { name: allowed[0] } };
  } else if (calling?.mode === "ANY") out.tool_choice = "required";
  return out;
}
