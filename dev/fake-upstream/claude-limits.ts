// What a Claude subscription (OAuth) account's answers carry: Anthropic's unified rate-limit
// headers on every answer, its 429s per limit (5-hour, weekly, weekly per model family), and its
// refusals that are not rate limits (a client it does not serve, a disabled organisation), with
// the header names and messages Anthropic sends. Scenario parts (server.ts):
//   windows, windows-<5h %>       a success carrying the window headers (5-hour use as given)
//   five-hour-429, weekly-429     the account's 5-hour / weekly limit refuses every model
//   weekly-sonnet-429, weekly-opus-429, weekly-haiku-429
//                                 that family's weekly limit refuses its models; others are served
//   429-no-reset                  a 429 that names no reset (no unified headers, no retry-after)
//   extra-usage                   400 "Third-party apps now draw from your extra usage…"
//   extra-usage-429               429 "Extra usage is required…" (the original's non-rate-limit 429)
//   org-disabled, org-disabled-403 400 "This organization has been disabled." / 403 "OAuth
//                                 authentication is currently not allowed for this organization."
import { errorBody } from "./anthropic.ts";

export type ClaudeLimitPart =
  | { kind: "windows"; fiveHourPercent: number }
  | { kind: "limit"; window: "5h" | "7d" | "7d_sonnet" | "7d_opus" | "7d_haiku" }
  | { kind: "no-reset" }
  | { kind: "refusal"; status: number; message: string };

const PREFIX = "anthropic-ratelimit-unified-";
const HOUR = 3600;
const DAY = 24 * HOUR;

const LIMITS = {
  "five-hour-429": "5h",
  "weekly-429": "7d",
  "weekly-sonnet-429": "7d_sonnet",
  "weekly-opus-429": "7d_opus",
  "weekly-haiku-429": "7d_haiku",
} as const;

const REFUSALS: Record<string, { status: number; message: string }> = {
  "extra-usage": {
    status: 400,
    message:
      "Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage and keep going.",
  },
  "extra-usage-429": { status: 429, message: "Extra usage is required for long context requests." },
  "org-disabled": { status: 400, message: "This organization has been disabled." },
  "org-disabled-403": {
    status: 403,
    message: "OAuth authentication is currently not allowed for this organization.",
  },
};

/** The part, or undefined when `part` is not one of these. */
export function claudeLimitPart(part: string): ClaudeLimitPart | undefined {
  if (part === "windows") return { kind: "windows", fiveHourPercent: 42 };
  const windows = /^windows-(\d{1,3})$/.exec(part);
  if (windows) return { kind: "windows", fiveHourPercent: Math.min(100, Number(windows[1])) };
  if (part in LIMITS) return { kind: "limit", window: LIMITS[part as keyof typeof LIMITS] };
  if (part === "429-no-reset") return { kind: "no-reset" };
  const refusal = REFUSALS[part];
  return refusal ? { kind: "refusal", ...refusal } : undefined;
}

/** When each window resets, from now (epoch seconds). */
function resets(now: number): Record<string, number> {
  return {
    "5h": now + 3 * HOUR,
    "7d": now + 4 * DAY,
    "7d_opus": now + 5 * DAY,
    "7d_sonnet": now + 3 * DAY,
    "7d_haiku": now + 6 * DAY,
  };
}

interface WindowState {
  utilization: number;
  status: string;
}

function windowHeaders(state: Record<string, WindowState>, now: number): Record<string, string> {
  const at = resets(now);
  const headers: Record<string, string> = {};
  for (const [window, { utilization, status }] of Object.entries(state)) {
    headers[`${PREFIX}${window}-utilization`] = String(utilization);
    headers[`${PREFIX}${window}-reset`] = String(at[window]);
    headers[`${PREFIX}${window}-status`] = status;
  }
  return headers;
}

const statusOf = (utilization: number) =>
  utilization >= 1 ? "rejected" : utilization >= 0.8 ? "allowed_warning" : "allowed";

