// Per-account model mapping on Claude Console, OpenAI and Gemini accounts: mapModel renames the
// client's model for the account (body, and Gemini's upstream path); the admin API sets it.
import { beforeEach, describe, expect, it } from "vitest";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import type { ClientCall } from "../../worker/providers/provider.ts";
import { mapModel } from "../../worker/relay/model-mapping.ts";
import { accountRecord, admin, createAccount, freshKeyspace } from "./helpers.ts";

const MAPPING = { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929", "gpt-5": "gpt-5-codex" };

const mapped = (
  type: AccountRecord["type"],
  platform: AccountRecord["platform"],
  mapping: Record<string, string> = MAPPING,
) => accountRecord("a", { type, platform, settings: { modelMapping: mapping } });

function call(model: string, body: unknown, path = "/v1/messages"): ClientCall {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return {
    request: new Request("http://relay.test/x", { method: "POST", body: text }),
    path,
    search: "",
    body: text,
    model,
    stream: false,
  };
}

describe("mapModel", () => {
  it("returns the very call when the account maps nothing, or not this model", () => {
    const messages = call("claude-sonnet-4-5", { model: "claude-sonnet-4-5", max_tokens: 1 });
    expect(mapModel(messages, accountRecord("plain"))).toBe(messages);
    const other = call("claude-opus-4-1", { model: "claude-opus-4-1" });
    expect(mapModel(other, mapped("claude-console", "claude"))).toBe(other);
  });

  it("renames the model in a Console account's Messages body, leaving the rest as sent", () => {
    const sent = { model: "claude-sonnet-4-5", max_tokens: 7, messages: [{ role: "user", content: "hi" }] };
    const out = mapModel(call("claude-sonnet-4-5", sent), mapped("claude-console", "claude"));
    expect(out.model).toBe("claude-sonnet-4-5-20250929");
    expect(JSON.parse(out.body)).toEqual({ ...sent, model: "claude-sonnet-4-5-20250929" });
    expect(out.path).toBe("/v1/messages");
  });

  it("matches a model equal but for case, as the original does", () => {
    const out = mapModel(
      call("Claude-Sonnet-4-5", { model: "Claude-Sonnet-4-5" }),
      mapped("claude-console", "claude"),
    );
    expect(out.model).toBe("claude-sonnet-4-5-20250929");
  });

  it("renames an OpenAI Responses body on API-key and ChatGPT accounts", () => {
    for (const type of ["openai-api", "openai-oauth"] as const) {
      const out = mapModel(
        call("gpt-5", { model: "gpt-5", input: "hi" }, "/responses"),
        mapped(type, "openai"),
      );
      expect(JSON.parse(out.body)).toEqual({ model: "gpt-5-codex", input: "hi" });
    }
  });

  it("renames the model in a Gemini public-API path", () => {
    const account = mapped("gemini-api", "gemini", { "gemini-2.5-pro": "gemini-2.5-pro-preview-06-05" });
    const body = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };
    const out = mapModel(
      call("gemini-2.5-pro", body, "/v1beta/models/gemini-2.5-pro:streamGenerateContent"),
      account,
    );
    expect(out.path).toBe("/v1beta/models/gemini-2.5-pro-preview-06-05:streamGenerateContent");
    expect(out.model).toBe("gemini-2.5-pro-preview-06-05");
    expect(JSON.parse(out.body)).toEqual(body);
  });

  it("renames the model in Code Assist bodies (generate and countTokens)", () => {
    const account = mapped("gemini-oauth", "gemini", { "gemini-2.5-pro": "gemini-2.5-flash" });
    const generate = mapModel(
      call(
        "gemini-2.5-pro",
        { model: "gemini-2.5-pro", request: { contents: [] } },
        "/v1internal:generateContent",
      ),
      account,
    );
    expect(JSON.parse(generate.body)).toEqual({ model: "gemini-2.5-flash", request: { contents: [] } });
    expect(generate.path).toBe("/v1internal:generateContent");
    const count = mapModel(
      call(
        "gemini-2.5-pro",
        { request: { model: "models/gemini-2.5-pro", contents: [] } },
        "/v1internal:countTokens",
      ),
      account,
    );
    expect(JSON.parse(count.body)).toEqual({ request: { model: "models/gemini-2.5-flash", contents: [] } });
  });

  it("leaves Bedrock and Droid to their own mapping, and OAuth Claude accounts alone", () => {
    for (const [type, platform] of [
      ["bedrock", "claude"],
      ["droid", "droid"],
      ["claude-oauth", "claude"],
    ] as const) {
      const sent = call("claude-sonnet-4-5", { model: "claude-sonnet-4-5" });
      expect(mapModel(sent, mapped(type, platform))).toBe(sent);
    }
  });

  it("renames the call's model even when the body is not JSON (the upstream refuses it as sent)", () => {
    const out = mapModel(call("claude-sonnet-4-5", "not json"), mapped("claude-console", "claude"));
    expect(out.body).toBe("not json");
    expect(out.model).toBe("claude-sonnet-4-5-20250929");
  });
});

