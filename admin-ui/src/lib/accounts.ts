// Upstream accounts in the dashboard: the settings every account type shares, form ⇄ API body.
import type { Account, AccountSettings, AccountType, Platform } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import {
  between,
  httpUrl,
  maxLength,
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
}
export type SettingsField = Exclude<keyof SettingsForm, "schedulable">;

export function emptySettings(): SettingsForm {
  return {
    name: "",
    description: "",
    baseUrl: "",
    priority: "50",
    concurrencyLimit: "",
    models: "",
    schedulable: true,
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
  };
}

export function validateSettings(form: SettingsForm): Partial<Record<SettingsField, MessageKey>> {
  const { schedulable: _s, ...values } = form;
  return validate(values, {
    name: [required, maxLength(200)],
    description: [maxLength(2000)],
    baseUrl: [httpUrl],
    priority: [required, between(1, 100)],
    concurrencyLimit: [nonNegativeInt, (v) => (num(v) > 10_000 ? "validate.range" : null)],
  });
}

export function settingsBody(form: SettingsForm): Required<AccountSettings> {
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    baseUrl: form.baseUrl.trim().replace(/\/+$/, ""),
    priority: num(form.priority) || 50,
    concurrencyLimit: num(form.concurrencyLimit),
    models: splitList(form.models),
    schedulable: form.schedulable,
  };
}

export const API_KEY_TYPES: readonly AccountType[] = ["claude-console", "gemini-api", "openai-api"];
export const isApiKeyType = (type: AccountType): type is "claude-console" | "gemini-api" | "openai-api" =>
  API_KEY_TYPES.includes(type);

export const TYPES_OF: Record<Exclude<Platform, "droid">, AccountType[]> = {
  claude: ["claude-console", "claude-oauth"],
  gemini: ["gemini-api", "gemini-oauth"],
  openai: ["openai-api", "openai-oauth"],
};

export function platformOf(type: AccountType): "claude" | "gemini" | "openai" {
  return type.startsWith("claude") ? "claude" : type.startsWith("gemini") ? "gemini" : "openai";
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
