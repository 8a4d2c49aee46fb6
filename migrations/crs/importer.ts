// Moving in from Claude Relay Service: reads the original's Redis directly (every key, by its
// TYPE), maps each family onto our records (map-*.ts), validates every record with our zod
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
import { connectRedis, USAGE_FIELDS } from "../../worker/keyspace/store.ts";
import { legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import { mgetChunked } from "../framework.ts";
import { type Classified, classify } from "./classify.ts";
import { CrsCipher } from "./crs-crypto.ts";
import { describeIssue } from "./fields.ts";
import { type Credentials, mapAccount } from "./map-accounts.ts";
import { type CrsUser, mapRelayKey } from "./map-keys.ts";
import { type Bucket, type CostValue, planUsage, type UsageHash } from "./map-usage.ts";
import {
  type CrsImportReport,
  countNotMapped,
  emptyFamily,
  type FamilyReport,
  type ReportedFamily,
} from "./report.ts";
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
}

type Typed<K extends Classified["kind"]> = { key: string; c: Extract<Classified, { kind: K }> };

interface Scanned {
  total: number;
  relayKeys: Typed<"relayKey">[];
  accounts: Typed<"account">[];
  groups: Typed<"group">[];
  groupMembers: Typed<"groupMembers">[];
  users: Typed<"user">[];
  webhooks: Typed<"webhook">[];
  usage: Typed<"usage">[];
  costs: Typed<"cost">[];
  index: number;
  reported: Map<string, { family: string; reason: string; count: number }>;
  unexpected: CrsImportReport["unexpectedTypes"];
}

/** SCAN every key, classify it by name, and check its TYPE against what its name says. */
async function scanSource(source: SourceReader): Promise<Scanned> {
  const seen = new Set<string>();
  for await (const batch of source.scan()) for (const key of batch) seen.add(key);
  const all = [...seen].sort();
  const out: Scanned = {
    total: all.length,
    relayKeys: [],
    accounts: [],
    groups: [],
    groupMembers: [],
    users: [],
    webhooks: [],
    usage: [],
    costs: [],
    index: 0,
    reported: new Map(),
    unexpected: [],
  };
  const typed: { key: string; c: Classified & { expect: string } }[] = [];
  for (const key of all) {
    const c = classify(key);
    if (c.kind === "index") out.index++;
    else if (c.kind === "report") {
      const id = `${c.family}\u0000${c.reason}`;
      const entry = out.reported.get(id) ?? { family: c.family, reason: c.reason, count: 0 };
      entry.count++;
      out.reported.set(id, entry);
    } else typed.push({ key, c });
  }
  const types = await source.types(typed.map((t) => t.key));
  for (const [i, { key, c }] of typed.entries()) {
    const type = types[i] ?? "none";
    if (type === "none") continue; // expired between SCAN and TYPE
    if (type !== c.expect) {
      out.unexpected.push({ key, type, expected: c.expect });
      continue;
    }
    switch (c.kind) {
      case "relayKey":
        out.relayKeys.push({ key, c });
        break;
      case "account":
        out.accounts.push({ key, c });
        break;
      case "group":
        out.groups.push({ key, c });
        break;
      case "groupMembers":
        out.groupMembers.push({ key, c });
        break;
      case "user":
        out.users.push({ key, c });
        break;
      case "webhook":
        out.webhooks.push({ key, c });
        break;
      case "usage":
        out.usage.push({ key, c });
        break;
      case "cost":
        out.costs.push({ key, c });
        break;
    }
  }
  return out;
}

function parseJson(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** JSON with sorted object keys: two records are equal when their canonical forms are. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function hashFields(raw: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), String(raw[i + 1]));
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) fields.set(field, String(value));
  }
  return fields;
}

type Change = "created" | "updated" | "unchanged";

function count(report: FamilyReport, change: Change): void {
  report.writes[change]++;
}

// ---- users, groups, webhooks: read and reported ------------------------------------------

