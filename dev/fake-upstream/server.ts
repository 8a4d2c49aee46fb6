// A local stand-in for api.anthropic.com, the Gemini API (and Code Assist) and the OpenAI
// Responses / Chat Completions APIs: end-to-end tests and benchmarks point relay accounts here.
// Behaviour is chosen per account through the base URL (`/s/<scenario>`), so one server can play
// a healthy account, a rate-limited one and a flaky one at the same time, in any of the formats.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import * as anthropic from "./anthropic.ts";
import * as azure from "./azure.ts";
import * as bedrock from "./bedrock.ts";
import { type ClaudeLimitPart, claudeLimitOutcome, claudeLimitPart } from "./claude-limits.ts";
import * as droid from "./droid.ts";
import * as gemini from "./gemini.ts";
import { FakeOauth, type OauthStats } from "./oauth.ts";
import * as openai from "./openai.ts";
import * as tools from "./tools.ts";
import { isRecord, type NormalizedUsage, type StreamChunk } from "./wire.ts";

export interface FakeUpstream {
  url: string;
  port: number;
  stats(): FakeStats;
  reset(): void;
  close(): Promise<void>;
}

export interface CredentialStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
}

/** The wire format a usage record was sent in. */
export type Protocol =
  | "anthropic"
  | "gemini"
  | "openai-responses"
  | "openai-chat"
  | "openai-embeddings"
  | "bedrock";

/**
 * What the fake sent, in the relay's (Anthropic's) fields whatever the protocol: input_tokens
 * excludes cached tokens, which are cache_read_input_tokens; output_tokens includes reasoning,
 * which is also given as reasoning_tokens when there was any.
 */
export interface UsageRecord {
  requestId: string;
  credential: string;
  protocol: Protocol;
  model: string;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  reasoning_tokens?: number;
  completed: boolean;
}

/** What the `/__webhook/<sink>` receiver got. */
export interface WebhookSink {
  attempts: number;
  received: { path: string; headers: Record<string, string>; body: unknown }[];
}

export interface FakeStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
  byCredential: Record<string, CredentialStats>;
  byScenario: Record<string, number>;
  usageSent: UsageRecord[];
  oauth?: OauthStats;
  /** `rawBody`: the body's text as it arrived, for byte comparisons. */
  lastRequest?: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: unknown;
    rawBody: string;
  };
}

export interface Scenario {
  name: string;
  /** First error status in the scenario wins; undefined means answer normally. */
  status?: number;
  resetAt?: number;
  slowMs: number;
  holdMs: number;
  resetMidStream: boolean;
  /** `cut-<bytes>`: the body broken off after that many bytes, wherever they fall (mid-event too). */
  cutAtByte?: number;
  cacheRead: boolean;
  /** `tools`: call an offered tool, and echo a tool's result (tools.ts). */
  tools: boolean;
  text?: string;
  /** Claude subscription parts (claude-limits.ts): window headers, limits, refusals. */
  claudeLimits: ClaudeLimitPart[];
}

export const DEFAULT_TEXT = "Hello from fake upstream";
const USAGE_CAP = 10_000;
const NO_CREDENTIAL = "(none)";
const ERROR_STATUSES = new Set(["400", "401", "403", "429", "500", "529"]);

/** Returns the scenario, or an error message (unknown parts are errors so that typos in a base URL show up). */
export function parseScenario(name: string): Scenario | string {
  const scenario: Scenario = {
    name,
    slowMs: 0,
    holdMs: 0,
    resetMidStream: false,
    cacheRead: false,
    tools: false,
    claudeLimits: [],
  };
  for (const part of name.split("+")) {
    const claudeLimit = claudeLimitPart(part);
    if (claudeLimit) {
      scenario.claudeLimits.push(claudeLimit);
      continue;
    }
    const [, kind, value] = /^(429-reset|slow|hold|cut)-(\d+)$/.exec(part) ?? [];
    if (part === "ok") continue;
    if (ERROR_STATUSES.has(part)) scenario.status ??= Number(part);
    else if (kind === "429-reset") {
      scenario.status ??= 429;
      scenario.resetAt ??= Number(value);
    } else if (kind === "slow") scenario.slowMs = Number(value);
    else if (kind === "hold") scenario.holdMs = Number(value);
    else if (kind === "cut") scenario.cutAtByte = Number(value);
    else if (part === "reset-mid-stream") scenario.resetMidStream = true;
    else if (part === "cache-read") scenario.cacheRead = true;
    else if (part === "tools") scenario.tools = true;
    else if (part.startsWith("text-")) {
      try {
        scenario.text = decodeURIComponent(part.slice("text-".length));
      } catch {
        return `scenario part "${part}" is not valid URL encoding`;
      }
    } else return `unknown scenario part "${part}"`;
  }
  return scenario;
}

