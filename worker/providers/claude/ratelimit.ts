// Anthropic's unified rate-limit headers, which every answer to a subscription (Claude OAuth)
// account carries: the usage windows, and on a 429 which limit refused and until when. The names
// are Anthropic's: `anthropic-ratelimit-unified-{5h,7d,7d_opus,7d_sonnet}-{utilization,reset,status}`
// (utilization a fraction, reset in epoch seconds, status allowed / allowed_warning / rejected),
// `-status`, `-reset` and `-representative-claim` (five_hour, seven_day, seven_day_opus,
// seven_day_sonnet: the binding limit).
import type { UsageWindow, UsageWindows } from "../provider.ts";

const PREFIX = "anthropic-ratelimit-unified-";

/**
 * The model families whose limits Anthropic keeps apart (the original's
 * RATE_LIMITED_MODEL_FAMILIES, src/utils/modelHelper.js), matched as it matches them: the first
 * family word in the model id.
 */
const MODEL_FAMILIES = ["opus", "sonnet", "haiku", "fable"] as const;

/** The family a Claude model's per-family limits are kept under, or undefined. */
export function modelFamily(model: string): string | undefined {
  const id = model.toLowerCase();
  return MODEL_FAMILIES.find((family) => id.includes(family));
}

/** Header window names → UsageWindows fields. */
const WINDOWS = [
  ["5h", "fiveHour"],
  ["7d", "sevenDay"],
  ["7d_opus", "sevenDayOpus"],
  ["7d_sonnet", "sevenDaySonnet"],
] as const;

/** Epoch ms of an epoch-seconds header; null when absent, unreadable or 0 (Anthropic's "none"). */
function epochMs(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

function readWindow(headers: Headers, name: string): UsageWindow | undefined {
  const utilization = headers.get(`${PREFIX}${name}-utilization`);
  const status = headers.get(`${PREFIX}${name}-status`);
  if (utilization === null && status === null) return undefined;
  const used = Number(utilization);
  return {
    // A window stated by its status alone is full when refused, else unknown: shown as empty.
    utilization:
      utilization !== null && Number.isFinite(used)
        ? Math.min(1, Math.max(0, used))
        : status === "rejected"
          ? 1
          : 0,
    resetAt: epochMs(headers.get(`${PREFIX}${name}-reset`)),
    status,
  };
}

/** The usage windows an answer states, or undefined when it states none (not a subscription). */
export function usageWindows(headers: Headers, now = Date.now()): UsageWindows | undefined {
  // Two lookups for an answer without them (every answer passes here), twelve for one with them.
  if (headers.get(`${PREFIX}status`) === null && headers.get(`${PREFIX}5h-utilization`) === null) {
    return undefined;
  }
  let windows: UsageWindows | undefined;
  for (const [name, field] of WINDOWS) {
    const window = readWindow(headers, name);
    if (!window) continue;
    windows ??= { at: now };
    windows[field] = window;
  }
  return windows;
}

/** What a 429 says refused: the whole account, or one model family; and until when it says. */
export interface RefusedLimit {
  /** Set when only this family's limit refused. */
  family?: string;
  /** Epoch ms the refusing limit resets, as the answer names it; null when it names none. */
  until: number | null;
}

/** `seven_day_opus` → `7d_opus`, `five_hour` → `5h`: the claim's window in the header names. */
function claimWindow(claim: string): string {
  if (claim === "five_hour") return "5h";
  return claim.replace(/^seven_day/, "7d");
}

/**
 * Which limit refused a 429 of a subscription account. The windows' statuses say it first (a
 * rejected 5-hour or weekly window before the requested family's weekly one), then the
 * representative claim; without either, as the original does, the requested model's family is
 * parked until the unified reset when the model has a family, else the account.
 */
export function refusedLimit(headers: Headers, model: string): RefusedLimit {
  const reset = (window: string) => epochMs(headers.get(`${PREFIX}${window}-reset`));
  const rejected = (window: string) => headers.get(`${PREFIX}${window}-status`) === "rejected";
  const unifiedReset = epochMs(headers.get(`${PREFIX}reset`));
  const family = modelFamily(model);
  const wide = ["5h", "7d"].filter(rejected);
  if (wide.length > 0) {
    const resets = wide.map(reset).filter((at): at is number => at !== null);
    return { until: resets.length > 0 ? Math.max(...resets) : unifiedReset };
  }
  if (family && rejected(`7d_${family}`)) return { family, until: reset(`7d_${family}`) ?? unifiedReset };
  const claim = headers.get(`${PREFIX}representative-claim`);
  if (claim) {
    const window = claimWindow(claim);
    const claimed = /^7d_([a-z]+)$/.exec(window)?.[1];
    return { family: claimed, until: reset(window) ?? unifiedReset };
  }
  return { family: unifiedReset !== null ? family : undefined, until: unifiedReset };
}
