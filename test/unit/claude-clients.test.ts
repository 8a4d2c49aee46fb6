// Who the real Claude Code is (providers/claude/client.ts), checked against the requests the real
// CLI sent (fixtures/claude-code-requests.ts) and a few other clients; and that the relay never
// disguises a client as Claude Code: what the fake upstream received, header by header and byte by
// byte, for Claude Code and for another client on a subscription account.
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { isClaudeCode } from "../../worker/providers/claude/client.ts";
import { claudeCodeRequests } from "./fixtures/claude-code-requests.ts";
import { admin, BASE, createKey, fakeStats, freshKeyspace, upstreamUrl } from "./helpers.ts";

/** Headers the transport sets, not the client: not compared, not resent. */
const TRANSPORT = new Set(["host", "connection", "content-length", "accept-encoding"]);

const captured = (index: number) => {
  const request = claudeCodeRequests[index];
  if (!request) throw new Error(`no captured request ${index}`);
  return request;
};

const sdkHeaders = {
  "content-type": "application/json",
  "anthropic-version": "2023-06-01",
  "user-agent": "Anthropic/JS 0.60.0",
  "x-stainless-lang": "js",
  "x-stainless-package-version": "0.60.0",
};
const sdkBody = { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };

describe("isClaudeCode", () => {
  it("recognises every request the real Claude Code 2.1.330 sent (default model, Sonnet, JSON fallback)", () => {
    expect(claudeCodeRequests).toHaveLength(4);
    for (const request of claudeCodeRequests) {
      expect(isClaudeCode(new Headers(request.headers), request.body), request.run).toBe(true);
    }
  });

  it("refuses the SDKs and curl", () => {
    expect(isClaudeCode(new Headers(sdkHeaders), sdkBody)).toBe(false);
    const curl = new Headers({ "user-agent": "curl/8.5.0", "content-type": "application/json" });
    expect(isClaudeCode(curl, sdkBody)).toBe(false);
    const python = new Headers({ ...sdkHeaders, "user-agent": "Anthropic/Python 0.64.0" });
    expect(isClaudeCode(python, { ...sdkBody, system: "You are a helpful assistant." })).toBe(false);
  });

  it("wants all of the original's checks: the UA, x-app, the betas, the user id, the system prompt", () => {
    const { headers, body } = captured(0);
    const without = (name: string) => {
      const copy = new Headers(headers);
      copy.delete(name);
      return copy;
    };
    for (const name of ["user-agent", "x-app", "anthropic-beta", "anthropic-version"]) {
      expect(isClaudeCode(without(name), body), name).toBe(false);
    }
    const spoofedUa = new Headers({ ...sdkHeaders, "user-agent": "claude-cli/2.1.330 (external, cli)" });
    expect(isClaudeCode(spoofedUa, sdkBody)).toBe(false);
    expect(isClaudeCode(new Headers(headers), { ...body, metadata: {} })).toBe(false);
    expect(isClaudeCode(new Headers(headers), { ...body, metadata: { user_id: "someone" } })).toBe(false);
    expect(
      isClaudeCode(new Headers(headers), { ...body, system: [{ type: "text", text: "You are a pirate." }] }),
    ).toBe(false);
    // Claude Code before 2.1.78: the legacy user id and its own system prompt.
    const legacy = {
      ...body,
      system: [{ type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." }],
      metadata: { user_id: `user_${"a1".repeat(32)}_account__session_17cf0fd3-d51b-4b59-977d-b899dafb3022` },
    };
    expect(isClaudeCode(new Headers(headers), legacy)).toBe(true);
  });
});

describe("no disguise: what the upstream receives", () => {
  let token: string;
  let secret: string;

  beforeEach(async () => {
    token = await freshKeyspace();
    await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
    secret = (await createKey(token)).secret;
  });

  async function oauthAccount(extra: Record<string, unknown> = {}) {
    const created = await admin(token, "POST", "/accounts/claude-oauth/import", {
      name: "max",
      accessToken: "sk-ant-oat01-account",
      refreshToken: "refresh",
      expiresAt: Date.now() + 3_600_000,
      baseUrl: `${upstreamUrl}/s/ok`,
      ...extra,
    });
    expect(created.status).toBe(201);
  }

  it("a request from Claude Code passes untouched: its headers and body bytes, only the credential replaced and the OAuth beta added", async () => {
    await oauthAccount();
    const { headers, body } = captured(0);
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (!TRANSPORT.has(name)) sent[name] = value;
    sent.authorization = `Bearer ${secret}`;
    const text = JSON.stringify(body);
    const response = await SELF.fetch(`${BASE}/api/v1/messages?beta=true`, {
      method: "POST",
      headers: sent,
      body: text,
    });
    expect(response.status).toBe(200);
    await response.text();
    const received = (await fakeStats()).lastRequest as unknown as {
      path: string;
      headers: Record<string, string>;
      rawBody: string;
    };
    expect(received.path).toBe("/s/ok/v1/messages?beta=true");
    expect(received.rawBody).toBe(text);
    for (const [name, value] of Object.entries(sent)) {
      if (name === "authorization" || name === "anthropic-beta") continue;
      expect(received.headers[name], name).toBe(value);
    }
    expect(received.headers.authorization).toBe("Bearer sk-ant-oat01-account");
    expect(received.headers["anthropic-beta"]).toBe(`${headers["anthropic-beta"]},oauth-2025-04-20`);
  });

  it("another client on a subscription account that allows it keeps its own user agent, betas and body: no Claude Code beta, prompt or user id", async () => {
    await oauthAccount({ allowOtherClients: true });
    const text = JSON.stringify(sdkBody);
    const response = await SELF.fetch(`${BASE}/api/v1/messages`, {
      method: "POST",
      headers: { ...sdkHeaders, "x-api-key": secret, "anthropic-beta": "context-1m-2025-08-07" },
      body: text,
    });
    expect(response.status).toBe(200);
    await response.text();
    const received = (await fakeStats()).lastRequest as unknown as {
      headers: Record<string, string>;
      rawBody: string;
    };
    expect(received.rawBody).toBe(text);
    expect(received.headers["user-agent"]).toBe("Anthropic/JS 0.60.0");
    expect(received.headers["x-stainless-package-version"]).toBe("0.60.0");
    expect(received.headers["anthropic-beta"]).toBe("context-1m-2025-08-07,oauth-2025-04-20");
    expect(received.headers["x-app"]).toBeUndefined();
    expect(received.headers.authorization).toBe("Bearer sk-ant-oat01-account");
    expect(received.headers["x-api-key"]).toBeUndefined();
  });

  it("a Console account gets the client's request with its API key and no OAuth beta", async () => {
    const created = await admin(token, "POST", "/accounts/claude-console", {
      name: "console",
      apiKey: "sk-ant-api03-console",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(created.status).toBe(201);
    const text = JSON.stringify(sdkBody);
    const response = await SELF.fetch(`${BASE}/api/v1/messages`, {
      method: "POST",
      headers: { ...sdkHeaders, "x-api-key": secret },
      body: text,
    });
    expect(response.status).toBe(200);
    await response.text();
    const received = (await fakeStats()).lastRequest as unknown as {
      headers: Record<string, string>;
      rawBody: string;
    };
    expect(received.rawBody).toBe(text);
    expect(received.headers["x-api-key"]).toBe("sk-ant-api03-console");
    expect(received.headers["user-agent"]).toBe("Anthropic/JS 0.60.0");
    expect(received.headers["anthropic-beta"]).toBeUndefined();
  });
});
