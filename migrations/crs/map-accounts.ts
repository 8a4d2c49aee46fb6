// One upstream account of the original (a hash of strings per platform, secrets encrypted with
// its scheme) → our AccountRecord settings and the plaintext credentials to seal with our key.
import {
  type AccountRecord,
  type AccountSettingsMap,
  type BedrockCredentials,
  bedrockCredentialsSchema,
  consoleCredentialsSchema,
  type OauthCredentials,
  oauthCredentialsSchema,
} from "../../worker/keyspace/records/accounts.ts";
import { azureSettingsSchema } from "../../worker/providers/azure/settings.ts";
import { bedrockSettingsSchema } from "../../worker/providers/bedrock/settings.ts";
import { droidSettingsSchema } from "../../worker/providers/droid/settings.ts";
import { modelMappingSetting } from "../../worker/providers/settings.ts";
import { parseProxyUrl, proxyUrl } from "../../worker/proxy/config.ts";
import type { AccountFamily } from "./classify.ts";
import { type CrsCipher, CrsDecryptError } from "./crs-crypto.ts";
import { Corrupt, epochMs, isoTime, type Mapped, num, unmappedFields } from "./fields.ts";
import type { Fields } from "./source.ts";

export type AccountSettings = Omit<AccountRecord, "credentials">;
export type Credentials = { apiKey: string } | OauthCredentials | BedrockCredentials;

export interface MappedAccount {
  settings: AccountSettings;
  credentials: Credentials;
  /**
   * The original stores no base URL for this type (it calls the official API): one set here
   * (a gateway, a regional endpoint) is ours to keep.
   */
  baseUrlIsOurs: boolean;
  /**
   * Settings the source does not carry (their fields absent, not merely empty: the admin sync
   * export has no account type, for one): an account already here keeps its own values for them,
   * a new one gets the original's defaults.
   */
  missing: (keyof AccountSettings)[];
  /** The original's proxy as a proxy URL (worker/proxy/), credentials included: sealed on import. */
  proxyUrl?: string;
}

const EPOCH = "1970-01-01T00:00:00.000Z";

const OFFICIAL_BASES: Record<string, string> = {
  "claude-console": "https://api.anthropic.com",
  "gemini-api": "https://generativelanguage.googleapis.com",
  "openai-api": "https://api.openai.com",
};

/** Runtime state of the original's accounts (health, counters, timestamps): rebuilt here. */
const STATE = new Set([
  "id",
  "platform",
  "status",
  "errorMessage",
  "createdAt",
  "updatedAt",
  "totalUsage",
  "dailyUsage",
  "lastResetDate",
  "quotaStoppedAt",
  "stoppedReason",
  "schedulingStoppedAt",
]);
const STATE_PREFIXES = [
  "last",
  "rateLimited",
  "rateLimitStatus",
  "rateLimitResetAt",
  "rateLimitEndAt",
  "rateLimitAutoStopped",
  "quotaAutoStopped",
  "autoStopped",
  "sessionWindow",
  "unauthorized",
  "overload",
  "blocked",
  "tempError",
  "fiveHour",
  "codex",
];

/** Settings whose value equals the original's default carry nothing to lose. */
const DEFAULTS: Record<string, string> = {
  rateLimitDuration: "60",
  quotaResetTime: "00:00",
  providerEndpoint: "responses",
  provider: "custom",
  oauthProvider: "gemini-cli",
  accountType: "shared",
  // CCR's default User-Agent.
  userAgent: "claude-relay-service/1.0.0",
  endpointType: "anthropic",
};

