// What an Anthropic upstream answer means for the account that gave it, and the event that ends a
// broken Anthropic stream.
import type { AccountOutcome } from "../provider.ts";

const DEFAULT_RATE_LIMIT_SECONDS = 300;

export function claudeOutcome(response: Response): AccountOutcome {
  const status = response.status;
  if (status < 400) return { kind: "ok" };
  if (status === 429) {
    const reset = Number(response.headers.get("anthropic-ratelimit-unified-reset"));
    if (Number.isFinite(reset) && reset > 0) return { kind: "rate-limited", until: reset * 1000 };
    const retryAfter = Number(response.headers.get("retry-after"));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_RATE_LIMIT_SECONDS;
    return { kind: "rate-limited", until: Date.now() + seconds * 1000 };
  }
  if (status === 529) return { kind: "overloaded" };
  if (status === 401 || status === 403) return { kind: "unauthorized" };
  if (status >= 500) return { kind: "server-error" };
  return { kind: "client-error" };
}

const encoder = new TextEncoder();

/** Ends a broken Messages stream with an Anthropic `error` event (what the Anthropic SDK raises on). */
export const claudeStreamError = (message: string): Uint8Array =>
  encoder.encode(
    `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "api_error", message } })}\n\n`,
  );
