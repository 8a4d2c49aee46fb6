// Builds the request to Anthropic (or a chained relay / the fake upstream) for a Claude account.
import type { Config } from "../../env.ts";
import type { AccountRecord } from "../../keyspace/records.ts";
import { consoleCredentialsSchema } from "../../keyspace/records.ts";
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

export function buildClaudeRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  config: Config,
): Request {
  const headers = forwardableHeaders(call.request.headers);
  const { apiKey } = consoleCredentialsSchema.parse(credentials);
  headers.set("x-api-key", apiKey);
  if (!headers.has("anthropic-version")) headers.set("anthropic-version", "2023-06-01");
  headers.set("content-type", "application/json");
  const base = (account.baseUrl || config.ANTHROPIC_API_BASE).replace(/\/+$/, "");
  return new Request(`${base}${call.path}${call.search}`, { method: "POST", headers, body: call.body });
}
