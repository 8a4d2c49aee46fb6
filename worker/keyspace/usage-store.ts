// Reading the usage aggregates for reports (admin dashboard, public stats): many buckets in one
// pipeline, never one round trip per id; and handing the write-behind's batches to usage-batch.ts.
import type { Redis } from "@upstash/redis/cloudflare";
import type { UsageRecord } from "../usage/aggregate.ts";
import { keys, type UsageOwner, type UsagePeriod } from "./keys.ts";
import { applyUsageBatch, type FlushInfo } from "./usage-batch.ts";
import { countersOfHash, type UsageBucket, type UsageCounters } from "./usage-counters.ts";

export class UsageStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Many buckets in one pipeline (one round trip; none for no buckets); a missing bucket is zeros. */
  async read(buckets: readonly UsageBucket[]): Promise<UsageCounters[]> {
    if (buckets.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const b of buckets) pipeline.hgetall(keys.usage(b.owner, b.ownerId, b.period));
    const results: unknown[] = await pipeline.exec();
    return buckets.map((_, i) => countersOfHash(results[i]));
  }

  /** Ids of the keys, accounts or models that have usage, sorted. */
  async owners(owner: UsageOwner): Promise<string[]> {
    return (await this.redis.smembers(keys.usageIndex(owner))).sort();
  }

  /** The models one key has used (its `key-model` buckets), sorted. */
  async modelsOfKey(keyId: string): Promise<string[]> {
    return (await this.redis.smembers(keys.keyModelIndex(keyId))).sort();
  }

  /** The whole relay's counters for each period, and how many keys and accounts exist: one pipeline. */
  async systemSummary(
    periods: readonly UsagePeriod[],
  ): Promise<{ counters: UsageCounters[]; keys: number; accounts: number }> {
    const pipeline = this.redis.pipeline();
    for (const period of periods) pipeline.hgetall(keys.usage("system", "all", period));
    pipeline.scard(keys.relayKeyIndex());
    pipeline.scard(keys.accountIndex());
    const results: unknown[] = await pipeline.exec();
    return {
      counters: periods.map((_, i) => countersOfHash(results[i])),
      keys: Number(results[periods.length]) || 0,
      accounts: Number(results[periods.length + 1]) || 0,
    };
  }

  /** Applies a write-behind batch once (one EVAL); false if this batch id was applied before. */
  applyBatch(
    batchId: string,
    records: readonly UsageRecord[],
    offsetHours: number,
    info?: FlushInfo,
  ): Promise<boolean> {
    return applyUsageBatch(this.redis, batchId, records, offsetHours, info);
  }
}
