// What an OpenAI (or ChatGPT Codex backend) answer means for the account that gave it, and the
// events that end a broken Responses or Chat Completions stream.
import type { AccountOutcome } from "../provider.ts";

/** The original parks an OpenAI account for its rate-limit duration (default 60 minutes) when no reset is given. */
export const DEFAULT_RATE_LIMIT_SECONDS = 3600;

/** OpenAI's duration format in x-ratelimit-reset-*: "1s", "6m0s", "20ms", "1h2m3.5s"; a bare number is seconds. */
export function parseDurationMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = text;
  for (;;) {
    const match = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!match) break;
    total += Number(match[1]) * (unitMs[match[2] ?? "s"] ?? 1000);
    rest = rest.slice(match[0].length);
  }
  return rest === "" && text !== "" ? total : undefined;
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers, now: number): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) && date > now ? date - now : undefined;
}

/**
 * When a 429'd account may be used again. The reset of a limit the headers show as spent wins
 * (OpenAI's x-ratelimit-remaining/reset-{requests,tokens}, the Codex backend's
 * x-codex-{primary,secondary}-used-percent/reset-after-seconds); then any reset given;
 * then retry-after; then the default.
 */
export function rateLimitedUntil(headers: Headers, now: number): number {
  const spent: number[] = [];
  const announced: number[] = [];
  for (const bucket of ["requests", "tokens"]) {
    const reset = parseDurationMs(headers.get(`x-ratelimit-reset-${bucket}`));
    if (reset === undefined) continue;
    announced.push(reset);
    if (headers.get(`x-ratelimit-remaining-${bucket}`)?.trim() === "0") spent.push(reset);
  }
  for (const window of ["primary", "secondary"]) {
    const reset = Number(headers.get(`x-codex-${window}-reset-after-seconds`));
    if (!headers.has(`x-codex-${window}-reset-after-seconds`) || !Number.isFinite(reset) || reset < 0)
      continue;
    announced.push(reset * 1000);
    if (Number(headers.get(`x-codex-${window}-used-percent`)) >= 100) spent.push(reset * 1000);
  }
  const chosen =
    spent.length > 0
      ? Math.max(...spent)
      : announced.length > 0
        ? Math.max(...announced)
        : (retryAfterMs(headers, now) ?? DEFAULT_RATE_LIMIT_SECONDS * 1000);
  return now + chosen;
}

export function openaiOutcome(response: Response): AccountOutcome {
  const status = response.status;
  if (status < 400) return { kind: "ok" };
  if (status === 429) return { kind: "rate-limited", until: rateLimitedUntil(response.headers, Date.now()) };
  // 402 from the Codex backend: the ChatGPT plan is unpaid; the original treats it like a 401.
  if (status === 401 || status === 402 || status === 403) return { kind: "unauthorized" };
  if (status === 529) return { kind: "overloaded" };
  if (status >= 500) return { kind: "server-error" };
  return { kind: "client-error" };
}

const encoder = new TextEncoder();

/**
 * Ends a broken Responses stream the way OpenAI ends a failed one: an `error` event (what the
 * OpenAI SDK raises on) and `response.failed` (what Codex reads: without it, or
 * response.completed, it reports "stream closed before response.completed").
 */
export function responsesStreamError(message: string): Uint8Array {
  const error = { type: "error", code: "server_error", message, param: null };
  const failed = {
    type: "response.failed",
    response: {
      id: `resp_relay_${crypto.randomUUID().replaceAll("-", "")}`,
      object: "response",
      status: "failed",
      error: { code: "server_error", message },
      incomplete_details: null,
      output: [],
      usage: null,
    },
  };
  return encoder.encode(
    `event: error\ndata: ${JSON.stringify(error)}\n\nevent: response.failed\ndata: ${JSON.stringify(failed)}\n\n`,
  );
}

/** Ends a broken chat stream with an OpenAI error chunk (what the OpenAI SDK raises on). */
export const chatStreamError = (message: string): Uint8Array =>
  encoder.encode(`data: ${JSON.stringify({ error: { message, type: "server_error", code: null } })}\n\n`);
