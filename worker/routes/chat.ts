// OpenAI Chat Completions for OpenAI-compatible tools: `POST …/chat/completions` and `GET …/models`
// under /v1 and /openai/v1, and CRS's unified route /api/v1/chat/completions. The backend is chosen
// from the model name (claude-* → Claude, gemini-* → Gemini, gpt-*/o1*/o3*/o4*/codex* → OpenAI,
// anything else → Claude, as CRS does); the key's permission for that platform applies.
//
// - Claude and Gemini accounts: the request is translated (worker/translate/) before scheduling, so
//   a field the backend cannot carry is a 400 naming it; the answer is translated back, streams
//   event by event. The meter reads the upstream's own protocol: the relay tees the upstream body
//   to the provider's meter before this route's translation sees it.
// - OpenAI API-key accounts speak chat natively: the body goes as it came to {base}/v1/chat/completions
//   (with `stream_options.include_usage` switched on so a stream can be metered; the usage chunk the
//   client did not ask for is taken out again). ChatGPT OAuth accounts speak only Responses: the
//   request is translated for them at the moment one is picked (a field Responses cannot carry makes
//   the relay try the pool's next account, else a 400), and their stream translated back.
// Errors reach the client in OpenAI's shape whatever the backend answered.
import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import { asObject, type Json } from "../http/json.ts";
import type { AccountRecord } from "../keyspace/records/accounts.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import { claudeProvider } from "../providers/claude/index.ts";
import { claudeModelList } from "../providers/claude/models.ts";
import { geminiProvider } from "../providers/gemini/index.ts";
import { geminiModelList } from "../providers/gemini/models.ts";
import { isRestricted } from "../providers/model-patterns.ts";
import { chatStreamError, responsesStreamError } from "../providers/openai/errors.ts";
import { openaiProvider } from "../providers/openai/index.ts";
import { OPENAI_MODELS } from "../providers/openai/models.ts";
import { chatUsageFromSse } from "../providers/openai/usage.ts";
import type { ClientCall, Provider } from "../providers/provider.ts";
import { mayUsePlatform } from "../relay/permission.ts";
import { type RouteContext, relay, type Target } from "../relay/pipeline.ts";
import { relayKey } from "../relay/relay-key.ts";
import { NO_QUERY, relayQuery } from "../relay/upstream-query.ts";
import { anthropicChatStream, anthropicToChatResponse } from "../translate/anthropic-to-chat.ts";
import { type ChatCompletion, parseChatRequest } from "../translate/chat.ts";
import {
  collectCompletion,
  type StreamTranslator,
  translateSse,
  translateSseText,
} from "../translate/chat-stream.ts";
import { chatToAnthropicRequest } from "../translate/chat-to-anthropic.ts";
import { chatToGeminiRequest, geminiModelName } from "../translate/chat-to-gemini.ts";
import { chatToResponsesRequest } from "../translate/chat-to-responses.ts";
import { dropUsageChunk, withStreamUsage } from "../translate/chat-usage.ts";
import { openaiErrorFrom } from "../translate/errors-to-openai.ts";
import { geminiChatStream, geminiToChatResponse } from "../translate/gemini-to-chat.ts";
import { responsesChatStream } from "../translate/responses-to-chat.ts";

type Backend = "claude" | "gemini" | "openai";

/** CRS's rule (src/routes/unified.js), with OpenAI's reasoning and Codex model families added. */
export function backendFor(model: string): Backend {
  const m = model.toLowerCase();
  if (m.startsWith("claude-")) return "claude";
  if (m.startsWith("gemini-") || m.startsWith("models/gemini-")) return "gemini";
  if (/^(gpt-|o1|o3|o4|codex)/.test(m)) return "openai";
  return "claude";
}

const chatBody = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  messages: z.array(z.unknown(), { error: "messages is required" }).min(1, "messages must not be empty"),
  stream: z.boolean().optional(),
});
type ChatBody = z.infer<typeof chatBody>;

/** Only what the upstream may see of the client's request when the body is translated. */
function translatedCall(call: ClientCall, body: string): ClientCall {
  const headers = new Headers();
  const agent = call.request.headers.get("user-agent");
  if (agent) headers.set("user-agent", agent);
  return { ...call, request: new Request(call.request.url, { headers }), body };
}

