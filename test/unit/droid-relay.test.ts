// The /droid routes inside workerd: Droid (Factory.ai) accounts on the fake upstream's Factory
// paths. Anthropic Messages, Chat Completions ("comm") and Responses, streamed and not, with the
// original's headers, system prompt and model mapping; usage and cost recorded as the fake sent
// them; 401 parks the account as unauthorized, 429 parks it and the next account serves; the
// droid permission; the model list; the admin API for these accounts.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { costOf, shippedPrices } from "../../worker/pricing/pricing.ts";
import { DROID_SYSTEM_PROMPT } from "../../worker/providers/droid/upstream.ts";
import {
  admin,
  BASE,
  createAccount,
  createKey,
  expectUnauthorizedFailover,
  fakeStats,
  freshKeyspace,
  fuzzEachPath,
  keyUsage,
  listAccounts,
  settledUsage,
  upstreamUrl,
} from "./helpers.ts";

let token: string;

const droidAccount = (scenario: string, extra: Record<string, unknown> = {}) =>
  createAccount(token, "droid", {
    name: `droid-${scenario}`,
    apiKey: `fk-${scenario}-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/${scenario}/api/llm`,
    ...extra,
  });

function post(
  secret: string,
  path: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return SELF.fetch(`${BASE}/droid${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
const MESSAGES = [{ role: "user", content: "Say hello" }];
const messages = (secret: string, body: Record<string, unknown> = {}) =>
  post(secret, "/claude/v1/messages", {
    model: "claude-sonnet-4-5",
    max_tokens: 50,
    messages: MESSAGES,
    ...body,
  });
const chat = (secret: string, body: Record<string, unknown> = {}) =>
  post(secret, "/comm/v1/chat/completions", { model: "gpt-5", messages: MESSAGES, ...body });
const responses = (secret: string, body: Record<string, unknown> = {}, path = "/openai/v1/responses") =>
  post(secret, path, { model: "gpt-5", input: "Say hello", ...body });

describe("Droid accounts in the admin API", () => {
  beforeAll(async () => {
    token = await freshKeyspace();
  });

  it("creates one on platform droid with an optional user agent, never showing the key", async () => {
    const account = await droidAccount("ok", { userAgent: "factory-cli/0.40.0" });
    expect(account).toMatchObject({
      type: "droid",
      platform: "droid",
      settings: { userAgent: "factory-cli/0.40.0" },
    });
    expect(JSON.stringify(account)).not.toContain("fk-ok-");
    expect((await admin(token, "POST", "/accounts/droid", { name: "x" })).status).toBe(400);
    const changed = await admin<{ account: { settings?: Record<string, unknown> } }>(
      token,
      "PATCH",
      `/accounts/${account.id}`,
      {
        settings: { userAgent: null },
      },
    );
    expect(changed.body.account.settings).toEqual({});
  });
});

describe("Droid routes: relaying", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    token = await freshKeyspace();
    await droidAccount("ok");
    ({ id: keyId, secret } = await createKey(token));
  });

  it("relays Anthropic Messages to /a/v1/messages as the Factory CLI, with Droid's system prompt", async () => {
    const before = await keyUsage(token, keyId);
    const response = await messages(secret, {
      system: "Be brief.",
      metadata: { user_id: "u" },
      temperature: 0.5,
      top_p: 0.9,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: "message",
      content: [{ text: "Hello from fake upstream" }],
    });
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/api/llm/a/v1/messages");
    expect(last.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer fk-ok-/),
      "x-factory-client": "cli",
      "x-api-provider": "anthropic",
      "user-agent": "factory-cli/0.32.1",
      "anthropic-version": "2023-06-01",
    });
    expect(last.headers["x-session-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(last.headers)).not.toContain(secret);
    expect(last.body.system).toEqual([
      { type: "text", text: DROID_SYSTEM_PROMPT },
      { type: "text", text: "Be brief." },
    ]);
    expect(last.body).not.toHaveProperty("metadata");
    expect(last.body).not.toHaveProperty("top_p");
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(sent?.protocol).toBe("anthropic");
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
    expect(delta.cost).toBe(sent ? costOf(shippedPrices, sent.model, sent).microUsd : -1);
    expect(delta.cost).toBeGreaterThan(0);
  });

  it("streams Messages as SSE and meters them; haiku is asked for as sonnet (Factory has no haiku)", async () => {
    const before = await keyUsage(token, keyId);
    const response = await messages(secret, { stream: true, model: "claude-3-5-haiku-20241022" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text).toContain("event: message_stop");
    expect((await fakeStats()).lastRequest.body).toMatchObject({
      model: "claude-sonnet-4-20250514",
      stream: true,
    });
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(sent?.completed).toBe(true);
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
  });

  it("relays chat completions to /o/v1/chat/completions; a stream's usage chunk is asked for and taken out", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(secret, { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toMatch(/"usage":\{/);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/api/llm/o/v1/chat/completions");
    expect(last.headers["x-api-provider"]).toBe("azure_openai");
    expect(last.body).toMatchObject({ stream_options: { include_usage: true } });
    expect((last.body.messages as Array<{ role: string; content: string }>)[0]).toEqual({
      role: "system",
      content: DROID_SYSTEM_PROMPT,
    });
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(sent?.protocol).toBe("openai-chat");
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
  });

  it("relays chat completions as JSON and picks Factory's provider from the model", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(secret, { model: "glm-4.6" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: "chat.completion" });
    expect((await fakeStats()).lastRequest.headers["x-api-provider"]).toBe("fireworks");
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(delta.input).toBe(sent?.input_tokens);
  });

  it("relays Responses on both paths to /o/v1/responses, gpt-5 by its dated name, with Droid's instructions", async () => {
    for (const path of ["/openai/v1/responses", "/openai/responses"]) {
      const before = await keyUsage(token, keyId);
      const response = await responses(secret, { stream: true, instructions: "Be brief." }, path);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("event: response.completed");
      const last = (await fakeStats()).lastRequest;
      expect(last.path).toBe("/s/ok/api/llm/o/v1/responses");
      expect(last.headers["x-api-provider"]).toBe("azure_openai");
      expect(last.body).toMatchObject({
        model: "gpt-5-2025-08-07",
        instructions: `${DROID_SYSTEM_PROMPT}Be brief.`,
      });
      const { sent, delta } = await settledUsage(token, keyId, before, response);
      expect(sent?.protocol).toBe("openai-responses");
      expect(delta.input).toBe(sent?.input_tokens);
      expect(delta.output).toBe(sent?.output_tokens);
    }
  });

  it("the admin's connection test sends one tiny message through Factory's Anthropic path", async () => {
    const account = (await listAccounts(token)).find((a) => a.type === "droid");
    const { status, body } = await admin<{ ok: boolean; status: number }>(
      token,
      "POST",
      `/accounts/${account?.id}/test`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, status: 200 });
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/api/llm/a/v1/messages");
    expect(last.headers["x-factory-client"]).toBe("cli");
  });

  it("lists the original's models on every surface", async () => {
    for (const surface of ["claude", "comm", "openai"]) {
      const response = await SELF.fetch(`${BASE}/droid/${surface}/v1/models`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(response.status).toBe(200);
      const ids = ((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
      expect(ids).toEqual(["claude-opus-4-1-20250805", "claude-sonnet-4-5-20250929", "gpt-5-2025-08-07"]);
    }
  });
});

describe("Droid OAuth (Factory / WorkOS login) accounts", () => {
  const refreshes = async () => (await fakeStats()).oauth.byGrant.refresh_token ?? 0;
  const create = (body: Record<string, unknown>) =>
    admin<{ account: { settings?: Record<string, unknown> } }>(token, "POST", "/accounts/droid", {
      name: "droid-oauth",
      baseUrl: `${upstreamUrl}/s/ok/api/llm`,
      ...body,
    });

  it("exchanges a refresh token alone at creation, then sends the access token it got", async () => {
    token = await freshKeyspace();
    const before = await refreshes();
    const created = await create({
      refreshToken: `droid-refresh-${crypto.randomUUID()}`,
      organizationId: "org_1",
    });
    expect(created.status).toBe(201);
    expect(created.body.account.settings).toEqual({ organizationId: "org_1" });
    expect(JSON.stringify(created.body)).not.toContain("droid-refresh-");
    expect(await refreshes()).toBe(before + 1);
    const key = await createKey(token);
    const response = await messages(key.secret);
    expect(response.status).toBe(200);
    expect((await fakeStats()).lastRequest.headers.authorization).toMatch(/^Bearer fake-access-/);
    // Still fresh: no second refresh.
    expect(await refreshes()).toBe(before + 1);
  });

  it("refreshes an expired access token once before the request", async () => {
    token = await freshKeyspace();
    const created = await create({
      accessToken: "droid-old-access",
      refreshToken: `droid-refresh-${crypto.randomUUID()}`,
      expiresAt: Date.now() - 1000,
    });
    expect(created.status).toBe(201);
    const before = await refreshes();
    const key = await createKey(token);
    const response = await chat(key.secret);
    expect(response.status).toBe(200);
    const bearer = (await fakeStats()).lastRequest.headers.authorization;
    expect(bearer).toMatch(/^Bearer fake-access-/);
    expect(await refreshes()).toBe(before + 1);
  });

  it("refuses a revoked refresh token at creation, and an API key together with tokens", async () => {
    token = await freshKeyspace();
    const revoked = await create({ refreshToken: "revoked" });
    expect(revoked.status).toBe(400);
    expect(JSON.stringify(revoked.body)).toMatch(/WorkOS/);
    const both = await create({ apiKey: "fk-1", refreshToken: "r" });
    expect(both.status).toBe(400);
    const neither = await create({});
    expect(neither.status).toBe(400);
  });
});

describe("Droid routes: errors and permissions", () => {
  it("parks an account the upstream answers 401 as unauthorized and serves from the next one", async () => {
    token = await freshKeyspace();
    await expectUnauthorizedFailover(token, droidAccount, (secret) => messages(secret));
  });

  it("parks a 429'd account as rate-limited and fails over; alone, the client gets a 429 in its protocol's shape", async () => {
    token = await freshKeyspace();
    const limited = await droidAccount("429", { priority: 1 });
    const key = await createKey(token);
    const alone = await messages(key.secret);
    expect(alone.status).toBe(429);
    expect(await alone.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect((await listAccounts(token)).find((a) => a.id === limited.id)?.health.status).toBe("rate-limited");
    await droidAccount("ok", { priority: 2 });
    const served = await chat(key.secret);
    expect(served.status).toBe(200);
  });

  it("requires the droid permission (403 in each path's shape)", async () => {
    token = await freshKeyspace();
    await droidAccount("ok");
    const key = await createKey(token, { limits: { permissions: ["claude", "openai"] } });
    const refusedMessages = await messages(key.secret);
    expect(refusedMessages.status).toBe(403);
    expect(await refusedMessages.json()).toMatchObject({
      type: "error",
      error: { type: "permission_error" },
    });
    const refusedChat = await chat(key.secret);
    expect(refusedChat.status).toBe(403);
    expect(await refusedChat.json()).toMatchObject({ error: { type: "permission_error" } });
    const models = await SELF.fetch(`${BASE}/droid/claude/v1/models`, {
      headers: { "x-api-key": key.secret },
    });
    expect(models.status).toBe(403);
    const allowed = await createKey(token, { limits: { permissions: ["droid"] } });
    expect((await messages(allowed.secret)).status).toBe(200);
  });

  it("answers 400 in Anthropic's shape for a Messages body without a model", async () => {
    token = await freshKeyspace();
    const key = await createKey(token);
    const response = await post(key.secret, "/claude/v1/messages", { messages: MESSAGES });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});

describe("Droid routes: fuzzed bodies", () => {
  let secret: string;
  beforeAll(async () => {
    token = await freshKeyspace();
    await droidAccount("ok");
    secret = (await createKey(token)).secret;
  });

  // The body rewrite (system prompt, instructions, model mapping, temperature/top_p) meets any
  // shape of those fields: the relay itself never answers 5xx.
  const field = fc.oneof(fc.jsonValue(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }));
  const bodies = fc.record(
    {
      model: fc.oneof(fc.constantFrom("claude-3-5-haiku", "gpt-5", "glm-4.6"), fc.string()),
      messages: fc.oneof(fc.constant(MESSAGES), fc.array(fc.jsonValue(), { maxLength: 3 })),
      system: field,
      instructions: field,
      thinking: field,
      metadata: field,
      temperature: field,
      top_p: field,
      stream: fc.boolean(),
      input: field,
    },
    { requiredKeys: ["model"] },
  );
  fuzzEachPath(
    ["/claude/v1/messages", "/comm/v1/chat/completions", "/openai/v1/responses"],
    bodies,
    (path, body) => post(secret, path, body),
  );
});
