// The admin API, one function per route (worker/admin/*.ts). A 401 ends the session.
import { apiBase } from "../lib/api-base.ts";
import { ApiError, type RequestOptions, requestJson } from "../lib/http.ts";
import { expire, session } from "../session.ts";
import type {
  AccountGroup,
  AccountGroupChanges,
  AccountGroupInput,
  AccountTestResult,
  Branding,
  BrandingChanges,
  RecentError,
  UsageBreakdown,
} from "./ops-types.ts";
import type {
  Account,
  AccountChanges,
  AccountSettings,
  AccountUsage,
  AccountWithHealth,
  AzureSettings,
  BedrockCredentials,
  BedrockSettings,
  KeyChanges,
  KeyInput,
  KeyLive,
  KeyUsage,
  ModelPrice,
  NewUser,
  OauthAuthorization,
  PricingInfo,
  PricingRefresh,
  RelayKey,
  RelayStatus,
  TopEntry,
  UnpricedModel,
  UsagePoint,
  UsageSummary,
  User,
  UserChanges,
  UserWithKeyCount,
  WebhookConfig,
  WebhookConfigInput,
  WebhookDeliveries,
  WebhookTestResult,
} from "./types.ts";

export async function call<T>(
  method: string,
  path: string,
  options: Omit<RequestOptions, "token"> = {},
): Promise<T> {
  try {
    return await requestJson<T>(apiBase(), method, `/admin${path}`, { ...options, token: session()?.token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) expire();
    throw error;
  }
}

const id = encodeURIComponent;

export type OauthPlatform = "claude" | "gemini" | "openai";
/** What an OAuth exchange or import body holds besides the settings (tokens, a model mapping). */
type OauthBodyValue = string | number | boolean | string[] | Record<string, string> | null | undefined;

export const adminApi = {
  status: () => call<RelayStatus>("GET", "/status"),

  keys: {
    list: async () => (await call<{ keys: RelayKey[] }>("GET", "/keys")).keys,
    get: async (keyId: string) => (await call<{ key: RelayKey }>("GET", `/keys/${id(keyId)}`)).key,
    create: (body: KeyInput) => call<{ key: RelayKey; secret: string }>("POST", "/keys", { body }),
    update: async (keyId: string, body: KeyChanges) =>
      (await call<{ key: RelayKey }>("PATCH", `/keys/${id(keyId)}`, { body })).key,
    setActive: async (keyId: string, active: boolean) =>
      (await call<{ key: RelayKey }>("POST", `/keys/${id(keyId)}/${active ? "enable" : "disable"}`)).key,
    remove: (keyId: string) => call<{ deleted: true }>("DELETE", `/keys/${id(keyId)}`),
    live: (keyId: string) => call<KeyLive>("GET", `/keys/${id(keyId)}/live`),
    usage: (keyId: string) => call<KeyUsage>("GET", `/keys/${id(keyId)}/usage`),
  },

  accounts: {
    list: async () => (await call<{ accounts: AccountWithHealth[] }>("GET", "/accounts")).accounts,
    /** `settings`: type-specific settings merged into the stored ones; null removes one. */
    update: async (accountId: string, body: AccountChanges) =>
      (await call<{ account: Account }>("PATCH", `/accounts/${id(accountId)}`, { body })).account,
    remove: (accountId: string) => call<{ deleted: true }>("DELETE", `/accounts/${id(accountId)}`),
    resetStatus: (accountId: string) =>
      call<{ account: Account }>("POST", `/accounts/${id(accountId)}/reset-status`),
    usage: (accountId: string) => call<AccountUsage>("GET", `/accounts/${id(accountId)}/usage`),
    test: (accountId: string) => call<AccountTestResult>("POST", `/accounts/${id(accountId)}/test`),
    /**
     * API-key accounts: claude-console, gemini-api, openai-api (which take a model mapping), droid
     * (which takes a userAgent).
     */
    createApiKey: (
      path: "claude-console" | "gemini-api" | "openai-api" | "droid",
      body: AccountSettings & { apiKey: string; userAgent?: string; modelMapping?: Record<string, string> },
    ) => call<{ account: Account }>("POST", `/accounts/${path}`, { body }),
    /** Azure OpenAI: the endpoint goes as `endpoint` (stored as the base URL). */
    createAzure: (
      body: Omit<AccountSettings, "baseUrl"> & AzureSettings & { apiKey: string; endpoint: string },
    ) => call<{ account: Account }>("POST", "/accounts/azure-openai", { body }),
    createBedrock: (body: AccountSettings & BedrockSettings & BedrockCredentials) =>
      call<{ account: Account }>("POST", "/accounts/bedrock", { body }),
    /** Settings go through `update` (`settings`); the sealed access key only through here. */
    setBedrockCredentials: (accountId: string, body: BedrockCredentials) =>
      call<{ account: Account }>("PUT", `/accounts/${id(accountId)}/bedrock-credentials`, { body }),
    oauthAuthorize: (platform: OauthPlatform) =>
      call<OauthAuthorization>("POST", `/accounts/${platform}-oauth/authorize`),
    oauthExchange: (platform: OauthPlatform, body: AccountSettings & Record<string, OauthBodyValue>) =>
      call<{ account: Account }>("POST", `/accounts/${platform}-oauth/exchange`, { body }),
    oauthImport: (platform: OauthPlatform, body: AccountSettings & Record<string, OauthBodyValue>) =>
      call<{ account: Account }>("POST", `/accounts/${platform}-oauth/import`, { body }),
  },

  usage: {
    summary: () => call<UsageSummary>("GET", "/usage/summary"),
    series: (query: {
      owner?: "system" | "key" | "account" | "model";
      id?: string;
      granularity: "hourly" | "daily";
      points?: number;
    }) => call<UsagePoint[]>("GET", "/usage/series", { query }),
    top: (query: {
      owner: "key" | "account" | "model";
      period: "today" | "month" | "total";
      limit?: number;
    }) => call<TopEntry[]>("GET", "/usage/top", { query }),
    breakdown: (query: {
      owner: "model" | "account" | "key";
      granularity: "hourly" | "daily";
      limit?: number;
    }) => call<UsageBreakdown>("GET", "/usage/breakdown", { query }),
    recentErrors: async (limit = 20) =>
      (await call<{ errors: RecentError[] }>("GET", "/errors/recent", { query: { limit } })).errors,
  },

  groups: {
    list: async () => (await call<{ groups: AccountGroup[] }>("GET", "/groups")).groups,
    create: async (body: AccountGroupInput) =>
      (await call<{ group: AccountGroup }>("POST", "/groups", { body })).group,
    update: async (groupId: string, body: AccountGroupChanges) =>
      (await call<{ group: AccountGroup }>("PATCH", `/groups/${id(groupId)}`, { body })).group,
    remove: (groupId: string) => call<{ deleted: true }>("DELETE", `/groups/${id(groupId)}`),
  },

  branding: {
    get: () => call<Branding>("GET", "/settings/branding"),
    put: (body: BrandingChanges) => call<Branding>("PUT", "/settings/branding", { body }),
  },

  pricing: {
    get: () => call<PricingInfo>("GET", "/pricing"),
    setOverrides: (models: Record<string, ModelPrice>) =>
      call<PricingInfo>("PUT", "/pricing/overrides", { body: { models } }),
    refresh: () => call<PricingRefresh>("POST", "/pricing/refresh"),
    unpriced: async () => (await call<{ models: UnpricedModel[] }>("GET", "/pricing/unpriced")).models,
  },

  users: {
    list: async () => (await call<{ users: UserWithKeyCount[] }>("GET", "/users")).users,
    create: (body: NewUser) => call<{ user: User; password?: string }>("POST", "/users", { body }),
    update: async (userId: string, body: UserChanges) =>
      (await call<{ user: User }>("PATCH", `/users/${id(userId)}`, { body })).user,
    setActive: (userId: string, active: boolean) =>
      call<{ user: User; keysChanged: number }>(
        "POST",
        `/users/${id(userId)}/${active ? "enable" : "disable"}`,
      ),
    resetPassword: (userId: string, password?: string) =>
      call<{ user: User; password?: string }>("POST", `/users/${id(userId)}/reset-password`, {
        body: password ? { password } : {},
      }),
    keys: async (userId: string) =>
      (await call<{ keys: RelayKey[] }>("GET", `/users/${id(userId)}/keys`)).keys,
  },

  webhooks: {
    get: () => call<WebhookConfig>("GET", "/webhooks"),
    put: (body: WebhookConfigInput) => call<WebhookConfig>("PUT", "/webhooks", { body }),
    test: (targetId?: string) =>
      call<{ results: WebhookTestResult[] }>("POST", "/webhooks/test", {
        body: targetId ? { targetId } : {},
      }),
    deliveries: (limit = 100) => call<WebhookDeliveries>("GET", "/webhooks/deliveries", { query: { limit } }),
  },
};
