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
] as const;
/** Account types whose credentials are one API key (`{ apiKey }`). */
export const API_KEY_ACCOUNT_TYPES: readonly string[] = ["claude-console", "gemini-api", "openai-api"];
export const accountTypeSchema = z.enum(ACCOUNT_TYPES);
export type AccountType = z.infer<typeof accountTypeSchema>;

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
  isActive: z.boolean().default(true),
  /** Most requests this account serves at once (0 = no limit). */
  concurrencyLimit: z.number().int().min(0).default(0),
  /** Models it serves, exact or `prefix*` (empty = every model of its platform). */
  models: z.array(z.string().min(1)).default([]),
  /** Sealed credential envelope (keyspace/crypto.ts), never the secret itself. */
  credentials: z.string().min(1),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type AccountRecord = z.infer<typeof accountRecordSchema>;

/** What an account's credentials envelope holds, per account type. */
export const consoleCredentialsSchema = z.object({ apiKey: z.string().min(1) });
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

export const adminCredentialSchema = z.object({
  v: z.literal(1),
  username: z.string().min(1),
  passwordHash: z.string().min(1),
  createdAt: isoDate,
});
export type AdminCredential = z.infer<typeof adminCredentialSchema>;

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
  costMicroUsd: z.number().int().min(0),
});
export type RecentRequest = z.infer<typeof recentRequestSchema>;
