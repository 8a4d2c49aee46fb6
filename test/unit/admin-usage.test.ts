// The admin usage API: summary, series, top lists and per-account usage return what the relay
// recorded, in the right hour and day buckets of the relay time zone.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { UsageCounters } from "../../worker/keyspace/store.ts";
import { periodStamps } from "../../worker/usage/periods.ts";
import { admin, BASE, createConsoleAccount, createKey, freshKeyspace, messages, waitFor } from "./helpers.ts";

const SONNET = "claude-sonnet-4-5";
const HAIKU = "claude-haiku-4-5";
const OFFSET_HOURS = 8;

type Usage = UsageCounters & { allTokens: number; cost: number };
type Point = Usage & { period: string };
type TopEntry = Usage & { id: string; name: string | null };
interface Summary {
  today: Usage;
  month: Usage;
  total: Usage;
  periods: { today: string; month: string };
  keys: { total: number };
  accounts: { total: number };
}

let token: string;
let accountId: string;
let alpha: { id: string; secret: string };
let beta: { id: string; secret: string };
const recorded: Record<string, UsageCounters> = {};

async function send(secret: string, model: string, content: string) {
  const response = await messages(secret, { model, messages: [{ role: "user", content }] });
  expect(response.status).toBe(200);
  await response.text();
}

beforeAll(async () => {
  token = await freshKeyspace();
  accountId = await createConsoleAccount(token, "ok");
  alpha = await createKey(token, { name: "alpha" });
  beta = await createKey(token, { name: "beta" });
  await send(alpha.secret, SONNET, "First question about something");
  await send(alpha.secret, SONNET, "Second");
  await send(alpha.secret, SONNET, "Third question, a little longer than the others");
  await send(beta.secret, HAIKU, "Hi");
  const summary = await waitFor(
    async () => (await admin<Summary>(token, "GET", "/usage/summary")).body,
    (s) => s.today.requests === 4,
  );
  expect(summary.today.requests).toBe(4);
  for (const key of [alpha, beta]) {
    recorded[key.id] = (
      await admin<{ total: UsageCounters }>(token, "GET", `/keys/${key.id}/usage`)
    ).body.total;
  }
});

function sum(values: UsageCounters[], field: keyof UsageCounters): number {
  return values.reduce((total, v) => total + v[field], 0);
}

describe("admin usage summary", () => {
  it("has today, this month and all time for the whole relay, and the key and account counts", async () => {
    const { status, body } = await admin<Summary>(token, "GET", "/usage/summary");
    expect(status).toBe(200);
    const keys = Object.values(recorded);
    const expected = {
      requests: 4,
      inputTokens: sum(keys, "inputTokens"),
      outputTokens: sum(keys, "outputTokens"),
      costMicroUsd: sum(keys, "costMicroUsd"),
      cost: sum(keys, "costMicroUsd") / 1e6,
    };
    expect(expected.costMicroUsd).toBeGreaterThan(0);
    expect(body.today).toMatchObject(expected);
    expect(body.month).toMatchObject(expected);
    expect(body.total).toMatchObject(expected);
    expect(body.total.allTokens).toBe(
      body.total.inputTokens +
        body.total.outputTokens +
        body.total.cacheCreateTokens +
        body.total.cacheReadTokens,
    );
    const stamps = periodStamps(Date.now(), OFFSET_HOURS);
    expect(body.periods).toEqual({ today: stamps.daily, month: stamps.monthly });
    expect(body.keys).toEqual({ total: 2 });
    expect(body.accounts).toEqual({ total: 1 });
  });

  it("needs an admin token", async () => {
    const response = await SELF.fetch(`${BASE}/admin/usage/summary`);
    expect(response.status).toBe(401);
  });
});

