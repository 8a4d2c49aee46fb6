// What each key of the original's Redis is, by its name (CRS-REFERENCE §2, §8, §9, §12, §13):
// a record we import, a usage aggregate we import, an index we skip, or a family we report.
import type { UsagePeriod } from "../../worker/keyspace/keys.ts";
import type { AccountType } from "../../worker/keyspace/records/accounts.ts";
import type { Platform } from "../../worker/keyspace/records/common.ts";

export type RedisType = "hash" | "string" | "set" | "list" | "zset" | "stream";

export interface AccountFamily {
  prefix: string;
  /** The original's platform name, as its admin shows it. */
  platform: string;
  /** Our account type; null when we cannot serve this platform yet. */
  type: AccountType | null;
  ourPlatform: Platform | null;
  /** scrypt salt of the original's encryption for this platform (CRS-REFERENCE §10). */
  salt: string;
  /** How the original stores the record: a hash (the default) or one JSON string. */
  stored?: "json";
}

export const ACCOUNT_FAMILIES: readonly AccountFamily[] = [
  {
    prefix: "claude:account:",
    platform: "claude",
    type: "claude-oauth",
    ourPlatform: "claude",
    salt: "salt",
  },
  {
    prefix: "claude_console_account:",
    platform: "claude-console",
    type: "claude-console",
    ourPlatform: "claude",
    salt: "claude-console-salt",
  },
  {
    prefix: "gemini_account:",
    platform: "gemini",
    type: "gemini-oauth",
    ourPlatform: "gemini",
    salt: "gemini-account-salt",
  },
  {
    prefix: "gemini_api_account:",
    platform: "gemini-api",
    type: "gemini-api",
    ourPlatform: "gemini",
    salt: "gemini-api-salt",
  },
  {
    prefix: "openai:account:",
    platform: "openai",
    type: "openai-oauth",
    ourPlatform: "openai",
    salt: "openai-account-salt",
  },
  {
    prefix: "openai_responses_account:",
    platform: "openai-responses",
    type: "openai-api",
    ourPlatform: "openai",
    salt: "openai-responses-salt",
  },
  {
    prefix: "azure_openai:account:",
    platform: "azure-openai",
    type: "azure-openai",
    ourPlatform: "openai",
    salt: "azure-openai-account-default-salt",
  },
  // A JSON string, not a hash; its AWS credentials have their own encryption (crs-crypto.ts).
  {
    prefix: "bedrock_account:",
    platform: "bedrock",
    type: "bedrock",
    ourPlatform: "claude",
    salt: "salt",
    stored: "json",
  },
  {
    prefix: "droid:account:",
    platform: "droid",
    type: "droid",
    ourPlatform: "droid",
    salt: "droid-account-salt",
  },
  // Claude Code Router: an Anthropic-compatible API at its own URL with an API key (map-accounts.ts).
  {
    prefix: "ccr_account:",
    platform: "ccr",
    type: "claude-console",
    ourPlatform: "claude",
    salt: "ccr-account-salt",
  },
];

/** A usage hash of the original, and which of our buckets it becomes. */
export type UsageSource =
  | { owner: "key" | "account" | "model"; id: string; period: UsagePeriod }
  | { owner: "key-model"; keyId: string; model: string; period: UsagePeriod }
  | { owner: "system"; period: UsagePeriod };

export type Classified =
  | { kind: "relayKey"; id: string; expect: "hash" }
  | { kind: "account"; family: AccountFamily; id: string; expect: "hash" | "string" }
  | { kind: "group"; id: string; expect: "hash" }
  | { kind: "groupMembers"; id: string; expect: "set" }
  | { kind: "user"; id: string; expect: "string" }
  | { kind: "webhook"; id: string; expect: "string" }
  | { kind: "usage"; source: UsageSource; expect: "hash" }
  /** Rated cost in USD of one key, as a float string. */
  | { kind: "cost"; keyId: string; period: UsagePeriod; expect: "string" }
  | { kind: "index" }
  /** Reported by family with a reason, never read. */
  | { kind: "report"; family: string; reason: string };

const DAY = String.raw`\d{4}-\d{2}-\d{2}`;
const MONTH = String.raw`\d{4}-\d{2}`;
const HOUR = String.raw`\d{4}-\d{2}-\d{2}:\d{2}`;
const STAMP = { daily: DAY, monthly: MONTH, hourly: HOUR } as const;
type PeriodKind = keyof typeof STAMP;

