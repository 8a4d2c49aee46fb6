// Gemini wire format: the Generative Language API (`/v1beta/models/{model}:generateContent` and
// friends) and Code Assist (`/v1internal:…`, Gemini CLI's OAuth mode), in the shape Gemini CLI
// accepted (see /work/shared/clients/fake-upstream-notes.md). Pure functions: no I/O here.
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

export interface GenerateRequest {
  model: string;
  contents: unknown[];
  systemInstruction?: unknown;
  includeThoughts: boolean;
}

export interface UsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

/** With `includeThoughts`, a thought summary of exactly THOUGHT_TOKENS words comes first. */
export const THOUGHT_TEXT = "Considering the reply.";
export const THOUGHT_TOKENS = 3;

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

const MODELS = [
  { id: "gemini-2.5-pro", displayName: "Gemini 2.5 Pro" },
  { id: "gemini-2.5-flash", displayName: "Gemini 2.5 Flash" },
  { id: "gemini-2.5-flash-lite", displayName: "Gemini 2.5 Flash-Lite" },
];

export const MISSING_CREDENTIAL =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";

export const newResponseId = (): string => randomBytes(12).toString("base64url");

/** Google has no 529: an overloaded model is 503 UNAVAILABLE. */
export const httpStatus = (status: number): number => (status === 529 ? 503 : status);

