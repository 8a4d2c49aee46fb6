// Scheduled account tests (issue 21 item 5): the admin's interval per account, run by the cron
// (only the due ones, a bounded number per run), a capped history per account, and the verdict of
// a scheduled test told to the account's pool like a request's. Also: the test honours the
// account's model mapping. Against the fake upstream; time is the cron's scheduledTime.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { services } from "../../worker/env.ts";
import worker from "../../worker/index.ts";
import {
  admin,
  createConsoleAccount,
  fakeStats,
  freshKeyspace,
  listAccounts,
  testEnv,
  upstreamUrl,
} from "./helpers.ts";

interface TestResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  upstreamModel?: string;
  message?: string;
}

describe("account test and model mapping", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("sends the test's model under the name the account's mapping gives it", async () => {
    const id = await createConsoleAccount(token, "ok", {
      models: ["claude-sonnet-4-5"],
      modelMapping: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" },
    });
    const result = await admin<TestResult>(token, "POST", `/accounts/${id}/test`);
    expect(result.body).toMatchObject({ ok: true, model: "claude-sonnet-4-5" });
    expect((await fakeStats()).lastRequest.body.model).toBe("claude-sonnet-4-5-20250929");
    expect(result.body.upstreamModel).toBe("claude-sonnet-4-5-20250929");
  });
});

interface Run {
  at: string;
  source: "scheduled" | "manual";
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  message?: string;
}
interface History {
  intervalMinutes: number | null;
  nextAt: string | null;
  history: Run[];
}
interface Overview {
  accounts: { accountId: string; intervalMinutes: number | null; nextAt: string | null; last: Run | null }[];
}

const MINUTE = 60_000;

/** One run of the account-test cron at `at` (epoch ms), waited for. */
async function cronAt(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "*/5 * * * *", scheduledTime: at }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

const byScenario = async () =>
  ((await (await fetch(`${upstreamUrl}/__stats`)).json()) as { byScenario: Record<string, number> })
    .byScenario;

