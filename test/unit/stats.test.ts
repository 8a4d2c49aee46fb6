// The public stats API (/apiStats, the original service's paths): a key owner reads their own
// usage, limits and per-model usage with the key alone; ids alone and wrong keys get nothing.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { services } from "../../worker/env.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { batchOps } from "../../worker/keyspace/usage-batch.ts";
import { STATS_MAX_FAILURES } from "../../worker/routes/stats-throttle.ts";
import { type UsageRecord, usageIncrements } from "../../worker/usage/aggregate.ts";
import { periodStamps } from "../../worker/usage/periods.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsageReport,
  messages,
  testEnv,
  waitFor,
} from "./helpers.ts";

const SONNET = "claude-sonnet-4-5";
const HAIKU = "claude-haiku-4-5";

let token: string;
let key: { id: string; secret: string };

interface UsageOut {
  requests: number;
  tokens: number;
  allTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  cost: number;
  formattedCost: string;
}
interface DayOut {
  date: string;
  requests: number;
  tokens: number;
  allTokens: number;
  cost: number;
}
interface UserStats {
  id: string;
  usage: { total: UsageOut; today: UsageOut; month: UsageOut };
  limits: Record<string, unknown> & { windowCost: number; windowEndsAt: string | null };
  daily: DayOut[];
}
interface ModelRow extends Omit<UsageOut, "tokens"> {
  model: string;
}
interface StatsBody<T> {
  success: boolean;
  data: T;
  period?: string;
  error?: string;
  message?: string;
}

