// Webhooks: the events, the delivery targets, and the one configuration record.
import { z } from "zod";
import { isoDate } from "./common.ts";

/** Events the relay sends to webhook targets (worker/webhooks/events.ts renders them). */
export const WEBHOOK_EVENTS = [
  "account.unauthorized",
  "account.rate_limited",
  "account.overloaded",
  "account.error",
  "account.blocked",
  "account.window_threshold",
  "account.balance_low",
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
