// The AccountPool Durable Object and the selection rules it applies.
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { applyOutcome, DEFAULT_HEALTH_POLICY, healthy } from "../../durable-objects/account-pool/health.ts";
import { choose } from "../../durable-objects/account-pool/selection.ts";
import { services } from "../../worker/env.ts";
import { claudeSessionHash, sessionIdFromUserId } from "../../worker/providers/claude/session.ts";
import { accountRecord as account, poolCandidate as candidate, testEnv } from "./helpers.ts";

const NOW = Date.parse("2026-11-23T10:00:00Z");

const request = { model: "claude-sonnet-4-5", exclude: [] as string[] };

describe("selection", () => {
  it("prefers lower priority numbers, then the least recently used", () => {
    const a = candidate(account("a", { priority: 10 }), { health: { ...healthy(), lastUsedAt: 5 } });
    const b = candidate(account("b", { priority: 10 }), { health: { ...healthy(), lastUsedAt: 1 } });
    const c = candidate(account("c", { priority: 5 }), { health: { ...healthy(), lastUsedAt: 9 } });
    expect(choose([a, b, c], request, undefined, NOW)).toMatchObject({ candidate: c, via: "pool" });
    expect(choose([a, b], request, undefined, NOW)).toMatchObject({ candidate: b });
  });

  it("lets the bound account win, then the sticky one, while usable", () => {
    const a = candidate(account("a", { priority: 1 }));
    const b = candidate(account("b", { priority: 99 }));
    const c = candidate(account("c", { priority: 99 }));
    expect(choose([a, b, c], { ...request, boundAccountId: "c" }, "b", NOW)).toMatchObject({
      candidate: c,
      via: "bound",
    });
    expect(choose([a, b, c], request, "b", NOW)).toMatchObject({ candidate: b, via: "sticky" });
    const parkedB = candidate(b.record, {
      health: { ...healthy(), status: "rate-limited", until: NOW + 1000 },
    });
    expect(choose([a, parkedB, c], request, "b", NOW)).toMatchObject({ candidate: a, via: "pool" });
  });

  it("skips unschedulable, inactive, excluded, busy and wrong-model accounts", () => {
    const cands = [
      candidate(account("off", { isActive: false })),
      candidate(account("manual", { schedulable: false })),
      candidate(account("busy", { concurrencyLimit: 2 }), { activeLeases: 2 }),
      candidate(account("haiku", { models: ["claude-haiku*"] })),
      candidate(account("failed")),
    ];
    expect(choose(cands, { ...request, exclude: ["failed"] }, undefined, NOW).candidate).toBeNull();
    expect(
      choose(cands, { ...request, model: "claude-haiku-4-5", exclude: ["failed"] }, undefined, NOW),
    ).toMatchObject({
      candidate: { record: { id: "haiku" } },
    });
  });

  it("says when the first parked account comes back", () => {
    const parked = candidate(account("p"), {
      health: { ...healthy(), status: "overloaded", until: NOW + 60_000 },
    });
    expect(choose([parked], request, undefined, NOW)).toEqual({ candidate: null, backAt: NOW + 60_000 });
    expect(choose([parked], request, undefined, NOW + 60_000).candidate).not.toBeNull();
  });
});

describe("health", () => {
  const policy = DEFAULT_HEALTH_POLICY;
  it("parks on 429 until the reset, on 529 for the overload time, flags 401/403", () => {
    expect(
      applyOutcome(healthy(), { kind: "rate-limited", until: NOW + 5_000 }, policy, NOW).health,
    ).toMatchObject({
      status: "rate-limited",
      until: NOW + 5_000,
    });
    expect(applyOutcome(healthy(), { kind: "overloaded" }, policy, NOW).health.until).toBe(
      NOW + policy.overloadMs,
    );
    const unauthorized = applyOutcome(healthy(), { kind: "unauthorized" }, policy, NOW);
    expect(unauthorized).toMatchObject({ health: { status: "unauthorized" }, changed: true });
  });

  it("enters a temporary error state after repeated 5xx, and success clears the count", () => {
    let health = healthy();
    for (let i = 0; i < policy.errorThreshold - 1; i++)
      health = applyOutcome(health, { kind: "server-error" }, policy, NOW).health;
    expect(health.status).toBe("active");
    expect(applyOutcome(health, { kind: "ok" }, policy, NOW).health.errors).toEqual([]);
    health = applyOutcome(health, { kind: "server-error" }, policy, NOW).health;
    expect(health).toMatchObject({ status: "error", until: NOW + policy.errorParkMs });
  });
});

