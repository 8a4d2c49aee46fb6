import type { Provider } from "../provider.ts";
import { geminiOutcome, geminiStreamError } from "./errors.ts";
import { geminiSessionHash } from "./session.ts";
import { buildGeminiRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

export const geminiProvider: Provider = {
  platform: "gemini",
  protocol: "google",
  buildRequest: buildGeminiRequest,
  usageFromSse,
  usageFromJson,
  streamErrorEvent: geminiStreamError,
  outcome: geminiOutcome,
  sessionHash: (body) => geminiSessionHash(body),
};
