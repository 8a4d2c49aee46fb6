// Whether a Messages request comes from the real Claude Code CLI, the client Claude subscription
// (OAuth) accounts are for. The checks are the original's Claude Code validator's
// (src/validators/clients/claudeCodeValidator.js): a `claude-cli/x.y.z` User-Agent; non-empty
// `x-app`, `anthropic-beta` and `anthropic-version`; a `metadata.user_id` in either of Claude
// Code's two formats; a Claude Code system prompt. One difference, so that today's CLI passes (see
// /work/shared/clients/claude): the original wants every `system` entry to resemble one of its
// templates; the CLI now sends a billing-header entry and "You are a Claude agent, built on
// Anthropic's Claude Agent SDK." before its prompt, so here one entry that opens with a Claude Code
// identity is enough. Pure: no I/O.
import { asObject } from "../../http/json.ts";

const USER_AGENT = /^claude-cli\/\d+\.\d+\.\d+/i;

/** The openings of the system prompts Claude Code sends (main agent, SDK mode, sub-agents, compaction, titles). */
const IDENTITIES = [
  "x-anthropic-billing-header:",
  "you are claude code, anthropic's official cli for claude",
  "you are a claude agent, built on anthropic's claude agent sdk",
  "you are an agent for claude code, anthropic's official cli for claude",
  "you are a helpful ai assistant tasked with summarizing conversations",
  "analyze if this message indicates a new conversation topic",
];

const LEGACY_USER_ID = /^user_[a-f0-9]{64}_account_.*?_session_[a-f0-9-]+$/i;

/** Claude Code's `metadata.user_id`: `user_<64 hex>_account_<uuid>_session_<uuid>`, or (2.1.78+) JSON with device_id and session_id. */
export function isClaudeCodeUserId(userId: unknown): boolean {
  if (typeof userId !== "string" || userId === "") return false;
  if (!userId.startsWith("{")) return LEGACY_USER_ID.test(userId);
  try {
    const parsed = asObject(JSON.parse(userId));
    return (
      typeof parsed?.device_id === "string" &&
      parsed.device_id !== "" &&
      typeof parsed.session_id === "string" &&
      parsed.session_id !== ""
    );
  } catch {
    return false;
  }
}

function opensAsClaudeCode(text: unknown): boolean {
  if (typeof text !== "string") return false;
  const opening = text.trimStart().slice(0, 80).toLowerCase();
  return IDENTITIES.some((identity) => opening.startsWith(identity));
}

/** A `system` (string or text blocks) with an entry that opens with a Claude Code identity. */
export function hasClaudeCodeSystemPrompt(system: unknown): boolean {
  if (typeof system === "string") return opensAsClaudeCode(system);
  return Array.isArray(system) && system.some((entry) => opensAsClaudeCode(asObject(entry)?.text));
}

const present = (headers: Headers, name: string) => (headers.get(name) ?? "").trim() !== "";

export function isClaudeCode(headers: Headers, body: unknown): boolean {
  if (!USER_AGENT.test(headers.get("user-agent") ?? "")) return false;
  if (
    !present(headers, "x-app") ||
    !present(headers, "anthropic-beta") ||
    !present(headers, "anthropic-version")
  )
    return false;
  const request = asObject(body);
  return (
    request !== undefined &&
    isClaudeCodeUserId(asObject(request.metadata)?.user_id) &&
    hasClaudeCodeSystemPrompt(request.system)
  );
}
