// Codex CLI through the running stack: an OpenAI API-key account on the fake upstream, a relay
// key, then plain Responses calls in OpenAI's wire format and the real Codex CLI
// (`codex exec`, base_url http://HOST/openai), with the usage recorded as the fake sent it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall, CLI_BIN_DIR, hasCli, RUN_CLI, run } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import {
  minus,
  sentTotals as sentSince,
  settledUsage as settledFor,
  usageOf as usageFor,
} from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;
let apiAccountId: string;

const usageOf = (id: string) => usageFor(e2e.stack, e2e.token, id);
const settledUsage = (id: string, requests: number) => settledFor(e2e.stack, e2e.token, id, requests);
const sentTotals = (since: number) => sentSince(e2e.upstream, since);

beforeAll(async () => {
  e2e = await startRelaySession();
  const account = await adminCall<{ account: { id: string; type: string } }>(
    e2e.stack,
    e2e.token,
    "POST",
    "/accounts/openai-api",
    { name: "openai-1", apiKey: "sk-proj-e2e", baseUrl: e2e.upstream.url },
  );
  expect(account.account.type).toBe("openai-api");
  apiAccountId = account.account.id;
  ({ id: keyId, secret } = await apiKey(e2e.stack, e2e.token, "codex-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("OpenAI Responses through the relay (plain fetch, OpenAI's wire format)", () => {
  it("streams to response.completed and records the usage the upstream sent", async () => {
    const since = e2e.upstream.stats().usageSent.length;
    const before = await usageOf(keyId);
    const response = await fetch(`${e2e.stack.relayUrl}/openai/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-5-codex",
        stream: true,
        reasoning: { effort: "low" },
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text).toContain("event: response.output_text.delta");
    expect(text).toContain("event: response.completed");
    const sent = sentTotals(since);
    expect(sent.requests).toBe(1);
    expect(sent.outputTokens).toBeGreaterThan(0);
    const after = await settledUsage(keyId, before.requests + 1);
    expect(minus(after, before)).toEqual(sent);
  });

  it("answers errors in OpenAI's shape", async () => {
    const response = await fetch(`${e2e.stack.relayUrl}/openai/responses`, {
      method: "POST",
      headers: { authorization: `Bearer cr_${"f".repeat(64)}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5-codex", input: "x" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

// Skipped only on a machine without the CLI installed; CI installs it, and there it must run.
describe.skipIf(!hasCli("codex") && !process.env.CI)("the real Codex CLI through the relay", () => {
  it("completes one turn, prints the answer, and its usage is recorded", async () => {
    const since = e2e.upstream.stats().usageSent.length;
    const before = await usageOf(keyId);
    const result = await run("bash", [RUN_CLI, "codex", `${e2e.stack.relayUrl}/openai`, secret], {
      ...process.env,
      CLI_BIN_DIR,
      CLI_TIMEOUT: "90",
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("Hello from fake upstream");
    const sent = sentTotals(since);
    expect(sent.requests).toBe(1);
    const after = await settledUsage(keyId, before.requests + 1);
    expect(after.requests).toBe(before.requests + 1);
    expect(minus(after, before)).toEqual(sent);
    // Codex's request reached the upstream as Codex sent it, with the account's key.
    const last = e2e.upstream.stats().lastRequest;
    expect(last?.path).toBe("/v1/responses");
    expect(last?.headers.authorization).toBe("Bearer sk-proj-e2e");
    expect(last?.headers["user-agent"]).toMatch(/^codex_exec\//);
  });

  it("completes one turn through a ChatGPT OAuth account, as the Codex backend expects it", async () => {
    await adminCall(e2e.stack, e2e.token, "POST", "/accounts/openai-oauth/import", {
      name: "chatgpt-1",
      accessToken: "chatgpt-e2e-access",
      refreshToken: "chatgpt-e2e-refresh",
      expiresAt: Date.now() + 3_600_000,
      chatgptAccountId: "acct-e2e",
      baseUrl: `${e2e.upstream.url}/backend-api/codex`,
    });
    // Only the ChatGPT account may serve this turn.
    await adminCall(e2e.stack, e2e.token, "PATCH", `/accounts/${apiAccountId}`, { schedulable: false });
    try {
      const before = await usageOf(keyId);
      const since = e2e.upstream.stats().usageSent.length;
      const result = await run("bash", [RUN_CLI, "codex", `${e2e.stack.relayUrl}/openai`, secret], {
        ...process.env,
        CLI_BIN_DIR,
        CLI_TIMEOUT: "90",
      });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain("Hello from fake upstream");
      const last = e2e.upstream.stats().lastRequest;
      expect(last?.path).toBe("/backend-api/codex/responses");
      expect(last?.headers).toMatchObject({
        authorization: "Bearer chatgpt-e2e-access",
        "chatgpt-account-id": "acct-e2e",
        originator: "codex_exec",
      });
      expect(last?.body).toMatchObject({ model: "gpt-5-codex", store: false, stream: true });
      const after = await settledUsage(keyId, before.requests + 1);
      expect(minus(after, before)).toEqual(sentTotals(since));
    } finally {
      await adminCall(e2e.stack, e2e.token, "PATCH", `/accounts/${apiAccountId}`, { schedulable: true });
    }
  });
});
