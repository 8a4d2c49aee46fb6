// The PKCE verifier and state of an OAuth authorization in progress (Claude, Gemini, OpenAI):
// kept 10 minutes in the keyspace between the admin opening the link and pasting the code, taken
// once, and only by the platform that started it.
import { z } from "@hono/zod-openapi";
import type { Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { keys } from "../keyspace/keys.ts";

const SESSION_SECONDS = 600;

export interface PkceSession {
  verifier: string;
  state: string;
}

const storedSchema = z.object({ platform: z.string(), verifier: z.string(), state: z.string() });

/** Stores the session; what the admin API answers besides the authorization link. */
export async function startOauthSession(
  s: Services,
  platform: "claude" | "gemini" | "openai",
  session: PkceSession,
): Promise<{ sessionId: string; expiresAt: string }> {
  const sessionId = crypto.randomUUID();
  await s.keyspace.redis.set(keys.oauthSession(sessionId), JSON.stringify({ platform, ...session }), {
    ex: SESSION_SECONDS,
  });
  return { sessionId, expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString() };
}

/** Takes the session (once); a missing, expired or other platform's session is the admin's 400. */
export async function takeOauthSession(
  s: Services,
  platform: "claude" | "gemini" | "openai",
  sessionId: string,
): Promise<PkceSession> {
  const raw = await s.keyspace.redis.getdel<unknown>(keys.oauthSession(sessionId));
  let parsed: ReturnType<typeof storedSchema.safeParse> | undefined;
  try {
    parsed = raw ? storedSchema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success || parsed.data.platform !== platform)
    throw new RelayError("invalid_request", "Unknown or expired OAuth session: start again");
  return { verifier: parsed.data.verifier, state: parsed.data.state };
}
