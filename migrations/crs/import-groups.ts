// Account groups: plan and apply. Written through the keyspace's own group writes (record and
// id index in one transaction).
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "../../worker/keyspace/keys.ts";
import {
  type AccountGroupRecord,
  accountGroupRecordSchema,
} from "../../worker/keyspace/records/account-groups.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { Keyspace } from "../../worker/keyspace/store.ts";
import { mgetChunked } from "../framework.ts";
import { mapGroup } from "./map-groups.ts";
import { type Change, changeOf, parseJson, recordChanges, tally } from "./plan.ts";
import type { FamilyReport } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedGroup {
  record: AccountGroupRecord;
  change: Change;
}

export async function planGroups(
  source: SourceReader,
  scanned: Scanned,
  target: Redis,
  accounts: ReadonlyMap<string, Pick<AccountRecord, "platform">>,
  report: FamilyReport,
): Promise<PlannedGroup[]> {
  const [hashes, memberSets] = await Promise.all([
    source.hashes(scanned.groups.map((g) => g.key)),
    source.sets(scanned.groupMembers.map((m) => m.key)),
  ]);
  const membersOf = new Map(scanned.groupMembers.map((m, i) => [m.c.id, memberSets[i] ?? []]));
  const ids = scanned.groups.map((g) => g.c.id);
  const existingRaw = await mgetChunked(target, ids.map(keys.accountGroup));
  const indexed = new Set((await target.smembers(keys.accountGroupIndex())).map(String));
  const planned: PlannedGroup[] = [];
  report.found = scanned.groups.length;
  for (const [i, { key, c }] of scanned.groups.entries()) {
    const previous = accountGroupRecordSchema.safeParse(parseJson(existingRaw[i]));
    const existing = previous.success ? previous.data : null;
    // What the source's hash lacks keeps its value here (map-groups.ts).
    const mapped = mapGroup(c.id, hashes[i] ?? {}, membersOf.get(c.id) ?? [], accounts, existing);
    if (!mapped.ok) {
      report.skipped.push({ id: key, reason: mapped.reason });
      continue;
    }
    const record = mapped.value;
    const isIndexed = indexed.has(record.id);
    const change = changeOf(existing, record, isIndexed);
    tally(report, c.id, change, mapped, recordChanges(c.id, existing, record, isIndexed));
    planned.push({ record, change });
  }
  const orphans = scanned.groupMembers.filter((m) => !ids.includes(m.c.id));
  for (const m of orphans) report.notes.push(`${m.key}: members of a group that does not exist: ignored`);
  return planned;
}

export async function applyGroups(target: Redis, planned: readonly PlannedGroup[]): Promise<void> {
  const keyspace = new Keyspace(target);
  for (const { record, change } of planned)
    if (change !== "unchanged") await keyspace.putAccountGroup(record);
}
