// A relay key sent as `?key=` authenticates the request and goes no further: on every relaying
// route the upstream's query string is built from what that upstream needs (Anthropic `beta=true`,
// Gemini `alt=sse`), never copied from the client's. Checked at the fake upstream, which records
// the request it received.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BASE,
  createAccount,
  createConsoleAccount,
  createKey,
  fakeStats,
  freshKeyspace,
  upstreamUrl,
} from "./helpers.ts";

let secret: string;

/** Extra parameters a client may send that no upstream asked for. */
const CLIENT_EXTRAS = "foo=bar&api-version=1999-01-01&alt=json-ish&beta=false";

function post(path: string, query: string, body: Record<string, unknown>) {
  const separator = path.includes("?") ? "&" : "?";
  return SELF.fetch(`${BASE}${path}${separator}key=${secret}&${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
}

/** What the upstream received: its path and query, and whether the relay key is anywhere in it. */
async function upstreamReceived() {
  const last = (await fakeStats()).lastRequest;
  const url = new URL(last.path, "http://upstream");
  return {
    path: url.pathname,
    query: [...url.searchParams].map(([name, value]) => `${name}=${value}`),
    leaked: JSON.stringify(last).includes(secret),
  };
}

async function expectServed(response: Response) {
  const text = await response.text();
  expect(response.status, text).toBe(200);
}

const MESSAGES = { model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] };
const CONTENTS = { contents: [{ role: "user", parts: [{ text: "Say hello" }] }] };
const chatBody = (model: string) => ({ model, messages: [{ role: "user", content: "Say hello" }] });

beforeAll(async () => {
  const token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
  const base = `${upstreamUrl}/s/ok`;
  await createAccount(token, "gemini-api", { name: "gemini", apiKey: "AIza-ok", baseUrl: base });
  await createAccount(token, "openai-api", { name: "openai", apiKey: "sk-proj-ok", baseUrl: base });
  await createAccount(token, "azure-openai", {
    name: "azure",
    apiKey: "azure-ok",
    endpoint: base,
    deployment: "gpt4o-prod",
  });
  await createAccount(token, "droid", { name: "droid", apiKey: "fk-ok", baseUrl: `${base}/api/llm` });
  ({ secret } = await createKey(token));
});

describe("Claude routes: only beta=true goes upstream", () => {
  for (const path of ["/api/v1/messages", "/claude/v1/messages", "/api/claude/v1/messages"]) {
    it(`POST ${path}?key=…&beta=true`, async () => {
      await expectServed(await post(path, `beta=true&${CLIENT_EXTRAS}`, MESSAGES));
      expect(await upstreamReceived()).toEqual({
        path: "/s/ok/v1/messages",
        query: ["beta=true"],
        leaked: false,
      });
    });
  }

  it("POST /api/v1/messages/count_tokens?key=…&beta=true", async () => {
    await expectServed(await post("/api/v1/messages/count_tokens", `beta=true&${CLIENT_EXTRAS}`, MESSAGES));
    expect(await upstreamReceived()).toEqual({
      path: "/s/ok/v1/messages/count_tokens",
      query: ["beta=true"],
      leaked: false,
    });
  });

  it("no query at all upstream when the client sent only its key", async () => {
    await expectServed(await post("/api/v1/messages", "", MESSAGES));
    expect(await upstreamReceived()).toEqual({ path: "/s/ok/v1/messages", query: [], leaked: false });
  });
});

describe("Gemini routes: only alt=sse goes upstream", () => {
  it("streamGenerateContent?alt=sse&key=…", async () => {
    await expectServed(
      await post(
        "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent",
        `alt=sse&${CLIENT_EXTRAS}`,
        CONTENTS,
      ),
    );
    expect(await upstreamReceived()).toEqual({
      path: "/s/ok/v1beta/models/gemini-2.5-pro:streamGenerateContent",
      query: ["alt=sse"],
      leaked: false,
    });
  });

  it("generateContent?key=… and the Code Assist dialect's v1internal:countTokens?key=…", async () => {
    await expectServed(
      await post("/gemini/v1/models/gemini-2.5-pro:generateContent", CLIENT_EXTRAS, CONTENTS),
    );
    expect(await upstreamReceived()).toEqual({
      path: "/s/ok/v1/models/gemini-2.5-pro:generateContent",
      query: [],
      leaked: false,
    });
    await expectServed(
      await post("/gemini/v1internal:countTokens", CLIENT_EXTRAS, {
        request: { model: "models/gemini-2.5-pro", ...CONTENTS },
      }),
    );
    expect(await upstreamReceived()).toEqual({
      path: "/s/ok/v1beta/models/gemini-2.5-pro:countTokens",
      query: [],
      leaked: false,
    });
  });
});

describe("OpenAI, chat, Azure and Droid routes: no client query upstream", () => {
  it("OpenAI Responses: POST /openai/v1/responses?key=…", async () => {
    await expectServed(
      await post("/openai/v1/responses", CLIENT_EXTRAS, { model: "gpt-5", input: "Say hello" }),
    );
    expect(await upstreamReceived()).toEqual({ path: "/s/ok/v1/responses", query: [], leaked: false });
  });

  const chats: [string, string, string][] = [
    ["/v1/chat/completions", "claude-sonnet-4-5", "/s/ok/v1/messages"],
    ["/api/v1/chat/completions", "gemini-2.5-pro", "/s/ok/v1beta/models/gemini-2.5-pro:generateContent"],
    ["/openai/v1/chat/completions", "gpt-5", "/s/ok/v1/chat/completions"],
  ];
  for (const [path, model, upstreamPath] of chats) {
    it(`chat: POST ${path}?key=… for ${model}`, async () => {
      await expectServed(await post(path, `beta=true&alt=sse&${CLIENT_EXTRAS}`, chatBody(model)));
      expect(await upstreamReceived()).toEqual({ path: upstreamPath, query: [], leaked: false });
    });
  }

  it("Azure: POST /azure/chat/completions?key=… keeps only the relay's own api-version", async () => {
    await expectServed(await post("/azure/chat/completions", CLIENT_EXTRAS, chatBody("gpt-4o")));
    const received = await upstreamReceived();
    expect(received.path).toBe("/s/ok/openai/deployments/gpt4o-prod/chat/completions");
    expect(received.query).toHaveLength(1);
    expect(received.query[0]).toMatch(/^api-version=20\d\d-/);
    expect(received.query[0]).not.toBe("api-version=1999-01-01");
    expect(received.leaked).toBe(false);
  });

  it("Droid: POST /droid/claude/v1/messages?key=… and /droid/comm/v1/chat/completions?key=…", async () => {
    await expectServed(await post("/droid/claude/v1/messages", `beta=true&${CLIENT_EXTRAS}`, MESSAGES));
    const messages = await upstreamReceived();
    expect(messages.path).toMatch(/^\/s\/ok\/api\/llm\//);
    expect(messages).toMatchObject({ query: [], leaked: false });
    await expectServed(await post("/droid/comm/v1/chat/completions", CLIENT_EXTRAS, chatBody("gpt-5")));
    expect(await upstreamReceived()).toMatchObject({ query: [], leaked: false });
  });
});