async function stats<T = unknown>(path: string, body: unknown, ip = "198.51.100.1") {
  const response = await SELF.fetch(`${BASE}/apiStats/api/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as StatsBody<T>,
  };
}

beforeAll(async () => {
  token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
  key = await createKey(token, {
    name: "alice",
    limits: {
      dailyCostLimit: 50,
      concurrencyLimit: 4,
      rateLimitWindowMinutes: 60,
      rateLimitRequests: 1000,
    },
  });
  const sent = [
    { model: SONNET, content: "Hi" },
    { model: SONNET, content: "Tell me about the weather in a few words please" },
    { model: SONNET, content: "One more" },
    { model: HAIKU, content: "Hello there" },
    { model: HAIKU, content: "Short" },
  ];
  for (const { model, content } of sent) {
    const response = await messages(key.secret, { model, messages: [{ role: "user", content }] });
    expect(response.status).toBe(200);
    await response.text();
  }
  const usage = await waitFor(
    () => keyUsageReport(token, key.id),
    (u) => u.total.requests === sent.length,
  );
  expect(usage.total.requests).toBe(sent.length);
});

describe("public stats: the key's own numbers", () => {
  it("get-key-id answers the key's id", async () => {
    const answer = await stats("get-key-id", { apiKey: key.secret });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, data: { id: key.id } });
  });

  it("user-stats shows what was recorded: totals, today, month, limits and 30 days", async () => {
    const recorded = await keyUsageReport(token, key.id);
    expect(recorded.total.costMicroUsd).toBeGreaterThan(0);
    const answer = await stats<UserStats>("user-stats", { apiKey: key.secret });
    expect(answer.status).toBe(200);
    expect(answer.body.success).toBe(true);
    const data = answer.body.data;
    expect(data).toMatchObject({
      id: key.id,
      name: "alice",
      isActive: true,
      expiresAt: null,
      permissions: [],
    });
    const t = recorded.total;
    const expected = {
      requests: 5,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      cacheCreateTokens: t.cacheCreateTokens,
      cacheReadTokens: t.cacheReadTokens,
      tokens: t.inputTokens + t.outputTokens,
      allTokens: t.inputTokens + t.outputTokens + t.cacheCreateTokens + t.cacheReadTokens,
      cost: t.costMicroUsd / 1e6,
    };
    expect(data.usage.total).toMatchObject(expected);
    expect(data.usage.today).toMatchObject(expected);
    expect(data.usage.month).toMatchObject(expected);
    expect(data.usage.total.formattedCost).toMatch(/^\$\d+\.\d+$/);

    expect(data.limits).toMatchObject({
      dailyCostLimit: 50,
      concurrencyLimit: 4,
      rateLimitWindowMinutes: 60,
      rateLimitRequests: 1000,
      currentDailyCost: expected.cost,
      currentTotalCost: expected.cost,
      windowRequests: 5,
      windowTokens: expected.allTokens,
      activeRequests: 0,
    });
    expect(data.limits.windowCost).toBeCloseTo(expected.cost, 9);
    expect(Date.parse(data.limits.windowEndsAt ?? "")).toBeGreaterThan(Date.now());

    expect(data.daily).toHaveLength(30);
    const today = periodStamps(Date.now(), 8).daily;
    expect(data.daily.at(-1)).toEqual({
      date: today,
      requests: 5,
      tokens: expected.tokens,
      allTokens: expected.allTokens,
      cost: expected.cost,
    });
    const dates = data.daily.map((d) => d.date);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(30);
    expect(data.daily.slice(0, -1).every((d) => d.requests === 0)).toBe(true);
  });

  it("user-model-stats splits the key's usage per model, for the day, the month and all time", async () => {
    const { keyspace } = services(testEnv);
    // This is the only key, so its per-model usage is each model's whole usage.
    const byModel = {
      [SONNET]: await keyspace.getUsage("model", SONNET, { kind: "total" }),
      [HAIKU]: await keyspace.getUsage("model", HAIKU, { kind: "total" }),
    };
    expect(byModel[SONNET].requests).toBe(3);
    expect(byModel[HAIKU].requests).toBe(2);
    for (const period of ["daily", "monthly", "alltime"]) {
      const answer = await stats<ModelRow[]>("user-model-stats", { apiKey: key.secret, period });
      expect(answer.status).toBe(200);
      expect(answer.body.success).toBe(true);
      expect(answer.body.data).toHaveLength(2);
      for (const row of answer.body.data) {
        const c = byModel[row.model as keyof typeof byModel];
        expect(c).toBeDefined();
        if (!c) continue;
        expect(row).toMatchObject({
          requests: c.requests,
          inputTokens: c.inputTokens,
          outputTokens: c.outputTokens,
          cacheCreateTokens: c.cacheCreateTokens,
          cacheReadTokens: c.cacheReadTokens,
          allTokens: c.inputTokens + c.outputTokens + c.cacheCreateTokens + c.cacheReadTokens,
          cost: c.costMicroUsd / 1e6,
        });
      }
      const costs = answer.body.data.map((row) => row.cost);
      expect([...costs].sort((a, b) => b - a)).toEqual(costs);
    }
    const fallback = await stats("user-model-stats", { apiKey: key.secret });
    expect(fallback.body.period).toBe("monthly");
    const bad = await stats("user-model-stats", { apiKey: key.secret, period: "weekly" });
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
  });

  it("a key that has not been used has zeros and no models", async () => {
    const idle = await createKey(token, { name: "idle" });
    const answer = await stats<UserStats>("user-stats", { apiKey: idle.secret });
    expect(answer.status).toBe(200);
    expect(answer.body.data.usage.total).toMatchObject({ requests: 0, cost: 0, formattedCost: "$0.000000" });
    expect(answer.body.data.limits).toMatchObject({ windowRequests: 0, windowEndsAt: null });
    const models = await stats("user-model-stats", { apiKey: idle.secret, period: "daily" });
    expect(models.body).toEqual({ success: true, data: [], period: "daily" });
  });
});

describe("public stats: nothing without the key", () => {
  it("answers a wrong key, an unknown key, a bare apiId and no key with the same 401", async () => {
    const ip = "198.51.100.2";
    for (const path of ["get-key-id", "user-stats", "user-model-stats"]) {
      const answers = [
        await stats(path, { apiKey: `cr_${"0".repeat(64)}` }, ip),
        await stats(path, { apiKey: "not-a-key" }, ip),
        await stats(path, { apiId: key.id }, ip),
        await stats(path, {}, ip),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(answers[0]?.body);
      }
      expect(answers[0]?.body.success).toBe(false);
      expect(answers[0]?.body.error).toMatch(/apiKey/);
      expect(JSON.stringify(answers[2]?.body)).not.toContain(key.id);
    }
  });

  it("tells the holder of a disabled key that it is disabled", async () => {
    const disabled = await createKey(token, { name: "off" });
    expect((await admin(token, "POST", `/keys/${disabled.id}/disable`)).status).toBe(200);
    const answer = await stats("user-stats", { apiKey: disabled.secret }, "198.51.100.3");
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ success: false, error: "API key is disabled" });
  });

  it(`refuses an address after ${STATS_MAX_FAILURES} failed lookups with 429 and retry-after`, async () => {
    const ip = "203.0.113.7";
    for (let i = 0; i < STATS_MAX_FAILURES; i++) {
      const answer = await stats("user-stats", { apiKey: `cr_${i.toString(16).padStart(64, "f")}` }, ip);
      expect(answer.status).toBe(401);
    }
    const refused = await stats("user-stats", { apiKey: `cr_${"e".repeat(64)}` }, ip);
    expect(refused.status).toBe(429);
    expect(refused.body.success).toBe(false);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // The right key from that address waits too; other addresses are not affected.
    expect((await stats("user-stats", { apiKey: key.secret }, ip)).status).toBe(429);
    expect((await stats("user-stats", { apiKey: key.secret }, "203.0.113.8")).status).toBe(200);
  });
});

describe("per-key, per-model aggregates", () => {
  const record: UsageRecord = {
    requestId: "req-1",
    keyId: "k1",
    accountId: "a1",
    model: SONNET,
    platform: "claude",
    status: 200,
    startedAt: Date.parse("2026-11-23T20:30:00Z"),
    durationMs: 100,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
    },
    costMicroUsd: 42,
  };

  it("are kept for all time, the day and the month (relay time zone), not per hour", () => {
    const buckets = usageIncrements(record, 8)
      .filter((inc) => inc.owner === "key-model")
      .map((inc) => [inc.ownerId, inc.period]);
    expect(buckets).toEqual([
      [`k1|${SONNET}`, { kind: "total" }],
      [`k1|${SONNET}`, { kind: "monthly", stamp: "2026-11" }],
      [`k1|${SONNET}`, { kind: "daily", stamp: "2026-11-24" }],
    ]);
  });

  it("index the key's models in a set of its own", () => {
    const ops = batchOps([record], 8);
    expect(ops).toContainEqual(["sadd", keys.keyModelIndex("k1"), SONNET]);
    expect(ops.filter((op) => op[0] === "sadd" && op[1] === keys.usageIndex("key-model"))).toEqual([]);
    expect(ops).toContainEqual([
      "hincrby",
      keys.usage("key-model", `k1|${SONNET}`, { kind: "total" }),
      "costMicroUsd",
      42,
    ]);
  });
});
