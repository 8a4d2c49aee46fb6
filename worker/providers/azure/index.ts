// Azure OpenAI accounts (platform `openai`, pool `azure-openai`): one provider per operation,
// since each answers in its own protocol (chat chunks, Responses events, embeddings JSON) and is
// metered with the OpenAI meters that read it.
import { chatStreamError, openaiOutcome, responsesStreamError } from "../openai/errors.ts";
import { openaiSessionHash } from "../openai/session.ts";
import { chatUsageFromSse, usageFromJson, usageFromSse } from "../openai/usage.ts";
import type { Provider } from "../provider.ts";
import { type AzureOperation, buildAzureRequest } from "./upstream.ts";

function azureProvider(operation: AzureOperation): Provider {
  const responses = operation === "responses";
  return {
    platform: "openai",
    pool: "azure-openai",
    protocol: "openai",
    buildRequest: (call, account, credentials, config) =>
      buildAzureRequest(operation, call, account, credentials, config),
    usageFromSse: responses ? usageFromSse : chatUsageFromSse,
    // Chat completions and embeddings carry `usage` at the top, as a Response object does.
    usageFromJson,
    streamErrorEvent: responses ? responsesStreamError : chatStreamError,
    outcome: openaiOutcome,
    sessionHash: openaiSessionHash,
  };
}

export const azureChatProvider = azureProvider("chat/completions");
export const azureResponsesProvider = azureProvider("responses");
export const azureEmbeddingsProvider = azureProvider("embeddings");
