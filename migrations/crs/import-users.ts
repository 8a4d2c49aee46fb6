// Users: plan (what would change, per user) and apply. Writes go through worker/keyspace/user-store.ts,
// the same record, name index and id index the portal itself maintains.
import type { Redis } from "@upstash/redis/cloudflare";
import { keys } from "../../worker/keyspace/keys.ts";
import { type UserRecord, userRecordSchema } from "../../worker/keyspace/records/users.ts";
import { Keyspace } from "../../worker/keyspace/store.ts";
import { nameKey } from "../../worker/keyspace/user-store.ts";
import { mgetChunked } from "../framework.ts";
import { IMPORTED_NO_PASSWORD, keepLocal, mapUser, type UserOptions } from "./map-users.ts";
import { type Change, changeOf, hashFields, parseJson, recordChanges, tally } from "./plan.ts";
import type { FamilyReport } from "./report.ts";
import type { Scanned } from "./scan.ts";
import type { SourceReader } from "./source.ts";

export interface PlannedUser {
  record: UserRecord;
  change: Change;
  /** The name index does not point at this user yet. */
  claimName: boolean;
}

export async function planUsers(
  source: SourceReader,
  scanned: Scanned,
  target: Redis,
  options: UserOptions,
  report: FamilyReport,
): Promise<PlannedUser[]> {
  const raws = await source.strings(scanned.users.map((u) => u.key));
  const ids = scanned.users.map((u) => u.c.id);
  const existingRaw = await mgetChunked(target, ids.map(keys.user));
  const indexed = new Set((await target.smembers(keys.userIndex())).map(String));
  const byName = hashFields(await target.hgetall(keys.userByName()));
  const claimed = new Map<string, string>();
  const planned: PlannedUser[] = [];
  report.found = scanned.users.length;
  for (const [i, { key, c }] of scanned.users.entries()) {
    const raw = parseJson(raws[i]);
    if (!raw) {
      report.skipped.push({ id: key, reason: "corrupt: not a JSON object" });
      continue;
    }
    const previous = userRecordSchema.safeParse(parseJson(existingRaw[i]));
    const existing = previous.success ? previous.data : null;
    // What the source's record lacks keeps its value here (map-users.ts).
    const mapped = mapUser(c.id, raw, options, existing);
    if (!mapped.ok) {
      report.skipped.push({ id: key, reason: mapped.reason });
      continue;
    }
    const name = nameKey(mapped.value.username);
    const holder = byName.get(name) ?? claimed.get(name);
    if (holder && holder !== c.id) {
      report.skipped.push({
        id: key,
        reason: `user name ${mapped.value.username} is already taken here (by user ${holder})`,
      });
      continue;
    }
    claimed.set(name, c.id);
    const record = keepLocal(mapped.value, existing);
    const claimName = byName.get(name) !== c.id;
    const change = changeOf(existing, record, indexed.has(c.id) && !claimName);
    const changes = recordChanges(c.id, existing, record, indexed.has(c.id));
    if (existing && claimName)
      changes.push({ id: c.id, field: "(name index)", before: "not listed", after: "listed" });
    tally(report, c.id, change, mapped, changes);
    planned.push({ record, change, claimName });
  }
  const locked = planned.filter((u) => u.record.passwordHash === IMPORTED_NO_PASSWORD).length;
  if (locked > 0)
    report.notes.push(
      `${locked} user(s) without a password here (the original logs them in through LDAP): an admin resets each one's password before they can log in to the portal; their keys work meanwhile`,
    );
  return planned;
}

export async function applyUsers(target: Redis, planned: readonly PlannedUser[]): Promise<void> {
  const keyspace = new Keyspace(target);
  for (const { record, change, claimName } of planned) {
    if (change === "unchanged") continue;
    // users.insert claims the name first (HSETNX) and then writes the record and its index entry.
    if (!claimName) await keyspace.users.put(record);
    else if (!(await keyspace.users.insert(record)))
      throw new Error(`user name ${record.username} was taken while importing; run the import again`);
  }
}
