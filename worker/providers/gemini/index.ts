// Google's Gemini API (Gemini CLI, the Google SDKs) through API-key accounts and Code Assist OAuth
// accounts.
import type { Provider, WireFormat } from "../provider.ts";
import { geminiOutcome, geminiStreamError } from "./errors.ts";
import { geminiSessionHash } from "./session.ts";
import { buildGeminiRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

/** generateContent / streamGenerateContent answers, as both Gemini account types give them. */
export const geminiWire: WireFormat = {
  protocol: "google",
  usageFromSse,
  usageFromJson,
  streamErrorEvent: geminiStreamError,
  outcome: geminiOutcome,
  sessionHash: (body) => geminiSessionHash(body),
};

export const geminiProvider: Provider = {
  platform: "gemini",
  ...geminiWire,
  buildRequest: buildGeminiRequest,
};
