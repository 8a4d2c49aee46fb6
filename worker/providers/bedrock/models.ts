// Which Bedrock model id a client's Claude model name is sent as. Bedrock names Claude models
// `anthropic.<model>-v1:0` and, for cross-region inference profiles, `us.` / `eu.` / `apac.` /
// `global.` before that; the newest models are only reachable through a profile.
import type { BedrockSettings } from "./settings.ts";

/** CRS's default mapping (us. profiles), with the newer models added. */
const BUILT_IN: Record<string, string> = {
  "claude-opus-4-5": "us.anthropic.claude-opus-4-5-20251101-v1:0",
  "claude-opus-4-5-20251101": "us.anthropic.claude-opus-4-5-20251101-v1:0",
  "claude-sonnet-4-5": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "claude-sonnet-4-5-20250929": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "claude-haiku-4-5": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  "claude-haiku-4-5-20251001": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  "claude-sonnet-4": "us.anthropic.claude-sonnet-4-20250514-v1:0",
  "claude-sonnet-4-0": "us.anthropic.claude-sonnet-4-20250514-v1:0",
  "claude-sonnet-4-20250514": "us.anthropic.claude-sonnet-4-20250514-v1:0",
  "claude-opus-4": "us.anthropic.claude-opus-4-1-20250805-v1:0",
  "claude-opus-4-1": "us.anthropic.claude-opus-4-1-20250805-v1:0",
  "claude-opus-4-1-20250805": "us.anthropic.claude-opus-4-1-20250805-v1:0",
  "claude-opus-4-20250514": "us.anthropic.claude-opus-4-20250514-v1:0",
  "claude-3-7-sonnet": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  "claude-3-7-sonnet-20250219": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  "claude-3-5-sonnet": "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
  "claude-3-5-sonnet-20241022": "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
  "claude-3-5-haiku": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
  "claude-3-5-haiku-20241022": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
  "claude-3-haiku": "us.anthropic.claude-3-haiku-20240307-v1:0",
  "claude-3-haiku-20240307": "us.anthropic.claude-3-haiku-20240307-v1:0",
};

/** Own keys only: a client's model named "constructor" or "toString" is no built-in model. */
const ownValue = (model: string) => (Object.hasOwn(BUILT_IN, model) ? BUILT_IN[model] : undefined);

const isBedrockId = (model: string) => /^([a-z]+\.)?anthropic\./.test(model) || model.startsWith("arn:aws");

/**
 * The account's own mapping first, then a model already named the Bedrock way, then the
 * built-in mapping (Claude Code's `[1m]` suffix ignored), then the account's default model.
 */
export function bedrockModelId(model: string, settings: BedrockSettings): string {
  const mapping = settings.modelMapping;
  const own = mapping && Object.hasOwn(mapping, model) ? mapping[model] : undefined;
  if (own) return own;
  if (isBedrockId(model)) return model;
  const builtIn = ownValue(model) ?? ownValue(model.replace(/\[1m\]$/, ""));
  if (builtIn) return builtIn;
  return settings.defaultModel ?? model;
}
