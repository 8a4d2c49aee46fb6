// Azure OpenAI and Droid accounts in the dashboard: their own fields, form ⇄ API body. An Azure
// account's endpoint is the shared base URL field (required for it); its deployment and
// api-versions are settings. A Droid account is an API-key account with an optional user agent.
import type { Account, AzureSettings } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";

export interface AzureForm {
  deployment: string;
  apiVersion: string;
  responsesApiVersion: string;
}
export type AzureField = keyof AzureForm;

export const emptyAzure = (): AzureForm => ({ deployment: "", apiVersion: "", responsesApiVersion: "" });

const text = (value: unknown) => (typeof value === "string" ? value : "");

export function azureFrom(account: Account): AzureForm {
  const settings = account.settings ?? {};
  return {
    deployment: text(settings.deployment),
    apiVersion: text(settings.apiVersion),
    responsesApiVersion: text(settings.responsesApiVersion),
  };
}

const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

/** The deployment is required; api-versions are optional (the relay's defaults apply) but well-formed. */
export function validateAzure(
  form: AzureForm,
  endpoint: string,
): Partial<Record<AzureField | "baseUrl", MessageKey>> {
  const found: Partial<Record<AzureField | "baseUrl", MessageKey>> = {};
  if (endpoint.trim() === "") found.baseUrl = "validate.required";
  const deployment = form.deployment.trim();
  if (deployment === "") found.deployment = "validate.required";
  else if (!/^[\w.-]+$/.test(deployment)) found.deployment = "validate.azureDeployment";
  for (const field of ["apiVersion", "responsesApiVersion"] as const) {
    const value = form[field].trim();
    if (value !== "" && !API_VERSION.test(value)) found[field] = "validate.apiVersion";
  }
  return found;
}

/** For creating: only what was given (absent api-versions take the relay's defaults). */
export function azureSettingsBody(form: AzureForm): AzureSettings {
  const apiVersion = form.apiVersion.trim();
  const responsesApiVersion = form.responsesApiVersion.trim();
  return {
    deployment: form.deployment.trim(),
    ...(apiVersion ? { apiVersion } : {}),
    ...(responsesApiVersion ? { responsesApiVersion } : {}),
  };
}

/** For editing: settings are merged by the API, so an api-version left empty is removed (null). */
export function azureSettingsChange(form: AzureForm): Record<string, string | null> {
  const body = azureSettingsBody(form);
  return {
    deployment: body.deployment,
    apiVersion: body.apiVersion ?? null,
    responsesApiVersion: body.responsesApiVersion ?? null,
  };
}

export const droidUserAgentFrom = (account: Account): string => text(account.settings?.userAgent);
