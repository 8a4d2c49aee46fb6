// Step 3: the AccountPool Durable Object of the platform picks the upstream account and takes
// its concurrency lease (one RPC); the lease is released with the upstream's verdict, which a
// failing-over request hands to the pool in its next pick (still one RPC per attempt).
import type {
  AccountReport,
  AcquireRequest,
  ParkedNow,
  Settlement,
} from "../../durable-objects/account-pool/index.ts";
import type { Env, Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { unseal } from "../keyspace/crypto.ts";
import type { AccountRecord, PoolName } from "../keyspace/records/accounts.ts";
import type { AccountOutcome } from "../providers/provider.ts";
import { ReportOutbox, windowsWorthReporting } from "./pool-reports.ts";

const credentialCache = new Map<string, { updatedAt: string; credentials: unknown }>();
/** The newest list of parked accounts each pool sent this isolate (every pick brings one). */
const parkedByPool = new Map<PoolName, { at: number; until: Map<string, number> }>();

function learnParked(platform: PoolName, parked: ParkedNow): void {
  const known = parkedByPool.get(platform);
  if (!known || known.at <= parked.at)
    parkedByPool.set(platform, {
      at: parked.at,
      until: new Map(parked.accounts.map((a) => [a.id, a.until])),
    });
}

export function poolOf(env: Env, services: Services, platform: PoolName) {
  const id = env.ACCOUNT_POOL.idFromName(platform);
  const hint = services.config.POOL_LOCATION_HINT;
  return hint ? env.ACCOUNT_POOL.get(id, { locationHint: hint }) : env.ACCOUNT_POOL.get(id);
}

export type { Settlement };

export interface Acquired {
  account: AccountRecord;
  /** Tells the pool the upstream's verdict in a call of its own (once the answer is known). */
  release(outcome: AccountOutcome): Promise<void>;
  /**
   * The verdict for the request's next `acquireAccount` to carry instead: the pool applies it
   * before that pick. Counts as the release.
   */
  handOver(outcome: AccountOutcome): Settlement;
  /** Returns an account that was never used (the key's gate refused the request): no verdict. */
  giveBack(): Promise<void>;
  /**
   * Tells the pool what this account served (its daily cost quota), batched with this isolate's
   * other readings; only for an account with a quota. Resolves once sent or carried by a pick.
   */
  reportCost(costMicroUsd: number): Promise<void>;
  /** Renews the account's credentials (single-flight in the pool); the fresh record, or null. */
  refreshCredentials(): Promise<AccountRecord | null>;
  /**
   * Whether a later pick in this isolate said the pool has parked the account since it was
   * picked: a request still before its upstream call then goes elsewhere. No round trip.
   */
  parkedSincePicked(): boolean;
}

export async function acquireAccount(
  env: Env,
  services: Services,
  platform: PoolName,
  request: AcquireRequest,
  settle?: Settlement,
): Promise<Acquired> {
  const pool = poolOf(env, services, platform);
  const outbox = outboxOf(env, services, platform);
  const result = await pool.acquire(platform, request, settle, outbox.take());
  learnParked(platform, result.parked);
  if (!result.ok) {
    const retryAfter = { "retry-after": String(result.retryAfterSeconds) };
    if (result.reason === "empty-group") {
      throw new RelayError("unavailable", `The key's ${platform} account group has no accounts`, {
        code: "group_empty",
        headers: retryAfter,
      });
    }
    if (result.reason === "client-only") {
      throw new RelayError(
        "unavailable",
        `No ${platform} account may serve this client: the subscription (OAuth) accounts that serve this model are for Claude Code only, and no API-key account can take the request (an operator may allow other clients on an OAuth account)`,
        { code: "subscription_client_only", headers: retryAfter },
      );
    }
    if (result.reason === "no-accounts") {
      throw new RelayError("unavailable", `No ${platform} accounts are configured`, { headers: retryAfter });
    }
    throw new RelayError(
      "unavailable",
      `No available ${platform} accounts: all are rate-limited or unavailable`,
      {
        code: "accounts_unavailable",
        headers: retryAfter,
      },
    );
  }
  let released = false;
  const settlement = (outcome: AccountOutcome): Settlement => ({
    leaseId: result.lease?.id ?? null,
    accountId: result.account.id,
    outcome,
    sessionHash: request.sessionHash,
  });
  return {
    account: result.account,
    async release(outcome) {
      if (released) return;
      released = true;
      // The happy path on an account without a concurrency limit needs no call at all; its usage
      // windows, when they moved, go with this isolate's next batch of readings.
      if (!result.lease && outcome.kind === "ok" && !result.reportOk) {
        const { windows } = outcome;
        if (windows && windowsWorthReporting(result.account.id, windows))
          await outbox.add({ accountId: result.account.id, windows, at: windows.at });
        return;
      }
      await settleAlone(pool, settlement(outcome));
    },
    handOver(outcome) {
      released = true;
      return settlement(outcome);
    },
    async giveBack() {
      if (released) return;
      released = true;
      if (result.lease) await pool.release(result.lease.id, result.account.id, { kind: "client-error" });
    },
    async reportCost(costMicroUsd) {
      const counted = result.account.dailyCostLimitUsd > 0 || result.account.balanceUsd !== null;
      if (!counted || costMicroUsd <= 0) return;
      await outbox.add({ accountId: result.account.id, costMicroUsd, at: Date.now() });
    },
    async refreshCredentials() {
      const refreshed = await pool.refreshCredentials(result.account.id);
      return refreshed.ok ? refreshed.account : null;
    },
    parkedSincePicked() {
      return (parkedByPool.get(platform)?.until.get(result.account.id) ?? 0) > Date.now();
    },
  };
}

const outboxes = new Map<PoolName, ReportOutbox>();

function outboxOf(env: Env, services: Services, platform: PoolName): ReportOutbox {
  let outbox = outboxes.get(platform);
  if (!outbox) {
    outbox = new ReportOutbox((reports: AccountReport[]) => poolOf(env, services, platform).report(reports));
    outboxes.set(platform, outbox);
  }
  return outbox;
}

/** Delivers a verdict that no next pick carried (the request stopped failing over). */
export function settle(env: Env, services: Services, platform: PoolName, settlement: Settlement) {
  return settleAlone(poolOf(env, services, platform), settlement);
}

function settleAlone(pool: ReturnType<typeof poolOf>, s: Settlement): Promise<void> {
  return pool.release(s.leaseId, s.accountId, s.outcome, s.sessionHash);
}

/** Tells every isolate-independent holder of account state that an admin changed accounts. */
export async function accountsChanged(
  env: Env,
  services: Services,
  platform: PoolName,
  resetAccountId?: string,
) {
  await poolOf(env, services, platform).refresh(resetAccountId, platform);
}

export async function accountCredentials(services: Services, account: AccountRecord): Promise<unknown> {
  const cached = credentialCache.get(account.id);
  if (cached && cached.updatedAt === account.updatedAt) return cached.credentials;
  const credentials: unknown = JSON.parse(await unseal(await services.sealingKeys, account.credentials));
  credentialCache.set(account.id, { updatedAt: account.updatedAt, credentials });
  return credentials;
}
