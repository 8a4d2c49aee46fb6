// The original's usage aggregates (CRS-REFERENCE §8) → our usage buckets (keys.usage(owner, id,
// period), fields USAGE_FIELDS, cost in integer micro-USD). Every bucket is computed whole and
// written with SET semantics, so importing twice writes the same numbers again.
//
//   usage:{key}, usage:{daily|monthly|hourly}:{key}:{p}       → key buckets (tokens, requests)
//   usage:cost:{total|daily|monthly|hourly}:{key}[:{p}]       → their costMicroUsd (rated USD × 10⁶)
//   usage:{key}:model:{alltime|daily|monthly}:{model}[:{p}]   → key-model buckets (ratedCostMicro)
//   usage:model:{daily|monthly|hourly}:{model}:{p}            → model buckets; their cost is the sum
//                                                               of the key-model costs of that model
//   (no per-model total in the original)                      → model total = sum of key-model alltime
//   account_usage:{acct}, account_usage:{…}:{acct}:{p}        → account buckets (the original stores no
//                                                               per-account cost: left 0)
//   usage:global:{total|daily|monthly}                        → system buckets; cost = sum of every
//                                                               key's cost; hourly = sum of key hourly
//
// Each bucket says where its counts and its cost come from: given by a source key, derived (a sum
// over source keys), or absent. Only what the source has is written: a bucket here keeps the
// values the source lacks (an export without costs must not zero them).
import type { UsageOwner, UsagePeriod } from "../../worker/keyspace/keys.ts";
import { emptyCounters, USAGE_FIELDS, type UsageCounters } from "../../worker/keyspace/store.ts";
import type { UsageSource } from "./classify.ts";
import type { Skipped } from "./report.ts";
import type { Fields } from "./source.ts";

export interface UsageHash {
  key: string;
  source: UsageSource;
  fields: Fields;
  ttlMs: number;
}

export interface CostValue {
  key: string;
  keyId: string;
  period: UsagePeriod;
  value: string;
  ttlMs: number;
}

/** Where a bucket's numbers come from: a source key, a sum over source keys, or nowhere. */
export type Provenance = "given" | "derived" | "absent";

export interface Bucket {
  owner: UsageOwner;
  ownerId: string;
  period: UsagePeriod;
  counters: UsageCounters;
  /** Of the counts (requests and tokens). */
  countsFrom: Provenance;
  /** Of costMicroUsd. */
  costFrom: Provenance;
  /** Seconds; absent for totals (they never expire). */
  ttlSeconds?: number;
}

export interface UsagePlan {
  buckets: Bucket[];
  /** Index sets to add to: [set key name builder input, member]. */
  indexes: { owner: "key" | "account" | "model"; id: string }[];
  keyModels: { keyId: string; model: string }[];
  /** Source keys read. */
  found: number;
  skipped: Skipped[];
  notMapped: string[];
  notes: string[];
}

/** Our own bucket lifetimes (as worker/usage/aggregate.ts sets them), for buckets without a source TTL. */
const DEFAULT_TTL_SECONDS = { hourly: 8 * 86_400, daily: 32 * 86_400, monthly: 400 * 86_400 } as const;

const FIELD_OF: Record<Exclude<(typeof USAGE_FIELDS)[number], "costMicroUsd">, string> = {
  requests: "Requests",
  inputTokens: "InputTokens",
  outputTokens: "OutputTokens",
  cacheCreateTokens: "CacheCreateTokens",
  cacheReadTokens: "CacheReadTokens",
  ephemeral5mTokens: "Ephemeral5mTokens",
  ephemeral1hTokens: "Ephemeral1hTokens",
};

/** Fields that are sums of others (nothing is lost without them). */
const DERIVED = new Set(["tokens", "allTokens", "totalTokens", "totalAllTokens"]);
const LABELS: Record<string, string> = {
  realCostMicro: "real (unrated) cost: the rated cost is kept",
  longContextInputTokens: "long-context counters",
  longContextOutputTokens: "long-context counters",
  longContextRequests: "long-context counters",
  totalLongContextInputTokens: "long-context counters",
  totalLongContextOutputTokens: "long-context counters",
  totalLongContextRequests: "long-context counters",
};

class BadNumber extends Error {}

function int(value: string | undefined, field: string): number {
  if (value === undefined || value === "") return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadNumber(`${field}: ${JSON.stringify(value)} is not a count`);
  return n;
}

function periodId(period: UsagePeriod): string {
  return period.kind === "total" ? "total" : `${period.kind}:${period.stamp}`;
}

function bucketId(owner: UsageOwner, ownerId: string, period: UsagePeriod): string {
  return `${owner}\u0000${ownerId}\u0000${periodId(period)}`;
}

