// The two Gemini dialects and the pure mappings between them. The public Generative Language API
// (`/v1beta/models/{model}:{method}`, what API keys and the Google GenAI SDK speak) and Google Code
// Assist (`/v1internal:{method}`, what Gemini's OAuth accounts and Gemini CLI's login mode speak)
// carry the same GenerateContentRequest / GenerateContentResponse, but Code Assist wraps them:
// requests as `{model, project, user_prompt_id, request}`, answers as `{response}` per chunk.
import { asObject, type Json } from "../../http/json.ts";

export const GEMINI_METHODS = ["generateContent", "streamGenerateContent", "countTokens"] as const;
export type GeminiMethod = (typeof GEMINI_METHODS)[number];

/** Where a call goes, as encoded in the relay's upstream path (`ClientCall.path`). */
export type GeminiCallPath =
  | { dialect: "public"; version: string; model: string; method: GeminiMethod }
  | { dialect: "code-assist"; method: GeminiMethod };

const PUBLIC_PATH = /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):([A-Za-z]+)$/;
const CODE_ASSIST_PATH = /^\/v1internal:([A-Za-z]+)$/;

const isMethod = (m: string | undefined): m is GeminiMethod =>
  (GEMINI_METHODS as readonly string[]).includes(m ?? "");

export function parseCallPath(path: string): GeminiCallPath | undefined {
  const pub = PUBLIC_PATH.exec(path);
  if (pub) {
    const [, version = "v1beta", model = "", method] = pub;
    return isMethod(method) ? { dialect: "public", version, model, method } : undefined;
  }
  const method = CODE_ASSIST_PATH.exec(path)?.[1];
  return isMethod(method) ? { dialect: "code-assist", method } : undefined;
}

export const publicPath = (version: string, model: string, method: GeminiMethod) =>
  `/${version}/models/${model}:${method}`;
export const codeAssistPath = (method: GeminiMethod) => `/v1internal:${method}`;

/** `models/gemini-2.5-pro` → `gemini-2.5-pro`. */
export const bareModel = (model: string) => model.replace(/^models\//, "");

/** Code Assist wants `systemInstruction` as a Content; the public API also takes a bare string. */
function normalizeSystemInstruction(request: Json): Json {
  const system = request.systemInstruction;
  if (typeof system === "string") {
    return { ...request, systemInstruction: { role: "user", parts: [{ text: system }] } };
  }
  return request;
}

/** A public-API request body as Code Assist takes it, for the account's Cloud project. */
export function toCodeAssistRequest(
  method: GeminiMethod,
  model: string,
  body: Json,
  projectId: string | undefined,
): Json {
  if (method === "countTokens") {
    const inner = asObject(body.generateContentRequest) ?? body;
    return { request: { model: `models/${bareModel(model)}`, contents: inner.contents ?? [] } };
  }
  return {
    model: bareModel(model),
    ...(projectId ? { project: projectId } : {}),
    user_prompt_id: crypto.randomUUID(),
    request: normalizeSystemInstruction(body),
  };
}

/** A Code Assist request as the client sent it, with the account's project when it has one. */
export function withProject(body: Json, projectId: string | undefined): Json {
  return projectId && "request" in body && "model" in body ? { ...body, project: projectId } : body;
}

/** A Code Assist request body as the public API takes it (for an API-key account). */
export function toPublicRequest(method: GeminiMethod, body: Json): Json {
  const request = asObject(body.request) ?? {};
  if (method === "countTokens") return { contents: request.contents ?? [] };
  // Code Assist-only fields the public API would refuse as unknown.
  const { session_id: _session, ...rest } = request;
  return rest;
}

/** The model a Code Assist request names: top-level `model`, or `request.model` for countTokens. */
export function codeAssistModel(body: Json): string | undefined {
  const model = body.model ?? asObject(body.request)?.model;
  return typeof model === "string" && model ? bareModel(model) : undefined;
}

/** How an answer must change to reach the client in its own dialect. */
export type Reshape = "unwrap" | "wrap";

function reshapeChunk(value: unknown, reshape: Reshape): unknown {
  const chunk = asObject(value);
  if (!chunk) return value;
  if (reshape === "unwrap") return asObject(chunk.response) ?? chunk;
  return "response" in chunk || "error" in chunk ? chunk : { response: chunk };
}

/** A whole JSON answer: one response, or the array a stream is without `alt=sse`. */
export function reshapeJson(text: string, reshape: Reshape): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const mapped = Array.isArray(value)
    ? value.map((item) => reshapeChunk(item, reshape))
    : reshapeChunk(value, reshape);
  return JSON.stringify(mapped);
}

const EVENT_END = /\r?\n\r?\n/;

/** Rewrites each `data:` event of an SSE stream; events that are not JSON pass unchanged. */
export function reshapeSse(reshape: Reshape): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  const emit = (block: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    const data: string[] = [];
    let other = "";
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      else if (line !== "") other += `${line}\r\n`;
    }
    if (data.length === 0) {
      if (other) controller.enqueue(encoder.encode(`${other}\r\n`));
      return;
    }
    let payload = data.join("\n");
    try {
      payload = JSON.stringify(reshapeChunk(JSON.parse(payload), reshape));
    } catch {
      // Not JSON (a cut-off event): passed on as it came.
    }
    controller.enqueue(encoder.encode(`${other}data: ${payload}\r\n\r\n`));
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = EVENT_END.exec(buffer); end; end = EVENT_END.exec(buffer)) {
        emit(buffer.slice(0, end.index), controller);
        buffer = buffer.slice(end.index + end[0].length);
      }
    },
    flush(controller) {
      buffer += decoder.decode();
      if (buffer.trim()) emit(buffer, controller);
    },
  });
}

/** A successful answer in the client's dialect; errors are the same in both and pass unchanged. */
export async function reshapeResponse(response: Response, reshape: Reshape): Promise<Response> {
  if (!response.ok || !response.body) return response;
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  if (response.headers.get("content-type")?.includes("text/event-stream")) {
    return new Response(response.body.pipeThrough(reshapeSse(reshape)), init);
  }
  return new Response(reshapeJson(await response.text(), reshape), init);
}
