// One relay key of the original (`apikey:{id}`, a hash of strings, CRS-REFERENCE §2) → our
// RelayKeyRecord. The key itself was never stored by the original, only
// sha256_hex(key + ENCRYPTION_KEY); that hash goes to the compatibility index, and the record's
// `hash` holds a placeholder until the key's first use upgrades it (worker/relay/legacy-key.ts).
import {
  type AccountGroupRecord,
  type AccountRecord,
  CLIENT_IDS,
  type Expiry,
  GROUP_BINDING_PREFIX,
  keyLimitsSchema,
  PLATFORMS,
  type Platform,
  type RelayKeyRecord,
  relayKeyRecordSchema,
} from "../../worker/keyspace/records.ts";
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
  serviceRates: "per-key cost multipliers: not supported yet",
  enableOpenAIResponsesCodexAdaptation: "OpenAI Responses Codex adaptation switch",
  enableOpenAIResponsesPayloadRules: "OpenAI Responses payload rules",
  openaiResponsesPayloadRules: "OpenAI Responses payload rules",
  rateLimitTokens: "legacy token window: the window limits requests and cost here",
};

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

function expiryOf(f: Fields, notMapped: string[]): Expiry {
  if (f.expirationMode === "activation") {
    const amount = num(f, "activationDays", { fallback: 30 });
    if (amount <= 0) {
      notMapped.push("activationDays (0: the original expires such a key on first use)");
      return { mode: "fixed", expiresAt: isoTime(f.createdAt) ?? EPOCH };
    }
    const days = f.activationUnit === "hours" ? amount / 24 : amount;
    const activatedAt = f.isActivated === "true" ? isoTime(f.activatedAt) : null;
    return activatedAt ? { mode: "activation", days, activatedAt } : { mode: "activation", days };
  }
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

export async function mapRelayKey(id: string, f: Fields, ctx: KeyContext): Promise<Mapped<MappedKey>> {
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

    const modelRestriction = f.enableModelRestriction === "true";
    const restrictedModels = stringList(f, "restrictedModels") ?? [];
    if (!modelRestriction && restrictedModels.length > 0)
      notes.push("restrictedModels listed with the restriction off: left off");
    const clientRestriction = f.enableClientRestriction === "true";
    const clients = stringList(f, "allowedClients") ?? [];
    const allowedClients = clients.filter((c) => (CLIENT_IDS as readonly string[]).includes(c));
    if (clientRestriction && clients.length > allowedClients.length) {
      if (allowedClients.length === 0)
        throw new Corrupt(
          `allowedClients: no client we know (${clients.join(", ")}); the key would allow every client`,
        );
      notMapped.push("allowedClients (a client we do not know)");
    }

    const limits = keyLimitsSchema.parse({
      tokenLimit: num(f, "tokenLimit", { int: true }),
      concurrencyLimit: num(f, "concurrencyLimit", { int: true }),
      rateLimitWindowMinutes: num(f, "rateLimitWindow", { int: true }),
      rateLimitRequests: num(f, "rateLimitRequests", { int: true }),
      rateLimitCost: num(f, "rateLimitCost"),
      dailyCostLimit: num(f, "dailyCostLimit"),
      totalCostLimit: num(f, "totalCostLimit"),
      weeklyCostLimit: num(f, "weeklyOpusCostLimit"),
      weeklyResetDay: num(f, "weeklyResetDay", { int: true, fallback: 1, min: 1, max: 7 }),
      weeklyResetHour: num(f, "weeklyResetHour", { int: true, fallback: 0, min: 0, max: 23 }),
      restrictedModels: modelRestriction ? restrictedModels : [],
      allowedClients: clientRestriction ? allowedClients : [],
      permissions: permissions.filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p)),
    });

    let tags: string[] = [];
    try {
      tags = stringList(f, "tags") ?? [];
    } catch {
      notMapped.push("tags (unreadable)");
    }

    let isActive = f.isActive === "true";
    const ownerId = f.userId?.trim() || undefined;
    const owner = ownerId ? ctx.users?.get(ownerId) : undefined;
    const ownerName = owner?.username || f.userUsername?.trim() || ownerId;
    // The original refuses a key whose owner is disabled or gone ("User account is disabled").
    const ownerDisabled = owner !== undefined && !owner.isActive;
    if (ownerId && ctx.users && !owner && isActive) {
      isActive = false;
      notes.push(`owner ${ownerName} is not imported: key imported disabled, as the original refuses it`);
    }
    if (ownerDisabled && isActive)
      notes.push(`owner ${ownerName} is disabled: the key is refused until the user is enabled here`);

    const createdAt = isoTime(f.createdAt);
    if (!createdAt) notMapped.push("createdAt (missing or unreadable)");
    const bindings = bindingsOf(f, ctx, notMapped);
    const name = (f.name ?? "").trim() || `Imported key ${id.slice(0, 8)}`;
    if (name.length > 200) notMapped.push("name (cut to 200 characters)");
    const description = f.description ?? "";
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
      updatedAt: isoTime(f.updatedAt) ?? createdAt ?? EPOCH,
      expiry: expiryOf(f, notMapped),
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
