// What an account kind is: for every AccountType, the platform it belongs to (its pool: poolNameOf
// in keyspace/records/accounts.ts), the provider its requests go through, the settings and
// credentials it holds, how its credentials are renewed, and the smallest request that tests it.
// The pool (refresh), the relay (refresh before sending) and the admin API (new accounts' platform,
// settings, API-key updates, "test connection") read it from here.
import type { z } from "zod";
import type { Config } from "../env.ts";
import {
  type AccountRecord,
  type AccountType,
  bedrockCredentialsSchema,
  consoleCredentialsSchema,
  oauthCredentialsSchema,
} from "../keyspace/records/accounts.ts";
import type { Platform } from "../keyspace/records/common.ts";
import { azureChatProvider } from "./azure/index.ts";
import { azureSettingsSchema } from "./azure/settings.ts";
import { bedrockProvider } from "./bedrock/index.ts";
import { bedrockSettingsSchema } from "./bedrock/settings.ts";
import { claudeConsoleSettingsSchema } from "./claude/console-settings.ts";
import { claudeProvider } from "./claude/index.ts";
import { expiresSoon as claudeTokenExpiresSoon, refreshClaudeTokens } from "./claude/oauth.ts";
import { droidClaudeProvider } from "./droid/index.ts";
import { droidTokenExpiresSoon, refreshDroidTokens } from "./droid/oauth.ts";
import { droidSettingsOf, droidSettingsSchema } from "./droid/settings.ts";
import { geminiProvider } from "./gemini/index.ts";
import { expiresSoon as geminiTokenExpiresSoon, refreshGeminiTokens } from "./gemini/oauth.ts";
import { geminiSettingsSchema } from "./gemini/settings.ts";
import { openaiProvider } from "./openai/index.ts";
import { openaiTokenExpiresSoon, refreshOpenaiTokens } from "./openai/oauth.ts";
import { openaiSettingsSchema } from "./openai/settings.ts";
import type { ClientCall, Provider } from "./provider.ts";

/** How an account's short-lived credentials (OAuth tokens) are renewed. */
export interface CredentialRefresh {
  due(account: AccountRecord, credentials: unknown, now: number): boolean;
  renew(config: Config, account: AccountRecord, credentials: unknown): Promise<unknown>;
}

/** The upstream path and body of a request, without the client's request it came with. */
export type TestCall = Omit<ClientCall, "request">;

export interface AccountKind {
  platform: Platform;
  /** The provider its requests go through where the route does not pick another (and the admin test). */
  provider: Provider;
  /**
   * The provider every call on this account goes through, whichever route's provider scheduled
   * it: for a kind that speaks another wire format than its pool (Bedrock in the Claude pool).
   */
  ownProvider?: Provider;
  /** What `settings` holds (absent: the kind takes none). */
  settings?: z.ZodType<Record<string, unknown>>;
  /** What its sealed credentials envelope holds. */
  credentials: z.ZodType<unknown>;
  /** Whether an admin may replace its credentials with an API key. */
  takesApiKey: boolean;
  /** Absent: its credentials never expire. */
  refresh?: CredentialRefresh;
  /** The platform's cheapest model, tested when the account lists no exact model of its own. */
  testModel: string;
  /** The smallest request the upstream accepts. */
  testCall(model: string): TestCall;
}

const oauthRefresh = (
  expiresSoon: (credentials: z.infer<typeof oauthCredentialsSchema>, now: number) => boolean,
  renew: (config: Config, credentials: z.infer<typeof oauthCredentialsSchema>) => Promise<unknown>,
): CredentialRefresh => ({
  due: (_account, credentials, now) => expiresSoon(oauthCredentialsSchema.parse(credentials), now),
  renew: (config, _account, credentials) => renew(config, oauthCredentialsSchema.parse(credentials)),
});

