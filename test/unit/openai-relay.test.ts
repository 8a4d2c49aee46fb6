// The OpenAI Responses surface (/openai) inside workerd: API-key and ChatGPT OAuth accounts on
// the fake upstream, usage recorded exactly as the fake sent it, failover, OpenAI-shaped errors,
// and the ChatGPT OAuth flow (authorization link, code exchange, import, single-flight refresh).
import { SELF } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  admin,
  BASE,
  createAccount,
  createKey,
  expectUnauthorizedFailover,
  fakeStats,
  freshKeyspace,
  keyUsage,
  listAccounts,
  sentFor,
  settledUsage,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

let token: string;

async function openaiApiAccount(scenario: string, extra: Record<string, unknown> = {}) {
  const account = await createAccount(token, "openai-api", {
    name: `oai-${scenario}`,
    apiKey: `sk-proj-${scenario}-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    ...extra,
  });
  expect(account).toMatchObject({ type: "openai-api", platform: "openai" });
  return account.id;
}

const CODEX_HEADERS = {
  accept: "text/event-stream",
  originator: "codex_exec",
  "user-agent": "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)",
  "x-codex-turn-metadata": '{"installation_id":"i-1","request_kind":"turn"}',
};

function responses(
  secret: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  path = "/openai/responses",
) {
  return SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "gpt-5-codex",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
      ...body,
    }),
  });
}

function expectOpenaiError(body: unknown, type: string) {
  expect(body).toMatchObject({ error: { type, message: expect.any(String) } });
  expect(body).not.toHaveProperty("type");
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
}

beforeAll(async () => {
  token = await freshKeyspace();
});

describe("OpenAI route: errors before any upstream, in OpenAI's shape", () => {
  it("answers 401 for a missing or unknown key", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer cr_${"0".repeat(64)}` }];
    for (const headers of attempts) {
      const response = await SELF.fetch(`${BASE}/openai/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: "gpt-5-codex", input: "hi" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("x-request-id")).toMatch(/^req_/);
      expectOpenaiError(await response.json(), "invalid_request_error");
    }
  });

  it("answers 400 for a missing model and for invalid JSON", async () => {
    const key = await createKey(token);
    const noModel = await responses(key.secret, { model: undefined });
    expect(noModel.status).toBe(400);
    const body = (await noModel.json()) as { error: { message: string } };
    expectOpenaiError(body, "invalid_request_error");
    expect(body.error.message).toMatch(/model/);
    const bad = await SELF.fetch(`${BASE}/openai/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expectOpenaiError(await bad.json(), "invalid_request_error");
  });

  it("answers 403 for a key without the openai permission", async () => {
    const key = await createKey(token, { limits: { permissions: ["claude"] } });
    const response = await responses(key.secret, {});
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string } };
    expectOpenaiError(body, "permission_error");
    expect(body.error.code).toBe("permission_denied");
  });

  it("answers 503 with retry-after when no OpenAI account exists", async () => {
    const key = await createKey(token);
    const response = await responses(key.secret, {});
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expectOpenaiError(await response.json(), "server_error");
  });
});

describe("OpenAI route: relaying through API-key accounts", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    token = await freshKeyspace();
    await openaiApiAccount("ok");
    ({ id: keyId, secret } = await createKey(token));
  });

  it("relays a JSON Responses call and records exactly the usage the upstream sent", async () => {
    const response = await responses(secret, { stream: false });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      output: Array<{ content: Array<{ text: string }> }>;
    };
    expect(body.object).toBe("response");
    expect(body.output[0]?.content[0]?.text).toBe("Hello from fake upstream");
    const sent = await sentFor(response.headers.get("request-id"));
    expect(sent?.protocol).toBe("openai-responses");
    const usage = await waitFor(
      () => keyUsage(token, keyId),
      (u) => u.requests === 1,
    );
    expect(usage).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
      cacheReadTokens: 0,
    });
  });

  it("streams SSE with its event lines to response.completed, and records cached and reasoning tokens", async () => {
    const before = await keyUsage(token, keyId);
    await openaiApiAccount("cache-read", { priority: 1 });
    const response = await responses(secret, { stream: true, reasoning: { effort: "low" } }, CODEX_HEADERS);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    for (const event of ["response.created", "response.output_text.delta", "response.output_item.done"]) {
      expect(text).toContain(`event: ${event}\n`);
    }
    expect(text.trimEnd().split("\n\n").at(-1)).toMatch(/^event: response\.completed\n/);
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(sent?.completed).toBe(true);
    expect(sent?.cache_read_input_tokens).toBeGreaterThan(0);
    expect(sent?.reasoning_tokens).toBeGreaterThan(0);
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.cacheRead).toBe(sent?.cache_read_input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
  });

  it("sends the account's key to {base}/v1/responses and never the relay key", async () => {
    const response = await responses(
      secret,
      { stream: true },
      { ...CODEX_HEADERS, "session-id": "s-1" },
      "/openai/v1/responses",
    );
    expect(response.status).toBe(200);
    await response.text();
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toMatch(/^\/s\/(ok|cache-read)\/v1\/responses$/);
    expect(last.headers.authorization).toMatch(/^Bearer sk-proj-/);
    expect(JSON.stringify(last.headers)).not.toContain(secret);
    expect(last.headers.originator).toBe("codex_exec");
    expect(last.headers["session-id"]).toBe("s-1");
    expect(last.body).toMatchObject({ model: "gpt-5-codex", stream: true });
  });
});