const LABELS: Record<string, string> = {
  email: "login email, not needed",
  password: "login password, not needed",
  idToken: "not needed: its account id is kept",
  planType: "ChatGPT plan: account metadata",
  emailVerified: "account metadata",
  organizationId: "account metadata",
  organizationRole: "account metadata",
  organizationTitle: "account metadata",
  userAgent: "custom User-Agent",
  quotaResetTime: "daily quota reset time: quotas reset at midnight in TIMEZONE_OFFSET_HOURS here",
  rateLimitDuration: "429 parking time: set from the upstream's reset headers here",
  subscriptionInfo: "subscription info",
  disableAutoProtection: "no automatic parking",
  interceptWarmup: "warm-up interception",
  maxConcurrency: "per-account serial queue",
  groupId: "the original's legacy group field: groups are imported from account_group:*",
  bearerToken: "Bedrock API-key credentials",
  oauthProvider: "another OAuth client (Antigravity): its tokens cannot be refreshed here",
  providerEndpoint: "provider endpoint mode",
  unifiedClientId: "unified client id",
  useUnifiedClientId: "unified client id",
  useUnifiedUserAgent: "unified User-Agent",
  autoStopOnWarning: "stop on 5-hour warning: Claude subscription accounts only",
  extInfo: "extra info",
  tempUnavailable503TtlSeconds: "per-account parking times",
  tempUnavailable5xxTtlSeconds: "per-account parking times",
  disableTempUnavailable: "per-account parking switch",
};

/**
 * The original's proxy (`{type, host, port, username, password}` as JSON) as a proxy URL, or
 * undefined (none, or one that cannot be carried: reported).
 */
function proxyOf(raw: string | undefined, notMapped: string[], notes: string[]): string | undefined {
  if (!raw?.trim()) return undefined;
  const unreadable = () => {
    notMapped.push("proxy (unreadable: the account goes direct)");
    return undefined;
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return unreadable();
  }
  if (!value || typeof value !== "object") return unreadable();
  const { type, host, port, username, password } = value as Record<string, unknown>;
  const kind = String(type ?? "")
    .trim()
    .toLowerCase();
  if (kind !== "socks5" && kind !== "http" && kind !== "https") {
    notMapped.push(`proxy (${kind || "no type"}: not supported here; the account goes direct)`);
    return undefined;
  }
  const text = (v: unknown) =>
    typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
  const user = text(username);
  const secret = text(password);
  let url: string;
  try {
    url = proxyUrl({
      type: kind,
      host: String(host ?? "").trim(),
      port: Number(port),
      ...(user !== undefined ? { username: user } : {}),
      ...(secret !== undefined ? { password: secret } : {}),
    });
    const parsed = parseProxyUrl(url);
    if (!parsed.host || !Number.isInteger(parsed.port) || parsed.port < 1) return unreadable();
  } catch {
    return unreadable();
  }
  if (kind === "https")
    notes.push(
      "an https:// proxy (TLS to the proxy): Workers cannot put TLS to an https upstream inside it, so it serves http upstreams only; name it http:// (CONNECT) or socks5:// if the proxy also takes that",
    );
  return url;
}

function trimBase(url: string, suffixes: readonly string[]): string {
  let base = url.trim().replace(/\/+$/, "");
  for (const suffix of suffixes) if (base.endsWith(suffix)) base = base.slice(0, -suffix.length);
  return base.replace(/\/+$/, "");
}

function baseUrlOf(type: string, raw: string | undefined, suffixes: readonly string[]): string {
  if (!raw?.trim()) return "";
  const base = trimBase(raw, suffixes);
  try {
    new URL(base);
  } catch {
    throw new Corrupt(`base URL ${JSON.stringify(raw)} is not a URL`);
  }
  return base === OFFICIAL_BASES[type] ? "" : base;
}

interface ServedModels {
  /** The models the account serves (empty: every model). */
  models: string[];
  /** The renames among them (requested → upstream), for settings.modelMapping. */
  renames: Record<string, string>;
}

/**
 * `supportedModels`: a JSON list, or a JSON object mapping requested → upstream model (the
 * original serves only its keys, each under its value's name), or "a,b".
 */
function modelsOf(raw: string | undefined): ServedModels {
  const text = raw?.trim() ?? "";
  if (text === "" || text === "[]" || text === "{}" || text === "null") return { models: [], renames: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return { models: parsed.map(String).filter(Boolean), renames: {} };
    if (parsed && typeof parsed === "object") {
      const entries = Object.entries(parsed).filter(([from]) => from);
      const renames = Object.fromEntries(
        entries.filter(([from, to]) => typeof to === "string" && to && to !== from),
      ) as Record<string, string>;
      return { models: entries.map(([from]) => from), renames };
    }
  } catch {
    // a plain list
  }
  const models = text
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  return { models, renames: {} };
}

