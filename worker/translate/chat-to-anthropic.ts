// OpenAI Chat Completions → Anthropic Messages: the request a Claude account is sent, and (the
// other way round for answers) a chat completion as an Anthropic message. Pure functions.
import type { Json } from "../http/json.ts";
import {
  type ChatCompletion,
  type ChatMessage,
  type ChatPart,
  type ChatRequest,
  isHttpUrl,
  parseArguments,
  parseDataUrl,
  refuse,
  refuseUniversal,
  systemTexts,
  textOnly,
} from "./chat.ts";

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * The output cap Anthropic requires and OpenAI leaves optional: the model's own maximum, so an
 * answer without max_tokens is not cut shorter than the client would get from OpenAI.
 */
export function defaultMaxTokens(model: string): number {
  const m = model.toLowerCase();
  if (/claude-3-(haiku|opus|sonnet)/.test(m)) return 4096;
  if (/claude-3-5/.test(m)) return 8192;
  if (/opus-4($|-0|-1|-20)/.test(m)) return 32_000;
  return 64_000;
}

type Block = Json;

function imageBlock(url: string, field: string): Block {
  const data = parseDataUrl(url);
  if (data) {
    if (!IMAGE_TYPES.has(data.mediaType)) {
      refuse(field, `Claude takes JPEG, PNG, GIF or WebP images, not ${data.mediaType}`);
    }
    return { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.data } };
  }
  if (isHttpUrl(url)) return { type: "image", source: { type: "url", url } };
  return refuse(field, "must be an http(s) URL or a base64 data: URL");
}

function partBlock(part: ChatPart, field: string): Block {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text };
    case "image_url":
      return imageBlock(part.image_url.url, `${field}.image_url.url`);
    case "file": {
      const data = part.file.file_data === undefined ? undefined : parseDataUrl(part.file.file_data);
      if (data?.mediaType === "application/pdf") {
        return {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: data.data },
        };
      }
      return refuse(
        `${field}.file`,
        "Claude takes files only as base64 PDF data (file_data: data:application/pdf;base64,…)",
      );
    }
    case "input_audio":
      return refuse(`${field}.type`, "Claude does not take audio input");
  }
}

function blocks(content: string | ChatPart[], field: string): string | Block[] {
  if (typeof content === "string") return content;
  return content.map((part, i) => partBlock(part, `${field}[${i}]`));
}

function assistantContent(
  message: Extract<ChatMessage, { role: "assistant" }>,
  field: string,
): string | Block[] {
  const text = textOnly(message.content, `${field}.content`, "an assistant message");
  if (!message.tool_calls) return text;
  const out: Block[] = text === "" ? [] : [{ type: "text", text }];
  message.tool_calls.forEach((call, i) => {
    out.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, `${field}.tool_calls[${i}].function.arguments`),
    });
  });
  return out;
}

/** Turns in Anthropic's shape: consecutive tool results travel together in one user turn. */
function anthropicMessages(messages: ChatMessage[]): Json[] {
  const out: Json[] = [];
  let results: Block[] | undefined;
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    if (message.role === "tool") {
      const content = blocks(message.content, `${field}.content`);
      const block: Block = { type: "tool_result", tool_use_id: message.tool_call_id, content };
      if (results) results.push(block);
      else {
        results = [block];
        out.push({ role: "user", content: results });
      }
      return;
    }
    results = undefined;
    if (message.role === "system" || message.role === "developer") return;
    if (message.role === "user")
      out.push({ role: "user", content: blocks(message.content, `${field}.content`) });
    else out.push({ role: "assistant", content: assistantContent(message, field) });
  });
  return out;
}

function toolChoice(request: ChatRequest): Json | undefined {
  const choice = request.toolChoice;
  let out: Json | undefined;
  if (choice === "none") out = { type: "none" };
  else if (choice === "auto") out = { type: "auto" };
  else if (choice === "required") out = { type: "any" };
  else if (choice) out = { type: "tool", name: choice.function.name };
  if (request.parallelToolCalls === false && request.tools && choice !== "none") {
    out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  return out;
}

/** What Anthropic cannot carry, refused by name (see chat.ts refuseUniversal for the rest). */
function refuseForClaude(body: Json, request: ChatRequest): void {
  refuseUniversal(body);
  if (request.n !== undefined && request.n > 1) refuse("n", "Claude returns one choice per request");
  if (request.responseFormat) {
    refuse("response_format", `${request.responseFormat.type} output is not available for Claude models`);
  }
  if (request.reasoningEffort !== undefined) {
    refuse(
      "reasoning_effort",
      "is not translated for Claude models (use the Anthropic Messages API for thinking)",
    );
  }
  if (request.presencePenalty !== undefined) refuse("presence_penalty", "is not available for Claude models");
  if (request.frequencyPenalty !== undefined)
    refuse("frequency_penalty", "is not available for Claude models");
  if (request.temperature !== undefined && request.temperature > 1) {
    refuse("temperature", "Claude takes a temperature from 0 to 1");
  }
}

/**
 * The Anthropic Messages body for a chat request. System and developer messages become `system`
 * (Anthropic has no system turns); `seed` and message `name`s have no Anthropic equivalent and
 * are advisory in OpenAI's API too, so they are not sent.
 */
export function chatToAnthropicRequest(body: Json, request: ChatRequest): Json {
  refuseForClaude(body, request);
  const out: Json = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens(request.model),
    messages: anthropicMessages(request.messages),
  };
  const system = systemTexts(request.messages);
  if (system.length === 1) out.system = system[0];
  else if (system.length > 1) out.system = system.map((text) => ({ type: "text", text }));
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.topP !== undefined) out.top_p = request.topP;
  if (request.stop) out.stop_sequences = request.stop;
  if (request.tools) {
    out.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      input_schema: tool.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  const choice = toolChoice(request);
  if (choice) out.tool_choice = choice;
  if (request.user) out.metadata = { user_id: request.user };
  if (request.stream) out.stream = true;
  return out;
}

const STOP_REASONS: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

/** A chat completion (its first choice) as an Anthropic message: the way back, for fixtures and tests. */
export function chatToAnthropicResponse(completion: ChatCompletion): Json {
  const choice = completion.choices[0];
  const content: Block[] = [];
  const text = choice?.message.content ?? "";
  if (text !== "") content.push({ type: "text", text });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, "tool_calls.function.arguments"),
    });
  }
  const usage = completion.usage;
  const cached = usage?.prompt_tokens_details.cached_tokens ?? 0;
  return {
    id: completion.id,
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: STOP_REASONS[choice?.finish_reason ?? "stop"] ?? "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: (usage?.prompt_tokens ?? 0) - cached,
      output_tokens: usage?.completion_tokens ?? 0,
      cache_read_input_tokens: cached,
      cache_creation_input_tokens: 0,
    },
  };
}
