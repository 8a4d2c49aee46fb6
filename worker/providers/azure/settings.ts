// What an Azure OpenAI account holds besides its endpoint (the record's baseUrl) and its api-key
// (the sealed credentials): the deployment its chat/embeddings calls go to and the api-versions.
import { z } from "zod";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import { requiredSettings } from "../settings.ts";

/** Azure's current GA version for chat completions and embeddings. */
export const DEFAULT_API_VERSION = "2024-10-21";
/** The Responses API exists only in preview versions; the original defaults to this one. */
export const DEFAULT_RESPONSES_API_VERSION = "2025-04-01-preview";

const apiVersion = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, "api-version looks like 2024-10-21 or 2025-04-01-preview");

export const azureSettingsSchema = z
  .object({
    /** Azure deployment name (what `/openai/deployments/{deployment}/…` names). */
    deployment: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\w.-]+$/, "deployment: letters, digits, . _ -"),
    apiVersion: apiVersion.optional(),
    responsesApiVersion: apiVersion.optional(),
  })
  .strict();
export type AzureSettings = z.infer<typeof azureSettingsSchema>;

/** What the admin API takes to create one (the shared account fields come with it). */
export const azureAccountFields = {
  apiKey: z.string().min(1).max(500),
  /** https://NAME.openai.azure.com (or a compatible gateway). */
  endpoint: z.url(),
  ...azureSettingsSchema.shape,
};

export const azureSettingsOf = (account: AccountRecord): AzureSettings =>
  requiredSettings(azureSettingsSchema, account, "Azure", "deployment");
