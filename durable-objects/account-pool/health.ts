// What an upstream answer does to an account's health: parked until a reset time (the whole
// account, or one model family of it), parked for a while after an overload, flagged unauthorized
// or blocked, or counted toward a temporary error state. The usage windows an answer carries are
// kept as the latest reading.
import type { AccountOutcome, UsageWindows } from "../../worker/providers/provider.ts";

export type AccountStatus = "active" | "rate-limited" | "overloaded" | "unauthorized" | "error" | "blocked";

export interface AccountHealth {
  status: AccountStatus;
  /** Epoch ms until which the account is not scheduled (for every status but active). */
  until: number;
  /** Recent server errors, for the temporary error state. */
  errors: number[];
  lastUsedAt: number;
  /** Model families refused on their own (a weekly Opus limit): family → epoch ms. */
  familyParks?: Record<string, number>;
  /** The newest usage windows its answers carried (subscription accounts). */
  windows?: UsageWindows;
  /** What it has served today, from the relay's reports: for a daily cost quota. */
  cost?: DailyCost;
  /** What it has served since its balance was set (`since`: the record's balanceSetAt). */
  spent?: { since: string; microUsd: number };
}

export interface DailyCost {
  /** The day (YYYY-MM-DD in the relay's time zone) the amount belongs to. */
  day: string;
  microUsd: number;
}

/** A blocked account stays parked until an admin resets it: "until" is never reached. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export interface HealthPolicy {
  overloadMs: number;
  unauthorizedMs: number;
  errorThreshold: number;
  errorWindowMs: number;
  errorParkMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  overloadMs: 10 * 60_000,
  unauthorizedMs: 30 * 60_000,
  errorThreshold: 3,
  errorWindowMs: 5 * 60_000,
  errorParkMs: 5 * 60_000,
};

export const healthy = (): AccountHealth => ({ status: "active", until: 0, errors: [], lastUsedAt: 0 });

/** Whether `family` of the account is parked at `now`. */
export function familyParkedUntil(health: AccountHealth, family: string | undefined, now: number): number {
  const until = family ? (health.familyParks?.[family] ?? 0) : 0;
  return until > now ? until : 0;
}

/** The newer of two readings of an account's windows. */
export function newerWindows(
  kept: UsageWindows | undefined,
  read: UsageWindows | undefined,
): UsageWindows | undefined {
  return read && (!kept || read.at >= kept.at) ? read : kept;
}

/**
 * The health after an outcome; `changed` says whether the status moved, `familyParked` which
 * family was newly parked (both for alerts).
 */
export function applyOutcome(
  health: AccountHealth,
  outcome: AccountOutcome,
  policy: HealthPolicy,
  now: number,
): { health: AccountHealth; changed: boolean; familyParked?: string } {
  const next: AccountHealth = {
    ...health,
    errors: health.errors.filter((t) => now - t < policy.errorWindowMs),
  };
  const windows = newerWindows(health.windows, outcome.windows);
  if (windows) next.windows = windows;
  let familyParked: string | undefined;
  switch (outcome.kind) {
    case "ok":
      next.errors = [];
      if (next.status !== "active" && next.until <= now) Object.assign(next, { status: "active", until: 0 });
      if (next.familyParks) next.familyParks = liveParks(next.familyParks, now);
      break;
    case "rate-limited": {
      const until = Math.max(outcome.until, now + 1_000);
      if (outcome.family) {
        // One family's limit: the account serves the others meanwhile.
        if (familyParkedUntil(health, outcome.family, now) === 0) familyParked = outcome.family;
        next.familyParks = { ...liveParks(health.familyParks ?? {}, now), [outcome.family]: until };
        break;
      }
      Object.assign(next, { status: "rate-limited", until });
      break;
    }
    case "blocked":
      Object.assign(next, { status: "blocked", until: NEVER });
      break;
    case "refused-client":
      // The account refused the client, not the work: another account serves it, this one stays.
      break;
    case "overloaded":
      Object.assign(next, { status: "overloaded", until: now + policy.overloadMs });
      break;
    case "unauthorized":
      Object.assign(next, { status: "unauthorized", until: now + policy.unauthorizedMs });
      break;
    case "server-error":
      // A parked account takes no new requests, so this one was sent before it was parked: its
      // failure is already counted in the park, and must not stretch it (a burst's stragglers).
      if (health.status !== "active" && health.until > now) break;
      next.errors.push(now);
      if (next.errors.length >= policy.errorThreshold) {
        Object.assign(next, { status: "error", until: now + policy.errorParkMs, errors: [] });
      }
      break;
    case "client-error":
      break;
  }
  return {
    health: next,
    changed: next.status !== health.status,
    ...(familyParked ? { familyParked } : {}),
  };
}

function liveParks(parks: Record<string, number>, now: number): Record<string, number> | undefined {
  const live = Object.entries(parks).filter(([, until]) => until > now);
  return live.length > 0 ? Object.fromEntries(live) : undefined;
}

/** A parked account comes back by itself once its time is up. */
export function currentHealth(health: AccountHealth, now: number): AccountHealth {
  return health.status !== "active" && health.until <= now
    ? { ...health, status: "active", until: 0 }
    : health;
}
