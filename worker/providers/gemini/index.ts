import { oauthCredentialsSchema } from "../../keyspace/records.ts";
import type { Provider } from "../provider.ts";
import { geminiOutcome } from "./errors.ts";
import { expiresSoon, refreshGeminiTokens } from "./oauth.ts";
import { geminiSessionHash } from "./session.ts";
import { buildGeminiRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

const encoder = new TextEncoder();

export const geminiProvider: Provider = {
  platform: "gemini",
  protocol: "google",
  buildRequest: buildGeminiRequest,
  usageFromSse,
  usageFromJson,
  // Sent only after whole events (relay/meter.ts): no blank line needed before it.
  streamErrorEvent: (message) =>
    encoder.encode(`data: ${JSON.stringify({ error: { code: 502, message, status: "UNAVAILABLE" } })}\n\n`),
  outcome: geminiOutcome,
  sessionHash: (body) => geminiSessionHash(body),
  refresh: {
    due: (account, credentials, now) =>
      account.type === "gemini-oauth" && expiresSoon(oauthCredentialsSchema.parse(credentials), now),
    renew: (config, _account, credentials) =>
      refreshGeminiTokens(config, oauthCredentialsSchema.parse(credentials)),
  },
};
