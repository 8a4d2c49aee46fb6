// Relay keys: plan (map each, keep what only this relay knows — our hash once the key was used
// here, an activation that started here, the owner's state when the source has no users, a
// binding the source does not decide, every setting the source's record lacks — and compare) and apply (record, id index and hash index
// in one transaction each).
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "../../worker/keyspace/keys.ts";
import {
  type AccountGroupRecord,
  accountGroupRecordSchema,
} from "../../worker/keyspace/records/account-groups.ts";
import { type RelayKeyRecord, relayKeyRecordSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import { mgetChunked } from "../framework.ts";
import { Corrupt } from "./fields.ts";
import {
  carriedSpendOf,
  type KeyContext,
  type MappedKey,
  mapRelayKey,
  type SpendKeys,
  spendKeysOf,
} from "./map-keys.ts";
import { type Change, canonical, hashFields, parseJson, recordChanges, tally } from "./plan.ts";
import type { FamilyReport, FieldChange } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedKey {
  record: RelayKeyRecord;
  /** Written to the compatibility index while the key still has the original's hash only. */
  crsHash: string | null;
  change: Change;
}

/** Every account group here, by id. */
export async function groupsHere(target: Redis): Promise<Map<string, AccountGroupRecord>> {
  const ids = (await target.smembers(keys.accountGroupIndex())).map(String);
  const raw = await mgetChunked(target, ids.map(keys.accountGroup));
  const out = new Map<string, AccountGroupRecord>();
  for (const text of raw) {
    const parsed = accountGroupRecordSchema.safeParse(parseJson(text ?? null));
    if (parsed.success) out.set(parsed.data.id, parsed.data);
  }
  return out;
}

/**
 * A binding the source does not decide stays as it is here: a key must not fall to the shared
 * pool because an export lacks its binding field or the account it names.
 */
function keepUndecidedBindings(
  record: RelayKeyRecord,
  existing: RelayKeyRecord,
  undecided: MappedKey["bindingsUndecided"],
  notes: string[],
): RelayKeyRecord {
  const bound = { ...record.boundAccounts };
  for (const { platform, why } of undecided) {
    const here = existing.boundAccounts[platform];
    if (!here || bound[platform]) continue;
    bound[platform] = here;
    if (why === "unresolved")
      notes.push(
        `kept its ${platform} binding here (${here}): the source binds it to an account or group that is neither in the source nor here`,
      );
  }
  return { ...record, boundAccounts: bound };
}

/** When and in which zone the original's current day and week are read (CRS's default UTC+8). */
export interface SpendClock {
  now?: number;
  timezoneOffsetHours?: number;
}

/**
 * The spend the original counted against the key's daily, weekly and total limits, for its gate
 * to count from (record.carriedSpend). A source without those counters keeps the one here; a new
 * import of other numbers names them anew and moves `updatedAt`, so a gate already running takes
 * the record (and so the new numbers) with the key's next request.
 */
async function withCarriedSpend(
  record: RelayKeyRecord,
  existing: RelayKeyRecord | null,
  values: { daily: string | null; total: string | null; weekly: (string | null)[] },
  clock: Required<SpendClock>,
): Promise<RelayKeyRecord> {
  const carried = await carriedSpendOf(values, record.limits, clock.now, clock.timezoneOffsetHours);
  const carriedSpend = carried ?? existing?.carriedSpend;
  if (!carriedSpend) return record;
  const renamed = carriedSpend.importId !== existing?.carriedSpend?.importId;
  const updatedAt = renamed
    ? new Date(Math.max(clock.now, Date.parse(record.updatedAt))).toISOString()
    : record.updatedAt;
  return { ...record, carriedSpend, updatedAt };
}

export async function planKeys(
  options: { source: SourceReader; target: Redis } & SpendClock,
  scanned: Scanned,
  ctx: KeyContext & { report: FamilyReport },
): Promise<PlannedKey[]> {
  const clock = {
    now: options.now ?? Date.now(),
    timezoneOffsetHours: options.timezoneOffsetHours ?? 8,
  };
  const { report } = ctx;
  const fields = await options.source.hashes(scanned.relayKeys.map((k) => k.key));
  const ids = scanned.relayKeys.map((k) => k.c.id);
  const existingRaw = await mgetChunked(options.target, ids.map(keys.relayKey));
  const indexed = new Set(await options.target.smembers(keys.relayKeyIndex()));
  const legacy = hashFields(await options.target.hgetall(keys.legacyKeyByHash()));
  const planned: PlannedKey[] = [];
  report.found = scanned.relayKeys.length;
  const mappedKeys = await Promise.all(
    scanned.relayKeys.map(async ({ c }, i) => {
      const previous = relayKeyRecordSchema.safeParse(parseJson(existingRaw[i] ?? null));
      const existing = previous.success ? previous.data : null;
      // What the source's record lacks keeps its value here (map-keys.ts).
      return { existing, mapped: await mapRelayKey(c.id, fields[i] ?? {}, ctx, existing) };
    }),
  );
  // The original's spend counters of each key, read in one batch.
  const spendKeys: (SpendKeys | null)[] = mappedKeys.map(({ mapped }) =>
    mapped.ok
      ? spendKeysOf(mapped.value.record.id, mapped.value.record.limits, clock.now, clock.timezoneOffsetHours)
      : null,
  );
  const spendValues = await options.source.strings(
    spendKeys.flatMap((k) => (k ? [k.daily, k.total, ...k.weekly] : [])),
  );
  let read = 0;
  const take = () => spendValues[read++] ?? null;
  for (const [i, { key, c }] of scanned.relayKeys.entries()) {
    const { existing, mapped } = mappedKeys[i] ?? { existing: null, mapped: null };
    if (!mapped) continue;
    if (!mapped.ok) {
      report.skipped.push({ id: key, reason: mapped.reason });
      continue;
    }
    const values = { daily: take(), total: take(), weekly: [take(), take(), take()] };
    let record: RelayKeyRecord;
    try {
      record = await withCarriedSpend(mapped.value.record, existing, values, clock);
    } catch (error) {
      if (!(error instanceof Corrupt)) throw error;
      mapped.notMapped.push(`spend counters (${error.message})`);
      record = mapped.value.record;
    }
    let crsHash: string | null = mapped.value.crsHash;
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
      record = keepUndecidedBindings(record, existing, mapped.value.bindingsUndecided, mapped.notes);
      const started = existing.expiry.mode === "activation" ? existing.expiry.activatedAt : undefined;
      if (started && record.expiry.mode === "activation" && !record.expiry.activatedAt)
        record = { ...record, expiry: { ...record.expiry, activatedAt: started } };
      // Changed here and changed back (a user disabled and enabled): only the time moved.
      if (canonical({ ...existing, updatedAt: "" }) === canonical({ ...record, updatedAt: "" }))
        record = { ...record, updatedAt: existing.updatedAt };
    }
    const isIndexed = indexed.has(record.id);
    const legacyListed = crsHash === null || legacy.get(crsHash) === record.id;
    const same = existing !== null && canonical(existing) === canonical(record) && isIndexed && legacyListed;
    const change: Change = !existing ? "created" : same ? "unchanged" : "updated";
    const changes: FieldChange[] = recordChanges(c.id, existing, record, isIndexed);
    if (existing && !legacyListed)
      changes.push({ id: c.id, field: "(original's hash index)", before: "not listed", after: "listed" });
    tally(report, c.id, change, mapped, changes);
    planned.push({ record, crsHash, change });
  }
  return planned;
}

export async function applyKeys(target: Redis, planned: readonly PlannedKey[]): Promise<void> {
  for (const { record, crsHash, change } of planned) {
    if (change === "unchanged") continue;
    const tx = target.multi();
    tx.set(keys.relayKey(record.id), JSON.stringify(record));
    tx.sadd(keys.relayKeyIndex(), record.id);
    if (crsHash) tx.hset(keys.legacyKeyByHash(), { [crsHash]: record.id });
    else tx.hset(keys.relayKeyByHash(), { [record.hash]: record.id });
    await tx.exec();
  }
}
