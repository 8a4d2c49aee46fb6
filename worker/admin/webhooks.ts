// Admin: webhook targets and events (GET/PUT), a test send, and the Notifier's delivery log.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { WEBHOOK_EVENTS, webhookConfigSchema } from "../keyspace/records/webhooks.ts";
import { configView, loadWebhookConfig, mergeTargets, saveWebhookConfig } from "../webhooks/config.ts";
import { notifierOf } from "../webhooks/notify.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const tags = ["webhooks"];
const TARGET_TYPES = [
  "custom",
  "slack",
  "discord",
  "telegram",
  "feishu",
  "dingtalk",
  "wecom",
  "bark",
] as const;

const targetViewSchema = z
  .object({
    id: z.string(),
    type: z.enum(TARGET_TYPES),
    name: z.string(),
    enabled: z.boolean(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    timeoutMs: z.number(),
    url: z.string().optional(),
    chatId: z.string().optional(),
    deviceKey: z.string().optional(),
    sound: z.string().optional(),
    group: z.string().optional(),
    secretSet: z.boolean(),
    botTokenSet: z.boolean().optional(),
  })
  .openapi("WebhookTarget", {
    description:
      "Per type: custom {url, secret?}, slack/discord/wecom {url}, telegram {botToken, chatId, url?}, " +
      "feishu/dingtalk {url, secret?}, bark {deviceKey, url?, sound?, group?}. Secrets are never shown.",
  });

const configViewSchema = webhookConfigSchema
  .omit({ targets: true })
  .extend({ targets: z.array(targetViewSchema) })
  .openapi("WebhookConfig");

const targetInput = z
  .looseObject({ id: z.string().min(1).max(100), type: z.enum(TARGET_TYPES) })
  .openapi("WebhookTargetInput", {
    description:
      'A target as stored; a secret (secret, botToken) left out keeps the stored one, "" clears it',
  });

const configBody = z
  .object({
    enabled: z.boolean().optional(),
    targets: z.array(targetInput).max(50),
    maxRetries: z.number().int().min(0).max(10).optional(),
    retryDelayMs: z.number().int().min(100).max(3_600_000).optional(),
    keyExpiryWarningDays: z.number().min(0).max(90).optional(),
  })
  .strict()
  .openapi("WebhookConfigInput");

const testResult = z
  .object({
    targetId: z.string(),
    type: z.string(),
    ok: z.boolean(),
    status: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
  })
  .openapi("WebhookTestResult");

const attempt = z
  .object({
    seq: z.number(),
    at: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    targetId: z.string(),
    targetType: z.string(),
    attempt: z.number(),
    ok: z.boolean(),
    status: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
    outcome: z.enum(["delivered", "retrying", "gave-up", "test"]),
  })
  .openapi("WebhookAttempt");

const routes = {
  get: createRoute({
    method: "get",
    path: "/webhooks",
    tags,
    security,
    summary: "The webhook configuration (secrets shown only as set / not set)",
    responses: { 200: jsonContent(configViewSchema, "Configuration") },
  }),
  put: createRoute({
    method: "put",
    path: "/webhooks",
    tags,
    security,
    summary: "Replace the webhook configuration",
    request: { body: { content: { "application/json": { schema: configBody } }, required: true } },
    responses: { 200: jsonContent(configViewSchema, "Saved"), 400: jsonContent(errorSchema, "Invalid") },
  }),
  test: createRoute({
    method: "post",
    path: "/webhooks/test",
    tags,
    security,
    summary: "Send a test event now, once, to one target (enabled or not) or to every enabled target",
    request: {
      body: {
        content: { "application/json": { schema: z.object({ targetId: z.string().optional() }).strict() } },
        required: false,
      },
    },
    responses: {
      200: jsonContent(z.object({ results: z.array(testResult) }), "One result per target"),
      404: jsonContent(errorSchema, "No such target"),
    },
  }),
  deliveries: createRoute({
    method: "get",
    path: "/webhooks/deliveries",
    tags,
    security,
    summary: "The last delivery attempts (newest first) and what is waiting to be sent",
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).optional() }) },
    responses: {
      200: jsonContent(
        z.object({
          deliveries: z.array(attempt),
          queue: z.object({
            waiting: z.number(),
            deliveries: z.array(
              z.object({
                eventId: z.string(),
                eventType: z.string(),
                targetId: z.string(),
                attempts: z.number(),
                nextAt: z.string(),
              }),
            ),
          }),
        }),
        "Delivery log",
      ),
    },
  }),
};

export function registerWebhooks(app: AdminApp) {
  app.openapi(routes.get, async (c) =>
    c.json(configView(await loadWebhookConfig(services(c.env).keyspace)), 200),
  );

  app.openapi(routes.put, async (c) => {
    const { keyspace } = services(c.env);
    const body = c.req.valid("json");
    const stored = await loadWebhookConfig(keyspace);
    const ids = body.targets.map((t) => t.id);
    if (new Set(ids).size !== ids.length)
      throw new RelayError("invalid_request", "targets: ids must be unique");
    const saved = await saveWebhookConfig(keyspace, {
      ...stored,
      enabled: body.enabled ?? stored.enabled,
      maxRetries: body.maxRetries ?? stored.maxRetries,
      retryDelayMs: body.retryDelayMs ?? stored.retryDelayMs,
      keyExpiryWarningDays: body.keyExpiryWarningDays ?? stored.keyExpiryWarningDays,
      targets: mergeTargets(stored.targets, body.targets),
    });
    await notifierOf(c.env).configChanged();
    return c.json(configView(saved), 200);
  });

  app.openapi(routes.test, async (c) => {
    // The body is optional: without one, every enabled target.
    const targetId = (c.req.valid("json") as { targetId?: string } | undefined)?.targetId;
    const results = await notifierOf(c.env).sendTest(targetId);
    if (targetId && results.length === 0) throw new RelayError("not_found", `No webhook target ${targetId}`);
    return c.json({ results }, 200);
  });

  app.openapi(routes.deliveries, async (c) => {
    const notifier = notifierOf(c.env);
    const [deliveries, queue] = await Promise.all([
      notifier.deliveries(c.req.valid("query").limit ?? 100),
      notifier.pending(),
    ]);
    return c.json({ deliveries, queue }, 200);
  });
}
