import { createRoute, z } from "@hono/zod-openapi";
import { modelSpend, platformSpend } from "../../durable-objects/key-gate/limits.ts";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import {
  costPlatformSchema,
  keyLimitsSchema,
  modelCostLimitSchema,
  platformCostLimitSchema,
  type RelayKeyRecord,
} from "../keyspace/records/relay-keys.ts";
import { recentRequestSchema } from "../keyspace/records/usage.ts";
import { emptyCounters, USAGE_FIELDS } from "../keyspace/store.ts";
import { forgetCachedKey } from "../relay/auth.ts";
import { gateOf } from "../relay/gate.ts";
import { periodStamps } from "../usage/periods.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { checkBindings } from "./groups.ts";
import { purgeKeys, registerKeyBatch, softDeleteKeys } from "./key-batch.ts";
import {
  ACTIVITY_SORTS,
  compareKeys,
  isPaged,
  KEY_STATUSES,
  keyListQuery,
  matchesSearch,
  statusOf,
  tagCounts,
} from "./key-list.ts";
import { createRelayKey } from "./relay-keys.ts";
import { createdKey, createKeyBody, errorSchema, idParam, keyViewSchema, updateKeyBody } from "./schemas.ts";
import { keyView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["keys"];
const keyResult = z.object({ key: keyViewSchema });
const notFound = jsonContent(errorSchema, "No such key");
// keyspace/records/ builds its schemas before @hono/zod-openapi adds `.openapi` to zod's: name a copy.
const recentRequestView = recentRequestSchema.extend({}).openapi("RecentRequest");
const countersSchema = z
  .object(Object.fromEntries(USAGE_FIELDS.map((f) => [f, z.number()])))
  .openapi("UsageCounters");

const keyRowSchema = keyViewSchema
  .extend({
    status: z.enum(KEY_STATUSES),
    costTodayMicroUsd: z.number(),
    costTotalMicroUsd: z.number(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("RelayKeyRow");
const keyListSchema = z
  .object({
    keys: z.array(z.union([keyRowSchema, keyViewSchema])).openapi({
      description:
        "Without `page`/`pageSize`: every key not deleted, as before. With them: one page of rows, each with its status, its cost today and in total (µUSD, as the usage flush wrote them, seconds behind) and its last request's time",
    }),
    total: z.number().optional().openapi({ description: "Paged: how many keys match" }),
    page: z.number().optional(),
    pageSize: z.number().optional(),
    tags: z
      .array(z.object({ tag: z.string(), keys: z.number() }))
      .optional()
      .openapi({ description: "Paged: every tag in use (deleted keys aside) and how many keys carry it" }),
    deletedCount: z
      .number()
      .optional()
      .openapi({ description: "Paged: how many keys wait in the deleted list" }),
    retentionDays: z
      .number()
      .optional()
      .openapi({ description: "Paged: days a deleted key can be restored" }),
  })
  .openapi("KeyList");

const capSpend = { dayCostMicroUsd: z.number(), totalCostMicroUsd: z.number() };
const tallySchema = z.object({ dayCostMicroUsd: z.number(), totalCostMicroUsd: z.number() });

const liveSchema = z
  .object({
    window: z
      .object({ start: z.number(), requests: z.number(), tokens: z.number(), costMicroUsd: z.number() })
      .nullable(),
    activeLeases: z.number(),
    queued: z.number(),
    leases: z.array(z.object({ id: z.string(), expiresAt: z.number() })),
    spend: z.object({
      dayStart: z.number(),
      dayCostMicroUsd: z.number(),
      weekStart: z.number(),
      weekCostMicroUsd: z.number(),
      totalCostMicroUsd: z.number(),
      totalTokens: z.number(),
      platforms: z.partialRecord(costPlatformSchema, tallySchema).optional().openapi({
        description:
          "Cost per platform today and in total, µUSD (Bedrock also counts as Claude, Azure OpenAI as OpenAI)",
      }),
      models: z
        .array(tallySchema.extend({ model: z.string() }))
        .optional()
        .openapi({ description: "Cost per model name as settled, today and in total, µUSD" }),
    }),
    carried: z
      .object({
        importId: z.string(),
        dayStart: z.number(),
        dayCostMicroUsd: z.number(),
        weekStart: z.number(),
        weekCostMicroUsd: z.number(),
        totalCostMicroUsd: z.number(),
      })
      .nullable()
      .openapi({
        description:
          "Spend the original service had counted, carried over by a CRS import; already included in `spend`'s day, week and total",
      }),
    caps: z
      .object({
        platforms: z.array(platformCostLimitSchema.extend(capSpend)),
        models: z.array(modelCostLimitSchema.extend(capSpend)),
      })
      .openapi({
        description:
          "The key's platform and model cost caps (limits.platformLimits, limits.modelLimits), each with what it has counted today and in total, µUSD",
      }),
  })
  .openapi("KeyLiveState");

const routes = {
  list: createRoute({
    method: "get",
    path: "/keys",
    tags,
    security,
    summary:
      "List relay keys: every key, or (with `page`/`pageSize`) one page searched and sorted on the server",
    request: { query: keyListQuery },
    responses: { 200: jsonContent(keyListSchema, "Keys") },
  }),
  create: createRoute({
    method: "post",
    path: "/keys",
    tags,
    security,
    summary: "Create a relay key; the key itself is in the answer once and never again",
    request: { body: { content: { "application/json": { schema: createKeyBody } }, required: true } },
    responses: { 201: jsonContent(createdKey, "Created") },
  }),
  get: createRoute({
    method: "get",
    path: "/keys/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(keyResult, "Key"), 404: notFound },
  }),
  update: createRoute({
    method: "patch",
    path: "/keys/{id}",
    tags,
    security,
    summary: "Change a key; `limits` are merged into the current ones",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: updateKeyBody } }, required: true },
    },
    responses: { 200: jsonContent(keyResult, "Key"), 404: notFound },
  }),
  disable: createRoute({
    method: "post",
    path: "/keys/{id}/disable",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(keyResult, "Key"), 404: notFound },
  }),
  enable: createRoute({
    method: "post",
    path: "/keys/{id}/enable",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(keyResult, "Key"), 404: notFound },
  }),
  remove: createRoute({
    method: "delete",
    path: "/keys/{id}",
    tags,
    security,
    summary:
      "Delete a key: it stops authenticating at once and can be restored (POST /keys/{id}/restore) for the retention period, then the housekeeping cron purges it; `?purge=true` deletes it for good now",
    request: {
      params: idParam,
      query: z.object({ purge: z.enum(["true", "false"]).optional() }),
    },
    responses: {
      200: jsonContent(
        z.object({
          deleted: z.literal(true),
          restorableUntil: z.string().nullable().openapi({ description: "Null when purged" }),
        }),
        "Deleted",
      ),
      404: notFound,
    },
  }),
  live: createRoute({
    method: "get",
    path: "/keys/{id}/live",
    tags,
    security,
    summary: "A key's live limit state from its KeyGate: rate window, active leases, spend",
    request: { params: idParam },
    responses: { 200: jsonContent(liveSchema, "Live state"), 404: notFound },
  }),
  usage: createRoute({
    method: "get",
    path: "/keys/{id}/usage",
    tags,
    security,
    summary: "A key's usage: total, today, this month, and its recent requests",
    request: { params: idParam },
    responses: {
      200: jsonContent(
        z
          .object({
            total: countersSchema,
            today: countersSchema,
            month: countersSchema,
            recent: z.array(recentRequestView),
          })
          .openapi("KeyUsage"),
        "Usage",
      ),
      404: notFound,
    },
  }),
};

