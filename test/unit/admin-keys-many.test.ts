// Many keys through the admin API: paging, search and sorting on the server (cost today and in
// total, last use), batch create / edit / delete / restore, soft delete (a deleted key stops
// authenticating at once and comes back on restore), the cron's purge after the retention period,
// and tag rename and removal across keys.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AdmitRequest } from "../../durable-objects/key-gate/index.ts";
import { purgeDeletedKeys } from "../../worker/admin/key-batch.ts";
import { services } from "../../worker/env.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { gateOf } from "../../worker/relay/gate.ts";
import { periodStamps } from "../../worker/usage/periods.ts";
import { admin, BASE, createKey, freshKeyspace, testEnv } from "./helpers.ts";

interface Row {
  id: string;
  name: string;
  tags: string[];
  status: string;
  isActive: boolean;
  costTodayMicroUsd: number;
  costTotalMicroUsd: number;
  lastUsedAt: string | null;
  deletedAt?: string;
  limits: Record<string, unknown>;
}
interface Page {
  keys: Row[];
  total: number;
  page: number;
  pageSize: number;
  tags: Array<{ tag: string; keys: number }>;
  deletedCount: number;
  retentionDays: number;
}
type Created = { keys: Array<{ key: Row; secret: string }> };

const list = async (token: string, query: string) => {
  const answer = await admin<Page>(token, "GET", `/keys?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};
const keyInfo = (secret: string) =>
  SELF.fetch(`${BASE}/api/v1/key-info`, { headers: { "x-api-key": secret } }).then((r) => r.status);

async function batch(token: string, count: number, template: Record<string, unknown>) {
  const created = await admin<Created>(token, "POST", "/keys/batch", { count, template });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.keys;
}

/** Usage as the flush writes it: the daily and total cost hashes and the latest request. */
async function spend(keyId: string, todayMicro: number, totalMicro: number, at: string) {
  const redis = services(testEnv).keyspace.redis;
  const day = periodStamps(Date.now(), services(testEnv).config.TIMEZONE_OFFSET_HOURS).daily;
  await redis.hset(keys.usage("key", keyId, { kind: "daily", stamp: day }), { costMicroUsd: todayMicro });
  await redis.hset(keys.usage("key", keyId, { kind: "total" }), { costMicroUsd: totalMicro });
  const request = {
    v: 1,
    requestId: crypto.randomUUID(),
    at,
    keyId,
    model: "claude-sonnet-4-5",
    status: 200,
    durationMs: 5,
    usage: {
      input_tokens: 1,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: todayMicro,
  };
  await redis.lpush(keys.recentRequests(keyId), JSON.stringify(request));
}

describe("GET /admin/keys paged", () => {
  it("keeps the old answer without paging parameters, and pages, searches and sorts with them", async () => {
    const token = await freshKeyspace();
    const made = await batch(token, 12, { name: "bulk", tags: ["team-a"] });
    expect(made.map((k) => k.key.name)).toEqual(
      Array.from({ length: 12 }, (_, i) => `bulk-${String(i + 1).padStart(2, "0")}`),
    );
    await createKey(token, { name: "solo", tags: ["team-b"] });

    const old = await admin<Record<string, unknown> & { keys: Row[] }>(token, "GET", "/keys");
    expect(old.body.keys).toHaveLength(13);
    expect(Object.keys(old.body)).toEqual(["keys"]);
    expect(old.body.keys[0]).not.toHaveProperty("status");

    const first = await list(token, "page=1&pageSize=5&sort=name&order=asc");
    expect(first.total).toBe(13);
    expect(first.keys.map((k) => k.name)).toEqual(["bulk-01", "bulk-02", "bulk-03", "bulk-04", "bulk-05"]);
    const third = await list(token, "page=3&pageSize=5&sort=name&order=asc");
    expect(third.keys.map((k) => k.name)).toEqual(["bulk-11", "bulk-12", "solo"]);
    expect(first.tags).toEqual([
      { tag: "team-a", keys: 12 },
      { tag: "team-b", keys: 1 },
    ]);

    expect((await list(token, "page=1&pageSize=50&q=SOLO")).keys.map((k) => k.name)).toEqual(["solo"]);
    expect((await list(token, "page=1&pageSize=50&tag=team-b")).keys.map((k) => k.name)).toEqual(["solo"]);
    const target = made[6]?.key.id ?? "";
    const byId = await list(token, `page=1&pageSize=50&q=${target.slice(0, 8)}`);
    expect(byId.keys.map((k) => k.id)).toContain(target);
    expect((await list(token, "page=1&pageSize=50&q=team-a")).total).toBe(12);
  });

  it("sorts by cost today, cost in total and last use, as the usage flush wrote them", async () => {
    const token = await freshKeyspace();
    const [a, b, c] = (await batch(token, 3, { name: "spender" })).map((k) => k.key.id);
    await spend(a ?? "", 5_000, 9_000_000, "2026-01-03T00:00:00.000Z");
    await spend(b ?? "", 70_000, 80_000, "2026-01-01T00:00:00.000Z");
    await spend(c ?? "", 600, 1_000_000, "2026-01-02T00:00:00.000Z");
    const ids = async (sort: string) =>
      (await list(token, `page=1&pageSize=10&sort=${sort}&order=desc`)).keys.map((k) => k.id);
    expect(await ids("costToday")).toEqual([b, a, c]);
    expect(await ids("costTotal")).toEqual([a, c, b]);
    expect(await ids("lastUsed")).toEqual([a, c, b]);
    const row = (await list(token, "page=1&pageSize=10&sort=name&order=asc")).keys[1];
    expect(row).toMatchObject({ id: b, costTodayMicroUsd: 70_000, costTotalMicroUsd: 80_000 });
    expect(row?.lastUsedAt).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("batch operations", () => {
  it("creates keys whose secrets authenticate, edits their limits and tags, disables them", async () => {
    const token = await freshKeyspace();
    const made = await batch(token, 4, { name: "b", tags: ["old"], limits: { concurrencyLimit: 2 } });
    expect(new Set(made.map((k) => k.secret)).size).toBe(4);
    for (const { secret } of made) expect(await keyInfo(secret)).toBe(200);

    const ids = made.slice(0, 2).map((k) => k.key.id);
    const edited = await admin<{ changed: string[]; missing: string[] }>(token, "POST", "/keys/batch-edit", {
      ids: [...ids, "nope"],
      limits: { dailyCostLimit: 3 },
      addTags: ["new"],
      removeTags: ["old"],
      isActive: false,
    });
    expect(edited.status).toBe(200);
    expect(edited.body.changed.sort()).toEqual([...ids].sort());
    expect(edited.body.missing).toEqual(["nope"]);
    const after = await admin<{ key: Row }>(token, "GET", `/keys/${ids[0]}`);
    expect(after.body.key).toMatchObject({ tags: ["new"], isActive: false });
    expect(after.body.key.limits).toMatchObject({ dailyCostLimit: 3, concurrencyLimit: 2 });
    expect(await keyInfo(made[0]?.secret ?? "")).toBe(401);
    expect(await keyInfo(made[3]?.secret ?? "")).toBe(200);
    expect((await list(token, "page=1&pageSize=10&status=disabled")).total).toBe(2);
  });

  it("refuses a batch above its limit and an unknown field", async () => {
    const token = await freshKeyspace();
    expect((await admin(token, "POST", "/keys/batch", { count: 501, template: { name: "x" } })).status).toBe(
      400,
    );
    expect((await admin(token, "POST", "/keys/batch-edit", { ids: ["a"], colour: "red" })).status).toBe(400);
    expect((await list(token, "page=1&pageSize=10")).total).toBe(0);
  });
});

describe("soft delete", () => {
  it("stops a deleted key at once, lists it apart, and restores it as it was", async () => {
    const token = await freshKeyspace();
    const made = await batch(token, 3, { name: "d", tags: ["t"], limits: { tokenLimit: 77 } });
    const [gone, stays] = made;
    expect(await keyInfo(gone?.secret ?? "")).toBe(200);

    const deleted = await admin<{ deleted: boolean; restorableUntil: string }>(
      token,
      "DELETE",
      `/keys/${gone?.key.id}`,
    );
    expect(deleted.status).toBe(200);
    expect(Date.parse(deleted.body.restorableUntil) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(await keyInfo(gone?.secret ?? "")).toBe(401);
    expect(await keyInfo(stays?.secret ?? "")).toBe(200);

    const old = await admin<{ keys: Row[] }>(token, "GET", "/keys");
    expect(old.body.keys.map((k) => k.id)).not.toContain(gone?.key.id);
    const bin = await list(token, "page=1&pageSize=10&status=deleted");
    expect(bin.keys.map((k) => [k.id, k.status])).toEqual([[gone?.key.id, "deleted"]]);
    expect(bin.deletedCount).toBe(1);
    expect((await list(token, "page=1&pageSize=10")).total).toBe(2);
    expect((await admin(token, "PATCH", `/keys/${gone?.key.id}`, { name: "x" })).status).toBe(404);
    expect(await keyInfo(gone?.secret ?? "")).toBe(401);

    const restored = await admin<{ key: Row }>(token, "POST", `/keys/${gone?.key.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.key.deletedAt).toBeUndefined();
    expect(restored.body.key.limits).toMatchObject({ tokenLimit: 77 });
    expect(await keyInfo(gone?.secret ?? "")).toBe(200);
    expect((await list(token, "page=1&pageSize=10")).total).toBe(3);
    expect((await admin(token, "POST", `/keys/${gone?.key.id}/restore`)).status).toBe(404);
  });

  it("is refused by its gate even to a Worker that still has the key's record cached", async () => {
    const token = await freshKeyspace();
    const [made] = await batch(token, 1, { name: "cached" });
    const id = made?.key.id ?? "";
    const stale = await services(testEnv).keyspace.getRelayKey(id);
    if (!stale) throw new Error("no record");
    const request: AdmitRequest = {
      model: "claude-sonnet-4-5",
      platform: "claude",
      clients: [],
      counted: true,
    };
    const before = await gateOf(testEnv, id).admit(stale, request);
    expect(before.admitted).toBe(true);
    await admin(token, "DELETE", `/keys/${id}`);
    const after = await gateOf(testEnv, id).admit(stale, request);
    expect(after).toMatchObject({ admitted: false, denial: { code: "key_disabled" } });
  });

  it("deletes and restores in batches, and purges at once when asked", async () => {
    const token = await freshKeyspace();
    const made = await batch(token, 5, { name: "m" });
    const ids = made.map((k) => k.key.id);
    const removed = await admin<{ changed: string[] }>(token, "POST", "/keys/batch-delete", {
      ids: ids.slice(0, 3),
    });
    expect(removed.body.changed).toHaveLength(3);
    for (const k of made.slice(0, 3)) expect(await keyInfo(k.secret)).toBe(401);
    const back = await admin<{ changed: string[] }>(token, "POST", "/keys/batch-restore", {
      ids: ids.slice(0, 2),
    });
    expect(back.body.changed.sort()).toEqual(ids.slice(0, 2).sort());
    expect(await keyInfo(made[0]?.secret ?? "")).toBe(200);

    const purged = await admin(token, "POST", "/keys/batch-delete", { ids: [ids[2], ids[3]], purge: true });
    expect(purged.status).toBe(200);
    expect((await admin(token, "GET", `/keys/${ids[2]}`)).status).toBe(404);
    expect((await admin(token, "GET", `/keys/${ids[3]}`)).status).toBe(404);
    expect((await list(token, "page=1&pageSize=10&status=all")).total).toBe(3);
    expect((await list(token, "page=1&pageSize=10&status=deleted")).total).toBe(0);
  });

  it("is purged by the housekeeping cron once the admin's retention period has passed", async () => {
    const token = await freshKeyspace();
    expect((await admin<{ retentionDays: number }>(token, "GET", "/key-settings")).body.retentionDays).toBe(
      7,
    );
    expect((await admin(token, "PUT", "/key-settings", { retentionDays: 2 })).status).toBe(200);
    expect((await admin(token, "PUT", "/key-settings", { retentionDays: 0 })).status).toBe(400);
    const [a, b] = await batch(token, 2, { name: "p" });
    await admin(token, "DELETE", `/keys/${a?.key.id}`);

    expect(await purgeDeletedKeys(testEnv, Date.now() + 1.9 * 86_400_000)).toBe(0);
    expect((await admin(token, "GET", `/keys/${a?.key.id}`)).status).toBe(200);
    expect(await purgeDeletedKeys(testEnv, Date.now() + 2.1 * 86_400_000)).toBe(1);
    expect((await admin(token, "GET", `/keys/${a?.key.id}`)).status).toBe(404);
    expect((await admin(token, "POST", `/keys/${a?.key.id}/restore`)).status).toBe(404);
    expect((await list(token, "page=1&pageSize=10&status=deleted")).total).toBe(0);
    expect(await keyInfo(b?.secret ?? "")).toBe(200);
  });
});

