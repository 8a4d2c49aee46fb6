// Subscription accounts in the AccountPool: a 429 of one model family parks only that family, a
// blocked account stays out until an admin resets it, OAuth accounts serve Claude Code unless the
// account allows other clients, and an account's own options (5-hour threshold, daily cost quota,
// subscription end) stop its scheduling until they no longer hold.
import { beforeEach, describe, expect, it } from "vitest";
import {
  applyOutcome,
  DEFAULT_HEALTH_POLICY,
  healthy,
  NEVER,
} from "../../durable-objects/account-pool/health.ts";
import { choose } from "../../durable-objects/account-pool/selection.ts";
import { nextDayStart, stopOf } from "../../durable-objects/account-pool/stops.ts";
import { services } from "../../worker/env.ts";
import type { UsageWindows } from "../../worker/providers/provider.ts";
import { accountRecord as account, poolCandidate as candidate, testEnv } from "./helpers.ts";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const HOUR = 3_600_000;
const policy = DEFAULT_HEALTH_POLICY;
const opus = { model: "claude-opus-4-1", family: "opus", exclude: [] as string[] };
const sonnet = { model: "claude-sonnet-4-5", family: "sonnet", exclude: [] as string[] };
const oauth = (id: string, extra = {}) => account(id, { type: "claude-oauth", ...extra });

const windows = (fiveHour: number, at = NOW, resetAt: number | null = NOW + 2 * HOUR): UsageWindows => ({
  at,
  fiveHour: { utilization: fiveHour, resetAt, status: fiveHour >= 1 ? "rejected" : "allowed" },
  sevenDay: { utilization: 0.3, resetAt: NOW + 72 * HOUR, status: "allowed" },
});

describe("parks per model family", () => {
  it("a weekly Sonnet 429 parks Sonnet only: the same account still serves Opus", () => {
    const weekAway = NOW + 5 * 24 * HOUR;
    const { health, changed, familyParked } = applyOutcome(
      healthy(),
      { kind: "rate-limited", until: weekAway, family: "sonnet" },
      policy,
      NOW,
    );
    expect(health.status).toBe("active");
    expect(changed).toBe(false);
    expect(familyParked).toBe("sonnet");
    const only = [candidate(oauth("max"), { health })];
    expect(choose(only, opus, undefined, NOW)).toMatchObject({ candidate: { record: { id: "max" } } });
    expect(choose(only, sonnet, undefined, NOW)).toEqual({ candidate: null, backAt: weekAway });
    expect(choose(only, sonnet, undefined, weekAway).candidate).not.toBeNull();
  });

  it("a whole-account 429 (no family) parks every family", () => {
    const { health } = applyOutcome(healthy(), { kind: "rate-limited", until: NOW + HOUR }, policy, NOW);
    const only = [candidate(oauth("max"), { health })];
    expect(choose(only, opus, undefined, NOW).candidate).toBeNull();
    expect(choose(only, sonnet, undefined, NOW).candidate).toBeNull();
  });

  it("a success drops expired family parks and keeps live ones", () => {
    let health = applyOutcome(
      healthy(),
      { kind: "rate-limited", until: NOW + HOUR, family: "opus" },
      policy,
      NOW,
    ).health;
    health = applyOutcome(
      health,
      { kind: "rate-limited", until: NOW + 3 * HOUR, family: "sonnet" },
      policy,
      NOW,
    ).health;
    health = applyOutcome(health, { kind: "ok" }, policy, NOW + 2 * HOUR).health;
    expect(health.familyParks).toEqual({ sonnet: NOW + 3 * HOUR });
  });
});

describe("blocked and client refusals", () => {
  it("a blocked account never comes back by itself", () => {
    const { health, changed } = applyOutcome(healthy(), { kind: "blocked", reason: "disabled" }, policy, NOW);
    expect(changed).toBe(true);
    expect(health).toMatchObject({ status: "blocked", until: NEVER });
    expect(applyOutcome(health, { kind: "ok" }, policy, NOW + 400 * 24 * HOUR).health.status).toBe("blocked");
  });

  it("a refused client does not park the account", () => {
    const { health, changed } = applyOutcome(
      healthy(),
      { kind: "refused-client", reason: "extra usage" },
      policy,
      NOW,
    );
    expect(changed).toBe(false);
    expect(health.status).toBe("active");
  });

  it("schedules OAuth accounts for Claude Code only, unless the account allows other clients", () => {
    const subscription = candidate(oauth("sub", { priority: 1 }));
    const pool = [subscription, candidate(account("console", { priority: 9 }))];
    const fromSdk = { ...sonnet, subscriptionClient: false };
    const fromClaudeCode = { ...sonnet, subscriptionClient: true };
    expect(choose(pool, fromClaudeCode, undefined, NOW)).toMatchObject({
      candidate: { record: { id: "sub" } },
    });
    expect(choose(pool, fromSdk, undefined, NOW)).toMatchObject({ candidate: { record: { id: "console" } } });
    // A sticky session of the SDK's never lands on the subscription either.
    expect(choose(pool, fromSdk, "sub", NOW)).toMatchObject({ candidate: { record: { id: "console" } } });
    expect(choose([subscription], fromSdk, undefined, NOW)).toEqual({ candidate: null, clientOnly: true });
    const allowing = [candidate(oauth("sub", { allowOtherClients: true }))];
    expect(choose(allowing, fromSdk, undefined, NOW)).toMatchObject({ candidate: { record: { id: "sub" } } });
  });
});

