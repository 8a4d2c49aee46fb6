import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  expectCutMessagesStream,
  fakeUsageFor,
  freshKeyspace,
  keyUsageReport,
  messages,
  waitFor,
} from "./helpers.ts";

let token: string;

beforeAll(async () => {
  token = await freshKeyspace();
});

function expectAnthropicError(body: unknown, type: string) {
  expect(body).toMatchObject({ type: "error", error: { type } });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
}

describe("Claude route: errors before any upstream", () => {
  it("answers 401 in Anthropic's shape for a missing, unknown or malformed key", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { "x-api-key": `cr_${"0".repeat(64)}` },
      { authorization: "Bearer nope" },
    ];
    for (const headers of attempts) {
      const response = await SELF.fetch(`${BASE}/api/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [] }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("x-request-id")).toMatch(/^req_/);
      expectAnthropicError(await response.json(), "authentication_error");
    }
  });

  it("answers 503 when no account can serve, with retry-after", async () => {
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expectAnthropicError(await response.json(), "api_error");
  });

  it("answers 400 for invalid JSON and for a missing model or messages", async () => {
    const key = await createKey(token);
    const bad = await SELF.fetch(`${BASE}/api/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key.secret, "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expectAnthropicError(await bad.json(), "invalid_request_error");
    const noModel = await messages(key.secret, { model: undefined });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toMatch(/model/);
    const noMessages = await messages(key.secret, { messages: undefined });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: { message: string } }).error.message).toMatch(/messages/);
  });

  it("answers 413 for a body over the size limit", async () => {
    const key = await createKey(token);
    const response = await messages(key.secret, { padding: "x".repeat(1_100_000) });
    expect(response.status).toBe(413);
    expectAnthropicError(await response.json(), "request_too_large");
  });

  it("refuses disabled and expired keys", async () => {
    const disabled = await createKey(token);
    await admin(token, "POST", `/keys/${disabled.id}/disable`);
    const r1 = await messages(disabled.secret, {});
    expect(r1.status).toBe(401);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(/disabled/);
    const expired = await createKey(token, { expiry: { mode: "fixed", expiresAt: "2020-01-01T00:00:00Z" } });
    const r2 = await messages(expired.secret, {});
    expect(r2.status).toBe(401);
    expect(((await r2.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it("refuses a key without the claude permission with 403", async () => {
    const key = await createKey(token, { limits: { permissions: ["gemini"] } });
    const response = await messages(key.secret, {});
    expect(response.status).toBe(403);
    expectAnthropicError(await response.json(), "permission_error");
  });
});

describe("Claude route: relaying to a Console account", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    await createConsoleAccount(token, "ok", { priority: 10 });
    ({ id: keyId, secret } = await createKey(token));
  });

  it("relays a non-streaming request and records exactly the usage the upstream sent", async () => {
    const response = await messages(secret, {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; content: Array<{ text: string }> };
    expect(body.type).toBe("message");
    expect(body.content[0]?.text).toBe("Hello from fake upstream");
    const sent = await fakeUsageFor(response.headers.get("request-id") ?? "");
    expect(sent).toBeDefined();
    const usage = await waitFor(
      () => keyUsageReport(token, keyId),
      (u) => u.total.requests === 1,
    );
    expect(usage.total).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
    });
    expect(usage.today.requests).toBe(1);
  });

  it("streams SSE with its event lines and records the streamed usage", async () => {
    const response = await messages(
      secret,
      { stream: true },
      { authorization: `Bearer ${secret}`, "x-api-key": "" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    for (const event of [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "message_delta",
      "message_stop",
    ]) {
      expect(text).toContain(`event: ${event}\n`);
    }
    const sent = await fakeUsageFor(response.headers.get("request-id") ?? "");
    const usage = await waitFor(
      () => keyUsageReport(token, keyId),
      (u) => u.total.requests === 2,
    );
    expect(usage.total.requests).toBe(2);
    expect(usage.total.outputTokens).toBeGreaterThanOrEqual(sent?.output_tokens ?? 1);
  });

  it("removes the client's key and sends the account's key upstream", async () => {
    const response = await messages(secret, {}, { "anthropic-beta": "claude-code-20250219" });
    expect(response.status).toBe(200);
    const stats = (await (await fetch(`${(await import("./helpers.ts")).upstreamUrl}/__stats`)).json()) as {
      lastRequest: { headers: Record<string, string> };
    };
    expect(stats.lastRequest.headers["x-api-key"]).toMatch(/^sk-ant-ok-/);
    expect(JSON.stringify(stats.lastRequest.headers)).not.toContain(secret);
    expect(stats.lastRequest.headers["anthropic-beta"]).toBe("claude-code-20250219");
    expect(stats.lastRequest.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("serves count_tokens and the model list", async () => {
    const counted = await SELF.fetch(`${BASE}/claude/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": secret, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    const models = await SELF.fetch(`${BASE}/api/v1/models`, { headers: { "x-api-key": secret } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });
});

describe("Claude route: upstream failures", () => {
  it("fails over to the next account when the preferred one answers 529 before any byte", async () => {
    await freshKeyspace().then((t) => {
      token = t;
    });
    await createConsoleAccount(token, "529", { priority: 1 });
    await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
  });

  it("hands the upstream's 429 to the client in Anthropic's shape when no account is left", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "429");
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expectAnthropicError(await response.json(), "rate_limit_error");
  });

  it("ends a stream the upstream cut with an error event and records what was used", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "reset-mid-stream");
    const key = await createKey(token);
    await expectCutMessagesStream(await messages(key.secret, { stream: true }));
    const usage = await waitFor(
      () => keyUsageReport(token, key.id),
      (u) => u.total.requests === 1,
    );
    expect(usage.total.requests).toBe(1);
    expect(usage.total.inputTokens).toBeGreaterThan(0);
  });
});

describe("Claude route: KeyGate limits on the request path", () => {
  async function statsFor(credentialPrefix: string) {
    const { upstreamUrl } = await import("./helpers.ts");
    const stats = (await (await fetch(`${upstreamUrl}/__stats`)).json()) as {
      byCredential: Record<string, { requests: number }>;
    };
    return Object.entries(stats.byCredential)
      .filter(([credential]) => credential.startsWith(credentialPrefix))
      .reduce((sum, [, s]) => sum + s.requests, 0);
  }

  it("refuses over the concurrency limit with 429 and retry-after, in Anthropic's shape", async () => {
    token = await freshKeyspace();
    // Held past the gate's one-second grace for a slot, so the second request is refused.
    await createConsoleAccount(token, "hold-1600");
    const key = await createKey(token, { limits: { concurrencyLimit: 1 } });
    const [a, b] = await Promise.all([messages(key.secret, {}), messages(key.secret, {})]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 429]);
    const refused = a.status === 429 ? a : b;
    expect(refused.headers.get("retry-after")).toBe("1");
    expectAnthropicError(await refused.json(), "rate_limit_error");
    await (a.status === 200 ? a : b).text();
    const live = await waitFor(
      async () => (await admin<{ activeLeases: number }>(token, "GET", `/keys/${key.id}/live`)).body,
      (l) => l.activeLeases === 0,
    );
    expect(live.activeLeases).toBe(0);
  });

  it("refuses a blacklisted model with 403 and a spent quota with 402, and takes no upstream request", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const before = await statsFor("sk-ant-ok-");
    const restricted = await createKey(token, { limits: { restrictedModels: ["claude-sonnet-4-5"] } });
    const r1 = await messages(restricted.secret, {});
    expect(r1.status).toBe(403);
    expectAnthropicError(await r1.json(), "permission_error");

    const capped = await createKey(token, { limits: { dailyCostLimit: 0.000001 } });
    const first = await messages(capped.secret, { model: "claude-opus-4-1" });
    expect(first.status).toBe(200);
    await first.text();
    const refused = await waitFor(
      async () => messages(capped.secret, {}),
      (r) => r.status === 402,
    );
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("billing_error");
    expect(body.error.message).toMatch(/Daily cost limit/);
    // Only the one admitted request reached the upstream; refused ones recorded nothing.
    expect(await statsFor("sk-ant-ok-")).toBe(before + 1);
    const usage = await waitFor(
      () => keyUsageReport(token, capped.id),
      (u) => u.total.requests === 1,
    );
    expect(usage.total.requests).toBe(1);
  });

  it("gives back the account picked for a request its key then refuses", async () => {
    token = await freshKeyspace();
    // The pool is asked while the gate decides: a one-request account must not stay taken by a
    // request the gate refused, or the next good request would find no account.
    await createConsoleAccount(token, "ok", { concurrencyLimit: 1 });
    const restricted = await createKey(token, { limits: { restrictedModels: ["claude-sonnet-4-5"] } });
    for (let i = 0; i < 3; i++) {
      const refused = await messages(restricted.secret, {});
      expect(refused.status).toBe(403);
      await refused.text();
    }
    const good = await createKey(token, {});
    const served = await waitFor(
      async () => {
        const response = await messages(good.secret, {});
        await response.text();
        return response.status;
      },
      (status) => status === 200,
      // Well inside the lease TTL (2 s here), which would otherwise free the account.
      1_000,
    );
    expect(served).toBe(200);
  });

  it("shows the key's live state in the admin API", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const key = await createKey(token, { limits: { rateLimitWindowMinutes: 5, rateLimitRequests: 100 } });
    await (await messages(key.secret, {})).text();
    const live = await waitFor(
      async () =>
        (
          await admin<{ window: { requests: number; tokens: number }; activeLeases: number }>(
            token,
            "GET",
            `/keys/${key.id}/live`,
          )
        ).body,
      (l) => l.window?.tokens > 0,
    );
    expect(live.window.requests).toBe(1);
    expect(live.window.tokens).toBeGreaterThan(0);
    expect(live.activeLeases).toBe(0);
  });
});

describe("Claude route: scheduling and failover across accounts", () => {
  type AccountList = {
    accounts: Array<{ id: string; name: string; health: { status: string; until: string | null } }>;
  };

  it("serves 100 requests from the healthy account while the 429 and 529 accounts stay parked", async () => {
    token = await freshKeyspace();
    const limited = await createConsoleAccount(token, "429", { priority: 1 });
    const overloaded = await createConsoleAccount(token, "529", { priority: 1 });
    const healthy = await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => messages(key.secret, {})));
      for (const r of responses) {
        statuses.push(r.status);
        await r.text();
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    const { body } = await admin<AccountList>(token, "GET", "/accounts");
    const byId = new Map(body.accounts.map((a) => [a.id, a.health]));
    expect(byId.get(limited)?.status).toBe("rate-limited");
    // Parked until the reset the upstream announced (now + 60 s), not a guess.
    const until = Date.parse(byId.get(limited)?.until ?? "");
    expect(until).toBeGreaterThan(Date.now() + 50_000);
    expect(until).toBeLessThan(Date.now() + 70_000);
    expect(byId.get(overloaded)?.status).toBe("overloaded");
    expect(byId.get(healthy)?.status).toBe("active");
  });

  it("keeps a conversation on one account", async () => {
    token = await freshKeyspace();
    for (let i = 0; i < 3; i++) await createConsoleAccount(token, "ok", { priority: 1 });
    const key = await createKey(token);
    const userId = JSON.stringify({
      device_id: "d".repeat(64),
      account_uuid: "",
      session_id: crypto.randomUUID(),
    });
    const credentials = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await messages(key.secret, { metadata: { user_id: userId } });
      expect(r.status).toBe(200);
      await r.text();
      const stats = (await (await fetch(`${(await import("./helpers.ts")).upstreamUrl}/__stats`)).json()) as {
        lastRequest: { headers: Record<string, string> };
      };
      credentials.add(stats.lastRequest.headers["x-api-key"] ?? "");
    }
    expect(credentials.size).toBe(1);
  });

  it("answers 503 with retry-after in Anthropic's shape when every account is parked", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "529");
    const key = await createKey(token);
    // Its 529 parks it; with no account left the client gets 503, not the upstream's 529.
    const first = await messages(key.secret, {});
    expect(first.status).toBe(503);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(60);
    await first.text();
    const second = await messages(key.secret, {});
    expect(second.status).toBe(503);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(60);
    expectAnthropicError(await second.json(), "api_error");
  });

  it("resets an account's parked state from the admin API", async () => {
    token = await freshKeyspace();
    const id = await createConsoleAccount(token, "529");
    const key = await createKey(token);
    await (await messages(key.secret, {})).text();
    await admin(token, "POST", `/accounts/${id}/reset-status`);
    const { body } = await admin<AccountList>(token, "GET", "/accounts");
    expect(body.accounts[0]?.health.status).toBe("active");
  });
});

describe("Claude route: an upstream that never answers", () => {
  it("times out with a clean 504 in Anthropic's shape, frees the key's lease and parks nothing forever", async () => {
    token = await freshKeyspace();
    await createConsoleAccount(token, "slow-5000");
    const key = await createKey(token, { limits: { concurrencyLimit: 1 } });
    const started = Date.now();
    const response = await messages(key.secret, {});
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(4_500);
    expectAnthropicError(await response.json(), "timeout_error");
    const live = await waitFor(
      async () => (await admin<{ activeLeases: number }>(token, "GET", `/keys/${key.id}/live`)).body,
      (l) => l.activeLeases === 0,
    );
    expect(live.activeLeases).toBe(0);
  });
});
