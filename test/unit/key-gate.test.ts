// The KeyGate Durable Object through its RPC methods, as the Worker calls it.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AdmitRequest } from "../../durable-objects/key-gate/index.ts";
import { keyLimitsSchema, type RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { testEnv } from "./helpers.ts";

const request: AdmitRequest = { model: "claude-sonnet-4-5", platform: "claude", clients: [], counted: true };

function key(limits: Record<string, unknown>, updatedAt = "2026-01-01T00:00:00.000Z"): RelayKeyRecord {
  return {
    v: 1,
    id: crypto.randomUUID(),
    name: "k",
    description: "",
    hash: "0".repeat(64),
    preview: "cr_…",
    isActive: true,
    tags: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt,
    expiry: { mode: "never" },
    limits: keyLimitsSchema.parse(limits),
    boundAccounts: {},
  };
}

const gate = (record: RelayKeyRecord) => testEnv.KEY_GATE.getByName(record.id);
const settlement = (
  leaseId: string | null,
  extra: Partial<{ tokens: number; costMicroUsd: number }> = {},
) => ({
  leaseId,
  record: {
    requestId: crypto.randomUUID(),
    keyId: "k",
    model: "claude-sonnet-4-5",
    platform: "claude",
    status: 200,
    startedAt: Date.now(),
    durationMs: 5,
    usage: {
      input_tokens: extra.tokens ?? 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: extra.costMicroUsd ?? 0,
  },
});

describe("KeyGate concurrency", () => {
  it("admits up to the limit, refuses the next with retry-after, and frees a slot on settle", async () => {
    const record = key({ concurrencyLimit: 2 });
    const g = gate(record);
    const a = await g.admit(record, request);
    const b = await g.admit(record, request);
    expect(a.admitted && b.admitted).toBe(true);
    const c = await g.admit(record, request);
    expect(c).toMatchObject({ admitted: false, denial: { kind: "rate_limit", retryAfterSeconds: 1 } });
    if (!a.admitted || !a.lease) throw new Error("no lease");
    await g.settle(settlement(a.lease.id));
    expect((await g.admit(record, request)).admitted).toBe(true);
    expect((await g.snapshot()).activeLeases).toBe(2);
  });

  it("gives a full key's slot to a request arriving just before the previous one's settle", async () => {
    const record = key({ concurrencyLimit: 1 });
    const g = gate(record);
    const first = await g.admit(record, request);
    if (!first.admitted || !first.lease) throw new Error("no lease");
    const lease = first.lease;
    // The next request of the same client overtakes the settle of its last one by a few ms.
    const next = g.admit(record, request);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await g.settle(settlement(lease.id));
    expect((await next).admitted).toBe(true);
    // Nobody settles now: refused once the short grace has run out, and no slot was taken.
    const startedAt = Date.now();
    const refused = await g.admit(record, request);
    expect(refused).toMatchObject({ admitted: false, denial: { code: "concurrency_limit_exceeded" } });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect((await g.snapshot()).activeLeases).toBe(1);
  });

  it("never frees two slots for a double settle", async () => {
    const record = key({ concurrencyLimit: 2 });
    const g = gate(record);
    const a = await g.admit(record, request);
    await g.admit(record, request);
    if (!a.admitted || !a.lease) throw new Error("no lease");
    const same = settlement(a.lease.id, { tokens: 10, costMicroUsd: 5 });
    await g.settle(same);
    await g.settle(same);
    const snapshot = await g.snapshot();
    expect(snapshot.activeLeases).toBe(1);
    expect(snapshot.spend.totalTokens).toBe(10);
    expect(snapshot.spend.totalCostMicroUsd).toBe(5);
  });

  it("holds the limit exactly under 100 parallel admits", async () => {
    const record = key({ concurrencyLimit: 5 });
    const results = await Promise.all(Array.from({ length: 100 }, () => gate(record).admit(record, request)));
    expect(results.filter((r) => r.admitted)).toHaveLength(5);
    expect((await gate(record).snapshot()).activeLeases).toBe(5);
  });

  it("lets a request wait in arrival order for a slot when the key is set to queue", async () => {
    const record = key({ concurrencyLimit: 1, concurrencyQueueSeconds: 5 });
    const g = gate(record);
    const first = await g.admit(record, request);
    if (!first.admitted || !first.lease) throw new Error("no lease");
    const order: string[] = [];
    const second = g.admit(record, request).then((r) => {
      order.push("second");
      return r;
    });
    const third = g.admit(record, request).then((r) => {
      order.push("third");
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await g.snapshot()).queued).toBe(2);
    await g.settle(settlement(first.lease.id));
    const secondResult = await second;
    expect(secondResult.admitted).toBe(true);
    if (!secondResult.admitted || !secondResult.lease) throw new Error("no lease");
    await g.settle(settlement(secondResult.lease.id));
    expect((await third).admitted).toBe(true);
    expect(order).toEqual(["second", "third"]);
  });

  it("refuses a waiter whose wait runs out", async () => {
    const record = key({ concurrencyLimit: 1, concurrencyQueueSeconds: 0.2 });
    const g = gate(record);
    await g.admit(record, request);
    expect(await g.admit(record, request)).toMatchObject({
      admitted: false,
      denial: { code: "concurrency_queue_timeout" },
    });
  });
});

describe("KeyGate leases", () => {
  it("reclaims an expired lease in its alarm (a Worker that died mid-request)", async () => {
    const record = key({ concurrencyLimit: 1 });
    const g = gate(record);
    expect((await g.admit(record, request)).admitted).toBe(true);
    expect((await g.admit(record, request)).admitted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await runDurableObjectAlarm(g);
    expect((await g.snapshot()).activeLeases).toBe(0);
    expect((await g.admit(record, request)).admitted).toBe(true);
  });

  it("keeps a renewed lease past its first expiry", async () => {
    const record = key({ concurrencyLimit: 1 });
    const g = gate(record);
    const admitted = await g.admit(record, request);
    if (!admitted.admitted || !admitted.lease) throw new Error("no lease");
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const renewed = await g.renew(admitted.lease.id);
    expect(renewed?.expiresAt).toBeGreaterThan(admitted.lease.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await runDurableObjectAlarm(g);
    expect((await g.snapshot()).activeLeases).toBe(1);
    expect(await g.renew("unknown")).toBeNull();
  });
});

describe("KeyGate limits and admin changes", () => {
  it("counts the rate window at admit and refuses request 11 of a 10-request window", async () => {
    const record = key({ rateLimitWindowMinutes: 1, rateLimitRequests: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, () => gate(record).admit(record, request)));
    expect(results.filter((r) => r.admitted)).toHaveLength(10);
    const refused = results.find((r) => !r.admitted);
    expect(refused).toMatchObject({ denial: { code: "rate_limit_requests" } });
  });

  it("refuses once settled cost reaches the daily cap", async () => {
    const record = key({ dailyCostLimit: 0.01 });
    const g = gate(record);
    const first = await g.admit(record, request);
    if (!first.admitted) throw new Error("refused");
    await g.settle(settlement(first.lease?.id ?? null, { costMicroUsd: 10_000 }));
    expect(await g.admit(record, request)).toMatchObject({ admitted: false, denial: { kind: "quota" } });
  });

  it("gives a request no upstream answered back to the rate window it was counted in", async () => {
    const record = key({ rateLimitWindowMinutes: 10, rateLimitRequests: 2 });
    const g = gate(record);
    const unserved = (leaseId: string | null, windowStart: number | undefined) => {
      const s = settlement(leaseId);
      return { ...s, windowStart, record: { ...s.record, status: 503, served: false } };
    };
    for (let i = 0; i < 3; i++) {
      const admitted = await g.admit(record, request);
      if (!admitted.admitted) throw new Error(`refused: ${JSON.stringify(admitted)}`);
      expect(admitted.windowStart).toBe((await g.snapshot()).window?.start);
      await g.settle(unserved(admitted.lease?.id ?? null, admitted.windowStart));
    }
    expect((await g.snapshot()).window?.requests).toBe(0);
    // A settle of a request counted in an earlier window gives nothing back to this one.
    const counted = await g.admit(record, request);
    if (!counted.admitted || counted.windowStart === undefined) throw new Error("refused");
    await g.settle(unserved(counted.lease?.id ?? null, counted.windowStart - 60_000));
    expect((await g.snapshot()).window?.requests).toBe(1);
    // A request an upstream answered keeps its count.
    const served = await g.admit(record, request);
    if (!served.admitted) throw new Error("refused");
    await g.settle({ ...settlement(served.lease?.id ?? null), windowStart: served.windowStart });
    expect((await g.snapshot()).window?.requests).toBe(2);
    expect(await g.admit(record, request)).toMatchObject({ admitted: false });
  });

  it("applies an admin change at once, even when a request brings an older cached record", async () => {
    const record = key({});
    const g = gate(record);
    expect((await g.admit(record, request)).admitted).toBe(true);
    await g.configure({ ...record, isActive: false, updatedAt: "2026-02-01T00:00:00.000Z" });
    expect(await g.admit(record, request)).toMatchObject({
      admitted: false,
      denial: { code: "key_disabled" },
    });
  });

  it("starts an activation-mode key's clock on its first request, once", async () => {
    const record: RelayKeyRecord = { ...key({}), expiry: { mode: "activation", days: 3 } };
    const g = gate(record);
    const first = await g.admit(record, request);
    expect(first.admitted && first.activatedAt).toBeTruthy();
    const second = await g.admit(record, request);
    expect(second.admitted && second.activatedAt).toBeFalsy();
  });

  it("resumes its counters after a restart", async () => {
    const record = key({ rateLimitWindowMinutes: 5, rateLimitRequests: 100 });
    const g = gate(record);
    for (let i = 0; i < 3; i++) await g.admit(record, request);
    // Counters reach storage within a second; a restart then resumes from them.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await evictDurableObject(g);
    const after = await gate(record).snapshot();
    expect(after.window?.requests).toBe(3);
    expect(after.activeLeases).toBe(3);
  });
});
