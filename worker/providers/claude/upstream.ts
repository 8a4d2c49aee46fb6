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

const OAUTH_BETAS = "oauth-2025-04-20,interleaved-thinking-2025-05-14";
const CLAUDE_CODE_BETAS =
  "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14";
const DEFAULT_CLAUDE_CODE_UA = "claude-cli/1.0.119 (external, cli)";

/** What the original sends for OAuth accounts: its betas first, the client's after, no duplicates. */
function setOauthHeaders(headers: Headers, accessToken: string, model: string): void {
  headers.set("authorization", `Bearer ${accessToken}`);
  const ours = (/haiku/i.test(model) ? OAUTH_BETAS : CLAUDE_CODE_BETAS).split(",");
  const theirs = (headers.get("anthropic-beta") ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  headers.set("anthropic-beta", [...new Set([...ours, ...theirs])].join(","));
  if (!/^claude-cli\//i.test(headers.get("user-agent") ?? ""))
    headers.set("user-agent", DEFAULT_CLAUDE_CODE_UA);
}

export function buildClaudeRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  config: Config,
): Request {
  const headers = forwardableHeaders(call.request.headers);
  if (account.type === "claude-oauth") {
    setOauthHeaders(headers, oauthCredentialsSchema.parse(credentials).accessToken, call.model);
  } else {
    headers.set("x-api-key", consoleCredentialsSchema.parse(credentials).apiKey);
  }
  if (!headers.has("anthropic-version")) headers.set("anthropic-version", "2023-06-01");
  headers.set("content-type", "application/json");
  const base = (account.baseUrl || config.ANTHROPIC_API_BASE).replace(/\/+$/, "");
  return new Request(`${base}${call.path}${call.search}`, { method: "POST", headers, body: call.body });
}
