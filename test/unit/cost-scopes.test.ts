// Per-platform and per-model cost caps (the KeyGate is their authority) and spend carried over by
// an import: through the gate's RPC methods, and through the Worker in each client's protocol.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AdmitRequest, SettledUsage } from "../../durable-objects/key-gate/index.ts";
import { checkLimits } from "../../durable-objects/key-gate/limits.ts";
import { keyLimitsSchema, type RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { quotaReached } from "../../worker/webhooks/sources.ts";
import {
  admin,
  BASE,
  createAccount,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsageAfter,
  messages,
  testEnv,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

function key(limits: Record<string, unknown>, extra: Partial<RelayKeyRecord> = {}): RelayKeyRecord {
  return {
    v: 1,
    id: crypto.randomUUID(),
    name: "k",
    description: "",
    hash: "0".repeat(64),
    preview: "cr_…",
    isActive: true,
    tags: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    expiry: { mode: "never" },
    limits: keyLimitsSchema.parse(limits),
    boundAccounts: {},
    ...extra,
  };
}

const gate = (record: RelayKeyRecord) => testEnv.KEY_GATE.getByName(record.id);
const ask = (model: string, platform: AdmitRequest["platform"]): AdmitRequest => ({
  model,
  platform,
  clients: [],
  counted: true,
});
const usage = (
  record: RelayKeyRecord,
  model: string,
  platform: string,
  costMicroUsd: number,
  requestId = crypto.randomUUID(),
): SettledUsage => ({
  requestId,
  keyId: record.id,
  model,
  platform,
  status: 200,
  startedAt: Date.now(),
  durationMs: 5,
  usage: {
    input_tokens: 1,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ephemeral_5m_input_tokens: 0,
    ephemeral_1h_input_tokens: 0,
  },
  costMicroUsd,
});
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));

/**
 * 100 parallel requests (admit, then settle at `costMicroUsd`, each settle sent twice): how many
 * were admitted, and for each admitted one how many settles had been acknowledged before its
 * admission was sent — the gate had counted at least those when it admitted it.
 */
async function parallelRun(record: RelayKeyRecord, request: AdmitRequest, costMicroUsd: number) {
  const g = gate(record);
  let settled = 0;
  const seenAtAdmission: number[] = [];
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      await pause();
      const before = settled;
      const result = await g.admit(record, request);
      if (!result.admitted) {
        if ("denial" in result) expect(result.denial.kind).toBe("quota");
        return;
      }
      seenAtAdmission.push(before);
      await pause();
      const settlement = {
        leaseId: result.lease?.id ?? null,
        record: usage(record, request.model, request.platform, costMicroUsd),
      };
      await Promise.all([g.settle(settlement), g.settle(settlement)]);
      settled++;
    }),
  );
  return seenAtAdmission;
}

