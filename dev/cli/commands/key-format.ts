// How a relay key reads in tables and detail views: status, expiry and a one-line limits summary.
import type { KeyLimits, KeyView } from "../schemas.ts";
import { details, money, orDash, when } from "../table.ts";

const DAY_MS = 86_400_000;
const WEEKDAYS = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The time a key stops working, if known (activation keys only know it after first use). */
function expiresAt(key: KeyView): number | undefined {
  const { expiry } = key;
  if (expiry.mode === "fixed") return Date.parse(expiry.expiresAt);
  if (expiry.mode === "activation" && expiry.activatedAt) {
    return Date.parse(expiry.activatedAt) + expiry.days * DAY_MS;
  }
  return undefined;
}

export function keyStatus(key: KeyView, now = Date.now()): string {
  if (!key.isActive) return "disabled";
  const end = expiresAt(key);
  return end !== undefined && end <= now ? "expired" : "active";
}

export function expiryText(key: KeyView): string {
  const { expiry } = key;
  if (expiry.mode === "never") return "never";
  if (expiry.mode === "fixed") return when(expiry.expiresAt);
  const end = expiresAt(key);
  return end === undefined ? `${expiry.days}d after first use` : when(new Date(end).toISOString());
}

/** Only the limits that are set (0 / empty means "no limit"), e.g. "conc 2, 100 req/60m, $5/day". */
export function limitsSummary(limits: KeyLimits): string {
  const parts: string[] = [];
  if (limits.concurrencyLimit > 0) {
    const queue = limits.concurrencyQueueSeconds > 0 ? ` (queue ${limits.concurrencyQueueSeconds}s)` : "";
    parts.push(`conc ${limits.concurrencyLimit}${queue}`);
  }
  if (limits.rateLimitWindowMinutes > 0) {
    const window = `/${limits.rateLimitWindowMinutes}m`;
    if (limits.rateLimitRequests > 0) parts.push(`${limits.rateLimitRequests} req${window}`);
    if (limits.rateLimitCost > 0) parts.push(`${money(limits.rateLimitCost)}${window}`);
  }
  if (limits.tokenLimit > 0) parts.push(`${limits.tokenLimit} tokens`);
  if (limits.dailyCostLimit > 0) parts.push(`${money(limits.dailyCostLimit)}/day`);
  if (limits.weeklyCostLimit > 0) {
    const reset = `${WEEKDAYS[limits.weeklyResetDay] ?? "?"} ${String(limits.weeklyResetHour).padStart(2, "0")}:00`;
    parts.push(`${money(limits.weeklyCostLimit)}/week (resets ${reset})`);
  }
  if (limits.totalCostLimit > 0) parts.push(`${money(limits.totalCostLimit)} total`);
  if (limits.permissions.length > 0) parts.push(`only ${limits.permissions.join(",")}`);
  if (limits.allowedClients.length > 0) parts.push(`clients ${limits.allowedClients.join(",")}`);
  if (limits.restrictedModels.length > 0) parts.push(`blocks ${limits.restrictedModels.join(",")}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

export function keyDetails(key: KeyView): string {
  const bound = Object.entries(key.boundAccounts).map(([platform, id]) => `${platform}=${id}`);
  return details([
    ["ID", key.id],
    ["Name", key.name],
    ["Description", orDash(key.description)],
    ["Key", key.preview],
    ["Status", keyStatus(key)],
    ["Tags", orDash(key.tags.join(", "))],
    ...(key.ownerId ? [["Owner", key.ownerId] as [string, string]] : []),
    ["Expires", expiryText(key)],
    ["Limits", limitsSummary(key.limits)],
    ["Bound accounts", orDash(bound.join(", "))],
    ["Created", when(key.createdAt)],
    ["Updated", when(key.updatedAt)],
  ]);
}

export const keyRow = (key: KeyView): string[] => [
  key.id,
  key.name,
  keyStatus(key),
  key.preview,
  expiryText(key),
  limitsSummary(key.limits),
];
export const KEY_HEADERS = ["ID", "NAME", "STATUS", "KEY", "EXPIRES", "LIMITS"];
