// Every upstream platform's provider module, by platform.
import type { Platform } from "../keyspace/records.ts";
import { claudeProvider } from "./claude/index.ts";
import { droidClaudeProvider } from "./droid/index.ts";
import { geminiProvider } from "./gemini/index.ts";
import { openaiProvider } from "./openai/index.ts";
import type { Provider } from "./provider.ts";

const PROVIDERS: Partial<Record<Platform, Provider>> = {
  claude: claudeProvider,
  gemini: geminiProvider,
  openai: openaiProvider,
  // Droid serves three protocols; the entry is its Messages provider (no Droid account refreshes).
  droid: droidClaudeProvider,
};

export function providerFor(platform: Platform): Provider | undefined {
  return PROVIDERS[platform];
}
