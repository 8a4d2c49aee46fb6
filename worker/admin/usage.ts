// Usage for the admin dashboard: totals, time series per owner, top lists, per-account usage.
// Every answer is one or two keyspace round trips (pipelines), never one per id.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import type { UsagePeriod } from "../keyspace/keys.ts";
import { emptyCounters, USAGE_FIELDS, type UsageCounters } from "../keyspace/usage-counters.ts";
import { periodStamps } from "../usage/periods.ts";
import { stampsBack, usageView } from "../usage/report.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const tags = ["usage"];

const usageSchema = z
  .object({
    ...Object.fromEntries(USAGE_FIELDS.map((f) => [f, z.number()])),
    allTokens: z.number().openapi({ description: "input + output + cache creation + cache read" }),
    cost: z.number().openapi({ description: "USD" }),
  })
  .openapi("Usage");

const periodsSchema = z.object({ today: usageSchema, month: usageSchema, total: usageSchema });

const summarySchema = z
  .object({
    today: usageSchema,
    month: usageSchema,
    total: usageSchema,
    periods: z.object({ today: z.string(), month: z.string() }),
    keys: z.object({ total: z.number() }),
    accounts: z.object({ total: z.number() }),
  })
  .openapi("UsageSummary");

const seriesPoint = usageSchema.extend({ period: z.string() }).openapi("UsagePoint");
const topEntry = usageSchema
  .extend({ id: z.string(), name: z.string().nullable().openapi({ description: "Key or account name" }) })
  .openapi("UsageTopEntry");

const MAX_POINTS = 200;
const DEFAULT_POINTS = { hourly: 24, daily: 30 } as const;

const seriesQuery = z.object({
  owner: z.enum(["system", "key", "account", "model"]).default("system"),
  id: z.string().min(1).optional().openapi({ description: "Key, account or model id; not for system" }),
  granularity: z.enum(["hourly", "daily"]).default("hourly"),
  points: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_POINTS)
    .optional()
    .openapi({ description: "Default 24 hourly, 30 daily" }),
});

const topQuery = z.object({
  owner: z.enum(["key", "account", "model"]).default("key"),
  period: z.enum(["today", "month", "total"]).default("today"),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

const routes = {
  summary: createRoute({
    method: "get",
    path: "/usage/summary",
    tags,
    security,
    summary: "Whole-relay usage today, this month and all time, and how many keys and accounts exist",
    responses: { 200: jsonContent(summarySchema, "Summary") },
  }),
  series: createRoute({
    method: "get",
    path: "/usage/series",
    tags,
    security,
    summary: "Usage per hour or day, oldest first, ending with the current one (relay time zone)",
    request: { query: seriesQuery },
    responses: {
      200: jsonContent(z.array(seriesPoint), "Series"),
      400: jsonContent(errorSchema, "Bad query"),
    },
  }),
  top: createRoute({
    method: "get",
    path: "/usage/top",
    tags,
    security,
    summary: "Keys, accounts or models with the most usage, by cost then requests",
    request: { query: topQuery },
    responses: { 200: jsonContent(z.array(topEntry), "Top list") },
  }),
  account: createRoute({
    method: "get",
    path: "/accounts/{id}/usage",
    tags: ["accounts", ...tags],
    security,
    summary: "An upstream account's usage: total, today, this month",
    request: { params: idParam },
    responses: { 200: jsonContent(periodsSchema, "Usage"), 404: jsonContent(errorSchema, "No such account") },
  }),
};

function byCostThenRequests(a: UsageCounters, b: UsageCounters): number {
  return b.costMicroUsd - a.costMicroUsd || b.requests - a.requests;
}

export function registerUsage(app: AdminApp) {
  app.openapi(routes.summary, async (c) => {
    const s = services(c.env);
    const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
    const summary = await s.keyspace.usage.systemSummary([
      { kind: "daily", stamp: stamps.daily },
      { kind: "monthly", stamp: stamps.monthly },
      { kind: "total" },
    ]);
    const [today, month, total] = summary.counters.map(usageView);
    if (!today || !month || !total) throw new Error("usage read returned too few buckets");
    return c.json(
      {
        today,
        month,
        total,
        periods: { today: stamps.daily, month: stamps.monthly },
        keys: { total: summary.keys },
        accounts: { total: summary.accounts },
      },
      200,
    );
  });

  app.openapi(routes.series, async (c) => {
    const s = services(c.env);
    const query = c.req.valid("query");
    const ownerId = query.owner === "system" ? "all" : query.id;
    if (!ownerId) throw new RelayError("invalid_request", `id: required for owner ${query.owner}`);
    const points = query.points ?? DEFAULT_POINTS[query.granularity];
    const stamps = stampsBack(Date.now(), s.config.TIMEZONE_OFFSET_HOURS, query.granularity, points);
    const counters = await s.keyspace.usage.read(
      stamps.map((stamp) => ({
        owner: query.owner,
        ownerId,
        period: { kind: query.granularity, stamp },
      })),
    );
    return c.json(
      stamps.map((period, i) => ({ period, ...usageView(counters[i] ?? emptyCounters()) })),
      200,
    );
  });

  app.openapi(routes.top, async (c) => {
    const s = services(c.env);
    const { owner, period, limit } = c.req.valid("query");
    const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
    const bucket: UsagePeriod =
      period === "total"
        ? { kind: "total" }
        : period === "month"
          ? { kind: "monthly", stamp: stamps.monthly }
          : { kind: "daily", stamp: stamps.daily };
    const ids = await s.keyspace.usage.owners(owner);
    const counters = await s.keyspace.usage.read(ids.map((ownerId) => ({ owner, ownerId, period: bucket })));
    const ranked = ids
      .map((id, i) => ({ id, counters: counters[i] ?? emptyCounters() }))
      .filter((entry) => entry.counters.requests > 0 || entry.counters.costMicroUsd > 0)
      .sort((a, b) => byCostThenRequests(a.counters, b.counters) || a.id.localeCompare(b.id))
      .slice(0, limit);
    const rankedIds = ranked.map((entry) => entry.id);
    // Models are their own name.
    const names = owner === "model" ? rankedIds : await s.keyspace.namesOf(owner, rankedIds);
    return c.json(
      ranked.map((entry, i) => ({ id: entry.id, name: names[i] ?? null, ...usageView(entry.counters) })),
      200,
    );
  });

  app.openapi(routes.account, async (c) => {
    const s = services(c.env);
    const { id } = c.req.valid("param");
    const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
    const [record, counters] = await Promise.all([
      s.keyspace.getAccount(id),
      s.keyspace.usage.read([
        { owner: "account", ownerId: id, period: { kind: "total" } },
        { owner: "account", ownerId: id, period: { kind: "daily", stamp: stamps.daily } },
        { owner: "account", ownerId: id, period: { kind: "monthly", stamp: stamps.monthly } },
      ]),
    ]);
    if (!record) throw new RelayError("not_found", `No account ${id}`);
    const [total, today, month] = counters.map(usageView);
    if (!total || !today || !month) throw new Error("usage read returned too few buckets");
    return c.json({ total, today, month }, 200);
  });
}
