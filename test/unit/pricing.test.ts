// Cost from the shipped LiteLLM-format prices, checked by hand; refresh and overrides.
import { describe, expect, it } from "vitest";
import type { Usage } from "../../worker/keyspace/records.ts";
import { costOf, findPrice, shippedPrices } from "../../worker/pricing/pricing.ts";
import { admin, freshKeyspace, upstreamUrl } from "./helpers.ts";

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
