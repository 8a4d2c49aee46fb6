// Step 3: choose the upstream account. For now: active, schedulable accounts of the platform by
// priority (ties rotate), from an isolate cache; the AccountPool Durable Object replaces this.
import type { Services } from "../env.ts";
import { unseal } from "../keyspace/crypto.ts";
import type { AccountRecord, Platform } from "../keyspace/records.ts";

const ACCOUNT_CACHE_MS = 5_000;
let cachedAccounts: { records: AccountRecord[]; expiresAt: number } | undefined;
const credentialCache = new Map<string, { updatedAt: string; credentials: unknown }>();
let rotation = 0;

export function forgetCachedAccounts(): void {
  cachedAccounts = undefined;
}

async function allAccounts(services: Services): Promise<AccountRecord[]> {
  const now = Date.now();
  if (!cachedAccounts || cachedAccounts.expiresAt <= now) {
    cachedAccounts = { records: await services.keyspace.listAccounts(), expiresAt: now + ACCOUNT_CACHE_MS };
  }
  return cachedAccounts.records;
}

/** Usable accounts in the order to try them: priority ascending, rotating among equals. */
export async function candidateAccounts(services: Services, platform: Platform): Promise<AccountRecord[]> {
  const usable = (await allAccounts(services)).filter(
    (a) => a.platform === platform && a.isActive && a.schedulable,
  );
  rotation = (rotation + 1) % 1_000_000;
  const turn = rotation;
  return usable
    .map((account, i) => ({ account, tieBreak: (i + turn) % usable.length }))
    .sort((a, b) => a.account.priority - b.account.priority || a.tieBreak - b.tieBreak)
    .map((entry) => entry.account);
}

export async function accountCredentials(services: Services, account: AccountRecord): Promise<unknown> {
  const cached = credentialCache.get(account.id);
  if (cached && cached.updatedAt === account.updatedAt) return cached.credentials;
  const credentials: unknown = JSON.parse(await unseal(await services.sealingKeys, account.credentials));
  credentialCache.set(account.id, { updatedAt: account.updatedAt, credentials });
  return credentials;
}