/** Account types whose model map is ours to keep (relay/model-mapping.ts); Azure's is not used. */
const MAPPED_TYPES = new Set(["claude-console", "gemini-api", "gemini-oauth", "openai-api", "openai-oauth"]);

/**
 * Where the original's `autoStopOnWarning` stops a Claude subscription account: at Anthropic's
 * 5-hour warning (`anthropic-ratelimit-unified-5h-status: allowed_warning`, with a
 * `-5h-surpassed-threshold` header). Anthropic raises it when 90 % of the window is used (as
 * Claude Code reads those headers), so the same stop here is at 90 % of the 5-hour window.
 */
export const FIVE_HOUR_WARNING_PERCENT = 90;

/** The account options of ours the original's record holds: 5-hour stop, daily quota, subscription end. */
function accountOptions(
  type: NonNullable<AccountFamily["type"]>,
  f: Fields,
  notMapped: string[],
  notes: string[],
): Pick<
  AccountSettings,
  "allowOtherClients" | "stopAt5hPercent" | "dailyCostLimitUsd" | "subscriptionExpiresAt"
> {
  let stopAt5hPercent = 0;
  if (type === "claude-oauth") {
    if (f.autoStopOnWarning === "true") {
      stopAt5hPercent = FIVE_HOUR_WARNING_PERCENT;
      notes.push(
        `autoStopOnWarning imported as stopAt5hPercent ${FIVE_HOUR_WARNING_PERCENT}: the original stops at Anthropic's 5-hour warning (allowed_warning), which Anthropic raises at ${FIVE_HOUR_WARNING_PERCENT} % of the window`,
      );
    }
    // The original has no such option: it rewrites every other client's request to pass as
    // Claude Code. We never disguise a client, so its other clients now go to API-key accounts.
    notes.push(
      "the original disguised other clients as Claude Code on this subscription account; here only Claude Code is scheduled on it (other clients go to API-key accounts) unless allowOtherClients is set",
    );
  }
  const quotaText = f.dailyQuota?.trim() ?? "";
  const quota = quotaText === "" || quotaText === "null" ? 0 : Number(quotaText);
  const dailyCostLimitUsd = Number.isFinite(quota) && quota >= 0 ? quota : 0;
  if (dailyCostLimitUsd !== quota) notMapped.push("dailyQuota (unreadable: not imported)");
  const endText = f.subscriptionExpiresAt?.trim() ?? "";
  const subscriptionExpiresAt = isoTime(endText);
  if (endText && endText !== "null" && !subscriptionExpiresAt)
    notMapped.push("subscriptionExpiresAt (unreadable: not imported)");
  return { allowOtherClients: false, stopAt5hPercent, dailyCostLimitUsd, subscriptionExpiresAt };
}

/** The original's renames as our settings.modelMapping (undefined: none, or none that fits). */
function modelMappingOf(
  renames: Record<string, string>,
  notMapped: string[],
): AccountSettingsMap | undefined {
  if (Object.keys(renames).length === 0) return undefined;
  const parsed = modelMappingSetting.safeParse(renames);
  if (parsed.success) return { modelMapping: parsed.data };
  notMapped.push("supportedModels (a model name too long for a mapping here: renaming dropped)");
  return undefined;
}

function jsonObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // below
  }
  return {};
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");

function scopesOf(raw: string | undefined): string[] {
  return (raw ?? "").split(/[\s,]+/).filter(Boolean);
}

interface Reader {
  /** A field's value, decrypted. */
  secret(field: string): string;
  /** Any value encrypted with this platform's scheme (e.g. inside a JSON list). */
  decrypt(value: string): string;
  bedrock(field: string): Record<string, unknown>;
}

function jsonList(text: string | undefined): Record<string, unknown>[] {
  try {
    const parsed: unknown = JSON.parse(text ?? "");
    if (Array.isArray(parsed))
      return parsed.filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === "object");
  } catch {
    // below
  }
  return [];
}

