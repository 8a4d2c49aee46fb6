// Moving in from Claude Relay Service: reads the original's Redis directly (every key, by its
// TYPE; or one of its JSON exports, laid out as those keys), maps each family onto our records (map-*.ts), validates every record with our zod
// schemas, compares with what the target keyspace holds, and — only with `apply` — writes.
//
// Idempotent: ids are the original's ids, records are written whole, usage with SET semantics,
// sealed credentials are reused when their plaintext is unchanged, and keys already upgraded to
// our hash (after their first use here) keep it. A corrupt record is skipped and reported; each
// record is written in one transaction, so none is ever half-written. A source that lacks a field
// (an export file: no account type, no cost, no groups) leaves our value for it alone, and the
// report lists every field a write changes, before → after.
import type { Redis } from "@upstash/redis/cloudflare";
import { importSealingKey } from "../../worker/keyspace/crypto.ts";
import { connectRedis } from "../../worker/keyspace/store.ts";
import { accountsHere, applyAccounts, planAccounts } from "./import-accounts.ts";
import { applyGroups, planGroups } from "./import-groups.ts";
import { applyKeys, groupsHere, planKeys } from "./import-keys.ts";
import { applyUsage, planUsageWrites } from "./import-usage.ts";
import { applyUsers, planUsers } from "./import-users.ts";
import { applyWebhooks, planWebhooks } from "./import-webhooks.ts";
import { type CrsImportReport, emptyFamily, type ReportedFamily } from "./report.ts";
import { scanSource } from "./scan.ts";
import { openSource, type SourceReader } from "./source.ts";

export interface CrsImportOptions {
  source: SourceReader;
  /** The original's ENCRYPTION_KEY: decrypts its credentials. */
  crsEncryptionKey: string;
  target: Redis;
  targetLabel: string;
  /** Our ENCRYPTION_KEY: seals the credentials. */
  encryptionKey: string;
  apply: boolean;
  /** The original's MAX_API_KEYS_PER_USER, given to each imported user (default 1, as there). */
  maxKeysPerUser?: number;
  /** When the original's current day and week are read (its spend counters); default now. */
  now?: number;
  /** The original's TIMEZONE_OFFSET (= our TIMEZONE_OFFSET_HOURS); default 8, as in both. */
  timezoneOffsetHours?: number;
}

// ---- the import ---------------------------------------------------------------------------

export async function importFromCrs(options: CrsImportOptions): Promise<CrsImportReport> {
  const sealing = await importSealingKey(options.encryptionKey);
  const scanned = await scanSource(options.source);
  const reported: ReportedFamily[] = [];
  const report: CrsImportReport = {
    mode: options.apply ? "apply" : "dry-run",
    source: options.source.label,
    target: options.targetLabel,
    scannedKeys: scanned.total,
    relayKeys: emptyFamily(),
    accounts: { ...emptyFamily(), byType: {} },
    groups: emptyFamily(),
    users: emptyFamily(),
    webhooks: emptyFamily(),
    usage: emptyFamily(),
    reported,
    indexKeys: scanned.index,
    unexpectedTypes: scanned.unexpected,
  };

  const { source, target } = options;
  const accounts = await planAccounts(options, scanned, sealing, report.accounts);
  const accountById = new Map(accounts.map((a) => [a.record.id, a.record]));
  const groups = await planGroups(source, scanned, target, accountById, report.groups);
  const userOptions = { maxKeys: options.maxKeysPerUser ?? 1 };
  const users = await planUsers(source, scanned, target, userOptions, report.users);
  // A key may be bound to what this import brings, or to what an earlier import brought (a JSON
  // export carries no groups and few account families).
  const relayKeys = await planKeys(options, scanned, {
    accounts: new Map([...(await accountsHere(target)), ...accountById]),
    groups: new Map([...(await groupsHere(target)), ...groups.map((g) => [g.record.id, g.record] as const)]),
    users: scanned.users.length > 0 ? new Map(users.map((u) => [u.record.id, u.record])) : null,
    report: report.relayKeys,
  });
  const webhooks = await planWebhooks(source, scanned, target, report.webhooks, reported);
  const usage = await planUsageWrites(
    options,
    scanned,
    { keys: new Set(relayKeys.map((k) => k.record.id)), accounts: new Set(accountById.keys()) },
    report.usage,
  );
  for (const r of [...scanned.reported.values()].sort((a, b) => a.family.localeCompare(b.family)))
    reported.push({ family: r.family, count: r.count, reason: r.reason });
  const fileNotes = source.notes ?? [];
  if (fileNotes.length > 0)
    reported.push({
      family: "export file",
      count: fileNotes.length,
      reason: "read from the file",
      items: [...fileNotes],
    });
  if (!options.apply) return report;

  // Referenced records first (accounts, then the groups and users keys point at), one transaction
  // per record: a record is written whole or not at all.
  await applyAccounts(target, accounts);
  await applyGroups(target, groups);
  await applyUsers(target, users);
  await applyKeys(target, relayKeys);
  await applyWebhooks(target, webhooks);
  await applyUsage(target, usage);
  return report;
}

export interface CrsImportConnection {
  /** redis://HOST:PORT[/db], rediss://…, an Upstash REST URL (then `fromToken`), or an export file. */
  from: string;
  fromToken?: string;
  crsEncryptionKey: string;
  /** Our keyspace's Upstash REST URL and token. */
  to: string;
  toToken: string;
  encryptionKey: string;
  apply: boolean;
  maxKeysPerUser?: number;
  timezoneOffsetHours?: number;
}

/** Opens the original's Redis and our keyspace, imports, and closes the source again. */
export async function runCrsImport(options: CrsImportConnection): Promise<CrsImportReport> {
  const source = await openSource(options.from, {
    token: options.fromToken,
    crsEncryptionKey: options.crsEncryptionKey,
  });
  try {
    return await importFromCrs({
      source,
      crsEncryptionKey: options.crsEncryptionKey,
      target: connectRedis({ url: options.to, token: options.toToken }),
      targetLabel: options.to,
      encryptionKey: options.encryptionKey,
      apply: options.apply,
      maxKeysPerUser: options.maxKeysPerUser,
      timezoneOffsetHours: options.timezoneOffsetHours,
    });
  } finally {
    await source.close();
  }
}