describe("the account's own stops", () => {
  it("stops above the 5-hour threshold until the window resets", () => {
    const record = oauth("max", { stopAt5hPercent: 80 });
    const below = { ...healthy(), windows: windows(0.79) };
    const above = { ...healthy(), windows: windows(0.8) };
    expect(stopOf(record, below, NOW, 8)).toBeNull();
    expect(stopOf(record, above, NOW, 8)).toEqual({ reason: "window", until: NOW + 2 * HOUR });
    expect(stopOf(record, above, NOW + 2 * HOUR, 8)).toBeNull();
    expect(stopOf({ ...record, stopAt5hPercent: 0 }, above, NOW, 8)).toBeNull();
    // A reading with no reset holds one window's length, no longer.
    const noReset = { ...healthy(), windows: windows(0.95, NOW, null) };
    expect(stopOf(record, noReset, NOW, 8)).toEqual({ reason: "window", until: NOW + 5 * HOUR });
  });

  it("stops at the daily cost quota until the next day in the relay's time zone", () => {
    const record = account("console", { dailyCostLimitUsd: 2 });
    const day = "2026-11-23"; // NOW is 18:00 at UTC+8
    const spent = { ...healthy(), cost: { day, microUsd: 2_000_000 } };
    expect(stopOf(record, spent, NOW, 8)).toEqual({
      reason: "daily-cost",
      until: Date.parse("2026-11-23T16:00:00Z"),
    });
    expect(nextDayStart(NOW, 0)).toBe(Date.parse("2026-11-24T00:00:00Z"));
    expect(stopOf(record, { ...spent, cost: { day, microUsd: 1_999_999 } }, NOW, 8)).toBeNull();
    expect(stopOf(record, spent, Date.parse("2026-11-23T16:00:00Z"), 8)).toBeNull();
  });

  it("stops for good after the subscription end", () => {
    const record = account("console", { subscriptionExpiresAt: "2026-11-23T09:00:00Z" });
    expect(stopOf(record, healthy(), NOW, 8)).toEqual({ reason: "expired", until: null });
    expect(stopOf(record, healthy(), Date.parse("2026-11-23T08:59:59Z"), 8)).toBeNull();
  });

  it("a stopped account is skipped, and the pool says when it comes back", () => {
    const stop = { reason: "window" as const, until: NOW + HOUR };
    const pool = [candidate(oauth("max"), { stop })];
    expect(choose(pool, sonnet, undefined, NOW)).toEqual({ candidate: null, backAt: NOW + HOUR });
  });
});

