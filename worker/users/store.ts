// Users in the keyspace: `user:{id}` records, a name → id index (unique, lower case) and the set
// of every id. Keys belong to a user through their `ownerId`.

import { log } from "../http/log.ts";
import { keys } from "../keyspace/keys.ts";
import { type RelayKeyRecord, type UserRecord, userRecordSchema } from "../keyspace/records.ts";
import type { Keyspace } from "../keyspace/store.ts";

function parseUser(raw: unknown, id: string): UserRecord | null {
  if (raw === null || raw === undefined) return null;
  try {
    const parsed = userRecordSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  log("warn", "corrupt user record skipped", { id });
  return null;
}

export const nameKey = (username: string) => username.toLowerCase();

export async function getUser(keyspace: Keyspace, id: string): Promise<UserRecord | null> {
  return parseUser(await keyspace.redis.get(keys.user(id)), id);
}

export async function findUserByName(keyspace: Keyspace, username: string): Promise<UserRecord | null> {
  const id = await keyspace.redis.hget<string>(keys.userByName(), nameKey(username));
  return id ? getUser(keyspace, String(id)) : null;
}

/** Stores a new user; false when the name is taken. */
export async function insertUser(keyspace: Keyspace, user: UserRecord): Promise<boolean> {
  const claimed = await keyspace.redis.hsetnx(keys.userByName(), nameKey(user.username), user.id);
  if (claimed !== 1) return false;
  await putUser(keyspace, user);
  return true;
}

export async function putUser(keyspace: Keyspace, user: UserRecord): Promise<void> {
  const tx = keyspace.redis.multi();
  tx.set(keys.user(user.id), JSON.stringify(userRecordSchema.parse(user)));
  tx.sadd(keys.userIndex(), user.id);
  await tx.exec();
}

export async function listUsers(keyspace: Keyspace): Promise<UserRecord[]> {
  const ids = (await keyspace.redis.smembers(keys.userIndex())).map(String).sort();
  if (ids.length === 0) return [];
  const raws = await keyspace.redis.mget<(string | null)[]>(...ids.map(keys.user));
  return ids.flatMap((id, i) => parseUser(raws[i], id) ?? []);
}

/** A user's keys: the keys whose ownerId is the user (imported keys included). */
export async function keysOfUser(keyspace: Keyspace, userId: string): Promise<RelayKeyRecord[]> {
  return (await keyspace.listRelayKeys()).filter((k) => k.ownerId === userId);
}

/** Held while a user's key is created, so two creations at once cannot pass the user's maximum. */
export async function withKeyLock<T>(
  keyspace: Keyspace,
  userId: string,
  work: () => Promise<T>,
): Promise<T | null> {
  const token = crypto.randomUUID();
  const taken = await keyspace.redis.set(keys.userKeyLock(userId), token, { nx: true, px: 10_000 });
  if (taken !== "OK") return null;
  try {
    return await work();
  } finally {
    await keyspace.redis.del(keys.userKeyLock(userId)).catch(() => 0);
  }
}