describe("scheduled account tests", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  const schedule = (id: string, intervalMinutes: number) =>
    admin<History>(token, "PUT", `/accounts/${id}/test-schedule`, { intervalMinutes });
  const history = async (id: string) => (await admin<History>(token, "GET", `/accounts/${id}/tests`)).body;

  it("runs only the tests that are due, each on its own interval; none for an account without one", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const [fast, slow, never] = [`text-fast${tag}`, `text-slow${tag}`, `text-never${tag}`];
    const fastId = await createConsoleAccount(token, fast);
    const slowId = await createConsoleAccount(token, slow);
    await createConsoleAccount(token, never);
    const t0 = Date.now();
    expect((await schedule(fastId, 15)).body.intervalMinutes).toBe(15);
    expect((await schedule(slowId, 60)).status).toBe(200);
    const counts = async () => {
      const s = await byScenario();
      return [s[fast] ?? 0, s[slow] ?? 0, s[never] ?? 0];
    };
    const ranAt = async (at: number, expected: number[]) => {
      await cronAt(at);
      expect(await counts()).toEqual(expected);
    };
    await ranAt(t0 + MINUTE, [1, 1, 0]); // both due at once when turned on
    await ranAt(t0 + 5 * MINUTE, [1, 1, 0]);
    await ranAt(t0 + 10 * MINUTE, [1, 1, 0]);
    await ranAt(t0 + 16 * MINUTE, [2, 1, 0]); // 15 minutes on: the fast one only
    await ranAt(t0 + 20 * MINUTE, [2, 1, 0]);
    await ranAt(t0 + 62 * MINUTE, [3, 2, 0]);
    const fastHistory = await history(fastId);
    expect(fastHistory.history).toHaveLength(3);
    expect(fastHistory.history.every((r) => r.ok && r.status === 200 && r.source === "scheduled")).toBe(true);
    expect(Date.parse(fastHistory.nextAt ?? "")).toBe(t0 + 62 * MINUTE + 15 * MINUTE);
    // Off: never again.
    expect((await schedule(fastId, 0)).body).toMatchObject({ intervalMinutes: null, nextAt: null });
    await ranAt(t0 + 200 * MINUTE, [3, 3, 0]);
    const overview = (await admin<Overview>(token, "GET", "/account-tests")).body.accounts;
    expect(overview.find((a) => a.accountId === slowId)).toMatchObject({
      intervalMinutes: 60,
      last: { ok: true },
    });
    expect(overview.find((a) => a.accountId === fastId)).toMatchObject({
      intervalMinutes: null,
      last: { ok: true },
    });
  });

  it("tests at most 8 accounts per run, the rest on the next run", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await createConsoleAccount(token, "ok", { name: `acct-${i}` }));
    const t0 = Date.now();
    for (const id of ids) await schedule(id, 15);
    const tested = async () =>
      (await Promise.all(ids.map(history))).filter((h) => h.history.length > 0).length;
    await cronAt(t0 + MINUTE);
    expect(await tested()).toBe(8);
    await cronAt(t0 + MINUTE);
    expect(await tested()).toBe(10);
  });

  it("keeps the last 50 results of an account, newest first, the admin's tests among them", async () => {
    const id = await createConsoleAccount(token, "ok");
    const t0 = Date.now();
    await schedule(id, 15);
    for (let run = 0; run < 53; run++) await cronAt(t0 + run * 15 * MINUTE + MINUTE);
    expect((await admin(token, "POST", `/accounts/${id}/test`)).status).toBe(200);
    const { history: runs } = await history(id);
    expect(runs).toHaveLength(50);
    expect(runs[0]?.source).toBe("manual");
    expect(runs.slice(1).every((r) => r.source === "scheduled")).toBe(true);
    const times = runs.map((r) => Date.parse(r.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("tells the pool a failed scheduled test's verdict, as a failed request would", async () => {
    const unauthorized = await createConsoleAccount(token, "401");
    const limited = await createConsoleAccount(token, "429");
    const fine = await createConsoleAccount(token, "ok");
    // The admin's own test leaves the account as it was.
    expect((await admin<TestResult>(token, "POST", `/accounts/${unauthorized}/test`)).body.ok).toBe(false);
    const statusOf = async (id: string) =>
      (await listAccounts(token)).find((a) => a.id === id)?.health.status;
    expect(await statusOf(unauthorized)).toBe("active");
    const t0 = Date.now();
    for (const id of [unauthorized, limited, fine]) await schedule(id, 30);
    await cronAt(t0 + MINUTE);
    expect(await statusOf(unauthorized)).toBe("unauthorized");
    expect(await statusOf(limited)).toBe("rate-limited");
    expect(await statusOf(fine)).toBe("active");
    const [last] = (await history(unauthorized)).history;
    expect(last).toMatchObject({ source: "scheduled", ok: false, status: 401 });
    expect(last?.message).toBeTruthy();
  });

  it("refuses an interval outside 15 minutes to 24 hours, and an unknown account", async () => {
    const id = await createConsoleAccount(token, "ok");
    for (const intervalMinutes of [5, 14, 1441, -1, 1.5])
      expect((await schedule(id, intervalMinutes)).status).toBe(400);
    expect((await schedule(id, 1440)).status).toBe(200);
    expect((await admin(token, "PUT", "/accounts/nope/test-schedule", { intervalMinutes: 60 })).status).toBe(
      404,
    );
    expect((await admin(token, "GET", "/accounts/nope/tests")).status).toBe(404);
  });

  it("drops the schedule and history of a deleted account", async () => {
    const id = await createConsoleAccount(token, "ok");
    const t0 = Date.now();
    await schedule(id, 15);
    expect((await admin(token, "POST", `/accounts/${id}/test`)).status).toBe(200);
    expect((await admin(token, "DELETE", `/accounts/${id}`)).status).toBe(200);
    // Its tests go with it at once: a new account of the same id would not inherit them.
    expect(await services(testEnv).keyspace.accountTests.history(id)).toEqual([]);
    await cronAt(t0 + MINUTE);
    expect(await services(testEnv).keyspace.accountTests.claimDue(t0 + 10_000 * MINUTE, 10)).toEqual([]);
  });
});
