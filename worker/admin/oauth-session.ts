// The PKCE verifier and state of an OAuth authorization in progress (Claude, Gemini, OpenAI):
// kept 10 minutes in the keyspace between the admin opening the link and pasting the code, taken
// once, and only by the platform that started it.
import type { Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";

const SESSION_SECONDS = 600;

export interface PkceSession {
  verifier: string;
  state: string;
}

/** Stores the session; what the admin API answers besides the authorization link. */
export async function startOauthSession(
  s: Services,
  platform: "claude" | "gemini" | "openai",
  session: PkceSession,
): Promise<{ sessionId: string; expiresAt: string }> {
  const sessionId = crypto.randomUUID();
  await s.keyspace.oauthSessions.put(sessionId, { v: 1, platform, ...session }, SESSION_SECONDS);
  return { sessionId, expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString() };
}

/** Takes the session (once); a missing, expired or other platform's session is the admin's 400. */
export async function takeOauthSession(
  s: Services,
  platform: "claude" | "gemini" | "openai",
  sessionId: string,
): Promise<PkceSession> {
  const stored = await s.keyspace.oauthSessions.take(sessionId);
  if (!stored || stored.platform !== platform)
    throw new RelayError("invalid_request", "Unknown or expired OAuth session: start again");
  return { verifier: stored.verifier, state: stored.state };
}
