// Type-specific account settings (AccountRecord.settings): which schema validates them, per
// account type. Types without an entry take none.
import type { z } from "zod";
import { RelayError } from "../http/errors.ts";
import {
  type AccountRecord,
  type AccountSettingsMap,
  type AccountType,
  accountSettingsSchema,
} from "../keyspace/records.ts";
import { azureSettingsSchema } from "../providers/azure/settings.ts";
import { bedrockSettingsSchema } from "../providers/bedrock/settings.ts";
import { droidSettingsSchema } from "../providers/droid/settings.ts";

const SCHEMAS: Partial<Record<AccountType, z.ZodType<Record<string, unknown>>>> = {
  "azure-openai": azureSettingsSchema,
  bedrock: bedrockSettingsSchema,
  droid: droidSettingsSchema,
};

/** The stored settings with `changes` merged in (a null value removes a setting), validated for the type. */
export function mergedSettings(record: AccountRecord, changes: Record<string, unknown>): AccountSettingsMap {
  const schema = SCHEMAS[record.type];
  if (!schema) throw new RelayError("invalid_request", `settings: ${record.type} accounts take no settings`);
  const merged: Record<string, unknown> = { ...record.settings };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RelayError(
      "invalid_request",
      `settings.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  return accountSettingsSchema.parse(parsed.data);
}