async function readUsers(source: SourceReader, scanned: Scanned, reported: ReportedFamily[]) {
  const users = new Map<string, CrsUser>();
  const raws = await source.strings(scanned.users.map((u) => u.key));
  const items: string[] = [];
  let unreadable = 0;
  for (const [i, { c }] of scanned.users.entries()) {
    const user = parseJson(raws[i] ?? null);
    if (!user) {
      unreadable++;
      continue;
    }
    const username = typeof user.username === "string" ? user.username : "";
    const isActive = user.isActive !== false && user.isActive !== "false";
    users.set(c.id, { id: c.id, username, isActive });
    const role = typeof user.role === "string" ? user.role : "user";
    items.push(`${username || c.id} (${role}${isActive ? "" : ", disabled"}) ${c.id}`);
  }
  if (scanned.users.length > 0)
    reported.push({
      family: "users (user:*)",
      count: scanned.users.length,
      reason: `not imported: no user accounts here yet; their keys keep the owner id (ownerId)${
        unreadable > 0 ? `; ${unreadable} unreadable` : ""
      }`,
      items,
    });
  return users;
}

async function reportGroups(source: SourceReader, scanned: Scanned, reported: ReportedFamily[]) {
  if (scanned.groups.length === 0) return;
  const [groups, members] = await Promise.all([
    source.hashes(scanned.groups.map((g) => g.key)),
    source.sets(scanned.groupMembers.map((m) => m.key)),
  ]);
  const memberCount = new Map(scanned.groupMembers.map((m, i) => [m.c.id, members[i]?.length ?? 0]));
  reported.push({
    family: "account groups (account_group:*)",
    count: scanned.groups.length,
    reason: "not imported: no account groups here yet (keys bound to a group are reported with the keys)",
    items: scanned.groups.map(({ c }, i) => {
      const g = groups[i] ?? {};
      return `${g.name || c.id} [${g.platform || "?"}] ${c.id}: ${memberCount.get(c.id) ?? 0} members`;
    }),
  });
}

async function reportWebhooks(source: SourceReader, scanned: Scanned, reported: ReportedFamily[]) {
  if (scanned.webhooks.length === 0) return;
  const raws = await source.strings(scanned.webhooks.map((w) => w.key));
  reported.push({
    family: "webhook config (webhook_config:*)",
    count: scanned.webhooks.length,
    reason: "not imported: webhooks are not supported here yet",
    items: scanned.webhooks.map(({ c }, i) => {
      const config = parseJson(raws[i] ?? null);
      if (!config) return `${c.id}: unreadable`;
      const platforms = Array.isArray(config.platforms) ? config.platforms : [];
      const types = platforms.map((p) => (p && typeof p === "object" && "type" in p ? String(p.type) : "?"));
      return `${c.id}: ${config.enabled ? "enabled" : "disabled"}, ${platforms.length} platform(s)${
        types.length > 0 ? ` (${types.join(", ")})` : ""
      }`;
    }),
  });
}

// ---- accounts -----------------------------------------------------------------------------

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

