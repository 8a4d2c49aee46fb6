// The per-key limits as pure functions over the gate's live state, so each rule can be tested
// with a fake clock. Semantics follow Claude Relay Service (../shared/CRS-REFERENCE.md §3).
import type { ErrorKind } from "../../worker/http/errors.ts";
import type { Platform } from "../../worker/keyspace/records/common.ts";
import type { CostPlatform, RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { isRestricted, matchesModel } from "../../worker/providers/model-patterns.ts";
import { expiresAt } from "../../worker/relay/expiry.ts";
import { mayUsePlatform, notPermittedMessage } from "../../worker/relay/permission.ts";
import { addMicro } from "../../worker/usage/money.ts";
import { DAY, dayStart, weekStart } from "./periods.ts";

export interface RateWindow {
  start: number;
  requests: number;
  tokens: number;
  costMicroUsd: number;
}

/** Cost of one platform or one model: today's and all time's, µUSD. */
export interface Tally {
  dayCostMicroUsd: number;
  totalCostMicroUsd: number;
}

export interface ModelTally extends Tally {
  model: string;
}

export interface Spend {
  dayStart: number;
  dayCostMicroUsd: number;
  weekStart: number;
  weekCostMicroUsd: number;
  totalCostMicroUsd: number;
  totalTokens: number;
  /** Per cost platform (absent in state stored before platform limits existed). */
  platforms?: Partial<Record<CostPlatform, Tally>>;
  /** Per model name as settled, in first-seen order (a list: model names are not safe object keys). */
  models?: ModelTally[];
}

export interface Denial {
  kind: ErrorKind;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  resetAt?: string;
  /** Which cap of several with the same code (a platform's or a model's), and its amount. */
  cap?: string;
}

export interface AdmitRequest {
  model: string;
  platform: Platform;
  clients: string[];
  /** Whether the call counts against the limits (count_tokens does not, as in the original). */
  counted: boolean;
  /**
   * The pool the request is scheduled from when it is not its platform's (`azure-openai` for the
   * Azure routes): its platform limit applies too. Absent: the platform's own pool.
   */
  pool?: string;
}

/**
 * The cost platforms a settled request counts toward: its platform, and the account kind that
 * served it where that has a limit of its own (Bedrock in the Claude pool, Azure OpenAI).
 */
export function costPlatformsOf(platform: string, costPlatform: CostPlatform | undefined): CostPlatform[] {
  const own = (["claude", "gemini", "openai", "droid"] as const).find((p) => p === platform);
  const out: CostPlatform[] = own ? [own] : [];
  if (costPlatform && !out.includes(costPlatform)) out.push(costPlatform);
  return out;
}

/**
 * The platform a request's cost counts under, from what the relay knows when it settles: the
 * provider's platform and pool, and the type of the account that answered.
 */
export function costPlatformOf(platform: Platform, pool?: string, accountType?: string): CostPlatform {
  if (accountType === "bedrock") return "bedrock";
  if (pool === "azure-openai" || accountType === "azure-openai") return "azure-openai";
  return platform;
}

/**
 * Platform limits that apply to a request at admission: its platform's, the Azure one on the Azure
 * routes, and on Claude requests the Bedrock one (the pool may pick a Bedrock account, which the
 * gate cannot know before the request is sent: a spent Bedrock cap stops the key's Claude requests).
 */
function admissionPlatforms(request: AdmitRequest): CostPlatform[] {
  const out: CostPlatform[] = [request.platform];
  if (request.platform === "claude") out.push("bedrock");
  if (request.pool === "azure-openai") out.push("azure-openai");
  return out;
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
  const sameDay = spend.dayStart === day;
  const rollTally = <T extends Tally>(t: T): T => (sameDay ? t : { ...t, dayCostMicroUsd: 0 });
  return {
    ...spend,
    dayStart: day,
    dayCostMicroUsd: sameDay ? spend.dayCostMicroUsd : 0,
    weekStart: week,
    weekCostMicroUsd: spend.weekStart === week ? spend.weekCostMicroUsd : 0,
    platforms: Object.fromEntries(
      Object.entries(spend.platforms ?? {}).map(([platform, tally]) => [platform, rollTally(tally)]),
    ),
    models: (spend.models ?? []).map((tally) => rollTally(tally)),
  };
}

/** Spend counted elsewhere before the key came here (a CRS import), as the gate keeps it. */
export interface Carried {
  importId: string;
  dayStart: number;
  dayCostMicroUsd: number;
  weekStart: number;
  weekCostMicroUsd: number;
  totalCostMicroUsd: number;
}

/** The gate's own spend plus what was carried over, each part only in its own day and week. */
export function withCarried(spend: Spend, carried: Carried | null): Spend {
  if (!carried) return spend;
  return {
    ...spend,
    dayCostMicroUsd:
      carried.dayStart === spend.dayStart
        ? addMicro(spend.dayCostMicroUsd, carried.dayCostMicroUsd)
        : spend.dayCostMicroUsd,
    weekCostMicroUsd:
      carried.weekStart === spend.weekStart
        ? addMicro(spend.weekCostMicroUsd, carried.weekCostMicroUsd)
        : spend.weekCostMicroUsd,
    totalCostMicroUsd: addMicro(spend.totalCostMicroUsd, carried.totalCostMicroUsd),
  };
}

const emptyTally = (): Tally => ({ dayCostMicroUsd: 0, totalCostMicroUsd: 0 });

/** What the key's models matching `pattern` (exact or prefix*) cost today and in total. */
export function modelSpend(spend: Spend, pattern: string): Tally {
  const sum = emptyTally();
  for (const tally of spend.models ?? []) {
    if (!matchesModel([pattern], tally.model)) continue;
    sum.dayCostMicroUsd = addMicro(sum.dayCostMicroUsd, tally.dayCostMicroUsd);
    sum.totalCostMicroUsd = addMicro(sum.totalCostMicroUsd, tally.totalCostMicroUsd);
  }
  return sum;
}

export function platformSpend(spend: Spend, platform: CostPlatform): Tally {
  return spend.platforms?.[platform] ?? emptyTally();
}

const PLATFORM_NAMES: Record<CostPlatform, string> = {
  claude: "Claude",
  bedrock: "Bedrock",
  gemini: "Gemini",
  openai: "OpenAI",
  "azure-openai": "Azure OpenAI",
  droid: "Droid",
};

/** The first per-platform or per-model cap the request would go over, in the order they are listed. */
function checkScopedCaps(record: RelayKeyRecord, spend: Spend, request: AdmitRequest): Denial | null {
  const { platformLimits, modelLimits } = record.limits;
  const resetAt = new Date(spend.dayStart + DAY).toISOString();
  const capped = (
    scope: "platform" | "model",
    what: string,
    tally: Tally,
    caps: { dailyCostLimit: number; totalCostLimit: number },
  ): Denial | null => {
    if (caps.dailyCostLimit > 0 && tally.dayCostMicroUsd >= caps.dailyCostLimit * MICRO)
      return {
        kind: "quota",
        cap: `${what} $${caps.dailyCostLimit}`,
        code: `${scope}_daily_cost_limit_exceeded`,
        message: `Daily cost limit for ${what} reached ($${usd(tally.dayCostMicroUsd)} of $${caps.dailyCostLimit}); resets at ${resetAt}`,
        resetAt,
      };
    if (caps.totalCostLimit > 0 && tally.totalCostMicroUsd >= caps.totalCostLimit * MICRO)
      return {
        kind: "quota",
        cap: `${what} $${caps.totalCostLimit}`,
        code: `${scope}_total_cost_limit_exceeded`,
        message: `Total cost limit for ${what} reached ($${usd(tally.totalCostMicroUsd)} of $${caps.totalCostLimit})`,
      };
    return null;
  };
  const platforms = admissionPlatforms(request);
  for (const limit of platformLimits) {
    if (!platforms.includes(limit.platform)) continue;
    const denial = capped(
      "platform",
      PLATFORM_NAMES[limit.platform],
      platformSpend(spend, limit.platform),
      limit,
    );
    if (denial) return denial;
  }
  for (const limit of modelLimits) {
    if (!matchesModel([limit.model], request.model)) continue;
    const denial = capped("model", `models ${limit.model}`, modelSpend(spend, limit.model), limit);
    if (denial) return denial;
  }
  return null;
}

/** Distinct priced models a gate keeps a tally for (a key uses a handful; the bound keeps state small). */
export const MAX_MODEL_TALLIES = 500;

/** Adds a settled request's cost to its platforms' and its model's tallies. */
export function tallyCost(spend: Spend, platforms: CostPlatform[], model: string, cost: number): void {
  // Free requests (unpriced, failed) change no tally: model names that never cost stay out.
  if (!(cost > 0)) return;
  const add = (t: Tally) => {
    t.dayCostMicroUsd = addMicro(t.dayCostMicroUsd, cost);
    t.totalCostMicroUsd = addMicro(t.totalCostMicroUsd, cost);
  };
  spend.platforms ??= {};
  for (const platform of platforms) {
    const tally = spend.platforms[platform] ?? emptyTally();
    add(tally);
    spend.platforms[platform] = tally;
  }
  spend.models ??= [];
  let entry = spend.models.find((t) => t.model === model);
  if (!entry) {
    if (spend.models.length >= MAX_MODEL_TALLIES) return;
    entry = { model, ...emptyTally() };
    spend.models.push(entry);
  }
  add(entry);
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
  return checkScopedCaps(record, spend, request);
}
