// The public stats API under /apiStats, on the original service's paths so its users' pages and
// scripts keep working: a key owner looks up their own usage, limits and remaining quota with the
// key alone. Unlike the original, a bare key id (`apiId`) is not accepted: ids are not secrets.
import { type Context, Hono } from "hono";
import type { GateSnapshot, PackState } from "../../durable-objects/key-gate/index.ts";
import { modelSpend, platformSpend } from "../../durable-objects/key-gate/limits.ts";
import { redeemCard } from "../cards/redeem.ts";
import { type Env, type Services, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { asRelayError, RelayError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { hashRelayKey, RELAY_KEY_PREFIX, timingSafeEqual } from "../keyspace/crypto.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { UsageCounters } from "../keyspace/usage-counters.ts";
import { expiresAt } from "../relay/expiry.ts";
import { gateOf } from "../relay/gate.ts";
import { periodStamps } from "../usage/periods.ts";
import { allTokens, formatCost, stampsBack, usd } from "../usage/report.ts";
import { recordStatsFailure, statsBlockedFor } from "./stats-throttle.ts";

type StatsContext = Context<{ Bindings: Env; Variables: RelayVariables }>;

export const statsRoutes = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

/** The one answer for a missing, wrong or unknown key, and for a bare apiId: it reveals nothing. */
export const KEY_REQUIRED = "Invalid API key: send your relay API key (cr_…) as apiKey";
const MAX_BODY_CHARS = 16_384;
const DAILY_POINTS = 30;
export const MODEL_PERIODS = ["daily", "monthly", "alltime"] as const;
export type ModelPeriod = (typeof MODEL_PERIODS)[number];

function fail(c: StatsContext, status: 400 | 401 | 429 | 500 | 503, message: string) {
  return c.json({ success: false as const, error: message, message }, status);
}

async function readBody(c: StatsContext): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

async function findKey(s: Services, rawKey: string): Promise<RelayKeyRecord | null> {
  if (!rawKey.startsWith(RELAY_KEY_PREFIX) || rawKey.length < 10 || rawKey.length > 512) return null;
  const hash = await hashRelayKey(s.config.KEY_HASH_SECRET, rawKey);
  const id = await s.keyspace.findRelayKeyIdByHash(hash);
  const record = id ? await s.keyspace.getRelayKey(id) : null;
  return record && timingSafeEqual(record.hash, hash) ? record : null;
}

type Lookup =
  | { ok: true; record: RelayKeyRecord; body: Record<string, unknown> }
  | { ok: false; response: Response };

/** The caller's key from the body, checked; failed lookups count against the caller's address. */
async function lookup(c: StatsContext): Promise<Lookup> {
  const address = c.req.header("cf-connecting-ip") ?? "local";
  const waitMs = statsBlockedFor(address);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    const response = fail(c, 429, `Too many failed lookups; try again in ${seconds} s`);
    response.headers.set("retry-after", String(seconds));
    return { ok: false, response };
  }
  const body = await readBody(c);
  const apiKey = typeof body.apiKey === "string" ? body.apiKey.trim() : "";
  const record = apiKey ? await findKey(services(c.env), apiKey) : null;
  if (!record) {
    recordStatsFailure(address);
    return { ok: false, response: fail(c, 401, KEY_REQUIRED) };
  }
  // Only the key's holder gets this far: telling them why their key stopped working is safe.
  if (!record.isActive) return { ok: false, response: fail(c, 401, "API key is disabled") };
  const expiry = expiresAt(record);
  if (expiry !== null && expiry <= Date.now())
    return { ok: false, response: fail(c, 401, "API key has expired") };
  return { ok: true, record, body };
}

/** A usage bucket as the original's stats page reads it. */
function usageOut(c: UsageCounters) {
  const cost = usd(c.costMicroUsd);
  return {
    requests: c.requests,
    tokens: c.inputTokens + c.outputTokens,
    allTokens: allTokens(c),
    inputTokens: c.inputTokens,
    outputTokens: c.outputTokens,
    cacheCreateTokens: c.cacheCreateTokens,
    cacheReadTokens: c.cacheReadTokens,
    ephemeral5mTokens: c.ephemeral5mTokens,
    ephemeral1hTokens: c.ephemeral1hTokens,
    cost,
    formattedCost: formatCost(cost),
  };
}

function limitsOut(
  record: RelayKeyRecord,
  snapshot: GateSnapshot | null,
  total: UsageCounters,
  today: UsageCounters,
) {
  const limits = record.limits;
  const windowMs = limits.rateLimitWindowMinutes * 60_000;
  const window = windowMs > 0 ? (snapshot?.window ?? null) : null;
  const windowEnd = window ? window.start + windowMs : null;
  const now = Date.now();
  // The KeyGate is the authority for live spend; the aggregates stand in if it cannot answer.
  const dailyCost = usd(snapshot ? snapshot.spend.dayCostMicroUsd : today.costMicroUsd);
  const weeklyCost = usd(snapshot?.spend.weekCostMicroUsd ?? 0);
  const totalCost = usd(snapshot ? snapshot.spend.totalCostMicroUsd : total.costMicroUsd);
  const windowRequests = window?.requests ?? 0;
  const windowTokens = window?.tokens ?? 0;
  const windowCost = usd(window?.costMicroUsd ?? 0);
  // Each platform and model cap beside what it has counted (the gate's tallies; none without it).
  const spend = snapshot?.spend;
  const platformLimits = limits.platformLimits.map((limit) => {
    const tally = spend ? platformSpend(spend, limit.platform) : null;
    return {
      ...limit,
      currentDailyCost: usd(tally?.dayCostMicroUsd ?? 0),
      currentTotalCost: usd(tally?.totalCostMicroUsd ?? 0),
    };
  });
  const modelLimits = limits.modelLimits.map((limit) => {
    const tally = spend ? modelSpend(spend, limit.model) : null;
    return {
      ...limit,
      currentDailyCost: usd(tally?.dayCostMicroUsd ?? 0),
      currentTotalCost: usd(tally?.totalCostMicroUsd ?? 0),
    };
  });
  return {
    ...limits,
    platformLimits,
    modelLimits,
    currentDailyCost: dailyCost,
    currentWeeklyCost: weeklyCost,
    currentTotalCost: totalCost,
    currentTotalTokens: snapshot ? snapshot.spend.totalTokens : allTokens(total),
    windowRequests,
    windowTokens,
    windowCost,
    windowStartsAt: window ? new Date(window.start).toISOString() : null,
    windowEndsAt: windowEnd ? new Date(windowEnd).toISOString() : null,
    activeRequests: snapshot?.activeLeases ?? 0,
    queuedRequests: snapshot?.queued ?? 0,
    // The original's names for the same values, for its stats page.
    rateLimitWindow: limits.rateLimitWindowMinutes,
    weeklyOpusCostLimit: limits.weeklyCostLimit,
    weeklyOpusCost: weeklyCost,
    currentWindowRequests: windowRequests,
    currentWindowTokens: windowTokens,
    currentWindowCost: windowCost,
    windowStartTime: window?.start ?? null,
    windowEndTime: windowEnd,
    windowRemainingSeconds: windowEnd ? Math.max(0, Math.floor((windowEnd - now) / 1000)) : null,
  };
}

async function gatePacks(env: Env, keyId: string): Promise<PackState | null> {
  try {
    return await gateOf(env, keyId).packState();
  } catch (error) {
    log("warn", "key gate unreachable for stats", { error: String(error) });
    return null;
  }
}

/** The key's booster packs and their latest draws, in USD as the page shows them. */
function packsOut(state: PackState | null) {
  if (!state) return null;
  return {
    left: usd(state.leftMicroUsd),
    packs: state.packs.map((pack) => ({
      id: pack.id,
      amount: usd(pack.amountMicroUsd),
      used: usd(pack.usedMicroUsd),
      grantedAt: pack.grantedAt,
      expiresAt: pack.expiresAt ?? null,
      note: pack.note,
      source: pack.source,
    })),
    draws: state.draws.slice(0, 50).map((draw) => ({
      requestId: draw.requestId,
      packId: draw.packId,
      amount: usd(draw.amountMicroUsd),
      at: draw.at,
    })),
  };
}

async function gateSnapshot(env: Env, keyId: string): Promise<GateSnapshot | null> {
  try {
    return await gateOf(env, keyId).snapshot();
  } catch (error) {
    log("warn", "key gate unreachable for stats", { error: String(error) });
    return null;
  }
}

statsRoutes.onError((thrown, c) => {
  const error = asRelayError(thrown, c.get("requestId"));
  const response = fail(c, error.status === 503 ? 503 : 500, error.message);
  for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
  return response;
});

statsRoutes.post("/api/get-key-id", async (c) => {
  const found = await lookup(c);
  if (!found.ok) return found.response;
  return c.json({ success: true as const, data: { id: found.record.id } }, 200);
});

/**
 * A key's usage, limits and the last 30 days, as the stats page reads them: the public page (with
 * the key) and the user portal (for the user's own key) answer the same shape.
 */
export async function keyStats(env: Env, record: RelayKeyRecord) {
  const s = services(env);
  const now = Date.now();
  const offset = s.config.TIMEZONE_OFFSET_HOURS;
  const month = periodStamps(now, offset).monthly;
  const days = stampsBack(now, offset, "daily", DAILY_POINTS);
  const [counters, snapshot, packs] = await Promise.all([
    s.keyspace.usage.read([
      { owner: "key", ownerId: record.id, period: { kind: "total" } },
      { owner: "key", ownerId: record.id, period: { kind: "monthly", stamp: month } },
      ...days.map((stamp) => ({
        owner: "key" as const,
        ownerId: record.id,
        period: { kind: "daily" as const, stamp },
      })),
    ]),
    gateSnapshot(env, record.id),
    gatePacks(env, record.id),
  ]);
  const [total, monthly, ...daily] = counters;
  const today = daily.at(-1);
  if (!total || !monthly || !today) throw new Error("usage read returned too few buckets");
  const expiry = expiresAt(record);
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    isActive: record.isActive,
    createdAt: record.createdAt,
    expiresAt: expiry === null ? null : new Date(expiry).toISOString(),
    expirationMode: record.expiry.mode,
    isActivated: record.expiry.mode !== "activation" || Boolean(record.expiry.activatedAt),
    activationDays: record.expiry.mode === "activation" ? record.expiry.days : 0,
    activatedAt: record.expiry.mode === "activation" ? (record.expiry.activatedAt ?? null) : null,
    /** Platforms the key may use; empty means every platform. */
    permissions: record.limits.permissions,
    usage: { total: usageOut(total), today: usageOut(today), month: usageOut(monthly) },
    limits: limitsOut(record, snapshot, total, today),
    /**
     * Real cost (what the upstreams charge, the usage buckets) beside the rated cost the limits
     * count (× the service rate × the key's multiplier; the KeyGate's figures).
     */
    costs: {
      rateMultiplier: record.limits.rateMultiplier,
      real: { today: usd(today.costMicroUsd), total: usd(total.costMicroUsd) },
      rated: snapshot
        ? { today: usd(snapshot.spend.dayCostMicroUsd), total: usd(snapshot.spend.totalCostMicroUsd) }
        : null,
    },
    boosterPacks: packsOut(packs),
    daily: days.map((date, i) => {
      const day = daily[i] ?? today;
      return {
        date,
        requests: day.requests,
        tokens: day.inputTokens + day.outputTokens,
        allTokens: allTokens(day),
        cost: usd(day.costMicroUsd),
      };
    }),
    restrictions: {
      restrictedModels: record.limits.restrictedModels,
      allowedClients: record.limits.allowedClients,
    },
  };
}