type Family = "anthropic" | "gemini" | "openai";
type RouteKind =
  | "messages"
  | "count_tokens"
  | "models"
  | "generate"
  | "stream_generate"
  | "load_code_assist"
  | "onboard_user"
  | "responses"
  | "chat"
  | "embeddings";

interface Route {
  family: Family;
  kind: RouteKind;
  scenario?: string;
  /** Gemini: the model in the path (Code Assist has it in the body). */
  model?: string;
  codeAssist?: boolean;
  /** An Azure OpenAI path (azure.ts): its chat streams start with a content-filter chunk. */
  azure?: boolean;
  /** Azure: the deployment the path names (an embeddings request may leave its model out). */
  deployment?: string;
}

/** Requests that generate a reply: only these count in requests / inFlight / byCredential / byScenario. */
const GENERATING = new Set<RouteKind>([
  "messages",
  "generate",
  "stream_generate",
  "responses",
  "chat",
  "embeddings",
]);

// Any prefix may come first (`/api`, `/gemini`, `/openai`, `/s/<scenario>`, ...).
const ANTHROPIC_ROUTE = /^(?<prefix>.*?)\/v1\/(?<rest>messages|messages\/count_tokens)\/?$/;
const GEMINI_ROUTE =
  /^(?<prefix>.*?)\/(?:v1beta|v1alpha|v1)\/models\/(?<model>[^/:]+):(?<action>generateContent|streamGenerateContent|countTokens)$/;
const CODE_ASSIST_ROUTE =
  /^(?<prefix>.*?)\/v1internal:(?<action>loadCodeAssist|onboardUser|generateContent|streamGenerateContent|countTokens)$/;
const OPENAI_ROUTE = /^(?<prefix>.*?)\/(?<rest>responses|chat\/completions|embeddings)\/?$/;
const MODELS_ROUTE = /^(?<prefix>.*?)\/(?:(?<version>v1beta|v1)\/)?models\/?$/;

const GEMINI_ACTIONS: Record<string, RouteKind> = {
  generateContent: "generate",
  streamGenerateContent: "stream_generate",
  countTokens: "count_tokens",
  loadCodeAssist: "load_code_assist",
  onboardUser: "onboard_user",
};

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
};

const googleKey = (req: IncomingMessage, url: URL): string | undefined =>
  header(req, "x-goog-api-key") ?? (url.searchParams.get("key") || undefined);

/**
 * `GET …/models` is shared by three APIs. `/v1beta/models` is Google's; a Google key
 * (`x-goog-api-key`, `?key=`) or an `x-goog-api-client` header also picks Google. Otherwise
 * `/v1/models` with an Anthropic marker (`anthropic-version`, `anthropic-beta`, `x-api-key`:
 * every Anthropic SDK and the relay send `anthropic-version`) is Anthropic's, and anything
 * else (a bare bearer token, Azure's `api-key`, `…/openai/models`) is OpenAI's list.
 */
function modelsFamily(req: IncomingMessage, url: URL, version: string | undefined): Family {
  if (version === "v1beta" || googleKey(req, url) !== undefined || header(req, "x-goog-api-client"))
    return "gemini";
  const anthropicMarker = ["anthropic-version", "anthropic-beta", "x-api-key"].some((name) =>
    header(req, name),
  );
  return version === "v1" && anthropicMarker ? "anthropic" : "openai";
}

