// Claude official (OAuth) accounts: the authorization link, the code exchange, token import,
// and single-flight refresh, against the fake upstream's token endpoint.
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createKey, freshKeyspace, messages, upstreamUrl } from "./helpers.ts";

let token: string;

interface FakeStats {
  oauth: { tokenRequests: number; byGrant: Record<string, number> };
  lastRequest: { headers: Record<string, string> };
}
const fakeStats = async () => (await (await fetch(`${upstreamUrl}/__stats`)).json()) as FakeStats;

beforeEach(async () => {
  token = await freshKeyspace();
  await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
});

describe("Claude OAuth accounts", () => {
  it("builds the original's PKCE authorization link", async () => {
    const { status, body } = await admin<{ sessionId: string; authUrl: string }>(
      token,
      "POST",
      "/accounts/claude-oauth/authorize",
    );
    expect(status).toBe(200);
    const url = new URL(body.authUrl);
    expect(url.searchParams.get("client_id")).toBe("9d1c250a-e61b-44d9-88ed-5944d1962f5e");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toBe("https://platform.claude.com/oauth/code/callback");
    expect(url.searchParams.get("scope")).toContain("user:inference");
    expect(url.searchParams.get("state")).toBeTruthy();
  });

  it("exchanges a pasted code for tokens and relays with them as a bearer, with the OAuth beta", async () => {
    const auth = await admin<{ sessionId: string }>(token, "POST", "/accounts/claude-oauth/authorize");
    const created = await admin<{ account: { id: string; type: string } }>(
      token,
      "POST",
      "/accounts/claude-oauth/exchange",
      {
        sessionId: auth.body.sessionId,
        code: "good-code#some-state",
        name: "claude max",
        baseUrl: `${upstreamUrl}/s/ok`,
        allowOtherClients: true,
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.account.type).toBe("claude-oauth");
    expect(JSON.stringify(created.body)).not.toContain("fake-access");
    const key = await createKey(token);
    const response = await messages(key.secret, {}, { "anthropic-beta": "context-1m-2025-08-07" });
    expect(response.status).toBe(200);
    await response.text();
    const headers = (await fakeStats()).lastRequest.headers;
    expect(headers.authorization).toMatch(/^Bearer fake-access-/);
    expect(headers["x-api-key"]).toBeUndefined();
    // The client's betas and the one the OAuth token needs, nothing borrowed from Claude Code.
    expect(headers["anthropic-beta"]).toBe("context-1m-2025-08-07,oauth-2025-04-20");
    // The session is used up: the same code cannot add a second account.
    const again = await admin(token, "POST", "/accounts/claude-oauth/exchange", {
      sessionId: auth.body.sessionId,
      code: "good-code",
      name: "again",
    });
    expect(again.status).toBe(400);
  });

  it("takes an authorization session only at the platform that started it", async () => {
    const auth = await admin<{ sessionId: string }>(token, "POST", "/accounts/claude-oauth/authorize");
    const elsewhere = await admin<{ error: { message: string } }>(
      token,
      "POST",
      "/accounts/openai-oauth/exchange",
      { sessionId: auth.body.sessionId, code: "good-code", name: "wrong-platform" },
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.message).toMatch(/Unknown or expired OAuth session/);
  });

  it("refuses a code the token endpoint refuses", async () => {
    const auth = await admin<{ sessionId: string }>(token, "POST", "/accounts/claude-oauth/authorize");
    const refused = await admin<{ error: { message: string } }>(
      token,
      "POST",
      "/accounts/claude-oauth/exchange",
      {
        sessionId: auth.body.sessionId,
        code: "bad-code",
        name: "x",
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/refused/);
  });

  it("refreshes an expired token exactly once for 20 parallel requests", async () => {
    const created = await admin(token, "POST", "/accounts/claude-oauth/import", {
      name: "expired",
      accessToken: "old-token",
      refreshToken: "refresh-me",
      expiresAt: Date.now() - 1_000,
      baseUrl: `${upstreamUrl}/s/ok`,
      allowOtherClients: true,
    });
    expect(created.status).toBe(201);
    const key = await createKey(token);
    const responses = await Promise.all(Array.from({ length: 20 }, () => messages(key.secret, {})));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    await Promise.all(responses.map((r) => r.text()));
    const stats = await fakeStats();
    expect(stats.oauth.byGrant.refresh_token).toBe(1);
    expect(stats.lastRequest.headers.authorization).toMatch(/^Bearer fake-access-/);
  });

  it("uses an imported setup token as it is, without refreshing", async () => {
    await admin(token, "POST", "/accounts/claude-oauth/import", {
      name: "setup",
      setupToken: "sk-ant-oat01-setup",
      baseUrl: `${upstreamUrl}/s/ok`,
      allowOtherClients: true,
    });
    const key = await createKey(token);
    const response = await messages(key.secret, { model: "claude-haiku-4-5" });
    expect(response.status).toBe(200);
    await response.text();
    const stats = await fakeStats();
    expect(stats.oauth.tokenRequests).toBe(0);
    expect(stats.lastRequest.headers.authorization).toBe("Bearer sk-ant-oat01-setup");
    expect(stats.lastRequest.headers["anthropic-beta"]).toBe("oauth-2025-04-20");
  });

  it("marks an account unauthorized when its refresh token is revoked, and fails over", async () => {
    await admin(token, "POST", "/accounts/claude-oauth/import", {
      name: "revoked",
      accessToken: "old",
      refreshToken: "revoked",
      expiresAt: Date.now() - 1_000,
      baseUrl: `${upstreamUrl}/s/ok`,
      priority: 1,
      allowOtherClients: true,
    });
    await admin(token, "POST", "/accounts/claude-console", {
      name: "backup",
      apiKey: "sk-backup",
      baseUrl: `${upstreamUrl}/s/ok`,
      priority: 2,
    });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    const { body } = await admin<{ accounts: Array<{ name: string; health: { status: string } }> }>(
      token,
      "GET",
      "/accounts",
    );
    expect(body.accounts.find((a) => a.name === "revoked")?.health.status).toBe("unauthorized");
  });
});
