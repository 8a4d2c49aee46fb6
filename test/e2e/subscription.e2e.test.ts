// A Claude subscription (OAuth) account and a Console account in one pool, driven by the real
// clients: the real Claude Code CLI is served by the subscription, as it sent its requests; the
// Anthropic SDK and chat completions by the Console account; and with the subscription alone (no
// explicit permission for other clients) the SDK gets a 503 in Anthropic's shape saying why.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall, CLI_BIN_DIR, hasCli, RUN_CLI, run } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";

let e2e: RelaySession;
let secret: string;
const SUBSCRIPTION_TOKEN = "sk-ant-oat01-e2e-subscription";
const CONSOLE_KEY = "sk-ant-e2e-console";
let consoleId: string;

const calls = (credential: string) => e2e.upstream.stats().byCredential[credential]?.requests ?? 0;

beforeAll(async () => {
  e2e = await startRelaySession();
  await adminCall(e2e.stack, e2e.token, "POST", "/accounts/claude-oauth/import", {
    name: "subscription",
    setupToken: SUBSCRIPTION_TOKEN,
    baseUrl: e2e.upstream.url,
    priority: 1,
  });
  const console = await adminCall<{ account: { id: string } }>(
    e2e.stack,
    e2e.token,
    "POST",
    "/accounts/claude-console",
    { name: "console", apiKey: CONSOLE_KEY, baseUrl: e2e.upstream.url, priority: 9 },
  );
  consoleId = console.account.id;
  ({ secret } = await apiKey(e2e.stack, e2e.token, "subscription-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("a subscription and a Console account in one pool", () => {
  // Skipped only on a machine without the CLI installed; CI installs it, and there it must run.
  it.skipIf(!hasCli("claude") && !process.env.CI)(
    "serves the real Claude Code from the subscription, with its requests as it sent them",
    async () => {
      const [subscriptionBefore, consoleBefore] = [calls(SUBSCRIPTION_TOKEN), calls(CONSOLE_KEY)];
      const result = await run("bash", [RUN_CLI, "claude", `${e2e.stack.relayUrl}/api`, secret], {
        ...process.env,
        CLI_BIN_DIR,
        CLI_TIMEOUT: "90",
      });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain("Hello from fake upstream");
      expect(calls(SUBSCRIPTION_TOKEN)).toBeGreaterThan(subscriptionBefore);
      expect(calls(CONSOLE_KEY)).toBe(consoleBefore);
      // What reached the upstream is Claude Code's own request: its user agent, app, user id and
      // system prompt; only the credential is the subscription's.
      const last = e2e.upstream.stats().lastRequest;
      expect(last?.headers["user-agent"]).toMatch(/^claude-cli\/\d+\.\d+\.\d+/);
      expect(last?.headers["x-app"]).toBe("cli");
      expect(last?.headers.authorization).toBe(`Bearer ${SUBSCRIPTION_TOKEN}`);
      expect(last?.headers["x-api-key"]).toBeUndefined();
      const body = last?.body as { metadata?: { user_id?: string }; system?: unknown };
      expect(body.metadata?.user_id).toBeTruthy();
      expect(JSON.stringify(body.system)).toMatch(/Claude/);
    },
    120_000,
  );

  it("serves the Anthropic SDK and chat completions from the Console account", async () => {
    const [subscriptionBefore, consoleBefore] = [calls(SUBSCRIPTION_TOKEN), calls(CONSOLE_KEY)];
    const anthropic = new Anthropic({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/api`, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from fake upstream" });
    const lastSdk = e2e.upstream.stats().lastRequest;
    // Its own user agent, not a borrowed Claude Code one.
    expect(lastSdk?.headers["user-agent"]).not.toMatch(/claude-cli/);

    const openai = new OpenAI({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/api/v1`, maxRetries: 0 });
    const chat = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(chat.choices[0]?.message.content).toBe("Hello from fake upstream");
    expect(calls(CONSOLE_KEY)).toBe(consoleBefore + 2);
    expect(calls(SUBSCRIPTION_TOKEN)).toBe(subscriptionBefore);
  });

  it("with the subscription alone, the SDK gets a 503 in Anthropic's shape naming why", async () => {
    await adminCall(e2e.stack, e2e.token, "DELETE", `/accounts/${consoleId}`);
    const anthropic = new Anthropic({ apiKey: secret, baseURL: `${e2e.stack.relayUrl}/api`, maxRetries: 0 });
    const refused = anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      messages: [{ role: "user", content: "Say hello" }],
    });
    await expect(refused).rejects.toMatchObject({
      status: 503,
      error: { type: "error", error: { message: expect.stringMatching(/Claude Code only/) } },
    });
  });
});
