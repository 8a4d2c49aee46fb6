// What a Bedrock account holds besides its access key (the sealed credentials), in the record's
// `settings`: the region it calls and which model ids it sends (not secret, so shown to admins).
import { z } from "zod";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import { requiredSettings } from "../settings.ts";

export const bedrockSettingsSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "region: an AWS region such as us-east-1"),
    /** Client model → Bedrock model id or inference profile; consulted before the built-in mapping. */
    modelMapping: z.record(z.string().min(1).max(200), z.string().min(1).max(300)).optional(),
    /** For a client model no mapping knows (absent: the model is sent as the client named it). */
    defaultModel: z.string().min(1).max(300).optional(),
  })
  .strict();
export type BedrockSettings = z.infer<typeof bedrockSettingsSchema>;

/** What the admin API takes to create one (the shared account fields come with it). */
export const bedrockAccountFields = {
  accessKeyId: z.string().min(1).max(200),
  secretAccessKey: z.string().min(1).max(500),
  /** Temporary (STS) credentials only. */
  sessionToken: z.string().min(1).max(4000).optional(),
  ...bedrockSettingsSchema.shape,
};

export const bedrockSettingsOf = (account: AccountRecord): BedrockSettings =>
  requiredSettings(bedrockSettingsSchema, account, "Bedrock", "region");
