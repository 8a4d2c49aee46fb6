// Builds the request to OpenAI for an OpenAI account:
// - API-key accounts (the original's "OpenAI-Responses" accounts): the client's request as it
//   came, to `{baseUrl | OPENAI_API_BASE}/v1/responses`, with the account's key as the bearer;
// - ChatGPT OAuth accounts (the original's "OpenAI" accounts, how Codex signs in): to the ChatGPT
//   Codex backend `{baseUrl | CHATGPT_CODEX_BASE}/responses`, with only the headers the original
//   lets through, the account's token and `chatgpt-account-id`, and `store:false` in the body.
import type { Config } from "../../env.ts";
import { asObject } from "../../http/json.ts";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import { consoleCredentialsSchema, oauthCredentialsSchema } from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";
import { chatgptAccountIdOf } from "./jwt.ts";

/** Client headers that never reach an OpenAI upstream: credentials, hop-by-hop, proxy and CDN headers. */
const DROPPED_HEADERS = new Set([
  "host",
  "authorization",
  "x-api-key",
  "x-cr-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "connection",
  "keep-alive",
  "upgrade",
  "content-length",
  "transfer-encoding",
  "accept-encoding",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-real-ip",
  "x-accel-buffering",
  "true-client-ip",
  "cdn-loop",
  // The account decides the organization and project its key bills to, not the client.
  "openai-organization",
  "openai-project",
]);

/**
 * What reaches the ChatGPT backend from the client. The original lets through only `version`,
 * `openai-beta` and `session_id`; Codex 0.169 names its session `session-id`, and the Codex
 * client's own `originator` and `user-agent` are kept when the client is Codex, so the backend
 * sees the client it serves rather than a relay's HTTP library.
 */
const CODEX_PASSTHROUGH = ["version", "openai-beta", "session_id", "session-id"];
const CODEX_IDENTITY = ["originator", "user-agent"];
export const CODEX_USER_AGENT = /^(codex_vscode|codex_cli_rs|codex_exec)\/[\d.]+/i;

function forwardableHeaders(incoming: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (!DROPPED_HEADERS.has(name) && !name.startsWith("cf-")) headers.set(name, value);
  }
  return headers;
}

const trimSlashes = (url: string) => url.replace(/\/+$/, "");

/** The upstream URL: `call.path` is the Responses path without a version (`/responses`, `/responses/compact`). */
export function openaiUpstreamUrl(call: ClientCall, account: AccountRecord, config: Config): string {
  if (account.type === "openai-oauth") {
    return `${trimSlashes(account.baseUrl || config.CHATGPT_CODEX_BASE)}${call.path}${call.search}`;
  }
  const base = trimSlashes(account.baseUrl || config.OPENAI_API_BASE);
  // A base that already ends in /v1 (a chained relay, an OpenAI-compatible provider) gets no second one.
  const versioned = /\/v1$/.test(base) ? base : `${base}/v1`;
  return `${versioned}${call.path}${call.search}`;
}

/** The ChatGPT backend stores nothing: `store` is forced off, and the compact route takes none at all. */
function codexBody(call: ClientCall): { text: string; stream: boolean } {
  let body: Record<string, unknown> | undefined;
  try {
    body = asObject(JSON.parse(call.body));
  } catch {
    body = undefined;
  }
  if (!body) return { text: call.body, stream: call.stream };
  if (call.path.endsWith("/compact")) delete body.store;
  else body.store = false;
  // The original treats a Codex request as streaming unless it says otherwise.
  return { text: JSON.stringify(body), stream: body.stream !== false };
}

function codexHeaders(
  incoming: Headers,
  accessToken: string,
  accountId: string | undefined,
  stream: boolean,
) {
  const headers = new Headers();
  for (const name of CODEX_PASSTHROUGH) {
    const value = incoming.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (CODEX_USER_AGENT.test(incoming.get("user-agent") ?? "")) {
    for (const name of CODEX_IDENTITY) {
      const value = incoming.get(name);
      if (value !== null) headers.set(name, value);
    }
  }
  headers.set("authorization", `Bearer ${accessToken}`);
  if (accountId) headers.set("chatgpt-account-id", accountId);
  headers.set("accept", stream ? "text/event-stream" : "application/json");
  headers.set("content-type", "application/json");
  return headers;
}

export function buildOpenaiRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  config: Config,
): Request {
  const url = openaiUpstreamUrl(call, account, config);
  if (account.type === "openai-oauth") {
    const oauth = oauthCredentialsSchema.parse(credentials);
    const { text, stream } = codexBody(call);
    const accountId = oauth.chatgptAccountId ?? chatgptAccountIdOf(oauth.accessToken);
    const headers = codexHeaders(call.request.headers, oauth.accessToken, accountId, stream);
    return new Request(url, { method: "POST", headers, body: text });
  }
  const headers = forwardableHeaders(call.request.headers);
  headers.set("authorization", `Bearer ${consoleCredentialsSchema.parse(credentials).apiKey}`);
  headers.set("content-type", "application/json");
  return new Request(url, { method: "POST", headers, body: call.body });
}
