// Upstream accounts in the dashboard: the settings every account type shares, form ⇄ API body.
import type {
  Account,
  AccountSettings,
  AccountType,
  BedrockCredentials,
  BedrockSettings,
  Platform,
} from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import { toLocalInput } from "./keys.ts";
import {
  between,
  httpUrl,
  maxLength,
  nonNegative,
  nonNegativeInt,
  num,
  required,
  splitList,
  validate,
} from "./validate.ts";

export interface SettingsForm {
  name: string;
  description: string;
  baseUrl: string;
  priority: string;
  concurrencyLimit: string;
  models: string;
  schedulable: boolean;
  /** In the shared pool; off: dedicated to the keys bound to it or to its groups. */
  shared: boolean;
  /** Claude OAuth only: clients other than the real Claude Code may use the subscription. */
  allowOtherClients: boolean;
  /** 0–100; empty or 0 = never stop on the 5-hour window. */
  stopAt5hPercent: string;
  /** USD; empty or 0 = no daily quota. */
  dailyCostLimitUsd: string;
  /** An <input type="datetime-local"> value in the browser's zone; empty = never ends. */
  subscriptionExpiresAt: string;
  /** USD left on the account as last set; empty = no balance kept. */
  balanceUsd: string;
  /** USD; empty or 0 = no low-balance event. */
  balanceAlertUsd: string;
  stopAtZeroBalance: boolean;
}
export type SettingsField = Exclude<
  keyof SettingsForm,
  "schedulable" | "shared" | "allowOtherClients" | "stopAtZeroBalance"
>;

export function emptySettings(): SettingsForm {
  return {
    name: "",
    description: "",
    baseUrl: "",
    priority: "50",
    concurrencyLimit: "",
    models: "",
    schedulable: true,
    shared: true,
    allowOtherClients: false,
    stopAt5hPercent: "",
    dailyCostLimitUsd: "",
    subscriptionExpiresAt: "",
    balanceUsd: "",
    balanceAlertUsd: "",
    stopAtZeroBalance: false,
  };
}

export function settingsFrom(account: Account): SettingsForm {
  return {
    name: account.name,
    description: account.description,
    baseUrl: account.baseUrl,
    priority: String(account.priority),
    concurrencyLimit: account.concurrencyLimit ? String(account.concurrencyLimit) : "",
    models: account.models.join("\n"),
    schedulable: account.schedulable,
    shared: account.shared !== false,
    allowOtherClients: account.allowOtherClients === true,
    stopAt5hPercent: account.stopAt5hPercent ? String(account.stopAt5hPercent) : "",
    dailyCostLimitUsd: account.dailyCostLimitUsd ? String(account.dailyCostLimitUsd) : "",
    subscriptionExpiresAt: account.subscriptionExpiresAt ? toLocalInput(account.subscriptionExpiresAt) : "",
    balanceUsd: account.balanceUsd === null ? "" : String(account.balanceUsd),
    balanceAlertUsd: account.balanceAlertUsd ? String(account.balanceAlertUsd) : "",
    stopAtZeroBalance: account.stopAtZeroBalance === true,
  };
}

export function validateSettings(form: SettingsForm): Partial<Record<SettingsField, MessageKey>> {
  const { schedulable: _s, shared: _shared, allowOtherClients: _o, stopAtZeroBalance: _z, ...values } = form;
  return validate(values, {
    name: [required, maxLength(200)],
    description: [maxLength(2000)],
    baseUrl: [httpUrl],
    priority: [required, between(1, 100)],
    concurrencyLimit: [nonNegativeInt, (v) => (num(v) > 10_000 ? "validate.range" : null)],
    stopAt5hPercent: [nonNegative, (v) => (num(v) > 100 ? "validate.range" : null)],
    dailyCostLimitUsd: [nonNegative, (v) => (num(v) > 1_000_000 ? "validate.range" : null)],
    subscriptionExpiresAt: [(v) => (v.trim() !== "" && Number.isNaN(Date.parse(v)) ? "validate.date" : null)],
    balanceUsd: [(v) => (v.trim() !== "" && !Number.isFinite(Number(v)) ? "validate.range" : null)],
    balanceAlertUsd: [nonNegative],
  });
}

/**
 * The shared settings, every one sent. Not the egress proxy: like a credential it is shown back
 * only in part, so it is sent only when one is typed (null would remove the stored one).
 */
export function settingsBody(form: SettingsForm): Required<Omit<AccountSettings, "proxy">> {
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    baseUrl: form.baseUrl.trim().replace(/\/+$/, ""),
    priority: num(form.priority) || 50,
    concurrencyLimit: num(form.concurrencyLimit),
    models: splitList(form.models),
    schedulable: form.schedulable,
    shared: form.shared,
    allowOtherClients: form.allowOtherClients,
    stopAt5hPercent: num(form.stopAt5hPercent),
    dailyCostLimitUsd: num(form.dailyCostLimitUsd),
    subscriptionExpiresAt: form.subscriptionExpiresAt.trim()
      ? new Date(form.subscriptionExpiresAt).toISOString()
      : null,
    balanceUsd: form.balanceUsd.trim() === "" ? null : Number(form.balanceUsd),
    balanceAlertUsd: num(form.balanceAlertUsd),
    stopAtZeroBalance: form.stopAtZeroBalance,
  };
}

/** Types that rename the client's model on their own (settings.modelMapping, one `from=to` a line). */
export const MAPPING_TYPES: readonly AccountType[] = [
  "claude-console",
  "openai-api",
  "openai-oauth",
  "gemini-api",
  "gemini-oauth",
];
export const takesMapping = (type: AccountType) => MAPPING_TYPES.includes(type);

