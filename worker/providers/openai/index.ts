// OpenAI Responses (Codex CLI, the OpenAI SDK) through API-key accounts and ChatGPT OAuth accounts.
import { oauthCredentialsSchema } from "../../keyspace/records.ts";
import type { Provider } from "../provider.ts";
import { openaiOutcome } from "./errors.ts";
import { openaiTokenExpiresSoon, refreshOpenaiTokens } from "./oauth.ts";
import { openaiSessionHash } from "./session.ts";
import { buildOpenaiRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

const encoder = new TextEncoder();

/**
 * Ends a broken Responses stream the way OpenAI ends a failed one: an `error` event (what the
 * OpenAI SDK raises on) and `response.failed` (what Codex reads: without it, or
 * response.completed, it reports "stream closed before response.completed").
 */
export function responsesStreamError(message: string): Uint8Array {
  const error = { type: "error", code: "server_error", message, param: null };
  const failed = {
    type: "response.failed",
    response: {
      id: `resp_relay_${crypto.randomUUID().replaceAll("-", "")}`,
      object: "response",
      status: "failed",
      error: { code: "server_error", message },
      incomplete_details: null,
      output: [],
      usage: null,
    },
  };
  return encoder.encode(
    `event: error\ndata: ${JSON.stringify(error)}\n\nevent: response.failed\ndata: ${JSON.stringify(failed)}\n\n`,
  );
}

export const openaiProvider: Provider = {
  platform: "openai",
  protocol: "openai",
  buildRequest: buildOpenaiRequest,
  usageFromSse,
  usageFromJson,
  streamErrorEvent: responsesStreamError,
  outcome: openaiOutcome,
  sessionHash: openaiSessionHash,
  refresh: {
    due: (account, credentials, now) =>
      account.type === "openai-oauth" &&
      openaiTokenExpiresSoon(oauthCredentialsSchema.parse(credentials), now),
    renew: (config, _account, credentials) =>
      refreshOpenaiTokens(config, oauthCredentialsSchema.parse(credentials)),
  },
};
