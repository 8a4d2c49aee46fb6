// One relay key of the original (`apikey:{id}`, a hash of strings, CRS-REFERENCE §2) → our
// RelayKeyRecord. The key itself was never stored by the original, only
// sha256_hex(key + ENCRYPTION_KEY); that hash goes to the compatibility index, and the record's
// `hash` holds a placeholder until the key's first use upgrades it (worker/relay/legacy-key.ts).
//
// A field the record does not carry (absent from the hash: a key written by an older version of
// the original, or a partial export) keeps the value of the key already here; only a key new here
// takes the original's default for it. A field carried, even empty, is read as the original reads it.

import { dayStart, weekStart } from "../../durable-objects/key-gate/periods.ts";
import {
  type AccountGroupRecord,
  GROUP_BINDING_PREFIX,
} from "../../worker/keyspace/records/account-groups.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { CLIENT_IDS, PLATFORMS, type Platform } from "../../worker/keyspace/records/common.ts";
import {
  type CarriedSpend,
  type Expiry,
  type KeyLimits,
  keyLimitsSchema,
  type RelayKeyRecord,
  relayKeyRecordSchema,
} from "../../worker/keyspace/records/relay-keys.ts";
import { legacyPlaceholderHash } from "../../worker/relay/legacy-key.ts";
import { Corrupt, describeIssue, isoTime, type Mapped, num, stringList, unmappedFields } from "./fields.ts";
import type { Fields } from "./source.ts";

export interface CrsUser {
  id: string;
  username: string;
  isActive: boolean;
}

export interface KeyContext {
  /** Accounts this import brings over, and those already here, by id: what a key may be bound to. */
  accounts: ReadonlyMap<string, Pick<AccountRecord, "id" | "platform">>;
  /** Account groups this import brings over, and those already here, by id. */
  groups: ReadonlyMap<string, Pick<AccountGroupRecord, "id" | "platform">>;
  /**
   * Users this import brings over, by id (a key's owner must be one of them); null when the source
   * carries no users at all (a JSON export): owners are then not checked.
   */
  users: ReadonlyMap<string, CrsUser> | null;
}

export interface MappedKey {
  record: RelayKeyRecord;
  /** The original's hash of the key: the compatibility index entry. */
  crsHash: string;
  /**
   * Platforms whose binding the source does not decide: none of their binding fields is in the
   * record (`absent`), or the one there names an account or group neither imported nor here
   * (`unresolved`). A key already here keeps its binding for them, rather than fall to the
   * shared pool.
   */
  bindingsUndecided: { platform: Platform; why: "absent" | "unresolved" }[];
}

/** Shown instead of the key's first characters until its first use here. */
export const IMPORTED_PREVIEW = "cr_… (imported)";
const EPOCH = "1970-01-01T00:00:00.000Z";

const HANDLED = new Set([
  "id",
  "name",
  "description",
  "apiKey",
  "isActive",
  "isDeleted",
  "tags",
  "userId",
  "createdAt",
  "updatedAt",
  "tokenLimit",
  "concurrencyLimit",
  "rateLimitWindow",
  "rateLimitRequests",
  "rateLimitCost",
  "dailyCostLimit",
  "totalCostLimit",
  "weeklyOpusCostLimit",
  "weeklyResetDay",
  "weeklyResetHour",
  "serviceRates",
  "enableModelRestriction",
  "restrictedModels",
  "enableClientRestriction",
  "allowedClients",
  "permissions",
  "expirationMode",
  "expiresAt",
  "activationDays",
  "activationUnit",
  "isActivated",
  "activatedAt",
  "claudeAccountId",
  "claudeConsoleAccountId",
  "geminiAccountId",
  "openaiAccountId",
  "azureOpenaiAccountId",
  "bedrockAccountId",
  "droidAccountId",
  "vertexAccountId",
  "ccrAccountId",
  // state and bookkeeping, not settings
  "lastUsedAt",
  "createdBy",
  "userUsername",
  "deletedAt",
  "deletedBy",
  "deletedByType",
  "restoredAt",
  "restoredBy",
]);

const DEFAULTS: Record<string, string> = {
  enableOpenAIResponsesCodexAdaptation: "true",
};

const LABELS: Record<string, string> = {
  icon: "key icon",
  enableOpenAIResponsesCodexAdaptation: "OpenAI Responses Codex adaptation switch",
  enableOpenAIResponsesPayloadRules: "OpenAI Responses payload rules",
  openaiResponsesPayloadRules: "OpenAI Responses payload rules",
  rateLimitTokens: "legacy token window: the window limits requests and cost here",
};