describe("tags across keys", () => {
  it("renames and removes a tag on every key that has it, deleted ones too", async () => {
    const token = await freshKeyspace();
    const made = await batch(token, 3, { name: "t", tags: ["alpha", "keep"] });
    const other = await createKey(token, { name: "o", tags: ["beta", "alpha"] });
    await admin(token, "DELETE", `/keys/${made[0]?.key.id}`);

    const renamed = await admin<{ changed: string[] }>(token, "POST", "/keys/tags/rename", {
      from: "alpha",
      to: "beta",
    });
    expect(renamed.body.changed).toHaveLength(4);
    const page = await list(token, "page=1&pageSize=10");
    expect(page.tags).toEqual([
      { tag: "beta", keys: 3 },
      { tag: "keep", keys: 2 },
    ]);
    expect((await admin<{ key: Row }>(token, "GET", `/keys/${other.id}`)).body.key.tags).toEqual(["beta"]);
    expect((await admin<{ key: Row }>(token, "GET", `/keys/${made[0]?.key.id}`)).body.key.tags).toEqual([
      "beta",
      "keep",
    ]);

    const removed = await admin<{ changed: string[] }>(token, "POST", "/keys/tags/delete", { tag: "keep" });
    expect(removed.body.changed).toHaveLength(3);
    expect((await list(token, "page=1&pageSize=10")).tags).toEqual([{ tag: "beta", keys: 3 }]);
  });
});
