// Account tests in the keyspace: each account's interval (HSET id → record), when its next test
// is due (ZSET id scored by epoch ms) and its results, newest first (LIST capped at HISTORY_KEPT).
// The cron claims due tests in one script, so two runs at once never test an account twice.
import type { Redis } from "@upstash/redis/cloudflare";
import { hashFields, parseQuietly, parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import {
  type AccountTestRun,
  type AccountTestSchedule,
  accountTestRunSchema,
  accountTestScheduleSchema,
} from "./records/account-tests.ts";

/** Results kept per account (scheduled and manual together). */
export const HISTORY_KEPT = 50;

/**
 * KEYS: due ZSET, schedules HSET. ARGV: now (ms), most to claim. The due ids, oldest due first, each
 * moved to now + its interval; an id without a schedule left is dropped.
 */
const CLAIM_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local claimed = {}
for _, id in ipairs(due) do
  local raw = redis.call('HGET', KEYS[2], id)
  local ok, record = pcall(cjson.decode, raw or '')
  local minutes = ok and type(record) == 'table' and tonumber(record.intervalMinutes) or nil
  if minutes then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + minutes * 60000, id)
    claimed[#claimed + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed
`;

export interface AccountTestOverview {
  schedule: AccountTestSchedule | null;
  /** Epoch ms of the next scheduled test; null when none is scheduled. */
  nextAt: number | null;
  last: AccountTestRun | null;
}

export class AccountTestStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Sets the account's interval; its first scheduled test is due at `firstAt`. */
  async schedule(accountId: string, schedule: AccountTestSchedule, firstAt: number): Promise<void> {
    const tx = this.redis.multi();
    tx.hset(keys.accountTestSchedules(), {
      [accountId]: JSON.stringify(accountTestScheduleSchema.parse(schedule)),
    });
    tx.zadd(keys.accountTestsDue(), { score: firstAt, member: accountId });
    await tx.exec();
  }

  /** No more scheduled tests for the account (its history stays). */
  async unschedule(accountId: string): Promise<void> {
    const tx = this.redis.multi();
    tx.hdel(keys.accountTestSchedules(), accountId);
    tx.zrem(keys.accountTestsDue(), accountId);
    await tx.exec();
  }

  /** Everything about an account gone (it was deleted). */
  async forget(accountId: string): Promise<void> {
    const tx = this.redis.multi();
    tx.hdel(keys.accountTestSchedules(), accountId);
    tx.zrem(keys.accountTestsDue(), accountId);
    tx.del(keys.accountTestHistory(accountId));
    await tx.exec();
  }

  /** Up to `limit` accounts whose test is due at `now`, each rescheduled one interval on. */
  async claimDue(now: number, limit: number): Promise<string[]> {
    const claimed = await this.redis.eval(
      CLAIM_DUE,
      [keys.accountTestsDue(), keys.accountTestSchedules()],
      [String(now), String(limit)],
    );
    return Array.isArray(claimed) ? claimed.map(String) : [];
  }

  /** Adds a result to the account's history, dropping the oldest past HISTORY_KEPT. */
  async record(accountId: string, run: AccountTestRun): Promise<void> {
    const key = keys.accountTestHistory(accountId);
    const tx = this.redis.multi();
    tx.lpush(key, JSON.stringify(accountTestRunSchema.parse(run)));
    tx.ltrim(key, 0, HISTORY_KEPT - 1);
    await tx.exec();
  }

  /** The account's results, newest first. */
  async history(accountId: string, limit = HISTORY_KEPT): Promise<AccountTestRun[]> {
    const rows = await this.redis.lrange<string>(keys.accountTestHistory(accountId), 0, limit - 1);
    return rows.flatMap((raw) => parseRecord(accountTestRunSchema, raw, "account test") ?? []);
  }

  /** Each account's schedule, next due time and last result: one pipeline. */
  async overview(accountIds: readonly string[]): Promise<Map<string, AccountTestOverview>> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(keys.accountTestSchedules());
    pipeline.zrange(keys.accountTestsDue(), 0, -1, { withScores: true });
    for (const id of accountIds) pipeline.lindex(keys.accountTestHistory(id), 0);
    const [schedules, due, ...lasts]: unknown[] = await pipeline.exec();
    const scheduleOf = hashFields(schedules);
    const dueAt = new Map<string, number>();
    if (Array.isArray(due))
      for (let i = 0; i + 1 < due.length; i += 2) dueAt.set(String(due[i]), Number(due[i + 1]));
    return new Map(
      accountIds.map((id, i) => [
        id,
        {
          schedule: parseQuietly(accountTestScheduleSchema, scheduleOf.get(id)),
          nextAt: dueAt.get(id) ?? null,
          last: parseQuietly(accountTestRunSchema, lasts[i]),
        },
      ]),
    );
  }
}
