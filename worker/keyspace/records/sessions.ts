// Short-lived records of an admin flow in progress.
import { z } from "zod";

/** The PKCE verifier and state of an OAuth authorization in progress (kept 10 minutes). */
export const oauthSessionRecordSchema = z.object({
  // Sessions stored before the version existed (at most 10 minutes old across a deploy) read as 1.
  v: z.literal(1).default(1),
  platform: z.string(),
  verifier: z.string(),
  state: z.string(),
});
export type OauthSessionRecord = z.infer<typeof oauthSessionRecordSchema>;
