// Azure OpenAI as the fake serves it: deployment paths (`/openai/deployments/{d}/chat/completions`,
// `/embeddings`) and the Responses path (`/openai/responses`, `/openai/v1/responses`), checked
// the way Azure checks them: an `api-key` header (or an Entra bearer token) and an `api-version`
// query (a preview one for Responses; none on the v1 path). Chat streams start with Azure's
// content-filter chunk. Pure functions: no I/O here.
import { isRecord, jsonTokens, type NormalizedUsage, normalize, type StreamChunk, sseEvent } from "./wire.ts";

const DEPLOYMENT_ROUTE =
  /\/openai\/deployments\/(?<deployment>[^/]+)\/(?<op>chat\/completions|embeddings)\/?$/;
const RESPONSES_ROUTE = /\/openai\/(?<v1>v1\/)?responses\/?$/;

export interface AzurePath {
  operation: "chat" | "embeddings" | "responses";
  deployment?: string;
  /** `/openai/v1/…` takes no api-version. */
  v1: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * The Azure call a request is, if any. Deployment paths are Azure's alone; `/openai/responses`
 * is also where the relay's own OpenAI route and OpenAI-compatible bases end, so it counts as
 * Azure only with Azure's marks: an `api-version` query or an `api-key` header.
 */
export function azurePath(url: URL, headers: Headers): AzurePath | undefined {
  const deployment = DEPLOYMENT_ROUTE.exec(url.pathname)?.groups;
  if (deployment) {
    return {
      operation: deployment.op === "embeddings" ? "embeddings" : "chat",
      deployment: deployment.deployment,
      v1: false,
    };
  }
  const responses = RESPONSES_ROUTE.exec(url.pathname)?.groups;
  const marked = url.searchParams.has("api-version") || typeof headers["api-key"] === "string";
  if (responses && marked) return { operation: "responses", v1: responses.v1 !== undefined };
  return undefined;
}

/** Azure's error shape: `{error: {code, message}}` with string codes. */
export const azureError = (code: string, message: string) => ({ error: { code, message } });

/** Why Azure would refuse the call before looking at it, or undefined when it would not. */
export function azureRefusal(
  path: AzurePath,
  headers: Headers,
  query: URLSearchParams,
): { status: number; body: unknown } | undefined {
  const key = headers["api-key"];
  const bearer = /^Bearer\s+\S+/i.test(String(headers.authorization ?? ""));
  if ((typeof key !== "string" || key === "") && !bearer) {
    return {
      status: 401,
      body: azureError(
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      ),
    };
  }
  if (path.v1) return undefined;
  const version = query.get("api-version");
  if (!version) {
    return {
      status: 404,
      body: azureError("404", "Resource not found (the api-version query parameter is required)"),
    };
  }
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) {
    return { status: 400, body: azureError("BadRequest", `API version not supported: ${version}`) };
  }
  if (path.operation === "responses" && !version.endsWith("-preview")) {
    return {
      status: 400,
      body: azureError(
        "BadRequest",
        "Azure OpenAI Responses API is enabled only for api-version 2025-03-01-preview and later",
      ),
    };
  }
  return undefined;
}

/** Azure's first chunk of a chat stream: the prompt's content-filter verdict, no choices, no model. */
export function withPromptFilter(chunks: StreamChunk[]): StreamChunk[] {
  const filter = sseEvent({
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: [
      {
        prompt_index: 0,
        content_filter_results: {
          hate: { filtered: false, severity: "safe" },
          self_harm: { filtered: false, severity: "safe" },
          sexual: { filtered: false, severity: "safe" },
          violence: { filtered: false, severity: "safe" },
        },
      },
    ],
  });
  return [{ wire: filter, words: 0, text: false }, ...chunks];
}

export interface EmbeddingsRequest {
  model: string;
  inputs: string[];
}

export function parseEmbeddingsRequest(
  body: unknown,
  deployment: string | undefined,
): EmbeddingsRequest | string {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  const input = body.input;
  const inputs = typeof input === "string" ? [input] : Array.isArray(input) ? input.map(String) : undefined;
  if (!inputs || inputs.length === 0) return "Missing required parameter: 'input'.";
  const model = typeof body.model === "string" && body.model !== "" ? body.model : (deployment ?? "");
  if (model === "") return "Missing required parameter: 'model'.";
  return { model, inputs };
}

const DIMENSIONS = 8;

/** Deterministic small vectors; usage counts the inputs as every protocol here does (JSON length / 4). */
export function embeddingsJson(request: EmbeddingsRequest): { body: unknown; usage: NormalizedUsage } {
  const promptTokens = jsonTokens(request.inputs);
  const data = request.inputs.map((text, index) => ({
    object: "embedding",
    index,
    embedding: Array.from({ length: DIMENSIONS }, (_, i) => ((text.length + i) % 7) / 7),
  }));
  return {
    body: {
      object: "list",
      data,
      model: request.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    usage: normalize({ input: promptTokens, cached: 0, output: 0, reasoning: 0 }),
  };
}
