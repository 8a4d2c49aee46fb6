// Every keyspace migration, in order. Today every record is at v1; these two make the v1 records
// written before a field existed (e.g. `limits.concurrencyQueueSeconds`, `limits.weeklyResetDay`,
// an account's `concurrencyLimit`) state it explicitly. Readers accept such records already (zod
// fills the defaults on read), so both are safe to run at any time and change nothing twice.
import { FAMILIES, type FamilyName, fillMissing, type Migration, type StoredObject } from "./framework.ts";

/** Writes the schema's defaults into v1 records that lack them; leaves every other field as it is. */
export function fillV1Defaults(id: string, family: FamilyName): Migration {
  return {
    id,
    description: `fill the defaults of v1 ${FAMILIES[family].label} that lack fields`,
    family,
    up(record: StoredObject) {
      if (record.v !== 1) return null;
      const parsed = FAMILIES[family].schema.safeParse(record);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `not a valid v1 record (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"})`,
        );
      }
      const filled = structuredClone(record);
      return fillMissing(filled, parsed.data as StoredObject) ? filled : null;
    },
  };
}

export const MIGRATIONS: readonly Migration[] = [
  fillV1Defaults("0001-relay-key-v1-defaults", "relayKeys"),
  fillV1Defaults("0002-account-v1-defaults", "accounts"),
];
