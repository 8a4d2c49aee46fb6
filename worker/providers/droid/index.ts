// Droid (Factory.ai) accounts, platform `droid`: one provider per Factory endpoint, each metered
// with the meter of the protocol it answers in (Claude's for Messages, OpenAI's for Responses and
// Chat Completions).
import { oauthCredentialsSchema } from "../../keyspace/records.ts";
import { chatUsageFromSse } from "../../translate/chat-usage.ts";
import { claudeOutcome, claudeStreamError } from "../claude/errors.ts";
import { claudeSessionHash } from "../claude/session.ts";
import { usageFromJson as claudeUsageFromJson, usageFromSse as claudeUsageFromSse } from "../claude/usage.ts";
import { chatStreamError, openaiOutcome, responsesStreamError } from "../openai/errors.ts";
import { openaiSessionHash } from "../openai/session.ts";
import { usageFromJson as openaiUsageFromJson, usageFromSse as openaiUsageFromSse } from "../openai/usage.ts";
import type { CredentialRefresh, Provider } from "../provider.ts";
import { droidTokenExpiresSoon, refreshDroidTokens } from "./oauth.ts";
import { droidSettingsOf } from "./settings.ts";
import { buildDroidRequest } from "./upstream.ts";

/** OAuth (WorkOS) accounts only; an API-key account's credentials never expire. */
const droidRefresh: CredentialRefresh = {
  due: (account, credentials, now) => {
    if (account.type !== "droid") return false;
    const oauth = oauthCredentialsSchema.safeParse(credentials);
    return oauth.success && droidTokenExpiresSoon(oauth.data, now);
  },
  renew: (config, account, credentials) =>
    refreshDroidTokens(
      config,
      oauthCredentialsSchema.parse(credentials).refreshToken,
      droidSettingsOf(account).organizationId,
    ),
};

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
  refresh: droidRefresh,
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
  refresh: droidRefresh,
};

export const droidChatProvider: Provider = {
  ...droidResponsesProvider,
  buildRequest: (call, account, credentials, config) =>
    buildDroidRequest("comm", call, account, credentials, config),
  usageFromSse: chatUsageFromSse,
  streamErrorEvent: chatStreamError,
};
