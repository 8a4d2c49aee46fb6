// Relay keys: the record of each key the relay hands out, its limits and its expiry.
import { z } from "zod";
import { clientIdSchema, isoDate, platformSchema } from "./common.ts";

/**
 * What per-platform cost limits are kept for: the four platforms, plus the two account kinds that
 * serve one of them from a pool or an upstream of their own (Bedrock in the Claude pool, Azure
 * OpenAI for the OpenAI protocols). A Bedrock request counts toward both `bedrock` and `claude`,
 * an Azure one toward both `azure-openai` and `openai`.
 */
export const COST_PLATFORMS = ["claude", "bedrock", "gemini", "openai", "azure-openai", "droid"] as const;
export const costPlatformSchema = z.enum(COST_PLATFORMS);
export type CostPlatform = z.infer<typeof costPlatformSchema>;

/** The daily and total caps of one platform or model, USD (0 = none); both named, no defaults. */
const costCaps = {
  dailyCostLimit: z.number().min(0).max(1_000_000),
  totalCostLimit: z.number().min(0).max(1_000_000),
};
export const platformCostLimitSchema = z.object({ platform: costPlatformSchema, ...costCaps });
export type PlatformCostLimit = z.infer<typeof platformCostLimitSchema>;
export const modelCostLimitSchema = z.object({
  /** An exact model name or `prefix*`, matched without regard to case (providers/model-patterns.ts). */
  model: z.string().trim().min(1).max(200),
  ...costCaps,
});
export type ModelCostLimit = z.infer<typeof modelCostLimitSchema>;

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
  /**
   * The key's own multiplier on its rated cost (the original's per-key service rates): its limits,
   * quotas and packs count real cost × the service rate × this.
   */
  rateMultiplier: z
    .number()
    .positive()
    .max(1000)
    .default(1)
    .describe(
      "Multiplier on the key's rated cost (real cost × the platform's or model's service rate × this), which its cost limits, quotas and booster packs count; 1 = the service rate alone",
    ),
  /** Daily and total cost caps per platform (one entry per platform). */
  platformLimits: z
    .array(platformCostLimitSchema)
    .max(COST_PLATFORMS.length)
    .refine((list) => new Set(list.map((l) => l.platform)).size === list.length, "one entry per platform")
    .default([])
    .describe(
      "Daily and total cost caps (USD, 0 = none) per platform, one entry each; refused with 402 `platform_daily_cost_limit_exceeded` / `platform_total_cost_limit_exceeded`. Bedrock spend also counts as Claude, Azure OpenAI spend as OpenAI; a spent Bedrock cap stops the key's Claude requests, an Azure OpenAI cap its /azure requests",
    ),
  /** Daily and total cost caps per model or `prefix*` pattern (one entry per pattern). */
  modelLimits: z
    .array(modelCostLimitSchema)
    .max(50)
    .refine(
      (list) => new Set(list.map((l) => l.model.toLowerCase())).size === list.length,
      "one entry per model pattern",
    )
    .default([])
    .describe(
      "Daily and total cost caps (USD, 0 = none) per model: an exact name or `prefix*`, case-blind, summed over every model the pattern names; refused with 402 `model_daily_cost_limit_exceeded` / `model_total_cost_limit_exceeded`",
    ),
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

/**
 * The daily, weekly and total cost another service (CRS) had already counted against the key when
 * it was imported. The key's gate adds it to its own counters (each part only in the day or week it
 * belongs to) and replaces it, never adds to it, when a later import brings another `importId`.
 */
export const carriedSpendSchema = z.object({
  /** Names these values: a re-import of the same numbers has the same id and changes nothing. */
  importId: z.string().min(1).max(100),
  dayStart: isoDate,
  dayCostMicroUsd: z.number().min(0),
  weekStart: isoDate,
  weekCostMicroUsd: z.number().min(0),
  totalCostMicroUsd: z.number().min(0),
});
export type CarriedSpend = z.infer<typeof carriedSpendSchema>;

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
  /**
   * Set when the key was deleted (soft delete): it no longer authenticates and is listed only among
   * the deleted keys, until restored or purged by the housekeeping cron after the retention period.
   */
  deletedAt: isoDate.optional(),
  /** Spend the original service had counted against this key's limits, set by the CRS import. */
  carriedSpend: carriedSpendSchema
    .optional()
    .describe(
      "Set by the CRS import: the daily, weekly and total cost the original had counted against the key's limits, µUSD; counted by the key's gate once per importId",
    ),
});
export type RelayKeyRecord = z.infer<typeof relayKeyRecordSchema>;

/** How long soft-deleted keys are kept for restoring before the housekeeping cron purges them. */
export const keyRetentionSchema = z.object({
  v: z.literal(1),
  retentionDays: z.number().int().min(1).max(365).default(7),
});
export type KeyRetention = z.infer<typeof keyRetentionSchema>;
