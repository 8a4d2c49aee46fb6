// The keyspace: typed reads and writes of every record, on @upstash/redis (the only client).
// Records are JSON strings validated by their zod schema on the way in and out.
import { Redis } from "@upstash/redis/cloudflare";
import { joinMicro, microOf } from "../usage/money.ts";
import { hashFields, parseRecord } from "./codec.ts";
import { keys, type UsageOwner, type UsagePeriod } from "./keys.ts";
import { LegacyKeyStore } from "./legacy-key-store.ts";
import { OauthSessionStore } from "./oauth-session-store.ts";
import { PricingStore } from "./pricing-store.ts";
import {
  type AccountGroupRecord,
  type AccountRecord,
  type AdminCredential,
  accountGroupRecordSchema,
  accountRecordSchema,
  adminCredentialSchema,
  type RecentError,
  type RecentRequest,
  type RelayKeyRecord,
  recentErrorSchema,
  recentRequestSchema,
  relayKeyRecordSchema,
} from "./records.ts";
import { SettingsStore } from "./settings-store.ts";
import { UserStore } from "./user-store.ts";

export interface KeyspaceConfig {
  url: string;
  token: string;
}

export function connectRedis(config: KeyspaceConfig): Redis {
  return new Redis({
    url: config.url,
    token: config.token,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
}

/** Usage counters kept per owner and period (hash fields). */
export const USAGE_FIELDS = [
  "requests",
  "inputTokens",
  "outputTokens",
  "cacheCreateTokens",
  "cacheReadTokens",
  "ephemeral5mTokens",
  "ephemeral1hTokens",
  "costMicroUsd",
] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];
export type UsageCounters = Record<UsageField, number>;

export function emptyCounters(): UsageCounters {
  return Object.fromEntries(USAGE_FIELDS.map((f) => [f, 0])) as UsageCounters;
}

/**
 * Hash field of a bucket's cost below one micro-dollar, in pico-dollars: `costMicroUsd` holds
 * whole micro-dollars (integer HINCRBY, as before it existed), this the rest (carried, < 10⁶).
 */
export const COST_REMAINDER_FIELD = "costPicoUsd";

/** A usage hash's fields → counters; the cost is its whole micro-dollars plus the remainder. */
export function countersFromFields(fields: ReadonlyMap<string, unknown>): UsageCounters {
  const counters = emptyCounters();
  for (const field of USAGE_FIELDS) {
    const value = Number(fields.get(field) ?? 0);
    counters[field] = Number.isFinite(value) ? value : 0;
  }
  const remainder = Number(fields.get(COST_REMAINDER_FIELD) ?? 0);
  if (Number.isFinite(remainder) && remainder !== 0)
    counters.costMicroUsd = joinMicro(counters.costMicroUsd, remainder);
  return counters;
}

export interface UsageIncrement {
  owner: UsageOwner;
  ownerId: string;
  period: UsagePeriod;
  counters: UsageCounters;
  /** Seconds; hourly and daily buckets expire, totals do not. */
  ttlSeconds?: number;
}

export class Keyspace {
  /** The client, for keyspace/ and tests only: nothing else in worker/ uses it (test/unit/keyspace-boundary). */
  readonly redis: Redis;
  readonly users: UserStore;
  readonly settings: SettingsStore;
  readonly pricing: PricingStore;
  readonly oauthSessions: OauthSessionStore;
  readonly legacyKeys: LegacyKeyStore;

  constructor(redis: Redis) {
    this.redis = redis;
    this.users = new UserStore(redis);
    this.settings = new SettingsStore(redis);
    this.pricing = new PricingStore(redis);
    this.oauthSessions = new OauthSessionStore(redis);
    this.legacyKeys = new LegacyKeyStore(redis);
  }

  // ---- admin ----
  async getAdminCredential(): Promise<AdminCredential | null> {
    return parseRecord(
      adminCredentialSchema,
      await this.redis.get(keys.adminCredential()),
      "admin credential",
    );
  }

  /** Creates the credential only if none exists; returns whether it was created. */
  async createAdminCredential(credential: AdminCredential): Promise<boolean> {
    const result = await this.redis.set(keys.adminCredential(), JSON.stringify(credential), { nx: true });
    return result === "OK";
  }

  async replaceAdminCredential(credential: AdminCredential): Promise<void> {
    await this.redis.set(keys.adminCredential(), JSON.stringify(credential));
  }

  // ---- relay keys ----
  async findRelayKeyIdByHash(hash: string): Promise<string | null> {
    const id = await this.redis.hget<string>(keys.relayKeyByHash(), hash);
    return id ?? null;
  }

  async getRelayKey(id: string): Promise<RelayKeyRecord | null> {
    return parseRecord(relayKeyRecordSchema, await this.redis.get(keys.relayKey(id)), `key ${id}`);
  }

  async putRelayKey(record: RelayKeyRecord): Promise<void> {
    const tx = this.redis.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(relayKeyRecordSchema.parse(record)));
    tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
    tx.sadd(keys.relayKeyIndex(), record.id);
    await tx.exec();
  }

  async deleteRelayKey(record: RelayKeyRecord): Promise<void> {
    const tx = this.redis.multi();
    tx.del(keys.relayKey(record.id));
    tx.hdel(keys.relayKeyByHash(), record.hash);
    tx.srem(keys.relayKeyIndex(), record.id);
    await tx.exec();
  }

  async listRelayKeys(): Promise<RelayKeyRecord[]> {
    const ids = await this.redis.smembers(keys.relayKeyIndex());
    return this.readMany(ids, keys.relayKey, (raw, id) =>
      parseRecord(relayKeyRecordSchema, raw, `key ${id}`),
    );
  }

  /** A user's keys: the keys whose ownerId is the user (imported keys included). */
  async relayKeysOwnedBy(userId: string): Promise<RelayKeyRecord[]> {
    return (await this.listRelayKeys()).filter((k) => k.ownerId === userId);
  }

  // ---- accounts ----
  async getAccount(id: string): Promise<AccountRecord | null> {
    return parseRecord(accountRecordSchema, await this.redis.get(keys.account(id)), `account ${id}`);
  }

  async putAccount(record: AccountRecord): Promise<void> {
    const tx = this.redis.multi();
    tx.set(keys.account(record.id), JSON.stringify(accountRecordSchema.parse(record)));
    tx.sadd(keys.accountIndex(), record.id);
    await tx.exec();
  }

  async deleteAccount(id: string): Promise<void> {
    const tx = this.redis.multi();
    tx.del(keys.account(id));
    tx.srem(keys.accountIndex(), id);
    await tx.exec();
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const ids = await this.redis.smembers(keys.accountIndex());
    return this.readMany(ids, keys.account, (raw, id) =>
      parseRecord(accountRecordSchema, raw, `account ${id}`),
    );
  }

  // ---- account groups ----
  async getAccountGroup(id: string): Promise<AccountGroupRecord | null> {
    return parseRecord(accountGroupRecordSchema, await this.redis.get(keys.accountGroup(id)), `group ${id}`);
  }

  async putAccountGroup(record: AccountGroupRecord): Promise<void> {
    const tx = this.redis.multi();
    tx.set(keys.accountGroup(record.id), JSON.stringify(accountGroupRecordSchema.parse(record)));
    tx.sadd(keys.accountGroupIndex(), record.id);
    await tx.exec();
  }

  async deleteAccountGroup(id: string): Promise<void> {
    const tx = this.redis.multi();
    tx.del(keys.accountGroup(id));
    tx.srem(keys.accountGroupIndex(), id);
    await tx.exec();
  }

  async listAccountGroups(): Promise<AccountGroupRecord[]> {
    const ids = await this.redis.smembers(keys.accountGroupIndex());
    return this.readMany(ids, keys.accountGroup, (raw, id) =>
      parseRecord(accountGroupRecordSchema, raw, `group ${id}`),
    );
  }

  // ---- usage (written by the KeyGate write-behind, see usage-batch.ts) ----
  async getUsage(owner: UsageOwner, ownerId: string, period: UsagePeriod): Promise<UsageCounters> {
    const raw: unknown = await this.redis.hgetall(keys.usage(owner, ownerId, period));
    return countersFromFields(hashFields(raw));
  }

  /** The key's latest requests; `costMicroUsd` exact (from `costPicoUsd` where the record has it). */
  async recentRequests(keyId: string, limit = 50): Promise<RecentRequest[]> {
    const rows = await this.redis.lrange<string>(keys.recentRequests(keyId), 0, limit - 1);
    return rows.flatMap((raw) => {
      const request = parseRecord(recentRequestSchema, raw, "recent request");
      if (!request) return [];
      const { costPicoUsd, ...rest } = request;
      return [
        { ...rest, costMicroUsd: costPicoUsd === undefined ? rest.costMicroUsd : microOf(costPicoUsd) },
      ];
    });
  }

  /** Models served without a price, with how many requests and when last (usage-batch.ts writes them). */
  async unpricedModels(): Promise<Array<{ model: string; requests: number; lastSeenAt: string | null }>> {
    const [counts, seen] = await Promise.all([
      this.redis.hgetall(keys.unpricedModels()),
      this.redis.hgetall(keys.unpricedModelsSeen()),
    ]);
    const last = hashFields(seen);
    return [...hashFields(counts)].map(([model, requests]) => {
      const at = last.get(model);
      return { model, requests: Number(requests) || 0, lastSeenAt: typeof at === "string" ? at : null };
    });
  }

  async recentErrors(limit = 100): Promise<RecentError[]> {
    const rows = await this.redis.lrange<string>(keys.recentErrors(), 0, limit - 1);
    return rows.flatMap((raw) => parseRecord(recentErrorSchema, raw, "recent error") ?? []);
  }

  private async readMany<T>(
    ids: string[],
    keyOf: (id: string) => string,
    parse: (raw: unknown, id: string) => T | null,
  ): Promise<T[]> {
    if (ids.length === 0) return [];
    const sorted = [...ids].sort();
    const raws = await this.redis.mget<(string | null)[]>(...sorted.map(keyOf));
    return sorted.flatMap((id, i) => parse(raws[i], id) ?? []);
  }
}
