// Cost of a request from its tokens, with prices in the LiteLLM
// `model_prices_and_context_window.json` format (a snapshot ships in snapshot.json).
import { z } from "zod";
import type { Usage } from "../keyspace/records.ts";
import snapshot from "./snapshot.json";

const price = z.number().min(0).optional();
// Only the price fields are kept: LiteLLM rows carry much else (context sizes, modes, providers).
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
export type PriceTable = Record<string, ModelPrice>;

const LONG_CONTEXT_TOKENS = 200_000;

/** Keeps every entry that reads as a price (LiteLLM's file also has a `sample_spec` and odd rows). */
export function parsePriceTable(raw: unknown): PriceTable {
  const table: PriceTable = {};
  if (!raw || typeof raw !== "object") return table;
  for (const [model, entry] of Object.entries(raw)) {
    const parsed = modelPriceSchema.safeParse(entry);
    if (parsed.success && model !== "sample_spec" && parsed.data.input_cost_per_token !== undefined) {
      table[model] = parsed.data;
    }
  }
  return table;
}

export const shippedPrices: PriceTable = parsePriceTable(snapshot);

/** Exact name first, then stripped step by step: provider or region prefix, version, date, `[1m]`. */
export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const steps: Array<(name: string) => string> = [
    (n) => n.replace(/^[^/]*\//, ""),
    (n) => n.replace(/^(us|eu|apac|global)\./, "").replace(/^anthropic\./, ""),
    (n) => n.replace(/\[1m\]$/, ""),
    (n) => n.replace(/(-v\d+(:\d+)?|@\d{8})$/, ""),
    (n) => n.replace(/-\d{8}$/, ""),
  ];
  // Own keys only: a model named "constructor" or "__proto__" has no price.
  const priceOf = (name: string) => (Object.hasOwn(table, name) ? table[name] : undefined);
  let name = model;
  if (priceOf(name)) return priceOf(name);
  for (const step of steps) {
    name = step(name);
    if (priceOf(name)) return priceOf(name);
  }
  return undefined;
}

export interface Cost {
  microUsd: number;
  /** False when the model has no price: its cost is counted as 0 and a warning raised. */
  priced: boolean;
}

export function costOf(table: PriceTable, model: string, usage: Usage): Cost {
  const p = findPrice(table, model);
  if (!p) return { microUsd: 0, priced: false };
  const isClaude = /claude/i.test(model);
  const input = p.input_cost_per_token ?? 0;
  const contextTokens =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  const long = contextTokens > LONG_CONTEXT_TOKENS && p.input_cost_per_token_above_200k_tokens !== undefined;
  const pick = (normal: number | undefined, above: number | undefined, claudeDefault: number) =>
    (long ? above : undefined) ?? normal ?? (isClaude ? claudeDefault : 0);
  const inputPrice = pick(input, p.input_cost_per_token_above_200k_tokens, 0);
  const outputPrice = pick(p.output_cost_per_token, p.output_cost_per_token_above_200k_tokens, 0);
  const write5m = pick(
    p.cache_creation_input_token_cost,
    p.cache_creation_input_token_cost_above_200k_tokens,
    input * 1.25,
  );
  const write1h = p.cache_creation_input_token_cost_above_1hr ?? (isClaude ? input * 2 : write5m);
  const read = pick(
    p.cache_read_input_token_cost,
    p.cache_read_input_token_cost_above_200k_tokens,
    input * 0.1,
  );
  // Cache writes without a 5m/1h breakdown are all billed as 5-minute writes.
  const split = usage.ephemeral_5m_input_tokens + usage.ephemeral_1h_input_tokens;
  const writes5m = split > 0 ? usage.ephemeral_5m_input_tokens : usage.cache_creation_input_tokens;
  const writes1h = split > 0 ? usage.ephemeral_1h_input_tokens : 0;
  const usd =
    usage.input_tokens * inputPrice +
    usage.output_tokens * outputPrice +
    writes5m * write5m +
    writes1h * write1h +
    usage.cache_read_input_tokens * read;
  return { microUsd: Math.round(usd * 1_000_000), priced: true };
}