/** Counters of one source hash; total hashes of keys and accounts prefix their fields with "total". */
function countersOf(h: UsageHash, notMapped: string[]): UsageCounters {
  const prefixed =
    h.source.period.kind === "total" && (h.source.owner === "key" || h.source.owner === "account");
  const name = (field: keyof typeof FIELD_OF) =>
    prefixed ? `total${FIELD_OF[field]}` : `${FIELD_OF[field][0]?.toLowerCase()}${FIELD_OF[field].slice(1)}`;
  const c = emptyCounters();
  const handled = new Set<string>(DERIVED);
  for (const field of Object.keys(FIELD_OF) as (keyof typeof FIELD_OF)[]) {
    c[field] = int(h.fields[name(field)], name(field));
    handled.add(name(field));
  }
  if (h.source.owner === "key-model") {
    c.costMicroUsd = int(h.fields.ratedCostMicro, "ratedCostMicro");
    handled.add("ratedCostMicro");
  }
  const legacyTokens = int(h.fields[prefixed ? "totalTokens" : "tokens"], "tokens");
  if (legacyTokens > 0 && c.inputTokens + c.outputTokens === 0)
    notMapped.push("tokens (an old total without an input/output split)");
  for (const [field, value] of Object.entries(h.fields)) {
    if (handled.has(field) || value === "" || value === "0") continue;
    if (field.startsWith("model:"))
      notMapped.push("model:* (per-model breakdown inside account hourly usage)");
    else notMapped.push(LABELS[field] ? `${field} (${LABELS[field]})` : field);
  }
  return c;
}

function micro(value: string): number {
  const usd = Number(value);
  if (!Number.isFinite(usd) || usd < 0) throw new BadNumber(`${JSON.stringify(value)} is not a cost`);
  return Math.round(usd * 1_000_000);
}

