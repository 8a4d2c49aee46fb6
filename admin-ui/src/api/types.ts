// The admin API's answers and bodies under the names the dashboard uses. They are aliases of
// generated.ts, which `npm run gen:types` makes from the admin API's OpenAPI document (so a change
// to worker/admin/*.ts reaches here through the generator, never by hand). Only the public stats
// API (worker/routes/stats.ts), which has no OpenAPI document, is described by hand below.
import type { Answer, Schemas } from "./generated.ts";

/**
 * The members of a string union as a list for the screens (options, filters), in the order given;
 * the compiler refuses a list that misses a member or names one the API does not have.
 */
const everyOf =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> }),
  ) =>
    list;

export type Platform = Schemas["Account"]["platform"];
export const PLATFORMS = everyOf<Platform>()(["claude", "gemini", "openai", "droid"]);

export type KeyLimits = Schemas["RelayKey"]["limits"];
/** What per-platform cost caps are kept for: the platforms, Bedrock and Azure OpenAI. */
export type CostPlatform = KeyLimits["platformLimits"][number]["platform"];
export const COST_PLATFORMS = everyOf<CostPlatform>()([
  "claude",
  "bedrock",
  "gemini",
  "openai",
  "azure-openai",
  "droid",
]);
export type ClientId = KeyLimits["allowedClients"][number];
export const CLIENT_IDS = everyOf<ClientId>()(["claude_code", "gemini_cli", "codex_cli", "droid_cli"]);

export type Counters = Schemas["UsageCounters"];
/** Counters with allTokens and the cost in USD. */
export type Usage = Schemas["Usage"];
/** `period`: "2026-11-23:14" (hourly) or "2026-11-23" (daily), relay time zone. */
export type UsagePoint = Schemas["UsagePoint"];
export type TopEntry = Schemas["UsageTopEntry"];
export type UsageSummary = Schemas["UsageSummary"];

export type Expiry = Schemas["RelayKey"]["expiry"];
export type RelayKey = Schemas["RelayKey"];
export type KeyInput = Schemas["NewRelayKey"];
export type KeyChanges = Schemas["RelayKeyChanges"];
export type KeyLive = Schemas["KeyLiveState"];
export type RecentRequest = Schemas["RecentRequest"];
export type KeyUsage = Schemas["KeyUsage"];

export type AccountType = Schemas["Account"]["type"];
export const ACCOUNT_TYPES = everyOf<AccountType>()([
  "claude-console",
  "claude-oauth",
  "gemini-api",
  "gemini-oauth",
  "openai-api",
  "openai-oauth",
  "bedrock",
  "azure-openai",
  "droid",
]);
export type AccountHealth = Schemas["AccountHealth"];
export type HealthStatus = AccountHealth["status"];
/** The latest 5-hour / 7-day (Opus, Sonnet) usage windows read off a subscription account's answers. */
export type UsageWindows = Schemas["UsageWindows"];
export type UsageWindow = Schemas["UsageWindow"];
/**
 * `shared` false: dedicated, serving only keys bound to it or its groups; absent from relays older
 * than dedicated accounts (the dashboard may be deployed apart from the relay). `settings`: per type.
 */
export type Account = Omit<Schemas["Account"], "shared"> & { shared?: boolean };
export type AccountWithHealth = Answer<"/accounts", "get">["accounts"][number];
/**
 * The settings every account type takes (POST bodies add the credentials; the model mapping of
 * Console, OpenAI and Gemini accounts is their own).
 */
export type AccountSettings = Omit<Schemas["NewConsoleAccount"], "apiKey" | "modelMapping">;
export type AccountChanges = Schemas["AccountChanges"];
/** What a Bedrock account takes besides the shared settings. */
export type BedrockSettings = Pick<Schemas["NewBedrockAccount"], "region" | "modelMapping" | "defaultModel">;
export type BedrockCredentials = Schemas["BedrockCredentials"];
/** What an Azure OpenAI account takes besides the shared settings (its endpoint is the base URL). */
export type AzureSettings = Pick<
  Schemas["NewAzureOpenaiAccount"],
  "deployment" | "apiVersion" | "responsesApiVersion"
>;
export type AccountUsage = Answer<"/accounts/{id}/usage", "get">;
export type OauthAuthorization = Schemas["OauthAuthorization"];

