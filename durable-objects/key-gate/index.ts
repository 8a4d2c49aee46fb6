// KeyGate: one Durable Object per relay key, the authority for "may this request start".
// Live state is kept in memory and written to storage at most once a second (a write per call
// would halve the object's throughput); an alarm reclaims leases of Workers that died.
import { DurableObject } from "cloudflare:workers";
import { type Env, services } from "../../worker/env.ts";
import type { CarriedSpend, CostPlatform, RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { rated } from "../../worker/pricing/rates.ts";
import { counts, type UsageRecord } from "../../worker/usage/aggregate.ts";
import { addMicro } from "../../worker/usage/money.ts";
import { periodStamps } from "../../worker/usage/periods.ts";
import { totalTokens } from "../../worker/usage/tokens.ts";
import { notify } from "../../worker/webhooks/notify.ts";
import { quotaReached } from "../../worker/webhooks/sources.ts";
import { BillingHandoff } from "./billing.ts";
import { type Lease, LeaseTable } from "./leases.ts";
import {
  type AdmitRequest,
  type Carried,
  checkLimits,
  costPlatformsOf,
  currentSpend,
  currentWindow,
  type Denial,
  isClaudeFamily,
  MAX_MODEL_TALLIES,
  type ModelTally,
  type RateWindow,
  type Spend,
  tallyCost,
  withCarried,
} from "./limits.ts";
import { FLUSH_DELAY_MS as USAGE_FLUSH_DELAY_MS, UsageOutbox } from "./outbox.ts";
import {
  type BoosterPack,
  drawFromPacks,
  isCostQuota,
  MAX_DRAWS,
  overLimitPart,
  type PackDraw,
  packsLeft,
  prunePacks,
} from "./packs.ts";
import { dayStart } from "./periods.ts";

export type { AdmitRequest, BoosterPack, Carried, Denial, Lease, PackDraw };

/** A finished request as the relay settles it. */
export type SettledUsage = UsageRecord & {
  /**
   * The account kind whose platform limit it also counts toward (`bedrock`, `azure-openai`: see
   * limits.ts costPlatformOf). Absent: its platform's only.
   */
  costPlatform?: CostPlatform;
  /**
   * The service rate of the request's platform or model (worker/pricing/rates.ts) as the relay had
   * it; absent: 1. The gate multiplies it by the key's `rateMultiplier`.
   */
  serviceRate?: number;
  /**
   * The cost the key's limits, quotas and packs count: the real cost × `serviceRate` × the key's
   * multiplier. Set by the gate on the record it stores (the usage flush and billing read it).
   */
  ratedCostMicroUsd?: number;
};

/** A key's booster packs and their latest draws, newest draw first. */
export interface PackState {
  packs: BoosterPack[];
  draws: PackDraw[];
  /** What the unexpired packs have left, µUSD. */
  leftMicroUsd: number;
}

export type AdmitResult =
  | {
      admitted: true;
      lease: Lease | null;
      activatedAt?: string;
      /** Start of the rate window the request was counted in (none for uncounted calls). */
      windowStart?: number;
    }
  | { admitted: false; denial: Denial }
  /** The gate has no record of the key this recent: call again with the whole record. */
  | { admitted: false; needRecord: true };

/** Which version of a key record the caller holds, without the record itself. */
export interface KeyStamp {
  id: string;
  updatedAt: string;
}

export interface Settlement {
  leaseId: string | null;
  /** What the request used; stored durably before settle answers, then flushed to the keyspace. */
  record: SettledUsage;
  /** The admission's `windowStart`: a request no upstream answered is given back to that window. */
  windowStart?: number;
}

export interface GateSnapshot {
  keyId: string | null;
  window: RateWindow | null;
  activeLeases: number;
  queued: number;
  leases: Lease[];
  /** What the limits are checked against: the gate's own spend plus `carried`. */
  spend: Spend;
  /** Spend carried over from the original service by an import (already in `spend`'s figures). */
  carried: Carried | null;
  /** Usage records stored here and not yet in the keyspace, and the age of the oldest. */
  unflushed: number;
  flushLagMs: number;
}

interface StoredState {
  v: 1;
  record: RelayKeyRecord | null;
  window: RateWindow | null;
  spend: Spend;
  leases: [string, number][];
  /** Whether spend was seeded from the keyspace's usage (keys that had usage before this gate). */
  seeded?: boolean;
  carried?: Carried | null;
  packs?: BoosterPack[];
  draws?: PackDraw[];
}

const STATE_KEY = "state";
/** Request ids of settles remembered in memory (a retry comes within seconds, not thousands later). */
const RECENT_IDS = 10_000;
const FLUSH_DELAY_MS = 1_000;

const emptySpend = (): Spend => ({
  dayStart: 0,
  dayCostMicroUsd: 0,
  weekStart: 0,
  weekCostMicroUsd: 0,
  totalCostMicroUsd: 0,
  totalTokens: 0,
});

export class KeyGate extends DurableObject<Env> {
  private record: RelayKeyRecord | null = null;
  private window: RateWindow | null = null;
  private spend: Spend = emptySpend();
  private carried: Carried | null = null;
  private packs: BoosterPack[] = [];
  private draws: PackDraw[] = [];
  private leases: LeaseTable;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private alarmAt: number | undefined;
  private readonly leaseTtlMs: number;
  private readonly offsetHours: number;
  private readonly outbox: UsageOutbox;
  /** Billing events of flushed usage, until the sink (Queue or BillingOutbox) has them. */
  private readonly billing: BillingHandoff;
  /** Quota refusals already announced (`code@period`): one webhook event per quota and period. */
  private readonly quotaAnnounced = new Set<string>();
  private readonly bootedAt = Date.now();
  private seeded = false;
  private seeding: Promise<void> | undefined;
  private readonly recentIds = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new UsageOutbox(ctx.storage, ctx.id.toString());
    this.billing = new BillingHandoff(ctx.storage, env);
    this.leaseTtlMs = Number(env.LEASE_TTL_SECONDS ?? 300) * 1000;
    this.offsetHours = Number(env.TIMEZONE_OFFSET_HOURS ?? 8);
    this.leases = new LeaseTable(this.leaseTtlMs);
    ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<StoredState>(STATE_KEY);
      if (stored) {
        this.record = stored.record;
        this.window = stored.window;
        this.spend = stored.spend;
        this.leases = new LeaseTable(this.leaseTtlMs, stored.leases);
        this.seeded = stored.seeded === true;
        this.carried = stored.carried ?? null;
        this.packs = stored.packs ?? [];
        this.draws = stored.draws ?? [];
      }
      this.alarmAt = (await ctx.storage.getAlarm()) ?? undefined;
      // Usage stored before a restart is flushed even if no request comes again.
      if (this.outbox.waiting > 0 || this.billing.waiting > 0)
        this.scheduleAlarm(Date.now() + USAGE_FLUSH_DELAY_MS);
    });
  }

  /** An admin change: the newer record wins, so limits apply at once. */
  async configure(record: RelayKeyRecord): Promise<void> {
    this.adopt(record);
  }

  /**
   * May this request start? The caller sends only the version of the key it holds (a warm gate
   * has the record already); the whole record when the gate asks for it.
   */
  async admit(key: RelayKeyRecord | KeyStamp, request: AdmitRequest): Promise<AdmitResult> {
    if ("limits" in key) this.adopt(key);
    const current = this.record;
    if (!current || current.updatedAt < key.updatedAt) return { admitted: false, needRecord: true };
    if (!this.seeded) await this.seedSpend(current.id);
    let now = Date.now();
    this.roll(current, now);
    if (current.ownerDisabled) {
      const denial: Denial = {
        kind: "authentication",
        code: "owner_disabled",
        message: "API key's owner is disabled",
      };
      return { admitted: false, denial };
    }
    const denial = this.refusal(current, request, now);
    if (denial) {
      if (denial.kind === "quota") this.announceQuota(current, denial);
      return { admitted: false, denial };
    }
    if (!request.counted) return { admitted: true, lease: null };

    let lease: Lease | null = null;
    const limit = current.limits.concurrencyLimit;
    if (limit > 0 && (this.leases.size >= limit || this.leases.queued > 0)) {
      const queueBound = Math.max(limit * 2, 5);
      const queueMs = current.limits.concurrencyQueueSeconds * 1000;
      if (this.leases.queued >= queueBound) return { admitted: false, denial: concurrencyDenial(limit) };
      // Without a queue, a full key still waits a moment: a request's lease is freed by its
      // settle, which runs just after its response, so a client that sends its next request on
      // the heels of the last one would otherwise be refused for a slot it no longer holds.
      lease = await this.leases.wait(Math.max(queueMs, SETTLE_GRACE_MS));
      if (!lease) return { admitted: false, denial: concurrencyDenial(limit, queueMs > 0) };
      // Time passed while waiting: the window or a quota may have filled meanwhile.
      now = Date.now();
      this.roll(current, now);
      const late = this.refusal(current, request, now);
      if (late) {
        this.leases.release(lease.id);
        return { admitted: false, denial: late };
      }
    }
    lease ??= this.leases.take(now);

    this.window ??= { start: now, requests: 0, tokens: 0, costMicroUsd: 0 };
    this.window.requests += 1;
    let activatedAt: string | undefined;
    if (current.expiry.mode === "activation" && !current.expiry.activatedAt) {
      activatedAt = new Date(now).toISOString();
      this.record = { ...current, expiry: { ...current.expiry, activatedAt } };
    }
    this.changed();
    this.ensureAlarm();
    return { admitted: true, lease, activatedAt, windowStart: this.window.start };
  }

  async renew(leaseId: string): Promise<Lease | null> {
    const lease = this.leases.renew(leaseId, Date.now());
    if (lease) this.changed();
    return lease;
  }

  /**
   * Ends a request: frees its lease and counts its tokens and cost, once per request id. Answers
   * only when its usage record is durable here (the Worker retries a settle that got no answer).
   */
  async settle(settlement: Settlement): Promise<void> {
    const { record } = settlement;
    if (settlement.leaseId) this.leases.release(settlement.leaseId);
    // A retried settle: its usage was taken already. This instance remembers what it took;
    // for requests older than the instance, the outbox's stored request ids decide.
    if (this.recentIds.has(record.requestId)) return;
    // (A minute of margin: the Worker's clock is not this object's.)
    if (record.startedAt < this.bootedAt + 60_000 && this.outbox.has(record.requestId)) return;
    this.recentIds.add(record.requestId);
    if (this.recentIds.size > RECENT_IDS) this.recentIds.clear();
    const now = Date.now();
    if (this.record) this.roll(this.record, now);
    const tokens = totalTokens(record.usage);
    // Limits, quotas and packs count the rated cost; the keyspace's usage keeps the real one.
    const cost = rated(
      record.costMicroUsd,
      (record.serviceRate ?? 1) * (this.record?.limits.rateMultiplier ?? 1),
    );
    const platforms = costPlatformsOf(record.platform, record.costPlatform);
    if (this.record && this.packs.length > 0) this.drawPacks(this.record, record, platforms, cost, now);
    // A request no upstream answered is no request of the key's: its admission is given back,
    // if the window it was counted in is still running (a later window never counted it).
    if (!counts(record) && this.window && this.window.start === settlement.windowStart) {
      this.window.requests = Math.max(0, this.window.requests - 1);
    }
    if (this.window) {
      this.window.tokens += tokens;
      this.window.costMicroUsd = addMicro(this.window.costMicroUsd, cost);
    }
    // Sums of exact costs, made in pico-dollars: no rounding drift over many requests.
    this.spend.dayCostMicroUsd = addMicro(this.spend.dayCostMicroUsd, cost);
    if (isClaudeFamily(record.model))
      this.spend.weekCostMicroUsd = addMicro(this.spend.weekCostMicroUsd, cost);
    this.spend.totalCostMicroUsd = addMicro(this.spend.totalCostMicroUsd, cost);
    this.spend.totalTokens += tokens;
    tallyCost(this.spend, platforms, record.model, cost);
    this.changed();
    await this.outbox.add(cost === record.costMicroUsd ? record : { ...record, ratedCostMicroUsd: cost });
    this.scheduleAlarm(Date.now() + USAGE_FLUSH_DELAY_MS);
  }

  async snapshot(): Promise<GateSnapshot> {
    const now = Date.now();
    if (this.record) this.roll(this.record, now);
    return {
      keyId: this.record?.id ?? null,
      window: this.window,
      activeLeases: this.leases.size,
      queued: this.leases.queued,
      leases: this.leases.entries().map(([id, expiresAt]) => ({ id, expiresAt })),
      spend: this.limitSpend(),
      carried: this.carried,
      unflushed: this.outbox.waiting,
      flushLagMs: this.outbox.lagMs(now),
    };
  }

  /** The key was deleted: forget its limits and counters (usage not yet flushed still is). */
  async erase(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.record = null;
    this.window = null;
    this.spend = emptySpend();
    this.carried = null;
    this.packs = [];
    this.draws = [];
    this.leases = new LeaseTable(this.leaseTtlMs);
    await this.ctx.storage.delete(STATE_KEY);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    const now = Date.now();
    if (this.leases.reclaimExpired(now) > 0) this.changed();
    await this.flush();
    const { keyspace } = services(this.env);
    // Billing events are made from the flushed records in the flush's confirming step, then handed on.
    const ownerId = this.record?.ownerId ?? null;
    const billed = this.outbox.waiting > 0 && (await this.billing.wanted(now));
    const nextFlush = await this.outbox.flush(keyspace.usage, this.offsetHours, now, (records) => {
      if (billed) this.billing.capture(records, ownerId, now);
    });
    if (nextFlush !== undefined) this.scheduleAlarm(nextFlush);
    const nextHandOff = await this.billing.handOff(Date.now());
    if (nextHandOff !== undefined) this.scheduleAlarm(nextHandOff);
    this.ensureAlarm();
  }

  /**
   * Takes the spend an import carried over (the original service's counters for the key's limits).
   * Once per import: the same `importId` again changes nothing, and another one replaces the
   * carried part (never adds to it), so re-running an import cannot count the original's spend twice.
   */
  async carrySpend(seed: CarriedSpend): Promise<void> {
    if (this.carried?.importId === seed.importId) return;
    this.carried = {
      importId: seed.importId,
      dayStart: Date.parse(seed.dayStart),
      dayCostMicroUsd: seed.dayCostMicroUsd,
      weekStart: Date.parse(seed.weekStart),
      weekCostMicroUsd: seed.weekCostMicroUsd,
      totalCostMicroUsd: seed.totalCostMicroUsd,
    };
    this.changed();
  }

  /**
   * Adds a booster pack (an admin's grant or a redeemed quota card). Once per pack id: a retried
   * grant (a card's redemption retried after a lost answer) adds nothing.
   */
  async grantPack(pack: BoosterPack): Promise<PackState> {
    if (!this.packs.some((p) => p.id === pack.id)) {
      this.packs = prunePacks([...this.packs, { ...pack, usedMicroUsd: 0 }], Date.now());
      this.changed();
      await this.flush();
    }
    return this.packState();
  }

  async packState(): Promise<PackState> {
    return {
      packs: this.packs,
      draws: this.draws,
      leftMicroUsd: packsLeft(this.packs, Date.now()),
    };
  }

  /** The limits' refusal, unless it is a spent cost limit and a pack has something left. */
  private refusal(record: RelayKeyRecord, request: AdmitRequest, now: number): Denial | null {
    const denial = checkLimits(record, this.window, this.limitSpend(), request, now);
    // Every check after the first cost limit is a cost limit too: a pack lifts them all at once.
    if (denial && isCostQuota(denial) && packsLeft(this.packs, now) > 0) return null;
    return denial;
  }

  /** The part of a settled request's cost beyond the key's limits is taken from its packs. */
  private drawPacks(
    record: RelayKeyRecord,
    settled: SettledUsage,
    platforms: CostPlatform[],
    cost: number,
    now: number,
  ): void {
    const over = overLimitPart(record, this.limitSpend(), settled.model, platforms, cost);
    if (!(over > 0)) return;
    const draws = drawFromPacks(this.packs, over, settled.requestId, now);
    if (draws.length === 0) return;
    this.draws = [...draws.reverse(), ...this.draws].slice(0, MAX_DRAWS);
  }

  /** What the limits are checked against: the gate's own counters plus what was carried over. */
  private limitSpend(): Spend {
    return withCarried(this.spend, this.carried);
  }

  /** The first refusal for a quota in its period queues a webhook event; later ones are silent. */
  private announceQuota(record: RelayKeyRecord, denial: Denial): void {
    const { mark, event } = quotaReached(record, denial);
    if (this.quotaAnnounced.has(mark)) return;
    if (this.quotaAnnounced.size > 50) this.quotaAnnounced.clear();
    this.quotaAnnounced.add(mark);
    // The Notifier dedupes by the same mark, so a restarted gate does not announce it twice.
    void notify(this.env, { event, dedupeKey: `quota:${record.id}:${mark}`, dedupeSeconds: 8 * 86_400 });
  }

  private adopt(record: RelayKeyRecord): void {
    if (!this.record || record.updatedAt > this.record.updatedAt) {
      // The admin's record is the source of truth, but an activation recorded here stands.
      const activatedAt =
        this.record?.expiry.mode === "activation" ? this.record.expiry.activatedAt : undefined;
      this.record =
        activatedAt && record.expiry.mode === "activation" && !record.expiry.activatedAt
          ? { ...record, expiry: { ...record.expiry, activatedAt } }
          : record;
      if (record.carriedSpend) void this.carrySpend(record.carriedSpend);
      this.changed();
    }
  }

  /**
   * The first time this gate sees its key, it takes the key's spend so far from the keyspace
   * (usage recorded before the gate existed: imported from CRS, or from a lost gate), so cost
   * quotas count it. Once per gate; a keyspace failure leaves it for the next request.
   */
  private seedSpend(keyId: string): Promise<void> {
    this.seeding ??= (async () => {
      try {
        const { keyspace, config } = services(this.env);
        const now = Date.now();
        const today = periodStamps(now, config.TIMEZONE_OFFSET_HOURS).daily;
        const [total, day] = await Promise.all([
          keyspace.getUsage("key", keyId, { kind: "total" }),
          keyspace.getUsage("key", keyId, { kind: "daily", stamp: today }),
        ]);
        // What is read is today's: the day's counters start today (a fresh gate's day is the
        // epoch's, which the next roll would otherwise take as over, zeroing what is seeded).
        if (this.spend.dayStart !== dayStart(now, this.offsetHours)) {
          this.spend.dayStart = dayStart(now, this.offsetHours);
          this.spend.dayCostMicroUsd = 0;
          for (const tally of Object.values(this.spend.platforms ?? {})) tally.dayCostMicroUsd = 0;
          for (const tally of this.spend.models ?? []) tally.dayCostMicroUsd = 0;
        }
        // Only what the gate has not counted itself: it counts from its first request on. The
        // keyspace's figures include what an import carried over (its usage buckets): that part
        // is counted as carried, not twice.
        if (this.spend.totalCostMicroUsd === 0 && this.spend.totalTokens === 0) {
          const carried = this.carried;
          const carriedToday =
            carried && carried.dayStart === dayStart(now, this.offsetHours) ? carried.dayCostMicroUsd : 0;
          this.spend.totalCostMicroUsd = Math.max(0, total.costMicroUsd - (carried?.totalCostMicroUsd ?? 0));
          this.spend.totalTokens =
            total.inputTokens + total.outputTokens + total.cacheCreateTokens + total.cacheReadTokens;
          this.spend.dayCostMicroUsd = Math.max(0, day.costMicroUsd - carriedToday);
        }
        // Model caps count what each model cost before this gate too (its usage per key and model).
        if ((this.spend.models ?? []).length === 0) {
          const before = await this.modelSpendSoFar(keyId, today);
          // Settles that came in meanwhile are not in the keyspace yet: both count.
          this.spend.models ??= [];
          const models = this.spend.models;
          for (const seeded of before) {
            const here = models.find((m) => m.model === seeded.model);
            if (!here) models.push(seeded);
            else {
              here.dayCostMicroUsd = addMicro(here.dayCostMicroUsd, seeded.dayCostMicroUsd);
              here.totalCostMicroUsd = addMicro(here.totalCostMicroUsd, seeded.totalCostMicroUsd);
            }
          }
        }
        this.seeded = true;
        this.changed();
      } catch {
        // The keyspace is down: try again with the next request.
      } finally {
        this.seeding = undefined;
      }
    })();
    return this.seeding;
  }

  /** The key's cost per model from the keyspace's key × model usage, today's and all time's. */
  private async modelSpendSoFar(keyId: string, today: string): Promise<ModelTally[]> {
    const { keyspace } = services(this.env);
    const models = (await keyspace.usage.modelsOfKey(keyId)).slice(0, MAX_MODEL_TALLIES);
    const counters = await keyspace.usage.read(
      models.flatMap((model) => [
        { owner: "key-model" as const, ownerId: `${keyId}|${model}`, period: { kind: "total" as const } },
        {
          owner: "key-model" as const,
          ownerId: `${keyId}|${model}`,
          period: { kind: "daily" as const, stamp: today },
        },
      ]),
    );
    return models.flatMap((model, i) => {
      const total = counters[2 * i]?.costMicroUsd ?? 0;
      const day = counters[2 * i + 1]?.costMicroUsd ?? 0;
      return total > 0 || day > 0 ? [{ model, dayCostMicroUsd: day, totalCostMicroUsd: total }] : [];
    });
  }

  /** Moves the window and the day/week counters forward to `now`, and reclaims dead leases. */
  private roll(record: RelayKeyRecord, now: number): void {
    this.window = currentWindow(this.window, record.limits.rateLimitWindowMinutes, now);
    this.spend = currentSpend(this.spend, record, this.offsetHours, now);
    if (this.leases.reclaimExpired(now) > 0) this.changed();
  }

  private changed(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  private async flush(): Promise<void> {
    const state: StoredState = {
      v: 1,
      record: this.record,
      window: this.window,
      spend: this.spend,
      leases: this.leases.entries(),
      seeded: this.seeded,
      carried: this.carried,
      packs: this.packs,
      draws: this.draws,
    };
    await this.ctx.storage.put(STATE_KEY, state, { allowUnconfirmed: true });
  }

  /** One alarm at the earliest lease expiry, set only when none is pending (not per request). */
  private ensureAlarm(): void {
    if (this.alarmAt !== undefined) return;
    const earliest = this.leases.earliestExpiry();
    if (earliest !== undefined) this.scheduleAlarm(earliest);
  }

  /** Moves the one alarm earlier if `at` comes first; a later time waits for the next alarm. */
  private scheduleAlarm(at: number): void {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }
}

/** How long a request waits for a slot of a full key that has no wait queue configured. */
const SETTLE_GRACE_MS = 1_000;

function concurrencyDenial(limit: number, timedOut = false): Denial {
  return {
    kind: "rate_limit",
    code: timedOut ? "concurrency_queue_timeout" : "concurrency_limit_exceeded",
    message: timedOut
      ? `Timed out waiting for a free slot: at most ${limit} concurrent requests`
      : `Too many concurrent requests: limit ${limit}`,
    retryAfterSeconds: 1,
  };
}
