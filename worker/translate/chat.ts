// OpenAI Chat Completions, as the translators read it: the client's body checked field by field
// (every refusal names the field), and the pieces every direction shares — content parts, data
// URLs, the tool-call id → name map, finish reasons, usage. Pure functions: no I/O here.
import { RelayError } from "../http/errors.ts";
import { asObject, type Json } from "../http/json.ts";

/** The objects of an array (anything else in it, or a non-array, left out). */
export function objects(value: unknown): Json[] {
  if (!Array.isArray(value)) return [];
  const out: Json[] = [];
  for (const item of value) {
    const object = asObject(item);
    if (object) out.push(object);
  }
  return out;
}

/** A 400 in OpenAI's shape naming the field the relay cannot take. */
export function refuse(field: string, message: string, code = "unsupported_parameter"): never {
  throw new RelayError("invalid_request", `${field}: ${message}`, { code });
}

const invalid = (field: string, message: string): never => refuse(field, message, "invalid_value");

export type ChatPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "input_audio"; input_audio: { data: string; format: string } }
  | { type: "file"; file: { file_data?: string; file_id?: string; filename?: string } };

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string | ChatPart[] }
  | { role: "developer"; content: string | ChatPart[] }
  | { role: "user"; content: string | ChatPart[] }
  | { role: "assistant"; content: string | ChatPart[] | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; content: string | ChatPart[]; tool_call_id: string };

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Json; strict?: boolean };
}

export type ChatToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: Json; strict?: boolean };
    };