/** The headers of an answer the account served, with its 5-hour window at `fiveHourPercent`. */
export function servedHeaders(fiveHourPercent: number, now = Math.floor(Date.now() / 1000)) {
  const fiveHour = fiveHourPercent / 100;
  const state = {
    "5h": { utilization: fiveHour, status: statusOf(fiveHour) },
    "7d": { utilization: 0.61, status: "allowed" },
    "7d_opus": { utilization: 0.15, status: "allowed" },
    "7d_sonnet": { utilization: 0.33, status: "allowed" },
  };
  return {
    ...windowHeaders(state, now),
    [`${PREFIX}status`]: statusOf(fiveHour),
    [`${PREFIX}reset`]: String(resets(now)["5h"]),
    [`${PREFIX}representative-claim`]: "five_hour",
    [`${PREFIX}fallback-percentage`]: "0.5",
    [`${PREFIX}overage-status`]: "rejected",
    [`${PREFIX}overage-disabled-reason`]: "org_level_disabled",
  };
}

const CLAIMS: Record<string, string> = {
  "5h": "five_hour",
  "7d": "seven_day",
  "7d_opus": "seven_day_opus",
  "7d_sonnet": "seven_day_sonnet",
  "7d_haiku": "seven_day_haiku",
};

/** Whether the limit refuses a request for `model` (a family's limit refuses only that family). */
export function limitRefuses(window: string, model: string): boolean {
  const family = /^7d_(\w+)$/.exec(window)?.[1];
  return family === undefined || model.toLowerCase().includes(family);
}

/** Anthropic's 429 for a limit reached: its window rejected, the claim naming it, the reset. */
export function limitReply(window: string, now = Math.floor(Date.now() / 1000)) {
  const state: Record<string, WindowState> = {
    "5h": { utilization: 0.2, status: "allowed" },
    "7d": { utilization: 0.5, status: "allowed" },
    "7d_opus": { utilization: 0.1, status: "allowed" },
    "7d_sonnet": { utilization: 0.3, status: "allowed" },
    [window]: { utilization: 1, status: "rejected" },
  };
  const headers = {
    ...windowHeaders(state, now),
    [`${PREFIX}status`]: "rejected",
    [`${PREFIX}reset`]: String(resets(now)[window]),
    [`${PREFIX}representative-claim`]: CLAIMS[window] ?? window,
    [`${PREFIX}overage-status`]: "rejected",
    [`${PREFIX}overage-disabled-reason`]: "org_level_disabled",
    "retry-after": String((resets(now)[window] ?? now + HOUR) - now),
  };
  const body = errorBody(429, "This request would exceed your account's rate limit. Please try again later.");
  return { status: 429, headers, body };
}

/** A 429 that names no reset: no unified headers, no retry-after. */
export function noResetReply() {
  return { status: 429, headers: {}, body: errorBody(429, "Rate limited. Please try again later.") };
}

export function refusalReply(status: number, message: string) {
  return { status, headers: {}, body: errorBody(status, message) };
}

/** The headers of an answer served while a family's limit (not this model's) is reached. */
export function servedBesideLimit(window: string, now = Math.floor(Date.now() / 1000)) {
  const { "retry-after": _retryAfter, ...headers } = limitReply(window, now).headers;
  return {
    ...headers,
    [`${PREFIX}status`]: "allowed",
    [`${PREFIX}reset`]: String(resets(now)["5h"]),
    [`${PREFIX}representative-claim`]: "five_hour",
  };
}

/**
 * What the scenario's Claude parts make of a Messages request for `model`: an error reply, or the
 * headers a served answer carries (undefined: neither).
 */
export function claudeLimitOutcome(
  parts: ClaudeLimitPart[],
  model: string,
):
  | { reply: { status: number; headers: Record<string, string>; body: unknown } }
  | { headers: Record<string, string> }
  | undefined {
  for (const part of parts) {
    if (part.kind === "refusal") return { reply: refusalReply(part.status, part.message) };
    if (part.kind === "no-reset") return { reply: noResetReply() };
    if (part.kind === "limit") {
      return limitRefuses(part.window, model)
        ? { reply: limitReply(part.window) }
        : { headers: servedBesideLimit(part.window) };
    }
  }
  const windows = parts.find((part) => part.kind === "windows");
  return windows?.kind === "windows" ? { headers: servedHeaders(windows.fiveHourPercent) } : undefined;
}
