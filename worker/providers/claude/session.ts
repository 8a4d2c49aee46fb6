// The sticky-session hash of a Claude request, computed exactly as Claude Relay Service computes
// it (src/utils/sessionHelper.js), so a conversation keeps its account across the move.
import { asObject } from "../../http/json.ts";

const isEphemeral = (part: unknown) => asObject(asObject(part)?.cache_control)?.type === "ephemeral";

async function sha256Prefix(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex.slice(0, 32);
}

/** The session id Claude Code puts in metadata.user_id, in either of its two formats. */
export function sessionIdFromUserId(userId: unknown): string | undefined {
  if (typeof userId !== "string") return undefined;
  const legacy = userId.match(/^user_[a-f0-9]{64}_account_.*?_session_([a-f0-9-]+)$/i);
  if (legacy?.[1]) return legacy[1];
  try {
    const parsed = asObject(JSON.parse(userId));
    if (typeof parsed?.session_id === "string" && parsed.session_id) return parsed.session_id;
  } catch {
    // Not JSON: no session id.
  }
  return undefined;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => asObject(part)?.type === "text")
    .map((part) => {
      const text = asObject(part)?.text;
      return typeof text === "string" ? text : "";
    })
    .join("");
}

export async function claudeSessionHash(body: unknown): Promise<string | undefined> {
  const request = asObject(body);
  if (!request) return undefined;
  const fromMetadata = sessionIdFromUserId(asObject(request.metadata)?.user_id);
  if (fromMetadata) return fromMetadata;

  const system = request.system ?? "";
  const messages = Array.isArray(request.messages) ? request.messages : [];
  let cacheable = "";
  if (Array.isArray(system)) {
    for (const part of system) {
      const text = asObject(part)?.text;
      if (isEphemeral(part)) cacheable += typeof text === "string" ? text : "";
    }
  }
  const hasCachedMessage = messages.some((message) => {
    const m = asObject(message);
    const content = m?.content ?? "";
    return Array.isArray(content) ? content.some(isEphemeral) : typeof content === "string" && isEphemeral(m);
  });
  if (hasCachedMessage) {
    const firstWithText = messages.map((m) => textOf(asObject(m)?.content)).find((text) => text !== "");
    if (firstWithText) cacheable += firstWithText;
  }
  if (cacheable) return sha256Prefix(cacheable);

  const systemText =
    typeof system === "string"
      ? system
      : Array.isArray(system)
        ? system
            .map((part) => (typeof asObject(part)?.text === "string" ? (asObject(part)?.text as string) : ""))
            .join("")
        : "";
  if (systemText) return sha256Prefix(systemText);

  const first = textOf(asObject(messages[0])?.content);
  return first ? sha256Prefix(first) : undefined;
}
