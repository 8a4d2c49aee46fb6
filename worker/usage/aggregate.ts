// What one finished request adds to the usage aggregates: per key, account, model and the whole
// system, for the hour, day, month and all time, and per key × model for the day, month and all
// time. Pure, so the write-behind flush can sum a batch of requests before it sends anything.
import type { UsageOwner, UsagePeriod } from "../keyspace/keys.ts";
import type { Usage } from "../keyspace/records/usage.ts";
import { emptyCounters, type UsageCounters, type UsageIncrement } from "../keyspace/usage-counters.ts";
import { periodStamps } from "./periods.ts";

/** One finished request, as the KeyGate stores it until it is flushed to the keyspace. */
export interface UsageRecord {
  requestId: string;
  keyId: string;
  accountId?: string;
  model: string;
  platform: string;
  status: number;
  startedAt: number;
  durationMs: number;
  /** Time until the upstream's response headers; absent when no upstream answered. */
  upstreamMs?: number;
  usage: Usage;
  /** Exact cost in µUSD with pico-dollar precision: may have a fractional part (see money.ts). */
  costMicroUsd: number;
  /** For failed requests: what the relay told the client (kept in the recent-errors list). */
  error?: { type: string; message: string };
  /**
   * False when no upstream answered (refused by the relay: no account, all unreachable, a timeout
   * before the headers): not a request of any usage count. Absent in records stored before it existed.
   */
  served?: boolean;
  /** False when the model had no price (its cost counted as 0): listed for the operator to price. */
  priced?: boolean;
}

/** Whether the record counts in usage: an upstream answered it. */
export function counts(record: UsageRecord): boolean {
  return record.served !== false;
}

const DAY = 86_400;

export function countersOf(record: UsageRecord): UsageCounters {
  const c = emptyCounters();
  c.requests = 1;
  c.inputTokens = record.usage.input_tokens;
  c.outputTokens = record.usage.output_tokens;
  c.cacheCreateTokens = record.usage.cache_creation_input_tokens;
  c.cacheReadTokens = record.usage.cache_read_input_tokens;
  c.ephemeral5mTokens = record.usage.ephemeral_5m_input_tokens;
  c.ephemeral1hTokens = record.usage.ephemeral_1h_input_tokens;
  c.costMicroUsd = record.costMicroUsd;
  return c;
}

/** What the record adds to each usage bucket; nothing for a request no upstream answered. */
export function usageIncrements(record: UsageRecord, offsetHours: number): UsageIncrement[] {
  if (!counts(record)) return [];
  const stamps = periodStamps(record.startedAt, offsetHours);
  const periods: Array<{ period: UsagePeriod; ttlSeconds?: number }> = [
    { period: { kind: "total" } },
    { period: { kind: "monthly", stamp: stamps.monthly }, ttlSeconds: 400 * DAY },
    { period: { kind: "daily", stamp: stamps.daily }, ttlSeconds: 32 * DAY },
    { period: { kind: "hourly", stamp: stamps.hourly }, ttlSeconds: 8 * DAY },
  ];
  const owners: Array<[UsageOwner, string | undefined]> = [
    ["key", record.keyId],
    ["account", record.accountId],
    ["model", record.model],
    ["system", "all"],
  ];
  const counters = countersOf(record);
  const increments: UsageIncrement[] = owners.flatMap(([owner, ownerId]) =>
    ownerId
      ? periods.map(({ period, ttlSeconds }) => ({ owner, ownerId, period, counters, ttlSeconds }))
      : [],
  );
  // One key's usage per model (its public per-model stats): no hourly buckets.
  const keyModelId = `${record.keyId}|${record.model}`;
  for (const { period, ttlSeconds } of periods) {
    if (period.kind !== "hourly")
      increments.push({ owner: "key-model", ownerId: keyModelId, period, counters, ttlSeconds });
  }
  return increments;
}