/**
 * The original's per-key service rates (`serviceRates`, JSON: service → multiplier on the global
 * rate) as our one per-key multiplier: their common value; when they differ, Claude's (the
 * original's base service), else the first, with a note. Absent or empty: 1.
 */
function rateMultiplierOf(raw: string | undefined, notes: string[]): number {
  if (raw === undefined || raw.trim() === "") return 1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Corrupt("serviceRates: not JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Corrupt("serviceRates: not a JSON object");
  const rates = Object.entries(parsed).filter(
    (entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0 && entry[1] <= 1000,
  );
  if (rates.length === 0) return 1;
  const distinct = new Set(rates.map(([, rate]) => rate));
  const chosen = Object.fromEntries(rates).claude ?? rates[0]?.[1] ?? 1;
  if (distinct.size > 1)
    notes.push(
      `serviceRates differ per service (${rates.map(([s, r]) => `${s} ${r}`).join(", ")}): one multiplier here, ${chosen}`,
    );
  return chosen;
}

/** The original's permission formats: JSON list, "all", "a,b", or one name (empty = everything). */
function permissionsOf(raw: string | undefined): string[] {
  const text = raw?.trim() ?? "";
  if (text === "" || text === "all") return [];
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      throw new Corrupt(`permissions: ${JSON.stringify(text)} is not readable`);
    }
  }
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

function expiryOf(f: Fields, here: RelayKeyRecord | null, notMapped: string[]): Expiry {
  if (f.expirationMode === "activation") {
    if (f.activationDays === undefined && here?.expiry.mode === "activation")
      return { mode: "activation", days: here.expiry.days };
    const amount = num(f, "activationDays", { fallback: 30 });
    if (amount <= 0) {
      notMapped.push("activationDays (0: the original expires such a key on first use)");
      return { mode: "fixed", expiresAt: isoTime(f.createdAt) ?? EPOCH };
    }
    const days = f.activationUnit === "hours" ? amount / 24 : amount;
    const activatedAt = f.isActivated === "true" ? isoTime(f.activatedAt) : null;
    return activatedAt ? { mode: "activation", days, activatedAt } : { mode: "activation", days };
  }
  // No expiry time: the expiry here stands, unless the source switched the key to a fixed one.
  if (
    f.expiresAt === undefined &&
    here &&
    (f.expirationMode === undefined || here.expiry.mode !== "activation")
  )
    return here.expiry;
  const raw = f.expiresAt?.trim();
  if (!raw || raw === "null") return { mode: "never" };
  const expiresAt = isoTime(raw);
  if (!expiresAt) throw new Corrupt(`expiresAt: ${JSON.stringify(raw)} is not a time`);
  return { mode: "fixed", expiresAt };
}

function bindingsOf(
  f: Fields,
  ctx: KeyContext,
  notMapped: string[],
): { bound: Record<string, string>; undecided: MappedKey["bindingsUndecided"] } {
  const bound: Partial<Record<Platform, string>> = {};
  const carried = new Set<Platform>();
  const unresolved = new Set<Platform>();
  const bind = (field: string, platform: Platform, raw: string | undefined, strip?: RegExp) => {
    if (raw !== undefined) carried.add(platform);
    const value = raw?.trim();
    if (!value) return;
    let target: string;
    if (value.startsWith(GROUP_BINDING_PREFIX)) {
      const group = ctx.groups.get(value.slice(GROUP_BINDING_PREFIX.length));
      if (!group) {
        notMapped.push(`${field} (bound account group not imported)`);
        unresolved.add(platform);
        return;
      }
      if (group.platform !== platform) {
        notMapped.push(`${field} (bound to a group of another platform)`);
        return;
      }
      target = value;
    } else {
      const id = strip ? value.replace(strip, "") : value;
      const account = ctx.accounts.get(id);
      if (!account) {
        notMapped.push(`${field} (bound account not imported)`);
        unresolved.add(platform);
        return;
      }
      target = id;
    }
    if (bound[platform])
      notMapped.push(`${field} (one ${platform} binding per key here; an earlier one kept)`);
    else bound[platform] = target;
  };
  bind("claudeAccountId", "claude", f.claudeAccountId);
  bind("claudeConsoleAccountId", "claude", f.claudeConsoleAccountId);
  bind("geminiAccountId", "gemini", f.geminiAccountId, /^api:/);
  bind("openaiAccountId", "openai", f.openaiAccountId, /^responses:/);
  bind("droidAccountId", "droid", f.droidAccountId);
  // Bedrock accounts serve the Claude pool here: a binding to one is a Claude binding.
  bind("bedrockAccountId", "claude", f.bedrockAccountId);
  // So are CCR accounts (older versions of the original bound keys to them with this field).
  bind("ccrAccountId", "claude", f.ccrAccountId);
  if (f.azureOpenaiAccountId?.trim())
    notMapped.push("azureOpenaiAccountId (keys bind one account per platform here; Azure's pool is its own)");
  if (f.vertexAccountId?.trim()) notMapped.push("vertexAccountId (platform not supported yet)");
  const undecided: MappedKey["bindingsUndecided"] = [];
  for (const platform of PLATFORMS) {
    if (bound[platform]) continue;
    if (!carried.has(platform)) undecided.push({ platform, why: "absent" });
    else if (unresolved.has(platform)) undecided.push({ platform, why: "unresolved" });
  }
  return { bound, undecided };
}

/** A limit from its field; absent, the limit of the key here (new here: the original's default). */
function limitOf<K extends keyof KeyLimits>(
  f: Fields,
  here: RelayKeyRecord | null,
  limit: K,
  field: string,
  read: () => KeyLimits[K],
): KeyLimits[K] {
  return f[field] === undefined && here ? here.limits[limit] : read();
}

/**
 * What a list the original switches on with a flag says (`enableModelRestriction` +
 * `restrictedModels`): null when the record leaves it open (no flag, or the flag on and no list).
 */
function switchedList(
  flag: string | undefined,
  list: string[] | null,
  listCarried: boolean,
): string[] | null {
  if (flag === undefined) return null;
  if (flag !== "true") return [];
  return listCarried ? (list ?? []) : null;
}

/**
 * `here`: the key as this relay holds it, when it does; what the record lacks keeps its value.
 */
export async function mapRelayKey(
  id: string,
  f: Fields,
  ctx: KeyContext,
  here: RelayKeyRecord | null = null,
): Promise<Mapped<MappedKey>> {
  if (f.isDeleted === "true") return { ok: false, reason: "deleted in the original (soft-deleted)" };
  const notMapped: string[] = [];
  const notes: string[] = [];
  try {
    const crsHash = f.apiKey?.trim().toLowerCase() ?? "";
    if (!/^[0-9a-f]{64}$/.test(crsHash)) throw new Corrupt("apiKey: no sha256 key hash");
    if (f.id && f.id !== id) notMapped.push("id (differs from the key name; the key name's id is used)");

    const permissions = permissionsOf(f.permissions);
    const unknownPermissions = permissions.filter((p) => !(PLATFORMS as readonly string[]).includes(p));
    if (unknownPermissions.length > 0) {
      // Dropping a permission here would narrow a list that is meant to allow it; refuse instead
      // of guessing, unless something we know remains.
      if (unknownPermissions.length === permissions.length)
        throw new Corrupt(`permissions: only platforms we do not serve (${unknownPermissions.join(", ")})`);
      notMapped.push("permissions (a platform we do not serve)");
    }

    // An open list keeps the one here; a new key gets the original's default (no restriction).
    const listed = stringList(f, "restrictedModels") ?? [];
    const restrictedModels =
      switchedList(f.enableModelRestriction, listed, f.restrictedModels !== undefined) ??
      here?.limits.restrictedModels ??
      [];
    if (
      f.enableModelRestriction !== "true" &&
      listed.length > 0 &&
      (f.enableModelRestriction !== undefined || !here)
    )
      notes.push("restrictedModels listed with the restriction off: left off");
    const clients = switchedList(
      f.enableClientRestriction,
      stringList(f, "allowedClients"),
      f.allowedClients !== undefined,
    );
    const allowedClients = clients?.filter((c) => (CLIENT_IDS as readonly string[]).includes(c)) ?? null;
    if (clients && allowedClients && clients.length > allowedClients.length) {
      if (allowedClients.length === 0)
        throw new Corrupt(
          `allowedClients: no client we know (${clients.join(", ")}); the key would allow every client`,
        );
      notMapped.push("allowedClients (a client we do not know)");
    }

    const limit = <K extends keyof KeyLimits>(key: K, field: string, read: () => KeyLimits[K]) =>
      limitOf(f, here, key, field, read);
    const limits = keyLimitsSchema.parse({
      tokenLimit: limit("tokenLimit", "tokenLimit", () => num(f, "tokenLimit", { int: true })),
      concurrencyLimit: limit("concurrencyLimit", "concurrencyLimit", () =>
        num(f, "concurrencyLimit", { int: true }),
      ),
      // Ours alone: the original has no such setting per key.
      concurrencyQueueSeconds: here?.limits.concurrencyQueueSeconds,
      rateLimitWindowMinutes: limit("rateLimitWindowMinutes", "rateLimitWindow", () =>
        num(f, "rateLimitWindow", { int: true }),
      ),
      rateLimitRequests: limit("rateLimitRequests", "rateLimitRequests", () =>
        num(f, "rateLimitRequests", { int: true }),
      ),
      rateLimitCost: limit("rateLimitCost", "rateLimitCost", () => num(f, "rateLimitCost")),
      dailyCostLimit: limit("dailyCostLimit", "dailyCostLimit", () => num(f, "dailyCostLimit")),
      totalCostLimit: limit("totalCostLimit", "totalCostLimit", () => num(f, "totalCostLimit")),
      weeklyCostLimit: limit("weeklyCostLimit", "weeklyOpusCostLimit", () => num(f, "weeklyOpusCostLimit")),
      weeklyResetDay: limit("weeklyResetDay", "weeklyResetDay", () =>
        num(f, "weeklyResetDay", { int: true, fallback: 1, min: 1, max: 7 }),
      ),
      weeklyResetHour: limit("weeklyResetHour", "weeklyResetHour", () =>
        num(f, "weeklyResetHour", { int: true, fallback: 0, min: 0, max: 23 }),
      ),
      restrictedModels,
      allowedClients: allowedClients ?? here?.limits.allowedClients ?? [],
      permissions: limit("permissions", "permissions", () =>
        permissions.filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p)),
      ),
      rateMultiplier: limit("rateMultiplier", "serviceRates", () => rateMultiplierOf(f.serviceRates, notes)),
    });

    let tags: string[] = here?.tags ?? [];
    try {
      if (f.tags !== undefined) tags = stringList(f, "tags") ?? [];
    } catch {
      notMapped.push("tags (unreadable)");
    }

    let isActive = f.isActive === undefined && here ? here.isActive : f.isActive === "true";
    const ownerCarried = f.userId !== undefined;
    const ownerId = ownerCarried ? f.userId?.trim() || undefined : here?.ownerId;
    const owner = ownerId ? ctx.users?.get(ownerId) : undefined;
    const ownerName = owner?.username || f.userUsername?.trim() || ownerId;
    // The original refuses a key whose owner is disabled or gone ("User account is disabled").
    const ownerDisabled = owner ? !owner.isActive : !ownerCarried && here?.ownerDisabled === true;
    if (ownerCarried && ownerId && ctx.users && !owner && isActive) {
      isActive = false;
      notes.push(`owner ${ownerName} is not imported: key imported disabled, as the original refuses it`);
    }
    if (owner && ownerDisabled && isActive)
      notes.push(`owner ${ownerName} is disabled: the key is refused until the user is enabled here`);

    const createdAt = isoTime(f.createdAt) ?? here?.createdAt;
    if (!createdAt) notMapped.push("createdAt (missing or unreadable)");
    const updatedAt = isoTime(f.updatedAt) ?? here?.updatedAt ?? createdAt ?? EPOCH;
    const bindings = bindingsOf(f, ctx, notMapped);
    // An empty name is no name: the one here stays, a new key gets one.
    const name = (f.name ?? "").trim() || here?.name || `Imported key ${id.slice(0, 8)}`;
    if (name.length > 200) notMapped.push("name (cut to 200 characters)");
    const description = f.description ?? here?.description ?? "";
    if (description.length > 2000) notMapped.push("description (cut to 2000 characters)");

    const record: RelayKeyRecord = {
      v: 1,
      id,
      name: name.slice(0, 200),
      description: description.slice(0, 2000),
      hash: await legacyPlaceholderHash(crsHash),
      preview: IMPORTED_PREVIEW,
      isActive,
      tags,
      ownerId,
      ...(ownerDisabled ? { ownerDisabled: true } : {}),
      createdAt: createdAt ?? EPOCH,
      updatedAt,
      expiry: expiryOf(f, here, notMapped),
      limits,
      boundAccounts: bindings.bound,
    };
    notMapped.push(...unmappedFields(f, HANDLED, { defaults: DEFAULTS, labels: LABELS }));
    const checked = relayKeyRecordSchema.safeParse(record);
    if (!checked.success)
      return { ok: false, reason: `does not fit our schema: ${describeIssue(checked.error.issues)}` };
    return {
      ok: true,
      value: { record: checked.data, crsHash, bindingsUndecided: bindings.undecided },
      notMapped,
      notes,
    };
  } catch (error) {
    if (error instanceof Corrupt) return { ok: false, reason: `corrupt: ${error.message}` };
    throw error;
  }
}

