// Booster packs (per key, kept by its KeyGate), quota cards (redeemable codes) and service rates
// (the rate each platform's and model's cost is counted at by the key limits).
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { isoDate } from "../keyspace/records/common.ts";
import { CARD_TYPES, type QuotaCard } from "../keyspace/records/quota-cards.ts";
import { costPlatformSchema } from "../keyspace/records/relay-keys.ts";
import { serviceRatesSchema } from "../keyspace/records/service-rates.ts";
import { loadServiceRates, RATES_REFRESH_MS } from "../pricing/rates.ts";
import { gateOf } from "../relay/gate.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const notFound = jsonContent(errorSchema, "Not found");
const invalid = jsonContent(errorSchema, "Invalid request");

export const packSchema = z
  .object({
    id: z.string(),
    amountMicroUsd: z.number(),
    usedMicroUsd: z.number().openapi({ description: "Drawn so far; never more than amountMicroUsd" }),
    grantedAt: z.string(),
    expiresAt: z.string().optional(),
    note: z.string(),
    source: z.enum(["admin", "card"]),
    cardCode: z.string().optional(),
  })
  .openapi("BoosterPack");
export const packStateSchema = z
  .object({
    packs: z.array(packSchema),
    draws: z
      .array(
        z.object({ requestId: z.string(), packId: z.string(), amountMicroUsd: z.number(), at: z.string() }),
      )
      .openapi({ description: "The latest draws (up to 500), newest first" }),
    leftMicroUsd: z.number().openapi({ description: "What the unexpired packs have left" }),
  })
  .openapi("BoosterPacks");

const grantBody = z
  .object({
    amountUsd: z.number().positive().max(1_000_000),
    expiresAt: isoDate.optional().openapi({ description: "After this, what is left of the pack lapses" }),
    note: z.string().max(500).optional(),
  })
  .strict()
  .openapi("NewBoosterPack");

const cardSchema = z
  .object({
    code: z.string(),
    type: z.enum(CARD_TYPES),
    quotaAmount: z.number(),
    timeAmount: z.number(),
    expiresAt: z.string().optional(),
    note: z.string(),
    status: z.enum(["active", "redeemed", "disabled"]),
    createdAt: z.string(),
    createdBy: z.string(),
    redeemedAt: z.string().optional(),
    redeemedKeyId: z.string().optional(),
  })
  .openapi("QuotaCard");

const newCardsBody = z
  .object({
    type: z.enum(CARD_TYPES).openapi({
      description:
        "`quota`: a booster pack of quotaAmount USD on the key that redeems it; `time`: timeAmount days added to its expiry",
    }),
    quotaAmount: z.number().positive().max(1_000_000).optional(),
    timeAmount: z.number().int().positive().max(36_500).optional(),
    expiresAt: isoDate.optional().openapi({ description: "The card cannot be redeemed after this" }),
    note: z.string().max(500).optional(),
    count: z.number().int().min(1).max(100).optional().openapi({ description: "How many cards (default 1)" }),
    codePrefix: z
      .string()
      .regex(/^[A-Za-z0-9]{0,10}$/)
      .optional()
      .openapi({ description: "Default QC" }),
  })
  .strict()
  .refine((b) => (b.type === "quota" ? b.quotaAmount !== undefined : b.timeAmount !== undefined), {
    message: "a quota card needs quotaAmount, a time card timeAmount",
  })
  .openapi("NewQuotaCards");

const codeParam = z.object({
  code: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "code", in: "path" } }),
});

const ratesView = serviceRatesSchema.omit({ v: true }).extend({
  rates: z.partialRecord(costPlatformSchema, z.number()),
  modelRates: z.array(z.object({ model: z.string(), rate: z.number() })),
  updatedAt: z.string().optional(),
});
const ratesBody = z
  .object({
    rates: z.partialRecord(costPlatformSchema, z.number().positive().max(1000)),
    modelRates: z
      .array(z.object({ model: z.string().trim().min(1).max(200), rate: z.number().positive().max(1000) }))
      .max(200)
      .optional(),
  })
  .strict()
  .openapi("ServiceRatesChange");

