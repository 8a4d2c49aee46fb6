// Prices: a model's prices in LiteLLM's names, the fetched table and the admin's overrides.
import { z } from "zod";

const price = z.number().min(0).optional();
/** One model's prices in LiteLLM's names; only the price fields (its rows carry much else). */
export const modelPriceSchema = z.object({
  input_cost_per_token: price,
  output_cost_per_token: price,
  cache_creation_input_token_cost: price,
  cache_creation_input_token_cost_above_1hr: price,
  cache_read_input_token_cost: price,
  input_cost_per_token_above_200k_tokens: price,
  output_cost_per_token_above_200k_tokens: price,
  cache_creation_input_token_cost_above_200k_tokens: price,
  cache_read_input_token_cost_above_200k_tokens: price,
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The LiteLLM price table last fetched by the cron (worker/pricing/table.ts). */
export const storedPricesSchema = z.object({
  v: z.literal(1),
  fetchedAt: z.iso.datetime(),
  source: z.string(),
  models: z.record(z.string(), modelPriceSchema),
});
export type StoredPrices = z.infer<typeof storedPricesSchema>;

/** The admin's prices, over the fetched (or shipped) table. */
export const priceOverridesSchema = z.object({
  v: z.literal(1),
  models: z.record(z.string(), modelPriceSchema),
});
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;