describe("admin usage series", () => {
  async function series(query: string) {
    const before = Date.now();
    const answer = await admin<Point[]>(token, "GET", `/usage/series?${query}`);
    return { ...answer, before, after: Date.now() };
  }

  it("has 24 hourly points by default, oldest first, ending with the current hour", async () => {
    const { status, body, before, after } = await series("owner=system&granularity=hourly");
    expect(status).toBe(200);
    expect(body).toHaveLength(24);
    const periods = body.map((p) => p.period);
    expect([...periods].sort()).toEqual(periods);
    expect(new Set(periods).size).toBe(24);
    expect([periodStamps(before, OFFSET_HOURS).hourly, periodStamps(after, OFFSET_HOURS).hourly]).toContain(
      periods.at(-1),
    );
    expect(sum(body, "requests")).toBe(4);
    expect(sum(body, "costMicroUsd")).toBe(sum(Object.values(recorded), "costMicroUsd"));
    // The requests were all sent within the last minute: in the current (or, at most, previous) hour.
    expect(body.slice(0, -2).every((p) => p.requests === 0)).toBe(true);
  });

  it("has daily points per key, model and account", async () => {
    const today = periodStamps(Date.now(), OFFSET_HOURS).daily;
    const system = await series("owner=system&granularity=daily&points=7");
    expect(system.body).toHaveLength(7);
    expect(system.body.at(-1)).toMatchObject({ period: today, requests: 4 });
    expect(system.body.slice(0, -1).every((p) => p.requests === 0)).toBe(true);

    const defaults = await series("granularity=daily");
    expect(defaults.body).toHaveLength(30);

    const a = await series(`owner=key&id=${alpha.id}&granularity=daily&points=3`);
    expect(a.body.at(-1)).toMatchObject({
      period: today,
      requests: 3,
      inputTokens: recorded[alpha.id]?.inputTokens,
      costMicroUsd: recorded[alpha.id]?.costMicroUsd,
    });
    const b = await series(`owner=key&id=${beta.id}&granularity=daily&points=3`);
    expect(b.body.at(-1)).toMatchObject({
      period: today,
      requests: 1,
      costMicroUsd: recorded[beta.id]?.costMicroUsd,
    });

    const haiku = await series(`owner=model&id=${HAIKU}&granularity=hourly&points=3`);
    expect(sum(haiku.body, "requests")).toBe(1);
    const account = await series(`owner=account&id=${accountId}&granularity=daily&points=1`);
    expect(account.body).toEqual([expect.objectContaining({ period: today, requests: 4 })]);
  });

  it("refuses bad queries", async () => {
    for (const query of [
      "granularity=hourly&points=201",
      "granularity=hourly&points=0",
      "owner=key&granularity=daily",
      "owner=nobody",
      "granularity=weekly",
    ]) {
      const { status } = await series(query);
      expect(status, query).toBe(400);
    }
    expect((await series("granularity=hourly&points=200")).body).toHaveLength(200);
  });
});

describe("admin usage top lists", () => {
  const byCost = (a: UsageCounters, b: UsageCounters) =>
    b.costMicroUsd - a.costMicroUsd || b.requests - a.requests;

  it("ranks keys by cost, then requests, with their names", async () => {
    const { status, body } = await admin<TopEntry[]>(token, "GET", "/usage/top?owner=key&period=today");
    expect(status).toBe(200);
    const expected = [
      { id: alpha.id, name: "alpha", ...recorded[alpha.id] },
      { id: beta.id, name: "beta", ...recorded[beta.id] },
    ].sort((a, b) => byCost(a as UsageCounters, b as UsageCounters));
    expect(
      body.map((e) => ({ id: e.id, name: e.name, requests: e.requests, costMicroUsd: e.costMicroUsd })),
    ).toEqual(
      expected.map((e) => ({ id: e.id, name: e.name, requests: e.requests, costMicroUsd: e.costMicroUsd })),
    );
    const one = await admin<TopEntry[]>(token, "GET", "/usage/top?owner=key&period=total&limit=1");
    expect(one.body).toHaveLength(1);
    expect(one.body[0]?.id).toBe(expected[0]?.id);
  });

  it("ranks models and accounts", async () => {
    const models = await admin<TopEntry[]>(token, "GET", "/usage/top?owner=model&period=month");
    expect(models.body.map((m) => [m.id, m.requests]).sort()).toEqual([
      [HAIKU, 1],
      [SONNET, 3],
    ]);
    const costs = models.body.map((m) => m.costMicroUsd);
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
    expect(models.body[0]?.name).toBe(models.body[0]?.id);

    const accounts = await admin<TopEntry[]>(token, "GET", "/usage/top?owner=account&period=total");
    expect(accounts.body).toEqual([expect.objectContaining({ id: accountId, name: "acct-ok", requests: 4 })]);
  });

  it("refuses an unknown owner or period", async () => {
    expect((await admin(token, "GET", "/usage/top?owner=system")).status).toBe(400);
    expect((await admin(token, "GET", "/usage/top?period=week")).status).toBe(400);
    expect((await admin(token, "GET", "/usage/top?limit=0")).status).toBe(400);
  });
});

describe("admin account usage", () => {
  it("has the account's total, today and month", async () => {
    const { status, body } = await admin<{ total: Usage; today: Usage; month: Usage }>(
      token,
      "GET",
      `/accounts/${accountId}/usage`,
    );
    expect(status).toBe(200);
    const cost = sum(Object.values(recorded), "costMicroUsd");
    for (const period of [body.total, body.today, body.month]) {
      expect(period).toMatchObject({ requests: 4, costMicroUsd: cost, cost: cost / 1e6 });
    }
  });

  it("answers 404 for an unknown account", async () => {
    expect((await admin(token, "GET", "/accounts/no-such-account/usage")).status).toBe(404);
  });
});
