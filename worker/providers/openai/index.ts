// OpenAI Responses (Codex CLI, the OpenAI SDK) through API-key accounts and ChatGPT OAuth accounts.
import type { Provider } from "../provider.ts";
import { openaiOutcome, responsesStreamError } from "./errors.ts";
import { openaiSessionHash } from "./session.ts";
import { buildOpenaiRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

export const openaiProvider: Provider = {
  platform: "openai",
  protocol: "openai",
  buildRequest: buildOpenaiRequest,
  usageFromSse,
  usageFromJson,
  streamErrorEvent: responsesStreamError,
  outcome: openaiOutcome,
  sessionHash: openaiSessionHash,
};
