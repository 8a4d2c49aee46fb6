// Display names and message keys for the API's enums, shared by every page that shows them (a page
// importing another page's labels would pull that whole page into its chunk).
import type { ClientId, CostPlatform, HealthStatus, Platform } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { KeyStatus } from "./keys.ts";

export const PLATFORM_LABEL: Record<Platform, string> = {
  claude: "Claude",
  gemini: "Gemini",
  openai: "OpenAI",
  droid: "Droid",
};

export const COST_PLATFORM_LABEL: Record<CostPlatform, string> = {
  ...PLATFORM_LABEL,
  bedrock: "Bedrock",
  "azure-openai": "Azure OpenAI",
};

export const CLIENT_LABEL: Record<ClientId, string> = {
  claude_code: "Claude Code",
  gemini_cli: "Gemini CLI",
  codex_cli: "Codex CLI",
  droid_cli: "Droid",
};

export const KEY_STATUS_LABEL: Record<KeyStatus, MessageKey> = {
  active: "status.active",
  disabled: "status.disabled",
  expired: "status.expired",
};

export const HEALTH_LABEL: Record<HealthStatus, MessageKey> = {
  active: "health.active",
  "rate-limited": "health.rateLimited",
  overloaded: "health.overloaded",
  unauthorized: "health.unauthorized",
  error: "health.error",
  blocked: "health.blocked",
};
