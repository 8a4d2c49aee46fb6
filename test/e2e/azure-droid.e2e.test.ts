// Azure OpenAI and Droid (Factory.ai) accounts through the running stack, as a CRS user meets
// them: accounts added with the operator CLI, then the openai SDK pointed at `<relay>/azure` and
// `<relay>/droid/{openai,comm}/v1`, and the Anthropic SDK at `<relay>/droid/claude`, all served by
// the fake upstream's Azure and Factory paths. The key's recorded usage equals what the fake sent.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliJson, cliKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { expectMetered } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;

beforeAll(async () => {
  e2e = await startRelaySession();
  await cliJson(e2e.stack, [
    "accounts",
    "add-azure",
    "--name",
    "azure-1",
    "--api-key",
    "azure-e2e-key",
    "--endpoint",
    e2e.upstream.url,
    "--deployment",
    "gpt4o-prod",
  ]);
  await cliJson(e2e.stack, [
    "accounts",
    "add-droid",
    "--name",
    "droid-1",
    "--api-key",
    "fk-e2e-key",
    "--base-url",
    `${e2e.upstream.url}/api/llm`,
  ]);
  ({ id: keyId, secret } = await cliKey(e2e.stack, "e2e-azure-droid"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("Azure OpenAI through the relay with the openai SDK (baseURL <relay>/azure)", () => {
  const client = () => new OpenAI({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/azure`, maxRetries: 0 });

  it("chat completions, JSON and streamed, reach the deployment with the account's api-key", async () => {
    await expectMetered(e2e, keyId, 2, async () => {
      const completion = await client().chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Say hello" }],
      });
      expect(completion.choices[0]?.message.content).toBe("Hello from fake upstream");
      const last = e2e.upstream.stats().lastRequest;
      expect(last?.path).toBe("/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21");
      expect(last?.headers["api-key"]).toBe("azure-e2e-key");

      const stream = await client().chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Say hello" }],
        stream: true,
      });
      let text = "";
      let sawUsage = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) sawUsage = true;
      }
      expect(text).toBe("Hello from fake upstream");
      // The relay asked for the usage chunk for its meter; the client did not, and does not see it.
      expect(sawUsage).toBe(false);
    });
  });

  it("Responses, JSON and streamed, go to the preview api-version with the deployment as model", async () => {
    await expectMetered(e2e, keyId, 2, async () => {
      const response = await client().responses.create({ model: "gpt-4o", input: "Say hello" });
      expect(response.output_text).toBe("Hello from fake upstream");
      const last = e2e.upstream.stats().lastRequest;
      expect(last?.path).toBe("/openai/responses?api-version=2025-04-01-preview");
      expect(last?.body).toMatchObject({ model: "gpt4o-prod" });

      const stream = await client().responses.create({ model: "gpt-4o", input: "Say hello", stream: true });
      let completed = false;
      let text = "";
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") completed = true;
      }
      expect(completed).toBe(true);
      expect(text).toBe("Hello from fake upstream");
    });
  });

  it("the model list is the original's, azure/-prefixed", async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toContain("azure/gpt-4o");
  });
});

describe("Droid through the relay", () => {
  it("Anthropic SDK at <relay>/droid/claude: messages.create and messages.stream", async () => {
    const client = new Anthropic({
      apiKey: secret,
      baseURL: `${e2e.stack.relayUrl}/droid/claude`,
      maxRetries: 0,
    });
    await expectMetered(e2e, keyId, 2, async () => {
      const message = await client.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 64,
        messages: [{ role: "user", content: "Say hello" }],
      });
      expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from fake upstream" });
      const last = e2e.upstream.stats().lastRequest;
      expect(last?.path).toBe("/api/llm/a/v1/messages");
      expect(last?.headers).toMatchObject({ authorization: "Bearer fk-e2e-key", "x-factory-client": "cli" });

      const stream = client.messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 64,
        messages: [{ role: "user", content: "Say hello" }],
      });
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: "text", text: "Hello from fake upstream" });
    });
  });

  it("openai SDK at <relay>/droid/openai/v1 (Responses) and <relay>/droid/comm/v1 (chat, streamed)", async () => {
    await expectMetered(e2e, keyId, 2, async () => {
      const responses = new OpenAI({
        apiKey: secret,
        baseURL: `${e2e.stack.relayUrl}/droid/openai/v1`,
        maxRetries: 0,
      });
      const response = await responses.responses.create({ model: "gpt-5", input: "Say hello" });
      expect(response.output_text).toBe("Hello from fake upstream");
      expect(e2e.upstream.stats().lastRequest?.path).toBe("/api/llm/o/v1/responses");

      const comm = new OpenAI({
        apiKey: secret,
        baseURL: `${e2e.stack.relayUrl}/droid/comm/v1`,
        maxRetries: 0,
      });
      const stream = await comm.chat.completions.create({
        model: "gpt-5",
        messages: [{ role: "user", content: "Say hello" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe("Hello from fake upstream");
      expect(e2e.upstream.stats().lastRequest?.path).toBe("/api/llm/o/v1/chat/completions");
    });
  });

  it("the key's stats page shows the usage (CRS's /apiStats)", async () => {
    const response = await fetch(`${e2e.stack.relayUrl}/apiStats/api/user-stats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: secret }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { usage: { total: { requests: number } } } };
    expect(body.data.usage.total.requests).toBeGreaterThanOrEqual(8);
  });
});
