// A local stand-in for api.anthropic.com: end-to-end tests and benchmarks point relay accounts here.
// Behaviour is chosen per account through the base URL (`/s/<scenario>`), so one server can play
// a healthy account, a rate-limited one and a flaky one at the same time.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import * as anthropic from "./anthropic.ts";
import { FakeOauth, type OauthStats } from "./oauth.ts";

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

export interface UsageRecord {
  requestId: string;
  credential: string;
  model: string;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  completed: boolean;
}

export interface FakeStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
  byCredential: Record<string, CredentialStats>;
  byScenario: Record<string, number>;
  usageSent: UsageRecord[];
  oauth?: OauthStats;
  lastRequest?: { method: string; path: string; headers: Record<string, string>; body: unknown };
}

export interface Scenario {
  name: string;
  /** First error status in the scenario wins; undefined means answer normally. */
  status?: number;
  resetAt?: number;
  slowMs: number;
  holdMs: number;
  resetMidStream: boolean;
  cacheRead: boolean;
  text?: string;
}

export const DEFAULT_TEXT = "Hello from fake upstream";
const USAGE_CAP = 10_000;
const NO_CREDENTIAL = "(none)";
const ERROR_STATUSES = new Set(["401", "403", "429", "500", "529"]);

/** Returns the scenario, or an error message (unknown parts are errors so that typos in a base URL show up). */
export function parseScenario(name: string): Scenario | string {
  const scenario: Scenario = { name, slowMs: 0, holdMs: 0, resetMidStream: false, cacheRead: false };
  for (const part of name.split("+")) {
    const [, kind, value] = /^(429-reset|slow|hold)-(\d+)$/.exec(part) ?? [];
    if (part === "ok") continue;
    if (ERROR_STATUSES.has(part)) scenario.status ??= Number(part);
    else if (kind === "429-reset") {
      scenario.status ??= 429;
      scenario.resetAt ??= Number(value);
    } else if (kind === "slow") scenario.slowMs = Number(value);
    else if (kind === "hold") scenario.holdMs = Number(value);
    else if (part === "reset-mid-stream") scenario.resetMidStream = true;
    else if (part === "cache-read") scenario.cacheRead = true;
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

type RouteKind = "messages" | "count_tokens" | "models";
const ROUTE_KINDS: Record<string, RouteKind> = {
  messages: "messages",
  "messages/count_tokens": "count_tokens",
  models: "models",
};
const API_ROUTE = /^(?<prefix>.*?)\/v1\/(?<rest>messages|messages\/count_tokens|models)\/?$/;

function matchRoute(method: string, path: string): { kind: RouteKind; scenario?: string } | undefined {
  const match = API_ROUTE.exec(path);
  if (!match?.groups) return undefined;
  const kind = ROUTE_KINDS[match.groups.rest ?? ""];
  if (kind === undefined) return undefined;
  if (method !== (kind === "models" ? "GET" : "POST")) return undefined;
  return { kind, scenario: /^\/s\/([^/]+)/.exec(match.groups.prefix ?? "")?.[1] };
}

/** Console keys come in x-api-key, OAuth tokens as a bearer token; both are just strings here. */
function credentialOf(req: IncomingMessage): string | undefined {
  const key = req.headers["x-api-key"];
  if (typeof key === "string" && key !== "") return key;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  return bearer?.[1];
}

/** `/v1/oauth/token`, optionally behind `/s/<scenario>` (e.g. `slow-200`) and `/expires-<seconds>`. */
const OAUTH_TOKEN_ROUTE = /^(\/s\/[^/]+)?(\/expires-\d+)?\/v1\/oauth\/token$/;

function emptyStats(): FakeStats {
  return { requests: 0, inFlight: 0, maxInFlight: 0, byCredential: {}, byScenario: {}, usageSent: [] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
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

const sendError = (res: ServerResponse, status: number, message: string, headers?: Record<string, string>) =>
  sendJson(res, status, anthropic.errorBody(status, message), headers);

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
function write(res: ServerResponse, chunk: string, signal: AbortSignal): Promise<boolean> {
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

export function startFakeUpstream(options: { port?: number; host?: string } = {}): Promise<FakeUpstream> {
  const host = options.host ?? "127.0.0.1";
  let stats = emptyStats();
  let defaultScenario = "ok";
  const oauth = new FakeOauth();

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

  async function serveMessage(
    res: ServerResponse,
    request: anthropic.MessagesRequest,
    scenario: Scenario,
    context: { requestId: string; credential: string; signal: AbortSignal },
  ): Promise<void> {
    const text = scenario.text ?? DEFAULT_TEXT;
    const usage = anthropic.computeUsage(request, text, scenario.cacheRead);
    const id = anthropic.newMessageId();
    // Recorded up front and updated in place, so an aborted response still shows what was sent.
    const record: UsageRecord = {
      requestId: context.requestId,
      credential: context.credential,
      model: request.model,
      stream: request.stream,
      ...usage,
      output_tokens: 0,
      completed: false,
    };
    recordUsage(record);

    if (!request.stream) {
      if (scenario.holdMs > 0 && !(await wait(scenario.holdMs, context.signal))) return;
      const body = JSON.stringify(anthropic.messageJson(id, request.model, text, usage));
      if (scenario.resetMidStream) {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        await write(res, body.slice(0, body.length >> 1), context.signal);
        res.socket?.destroy();
        return;
      }
      record.output_tokens = usage.output_tokens;
      record.completed = true;
      sendJson(res, 200, JSON.parse(body));
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const events = anthropic.streamEvents(id, request.model, text, usage);
    for (const [index, event] of events.entries()) {
      if (!(await write(res, formatSse(event), context.signal))) return;
      record.output_tokens += event.words;
      if (scenario.resetMidStream && event.words > 0) {
        res.socket?.destroy();
        return;
      }
      if (index === 0 && scenario.holdMs > 0 && !(await wait(scenario.holdMs, context.signal))) return;
    }
    record.completed = true;
    res.end();
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: string,
  ): Promise<void> {
    const requestId = anthropic.newRequestId();
    res.setHeader("request-id", requestId);
    const parsed = raw === "" ? { ok: false as const } : parseJson(raw);
    stats.lastRequest = {
      method: req.method ?? "",
      path: req.url ?? path,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      ),
      body: parsed.ok ? parsed.value : raw === "" ? undefined : raw,
    };

    const route = matchRoute(req.method ?? "", path);
    if (!route) return sendError(res, 404, `${req.method} ${path} not found`);
    const scenarioName = route.scenario ?? defaultScenario;
    const credential = credentialOf(req);
    const controller = new AbortController();
    res.once("close", () => controller.abort());
    if (route.kind === "messages") track(res, credential ?? NO_CREDENTIAL, scenarioName);

    const scenario = parseScenario(scenarioName);
    if (typeof scenario === "string") return sendError(res, 400, scenario);
    if (scenario.slowMs > 0 && !(await wait(scenario.slowMs, controller.signal))) return;
    if (credential === undefined) return sendError(res, 401, "x-api-key header is required");
    if (credential === "invalid" || !oauth.accepts(credential))
      return sendError(res, 401, "invalid credential");
    if (scenario.status !== undefined) {
      const headers =
        scenario.status === 429
          ? anthropic.rateLimitHeaders(scenario.resetAt ?? Math.floor(Date.now() / 1000) + 60)
          : undefined;
      return sendError(res, scenario.status, `fake upstream scenario "${scenarioName}"`, headers);
    }
    if (route.kind === "models") return sendJson(res, 200, anthropic.modelsList());

    if (!parsed.ok) return sendError(res, 400, "request body is not valid JSON");
    const request = anthropic.parseMessagesRequest(parsed.value);
    if (typeof request === "string") return sendError(res, 400, request);
    if (route.kind === "count_tokens") {
      return sendJson(res, 200, { input_tokens: anthropic.countInputTokens(request) });
    }
    await serveMessage(res, request, scenario, { requestId, credential, signal: controller.signal });
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

  async function handleOauth(res: ServerResponse, path: string, raw: string): Promise<void> {
    const scenario = parseScenario(/^\/s\/([^/]+)/.exec(path)?.[1] ?? "ok");
    if (typeof scenario !== "string" && scenario.slowMs > 0) await sleep(scenario.slowMs);
    const parsed = parseJson(raw);
    const expiresIn = Number(/expires-(\d+)/.exec(path)?.[1] ?? 3600);
    const answer = oauth.token(parsed.ok ? parsed.value : undefined, expiresIn);
    sendJson(res, answer.status, answer.body);
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    const path = new URL(req.url ?? "/", "http://fake-upstream").pathname;
    readBody(req)
      .then((raw) => {
        if (path.startsWith("/__")) return control(res, handleControl(req.method ?? "", path, raw));
        if (req.method === "POST" && OAUTH_TOKEN_ROUTE.test(path)) return handleOauth(res, path, raw);
        return handleApi(req, res, path, raw);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, `fake upstream crashed: ${String(error)}`);
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
