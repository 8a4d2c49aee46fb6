// What users and the admin do to users: create, enable/disable (carried onto every key the user
// owns), reset a password, and create a key within the user's maximum and default limits.
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from "../admin/login-throttle.ts";
import { createRelayKey } from "../admin/relay-keys.ts";
import type { Env, Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { hashPassword, randomPassword, verifyPassword } from "../keyspace/crypto.ts";
import { type KeyLimits, keyLimitsSchema, type RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { UserRecord } from "../keyspace/records/users.ts";
import { emptyCounters } from "../keyspace/store.ts";
import { forgetCachedKey } from "../relay/auth.ts";
import { gateOf } from "../relay/gate.ts";
import { periodStamps } from "../usage/periods.ts";
import type { UserKeyInput } from "./schemas.ts";

export function userView(user: UserRecord) {
  const { passwordHash: _hash, v: _v, ...view } = user;
  return view;
}

/** An ISO time after `previous`, so a Durable Object that compares updatedAt takes the change. */
function after(previous: string, now = Date.now()): string {
  return new Date(Math.max(now, Date.parse(previous) + 1)).toISOString();
}

export interface NewUser {
  username: string;
  password?: string;
  displayName?: string;
  email?: string;
  maxKeys?: number;
  keyLimits?: Partial<KeyLimits>;
}

/** Creates a user; the password is returned only when it was generated here. */
export async function createUser(
  s: Services,
  input: NewUser,
): Promise<{ user: UserRecord; generatedPassword?: string }> {
  const generatedPassword = input.password ? undefined : randomPassword(16);
  const now = new Date().toISOString();
  const user: UserRecord = {
    v: 1,
    id: crypto.randomUUID(),
    username: input.username,
    displayName: input.displayName ?? "",
    email: input.email ?? "",
    role: "user",
    passwordHash: await hashPassword(input.password ?? generatedPassword ?? ""),
    passwordChangedAt: now,
    isActive: true,
    maxKeys: input.maxKeys ?? 1,
    keyLimits: keyLimitsSchema.parse(input.keyLimits ?? {}),
    createdAt: now,
    updatedAt: now,
  };
  if (!(await s.keyspace.users.insert(user))) {
    throw new RelayError("invalid_request", `The user name ${input.username} is taken`, {
      code: "username_taken",
      status: 409,
    });
  }
  return { user, generatedPassword };
}

/**
 * Enables or disables a user and marks each of their keys (`ownerDisabled`), so the relay refuses
 * them with no lookup of the user on its path: the key record says it. Each changed key is pushed
 * to its KeyGate at once (which refuses it from then on, whichever isolate asks) and dropped from
 * this isolate's key cache. Idempotent: a retry finishes a half-done change.
 */
export async function setUserActive(
  env: Env,
  s: Services,
  user: UserRecord,
  isActive: boolean,
): Promise<{ user: UserRecord; keysChanged: number }> {
  const updated: UserRecord = { ...user, isActive, updatedAt: after(user.updatedAt) };
  await s.keyspace.users.put(updated);
  const owned = await s.keyspace.relayKeysOwnedBy(user.id);
  const changing = owned.filter((key) => Boolean(key.ownerDisabled) === isActive);
  await Promise.all(
    changing.map(async (key) => {
      const { ownerDisabled: _flag, ...rest } = key;
      const next: RelayKeyRecord = isActive
        ? { ...rest, updatedAt: after(key.updatedAt) }
        : { ...rest, ownerDisabled: true, updatedAt: after(key.updatedAt) };
      await s.keyspace.putRelayKey(next);
      await forgetCachedKey(key.hash);
      await gateOf(env, key.id).configure(next);
    }),
  );
  return { user: updated, keysChanged: changing.length };
}

export async function resetPassword(
  s: Services,
  user: UserRecord,
  password?: string,
): Promise<{ user: UserRecord; generatedPassword?: string }> {
  const generatedPassword = password ? undefined : randomPassword(16);
  const now = new Date().toISOString();
  const updated: UserRecord = {
    ...user,
    passwordHash: await hashPassword(password ?? generatedPassword ?? ""),
    passwordChangedAt: now,
    updatedAt: after(user.updatedAt),
  };
  await s.keyspace.users.put(updated);
  return { user: updated, generatedPassword };
}

/**
 * A user changes their own password: the current one is checked (wrong guesses are throttled like
 * logins, so a stolen session cannot try passwords), and every session issued before ends.
 */
export async function changeOwnPassword(
  s: Services,
  user: UserRecord,
  currentPassword: string,
  newPassword: string,
): Promise<UserRecord> {
  const throttleIds = [`user-password:${user.id}`];
  const waitMs = loginBlockedFor(throttleIds);
  if (waitMs > 0) {
    throw new RelayError("rate_limit", "Too many wrong passwords; try again later", {
      headers: { "retry-after": String(Math.ceil(waitMs / 1000)) },
    });
  }
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    recordLoginFailure(throttleIds);
    // 403, not 401: the session is fine, and a 401 would log the portal out.
    throw new RelayError("permission", "The current password is wrong", { code: "wrong_password" });
  }
  clearLoginFailures(throttleIds);
  if (newPassword === currentPassword) {
    throw new RelayError("invalid_request", "newPassword: the new password is the same as the current one", {
      code: "same_password",
    });
  }
  return (await resetPassword(s, user, newPassword)).user;
}

/** A cap the user asks for, never looser than the admin's (0 = no cap). */
function tighter(cap: number, wanted: number | undefined): number {
  if (wanted === undefined || wanted <= 0) return cap;
  return cap > 0 ? Math.min(cap, wanted) : wanted;
}

/** The limits of a new key: the user's defaults, tightened where the user asked. */
export function limitsForUserKey(user: UserRecord, wanted: UserKeyInput["limits"] = {}): KeyLimits {
  const defaults = user.keyLimits;
  return {
    ...defaults,
    concurrencyLimit: tighter(defaults.concurrencyLimit, wanted.concurrencyLimit),
    dailyCostLimit: tighter(defaults.dailyCostLimit, wanted.dailyCostLimit),
    totalCostLimit: tighter(defaults.totalCostLimit, wanted.totalCostLimit),
    weeklyCostLimit: tighter(defaults.weeklyCostLimit, wanted.weeklyCostLimit),
  };
}

/** Creates a key owned by the user, refused past their maximum. The key itself is in the answer once. */
export async function createUserKey(
  s: Services,
  user: UserRecord,
  input: UserKeyInput,
): Promise<{ record: RelayKeyRecord; key: string }> {
  const created = await s.keyspace.users.withKeyLock(user.id, async () => {
    const owned = await s.keyspace.relayKeysOwnedBy(user.id);
    if (owned.length >= user.maxKeys) {
      throw new RelayError(
        "permission",
        `Key limit reached: you have ${owned.length} of ${user.maxKeys} keys allowed; delete one or ask an admin to raise your limit`,
        { code: "max_keys_reached" },
      );
    }
    return createRelayKey(s.keyspace, s.config.KEY_HASH_SECRET, {
      name: input.name,
      description: input.description,
      expiry: input.expiry,
      ownerId: user.id,
      limits: limitsForUserKey(user, input.limits),
    });
  });
  if (!created) {
    throw new RelayError("rate_limit", "Another key is being created for you; try again in a moment", {
      code: "key_creation_in_progress",
      headers: { "retry-after": "1" },
    });
  }
  return created;
}

/** Deletes a key: its record, its cached copy here, and its gate's state. */
export async function deleteKey(env: Env, s: Services, record: RelayKeyRecord): Promise<void> {
  await s.keyspace.deleteRelayKey(record);
  await forgetCachedKey(record.hash);
  await gateOf(env, record.id).erase();
}

/** A key's usage: total, today, this month, and its recent requests (without the account used). */
export async function keyUsage(s: Services, keyId: string) {
  const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
  const [total, today, month, recent] = await Promise.all([
    s.keyspace.getUsage("key", keyId, { kind: "total" }),
    s.keyspace.getUsage("key", keyId, { kind: "daily", stamp: stamps.daily }),
    s.keyspace.getUsage("key", keyId, { kind: "monthly", stamp: stamps.monthly }),
    s.keyspace.recentRequests(keyId),
  ]);
  return {
    total: total ?? emptyCounters(),
    today,
    month,
    recent: recent.map(({ accountId: _account, v: _v, ...rest }) => rest),
  };
}
