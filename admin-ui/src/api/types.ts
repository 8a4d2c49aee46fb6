// The admin and stats APIs' answers, as worker/admin/*.ts and worker/routes/stats.ts send them.

export const PLATFORMS = ["claude", "gemini", "openai", "droid"] as const;
export type Platform = (typeof PLATFORMS)[number];
export const CLIENT_IDS = ["claude_code", "gemini_cli", "codex_cli", "droid_cli"] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export interface Counters {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  ephemeral5mTokens: number;
  ephemeral1hTokens: number;
  costMicroUsd: number;
}

export interface Usage extends Counters {
  allTokens: number;
  /** USD */
  cost: number;
}

export interface UsagePoint extends Usage {
  /** "2026-11-23:14" (hourly) or "2026-11-23" (daily), relay time zone. */
  period: string;
}

export interface TopEntry extends Usage {
  id: string;
  name: string | null;
}

export interface UsageSummary {
  today: Usage;
  month: Usage;
  total: Usage;
  periods: { today: string; month: string };
  keys: { total: number };
  accounts: { total: number };
}

export interface KeyLimits {
  tokenLimit: number;
  concurrencyLimit: number;
  concurrencyQueueSeconds: number;
  rateLimitWindowMinutes: number;
  rateLimitRequests: number;
  rateLimitCost: number;
  dailyCostLimit: number;
  totalCostLimit: number;
  weeklyCostLimit: number;
  weeklyResetDay: number;
  weeklyResetHour: number;
  restrictedModels: string[];
  allowedClients: ClientId[];
  permissions: Platform[];
}

export type Expiry =
  | { mode: "never" }
  | { mode: "fixed"; expiresAt: string }
  | { mode: "activation"; days: number; activatedAt?: string };

export interface RelayKey {
  id: string;
  name: string;
  description: string;
  preview: string;
  isActive: boolean;
  tags: string[];
  ownerId?: string;
  createdAt: string;
  updatedAt: string;
  expiry: Expiry;
  limits: KeyLimits;
  boundAccounts: Record<string, string>;
}

export interface KeyInput {
  name: string;
  description?: string;
  tags?: string[];
  expiry?: Expiry;
  limits?: Partial<KeyLimits>;
  /** Per platform: an account id or `group:<id>`; "" unbinds. */
  boundAccounts?: Record<string, string>;
}

export interface KeyLive {
  window: { start: number; requests: number; tokens: number; costMicroUsd: number } | null;
  activeLeases: number;
  queued: number;
  leases: { id: string; expiresAt: number }[];
  spend: {
    dayStart: number;
    dayCostMicroUsd: number;
    weekStart: number;
    weekCostMicroUsd: number;
    totalCostMicroUsd: number;
    totalTokens: number;
  };
}

export interface RecentRequest {
  requestId: string;
  at: string;
  keyId: string;
  accountId?: string;
  model: string;
  status: number;
  durationMs: number;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  };
  costMicroUsd: number;
}

export interface KeyUsage {
  total: Counters;
  today: Counters;
  month: Counters;
  recent: RecentRequest[];
}

export const ACCOUNT_TYPES = [
  "claude-console",
  "claude-oauth",
  "gemini-api",
  "gemini-oauth",
  "openai-api",
  "openai-oauth",
  "bedrock",
  "azure-openai",
  "droid",
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];
export type HealthStatus = "active" | "rate-limited" | "overloaded" | "unauthorized" | "error";

export interface AccountHealth {
  status: HealthStatus;
  until: string | null;
  activeLeases: number;
  lastUsedAt: string | null;
}

