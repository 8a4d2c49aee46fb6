// Every stored record: one zod schema each, each with a version `v`. Migrations (migrations/)
// move records between versions; readers accept only the current one.
import { z } from "zod";

export const PLATFORMS = ["claude", "gemini", "openai", "droid"] as const;
export const platformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof platformSchema>;

/** Client ids as the original service names them (its predefined client list). */
export const CLIENT_IDS = ["claude_code", "gemini_cli", "codex_cli", "droid_cli"] as const;
export const clientIdSchema = z.enum(CLIENT_IDS);

const isoDate = z.iso.datetime({ offset: true });

/** Limits and restrictions of a relay key; 0 / empty means "no limit", as in the original. */
export const keyLimitsSchema = z.object({
  tokenLimit: z.number().int().min(0).default(0),
  concurrencyLimit: z.number().int().min(0).default(0),
  /** Wait up to this many seconds for a free concurrency slot instead of refusing (0 = refuse). */
  concurrencyQueueSeconds: z.number().min(0).max(300).default(0),
  rateLimitWindowMinutes: z.number().int().min(0).default(0),
  rateLimitRequests: z.number().int().min(0).default(0),
  rateLimitCost: z.number().min(0).default(0),
  dailyCostLimit: z.number().min(0).default(0),
  totalCostLimit: z.number().min(0).default(0),
  /** Weekly cap on Claude-family models (the original's "weekly Opus" limit). */
  weeklyCostLimit: z.number().min(0).default(0),
  weeklyResetDay: z.number().int().min(1).max(7).default(1),
  weeklyResetHour: z.number().int().min(0).max(23).default(0),
  /** Blacklist: these models are refused when non-empty. */
  restrictedModels: z.array(z.string().min(1)).default([]),
  /** When non-empty, only these clients (by User-Agent) may use the key. */
  allowedClients: z.array(clientIdSchema).default([]),
  /** Empty = every platform. */
  permissions: z.array(platformSchema).default([]),
});
export type KeyLimits = z.infer<typeof keyLimitsSchema>;

type LimitShape = typeof keyLimitsSchema.shape;
/** Any subset of the key limits, without their defaults (a change names only what it changes). */
export const keyLimitChanges = z
  .object(
    Object.fromEntries(
      Object.entries(keyLimitsSchema.shape).map(([field, schema]) => [field, schema.unwrap().optional()]),
    ) as { [K in keyof LimitShape]: z.ZodOptional<ReturnType<LimitShape[K]["unwrap"]>> },
  )
  .strict();

export const expirySchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("never") }),
  z.object({ mode: z.literal("fixed"), expiresAt: isoDate }),
  /** Expires `days` after first use; activatedAt is set by the first request. */
  z.object({ mode: z.literal("activation"), days: z.number().positive(), activatedAt: isoDate.optional() }),
]);
export type Expiry = z.infer<typeof expirySchema>;

export const relayKeyRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(""),
  /** HMAC-SHA-256 of the key with KEY_HASH_SECRET; the key itself is never stored. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** First characters of the key, to recognise it in lists ("cr_1a2b…"). */
  preview: z.string(),
  isActive: z.boolean(),
  tags: z.array(z.string()).default([]),
  ownerId: z.string().optional(),
  /**
   * Set on every key of a disabled user (worker/users): refused like a disabled key, but kept apart
   * from `isActive` so that enabling the user restores each key as it was.
   */
  ownerDisabled: z.boolean().optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
  expiry: expirySchema.default({ mode: "never" }),
  limits: keyLimitsSchema,
  /** Accounts this key is pinned to, per platform (the original's claudeAccountId etc.). */
  boundAccounts: z.record(z.string(), z.string()).default({}),
});
export type RelayKeyRecord = z.infer<typeof relayKeyRecordSchema>;

