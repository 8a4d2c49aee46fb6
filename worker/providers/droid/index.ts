// Droid (Factory.ai) accounts, platform `droid`: one provider per Factory endpoint, each with the
// wire format it answers in (Anthropic Messages, OpenAI Responses, Chat Completions).
import { messagesWire } from "../claude/index.ts";
import { chatWire, responsesWire } from "../openai/index.ts";
import type { Provider, WireFormat } from "../provider.ts";
import { buildDroidRequest, type DroidEndpoint } from "./upstream.ts";

const droidProvider = (endpoint: DroidEndpoint, wire: WireFormat): Provider => ({
  platform: "droid",
  ...wire,
  buildRequest: (call, account, credentials, config) =>
    buildDroidRequest(endpoint, call, account, credentials, config),
});

export const droidClaudeProvider = droidProvider("anthropic", messagesWire);
export const droidResponsesProvider = droidProvider("openai", responsesWire);
export const droidChatProvider = droidProvider("comm", chatWire);
