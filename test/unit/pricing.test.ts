// Cost from the shipped LiteLLM-format prices, checked by hand; refresh and overrides.
import { describe, expect, it } from "vitest";
import type { Usage } from "../../worker/keyspace/records/usage.ts";
import { costOf, findPrice, shippedPrices } from "../../worker/pricing/pricing.ts";
import {
  admin,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  messages,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

const usage = (u: Partial<Usage>): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  ephemeral_5m_input_tokens: 0,
  ephemeral_1h_input_tokens: 0,
  ...u,
});

describe("cost", () => {
  it("prices input and output (Sonnet 4.5: $3 / $15 per million)", () => {
    // 1,000 × 3e-6 + 2,000 × 15e-6 = 0.003 + 0.03 = $0.033
    expect(
      costOf(shippedPrices, "claude-sonnet-4-5", usage({ input_tokens: 1000, output_tokens: 2000 })),
    ).toEqual({
      microUsd: 33_000,
      priced: true,
    });
  });

  it("prices 5-minute and 1-hour cache writes apart, and cache reads", () => {
    // 5m: 1,000 × 3.75e-6 = 0.00375; 1h: 1,000 × 6e-6 = 0.006; read: 10,000 × 3e-7 = 0.003 → $0.01275
    const u = usage({
      cache_creation_input_tokens: 2000,
      ephemeral_5m_input_tokens: 1000,
      ephemeral_1h_input_tokens: 1000,
      cache_read_input_tokens: 10_000,
    });
    expect(costOf(shippedPrices, "claude-sonnet-4-5", u).microUsd).toBe(12_750);
  });

  it("bills cache writes without a breakdown at the 5-minute price", () => {
    // 2,000 × 3.75e-6 = $0.0075
    expect(
      costOf(shippedPrices, "claude-sonnet-4-5", usage({ cache_creation_input_tokens: 2000 })).microUsd,
    ).toBe(7_500);
  });

  it("uses long-context prices above 200k input tokens where the model has them", () => {
    // 250,000 × 6e-6 + 1,000 × 22.5e-6 = 1.5 + 0.0225 = $1.5225
    const long = usage({ input_tokens: 250_000, output_tokens: 1000 });
    expect(costOf(shippedPrices, "claude-sonnet-4-5", long).microUsd).toBe(1_522_500);
    // Haiku 4.5 has no long-context price: 250,000 × 1e-6 + 1,000 × 5e-6 = $0.255
    expect(costOf(shippedPrices, "claude-haiku-4-5", long).microUsd).toBe(255_000);
  });

  it("finds dated and prefixed model names, and counts an unknown model as 0, unpriced", () => {
    expect(findPrice(shippedPrices, "claude-sonnet-4-5-20250929")).toBeDefined();
    expect(findPrice(shippedPrices, "anthropic/claude-opus-4-1")).toBeDefined();
    expect(findPrice(shippedPrices, "us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBeDefined();
    expect(costOf(shippedPrices, "mystery-model", usage({ input_tokens: 1000 }))).toEqual({
      microUsd: 0,
      priced: false,
    });
  });

  it("prices GPT and Gemini models from the same table", () => {
    // gpt-5: 1,000 × 1.25e-6 + 1,000 × 1e-5 = $0.01125
    expect(costOf(shippedPrices, "gpt-5", usage({ input_tokens: 1000, output_tokens: 1000 })).microUsd).toBe(
      11_250,
    );
    // gemini-2.5-pro: 1,000 × 1.25e-6 + 1,000 × 1e-5 = $0.01125
    expect(
      costOf(shippedPrices, "gemini-2.5-pro", usage({ input_tokens: 1000, output_tokens: 1000 })).microUsd,
    ).toBe(11_250);
  });
});

describe("model names resolved to a price, as LiteLLM's table names them", () => {
  const priceOf = (model: string, platform?: string) => findPrice(shippedPrices, model, platform);

  it("strips a date suffix (-YYYY-MM-DD, -YYYYMMDD, Vertex's @YYYYMMDD) and -latest", () => {
    expect(priceOf("gpt-4o-2024-08-06")).toBe(shippedPrices["gpt-4o"]);
    expect(priceOf("gpt-4o-mini-2024-07-18")).toBe(shippedPrices["gpt-4o-mini"]);
    expect(priceOf("o3-2025-04-16")).toBe(shippedPrices.o3);
    expect(priceOf("claude-3-5-haiku-20241022")).toBe(shippedPrices["claude-3-5-haiku"]);
    expect(priceOf("claude-sonnet-4-5@20250929")).toBe(shippedPrices["claude-sonnet-4-5"]);
    expect(priceOf("claude-3-5-haiku-latest")).toBe(shippedPrices["claude-3-5-haiku"]);
    expect(priceOf("gemini-2.5-flash-latest")).toBe(shippedPrices["gemini-2.5-flash"]);
  });

  it("strips Bedrock's region and vendor prefixes and :N versions", () => {
    expect(priceOf("us.anthropic.claude-3-5-haiku-20241022-v1:0")).toBe(shippedPrices["claude-3-5-haiku"]);
    expect(priceOf("global.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe(
      shippedPrices["claude-sonnet-4-5"],
    );
    expect(priceOf("anthropic.claude-haiku-4-5-20251001-v1:0")).toBe(shippedPrices["claude-haiku-4-5"]);
    expect(priceOf("openai/gpt-4o-2024-08-06")).toBe(shippedPrices["gpt-4o"]);
  });

  it("tries the exact id first, then the provider-prefixed id, before stripping anything", () => {
    const a = { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 };
    const b = { input_cost_per_token: 2e-6, output_cost_per_token: 2e-6 };
    const c = { input_cost_per_token: 3e-6, output_cost_per_token: 3e-6 };
    const table = { "gpt-4o": a, "azure/gpt-4o-2024-08-06": b, "gpt-4o-2024-08-06": c, "gemini/gem-x": a };
    expect(findPrice(table, "gpt-4o-2024-08-06", "azure")).toBe(c);
    expect(findPrice({ "gpt-4o": a, "azure/gpt-4o-2024-08-06": b }, "gpt-4o-2024-08-06", "azure")).toBe(b);
    expect(findPrice({ "gpt-4o": a, "azure/gpt-4o-2024-08-06": b }, "gpt-4o-2024-08-06", "openai")).toBe(a);
    expect(findPrice(table, "gem-x", "gemini")).toBe(a);
    expect(findPrice(table, "gem-x")).toBeUndefined();
  });

  it("does not strip what is not a date or a version (a model's own number stays)", () => {
    expect(priceOf("gpt-4o-2024")).toBeUndefined();
    expect(priceOf("gemini-2.5-pro-preview-05-06")).toBeUndefined();
    expect(priceOf("claude-opus-4-5-1")).toBeUndefined();
  });

  it("prices a dated OpenAI id (it cost 0 before)", () => {
    // gpt-4o: 1,000 × 2.5e-6 + 100 × 1e-5 = $0.0035
    const cost = costOf(
      shippedPrices,
      "gpt-4o-2024-08-06",
      usage({ input_tokens: 1000, output_tokens: 100 }),
    );
    expect(cost.priced).toBe(true);
    expect(cost.microUsd).toBe(3_500);
  });
});

describe("unpriced models seen", () => {
  interface Unpriced {
    model: string;
    requests: number;
    lastSeenAt: string;
  }
  const unpriced = async (token: string) =>
    (await admin<{ models: Unpriced[] }>(token, "GET", "/pricing/unpriced")).body.models;

  it("lists a model served without a price until an override prices it", async () => {
    const token = await freshKeyspace();
    expect(await unpriced(token)).toEqual([]);
    await createConsoleAccount(token, "ok");
    const key = await createKey(token);
    for (const model of ["claude-house-1", "claude-house-1", "claude-sonnet-4-5-20250929"]) {
      const response = await messages(key.secret, { model });
      expect(response.status).toBe(200);
      await response.text();
    }
    const seen = await waitFor(
      () => unpriced(token),
      (m) => m.length > 0,
    );
    expect(seen).toEqual([{ model: "claude-house-1", requests: 2, lastSeenAt: expect.any(String) }]);
    expect(Date.now() - Date.parse(seen[0]?.lastSeenAt ?? "")).toBeLessThan(60_000);
    // Priced by an override: no longer listed.
    const put = await admin(token, "PUT", "/pricing/overrides", {
      models: { "claude-house-1": { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } },
    });
    expect(put.status).toBe(200);
    expect(await unpriced(token)).toEqual([]);
  });
});

describe("price table administration", () => {
  it("applies admin overrides on top of the table", async () => {
    const token = await freshKeyspace();
    const put = await admin<{ overrides: Record<string, unknown> }>(token, "PUT", "/pricing/overrides", {
      models: { "house-model": { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } },
    });
    expect(put.status).toBe(200);
    expect(Object.keys(put.body.overrides)).toEqual(["house-model"]);
    const info = await admin<{ models: number }>(token, "GET", "/pricing");
    expect(info.body.models).toBe(Object.keys(shippedPrices).length + 1);
  });

  it("keeps the last good table when a refresh fails", async () => {
    const token = await freshKeyspace();
    const refreshed = await admin<{ ok: boolean; error?: string }>(token, "POST", "/pricing/refresh");
    // PRICING_URL is unreachable in tests (no internet): refused, table unchanged.
    expect(refreshed.body.ok).toBe(false);
    const info = await admin<{ source: string; models: number }>(token, "GET", "/pricing");
    expect(info.body).toMatchObject({ source: "shipped", models: Object.keys(shippedPrices).length });
    expect(upstreamUrl).toBeTruthy();
  });
});