// ---- spend the original counted against the key's limits ----------------------------------
//
//   usage:cost:daily:{id}:{YYYY-MM-DD}                 → today's cost (rated USD) for the daily cap
//   usage:cost:total:{id}                              → the total cap's
//   usage:claude:weekly:{id}:{YYYY-MM-DDTHH}           → the weekly Claude-family cap's: the week
//   usage:opus:weekly:{id}:{YYYY-MM-DDTHH}               starting at the key's reset day and hour
//   usage:opus:weekly:{id}:{YYYY-Www}                    (newer versions), its older name, or the
//                                                        ISO week (versions without a reset day)
// Days and weeks in the original's TIMEZONE_OFFSET, which must equal our TIMEZONE_OFFSET_HOURS.

export interface SpendKeys {
  daily: string;
  total: string;
  /** In the order they are read: the first one present is the week's spend. */
  weekly: string[];
}

const HOUR_MS = 3_600_000;
const localIso = (at: number, offsetHours: number) => new Date(at + offsetHours * HOUR_MS).toISOString();

/** The original's ISO week stamp (getWeekStringInTimezone): the year is the local date's. */
function isoWeekStamp(now: number, offsetHours: number): string {
  const local = new Date(now + offsetHours * HOUR_MS);
  const day = local.getUTCDay() || 7;
  const thursday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  const week = Math.ceil(((thursday - yearStart) / 86_400_000 + 1) / 7);
  return `${local.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Where the original keeps the key's spend for the current day and week. */
export function spendKeysOf(id: string, limits: KeyLimits, now: number, offsetHours: number): SpendKeys {
  const week = weekStart(now, offsetHours, limits.weeklyResetDay, limits.weeklyResetHour);
  const period = localIso(week, offsetHours).slice(0, 13);
  return {
    daily: `usage:cost:daily:${id}:${localIso(now, offsetHours).slice(0, 10)}`,
    total: `usage:cost:total:${id}`,
    weekly: [
      `usage:claude:weekly:${id}:${period}`,
      `usage:opus:weekly:${id}:${period}`,
      `usage:opus:weekly:${id}:${isoWeekStamp(now, offsetHours)}`,
    ],
  };
}

/** USD as the original writes it (a float string) → µUSD, kept to the pico-dollar. */
function microOf(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw.trim() === "") return null;
  const usd = Number(raw);
  if (!Number.isFinite(usd) || usd < 0)
    throw new Corrupt(`spend counter: ${JSON.stringify(raw)} is not a cost`);
  return Math.round(usd * 1e12) / 1e6;
}

/**
 * The spend to carry over to the key's gate, from the values at `spendKeysOf`'s keys (null: the key
 * is absent). Null when the source holds none of them: the carried spend here, if any, stays.
 */
export async function carriedSpendOf(
  values: { daily: string | null; total: string | null; weekly: (string | null)[] },
  limits: KeyLimits,
  now: number,
  offsetHours: number,
): Promise<CarriedSpend | null> {
  const day = microOf(values.daily);
  const total = microOf(values.total);
  const week = microOf(values.weekly.find((v) => v !== null && v !== undefined));
  if (day === null && total === null && week === null) return null;
  const spend = {
    dayStart: new Date(dayStart(now, offsetHours)).toISOString(),
    dayCostMicroUsd: day ?? 0,
    weekStart: new Date(
      weekStart(now, offsetHours, limits.weeklyResetDay, limits.weeklyResetHour),
    ).toISOString(),
    weekCostMicroUsd: week ?? 0,
    totalCostMicroUsd: total ?? 0,
  };
  // Named by its values: importing the same numbers again gives the same id (the gate ignores it).
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(spend)));
  const importId = `crs:${[...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  return { importId, ...spend };
}