export interface Account {
  id: string;
  type: AccountType;
  platform: Platform;
  name: string;
  description: string;
  baseUrl: string;
  priority: number;
  schedulable: boolean;
  /** false: dedicated, serving only keys bound to it or its groups (absent from older servers). */
  shared?: boolean;
  isActive: boolean;
  concurrencyLimit: number;
  models: string[];
  /** Type-specific settings (Bedrock: region, modelMapping, defaultModel). */
  settings?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** What a Bedrock account takes besides the shared settings. */
export interface BedrockSettings {
  region: string;
  modelMapping?: Record<string, string>;
  defaultModel?: string;
}
export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What an Azure OpenAI account takes besides the shared settings (its endpoint is the base URL). */
export interface AzureSettings {
  deployment: string;
  apiVersion?: string;
  responsesApiVersion?: string;
}

export interface AccountWithHealth extends Account {
  health: AccountHealth;
}

export interface AccountSettings {
  name: string;
  description?: string;
  baseUrl?: string;
  priority?: number;
  schedulable?: boolean;
  shared?: boolean;
  concurrencyLimit?: number;
  models?: string[];
}

export interface AccountUsage {
  today: Usage;
  month: Usage;
  total: Usage;
}

export interface OauthAuthorization {
  sessionId: string;
  authUrl: string;
  expiresAt: string;
}

export const PRICE_FIELDS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_creation_input_token_cost",
  "cache_creation_input_token_cost_above_1hr",
  "cache_read_input_token_cost",
  "input_cost_per_token_above_200k_tokens",
  "output_cost_per_token_above_200k_tokens",
  "cache_creation_input_token_cost_above_200k_tokens",
  "cache_read_input_token_cost_above_200k_tokens",
] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];
export type ModelPrice = Partial<Record<PriceField, number>>;

export interface PricingInfo {
  source: "shipped" | "fetched";
  fetched: { at: string; source: string; models: number } | null;
  models: number;
  overrides: Record<string, ModelPrice>;
}

/** A model served without a price (its cost counted as 0), as GET /admin/pricing/unpriced lists it. */
export interface UnpricedModel {
  model: string;
  requests: number;
  lastSeenAt: string | null;
}

export interface RelayStatus {
  version: string;
  time: string;
  keyspace: { ok: boolean; latencyMs: number };
  keys: { total: number; active: number };
  accounts: { total: number; active: number };
}

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
  limits: KeyLimits & {
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

/** A portal user (GET /admin/users adds keyCount). */
export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: "user";
  isActive: boolean;
  maxKeys: number;
  keyLimits: KeyLimits;
  passwordChangedAt: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt?: string;
}
export interface UserWithKeyCount extends User {
  keyCount: number;
}
export interface UserInput {
  username?: string;
  password?: string;
  displayName?: string;
  email?: string;
  maxKeys?: number;
  keyLimits?: Partial<KeyLimits>;
}

export const WEBHOOK_EVENTS = [
  "account.unauthorized",
  "account.rate_limited",
  "account.overloaded",
  "account.error",
  "account.recovered",
  "key.quota_reached",
  "key.expiring",
  "test",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_TYPES = [
  "custom",
  "slack",
  "discord",
  "telegram",
  "feishu",
  "dingtalk",
  "wecom",
  "bark",
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** A target as the API shows it: secrets only as set / not set. */
export interface WebhookTarget {
  id: string;
  type: WebhookType;
  name: string;
  enabled: boolean;
  events: WebhookEvent[];
  timeoutMs: number;
  url?: string;
  chatId?: string;
  deviceKey?: string;
  sound?: string;
  group?: string;
  secretSet: boolean;
  botTokenSet?: boolean;
}
/** A target as sent: a secret left out keeps the stored one, "" clears it. */
export type WebhookTargetInput = Omit<WebhookTarget, "secretSet" | "botTokenSet"> & {
  secret?: string;
  botToken?: string;
};
export interface WebhookConfig {
  enabled: boolean;
  targets: WebhookTarget[];
  maxRetries: number;
  retryDelayMs: number;
  keyExpiryWarningDays: number;
  updatedAt?: string;
}
export interface WebhookConfigInput {
  enabled?: boolean;
  targets: (WebhookTargetInput | WebhookTarget)[];
  maxRetries?: number;
  retryDelayMs?: number;
  keyExpiryWarningDays?: number;
}
export interface WebhookTestResult {
  targetId: string;
  type: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}
export interface WebhookAttempt {
  seq: number;
  at: string;
  eventId: string;
  eventType: string;
  targetId: string;
  targetType: string;
  attempt: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  outcome: "delivered" | "retrying" | "gave-up" | "test";
}
export interface WebhookDeliveries {
  deliveries: WebhookAttempt[];
  queue: {
    waiting: number;
    deliveries: { eventId: string; eventType: string; targetId: string; attempts: number; nextAt: string }[];
  };
}