describe("AccountPool Durable Object", () => {
  const pool = () => testEnv.ACCOUNT_POOL.getByName(`claude-sub-${crypto.randomUUID()}`);
  const { keyspace } = services(testEnv);

  beforeEach(async () => {
    await keyspace.redis.flushall();
  });

  it("keeps the newest windows read off answers and reports, and stops above the threshold", async () => {
    await keyspace.putAccount(oauth("max", { priority: 1, stopAt5hPercent: 90 }));
    await keyspace.putAccount(account("console", { priority: 2 }));
    const p = pool();
    const now = Date.now();
    const first = await p.acquire("claude", { ...sonnet, subscriptionClient: true });
    expect(first).toMatchObject({ ok: true, account: { id: "max" } });
    await p.report([{ accountId: "max", windows: windows(0.5, now, now + HOUR), at: now }]);
    // An older reading from another isolate does not replace a newer one.
    await p.report([{ accountId: "max", windows: windows(0.2, now - 1000, now + HOUR), at: now }]);
    let state = (await p.status()).find((s) => s.accountId === "max");
    expect(state?.windows?.fiveHour?.utilization).toBe(0.5);
    expect(state?.stopped).toBeNull();
    await p.release(null, "max", { kind: "ok", windows: windows(0.92, now + 1, now + HOUR) });
    state = (await p.status()).find((s) => s.accountId === "max");
    expect(state?.stopped).toEqual({ reason: "window", until: now + HOUR });
    const next = await p.acquire("claude", { ...sonnet, subscriptionClient: true });
    expect(next).toMatchObject({ ok: true, account: { id: "console" } });
  });

  it("holds the threshold under a burst: no pick lands on the stopped account", async () => {
    await keyspace.putAccount(oauth("max", { priority: 1, stopAt5hPercent: 80 }));
    await keyspace.putAccount(account("console", { priority: 2 }));
    const p = pool();
    const now = Date.now();
    await p.report([{ accountId: "max", windows: windows(0.85, now, now + HOUR), at: now }]);
    const picks = await Promise.all(
      Array.from({ length: 100 }, () => p.acquire("claude", { ...opus, subscriptionClient: true })),
    );
    expect(picks.every((r) => r.ok && r.account.id === "console")).toBe(true);
  });

  it("counts cost reports toward the daily quota and stops the account when spent", async () => {
    await keyspace.putAccount(account("metered", { priority: 1, dailyCostLimitUsd: 1 }));
    await keyspace.putAccount(account("spare", { priority: 2 }));
    const p = pool();
    const now = Date.now();
    // Carried by a pick (as an isolate's outbox is), then one sent alone.
    await p.acquire("claude", sonnet, undefined, [{ accountId: "metered", costMicroUsd: 600_000, at: now }]);
    expect((await p.status()).find((s) => s.accountId === "metered")?.costTodayUsd).toBeCloseTo(0.6);
    await p.report([{ accountId: "metered", costMicroUsd: 400_000, at: now }]);
    const state = (await p.status()).find((s) => s.accountId === "metered");
    expect(state?.costTodayUsd).toBeCloseTo(1);
    expect(state?.stopped?.reason).toBe("daily-cost");
    expect(await p.acquire("claude", sonnet)).toMatchObject({ ok: true, account: { id: "spare" } });
  });

  it("answers client-only when only subscription accounts serve and the client is not Claude Code", async () => {
    await keyspace.putAccount(oauth("max"));
    const p = pool();
    expect(await p.acquire("claude", { ...sonnet, subscriptionClient: false })).toMatchObject({
      ok: false,
      reason: "client-only",
    });
    expect(await p.acquire("claude", { ...sonnet, subscriptionClient: true })).toMatchObject({ ok: true });
  });

  it("keeps a blocked account out until an admin resets it; the reset keeps its windows", async () => {
    await keyspace.putAccount(oauth("max", { priority: 1 }));
    await keyspace.putAccount(account("console", { priority: 2 }));
    const p = pool();
    const now = Date.now();
    await p.acquire("claude", { ...sonnet, subscriptionClient: true });
    await p.release(null, "max", {
      kind: "blocked",
      reason: "organization disabled",
      windows: windows(0.4, now),
    });
    expect((await p.status()).find((s) => s.accountId === "max")?.status).toBe("blocked");
    expect(await p.acquire("claude", { ...sonnet, subscriptionClient: true })).toMatchObject({
      account: { id: "console" },
    });
    await p.refresh("max");
    const state = (await p.status()).find((s) => s.accountId === "max");
    expect(state).toMatchObject({ status: "active", windows: { fiveHour: { utilization: 0.4 } } });
  });

  it("parks one family in the pool and shows it in the status", async () => {
    await keyspace.putAccount(oauth("max"));
    const p = pool();
    const until = Date.now() + 3 * 24 * HOUR;
    await p.acquire("claude", { ...sonnet, subscriptionClient: true });
    await p.release(null, "max", { kind: "rate-limited", until, family: "sonnet" });
    expect((await p.status()).find((s) => s.accountId === "max")).toMatchObject({
      status: "active",
      familyParks: [{ family: "sonnet", until }],
    });
    expect(await p.acquire("claude", { ...opus, subscriptionClient: true })).toMatchObject({ ok: true });
    expect(await p.acquire("claude", { ...sonnet, subscriptionClient: true })).toMatchObject({
      ok: false,
      reason: "all-parked",
    });
  });
});

describe("an AccountPool that has not scheduled since it started", () => {
  const { keyspace } = services(testEnv);

  beforeEach(async () => {
    await keyspace.redis.flushall();
  });

  it("loads its accounts for status and refresh, so the admin sees their stops", async () => {
    await keyspace.putAccount(account("ended", { subscriptionExpiresAt: "2026-01-01T00:00:00Z" }));
    const fresh = testEnv.ACCOUNT_POOL.getByName(`claude-fresh-${crypto.randomUUID()}`);
    const states = await fresh.status("claude");
    expect(states.find((s) => s.accountId === "ended")?.stopped).toEqual({ reason: "expired", until: null });
    const other = testEnv.ACCOUNT_POOL.getByName(`claude-fresh-${crypto.randomUUID()}`);
    await other.refresh(undefined, "claude");
    expect((await other.status()).find((s) => s.accountId === "ended")?.stopped?.reason).toBe("expired");
  });
});
