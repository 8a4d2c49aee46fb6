// Upstream accounts: plan (map each, seal its credentials with our key, compare with what is
// here) and apply (record and id index in one transaction each).
import type { Redis } from "@upstash/redis/cloudflare";
import { type SealingKey, seal, unseal } from "../../worker/keyspace/crypto.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import {
  type AccountProxy,
  type AccountRecord,
  accountRecordSchema,
} from "../../worker/keyspace/records/accounts.ts";
import { sealProxy } from "../../worker/proxy/sealed.ts";
import { mgetChunked } from "../framework.ts";
import { CrsCipher } from "./crs-crypto.ts";
import { describeIssue } from "./fields.ts";
import { type AccountSettings, type Credentials, mapAccount } from "./map-accounts.ts";
import { type Change, canonical, changeOf, parseJson, recordChanges, tally } from "./plan.ts";
import type { CrsImportReport } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { Fields, SourceReader } from "./source.ts";

export interface PlannedAccount {
  record: AccountRecord;
  change: Change;
}

async function sealedFor(
  sealing: SealingKey,
  existing: AccountRecord | null,
  credentials: Credentials,
): Promise<{ envelope: string; keptFresher: boolean }> {
  const plaintext = JSON.stringify(credentials);
  if (existing) {
    try {
      const current = await unseal([sealing], existing.credentials);
      if (current === plaintext) return { envelope: existing.credentials, keptFresher: false };
      // This relay refreshed the OAuth tokens since an earlier import: keep its fresher ones.
      const mine = JSON.parse(current) as { expiresAt?: unknown };
      if (
        "accessToken" in credentials &&
        typeof mine.expiresAt === "number" &&
        mine.expiresAt > credentials.expiresAt
      )
        return { envelope: existing.credentials, keptFresher: true };
    } catch {
      // sealed with another key, or unreadable: replaced below
    }
  }
  return { envelope: await seal(sealing, plaintext), keptFresher: false };
}

/**
 * The account's proxy sealed with our key: the envelope already here when it holds the same URL
 * (importing twice changes nothing); with none in the source, the one set here is kept.
 */
export async function sealedProxyFor(
  sealing: SealingKey,
  existing: Pick<AccountRecord, "proxy"> | null,
  url: string | undefined,
): Promise<AccountProxy | undefined> {
  if (url === undefined) return existing?.proxy;
  if (existing?.proxy) {
    try {
      if ((await unseal([sealing], existing.proxy.sealed)) === url) return existing.proxy;
    } catch {
      // sealed with another key: sealed anew below
    }
  }
  return sealProxy(sealing, url);
}

/** Each account's fields as strings, as its hash holds them; a JSON-stored record is flattened (null: unreadable). */
async function accountFields(
  source: SourceReader,
  accounts: Scanned["accounts"],
): Promise<(Fields | null)[]> {
  const isJson = (a: Scanned["accounts"][number]) => a.c.family.stored === "json";
  const hashes = await source.hashes(accounts.filter((a) => !isJson(a)).map((a) => a.key));
  const strings = await source.strings(accounts.filter(isJson).map((a) => a.key));
  let h = 0;
  let j = 0;
  return accounts.map((a) => {
    if (!isJson(a)) return hashes[h++] ?? {};
    const record = parseJson(strings[j++]);
    if (!record) return null;
    const flat: Fields = {};
    for (const [field, value] of Object.entries(record))
      if (value !== null && value !== undefined)
        flat[field] = typeof value === "string" ? value : JSON.stringify(value);
    return flat;
  });
}

/** The settings the source does not carry, taken from the record here (a source lacking a field changes nothing). */
function keepMissing(
  settings: AccountSettings,
  existing: AccountRecord,
  missing: readonly (keyof AccountSettings)[],
): AccountSettings {
  const kept: Record<string, unknown> = { ...settings };
  for (const field of missing) kept[field] = existing[field];
  return kept as AccountSettings;
}