/** How one chat request travels: the provider (wrapped per request), where to, and how the answer comes back. */
interface Plan {
  provider: Provider;
  target: Target;
  /** The answer in OpenAI's chat shape, from the upstream's and the account that gave it. */
  respond(response: Response, account: AccountRecord): Promise<Response>;
}

function sseHeaders(from: Response): Headers {
  const headers = new Headers(from.headers);
  headers.delete("content-length");
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  return headers;
}

function jsonResponse(body: unknown, from: Response, status = from.status): Response {
  const headers = new Headers(from.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
}

/** An upstream failure in OpenAI's shape (passed on unchanged when it already is). */
async function errorAnswer(response: Response): Promise<Response> {
  const text = await response.text();
  const converted = openaiErrorFrom(response.status, text);
  if (!converted) return new Response(text, { status: response.status, headers: response.headers });
  return jsonResponse(converted, response);
}

function badUpstream(from: Response, message: string): Response {
  return jsonResponse(
    { error: { message, type: "server_error", param: null, code: "bad_upstream_response" } },
    from,
    502,
  );
}

async function readJson(response: Response): Promise<Json | undefined> {
  try {
    return asObject(JSON.parse(await response.text()));
  } catch {
    return undefined;
  }
}

/** A translated backend's answer: its stream translated event by event, or its JSON in one go. */
async function translatedAnswer(
  response: Response,
  includeUsage: boolean,
  stream: () => StreamTranslator,
  json: (body: Json) => ChatCompletion,
): Promise<Response> {
  if (!response.ok) return errorAnswer(response);
  if (response.body && response.headers.get("content-type")?.includes("text/event-stream")) {
    return new Response(translateSse(response.body, stream(), includeUsage), {
      status: response.status,
      headers: sseHeaders(response),
    });
  }
  const body = await readJson(response);
  return body
    ? jsonResponse(json(body), response)
    : badUpstream(response, "The upstream's answer was not JSON");
}

function claudePlan(body: ChatBody): Plan {
  const request = parseChatRequest(body);
  const upstream = chatToAnthropicRequest(body, request);
  const text = JSON.stringify(upstream);
  return {
    provider: {
      ...claudeProvider,
      buildRequest: (call, account, credentials, config) =>
        claudeProvider.buildRequest(translatedCall(call, text), account, credentials, config),
      sessionHash: (_body, headers) => claudeProvider.sessionHash(upstream, headers),
    },
    target: { path: "/v1/messages", search: NO_QUERY, model: request.model, stream: request.stream },
    respond: (response) =>
      translatedAnswer(
        response,
        request.includeUsage,
        () => anthropicChatStream(request.model),
        (json) => anthropicToChatResponse(json, request.model),
      ),
  };
}

function geminiPlan(body: ChatBody): Plan {
  const request = parseChatRequest(body);
  const model = geminiModelName(request.model);
  const upstream = chatToGeminiRequest(body, request);
  const text = JSON.stringify(upstream);
  const method = request.stream ? "streamGenerateContent" : "generateContent";
  return {
    provider: {
      ...geminiProvider,
      buildRequest: (call, account, credentials, config) =>
        geminiProvider.buildRequest(translatedCall(call, text), account, credentials, config),
      sessionHash: (_body, headers) => geminiProvider.sessionHash(upstream, headers),
    },
    target: {
      path: `/v1beta/models/${model}:${method}`,
      search: request.stream ? relayQuery({ alt: "sse" }) : NO_QUERY,
      model,
      stream: request.stream,
    },
    respond: (response) =>
      translatedAnswer(
        response,
        request.includeUsage,
        () => geminiChatStream(model),
        (json) => geminiToChatResponse(json, model),
      ),
  };
}

function openaiPlan(body: ChatBody): Plan {
  const stream = body.stream === true;
  const includeUsage = asObject(body.stream_options)?.include_usage === true;
  /** Switched on for the meter when the client streams without it; its chunk is dropped again on the way back. */
  const injectUsage = stream && !includeUsage;
  /** ChatGPT accounts speak only Responses: the request and its answer are translated for them. */
  const speaksResponses = (account: AccountRecord | undefined) => account?.type === "openai-oauth";
  let responsesBody: string | undefined;
  const nativeBody = injectUsage ? withStreamUsage(body) : undefined;
  return {
    provider: {
      ...openaiProvider,
      buildRequest(call, account, credentials, config) {
        if (!speaksResponses(account)) {
          return openaiProvider.buildRequest(
            nativeBody === undefined ? call : { ...call, body: nativeBody },
            account,
            credentials,
            config,
          );
        }
        // Throws a RelayError for a field Responses cannot carry: the relay tries the next account.
        responsesBody ??= JSON.stringify(chatToResponsesRequest(body, parseChatRequest(body)));
        return openaiProvider.buildRequest(
          { ...call, path: "/responses", body: responsesBody, stream: true },
          account,
          credentials,
          config,
        );
      },
      usageFromSse: (text, account) =>
        speaksResponses(account) ? openaiProvider.usageFromSse(text, account) : chatUsageFromSse(text),
      streamErrorEvent: (message, account) =>
        speaksResponses(account) ? responsesStreamError(message) : chatStreamError(message),
    },
    target: { path: "/chat/completions", search: NO_QUERY, model: body.model, stream },
    async respond(response, account) {
      if (!response.ok) return errorAnswer(response);
      if (!speaksResponses(account)) {
        if (!injectUsage || !response.body) return response;
        return new Response(response.body.pipeThrough(dropUsageChunk()), response);
      }
      if (!response.body) return badUpstream(response, "The upstream sent no answer");
      if (stream) {
        return new Response(translateSse(response.body, responsesChatStream(body.model), includeUsage), {
          status: response.status,
          headers: sseHeaders(response),
        });
      }
      const completion = collectCompletion(
        translateSseText(await response.text(), responsesChatStream(body.model)),
      );
      if ("choices" in completion) return jsonResponse(completion, response);
      return jsonResponse({ error: { ...completion, param: null } }, response, 502);
    },
  };
}

function planFor(body: ChatBody): Plan {
  const backend = backendFor(body.model);
  if (backend === "gemini") return geminiPlan(body);
  if (backend === "openai") return openaiPlan(body);
  return claudePlan(body);
}

function chatCompletions(c: RouteContext): Promise<Response> {
  c.set("protocol", "openai");
  /** One plan per request: its provider, target and answer come from one translation of the body. */
  let plan: Plan | undefined;
  const chosen = (body: ChatBody): Plan => {
    plan ??= planFor(body);
    return plan;
  };
  return relay(c, {
    provider: (body) => chosen(body).provider,
    schema: chatBody,
    target: (body) => chosen(body).target,
    meter: true,
    respond: (answer, account, body) => chosen(body).respond(answer, account),
  });
}

// ---- models ----

const OWNERS: Record<Backend, string> = { claude: "anthropic", gemini: "google", openai: "openai" };

const CREATED = 1_735_689_600; // 2025-01-01, as the model lists carry no dates of their own

function modelIds(backend: Backend): string[] {
  if (backend === "claude") return claudeModelList().data.map((m) => m.id);
  if (backend === "gemini") return geminiModelList([]).models.map((m) => m.name.replace(/^models\//, ""));
  return [...OPENAI_MODELS];
}

/** The models this key may use: its platforms, less its model blacklist. */
export function modelsFor(key: RelayKeyRecord) {
  const data = (["claude", "gemini", "openai"] as const).flatMap((backend) =>
    mayUsePlatform(key.limits, backend)
      ? modelIds(backend)
          .filter((id) => !isRestricted(key.limits.restrictedModels, id))
          .map((id) => ({ id, object: "model" as const, created: CREATED, owned_by: OWNERS[backend] }))
      : [],
  );
  return { object: "list" as const, data };
}

/** Chat completions only: mounted at /api/v1, where GET /models is Claude Code's Anthropic list. */
export const unifiedChatRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();
/** Chat completions and the model list: mounted at /v1 and /openai/v1. */
export const chatRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

for (const routes of [unifiedChatRoutes, chatRoutes]) {
  routes.use("*", async (c, next) => {
    c.set("protocol", "openai");
    await next();
  });
  routes.post("/chat/completions", relayKey, chatCompletions);
  routes.post("/unified/chat/completions", relayKey, chatCompletions);
}

chatRoutes.get("/models", relayKey, (c) => c.json(modelsFor(c.var.relayKey)));

chatRoutes.get("/models/:model", relayKey, (c) => {
  const id = c.req.param("model");
  const model = modelsFor(c.var.relayKey).data.find((m) => m.id === id);
  if (!model)
    throw new RelayError("not_found", `The model '${id}' does not exist or this key may not use it`);
  return c.json(model);
});
