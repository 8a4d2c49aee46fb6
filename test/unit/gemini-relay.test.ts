// The Gemini surface end to end inside workerd: routes, errors in Google's shape, API-key and OAuth
// accounts against the fake upstream (public API and Code Assist), usage, failover, refresh.
import { SELF } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  admin,
  BASE,
  createAccount,
  createKey,
  fakeUsageFor,
  freshKeyspace,
  keyUsageAfter,
  upstreamUrl,
} from "./helpers.ts";

let token: string;

interface FakeStats {
  usageSent: Array<{ requestId: string; input_tokens: number; output_tokens: number }>;
  oauth: { tokenRequests: number; byGrant: Record<string, number> };
  lastRequest: { path: string; headers: Record<string, string>; body: Record<string, unknown> };
  byCredential: Record<string, { requests: number }>;
}
interface AccountList {
  accounts: Array<{ id: string; name: string; health: { status: string; until: string | null } }>;
}

const fakeStats = async () => (await (await fetch(`${upstreamUrl}/__stats`)).json()) as FakeStats;

async function geminiApiAccount(scenario: string, extra: Record<string, unknown> = {}) {
  const account = await createAccount(token, "gemini-api", {
    name: `gemini-${scenario}`,
    apiKey: `AIza-${scenario}-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    ...extra,
  });
  expect(account).toMatchObject({ type: "gemini-api", platform: "gemini" });
  return account.id;
}

const SAY_HELLO = { contents: [{ role: "user", parts: [{ text: "Say hello" }] }] };

function gemini(
  secret: string,
  path: string,
  body: unknown = SAY_HELLO,
  headers: Record<string, string> = {},
) {
  return SELF.fetch(`${BASE}/gemini${path}`, {
    method: "POST",
    headers: { "x-goog-api-key": secret, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectGoogleError(response: Response, code: number, status: string) {
  expect(response.status).toBe(code);
  expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  const body = (await response.json()) as { error: { code: number; message: string; status: string } };
  expect(body.error).toMatchObject({ code, status });
  expect(typeof body.error.message).toBe("string");
  return body.error.message;
}

/** The JSON objects of an SSE body's data events. */
function events(text: string): Array<Record<string, unknown>> {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.trim())
    .filter((block) => block.startsWith("data:"))
    .map((block) => JSON.parse(block.slice(5).trim()) as Record<string, unknown>);
}

const textOf = (response: unknown): string => {
  const candidates = (response as { candidates?: Array<{ content: { parts: Array<{ text?: string }> } }> })
    .candidates;
  return candidates?.[0]?.content.parts.map((p) => p.text ?? "").join("") ?? "";
};

beforeAll(async () => {
  token = await freshKeyspace();
});

describe("Gemini routes: errors before any upstream, in Google's shape", () => {
  it("401 for a missing or unknown key, from any of the places a key is read", async () => {
    await expectGoogleError(
      await SELF.fetch(`${BASE}/gemini/v1beta/models/gemini-2.5-pro:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(SAY_HELLO),
      }),
      401,
      "UNAUTHENTICATED",
    );
    await expectGoogleError(
      await SELF.fetch(
        `${BASE}/gemini/v1beta/models/gemini-2.5-pro:generateContent?key=cr_${"0".repeat(64)}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(SAY_HELLO),
        },
      ),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("400 for a body without contents or not JSON; 404 for an unknown method", async () => {
    const key = await createKey(token);
    const noContents = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", {});
    expect(await expectGoogleError(noContents, 400, "INVALID_ARGUMENT")).toMatch(/contents/);
    const empty = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", { contents: [] });
    await expectGoogleError(empty, 400, "INVALID_ARGUMENT");
    const bad = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", "{nope");
    await expectGoogleError(bad, 400, "INVALID_ARGUMENT");
    const codeAssist = await gemini(key.secret, "/v1internal:generateContent", { request: SAY_HELLO });
    expect(await expectGoogleError(codeAssist, 400, "INVALID_ARGUMENT")).toMatch(/model/);
    await expectGoogleError(
      await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:embedContent"),
      404,
      "NOT_FOUND",
    );
    await expectGoogleError(await gemini(key.secret, "/v1internal:listExperiments"), 404, "NOT_FOUND");
  });

  it("403 for a key without the gemini permission, on relayed calls and on the model list", async () => {
    const key = await createKey(token, { limits: { permissions: ["claude"] } });
    await expectGoogleError(
      await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent"),
      403,
      "PERMISSION_DENIED",
    );
    await expectGoogleError(
      await SELF.fetch(`${BASE}/gemini/v1beta/models`, { headers: { "x-goog-api-key": key.secret } }),
      403,
      "PERMISSION_DENIED",
    );
  });

  it("503 with retry-after when no Gemini account exists", async () => {
    const key = await createKey(token);
    const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent");
    expect(response.headers.get("retry-after")).toBeTruthy();
    await expectGoogleError(response, 503, "UNAVAILABLE");
  });
});

describe("Gemini through an API-key account", () => {
  let keyId: string;
  let secret: string;
  const sentSoFar = { input: 0, output: 0, cacheRead: 0 };
  const addSent = (
    sent: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number } | undefined,
  ) => {
    sentSoFar.input += sent?.input_tokens ?? Number.NaN;
    sentSoFar.output += sent?.output_tokens ?? Number.NaN;
    sentSoFar.cacheRead += sent?.cache_read_input_tokens ?? Number.NaN;
  };

  beforeAll(async () => {
    token = await freshKeyspace();
    await geminiApiAccount("cache-read");
    ({ id: keyId, secret } = await createKey(token));
  });

  it("generateContent answers in Google's shape and records exactly the usage the upstream sent", async () => {
    const response = await gemini(secret, "/v1beta/models/gemini-2.5-pro:generateContent", {
      ...SAY_HELLO,
      generationConfig: { thinkingConfig: { includeThoughts: true } },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { candidates: unknown[]; usageMetadata: Record<string, number> };
    expect(textOf(body)).toContain("Hello from fake upstream");
    expect(body.usageMetadata.cachedContentTokenCount).toBeGreaterThan(0);
    expect(body.usageMetadata.thoughtsTokenCount).toBe(3);
    const sent = await fakeUsageFor(response.headers.get("request-id") ?? "");
    expect(sent).toBeDefined();
    const usage = await keyUsageAfter(token, keyId, 1);
    expect(usage).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
      cacheReadTokens: sent?.cache_read_input_tokens,
      cacheCreateTokens: 0,
    });
    expect(usage.cacheReadTokens).toBeGreaterThan(0);
    addSent(sent);
  });

  it("streamGenerateContent?alt=sse streams Gemini CLI's request natively and records the streamed usage", async () => {
    const response = await SELF.fetch(
      `${BASE}/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${secret}`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GeminiCLI-tui/0.61.0/gemini-2.5-pro (linux; x64; terminal)",
          "x-goog-api-client": "google-genai-sdk/1.30.0 gl-node/v20.20.2",
        },
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text: "<session_context>…" }, { text: "Say hello" }] }],
          systemInstruction: { role: "user", parts: [{ text: "You are a CLI agent." }] },
          generationConfig: {
            temperature: 1,
            thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 },
          },
        }),
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    const chunks = events(text);
    expect(chunks.map(textOf).join("")).toContain("Hello from fake upstream");
    expect(JSON.stringify(chunks.at(-1))).toContain('"finishReason":"STOP"');
    const stats = await fakeStats();
    expect(stats.lastRequest.path).toMatch(/:streamGenerateContent\?alt=sse$/);
    expect(stats.lastRequest.headers["x-goog-api-key"]).toMatch(/^AIza-cache-read-/);
    expect(JSON.stringify(stats.lastRequest)).not.toContain(secret);
    expect(stats.lastRequest.headers["user-agent"]).toMatch(/^GeminiCLI-tui/);
    const sent = await fakeUsageFor(response.headers.get("request-id") ?? "");
    expect(sent?.output_tokens).toBeGreaterThan(3);
    addSent(sent);
    const usage = await keyUsageAfter(token, keyId, 2);
    expect(usage).toMatchObject({
      requests: 2,
      inputTokens: sentSoFar.input,
      outputTokens: sentSoFar.output,
      cacheReadTokens: sentSoFar.cacheRead,
    });
  });

  it("serves the /v1 and bare /models paths, countTokens (unmetered), and the model list", async () => {
    for (const path of [
      "/v1/models/gemini-2.5-flash:generateContent",
      "/models/gemini-2.5-flash:generateContent",
    ]) {
      const response = await gemini(secret, path);
      expect(response.status).toBe(200);
      expect(textOf(await response.json())).toBe("Hello from fake upstream");
    }
    expect((await fakeStats()).lastRequest.path).toMatch(
      /\/v1beta\/models\/gemini-2\.5-flash:generateContent$/,
    );
    const before = await keyUsageAfter(token, keyId, 4);
    const counted = await gemini(secret, "/v1beta/models/gemini-2.5-pro:countTokens");
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    // countTokens is relayed unmetered: it is not a request of the key and adds no tokens.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await keyUsageAfter(token, keyId, 4);
    expect(after).toMatchObject({
      requests: before.requests,
      inputTokens: before.inputTokens,
      outputTokens: before.outputTokens,
    });

    const list = await SELF.fetch(`${BASE}/gemini/v1beta/models`, { headers: { "x-goog-api-key": secret } });
    expect(list.status).toBe(200);
    const names = ((await list.json()) as { models: Array<{ name: string }> }).models.map((m) => m.name);
    expect(names).toContain("models/gemini-2.5-pro");
    const restricted = await createKey(token, { limits: { restrictedModels: ["gemini-2.5-pro"] } });
    const filtered = await SELF.fetch(`${BASE}/gemini/v1/models`, {
      headers: { authorization: `Bearer ${restricted.secret}` },
    });
    const filteredNames = ((await filtered.json()) as { models: Array<{ name: string }> }).models.map(
      (m) => m.name,
    );
    expect(filteredNames).not.toContain("models/gemini-2.5-pro");
    expect(filteredNames).toContain("models/gemini-2.5-flash");
    const detail = await SELF.fetch(`${BASE}/gemini/v1beta/models/gemini-2.5-flash`, {
      headers: { "x-goog-api-key": secret },
    });
    expect(((await detail.json()) as { name: string }).name).toBe("models/gemini-2.5-flash");
    const refused = await gemini(restricted.secret, "/v1beta/models/gemini-2.5-pro:generateContent");
    await expectGoogleError(refused, 403, "PERMISSION_DENIED");
  });

  it("serves Code Assist calls from an API-key account, wrapped as Code Assist answers", async () => {
    const body = {
      model: "gemini-2.5-pro",
      project: "client-project",
      user_prompt_id: "p1",
      request: SAY_HELLO,
    };
    const json = await gemini(secret, "/v1internal:generateContent", body);
    expect(json.status).toBe(200);
    const answer = (await json.json()) as { response: unknown };
    expect(textOf(answer.response)).toBe("Hello from fake upstream");
    expect((await fakeStats()).lastRequest.path).toMatch(
      /\/v1beta\/models\/gemini-2\.5-pro:generateContent$/,
    );

    const stream = await gemini(secret, "/v1internal:streamGenerateContent?alt=sse", body);
    expect(stream.status).toBe(200);
    const chunks = events(await stream.text());
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk).toHaveProperty("response");
    expect(chunks.map((c) => textOf(c.response)).join("")).toBe("Hello from fake upstream");

    const count = await gemini(secret, "/v1internal:countTokens", {
      request: { model: "models/gemini-2.5-pro", contents: SAY_HELLO.contents },
    });
    expect(((await count.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);

    const load = await gemini(secret, "/v1internal:loadCodeAssist", { metadata: { pluginType: "GEMINI" } });
    expect(load.status).toBe(200);
    expect(await load.json()).toMatchObject({
      currentTier: { id: "standard-tier" },
      cloudaicompanionProject: "edge-relay",
    });
    const onboard = await gemini(secret, "/v1internal:onboardUser", { tierId: "standard-tier" });
    expect(await onboard.json()).toMatchObject({
      done: true,
      response: { cloudaicompanionProject: { id: "edge-relay" } },
    });
  });

  it("admits Gemini CLI on a key that allows only gemini_cli, and refuses other clients", async () => {
    const key = await createKey(token, { limits: { allowedClients: ["gemini_cli"] } });
    const cli = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", SAY_HELLO, {
      "user-agent": "GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64; terminal)",
    });
    expect(cli.status).toBe(200);
    await cli.text();
    const other = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", SAY_HELLO, {
      "user-agent": "curl/8",
    });
    await expectGoogleError(other, 403, "PERMISSION_DENIED");
  });
});

describe("Gemini failover and upstream failures", () => {
  it("fails over from a 429 account to the next and parks it until the retry time", async () => {
    token = await freshKeyspace();
    const limited = await geminiApiAccount("429", { priority: 1 });
    const healthy = await geminiApiAccount("ok", { priority: 2 });
    const key = await createKey(token);
    const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent");
    expect(response.status).toBe(200);
    expect(textOf(await response.json())).toBe("Hello from fake upstream");
    const { body } = await admin<AccountList>(token, "GET", "/accounts");
    const byId = new Map(body.accounts.map((a) => [a.id, a.health]));
    expect(byId.get(limited)?.status).toBe("rate-limited");
    const until = Date.parse(byId.get(limited)?.until ?? "");
    expect(until).toBeGreaterThan(Date.now() + 20_000);
    expect(until).toBeLessThan(Date.now() + 40_000);
    expect(byId.get(healthy)?.status).toBe("active");
  });

  it("hands the upstream's 429 to the client in Google's shape when no account is left", async () => {
    token = await freshKeyspace();
    await geminiApiAccount("429");
    const key = await createKey(token);
    const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(response.headers.get("retry-after")).toBeTruthy();
    await expectGoogleError(response, 429, "RESOURCE_EXHAUSTED");
  });

  it("marks an account whose key the upstream refuses unauthorized, and fails over", async () => {
    token = await freshKeyspace();
    await admin(token, "POST", "/accounts/gemini-api", {
      name: "refused",
      apiKey: "invalid",
      baseUrl: `${upstreamUrl}/s/ok`,
      priority: 1,
    });
    await geminiApiAccount("ok", { priority: 2 });
    const key = await createKey(token);
    const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent");
    expect(response.status).toBe(200);
    await response.text();
    const { body } = await admin<AccountList>(token, "GET", "/accounts");
    expect(body.accounts.find((a) => a.name === "refused")?.health.status).toBe("unauthorized");
  });

  it("ends a stream the upstream cut with a Google-shaped error event and records what was used", async () => {
    token = await freshKeyspace();
    await geminiApiAccount("reset-mid-stream");
    const key = await createKey(token);
    const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/data: \{"error":\{"code":502,/);
    const usage = await keyUsageAfter(token, key.id, 1);
    expect(usage.requests).toBe(1);
  });

  it("keeps a conversation on one account", async () => {
    token = await freshKeyspace();
    for (let i = 0; i < 3; i++) await geminiApiAccount("ok", { priority: 1 });
    const key = await createKey(token);
    const credentials = new Set<string>();
    const first = { role: "user", parts: [{ text: `session ${crypto.randomUUID()}` }] };
    for (let turn = 0; turn < 6; turn++) {
      const contents = [
        first,
        ...Array.from({ length: turn }, () => ({ role: "user", parts: [{ text: "more" }] })),
      ];
      const response = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent", {
        contents,
      });
      expect(response.status).toBe(200);
      await response.text();
      credentials.add((await fakeStats()).lastRequest.headers["x-goog-api-key"] ?? "");
    }
    expect(credentials.size).toBe(1);
  });
});

describe("Gemini OAuth accounts (Code Assist)", () => {
  beforeEach(async () => {
    token = await freshKeyspace();
    await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
  });

  it("builds the Google authorization link with the Gemini CLI client, PKCE and offline access", async () => {
    const { status, body } = await admin<{ sessionId: string; authUrl: string }>(
      token,
      "POST",
      "/accounts/gemini-oauth/authorize",
    );
    expect(status).toBe(200);
    const url = new URL(body.authUrl);
    expect(url.origin + url.pathname).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(url.searchParams.get("client_id")).toMatch(/^681255809395-.*\.apps\.googleusercontent\.com$/);
    expect(url.searchParams.get("scope")).toBe("https://www.googleapis.com/auth/cloud-platform");
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("redirect_uri")).toBe("https://codeassist.google.com/authcode");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("exchanges a pasted code, finds the Code Assist project, and relays public calls through Code Assist", async () => {
    const auth = await admin<{ sessionId: string }>(token, "POST", "/accounts/gemini-oauth/authorize");
    const created = await admin<{ account: { id: string; type: string } }>(
      token,
      "POST",
      "/accounts/gemini-oauth/exchange",
      {
        sessionId: auth.body.sessionId,
        code: "good-code",
        name: "gemini oauth",
        baseUrl: `${upstreamUrl}/s/ok`,
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.account.type).toBe("gemini-oauth");
    expect(JSON.stringify(created.body)).not.toContain("fake-access");
    expect((await fakeStats()).oauth.byGrant.authorization_code).toBe(1);

    const key = await createKey(token);
    const json = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent");
    expect(json.status).toBe(200);
    const answer = (await json.json()) as Record<string, unknown>;
    expect(answer).not.toHaveProperty("response");
    expect(textOf(answer)).toBe("Hello from fake upstream");
    const upstream = (await fakeStats()).lastRequest;
    expect(upstream.path).toBe("/s/ok/v1internal:generateContent");
    expect(upstream.headers.authorization).toMatch(/^Bearer fake-access-/);
    expect(upstream.body).toMatchObject({
      model: "gemini-2.5-pro",
      project: "fake-project",
      request: SAY_HELLO,
    });

    const stream = await gemini(key.secret, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    expect(stream.status).toBe(200);
    const chunks = events(await stream.text());
    for (const chunk of chunks) expect(chunk).not.toHaveProperty("response");
    expect(chunks.map(textOf).join("")).toBe("Hello from fake upstream");
    const sent = await fakeUsageFor(stream.headers.get("request-id") ?? "");
    const usage = await keyUsageAfter(token, key.id, 2);
    expect(usage.requests).toBe(2);
    const all = (await fakeStats()).usageSent;
    expect(usage.outputTokens).toBe(all.reduce((s, u) => s + u.output_tokens, 0));
    expect(usage.inputTokens).toBe(all.reduce((s, u) => s + u.input_tokens, 0));
    expect(sent).toBeDefined();

    // A Code Assist client gets Code Assist's answer as it is.
    const native = await gemini(key.secret, "/v1internal:generateContent", {
      model: "gemini-2.5-pro",
      project: "mine",
      request: SAY_HELLO,
    });
    expect(textOf(((await native.json()) as { response: unknown }).response)).toBe(
      "Hello from fake upstream",
    );
    expect((await fakeStats()).lastRequest.body.project).toBe("fake-project");
  });

  it("refreshes an imported expired token exactly once for 10 parallel requests", async () => {
    const created = await admin(token, "POST", "/accounts/gemini-oauth/import", {
      name: "expired",
      accessToken: "ya29.old",
      refreshToken: "1//refresh-me",
      expiresAt: Date.now() - 1_000,
      projectId: "my-project",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(created.status).toBe(201);
    const key = await createKey(token);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => gemini(key.secret, "/v1beta/models/gemini-2.5-pro:generateContent")),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    await Promise.all(responses.map((r) => r.text()));
    const stats = await fakeStats();
    expect(stats.oauth.byGrant.refresh_token).toBe(1);
    expect(stats.lastRequest.headers.authorization).toMatch(/^Bearer fake-access-/);
    expect(stats.lastRequest.body.project).toBe("my-project");
  });

  it("documents the Gemini account routes in the admin OpenAPI document", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/admin/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const path of ["api", "oauth/authorize", "oauth/exchange", "oauth/import"]) {
      expect(doc.paths).toHaveProperty([`/accounts/gemini-${path}`]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "NewConsoleAccount",
        "NewGeminiApiAccount",
        "GeminiOauthExchange",
        "GeminiOauthImport",
      ]),
    );
  });

  it("imports from a refresh token alone, and refuses a revoked one", async () => {
    const created = await admin(token, "POST", "/accounts/gemini-oauth/import", {
      name: "refresh only",
      refreshToken: "1//good",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(created.status).toBe(201);
    expect((await fakeStats()).oauth.byGrant.refresh_token).toBe(1);
    const refused = await admin<{ error: { message: string } }>(
      token,
      "POST",
      "/accounts/gemini-oauth/import",
      {
        name: "revoked",
        refreshToken: "revoked",
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/refused/);
  });
});
