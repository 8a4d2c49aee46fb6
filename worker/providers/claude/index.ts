import type { Provider, WireFormat } from "../provider.ts";
import { isClaudeCode } from "./client.ts";
import { claudeOutcome, claudeStreamError } from "./errors.ts";
import { modelFamily } from "./ratelimit.ts";
import { claudeSessionHash } from "./session.ts";
import { buildClaudeRequest } from "./upstream.ts";
import { usageFromJson, usageFromSse } from "./usage.ts";

/** Anthropic Messages, as Claude accounts answer it (and Droid's Messages endpoint). */
export const messagesWire: WireFormat = {
  protocol: "anthropic",
  usageFromSse,
  usageFromJson,
  streamErrorEvent: claudeStreamError,
  outcome: claudeOutcome,
  sessionHash: (body) => claudeSessionHash(body),
};

export const claudeProvider: Provider = {
  platform: "claude",
  ...messagesWire,
  // Bedrock accounts in the Claude pool go through their own provider (providers/bedrock).
  buildRequest: buildClaudeRequest,
  // Subscription (OAuth) accounts are for the real Claude Code; their limits are per model family.
  subscriptionClient: isClaudeCode,
  modelFamily,
};
