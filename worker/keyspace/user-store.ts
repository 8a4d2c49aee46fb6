// Portal users (worker/users) in the keyspace: `user:{id}` records, a name → id index (unique,
// lower case) and the set of every id. Keys belong to a user through their `ownerId`.
import type { Redis } from "@upstash/redis/cloudflare";
import { parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import { type UserRecord, userRecordSchema } from "./records/users.ts";

/** How long a user's key-creation lock is held at most (a crashed holder cannot keep it). */
const KEY_LOCK_MS = 10_000;

/** Names are unique regardless of case: the index holds them in lower case. */
export const nameKey = (username: string) => username.toLowerCase();

export class UserStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  async get(id: string): Promise<UserRecord | null> {
    return parseRecord(userRecordSchema, await this.redis.get(keys.user(id)), `user ${id}`);
  }

  async findByName(username: string): Promise<UserRecord | null> {
    const id = await this.redis.hget<string>(keys.userByName(), nameKey(username));
    return id ? this.get(String(id)) : null;
  }

  /** Stores a new user; false when the name is taken (the name is claimed first, HSETNX). */
  async insert(user: UserRecord): Promise<boolean> {
    const claimed = await this.redis.hsetnx(keys.userByName(), nameKey(user.username), user.id);
    if (claimed !== 1) return false;
    await this.put(user);
    return true;
  }

  async put(user: UserRecord): Promise<void> {
    const tx = this.redis.multi();
    tx.set(keys.user(user.id), JSON.stringify(userRecordSchema.parse(user)));
    tx.sadd(keys.userIndex(), user.id);
    await tx.exec();
  }

  async list(): Promise<UserRecord[]> {
    const ids = (await this.redis.smembers(keys.userIndex())).map(String).sort();
    if (ids.length === 0) return [];
    const raws = await this.redis.mget<(string | null)[]>(...ids.map(keys.user));
    return ids.flatMap((id, i) => parseRecord(userRecordSchema, raws[i], `user ${id}`) ?? []);
  }

  /** Held while a user's key is created, so two creations at once cannot pass the user's maximum. */
  async withKeyLock<T>(userId: string, work: () => Promise<T>): Promise<T | null> {
    const token = crypto.randomUUID();
    const taken = await this.redis.set(keys.userKeyLock(userId), token, { nx: true, px: KEY_LOCK_MS });
    if (taken !== "OK") return null;
    try {
      return await work();
    } finally {
      await this.redis.del(keys.userKeyLock(userId)).catch(() => 0);
    }
  }
}
