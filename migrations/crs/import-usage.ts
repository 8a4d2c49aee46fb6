// Usage and cost aggregates: plan (map-usage.ts computes the buckets; here each is compared with
// what the target holds) and apply (SET semantics, the original's remaining lifetime).
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "../../worker/keyspace/keys.ts";
import { USAGE_FIELDS } from "../../worker/keyspace/store.ts";
import { type Bucket, type CostValue, planUsage, type UsageHash } from "./map-usage.ts";
import { type Change, count, hashFields } from "./plan.ts";
import type { FamilyReport } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedBucket {
  bucket: Bucket;
  key: string;
  change: Change;
}

export async function planUsageWrites(
  options: { source: SourceReader; target: Redis },
  scanned: Scanned,
  imported: { keys: ReadonlySet<string>; accounts: ReadonlySet<string> },
  report: FamilyReport,
) {
  const usageKeys = scanned.usage.map((u) => u.key);
  const costKeys = scanned.costs.map((c) => c.key);
  const [hashes, hashTtls, costValues, costTtls] = await Promise.all([
    options.source.hashes(usageKeys),
    options.source.ttls(usageKeys),
    options.source.strings(costKeys),
    options.source.ttls(costKeys),
  ]);
  const usageHashes: UsageHash[] = scanned.usage.map(({ key, c }, i) => ({
    key,
    source: c.source,
    fields: hashes[i] ?? {},
    ttlMs: hashTtls[i] ?? -1,
  }));
  const costs: CostValue[] = [];
  for (const [i, { key, c }] of scanned.costs.entries()) {
    const value = costValues[i];
    if (value !== null && value !== undefined)
      costs.push({ key, keyId: c.keyId, period: c.period, value, ttlMs: costTtls[i] ?? -1 });
  }
  const plan = planUsage(usageHashes, costs, imported);
  report.found = plan.found;
  report.skipped.push(...plan.skipped);
  for (const label of plan.notMapped) report.notMapped[label] = (report.notMapped[label] ?? 0) + 1;
  report.notes.push(...plan.notes);

  const planned: PlannedBucket[] = [];
  const bucketKeys = plan.buckets.map((b) => keys.usage(b.owner, b.ownerId, b.period));
  for (let i = 0; i < plan.buckets.length; i += 200) {
    const pipeline = options.target.pipeline();
    for (const key of bucketKeys.slice(i, i + 200)) pipeline.hgetall(key);
    const current: unknown[] = await pipeline.exec();
    for (const [j, raw] of current.entries()) {
      const bucket = plan.buckets[i + j];
      const key = bucketKeys[i + j];
      if (!bucket || !key) continue;
      const fields = hashFields(raw);
      const same = USAGE_FIELDS.every((f) => Number(fields.get(f) ?? 0) === bucket.counters[f]);
      const change: Change = fields.size === 0 ? "created" : same ? "unchanged" : "updated";
      count(report, change);
      planned.push({ bucket, key, change });
    }
  }
  report.imported = planned.length;
  return { planned, indexes: plan.indexes, keyModels: plan.keyModels };
}

export type PlannedUsage = Awaited<ReturnType<typeof planUsageWrites>>;

export async function applyUsage(redis: Redis, usage: PlannedUsage): Promise<void> {
  const changed = usage.planned.filter((p) => p.change !== "unchanged");
  for (let i = 0; i < changed.length; i += 100) {
    const pipeline = redis.pipeline();
    for (const { bucket, key } of changed.slice(i, i + 100)) {
      pipeline.hset(key, Object.fromEntries(USAGE_FIELDS.map((f) => [f, bucket.counters[f]])));
      if (bucket.ttlSeconds) pipeline.expire(key, bucket.ttlSeconds);
    }
    await pipeline.exec();
  }
  const members: [string, string][] = [
    ...usage.indexes.map(({ owner, id }): [string, string] => [keys.usageIndex(owner), id]),
    ...usage.keyModels.map(({ keyId, model }): [string, string] => [keys.keyModelIndex(keyId), model]),
  ];
  for (let i = 0; i < members.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const [set, member] of members.slice(i, i + 500)) pipeline.sadd(set, member);
    await pipeline.exec();
  }
}
