// /admin/usage/breakdown: series per model / account / key for the dashboard's stacked charts.
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createConsoleAccount, createKey, freshKeyspace, messages, waitFor } from "./helpers.ts";

interface Breakdown {
  periods: string[];
  series: {
    id: string;
    name: string | null;
    points: { requests: number; allTokens: number; cost: number }[];
  }[];
}

describe("usage breakdown", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("splits requests by model and by account, top first, the rest as other", async () => {
    await createConsoleAccount(token, "ok", { name: "only-account" });
    const key = await createKey(token, { name: "k1" });
    for (const [i, model] of ["claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"].entries())
      expect(
        (await messages(key.secret, { model, messages: [{ role: "user", content: `m${i}` }] })).status,
      ).toBe(200);

    const byModel = await waitFor(
      async () => (await admin<Breakdown>(token, "GET", "/usage/breakdown?owner=model")).body,
      (b) => b.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.requests, 0), 0) >= 3,
    );
    expect(byModel.periods).toHaveLength(24);
    const total = (id: string) =>
      byModel.series.find((s) => s.id === id)?.points.reduce((n, p) => n + p.requests, 0);
    expect(total("claude-sonnet-4-5")).toBe(2);
    expect(total("claude-haiku-4-5")).toBe(1);
    expect(byModel.series[0]?.name).toBe(byModel.series[0]?.id);

    const limited = await admin<Breakdown>(
      token,
      "GET",
      "/usage/breakdown?owner=model&limit=1&granularity=daily",
    );
    expect(limited.body.periods).toHaveLength(30);
    expect(limited.body.series.map((s) => s.id)).toEqual([byModel.series[0]?.id, "other"]);

    const byAccount = await admin<Breakdown>(token, "GET", "/usage/breakdown?owner=account");
    expect(byAccount.body.series.map((s) => s.name)).toEqual(["only-account"]);
    const byKey = await admin<Breakdown>(token, "GET", "/usage/breakdown?owner=key");
    expect(byKey.body.series.map((s) => s.name)).toEqual(["k1"]);
  });
});
