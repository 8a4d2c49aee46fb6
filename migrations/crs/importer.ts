// Moving in from Claude Relay Service: reads the original's Redis directly (every key, by its
// TYPE; or one of its JSON exports, laid out as those keys), maps each family onto our records (map-*.ts), validates every record with our zod
// schemas, compares with what the target keyspace holds, and — only with `apply` — writes.
//
// Idempotent: ids are the original's ids, records are written whole, usage with SET semantics,
// sealed credentials are reused when their plaintext is unchanged, and keys already upgraded to
// our hash (after their first use here) keep it. A corrupt record is skipped and reported; each
// record is written in one transaction, so none is ever half-written.
import type { Redis } from "@upstash/redis/cloudflare";
import { importSealingKey, type SealingKey, seal, unseal } from "../../worker/keyspace/crypto.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import {
  type AccountRecord,
  accountRecordSchema,
  type RelayKeyRecord,
  relayKeyRecordSchema,
} from "../../worker/keyspace/records.ts";
import { connectRedis } from "../../worker/keyspace/store.ts";
import { legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import { mgetChunked } from "../framework.ts";
import { CrsCipher } from "./crs-crypto.ts";
import { describeIssue } from "./fields.ts";
import { applyGroups, planGroups } from "./import-groups.ts";
import { applyUsage, planUsageWrites } from "./import-usage.ts";
import { applyUsers, planUsers } from "./import-users.ts";
import { applyWebhooks, planWebhooks } from "./import-webhooks.ts";
import { type Credentials, mapAccount } from "./map-accounts.ts";
import { type KeyContext, mapRelayKey } from "./map-keys.ts";
import { type Change, canonical, changeOf, hashFields, parseJson, tally } from "./plan.ts";
import { type CrsImportReport, emptyFamily, type FamilyReport, type ReportedFamily } from "./report.ts";
import { type Scanned, scanSource } from "./scan.ts";
import { type Fields, openSource, type SourceReader } from "./source.ts";

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
}

// ---- accounts -----------------------------------------------------------------------------

const EPOCH = "1970-01-01T00:00:00.000Z";

interface PlannedAccount {
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

async function planAccounts(
  options: CrsImportOptions,
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
    let settings = mapped.value.settings;
    // A source without times (the admin sync export) keeps the ones an earlier import wrote.
    if (existing && settings.createdAt === EPOCH)
      settings = { ...settings, createdAt: existing.createdAt, updatedAt: existing.updatedAt };
    if (existing && mapped.value.baseUrlIsOurs) settings = { ...settings, baseUrl: existing.baseUrl };
    const checked = accountRecordSchema.safeParse({ ...settings, credentials: envelope });
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
    const change = changeOf(existing, record, indexed.has(record.id));
    tally(report, c.id, change, mapped);
    report.byType[record.type] = (report.byType[record.type] ?? 0) + 1;
    if (keptFresher)
      report.notes.push(`${c.id}: kept the OAuth tokens this relay refreshed since an earlier import`);
    planned.push({ record, change });
  }
  return planned;
}

// ---- relay keys ---------------------------------------------------------------------------

interface PlannedKey {
  record: RelayKeyRecord;
  /** Written to the compatibility index while the key still has the original's hash only. */
  crsHash: string | null;
  change: Change;
}

async function planKeys(
  options: CrsImportOptions,
  scanned: Scanned,
  ctx: KeyContext & { report: FamilyReport },
): Promise<PlannedKey[]> {
  const { report } = ctx;
  const fields = await options.source.hashes(scanned.relayKeys.map((k) => k.key));
  const ids = scanned.relayKeys.map((k) => k.c.id);
  const existingRaw = await mgetChunked(options.target, ids.map(keys.relayKey));
  const indexed = new Set(await options.target.smembers(keys.relayKeyIndex()));
  const legacy = hashFields(await options.target.hgetall(keys.legacyKeyByHash()));
  const planned: PlannedKey[] = [];
  report.found = scanned.relayKeys.length;
  for (const [i, { key, c }] of scanned.relayKeys.entries()) {
    const mapped = await mapRelayKey(c.id, fields[i] ?? {}, ctx);
    if (!mapped.ok) {
      report.skipped.push({ id: key, reason: mapped.reason });
      continue;
    }
    let record = mapped.value.record;
    let crsHash: string | null = mapped.value.crsHash;
    const previous = relayKeyRecordSchema.safeParse(parseJson(existingRaw[i] ?? null));
    const existing = previous.success ? previous.data : null;
    if (existing) {
      const placeholder = await legacyPlaceholderHash(mapped.value.crsHash);
      if (existing.hash !== placeholder) {
        // Used here since the last import: it has our hash now; keep it (and its preview).
        record = { ...record, hash: existing.hash, preview: existing.preview };
        crsHash = null;
      }
      // A source without users (a JSON export) leaves the owner's state here as it is.
      if (!ctx.users) {
        const { ownerDisabled: _drop, ...rest } = record;
        record = existing.ownerDisabled ? { ...rest, ownerDisabled: true } : rest;
      }
      const started = existing.expiry.mode === "activation" ? existing.expiry.activatedAt : undefined;
      if (started && record.expiry.mode === "activation" && !record.expiry.activatedAt)
        record = { ...record, expiry: { ...record.expiry, activatedAt: started } };
      // Changed here and changed back (a user disabled and enabled): only the time moved.
      if (canonical({ ...existing, updatedAt: "" }) === canonical({ ...record, updatedAt: "" }))
        record = { ...record, updatedAt: existing.updatedAt };
    }
    const same =
      existing !== null &&
      canonical(existing) === canonical(record) &&
      indexed.has(record.id) &&
      (crsHash === null || legacy.get(crsHash) === record.id);
    const change: Change = !existing ? "created" : same ? "unchanged" : "updated";
    tally(report, c.id, change, mapped);
    planned.push({ record, crsHash, change });
  }
  return planned;
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
  const relayKeys = await planKeys(options, scanned, {
    accounts: accountById,
    groups: new Map(groups.map((g) => [g.record.id, g.record])),
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
  for (const { record, change } of accounts) {
    if (change === "unchanged") continue;
    const tx = target.multi();
    tx.set(keys.account(record.id), JSON.stringify(record));
    tx.sadd(keys.accountIndex(), record.id);
    await tx.exec();
  }
  await applyGroups(target, groups);
  await applyUsers(target, users);
  for (const { record, crsHash, change } of relayKeys) {
    if (change === "unchanged") continue;
    const tx = target.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(record));
    tx.sadd(keys.relayKeyIndex(), record.id);
    if (crsHash) tx.hset(keys.legacyKeyByHash(), { [crsHash]: record.id });
    else tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
    await tx.exec();
  }
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
    });
  } finally {
    await source.close();
  }
}
