// Builds the request to Azure OpenAI as the original does: chat completions and embeddings go to
// the account's deployment (`{endpoint}/openai/deployments/{deployment}/{op}?api-version=…`),
// Responses to `{endpoint}/openai/responses?api-version=<preview>` with the deployment as the
// model. The account's key travels as `api-key`; nothing of the client's headers does.
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import { asObject } from "../../http/json.ts";
import { type AccountRecord, consoleCredentialsSchema } from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";
import { azureSettingsOf, DEFAULT_API_VERSION, DEFAULT_RESPONSES_API_VERSION } from "./settings.ts";

export type AzureOperation = "chat/completions" | "responses" | "embeddings";

/** The original's clients may name a model `azure/gpt-4o`; Azure knows it as `gpt-4o`. */
export const bareModel = (model: string) => model.replace(/^azure\//, "");

export function azureUrl(account: AccountRecord, operation: AzureOperation): string {
  const settings = azureSettingsOf(account);
  const base = account.baseUrl.replace(/\/+$/, "");
  if (base === "") {
    throw new RelayError("unavailable", `Azure account ${account.name} has no endpoint`, { status: 502 });
  }
  if (operation === "responses") {
    const version = settings.responsesApiVersion ?? DEFAULT_RESPONSES_API_VERSION;
    return `${base}/openai/responses?api-version=${encodeURIComponent(version)}`;
  }
  const version = settings.apiVersion ?? DEFAULT_API_VERSION;
  const deployment = encodeURIComponent(settings.deployment);
  return `${base}/openai/deployments/${deployment}/${operation}?api-version=${encodeURIComponent(version)}`;
}

function azureBody(call: ClientCall, account: AccountRecord, operation: AzureOperation): string {
  let body: Record<string, unknown> | undefined;
  try {
    body = asObject(JSON.parse(call.body));
  } catch {
    body = undefined;
  }
  if (!body) return call.body;
  if (operation === "responses") body.model = azureSettingsOf(account).deployment;
  else body.model = typeof body.model === "string" && body.model !== "" ? bareModel(body.model) : "gpt-4";
  return JSON.stringify(body);
}

export function buildAzureRequest(
  operation: AzureOperation,
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  _config: Config,
): Request {
  const headers = new Headers({
    "content-type": "application/json",
    accept: call.stream ? "text/event-stream" : "application/json",
    "api-key": consoleCredentialsSchema.parse(credentials).apiKey,
  });
  return new Request(azureUrl(account, operation), {
    method: "POST",
    headers,
    body: azureBody(call, account, operation),
  });
}