/** Credentials per account type, and the fields each reads. */
const CREDENTIALS: Record<
  NonNullable<AccountFamily["type"]>,
  { fields: readonly string[]; read(f: Fields, r: Reader, notMapped: string[]): Credentials }
> = {
  "claude-console": { fields: ["apiKey"], read: (_f, r) => ({ apiKey: r.secret("apiKey") }) },
  "gemini-api": { fields: ["apiKey"], read: (_f, r) => ({ apiKey: r.secret("apiKey") }) },
  "openai-api": { fields: ["apiKey"], read: (_f, r) => ({ apiKey: r.secret("apiKey") }) },
  "azure-openai": { fields: ["apiKey"], read: (_f, r) => ({ apiKey: r.secret("apiKey") }) },
  // Its API-key mode: a JSON list of entries, each key encrypted; we serve one key per account.
  droid: {
    fields: ["apiKeys", "apiKeyCount", "authenticationMethod"],
    read(f, r, notMapped) {
      const usable = jsonList(f.apiKeys).filter(
        (e) => typeof e.encryptedKey === "string" && e.status !== "error",
      );
      if (usable.length > 1) notMapped.push("apiKeys (several keys: the first usable one kept)");
      return { apiKey: usable[0] ? r.decrypt(String(usable[0].encryptedKey)) : "" };
    },
  },
  bedrock: {
    fields: ["awsCredentials", "credentialType"],
    read(_f, r) {
      const aws = r.bedrock("awsCredentials");
      const sessionToken = str(aws.sessionToken);
      return {
        accessKeyId: str(aws.accessKeyId),
        secretAccessKey: str(aws.secretAccessKey),
        ...(sessionToken ? { sessionToken } : {}),
      };
    },
  },
  "claude-oauth": {
    fields: ["accessToken", "refreshToken", "expiresAt", "scopes", "claudeAiOauth"],
    read(f, r) {
      const bundle = jsonObject(r.secret("claudeAiOauth"));
      return {
        accessToken: r.secret("accessToken") || str(bundle.accessToken),
        refreshToken: r.secret("refreshToken") || str(bundle.refreshToken) || undefined,
        expiresAt: epochMs(f.expiresAt) || epochMs(String(bundle.expiresAt ?? "")),
        scopes:
          scopesOf(f.scopes).length > 0
            ? scopesOf(f.scopes)
            : Array.isArray(bundle.scopes)
              ? bundle.scopes.map(String)
              : [],
      };
    },
  },
  "gemini-oauth": {
    fields: [
      "accessToken",
      "refreshToken",
      "expiresAt",
      "scopes",
      "geminiOauth",
      "projectId",
      "tempProjectId",
    ],
    read(f, r) {
      const bundle = jsonObject(r.secret("geminiOauth"));
      const projectId = f.projectId?.trim() || f.tempProjectId?.trim() || undefined;
      return {
        accessToken: r.secret("accessToken") || str(bundle.access_token),
        refreshToken: r.secret("refreshToken") || str(bundle.refresh_token) || undefined,
        expiresAt: epochMs(f.expiresAt) || epochMs(String(bundle.expiry_date ?? "")),
        scopes: scopesOf(f.scopes || str(bundle.scope)),
        projectId,
      };
    },
  },
  "openai-oauth": {
    fields: [
      "accessToken",
      "refreshToken",
      "expiresAt",
      "scopes",
      "openaiOauth",
      "accountId",
      "chatgptUserId",
    ],
    read(f, r) {
      const bundle = jsonObject(r.secret("openaiOauth"));
      return {
        accessToken: r.secret("accessToken") || str(bundle.accessToken),
        refreshToken: r.secret("refreshToken") || str(bundle.refreshToken) || undefined,
        expiresAt: epochMs(f.expiresAt),
        scopes: scopesOf(f.scopes),
        chatgptAccountId: f.accountId?.trim() || f.chatgptUserId?.trim() || undefined,
      };
    },
  },
};

