// Price records: the LiteLLM table the cron last fetched and the admin's overrides
// (worker/pricing/table.ts keeps the table in force from them, in an isolate cache).
import type { Redis } from "@upstash/redis/cloudflare";
import { parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import {
  type PriceOverrides,
  priceOverridesSchema,
  type StoredPrices,
  storedPricesSchema,
} from "./records/pricing.ts";

export class PricingStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Both records in one round trip; null for one that is absent or unreadable. */
  async read(): Promise<{ table: StoredPrices | null; overrides: PriceOverrides | null }> {
    const [rawTable, rawOverrides] = await this.redis.mget<(string | null)[]>(
      keys.pricingTable(),
      keys.pricingOverrides(),
    );
    return {
      table: parseRecord(storedPricesSchema, rawTable, "price table"),
      overrides: parseRecord(priceOverridesSchema, rawOverrides, "price overrides"),
    };
  }

  async putTable(table: StoredPrices): Promise<void> {
    await this.redis.set(keys.pricingTable(), JSON.stringify(storedPricesSchema.parse(table)));
  }

  async putOverrides(overrides: PriceOverrides): Promise<void> {
    await this.redis.set(keys.pricingOverrides(), JSON.stringify(priceOverridesSchema.parse(overrides)));
  }
}
