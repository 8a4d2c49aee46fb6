// The spend the original had counted against each key's daily, weekly and total cost limits is
// carried into the key's record (record.carriedSpend, which its KeyGate counts once per importId):
// fixture keys in the original's layout with its counters, in each key name it used over time.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFromCrs } from "../../migrations/crs/importer.ts";
import { openRedisSource } from "../../migrations/crs/source.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { relayKeyRecordSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { startKeyspace, startSourceRedis, type TestKeyspace } from "./helpers.ts";

const CRS_KEY = "carried-spend-fixture-encryption-key";
// Wednesday 2026-11-25, 11:00 in the original's UTC+8.
const NOW = Date.parse("2026-11-25T03:00:00.000Z");
const DAY_START = "2026-11-24T16:00:00.000Z";
const ID = {
  // A newer original: weekly reset on Wednesday 06:00, its `usage:claude:weekly:` counter.
  newer: "9a1d0c52-1111-4c0e-9d5e-000000000001",
  // An older one: ISO weeks (`usage:opus:weekly:{id}:YYYY-Www`), nothing spent today.
  older: "9a1d0c52-1111-4c0e-9d5e-000000000002",
  // The reset-day weekly key under its older name.
  opus: "9a1d0c52-1111-4c0e-9d5e-000000000003",
  // No counters at all.
  idle: "9a1d0c52-1111-4c0e-9d5e-000000000004",
};

let source: Awaited<ReturnType<typeof startSourceRedis>>;
let target: TestKeyspace;

function apiKey(id: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    id,
    name: `key-${id.slice(-1)}`,
    apiKey: createHash("sha256").update(`cr_${id}${CRS_KEY}`).digest("hex"),
    isActive: "true",
    createdAt: "2025-06-01T08:00:00.000Z",
    dailyCostLimit: "10",
    totalCostLimit: "100",
    weeklyOpusCostLimit: "20",
    ...extra,
  };
}

async function runImport(now = NOW) {
  const reader = await openRedisSource(source.url);
  try {
    return await importFromCrs({
      source: reader,
      crsEncryptionKey: CRS_KEY,
      target: target.upstash,
      targetLabel: "test",
      encryptionKey: "00".repeat(32),
      apply: true,
      now,
    });
  } finally {
    await reader.close();
  }
}

const stored = async (id: string) =>
  relayKeyRecordSchema.parse(JSON.parse((await target.direct.get(keys.relayKey(id))) ?? "null"));

beforeAll(async () => {
  source = await startSourceRedis();
  target = await startKeyspace();
  const r = source.client;
  await r.hset(`apikey:${ID.newer}`, apiKey(ID.newer, { weeklyResetDay: "3", weeklyResetHour: "6" }));
  await r.set(`usage:cost:daily:${ID.newer}:2026-11-25`, "3.5");
  await r.set(`usage:cost:daily:${ID.newer}:2026-11-24`, "9");
  await r.set(`usage:cost:total:${ID.newer}`, "42.25");
  await r.set(`usage:claude:weekly:${ID.newer}:2026-11-25T06`, "7.75");
  // Last week's counter is not this week's spend.
  await r.set(`usage:claude:weekly:${ID.newer}:2026-11-18T06`, "19");
  await r.hset(`apikey:${ID.older}`, apiKey(ID.older));
  await r.set(`usage:cost:daily:${ID.older}:2026-11-24`, "1");
  await r.set(`usage:cost:total:${ID.older}`, "5.000001");
  await r.set(`usage:opus:weekly:${ID.older}:2026-W48`, "2");
  await r.hset(`apikey:${ID.opus}`, apiKey(ID.opus));
  await r.set(`usage:opus:weekly:${ID.opus}:2026-11-23T00`, "0.5");
  await r.hset(`apikey:${ID.idle}`, apiKey(ID.idle));
});

afterAll(async () => {
  source?.client.disconnect();
  await source?.server.stop();
  await target?.stop();
});

describe("spend carried over from the original", () => {
  it("reads today's, this week's and the total counters into each key's record", async () => {
    const report = await runImport();
    expect(report.relayKeys.writes).toEqual({ created: 4, updated: 0, unchanged: 0 });
    expect((await stored(ID.newer)).carriedSpend).toEqual({
      importId: expect.stringMatching(/^crs:[0-9a-f]{16}$/),
      dayStart: DAY_START,
      dayCostMicroUsd: 3_500_000,
      // Wednesday 06:00 in UTC+8.
      weekStart: "2026-11-24T22:00:00.000Z",
      weekCostMicroUsd: 7_750_000,
      totalCostMicroUsd: 42_250_000,
    });
    expect((await stored(ID.older)).carriedSpend).toMatchObject({
      dayStart: DAY_START,
      dayCostMicroUsd: 0,
      // Monday 00:00 in UTC+8: the ISO week.
      weekStart: "2026-11-22T16:00:00.000Z",
      weekCostMicroUsd: 2_000_000,
      totalCostMicroUsd: 5_000_001,
    });
    expect((await stored(ID.opus)).carriedSpend).toMatchObject({
      weekCostMicroUsd: 500_000,
      totalCostMicroUsd: 0,
    });
    expect((await stored(ID.idle)).carriedSpend).toBeUndefined();
    // A key whose carried spend is new moves its time, so a gate already running takes it.
    expect((await stored(ID.newer)).updatedAt).toBe(new Date(NOW).toISOString());
    expect((await stored(ID.idle)).updatedAt).toBe("2025-06-01T08:00:00.000Z");
  });

  it("changes nothing when run again on the same numbers (the gate would not count them twice)", async () => {
    const before = await Promise.all(Object.values(ID).map(stored));
    const report = await runImport(NOW + 60_000);
    expect(report.relayKeys.writes).toEqual({ created: 0, updated: 0, unchanged: 4 });
    expect(await Promise.all(Object.values(ID).map(stored))).toEqual(before);
  });

  it("names new numbers anew, replacing what was carried rather than adding to it", async () => {
    const first = (await stored(ID.newer)).carriedSpend;
    await source.client.set(`usage:cost:daily:${ID.newer}:2026-11-25`, "4");
    const later = NOW + 3_600_000;
    const report = await runImport(later);
    expect(report.relayKeys.writes).toMatchObject({ updated: 1, unchanged: 3 });
    expect(report.relayKeys.changes).toContainEqual(
      expect.objectContaining({ id: ID.newer, field: expect.stringMatching(/^carriedSpend/) }),
    );
    const now = await stored(ID.newer);
    expect(now.carriedSpend).toMatchObject({ dayCostMicroUsd: 4_000_000, totalCostMicroUsd: 42_250_000 });
    expect(now.carriedSpend?.importId).not.toBe(first?.importId);
    expect(now.updatedAt).toBe(new Date(later).toISOString());
  });

  it("keeps the carried spend when the source no longer holds the counters", async () => {
    const before = await stored(ID.older);
    await source.client.del(
      `usage:cost:daily:${ID.older}:2026-11-24`,
      `usage:cost:total:${ID.older}`,
      `usage:opus:weekly:${ID.older}:2026-W48`,
    );
    await runImport();
    expect(await stored(ID.older)).toEqual(before);
  });
});
