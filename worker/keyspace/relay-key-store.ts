// What the Keys page needs beyond one record at a time: soft delete and restore, the deleted keys'
// retention, and each key's cost and last use read for thousands of keys in a few pipelines.
import type { Redis } from "@upstash/redis/cloudflare";
import { joinMicro } from "../usage/money.ts";
import { parseQuietly, parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import {
  type KeyRetention,
  keyRetentionSchema,
  type RelayKeyRecord,
  relayKeyRecordSchema,
} from "./records/relay-keys.ts";
import { recentRequestSchema } from "./records/usage.ts";
import { COST_REMAINDER_FIELD } from "./usage-counters.ts";

/** Commands per pipeline: one Upstash request stays well below its size limit. */
const PIPELINE_CHUNK = 1_000;
/** Only the time of a key's latest request is read (index 0 of its newest-first list). */
const latestRequestAt = recentRequestSchema.pick({ at: true });

export interface KeyActivity {
  costTodayMicroUsd: number;
  costTotalMicroUsd: number;
  lastUsedAt: string | null;
}

function costOf(raw: unknown): number {
  if (!Array.isArray(raw)) return 0;
  const micro = Number(raw[0] ?? 0);
  const pico = Number(raw[1] ?? 0);
  const whole = Number.isFinite(micro) ? micro : 0;
  return Number.isFinite(pico) && pico !== 0 ? joinMicro(whole, pico) : whole;
}

export class RelayKeyStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /**
   * Marks the key deleted and takes it out of the hash lookup (it stops authenticating) and the
   * index (lists and the portal no longer see it); the record stays for a restore.
   */
  async softDelete(record: RelayKeyRecord & { deletedAt: string }): Promise<void> {
    const tx = this.redis.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(relayKeyRecordSchema.parse(record)));
    tx.hdel(keys.relayKeyByHash(), record.hash);
    tx.srem(keys.relayKeyIndex(), record.id);
    tx.zadd(keys.deletedRelayKeys(), { score: Date.parse(record.deletedAt), member: record.id });
    await tx.exec();
  }

  /** Puts a soft-deleted key back as it was (its limits, tags and counters kept). */
  async restore(record: RelayKeyRecord): Promise<void> {
    const { deletedAt: _deletedAt, ...restored } = record;
    const tx = this.redis.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(relayKeyRecordSchema.parse(restored)));
    tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
    tx.sadd(keys.relayKeyIndex(), record.id);
    tx.zrem(keys.deletedRelayKeys(), record.id);
    await tx.exec();
  }

  /**
   * Stores many records in one transaction, each as `Keyspace.putRelayKey` would: a deleted one
   * only as its record, never back in the lookup or the index.
   */
  async putMany(records: readonly RelayKeyRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += PIPELINE_CHUNK / 4) {
      const tx = this.redis.multi();
      for (const record of records.slice(i, i + PIPELINE_CHUNK / 4)) {
        tx.set(keys.relayKey(record.id), JSON.stringify(relayKeyRecordSchema.parse(record)));
        if (record.deletedAt) continue;
        tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
        tx.sadd(keys.relayKeyIndex(), record.id);
      }
      await tx.exec();
    }
  }

  /** The records of these ids that exist (deleted ones included), in the order asked. */
  async getMany(ids: readonly string[]): Promise<RelayKeyRecord[]> {
    const found: RelayKeyRecord[] = [];
    for (let i = 0; i < ids.length; i += PIPELINE_CHUNK)
      found.push(...(await this.read(ids.slice(i, i + PIPELINE_CHUNK))));
    return found;
  }

  /** Every soft-deleted key, oldest deletion first. */
  async listDeleted(): Promise<RelayKeyRecord[]> {
    const ids = await this.redis.zrange<string[]>(keys.deletedRelayKeys(), 0, -1);
    return this.read(ids.map(String));
  }

  /** Ids of the keys deleted at or before `before` (ms). */
  async deletedBefore(before: number): Promise<string[]> {
    const ids = await this.redis.zrange<string[]>(keys.deletedRelayKeys(), 0, before, { byScore: true });
    return ids.map(String);
  }

  /** Removes a soft-deleted key for good (its usage history stays, as for every deleted key). */
  async purge(id: string): Promise<void> {
    const tx = this.redis.multi();
    tx.del(keys.relayKey(id));
    tx.srem(keys.relayKeyIndex(), id);
    tx.zrem(keys.deletedRelayKeys(), id);
    await tx.exec();
  }

  async retention(): Promise<KeyRetention> {
    const raw: unknown = await this.redis.get(keys.keySettings());
    return parseRecord(keyRetentionSchema, raw, "key settings") ?? keyRetentionSchema.parse({ v: 1 });
  }

  async putRetention(settings: KeyRetention): Promise<void> {
    await this.redis.set(keys.keySettings(), JSON.stringify(keyRetentionSchema.parse(settings)));
  }

  /**
   * Cost today (the daily bucket `dayStamp`) and in total, and the latest request's time, of each
   * key, as the usage flush wrote them (seconds behind the gates); three commands a key, pipelined.
   */
  async activityOf(ids: string[], dayStamp: string): Promise<Map<string, KeyActivity>> {
    const activity = new Map<string, KeyActivity>();
    const perChunk = Math.floor(PIPELINE_CHUNK / 3);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += perChunk) chunks.push(ids.slice(i, i + perChunk));
    await Promise.all(
      chunks.map(async (chunk) => {
        const pipe = this.redis.pipeline();
        for (const id of chunk) {
          pipe.hmget(
            keys.usage("key", id, { kind: "daily", stamp: dayStamp }),
            "costMicroUsd",
            COST_REMAINDER_FIELD,
          );
          pipe.hmget(keys.usage("key", id, { kind: "total" }), "costMicroUsd", COST_REMAINDER_FIELD);
          pipe.lindex(keys.recentRequests(id), 0);
        }
        const answers = await pipe.exec<unknown[]>();
        chunk.forEach((id, i) => {
          const latest = parseQuietly(latestRequestAt, answers[i * 3 + 2]);
          activity.set(id, {
            costTodayMicroUsd: costOf(hmgetValues(answers[i * 3])),
            costTotalMicroUsd: costOf(hmgetValues(answers[i * 3 + 1])),
            lastUsedAt: latest?.at ?? null,
          });
        });
      }),
    );
    return activity;
  }

  private async read(ids: readonly string[]): Promise<RelayKeyRecord[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget<(string | null)[]>(...ids.map(keys.relayKey));
    return ids.flatMap((id, i) => parseRecord(relayKeyRecordSchema, raws[i], `key ${id}`) ?? []);
  }
}

/** HMGET answers an array, or (with automatic deserialisation off) sometimes a field → value object. */
function hmgetValues(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (raw && typeof raw === "object") {
    const record = raw as Record<string, unknown>;
    return [record.costMicroUsd, record[COST_REMAINDER_FIELD]];
  }
  return [];
}
