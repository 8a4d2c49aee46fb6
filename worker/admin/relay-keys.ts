// Creating and changing relay keys: shared by the admin API, the local stack and importers.
import { generateRelayKey, hashRelayKey } from "../keyspace/crypto.ts";
import {
  type Expiry,
  type KeyLimits,
  keyLimitsSchema,
  type RelayKeyRecord,
} from "../keyspace/records/relay-keys.ts";
import type { Keyspace } from "../keyspace/store.ts";

export interface NewRelayKey {
  name: string;
  description?: string;
  tags?: string[];
  ownerId?: string;
  expiry?: Expiry;
  limits?: Partial<KeyLimits>;
  boundAccounts?: Record<string, string>;
}

export async function createRelayKey(
  keyspace: Keyspace,
  hashSecret: string,
  input: NewRelayKey,
): Promise<{ record: RelayKeyRecord; key: string }> {
  const created = await newRelayKey(hashSecret, input);
  await keyspace.putRelayKey(created.record);
  return created;
}

/** A new key and its record, not yet stored (batch creation stores many in one transaction). */
export async function newRelayKey(
  hashSecret: string,
  input: NewRelayKey,
): Promise<{ record: RelayKeyRecord; key: string }> {
  const key = generateRelayKey();
  const now = new Date().toISOString();
  const record: RelayKeyRecord = {
    v: 1,
    id: crypto.randomUUID(),
    name: input.name,
    description: input.description ?? "",
    hash: await hashRelayKey(hashSecret, key),
    preview: `${key.slice(0, 7)}…${key.slice(-4)}`,
    isActive: true,
    tags: input.tags ?? [],
    ownerId: input.ownerId,
    createdAt: now,
    updatedAt: now,
    expiry: input.expiry ?? { mode: "never" },
    limits: keyLimitsSchema.parse(input.limits ?? {}),
    boundAccounts: input.boundAccounts ?? {},
  };
  return { record, key };
}
