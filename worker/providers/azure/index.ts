// Azure OpenAI accounts (platform `openai`, pool `azure-openai`): one provider per operation,
// since each answers in its own wire format (chat chunks, Responses events, embeddings JSON) and is
// metered with the OpenAI meters that read it.
import { chatWire, responsesWire } from "../openai/index.ts";
import type { Provider } from "../provider.ts";
import { type AzureOperation, buildAzureRequest } from "./upstream.ts";

function azureProvider(operation: AzureOperation): Provider {
  return {
    platform: "openai",
    pool: "azure-openai",
    ...(operation === "responses" ? responsesWire : chatWire),
    buildRequest: (call, account, credentials, config) =>
      buildAzureRequest(operation, call, account, credentials, config),
  };
}

export const azureChatProvider = azureProvider("chat/completions");
export const azureResponsesProvider = azureProvider("responses");
export const azureEmbeddingsProvider = azureProvider("embeddings");
