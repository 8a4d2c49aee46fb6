// POST /admin/accounts/:id/test: one tiny request through the account, against the fake upstream.
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createConsoleAccount, freshKeyspace, upstreamUrl } from "./helpers.ts";

interface TestResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  message?: string;
}

describe("account test-connection", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("answers ok with the upstream's status and latency for a working account", async () => {
    const id = await createConsoleAccount(token, "ok");
    const before = (await (await fetch(`${upstreamUrl}/__stats`)).json()) as { requests: number };
    const result = await admin<TestResult>(token, "POST", `/accounts/${id}/test`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ ok: true, status: 200, model: "claude-haiku-4-5" });
    expect(result.body.latencyMs).toBeGreaterThanOrEqual(0);
    const after = (await (await fetch(`${upstreamUrl}/__stats`)).json()) as { requests: number };
    expect(after.requests).toBeGreaterThan(before.requests);
  });

  it("reports a 401 with the upstream's message and never the credential", async () => {
    const apiKey = `sk-ant-secret-${crypto.randomUUID()}`;
    const id = await createConsoleAccount(token, "401", { apiKey, models: ["claude-sonnet-4-5"] });
    const result = await admin<TestResult>(token, "POST", `/accounts/${id}/test`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ ok: false, status: 401, model: "claude-sonnet-4-5" });
    expect(result.body.message).toBeTruthy();
    expect(JSON.stringify(result.body)).not.toContain(apiKey);
    // A test is not traffic: the account stays schedulable.
    const accounts = await admin<{ accounts: { id: string; health: { status: string } }[] }>(
      token,
      "GET",
      "/accounts",
    );
    expect(accounts.body.accounts.find((a) => a.id === id)?.health.status).toBe("active");
  });

  it("404s for an unknown account", async () => {
    expect((await admin(token, "POST", "/accounts/nope/test")).status).toBe(404);
  });
});
