// The keyspace: typed reads and writes of every record, on @upstash/redis (the only client).
// Records are JSON strings validated by their zod schema on the way in and out.
import { Redis } from "@upstash/redis/cloudflare";
import { microOf } from "../usage/money.ts";
import { AccountTestStore } from "./account-test-store.ts";
import { BillingStore } from "./billing-store.ts";
import { hashFields, parseQuietly, parseRecord } from "./codec.ts";
import { keys, type UsageOwner, type UsagePeriod } from "./keys.ts";
import { LegacyKeyStore } from "./legacy-key-store.ts";
import { MetricsStore } from "./metrics-store.ts";
import { OauthSessionStore } from "./oauth-session-store.ts";
import { PricingStore } from "./pricing-store.ts";
import { QuotaCardStore } from "./quota-card-store.ts";
import { type AccountGroupRecord, accountGroupRecordSchema } from "./records/account-groups.ts";
import { type AccountRecord, type AccountType, accountRecordSchema } from "./records/accounts.ts";
import { type AdminCredential, adminCredentialSchema } from "./records/admin.ts";
import type { Platform } from "./records/common.ts";
import { type RelayKeyRecord, relayKeyRecordSchema } from "./records/relay-keys.ts";
import {
  type RecentError,
  type RecentRequest,
  recentErrorSchema,
  recentRequestSchema,
} from "./records/usage.ts";
import { RelayKeyStore } from "./relay-key-store.ts";
import { RequestLogStore } from "./request-log-store.ts";
import { ServiceRatesStore } from "./service-rates-store.ts";
import { SettingsStore } from "./settings-store.ts";
import { countersOfHash, type UsageCounters } from "./usage-counters.ts";
import { UsageStore } from "./usage-store.ts";
import { UserStore } from "./user-store.ts";

const accountKindSchema = accountRecordSchema.pick({ platform: true, type: true });

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

// The usage family's counters, where most readers have always imported them from.
export {
  COST_REMAINDER_FIELD,
  emptyCounters,
  USAGE_FIELDS,
  type UsageCounters,
  type UsageField,
  type UsageIncrement,
} from "./usage-counters.ts";

export class Keyspace {
  /** The client, for keyspace/ and tests only: nothing else in worker/ uses it (test/unit/keyspace-boundary). */
  readonly redis: Redis;
  readonly users: UserStore;
  readonly settings: SettingsStore;
  readonly pricing: PricingStore;
  readonly oauthSessions: OauthSessionStore;
  readonly legacyKeys: LegacyKeyStore;
  readonly usage: UsageStore;
  readonly metrics: MetricsStore;
  readonly requestLog: RequestLogStore;
  readonly accountTests: AccountTestStore;
  /** Soft delete, restore, retention and per-key activity of relay keys (the Keys page). */
  readonly relayKeys: RelayKeyStore;
  readonly billing: BillingStore;
  readonly quotaCards: QuotaCardStore;
  readonly serviceRates: ServiceRatesStore;

  /** The Worker's keyspace (tests and Node tools pass a client of their own to the constructor). */
  static connect(config: KeyspaceConfig): Keyspace {
    return new Keyspace(connectRedis(config));
  }

  constructor(redis: Redis) {
    this.redis = redis;
    this.users = new UserStore(redis);
    this.settings = new SettingsStore(redis);
    this.pricing = new PricingStore(redis);
    this.oauthSessions = new OauthSessionStore(redis);
    this.legacyKeys = new LegacyKeyStore(redis);
    this.usage = new UsageStore(redis);
    this.metrics = new MetricsStore(redis);
    this.requestLog = new RequestLogStore(redis);
    this.accountTests = new AccountTestStore(redis);
    this.relayKeys = new RelayKeyStore(redis);
    this.billing = new BillingStore(redis);
    this.quotaCards = new QuotaCardStore(redis);
    this.serviceRates = new ServiceRatesStore(redis);
  }

  /** Whether the keyspace answers (PING). */
  async ping(): Promise<void> {
    await this.redis.ping();
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

  /** A soft-deleted record (`deletedAt`) is stored as it is, kept out of the lookup and the index. */
  async putRelayKey(record: RelayKeyRecord): Promise<void> {
    if (record.deletedAt) return this.relayKeys.putMany([record]);
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
    tx.zrem(keys.deletedRelayKeys(), record.id);
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

  /**
   * Platform and type of each account, in one MGET: only those two fields are read, so an account
   * whose other fields no longer match still counts (for /metrics, which must not fail on one).
   */
  async accountKinds(ids: string[]): Promise<Array<{ id: string; platform: Platform; type: AccountType }>> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget<(string | null)[]>(...ids.map(keys.account));
    return ids.flatMap((id, i) => {
      const kind = parseQuietly(accountKindSchema, raws[i]);
      return kind ? [{ id, platform: kind.platform, type: kind.type }] : [];
    });
  }

  /** Names of keys or accounts, in one MGET; null for one that is gone or unreadable. */
  async namesOf(kind: "key" | "account", ids: string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    const keyOf = kind === "key" ? keys.relayKey : keys.account;
    const schema = kind === "key" ? relayKeyRecordSchema : accountRecordSchema;
    const raws = await this.redis.mget<(string | null)[]>(...ids.map(keyOf));
    return raws.map((raw) => parseQuietly<{ name: string }>(schema, raw)?.name ?? null);
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
    return countersOfHash(raw);
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
