// The admin API's response shapes, as the CLI relies on them. Unknown extra fields are accepted
// (and kept in --json output) so a newer relay does not break an older CLI.
import { z } from "zod";

const limitsSchema = z.object({
  tokenLimit: z.number(),
  concurrencyLimit: z.number(),
  concurrencyQueueSeconds: z.number(),
  rateLimitWindowMinutes: z.number(),
  rateLimitRequests: z.number(),
  rateLimitCost: z.number(),
  dailyCostLimit: z.number(),
  totalCostLimit: z.number(),
  weeklyCostLimit: z.number(),
  weeklyResetDay: z.number(),
  weeklyResetHour: z.number(),
  restrictedModels: z.array(z.string()),
  allowedClients: z.array(z.string()),
  permissions: z.array(z.string()),
});
export type KeyLimits = z.infer<typeof limitsSchema>;

const expirySchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("never") }),
  z.object({ mode: z.literal("fixed"), expiresAt: z.string() }),
  z.object({ mode: z.literal("activation"), days: z.number(), activatedAt: z.string().optional() }),
]);
export type Expiry = z.infer<typeof expirySchema>;

export const keyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  preview: z.string(),
  isActive: z.boolean(),
  tags: z.array(z.string()),
  ownerId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiry: expirySchema,
  limits: limitsSchema,
  boundAccounts: z.record(z.string(), z.string()),
});
export type KeyView = z.infer<typeof keyViewSchema>;

export const accountViewSchema = z.object({
  id: z.string(),
  type: z.string(),
  platform: z.string(),
  name: z.string(),
  description: z.string(),
  baseUrl: z.string(),
  priority: z.number(),
  schedulable: z.boolean(),
  /** Absent from servers older than dedicated accounts: every account was shared then. */
  shared: z.boolean().optional(),
  isActive: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Present in lists: what the scheduler thinks of the account now. */
  health: z.object({ status: z.string(), until: z.string().nullable() }).optional(),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export const loginResponseSchema = z.object({ token: z.string().min(1), expiresAt: z.unknown() });
export const errorResponseSchema = z.object({ error: z.object({ type: z.string(), message: z.string() }) });

export const statusResponseSchema = z.object({
  version: z.string(),
  time: z.string(),
  keyspace: z.object({ ok: z.boolean(), latencyMs: z.number().nullable().optional() }),
  keys: z.object({ total: z.number(), active: z.number() }),
  accounts: z.object({ total: z.number(), active: z.number() }),
});
export type StatusResponse = z.infer<typeof statusResponseSchema>;

export const keyListSchema = z.object({ keys: z.array(keyViewSchema) });
export const keyResponseSchema = z.object({ key: keyViewSchema });
export const keyCreatedSchema = z.object({ key: keyViewSchema, secret: z.string() });
export const accountListSchema = z.object({ accounts: z.array(accountViewSchema) });
export const accountResponseSchema = z.object({ account: accountViewSchema });
export const deletedSchema = z.object({ deleted: z.literal(true) });
export const keyLiveSchema = z.object({
  window: z
    .object({ start: z.number(), requests: z.number(), tokens: z.number(), costMicroUsd: z.number() })
    .nullable(),
  activeLeases: z.number(),
  queued: z.number(),
  spend: z.object({
    dayCostMicroUsd: z.number(),
    weekCostMicroUsd: z.number(),
    totalCostMicroUsd: z.number(),
    totalTokens: z.number(),
  }),
});