describe("health under a burst", () => {
  const policy = DEFAULT_HEALTH_POLICY;
  it("does not stretch a park with the failures of requests sent before it", () => {
    let health = healthy();
    for (let i = 0; i < policy.errorThreshold; i++)
      health = applyOutcome(health, { kind: "server-error" }, policy, NOW).health;
    expect(health).toMatchObject({ status: "error", until: NOW + policy.errorParkMs });
    for (let i = 1; i <= 10; i++)
      health = applyOutcome(health, { kind: "server-error" }, policy, NOW + i * 1_000).health;
    expect(health).toMatchObject({ status: "error", until: NOW + policy.errorParkMs });
    // Once the park is over, failures count again.
    const later = NOW + policy.errorParkMs;
    for (let i = 0; i < policy.errorThreshold; i++)
      health = applyOutcome(health, { kind: "server-error" }, policy, later).health;
    expect(health).toMatchObject({ status: "error", until: later + policy.errorParkMs });
  });
});

describe("session hash (as the original computes it)", () => {
  it("uses the session id of metadata.user_id verbatim, in both formats", async () => {
    const json = JSON.stringify({ device_id: "d".repeat(64), account_uuid: "", session_id: "6f1c-aa" });
    expect(sessionIdFromUserId(json)).toBe("6f1c-aa");
    expect(sessionIdFromUserId(`user_${"a".repeat(64)}_account__session_0b2e-11`)).toBe("0b2e-11");
    expect(await claudeSessionHash({ metadata: { user_id: json }, messages: [] })).toBe("6f1c-aa");
  });

  it("hashes cacheable system text, then system text, then the first message", async () => {
    const sha = async (text: string) => {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
      return [...digest]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("")
        .slice(0, 32);
    };
    const system = [
      { type: "text", text: "plain " },
      { type: "text", text: "cached", cache_control: { type: "ephemeral" } },
    ];
    expect(await claudeSessionHash({ system, messages: [{ role: "user", content: "hi" }] })).toBe(
      await sha("cached"),
    );
    const cachedMessage = [
      { role: "user", content: [{ type: "text", text: "q", cache_control: { type: "ephemeral" } }] },
    ];
    expect(await claudeSessionHash({ system, messages: cachedMessage })).toBe(await sha("cachedq"));
    expect(await claudeSessionHash({ system: "sys", messages: [] })).toBe(await sha("sys"));
    expect(await claudeSessionHash({ messages: [{ role: "user", content: "first" }] })).toBe(
      await sha("first"),
    );
    expect(await claudeSessionHash({ messages: [] })).toBeUndefined();
  });
});

