// Droid (Factory.ai) accounts, platform `droid`: one provider per Factory endpoint, each metered
// with the meter of the protocol it answers in (Claude's for Messages, OpenAI's for Responses and
// Chat Completions).
import { claudeOutcome, claudeStreamError } from "../claude/errors.ts";
import { claudeSessionHash } from "../claude/session.ts";
import { usageFromJson as claudeUsageFromJson, usageFromSse as claudeUsageFromSse } from "../claude/usage.ts";
import { chatStreamError, openaiOutcome, responsesStreamError } from "../openai/errors.ts";
import { openaiSessionHash } from "../openai/session.ts";
import {
  chatUsageFromSse,
  usageFromJson as openaiUsageFromJson,
  usageFromSse as openaiUsageFromSse,
} from "../openai/usage.ts";
import type { Provider } from "../provider.ts";
import { buildDroidRequest } from "./upstream.ts";

export const droidClaudeProvider: Provider = {
  platform: "droid",
  protocol: "anthropic",
  buildRequest: (call, account, credentials, config) =>
    buildDroidRequest("anthropic", call, account, credentials, config),
  usageFromSse: claudeUsageFromSse,
  usageFromJson: claudeUsageFromJson,
  streamErrorEvent: claudeStreamError,
  outcome: claudeOutcome,
  sessionHash: (body) => claudeSessionHash(body),
};

export const droidResponsesProvider: Provider = {
  platform: "droid",
  protocol: "openai",
  buildRequest: (call, account, credentials, config) =>
    buildDroidRequest("openai", call, account, credentials, config),
  usageFromSse: openaiUsageFromSse,
  usageFromJson: openaiUsageFromJson,
  streamErrorEvent: responsesStreamError,
  outcome: openaiOutcome,
  sessionHash: openaiSessionHash,
};

export const droidChatProvider: Provider = {
  ...droidResponsesProvider,
  buildRequest: (call, account, credentials, config) =>
    buildDroidRequest("comm", call, account, credentials, config),
  usageFromSse: chatUsageFromSse,
  streamErrorEvent: chatStreamError,
};