/** Fields that are settings, per type, beyond the shared ones. */
const SETTINGS: Record<NonNullable<AccountFamily["type"]>, readonly string[]> = {
  "claude-console": ["apiUrl", "maxConcurrentTasks", "supportedModels"],
  "azure-openai": ["azureEndpoint", "deploymentName", "apiVersion", "supportedModels"],
  bedrock: ["region", "defaultModel", "type"],
  droid: ["userAgent", "endpointType"],
  "gemini-api": ["baseUrl", "supportedModels"],
  "openai-api": ["baseApi", "supportedModels", "maxConcurrentTasks"],
  "claude-oauth": [],
  "gemini-oauth": ["supportedModels"],
  "openai-oauth": ["maxConcurrentTasks", "supportedModels"],
};

/** The settings fields that carry an account's base URL in the original. */
const URL_FIELDS = new Set(["apiUrl", "azureEndpoint", "baseUrl", "baseApi"]);

/** What refuses an account before anything is read: modes of the original we do not serve. */
function unsupported(family: AccountFamily, f: Fields): string | null {
  if (family.type === "bedrock" && f.credentialType === "bearer_token")
    return "a Bedrock API-key (bearer token) account: only access-key Bedrock accounts are served here";
  if (family.type === "droid" && !f.apiKeys?.trim() && (f.accessToken || f.refreshToken))
    return "a Droid WorkOS OAuth account: only API-key Droid accounts are served here";
  return null;
}

function credentialsOf(raw: Credentials) {
  if ("apiKey" in raw) return { what: "API key", parsed: consoleCredentialsSchema.safeParse(raw) };
  if ("accessKeyId" in raw)
    return { what: "AWS access key", parsed: bedrockCredentialsSchema.safeParse(raw) };
  return { what: "access token", parsed: oauthCredentialsSchema.safeParse(raw) };
}

/** Where the account's requests go, and the settings of its type (provider schemas validate). */
function typeSpecific(
  family: AccountFamily,
  f: Fields,
  notMapped: string[],
): { baseUrl: string; settings?: AccountSettingsMap } {
  const invalid = (what: string, issues: readonly { path: PropertyKey[]; message: string }[]) =>
    new Corrupt(`${what}: ${issues[0]?.message ?? "invalid"}`);
  switch (family.type) {
    case "claude-console":
      return { baseUrl: baseUrlOf(family.type, f.apiUrl, ["/v1/messages", "/v1"]) };
    case "gemini-api":
      return { baseUrl: baseUrlOf(family.type, f.baseUrl, []) };
    case "openai-api":
      return { baseUrl: baseUrlOf(family.type, f.baseApi, ["/v1/responses", "/v1"]) };
    case "azure-openai": {
      const baseUrl = baseUrlOf(family.type, f.azureEndpoint, []);
      if (!baseUrl) throw new Corrupt("azureEndpoint: missing");
      const parsed = azureSettingsSchema.safeParse({
        deployment: f.deploymentName?.trim() || "gpt-4",
        apiVersion: f.apiVersion?.trim() || "2024-02-01",
      });
      if (!parsed.success) throw invalid("deploymentName/apiVersion", parsed.error.issues);
      if (f.supportedModels?.trim())
        notMapped.push("supportedModels (the original's Azure scheduler does not filter by it)");
      return { baseUrl, settings: parsed.data };
    }
    case "bedrock": {
      const parsed = bedrockSettingsSchema.safeParse({
        region: f.region?.trim() || "us-east-1",
        ...(f.defaultModel?.trim() ? { defaultModel: f.defaultModel.trim() } : {}),
      });
      if (!parsed.success) throw invalid("region", parsed.error.issues);
      return { baseUrl: "", settings: parsed.data };
    }
    case "droid": {
      const endpoint = f.endpointType?.trim();
      if (endpoint && endpoint !== "anthropic")
        notMapped.push(`endpointType=${endpoint} (the route the client calls picks the endpoint here)`);
      const parsed = droidSettingsSchema.safeParse(
        f.userAgent?.trim() ? { userAgent: f.userAgent.trim() } : {},
      );
      if (!parsed.success) throw invalid("userAgent", parsed.error.issues);
      return { baseUrl: "", settings: parsed.data };
    }
    default:
      return { baseUrl: "" };
  }
}

