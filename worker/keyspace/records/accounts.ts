// Upstream accounts: the record, its type and the pool it is scheduled in, and what its sealed
// credentials envelope holds per type.
import { z } from "zod";
import { isoDate, type Platform, platformSchema } from "./common.ts";

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

/**
 * An account's egress proxy: its type, host and port in clear (what the admin API shows), and its
 * whole URL, credentials included, in a sealed envelope like the account's credentials.
 */
export const accountProxySchema = z.object({
  type: z.enum(["http", "https", "socks5"]),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  sealed: z.string().min(1),
});
export type AccountProxy = z.infer<typeof accountProxySchema>;

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
  /**
   * A subscription (Claude OAuth) account serves the real Claude Code only, unless this is set: the
   * operator allows other clients (SDKs, chat completions, curl) on it, knowing Anthropic may
   * refuse them or bill them as extra usage. Ignored by other account types.
   */
  allowOtherClients: z.boolean().default(false),
  /**
   * Not scheduled while its 5-hour window (from the upstream's rate-limit headers) is at or above
   * this percentage, until the window resets (the original's autoStopOnWarning); 0 = never.
   */
  stopAt5hPercent: z.number().min(0).max(100).default(0),
  /** Not scheduled once it has served this much (USD) today (TIMEZONE_OFFSET_HOURS day); 0 = no quota. */
  dailyCostLimitUsd: z.number().min(0).default(0),
  /**
   * What was left on the account (prepaid credit, USD) at balanceSetAt, as the operator last set
   * it; the pool draws it down by the cost the account serves. null: no balance is kept.
   */
  balanceUsd: z.number().nullable().default(null),
  balanceSetAt: isoDate.nullable().default(null),
  /** A webhook event when what is left falls below this (USD); 0 = none. */
  balanceAlertUsd: z.number().min(0).default(0),
  /** Not scheduled once nothing is left of its balance. */
  stopAtZeroBalance: z.boolean().default(false),
  /** Not scheduled from this time on (the account's subscription ends); null = never. */
  subscriptionExpiresAt: isoDate.nullable().default(null),
  /** Sealed credential envelope (keyspace/crypto.ts), never the secret itself. */
  credentials: z.string().min(1),
  /** The egress proxy its upstream calls go through (worker/proxy/); absent: they go direct. */
  proxy: accountProxySchema.optional(),
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
