// What an upstream answer does to an account's health: parked until a reset time, parked for a
// while after an overload, flagged unauthorized, or counted toward a temporary error state.
import type { AccountOutcome } from "../../worker/providers/provider.ts";

export type AccountStatus = "active" | "rate-limited" | "overloaded" | "unauthorized" | "error" | "blocked";

export interface AccountHealth {
  status: AccountStatus;
  /** Epoch ms until which the account is not scheduled (for every status but active). */
  until: number;
  /** Recent server errors, for the temporary error state. */
  errors: number[];
  lastUsedAt: number;
}

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

/** The health after an outcome; `changed` says whether the status moved (for alerts). */
export function applyOutcome(
  health: AccountHealth,
  outcome: AccountOutcome,
  policy: HealthPolicy,
  now: number,
): { health: AccountHealth; changed: boolean } {
  const next: AccountHealth = {
    ...health,
    errors: health.errors.filter((t) => now - t < policy.errorWindowMs),
  };
  switch (outcome.kind) {
    case "ok":
      next.errors = [];
      if (next.status !== "active" && next.until <= now) Object.assign(next, { status: "active", until: 0 });
      break;
    case "rate-limited":
      Object.assign(next, { status: "rate-limited", until: Math.max(outcome.until, now + 1_000) });
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
  return { health: next, changed: next.status !== health.status };
}

/** A parked account comes back by itself once its time is up. */
export function currentHealth(health: AccountHealth, now: number): AccountHealth {
  return health.status !== "active" && health.until <= now
    ? { ...health, status: "active", until: 0 }
    : health;
}