statsRoutes.post("/api/user-stats", async (c) => {
  const found = await lookup(c);
  if (!found.ok) return found.response;
  return c.json({ success: true as const, data: await keyStats(c.env, found.record) }, 200);
});

/** A key's usage per model in a period (the day, month or all time), most costly first. */
export async function keyModelStats(env: Env, record: RelayKeyRecord, period: ModelPeriod) {
  const s = services(env);
  const stamps = periodStamps(Date.now(), s.config.TIMEZONE_OFFSET_HOURS);
  const models = await s.keyspace.usage.modelsOfKey(record.id);
  const bucket =
    period === "alltime"
      ? ({ kind: "total" } as const)
      : period === "daily"
        ? ({ kind: "daily", stamp: stamps.daily } as const)
        : ({ kind: "monthly", stamp: stamps.monthly } as const);
  const counters = await s.keyspace.usage.read(
    models.map((model) => ({
      owner: "key-model" as const,
      ownerId: `${record.id}|${model}`,
      period: bucket,
    })),
  );
  return models
    .map((model, i) => ({ model, counters: counters[i] }))
    .flatMap(({ model, counters: c }) => {
      if (!c || c.requests === 0) return [];
      const usage = usageOut(c);
      // The original's shape of the same cost, beside the bucket's.
      return [{ model, ...usage, costs: { total: usage.cost }, formatted: { total: usage.formattedCost } }];
    })
    .sort((a, b) => b.cost - a.cost || b.allTokens - a.allTokens);
}

/**
 * Redeems a quota card for the key: `{apiKey, code}`. A code that does not exist counts as a failed
 * lookup (guessing codes is throttled like guessing keys).
 */
statsRoutes.post("/api/redeem-card", async (c) => {
  const found = await lookup(c);
  if (!found.ok) return found.response;
  const code = typeof found.body.code === "string" ? found.body.code : "";
  try {
    return c.json({ success: true as const, data: await redeemCard(c.env, found.record, code) }, 200);
  } catch (thrown) {
    if (!(thrown instanceof RelayError) || thrown.status >= 500) throw thrown;
    if (thrown.status === 404) recordStatsFailure(c.req.header("cf-connecting-ip") ?? "local");
    return fail(c, 400, thrown.message);
  }
});

statsRoutes.post("/api/user-model-stats", async (c) => {
  const found = await lookup(c);
  if (!found.ok) return found.response;
  const { record, body } = found;
  const period = (body.period ?? "monthly") as ModelPeriod;
  if (!MODEL_PERIODS.includes(period))
    return fail(c, 400, `period must be one of ${MODEL_PERIODS.join(", ")}`);
  return c.json({ success: true as const, data: await keyModelStats(c.env, record, period), period }, 200);
});