function periodOf(kind: string, stamp: string): UsagePeriod | null {
  if (kind !== "daily" && kind !== "monthly" && kind !== "hourly") return null;
  return new RegExp(`^${STAMP[kind as PeriodKind]}$`).test(stamp) ? { kind, stamp } : null;
}

/** `{prefix}{kind}:{middle}:{stamp}` with the stamp's shape depending on the kind (an hour has a colon). */
function periodKey(key: string, prefix: string): { middle: string; period: UsagePeriod } | null {
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  for (const kind of ["daily", "monthly", "hourly"] as const) {
    const match = new RegExp(`^${kind}:(.+):(${STAMP[kind]})$`).exec(rest);
    if (match?.[1] && match[2]) {
      const period = periodOf(kind, match[2]);
      if (period) return { middle: match[1], period };
    }
  }
  return null;
}

const RUNTIME_PREFIXES = [
  "session:",
  "user_session:",
  "oauth:",
  "concurrency:",
  "rate_limit:",
  "unified_claude_session_mapping:",
  "unified_gemini_session_mapping:",
  "unified_openai_session_mapping:",
  "sticky_session:",
  "openai_session_account_mapping:",
  "openai_account_sessions:",
  "temp_unavailable:",
  "error_history:",
  "token_refresh_lock:",
  "claude_code_headers:",
  "account:overload:",
  "system:",
  "lock:",
];

const RUNTIME =
  "runtime state (sessions, leases, windows, stickiness, parking): rebuilt by this relay as it runs";

function isIndex(key: string): boolean {
  return (
    key === "apikey:hash_map" ||
    key.startsWith("apikey:idx:") ||
    key.startsWith("apikey:set:") ||
    key.startsWith("apikey:tags") ||
    key.startsWith("apikey:index:") ||
    key.startsWith("apikey_hash:") ||
    key.endsWith(":index") ||
    ((key.startsWith("usage:") || key.startsWith("account_usage:")) && key.includes(":index")) ||
    key === "usage:model:monthly:months" ||
    /^shared_.+_accounts$/.test(key) ||
    key.startsWith("account_groups_reverse:") ||
    key === "account_groups" ||
    key.startsWith("username:") ||
    key === "user:index"
  );
}

function classifyUsage(key: string): Classified {
  const report = (family: string, reason: string): Classified => ({ kind: "report", family, reason });
  if (key.startsWith("usage:cost:real:"))
    return report("usage:cost:real:*", "real (unrated) cost: we keep the rated cost only");
  if (key.startsWith("usage:opus:") || key.startsWith("usage:claude:"))
    return report(
      key.startsWith("usage:opus:") ? "usage:opus:*" : "usage:claude:*",
      "weekly Claude-family cost: the current week's is carried into the key's record (carriedSpend) for its gate; past weeks are not kept",
    );
  if (key.startsWith("usage:records:"))
    return report(
      "usage:records:*",
      "recent request records: kept in another shape here; history starts fresh",
    );
  const costTotal = /^usage:cost:total:([^:]+)$/.exec(key);
  if (costTotal?.[1])
    return { kind: "cost", keyId: costTotal[1], period: { kind: "total" }, expect: "string" };
  const cost = periodKey(key, "usage:cost:");
  if (cost && !cost.middle.includes(":"))
    return { kind: "cost", keyId: cost.middle, period: cost.period, expect: "string" };
  if (key === "usage:global:total") return usage({ owner: "system", period: { kind: "total" } });
  if (key.startsWith("usage:global:")) {
    const match = /^usage:global:(daily|monthly|hourly):(.+)$/.exec(key);
    const period = match?.[1] && match[2] ? periodOf(match[1], match[2]) : null;
    if (period) return usage({ owner: "system", period });
    return report("usage:global:* (other)", "a global usage key of a shape the importer does not know");
  }
  const model = periodKey(key, "usage:model:");
  if (model) return usage({ owner: "model", id: model.middle, period: model.period });
  const alltime = /^usage:([^:]+):model:alltime:(.+)$/.exec(key);
  if (alltime?.[1] && alltime[2])
    return usage({ owner: "key-model", keyId: alltime[1], model: alltime[2], period: { kind: "total" } });
  const keyModel = /^usage:([^:]+):model:(.+)$/.exec(key);
  if (keyModel?.[1] && keyModel[2]) {
    const inner = periodKey(`model:${keyModel[2]}`, "model:");
    if (inner)
      return usage({ owner: "key-model", keyId: keyModel[1], model: inner.middle, period: inner.period });
  }
  const keyPeriod = periodKey(key, "usage:");
  if (keyPeriod && !keyPeriod.middle.includes(":"))
    return usage({ owner: "key", id: keyPeriod.middle, period: keyPeriod.period });
  const keyTotal = /^usage:([^:]+)$/.exec(key);
  if (keyTotal?.[1]) return usage({ owner: "key", id: keyTotal[1], period: { kind: "total" } });
  return report("usage:* (other)", "a usage key of a shape the importer does not know");
}

