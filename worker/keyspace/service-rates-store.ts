// The service rates record (records/service-rates.ts), read by the relay's isolate cache.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "./keys.ts";
import { DEFAULT_SERVICE_RATES, type ServiceRates, serviceRatesSchema } from "./records/service-rates.ts";

export class ServiceRatesStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** The defaults (every rate 1) when none is stored; a stored one that does not match is an error. */
  async read(): Promise<ServiceRates> {
    const raw: unknown = await this.redis.get(keys.serviceRates());
    if (raw === null || raw === undefined) return DEFAULT_SERVICE_RATES;
    const parsed = serviceRatesSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    if (!parsed.success) throw new Error("the stored service rates do not match their schema");
    return parsed.data;
  }

  async put(rates: ServiceRates): Promise<void> {
    await this.redis.set(keys.serviceRates(), JSON.stringify(serviceRatesSchema.parse(rates)));
  }
}