async function planAccounts(
  options: CrsImportOptions,
  scanned: Scanned,
  sealing: SealingKey,
  report: CrsImportReport["accounts"],
): Promise<PlannedAccount[]> {
  const cipher = new CrsCipher(options.crsEncryptionKey);
  const fields = await options.source.hashes(scanned.accounts.map((a) => a.key));
  const ids = scanned.accounts.map((a) => a.c.id);
  const existingRaw = await mgetChunked(options.target, ids.map(keys.account));
  const indexed = new Set(await options.target.smembers(keys.accountIndex()));
  const planned: PlannedAccount[] = [];
  report.found = scanned.accounts.length;
  for (const [i, { c }] of scanned.accounts.entries()) {
    const mapped = mapAccount(c.family, c.id, fields[i] ?? {}, cipher);
    if (!mapped.ok) {
      report.skipped.push({ id: `${c.family.prefix}${c.id}`, reason: mapped.reason });
      continue;
    }
    const previous = accountRecordSchema.safeParse(parseJson(existingRaw[i] ?? null));
    const existing = previous.success ? previous.data : null;
    const { envelope, keptFresher } = await sealedFor(sealing, existing, mapped.value.credentials);
    const checked = accountRecordSchema.safeParse({ ...mapped.value.settings, credentials: envelope });
    if (!checked.success) {
      report.skipped.push({
        id: `${c.family.prefix}${c.id}`,
        reason: `does not fit our schema: ${describeIssue(checked.error.issues)}`,
      });
      continue;
    }
    const record = checked.data;
    const change: Change = !existing
      ? "created"
      : canonical(existing) === canonical(record) && indexed.has(record.id)
        ? "unchanged"
        : "updated";
    report.imported++;
    report.byType[record.type] = (report.byType[record.type] ?? 0) + 1;
    count(report, change);
    countNotMapped(report, mapped.notMapped);
    for (const note of mapped.notes) report.notes.push(`${c.id}: ${note}`);
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
  users: ReadonlyMap<string, CrsUser>,
  accounts: readonly PlannedAccount[],
  report: FamilyReport,
): Promise<PlannedKey[]> {
  const fields = await options.source.hashes(scanned.relayKeys.map((k) => k.key));
  const ids = scanned.relayKeys.map((k) => k.c.id);
  const existingRaw = await mgetChunked(options.target, ids.map(keys.relayKey));
  const indexed = new Set(await options.target.smembers(keys.relayKeyIndex()));
  const legacy = hashFields(await options.target.hgetall(keys.legacyKeyByHash()));
  const ctx = {
    accounts: new Map(accounts.map((a) => [a.record.id, a.record])),
    users,
  };
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
      const started = existing.expiry.mode === "activation" ? existing.expiry.activatedAt : undefined;
      if (started && record.expiry.mode === "activation" && !record.expiry.activatedAt)
        record = { ...record, expiry: { ...record.expiry, activatedAt: started } };
    }
    const same =
      existing !== null &&
      canonical(existing) === canonical(record) &&
      indexed.has(record.id) &&
      (crsHash === null || legacy.get(crsHash) === record.id);
    const change: Change = !existing ? "created" : same ? "unchanged" : "updated";
    report.imported++;
    count(report, change);
    countNotMapped(report, mapped.notMapped);
    for (const note of mapped.notes) report.notes.push(`${c.id}: ${note}`);
    planned.push({ record, crsHash, change });
  }
  return planned;
}

// ---- usage --------------------------------------------------------------------------------

interface PlannedBucket {
  bucket: Bucket;
  key: string;
  change: Change;
}

