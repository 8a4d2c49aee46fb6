// AWS Bedrock accounts serve Claude requests from the Claude pool: the request is signed for
// InvokeModel and the answer put back into Anthropic Messages, so everything after it (meters,
// error events, outcomes) is the Messages wire format's. The relay sends each call on a Bedrock
// account through this provider, whichever Claude route picked it (account-types.ts: ownProvider).
import { messagesWire } from "../claude/index.ts";
import type { Provider } from "../provider.ts";
import { bedrockAnswer } from "./answer.ts";
import { buildBedrockRequest } from "./upstream.ts";

export const bedrockProvider: Provider = {
  platform: "claude",
  ...messagesWire,
  buildRequest: buildBedrockRequest,
  adaptAnswer: bedrockAnswer,
};
