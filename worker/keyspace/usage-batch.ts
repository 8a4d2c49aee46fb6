// Write-behind: a batch of finished requests becomes one idempotent EVAL — sums per usage
// bucket, recent-request lists, the request log (request-log-ops.ts), index sets and metrics — guarded by a marker key so a retried
// batch (after a crash between sending and forgetting it) is never counted twice.
import type { Redis } from "@upstash/redis/cloudflare";
import { counts, type UsageRecord, usageIncrements } from "../usage/aggregate.ts";
import { PICO_PER_MICRO, picoOf, splitMicro } from "../usage/money.ts";
import { keys } from "./keys.ts";
import { recentErrorSchema, recentRequestSchema } from "./records/usage.ts";
import { type LogAddOp, type LogTrimOp, requestLogOps } from "./request-log-ops.ts";
import { COST_REMAINDER_FIELD, USAGE_FIELDS } from "./usage-counters.ts";

/** Buckets of the latency histograms, in milliseconds (Prometheus `le`). */
export const LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000];

const MARKER_TTL_SECONDS = 7 * 86_400;
const RECENT_REQUESTS_KEPT = 200;
const RECENT_ERRORS_KEPT = 100;
/** Unpriced models remembered at most (model names come from clients and upstreams). */
const UNPRICED_MODELS_KEPT = 500;

/** Status classes for failures that carry no error of their own (an upstream's answer passed on). */
function errorTypeOf(status: number): string {
  if (status === 429) return "rate_limit";
  if (status === 401 || status === 403) return "upstream_auth";
  if (status === 504) return "timeout";
  return status >= 500 ? "upstream_error" : "client_error";
}

type Op =
  | ["hincrby", string, string, number]
  /** Adds pico-dollars to a bucket's remainder field and carries whole micro-dollars out of it. */
  | ["carry", string, string, string, number, number]
  /** Counts a request of an unpriced model (count hash, last-seen hash), up to a number of models. */
  | ["unpriced", string, string, string, number, string, number]
  | ["expire", string, number]
  | ["lpush", string, string, number]
  | ["sadd", string, string]
  | ["hset", string, string, string]
  | LogAddOp
  | LogTrimOp;

const APPLY_BATCH = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then return 0 end
local logDays, logMax
for _, op in ipairs(cjson.decode(ARGV[2])) do
  local kind = op[1]
  if kind == 'hincrby' then redis.call('HINCRBY', op[2], op[3], op[4])
  elseif kind == 'carry' then
    local rest = redis.call('HINCRBY', op[2], op[3], op[5])
    if rest >= op[6] then
      local whole = math.floor(rest / op[6])
      redis.call('HINCRBY', op[2], op[3], -whole * op[6])
      redis.call('HINCRBY', op[2], op[4], whole)
    end
  elseif kind == 'unpriced' then
    if redis.call('HEXISTS', op[2], op[4]) == 1 or redis.call('HLEN', op[2]) < op[7] then
      redis.call('HINCRBY', op[2], op[4], op[5])
      redis.call('HSET', op[3], op[4], op[6])
    end
  elseif kind == 'expire' then redis.call('EXPIRE', op[2], op[3])
  elseif kind == 'lpush' then redis.call('LPUSH', op[2], op[3]); redis.call('LTRIM', op[2], 0, op[4] - 1)
  elseif kind == 'sadd' then redis.call('SADD', op[2], op[3])
  elseif kind == 'hset' then redis.call('HSET', op[2], op[3], op[4])
  elseif kind == 'logadd' then
    for i = 4, #op do redis.call('ZADD', op[i], op[2], op[3]) end
  elseif kind == 'logtrim' then
    if not logDays then
      logDays, logMax = op[4], op[5]
      local raw = redis.call('GET', op[3])
      if raw then
        local ok, settings = pcall(cjson.decode, raw)
        if ok and type(settings) == 'table' then
          logDays = tonumber(settings.retentionDays) or logDays
          logMax = tonumber(settings.maxEntries) or logMax
        end
      end
    end
    local max = logMax
    if op[7] > 0 and op[7] < max then max = op[7] end
    local keepMs = logDays * 86400000
    redis.call('ZREMRANGEBYSCORE', op[2], '-inf', string.format('(%d', op[6] - keepMs))
    redis.call('ZREMRANGEBYRANK', op[2], 0, -(max + 1))
    redis.call('PEXPIRE', op[2], keepMs)
  end