async function planUsageWrites(
  options: CrsImportOptions,
  scanned: Scanned,
  imported: { keys: ReadonlySet<string>; accounts: ReadonlySet<string> },
  report: FamilyReport,
) {
  const usageKeys = scanned.usage.map((u) => u.key);
  const costKeys = scanned.costs.map((c) => c.key);
  const [hashes, hashTtls, costValues, costTtls] = await Promise.all([
    options.source.hashes(usageKeys),
    options.source.ttls(usageKeys),
    options.source.strings(costKeys),
    options.source.ttls(costKeys),
  ]);
  const usageHashes: UsageHash[] = scanned.usage.map(({ key, c }, i) => ({
    key,
    source: c.source,
    fields: hashes[i] ?? {},
    ttlMs: hashTtls[i] ?? -1,
  }));
  const costs: CostValue[] = [];
  for (const [i, { key, c }] of scanned.costs.entries()) {
    const value = costValues[i];
    if (value !== null && value !== undefined)
      costs.push({ key, keyId: c.keyId, period: c.period, value, ttlMs: costTtls[i] ?? -1 });
  }
  const plan = planUsage(usageHashes, costs, imported);
  report.found = plan.found;
  report.skipped.push(...plan.skipped);
  for (const label of plan.notMapped) report.notMapped[label] = (report.notMapped[label] ?? 0) + 1;
  report.notes.push(...plan.notes);

  const planned: PlannedBucket[] = [];
  const bucketKeys = plan.buckets.map((b) => keys.usage(b.owner, b.ownerId, b.period));
  for (let i = 0; i < plan.buckets.length; i += 200) {
    const pipeline = options.target.pipeline();
    for (const key of bucketKeys.slice(i, i + 200)) pipeline.hgetall(key);
    const current: unknown[] = await pipeline.exec();
    for (const [j, raw] of current.entries()) {
      const bucket = plan.buckets[i + j];
      const key = bucketKeys[i + j];
      if (!bucket || !key) continue;
      const fields = hashFields(raw);
      const same = USAGE_FIELDS.every((f) => Number(fields.get(f) ?? 0) === bucket.counters[f]);
      const change: Change = fields.size === 0 ? "created" : same ? "unchanged" : "updated";
      count(report, change);
      planned.push({ bucket, key, change });
    }
  }
  report.imported = planned.length;
  return { planned, indexes: plan.indexes, keyModels: plan.keyModels };
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
    usage: emptyFamily(),
    reported,
    indexKeys: scanned.index,
    unexpectedTypes: scanned.unexpected,
  };

  const users = await readUsers(options.source, scanned, reported);
  await reportGroups(options.source, scanned, reported);
  await reportWebhooks(options.source, scanned, reported);
  for (const r of [...scanned.reported.values()].sort((a, b) => a.family.localeCompare(b.family)))
    reported.push({ family: r.family, count: r.count, reason: r.reason });

  const accounts = await planAccounts(options, scanned, sealing, report.accounts);
  const relayKeys = await planKeys(options, scanned, users, accounts, report.relayKeys);
  const usage = await planUsageWrites(
    options,
    scanned,
    { keys: new Set(relayKeys.map((k) => k.record.id)), accounts: new Set(accounts.map((a) => a.record.id)) },
    report.usage,
  );

  if (!options.apply) return report;
  const redis = options.target;
  // One transaction per record: a record is written whole or not at all.
  for (const { record, change } of accounts) {
    if (change === "unchanged") continue;
    const tx = redis.multi();
    tx.set(keys.account(record.id), JSON.stringify(record));
    tx.sadd(keys.accountIndex(), record.id);
    await tx.exec();
  }
  for (const { record, crsHash, change } of relayKeys) {
    if (change === "unchanged") continue;
    const tx = redis.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(record));
    tx.sadd(keys.relayKeyIndex(), record.id);
    if (crsHash) tx.hset(keys.legacyKeyByHash(), { [crsHash]: record.id });
    else tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
    await tx.exec();
  }
  const changed = usage.planned.filter((p) => p.change !== "unchanged");
  for (let i = 0; i < changed.length; i += 100) {
    const pipeline = redis.pipeline();
    for (const { bucket, key } of changed.slice(i, i + 100)) {
      pipeline.hset(key, Object.fromEntries(USAGE_FIELDS.map((f) => [f, bucket.counters[f]])));
      if (bucket.ttlSeconds) pipeline.expire(key, bucket.ttlSeconds);
    }
    await pipeline.exec();
  }
  const members: [string, string][] = [
    ...usage.indexes.map(({ owner, id }): [string, string] => [keys.usageIndex(owner), id]),
    ...usage.keyModels.map(({ keyId, model }): [string, string] => [keys.keyModelIndex(keyId), model]),
  ];
  for (let i = 0; i < members.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const [set, member] of members.slice(i, i + 500)) pipeline.sadd(set, member);
    await pipeline.exec();
  }
  return report;
}

export interface CrsImportConnection {
  /** redis://HOST:PORT[/db], rediss://…, or an Upstash REST URL (then `fromToken`). */
  from: string;
  fromToken?: string;
  crsEncryptionKey: string;
  /** Our keyspace's Upstash REST URL and token. */
  to: string;
  toToken: string;
  encryptionKey: string;
  apply: boolean;
}

/** Opens the original's Redis and our keyspace, imports, and closes the source again. */
export async function runCrsImport(options: CrsImportConnection): Promise<CrsImportReport> {
  const source = await openSource(options.from, options.fromToken);
  try {
    return await importFromCrs({
      source,
      crsEncryptionKey: options.crsEncryptionKey,
      target: connectRedis({ url: options.to, token: options.toToken }),
      targetLabel: options.to,
      encryptionKey: options.encryptionKey,
      apply: options.apply,
    });
  } finally {
    await source.close();
  }
}
