// Usage per account per day (the Accounts page's 30-day view): GET /admin/usage/series for an
// account by day answers what real requests through the relay recorded, day by day in the relay's
// time zone, from the daily per-account buckets the usage flush writes.
import { beforeEach, describe, expect, it } from "vitest";
import { periodStamps } from "../../worker/usage/periods.ts";
import {
  admin,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsage,
  messages,
  type SentUsage,
  sentFor,
  testEnv,
  waitFor,
} from "./helpers.ts";

interface Point {
  period: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreateTokens: number;
  cacheReadTokens: number;
  allTokens: number;
  cost: number;
}

describe("usage per account per day", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("counts each account's requests, tokens and cost of today, and nothing on the 29 days before", async () => {
    const mine = await createConsoleAccount(token, "cache-read", { name: "mine" });
    const other = await createConsoleAccount(token, "ok", { name: "other", priority: 90 });
    const key = await createKey(token, { boundAccounts: { claude: mine } });
    const sent: (SentUsage | undefined)[] = [];
    for (const content of ["one", "two, a little longer", "three"]) {
      const response = await messages(key.secret, { messages: [{ role: "user", content }] });
      expect(response.status).toBe(200);
      await response.text();
      sent.push(await sentFor(response.headers.get("request-id") ?? response.headers.get("x-request-id")));
    }
    const daily = (id: string) =>
      admin<Point[]>(token, "GET", `/usage/series?owner=account&id=${id}&granularity=daily&points=30`);
    const points = (
      await waitFor(
        () => daily(mine),
        (r) => (r.body.at(-1)?.requests ?? 0) >= 3,
      )
    ).body;
    expect(points).toHaveLength(30);
    const offset = Number(testEnv.TIMEZONE_OFFSET_HOURS ?? 8);
    const today = points.at(-1);
    expect(today?.period).toBe(periodStamps(Date.now(), offset).daily);
    expect(points[0]?.period).toBe(periodStamps(Date.now() - 29 * 86_400_000, offset).daily);
    const sum = (f: (u: SentUsage) => number) => sent.reduce((n, u) => n + (u ? f(u) : Number.NaN), 0);
    expect(today).toMatchObject({
      requests: 3,
      inputTokens: sum((u) => u.input_tokens),
      outputTokens: sum((u) => u.output_tokens),
      cacheReadTokens: sum((u) => u.cache_read_input_tokens),
    });
    // The cost is what the account's own usage counts today; the same figure the key was charged.
    const accountUsage = await admin<{ today: { cost: number } }>(token, "GET", `/accounts/${mine}/usage`);
    expect(today?.cost).toBeGreaterThan(0);
    expect(today?.cost).toBe(accountUsage.body.today.cost);
    const keyCounters = await keyUsage(token, key.id);
    expect(keyCounters.requests).toBe(3);
    expect(today?.cost).toBeCloseTo(keyCounters.costMicroUsd / 1_000_000, 9);
    expect(points.slice(0, -1).every((p) => p.requests === 0 && p.cost === 0)).toBe(true);
    // The other account served nothing.
    expect((await daily(other)).body.every((p) => p.requests === 0)).toBe(true);
  });
});