describe("AccountPool Durable Object", () => {
  const pool = () => testEnv.ACCOUNT_POOL.getByName(`claude-test-${crypto.randomUUID()}`);
  const { keyspace } = services(testEnv);

  beforeEach(async () => {
    await keyspace.redis.flushall();
  });

  it("holds an account's concurrency limit under 100 parallel acquires", async () => {
    await keyspace.putAccount(account("limited", { concurrencyLimit: 3, priority: 1 }));
    const p = pool();
    const results = await Promise.all(Array.from({ length: 100 }, () => p.acquire("claude", request)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, reason: "all-parked" });
    const states = await p.status();
    expect(states.find((s) => s.accountId === "limited")?.activeLeases).toBe(3);
  });

  it("keeps a conversation on its account and moves it when that account is parked", async () => {
    await keyspace.putAccount(account("one", { priority: 1 }));
    await keyspace.putAccount(account("two", { priority: 1 }));
    const p = pool();
    const first = await p.acquire("claude", { ...request, sessionHash: "s1" });
    if (!first.ok) throw new Error("no account");
    for (let i = 0; i < 5; i++) {
      const again = await p.acquire("claude", { ...request, sessionHash: "s1" });
      expect(again).toMatchObject({ ok: true, via: "sticky", account: { id: first.account.id } });
      if (again.ok) await p.release(again.lease?.id ?? null, again.account.id, { kind: "ok" }, "s1");
    }
    await p.release(
      first.lease?.id ?? null,
      first.account.id,
      { kind: "rate-limited", until: Date.now() + 60_000 },
      "s1",
    );
    const moved = await p.acquire("claude", { ...request, sessionHash: "s1" });
    expect(moved.ok && moved.account.id).not.toBe(first.account.id);
    expect(await p.stickyAccount("s1")).toBe(moved.ok ? moved.account.id : null);
  });

  it("skips a parked account until its reset, then uses it again", async () => {
    await keyspace.putAccount(account("main", { priority: 1 }));
    await keyspace.putAccount(account("spare", { priority: 2 }));
    const p = pool();
    const first = await p.acquire("claude", request);
    if (!first.ok) throw new Error("no account");
    expect(first.account.id).toBe("main");
    await p.release(first.lease?.id ?? null, first.account.id, {
      kind: "rate-limited",
      until: Date.now() + 1_500,
    });
    const during = await p.acquire("claude", request);
    expect(during.ok && during.account.id).toBe("spare");
    expect((await p.status()).find((s) => s.accountId === "main")?.status).toBe("rate-limited");
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const after = await p.acquire("claude", request);
    expect(after.ok && after.account.id).toBe("main");
  });

  it("reclaims an account lease whose Worker never released it", async () => {
    await keyspace.putAccount(account("solo", { concurrencyLimit: 1 }));
    const p = pool();
    expect((await p.acquire("claude", request)).ok).toBe(true);
    expect((await p.acquire("claude", request)).ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await runDurableObjectAlarm(p);
    expect((await p.status())[0]?.activeLeases).toBe(0);
  });

  it("applies the verdict a failing-over acquire carries before its own pick", async () => {
    await keyspace.putAccount(account("flaky", { priority: 1 }));
    await keyspace.putAccount(account("steady", { priority: 2 }));
    const p = pool();
    const firsts = await Promise.all(Array.from({ length: 4 }, () => p.acquire("claude", request)));
    for (const first of firsts) expect(first).toMatchObject({ ok: true, account: { id: "flaky" } });
    // Three of them fail over, each carrying its 500: the third one's pick already sees the park.
    for (const first of firsts.slice(0, 3)) {
      if (!first.ok) throw new Error("no account");
      const next = await p.acquire(
        "claude",
        { ...request, exclude: ["flaky"] },
        { leaseId: first.lease?.id ?? null, accountId: "flaky", outcome: { kind: "server-error" } },
      );
      expect(next).toMatchObject({ ok: true, account: { id: "steady" } });
    }
    const parked = await p.acquire("claude", request);
    expect(parked).toMatchObject({ ok: true, account: { id: "steady" } });
    // Every answer lists what is parked, so a Worker holding an older pick of it can tell.
    expect(parked.parked.accounts).toEqual([{ id: "flaky", until: expect.any(Number) }]);
    expect((await p.status()).find((s) => s.accountId === "flaky")?.status).toBe("error");
  });

  it("says when to come back after a request has tried every account", async () => {
    await keyspace.putAccount(account("limited", { priority: 1 }));
    await keyspace.putAccount(account("flaky", { priority: 2, models: ["claude-sonnet-4-5"] }));
    const p = pool();
    const until = Date.now() + 60_000;
    await p.acquire("claude", request);
    const limited = {
      leaseId: null,
      accountId: "limited",
      outcome: { kind: "rate-limited", until },
    } as const;
    const second = await p.acquire("claude", { ...request, exclude: ["limited"] }, limited);
    expect(second).toMatchObject({ ok: true, account: { id: "flaky" } });
    // The 5xx account is not parked: the client may try again at once.
    const none = await p.acquire(
      "claude",
      { ...request, exclude: ["limited", "flaky"] },
      { leaseId: null, accountId: "flaky", outcome: { kind: "server-error" } },
    );
    expect(none).toMatchObject({ ok: false, reason: "all-parked", retryAfterSeconds: 1 });
    // For a model only the rate-limited one serves: when its reset comes.
    const opus = await p.acquire("claude", { model: "claude-opus-4-1", exclude: ["limited"] });
    expect(opus).toMatchObject({ ok: false, reason: "all-parked" });
    expect(opus.ok || opus.retryAfterSeconds).toBeGreaterThan(55);
  });

  it("answers no-accounts when the platform has none", async () => {
    expect(await pool().acquire("claude", request)).toMatchObject({ ok: false, reason: "no-accounts" });
  });
});