describe("OpenAI route: upstream failures", () => {
  it("fails over from a 429 account before any byte, parked until the announced reset", async () => {
    token = await freshKeyspace();
    const resetAt = Math.floor(Date.now() / 1000) + 120;
    const limited = await openaiApiAccount(`429-reset-${resetAt}`, { priority: 1 });
    await openaiApiAccount("ok", { priority: 2 });
    const key = await createKey(token);
    const response = await responses(key.secret, { stream: true });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("response.completed");
    const health = (await listAccounts(token)).find((a) => a.id === limited)?.health;
    expect(health?.status).toBe("rate-limited");
    const until = Date.parse(health?.until ?? "");
    expect(until).toBeGreaterThan(Date.now() + 100_000);
    expect(until).toBeLessThan(Date.now() + 130_000);
  });

  it("hands the upstream's 429 to the client in OpenAI's shape when no account is left", async () => {
    token = await freshKeyspace();
    await openaiApiAccount("429");
    const key = await createKey(token);
    const response = await responses(key.secret, {});
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("rate_limit_exceeded");
  });

  it("parks an account the upstream answers 401 and serves from the next one", async () => {
    token = await freshKeyspace();
    await expectUnauthorizedFailover(token, openaiApiAccount, (secret) => responses(secret, {}));
  });

  it("ends a stream the upstream cut with response.failed and records what was used", async () => {
    token = await freshKeyspace();
    await openaiApiAccount("reset-mid-stream");
    const key = await createKey(token);
    const response = await responses(key.secret, { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: response.created");
    expect(text).not.toContain("response.completed");
    expect(text).toMatch(/event: response\.failed\ndata: \{"type":"response\.failed"/);
    const usage = await waitFor(
      () => keyUsage(token, key.id),
      (u) => u.requests === 1,
    );
    expect(usage.requests).toBe(1);
  });

  it("keeps a Codex session on one account", async () => {
    token = await freshKeyspace();
    for (let i = 0; i < 3; i++) await openaiApiAccount("ok", { priority: 1 });
    const key = await createKey(token);
    const session = crypto.randomUUID();
    const credentials = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const response = await responses(key.secret, { prompt_cache_key: session }, { "session-id": session });
      expect(response.status).toBe(200);
      await response.text();
      credentials.add((await fakeStats()).lastRequest.headers.authorization ?? "");
    }
    expect(credentials.size).toBe(1);
  });

  it("forwards Codex's remote compaction to {base}/v1/responses/compact", async () => {
    token = await freshKeyspace();
    await openaiApiAccount("ok");
    const key = await createKey(token);
    const response = await responses(key.secret, {}, {}, "/openai/responses/compact");
    await response.text();
    expect((await fakeStats()).lastRequest.path).toMatch(/\/s\/ok\/v1\/responses\/compact$/);
  });
});

describe("ChatGPT (Codex) OAuth accounts", () => {
  beforeEach(async () => {
    token = await freshKeyspace();
    await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
  });

  it("builds the original's PKCE authorization link for the Codex client", async () => {
    const { status, body } = await admin<{ sessionId: string; authUrl: string }>(
      token,
      "POST",
      "/accounts/openai-oauth/authorize",
    );
    expect(status).toBe(200);
    const url = new URL(body.authUrl);
    expect(`${url.origin}${url.pathname}`).toBe("https://auth.openai.com/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
      redirect_uri: "http://localhost:1455/auth/callback",
      scope: "openid profile email offline_access",
      code_challenge_method: "S256",
      id_token_add_organizations: "true",
      codex_cli_simplified_flow: "true",
    });
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exchanges a pasted callback URL for tokens, once, and relays with them to the Codex backend", async () => {
    const auth = await admin<{ sessionId: string; authUrl: string }>(
      token,
      "POST",
      "/accounts/openai-oauth/authorize",
    );
    const state = new URL(auth.body.authUrl).searchParams.get("state");
    const wrongState = await admin(token, "POST", "/accounts/openai-oauth/exchange", {
      sessionId: auth.body.sessionId,
      code: "http://localhost:1455/auth/callback?code=good-code&state=not-this-one",
      name: "x",
    });
    expect(wrongState.status).toBe(400);
    expect((await fakeStats()).oauth.tokenRequests).toBe(0);

    const again = await admin<{ sessionId: string; authUrl: string }>(
      token,
      "POST",
      "/accounts/openai-oauth/authorize",
    );
    const created = await admin<{ account: { id: string; type: string } }>(
      token,
      "POST",
      "/accounts/openai-oauth/exchange",
      {
        sessionId: again.body.sessionId,
        code: `http://localhost:1455/auth/callback?code=good-code&state=${new URL(again.body.authUrl).searchParams.get("state")}`,
        name: "chatgpt plus",
        baseUrl: `${upstreamUrl}/s/ok`,
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.account.type).toBe("openai-oauth");
    expect(JSON.stringify(created.body)).not.toContain("fake-access");
    expect((await fakeStats()).oauth.byGrant.authorization_code).toBe(1);
    expect(state).not.toBe(new URL(again.body.authUrl).searchParams.get("state"));

    const key = await createKey(token);
    const response = await responses(key.secret, { stream: true, store: true }, CODEX_HEADERS);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("response.completed");
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/responses");
    expect(last.headers.authorization).toMatch(/^Bearer fake-access-/);
    expect(last.body.store).toBe(false);

    const reused = await admin(token, "POST", "/accounts/openai-oauth/exchange", {
      sessionId: again.body.sessionId,
      code: "good-code",
      name: "again",
    });
    expect(reused.status).toBe(400);
  });

  it("sends chatgpt-account-id and only the headers the original lets through", async () => {
    const created = await admin(token, "POST", "/accounts/openai-oauth/import", {
      name: "imported",
      accessToken: "chatgpt-access-token",
      refreshToken: "rt-1",
      expiresAt: Date.now() + 3_600_000,
      chatgptAccountId: "acct-123",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(created.status).toBe(201);
    const key = await createKey(token);
    const response = await responses(key.secret, { stream: true }, { ...CODEX_HEADERS, "session-id": "s-9" });
    expect(response.status).toBe(200);
    await response.text();
    const { headers } = (await fakeStats()).lastRequest;
    expect(headers).toMatchObject({
      authorization: "Bearer chatgpt-access-token",
      "chatgpt-account-id": "acct-123",
      accept: "text/event-stream",
      originator: "codex_exec",
      "session-id": "s-9",
    });
    expect(headers["x-codex-turn-metadata"]).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain(key.secret);
  });

  it("refreshes an expired token exactly once for 20 parallel requests, keeping the account id", async () => {
    await admin(token, "POST", "/accounts/openai-oauth/import", {
      name: "expired",
      accessToken: "old-token",
      refreshToken: "refresh-me",
      expiresAt: Date.now() - 1_000,
      chatgptAccountId: "acct-777",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    const key = await createKey(token);
    const all = await Promise.all(Array.from({ length: 20 }, () => responses(key.secret, { stream: true })));
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
    await Promise.all(all.map((r) => r.text()));
    const stats = await fakeStats();
    expect(stats.oauth.byGrant.refresh_token).toBe(1);
    expect(stats.lastRequest.headers.authorization).toMatch(/^Bearer fake-access-/);
    expect(stats.lastRequest.headers["chatgpt-account-id"]).toBe("acct-777");
  });

  it("documents the OpenAI account routes in the admin OpenAPI document", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/admin/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const path of ["api", "oauth/authorize", "oauth/exchange", "oauth/import"]) {
      expect(doc.paths).toHaveProperty([`/accounts/openai-${path}`]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["NewConsoleAccount", "NewOpenaiApiAccount", "OpenaiOauthImport"]),
    );
  });

  it("imports from a refresh token alone, and refuses a revoked one", async () => {
    const ok = await admin(token, "POST", "/accounts/openai-oauth/import", {
      name: "rt only",
      refreshToken: "from-auth-json",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(ok.status).toBe(201);
    const revoked = await admin<{ error: { message: string } }>(
      token,
      "POST",
      "/accounts/openai-oauth/import",
      {
        name: "revoked",
        refreshToken: "revoked",
      },
    );
    expect(revoked.status).toBe(400);
    expect(revoked.body.error.message).toMatch(/refused/);
    const none = await admin(token, "POST", "/accounts/openai-oauth/import", { name: "nothing" });
    expect(none.status).toBe(400);
  });
});
