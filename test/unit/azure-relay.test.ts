// The /azure routes inside workerd: Azure OpenAI accounts on the fake upstream's deployment
// paths, chat (JSON and streamed, usage chunk asked for and taken out again), Responses and
// embeddings, usage and cost recorded as the fake sent them, the Azure pool kept apart from the
// OpenAI pool, upstream errors (401 parks the account as unauthorized, 429 parks it and the next
// account serves), the openai permission, and the admin API for these accounts.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { costOf, shippedPrices } from "../../worker/pricing/pricing.ts";
import {
  admin,
  BASE,
  createAccount,
  createKey,
  expectUnauthorizedFailover,
  fakeStats,
  freshKeyspace,
  fuzzEachPath,
  type KeyCounters,
  keyUsage,
  listAccounts,
  type SentUsage,
  sentFor,
  settledUsage,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

let token: string;

const azureAccount = (scenario: string, extra: Record<string, unknown> = {}) =>
  createAccount(token, "azure-openai", {
    name: `azure-${scenario}`,
    apiKey: `azure-${scenario}-${crypto.randomUUID()}`,
    endpoint: `${upstreamUrl}/s/${scenario}`,
    deployment: "gpt4o-prod",
    ...extra,
  });

function azure(secret: string, path: string, body: Record<string, unknown>) {
  return SELF.fetch(`${BASE}/azure${path}`, {
    method: "POST",
    headers: { "api-key": secret, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
const chat = (secret: string, body: Record<string, unknown> = {}) =>
  azure(secret, "/chat/completions", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "Say hello" }],
    ...body,
  });

const expectedCost = (sent: SentUsage | undefined) => {
  if (!sent) throw new Error("the fake sent no usage");
  return costOf(shippedPrices, sent.model, sent).microUsd;
};

describe("Azure OpenAI accounts in the admin API", () => {
  beforeAll(async () => {
    token = await freshKeyspace();
  });

  it("creates one with its endpoint as baseUrl and deployment/api-versions as settings, never showing the key", async () => {
    const account = await azureAccount("ok", { apiVersion: "2024-06-01" });
    expect(account).toMatchObject({
      type: "azure-openai",
      platform: "openai",
      baseUrl: `${upstreamUrl}/s/ok`,
      settings: { deployment: "gpt4o-prod", apiVersion: "2024-06-01" },
    });
    expect(JSON.stringify(account)).not.toContain("azure-ok-");
  });

  it("refuses a missing endpoint or deployment and a malformed api-version", async () => {
    const base = { name: "x", apiKey: "k", endpoint: "https://x.openai.azure.com", deployment: "d" };
    for (const body of [
      { ...base, endpoint: undefined },
      { ...base, deployment: undefined },
      { ...base, apiVersion: "latest" },
    ]) {
      expect((await admin(token, "POST", "/accounts/azure-openai", body)).status).toBe(400);
    }
  });

  it("changes settings by PATCH (merged, validated) and refuses an empty endpoint", async () => {
    const account = await azureAccount("ok");
    const changed = await admin<{ account: { settings?: Record<string, unknown> } }>(
      token,
      "PATCH",
      `/accounts/${account.id}`,
      {
        settings: { responsesApiVersion: "2025-03-01-preview" },
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.account.settings).toEqual({
      deployment: "gpt4o-prod",
      responsesApiVersion: "2025-03-01-preview",
    });
    const bad = await admin(token, "PATCH", `/accounts/${account.id}`, { settings: { deployment: "" } });
    expect(bad.status).toBe(400);
    const unknown = await admin(token, "PATCH", `/accounts/${account.id}`, { settings: { region: "x" } });
    expect(unknown.status).toBe(400);
    expect((await admin(token, "PATCH", `/accounts/${account.id}`, { baseUrl: "" })).status).toBe(400);
  });
});

describe("Azure routes: relaying", () => {
  let keyId: string;
  let secret: string;

  beforeAll(async () => {
    token = await freshKeyspace();
    await azureAccount("ok");
    ({ id: keyId, secret } = await createKey(token));
  });

  it("relays chat as JSON to the deployment path with api-key and api-version, recording usage and cost", async () => {
    const response = await chat(secret, { model: "azure/gpt-4o" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      choices: Array<{ message: { content: string } }>;
    };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello from fake upstream");
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21");
    expect(last.headers["api-key"]).toMatch(/^azure-ok-/);
    expect(last.headers.authorization).toBeUndefined();
    expect(JSON.stringify(last.headers)).not.toContain(secret);
    // The original's `azure/` prefix is taken off for Azure.
    expect(last.body.model).toBe("gpt-4o");
    const sent = await sentFor(response.headers.get("request-id"));
    const usage = await waitFor(
      () => keyUsage(token, keyId),
      (u) => u.requests === 1,
    );
    expect(usage).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
    });
    expect(usage.costMicroUsd).toBe(expectedCost(sent));
    expect(usage.costMicroUsd).toBeGreaterThan(0);
  });

  it("streams chat: the usage chunk it asked for is metered and not shown to the client", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(secret, { stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text).toContain("prompt_filter_results");
    expect(text).not.toMatch(/"usage":\{/);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((await fakeStats()).lastRequest.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(sent?.completed).toBe(true);
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
    expect(delta.cost).toBe(expectedCost(sent));
  });

  it("keeps the usage chunk when the client asked for it", async () => {
    const before = await keyUsage(token, keyId);
    const response = await chat(secret, { stream: true, stream_options: { include_usage: true } });
    const text = await response.text();
    await settledUsage(token, keyId, before, response);
    expect(text).toMatch(/"choices":\[\],.*"usage":\{"prompt_tokens"/);
  });

  it("relays Responses to /openai/responses on the preview api-version with the deployment as model", async () => {
    const before = await keyUsage(token, keyId);
    const response = await azure(secret, "/responses", { model: "gpt-4o", input: "Say hello", stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: response.completed");
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/openai/responses?api-version=2025-04-01-preview");
    expect(last.body.model).toBe("gpt4o-prod");
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(delta.input).toBe(sent?.input_tokens);
    expect(delta.output).toBe(sent?.output_tokens);
  });

  it("relays embeddings and records their input tokens", async () => {
    const before = await keyUsage(token, keyId);
    const response = await azure(secret, "/embeddings", {
      model: "text-embedding-3-small",
      input: ["a", "b"],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(2);
    expect((await fakeStats()).lastRequest.path).toBe(
      "/s/ok/openai/deployments/gpt4o-prod/embeddings?api-version=2024-10-21",
    );
    const { sent, delta } = await settledUsage(token, keyId, before, response);
    expect(delta.input).toBe(sent?.input_tokens);
  });

  it("the admin's connection test sends one tiny chat completion to the deployment", async () => {
    const account = (await listAccounts(token)).find((a) => a.type === "azure-openai");
    const { status, body } = await admin<{ ok: boolean; status: number; model: string }>(
      token,
      "POST",
      `/accounts/${account?.id}/test`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, status: 200, model: "gpt-4o-mini" });
    const last = (await fakeStats()).lastRequest;
    expect(last.path).toBe("/s/ok/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21");
    expect(last.headers["api-key"]).toMatch(/^azure-ok-/);
  });

  it("answers the key's own usage at /azure/usage, as the original's route does", async () => {
    const response = await SELF.fetch(`${BASE}/azure/usage`, { headers: { "api-key": secret } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      data: { total: KeyCounters; today: KeyCounters };
    };
    expect(body.object).toBe("usage");
    expect(body.data.total).toEqual(await keyUsage(token, keyId));
    expect(body.data.today.requests).toBe(body.data.total.requests);
  });

  it("lists the original's models with the azure/ prefix, less the key's blacklist", async () => {
    const key = await createKey(token, { limits: { restrictedModels: ["gpt-4o-mini"] } });
    const response = await SELF.fetch(`${BASE}/azure/models`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(response.status).toBe(200);
    const ids = ((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toContain("azure/gpt-4o");
    expect(ids).not.toContain("azure/gpt-4o-mini");
    expect((await SELF.fetch(`${BASE}/azure/health`)).status).toBe(200);
  });
});

describe("Azure routes: scheduling, errors and permissions", () => {
  it("uses only Azure accounts: an OpenAI API account neither serves /azure nor is served to /openai", async () => {
    token = await freshKeyspace();
    const openai = await admin(token, "POST", "/accounts/openai-api", {
      name: "oai",
      apiKey: "sk-proj-x",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(openai.status).toBe(201);
    // Deleting an account reloads the Azure pool (the keyspace was emptied behind its back).
    const gone = await azureAccount("ok");
    expect((await admin(token, "DELETE", `/accounts/${gone.id}`)).status).toBe(200);
    const key = await createKey(token);
    const none = await chat(key.secret);
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ error: { type: "server_error" } });
    await azureAccount("ok");
    const served = await chat(key.secret);
    expect(served.status).toBe(200);
    expect((await fakeStats()).lastRequest.headers["api-key"]).toMatch(/^azure-ok-/);
    // The native Responses route keeps picking the OpenAI account.
    const native = await SELF.fetch(`${BASE}/openai/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5", input: "hi" }),
    });
    expect(native.status).toBe(200);
    expect((await fakeStats()).lastRequest.headers.authorization).toBe("Bearer sk-proj-x");
    // The health of Azure accounts is read from their own pool.
    expect((await listAccounts(token)).every((a) => a.health.status === "active")).toBe(true);
  });

  it("parks an account the upstream answers 401 as unauthorized and serves from the next one", async () => {
    token = await freshKeyspace();
    await expectUnauthorizedFailover(token, azureAccount, (secret) => chat(secret));
  });

  it("parks a 429'd account as rate-limited; with no other account the client gets the 429 in OpenAI's shape", async () => {
    token = await freshKeyspace();
    const limited = await azureAccount("429");
    const key = await createKey(token);
    const response = await chat(key.secret);
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { message: expect.any(String) } });
    expect((await listAccounts(token)).find((a) => a.id === limited.id)?.health.status).toBe("rate-limited");
    const again = await chat(key.secret);
    expect(again.status).toBe(503);
    expect(again.headers.get("retry-after")).toBeTruthy();
    await azureAccount("ok");
    expect((await chat(key.secret)).status).toBe(200);
  });

  it("requires the openai permission, on the relay routes and the model list", async () => {
    token = await freshKeyspace();
    await azureAccount("ok");
    const key = await createKey(token, { limits: { permissions: ["claude"] } });
    const response = await chat(key.secret);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { type: "permission_error" } });
    const models = await SELF.fetch(`${BASE}/azure/models`, { headers: { "api-key": key.secret } });
    expect(models.status).toBe(403);
    const allowed = await createKey(token, { limits: { permissions: ["openai"] } });
    expect((await chat(allowed.secret)).status).toBe(200);
  });

  it("answers 401 in OpenAI's shape for a missing key and 400 for a body without messages", async () => {
    token = await freshKeyspace();
    const anonymous = await SELF.fetch(`${BASE}/azure/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [] }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const key = await createKey(token);
    const bad = await azure(key.secret, "/chat/completions", { model: "gpt-4o" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { message: expect.stringMatching(/messages/) } });
  });
});

describe("Azure routes: fuzzed bodies", () => {
  let secret: string;
  beforeAll(async () => {
    token = await freshKeyspace();
    await azureAccount("ok");
    secret = (await createKey(token)).secret;
  });

  const bodies = fc.record(
    {
      model: fc.oneof(fc.constantFrom("azure/gpt-4o", "gpt-4o", ""), fc.string()),
      messages: fc.oneof(
        fc.constant([{ role: "user", content: "hi" }]),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
      ),
      input: fc.oneof(fc.string(), fc.jsonValue()),
      stream: fc.boolean(),
      stream_options: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  fuzzEachPath(["/chat/completions", "/responses", "/embeddings"], bodies, (path, body) =>
    azure(secret, path, body),
  );
});
