// One user of the original (`user:{id}`, a JSON string, CRS-REFERENCE §13) → our UserRecord.
//
// The original's users log in through LDAP and it stores no password at all, so an imported user
// gets a password hash that no password matches (IMPORTED_NO_PASSWORD): they cannot log in to the
// portal until an admin resets their password here. Their keys keep working meanwhile.
//
// A field the record does not carry keeps the value of the user already here; only a user new
// here takes the original's default for it.
import { keyLimitsSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { type UserRecord, userRecordSchema } from "../../worker/keyspace/records/users.ts";
import { describeIssue, isoTime, type Mapped } from "./fields.ts";
import { text } from "./plan.ts";

/** Not in our `pbkdf2-sha256$…` format: verifyPassword refuses every password against it. */
export const IMPORTED_NO_PASSWORD = "crs-import$no-password$reset-by-an-admin";

const EPOCH = "1970-01-01T00:00:00.000Z";

/** Fields the mapping reads, and what the original derives or keeps as state (not settings). */
const HANDLED = new Set([
  "id",
  "username",
  "email",
  "displayName",
  "firstName",
  "lastName",
  "role",
  "isActive",
  "createdAt",
  "updatedAt",
  "lastLoginAt",
  "deletedAt",
  "apiKeyCount",
  "totalUsage",
]);

export interface UserOptions {
  /** The original's MAX_API_KEYS_PER_USER (an environment setting, not stored per user). */
  maxKeys: number;
}

/** `here`: the user as this relay holds them, when it does; what the record lacks keeps its value. */
export function mapUser(
  id: string,
  raw: Record<string, unknown>,
  options: UserOptions,
  here: UserRecord | null = null,
): Mapped<UserRecord> {
  const notMapped: string[] = [];
  const notes: string[] = [];
  if (raw.deletedAt) return { ok: false, reason: "deleted in the original (soft-deleted)" };
  const username = text(raw, "username").trim();
  if (!username) return { ok: false, reason: "corrupt: no username" };
  if (raw.id !== undefined && raw.id !== id)
    notMapped.push("id (differs from the key name; the key name's id is used)");
  const role = text(raw, "role") || "user";
  if (role !== "user") notMapped.push(`role=${role} (users here have no admin role: imported as a user)`);
  const carried = (...fields: string[]) => fields.some((field) => raw[field] !== undefined);
  const fullName = [text(raw, "firstName"), text(raw, "lastName")].filter(Boolean).join(" ");
  const displayName =
    here && !carried("displayName", "firstName", "lastName")
      ? here.displayName
      : text(raw, "displayName") || fullName;
  const createdAt = isoTime(text(raw, "createdAt")) ?? here?.createdAt;
  if (!createdAt) notMapped.push("createdAt (missing or unreadable)");
  const lastLoginAt = isoTime(text(raw, "lastLoginAt")) ?? undefined;
  for (const field of Object.keys(raw)) if (!HANDLED.has(field)) notMapped.push(field);

  const record = {
    v: 1,
    id,
    username,
    displayName: displayName.slice(0, 200),
    email: (here && !carried("email") ? here.email : text(raw, "email")).slice(0, 320),
    role: "user",
    passwordHash: IMPORTED_NO_PASSWORD,
    // Stable across imports, so a second import compares equal.
    passwordChangedAt: createdAt ?? EPOCH,
    isActive:
      here && !carried("isActive") ? here.isActive : raw.isActive !== false && raw.isActive !== "false",
    maxKeys: options.maxKeys,
    keyLimits: keyLimitsSchema.parse({}),
    createdAt: createdAt ?? EPOCH,
    updatedAt: isoTime(text(raw, "updatedAt")) ?? here?.updatedAt ?? createdAt ?? EPOCH,
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
  const checked = userRecordSchema.safeParse(record);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    if (issue?.path[0] === "username")
      return {
        ok: false,
        reason: `user name ${JSON.stringify(username)} is not valid here (2–64 of A–Z a–z 0–9 . _ @ -)`,
      };
    return { ok: false, reason: `does not fit our schema: ${describeIssue(checked.error.issues)}` };
  }
  return { ok: true, value: checked.data, notMapped, notes };
}

/**
 * What this relay changed since an earlier import and the original does not know: a password set
 * by an admin here, the key maximum and default limits, the last login and change time. Kept over
 * the import.
 */
export function keepLocal(imported: UserRecord, existing: UserRecord | null): UserRecord {
  if (!existing) return imported;
  const latest = (...times: (string | undefined)[]) => times.filter(Boolean).sort().at(-1);
  const lastLoginAt = latest(imported.lastLoginAt, existing.lastLoginAt);
  return {
    ...imported,
    updatedAt: latest(imported.updatedAt, existing.updatedAt) ?? imported.updatedAt,
    passwordHash: existing.passwordHash,
    passwordChangedAt: existing.passwordChangedAt,
    maxKeys: existing.maxKeys,
    keyLimits: existing.keyLimits,
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
}
