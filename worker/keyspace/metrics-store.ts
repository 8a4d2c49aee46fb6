// What GET /metrics reads: the counters and histograms every flush sums (usage-batch.ts), the
// whole relay's usage and how many keys and accounts exist, in one pipeline.
import type { Redis } from "@upstash/redis/cloudflare";
import { numericFields } from "./codec.ts";
import { keys } from "./keys.ts";
import { countersOfHash, type UsageCounters } from "./usage-counters.ts";

export interface MetricsSnapshot {
  /** `platform|status` → requests. */
  requests: Map<string, number>;
  /** `platform|le_<ms>`, `|le_inf`, `|count`, `|sum_ms`: request durations. */
  duration: Map<string, number>;
  /** The same for the time until the upstream's response headers. */
  upstream: Map<string, number>;
  /** Flushes: batches, records, last_lag_ms… */
  flush: Map<string, number>;
  system: UsageCounters;
  keyCount: number;
  accountIds: string[];
}

export class MetricsStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(keys.metrics("requests"));
    pipeline.hgetall(keys.metrics("duration"));
    pipeline.hgetall(keys.metrics("upstream"));
    pipeline.hgetall(keys.usage("system", "all", { kind: "total" }));
    pipeline.scard(keys.relayKeyIndex());
    pipeline.smembers(keys.accountIndex());
    pipeline.hgetall(keys.metrics("flush"));
    const results: unknown[] = await pipeline.exec();
    const [requests, duration, upstream, system, keyCount, accountIds, flush] = results;
    return {
      requests: numericFields(requests),
      duration: numericFields(duration),
      upstream: numericFields(upstream),
      flush: numericFields(flush),
      system: countersOfHash(system),
      keyCount: Number(keyCount ?? 0) || 0,
      accountIds: Array.isArray(accountIds) ? accountIds.map(String) : [],
    };
  }
}
