// The OpenAI models the relay offers by name in its model lists (GET /v1/models, /openai/v1/models);
// its OpenAI provider serves whatever model the account accepts.
export const OPENAI_MODELS: readonly string[] = [
  "gpt-5",
  "gpt-5-codex",
  "gpt-5-mini",
  "gpt-5-nano",
  "gpt-4.1",
  "gpt-4o",
  "o3",
  "o4-mini",
];
