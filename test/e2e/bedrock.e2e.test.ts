// An AWS Bedrock account added with the operator CLI, then the Anthropic SDK (create and stream)
// and the openai SDK's Chat Completions through the running stack, served by the fake upstream's
// Bedrock API, which verified each SigV4 signature; the key's recorded usage equals what it sent.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";
import { adminCall, operatorCli } from "./harness/relay.ts";
import { cliKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { expectMetered } from "./harness/usage.ts";

const ACCESS_KEY = "AKIAFAKEBEDROCK00002";

let e2e: RelaySession;
let keyId: string;
let secret: string;

beforeAll(async () => {
  e2e = await startRelaySession();
  const account = await operatorCli(e2e.stack, [
    "accounts",
    "add-bedrock",
    "--name",
    "bedrock-e2e",
    "--region",
    "eu-central-1",
    "--access-key-id",
    ACCESS_KEY,
    "--secret-access-key",
    BEDROCK_TEST_CREDENTIALS[ACCESS_KEY]?.secret ?? "",
    "--model-map",
    "claude-haiku-4-5=eu.anthropic.claude-haiku-4-5-20251001-v1:0",
    "--base-url",
    e2e.upstream.url,
    "--json",
  ]);
  expect(account.code, account.stderr).toBe(0);
  expect(JSON.parse(account.stdout)).toMatchObject({
    account: {
      type: "bedrock",
      platform: "claude",
      settings: {
        region: "eu-central-1",
        modelMapping: { "claude-haiku-4-5": "eu.anthropic.claude-haiku-4-5-20251001-v1:0" },
      },
    },
  });
  expect(account.stdout).not.toContain(BEDROCK_TEST_CREDENTIALS[ACCESS_KEY]?.secret ?? "-");
  ({ id: keyId, secret } = await cliKey(e2e.stack, "bedrock-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("Anthropic SDK served by a Bedrock account", () => {
  it("messages.create and messages.stream go out SigV4-signed and their usage is recorded exactly", async () => {
    const client = new Anthropic({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/api`, maxRetries: 0 });
    await expectMetered(e2e, keyId, 2, async (since) => {
      const message = await client.messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 64,
        messages: [{ role: "user", content: "Say hello" }],
      });
      expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from fake upstream" });
      expect(message.model).toBe("claude-haiku-4-5-20251001");

      const stream = client.messages.stream({
        model: "claude-sonnet-4-20250514",
        max_tokens: 64,
        messages: [{ role: "user", content: "Say hello again" }],
      });
      const deltas: string[] = [];
      stream.on("text", (text) => deltas.push(text));
      const final = await stream.finalMessage();
      expect(deltas.join("")).toBe("Hello from fake upstream");
      expect(final.stop_reason).toBe("end_turn");
      expect(final.usage.output_tokens).toBeGreaterThan(0);

      const stats = e2e.upstream.stats();
      expect(stats.byCredential[ACCESS_KEY]?.requests).toBe(2);
      expect(stats.byCredential["(bad signature)"]).toBeUndefined();
      expect(stats.usageSent.slice(since).map((u) => [u.protocol, u.model, u.stream])).toEqual([
        ["bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0", false],
        ["bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", true],
      ]);
      expect(stats.lastRequest?.headers.authorization).toMatch(/\/eu-central-1\/bedrock\/aws4_request/);
    });
  });

  it("Chat Completions (openai SDK) for a claude-* model is served by the Bedrock account", async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/v1`, maxRetries: 0 });
    await expectMetered(e2e, keyId, 1, async (since) => {
      const stream = await client.chat.completions.create({
        model: "claude-sonnet-4-20250514",
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: "Say hello" }],
      });
      let text = "";
      let reportedUsage = 0;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        reportedUsage = chunk.usage?.completion_tokens ?? reportedUsage;
      }
      expect(text).toBe("Hello from fake upstream");
      expect(reportedUsage).toBeGreaterThan(0);
      expect(e2e.upstream.stats().usageSent.slice(since)[0]?.protocol).toBe("bedrock");
    });

    const recent = await adminCall<{ recent: Array<{ model: string; costMicroUsd: number }> }>(
      e2e.stack,
      e2e.token,
      "GET",
      `/keys/${keyId}/usage`,
    );
    expect(recent.recent[0]).toMatchObject({ model: "us.anthropic.claude-sonnet-4-20250514-v1:0" });
    expect(recent.recent[0]?.costMicroUsd).toBeGreaterThan(0);
  });
});
