// The per-key limits as pure functions over the gate's live state, so each rule can be tested
// with a fake clock. Semantics follow Claude Relay Service (../shared/CRS-REFERENCE.md §3).
import type { ErrorKind } from "../../worker/http/errors.ts";
import type { Platform } from "../../worker/keyspace/records/common.ts";
import type { RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { isRestricted } from "../../worker/providers/model-patterns.ts";
import { expiresAt } from "../../worker/relay/expiry.ts";
import { mayUsePlatform, notPermittedMessage } from "../../worker/relay/permission.ts";
import { DAY, dayStart, weekStart } from "./periods.ts";

export interface RateWindow {
  start: number;
  requests: number;
  tokens: number;
  costMicroUsd: number;
}

export interface Spend {
  dayStart: number;
  dayCostMicroUsd: number;
  weekStart: number;
  weekCostMicroUsd: number;
  totalCostMicroUsd: number;
  totalTokens: number;
}

export interface Denial {
  kind: ErrorKind;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  resetAt?: string;
}

export interface AdmitRequest {
  model: string;
  platform: Platform;
  clients: string[];
  /** Whether the call counts against the limits (count_tokens does not, as in the original). */
  counted: boolean;
}

const MICRO = 1_000_000;
const usd = (micro: number) => (micro / MICRO).toFixed(2);

/** A fresh window when none is running or the running one is over. */
export function currentWindow(window: RateWindow | null, minutes: number, now: number): RateWindow | null {
  if (minutes <= 0) return null;
  if (window && now - window.start < minutes * 60_000) return window;
  return null;
}

export function currentSpend(spend: Spend, record: RelayKeyRecord, offsetHours: number, now: number): Spend {
  const day = dayStart(now, offsetHours);
  const week = weekStart(now, offsetHours, record.limits.weeklyResetDay, record.limits.weeklyResetHour);
  return {
    ...spend,
    dayStart: day,
    dayCostMicroUsd: spend.dayStart === day ? spend.dayCostMicroUsd : 0,
    weekStart: week,
    weekCostMicroUsd: spend.weekStart === week ? spend.weekCostMicroUsd : 0,
  };
}

/** Models whose cost counts toward the weekly cap: every Claude-family model, as in the original. */
export function isClaudeFamily(model: string): boolean {
  return /claude|opus|sonnet|haiku/i.test(model);
}

/** Every limit but concurrency, in the original's order; null when the request may start. */
export function checkLimits(
  record: RelayKeyRecord,
  window: RateWindow | null,
  spend: Spend,
  request: AdmitRequest,
  now: number,
): Denial | null {
  const limits = record.limits;
  if (!record.isActive)
    return { kind: "authentication", code: "key_disabled", message: "API key is disabled" };
  const expiry = expiresAt(record);
  if (expiry !== null && expiry <= now)
    return { kind: "authentication", code: "key_expired", message: "API key has expired" };
  if (!mayUsePlatform(limits, request.platform)) {
    return { kind: "permission", code: "permission_denied", message: notPermittedMessage(request.platform) };
  }
  if (limits.restrictedModels.length > 0 && isRestricted(limits.restrictedModels, request.model)) {
    return {
      kind: "permission",
      code: "model_not_allowed",
      message: `This API key may not use model ${request.model}`,
    };
  }
  if (!request.counted) return null;
  if (
    limits.allowedClients.length > 0 &&
    !request.clients.some((c) => limits.allowedClients.includes(c as never))
  ) {
    return {
      kind: "permission",
      code: "client_not_allowed",
      message: `Client not allowed: this key accepts only ${limits.allowedClients.join(", ")}`,
    };
  }
  if (window) {
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((window.start + limits.rateLimitWindowMinutes * 60_000 - now) / 1000),
    );
    const resetAt = new Date(now + retryAfterSeconds * 1000).toISOString();
    if (limits.rateLimitRequests > 0 && window.requests >= limits.rateLimitRequests) {
      return {
        kind: "rate_limit",
        code: "rate_limit_requests",
        message: `Rate limit reached: ${limits.rateLimitRequests} requests per ${limits.rateLimitWindowMinutes} min; resets at ${resetAt}`,
        retryAfterSeconds,
        resetAt,
      };
    }
    if (limits.tokenLimit > 0 && window.tokens >= limits.tokenLimit) {
      return {
        kind: "rate_limit",
        code: "rate_limit_tokens",
        message: `Token limit reached: ${limits.tokenLimit} tokens per ${limits.rateLimitWindowMinutes} min; resets at ${resetAt}`,
        retryAfterSeconds,
        resetAt,
      };
    }
    if (
      limits.tokenLimit <= 0 &&
      limits.rateLimitCost > 0 &&
      window.costMicroUsd >= limits.rateLimitCost * MICRO
    ) {
      return {
        kind: "rate_limit",
        code: "rate_limit_cost",
        message: `Cost limit reached: $${limits.rateLimitCost} per ${limits.rateLimitWindowMinutes} min; resets at ${resetAt}`,
        retryAfterSeconds,
        resetAt,
      };
    }
  } else if (
    limits.rateLimitWindowMinutes <= 0 &&
    limits.tokenLimit > 0 &&
    spend.totalTokens >= limits.tokenLimit
  ) {
    return {
      kind: "quota",
      code: "token_limit_exceeded",
      message: `Token limit reached: ${limits.tokenLimit} tokens in total`,
    };
  }
  if (limits.dailyCostLimit > 0 && spend.dayCostMicroUsd >= limits.dailyCostLimit * MICRO) {
    const resetAt = new Date(spend.dayStart + DAY).toISOString();
    return {
      kind: "quota",
      code: "daily_cost_limit_exceeded",
      message: `Daily cost limit reached ($${usd(spend.dayCostMicroUsd)} of $${limits.dailyCostLimit}); resets at ${resetAt}`,
      resetAt,
    };
  }
  if (limits.totalCostLimit > 0 && spend.totalCostMicroUsd >= limits.totalCostLimit * MICRO) {
    return {
      kind: "quota",
      code: "total_cost_limit_exceeded",
      message: `Total cost limit reached ($${usd(spend.totalCostMicroUsd)} of $${limits.totalCostLimit})`,
    };
  }
  if (
    limits.weeklyCostLimit > 0 &&
    isClaudeFamily(request.model) &&
    spend.weekCostMicroUsd >= limits.weeklyCostLimit * MICRO
  ) {
    const resetAt = new Date(spend.weekStart + 7 * DAY).toISOString();
    return {
      kind: "quota",
      code: "weekly_cost_limit_exceeded",
      message: `Weekly Claude cost limit reached ($${usd(spend.weekCostMicroUsd)} of $${limits.weeklyCostLimit}); resets at ${resetAt}`,
      resetAt,
    };
  }
  return null;
}