export type PricingInfo = Schemas["PricingInfo"];
export type ModelPrice = PricingInfo["overrides"][string];
export type PriceField = keyof ModelPrice;
export const PRICE_FIELDS = everyOf<PriceField>()([
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_creation_input_token_cost",
  "cache_creation_input_token_cost_above_1hr",
  "cache_read_input_token_cost",
  "input_cost_per_token_above_200k_tokens",
  "output_cost_per_token_above_200k_tokens",
  "cache_creation_input_token_cost_above_200k_tokens",
  "cache_read_input_token_cost_above_200k_tokens",
]);
/** A model served without a price (its cost counted as 0), as GET /admin/pricing/unpriced lists it. */
export type UnpricedModel = Schemas["UnpricedModels"]["models"][number];
export type PricingRefresh = Answer<"/pricing/refresh", "post">;

export type RelayStatus = Schemas["Status"];
export type LoginResult = Schemas["LoginResult"];

/** A portal user (GET /admin/users adds keyCount). */
export type User = Schemas["User"];
export type UserWithKeyCount = Schemas["UserWithKeyCount"];
/** POST /users takes all of it (username required); PATCH /users/{id} neither username nor password. */
export type UserInput = Partial<Schemas["NewUser"]>;
export type NewUser = Schemas["NewUser"];
export type UserChanges = Schemas["UserChanges"];

export type WebhookTarget = Schemas["WebhookTarget"];
export type WebhookEvent = WebhookTarget["events"][number];
export const WEBHOOK_EVENTS = everyOf<WebhookEvent>()([
  "account.unauthorized",
  "account.rate_limited",
  "account.overloaded",
  "account.error",
  "account.recovered",
  "account.blocked",
  "account.window_threshold",
  "account.balance_low",
  "key.quota_reached",
  "key.expiring",
  "test",
]);
export type WebhookType = WebhookTarget["type"];
export const WEBHOOK_TYPES = everyOf<WebhookType>()([
  "custom",
  "slack",
  "discord",
  "telegram",
  "feishu",
  "dingtalk",
  "wecom",
  "bark",
]);
/** A target as sent: a secret left out keeps the stored one, "" clears it. */
export type WebhookTargetInput = Omit<WebhookTarget, "secretSet" | "botTokenSet"> & {
  secret?: string;
  botToken?: string;
};
export type WebhookConfig = Schemas["WebhookConfig"];
export type WebhookConfigInput = Omit<Schemas["WebhookConfigInput"], "targets"> & {
  targets: (WebhookTargetInput | WebhookTarget)[];
};
export type WebhookTestResult = Schemas["WebhookTestResult"];
export type WebhookAttempt = Schemas["WebhookAttempt"];
export type WebhookDeliveries = Answer<"/webhooks/deliveries", "get">;

// The public stats API (/apiStats), written by hand: worker/routes/stats.ts has no OpenAPI document.

/** A usage bucket as the public stats API shows it. */
export interface StatsUsage {
  requests: number;
  tokens: number;
  allTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  cost: number;
  formattedCost: string;
}

/** What a platform or model cost cap has counted, USD (the public stats API). */
export interface CapSpent {
  currentDailyCost: number;
  currentTotalCost: number;
}

export interface UserStats {
  id: string;
  name: string;
  description: string;
  isActive: boolean;
  createdAt: string;
  expiresAt: string | null;
  expirationMode: Expiry["mode"];
  isActivated: boolean;
  activationDays: number;
  activatedAt: string | null;
  permissions: Platform[];
  usage: { total: StatsUsage; today: StatsUsage; month: StatsUsage };
  limits: Omit<KeyLimits, "platformLimits" | "modelLimits"> & {
    /** Each cap with what it has counted (USD); absent from relays older than these caps. */
    platformLimits?: (KeyLimits["platformLimits"][number] & CapSpent)[];
    modelLimits?: (KeyLimits["modelLimits"][number] & CapSpent)[];
    currentDailyCost: number;
    currentWeeklyCost: number;
    currentTotalCost: number;
    currentTotalTokens: number;
    windowRequests: number;
    windowTokens: number;
    windowCost: number;
    windowStartsAt: string | null;
    windowEndsAt: string | null;
    activeRequests: number;
    queuedRequests: number;
  };
  daily: { date: string; requests: number; tokens: number; allTokens: number; cost: number }[];
  restrictions: { restrictedModels: string[]; allowedClients: ClientId[] };
}

export type ModelPeriod = "daily" | "monthly" | "alltime";

export interface ModelStat {
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  allTokens: number;
  cost: number;
  formattedCost: string;
}
