// Admin: billing events (issue 22 item 5) — the HTTP sink's settings (GET/PUT), a signed test POST,
// and the delivery status (what waits in the BillingOutbox, the last attempts). With a Queue bound
// (wrangler.jsonc BILLING_QUEUE) the events go there and the HTTP settings are not used.
import { createRoute, z } from "@hono/zod-openapi";
import { billingOutboxOf, billingSinkKind } from "../billing/sink.ts";
import { services } from "../env.ts";
import {
  type BillingSettings,
  billingEventSchema,
  billingSettingsSchema,
} from "../keyspace/records/billing.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const tags = ["billing"];

const sinkKind = z.enum(["queue", "http", "off"]).openapi({
  description: "Where events go now: the bound Queue, the HTTP sink, or nowhere (no event is made)",
});

const settingsView = z
  .object({
    enabled: z.boolean(),
    url: z.string().nullable(),
    secretSet: z.boolean(),
    batchSize: z.number().int(),
    timeoutMs: z.number().int(),
    updatedAt: z.string().nullable(),
    sink: sinkKind,
  })
  .openapi("BillingSettings");

const settingsBody = z
  .object({
    enabled: z.boolean().optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional()
      .openapi({ description: "Where batches are POSTed; null removes it" }),
    secret: z
      .string()
      .max(500)
      .optional()
      .openapi({ description: 'HMAC-SHA256 signing secret; left out keeps the stored one, "" removes it' }),
    batchSize: z.number().int().min(1).max(1_000).optional(),
    timeoutMs: z.number().int().min(1_000).max(60_000).optional(),
  })
  .strict()
  .openapi("BillingSettingsInput");

const attempt = z
  .object({
    at: z.string(),
    batchId: z.string(),
    events: z.number().int(),
    ok: z.boolean(),
    status: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
  })
  .openapi("BillingAttempt");

const statusView = z
  .object({
    sink: sinkKind,
    pending: z
      .number()
      .int()
      .openapi({ description: "Events in the BillingOutbox not yet accepted by the sink" }),
    oldestPendingAt: z.string().nullable(),
    delivered: z.number().int(),
    lastDeliveredAt: z.string().nullable(),
    attempts: z.array(attempt).openapi({ description: "The last POSTs, newest first" }),
  })
  .openapi("BillingStatus");

const testResult = z
  .object({
    ok: z.boolean(),
    status: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
  })
  .openapi("BillingTestResult");

const routes = {
  read: createRoute({
    method: "get",
    path: "/settings/billing",
    tags,
    security,
    summary: "The billing events' HTTP sink (the secret shown only as set / not set)",
    responses: { 200: jsonContent(settingsView, "Billing settings") },
  }),
  write: createRoute({
    method: "put",
    path: "/settings/billing",
    tags,
    security,
    summary: "Change the HTTP sink of billing events (fields left out keep their value)",
    request: { body: { content: { "application/json": { schema: settingsBody } }, required: true } },
    responses: { 200: jsonContent(settingsView, "Saved"), 400: jsonContent(errorSchema, "Invalid") },
  }),
  test: createRoute({
    method: "post",
    path: "/billing/test",
    tags,
    security,
    summary: "POST an empty signed batch (events: []) to the sink's URL now, once",
    responses: { 200: jsonContent(testResult, "How the sink answered") },
  }),
  status: createRoute({
    method: "get",
    path: "/billing/status",
    tags,
    security,
    summary: "Delivery status: events waiting, delivered, and the last attempts",
    responses: { 200: jsonContent(statusView, "Delivery status") },
  }),
};

function view(settings: BillingSettings, sink: z.infer<typeof sinkKind>): z.infer<typeof settingsView> {
  return {
    enabled: settings.enabled,
    url: settings.url ?? null,
    secretSet: settings.secret !== undefined,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutMs,
    updatedAt: settings.updatedAt ?? null,
    sink,
  };
}

/** What a sink receives (documented here; the admin API itself never sends events). */
const billingEventDoc = billingEventSchema.meta({
  id: "BillingEvent",
  description:
    "One settled request, delivered at least once; requestId is the consumer's dedupe key. costPicoUsd is exact " +
    "(10^-12 USD); ratedCostUsd is the cost the key's limits counted. A Queue message's body is one event.",
});
const billingBatchDoc = z
  .object({
    type: z.literal("billing.batch"),
    service: z.literal("edge-relay"),
    batchId: z.string(),
    sentAt: z.string(),
    events: z.array(billingEventDoc),
  })
  .openapi("BillingBatch", {
    description:
      "The HTTP sink's POST body, signed: x-edge-relay-signature: sha256=<hex HMAC-SHA256(secret, " +
      '"<x-edge-relay-timestamp>.<body>")>. A test send has events: []. Answer 2xx to accept it.',
  });

export function registerBilling(app: AdminApp) {
  app.openAPIRegistry.register("BillingBatch", billingBatchDoc);
  app.openapi(routes.read, async (c) => {
    const settings = await services(c.env).keyspace.billing.settings();
    return c.json(view(settings, billingSinkKind(c.env, settings)), 200);
  });

  app.openapi(routes.write, async (c) => {
    const { billing } = services(c.env).keyspace;
    const { secret, url, ...rest } = c.req.valid("json");
    const { secret: storedSecret, url: storedUrl, ...stored } = await billing.settings();
    const nextSecret = secret === undefined ? storedSecret : secret === "" ? undefined : secret;
    const nextUrl = url === undefined ? storedUrl : (url ?? undefined);
    const next = billingSettingsSchema.parse({
      ...stored,
      ...rest,
      ...(nextUrl ? { url: nextUrl } : {}),
      ...(nextSecret ? { secret: nextSecret } : {}),
      updatedAt: new Date().toISOString(),
    });
    await billing.putSettings(next);
    await billingOutboxOf(c.env).settingsChanged();
    return c.json(view(next, billingSinkKind(c.env, next)), 200);
  });

  app.openapi(routes.test, async (c) => c.json(await billingOutboxOf(c.env).sendTest(), 200));

  app.openapi(routes.status, async (c) => {
    const settings = await services(c.env).keyspace.billing.settings();
    const status = await billingOutboxOf(c.env).status();
    return c.json({ sink: billingSinkKind(c.env, settings), ...status }, 200);
  });
}
