// The billing sink's settings (one record). Read by the KeyGates (whether to produce events) and
// by the BillingOutbox (where to send them), each with a short cache.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "./keys.ts";
import { type BillingSettings, billingSettingsSchema, DEFAULT_BILLING_SETTINGS } from "./records/billing.ts";

export class BillingStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** The defaults (off) when none is stored; a stored one that does not match its schema is an error. */
  async settings(): Promise<BillingSettings> {
    const raw: unknown = await this.redis.get(keys.billingSettings());
    if (raw === null || raw === undefined) return DEFAULT_BILLING_SETTINGS;
    const parsed = billingSettingsSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    if (!parsed.success) throw new Error("the stored billing settings do not match their schema");
    return parsed.data;
  }

  async putSettings(settings: BillingSettings): Promise<void> {
    await this.redis.set(keys.billingSettings(), JSON.stringify(billingSettingsSchema.parse(settings)));
  }
}