/** OAuth (WorkOS) Droid accounts only; an API-key account's credentials never expire. */
const droidRefresh: CredentialRefresh = {
  due: (_account, credentials, now) => {
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

const messagesTest = (model: string): TestCall => ({
  path: "/v1/messages",
  search: "",
  model,
  stream: false,
  body: JSON.stringify({ model, max_tokens: 1, messages: [{ role: "user", content: "hi" }] }),
});

const geminiTest = (model: string): TestCall => ({
  path: `/v1beta/models/${model}:generateContent`,
  search: "",
  model,
  stream: false,
  body: JSON.stringify({
    contents: [{ role: "user", parts: [{ text: "hi" }] }],
    generationConfig: { maxOutputTokens: 1 },
  }),
});

const responsesTest = (model: string): TestCall => ({
  path: "/responses",
  search: "",
  model,
  stream: false,
  body: JSON.stringify({ model, input: "hi", max_output_tokens: 16 }),
});

/** Chat completions: every Azure deployment of a chat model serves it (Responses needs a preview API). */
const azureChatTest = (model: string): TestCall => ({
  path: "chat/completions",
  search: "",
  model,
  stream: false,
  body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 1 }),
});

const claude = { platform: "claude", provider: claudeProvider } as const;
const gemini = {
  platform: "gemini",
  provider: geminiProvider,
  settings: geminiSettingsSchema,
  testCall: geminiTest,
} as const;
const openai = {
  platform: "openai",
  provider: openaiProvider,
  settings: openaiSettingsSchema,
  testCall: responsesTest,
} as const;

const ACCOUNT_KINDS: Record<AccountType, AccountKind> = {
  "claude-console": {
    ...claude,
    settings: claudeConsoleSettingsSchema,
    credentials: consoleCredentialsSchema,
    takesApiKey: true,
    testModel: "claude-haiku-4-5",
    testCall: messagesTest,
  },
  "claude-oauth": {
    ...claude,
    credentials: oauthCredentialsSchema,
    takesApiKey: false,
    refresh: oauthRefresh(claudeTokenExpiresSoon, refreshClaudeTokens),
    testModel: "claude-haiku-4-5",
    testCall: messagesTest,
  },
  // Claude models in the Claude pool, over AWS's InvokeModel, answered back as Anthropic Messages.
  bedrock: {
    platform: "claude",
    provider: bedrockProvider,
    ownProvider: bedrockProvider,
    settings: bedrockSettingsSchema,
    credentials: bedrockCredentialsSchema,
    takesApiKey: false,
    testModel: "claude-haiku-4-5",
    testCall: messagesTest,
  },
  "gemini-api": {
    ...gemini,
    credentials: consoleCredentialsSchema,
    takesApiKey: true,
    testModel: "gemini-2.5-flash",
  },
  "gemini-oauth": {
    ...gemini,
    credentials: oauthCredentialsSchema,
    takesApiKey: false,
    refresh: oauthRefresh(geminiTokenExpiresSoon, refreshGeminiTokens),
    testModel: "gemini-2.5-flash",
  },
  "openai-api": {
    ...openai,
    credentials: consoleCredentialsSchema,
    takesApiKey: true,
    testModel: "gpt-5-mini",
  },
  "openai-oauth": {
    ...openai,
    credentials: oauthCredentialsSchema,
    takesApiKey: false,
    refresh: oauthRefresh(openaiTokenExpiresSoon, refreshOpenaiTokens),
    testModel: "gpt-5",
  },
  // Platform openai, but a pool of its own (poolNameOf): only the /azure routes use these accounts.
  "azure-openai": {
    platform: "openai",
    provider: azureChatProvider,
    settings: azureSettingsSchema,
    credentials: consoleCredentialsSchema,
    takesApiKey: true,
    testModel: "gpt-4o-mini",
    testCall: azureChatTest,
  },
  // Served by the /droid routes in three protocols; the Messages provider is its default.
  droid: {
    platform: "droid",
    provider: droidClaudeProvider,
    settings: droidSettingsSchema,
    credentials: consoleCredentialsSchema.or(oauthCredentialsSchema),
    takesApiKey: true,
    refresh: droidRefresh,
    testModel: "claude-sonnet-4-5-20250929",
    testCall: messagesTest,
  },
};

/** The account kind of `type` (a map read). */
export function accountKind(type: AccountType): AccountKind {
  return ACCOUNT_KINDS[type];
}
