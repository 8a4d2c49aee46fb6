// The price table: what is in force, admin overrides, and a refresh on demand.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { modelPriceSchema } from "../keyspace/records/pricing.ts";
import { findPrice } from "../pricing/pricing.ts";
import { loadedPrices, loadPrices, priceInfo, refreshPrices, setPriceOverrides } from "../pricing/table.ts";
import { type AdminApp, jsonContent } from "./app.ts";

const security = [{ adminJwt: [] }];
const tags = ["pricing"];
const overridesSchema = z.record(z.string().min(1), modelPriceSchema);
const infoSchema = z
  .object({
    source: z.enum(["shipped", "fetched"]),
    fetched: z.object({ at: z.string(), source: z.string(), models: z.number() }).nullable(),
    models: z.number(),
    overrides: overridesSchema,
  })
  .openapi("PricingInfo");

const unpricedSchema = z
  .object({
    models: z.array(
      z.object({
        model: z.string(),
        /** Requests served with this model since it was first seen without a price. */
        requests: z.number(),
        lastSeenAt: z.string().nullable(),
      }),
    ),
  })
  .openapi("UnpricedModels");

const routes = {
  get: createRoute({
    method: "get",
    path: "/pricing",
    tags,
    security,
    summary: "The price table in force: shipped snapshot or last fetched table, plus overrides",
    responses: { 200: jsonContent(infoSchema, "Pricing") },
  }),
  overrides: createRoute({
    method: "put",
    path: "/pricing/overrides",
    tags,
    security,
    summary: "Replace the admin's per-model price overrides (LiteLLM fields, USD per token)",
    request: {
      body: {
        content: { "application/json": { schema: z.object({ models: overridesSchema }) } },
        required: true,
      },
    },
    responses: { 200: jsonContent(infoSchema, "Pricing") },
  }),
  unpriced: createRoute({
    method: "get",
    path: "/pricing/unpriced",
    tags,
    security,
    summary:
      "Models served without a price (their cost counted as 0) that the table in force still cannot price, latest first",
    responses: { 200: jsonContent(unpricedSchema, "Unpriced models") },
  }),
  refresh: createRoute({
    method: "post",
    path: "/pricing/refresh",
    tags,
    security,
    summary: "Fetch the price table from PRICING_URL now (a failure keeps the last good table)",
    responses: {
      200: jsonContent(
        z.object({ ok: z.boolean(), models: z.number(), error: z.string().optional() }),
        "Result",
      ),
    },
  }),
};

export function registerPricing(app: AdminApp) {
  app.openapi(routes.get, async (c) => {
    await loadPrices(services(c.env));
    return c.json(priceInfo(), 200);
  });
  app.openapi(routes.overrides, async (c) => {
    await setPriceOverrides(services(c.env), c.req.valid("json").models);
    return c.json(priceInfo(), 200);
  });
  app.openapi(routes.unpriced, async (c) => {
    const s = services(c.env);
    const [seen] = await Promise.all([s.keyspace.unpricedModels(), loadPrices(s)]);
    // A model priced since (an override, a refreshed table) is no longer the operator's to do.
    const table = loadedPrices();
    const models = seen
      .filter((m) => !findPrice(table, m.model))
      .sort((a, b) => (b.lastSeenAt ?? "").localeCompare(a.lastSeenAt ?? "") || b.requests - a.requests);
    return c.json({ models }, 200);
  });
  app.openapi(routes.refresh, async (c) => {
    const s = services(c.env);
    return c.json(await refreshPrices(s, s.config.PRICING_URL), 200);
  });
}
