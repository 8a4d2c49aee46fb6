// Usage counters: the fields of every usage hash (per owner and period), and how a hash reads
// back as numbers. The write-behind (usage-batch.ts) adds to them; readers sum and show them.
import { joinMicro } from "../usage/money.ts";
import { hashFields } from "./codec.ts";
import type { UsageOwner, UsagePeriod } from "./keys.ts";

/** Usage counters kept per owner and period (hash fields). */
export const USAGE_FIELDS = [
  "requests",
  "inputTokens",
  "outputTokens",
  "cacheCreateTokens",
  "cacheReadTokens",
  "ephemeral5mTokens",
  "ephemeral1hTokens",
  "costMicroUsd",
] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];
export type UsageCounters = Record<UsageField, number>;

export function emptyCounters(): UsageCounters {
  return Object.fromEntries(USAGE_FIELDS.map((f) => [f, 0])) as UsageCounters;
}

/**
 * Hash field of a bucket's cost below one micro-dollar, in pico-dollars: `costMicroUsd` holds
 * whole micro-dollars (integer HINCRBY, as before it existed), this the rest (carried, < 10⁶).
 */
export const COST_REMAINDER_FIELD = "costPicoUsd";

/** A usage hash's fields → counters; the cost is its whole micro-dollars plus the remainder. */
export function countersFromFields(fields: ReadonlyMap<string, unknown>): UsageCounters {
  const counters = emptyCounters();
  for (const field of USAGE_FIELDS) {
    const value = Number(fields.get(field) ?? 0);
    counters[field] = Number.isFinite(value) ? value : 0;
  }
  const remainder = Number(fields.get(COST_REMAINDER_FIELD) ?? 0);
  if (Number.isFinite(remainder) && remainder !== 0)
    counters.costMicroUsd = joinMicro(counters.costMicroUsd, remainder);
  return counters;
}

export interface UsageIncrement {
  owner: UsageOwner;
  ownerId: string;
  period: UsagePeriod;
  counters: UsageCounters;
  /** Seconds; hourly and daily buckets expire, totals do not. */
  ttlSeconds?: number;
}

/** An HGETALL answer (missing hash: empty) → counters. */
export function countersOfHash(raw: unknown): UsageCounters {
  return countersFromFields(hashFields(raw));
}

/** One usage bucket: an owner's counters for one period. */
export interface UsageBucket {
  owner: UsageOwner;
  ownerId: string;
  period: UsagePeriod;
}
