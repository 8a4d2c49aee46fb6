// Type-specific account settings (AccountRecord.settings), validated by the account kind's schema
// (providers/account-types.ts). Kinds without one take none.
import { RelayError } from "../http/errors.ts";
import {
  type AccountRecord,
  type AccountSettingsMap,
  accountSettingsSchema,
} from "../keyspace/records/accounts.ts";
import { accountKind } from "../providers/account-types.ts";

/** The stored settings with `changes` merged in (a null value removes a setting), validated for the type. */
export function mergedSettings(record: AccountRecord, changes: Record<string, unknown>): AccountSettingsMap {
  const schema = accountKind(record.type).settings;
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
