import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";

/** When a key stops working (epoch ms), or null if it never does or is not yet activated. */
export function expiresAt(record: RelayKeyRecord): number | null {
  const expiry = record.expiry;
  if (expiry.mode === "fixed") return Date.parse(expiry.expiresAt);
  if (expiry.mode === "activation" && expiry.activatedAt) {
    return Date.parse(expiry.activatedAt) + expiry.days * 86_400_000;
  }
  return null;
}