function matchRoute(req: IncomingMessage, url: URL): Route | undefined {
  const method = req.method ?? "";
  const path = url.pathname;
  const scenarioOf = (prefix: string | undefined) => /^\/s\/([^/]+)/.exec(prefix ?? "")?.[1];
  if (method === "GET") {
    const models = MODELS_ROUTE.exec(path)?.groups;
    if (!models) return undefined;
    const family = modelsFamily(req, url, models.version);
    return { family, kind: "models", scenario: scenarioOf(models.prefix) };
  }
  if (method !== "POST") return undefined;
  const google = GEMINI_ROUTE.exec(path)?.groups ?? CODE_ASSIST_ROUTE.exec(path)?.groups;
  if (google) {
    const kind = GEMINI_ACTIONS[google.action ?? ""];
    if (kind === undefined) return undefined;
    const codeAssist = google.model === undefined;
    return { family: "gemini", kind, scenario: scenarioOf(google.prefix), model: google.model, codeAssist };
  }
  const claude = ANTHROPIC_ROUTE.exec(path)?.groups;
  if (claude) {
    const kind = claude.rest === "messages" ? "messages" : "count_tokens";
    return { family: "anthropic", kind, scenario: scenarioOf(claude.prefix) };
  }
  const oai = OPENAI_ROUTE.exec(path)?.groups;
  if (oai) {
    const kind = oai.rest === "responses" ? "responses" : oai.rest === "embeddings" ? "embeddings" : "chat";
    const onAzure = azure.azurePath(url, req.headers);
    return {
      family: "openai",
      kind,
      scenario: scenarioOf(oai.prefix),
      azure: onAzure !== undefined,
      deployment: onAzure?.deployment,
    };
  }
  return undefined;
}

/**
 * Anthropic: x-api-key or a bearer token (OAuth). Google: x-goog-api-key, `?key=` or a bearer
 * token (OAuth / Code Assist). OpenAI: a bearer token, or Azure's `api-key`. All are just strings here.
 */
function credentialOf(req: IncomingMessage, url: URL, family: Family): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (family === "anthropic") return header(req, "x-api-key") ?? bearer;
  if (family === "gemini") return googleKey(req, url) ?? bearer;
  return bearer ?? header(req, "api-key");
}

const MISSING_CREDENTIAL: Record<Family, string> = {
  anthropic: "x-api-key header is required",
  gemini: gemini.MISSING_CREDENTIAL,
  openai: openai.MISSING_CREDENTIAL,
};

interface ErrorReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * An error in the caller's protocol. 429s carry `retry-after: 30` plus the protocol's own reset
 * hint: Anthropic's unified reset header, Google's RetryInfo, OpenAI's x-ratelimit-reset-requests.
 * Google and OpenAI have no 529: it becomes 503.
 */
function errorReply(family: Family, status: number, message: string, resetAt?: number): ErrorReply {
  const now = Math.floor(Date.now() / 1000);
  const limited = status === 429;
  const resetIn = resetAt === undefined ? 30 : Math.max(0, resetAt - now);
  if (family === "gemini") {
    const body = gemini.errorBody(status, message, limited ? resetIn : undefined);
    return { status: gemini.httpStatus(status), body, headers: limited ? { "retry-after": "30" } : {} };
  }
  if (family === "openai") {
    const headers = limited ? openai.rateLimitHeaders(resetIn) : {};
    return { status: openai.httpStatus(status), body: openai.errorBody(status, message), headers };
  }
  const headers = limited ? anthropic.rateLimitHeaders(resetAt ?? now + 60) : {};
  return { status, body: anthropic.errorBody(status, message), headers };
}

/** `/v1/oauth/token` (or WorkOS's `/user_management/authenticate`), optionally behind `/s/<scenario>` (e.g. `slow-200`) and `/expires-<seconds>`. */
const OAUTH_TOKEN_ROUTE = /^(\/s\/[^/]+)?(\/expires-\d+)?\/(v1\/oauth\/token|user_management\/authenticate)$/;

