// OpenAI Chat Completions → Gemini generateContent: the request a Gemini account is sent (the
// public API's GenerateContentRequest; the Gemini provider wraps it for Code Assist accounts).
// Pure functions.
import type { Json } from "../http/json.ts";
import {
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

/** Thinking budgets for OpenAI's reasoning efforts (Gemini 2.5 counts thinking in tokens). */
const THINKING_BUDGET: Record<string, number> = {
  none: 0,
  minimal: 0,
  low: 1024,
  medium: 8192,
  high: 24_576,
};

const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

/** A model name that can stand in the upstream path (`/v1beta/models/{model}:…`). */
export function geminiModelName(model: string): string {
  const bare = model.replace(/^models\//, "");
  if (!/^[A-Za-z0-9][\w.-]*$/.test(bare))
    refuse("model", `${JSON.stringify(model)} is not a Gemini model name`);
  return bare;
}

/**
 * Gemini reads images inline (base64) or from files it already holds (`gs://`, its Files API);
 * it does not fetch web URLs, so those are refused by name rather than dropped.
 */
function imagePart(url: string, field: string): Json {
  const data = parseDataUrl(url);
  if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
  const stored =
    /^gs:\/\//i.test(url) || /^https:\/\/generativelanguage\.googleapis\.com\/.*\/files\//i.test(url);
  const extension = /\.([a-z0-9]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase();
  const mimeType =
    extension && Object.hasOwn(EXTENSION_TYPES, extension) ? EXTENSION_TYPES[extension] : undefined;
  if (stored && mimeType) return { fileData: { mimeType, fileUri: url } };
  if (isHttpUrl(url) || stored) {
    return refuse(field, "Gemini does not fetch image URLs; send the image inline as a base64 data: URL");
  }
  return refuse(field, "must be a base64 data: URL");
}

function partOf(part: ChatPart, field: string): Json {
  switch (part.type) {
    case "text":
      return { text: part.text };
    case "image_url":
      return imagePart(part.image_url.url, `${field}.image_url.url`);
    case "input_audio":
      return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
    case "file": {
      const data = part.file.file_data === undefined ? undefined : parseDataUrl(part.file.file_data);
      if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
      return refuse(`${field}.file`, "Gemini takes files only inline (file_data as a base64 data: URL)");
    }
  }
}

function partsOf(content: string | ChatPart[], field: string): Json[] {
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, i) => partOf(part, `${field}[${i}]`));
}

/** Gemini's contents: user and model turns; tool results become function responses in a user turn. */
function geminiContents(messages: ChatMessage[]): Json[] {
  const names = new Map<string, string>();
  const out: Json[] = [];
  let responses: Json[] | undefined;
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    if (message.role === "tool") {
      const name = names.get(message.tool_call_id);
      if (name === undefined) {
        refuse(
          `${field}.tool_call_id`,
          "matches no tool call of an earlier assistant message",
          "invalid_value",
        );
      }
      const output = textOnly(message.content, `${field}.content`, "a tool result for Gemini");
      const part = { functionResponse: { id: message.tool_call_id, name, response: { output } } };
      if (responses) responses.push(part);
      else {
        responses = [part];
        out.push({ role: "user", parts: responses });
      }
      return;
    }
    responses = undefined;
    if (message.role === "system" || message.role === "developer") return;
    if (message.role === "user") {
      out.push({ role: "user", parts: partsOf(message.content, `${field}.content`) });
      return;
    }
    const text = textOnly(message.content, `${field}.content`, "an assistant message");
    const parts: Json[] = text === "" && message.tool_calls ? [] : [{ text }];
    message.tool_calls?.forEach((call, j) => {
      names.set(call.id, call.function.name);
      const args = parseArguments(call.function.arguments, `${field}.tool_calls[${j}].function.arguments`);
      parts.push({ functionCall: { id: call.id, name: call.function.name, args } });
    });
    out.push({ role: "model", parts });
  });
  return out;
}

function generationConfig(request: ChatRequest): Json {
  const config: Json = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stop) config.stopSequences = request.stop;
  if (request.n !== undefined && request.n > 1) config.candidateCount = request.n;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format) {
    config.responseMimeType = "application/json";
    if (format.type === "json_schema" && format.json_schema.schema) {
      config.responseJsonSchema = format.json_schema.schema;
    }
  }
  if (request.reasoningEffort !== undefined) {
    // Own keys only: "constructor" or "toString" is an unknown effort, not Object's method.
    const effort = request.reasoningEffort;
    const budget = Object.hasOwn(THINKING_BUDGET, effort) ? THINKING_BUDGET[effort] : undefined;
    if (budget === undefined)
      refuse("reasoning_effort", `${JSON.stringify(request.reasoningEffort)} is not a known effort`);
    config.thinkingConfig = { thinkingBudget: budget };
  }
  return config;
}

function toolConfig(request: ChatRequest): Json | undefined {
  const choice = request.toolChoice;
  if (choice === undefined) return undefined;
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
}

/**
 * The GenerateContentRequest for a chat request. Tool parameters go as `parametersJsonSchema`
 * (full JSON Schema, as clients write it) rather than the OpenAPI subset `parameters` takes.
 * `user` and `parallel_tool_calls` have no Gemini equivalent and are advisory, so not sent.
 */
export function chatToGeminiRequest(body: Json, request: ChatRequest): Json {
  refuseUniversal(body);
  const out: Json = { contents: geminiContents(request.messages) };
  const system = systemTexts(request.messages);
  if (system.length > 0) out.systemInstruction = { parts: system.map((text) => ({ text })) };
  if (request.tools) {
    out.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.function.name,
          ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
          ...(tool.function.parameters === undefined
            ? {}
            : { parametersJsonSchema: tool.function.parameters }),
        })),
      },
    ];
  }
  const tools = toolConfig(request);
  if (tools) out.toolConfig = tools;
  const config = generationConfig(request);
  if (Object.keys(config).length > 0) out.generationConfig = config;
  return out;
}
