// Cost of a request from its tokens, with prices in the LiteLLM
// `model_prices_and_context_window.json` format (a snapshot ships in snapshot.json).
import { type ModelPrice, modelPriceSchema } from "../keyspace/records/pricing.ts";
import type { Usage } from "../keyspace/records/usage.ts";
import { microOf, picoPerToken } from "../usage/money.ts";
import snapshot from "./snapshot.json";

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

/** The relay's account pools as LiteLLM's table prefixes their model ids (`azure/gpt-4o`). */
const LITELLM_PROVIDER: Record<string, string> = {
  claude: "anthropic",
  openai: "openai",
  "azure-openai": "azure",
  gemini: "gemini",
};

/** LiteLLM's provider name for one of the relay's account pools, if it has one. */
export function litellmProviderOf(pool: string): string | undefined {
  return Object.hasOwn(LITELLM_PROVIDER, pool) ? LITELLM_PROVIDER[pool] : undefined;
}

/**
 * What a model id is stripped of, step by step, until a name is in the table: a provider prefix
 * the client gave (`openai/…`), Bedrock's region and vendor prefixes (`us.anthropic.…`), `[1m]`,
 * a version (`-v1:0`, `:0`), a date (`-2024-08-06`, `-20241022`, Vertex's `@20241022`), `-latest`.
 */
const STRIP_STEPS: ReadonlyArray<(name: string) => string> = [
  (n) => n.replace(/^[^/]*\//, ""),
  (n) => n.replace(/^(us|eu|apac|au|jp|us-gov|global)\./, "").replace(/^anthropic\./, ""),
  (n) => n.replace(/\[1m\]$/, ""),
  (n) => n.replace(/(-v\d+(:\d+)?|:\d+)$/, ""),
  (n) => n.replace(/(@\d{8}|-\d{4}-\d{2}-\d{2}|-\d{8})$/, ""),
  (n) => n.replace(/-latest$/, ""),
];

/** The names tried for a model, in order: each step's name as is, then with the provider's prefix. */
export function priceNames(model: string, provider?: string): string[] {
  const names: string[] = [];
  const add = (name: string) => {
    if (!names.includes(name)) names.push(name);
    if (provider && !name.startsWith(`${provider}/`)) {
      const prefixed = `${provider}/${name}`;
      if (!names.includes(prefixed)) names.push(prefixed);
    }
  };
  let name = model;
  add(name);
  for (const step of STRIP_STEPS) {
    name = step(name);
    if (name) add(name);
  }
  return names;
}

/** Resolutions remembered per table (a request's model is looked up at every settle). */
const resolved = new WeakMap<PriceTable, Map<string, ModelPrice | null>>();
const RESOLVED_KEPT = 1_000;

/**
 * The price of a model id as LiteLLM's table names it: the exact id first, then the id with the
 * provider's prefix (`provider`, LiteLLM's name: `azure`, `gemini`…), then stripped step by step.
 */
export function findPrice(table: PriceTable, model: string, provider?: string): ModelPrice | undefined {
  let cache = resolved.get(table);
  if (!cache) {
    cache = new Map();
    resolved.set(table, cache);
  }
  const cacheKey = `${provider ?? ""}\u0000${model}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit ?? undefined;
  // Own keys only: a model named "constructor" or "__proto__" has no price.
  const name = priceNames(model, provider).find((n) => Object.hasOwn(table, n));
  const price = name === undefined ? undefined : table[name];
  if (cache.size >= RESOLVED_KEPT) cache.clear();
  cache.set(cacheKey, price ?? null);
  return price;
}

export interface Cost {
  /** Exact: whole pico-dollars, carried in µUSD (may have a fractional part; see usage/money.ts). */
  microUsd: number;
  /** False when the model has no price: its cost is counted as 0 and a warning raised. */
  priced: boolean;
}

export function costOf(table: PriceTable, model: string, usage: Usage, provider?: string): Cost {
  const p = findPrice(table, model, provider);
  if (!p) return { microUsd: 0, priced: false };
  const isClaude = /claude/i.test(model);
  const input = p.input_cost_per_token ?? 0;
  const contextTokens =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  const long = contextTokens > LONG_CONTEXT_TOKENS && p.input_cost_per_token_above_200k_tokens !== undefined;
  const pick = (normal: number | undefined, above: number | undefined, claudeDefault: number) =>
    (long ? above : undefined) ?? normal ?? (isClaude ? claudeDefault : 0);
  // Every price in whole pico-dollars a token, so the cost is an exact integer sum.
  const inputPrice = picoPerToken(pick(input, p.input_cost_per_token_above_200k_tokens, 0));
  const outputPrice = picoPerToken(
    pick(p.output_cost_per_token, p.output_cost_per_token_above_200k_tokens, 0),
  );
  const write5mUsd = pick(
    p.cache_creation_input_token_cost,
    p.cache_creation_input_token_cost_above_200k_tokens,
    input * 1.25,
  );
  const write5m = picoPerToken(write5mUsd);
  const write1h = picoPerToken(
    p.cache_creation_input_token_cost_above_1hr ?? (isClaude ? input * 2 : write5mUsd),
  );
  const read = picoPerToken(
    pick(p.cache_read_input_token_cost, p.cache_read_input_token_cost_above_200k_tokens, input * 0.1),
  );
  // Cache writes without a 5m/1h breakdown are all billed as 5-minute writes.
  const split = usage.ephemeral_5m_input_tokens + usage.ephemeral_1h_input_tokens;
  const writes5m = split > 0 ? usage.ephemeral_5m_input_tokens : usage.cache_creation_input_tokens;
  const writes1h = split > 0 ? usage.ephemeral_1h_input_tokens : 0;
  const pico =
    usage.input_tokens * inputPrice +
    usage.output_tokens * outputPrice +
    writes5m * write5m +
    writes1h * write1h +
    usage.cache_read_input_tokens * read;
  return { microUsd: microOf(pico), priced: true };
}
