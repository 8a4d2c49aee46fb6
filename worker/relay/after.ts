// Step 6, after the response: record usage per key, account, model and system-wide.
// Runs in waitUntil, never on the client's path.
import type { Services } from "../env.ts";
import type { UsageOwner, UsagePeriod } from "../keyspace/keys.ts";
import type { Usage } from "../keyspace/records.ts";
import { emptyCounters, type UsageCounters, type UsageIncrement } from "../keyspace/store.ts";
import { periodStamps } from "../usage/periods.ts";

export interface CompletedRequest {
  requestId: string;
  keyId: string;
  accountId: string | undefined;
  model: string;
  status: number;
  startedAt: number;
  usage: Usage;
  costMicroUsd: number;
}

const DAY = 86_400;

function counters(done: CompletedRequest): UsageCounters {
  const c = emptyCounters();
  c.requests = 1;
  c.inputTokens = done.usage.input_tokens;
  c.outputTokens = done.usage.output_tokens;
  c.cacheCreateTokens = done.usage.cache_creation_input_tokens;
  c.cacheReadTokens = done.usage.cache_read_input_tokens;
  c.ephemeral5mTokens = done.usage.ephemeral_5m_input_tokens;
  c.ephemeral1hTokens = done.usage.ephemeral_1h_input_tokens;
  c.costMicroUsd = done.costMicroUsd;
  return c;
}

export function usageIncrements(done: CompletedRequest, offsetHours: number): UsageIncrement[] {
  const stamps = periodStamps(done.startedAt, offsetHours);
  const periods: Array<{ period: UsagePeriod; ttlSeconds?: number }> = [
    { period: { kind: "total" } },
    { period: { kind: "monthly", stamp: stamps.monthly }, ttlSeconds: 365 * DAY },
    { period: { kind: "daily", stamp: stamps.daily }, ttlSeconds: 32 * DAY },
    { period: { kind: "hourly", stamp: stamps.hourly }, ttlSeconds: 7 * DAY },
  ];
  const owners: Array<[UsageOwner, string | undefined]> = [
    ["key", done.keyId],
    ["account", done.accountId],
    ["model", done.model],
    ["system", "all"],
  ];
  const c = counters(done);
  return owners.flatMap(([owner, ownerId]) =>
    ownerId
      ? periods.map(({ period, ttlSeconds }) => ({ owner, ownerId, period, counters: c, ttlSeconds }))
      : [],
  );
}

export async function recordUsage(services: Services, done: CompletedRequest): Promise<void> {
  await services.keyspace.addUsage(usageIncrements(done, services.config.TIMEZONE_OFFSET_HOURS), {
    v: 1,
    requestId: done.requestId,
    at: new Date(done.startedAt).toISOString(),
    keyId: done.keyId,
    accountId: done.accountId,
    model: done.model,
    status: done.status,
    durationMs: Date.now() - done.startedAt,
    usage: done.usage,
    costMicroUsd: done.costMicroUsd,
  });
}
