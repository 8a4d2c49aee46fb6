// Anthropic Messages served by AWS Bedrock accounts from the Claude pool, against the fake
// upstream, which checks every SigV4 signature: JSON and streamed answers, usage and cost,
// a wrong secret, throttling with failover, count_tokens and chat completions.
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";
import { costOf, shippedPrices } from "../../worker/pricing/pricing.ts";
import { bedrockModelId } from "../../worker/providers/bedrock/models.ts";
import { emptyUsage } from "../../worker/usage/tokens.ts";
import {
  admin,
  BASE,
  createAccount,
  createConsoleAccount,
  createKey,
  expectCutMessagesStream,
  freshKeyspace,
  keyUsageReportAfter,
  listAccounts,
  messages,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

const KEY_ID = "AKIAFAKEBEDROCK00001";
const SECRET = BEDROCK_TEST_CREDENTIALS[KEY_ID]?.secret ?? "";
const BEDROCK_SONNET = "us.anthropic.claude-sonnet-4-20250514-v1:0";

let token: string;
beforeEach(async () => {
  token = await freshKeyspace();
  await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
});

const createBedrockAccount = (extra: Record<string, unknown> = {}, scenario = "ok") =>
  createAccount(token, "bedrock", {
    name: `bedrock-${scenario}`,
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    region: "us-west-2",
    baseUrl: `${upstreamUrl}/s/${scenario}`,
    ...extra,
  });

async function upstreamStats() {
  return (await (await fetch(`${upstreamUrl}/__stats`)).json()) as {
    byCredential: Record<string, { requests: number }>;
    usageSent: Array<{
      requestId: string;
      model: string;
      protocol: string;
      output_tokens: number;
      input_tokens: number;
    }>;
    lastRequest: { path: string; headers: Record<string, string>; body: Record<string, unknown> };
  };
}

const accountHealth = async (id: string) =>
  (await listAccounts(token)).find((a) => a.id === id)?.health.status;

describe("Bedrock accounts in the Claude pool", () => {
  it("serves a JSON answer through a signed invoke and records usage and cost under the Bedrock model id", async () => {
    const account = await createBedrockAccount();
    expect(account.settings).toEqual({ region: "us-west-2" });
    const key = await createKey(token);
    const response = await messages(key.secret, {
      model: "claude-sonnet-4-20250514",
      metadata: { user_id: "someone" },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; model: string; content: Array<{ text: string }> };
    expect(body).toMatchObject({ type: "message", model: "claude-sonnet-4-20250514" });
    expect(body.content[0]?.text).toBe("Hello from fake upstream");

    const stats = await upstreamStats();
    expect(stats.byCredential[KEY_ID]?.requests).toBe(1);
    expect(stats.lastRequest.path).toBe(`/s/ok/model/${encodeURIComponent(BEDROCK_SONNET)}/invoke`);
    expect(stats.lastRequest.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKEBEDROCK00001\/\d{8}\/us-west-2\/bedrock\/aws4_request/,
    );
    // Bedrock takes the model in the path and refuses extra keys: neither model, stream nor metadata go.
    expect(stats.lastRequest.body).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });

    const sent = stats.usageSent[0];
    const usage = await keyUsageReportAfter(token, key.id, 1);
    expect(usage.total).toMatchObject({
      requests: 1,
      inputTokens: sent?.input_tokens,
      outputTokens: sent?.output_tokens,
    });
    expect(usage.recent[0]).toMatchObject({ model: BEDROCK_SONNET, accountId: account.id, status: 200 });
    expect(usage.recent[0]?.costMicroUsd).toBeGreaterThan(0);
  });

  it("streams Anthropic SSE decoded from the event-stream, chunk by chunk, and meters it", async () => {
    await createBedrockAccount({
      modelMapping: { "claude-sonnet-4-5": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" },
    });
    const key = await createKey(token);
    const response = await messages(key.secret, { stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    let reads = 0;
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      reads++;
      text += new TextDecoder().decode(next.value);
    }
    expect(reads).toBeGreaterThan(1);
    const types = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("content_block_delta");
    const deltas = [...text.matchAll(/"text_delta","text":"([^"]*)"/g)].map((m) => m[1]).join("");
    expect(deltas).toBe("Hello from fake upstream");

    const stats = await upstreamStats();
    expect(stats.lastRequest.path).toContain("/invoke-with-response-stream");
    expect(stats.lastRequest.path).toContain(
      encodeURIComponent("eu.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    );
    const sent = stats.usageSent[0];
    const usage = await keyUsageReportAfter(token, key.id, 1);
    expect(usage.total).toMatchObject({ inputTokens: sent?.input_tokens, outputTokens: sent?.output_tokens });
    expect(usage.recent[0]?.model).toBe("eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
    expect(usage.recent[0]?.costMicroUsd).toBeGreaterThan(0);
  });

  it("marks the account unauthorized on a wrong secret and answers in Anthropic's shape", async () => {
    const account = await createBedrockAccount({ secretAccessKey: "wrong-secret" });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    // The account's refusal is not the client's: no account served, so 503, quoting what AWS said.
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(body.error.message).toMatch(/InvalidSignatureException.*signature we calculated/);
    expect(JSON.stringify(body)).not.toContain("wrong-secret");
    expect((await upstreamStats()).byCredential["(bad signature)"]?.requests).toBe(1);
    expect(
      await waitFor(
        () => accountHealth(account.id),
        (s) => s === "unauthorized",
      ),
    ).toBe("unauthorized");

    // A new key through the admin API clears the state and is used.
    const put = await admin(token, "PUT", `/accounts/${account.id}/bedrock-credentials`, {
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
    });
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain(SECRET);
    expect((await messages(key.secret, {})).status).toBe(200);
  });

  it("passes the admin's connection test, and reports a wrong secret with Bedrock's message", async () => {
    const good = await createBedrockAccount();
    const ok = await admin<{ ok: boolean; status: number; model: string }>(
      token,
      "POST",
      `/accounts/${good.id}/test`,
    );
    expect(ok.body).toMatchObject({ ok: true, status: 200, model: "claude-haiku-4-5" });
    const bad = await createBedrockAccount({ secretAccessKey: "wrong-secret" });
    const refused = await admin<{ ok: boolean; status: number; message: string }>(
      token,
      "POST",
      `/accounts/${bad.id}/test`,
    );
    expect(refused.body).toMatchObject({ ok: false, status: 403 });
    expect(refused.body.message).toMatch(/InvalidSignatureException/);
  });

  it("parks a throttled Bedrock account and fails over to a Console account", async () => {
    const bedrock = await createBedrockAccount({ priority: 1 }, "429");
    await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe("message");
    expect(
      await waitFor(
        () => accountHealth(bedrock.id),
        (s) => s === "rate-limited",
      ),
    ).toBe("rate-limited");
    // Parked: the next request goes straight to the Console account.
    await fetch(`${upstreamUrl}/__reset`, { method: "POST" });
    expect((await messages(key.secret, {})).status).toBe(200);
    expect((await upstreamStats()).byCredential[KEY_ID]).toBeUndefined();
  });

  it("hands Bedrock's throttling to the client as an Anthropic 429 when no account is left", async () => {
    await createBedrockAccount({}, "429");
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });

  it("refuses count_tokens for a Bedrock account as CRS does (501, Anthropic shape)", async () => {
    await createBedrockAccount();
    const key = await createKey(token);
    const response = await SELF.fetch(`${BASE}/api/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": key.secret, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { message: "Token counting is not supported for Bedrock accounts" },
    });
  });

  it("serves chat completions for a claude-* model, streaming and not", async () => {
    await createBedrockAccount();
    const key = await createKey(token);
    const chat = (stream: boolean) =>
      SELF.fetch(`${BASE}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          stream,
          messages: [{ role: "user", content: "Hi" }],
        }),
      });
    const json = await chat(false);
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { role: "assistant", content: "Hello from fake upstream" } }],
    });
    const streamed = await chat(true);
    expect(streamed.status).toBe(200);
    const text = await streamed.text();
    expect(text).toContain('"object":"chat.completion.chunk"');
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    const usage = await keyUsageReportAfter(token, key.id, 2);
    expect(usage.total.outputTokens).toBeGreaterThan(0);
  });

  it("cuts a broken Bedrock stream with an Anthropic error event and records what arrived", async () => {
    await createBedrockAccount({}, "reset-mid-stream");
    const key = await createKey(token);
    await expectCutMessagesStream(await messages(key.secret, { stream: true }));
    const usage = await keyUsageReportAfter(token, key.id, 1);
    expect(usage.total.inputTokens).toBeGreaterThan(0);
  });
});

