// The sticky-session hash of an OpenAI Responses request, as the original computes it
// (openaiRoutes.js): sha256 (full hex) of the first of the `session_id` header, `x-session-id`,
// body `session_id`, `conversation_id`, `prompt_cache_key`. Codex 0.169 sends its session as
// `session-id` (hyphen): it is read right after `session_id`. Codex also sets prompt_cache_key to
// the same session id, so both spellings give the same hash.

import { asObject } from "../../http/json.ts";
import { toHex } from "../../keyspace/crypto.ts";

export function openaiSessionId(body: unknown, headers: Headers): string | undefined {
  const request = asObject(body) ?? {};
  const candidates: unknown[] = [
    headers.get("session_id"),
    headers.get("session-id"),
    headers.get("x-session-id"),
    request.session_id,
    request.conversation_id,
    request.prompt_cache_key,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === "string" && candidate !== "") return candidate;
  }
  return undefined;
}

export async function openaiSessionHash(body: unknown, headers: Headers): Promise<string | undefined> {
  const id = openaiSessionId(body, headers);
  if (id === undefined) return undefined;
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
}
