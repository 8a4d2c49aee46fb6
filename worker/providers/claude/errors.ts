// What an Anthropic upstream answer means for the account that gave it, and the event that ends a
// broken Anthropic stream.
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import type { AccountOutcome } from "../provider.ts";
import { refusedLimit, usageWindows } from "./ratelimit.ts";

/** A 429 that names no reset parks this long, or its retry-after up to the cap: minutes, never days. */
const DEFAULT_RATE_LIMIT_SECONDS = 300;
const MAX_UNNAMED_RATE_LIMIT_SECONDS = 1800;

/**
 * Anthropic's refusals that are not rate limits, matched on the error message as the original
 * matches them (src/services/relay/claudeRelayService.js): a disabled or banned organisation
 * (400/403), and a subscription refusing a client that is not Claude Code ("Third-party apps now
 * draw from your extra usage…", 400; "Extra usage is required…", 429; "This credential is only
 * authorized for use with Claude Code and cannot be used for other API requests", 400).
 */
const ORGANIZATION_DISABLED = [
  "this organization has been disabled",
  "oauth authentication is currently not allowed",
];
const CLIENT_REFUSED = [
  "extra usage",
  "only authorized for use with claude code",
  "cannot be used for other api requests",
];

function errorMessage(text: string | undefined): string {
  if (!text) return "";
  try {
    const body: unknown = JSON.parse(text);
    const error = body && typeof body === "object" && "error" in body ? body.error : undefined;
    const message =
      typeof error === "string"
        ? error
        : error && typeof error === "object" && "message" in error
          ? error.message
          : undefined;
    return typeof message === "string" ? message : "";
  } catch {
    return text.slice(0, 1000);
  }
}

function secondsFromNow(headers: Headers, cap: number | undefined): number {
  const retryAfter = Number(headers.get("retry-after"));
  const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_RATE_LIMIT_SECONDS;
  return Date.now() + (cap === undefined ? seconds : Math.min(seconds, cap)) * 1000;
}

/** A 429 of a subscription account: the refusing family or the account, until the reset named. */
function subscriptionRateLimit(headers: Headers, model: string): AccountOutcome {
  const { family, until } = refusedLimit(headers, model);
  if (until !== null && until > Date.now()) {
    return family ? { kind: "rate-limited", until, family } : { kind: "rate-limited", until };
  }
  return { kind: "rate-limited", until: secondsFromNow(headers, MAX_UNNAMED_RATE_LIMIT_SECONDS) };
}

/** A 429 of an API-key account (Console) or of Bedrock: the account until the reset or retry-after. */
function accountRateLimit(headers: Headers, bounded: boolean): AccountOutcome {
  const reset = Number(headers.get("anthropic-ratelimit-unified-reset"));
  if (Number.isFinite(reset) && reset > 0) return { kind: "rate-limited", until: reset * 1000 };
  return {
    kind: "rate-limited",
    until: secondsFromNow(headers, bounded ? MAX_UNNAMED_RATE_LIMIT_SECONDS : undefined),
  };
}

function statusOutcome(response: Response, model: string, account: AccountRecord | undefined) {
  const status = response.status;
  if (status < 400) return { kind: "ok" } as const;
  if (status === 429) {
    if (account?.type === "claude-oauth") return subscriptionRateLimit(response.headers, model);
    return accountRateLimit(response.headers, account?.type === "claude-console");
  }
  if (status === 529) return { kind: "overloaded" } as const;
  if (status === 401 || status === 403) return { kind: "unauthorized" } as const;
  if (status >= 500) return { kind: "server-error" } as const;
  return { kind: "client-error" } as const;
}

/** A refusal read off the error body that is not what its status alone would say, or undefined. */
function refusal(status: number, errorBody: string | undefined, account: AccountRecord | undefined) {
  if (errorBody === undefined || (status !== 400 && status !== 403 && status !== 429)) return undefined;
  const type = account?.type;
  if (type !== "claude-oauth" && type !== "claude-console") return undefined;
  const message = errorMessage(errorBody);
  const lower = message.toLowerCase();
  if (status !== 429 && ORGANIZATION_DISABLED.some((words) => lower.includes(words))) {
    return { kind: "blocked", reason: message } as const;
  }
  if (type === "claude-oauth" && CLIENT_REFUSED.some((words) => lower.includes(words))) {
    return { kind: "refused-client", reason: message } as const;
  }
  return undefined;
}

/**
 * What an answer says about the Claude account that gave it. A subscription (OAuth) account's
 * answers — successes too — carry its usage windows; its 429 parks only the refusing model family
 * when the refusing limit is a family's. `errorBody`, the text of an error answer when the caller
 * has read it, tells a disabled organisation (blocked) and a refused client apart from the status.
 * Bedrock accounts answer through here too (adapted to Anthropic's shape): as before.
 */
export function claudeOutcome(
  response: Response,
  model: string,
  account?: AccountRecord,
  errorBody?: string,
): AccountOutcome {
  const outcome: AccountOutcome =
    refusal(response.status, errorBody, account) ?? statusOutcome(response, model, account);
  if (account?.type !== "claude-oauth") return outcome;
  const windows = usageWindows(response.headers);
  return windows ? { ...outcome, windows } : outcome;
}

const encoder = new TextEncoder();

/** Ends a broken Messages stream with an Anthropic `error` event (what the Anthropic SDK raises on). */
export const claudeStreamError = (message: string): Uint8Array =>
  encoder.encode(
    `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "api_error", message } })}\n\n`,
  );
