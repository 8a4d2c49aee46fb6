// Usage over time split by model, account or key: the dashboard's stacked charts. The top owners
// of the window (by cost, then requests) each get their series; the rest are summed as "other".
// Two keyspace round trips: the owner index, then one pipeline of every owner × period.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { emptyCounters, USAGE_FIELDS, type UsageCounters } from "../keyspace/usage-counters.ts";
import { stampsBack, usageView } from "../usage/report.ts";
import { type AdminApp, jsonContent } from "./app.ts";

const pointSchema = z.object({ requests: z.number(), allTokens: z.number(), cost: z.number() });
const breakdownSchema = z
  .object({
    periods: z.array(z.string()),
    series: z.array(
      z.object({
        id: z.string().openapi({ description: "Owner id, or `other` for everything past the top" }),
        name: z.string().nullable(),
        points: z.array(pointSchema),
      }),
    ),
  })
  .openapi("UsageBreakdown");

const route = createRoute({
  method: "get",
  path: "/usage/breakdown",
  tags: ["usage"],
  security: [{ adminJwt: [] }],
  summary: "Requests, tokens and cost over time for the top models, accounts or keys",
  request: {
    query: z.object({
      owner: z.enum(["model", "account", "key"]).default("model"),
      granularity: z.enum(["hourly", "daily"]).default("hourly"),
      points: z.coerce.number().int().min(1).max(60).optional(),
      limit: z.coerce.number().int().min(1).max(10).default(5),
    }),
  },
  responses: { 200: jsonContent(breakdownSchema, "Series per owner") },
});

function add(into: UsageCounters, from: UsageCounters): void {
  for (const field of USAGE_FIELDS) into[field] += from[field];
}

const slim = (c: UsageCounters) => {
  const { requests, allTokens, cost } = usageView(c);
  return { requests, allTokens, cost };
};

export function registerUsageBreakdown(app: AdminApp) {
  app.openapi(route, async (c) => {
    const s = services(c.env);
    const { owner, granularity, limit, points } = c.req.valid("query");
    const count = points ?? (granularity === "hourly" ? 24 : 30);
    const stamps = stampsBack(Date.now(), s.config.TIMEZONE_OFFSET_HOURS, granularity, count);
    const ids = await s.keyspace.usage.owners(owner);
    const counters = await s.keyspace.usage.read(
      ids.flatMap((ownerId) =>
        stamps.map((stamp) => ({ owner, ownerId, period: { kind: granularity, stamp } })),
      ),
    );
    const perOwner = ids.map((id, i) => {
      const series = stamps.map((_, j) => counters[i * stamps.length + j] ?? emptyCounters());
      const sum = emptyCounters();
      for (const point of series) add(sum, point);
      return { id, series, sum };
    });
    const ranked = perOwner
      .filter((o) => o.sum.requests > 0 || o.sum.costMicroUsd > 0)
      .sort(
        (a, b) =>
          b.sum.costMicroUsd - a.sum.costMicroUsd ||
          b.sum.requests - a.sum.requests ||
          a.id.localeCompare(b.id),
      );
    const top = ranked.slice(0, limit);
    const rest = ranked.slice(limit);
    const names = new Map<string, string>();
    if (owner === "key") for (const k of await s.keyspace.listRelayKeys()) names.set(k.id, k.name);
    if (owner === "account") for (const a of await s.keyspace.listAccounts()) names.set(a.id, a.name);
    const series = top.map((o) => ({
      id: o.id,
      name: owner === "model" ? o.id : (names.get(o.id) ?? null),
      points: o.series.map(slim),
    }));
    if (rest.length > 0) {
      const other = stamps.map((_, j) => {
        const sum = emptyCounters();
        for (const o of rest) add(sum, o.series[j] ?? emptyCounters());
        return slim(sum);
      });
      series.push({ id: "other", name: null, points: other });
    }
    return c.json({ periods: stamps, series }, 200);
  });
}
