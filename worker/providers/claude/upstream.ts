// Builds the request to Anthropic (or a chained relay / the fake upstream) for a Claude account.
import type { Config } from "../../env.ts";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import { consoleCredentialsSchema, oauthCredentialsSchema } from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";

/** Client headers that must not reach the upstream: credentials, hop-by-hop, proxy and CDN headers. */
const DROPPED_HEADERS = new Set([
  "host",
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "accept-encoding",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-real-ip",
  "true-client-ip",
]);

export function forwardableHeaders(incoming: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (!DROPPED_HEADERS.has(name) && !name.startsWith("cf-")) headers.set(name, value);
  }
  return headers;
}

/** The beta an OAuth access token needs on the Messages API. */
const OAUTH_BETA = "oauth-2025-04-20";

/**
 * A subscription (OAuth) account's credentials on the client's own request. The relay never
 * disguises a client as Claude Code: the client's User-Agent, betas and body pass as they came
 * (Claude Code's untouched, another client's without a borrowed Claude Code beta, system prompt or
 * user id); only the bearer token is the account's, and the OAuth beta the token needs is added
 * after the client's betas when the client did not send it.
 */
function setOauthCredentials(headers: Headers, accessToken: string): void {
  headers.set("authorization", `Bearer ${accessToken}`);
  const betas = (headers.get("anthropic-beta") ?? "")
    .split(",")
    .map((beta) => beta.trim())
    .filter(Boolean);
  if (!betas.includes(OAUTH_BETA)) headers.set("anthropic-beta", [...betas, OAUTH_BETA].join(","));
}

export function buildClaudeRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  config: Config,
): Request {
  const headers = forwardableHeaders(call.request.headers);
  if (account.type === "claude-oauth") {
    setOauthCredentials(headers, oauthCredentialsSchema.parse(credentials).accessToken);
  } else {
    headers.set("x-api-key", consoleCredentialsSchema.parse(credentials).apiKey);
  }
  if (!headers.has("anthropic-version")) headers.set("anthropic-version", "2023-06-01");
  headers.set("content-type", "application/json");
  const base = (account.baseUrl || config.ANTHROPIC_API_BASE).replace(/\/+$/, "");
  return new Request(`${base}${call.path}${call.search}`, { method: "POST", headers, body: call.body });
}
