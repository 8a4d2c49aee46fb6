// Usage write-behind: settle stores a record durably in the KeyGate; an alarm flushes records to
// the keyspace as one idempotent batch. Nothing lost, nothing counted twice.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { services } from "../../worker/env.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { keyLimitsSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { applyUsageBatch, batchOps } from "../../worker/keyspace/usage-batch.ts";
import type { UsageRecord } from "../../worker/usage/aggregate.ts";
import { testEnv } from "./helpers.ts";

const { keyspace } = services(testEnv);

function usageRecord(keyId: string, input: number, output: number): UsageRecord {
  return {
    requestId: crypto.randomUUID(),
    keyId,
    accountId: "acct-1",
    model: "claude-sonnet-4-5",
    platform: "claude",
    status: 200,
    startedAt: Date.parse("2026-11-23T10:00:00Z"),
    durationMs: 120,
    upstreamMs: 80,
    usage: {
      input_tokens: input,
      output_tokens: output,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: input + output,
  };
}

beforeEach(async () => {
  await keyspace.redis.flushall();
});

describe("usage batches", () => {
  it("sum a batch into per-key, per-account, per-model and system buckets", () => {
    const ops = batchOps([usageRecord("k1", 10, 5), usageRecord("k1", 20, 5)], 8);
    const total = ops.find(
      (op) =>
        op[0] === "hincrby" &&
        op[1] === keys.usage("key", "k1", { kind: "total" }) &&
        op[2] === "inputTokens",
    );
    expect(total).toEqual(["hincrby", keys.usage("key", "k1", { kind: "total" }), "inputTokens", 30]);
    expect(ops.filter((op) => op[0] === "lpush")).toHaveLength(2);
    expect(ops).toContainEqual(["sadd", keys.usageIndex("model"), "claude-sonnet-4-5"]);
  });

  it("apply once per batch id, however often they are sent", async () => {
    const records = [usageRecord("k2", 7, 3)];
    expect(await applyUsageBatch(keyspace.redis, "batch-1", records, 8)).toBe(true);
    expect(await applyUsageBatch(keyspace.redis, "batch-1", records, 8)).toBe(false);
    const total = await keyspace.getUsage("key", "k2", { kind: "total" });
    expect(total).toMatchObject({ requests: 1, inputTokens: 7, outputTokens: 3, costMicroUsd: 10 });
    expect(await keyspace.getUsage("system", "all", { kind: "daily", stamp: "2026-11-23" })).toMatchObject({
      requests: 1,
    });
  });

  it("keep sub-micro-dollar costs: remainders carry into whole micro-dollars across batches", async () => {
    // 0.4 µ$ (400,000 pico-dollars) a request, one request a batch: 1.2 µ$ after three.
    const cheap = () => ({ ...usageRecord("k3", 1, 0), costMicroUsd: 0.4 });
    for (let i = 0; i < 3; i++) await applyUsageBatch(keyspace.redis, `carry-${i}`, [cheap()], 8);
    expect((await keyspace.getUsage("key", "k3", { kind: "total" })).costMicroUsd).toBe(1.2);
    // Stored as whole micro-dollars (as before) plus a remainder below one micro-dollar.
    const bucket = keys.usage("key", "k3", { kind: "total" });
    expect(String(await keyspace.redis.hget(bucket, "costMicroUsd"))).toBe("1");
    expect(String(await keyspace.redis.hget(bucket, "costPicoUsd"))).toBe("200000");
  });
});

const gateFor = (keyId: string) => testEnv.KEY_GATE.getByName(keyId);

describe("KeyGate write-behind", () => {
  it("stores settled usage before answering and flushes it in its alarm", async () => {
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    const records = Array.from({ length: 25 }, (_, i) => usageRecord(keyId, i + 1, 2));
    await Promise.all(records.map((record) => gate.settle({ leaseId: null, record })));
    expect((await gate.snapshot()).unflushed).toBe(25);
    expect((await keyspace.getUsage("key", keyId, { kind: "total" })).requests).toBe(0);
    await runDurableObjectAlarm(gate);
    expect((await gate.snapshot()).unflushed).toBe(0);
    const total = await keyspace.getUsage("key", keyId, { kind: "total" });
    expect(total).toMatchObject({ requests: 25, inputTokens: (25 * 26) / 2, outputTokens: 50 });
    expect(await keyspace.recentRequests(keyId, 100)).toHaveLength(25);
  });

  it("counts a settle sent twice once", async () => {
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    const record = usageRecord(keyId, 10, 1);
    await gate.settle({ leaseId: null, record });
    await gate.settle({ leaseId: null, record });
    await runDurableObjectAlarm(gate);
    expect((await keyspace.getUsage("key", keyId, { kind: "total" })).requests).toBe(1);
  });

  it("counts a settle retried after its usage was flushed, and after a restart, once", async () => {
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    const record = { ...usageRecord(keyId, 10, 1), startedAt: Date.now() };
    await gate.settle({ leaseId: null, record });
    await runDurableObjectAlarm(gate);
    await evictDurableObject(gate);
    await gateFor(keyId).settle({ leaseId: null, record });
    await runDurableObjectAlarm(gateFor(keyId));
    expect((await keyspace.getUsage("key", keyId, { kind: "total" })).requests).toBe(1);
    expect((await gateFor(keyId).snapshot()).spend.totalTokens).toBe(11);
  });

  it("loses nothing when the object restarts between storing and flushing", async () => {
    const keyId = crypto.randomUUID();
    const gate = gateFor(keyId);
    for (let i = 0; i < 10; i++) await gate.settle({ leaseId: null, record: usageRecord(keyId, 1, 1) });
    await evictDurableObject(gate);
    await runDurableObjectAlarm(gateFor(keyId));
    expect((await keyspace.getUsage("key", keyId, { kind: "total" })).requests).toBe(10);
  });
});

describe("KeyGate spend from before the gate", () => {
  it("counts usage the keyspace already had (an imported key) against the cost quotas", async () => {
    const keyId = crypto.randomUUID();
    // $5 recorded for this key before its gate existed (today, in the relay's zone).
    await applyUsageBatch(
      keyspace.redis,
      `seed-${keyId}`,
      [{ ...usageRecord(keyId, 100, 100), startedAt: Date.now(), costMicroUsd: 5_000_000 }],
      Number(testEnv.TIMEZONE_OFFSET_HOURS ?? 8),
    );
    const record = {
      v: 1 as const,
      id: keyId,
      name: "imported",
      description: "",
      hash: "0".repeat(64),
      preview: "cr_…",
      isActive: true,
      tags: [],
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
      expiry: { mode: "never" as const },
      limits: keyLimitsSchema.parse({ totalCostLimit: 4 }),
      boundAccounts: {},
    };
    const result = await gateFor(keyId).admit(record, {
      model: "claude-sonnet-4-5",
      platform: "claude",
      clients: [],
      counted: true,
    });
    expect(result).toMatchObject({ admitted: false, denial: { code: "total_cost_limit_exceeded" } });
    expect((await gateFor(keyId).snapshot()).spend.totalCostMicroUsd).toBe(5_000_000);
  });
});
