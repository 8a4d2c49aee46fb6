// The events the Durable Objects raise: an account's status moved (AccountPool), a key hit a
// quota (KeyGate). Built here so the objects only decide *when*.
import type { AccountStatus } from "../../durable-objects/account-pool/health.ts";
import type { Denial } from "../../durable-objects/key-gate/limits.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { WebhookEventType } from "../keyspace/records/webhooks.ts";
import { newEvent, type RelayEvent } from "./events.ts";

const STATUS_EVENT: Record<AccountStatus, WebhookEventType> = {
  active: "account.recovered",
  unauthorized: "account.unauthorized",
  "rate-limited": "account.rate_limited",
  overloaded: "account.overloaded",
  error: "account.error",
  blocked: "account.blocked",
};

export interface AccountStatusChange {
  accountId: string;
  accountName?: string;
  platform?: string;
  status: AccountStatus;
  /** Epoch ms the account is parked until (0 when active). */
  until: number;
  reason?: string;
}

export function accountStatusEvent(change: AccountStatusChange, now = Date.now()): RelayEvent {
  return newEvent(
    STATUS_EVENT[change.status],
    {
      accountId: change.accountId,
      accountName: change.accountName,
      platform: change.platform,
      status: change.status,
      until:
        change.status === "active" || change.status === "blocked" || !change.until
          ? undefined
          : new Date(change.until).toISOString(),
      reason: change.reason,
    },
    now,
  );
}

/** A quota refusal, and the period it belongs to: one event per key, limit and period. */
export function quotaReached(record: RelayKeyRecord, denial: Denial, now = Date.now()) {
  const limits = record.limits;
  // Daily and weekly quotas reset (resetAt); total ones are per configured limit.
  const period = denial.resetAt ?? `total-${limits.totalCostLimit}-${limits.tokenLimit}`;
  // A platform's or a model's cap: one event per cap (several share a code).
  const cap = denial.cap ? `:${denial.cap}` : "";
  return {
    mark: `${denial.code}${cap}@${period}`,
    event: newEvent(
      "key.quota_reached",
      {
        keyId: record.id,
        keyName: record.name,
        ownerId: record.ownerId,
        code: denial.code,
        message: denial.message,
        resetAt: denial.resetAt,
      },
      now,
    ),
  };
}

/** Which account an event is about, as the pool knows it. */
export interface AccountNaming {
  accountId: string;
  accountName?: string;
  platform?: string;
}

function accountEvent(
  type: WebhookEventType,
  account: AccountNaming,
  status: string,
  until: number | null,
  reason: string,
  now: number,
): RelayEvent {
  const at = until ? new Date(until).toISOString() : undefined;
  return newEvent(type, { ...account, status, until: at, reason }, now);
}

/** One model family of an account was refused (a weekly Opus limit): the others still serve. */
export const familyParkEvent = (account: AccountNaming, family: string, until: number, now = Date.now()) =>
  accountEvent(
    "account.rate_limited",
    account,
    `${family} rate-limited`,
    until,
    `${family} models only; the account serves other models meanwhile`,
    now,
  );

/** An account's 5-hour window reached its operator-set threshold: not scheduled until it resets. */
export const windowThresholdEvent = (
  account: AccountNaming,
  crossing: { utilization: number; thresholdPercent: number; until: number | null },
  now = Date.now(),
) =>
  accountEvent(
    "account.window_threshold",
    account,
    "stopped",
    crossing.until,
    `5-hour window at ${Math.round(crossing.utilization * 100)}% (threshold ${crossing.thresholdPercent}%)`,
    now,
  );

/** What is left of an account's balance fell below the operator's threshold. */
export const lowBalanceEvent = (
  account: AccountNaming,
  low: { balanceLeftUsd: number; thresholdUsd: number },
  now = Date.now(),
) =>
  accountEvent(
    "account.balance_low",
    account,
    "balance low",
    null,
    `$${low.balanceLeftUsd.toFixed(2)} left (alert below $${low.thresholdUsd.toFixed(2)})`,
    now,
  );