export const ACCOUNT_TYPES = [
  "claude-console",
  "claude-oauth",
  "gemini-api",
  "gemini-oauth",
  "openai-api",
  "openai-oauth",
  /** Azure OpenAI: endpoint + deployment + api-version + api-key (served by the /azure routes). */
  "azure-openai",
  /** AWS Bedrock: Claude models, SigV4-signed with the account's access key. */
  "bedrock",
  /** Factory.ai Droid (served by the /droid routes). */
  "droid",
] as const;
/** Account types whose credentials are one API key (`{ apiKey }`). */
export const API_KEY_ACCOUNT_TYPES: readonly string[] = [
  "claude-console",
  "gemini-api",
  "openai-api",
  "azure-openai",
  "droid",
];
export const accountTypeSchema = z.enum(ACCOUNT_TYPES);
export type AccountType = z.infer<typeof accountTypeSchema>;

/**
 * Type-specific account settings: flat values (no recursive JSON, which Durable Object RPC types
 * cannot carry), a string map at most (a model mapping).
 */
export const accountSettingsSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.record(z.string(), z.string())]),
);
export type AccountSettingsMap = z.infer<typeof accountSettingsSchema>;

export const accountRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  type: accountTypeSchema,
  platform: platformSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(""),
  /** Empty: the platform's official API. Operators chain relays; tests use a fake upstream. */
  baseUrl: z.string().url().or(z.literal("")).default(""),
  /** Lower is preferred, like the original (default 50). */
  priority: z.number().int().min(1).max(100).default(50),
  schedulable: z.boolean().default(true),
  /**
   * In the shared pool, which serves keys bound to no account (the original's `accountType`
   * `shared`). A dedicated account serves only keys bound to it or to one of its groups.
   */
  shared: z.boolean().default(true),
  isActive: z.boolean().default(true),
  /** Most requests this account serves at once (0 = no limit). */
  concurrencyLimit: z.number().int().min(0).default(0),
  /** Models it serves, exact or `prefix*` (empty = every model of its platform). */
  models: z.array(z.string().min(1)).default([]),
  /** Sealed credential envelope (keyspace/crypto.ts), never the secret itself. */
  credentials: z.string().min(1),
  /**
   * What one account type needs beyond the shared fields (Azure: deployment and api-version),
   * validated by that type's schema in its provider folder; absent for the other types.
   */
  settings: accountSettingsSchema.optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type AccountRecord = z.infer<typeof accountRecordSchema>;

/**
 * Scheduling pools (one AccountPool each): a platform's accounts, except Azure OpenAI accounts,
 * which have a pool of their own because only the /azure routes use them (as in the original).
 */
export type PoolName = Platform | "azure-openai";
export function poolNameOf(account: Pick<AccountRecord, "type" | "platform">): PoolName {
  return account.type === "azure-openai" ? "azure-openai" : account.platform;
}

/**
 * A named subset of one platform's accounts (the original's account groups). A key whose
 * `boundAccounts[platform]` is `group:<id>` is served only by the group's members.
 */
export const accountGroupRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  platform: platformSchema,
  description: z.string().max(2000).default(""),
  /** Account ids of `platform`; an account may belong to several groups, as in the original. */
  memberIds: z.array(z.string().min(1)).default([]),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type AccountGroupRecord = z.infer<typeof accountGroupRecordSchema>;

/** A key's binding value that names a group instead of one account (the original's spelling). */
export const GROUP_BINDING_PREFIX = "group:";
export function groupIdOfBinding(binding: string | undefined): string | null {
  return binding?.startsWith(GROUP_BINDING_PREFIX) ? binding.slice(GROUP_BINDING_PREFIX.length) : null;
}

/** What an account's credentials envelope holds, per account type. */
export const consoleCredentialsSchema = z.object({ apiKey: z.string().min(1) });
export const bedrockCredentialsSchema = z.object({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  /** Temporary (STS) credentials carry one. */
  sessionToken: z.string().min(1).optional(),
});
export type BedrockCredentials = z.infer<typeof bedrockCredentialsSchema>;
export const oauthCredentialsSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Epoch ms; a token is refreshed shortly before. */
  expiresAt: z.number(),
  scopes: z.array(z.string()).default([]),
  /** Gemini Code Assist: the Cloud project the account's requests run in. */
  projectId: z.string().optional(),
  /** ChatGPT (Codex) accounts: sent as `chatgpt-account-id`. */
  chatgptAccountId: z.string().optional(),
});
export type OauthCredentials = z.infer<typeof oauthCredentialsSchema>;

