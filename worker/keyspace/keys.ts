// Every keyspace key name is built here and nowhere else, so a key family can be found,
// renamed or migrated by reading one file.

const PREFIX = "er";

/** `key-model` ids are `${keyId}|${model}`: one key's usage of one model (total, daily, monthly). */
export type UsageOwner = "key" | "account" | "model" | "system" | "key-model";
export type UsagePeriod = { kind: "total" } | { kind: "daily" | "monthly" | "hourly"; stamp: string };

export const keys = {
  adminCredential: () => `${PREFIX}:admin:credential`,

  relayKey: (id: string) => `${PREFIX}:key:${id}`,
  relayKeyIndex: () => `${PREFIX}:keys:index`,
  /** hash → key id (HSET); the key itself is never stored. */
  relayKeyByHash: () => `${PREFIX}:keys:by-hash`,
  /**
   * Keys imported from Claude Relay Service (migrations/crs): its hash (sha256 of key + its
   * ENCRYPTION_KEY) → key id (HSET), until the key's first use moves it to `relayKeyByHash`.
   */
  legacyKeyByHash: () => `${PREFIX}:keys:legacy-by-hash`,
  /** Soft-deleted keys (ZSET id → deletion time, ms): out of the index and the hash lookup until restored or purged. */
  deletedRelayKeys: () => `${PREFIX}:keys:deleted`,
  /** How long soft-deleted keys are kept (relay-key-store.ts). */
  keySettings: () => `${PREFIX}:settings:keys`,

  /** Portal users (worker/users): record by id, name (lower case) → id (HSET), every id (SET). */
  user: (id: string) => `${PREFIX}:user:${id}`,
  userIndex: () => `${PREFIX}:users:index`,
  userByName: () => `${PREFIX}:users:by-name`,
  /** Held for a few seconds while a user creates a key, so two at once cannot pass their maximum. */
  userKeyLock: (id: string) => `${PREFIX}:user:${id}:key-lock`,

  /** Webhook targets and which events each receives (worker/webhooks). */
  webhookConfig: () => `${PREFIX}:settings:webhooks`,
  /** Site name, logo and notice of the admin UI and public stats page. */
  branding: () => `${PREFIX}:settings:branding`,

  account: (id: string) => `${PREFIX}:account:${id}`,
  accountIndex: () => `${PREFIX}:accounts:index`,
  /** Account groups (one JSON record each, members inside it) and every group id (SET). */
  accountGroup: (id: string) => `${PREFIX}:account-group:${id}`,
  accountGroupIndex: () => `${PREFIX}:account-groups:index`,
  /**
   * Scheduled account tests (worker/account-tests/): each account's interval (HSET id → record),
   * when its next test is due (ZSET id by epoch ms), its results newest first (LIST, capped).
   */
  accountTestSchedules: () => `${PREFIX}:account-tests:schedules`,
  accountTestsDue: () => `${PREFIX}:account-tests:due`,
  accountTestHistory: (accountId: string) => `${PREFIX}:account-tests:history:${accountId}`,

  /** The LiteLLM price table last fetched by the cron, and the admin's overrides. */
  pricingTable: () => `${PREFIX}:pricing:table`,
  pricingOverrides: () => `${PREFIX}:pricing:overrides`,
  /** Models served without a price (written by the usage flush): model → requests, model → last seen (HSETs). */
  unpricedModels: () => `${PREFIX}:pricing:unpriced`,
  unpricedModelsSeen: () => `${PREFIX}:pricing:unpriced-seen`,

  /** PKCE verifier and state of an OAuth authorization in progress (10 minutes). */
  oauthSession: (id: string) => `${PREFIX}:oauth-session:${id}`,

  usage: (owner: UsageOwner, ownerId: string, period: UsagePeriod) =>
    period.kind === "total"
      ? `${PREFIX}:usage:${owner}:${ownerId}:total`
      : `${PREFIX}:usage:${owner}:${ownerId}:${period.kind}:${period.stamp}`,
  recentRequests: (keyId: string) => `${PREFIX}:requests:key:${keyId}`,
  /** The latest failed requests of every key (capped LIST, written by the usage flush). */
  recentErrors: () => `${PREFIX}:requests:errors`,
  /** The request log: every finished request (ZSET scored by start time, capped and trimmed by the flush). */
  requestLog: () => `${PREFIX}:request-log`,
  /** One account's failed requests (ZSET like the request log, fewer kept). */
  accountErrors: (accountId: string) => `${PREFIX}:request-log:account-errors:${accountId}`,
  /** Quota cards (records/quota-cards.ts): one record per code, every code by creation time (ZSET). */
  quotaCard: (code: string) => `${PREFIX}:quota-card:${code}`,
  quotaCardIndex: () => `${PREFIX}:quota-cards:index`,
  /** The rate each platform's and model's cost is counted at by the key limits (records/service-rates.ts). */
  serviceRates: () => `${PREFIX}:settings:service-rates`,
  /** Where billing events go when no Queue is bound: URL, signing secret, batch size. */
  billingSettings: () => `${PREFIX}:settings:billing`,
  /** How long and how many entries the request log keeps (read by the flush's script itself). */
  requestLogSettings: () => `${PREFIX}:settings:request-log`,
  /** Ids that have usage, per owner kind (keys, accounts, models): for dashboards and top lists. */
  usageIndex: (owner: UsageOwner) => `${PREFIX}:usage-index:${owner}`,
  /** The models one key has used (members of its `key-model` buckets). */
  keyModelIndex: (keyId: string) => `${PREFIX}:usage-index:models-of-key:${keyId}`,
  /** Marks a flushed write-behind batch, so a retried flush is never counted twice. */
  usageBatch: (batchId: string) => `${PREFIX}:usage-batch:${batchId}`,
  /** Keyspace migrations applied by `npm run migrate -- --apply` (HSET id → ISO time). */
  migrations: () => `${PREFIX}:migrations`,
  /** Prometheus counters and histograms, summed by every flush. */
  metrics: (family: "requests" | "duration" | "upstream" | "flush") => `${PREFIX}:metrics:${family}`,
} as const;
