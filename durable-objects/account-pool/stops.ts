// An account's own options that keep it out of scheduling while it is otherwise healthy: its
// subscription has ended, its 5-hour window is above the operator's threshold, or it has served
// its daily cost quota. Each says until when, so the pool can answer "come back at".
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { periodStamps } from "../../worker/usage/periods.ts";
import type { AccountHealth, DailyCost } from "./health.ts";

const FIVE_HOURS_MS = 5 * 3_600_000;

export type StopReason = "window" | "daily-cost" | "expired" | "balance";

export interface Stop {
  reason: StopReason;
  /** Epoch ms it ends by itself; null: only an admin's change ends it (subscription end). */
  until: number | null;
}

export const dayOf = (at: number, offsetHours: number): string => periodStamps(at, offsetHours).daily;

/** Epoch ms of the next midnight in the relay's time zone. */
export function nextDayStart(at: number, offsetHours: number): number {
  const shift = offsetHours * 3_600_000;
  const day = 86_400_000;
  return Math.floor((at + shift) / day) * day + day - shift;
}

export function costToday(cost: DailyCost | undefined, today: string): number {
  return cost && cost.day === today ? cost.microUsd : 0;
}

/** What is left of the account's balance (USD); null when it keeps none. */
export function balanceLeft(record: AccountRecord, health: AccountHealth): number | null {
  if (record.balanceUsd === null) return null;
  const spent = health.spent && health.spent.since === record.balanceSetAt ? health.spent.microUsd : 0;
  return record.balanceUsd - spent / 1_000_000;
}

export function stopOf(
  record: AccountRecord,
  health: AccountHealth,
  now: number,
  offsetHours: number,
): Stop | null {
  const ends = record.subscriptionExpiresAt ? Date.parse(record.subscriptionExpiresAt) : Number.NaN;
  if (ends <= now) return { reason: "expired", until: null };
  if (record.stopAtZeroBalance && (balanceLeft(record, health) ?? 1) <= 0)
    return { reason: "balance", until: null };
  const fiveHour = health.windows?.fiveHour;
  if (record.stopAt5hPercent > 0 && fiveHour && fiveHour.utilization * 100 >= record.stopAt5hPercent) {
    // A window whose reset has passed is a new window: the reading no longer holds. A reading
    // that names no reset holds for one window's length at most, for no answer will renew it.
    const resetAt = fiveHour.resetAt ?? (health.windows?.at ?? now) + FIVE_HOURS_MS;
    if (resetAt > now) return { reason: "window", until: resetAt };
  }
  if (
    record.dailyCostLimitUsd > 0 &&
    costToday(health.cost, dayOf(now, offsetHours)) >= record.dailyCostLimitUsd * 1_000_000
  )
    return { reason: "daily-cost", until: nextDayStart(now, offsetHours) };
  return null;
}
