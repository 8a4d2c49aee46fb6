// AWS Bedrock accounts serve Claude requests from the Claude pool: the Claude provider hands
// these calls here by account type (providers/claude/index.ts).
export { bedrockAnswer } from "./answer.ts";
export { buildBedrockRequest } from "./upstream.ts";
