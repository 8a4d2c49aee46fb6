// Views of the usage aggregates for reports (public stats, admin charts, metrics): USD costs,
// token sums, period stamps. The aggregates themselves are read by keyspace.usage.
import type { UsageCounters } from "../keyspace/usage-counters.ts";
import { periodStamps } from "./periods.ts";

const MICRO = 1_000_000;

/** µUSD → USD. */
export function usd(microUsd: number): number {
  return microUsd / MICRO;
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