describe("model mapping through the admin API", () => {
  let token: string;
  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("is taken on creation by Console, OpenAI and Gemini accounts, into settings", async () => {
    const bodies: Record<string, Record<string, unknown>> = {
      "claude-console": { apiKey: "sk-ant-m" },
      "openai-api": { apiKey: "sk-proj-m" },
      "openai-oauth/import": { accessToken: "eyJ.m", expiresAt: Date.now() + 3_600_000 },
      "gemini-api": { apiKey: "AIza-m" },
      "gemini-oauth/import": { accessToken: "ya29.m", expiresAt: Date.now() + 3_600_000, projectId: "p" },
    };
    for (const [kind, body] of Object.entries(bodies)) {
      const account = await createAccount(token, kind, { name: kind, ...body, modelMapping: MAPPING });
      expect(account.settings, kind).toEqual({ modelMapping: MAPPING });
    }
  });

  it("is refused on creation by kinds that map no models here", async () => {
    const azure = await admin(token, "POST", "/accounts/azure-openai", {
      name: "az",
      apiKey: "k",
      endpoint: "https://example.openai.azure.com",
      deployment: "d",
      modelMapping: MAPPING,
    });
    expect(azure.status).toBe(400);
    const oauth = await admin(token, "POST", "/accounts/claude-oauth/import", {
      name: "o",
      accessToken: "sk-ant-oat-m",
      modelMapping: MAPPING,
    });
    expect(oauth.status).toBe(400);
  });

  it("changes through settings.modelMapping, is validated, and null removes it", async () => {
    const { id } = await createAccount(token, "gemini-api", { name: "g", apiKey: "AIza-u" });
    const set = await admin<{ account: AccountRecord }>(token, "PATCH", `/accounts/${id}`, {
      settings: { modelMapping: { "gemini-2.5-pro": "gemini-2.5-flash" } },
    });
    expect(set.status).toBe(200);
    expect(set.body.account.settings).toEqual({ modelMapping: { "gemini-2.5-pro": "gemini-2.5-flash" } });

    const bad = await admin<{ error: { message: string } }>(token, "PATCH", `/accounts/${id}`, {
      settings: { modelMapping: { "gemini-2.5-pro": "" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("settings.modelMapping");
    const unknown = await admin(token, "PATCH", `/accounts/${id}`, { settings: { region: "us-east-1" } });
    expect(unknown.status).toBe(400);

    const removed = await admin<{ account: AccountRecord }>(token, "PATCH", `/accounts/${id}`, {
      settings: { modelMapping: null },
    });
    expect(removed.body.account.settings).toEqual({});
  });

  it("is not a setting of Claude OAuth accounts", async () => {
    const { id } = await createAccount(token, "claude-oauth/import", {
      name: "o",
      accessToken: "sk-ant-oat-n",
      expiresAt: Date.now() + 3_600_000,
    });
    const refused = await admin(token, "PATCH", `/accounts/${id}`, { settings: { modelMapping: MAPPING } });
    expect(refused.status).toBe(400);
  });
});
