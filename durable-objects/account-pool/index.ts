// AccountPool: one Durable Object per scheduling pool (a platform). Picking an account, taking
// its concurrency lease and keeping sticky sessions is one atomic call, so two regions never
// take the same last free slot. State lives in memory and is written in batches.
import { DurableObject } from "cloudflare:workers";
import { type Env, services } from "../../worker/env.ts";
import { log } from "../../worker/http/log.ts";
import { seal, unseal } from "../../worker/keyspace/crypto.ts";
import type { AccountGroupRecord } from "../../worker/keyspace/records/account-groups.ts";
import { type AccountRecord, type PoolName, poolNameOf } from "../../worker/keyspace/records/accounts.ts";
import { accountKind } from "../../worker/providers/account-types.ts";
import type { AccountOutcome, UsageWindows } from "../../worker/providers/provider.ts";
import { notify } from "../../worker/webhooks/notify.ts";
import {
  type AccountNaming,
  accountStatusEvent,
  familyParkEvent,
  lowBalanceEvent,
  windowThresholdEvent,
} from "../../worker/webhooks/sources.ts";
import {
  type AccountHealth,
  type AccountStatus,
  applyOutcome,
  currentHealth,
  DEFAULT_HEALTH_POLICY,
  type HealthPolicy,
  healthy,
  NEVER,
  newerWindows,
} from "./health.ts";
import { type AcquireRequest, type Candidate, choose, eligible } from "./selection.ts";
import { balanceLeft, costToday, dayOf, type StopReason, stopOf } from "./stops.ts";

export type { AcquireRequest };

export interface AccountLease {
  id: string;
  accountId: string;
  expiresAt: number;
}

/**
 * The accounts parked at the moment of an answer (until: epoch ms), sent with every pick: a
 * Worker that picked an account a moment ago learns from a later pick that it has been parked
 * since, and does not send to it (a burst that all picked one failing account before any failure).
 */
export interface ParkedNow {
  at: number;
  accounts: { id: string; until: number }[];
}

type PoolChoice =
  | {
      ok: true;
      account: AccountRecord;
      /** Only accounts with a concurrency limit hold a lease; others need no release call. */
      lease: AccountLease | null;
      /** Whether a plain success must still be reported (to clear recent errors). */
      reportOk: boolean;
      via: "bound" | "sticky" | "pool";
    }
  | {
      ok: false;
      /** `client-only`: only subscription accounts serve the model, and not this client. */
      reason: "no-accounts" | "all-parked" | "empty-group" | "client-only";
      retryAfterSeconds: number;
    };

export type AcquireResult = PoolChoice & { parked: ParkedNow };

/**
 * What one request's attempt on an account came to: frees its lease and records the upstream's
 * verdict. Sent alone (`release`), or at the start of the request's next `acquire` when it fails
 * over, so that this very pick, and every one after it, already knows.
 */
export interface Settlement {
  leaseId: string | null;
  accountId: string;
  outcome: AccountOutcome;
  sessionHash?: string;
}

/**
 * What the relay read off an account's answers that is no request's verdict: its newest usage
 * windows, the cost it served (for a daily cost quota). Batched by each isolate (schedule.ts).
 */
export interface AccountReport {
  accountId: string;
  windows?: UsageWindows;
  costMicroUsd?: number;
  /** When the cost was served (epoch ms): it counts toward that day. */
  at: number;
}

export type RefreshResult = { ok: true; account: AccountRecord } | { ok: false; message: string };

export interface AccountState {
  accountId: string;
  status: AccountStatus;
  until: number | null;
  activeLeases: number;
  lastUsedAt: number | null;
  /** The latest usage windows read off the account's answers (subscription accounts). */
  windows: UsageWindows | null;
  /** Model families parked on their own while the account serves the others (until: epoch ms). */
  familyParks: { family: string; until: number }[];
  /** What it has served today (TIMEZONE_OFFSET_HOURS day), USD: counted for a daily cost quota. */
  costTodayUsd: number;
  /** What is left of the balance the operator set, drawn down by what it served; null: none kept. */
  balanceLeftUsd: number | null;
  /** Why an otherwise healthy account is not scheduled, by its own options (null: it is). */
  stopped: { reason: StopReason; until: number | null } | null;
}

