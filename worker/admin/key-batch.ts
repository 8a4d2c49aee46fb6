// Keys by the hundred: batch creation from a template, batch changes, batch delete and restore,
// tag rename and removal across keys, and the retention of deleted keys (purged by the cron).
import { createRoute, z } from "@hono/zod-openapi";
import { type Env, services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { keyLimitChanges, keyLimitsSchema, type RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { Keyspace } from "../keyspace/store.ts";
import { forgetCachedKey } from "../relay/auth.ts";
import { gateOf } from "../relay/gate.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { checkBindings } from "./groups.ts";
import { newRelayKey } from "./relay-keys.ts";
import { createdKey, createKeyBody, errorSchema, idParam, keyViewSchema } from "./schemas.ts";
import { keyView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["keys"];
/** Gate calls in flight at once for a batch (each is one Durable Object RPC). */
const GATE_CONCURRENCY = 25;
const DAY_MS = 86_400_000;

const tagName = z.string().trim().min(1).max(50);
const keyIds = z.array(z.string().min(1).max(100)).min(1).max(1000);
const json = <T>(schema: T) => ({ content: { "application/json": { schema } }, required: true });
const batchResult = z
  .object({
    changed: z.array(z.string()).openapi({ description: "Ids of the keys changed" }),
    missing: z.array(z.string()).openapi({ description: "Ids not found (or deleted, for a change)" }),
  })
  .openapi("KeyBatchResult");

export const batchCreateBody = z
  .object({
    count: z.number().int().min(1).max(500),
    template: createKeyBody.openapi({
      description: "Every key's fields; each is named `<name>-<n>` (n from 1, zero-padded)",
    }),
  })
  .strict()
  .openapi("KeyBatchCreate");
export const batchEditBody = z
  .object({
    ids: keyIds,
    isActive: z.boolean().optional(),
    limits: keyLimitChanges.optional().openapi({ description: "Merged into each key's limits" }),
    addTags: z.array(tagName).max(50).optional(),
    removeTags: z.array(tagName).max(50).optional(),
  })
  .strict()
  .openapi("KeyBatchEdit");
const batchDeleteBody = z
  .object({
    ids: keyIds,
    purge: z
      .boolean()
      .optional()
      .openapi({ description: "Delete for good at once instead of keeping for restore" }),
  })
  .strict()
  .openapi("KeyBatchDelete");
const batchRestoreBody = z.object({ ids: keyIds }).strict().openapi("KeyBatchRestore");
const tagRenameBody = z.object({ from: tagName, to: tagName }).strict().openapi("KeyTagRename");
const tagDeleteBody = z.object({ tag: tagName }).strict().openapi("KeyTagDelete");
export const keySettingsSchema = z
  .object({
    retentionDays: z.number().int().min(1).max(365).openapi({
      description: "Days a deleted key can be restored before the housekeeping cron purges it",
    }),
  })
  .strict()
  .openapi("KeySettings");

const routes = {
  batchCreate: createRoute({
    method: "post",
    path: "/keys/batch",
    tags,
    security,
    summary: "Create up to 500 keys from one template; their secrets are in this answer once and never again",
    request: { body: json(batchCreateBody) },
    responses: { 201: jsonContent(z.object({ keys: z.array(createdKey) }), "Created") },
  }),
  batchEdit: createRoute({
    method: "post",
    path: "/keys/batch-edit",
    tags,
    security,
    summary: "Enable or disable keys, merge limits into them, add or remove tags",
    request: { body: json(batchEditBody) },
    responses: { 200: jsonContent(batchResult, "Changed") },
  }),
  batchDelete: createRoute({
    method: "post",
    path: "/keys/batch-delete",
    tags,
    security,
    summary: "Delete keys: they stop authenticating at once and can be restored for the retention period",
    request: { body: json(batchDeleteBody) },
    responses: { 200: jsonContent(batchResult, "Deleted") },
  }),
  batchRestore: createRoute({
    method: "post",
    path: "/keys/batch-restore",
    tags,
    security,
    summary: "Restore deleted keys as they were",
    request: { body: json(batchRestoreBody) },
    responses: { 200: jsonContent(batchResult, "Restored") },
  }),
  restore: createRoute({
    method: "post",
    path: "/keys/{id}/restore",
    tags,
    security,
    summary: "Restore a deleted key as it was (its secret authenticates again)",
    request: { params: idParam },
    responses: {
      200: jsonContent(z.object({ key: keyViewSchema }), "Key"),
      404: jsonContent(errorSchema, "No such deleted key"),
    },
  }),
  tagRename: createRoute({
    method: "post",
    path: "/keys/tags/rename",
    tags,
    security,
    summary: "Rename a tag on every key (deleted ones too)",
    request: { body: json(tagRenameBody) },
    responses: { 200: jsonContent(batchResult, "Renamed") },
  }),
  tagDelete: createRoute({
    method: "post",
    path: "/keys/tags/delete",
    tags,
    security,
    summary: "Remove a tag from every key (deleted ones too)",
    request: { body: json(tagDeleteBody) },
    responses: { 200: jsonContent(batchResult, "Removed") },
  }),
  getSettings: createRoute({
    method: "get",
    path: "/key-settings",
    tags,
    security,
    summary: "How long deleted keys can be restored",
    responses: { 200: jsonContent(keySettingsSchema, "Settings") },
  }),
  putSettings: createRoute({
    method: "put",
    path: "/key-settings",
    tags,
    security,
    request: { body: json(keySettingsSchema) },
    responses: { 200: jsonContent(keySettingsSchema, "Settings") },
  }),
};

/** Runs `work` on every item, at most `limit` at once. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(work));
}

/** Stores changed records, drops this isolate's copies, and tells each gate (its limits apply at once). */
export async function saveMany(env: Env, records: readonly RelayKeyRecord[], configureGates = true) {
  await services(env).keyspace.relayKeys.putMany(records);
  await inBatches(records, GATE_CONCURRENCY, async (record) => {
    await forgetCachedKey(record.hash);
    if (configureGates) await gateOf(env, record.id).configure(record);
  });
}

/**
 * Soft delete: out of the lookup and index at once, and the gate told the key is inactive (it
 * refuses a copy another isolate still caches). Kept for the retention period for a restore.
 */
export async function softDeleteKeys(env: Env, records: readonly RelayKeyRecord[]): Promise<void> {
  const now = new Date().toISOString();
  await inBatches(records, GATE_CONCURRENCY, async (record) => {
    const deleted = { ...record, deletedAt: now, updatedAt: now };
    await services(env).keyspace.relayKeys.softDelete(deleted);
    await forgetCachedKey(record.hash);
    await gateOf(env, record.id).configure({ ...deleted, isActive: false });
  });
}

/** Deletes for good: the record, its lookup, its gate's limits and counters. */
export async function purgeKeys(env: Env, records: readonly RelayKeyRecord[]): Promise<void> {
  await inBatches(records, GATE_CONCURRENCY, async (record) => {
    await services(env).keyspace.deleteRelayKey(record);
    await forgetCachedKey(record.hash);
    await gateOf(env, record.id).erase();
  });
}

async function restoreKeys(env: Env, records: readonly RelayKeyRecord[]): Promise<RelayKeyRecord[]> {
  const now = new Date().toISOString();
  const restored: RelayKeyRecord[] = [];
  await inBatches(records, GATE_CONCURRENCY, async (record) => {
    const { deletedAt: _deletedAt, ...rest } = record;
    const back = { ...rest, updatedAt: now };
    await services(env).keyspace.relayKeys.restore(back);
    await forgetCachedKey(record.hash);
    await gateOf(env, record.id).configure(back);
    restored.push(back);
  });
  return restored;
}

/** The housekeeping cron: purges the keys deleted longer ago than the retention period. */
export async function purgeDeletedKeys(env: Env, now = Date.now()): Promise<number> {
  const store = services(env).keyspace.relayKeys;
  const { retentionDays } = await store.retention();
  const ids = await store.deletedBefore(now - retentionDays * DAY_MS);
  const records = await store.getMany(ids);
  await purgeKeys(env, records);
  return records.length;
}

function split(records: RelayKeyRecord[], ids: readonly string[], wantDeleted: boolean) {
  const found = records.filter((r) => Boolean(r.deletedAt) === wantDeleted);
  const foundIds = new Set(found.map((r) => r.id));
  return { found, missing: [...new Set(ids)].filter((id) => !foundIds.has(id)) };
}

async function everyKey(keyspace: Keyspace): Promise<RelayKeyRecord[]> {
  const [live, deleted] = await Promise.all([keyspace.listRelayKeys(), keyspace.relayKeys.listDeleted()]);
  return [...live, ...deleted];
}

function withTags(record: RelayKeyRecord, tagsOf: (tags: string[]) => string[]): RelayKeyRecord | null {
  const next = [...new Set(tagsOf(record.tags))];
  const same = next.length === record.tags.length && next.every((t, i) => t === record.tags[i]);
  return same ? null : { ...record, tags: next, updatedAt: new Date().toISOString() };
}

export function registerKeyBatch(app: AdminApp) {
  app.openapi(routes.batchCreate, async (c) => {
    const s = services(c.env);
    const { count, template } = c.req.valid("json");
    const boundAccounts = await checkBindings(s.keyspace, template.boundAccounts ?? {});
    const width = String(count).length;
    const created = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        newRelayKey(s.config.KEY_HASH_SECRET, {
          ...template,
          name: `${template.name}-${String(i + 1).padStart(width, "0")}`.slice(0, 200),
          boundAccounts,
        }),
      ),
    );
    await s.keyspace.relayKeys.putMany(created.map((k) => k.record));
    return c.json({ keys: created.map(({ record, key }) => ({ key: keyView(record), secret: key })) }, 201);
  });

  app.openapi(routes.batchEdit, async (c) => {
    const { ids, isActive, limits, addTags = [], removeTags = [] } = c.req.valid("json");
    const { found, missing } = split(await services(c.env).keyspace.relayKeys.getMany(ids), ids, false);
    const now = new Date().toISOString();
    const removed = new Set(removeTags);
    const changed = found.map((record) => ({
      ...record,
      isActive: isActive ?? record.isActive,
      limits: limits ? keyLimitsSchema.parse({ ...record.limits, ...limits }) : record.limits,
      tags: [...new Set([...record.tags.filter((t) => !removed.has(t)), ...addTags])],
      updatedAt: now,
    }));
    await saveMany(c.env, changed);
    return c.json({ changed: changed.map((r) => r.id), missing }, 200);
  });

  app.openapi(routes.batchDelete, async (c) => {
    const { ids, purge } = c.req.valid("json");
    const records = await services(c.env).keyspace.relayKeys.getMany(ids);
    // A purge takes deleted keys too; a soft delete only those not yet deleted.
    const { found, missing } = purge
      ? { found: records, missing: ids.filter((id) => !records.some((r) => r.id === id)) }
      : split(records, ids, false);
    await (purge ? purgeKeys(c.env, found) : softDeleteKeys(c.env, found));
    return c.json({ changed: found.map((r) => r.id), missing }, 200);
  });

  app.openapi(routes.batchRestore, async (c) => {
    const { ids } = c.req.valid("json");
    const { found, missing } = split(await services(c.env).keyspace.relayKeys.getMany(ids), ids, true);
    const restored = await restoreKeys(c.env, found);
    return c.json({ changed: restored.map((r) => r.id), missing }, 200);
  });

  app.openapi(routes.restore, async (c) => {
    const id = c.req.valid("param").id;
    const [record] = await services(c.env).keyspace.relayKeys.getMany([id]);
    if (!record?.deletedAt) throw new RelayError("not_found", `No deleted relay key ${id}`);
    const [restored] = await restoreKeys(c.env, [record]);
    return c.json({ key: keyView(restored ?? record) }, 200);
  });

  app.openapi(routes.tagRename, async (c) => {
    const { from, to } = c.req.valid("json");
    const changed = (await everyKey(services(c.env).keyspace)).flatMap(
      (r) => withTags(r, (list) => list.map((t) => (t === from ? to : t))) ?? [],
    );
    await saveMany(c.env, changed, false);
    return c.json({ changed: changed.map((r) => r.id), missing: [] }, 200);
  });

  app.openapi(routes.tagDelete, async (c) => {
    const { tag } = c.req.valid("json");
    const changed = (await everyKey(services(c.env).keyspace)).flatMap(
      (r) => withTags(r, (list) => list.filter((t) => t !== tag)) ?? [],
    );
    await saveMany(c.env, changed, false);
    return c.json({ changed: changed.map((r) => r.id), missing: [] }, 200);
  });

  app.openapi(routes.getSettings, async (c) => {
    const { retentionDays } = await services(c.env).keyspace.relayKeys.retention();
    return c.json({ retentionDays }, 200);
  });

  app.openapi(routes.putSettings, async (c) => {
    const { retentionDays } = c.req.valid("json");
    await services(c.env).keyspace.relayKeys.putRetention({ v: 1, retentionDays });
    return c.json({ retentionDays }, 200);
  });
}
