// OAuth authorizations in progress (worker/admin/oauth-session.ts): stored for a few minutes
// between the admin opening the link and pasting the code, then taken once.
import type { Redis } from "@upstash/redis/cloudflare";
import { parseRecord } from "./codec.ts";
import { keys } from "./keys.ts";
import { type OauthSessionRecord, oauthSessionRecordSchema } from "./records/sessions.ts";

export class OauthSessionStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  async put(sessionId: string, session: OauthSessionRecord, seconds: number): Promise<void> {
    await this.redis.set(
      keys.oauthSession(sessionId),
      JSON.stringify(oauthSessionRecordSchema.parse(session)),
      {
        ex: seconds,
      },
    );
  }

  /** Reads and deletes it in one command (GETDEL), so a session is used once; null when gone. */
  async take(sessionId: string): Promise<OauthSessionRecord | null> {
    const raw = await this.redis.getdel<unknown>(keys.oauthSession(sessionId));
    return parseRecord(oauthSessionRecordSchema, raw, "oauth session");
  }
}
