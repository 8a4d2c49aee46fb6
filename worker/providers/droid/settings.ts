// What a Droid account may hold besides its credentials: the user agent to present (the original
// lets an account override the Factory CLI's) and, for OAuth accounts, the WorkOS organization.
import { z } from "zod";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";

export const droidSettingsSchema = z
  .object({
    userAgent: z.string().min(1).max(300).optional(),
    /** OAuth accounts: the WorkOS organization their refresh is scoped to (the original sends it). */
    organizationId: z.string().min(1).max(200).optional(),
  })
  .strict();
export type DroidSettings = z.infer<typeof droidSettingsSchema>;

/**
 * What the admin API takes to create one (the shared account fields come with it): a Factory API
 * key, or the tokens of a Factory (WorkOS) login — a refresh token, with the access token it last
 * gave when known.
 */
export const droidAccountFields = {
  /** A Factory API key (fk-…); the relay sends it as the bearer. */
  apiKey: z.string().min(1).max(500).optional(),
  refreshToken: z.string().min(1).max(4000).optional(),
  accessToken: z.string().min(1).max(8000).optional(),
  /** The access token's expiry, epoch ms (without it the token is refreshed before first use). */
  expiresAt: z.number().optional(),
  ...droidSettingsSchema.shape,
};

export function droidSettingsOf(account: AccountRecord): DroidSettings {
  const parsed = droidSettingsSchema.safeParse(account.settings ?? {});
  return parsed.success ? parsed.data : {};
}