/** A Chat Completions request, checked. Fields a backend may not carry stay in `raw` for its refusals. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ChatTool[];
  toolChoice?: ChatToolChoice;
  parallelToolCalls?: boolean;
  n?: number;
  responseFormat?: ResponseFormat;
  reasoningEffort?: string;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

function optionalNumber(body: Json, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    return invalid(name, `must be a number from ${min} to ${max}`);
  }
  return value;
}

function optionalInteger(body: Json, name: string, min: number): number | undefined {
  const value = optionalNumber(body, name, min, Number.MAX_SAFE_INTEGER);
  if (value !== undefined && !Number.isInteger(value)) return invalid(name, "must be an integer");
  return value;
}

function parsePart(value: unknown, field: string): ChatPart {
  const part = asObject(value) ?? invalid(field, "must be an object");
  switch (part.type) {
    case "text":
      if (typeof part.text !== "string") return invalid(`${field}.text`, "must be a string");
      return { type: "text", text: part.text };
    case "refusal":
      // An earlier assistant refusal, sent back as history: it is what the assistant said.
      if (typeof part.refusal !== "string") return invalid(`${field}.refusal`, "must be a string");
      return { type: "text", text: part.refusal };
    case "image_url": {
      const image = asObject(part.image_url);
      const url = typeof part.image_url === "string" ? part.image_url : image?.url;
      if (typeof url !== "string" || url === "") return invalid(`${field}.image_url.url`, "must be a URL");
      const detail = typeof image?.detail === "string" ? image.detail : undefined;
      return { type: "image_url", image_url: detail ? { url, detail } : { url } };
    }
    case "input_audio": {
      const audio = asObject(part.input_audio);
      if (typeof audio?.data !== "string" || typeof audio.format !== "string") {
        return invalid(`${field}.input_audio`, "must have data and format");
      }
      return { type: "input_audio", input_audio: { data: audio.data, format: audio.format } };
    }
    case "file": {
      const file = asObject(part.file) ?? invalid(`${field}.file`, "must be an object");
      const out: { file_data?: string; file_id?: string; filename?: string } = {};
      if (typeof file.file_data === "string") out.file_data = file.file_data;
      if (typeof file.file_id === "string") out.file_id = file.file_id;
      if (typeof file.filename === "string") out.filename = file.filename;
      return { type: "file", file: out };
    }
    default:
      return refuse(`${field}.type`, `content part type ${JSON.stringify(part.type)} is not supported here`);
  }
}

function parseContent(value: unknown, field: string, nullable: boolean): string | ChatPart[] | null {
  if (typeof value === "string") return value;
  if ((value === null || value === undefined) && nullable) return null;
  if (!Array.isArray(value)) return invalid(field, "must be a string or an array of content parts");
  return value.map((part, i) => parsePart(part, `${field}[${i}]`));
}

function parseToolCall(value: unknown, field: string): ChatToolCall {
  const call = asObject(value) ?? invalid(field, "must be an object");
  if (call.type !== undefined && call.type !== "function") {
    return refuse(
      `${field}.type`,
      `only function tool calls can be translated, not ${JSON.stringify(call.type)}`,
    );
  }
  const fn = asObject(call.function) ?? invalid(`${field}.function`, "is required");
  if (typeof call.id !== "string" || call.id === "") return invalid(`${field}.id`, "is required");
  if (typeof fn.name !== "string" || fn.name === "") return invalid(`${field}.function.name`, "is required");
  const args = fn.arguments ?? "{}";
  if (typeof args !== "string") return invalid(`${field}.function.arguments`, "must be a JSON string");
  return { id: call.id, type: "function", function: { name: fn.name, arguments: args } };
}

function parseMessage(value: unknown, field: string): ChatMessage {
  const message = asObject(value) ?? invalid(field, "must be an object");
  const role = message.role;
  if (typeof role !== "string" || !ROLES.has(role)) {
    return invalid(`${field}.role`, "must be one of system, developer, user, assistant, tool");
  }
  if (role === "assistant") {
    if (message.function_call !== undefined && message.function_call !== null) {
      return refuse(`${field}.function_call`, "legacy function calls are not translated; use tool_calls");
    }
    const content = parseContent(message.content, `${field}.content`, true);
    const calls = message.tool_calls;
    if (calls === undefined || calls === null) return { role, content };
    if (!Array.isArray(calls)) return invalid(`${field}.tool_calls`, "must be an array");
    const toolCalls = calls.map((call, i) => parseToolCall(call, `${field}.tool_calls[${i}]`));
    return toolCalls.length > 0 ? { role, content, tool_calls: toolCalls } : { role, content };
  }
  const content = parseContent(message.content, `${field}.content`, false) ?? "";
  if (role === "tool") {
    if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") {
      return invalid(`${field}.tool_call_id`, "is required");
    }
    return { role, content, tool_call_id: message.tool_call_id };
  }
  if (role === "user") return { role, content };
  return { role: role === "developer" ? "developer" : "system", content };
}

function parseTool(value: unknown, field: string): ChatTool {
  const tool = asObject(value) ?? invalid(field, "must be an object");
  if (tool.type !== "function") {
    return refuse(`${field}.type`, `only function tools can be translated, not ${JSON.stringify(tool.type)}`);
  }
  const fn = asObject(tool.function) ?? invalid(`${field}.function`, "is required");
  if (typeof fn.name !== "string" || fn.name === "") return invalid(`${field}.function.name`, "is required");
  const out: ChatTool["function"] = { name: fn.name };
  if (typeof fn.description === "string") out.description = fn.description;
  if (fn.parameters !== undefined && fn.parameters !== null) {
    out.parameters =
      asObject(fn.parameters) ?? invalid(`${field}.function.parameters`, "must be a JSON Schema object");
  }
  if (typeof fn.strict === "boolean") out.strict = fn.strict;
  return { type: "function", function: out };
}

function parseToolChoice(value: unknown): ChatToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "none" || value === "auto" || value === "required") return value;
  const choice = asObject(value);
  const name = asObject(choice?.function)?.name;
  if (choice?.type === "function" && typeof name === "string" && name !== "") {
    return { type: "function", function: { name } };
  }
  return refuse("tool_choice", 'must be "none", "auto", "required" or a named function');
}

function parseResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const format = asObject(value) ?? invalid("response_format", "must be an object");
  if (format.type === "text" || format.type === "json_object") return { type: format.type };
  if (format.type === "json_schema") {
    const spec = asObject(format.json_schema) ?? invalid("response_format.json_schema", "is required");
    if (typeof spec.name !== "string") return invalid("response_format.json_schema.name", "is required");
    const out: Extract<ResponseFormat, { type: "json_schema" }>["json_schema"] = { name: spec.name };
    if (typeof spec.description === "string") out.description = spec.description;
    const schema = asObject(spec.schema);
    if (schema) out.schema = schema;
    if (typeof spec.strict === "boolean") out.strict = spec.strict;
    return { type: "json_schema", json_schema: out };
  }
  return refuse("response_format.type", `${JSON.stringify(format.type)} is not supported here`);
}

function parseStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) return value as string[];
  return invalid("stop", "must be a string or an array of strings");
}

/**
 * Fields no translated backend can carry, refused wherever they would change the answer: a
 * client asking for two choices, log probabilities or audio must not silently get one text answer.
 */
export function refuseUniversal(body: Json): void {
  if (body.logprobs === true) refuse("logprobs", "log probabilities cannot be translated for this model");
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) {
    refuse("top_logprobs", "log probabilities cannot be translated for this model");
  }
  if (body.audio !== undefined && body.audio !== null)
    refuse("audio", "audio output is not available for this model");
  if (Array.isArray(body.modalities) && body.modalities.some((m) => m !== "text")) {
    refuse("modalities", "only text output is available for this model");
  }
  const bias = asObject(body.logit_bias);
  if (bias && Object.keys(bias).length > 0) refuse("logit_bias", "cannot be translated for this model");
  if (body.prediction !== undefined && body.prediction !== null) {
    refuse("prediction", "predicted outputs cannot be translated for this model");
  }
  if (body.web_search_options !== undefined && body.web_search_options !== null) {
    refuse("web_search_options", "web search cannot be translated for this model");
  }
  if (body.functions !== undefined && body.functions !== null) {
    refuse("functions", "legacy functions are not translated; use tools");
  }
  if (body.function_call !== undefined && body.function_call !== null) {
    refuse("function_call", "legacy function_call is not translated; use tool_choice");
  }
}