/** A stored settings.modelMapping as the form's text, one `from=to` a line. */
export function mappingText(account: Account): string {
  const mapping = account.settings?.modelMapping;
  if (!mapping || typeof mapping !== "object" || Array.isArray(mapping)) return "";
  return Object.entries(mapping)
    .map(([from, to]) => `${from}=${String(to)}`)
    .join("\n");
}

export const validateMapping = (text: string): MessageKey | null =>
  parseMapping(text) === null ? "validate.mappingLine" : null;

/** The settings change for the mapping: merged by the API, so an empty one is removed (null). */
export function mappingChange(text: string): { modelMapping: Record<string, string> | null } {
  const mapping = parseMapping(text) ?? {};
  return { modelMapping: Object.keys(mapping).length > 0 ? mapping : null };
}

/** Types whose credential is one API key (Azure's comes with its endpoint and deployment). */
export const API_KEY_TYPES: readonly AccountType[] = [
  "claude-console",
  "gemini-api",
  "openai-api",
  "azure-openai",
  "droid",
];
export const isApiKeyType = (
  type: AccountType,
): type is "claude-console" | "gemini-api" | "openai-api" | "azure-openai" | "droid" =>
  API_KEY_TYPES.includes(type);

export const TYPES_OF: Record<Platform, AccountType[]> = {
  claude: ["claude-console", "claude-oauth", "bedrock"],
  gemini: ["gemini-api", "gemini-oauth"],
  openai: ["openai-api", "openai-oauth", "azure-openai"],
  droid: ["droid"],
};

export function platformOf(type: AccountType): Platform {
  if (type === "bedrock") return "claude";
  if (type === "droid") return "droid";
  return type.startsWith("claude") ? "claude" : type.startsWith("gemini") ? "gemini" : "openai";
}

/** The platform whose OAuth flow an OAuth account type uses (API-key types never ask). */
export function oauthPlatformOf(type: AccountType): "claude" | "gemini" | "openai" {
  const platform = platformOf(type);
  if (platform === "droid") throw new Error("Droid accounts have no OAuth flow");
  return platform;
}

/** A Bedrock account's own fields; the model mapping is one `model=bedrock-id` per line. */
export interface BedrockForm {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  modelMapping: string;
  defaultModel: string;
}
export type BedrockField = keyof BedrockForm;

export function emptyBedrock(): BedrockForm {
  return {
    region: "us-east-1",
    accessKeyId: "",
    secretAccessKey: "",
    sessionToken: "",
    modelMapping: "",
    defaultModel: "",
  };
}

/** The stored settings in the form; the access key is never shown (the admin API keeps it sealed). */
export function bedrockFrom(account: Account): BedrockForm {
  const settings = account.settings ?? {};
  const mapping =
    settings.modelMapping && typeof settings.modelMapping === "object"
      ? Object.entries(settings.modelMapping as Record<string, unknown>)
      : [];
  return {
    ...emptyBedrock(),
    region: typeof settings.region === "string" ? settings.region : "",
    modelMapping: mapping.map(([from, to]) => `${from}=${String(to)}`).join("\n"),
    defaultModel: typeof settings.defaultModel === "string" ? settings.defaultModel : "",
  };
}

export function parseMapping(text: string): Record<string, string> | null {
  const mapping: Record<string, string> = {};
  for (const line of text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf("=");
    if (at <= 0 || at === line.length - 1) return null;
    mapping[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return mapping;
}

/** `keyRequired`: adding needs the access key; editing keeps the stored one unless both are given. */
export function validateBedrock(
  form: BedrockForm,
  keyRequired: boolean,
): Partial<Record<BedrockField, MessageKey>> {
  const found: Partial<Record<BedrockField, MessageKey>> = {};
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(form.region.trim())) found.region = "validate.awsRegion";
  if (parseMapping(form.modelMapping) === null) found.modelMapping = "validate.modelMapping";
  const id = form.accessKeyId.trim();
  const secret = form.secretAccessKey.trim();
  if (keyRequired || id || secret) {
    if (!id) found.accessKeyId = "validate.required";
    if (!secret) found.secretAccessKey = "validate.required";
  }
  return found;
}

export function bedrockSettingsBody(form: BedrockForm): BedrockSettings {
  const modelMapping = parseMapping(form.modelMapping) ?? {};
  return {
    region: form.region.trim(),
    ...(Object.keys(modelMapping).length > 0 ? { modelMapping } : {}),
    ...(form.defaultModel.trim() ? { defaultModel: form.defaultModel.trim() } : {}),
  };
}

/** Undefined when no new key was typed (editing keeps the stored one). */
export function bedrockCredentialsBody(form: BedrockForm): BedrockCredentials | undefined {
  const accessKeyId = form.accessKeyId.trim();
  const secretAccessKey = form.secretAccessKey.trim();
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = form.sessionToken.trim();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The OAuth token fields each platform's import takes, in the order the form shows them. */
export const IMPORT_FIELDS = {
  claude: ["setupToken", "accessToken", "refreshToken"],
  gemini: ["accessToken", "refreshToken", "projectId"],
  openai: ["accessToken", "refreshToken", "idToken", "chatgptAccountId"],
} as const;
export type ImportField = (typeof IMPORT_FIELDS)[keyof typeof IMPORT_FIELDS][number];

/** An import needs a token: Claude a setup, access or refresh token; the others access or refresh. */
export function importHasToken(values: Partial<Record<ImportField, string>>): boolean {
  return ["setupToken", "accessToken", "refreshToken"].some(
    (f) => (values[f as ImportField] ?? "").trim() !== "",
  );
}
