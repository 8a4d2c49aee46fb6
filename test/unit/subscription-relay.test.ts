// Subscription accounts through the whole relay (Worker → AccountPool → fake upstream sending
// Anthropic's real header sets and refusals): a weekly Sonnet 429 leaves Opus on the same account,
// a 429 with no reset parks for minutes, a disabled organisation blocks the account, an extra-usage
// refusal fails over without a park, the 5-hour stop holds under a burst, a daily cost quota stops
// the account, and clients other than Claude Code reach API-key accounts only.
import { beforeEach, describe, expect, it } from "vitest";
import {
  admin,
  createConsoleAccount,
  createKey,
  fakeStats,
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

/** A Claude OAuth account on the fake's `scenario`; its token tells its calls apart at the fake. */
async function subscription(scenario: string, extra: Record<string, unknown> = {}) {
  const accessToken = `sk-ant-oat01-${scenario}-${crypto.randomUUID()}`;
  const created = await admin<{ account: { id: string } }>(token, "POST", "/accounts/claude-oauth/import", {
    name: `sub-${scenario}`,
    setupToken: accessToken,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    priority: 1,
    // These tests send the SDK's requests: the account lets them in (see the client tests below).
    allowOtherClients: true,
    ...extra,
  });
  if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created.body)}`);
  return { id: created.body.account.id, credential: accessToken };
}

/** Requests the fake answered (not refused) for this credential. */
const callsWith = async (credential: string) => (await fakeStats()).byCredential[credential]?.requests ?? 0;

const healthOf = async (id: string) => (await listAccounts(token)).find((a) => a.id === id)?.health;

describe("parks per model family, through the relay", () => {
  it("a weekly Sonnet 429 parks Sonnet: the next Sonnet request goes to the spare, Opus stays on the subscription", async () => {
    const sub = await subscription("weekly-sonnet-429");
    const spare = await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const sonnet = await messages(key.secret, { model: "claude-sonnet-4-5" });
    expect(sonnet.status).toBe(200); // failed over to the spare
    await sonnet.text();
    const health = await waitFor(
      () => healthOf(sub.id),
      (h) => (h?.familyParks.length ?? 0) > 0,
    );
    expect(health?.status).toBe("active");
    expect(health?.familyParks).toEqual([{ family: "sonnet", until: expect.any(String) }]);
    // Parked until the weekly Sonnet reset the answer named: days, not minutes.
    const until = Date.parse(health?.familyParks[0]?.until ?? "");
    expect(until - Date.now()).toBeGreaterThan(2 * 24 * 3_600_000);

    const before = await callsWith(sub.credential);
    // Another conversation (the first one stays on the spare it moved to: sticky).
    const opus = await messages(key.secret, {
      model: "claude-opus-4-1",
      messages: [{ role: "user", content: "Another conversation" }],
    });
    expect(opus.status).toBe(200);
    await opus.text();
    expect(await callsWith(sub.credential)).toBe(before + 1);
    const again = await messages(key.secret, {
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "A third conversation" }],
    });
    expect(again.status).toBe(200);
    await again.text();
    expect(await callsWith(sub.credential)).toBe(before + 1); // not sent to the parked family
    expect((await listAccounts(token)).find((a) => a.id === spare)?.health.status).toBe("active");
  });

  it("a 429 that names no reset parks the account for minutes, not days", async () => {
    const sub = await subscription("429-no-reset");
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    const health = await waitFor(
      () => healthOf(sub.id),
      (h) => h?.status === "rate-limited",
    );
    const parkedFor = Date.parse(health?.until ?? "") - Date.now();
    expect(parkedFor).toBeGreaterThan(30_000);
    expect(parkedFor).toBeLessThanOrEqual(60 * 60_000);
  });
});

describe("refusals that are not rate limits, through the relay", () => {
  it("a disabled organisation blocks the account until an admin resets it; the request is served elsewhere", async () => {
    const sub = await subscription("org-disabled");
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    const health = await waitFor(
      () => healthOf(sub.id),
      (h) => h?.status === "blocked",
    );
    expect(health).toMatchObject({ status: "blocked", until: null });
    const before = await callsWith(sub.credential);
    await (await messages(key.secret, {})).text();
    expect(await callsWith(sub.credential)).toBe(before);
  });

  it("an extra-usage refusal fails over to an API-key account without parking the subscription", async () => {
    const sub = await subscription("extra-usage");
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await healthOf(sub.id))?.status).toBe("active");
  });
});

describe("the account's own stops, through the relay", () => {
  it("the 5-hour stop holds under a burst once one answer showed the window above it", async () => {
    const sub = await subscription("windows-85", { stopAt5hPercent: 80 });
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const first = await messages(key.secret, {});
    expect(first.status).toBe(200);
    await first.text();
    expect(await callsWith(sub.credential)).toBe(1);
    const burst = await Promise.all(Array.from({ length: 40 }, () => messages(key.secret, {})));
    expect(burst.map((r) => r.status)).toEqual(Array(40).fill(200));
    await Promise.all(burst.map((r) => r.text()));
    expect(await callsWith(sub.credential)).toBe(1);
    const health = await healthOf(sub.id);
    expect(health?.stopped?.reason).toBe("window");
    expect(health?.windows?.fiveHour?.utilization).toBeCloseTo(0.85);
  });

  it("a daily cost quota stops the account once its served cost reaches it", async () => {
    const metered = await createConsoleAccount(token, "ok", { priority: 1, dailyCostLimitUsd: 0.000001 });
    const spare = await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    await (await messages(key.secret, {})).text();
    const health = await waitFor(
      () => healthOf(metered),
      (h) => h?.stopped?.reason === "daily-cost",
      5_000,
    );
    expect(health?.costTodayUsd).toBeGreaterThan(0);
    expect(health?.stopped?.reason).toBe("daily-cost");
    const next = await messages(key.secret, {});
    expect(next.status).toBe(200);
    await next.text();
    expect((await listAccounts(token)).find((a) => a.id === spare)?.health.lastUsedAt).not.toBeNull();
  });
});

describe("subscription accounts serve Claude Code", () => {
  it("sends the SDK to the Console account, and answers 503 in Anthropic's shape naming why when only the subscription is left", async () => {
    const sub = await subscription("ok", { allowOtherClients: false });
    const key = await createKey(token);
    const refused = await messages(key.secret, {});
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.message).toMatch(/Claude Code only/);
    expect(await callsWith(sub.credential)).toBe(0);

    await createConsoleAccount(token, "ok", { priority: 9 });
    const served = await messages(key.secret, {});
    expect(served.status).toBe(200);
    await served.text();
    expect(await callsWith(sub.credential)).toBe(0);
  });
});

describe("webhook events of subscription accounts", () => {
  const readSink = async (sink: string) =>
    (await (await fetch(`${upstreamUrl}/__webhook/${sink}`)).json()) as {
      received: { body: { type: string; data: Record<string, unknown> } }[];
    };

  it("announces the 5-hour threshold crossed once, a blocked account, and a family parked", async () => {
    const sink = `subscription-${crypto.randomUUID()}`;
    const saved = await admin(token, "PUT", "/webhooks", {
      targets: [{ id: "ops", type: "custom", url: `${upstreamUrl}/__webhook/${sink}` }],
      maxRetries: 3,
      retryDelayMs: 100,
    });
    expect(saved.status).toBe(200);
    const windowed = await subscription("windows-85", { stopAt5hPercent: 80 });
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    for (let i = 0; i < 3; i++) await (await messages(key.secret, { metadata: { user_id: `u${i}` } })).text();
    const blocked = await subscription("org-disabled");
    await (
      await messages(key.secret, { messages: [{ role: "user", content: "to the blocked one" }] })
    ).text();
    const family = await subscription("weekly-opus-429");
    await (
      await messages(key.secret, {
        model: "claude-opus-4-1",
        messages: [{ role: "user", content: "to the opus-limited one" }],
      })
    ).text();
    const got = await waitFor(
      () => readSink(sink),
      (s) => s.received.length >= 3,
      8_000,
    );
    const types = got.received.map((r) => [r.body.type, r.body.data.accountId]);
    expect(types).toContainEqual(["account.window_threshold", windowed.id]);
    expect(types).toContainEqual(["account.blocked", blocked.id]);
    expect(types).toContainEqual(["account.rate_limited", family.id]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const thresholds = (await readSink(sink)).received.filter(
      (r) => r.body.type === "account.window_threshold",
    );
    expect(thresholds).toHaveLength(1);
  });
});

describe("an account's balance, through the relay", () => {
  it("draws down by what the account serves, alerts below the threshold once, and stops at zero", async () => {
    const sink = `balance-${crypto.randomUUID()}`;
    await admin(token, "PUT", "/webhooks", {
      targets: [
        {
          id: "ops",
          type: "custom",
          url: `${upstreamUrl}/__webhook/${sink}`,
          events: ["account.balance_low"],
        },
      ],
      maxRetries: 3,
      retryDelayMs: 100,
    });
    const prepaid = await createConsoleAccount(token, "ok", {
      priority: 1,
      balanceUsd: 0.0005,
      balanceAlertUsd: 0.0004,
      stopAtZeroBalance: true,
    });
    await createConsoleAccount(token, "ok", { priority: 9 });
    const key = await createKey(token);
    const before = await healthOf(prepaid);
    expect(before?.balanceLeftUsd).toBeCloseTo(0.0005, 6);
    // Each answer costs more than the threshold's margin: the first crosses it, later ones spend it.
    for (let i = 0; i < 8; i++) {
      const response = await messages(key.secret, {
        metadata: { user_id: `b${i}` },
        model: "claude-opus-4-1",
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    const spent = await waitFor(
      () => healthOf(prepaid),
      (h) => h?.stopped?.reason === "balance",
      5_000,
    );
    expect(spent?.balanceLeftUsd ?? 1).toBeLessThanOrEqual(0);
    expect(spent?.stopped).toEqual({ reason: "balance", until: null });
    const sunk = await waitFor(
      async () => (await (await fetch(`${upstreamUrl}/__webhook/${sink}`)).json()) as { received: unknown[] },
      (s) => s.received.length >= 1,
    );
    expect(sunk.received).toHaveLength(1);

    // The form sending back the same figure changes nothing; a new figure restarts the drawdown.
    const same = await admin(token, "PATCH", `/accounts/${prepaid}`, { balanceUsd: 0.0005 });
    expect(same.status).toBe(200);
    expect((await healthOf(prepaid))?.stopped?.reason).toBe("balance");
    await admin(token, "PATCH", `/accounts/${prepaid}`, { balanceUsd: 10 });
    const topped = await healthOf(prepaid);
    expect(topped?.balanceLeftUsd).toBe(10);
    expect(topped?.stopped).toBeNull();
  });
});
