// An account type's `settings` read back from the stored record, for the types that cannot serve
// without them (Azure's deployment, Bedrock's region).
import { z } from "zod";
import { RelayError } from "../http/errors.ts";
import type { AccountRecord } from "../keyspace/records/accounts.ts";

/**
 * The settings `schema` reads from `account`; a record without valid ones answers 502, naming the
 * account type (`kind`) and the `setting` it lacks.
 */
export function requiredSettings<T>(
  schema: z.ZodType<T>,
  account: AccountRecord,
  kind: string,
  setting: string,
): T {
  const parsed = schema.safeParse(account.settings ?? {});
  if (!parsed.success) {
    throw new RelayError("unavailable", `${kind} account ${account.name} has no valid ${setting} setting`, {
      status: 502,
    });
  }
  return parsed.data;
}

/**
 * A per-account model mapping: the model a client names → the model sent upstream for that
 * account (Claude Console, OpenAI and Gemini accounts: relay/model-mapping.ts; Bedrock keeps its own).
 */
export const modelMappingSetting = z.record(z.string().min(1).max(200), z.string().min(1).max(300));
