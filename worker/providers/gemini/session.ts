// The sticky-session hash of a Gemini request. The original runs its Claude hash over Gemini bodies,
// which finds no `system`/`messages` there and so never sticks; this keeps a conversation on one
// account instead: Code Assist's `session_id` when the client sends one, else the text of the first
// user turn (Gemini CLI puts its fixed session context there, so every turn of a session agrees).
import { asObject } from "../../http/json.ts";

async function sha256Prefix(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex.slice(0, 32);
}

/** The text parts of one Content, joined. */
export function contentText(content: unknown): string {
  const parts = asObject(content)?.parts;
  if (!Array.isArray(parts)) return "";
  return parts
    .map((part) => {
      const text = asObject(part)?.text;
      return typeof text === "string" && asObject(part)?.thought !== true ? text : "";
    })
    .join("");
}

export async function geminiSessionHash(body: unknown): Promise<string | undefined> {
  const outer = asObject(body);
  if (!outer) return undefined;
  // Code Assist wraps the GenerateContentRequest in `request`.
  const request = asObject(outer.request) ?? outer;
  const sessionId = request.session_id ?? outer.session_id;
  if (typeof sessionId === "string" && sessionId) return sha256Prefix(`session:${sessionId}`);
  const contents = Array.isArray(request.contents) ? request.contents : [];
  const firstUser = contents.find((c) => {
    const role = asObject(c)?.role;
    return role === undefined || role === "user";
  });
  const text = contentText(firstUser);
  return text ? sha256Prefix(text) : undefined;
}
