// The whole stack as a user meets it: keys and accounts made with the operator CLI, then the
// Anthropic SDK and the real Claude Code CLI talking to the relay, served by the fake upstream.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN_DIR, hasCli, operatorCli, RUN_CLI, run } from "./harness/relay.ts";
import { cliJson, cliKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { sentTotals as sentSince, settledUsage as settledFor, usageOf as usageFor } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;

const usageOf = (id: string) => usageFor(e2e.stack, e2e.token, id);
const settledUsage = (id: string, requests: number) => settledFor(e2e.stack, e2e.token, id, requests);
const sentTotals = (since: number) => sentSince(e2e.upstream, since);

beforeAll(async () => {
  e2e = await startRelaySession();
  await cliJson(e2e.stack, [
    "accounts",
    "add-console",
    "--name",
    "console-1",
    "--api-key",
    "sk-ant-e2e",
    "--base-url",
    e2e.upstream.url,
  ]);
  ({ id: keyId, secret } = await cliKey(e2e.stack, "e2e"));
  expect(secret).toMatch(/^cr_[0-9a-f]{64}$/);
});

afterAll(async () => {
  await e2e?.stop();
});

describe("Anthropic SDK through the relay", () => {
  it("non-streaming and streaming calls succeed and the recorded usage equals what the upstream sent", async () => {
    const since = e2e.upstream.stats().usageSent.length;
    const client = new Anthropic({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/api`, maxRetries: 0 });
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from fake upstream" });

    const stream = client.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "Say hello again" }],
    });
    let streamed = "";
    stream.on("text", (text) => {
      streamed += text;
    });
    const final = await stream.finalMessage();
    expect(streamed).toBe("Hello from fake upstream");
    expect(final.usage.output_tokens).toBeGreaterThan(0);

    const usage = await settledUsage(keyId, 2);
    const sent = sentTotals(since);
    expect(sent.requests).toBe(2);
    expect(usage).toMatchObject(sent);
  });

  it("answers errors in Anthropic's shape that the SDK understands", async () => {
    const bad = new Anthropic({
      apiKey: `cr_${"f".repeat(64)}`,
      baseURL: `${e2e.stack.relayUrl}/api`,
      maxRetries: 0,
    });
    await expect(
      bad.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 8,
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({
      status: 401,
      error: { type: "error", error: { type: "authentication_error" } },
    });
  });

  it("shows the key and account in the operator CLI", async () => {
    const keys = await operatorCli(e2e.stack, ["keys", "list"]);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain("e2e");
    expect(keys.stdout).not.toContain(secret);
    const live = await operatorCli(e2e.stack, ["keys", "live", keyId, "--json"]);
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout)).toMatchObject({ activeLeases: 0 });
    const status = await operatorCli(e2e.stack, ["status", "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ keyspace: { ok: true }, accounts: { total: 1 } });
  });
});

// Skipped only on a machine without the CLI installed; CI installs it, and there it must run.
describe.skipIf(!hasCli("claude") && !process.env.CI)("the real Claude Code CLI through the relay", () => {
  it("completes one turn and its usage is recorded", async () => {
    const before = await usageOf(keyId);
    const result = await run("bash", [RUN_CLI, "claude", `${e2e.stack.relayUrl}/api`, secret], {
      ...process.env,
      CLI_BIN_DIR,
      CLI_TIMEOUT: "90",
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("Hello from fake upstream");
    const after = await settledUsage(keyId, before.requests + 1);
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(after.outputTokens).toBeGreaterThan(before.outputTokens);
  });
});
