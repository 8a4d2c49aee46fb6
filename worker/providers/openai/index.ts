// OpenAI Responses (Codex CLI, the OpenAI SDK) through API-key accounts and ChatGPT OAuth accounts.
import type { Provider, WireFormat } from "../provider.ts";
import { chatStreamError, openaiOutcome, responsesStreamError } from "./errors.ts";
import { openaiSessionHash } from "./session.ts";
import { buildOpenaiRequest } from "./upstream.ts";
import { chatUsageFromSse, usageFromJson, usageFromSse } from "./usage.ts";

/** OpenAI Responses (also Azure's and Droid's Responses endpoints). */
export const responsesWire: WireFormat = {
  protocol: "openai",
  usageFromSse,
  usageFromJson,
  streamErrorEvent: responsesStreamError,
  outcome: openaiOutcome,
  sessionHash: openaiSessionHash,
};

/** Chat Completions (Azure's and Droid's chat). A JSON completion carries `usage` at the top, as a Response does. */
export const chatWire: WireFormat = {
  ...responsesWire,
  usageFromSse: chatUsageFromSse,
  streamErrorEvent: chatStreamError,
};

export const openaiProvider: Provider = {
  platform: "openai",
  ...responsesWire,
  buildRequest: buildOpenaiRequest,
};
