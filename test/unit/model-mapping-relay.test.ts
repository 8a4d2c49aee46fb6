// Per-account model mapping end to end: a request through the relay reaches the fake upstream
// under the model the account maps the client's model to (body and, for Gemini, the path); a
// model the account does not map goes as the client named it.
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, createAccount, createKey, freshKeyspace, messages, sentFor, upstreamUrl } from "./helpers.ts";

let token: string;
let secret: string;

beforeEach(async () => {
  token = await freshKeyspace();
  await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
  secret = (await createKey(token)).secret;
});

const upstreamModel = async (response: Response) => {
  expect(response.status, await response.clone().text()).toBe(200);
  await response.arrayBuffer();
  return (await sentFor(response.headers.get("request-id")))?.model;
};

describe("model mapping through the relay", () => {
  it("a Claude Console account sends the mapped model; others as named", async () => {
    await createAccount(token, "claude-console", {
      name: "console",
      apiKey: "sk-ant-map",
      baseUrl: `${upstreamUrl}/s/ok`,
      modelMapping: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" },
    });
    expect(await upstreamModel(await messages(secret, { model: "claude-sonnet-4-5" }))).toBe(
      "claude-sonnet-4-5-20250929",
    );
    expect(await upstreamModel(await messages(secret, { model: "claude-haiku-4-5" }))).toBe(
      "claude-haiku-4-5",
    );
  });

  it("an OpenAI account sends the mapped model in the Responses body", async () => {
    await createAccount(token, "openai-api", {
      name: "openai",
      apiKey: "sk-proj-map",
      baseUrl: `${upstreamUrl}/s/ok`,
      modelMapping: { "gpt-5": "gpt-5-codex" },
    });
    const response = await SELF.fetch(`${BASE}/openai/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5", input: "Say hello" }),
    });
    expect(await upstreamModel(response)).toBe("gpt-5-codex");
  });

  it("Gemini accounts send the mapped model in the path (API key) and in Code Assist's body (OAuth)", async () => {
    const call = () =>
      SELF.fetch(`${BASE}/gemini/v1beta/models/gemini-2.5-pro:generateContent`, {
        method: "POST",
        headers: { "x-goog-api-key": secret, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Say hello" }] }] }),
      });
    const { id } = await createAccount(token, "gemini-api", {
      name: "gemini",
      apiKey: "AIza-map",
      baseUrl: `${upstreamUrl}/s/ok`,
      modelMapping: { "gemini-2.5-pro": "gemini-2.5-flash" },
    });
    expect(await upstreamModel(await call())).toBe("gemini-2.5-flash");

    await SELF.fetch(`${BASE}/admin/accounts/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    await createAccount(token, "gemini-oauth/import", {
      name: "gemini-oauth",
      accessToken: "ya29.map",
      expiresAt: Date.now() + 3_600_000,
      projectId: "p-map",
      baseUrl: `${upstreamUrl}/s/ok`,
      modelMapping: { "gemini-2.5-pro": "gemini-2.5-flash-lite" },
    });
    expect(await upstreamModel(await call())).toBe("gemini-2.5-flash-lite");
  });
});
