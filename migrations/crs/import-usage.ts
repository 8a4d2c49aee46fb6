// Usage and cost aggregates: plan (map-usage.ts computes the buckets; here each is compared with
// what the target holds) and apply (SET semantics, the original's remaining lifetime). Only the
// fields the source has are written: a bucket here keeps the others. A sum over a partial source
// (an export file) is written only where the bucket here has no value of its own.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys, type UsagePeriod } from "../../worker/keyspace/keys.ts";
import { USAGE_FIELDS, type UsageField } from "../../worker/keyspace/store.ts";
import { type Bucket, type CostValue, type Provenance, planUsage, type UsageHash } from "./map-usage.ts";
import { type Change, count, hashFields } from "./plan.ts";
import type { FamilyReport, FieldChange } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedBucket {
  bucket: Bucket;
  key: string;
  change: Change;
  /** What is written; the bucket's other fields here stay as they are. */
  fields: readonly UsageField[];
}

const COUNT_FIELDS = USAGE_FIELDS.filter((f) => f !== "costMicroUsd");

/** Whether values of this provenance are written over a bucket's `held` values here. */
function writes(provenance: Provenance, held: boolean, partialSource: boolean): boolean {
  if (provenance === "given") return true;
  return provenance === "derived" && (!partialSource || !held);
}

function bucketLabel(b: Bucket): string {
  const period = (p: UsagePeriod) => (p.kind === "total" ? "total" : `${p.kind} ${p.stamp}`);
  return `${b.owner} ${b.ownerId} ${period(b.period)}`;
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
      const here = hashFields(raw);
      const partial = options.source.partial === true;
      const written: UsageField[] = [];
      if (
        writes(
          bucket.countsFrom,
          COUNT_FIELDS.some((f) => here.has(f)),
          partial,
        )
      )
        written.push(...COUNT_FIELDS);
      if (writes(bucket.costFrom, here.has("costMicroUsd"), partial)) written.push("costMicroUsd");
      const changes: FieldChange[] = [];
      for (const f of written) {
        const before = Number(here.get(f) ?? 0);
        if (before !== bucket.counters[f])
          changes.push({
            id: bucketLabel(bucket),
            field: f,
            before: String(before),
            after: String(bucket.counters[f]),
          });
      }
      const change: Change =
        written.length === 0
          ? "unchanged"
          : here.size === 0
            ? "created"
            : changes.length === 0
              ? "unchanged"
              : "updated";
      count(report, change);
      if (change === "updated") report.changes.push(...changes);
      planned.push({ bucket, key, change, fields: written });
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
    for (const { bucket, key, fields } of changed.slice(i, i + 100)) {
      pipeline.hset(key, Object.fromEntries(fields.map((f) => [f, bucket.counters[f]])));
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
