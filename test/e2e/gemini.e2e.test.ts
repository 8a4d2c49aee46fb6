// Gemini through the running stack: a Gemini API-key account on the fake upstream, driven with
// plain fetch in Google's wire format and by the real Gemini CLI (the GenAI SDK: gemini-sdk.e2e.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall, CLI_BIN_DIR, hasCli, RUN_CLI, run } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { sentTotals as sentSince, settledUsage as settledFor, usageOf as usageFor } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let secret: string;
let apiAccountId: string;

const usageOf = (id: string) => usageFor(e2e.stack, e2e.token, id);
const settledUsage = (id: string, requests: number) => settledFor(e2e.stack, e2e.token, id, requests);
const sentTotals = (since: number) => sentSince(e2e.upstream, since);

const model = (method: string) => `${e2e.stack.relayUrl}/gemini/v1beta/models/gemini-2.5-pro:${method}`;
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "x-goog-api-key": secret, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

const textOf = (response: unknown): string =>
  (
    response as { candidates?: Array<{ content: { parts: Array<{ text?: string }> } }> }
  ).candidates?.[0]?.content.parts
    .map((p) => p.text ?? "")
    .join("") ?? "";

beforeAll(async () => {
  e2e = await startRelaySession();
  const account = await adminCall<{ account: { id: string } }>(
    e2e.stack,
    e2e.token,
    "POST",
    "/accounts/gemini-api",
    {
      name: "gemini-1",
      apiKey: "AIza-e2e",
      baseUrl: e2e.upstream.url,
    },
  );
  apiAccountId = account.account.id;
  ({ id: keyId, secret } = await apiKey(e2e.stack, e2e.token, "gemini-e2e"));
});

afterAll(async () => {
  await e2e?.stop();
});

describe("Gemini wire format through the relay", () => {
  it("generateContent and streamGenerateContent succeed and the recorded usage equals what the upstream sent", async () => {
    const since = e2e.upstream.stats().usageSent.length;
    const json = await post(model("generateContent"), {
      contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
      generationConfig: { thinkingConfig: { includeThoughts: true } },
    });
    expect(json.status).toBe(200);
    expect(textOf(await json.json())).toContain("Hello from fake upstream");

    const stream = await post(`${model("streamGenerateContent")}?alt=sse`, {
      contents: [{ role: "user", parts: [{ text: "Say hello again" }] }],
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const chunks = (await stream.text())
      .split(/\r?\n\r?\n/)
      .filter((block) => block.startsWith("data:"))
      .map((block) => JSON.parse(block.slice(5)) as unknown);
    expect(chunks.map(textOf).join("")).toBe("Hello from fake upstream");

    const usage = await settledUsage(keyId, 2);
    const sent = sentTotals(since);
    expect(sent.requests).toBe(2);
    expect(usage).toMatchObject(sent);
  });

  it("serves countTokens and the model list, and answers errors in Google's shape", async () => {
    const counted = await post(model("countTokens"), { contents: [{ parts: [{ text: "Hi" }] }] });
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    // Unmetered: not a request of the key (the two generate calls before it are all there is).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await settledUsage(keyId, 2)).requests).toBe(2);
    const list = await fetch(`${e2e.stack.relayUrl}/gemini/v1beta/models?key=${secret}`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain("models/gemini-2.5-pro");
    const refused = await post(
      model("generateContent"),
      { contents: [] },
      { "x-goog-api-key": `cr_${"f".repeat(64)}` },
    );
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
  });
});

// Skipped only on a machine without the CLI installed; CI installs it, and there it must run.
describe.skipIf(!hasCli("gemini") && !process.env.CI)("the real Gemini CLI through the relay", () => {
  it("completes one turn and its usage is recorded", async () => {
    const before = await usageOf(keyId);
    const since = e2e.upstream.stats().usageSent.length;
    const result = await run("bash", [RUN_CLI, "gemini", `${e2e.stack.relayUrl}/gemini`, secret], {
      ...process.env,
      CLI_BIN_DIR,
      CLI_TIMEOUT: "90",
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("Hello from fake upstream");
    // One turn is one streaming request; what the fake sent for it is what the key is charged.
    const sent = sentTotals(since);
    expect(sent.requests).toBe(1);
    const after = await settledUsage(keyId, before.requests + 1);
    expect(after.requests).toBe(before.requests + 1);
    expect(after.inputTokens - before.inputTokens).toBe(sent.inputTokens);
    expect(after.outputTokens - before.outputTokens).toBe(sent.outputTokens);
  });

  it("completes one turn served by an OAuth (Code Assist) account, its answer unwrapped", async () => {
    await adminCall(e2e.stack, e2e.token, "POST", "/accounts/gemini-oauth/import", {
      name: "gemini-oauth-1",
      accessToken: "ya29.e2e",
      expiresAt: Date.now() + 3_600_000,
      projectId: "e2e-project",
      baseUrl: e2e.upstream.url,
    });
    await adminCall(e2e.stack, e2e.token, "PATCH", `/accounts/${apiAccountId}`, { schedulable: false });
    const before = await usageOf(keyId);
    const since = e2e.upstream.stats().usageSent.length;
    const result = await run("bash", [RUN_CLI, "gemini", `${e2e.stack.relayUrl}/gemini`, secret], {
      ...process.env,
      CLI_BIN_DIR,
      CLI_TIMEOUT: "90",
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("Hello from fake upstream");
    const last = e2e.upstream.stats().lastRequest;
    expect(last?.path).toBe("/v1internal:streamGenerateContent?alt=sse");
    expect(last?.headers.authorization).toBe("Bearer ya29.e2e");
    expect(last?.body).toMatchObject({ model: "gemini-2.5-pro", project: "e2e-project" });
    const sent = sentTotals(since);
    expect(sent.requests).toBe(1);
    const after = await settledUsage(keyId, before.requests + 1);
    expect(after.inputTokens - before.inputTokens).toBe(sent.inputTokens);
    expect(after.outputTokens - before.outputTokens).toBe(sent.outputTokens);
  });
});