export type { StopReason };

interface Sticky {
  accountId: string;
  expiresAt: number;
}

interface StoredState {
  v: 1;
  health: [string, AccountHealth][];
  leases: AccountLease[];
  sticky: [string, Sticky][];
}

const STATE_KEY = "state";
const FLUSH_DELAY_MS = 1_000;
const ACCOUNTS_REFRESH_MS = 60_000;
/** The last accounts and groups loaded from the keyspace (sealed credentials, as stored there). */
const ACCOUNTS_COPY_KEY = "accounts-copy";

interface AccountsCopy {
  accounts: AccountRecord[];
  groups: AccountGroupRecord[];
}

export class AccountPool extends DurableObject<Env> {
  private platform: PoolName | undefined;
  private accounts: AccountRecord[] = [];
  /** Group id → member ids, for this platform's groups; loaded with the accounts. */
  private groups = new Map<string, Set<string>>();
  private accountsLoadedAt = 0;
  private loading: Promise<void> | undefined;
  private accountsCopyVersion: string | undefined;
  private health = new Map<string, AccountHealth>();
  private leases = new Map<string, AccountLease>();
  private sticky = new Map<string, Sticky>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private alarmAt: number | undefined;
  private readonly refreshing = new Map<string, Promise<RefreshResult>>();
  private readonly leaseTtlMs: number;
  private readonly stickyTtlMs: number;
  private readonly stickyRenewMs: number;
  private readonly policy: HealthPolicy;
  private readonly offsetHours: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.leaseTtlMs = Number(env.LEASE_TTL_SECONDS ?? 300) * 1000;
    this.stickyTtlMs = Number(env.STICKY_SESSION_TTL_HOURS ?? 1) * 3_600_000;
    this.stickyRenewMs = Number(env.STICKY_SESSION_RENEWAL_THRESHOLD_MINUTES ?? 0) * 60_000;
    this.offsetHours = Number(env.TIMEZONE_OFFSET_HOURS ?? 8);
    this.policy = {
      ...DEFAULT_HEALTH_POLICY,
      overloadMs: Number(env.CLAUDE_OVERLOAD_HANDLING_MINUTES ?? 10) * 60_000,
    };
    ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<StoredState>(STATE_KEY);
      if (stored) {
        this.health = new Map(stored.health);
        this.leases = new Map(stored.leases.map((lease) => [lease.id, lease]));
        this.sticky = new Map(stored.sticky);
      }
      this.alarmAt = (await ctx.storage.getAlarm()) ?? undefined;
    });
  }

  async acquire(
    platform: PoolName,
    request: AcquireRequest,
    settle?: Settlement,
    reports?: AccountReport[],
  ): Promise<AcquireResult> {
    if (settle) this.settle(settle);
    if (reports) this.applyReports(reports);
    await this.ensureAccounts(platform);
    return { ...this.pick(request), parked: this.parkedNow() };
  }

  private pick(request: AcquireRequest): PoolChoice {
    const now = Date.now();
    this.reclaimExpired(now);
    const stickyEntry = request.sessionHash ? this.sticky.get(request.sessionHash) : undefined;
    const stickyId = stickyEntry && stickyEntry.expiresAt > now ? stickyEntry.accountId : undefined;
    const pool = eligible(this.candidates(), request, this.groups);
    const choice = choose(pool.candidates, request, stickyId, now);
    if (!choice.candidate) {
      if (request.sessionHash && stickyId) this.sticky.delete(request.sessionHash);
      if (pool.groupId !== null && pool.candidates.length === 0)
        return { ok: false, reason: "empty-group", retryAfterSeconds: 30 };
      // Dedicated accounts alone serve no unbound key: for it, there are none.
      if (pool.candidates.length === 0) return { ok: false, reason: "no-accounts", retryAfterSeconds: 30 };
      if (choice.clientOnly) return { ok: false, reason: "client-only", retryAfterSeconds: 30 };
      const waitMs = choice.backAt !== undefined ? choice.backAt - now : 30_000;
      return { ok: false, reason: "all-parked", retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    const account = choice.candidate.record;
    let lease: AccountLease | null = null;
    if (account.concurrencyLimit > 0) {
      lease = { id: crypto.randomUUID(), accountId: account.id, expiresAt: now + this.leaseTtlMs };
      this.leases.set(lease.id, lease);
      this.ensureAlarm();
    }
    const health = this.healthOf(account.id);
    health.lastUsedAt = now;
    this.health.set(account.id, health);
    if (request.sessionHash) this.keepSticky(request.sessionHash, account.id, stickyEntry, now);
    this.changed();
    // A parked account's first success is reported too: it moves it back to active (and alerts).
    const reportOk = health.errors.length > 0 || health.status !== "active";
    return { ok: true, account, lease, reportOk, via: choice.via };
  }

  /**
   * Ends a request on an account: frees its lease (a second call for a lease is a no-op) and
   * records what the upstream said about the account.
   */
  async release(
    leaseId: string | null,
    accountId: string,
    outcome: AccountOutcome,
    sessionHash?: string,
  ): Promise<void> {
    this.settle({ leaseId, accountId, outcome, sessionHash });
  }

  /** The relay's batched readings (usage windows, cost served): no verdict, no lease. */
  async report(reports: AccountReport[]): Promise<void> {
    this.applyReports(reports);
  }

  private applyReports(reports: AccountReport[]): void {
    const now = Date.now();
    for (const report of reports) {
      const before = this.healthOf(report.accountId);
      const health = { ...before };
      const windows = newerWindows(before.windows, report.windows);
      if (windows) health.windows = windows;
      if (report.costMicroUsd) {
        const day = dayOf(report.at, this.offsetHours);
        const kept = health.cost?.day === day ? health.cost.microUsd : 0;
        // A report from yesterday arriving after midnight does not count toward today.
        if (day >= (health.cost?.day ?? "")) health.cost = { day, microUsd: kept + report.costMicroUsd };
        this.drawBalance(report, health);
      }
      this.health.set(report.accountId, health);
      this.announceStop(report.accountId, before, health, now);
      this.announceLowBalance(report.accountId, before, health);
    }
    this.changed();
  }

  /** Draws the account's balance down by a cost it served after the balance was set. */
  private drawBalance(report: AccountReport, health: AccountHealth): void {
    const account = this.accounts.find((a) => a.id === report.accountId);
    const since = account?.balanceSetAt;
    if (!account || account.balanceUsd === null || !since || report.at < Date.parse(since)) return;
    const kept = health.spent?.since === since ? health.spent.microUsd : 0;
    health.spent = { since, microUsd: kept + (report.costMicroUsd ?? 0) };
  }

  /** What is left of the balance fell below the operator's threshold with this report: one event. */
  private announceLowBalance(accountId: string, before: AccountHealth, after: AccountHealth): void {
    const account = this.accounts.find((a) => a.id === accountId);
    if (!account || account.balanceAlertUsd <= 0) return;
    const was = balanceLeft(account, before);
    const is = balanceLeft(account, after);
    if (was === null || is === null || was < account.balanceAlertUsd || is >= account.balanceAlertUsd) return;
    log("warn", "account balance low", { accountId, balanceLeftUsd: is });
    void notify(this.env, {
      event: lowBalanceEvent(this.naming(accountId), {
        balanceLeftUsd: is,
        thresholdUsd: account.balanceAlertUsd,
      }),
    });
  }

  /** The account's own 5-hour threshold was crossed by this reading: one webhook event per window. */
  private announceStop(accountId: string, before: AccountHealth, after: AccountHealth, now: number): void {
    const account = this.accounts.find((a) => a.id === accountId);
    if (!account || account.stopAt5hPercent <= 0) return;
    const was = stopOf(account, before, now, this.offsetHours)?.reason === "window";
    const is = stopOf(account, after, now, this.offsetHours);
    if (was || is?.reason !== "window") return;
    log("warn", "account stopped by its 5-hour window", { accountId, until: is.until });
    const fiveHour = after.windows?.fiveHour;
    void notify(this.env, {
      event: windowThresholdEvent(this.naming(accountId), {
        utilization: fiveHour?.utilization ?? 0,
        thresholdPercent: account.stopAt5hPercent,
        until: is.until,
      }),
    });
  }

  private settle({ leaseId, accountId, outcome, sessionHash }: Settlement): void {
    if (leaseId !== null && !this.leases.delete(leaseId)) return;
    const now = Date.now();
    const before = this.healthOf(accountId);
    const { health, changed, familyParked } = applyOutcome(before, outcome, this.policy, now);
    this.health.set(accountId, health);
    if (outcome.windows) this.announceStop(accountId, before, health, now);
    if (familyParked) {
      const until = health.familyParks?.[familyParked] ?? now;
      log("warn", "account model family parked", { accountId, family: familyParked, until });
      void notify(this.env, {
        event: familyParkEvent(this.naming(accountId), familyParked, until),
      });
    }
    if (health.status !== "active" && sessionHash && this.sticky.get(sessionHash)?.accountId === accountId) {
      this.sticky.delete(sessionHash);
    }
    if (changed) {
      log("warn", "account status changed", { accountId, status: health.status, until: health.until });
      this.announce(accountId, health, outcome.kind);
    }
    this.changed();
  }

  private parkedNow(): ParkedNow {
    const now = Date.now();
    const accounts: ParkedNow["accounts"] = [];
    for (const [id, health] of this.health)
      if (currentHealth(health, now).status !== "active") accounts.push({ id, until: health.until });
    return { at: now, accounts };
  }

  async renew(leaseId: string): Promise<boolean> {
    const lease = this.leases.get(leaseId);
    if (!lease) return false;
    lease.expiresAt = Date.now() + this.leaseTtlMs;
    this.changed();
    return true;
  }

  /**
   * An admin changed an account or a group: reload them now, and clear a manual reset's health.
   * `platform` names the pool for an object that has not scheduled since it started (it has its
   * health back from storage, not its accounts).
   */
  async refresh(resetAccountId?: string, platform?: PoolName): Promise<void> {
    this.platform ??= platform;
    if (resetAccountId) {
      // A reset clears parks and errors; the readings (windows, today's cost) stay true.
      const { lastUsedAt, windows, cost, spent } = this.healthOf(resetAccountId);
      this.health.set(resetAccountId, { ...healthy(), lastUsedAt, windows, cost, spent });
    }
    if (this.platform) await this.loadAccounts(this.platform);
    this.changed();
  }

  /**
   * Renews an account's expiring credentials. One refresh per account at a time: every caller
   * that arrives while it runs gets the same result.
   */
  async refreshCredentials(accountId: string): Promise<RefreshResult> {
    let pending = this.refreshing.get(accountId);
    if (!pending) {
      pending = this.renewCredentials(accountId).finally(() => this.refreshing.delete(accountId));
      this.refreshing.set(accountId, pending);
    }
    return pending;
  }

  private async renewCredentials(accountId: string): Promise<RefreshResult> {
    const { keyspace, config, sealingKeys } = services(this.env);
    const account = await keyspace.getAccount(accountId);
    const refresh = account ? accountKind(account.type).refresh : undefined;
    if (!account || !refresh) return { ok: false, message: "account cannot refresh its credentials" };
    const keys = await sealingKeys;
    const current: unknown = JSON.parse(await unseal(keys, account.credentials));
    // Another isolate may have refreshed it a moment ago.
    if (!refresh.due(account, current, Date.now()))
      return { ok: true, account: this.replaceAccount(account) };
    try {
      const renewed = await refresh.renew(config, account, current);
      const [sealingKey] = keys;
      if (!sealingKey) return { ok: false, message: "no encryption key" };
      const updated: AccountRecord = {
        ...account,
        credentials: await seal(sealingKey, JSON.stringify(renewed)),
        updatedAt: new Date().toISOString(),
      };
      await keyspace.putAccount(updated);
      return { ok: true, account: this.replaceAccount(updated) };
    } catch (error) {
      const { health, changed } = applyOutcome(
        this.healthOf(accountId),
        { kind: "unauthorized" },
        this.policy,
        Date.now(),
      );
      this.health.set(accountId, health);
      this.changed();
      log("warn", "credential refresh failed", { accountId, error: String(error) });
      if (changed) this.announce(accountId, health, "credential refresh failed");
      return { ok: false, message: error instanceof Error ? error.message : "refresh failed" };
    }
  }

  /** How events name an account: its id, and its name and platform where the pool knows them. */
  private naming(accountId: string): AccountNaming {
    const account = this.accounts.find((a) => a.id === accountId);
    return { accountId, accountName: account?.name, platform: account?.platform ?? this.platform };
  }

  /** Queues the account's new status for the webhooks (Notifier); never waits for delivery. */
  private announce(accountId: string, health: AccountHealth, reason: string): void {
    const event = accountStatusEvent({
      ...this.naming(accountId),
      status: health.status,
      until: health.until,
      reason,
    });
    void notify(this.env, { event });
  }

  private replaceAccount(record: AccountRecord): AccountRecord {
    this.accounts = this.accounts.map((a) => (a.id === record.id ? record : a));
    return record;
  }

  /** Every account's state; `platform` loads the accounts of an object that has not scheduled yet. */
  async status(platform?: PoolName): Promise<AccountState[]> {
    if (platform) await this.ensureAccounts(platform);
    const now = Date.now();
    this.reclaimExpired(now);
    const counts = this.leaseCounts();
    const ids = new Set([...this.accounts.map((a) => a.id), ...this.health.keys()]);
    const today = dayOf(now, this.offsetHours);
    return [...ids].map((accountId) => {
      const health = currentHealth(this.healthOf(accountId), now);
      const record = this.accounts.find((a) => a.id === accountId);
      return {
        accountId,
        status: health.status,
        // A blocked account has no time of its own to come back: an admin brings it back.
        until: health.status === "active" || health.until === NEVER ? null : health.until,
        activeLeases: counts.get(accountId) ?? 0,
        lastUsedAt: health.lastUsedAt || null,
        windows: health.windows ?? null,
        familyParks: Object.entries(health.familyParks ?? {})
          .filter(([, until]) => until > now)
          .map(([family, until]) => ({ family, until })),
        costTodayUsd: costToday(health.cost, today) / 1_000_000,
        balanceLeftUsd: record ? balanceLeft(record, health) : null,
        stopped: record ? stopOf(record, health, now, this.offsetHours) : null,
      };
    });
  }

  async stickyAccount(sessionHash: string): Promise<string | null> {
    const entry = this.sticky.get(sessionHash);
    return entry && entry.expiresAt > Date.now() ? entry.accountId : null;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    this.reclaimExpired(Date.now());
    await this.flush();
    this.ensureAlarm();
  }

  private async ensureAccounts(platform: PoolName): Promise<void> {
    const stale = Date.now() - this.accountsLoadedAt > ACCOUNTS_REFRESH_MS;
    if (this.platform === platform && !stale) return;
    this.platform = platform;
    if (this.accountsLoadedAt === 0) {
      await this.loadAccounts(platform);
    } else {
      // Stale but present: serve from memory, reload in the background.
      void this.loadAccounts(platform).catch(() => {});
    }
  }

  private loadAccounts(platform: PoolName): Promise<void> {
    const { keyspace } = services(this.env);
    const adopt = (all: AccountRecord[], groups: AccountGroupRecord[]) => {
      this.accounts = all.filter((a) => poolNameOf(a) === platform);
      this.groups = new Map(
        groups.filter((g) => g.platform === platform).map((g) => [g.id, new Set(g.memberIds)]),
      );
    };
    this.loading ??= Promise.all([keyspace.listAccounts(), keyspace.listAccountGroups()])
      .then(
        async ([all, groups]) => {
          adopt(all, groups);
          this.accountsLoadedAt = Date.now();
          await this.keepAccountsCopy(all, groups);
        },
        async (error: unknown) => {
          // The keyspace is down and this object has just started: the copy kept in its own
          // storage serves until the keyspace answers again (retried within seconds).
          if (this.accountsLoadedAt !== 0) throw error;
          const copy = await this.ctx.storage.get<AccountsCopy>(ACCOUNTS_COPY_KEY);
          if (!copy) throw error;
          adopt(copy.accounts, copy.groups);
          this.accountsLoadedAt = Date.now() - ACCOUNTS_REFRESH_MS + 5_000;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Stores the accounts for a restart during a keyspace outage, only when they changed. */
  private async keepAccountsCopy(accounts: AccountRecord[], groups: AccountGroupRecord[]): Promise<void> {
    const version = JSON.stringify([
      accounts.map((a) => [a.id, a.updatedAt]),
      groups.map((g) => [g.id, g.updatedAt, g.memberIds]),
    ]);
    if (version === this.accountsCopyVersion) return;
    this.accountsCopyVersion = version;
    const copy: AccountsCopy = { accounts, groups };
    await this.ctx.storage.put(ACCOUNTS_COPY_KEY, copy);
  }

  private candidates(): Candidate[] {
    const counts = this.leaseCounts();
    const now = Date.now();
    return this.accounts.map((record) => {
      const health = this.healthOf(record.id);
      return {
        record,
        health,
        activeLeases: counts.get(record.id) ?? 0,
        stop: stopOf(record, health, now, this.offsetHours),
      };
    });
  }

  private leaseCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const lease of this.leases.values())
      counts.set(lease.accountId, (counts.get(lease.accountId) ?? 0) + 1);
    return counts;
  }

  private healthOf(accountId: string): AccountHealth {
    return this.health.get(accountId) ?? healthy();
  }

  private keepSticky(
    sessionHash: string,
    accountId: string,
    existing: Sticky | undefined,
    now: number,
  ): void {
    const fresh = !existing || existing.accountId !== accountId || existing.expiresAt <= now;
    const renew = !fresh && this.stickyRenewMs > 0 && existing.expiresAt - now < this.stickyRenewMs;
    if (fresh || renew) this.sticky.set(sessionHash, { accountId, expiresAt: now + this.stickyTtlMs });
  }

  private reclaimExpired(now: number): void {
    let changed = false;
    for (const [id, lease] of this.leases) {
      if (lease.expiresAt <= now) {
        this.leases.delete(id);
        changed = true;
      }
    }
    if (changed) this.changed();
  }

  private changed(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  private async flush(): Promise<void> {
    const now = Date.now();
    for (const [hash, entry] of this.sticky) if (entry.expiresAt <= now) this.sticky.delete(hash);
    const state: StoredState = {
      v: 1,
      health: [...this.health],
      leases: [...this.leases.values()],
      sticky: [...this.sticky],
    };
    await this.ctx.storage.put(STATE_KEY, state, { allowUnconfirmed: true });
  }

  private ensureAlarm(): void {
    let earliest: number | undefined;
    for (const lease of this.leases.values())
      if (earliest === undefined || lease.expiresAt < earliest) earliest = lease.expiresAt;
    if (earliest === undefined || (this.alarmAt !== undefined && this.alarmAt <= earliest)) return;
    this.alarmAt = earliest;
    void this.ctx.storage.setAlarm(earliest);
  }
}