describe("platform and model cost caps at the KeyGate", () => {
  it("a platform cap holds under 100 parallel requests: none admitted once it is reached, every cost counted once", async () => {
    // Claude: $1 a day; each request costs $0.10.
    const record = key({ platformLimits: [{ platform: "claude", dailyCostLimit: 1, totalCostLimit: 0 }] });
    const seen = await parallelRun(record, ask("claude-sonnet-4-5", "claude"), 100_000);
    // No request was admitted after ten settles (the cap) had been acknowledged.
    expect(seen.every((n) => n < 10)).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(10);
    const { spend } = await gate(record).snapshot();
    expect(spend.platforms?.claude).toEqual({
      dayCostMicroUsd: seen.length * 100_000,
      totalCostMicroUsd: seen.length * 100_000,
    });
    // Reached: 100 more parallel Claude requests are all refused, naming the cap; Gemini is served.
    const again = await Promise.all(
      Array.from({ length: 100 }, () => gate(record).admit(record, ask("claude-opus-4-1", "claude"))),
    );
    expect(again.filter((r) => r.admitted)).toHaveLength(0);
    expect(again[0]).toMatchObject({
      admitted: false,
      denial: { kind: "quota", code: "platform_daily_cost_limit_exceeded" },
    });
    if (!again[0] || again[0].admitted || !("denial" in again[0])) throw new Error("admitted");
    expect(again[0].denial.message).toMatch(/Daily cost limit for Claude reached \(\$\d+\.\d\d of \$1\)/);
    const gemini = await Promise.all(
      Array.from({ length: 100 }, () => gate(record).admit(record, ask("gemini-2.5-pro", "gemini"))),
    );
    expect(gemini.filter((r) => r.admitted)).toHaveLength(100);
  });

  it("a model cap (prefix*) holds under 100 parallel requests; other models keep being served", async () => {
    const record = key({ modelLimits: [{ model: "claude-opus-4*", dailyCostLimit: 0, totalCostLimit: 2 }] });
    const seen = await parallelRun(record, ask("claude-opus-4-1", "claude"), 250_000);
    expect(seen.every((n) => n < 8)).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(8);
    const { spend } = await gate(record).snapshot();
    expect(spend.models).toEqual([
      {
        model: "claude-opus-4-1",
        dayCostMicroUsd: seen.length * 250_000,
        totalCostMicroUsd: seen.length * 250_000,
      },
    ]);
    // Any model the pattern names is refused (case-blind), others are not.
    for (const model of ["claude-opus-4-5", "CLAUDE-OPUS-4-1"]) {
      expect(await gate(record).admit(record, ask(model, "claude"))).toMatchObject({
        admitted: false,
        denial: { kind: "quota", code: "model_total_cost_limit_exceeded" },
      });
    }
    const sonnet = await Promise.all(
      Array.from({ length: 100 }, () => gate(record).admit(record, ask("claude-sonnet-4-5", "claude"))),
    );
    expect(sonnet.filter((r) => r.admitted)).toHaveLength(100);
  });

  it("counts a Bedrock request toward both Claude and Bedrock, an Azure one toward OpenAI and Azure OpenAI", async () => {
    const record = key({
      platformLimits: [
        { platform: "bedrock", dailyCostLimit: 1, totalCostLimit: 0 },
        { platform: "azure-openai", dailyCostLimit: 0, totalCostLimit: 1 },
      ],
    });
    const g = gate(record);
    const claude = await g.admit(record, ask("claude-sonnet-4-5", "claude"));
    if (!claude.admitted) throw new Error("refused");
    await g.settle({
      leaseId: claude.lease?.id ?? null,
      record: { ...usage(record, "claude-sonnet-4-5", "claude", 1_000_000), costPlatform: "bedrock" },
    });
    const azure = await g.admit(record, { ...ask("gpt-4o", "openai"), pool: "azure-openai" });
    if (!azure.admitted) throw new Error("refused");
    await g.settle({
      leaseId: azure.lease?.id ?? null,
      record: { ...usage(record, "gpt-4o", "openai", 1_000_000), costPlatform: "azure-openai" },
    });
    const { spend } = await g.snapshot();
    expect(Object.keys(spend.platforms ?? {}).sort()).toEqual([
      "azure-openai",
      "bedrock",
      "claude",
      "openai",
    ]);
    // A spent Bedrock cap stops the key's Claude requests (the pool might pick Bedrock).
    expect(await g.admit(record, ask("claude-sonnet-4-5", "claude"))).toMatchObject({
      denial: { code: "platform_daily_cost_limit_exceeded" },
    });
    // The Azure cap applies on the Azure routes only: OpenAI's own accounts keep serving.
    expect(await g.admit(record, { ...ask("gpt-4o", "openai"), pool: "azure-openai" })).toMatchObject({
      denial: { code: "platform_total_cost_limit_exceeded" },
    });
    expect((await g.admit(record, ask("gpt-4o", "openai"))).admitted).toBe(true);
  });
});

