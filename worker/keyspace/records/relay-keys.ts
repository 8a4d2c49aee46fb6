// Relay keys: the record of each key the relay hands out, its limits and its expiry.
import { z } from "zod";
import { clientIdSchema, isoDate, platformSchema } from "./common.ts";

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
