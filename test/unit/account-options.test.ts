// The account options of issue 19 (other clients, 5-hour stop, daily cost limit, subscription end)
// through the admin API: every kind takes them on create and update, validated; the list shows
// the pool's state for them in the account's health.
import { beforeEach, describe, expect, it } from "vitest";
import { accountHealth } from "../../worker/admin/account-health.ts";
import {
  admin,
  createAccount,
  createKey,
  freshKeyspace,
  listAccounts,
  messages,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

let token: string;

beforeEach(async () => {
  token = await freshKeyspace();
});

const OPTIONS = {
  allowOtherClients: true,
  stopAt5hPercent: 80,
  dailyCostLimitUsd: 12.5,
  subscriptionExpiresAt: "2027-03-01T00:00:00.000Z",
};

/** A create body for every account kind, with `extra` spread in. */
const KINDS: Record<string, Record<string, unknown>> = {
  "claude-console": { apiKey: "sk-ant-options" },
  "claude-oauth/import": { accessToken: "sk-ant-oat-options", expiresAt: Date.now() + 3_600_000 },
  "gemini-api": { apiKey: "AIza-options" },
  "gemini-oauth/import": { accessToken: "ya29.options", expiresAt: Date.now() + 3_600_000, projectId: "p-1" },
  "openai-api": { apiKey: "sk-proj-options" },
  "openai-oauth/import": {
    accessToken: "eyJ.options",
    expiresAt: Date.now() + 3_600_000,
    chatgptAccountId: "acc",
  },
  "azure-openai": { apiKey: "azure-options", endpoint: `${upstreamUrl}/s/ok`, deployment: "gpt4o" },
  bedrock: { accessKeyId: "AKIAOPTIONS", secretAccessKey: "secret", region: "us-east-1" },
  droid: { apiKey: "fk-options" },
};

describe("account options on create", () => {
  for (const [kind, body] of Object.entries(KINDS)) {
    it(`${kind} stores the four options given`, async () => {
      const account = await createAccount(token, kind, { name: kind, ...body, ...OPTIONS });
      expect(account).toMatchObject(OPTIONS);
    });
  }

  it("defaults: Claude Code only, no stop, no quota, no end", async () => {
    const account = await createAccount(token, "claude-console", { name: "plain", apiKey: "sk-ant-x" });
    expect(account).toMatchObject({
      allowOtherClients: false,
      stopAt5hPercent: 0,
      dailyCostLimitUsd: 0,
      subscriptionExpiresAt: null,
    });
  });

  it.each([
    ["stopAt5hPercent", 101],
    ["stopAt5hPercent", -1],
    ["dailyCostLimitUsd", -0.01],
    ["subscriptionExpiresAt", "next march"],
    ["subscriptionExpiresAt", "2027-03-01"],
    ["allowOtherClients", "yes"],
  ])("refuses %s = %j with a 400 naming it", async (field, value) => {
    const created = await admin<{ error: { message: string } }>(token, "POST", "/accounts/claude-console", {
      name: "bad",
      apiKey: "sk-ant-x",
      [field]: value,
    });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toContain(field);
  });
});

describe("account options on update", () => {
  it("changes each option and clears the subscription end with null", async () => {
    const { id } = await createAccount(token, "claude-oauth/import", {
      name: "sub",
      accessToken: "sk-ant-oat-u",
      expiresAt: Date.now() + 3_600_000,
    });
    const updated = await admin<{ account: Record<string, unknown> }>(
      token,
      "PATCH",
      `/accounts/${id}`,
      OPTIONS,
    );
    expect(updated.status).toBe(200);
    expect(updated.body.account).toMatchObject(OPTIONS);

    const cleared = await admin<{ account: Record<string, unknown> }>(token, "PATCH", `/accounts/${id}`, {
      subscriptionExpiresAt: null,
      stopAt5hPercent: 0,
    });
    expect(cleared.body.account).toMatchObject({
      ...OPTIONS,
      subscriptionExpiresAt: null,
      stopAt5hPercent: 0,
    });
    const [listed] = await listAccounts(token);
    expect(listed).toMatchObject({ ...OPTIONS, subscriptionExpiresAt: null, stopAt5hPercent: 0 });
  });

  it("refuses an out-of-range option and keeps the stored one", async () => {
    const { id } = await createAccount(token, "openai-api", {
      name: "o",
      apiKey: "sk-proj-x",
      stopAt5hPercent: 50,
    });
    const refused = await admin(token, "PATCH", `/accounts/${id}`, { stopAt5hPercent: 150 });
    expect(refused.status).toBe(400);
    const [listed] = await listAccounts(token);
    expect(listed?.stopAt5hPercent).toBe(50);
  });
});

describe("account health in the list", () => {
  it("carries windows, family parks, cost today and the stop reason", async () => {
    await createAccount(token, "claude-console", { name: "h", apiKey: "sk-ant-h" });
    const [listed] = await listAccounts(token);
    expect(listed?.health).toEqual({
      status: "active",
      until: null,
      activeLeases: 0,
      lastUsedAt: null,
      windows: null,
      familyParks: [],
      costTodayUsd: 0,
      balanceLeftUsd: null,
      stopped: null,
    });
  });
});

describe("accountHealth", () => {
  it("puts the pool's epoch-ms state in ISO times, leaving out windows not stated", () => {
    const at = Date.parse("2026-12-07T10:00:00Z");
    const health = accountHealth({
      accountId: "a",
      status: "active",
      until: null,
      activeLeases: 2,
      lastUsedAt: at,
      windows: {
        at,
        fiveHour: {
          utilization: 0.92,
          resetAt: Date.parse("2026-12-07T12:00:00Z"),
          status: "allowed_warning",
        },
        sevenDayOpus: { utilization: 0.3, resetAt: null, status: null },
      },
      familyParks: [{ family: "sonnet", until: Date.parse("2026-12-10T00:00:00Z") }],
      costTodayUsd: 3.25,
      balanceLeftUsd: 12.5,
      stopped: { reason: "window", until: Date.parse("2026-12-07T12:00:00Z") },
    });
    expect(health).toEqual({
      status: "active",
      until: null,
      activeLeases: 2,
      lastUsedAt: "2026-12-07T10:00:00.000Z",
      windows: {
        at: "2026-12-07T10:00:00.000Z",
        fiveHour: { utilization: 0.92, resetAt: "2026-12-07T12:00:00.000Z", status: "allowed_warning" },
        sevenDayOpus: { utilization: 0.3, resetAt: null, status: null },
      },
      familyParks: [{ family: "sonnet", until: "2026-12-10T00:00:00.000Z" }],
      costTodayUsd: 3.25,
      balanceLeftUsd: 12.5,
      stopped: { reason: "window", until: "2026-12-07T12:00:00.000Z" },
    });
    expect(accountHealth(undefined).stopped).toBeNull();
  });
});

describe("account health after traffic", () => {
  it("shows the windows a subscription account's answer carried, and the stop they cause", async () => {
    const { id } = await createAccount(token, "claude-oauth/import", {
      name: "max",
      accessToken: "sk-ant-oat-windows",
      expiresAt: Date.now() + 3_600_000,
      baseUrl: `${upstreamUrl}/s/windows-85`,
      allowOtherClients: true,
      stopAt5hPercent: 80,
    });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status, await response.clone().text()).toBe(200);
    await response.arrayBuffer();

    const health = async () => (await listAccounts(token)).find((a) => a.id === id)?.health;
    const seen = await waitFor(health, (h) => Boolean(h?.windows?.fiveHour));
    expect(seen?.windows?.fiveHour).toMatchObject({ utilization: 0.85, status: "allowed_warning" });
    expect(Date.parse(seen?.windows?.fiveHour?.resetAt ?? "")).toBeGreaterThan(Date.now());
    expect(Date.parse(seen?.windows?.at ?? "")).toBeLessThanOrEqual(Date.now());
    expect(seen?.windows?.sevenDay).toMatchObject({ utilization: 0.61, status: "allowed" });
    expect(seen?.stopped).toEqual({ reason: "window", until: seen?.windows?.fiveHour?.resetAt });
  });
});
