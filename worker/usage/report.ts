// Reading the usage aggregates for reports (public stats, admin charts, metrics): many buckets in
// one keyspace round trip, and the views built from them (USD costs, token sums, period stamps).
import type { Redis } from "@upstash/redis/cloudflare";
import { keys, type UsageOwner, type UsagePeriod } from "../keyspace/keys.ts";
import { countersFromFields, type UsageCounters } from "../keyspace/store.ts";
import { periodStamps } from "./periods.ts";

export interface UsageBucket {
  owner: UsageOwner;
  ownerId: string;
  period: UsagePeriod;
}

const MICRO = 1_000_000;

/** µUSD → USD. */
export function usd(microUsd: number): number {
  return microUsd / MICRO;
}

/** A hash as redis answers HGETALL (flat [field, value, …] list, or an object) → counters. */
export function countersFrom(raw: unknown): UsageCounters {
  const fields = new Map<string, unknown>();
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), raw[i + 1]);
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) fields.set(field, value);
  }
  return countersFromFields(fields);
}

/** Every field of a flat hash (HGETALL answer) as numbers. */
export function numericHash(raw: unknown): Map<string, number> {
  const fields = new Map<string, number>();
  const put = (field: unknown, value: unknown) => {
    const n = Number(value);
    if (Number.isFinite(n)) fields.set(String(field), n);
  };
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) put(raw[i], raw[i + 1]);
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) put(field, value);
  }
  return fields;
}

/** Reads many usage buckets in one pipeline (one round trip); missing buckets are zeros. */
export async function readUsage(redis: Redis, buckets: readonly UsageBucket[]): Promise<UsageCounters[]> {
  if (buckets.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const b of buckets) pipeline.hgetall(keys.usage(b.owner, b.ownerId, b.period));
  const results: unknown[] = await pipeline.exec();
  return buckets.map((_, i) => countersFrom(results[i]));
}

/** Input + output + cache creation + cache read. */
export function allTokens(c: UsageCounters): number {
  return c.inputTokens + c.outputTokens + c.cacheCreateTokens + c.cacheReadTokens;
}

/** Counters as the admin API shows them: the raw fields plus every token and the cost in USD. */
export function usageView(c: UsageCounters) {
  return { ...c, allTokens: allTokens(c), cost: usd(c.costMicroUsd) };
}
export type UsageView = ReturnType<typeof usageView>;

export type Granularity = "hourly" | "daily";

/** The last `points` hour or day stamps up to now in the relay time zone, oldest first. */
export function stampsBack(now: number, offsetHours: number, granularity: Granularity, points: number) {
  const step = granularity === "hourly" ? 3_600_000 : 86_400_000;
  const stamps: string[] = [];
  for (let i = points - 1; i >= 0; i--) stamps.push(periodStamps(now - i * step, offsetHours)[granularity]);
  return stamps;
}

/** Dollars as the original formats them: more decimals for small amounts. */
export function formatCost(cost: number): string {
  if (cost >= 1) return `$${cost.toFixed(2)}`;
  if (cost >= 0.001) return `$${cost.toFixed(4)}`;
  return `$${cost.toFixed(6)}`;
}