describe("Bedrock model ids", () => {
  it("map from Claude names (account mapping first, [1m] ignored, Bedrock ids kept, default last)", () => {
    const settings = { region: "us-east-1", modelMapping: { "claude-sonnet-4-5": "eu.anthropic.x-v1:0" } };
    expect(bedrockModelId("claude-sonnet-4-5", settings)).toBe("eu.anthropic.x-v1:0");
    expect(bedrockModelId("claude-sonnet-4-20250514[1m]", settings)).toBe(BEDROCK_SONNET);
    expect(bedrockModelId("global.anthropic.claude-opus-4-5-20251101-v1:0", settings)).toBe(
      "global.anthropic.claude-opus-4-5-20251101-v1:0",
    );
    expect(bedrockModelId("claude-next", settings)).toBe("claude-next");
    expect(bedrockModelId("claude-next", { ...settings, defaultModel: "us.anthropic.y-v1:0" })).toBe(
      "us.anthropic.y-v1:0",
    );
  });

  it("price exactly like the Claude model they name", () => {
    const usage = { ...emptyUsage(), input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 200 };
    for (const [bedrock, claude] of [
      ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"],
      ["eu.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"],
      ["anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"],
    ] as const) {
      const cost = costOf(shippedPrices, bedrock, usage);
      expect(cost.priced, bedrock).toBe(true);
      expect(cost.microUsd).toBe(costOf(shippedPrices, claude, usage).microUsd);
    }
  });
});