end
return 1
`;

function histogram(into: Map<string, number>, key: string, label: string, ms: number): void {
  const add = (field: string, amount: number) => {
    const id = `${key}\u0000${field}`;
    into.set(id, (into.get(id) ?? 0) + amount);
  };
  for (const bucket of LATENCY_BUCKETS_MS) if (ms <= bucket) add(`${label}|le_${bucket}`, 1);
  add(`${label}|le_inf`, 1);
  add(`${label}|count`, 1);
  add(`${label}|sum_ms`, Math.round(ms));
}

export function batchOps(records: readonly UsageRecord[], offsetHours: number, now = Date.now()): Op[] {
  const sums = new Map<string, number>();
  const remainders = new Map<string, number>();
  const ttls = new Map<string, number>();
  const indexes = new Set<string>();
  const unpriced = new Map<string, { requests: number; lastAt: number }>();
  const ops: Op[] = [];
  const add = (key: string, field: string, amount: number) => {
    if (amount === 0) return;
    const id = `${key}\u0000${field}`;
    sums.set(id, (sums.get(id) ?? 0) + amount);
  };
  for (const record of records) {
    for (const inc of usageIncrements(record, offsetHours)) {
      const key = keys.usage(inc.owner, inc.ownerId, inc.period);
      for (const field of USAGE_FIELDS) {
        if (field !== "costMicroUsd") add(key, field, inc.counters[field]);
      }
      // Whole micro-dollars as before; the fraction goes to the remainder field (integers both).
      const { wholeMicro, remainderPico } = splitMicro(inc.counters.costMicroUsd);
      add(key, "costMicroUsd", wholeMicro);
      if (remainderPico > 0) remainders.set(key, (remainders.get(key) ?? 0) + remainderPico);
      if (inc.ttlSeconds) ttls.set(key, inc.ttlSeconds);
      if (inc.owner === "key-model") indexes.add(`${keys.keyModelIndex(record.keyId)}\u0000${record.model}`);
      else if (inc.owner !== "system") indexes.add(`${keys.usageIndex(inc.owner)}\u0000${inc.ownerId}`);
    }
    if (record.priced === false && counts(record)) {
      const seen = unpriced.get(record.model) ?? { requests: 0, lastAt: 0 };
      unpriced.set(record.model, {
        requests: seen.requests + 1,
        lastAt: Math.max(seen.lastAt, record.startedAt),
      });
    }
    add(keys.metrics("requests"), `${record.platform}|${record.status}`, 1);
    histogram(sums, keys.metrics("duration"), record.platform, record.durationMs);
    if (record.upstreamMs !== undefined)
      histogram(sums, keys.metrics("upstream"), record.platform, record.upstreamMs);
    const recent = recentRequestSchema.parse({
      v: 1,
      requestId: record.requestId,
      at: new Date(record.startedAt).toISOString(),
      keyId: record.keyId,
      accountId: record.accountId,
      model: record.model,
      status: record.status,
      durationMs: record.durationMs,
      usage: record.usage,
      costMicroUsd: Math.round(record.costMicroUsd),
      costPicoUsd: picoOf(record.costMicroUsd),
    });
    ops.push(["lpush", keys.recentRequests(record.keyId), JSON.stringify(recent), RECENT_REQUESTS_KEPT]);
    if (record.status >= 400) {
      const failed = recentErrorSchema.parse({
        v: 1,
        requestId: record.requestId,
        at: recent.at,
        keyId: record.keyId,
        accountId: record.accountId,
        platform: record.platform,
        model: record.model,
        status: record.status,
        errorType: record.error?.type ?? errorTypeOf(record.status),
        message: (record.error?.message ?? "").slice(0, 500),
      });
      ops.push(["lpush", keys.recentErrors(), JSON.stringify(failed), RECENT_ERRORS_KEPT]);
    }
  }
  for (const [id, amount] of sums) {
    const [key = "", field = ""] = id.split("\u0000");
    ops.push(["hincrby", key, field, amount]);
  }
  for (const [key, pico] of remainders) {
    ops.push(["carry", key, COST_REMAINDER_FIELD, "costMicroUsd", pico, PICO_PER_MICRO]);
  }
  for (const [model, seen] of unpriced) {
    ops.push([
      "unpriced",
      keys.unpricedModels(),
      keys.unpricedModelsSeen(),
      model,
      seen.requests,
      new Date(seen.lastAt).toISOString(),
      UNPRICED_MODELS_KEPT,
    ]);
  }
  ops.push(...requestLogOps(records, errorTypeOf, now));
  for (const [key, ttl] of ttls) ops.push(["expire", key, ttl]);
  for (const id of indexes) {
    const [key = "", member = ""] = id.split("\u0000");
    ops.push(["sadd", key, member]);
  }
  return ops;
}

/** What a flush reports about itself, for the flush-lag metric. */
export interface FlushInfo {
  at: number;
  /** Age of the oldest record in the batch when it was sent. */
  lagMs: number;
}

function flushOps(records: number, info: FlushInfo): Op[] {
  const key = keys.metrics("flush");
  return [
    ["hincrby", key, "batches", 1],
    ["hincrby", key, "records", records],
    ["hincrby", key, "lag_ms_sum", Math.round(info.lagMs)],
    ["hset", key, "last_lag_ms", String(Math.round(info.lagMs))],
    ["hset", key, "last_flush_at", String(info.at)],
  ];
}

/** Applies a batch once; true if it was applied now, false if this batch id was applied before. */
export async function applyUsageBatch(
  redis: Redis,
  batchId: string,
  records: readonly UsageRecord[],
  offsetHours: number,
  info?: FlushInfo,
): Promise<boolean> {
  const ops = batchOps(records, offsetHours);
  if (info) ops.push(...flushOps(records.length, info));
  const applied = await redis.eval(
    APPLY_BATCH,
    [keys.usageBatch(batchId)],
    [String(MARKER_TTL_SECONDS), JSON.stringify(ops)],
  );
  return Number(applied) === 1;
}
