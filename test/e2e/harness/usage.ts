// What end-to-end tests compare: a key's recorded usage (admin API, after the write-behind) and
// what the fake upstream says it sent.
import { expect } from "vitest";
import type { Schemas } from "../../../admin-ui/src/api/generated.ts";
import type { FakeUpstream } from "../../../dev/fake-upstream/server.ts";
import { adminCall } from "./relay.ts";
import type { TestStack } from "./stack.ts";

/** A key's usage counters as the admin API answers them. */
export type KeyCounters = Schemas["UsageCounters"];
/** The counters the fake upstream's reports add up to (sentTotals). */
export type Counters = Pick<
  KeyCounters,
  "requests" | "inputTokens" | "outputTokens" | "cacheCreateTokens" | "cacheReadTokens"
>;

/** The key's all-time counters (GET /admin/keys/{id}/usage). */
export async function usageOf(stack: TestStack, token: string, keyId: string): Promise<KeyCounters> {
  return (await adminCall<Schemas["KeyUsage"]>(stack, token, "GET", `/keys/${keyId}/usage`)).total;
}

/** The key's usage once at least `requests` requests have been flushed (or `timeoutMs` has passed). */
export async function settledUsage(
  stack: TestStack,
  token: string,
  keyId: string,
  requests: number,
  timeoutMs = 10_000,
): Promise<KeyCounters> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const usage = await usageOf(stack, token, keyId);
    if (usage.requests >= requests || Date.now() > deadline) return usage;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The usage the fake upstream sent since its `since`-th record. */
export function sentTotals(upstream: FakeUpstream, since: number): Counters {
  const sent = upstream.stats().usageSent.slice(since);
  return {
    requests: sent.length,
    inputTokens: sent.reduce((s, u) => s + u.input_tokens, 0),
    outputTokens: sent.reduce((s, u) => s + u.output_tokens, 0),
    cacheCreateTokens: sent.reduce((s, u) => s + u.cache_creation_input_tokens, 0),
    cacheReadTokens: sent.reduce((s, u) => s + u.cache_read_input_tokens, 0),
  };
}

export const minus = (a: Counters, b: Counters): Counters => ({
  requests: a.requests - b.requests,
  inputTokens: a.inputTokens - b.inputTokens,
  outputTokens: a.outputTokens - b.outputTokens,
  cacheCreateTokens: a.cacheCreateTokens - b.cacheCreateTokens,
  cacheReadTokens: a.cacheReadTokens - b.cacheReadTokens,
});

/**
 * Runs `call` (told how many records the fake had sent before it), then expects the fake to have
 * sent `requests` usage records meanwhile and the key's usage to have grown by exactly their sum.
 */
export async function expectMetered(
  session: { stack: TestStack; token: string; upstream: FakeUpstream },
  keyId: string,
  requests: number,
  call: (since: number) => Promise<void>,
) {
  const { stack, token, upstream } = session;
  const since = upstream.stats().usageSent.length;
  const before = await usageOf(stack, token, keyId);
  await call(since);
  const sent = sentTotals(upstream, since);
  expect(sent.requests).toBe(requests);
  expect(sent.inputTokens).toBeGreaterThan(0);
  const after = await settledUsage(stack, token, keyId, before.requests + requests);
  expect(minus(after, before)).toEqual(sent);
}