/** The client's body as a checked ChatRequest; structural errors name the field. */
export function parseChatRequest(body: Json): ChatRequest {
  if (typeof body.model !== "string" || body.model === "") return invalid("model", "is required");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return invalid("messages", "must be a non-empty array");
  }
  const messages = body.messages.map((m, i) => parseMessage(m, `messages[${i}]`));
  const options = asObject(body.stream_options);
  const request: ChatRequest = {
    model: body.model,
    messages,
    stream: body.stream === true,
    includeUsage: body.stream === true && options?.include_usage === true,
  };
  const maxTokens =
    optionalInteger(body, "max_completion_tokens", 1) ?? optionalInteger(body, "max_tokens", 1);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(body, "temperature", 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, "top_p", 0, 1);
  if (topP !== undefined) request.topP = topP;
  const stop = parseStop(body.stop);
  if (stop && stop.length > 0) request.stop = stop;
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) return invalid("tools", "must be an array");
    const tools = body.tools.map((t, i) => parseTool(t, `tools[${i}]`));
    if (tools.length > 0) request.tools = tools;
  }
  const toolChoice = parseToolChoice(body.tool_choice);
  if (toolChoice) request.toolChoice = toolChoice;
  if (typeof body.parallel_tool_calls === "boolean") request.parallelToolCalls = body.parallel_tool_calls;
  const n = optionalInteger(body, "n", 1);
  if (n !== undefined) request.n = n;
  const format = parseResponseFormat(body.response_format);
  if (format && format.type !== "text") request.responseFormat = format;
  if (typeof body.reasoning_effort === "string") request.reasoningEffort = body.reasoning_effort;
  const seed = optionalInteger(body, "seed", Number.MIN_SAFE_INTEGER);
  if (seed !== undefined) request.seed = seed;
  const presence = optionalNumber(body, "presence_penalty", -2, 2);
  if (presence !== undefined && presence !== 0) request.presencePenalty = presence;
  const frequency = optionalNumber(body, "frequency_penalty", -2, 2);
  if (frequency !== undefined && frequency !== 0) request.frequencyPenalty = frequency;
  if (typeof body.user === "string" && body.user !== "") request.user = body.user;
  return request;
}

// ---- content ----

/** The text of a content value, its text parts joined; other parts refused by `what`. */
export function textOnly(content: string | ChatPart[] | null, field: string, what: string): string {
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, i) => {
      if (part.type !== "text") refuse(`${field}[${i}].type`, `${what} can only hold text`);
      return part.type === "text" ? part.text : "";
    })
    .join("");
}

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:<type>;base64,<data>` → its parts; undefined for anything else. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match?.[1] || !match[2]?.split(";").includes("base64")) return undefined;
  return { mediaType: match[1].toLowerCase(), data: match[3] ?? "" };
}

export const toDataUrl = (mediaType: string, data: string) => `data:${mediaType};base64,${data}`;

export const isHttpUrl = (url: string) => /^https?:\/\//i.test(url);

/** The system and developer messages' text, in order (every backend takes them apart from the turns). */
export function systemTexts(messages: ChatMessage[]): string[] {
  const texts: string[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system" || m.role === "developer") {
      texts.push(textOnly(m.content, `messages[${i}].content`, "a system message"));
    }
  });
  return texts;
}

/** Parses a tool call's arguments: a JSON object, as Anthropic's `input` and Gemini's `args` must be. */
export function parseArguments(text: string, field: string): Json {
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return invalid(field, "is not valid JSON");
  }
  return asObject(value) ?? invalid(field, "must be a JSON object");
}

// ---- responses ----

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export function chatUsage(prompt: number, completion: number, cached: number, reasoning?: number): ChatUsage {
  const usage: ChatUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
  if (reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal: string | null;
  tool_calls?: ChatToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    finish_reason: FinishReason | null;
    logprobs: null;
  }>;
  usage?: ChatUsage;
}

export interface ChunkToolCall {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

export interface ChatDelta {
  role?: "assistant";
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ChunkToolCall[];
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChatDelta; finish_reason: FinishReason | null; logprobs: null }>;
  usage?: ChatUsage | null;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An id for a tool call the upstream gave none (Gemini usually does not). */
export const newToolCallId = () => `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
