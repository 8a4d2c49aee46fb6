// What a Gemini (or Code Assist) upstream answer means for the account that gave it, and the event
// that ends a broken Gemini stream. Google has no
// 529: an overloaded model answers 503 UNAVAILABLE, so 503 parks the account as overloaded.
import type { AccountOutcome } from "../provider.ts";

const DEFAULT_RATE_LIMIT_SECONDS = 300;

/** `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > now ? (at - now) / 1000 : undefined;
}

export function geminiOutcome(response: Response): AccountOutcome {
  const status = response.status;
  if (status < 400) return { kind: "ok" };
  if (status === 429) {
    // Google's RetryInfo sits in the body, which is still to be relayed: the header decides here.
    const now = Date.now();
    const seconds = retryAfterSeconds(response.headers.get("retry-after"), now) ?? DEFAULT_RATE_LIMIT_SECONDS;
    return { kind: "rate-limited", until: now + seconds * 1000 };
  }
  if (status === 503 || status === 529) return { kind: "overloaded" };
  if (status === 401 || status === 403) return { kind: "unauthorized" };
  if (status >= 500) return { kind: "server-error" };
  return { kind: "client-error" };
}

const encoder = new TextEncoder();

/** Ends a broken Gemini stream. Sent only after whole events (relay/meter.ts): no blank line needed before it. */
export const geminiStreamError = (message: string): Uint8Array =>
  encoder.encode(`data: ${JSON.stringify({ error: { code: 502, message, status: "UNAVAILABLE" } })}\n\n`);
