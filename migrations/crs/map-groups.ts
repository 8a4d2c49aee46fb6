// One account group of the original (`account_group:{id}` hash + `account_group_members:{id}` set,
// its accountGroupService) → our AccountGroupRecord, members inside. Members are kept when this
// import brings the account over and it is of the group's platform (the original counts Claude
// Console accounts as Claude, as we do). A field the hash does not carry keeps the value of the
// group already here; only a group new here takes the original's default for it. (Members are
// always the source's: the original's Redis drops an empty set, so no set means no members.)
import {
  type AccountGroupRecord,
  accountGroupRecordSchema,
} from "../../worker/keyspace/records/account-groups.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { PLATFORMS } from "../../worker/keyspace/records/common.ts";
import { describeIssue, isoTime, type Mapped, unmappedFields } from "./fields.ts";
import type { Fields } from "./source.ts";

const EPOCH = "1970-01-01T00:00:00.000Z";
const HANDLED = new Set(["id", "name", "platform", "description", "createdAt", "updatedAt"]);
const LABELS: Record<string, string> = {
  proxy: "group proxy: Workers cannot use one",
  proxyPriority: "group proxy priority",
};

/** `here`: the group as this relay holds it, when it does; what the hash lacks keeps its value. */
export function mapGroup(
  id: string,
  f: Fields,
  members: readonly string[],
  accounts: ReadonlyMap<string, Pick<AccountRecord, "platform">>,
  here: AccountGroupRecord | null = null,
): Mapped<AccountGroupRecord> {
  if (Object.keys(f).length === 0) return { ok: false, reason: "corrupt: empty group record" };
  const platform = f.platform?.trim() ?? "";
  if (!(PLATFORMS as readonly string[]).includes(platform))
    return { ok: false, reason: `corrupt: platform ${JSON.stringify(platform)} is not one we serve` };
  const notMapped = unmappedFields(f, HANDLED, { labels: LABELS });
  const notes: string[] = [];
  const kept: string[] = [];
  for (const member of [...new Set(members)].sort()) {
    const account = accounts.get(member);
    if (!account) notMapped.push("members (an account not imported: left out)");
    else if (account.platform !== platform)
      notMapped.push("members (an account of another platform: left out)");
    else kept.push(member);
  }
  if (members.length > 0 && kept.length === 0)
    notes.push("no member was imported: keys bound to this group are refused until it has members");
  const createdAt = isoTime(f.createdAt) ?? here?.createdAt;
  if (!createdAt) notMapped.push("createdAt (missing or unreadable)");
  const checked = accountGroupRecordSchema.safeParse({
    v: 1,
    id,
    name: ((f.name ?? "").trim() || here?.name || `Imported group ${id.slice(0, 8)}`).slice(0, 200),
    platform,
    description: (f.description ?? here?.description ?? "").slice(0, 2000),
    memberIds: kept,
    createdAt: createdAt ?? EPOCH,
    updatedAt: isoTime(f.updatedAt) ?? here?.updatedAt ?? createdAt ?? EPOCH,
  });
  if (!checked.success)
    return { ok: false, reason: `does not fit our schema: ${describeIssue(checked.error.issues)}` };
  return { ok: true, value: checked.data, notMapped, notes };
}