describe("quota events of platform and model caps", () => {
  it("names each cap, so every spent cap is announced once, not only the first of its code", () => {
    const record = key({
      modelLimits: [
        { model: "claude-opus*", dailyCostLimit: 0, totalCostLimit: 1 },
        { model: "gpt-5*", dailyCostLimit: 0, totalCostLimit: 2 },
      ],
    });
    const spend = {
      dayStart: 0,
      dayCostMicroUsd: 0,
      weekStart: 0,
      weekCostMicroUsd: 0,
      totalCostMicroUsd: 0,
      totalTokens: 0,
      models: [
        { model: "claude-opus-4-1", dayCostMicroUsd: 0, totalCostMicroUsd: 1_000_000 },
        { model: "gpt-5", dayCostMicroUsd: 0, totalCostMicroUsd: 2_000_000 },
      ],
    };
    const denial = (model: string, platform: AdmitRequest["platform"]) => {
      const d = checkLimits(record, null, spend, ask(model, platform), Date.now());
      if (!d) throw new Error("admitted");
      return d;
    };
    const opus = quotaReached(record, denial("claude-opus-4-1", "claude"));
    const gpt = quotaReached(record, denial("gpt-5", "openai"));
    expect(opus.mark).not.toBe(gpt.mark);
    expect(quotaReached(record, denial("claude-opus-4-5", "claude")).mark).toBe(opus.mark);
  });
});

describe("spend carried over by an import", () => {
  const today = () => {
    const offset = 8 * 3_600_000;
    const shifted = Date.now() + offset;
    return new Date(shifted - (shifted % 86_400_000) - offset);
  };

  it("counts the original's daily, weekly and total spend once per import, and a new import replaces it", async () => {
    const { weekStart } = await import("../../durable-objects/key-gate/periods.ts");
    const week = new Date(weekStart(Date.now(), 8, 1, 0)).toISOString();
    const carried = {
      importId: "import-1",
      dayStart: today().toISOString(),
      dayCostMicroUsd: 4_000_000,
      weekStart: week,
      weekCostMicroUsd: 6_000_000,
      totalCostMicroUsd: 9_000_000,
    };
    const record = key(
      { dailyCostLimit: 5, weeklyCostLimit: 10, totalCostLimit: 10 },
      { carriedSpend: carried },
    );
    const g = gate(record);
    const first = await g.admit(record, ask("claude-sonnet-4-5", "claude"));
    if (!first.admitted) throw new Error("refused");
    await g.settle({
      leaseId: first.lease?.id ?? null,
      record: usage(record, "claude-sonnet-4-5", "claude", 500_000),
    });
    // The same import again, by RPC and with the record: nothing doubles.
    await g.carrySpend(carried);
    await g.configure({ ...record, updatedAt: "2026-02-01T00:00:00.000Z" });
    let { spend } = await g.snapshot();
    expect(spend).toMatchObject({
      dayCostMicroUsd: 4_500_000,
      weekCostMicroUsd: 6_500_000,
      totalCostMicroUsd: 9_500_000,
    });
    expect((await g.admit(record, ask("claude-sonnet-4-5", "claude"))).admitted).toBe(true);
    // A later import brings the original's newer numbers: they replace the carried part.
    await g.carrySpend({ ...carried, importId: "import-2", dayCostMicroUsd: 4_600_000 });
    ({ spend } = await g.snapshot());
    expect(spend.dayCostMicroUsd).toBe(5_100_000);
    expect(await g.admit(record, ask("claude-sonnet-4-5", "claude"))).toMatchObject({
      denial: { code: "daily_cost_limit_exceeded" },
    });
  });

  it("leaves out a carried day or week that is over", async () => {
    const record = key(
      { dailyCostLimit: 1, weeklyCostLimit: 1 },
      {
        carriedSpend: {
          importId: "old",
          dayStart: "2026-01-01T16:00:00.000Z",
          dayCostMicroUsd: 5_000_000,
          weekStart: "2025-12-28T16:00:00.000Z",
          weekCostMicroUsd: 5_000_000,
          totalCostMicroUsd: 5_000_000,
        },
      },
    );
    expect((await gate(record).admit(record, ask("claude-sonnet-4-5", "claude"))).admitted).toBe(true);
    expect((await gate(record).snapshot()).spend).toMatchObject({
      dayCostMicroUsd: 0,
      weekCostMicroUsd: 0,
      totalCostMicroUsd: 5_000_000,
    });
  });
});