/** `retryDelaySeconds` adds the RetryInfo detail Google sends with RESOURCE_EXHAUSTED. */
export function errorBody(status: number, message: string, retryDelaySeconds?: number): unknown {
  const code = httpStatus(status);
  const details =
    retryDelaySeconds === undefined
      ? {}
      : {
          details: [
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryDelaySeconds}s` },
          ],
        };
  return { error: { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN", ...details } };
}

const modelId = (name: string): string => name.replace(/^models\//, "");

/** A GenerateContentRequest (the public API); returns an error message for a 400 INVALID_ARGUMENT. */
export function parseGenerateRequest(body: unknown, model: string): GenerateRequest | string {
  if (!isRecord(body)) return "Invalid JSON payload received. Expected a JSON object.";
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    return "* GenerateContentRequest.contents: contents is not specified";
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const thinking = isRecord(config.thinkingConfig) ? config.thinkingConfig : {};
  return {
    model: modelId(model),
    contents: body.contents,
    systemInstruction: body.systemInstruction,
    includeThoughts: thinking.includeThoughts === true,
  };
}

/** Code Assist wraps the request: `{model, project, user_prompt_id, request: GenerateContentRequest}`. */
export function parseCodeAssistRequest(body: unknown): GenerateRequest | string {
  if (!isRecord(body)) return "Invalid JSON payload received. Expected a JSON object.";
  if (typeof body.model !== "string" || body.model === "") return "model is required";
  return parseGenerateRequest(body.request, body.model);
}

/** `:countTokens` takes `{contents}` or `{generateContentRequest}`; Code Assist `{request: {model, contents}}`. */
export function countTokens(body: unknown, codeAssist: boolean): number | string {
  if (!isRecord(body)) return "Invalid JSON payload received. Expected a JSON object.";
  const inner = codeAssist ? body.request : (body.generateContentRequest ?? body);
  const request = parseGenerateRequest(inner, "");
  return typeof request === "string" ? request : promptTokens(request);
}

const promptTokens = (request: Pick<GenerateRequest, "contents" | "systemInstruction">): number =>
  jsonTokens(request.contents, request.systemInstruction);

export function computeUsage(request: GenerateRequest, text: string, cacheRead: boolean): UsageMetadata {
  const prompt = promptTokens(request);
  const candidates = wordCount(text);
  const thoughts = request.includeThoughts ? THOUGHT_TOKENS : 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    ...(cacheRead ? { cachedContentTokenCount: cachedHalf(prompt, true) } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  };
}

/** Thoughts are billed as output, so output_tokens = candidates + thoughts. */
export function normalizedUsage(usage: UsageMetadata): NormalizedUsage {
  const reasoning = usage.thoughtsTokenCount ?? 0;
  return normalize({
    input: usage.promptTokenCount,
    cached: usage.cachedContentTokenCount ?? 0,
    output: usage.candidatesTokenCount + reasoning,
    reasoning,
  });
}

/** A function call part comes from tools.ts. */
type Part = { text: string; thought?: true } | { functionCall: { name: string; args: unknown } };

export function response(
  request: GenerateRequest,
  responseId: string,
  parts: Part[],
  final?: UsageMetadata,
): Record<string, unknown> {
  const candidate = {
    content: { role: "model", parts },
    ...(final ? { finishReason: "STOP" } : {}),
    index: 0,
  };
  return {
    candidates: [candidate],
    ...(final ? { usageMetadata: final } : {}),
    modelVersion: request.model,
    responseId,
  };
}

/** Code Assist answers `{response: GenerateContentResponse}`, per chunk when streaming. */
export const wrap = (body: unknown, codeAssist: boolean): unknown => (codeAssist ? { response: body } : body);

export const thoughtParts = (request: GenerateRequest): Part[] =>
  request.includeThoughts ? [{ text: THOUGHT_TEXT, thought: true }] : [];

export function responseJson(
  request: GenerateRequest,
  text: string,
  usage: UsageMetadata,
  options: { responseId: string; codeAssist: boolean },
): unknown {
  const parts = [...thoughtParts(request), { text }];
  return wrap(response(request, options.responseId, parts, usage), options.codeAssist);
}

/**
 * `alt=sse`: `data:` lines separated by `\r\n\r\n` as Google sends them; otherwise a JSON array
 * written element by element. The last chunk carries finishReason and usageMetadata.
 */
export function streamChunks(
  request: GenerateRequest,
  text: string,
  usage: UsageMetadata,
  options: { responseId: string; codeAssist: boolean; sse: boolean },
): StreamChunk[] {
  const pieces = splitDeltas(text);
  if (pieces.length === 0) pieces.push(text);
  const bodies: Array<{ body: unknown; words: number; text: boolean }> = [];
  if (request.includeThoughts) {
    const body = response(request, options.responseId, thoughtParts(request));
    bodies.push({ body, words: THOUGHT_TOKENS, text: false });
  }
  pieces.forEach((piece, index) => {
    const final = index === pieces.length - 1 ? usage : undefined;
    const body = response(request, options.responseId, [{ text: piece }], final);
    bodies.push({ body, words: wordCount(piece), text: true });
  });
  return wireChunks(bodies, options);
}

/** Frames response bodies as the stream chunks described at streamChunks. */
export function wireChunks(
  bodies: Array<{ body: unknown; words: number; text: boolean }>,
  options: { codeAssist: boolean; sse: boolean },
): StreamChunk[] {
  return bodies.map(({ body, words, text: carriesText }, index) => {
    const data = wrap(body, options.codeAssist);
    const last = index === bodies.length - 1;
    const wire = options.sse
      ? sseEvent(data, undefined, "\r\n\r\n")
      : `${index === 0 ? "[" : ",\r\n"}${JSON.stringify(data)}${last ? "]" : ""}`;
    return { wire, words, text: carriesText };
  });
}

export function modelsList(): unknown {
  return {
    models: MODELS.map((model) => ({
      name: `models/${model.id}`,
      version: "001",
      displayName: model.displayName,
      description: `${model.displayName} (fake upstream)`,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ["generateContent", "countTokens", "createCachedContent"],
      thinking: true,
    })),
  };
}

export const loadCodeAssist = (): unknown => ({
  currentTier: { id: "standard-tier" },
  cloudaicompanionProject: "fake-project",
});

export const onboardUser = (): unknown => ({
  done: true,
  response: { cloudaicompanionProject: { id: "fake-project" } },
});