const routes = {
  packs: createRoute({
    method: "get",
    path: "/keys/{id}/packs",
    tags: ["keys"],
    security,
    summary: "A key's booster packs and their latest draws (from its KeyGate)",
    request: { params: idParam },
    responses: { 200: jsonContent(packStateSchema, "Packs"), 404: notFound },
  }),
  grant: createRoute({
    method: "post",
    path: "/keys/{id}/packs",
    tags: ["keys"],
    security,
    summary: "Grants a key a booster pack: extra cost allowance drawn once a cost limit is reached",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: grantBody } }, required: true },
    },
    responses: { 201: jsonContent(packStateSchema, "Granted"), 400: invalid, 404: notFound },
  }),
  listCards: createRoute({
    method: "get",
    path: "/quota-cards",
    tags: ["quota-cards"],
    security,
    summary: "Quota cards, newest first (up to 500)",
    responses: { 200: jsonContent(z.object({ cards: z.array(cardSchema) }), "Cards") },
  }),
  createCards: createRoute({
    method: "post",
    path: "/quota-cards",
    tags: ["quota-cards"],
    security,
    summary: "Creates 1–100 quota cards (codes a key owner redeems on the stats page or the user portal)",
    request: { body: { content: { "application/json": { schema: newCardsBody } }, required: true } },
    responses: { 201: jsonContent(z.object({ cards: z.array(cardSchema) }), "Created"), 400: invalid },
  }),
  disableCard: createRoute({
    method: "post",
    path: "/quota-cards/{code}/disable",
    tags: ["quota-cards"],
    security,
    summary: "Disables a card not yet redeemed (a redeemed card stays as it is)",
    request: { params: codeParam },
    responses: { 200: jsonContent(z.object({ card: cardSchema }), "The card"), 404: notFound },
  }),
  getRates: createRoute({
    method: "get",
    path: "/settings/service-rates",
    tags: ["settings"],
    security,
    summary: "Service rates: the rate each platform's and model's cost is counted at by the key limits",
    responses: { 200: jsonContent(ratesView.openapi("ServiceRates"), "Rates") },
  }),
  putRates: createRoute({
    method: "put",
    path: "/settings/service-rates",
    tags: ["settings"],
    security,
    summary: `Replaces the service rates (the relay sees them within ${RATES_REFRESH_MS / 1000} s)`,
    request: { body: { content: { "application/json": { schema: ratesBody } }, required: true } },
    responses: { 200: jsonContent(ratesView, "Rates"), 400: invalid },
  }),
};

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function newCode(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
  const groups = chars.match(/.{4}/g) ?? [];
  return [prefix.toUpperCase(), ...groups].filter(Boolean).join("-");
}

export function registerCostGovernance(app: AdminApp) {
  app.openapi(routes.packs, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await services(c.env).keyspace.getRelayKey(id)))
      throw new RelayError("not_found", `No relay key ${id}`);
    return c.json(await gateOf(c.env, id).packState(), 200);
  });

  app.openapi(routes.grant, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (!(await services(c.env).keyspace.getRelayKey(id)))
      throw new RelayError("not_found", `No relay key ${id}`);
    const state = await gateOf(c.env, id).grantPack({
      id: crypto.randomUUID(),
      amountMicroUsd: Math.round(body.amountUsd * 1_000_000),
      usedMicroUsd: 0,
      grantedAt: new Date().toISOString(),
      ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
      note: body.note ?? "",
      source: "admin",
    });
    return c.json(state, 201);
  });

  app.openapi(routes.listCards, async (c) =>
    c.json({ cards: await services(c.env).keyspace.quotaCards.list() }, 200),
  );

  app.openapi(routes.createCards, async (c) => {
    const body = c.req.valid("json");
    const now = new Date().toISOString();
    const cards: QuotaCard[] = Array.from({ length: body.count ?? 1 }, () => ({
      v: 1,
      code: newCode(body.codePrefix ?? "QC"),
      type: body.type,
      quotaAmount: body.type === "quota" ? (body.quotaAmount ?? 0) : 0,
      timeAmount: body.type === "time" ? (body.timeAmount ?? 0) : 0,
      ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
      note: body.note ?? "",
      status: "active",
      createdAt: now,
      createdBy: c.get("adminUser"),
    }));
    const created = await services(c.env).keyspace.quotaCards.create(cards);
    // 80 random bits: a clash is not expected, and a clashing code is left out rather than overwritten.
    return c.json({ cards: cards.filter((_, i) => created[i]) }, 201);
  });

  app.openapi(routes.disableCard, async (c) => {
    const code = c.req.valid("param").code.toUpperCase();
    const { quotaCards } = services(c.env).keyspace;
    if ((await quotaCards.disable(code)) === "not_found")
      throw new RelayError("not_found", `No card ${code}`);
    const card = await quotaCards.get(code);
    if (!card) throw new RelayError("not_found", `No card ${code}`);
    return c.json({ card }, 200);
  });

  app.openapi(routes.getRates, async (c) => {
    const { v: _v, ...rates } = await services(c.env).keyspace.serviceRates.read();
    return c.json(rates, 200);
  });

  app.openapi(routes.putRates, async (c) => {
    const body = c.req.valid("json");
    const s = services(c.env);
    await s.keyspace.serviceRates.put({
      v: 1,
      rates: body.rates,
      modelRates: body.modelRates ?? [],
      updatedAt: new Date().toISOString(),
    });
    const { v: _v, ...rates } = await loadServiceRates(s);
    return c.json(rates, 200);
  });
}
