// Failed requests reach the dashboard's recent-errors list through the usage write-behind.
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createConsoleAccount, createKey, freshKeyspace, messages, waitFor } from "./helpers.ts";

interface RecentError {
  requestId: string;
  keyId: string;
  keyName: string | null;
  accountId?: string;
  accountName: string | null;
  model: string;
  status: number;
  errorType: string;
  message: string;
}

describe("recent errors", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  const recent = async () =>
    (await admin<{ errors: RecentError[] }>(token, "GET", "/errors/recent")).body.errors;

  it("lists an upstream failure and a relay refusal, newest first, with names and no secrets", async () => {
    const apiKey = `sk-ant-secret-${crypto.randomUUID()}`;
    const accountId = await createConsoleAccount(token, "401", { apiKey, name: "broken-acct" });
    const key = await createKey(token, { name: "failing-key" });
    const ok = await createKey(token, { name: "fine-key" });

    const failed = await messages(key.secret, {});
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const errors = await waitFor(recent, (e) => e.length >= 1);
    expect(errors[0]).toMatchObject({
      keyId: key.id,
      keyName: "failing-key",
      model: "claude-sonnet-4-5",
      status: failed.status,
    });
    expect(errors[0]?.errorType).toBeTruthy();

    // The account is now parked: the next request is refused by the relay itself.
    const refused = await messages(key.secret, { messages: [{ role: "user", content: "again" }] });
    expect(refused.status).toBe(503);
    const both = await waitFor(recent, (e) => e.length >= 2);
    expect(both[0]).toMatchObject({ status: 503, errorType: "accounts_unavailable", keyName: "failing-key" });
    expect(both[0]?.message).toContain("No available claude accounts");
    expect(both.map((e) => e.accountId)).toContain(accountId);
    expect(JSON.stringify(both)).not.toContain(apiKey);
    expect(JSON.stringify(both)).not.toContain(key.secret);
    expect(both.some((e) => e.keyId === ok.id)).toBe(false);
  });

  it("does not list successful requests", async () => {
    await createConsoleAccount(token, "ok");
    const key = await createKey(token);
    expect((await messages(key.secret, {})).status).toBe(200);
    const usage = await waitFor(
      async () => (await admin<{ total: { requests: number } }>(token, "GET", `/keys/${key.id}/usage`)).body,
      (u) => u.total.requests >= 1,
    );
    expect(usage.total.requests).toBe(1);
    expect(await recent()).toEqual([]);
  });
});