/** Our settings whose source fields are all absent from the original's record. */
function missingSettings(
  type: NonNullable<AccountFamily["type"]>,
  f: Fields,
  settingFields: readonly string[],
  isCcr: boolean,
): (keyof AccountSettings)[] {
  const absent = (field: string) => f[field] === undefined;
  const missing: (keyof AccountSettings)[] = [];
  const from: [keyof AccountSettings, readonly string[]][] = [
    ["name", ["name"]],
    ["description", ["description"]],
    ["priority", ["priority"]],
    ["schedulable", ["schedulable"]],
    ["isActive", ["isActive"]],
    ["createdAt", ["createdAt"]],
    ["updatedAt", ["updatedAt", "createdAt"]],
    // Never in the original: what an admin sets here stays.
    ["allowOtherClients", []],
    // The original reads balances off the providers, never keeping one: what an admin set stays.
    ["balanceUsd", []],
    ["balanceSetAt", []],
    ["balanceAlertUsd", []],
    ["stopAtZeroBalance", []],
    ["stopAt5hPercent", type === "claude-oauth" ? ["autoStopOnWarning"] : []],
    ["dailyCostLimitUsd", ["dailyQuota"]],
    ["subscriptionExpiresAt", ["subscriptionExpiresAt"]],
  ];
  // A CCR account is never shared on import, whatever its type says.
  if (!isCcr) from.push(["shared", ["accountType"]]);
  const urlField = settingFields.find((field) => URL_FIELDS.has(field));
  if (urlField) from.push(["baseUrl", [urlField]]);
  if (settingFields.includes("maxConcurrentTasks")) from.push(["concurrencyLimit", ["maxConcurrentTasks"]]);
  if (settingFields.includes("supportedModels")) from.push(["models", ["supportedModels"]]);
  // These types' settings hold only the model map.
  if (MAPPED_TYPES.has(type)) from.push(["settings", ["supportedModels"]]);
  for (const [setting, fields] of from) if (fields.every(absent)) missing.push(setting);
  return missing;
}

