// Keys imported from Claude Relay Service (migrations/crs). The original stores only
// sha256_hex(key + its ENCRYPTION_KEY), from which our HMAC cannot be derived; the importer keeps
// that hash in a compatibility index (keys.legacyKeyByHash). The first request with such a key
// finds it there when CRS_ENCRYPTION_KEY is set, and the record is then upgraded to our hash —
// off the response path. The key itself is never stored.
import { describeError, log } from "../http/log.ts";
import { timingSafeEqual, toHex } from "../keyspace/crypto.ts";
import type { LegacyKeyStore, StoredRelayKey } from "../keyspace/legacy-key-store.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";

/** The original service's hash of a relay key: sha256 hex of the key followed by its ENCRYPTION_KEY. */
export async function crsKeyHash(rawKey: string, crsEncryptionKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rawKey + crsEncryptionKey));
  return toHex(digest);
}

/**
 * What an imported record holds as `hash` until its first use: sha256 of the CRS hash with a
 * marker. Deterministic (the importer needs none of our secrets), and no key's HMAC equals it.
 */
export async function legacyPlaceholderHash(crsHash: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`crs-legacy:${crsHash}`)));
}

/** The "cr_1a2b…wxyz" preview shown in lists (the same shape as keys created here). */
export function keyPreview(rawKey: string): string {
  return `${rawKey.slice(0, 7)}…${rawKey.slice(-4)}`;
}

/** What the lookup needs of the Worker's services (structural, so Node tools can import this file). */
export interface LegacyLookupServices {
  config: { CRS_ENCRYPTION_KEY?: string };
  keyspace: { legacyKeys: LegacyKeyStore };
}

interface Upgrade {
  id: string;
  hash: string;
  preview: string;
  crsHash: string;
  placeholder: string;
}

async function upgrade(store: LegacyKeyStore, first: StoredRelayKey, target: Upgrade): Promise<void> {
  let stored: StoredRelayKey | null = first;
  for (let attempt = 0; attempt < 3 && stored; attempt++) {
    if (stored.record.hash === target.hash) {
      // Upgraded already (another isolate, or an activation write): only the old entries go.
      await store.forget(target.crsHash);
      return;
    }
    if (stored.record.hash !== target.placeholder) return;
    const upgraded = { ...stored.record, hash: target.hash, preview: target.preview };
    if (await store.upgrade(stored, upgraded, target)) {
      log("info", "imported relay key upgraded to this relay's hash", { keyId: target.id });
      return;
    }
    stored = await store.read(target.id);
  }
}

/**
 * Looks a key up by the original's hash (only called when the HMAC lookup missed and
 * CRS_ENCRYPTION_KEY is set). Returns the record as it will be after the upgrade, which runs in
 * `waitUntil`; null when the key is not an imported one.
 */
export async function findLegacyKey(
  services: LegacyLookupServices,
  rawKey: string,
  hash: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<RelayKeyRecord | null> {
  const crsSecret = services.config.CRS_ENCRYPTION_KEY;
  if (!crsSecret) return null;
  const store = services.keyspace.legacyKeys;
  const crsHash = await crsKeyHash(rawKey, crsSecret);
  const id = await store.findId(crsHash);
  if (id === null) return null;
  const stored = await store.read(id);
  // A deleted key is not upgraded back into the lookup: it stays deleted until restored.
  if (!stored || stored.record.deletedAt) return null;
  const placeholder = await legacyPlaceholderHash(crsHash);
  const current = stored.record.hash;
  if (!timingSafeEqual(current, placeholder) && !timingSafeEqual(current, hash)) return null;
  const target: Upgrade = { id, hash, preview: keyPreview(rawKey), crsHash, placeholder };
  waitUntil(
    upgrade(store, stored, target).catch((error: unknown) =>
      log("warn", "imported relay key upgrade failed; retried on its next use", {
        keyId: id,
        error: describeError(error),
      }),
    ),
  );
  return { ...stored.record, hash, preview: target.preview };
}