/** A portal user (worker/users): logs in with a password and manages their own relay keys. */
export const userRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  /** Unique, compared in lower case. */
  username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/),
  displayName: z.string().max(200).default(""),
  email: z.string().max(320).default(""),
  role: z.literal("user"),
  /** PBKDF2-SHA-256 (keyspace/crypto.ts hashPassword). */
  passwordHash: z.string().min(1),
  /** Sessions issued before this instant (a password reset) are refused. */
  passwordChangedAt: isoDate,
  isActive: z.boolean(),
  /** Most keys the user may hold at once (the original's MAX_API_KEYS_PER_USER, default 1). */
  maxKeys: z.number().int().min(0).max(1000).default(1),
  /** Limits every key the user creates starts with; the user may tighten them, never loosen them. */
  keyLimits: keyLimitsSchema,
  createdAt: isoDate,
  updatedAt: isoDate,
  lastLoginAt: isoDate.optional(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

/** Events the relay sends to webhook targets (worker/webhooks/events.ts renders them). */
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
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEventType = z.infer<typeof webhookEventSchema>;

const webhookTargetCommon = {
  id: z.string().min(1).max(100),
  name: z.string().max(200).default(""),
  enabled: z.boolean().default(true),
  /** Events this target receives; empty = every event. */
  events: z.array(webhookEventSchema).default([]),
  /** Per-attempt timeout. */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
};
const webhookUrl = z.url({ protocol: /^https?$/ });

/** One delivery target per platform the original supports (its `smtp` aside). */
export const webhookTargetSchema = z.discriminatedUnion("type", [
  /** `{type, service, timestamp, data}`; with a secret, signed (x-edge-relay-signature). */
  z.object({
    ...webhookTargetCommon,
    type: z.literal("custom"),
    url: webhookUrl,
    secret: z.string().optional(),
  }),
  z.object({ ...webhookTargetCommon, type: z.literal("slack"), url: webhookUrl }),
  z.object({ ...webhookTargetCommon, type: z.literal("discord"), url: webhookUrl }),
  z.object({
    ...webhookTargetCommon,
    type: z.literal("telegram"),
    botToken: z.string().min(1),
    chatId: z.string().min(1),
    /** Bot API base (a proxy or self-hosted Bot API server); default https://api.telegram.org. */
    url: webhookUrl.optional(),
  }),
  /** Custom bot webhook; with a secret, signed as Feishu/Lark specifies. */
  z.object({
    ...webhookTargetCommon,
    type: z.literal("feishu"),
    url: webhookUrl,
    secret: z.string().optional(),
  }),
  /** Robot webhook (access_token in the URL); with a secret, HMAC-SHA256 signed. */
  z.object({
    ...webhookTargetCommon,
    type: z.literal("dingtalk"),
    url: webhookUrl,
    secret: z.string().optional(),
  }),
  /** WeCom (WeChat Work) group robot. */
  z.object({ ...webhookTargetCommon, type: z.literal("wecom"), url: webhookUrl }),
  z.object({
    ...webhookTargetCommon,
    type: z.literal("bark"),
    /** Bark server; default https://api.day.app. */
    url: webhookUrl.optional(),
    deviceKey: z.string().min(1),
    sound: z.string().max(100).optional(),
    group: z.string().max(100).optional(),
  }),
]);
export type WebhookTarget = z.infer<typeof webhookTargetSchema>;
export type WebhookTargetType = WebhookTarget["type"];

export const webhookConfigSchema = z.object({
  v: z.literal(1),
  /** Master switch: off, nothing is queued or sent. */
  enabled: z.boolean().default(true),
  targets: z.array(webhookTargetSchema).max(50).default([]),
  /** Attempts after the first, waiting retryDelayMs·2^i between them (the original's retrySettings). */
  maxRetries: z.number().int().min(0).max(10).default(3),
  retryDelayMs: z.number().int().min(100).max(3_600_000).default(1_000),
  /** Days before a key's expiry that the housekeeping cron warns (0 = no warnings). */
  keyExpiryWarningDays: z.number().min(0).max(90).default(3),
  updatedAt: isoDate.optional(),
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** Site name, logo and notice shown by the admin UI and the public stats page (the original's OEM settings). */
export const brandingSchema = z.object({
  v: z.literal(1),
  siteName: z.string().trim().max(100).default(""),
  /** https (or a data: image) only, so the pages never load a script or plain-http content. */
  logoUrl: z
    .string()
    .max(100_000)
    .regex(/^(https:\/\/|data:image\/(png|jpeg|gif|webp|svg\+xml);base64,)/)
    .or(z.literal(""))
    .default(""),
  notice: z.string().max(1000).default(""),
  updatedAt: isoDate.optional(),
});
export type Branding = z.infer<typeof brandingSchema>;

/** The PKCE verifier and state of an OAuth authorization in progress (kept 10 minutes). */
export const oauthSessionRecordSchema = z.object({
  // Sessions stored before the version existed (at most 10 minutes old across a deploy) read as 1.
  v: z.literal(1).default(1),
  platform: z.string(),
  verifier: z.string(),
  state: z.string(),
});
export type OauthSessionRecord = z.infer<typeof oauthSessionRecordSchema>;

export const adminCredentialSchema = z.object({
  v: z.literal(1),
  username: z.string().min(1),
  passwordHash: z.string().min(1),
  createdAt: isoDate,
});
export type AdminCredential = z.infer<typeof adminCredentialSchema>;

const price = z.number().min(0).optional();
/** One model's prices in LiteLLM's names; only the price fields (its rows carry much else). */
export const modelPriceSchema = z.object({
  input_cost_per_token: price,
  output_cost_per_token: price,
  cache_creation_input_token_cost: price,
  cache_creation_input_token_cost_above_1hr: price,
  cache_read_input_token_cost: price,
  input_cost_per_token_above_200k_tokens: price,
  output_cost_per_token_above_200k_tokens: price,
  cache_creation_input_token_cost_above_200k_tokens: price,
  cache_read_input_token_cost_above_200k_tokens: price,
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The LiteLLM price table last fetched by the cron (worker/pricing/table.ts). */
export const storedPricesSchema = z.object({
  v: z.literal(1),
  fetchedAt: z.iso.datetime(),
  source: z.string(),
  models: z.record(z.string(), modelPriceSchema),
});
export type StoredPrices = z.infer<typeof storedPricesSchema>;

/** The admin's prices, over the fetched (or shipped) table. */
export const priceOverridesSchema = z.object({
  v: z.literal(1),
  models: z.record(z.string(), modelPriceSchema),
});
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

/** Token counts as the Anthropic API names them; other protocols are mapped onto these. */
export const usageSchema = z.object({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0),
  cache_read_input_tokens: z.number().int().min(0),
  ephemeral_5m_input_tokens: z.number().int().min(0),
  ephemeral_1h_input_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof usageSchema>;

export const recentRequestSchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  at: isoDate,
  keyId: z.string(),
  accountId: z.string().optional(),
  model: z.string(),
  status: z.number().int(),
  durationMs: z.number().min(0),
  usage: usageSchema,
  /** Rounded to whole micro-dollars (what readers before `costPicoUsd` expect). */
  costMicroUsd: z.number().int().min(0),
  /** The exact cost in pico-dollars (10⁻¹² USD); absent in records written before it existed. */
  costPicoUsd: z.number().int().min(0).optional(),
});
export type RecentRequest = z.infer<typeof recentRequestSchema>;

/** A failed request (status ≥ 400) for the dashboard's recent-errors panel; never a secret. */
export const recentErrorSchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  at: isoDate,
  keyId: z.string(),
  accountId: z.string().optional(),
  platform: z.string(),
  model: z.string(),
  status: z.number().int(),
  /** The relay's error kind or code (e.g. `unavailable`, `upstream_error`). */
  errorType: z.string(),
  message: z.string().max(500).default(""),
});
export type RecentError = z.infer<typeof recentErrorSchema>;
