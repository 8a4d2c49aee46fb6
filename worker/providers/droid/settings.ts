// What a Droid account may hold besides its Factory API key: the user agent to present (the
// original lets an account override the Factory CLI's).
import { z } from "zod";
import type { AccountRecord } from "../../keyspace/records.ts";

export const droidSettingsSchema = z.object({ userAgent: z.string().min(1).max(300).optional() }).strict();
export type DroidSettings = z.infer<typeof droidSettingsSchema>;

/** What the admin API takes to create one (the shared account fields come with it). */
export const droidAccountFields = {
  /** A Factory API key (fk-…); the relay sends it as the bearer. */
  apiKey: z.string().min(1).max(500),
  ...droidSettingsSchema.shape,
};

export function droidSettingsOf(account: AccountRecord): DroidSettings {
  const parsed = droidSettingsSchema.safeParse(account.settings ?? {});
  return parsed.success ? parsed.data : {};
}