export async function planAccounts(
  options: { source: SourceReader; target: Redis; crsEncryptionKey: string },
  scanned: Scanned,
  sealing: SealingKey,
  report: CrsImportReport["accounts"],
): Promise<PlannedAccount[]> {
  const cipher = new CrsCipher(options.crsEncryptionKey);
  const fields = await accountFields(options.source, scanned.accounts);
  const ids = scanned.accounts.map((a) => a.c.id);
  const existingRaw = await mgetChunked(options.target, ids.map(keys.account));
  const indexed = new Set(await options.target.smembers(keys.accountIndex()));
  const planned: PlannedAccount[] = [];
  report.found = scanned.accounts.length;
  for (const [i, { c }] of scanned.accounts.entries()) {
    const stored = fields[i];
    if (!stored) {
      report.skipped.push({ id: `${c.family.prefix}${c.id}`, reason: "corrupt: not a JSON object" });
      continue;
    }
    const mapped = mapAccount(c.family, c.id, stored, cipher);
    if (!mapped.ok) {
      report.skipped.push({ id: `${c.family.prefix}${c.id}`, reason: mapped.reason });
      continue;
    }
    const previous = accountRecordSchema.safeParse(parseJson(existingRaw[i] ?? null));
    const existing = previous.success ? previous.data : null;
    const { envelope, keptFresher } = await sealedFor(sealing, existing, mapped.value.credentials);
    const { missing } = mapped.value;
    let settings = mapped.value.settings;
    if (existing) {
      settings = keepMissing(settings, existing, missing);
      if (mapped.value.baseUrlIsOurs) settings = { ...settings, baseUrl: existing.baseUrl };
    } else if (missing.includes("shared") && settings.shared)
      mapped.notes.push(
        "the source carries no account type: imported shared (the original's default), so it serves every unbound key; make it dedicated here if it was",
      );
    const proxy = await sealedProxyFor(sealing, existing, mapped.value.proxyUrl);
    const checked = accountRecordSchema.safeParse({
      ...settings,
      credentials: envelope,
      ...(proxy ? { proxy } : {}),
    });
    if (!checked.success) {
      report.skipped.push({
        id: `${c.family.prefix}${c.id}`,
        reason: `does not fit our schema: ${describeIssue(checked.error.issues)}`,
      });
      continue;
    }
    let record = checked.data;
    // Changed here and changed back, or only what is ours changed: only the time moved.
    if (existing && canonical({ ...existing, updatedAt: "" }) === canonical({ ...record, updatedAt: "" }))
      record = { ...record, updatedAt: existing.updatedAt };
    const isIndexed = indexed.has(record.id);
    const change = changeOf(existing, record, isIndexed);
    tally(report, c.id, change, mapped, recordChanges(c.id, existing, record, isIndexed));
    report.byType[record.type] = (report.byType[record.type] ?? 0) + 1;
    if (keptFresher)
      report.notes.push(`${c.id}: kept the OAuth tokens this relay refreshed since an earlier import`);
    planned.push({ record, change });
  }
  return planned;
}

export async function applyAccounts(target: Redis, planned: readonly PlannedAccount[]): Promise<void> {
  for (const { record, change } of planned) {
    if (change === "unchanged") continue;
    const tx = target.multi();
    tx.set(keys.account(record.id), JSON.stringify(record));
    tx.sadd(keys.accountIndex(), record.id);
    await tx.exec();
  }
}

/** Every account here, by id (what keys may stay bound to when the source does not carry it). */
export async function accountsHere(target: Redis): Promise<Map<string, AccountRecord>> {
  const ids = (await target.smembers(keys.accountIndex())).map(String);
  const raw = await mgetChunked(target, ids.map(keys.account));
  const out = new Map<string, AccountRecord>();
  for (const text of raw) {
    const parsed = accountRecordSchema.safeParse(parseJson(text ?? null));
    if (parsed.success) out.set(parsed.data.id, parsed.data);
  }
  return out;
}