function emptyStats(): FakeStats {
  return { requests: 0, inFlight: 0, maxInFlight: 0, byCredential: {}, byScenario: {}, usageSent: [] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(raw: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const control = (res: ServerResponse, reply: { status: number; body: unknown }) =>
  sendJson(res, reply.status, reply.body);

const sendError = (
  res: ServerResponse,
  family: Family,
  status: number,
  message: string,
  resetAt?: number,
) => {
  const reply = errorReply(family, status, message, resetAt);
  sendJson(res, reply.status, reply.body, reply.headers);
};

/** A reply ready to be served under a scenario: a JSON body, or chunks each written on its own. */
interface Reply {
  protocol: Protocol;
  model: string;
  usage: NormalizedUsage;
  payload: { kind: "json"; body: unknown } | { kind: "stream"; contentType: string; chunks: StreamChunk[] };
}

/** Resolves false instead of throwing when the client went away, so handlers can just stop. */
async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Waits until the chunk is handed to the socket, so each event leaves as its own chunk. */
function write(res: ServerResponse, chunk: string | Uint8Array, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    res.write(chunk, (error) => {
      signal.removeEventListener("abort", onAbort);
      resolve(!error);
    });
  });
}

const formatSse = (event: anthropic.SseEvent): string =>
  `${event.event === undefined ? "" : `event: ${event.event}\n`}data: ${JSON.stringify(event.data)}\n\n`;

type Parsed = { ok: true; value: unknown } | { ok: false };
interface Context {
  requestId: string;
  credential: string;
  signal: AbortSignal;
}

export function startFakeUpstream(options: { port?: number; host?: string } = {}): Promise<FakeUpstream> {
  const host = options.host ?? "127.0.0.1";
  let stats = emptyStats();
  let defaultScenario = "ok";
  const oauth = new FakeOauth();
  const webhookSinks = new Map<string, WebhookSink>();

  function track(res: ServerResponse, credential: string, scenarioName: string): void {
    // Captured so that a reset during a long request does not drive the new counters negative.
    const current = stats;
    const perCredential = current.byCredential[credential] ?? { requests: 0, inFlight: 0, maxInFlight: 0 };
    current.byCredential[credential] = perCredential;
    current.requests++;
    current.byScenario[scenarioName] = (current.byScenario[scenarioName] ?? 0) + 1;
    perCredential.requests++;
    current.inFlight++;
    perCredential.inFlight++;
    current.maxInFlight = Math.max(current.maxInFlight, current.inFlight);
    perCredential.maxInFlight = Math.max(perCredential.maxInFlight, perCredential.inFlight);
    res.once("close", () => {
      current.inFlight--;
      perCredential.inFlight--;
    });
  }

  function recordUsage(record: UsageRecord): void {
    stats.usageSent.push(record);
    if (stats.usageSent.length > USAGE_CAP) stats.usageSent.splice(0, stats.usageSent.length - USAGE_CAP);
  }

  /**
   * Serves any protocol's reply under the scenario. reset-mid-stream cuts a JSON body in half, or
   * a stream right after its first chunk with reply text; cut-<bytes> cuts either after that many
   * bytes of the body; hold-<ms> waits before a JSON body, or after a stream's first chunk.
   */
  async function serve(
    res: ServerResponse,
    reply: Reply,
    scenario: Scenario,
    context: Context,
  ): Promise<void> {
    const { payload, usage } = reply;
    // Recorded up front and updated in place, so an aborted response still shows what was sent.
    const record: UsageRecord = {
      requestId: context.requestId,
      credential: context.credential,
      protocol: reply.protocol,
      model: reply.model,
      stream: payload.kind === "stream",
      ...usage,
      output_tokens: 0,
      completed: false,
    };
    recordUsage(record);

    if (payload.kind === "json") {
      if (scenario.holdMs > 0 && !(await wait(scenario.holdMs, context.signal))) return;
      const body = JSON.stringify(payload.body);
      const cutAt = scenario.cutAtByte;
      const cut = scenario.resetMidStream
        ? Buffer.from(body.slice(0, body.length >> 1))
        : cutAt !== undefined && cutAt < Buffer.byteLength(body)
          ? Buffer.from(body).subarray(0, cutAt)
          : undefined;
      if (cut) {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        await write(res, cut, context.signal);
        res.socket?.destroy();
        return;
      }
      record.output_tokens = usage.output_tokens;
      record.completed = true;
      sendJson(res, 200, payload.body);
      return;
    }

    res.writeHead(200, { "content-type": payload.contentType, "cache-control": "no-cache" });
    let sent = 0;
    for (const [index, chunk] of payload.chunks.entries()) {
      const wire = typeof chunk.wire === "string" ? Buffer.from(chunk.wire) : chunk.wire;
      if (scenario.cutAtByte !== undefined && sent + wire.byteLength > scenario.cutAtByte) {
        await write(res, wire.subarray(0, scenario.cutAtByte - sent), context.signal);
        res.socket?.destroy();
        return;
      }
      if (!(await write(res, wire, context.signal))) return;
      sent += wire.byteLength;
      record.output_tokens += chunk.words;
      if (scenario.resetMidStream && chunk.text) {
        res.socket?.destroy();
        return;
      }
      if (index === 0 && scenario.holdMs > 0 && !(await wait(scenario.holdMs, context.signal))) return;
    }
    record.completed = true;
    res.end();
  }

  async function serveAnthropic(
    res: ServerResponse,
    route: Route,
    parsed: Parsed,
    scenario: Scenario,
    context: Context,
  ): Promise<void> {
    const fail = (status: number, message: string) => sendError(res, "anthropic", status, message);
    if (route.kind === "models") return sendJson(res, 200, anthropic.modelsList());
    if (!parsed.ok) return fail(400, "request body is not valid JSON");
    const request = anthropic.parseMessagesRequest(parsed.value);
    if (typeof request === "string") return fail(400, request);
    if (route.kind === "count_tokens") {
      return sendJson(res, 200, { input_tokens: anthropic.countInputTokens(request) });
    }
    const turn = scenario.tools ? tools.anthropicTurn(parsed.value) : undefined;
    if (turn?.kind === "call") {
      const { usage, payload } = tools.anthropicReply(request, turn.call, scenario.cacheRead);
      return serve(res, { protocol: "anthropic", model: request.model, usage, payload }, scenario, context);
    }
    const text = turn?.kind === "result" ? turn.text : (scenario.text ?? DEFAULT_TEXT);
    const usage = anthropic.computeUsage(request, text, scenario.cacheRead);
    const id = anthropic.newMessageId();
    const payload: Reply["payload"] = request.stream
      ? {
          kind: "stream",
          contentType: "text/event-stream",
          chunks: anthropic.streamEvents(id, request.model, text, usage).map((event) => ({
            wire: formatSse(event),
            words: event.words,
            text: event.words > 0,
          })),
        }
      : { kind: "json", body: anthropic.messageJson(id, request.model, text, usage) };
    await serve(res, { protocol: "anthropic", model: request.model, usage, payload }, scenario, context);
  }

  async function serveGemini(
    res: ServerResponse,
    route: Route,
    url: URL,
    parsed: Parsed,
    scenario: Scenario,
    context: Context,
  ): Promise<void> {
    const fail = (status: number, message: string) => sendError(res, "gemini", status, message);
    if (route.kind === "models") return sendJson(res, 200, gemini.modelsList());
    if (route.kind === "load_code_assist") return sendJson(res, 200, gemini.loadCodeAssist());
    if (route.kind === "onboard_user") return sendJson(res, 200, gemini.onboardUser());
    if (!parsed.ok) return fail(400, "Invalid JSON payload received.");
    const codeAssist = route.codeAssist === true;
    if (route.kind === "count_tokens") {
      const total = gemini.countTokens(parsed.value, codeAssist);
      return typeof total === "string" ? fail(400, total) : sendJson(res, 200, { totalTokens: total });
    }
    const request = codeAssist
      ? gemini.parseCodeAssistRequest(parsed.value)
      : gemini.parseGenerateRequest(parsed.value, route.model ?? "");
    if (typeof request === "string") return fail(400, request);
    const sse = url.searchParams.get("alt") === "sse";
    const inner = codeAssist && isRecord(parsed.value) ? parsed.value.request : parsed.value;
    const turn = scenario.tools ? tools.geminiTurn(inner) : undefined;
    if (turn?.kind === "call") {
      const stream = route.kind === "stream_generate";
      const options = { cacheRead: scenario.cacheRead, codeAssist, stream, sse };
      const { usage, payload } = tools.geminiReply(request, turn.call, options);
      const reply: Reply = {
        protocol: "gemini",
        model: request.model,
        usage: gemini.normalizedUsage(usage),
        payload,
      };
      return serve(res, reply, scenario, context);
    }
    const text = turn?.kind === "result" ? turn.text : (scenario.text ?? DEFAULT_TEXT);
    const metadata = gemini.computeUsage(request, text, scenario.cacheRead);
    const responseId = gemini.newResponseId();
    const payload: Reply["payload"] =
      route.kind === "stream_generate"
        ? {
            kind: "stream",
            contentType: sse ? "text/event-stream" : "application/json",
            chunks: gemini.streamChunks(request, text, metadata, { responseId, codeAssist, sse }),
          }
        : { kind: "json", body: gemini.responseJson(request, text, metadata, { responseId, codeAssist }) };
    const usage = gemini.normalizedUsage(metadata);
    await serve(res, { protocol: "gemini", model: request.model, usage, payload }, scenario, context);
  }

  async function serveOpenai(
    res: ServerResponse,
    route: Route,
    parsed: Parsed,
    scenario: Scenario,
    context: Context,
  ): Promise<void> {
    const fail = (status: number, message: string) => sendError(res, "openai", status, message);
    if (route.kind === "models") return sendJson(res, 200, openai.modelsList());
    if (!parsed.ok) return fail(400, "We could not parse the JSON body of your request.");
    const turnOf = (of: (body: unknown) => tools.ToolTurn | undefined) =>
      scenario.tools ? of(parsed.value) : undefined;
    const turn = turnOf(route.kind === "responses" ? tools.responsesTurn : tools.chatTurn);
    const text = turn?.kind === "result" ? turn.text : (scenario.text ?? DEFAULT_TEXT);
    const call = turn?.kind === "call" ? turn.call : undefined;
    const ids = openai.newIds();
    const stream = (chunks: StreamChunk[]): Reply["payload"] => ({
      kind: "stream",
      contentType: "text/event-stream",
      chunks,
    });
    if (route.kind === "responses") {
      const request = openai.parseResponsesRequest(parsed.value);
      if (typeof request === "string") return fail(400, request);
      const usage = call
        ? tools.withOutput(openai.responsesUsage(request, "", scenario.cacheRead), call)
        : openai.responsesUsage(request, text, scenario.cacheRead);
      const payload = call
        ? tools.responsesReply(ids, request, call, usage)
        : request.stream
          ? stream(openai.responseEvents(ids, request.model, text, usage))
          : { kind: "json" as const, body: openai.responseJson(ids, request.model, text, usage) };
      const reply: Reply = {
        protocol: "openai-responses",
        model: request.model,
        usage: openai.normalizedUsage(usage),
        payload,
      };
      return serve(res, reply, scenario, context);
    }
    if (route.kind === "embeddings") {
      const request = azure.parseEmbeddingsRequest(parsed.value, route.deployment);
      if (typeof request === "string") return fail(400, request);
      const { body, usage } = azure.embeddingsJson(request);
      const reply: Reply = {
        protocol: "openai-embeddings",
        model: request.model,
        usage,
        payload: { kind: "json", body },
      };
      return serve(res, reply, scenario, context);
    }
    const request = openai.parseChatRequest(parsed.value);
    if (typeof request === "string") return fail(400, request);
    const usage = call
      ? tools.withOutput(openai.chatUsage(request, "", scenario.cacheRead), call)
      : openai.chatUsage(request, text, scenario.cacheRead);
    const chunks = () =>
      call
        ? tools.chatChunks(ids.chat, request, call, usage)
        : openai.chatChunks(ids.chat, request, text, usage);
    const body = () =>
      call
        ? tools.chatJson(ids.chat, request.model, call, usage)
        : openai.chatJson(ids.chat, request.model, text, usage);
    const payload = request.stream
      ? stream(route.azure ? azure.withPromptFilter(chunks()) : chunks())
      : { kind: "json" as const, body: body() };
    const reply: Reply = {
      protocol: "openai-chat",
      model: request.model,
      usage: openai.normalizedUsage(usage),
      payload,
    };
    await serve(res, reply, scenario, context);
  }

  /**
   * AWS Bedrock InvokeModel (bedrock.ts): the SigV4 signature is checked before anything else;
   * the credential counted is the access key id (a refused signature counts as "(bad signature)").
   */
  async function serveBedrock(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    raw: string,
  ): Promise<void> {
    const route = bedrock.BEDROCK_ROUTE.exec(url.pathname)?.groups ?? {};
    const requestId = anthropic.newRequestId();
    res.setHeader("x-amzn-requestid", requestId);
    const parsed = parseJson(raw);
    stats.lastRequest = {
      method: req.method ?? "",
      path: req.url ?? url.pathname,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
      ),
      body: parsed.ok ? parsed.value : raw,
      rawBody: raw,
    };
    const fail = (error: bedrock.BedrockError) => sendJson(res, error.status, error.body, error.headers);
    const verdict = bedrock.verifySigV4({
      method: req.method ?? "",
      rawUrl: req.url ?? "",
      headers: req.headers,
      body: Buffer.from(raw),
    });
    const scenarioName = /^\/s\/([^/]+)/.exec(route.prefix ?? "")?.[1] ?? defaultScenario;
    const controller = new AbortController();
    res.once("close", () => controller.abort());
    track(res, verdict.ok ? verdict.accessKeyId : "(bad signature)", scenarioName);
    if (!verdict.ok) return fail(verdict.error);
    const scenario = parseScenario(scenarioName);
    if (typeof scenario === "string") return fail(bedrock.bedrockError(400, "ValidationException", scenario));
    if (scenario.slowMs > 0 && !(await wait(scenario.slowMs, controller.signal))) return;
    if (scenario.status !== undefined) return fail(bedrock.scenarioError(scenario.status, scenarioName));
    const request = bedrock.parseInvokeBody(parsed.ok ? parsed.value : undefined);
    if (typeof request === "string") return fail(bedrock.bedrockError(400, "ValidationException", request));
    const modelId = decodeURIComponent(route.model ?? "");
    const model = bedrock.anthropicModelOf(modelId);
    const stream = route.action === "invoke-with-response-stream";
    const text = scenario.text ?? DEFAULT_TEXT;
    const usage = anthropic.computeUsage({ model, stream, ...request }, text, scenario.cacheRead);
    const id = anthropic.newMessageId();
    const payload: Reply["payload"] = stream
      ? {
          kind: "stream",
          contentType: "application/vnd.amazon.eventstream",
          chunks: bedrock.streamFrames(anthropic.streamEvents(id, model, text, usage), usage),
        }
      : { kind: "json", body: anthropic.messageJson(id, model, text, usage) };
    const context: Context = { requestId, credential: verdict.accessKeyId, signal: controller.signal };
    await serve(res, { protocol: "bedrock", model: modelId, usage, payload }, scenario, context);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    const requestId = anthropic.newRequestId();
    res.setHeader("request-id", requestId);
    const parsed: Parsed = raw === "" ? { ok: false } : parseJson(raw);
    stats.lastRequest = {
      method: req.method ?? "",
      path: req.url ?? url.pathname,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      ),
      body: parsed.ok ? parsed.value : raw === "" ? undefined : raw,
      rawBody: raw,
    };

    const route = matchRoute(req, url);
    if (!route) return sendError(res, "anthropic", 404, `${req.method} ${url.pathname} not found`);
    const { family } = route;
    if (family === "openai") res.setHeader("x-request-id", requestId);
    const fail = (status: number, message: string, resetAt?: number) =>
      sendError(res, family, status, message, resetAt);
    const scenarioName = route.scenario ?? defaultScenario;
    const droidPath = droid.droidPath(url.pathname);
    const credential =
      (droidPath ? droid.droidCredential(req.headers) : undefined) ?? credentialOf(req, url, family);
    const controller = new AbortController();
    res.once("close", () => controller.abort());
    if (GENERATING.has(route.kind)) track(res, credential ?? NO_CREDENTIAL, scenarioName);

    const scenario = parseScenario(scenarioName);
    if (typeof scenario === "string") return fail(400, scenario);
    if (scenario.slowMs > 0 && !(await wait(scenario.slowMs, controller.signal))) return;
    const azurePath = azure.azurePath(url, req.headers);
    const refusal = azurePath
      ? azure.azureRefusal(azurePath, req.headers, url.searchParams)
      : droidPath && droid.droidRefusal(droidPath, req.headers);
    if (refusal) return sendJson(res, refusal.status, refusal.body);
    if (credential === undefined) return fail(401, MISSING_CREDENTIAL[family]);
    if (credential === "invalid" || !oauth.accepts(credential)) return fail(401, "invalid credential");
    if (scenario.status !== undefined) {
      return fail(scenario.status, `fake upstream scenario "${scenarioName}"`, scenario.resetAt);
    }
    if (family === "anthropic" && route.kind === "messages") {
      const model = parsed.ok && isRecord(parsed.value) ? String(parsed.value.model ?? "") : "";
      const limited = claudeLimitOutcome(scenario.claudeLimits, model);
      if (limited && "reply" in limited) {
        return sendJson(res, limited.reply.status, limited.reply.body, limited.reply.headers);
      }
      for (const [name, value] of Object.entries(limited?.headers ?? {})) res.setHeader(name, value);
    }
    const context: Context = { requestId, credential, signal: controller.signal };
    if (family === "gemini") return serveGemini(res, route, url, parsed, scenario, context);
    if (family === "openai") return serveOpenai(res, route, parsed, scenario, context);
    return serveAnthropic(res, route, parsed, scenario, context);
  }

  function handleControl(method: string, path: string, raw: string): { status: number; body: unknown } {
    if (method === "GET" && path === "/__stats")
      return { status: 200, body: { ...stats, oauth: oauth.stats } };
    if (method === "POST" && path === "/__reset") {
      stats = emptyStats();
      oauth.reset();
      defaultScenario = "ok";
      return { status: 200, body: { ok: true } };
    }
    if (method !== "POST" || path !== "/__control") {
      return { status: 404, body: anthropic.errorBody(404, `${method} ${path} not found`) };
    }
    const parsed = parseJson(raw);
    const value = parsed.ok ? parsed.value : undefined;
    const name =
      typeof value === "object" && value !== null && "scenario" in value ? value.scenario : undefined;
    const scenario = typeof name === "string" ? parseScenario(name) : 'body must be {"scenario": "<name>"}';
    if (typeof scenario === "string") return { status: 400, body: anthropic.errorBody(400, scenario) };
    defaultScenario = scenario.name;
    return { status: 200, body: { ok: true, scenario: scenario.name } };
  }

  /**
   * A webhook receiver for the Notifier's tests: `POST /__webhook/<sink>[/fail-<n>][/hold-<ms>][/drop-half]`
   * answers 500 to the sink's first n requests, waits ms before answering, and records every
   * request; `GET /__webhook/<sink>` returns what it got. /__reset empties every sink.
   * `drop-half` drops every other request (the 1st, 3rd, 5th…) before it is recorded with a 500,
   * so half the first deliveries are lost and must be retried.
   */
  async function handleWebhook(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    raw: string,
  ): Promise<void> {
    const [, , name = "", ...options] = url.pathname.split("/");
    const sink = webhookSinks.get(name) ?? { attempts: 0, received: [] };
    webhookSinks.set(name, sink);
    if (req.method === "GET") return sendJson(res, 200, sink);
    const failFirst = Number(/^fail-(\d+)$/.exec(options.find((o) => o.startsWith("fail-")) ?? "")?.[1] ?? 0);
    const holdMs = Number(/^hold-(\d+)$/.exec(options.find((o) => o.startsWith("hold-")) ?? "")?.[1] ?? 0);
    sink.attempts++;
    if (holdMs > 0) {
      const controller = new AbortController();
      res.once("close", () => controller.abort());
      if (!(await wait(holdMs, controller.signal))) return;
    }
    if (sink.attempts <= failFirst) return sendJson(res, 500, { error: `failing attempt ${sink.attempts}` });
    if (options.includes("drop-half") && sink.attempts % 2 === 1)
      return sendJson(res, 500, { error: `dropped attempt ${sink.attempts}` });
    const parsed = parseJson(raw);
    sink.received.push({
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
      ),
      body: parsed.ok ? parsed.value : raw,
    });
    sendJson(res, 200, { ok: true });
  }

  async function handleOauth(res: ServerResponse, path: string, raw: string): Promise<void> {
    const scenario = parseScenario(/^\/s\/([^/]+)/.exec(path)?.[1] ?? "ok");
    if (typeof scenario !== "string" && scenario.slowMs > 0) await sleep(scenario.slowMs);
    const parsed = parseJson(raw);
    const expiresIn = Number(/expires-(\d+)/.exec(path)?.[1] ?? 3600);
    // JSON (Anthropic, OpenAI) or a form (Google's token endpoint takes form-encoded fields).
    const fields = parsed.ok ? parsed.value : Object.fromEntries(new URLSearchParams(raw));
    const answer = oauth.token(fields, expiresIn);
    sendJson(res, answer.status, answer.body);
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake-upstream");
    const path = url.pathname;
    readBody(req)
      .then((raw) => {
        if (path.startsWith("/__webhook/")) return handleWebhook(req, res, url, raw);
        if (path === "/__reset") webhookSinks.clear();
        if (path.startsWith("/__")) return control(res, handleControl(req.method ?? "", path, raw));
        if (req.method === "POST" && OAUTH_TOKEN_ROUTE.test(path)) return handleOauth(res, path, raw);
        if (req.method === "POST" && bedrock.BEDROCK_ROUTE.test(path))
          return serveBedrock(req, res, url, raw);
        return handleApi(req, res, url, raw);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendError(res, "anthropic", 500, `fake upstream crashed: ${String(error)}`);
        else res.destroy();
      });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        port,
        stats: () => structuredClone({ ...stats, oauth: oauth.stats }),
        reset: () => {
          stats = emptyStats();
          oauth.reset();
          webhookSinks.clear();
          defaultScenario = "ok";
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
