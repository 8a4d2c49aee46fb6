// The limit rules with an explicit clock: every limit admits up to its cap and refuses the next.
import { describe, expect, it } from "vitest";
import {
  type AdmitRequest,
  checkLimits,
  currentSpend,
  currentWindow,
  type RateWindow,
  type Spend,
} from "../../durable-objects/key-gate/limits.ts";
import { dayStart, weekStart } from "../../durable-objects/key-gate/periods.ts";
import { keyLimitsSchema, type RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const TZ = 8;

function key(limits: Record<string, unknown> = {}, extra: Partial<RelayKeyRecord> = {}): RelayKeyRecord {
  return {
    v: 1,
    id: "k",
    name: "k",
    description: "",
    hash: "0".repeat(64),
    preview: "cr_…",
    isActive: true,
    tags: [],
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    expiry: { mode: "never" },
    limits: keyLimitsSchema.parse(limits),
    boundAccounts: {},
    ...extra,
  };
}

const request: AdmitRequest = { model: "claude-sonnet-4-5", platform: "claude", clients: [], counted: true };
const noSpend = (record: RelayKeyRecord): Spend =>
  currentSpend(
    {
      dayStart: 0,
      dayCostMicroUsd: 0,
      weekStart: 0,
      weekCostMicroUsd: 0,
      totalCostMicroUsd: 0,
      totalTokens: 0,
    },
    record,
    TZ,
    NOW,
  );
const windowOf = (w: Partial<RateWindow>): RateWindow => ({
  start: NOW,
  requests: 0,
  tokens: 0,
  costMicroUsd: 0,
  ...w,
});

describe("rate window", () => {
  const record = key({ rateLimitWindowMinutes: 10, rateLimitRequests: 3 });

  it("admits up to the request cap and refuses the next with a retry-after to the window's end", () => {
    expect(checkLimits(record, windowOf({ requests: 2 }), noSpend(record), request, NOW)).toBeNull();
    const denial = checkLimits(
      record,
      windowOf({ requests: 3, start: NOW - 4 * 60_000 }),
      noSpend(record),
      request,
      NOW,
    );
    expect(denial).toMatchObject({ kind: "rate_limit", code: "rate_limit_requests", retryAfterSeconds: 360 });
  });

  it("starts afresh once the window is over", () => {
    const old = windowOf({ requests: 3, start: NOW - 10 * 60_000 });
    expect(currentWindow(old, 10, NOW)).toBeNull();
    expect(currentWindow(old, 10, NOW - 1)).toBe(old);
  });

  it("caps tokens, or cost when no token cap is set", () => {
    const tokens = key({ rateLimitWindowMinutes: 1, tokenLimit: 1000 });
    expect(checkLimits(tokens, windowOf({ tokens: 999 }), noSpend(tokens), request, NOW)).toBeNull();
    expect(checkLimits(tokens, windowOf({ tokens: 1000 }), noSpend(tokens), request, NOW)?.code).toBe(
      "rate_limit_tokens",
    );
    const cost = key({ rateLimitWindowMinutes: 1, rateLimitCost: 2 });
    expect(checkLimits(cost, windowOf({ costMicroUsd: 1_999_999 }), noSpend(cost), request, NOW)).toBeNull();
    expect(checkLimits(cost, windowOf({ costMicroUsd: 2_000_000 }), noSpend(cost), request, NOW)?.code).toBe(
      "rate_limit_cost",
    );
  });
});

describe("cost quotas", () => {
  it("refuses with 402 once daily, total or weekly spend reaches its cap", () => {
    const record = key({ dailyCostLimit: 1, totalCostLimit: 5, weeklyCostLimit: 3 });
    const spend = noSpend(record);
    expect(checkLimits(record, null, { ...spend, dayCostMicroUsd: 999_999 }, request, NOW)).toBeNull();
    const daily = checkLimits(record, null, { ...spend, dayCostMicroUsd: 1_000_000 }, request, NOW);
    expect(daily).toMatchObject({ kind: "quota", code: "daily_cost_limit_exceeded" });
    expect(daily?.resetAt).toBe(new Date(spend.dayStart + 86_400_000).toISOString());
    expect(checkLimits(record, null, { ...spend, totalCostMicroUsd: 5_000_000 }, request, NOW)?.code).toBe(
      "total_cost_limit_exceeded",
    );
    expect(checkLimits(record, null, { ...spend, weekCostMicroUsd: 3_000_000 }, request, NOW)?.code).toBe(
      "weekly_cost_limit_exceeded",
    );
  });

  it("applies the weekly cap to Claude-family models only", () => {
    const record = key({ weeklyCostLimit: 3 });
    const spend = { ...noSpend(record), weekCostMicroUsd: 3_000_000 };
    expect(checkLimits(record, null, spend, { ...request, model: "gpt-5" }, NOW)).toBeNull();
  });

  it("resets daily spend at midnight in the configured zone, and weekly spend on the reset day", () => {
    const record = key({ weeklyResetDay: 1, weeklyResetHour: 0 });
    const yesterday = noSpend(record);
    const spent = { ...yesterday, dayCostMicroUsd: 5, weekCostMicroUsd: 7 };
    const nextDay = currentSpend(spent, record, TZ, yesterday.dayStart + 86_400_000);
    expect(nextDay.dayCostMicroUsd).toBe(0);
    expect(dayStart(NOW, TZ)).toBe(Date.parse("2026-11-22T16:00:00Z"));
    // 2026-11-23 is a Monday: the week (Monday 00:00 UTC+8) began on 2026-11-22T16:00Z.
    expect(weekStart(NOW, TZ, 1, 0)).toBe(Date.parse("2026-11-22T16:00:00Z"));
    expect(weekStart(NOW, TZ, 3, 9)).toBe(Date.parse("2026-11-18T01:00:00Z"));
    expect(nextDay.weekCostMicroUsd).toBe(7);
  });

  it("caps total tokens when a token limit is set without a window", () => {
    const record = key({ tokenLimit: 100 });
    expect(checkLimits(record, null, { ...noSpend(record), totalTokens: 100 }, request, NOW)?.code).toBe(
      "token_limit_exceeded",
    );
  });
});

describe("restrictions", () => {
  it("refuses blacklisted models (exact or prefix*) with 403", () => {
    const record = key({ restrictedModels: ["claude-opus-4-1", "claude-haiku*"] });
    const spend = noSpend(record);
    expect(checkLimits(record, null, spend, { ...request, model: "claude-opus-4-1" }, NOW)?.code).toBe(
      "model_not_allowed",
    );
    expect(checkLimits(record, null, spend, { ...request, model: "claude-haiku-4-5" }, NOW)?.kind).toBe(
      "permission",
    );
    expect(checkLimits(record, null, spend, request, NOW)).toBeNull();
  });

  it("admits only the allowed clients", () => {
    const record = key({ allowedClients: ["claude_code"] });
    const spend = noSpend(record);
    expect(checkLimits(record, null, spend, request, NOW)?.code).toBe("client_not_allowed");
    expect(checkLimits(record, null, spend, { ...request, clients: ["claude_code"] }, NOW)).toBeNull();
  });

  it("enforces platform permissions, disabled keys and expiry", () => {
    const gemini = key({ permissions: ["gemini"] });
    expect(checkLimits(gemini, null, noSpend(gemini), request, NOW)?.kind).toBe("permission");
    const off = key({}, { isActive: false });
    expect(checkLimits(off, null, noSpend(off), request, NOW)?.code).toBe("key_disabled");
    const expired = key({}, { expiry: { mode: "fixed", expiresAt: "2026-11-23T09:59:59Z" } });
    expect(checkLimits(expired, null, noSpend(expired), request, NOW)?.code).toBe("key_expired");
    const activated = key(
      {},
      { expiry: { mode: "activation", days: 1, activatedAt: "2026-11-22T09:00:00Z" } },
    );
    expect(checkLimits(activated, null, noSpend(activated), request, NOW)?.code).toBe("key_expired");
    const fresh = key({}, { expiry: { mode: "activation", days: 1 } });
    expect(checkLimits(fresh, null, noSpend(fresh), request, NOW)).toBeNull();
  });

  it("lets count_tokens through every limit but permissions", () => {
    const record = key({ rateLimitWindowMinutes: 1, rateLimitRequests: 1, dailyCostLimit: 1 });
    const spend = { ...noSpend(record), dayCostMicroUsd: 9_000_000 };
    expect(
      checkLimits(record, windowOf({ requests: 5 }), spend, { ...request, counted: false }, NOW),
    ).toBeNull();
  });
});