/** A deleted key is found only where `deleted` allows it: changing one needs a restore first. */
async function mustGet(
  env: Parameters<typeof services>[0],
  id: string,
  deleted: "refuse" | "allow" = "refuse",
): Promise<RelayKeyRecord> {
  const record = await services(env).keyspace.getRelayKey(id);
  if (!record) throw new RelayError("not_found", `No relay key ${id}`);
  if (record.deletedAt && deleted === "refuse")
    throw new RelayError("not_found", `Relay key ${id} is deleted; restore it first`);
  return record;
}

async function save(env: Parameters<typeof services>[0], record: RelayKeyRecord): Promise<RelayKeyRecord> {
  const updated = { ...record, updatedAt: new Date().toISOString() };
  await services(env).keyspace.putRelayKey(updated);
  await forgetCachedKey(record.hash);
  // The gate applies the new limits at once, wherever the key's next request lands.
  await gateOf(env, record.id).configure(updated);
  return updated;
}

export function registerKeys(app: AdminApp) {
  // Before the `{id}` routes, so their static paths are never read as an id.
  registerKeyBatch(app);

  app.openapi(routes.list, async (c) => {
    const s = services(c.env);
    const query = c.req.valid("query");
    if (!isPaged(query)) {
      const records = await s.keyspace.listRelayKeys();
      return c.json({ keys: records.map(keyView) }, 200);
    }
    const now = Date.now();
    const [live, deleted, retention] = await Promise.all([
      s.keyspace.listRelayKeys(),
      s.keyspace.relayKeys.listDeleted(),
      s.keyspace.relayKeys.retention(),
    ]);
    const matching = [...live, ...deleted].filter((r) => matchesSearch(r, query, now));
    const sort = query.sort ?? "createdAt";
    const day = periodStamps(now, s.config.TIMEZONE_OFFSET_HOURS).daily;
    // Usage is read for every match only when the order depends on it; otherwise for the page alone.
    let activity = ACTIVITY_SORTS.has(sort)
      ? await s.keyspace.relayKeys.activityOf(
          matching.map((r) => r.id),
          day,
        )
      : new Map();
    const compare = compareKeys(sort, activity, now);
    matching.sort(query.order === "asc" ? compare : (a, b) => compare(b, a));
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 50;
    const rows = matching.slice((page - 1) * pageSize, page * pageSize);
    if (!ACTIVITY_SORTS.has(sort))
      activity = await s.keyspace.relayKeys.activityOf(
        rows.map((r) => r.id),
        day,
      );
    return c.json(
      {
        keys: rows.map((record) => ({
          ...keyView(record),
          status: statusOf(record, now),
          costTodayMicroUsd: activity.get(record.id)?.costTodayMicroUsd ?? 0,
          costTotalMicroUsd: activity.get(record.id)?.costTotalMicroUsd ?? 0,
          lastUsedAt: activity.get(record.id)?.lastUsedAt ?? null,
        })),
        total: matching.length,
        page,
        pageSize,
        tags: tagCounts(live),
        deletedCount: deleted.length,
        retentionDays: retention.retentionDays,
      },
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const s = services(c.env);
    const body = c.req.valid("json");
    const boundAccounts = await checkBindings(s.keyspace, body.boundAccounts ?? {});
    const { record, key } = await createRelayKey(s.keyspace, s.config.KEY_HASH_SECRET, {
      ...body,
      boundAccounts,
    });
    return c.json({ key: keyView(record), secret: key }, 201);
  });

  app.openapi(routes.get, async (c) =>
    c.json({ key: keyView(await mustGet(c.env, c.req.valid("param").id, "allow")) }, 200),
  );

  app.openapi(routes.update, async (c) => {
    const record = await mustGet(c.env, c.req.valid("param").id);
    const { limits, boundAccounts, ...changes } = c.req.valid("json");
    const merged = { ...record, ...changes, limits: keyLimitsSchema.parse({ ...record.limits, ...limits }) };
    // Bindings merge per platform like limits; "" unbinds one.
    if (boundAccounts) {
      const next = { ...record.boundAccounts, ...boundAccounts };
      merged.boundAccounts = await checkBindings(services(c.env).keyspace, next);
    }
    return c.json({ key: keyView(await save(c.env, merged)) }, 200);
  });

  for (const [route, isActive] of [
    [routes.disable, false],
    [routes.enable, true],
  ] as const) {
    app.openapi(route, async (c) => {
      const record = await mustGet(c.env, c.req.valid("param").id);
      return c.json({ key: keyView(await save(c.env, { ...record, isActive })) }, 200);
    });
  }

  app.openapi(routes.remove, async (c) => {
    const record = await mustGet(c.env, c.req.valid("param").id, "allow");
    if (c.req.valid("query").purge === "true") {
      await purgeKeys(c.env, [record]);
      return c.json({ deleted: true as const, restorableUntil: null }, 200);
    }
    if (!record.deletedAt) await softDeleteKeys(c.env, [record]);
    const { retentionDays } = await services(c.env).keyspace.relayKeys.retention();
    const deletedAt = record.deletedAt ? Date.parse(record.deletedAt) : Date.now();
    const restorableUntil = new Date(deletedAt + retentionDays * 86_400_000).toISOString();
    return c.json({ deleted: true as const, restorableUntil }, 200);
  });

  app.openapi(routes.live, async (c) => {
    const record = await mustGet(c.env, c.req.valid("param").id);
    const { keyId: _keyId, ...live } = await gateOf(c.env, record.id).snapshot();
    const caps = {
      platforms: record.limits.platformLimits.map((limit) => ({
        ...limit,
        ...platformSpend(live.spend, limit.platform),
      })),
      models: record.limits.modelLimits.map((limit) => ({
        ...limit,
        ...modelSpend(live.spend, limit.model),
      })),
    };
    return c.json({ ...live, caps }, 200);
  });

  app.openapi(routes.usage, async (c) => {
    const s = services(c.env);
    const record = await mustGet(c.env, c.req.valid("param").id);
    const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
    const [total, today, month, recent] = await Promise.all([
      s.keyspace.getUsage("key", record.id, { kind: "total" }),
      s.keyspace.getUsage("key", record.id, { kind: "daily", stamp: stamps.daily }),
      s.keyspace.getUsage("key", record.id, { kind: "monthly", stamp: stamps.monthly }),
      s.keyspace.recentRequests(record.id),
    ]);
    return c.json({ total: total ?? emptyCounters(), today, month, recent }, 200);
  });
}
