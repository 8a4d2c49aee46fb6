// Booster packs (drawn once a cost limit is reached, never below zero), rated cost counted by the
// limits: through the KeyGate's RPC methods, as the relay calls them.
import { describe, expect, it } from "vitest";
import type { AdmitRequest, SettledUsage } from "../../durable-objects/key-gate/index.ts";
import type { BoosterPack } from "../../durable-objects/key-gate/packs.ts";
import { keyLimitsSchema, type RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { testEnv } from "./helpers.ts";

function key(limits: Record<string, unknown>): RelayKeyRecord {
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
    updatedAt: "2026-01-01T00:00:00.000Z",
    expiry: { mode: "never" },
    limits: keyLimitsSchema.parse(limits),
    boundAccounts: {},
  };
}

const gate = (record: RelayKeyRecord) => testEnv.KEY_GATE.getByName(record.id);
const ask = (model = "claude-sonnet-4-5", platform: AdmitRequest["platform"] = "claude"): AdmitRequest => ({
  model,
  platform,
  clients: [],
  counted: true,
});
const usage = (
  record: RelayKeyRecord,
  costMicroUsd: number,
  extra: Partial<SettledUsage> = {},
): SettledUsage => ({
  requestId: crypto.randomUUID(),
  keyId: record.id,
  model: "claude-sonnet-4-5",
  platform: "claude",
  status: 200,
  startedAt: Date.now(),
  durationMs: 5,
  usage: {
    input_tokens: 1,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ephemeral_5m_input_tokens: 0,
    ephemeral_1h_input_tokens: 0,
  },
  costMicroUsd,
  ...extra,
});
const pack = (amountUsd: number, extra: Partial<BoosterPack> = {}): BoosterPack => ({
  id: crypto.randomUUID(),
  amountMicroUsd: amountUsd * 1_000_000,
  usedMicroUsd: 0,
  grantedAt: new Date().toISOString(),
  note: "",
  source: "admin",
  ...extra,
});
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));

async function admitAndSettle(record: RelayKeyRecord, cost: number, extra: Partial<SettledUsage> = {}) {
  const g = gate(record);
  const result = await g.admit(record, ask());
  if (!result.admitted) return result;
  await g.settle({ leaseId: result.lease?.id ?? null, record: usage(record, cost, extra) });
  return result;
}

describe("booster packs at the KeyGate", () => {
  it("is drawn only after the quota, never below zero, under 100 parallel requests (each settle sent twice)", async () => {
    // $1 a day; a $2 pack; each request costs $0.10.
    const record = key({ dailyCostLimit: 1 });
    const granted = pack(2, { note: "top-up" });
    await gate(record).grantPack(granted);
    let settled = 0;
    const seenAtAdmission: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        await pause();
        const before = settled;
        const result = await gate(record).admit(record, ask());
        if (!result.admitted) {
          if ("denial" in result) expect(result.denial.code).toBe("daily_cost_limit_exceeded");
          return;
        }
        seenAtAdmission.push(before);
        await pause();
        const settlement = { leaseId: result.lease?.id ?? null, record: usage(record, 100_000) };
        await Promise.all([gate(record).settle(settlement), gate(record).settle(settlement)]);
        settled++;
      }),
    );
    // Admitted while the quota plus the pack ($3 = 30 requests) were not spent; none after.
    expect(seenAtAdmission.length).toBeGreaterThanOrEqual(30);
    expect(seenAtAdmission.every((n) => n < 30)).toBe(true);
    const { packs, draws, leftMicroUsd } = await gate(record).packState();
    const { spend } = await gate(record).snapshot();
    expect(spend.dayCostMicroUsd).toBe(seenAtAdmission.length * 100_000);
    // What went past the $1 is drawn, up to the pack's $2 and no further.
    const drawn = draws.reduce((sum, d) => sum + d.amountMicroUsd, 0);
    expect(drawn).toBe(Math.min(2_000_000, spend.dayCostMicroUsd - 1_000_000));
    expect(drawn).toBe(2_000_000);
    expect(packs).toEqual([{ ...granted, usedMicroUsd: 2_000_000 }]);
    expect(leftMicroUsd).toBe(0);
    // Each draw names one request, once; and no draw is bigger than a request's cost.
    expect(new Set(draws.map((d) => d.requestId)).size).toBe(draws.length);
    expect(draws.every((d) => d.amountMicroUsd > 0 && d.amountMicroUsd <= 100_000)).toBe(true);
    // Spent: 100 more are refused with the quota's own refusal.
    const again = await Promise.all(Array.from({ length: 100 }, () => gate(record).admit(record, ask())));
    expect(again.filter((r) => r.admitted)).toHaveLength(0);
  });

  it("draws nothing while the key is within its limits; a request crossing the limit draws only its part beyond it", async () => {
    const record = key({ totalCostLimit: 1 });
    await gate(record).grantPack(pack(1));
    await admitAndSettle(record, 700_000);
    expect((await gate(record).packState()).draws).toEqual([]);
    await admitAndSettle(record, 500_000);
    const { draws, leftMicroUsd } = await gate(record).packState();
    expect(draws.map((d) => d.amountMicroUsd)).toEqual([200_000]);
    expect(leftMicroUsd).toBe(800_000);
  });

  it("lifts a platform cap and a model cap too, not a disabled key or a rate window", async () => {
    const record = key({
      platformLimits: [{ platform: "claude", dailyCostLimit: 1, totalCostLimit: 0 }],
      rateLimitWindowMinutes: 1,
      rateLimitRequests: 3,
    });
    await gate(record).grantPack(pack(5));
    expect((await admitAndSettle(record, 1_500_000)).admitted).toBe(true);
    expect((await admitAndSettle(record, 100_000)).admitted).toBe(true);
    expect((await gate(record).packState()).leftMicroUsd).toBe(4_400_000);
    expect((await admitAndSettle(record, 100_000)).admitted).toBe(true);
    // The window is no cost limit: the pack does not lift it.
    expect(await gate(record).admit(record, ask())).toMatchObject({
      admitted: false,
      denial: { code: "rate_limit_requests" },
    });
  });

  it("an expired pack is not drawn from; a pack granted twice (same id) counts once", async () => {
    const record = key({ dailyCostLimit: 0.5 });
    await gate(record).grantPack(pack(3, { expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const twice = pack(0.25);
    await gate(record).grantPack(twice);
    await gate(record).grantPack(twice);
    expect((await gate(record).packState()).packs).toHaveLength(2);
    await admitAndSettle(record, 600_000);
    expect((await admitAndSettle(record, 600_000)).admitted).toBe(true);
    const state = await gate(record).packState();
    expect(state.leftMicroUsd).toBe(0);
    expect(state.packs.find((p) => p.id === twice.id)?.usedMicroUsd).toBe(250_000);
    expect(await gate(record).admit(record, ask())).toMatchObject({ admitted: false });
  });

  it("limits count the rated cost: at 2× a $1 daily limit is reached after $0.50 of real cost", async () => {
    const record = key({ dailyCostLimit: 1 });
    for (let i = 0; i < 5; i++) {
      const result = await admitAndSettle(record, 100_000, { serviceRate: 2 });
      expect(result.admitted).toBe(true);
    }
    expect(await gate(record).admit(record, ask())).toMatchObject({
      admitted: false,
      denial: { code: "daily_cost_limit_exceeded" },
    });
  });
});