export function mapAccount(
  family: AccountFamily,
  id: string,
  f: Fields,
  cipher: CrsCipher,
): Mapped<MappedAccount> {
  const type = family.type;
  const platform = family.ourPlatform;
  if (!type || !platform)
    return { ok: false, reason: `platform ${family.platform} is not supported here yet` };
  const refused = unsupported(family, f);
  if (refused) return { ok: false, reason: refused };
  const spec = CREDENTIALS[type];
  const settingFields = SETTINGS[type];
  const notMapped: string[] = [];
  const notes: string[] = [];
  const corrupt = (field: string, error: unknown): never => {
    if (error instanceof CrsDecryptError) throw new Corrupt(`${field} ${error.message}`);
    throw error;
  };
  try {
    const reader: Reader = {
      secret(field) {
        try {
          return cipher.decrypt(f[field] ?? "", family.salt);
        } catch (error) {
          return corrupt(field, error);
        }
      },
      decrypt(value) {
        try {
          return cipher.decrypt(value, family.salt);
        } catch (error) {
          return corrupt("a key in the list", error);
        }
      },
      bedrock(field) {
        try {
          return cipher.decryptBedrock(jsonObject(f[field] ?? ""));
        } catch (error) {
          return corrupt(field, error);
        }
      },
    };
    const { what, parsed } = credentialsOf(spec.read(f, reader, notMapped));
    if (!parsed.success)
      return { ok: false, reason: `no ${what}: the account was never authorized or its secret is empty` };
    const credentials = parsed.data as Credentials;

    const schedulable = f.schedulable !== "false";
    // The original's pool takes only `shared` accounts; `dedicated` and `group` ones serve the
    // keys bound to them or to their groups, as a non-shared account does here.
    const accountType = f.accountType?.trim() || "shared";
    let shared = accountType === "shared";
    if (!["shared", "dedicated", "group"].includes(accountType))
      notMapped.push(`accountType=${accountType} (unknown: imported outside the shared pool)`);
    if (family.platform === "ccr" && shared) {
      // The original sends a CCR account only requests whose model names it ("ccr,<model>");
      // in our shared Claude pool it would serve every Claude request.
      shared = false;
      notes.push(
        "a CCR account: imported outside the shared pool, as the original uses it only for models prefixed ccr,; bind a key (or a group) to it to use it, or make it shared (sent with x-api-key, which CCR accepts)",
      );
    }
    const status = f.status?.trim() ?? "";
    if (status && !["active", "created", "normal"].includes(status))
      notMapped.push(`status=${status} (health is not imported: the pool learns it again)`);

    const rawPriority = num(f, "priority", { int: true, fallback: 50, min: -1e9 });
    let priority = Math.min(100, Math.max(1, rawPriority));
    if (priority !== rawPriority) notMapped.push("priority (outside 1–100: clamped)");
    if (type === "azure-openai") {
      // The original's Azure scheduler prefers the higher number; ours, the lower.
      priority = 101 - priority;
      notes.push(
        `priority ${rawPriority} imported as ${priority}: the original prefers high numbers for Azure`,
      );
    }

    const { baseUrl, settings: typeSettings } = typeSpecific(family, f, notMapped);
    const concurrencyLimit = settingFields.includes("maxConcurrentTasks")
      ? num(f, "maxConcurrentTasks", { int: true })
      : 0;
    const served: ServedModels =
      settingFields.includes("supportedModels") && type !== "azure-openai"
        ? modelsOf(f.supportedModels)
        : { models: [], renames: {} };
    const models = served.models;
    const mapping = MAPPED_TYPES.has(type) ? modelMappingOf(served.renames, notMapped) : undefined;
    const mergedSettings = typeSettings || mapping ? { ...typeSettings, ...mapping } : undefined;
    const options = accountOptions(type, f, notMapped, notes);
    if (type === "gemini-oauth" && f.oauthProvider && f.oauthProvider !== "gemini-cli")
      notes.push("an Antigravity OAuth account: its token cannot be refreshed with the Gemini CLI client");

    const name = (f.name ?? "").trim() || `Imported ${family.platform} ${id.slice(0, 8)}`;
    const createdAt = isoTime(f.createdAt);
    if (!createdAt) notMapped.push("createdAt (missing or unreadable)");
    const settings: AccountSettings = {
      v: 1,
      id,
      type,
      platform,
      name: name.slice(0, 200),
      description: (f.description ?? "").slice(0, 2000),
      baseUrl,
      priority,
      schedulable,
      shared,
      isActive: f.isActive === "true",
      concurrencyLimit,
      models,
      ...options,
      balanceUsd: null,
      balanceSetAt: null,
      balanceAlertUsd: 0,
      stopAtZeroBalance: false,
      ...(mergedSettings ? { settings: mergedSettings } : {}),
      createdAt: createdAt ?? EPOCH,
      updatedAt: isoTime(f.updatedAt) ?? createdAt ?? EPOCH,
    };
    const proxy = proxyOf(f.proxy, notMapped, notes);
    const handled = new Set([
      "name",
      "proxy",
      "description",
      "priority",
      "schedulable",
      "isActive",
      "accountType",
      "dailyQuota",
      "subscriptionExpiresAt",
      ...(type === "claude-oauth" ? ["autoStopOnWarning"] : []),
      ...spec.fields,
      ...settingFields,
      ...STATE,
    ]);
    notMapped.push(
      ...unmappedFields(f, handled, { defaults: DEFAULTS, labels: LABELS, ignorePrefixes: STATE_PREFIXES }),
    );
    const baseUrlIsOurs = !settingFields.some((field) => URL_FIELDS.has(field));
    const missing = missingSettings(type, f, settingFields, family.platform === "ccr");
    return {
      ok: true,
      value: { settings, credentials, baseUrlIsOurs, missing, ...(proxy ? { proxyUrl: proxy } : {}) },
      notMapped,
      notes,
    };
  } catch (error) {
    if (error instanceof Corrupt) return { ok: false, reason: `corrupt: ${error.message}` };
    throw error;
  }
}