export function planUsage(
  hashes: readonly UsageHash[],
  costs: readonly CostValue[],
  imported: { keys: ReadonlySet<string>; accounts: ReadonlySet<string> },
): UsagePlan {
  const buckets = new Map<string, Bucket>();
  const ttls = new Map<string, number>();
  const notMapped: string[] = [];
  const notes: string[] = [];
  const skippedBy = new Map<string, number>();
  const skip = (id: string, reason: string) => {
    const label = `${id}\u0000${reason}`;
    skippedBy.set(label, (skippedBy.get(label) ?? 0) + 1);
  };

  const bucket = (owner: UsageOwner, ownerId: string, period: UsagePeriod): Bucket => {
    const id = bucketId(owner, ownerId, period);
    let b = buckets.get(id);
    if (!b) {
      b = { owner, ownerId, period, counters: emptyCounters(), countsFrom: "absent", costFrom: "absent" };
      buckets.set(id, b);
    }
    return b;
  };
  /** The strongest provenance wins: given over derived over absent. */
  const from = (current: Provenance, next: Provenance): Provenance =>
    current === "given" || next === "given" ? "given" : current === "derived" ? current : next;
  const keepTtl = (b: Bucket, ttlMs: number) => {
    if (ttlMs <= 0 || b.period.kind === "total") return;
    const id = bucketId(b.owner, b.ownerId, b.period);
    ttls.set(id, Math.max(ttls.get(id) ?? 0, ttlMs));
  };
  const add = (into: UsageCounters, from: UsageCounters, withCost: boolean) => {
    for (const field of USAGE_FIELDS) if (withCost || field !== "costMicroUsd") into[field] += from[field];
  };

  // System tokens come from the global hashes; where the original has none (older versions, and
  // every hour), from the sum of the keys' buckets of that period.
  const globalTokens = new Map<string, { period: UsagePeriod; counters: UsageCounters; ttlMs: number }>();
  const keySums = new Map<string, { period: UsagePeriod; counters: UsageCounters; ttlMs: number }>();
  const modelTotals = new Map<string, { counters: UsageCounters; withCost: boolean }>();
  const modelCosts = new Map<
    string,
    { model: string; period: UsagePeriod; micro: number; withCost: boolean }
  >();

  for (const h of hashes) {
    const labels: string[] = [];
    let counters: UsageCounters;
    try {
      counters = countersOf(h, labels);
    } catch (error) {
      skip(h.key, `corrupt: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const s = h.source;
    if (s.owner === "system") {
      globalTokens.set(periodId(s.period), { period: s.period, counters, ttlMs: h.ttlMs });
      notMapped.push(...new Set(labels));
      continue;
    }
    if (s.owner === "key") {
      const sum = keySums.get(periodId(s.period)) ?? {
        period: s.period,
        counters: emptyCounters(),
        ttlMs: 0,
      };
      add(sum.counters, counters, false);
      sum.ttlMs = Math.max(sum.ttlMs, h.ttlMs);
      keySums.set(periodId(s.period), sum);
      if (!imported.keys.has(s.id)) {
        skip(`key ${s.id}`, "usage of a key that is not imported");
        continue;
      }
    }
    if (s.owner === "key-model") {
      // The original's older versions kept no cost per key and model: then it is not known.
      const withCost = h.fields.ratedCostMicro !== undefined;
      const costId = `${s.model}\u0000${periodId(s.period)}`;
      const cost = modelCosts.get(costId) ?? { model: s.model, period: s.period, micro: 0, withCost: false };
      cost.micro += counters.costMicroUsd;
      cost.withCost ||= withCost;
      modelCosts.set(costId, cost);
      if (s.period.kind === "total") {
        const total = modelTotals.get(s.model) ?? { counters: emptyCounters(), withCost: false };
        add(total.counters, counters, true);
        total.withCost ||= withCost;
        modelTotals.set(s.model, total);
      }
      if (s.period.kind === "hourly") continue; // only for the model's hourly cost: we keep no such bucket
      if (!imported.keys.has(s.keyId)) {
        skip(`key ${s.keyId}`, "usage of a key that is not imported");
        continue;
      }
      const b = bucket("key-model", `${s.keyId}|${s.model}`, s.period);
      add(b.counters, counters, true);
      b.countsFrom = "given";
      if (withCost) b.costFrom = "given";
      keepTtl(b, h.ttlMs);
      notMapped.push(...new Set(labels));
      continue;
    }
    if (s.owner === "account" && !imported.accounts.has(s.id)) {
      skip(`account ${s.id}`, "usage of an account that is not imported");
      continue;
    }
    const b = bucket(s.owner, s.id, s.period);
    add(b.counters, counters, false);
    b.countsFrom = "given";
    keepTtl(b, h.ttlMs);
    notMapped.push(...new Set(labels));
  }

  const systemCost = new Map<string, { period: UsagePeriod; micro: number; ttlMs: number }>();
  for (const c of costs) {
    let amount: number;
    try {
      amount = micro(c.value);
    } catch (error) {
      skip(c.key, `corrupt: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const sum = systemCost.get(periodId(c.period)) ?? { period: c.period, micro: 0, ttlMs: 0 };
    sum.micro += amount;
    sum.ttlMs = Math.max(sum.ttlMs, c.ttlMs);
    systemCost.set(periodId(c.period), sum);
    if (!imported.keys.has(c.keyId)) {
      skip(`key ${c.keyId}`, "usage of a key that is not imported");
      continue;
    }
    const b = bucket("key", c.keyId, c.period);
    b.counters.costMicroUsd = amount;
    b.costFrom = "given";
    keepTtl(b, c.ttlMs);
  }

  for (const [model, total] of modelTotals) {
    const b = bucket("model", model, { kind: "total" });
    add(b.counters, total.counters, true);
    b.countsFrom = from(b.countsFrom, "derived");
    if (total.withCost) b.costFrom = from(b.costFrom, "derived");
  }
  for (const cost of modelCosts.values()) {
    if (cost.period.kind === "total" || !cost.withCost) continue;
    const b = bucket("model", cost.model, cost.period);
    b.counters.costMicroUsd += cost.micro;
    b.costFrom = from(b.costFrom, "derived");
  }
  const systemPeriods = new Set([...globalTokens.keys(), ...keySums.keys(), ...systemCost.keys()]);
  for (const id of systemPeriods) {
    const global = globalTokens.get(id);
    const tokens = global ?? keySums.get(id);
    const cost = systemCost.get(id);
    const period = tokens?.period ?? cost?.period;
    if (!period) continue;
    const b = bucket("system", "all", period);
    if (tokens) {
      add(b.counters, tokens.counters, false);
      b.countsFrom = global ? "given" : "derived";
      keepTtl(b, tokens.ttlMs);
    }
    if (cost) {
      b.counters.costMicroUsd = cost.micro;
      b.costFrom = "derived";
      keepTtl(b, cost.ttlMs);
    }
  }
  if (modelTotals.size > 0) notes.push("per-model totals are the sums of the keys' all-time per-model usage");
  if (hashes.some((h) => h.source.owner === "key-model" && h.source.period.kind === "hourly"))
    notes.push(
      "hourly usage per key and model is kept only as the models' hourly cost (no such buckets here)",
    );
  if (imported.accounts.size > 0 && hashes.some((h) => h.source.owner === "account"))
    notes.push(
      "account buckets get no cost: the original prices account usage on the fly and stores none (a cost here is kept)",
    );

  const list = [...buckets.entries()].map(([id, b]) => {
    const ttlMs = ttls.get(id);
    if (b.period.kind !== "total")
      b.ttlSeconds = ttlMs ? Math.ceil(ttlMs / 1000) : DEFAULT_TTL_SECONDS[b.period.kind];
    return b;
  });
  const indexes: UsagePlan["indexes"] = [];
  const keyModels: UsagePlan["keyModels"] = [];
  const seen = new Set<string>();
  for (const b of list) {
    const id = `${b.owner}\u0000${b.ownerId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (b.owner === "key" || b.owner === "account" || b.owner === "model")
      indexes.push({ owner: b.owner, id: b.ownerId });
    if (b.owner === "key-model") {
      const bar = b.ownerId.indexOf("|");
      keyModels.push({ keyId: b.ownerId.slice(0, bar), model: b.ownerId.slice(bar + 1) });
    }
  }
  return {
    buckets: list,
    indexes,
    keyModels,
    found: hashes.length + costs.length,
    skipped: [...skippedBy.entries()].map(([label, count]) => {
      const [id = "", reason = ""] = label.split("\u0000");
      return { id, reason: count > 1 ? `${reason} (${count} buckets)` : reason };
    }),
    notMapped,
    notes,
  };
}