describe("cost caps through the Worker, in each client's protocol", () => {
  const gemini = (secret: string) =>
    SELF.fetch(`${BASE}/gemini/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": secret, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Say hello" }] }] }),
    });
  const chat = (secret: string, model: string) =>
    SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });

  it("a spent Claude daily cap refuses Claude with 402 (Anthropic and OpenAI shapes) and the key keeps serving Gemini", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    await createAccount(token, "gemini-api", {
      name: "gemini",
      apiKey: `AIza-ok-${crypto.randomUUID()}`,
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    const capped = await createKey(token, {
      limits: { platformLimits: [{ platform: "claude", dailyCostLimit: 0.000001, totalCostLimit: 0 }] },
    });
    const first = await messages(capped.secret, { model: "claude-opus-4-1" });
    expect(first.status).toBe(200);
    await first.text();
    const refused = await waitFor(
      async () => messages(capped.secret, {}),
      (r) => r.status === 402,
    );
    expect(refused.status).toBe(402);
    const anthropic = (await refused.json()) as { type: string; error: { type: string; message: string } };
    expect(anthropic.type).toBe("error");
    expect(anthropic.error.type).toBe("billing_error");
    expect(anthropic.error.message).toMatch(/Daily cost limit for Claude reached/);
    const viaChat = await chat(capped.secret, "claude-sonnet-4-5");
    expect(viaChat.status).toBe(402);
    const openai = (await viaChat.json()) as { error: { type: string; code: string; message: string } };
    expect(openai.error).toMatchObject({ code: "platform_daily_cost_limit_exceeded" });
    expect(openai.error.message).toMatch(/Daily cost limit for Claude/);
    for (let i = 0; i < 3; i++) {
      const served = await gemini(capped.secret);
      expect(served.status).toBe(200);
      await served.text();
    }
  });

  it("a spent model cap refuses that model with 402 in Google's shape and serves the key's other models", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    await createAccount(token, "gemini-api", {
      name: "gemini",
      apiKey: `AIza-ok-${crypto.randomUUID()}`,
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    const capped = await createKey(token, {
      limits: { modelLimits: [{ model: "gemini-2.5-pro*", dailyCostLimit: 0, totalCostLimit: 0.000001 }] },
    });
    const first = await gemini(capped.secret);
    expect(first.status).toBe(200);
    await first.text();
    const refused = await waitFor(
      async () => gemini(capped.secret),
      (r) => r.status === 402,
    );
    expect(refused.status).toBe(402);
    const google = (await refused.json()) as { error: { code: number; status: string; message: string } };
    expect(google.error.code).toBe(402);
    expect(google.error.message).toMatch(/Total cost limit for models gemini-2.5-pro\* reached/);
    const claude = await messages(capped.secret, {});
    expect(claude.status).toBe(200);
    await claude.text();
  });

  it("a gate that starts after the key was used (lost, or an import) counts each model's cost so far", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const key = await createKey(token, {});
    const served = await messages(key.secret, { model: "claude-opus-4-1" });
    expect(served.status).toBe(200);
    await served.text();
    const usage = await keyUsageAfter(token, key.id, 1);
    expect(usage.costMicroUsd).toBeGreaterThan(0);
    // The gate's state is gone (a new instance without storage); the keyspace has the key's usage
    // per model.
    const lost = testEnv.KEY_GATE.getByName(key.id);
    await lost.erase();
    await evictDurableObject(lost);
    const capped = await admin(token, "PATCH", `/keys/${key.id}`, {
      limits: { modelLimits: [{ model: "claude-opus*", dailyCostLimit: 0, totalCostLimit: 0.000001 }] },
    });
    expect(capped.status).toBe(200);
    const refused = await messages(key.secret, { model: "claude-opus-4-1" });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /Total cost limit for models claude-opus\* reached/,
    );
    const { spend } = await testEnv.KEY_GATE.getByName(key.id).snapshot();
    // Today's spend so far is today's, also for the key's own daily limit.
    expect(spend).toMatchObject({
      dayCostMicroUsd: usage.costMicroUsd,
      totalCostMicroUsd: usage.costMicroUsd,
    });
    expect(spend.models).toEqual([
      {
        model: "claude-opus-4-1",
        dayCostMicroUsd: usage.costMicroUsd,
        totalCostMicroUsd: usage.costMicroUsd,
      },
    ]);
    const sonnet = await messages(key.secret, { model: "claude-sonnet-4-5" });
    expect(sonnet.status).toBe(200);
    await sonnet.text();
  });

  it("the admin API takes one entry per platform and per model pattern, and keeps the others' limits on a change", async () => {
    const token = await freshKeyspace();
    const key = await createKey(token, {
      limits: { dailyCostLimit: 3, modelLimits: [{ model: "gpt-5*", dailyCostLimit: 1, totalCostLimit: 0 }] },
    });
    const twice = await admin(token, "PATCH", `/keys/${key.id}`, {
      limits: {
        platformLimits: [
          { platform: "claude", dailyCostLimit: 1, totalCostLimit: 0 },
          { platform: "claude", dailyCostLimit: 2, totalCostLimit: 0 },
        ],
      },
    });
    expect(twice.status).toBe(400);
    const caseBlind = await admin(token, "PATCH", `/keys/${key.id}`, {
      limits: {
        modelLimits: [
          { model: "GPT-5*", dailyCostLimit: 1, totalCostLimit: 0 },
          { model: "gpt-5*", dailyCostLimit: 2, totalCostLimit: 0 },
        ],
      },
    });
    expect(caseBlind.status).toBe(400);
    expect(
      (
        await admin(token, "PATCH", `/keys/${key.id}`, {
          limits: { platformLimits: [{ platform: "vertex", dailyCostLimit: 1, totalCostLimit: 0 }] },
        })
      ).status,
    ).toBe(400);
    const changed = await admin<{ key: RelayKeyRecord }>(token, "PATCH", `/keys/${key.id}`, {
      limits: { platformLimits: [{ platform: "droid", dailyCostLimit: 0, totalCostLimit: 7 }] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.key.limits).toMatchObject({
      dailyCostLimit: 3,
      platformLimits: [{ platform: "droid", dailyCostLimit: 0, totalCostLimit: 7 }],
      modelLimits: [{ model: "gpt-5*", dailyCostLimit: 1, totalCostLimit: 0 }],
    });
  });

  it("/apiStats shows each platform and model cap beside what it has counted", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const key = await createKey(token, {
      limits: {
        platformLimits: [{ platform: "claude", dailyCostLimit: 5, totalCostLimit: 50 }],
        modelLimits: [
          { model: "claude-opus*", dailyCostLimit: 0, totalCostLimit: 20 },
          { model: "gemini-2.5-pro", dailyCostLimit: 1, totalCostLimit: 0 },
        ],
      },
    });
    const served = await messages(key.secret, { model: "claude-opus-4-1" });
    expect(served.status).toBe(200);
    await served.text();
    type Capped = {
      dailyCostLimit: number;
      totalCostLimit: number;
      currentDailyCost: number;
      currentTotalCost: number;
    };
    const read = async () => {
      const response = await SELF.fetch(`${BASE}/apiStats/api/user-stats`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.77" },
        body: JSON.stringify({ apiKey: key.secret }),
      });
      return (
        (await response.json()) as {
          data: {
            limits: {
              platformLimits: (Capped & { platform: string })[];
              modelLimits: (Capped & { model: string })[];
            };
          };
        }
      ).data.limits;
    };
    const limits = await waitFor(read, (l) => (l.platformLimits[0]?.currentTotalCost ?? 0) > 0);
    const spent = limits.platformLimits[0]?.currentTotalCost ?? 0;
    expect(spent).toBeGreaterThan(0);
    expect(limits.platformLimits).toEqual([
      {
        platform: "claude",
        dailyCostLimit: 5,
        totalCostLimit: 50,
        currentDailyCost: spent,
        currentTotalCost: spent,
      },
    ]);
    expect(limits.modelLimits).toEqual([
      {
        model: "claude-opus*",
        dailyCostLimit: 0,
        totalCostLimit: 20,
        currentDailyCost: spent,
        currentTotalCost: spent,
      },
      {
        model: "gemini-2.5-pro",
        dailyCostLimit: 1,
        totalCostLimit: 0,
        currentDailyCost: 0,
        currentTotalCost: 0,
      },
    ]);
  });
});
