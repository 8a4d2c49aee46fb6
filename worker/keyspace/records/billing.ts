// Billing events (issue 22 item 5): one per settled request, produced by the KeyGate's usage flush
// from the records it stored durably, and delivered at least once to the operator's sink (a
// Cloudflare Queue, or signed HTTP batches). The request id is the consumer's dedupe key.
import { z } from "zod";
import { isoDate } from "./common.ts";

export const billingEventSchema = z.object({
  v: z.literal(1),
  type: z.literal("billing.usage"),
  /** The consumer's dedupe key: a redelivered event carries the same id and the same content. */
  requestId: z.string().min(1),
  keyId: z.string(),
  /** The key's owner (a portal user), when it has one. */
  ownerId: z.string().nullable(),
  accountId: z.string().nullable(),
  platform: z.string(),
  model: z.string(),
  status: z.number().int(),
  /** False when no upstream answered (the relay refused it): no request of the key's usage, cost 0. */
  served: z.boolean(),
  tokens: z.object({
    input: z.number().int().min(0),
    output: z.number().int().min(0),
    cacheCreate: z.number().int().min(0),
    cacheRead: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  /** The exact cost in pico-dollars (10⁻¹² USD), and the same in USD. */
  costPicoUsd: z.number().int().min(0),
  costUsd: z.number().min(0),
  /** The cost the key's limits counted (rated: × service rate × key multiplier); else `costUsd`. */
  ratedCostUsd: z.number().min(0),
  /** When the request started. */
  at: isoDate,
});
export type BillingEvent = z.infer<typeof billingEventSchema>;

/** The HTTP sink's settings (the admin's Settings → Billing events); unused when a Queue is bound. */
export const billingSettingsSchema = z.object({
  v: z.literal(1),
  enabled: z.boolean().default(false),
  /** Where batches are POSTed (http or https). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC-SHA256 key of `x-edge-relay-signature`; never shown back. */
  secret: z.string().min(1).max(500).optional(),
  /** Events per POST. */
  batchSize: z.number().int().min(1).max(1_000).default(100),
  timeoutMs: z.number().int().min(1_000).max(60_000).default(10_000),
  updatedAt: isoDate.optional(),
});
export type BillingSettings = z.infer<typeof billingSettingsSchema>;
export const DEFAULT_BILLING_SETTINGS: BillingSettings = billingSettingsSchema.parse({ v: 1 });