function classifyAccountUsage(key: string): Classified {
  if (key.startsWith("account_usage:model:"))
    return {
      kind: "report",
      family: "account_usage:model:*",
      reason: "usage per account and model: we keep no such buckets",
    };
  const period = periodKey(key, "account_usage:");
  if (period && !period.middle.includes(":"))
    return usage({ owner: "account", id: period.middle, period: period.period });
  const total = /^account_usage:([^:]+)$/.exec(key);
  if (total?.[1]) return usage({ owner: "account", id: total[1], period: { kind: "total" } });
  return {
    kind: "report",
    family: "account_usage:* (other)",
    reason: "an account usage key of a shape the importer does not know",
  };
}

function usage(source: UsageSource): Classified {
  return { kind: "usage", source, expect: "hash" };
}

export function classify(key: string): Classified {
  if (isIndex(key)) return { kind: "index" };
  if (key.startsWith("apikey:")) {
    const id = key.slice("apikey:".length);
    if (id && !id.includes(":")) return { kind: "relayKey", id, expect: "hash" };
  }
  for (const family of ACCOUNT_FAMILIES) {
    if (key.startsWith(family.prefix)) {
      const id = key.slice(family.prefix.length);
      if (id && !id.includes(":"))
        return { kind: "account", family, id, expect: family.stored === "json" ? "string" : "hash" };
    }
  }
  if (key.startsWith("usage:")) return classifyUsage(key);
  if (key.startsWith("account_usage:")) return classifyAccountUsage(key);
  const group = /^account_group:([^:]+)$/.exec(key);
  if (group?.[1]) return { kind: "group", id: group[1], expect: "hash" };
  const members = /^account_group_members:([^:]+)$/.exec(key);
  if (members?.[1]) return { kind: "groupMembers", id: members[1], expect: "set" };
  const user = /^user:([^:]+)$/.exec(key);
  if (user?.[1]) return { kind: "user", id: user[1], expect: "string" };
  const webhook = /^webhook_config:(.+)$/.exec(key);
  if (webhook?.[1]) return { kind: "webhook", id: webhook[1], expect: "string" };
  if (key === "session:admin_credentials" || key.startsWith("admin:") || key.startsWith("admin_credentials"))
    return {
      kind: "report",
      family: "admin credentials",
      reason: "not imported: this relay has its own admin login (data/init.json or its admin credential)",
    };
  if (/pricing|service_?rates/i.test(key))
    return {
      kind: "report",
      family: key,
      reason:
        "pricing overrides / service rates: not imported (rated-cost multipliers are not supported yet)",
    };
  if (RUNTIME_PREFIXES.some((prefix) => key.startsWith(prefix)))
    return { kind: "report", family: `${key.slice(0, key.indexOf(":") + 1)}*`, reason: RUNTIME };
  if (key.startsWith("claude_account:"))
    return {
      kind: "report",
      family: "claude_account:*",
      reason: "written by the original's own importer (a known bug) and never read by it: not imported",
    };
  if (key === "claude_relay_config" || key.startsWith("claude_relay_config:"))
    return {
      kind: "report",
      family: "claude_relay_config",
      reason: "global relay settings: not imported (set the matching environment variables here)",
    };
  const colon = key.indexOf(":");
  return {
    kind: "report",
    family: colon > 0 ? `${key.slice(0, colon + 1)}*` : key,
    reason: "unknown to the importer: not imported",
  };
}
