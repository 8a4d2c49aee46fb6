// Step 1 of a request: find the relay key in the request, hash it, and load its record —
// from the isolate cache when warm, so a warm key costs no keyspace round trip. Routes call it
// through the `relayKey` middleware (relay-key.ts), once per request.
import type { Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { hashRelayKey, RELAY_KEY_PREFIX, timingSafeEqual } from "../keyspace/crypto.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import { expiresAt } from "./expiry.ts";
import { forgetKeyCopy, recallKey, rememberKey } from "./key-fallback.ts";
import { findLegacyKey } from "./legacy-key.ts";

/** The first non-empty of the places the original service reads a key from, in its order. */
export function extractRelayKey(request: Request, url: URL): string | null {
  const headers = request.headers;
  const bearer = headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  const candidates = [
    headers.get("x-api-key"),
    headers.get("x-goog-api-key"),
    bearer,
    headers.get("api-key"),
    url.searchParams.get("key"),
  ];
  for (const candidate of candidates) {
    const trimmed = candidate?.trim();
    if (trimmed) return trimmed;
  }
  return null;
}

interface CachedKey {
  record: RelayKeyRecord;
  freshUntil: number;
  refreshing?: Promise<RelayKeyRecord | null>;
}

const CACHE_MAX_ENTRIES = 10_000;
/** hash → record. A stale entry is served while one refresh runs in the background. */
const cache = new Map<string, CachedKey>();
/** key → hash, so a warm key costs no HMAC either. Isolate memory only, never stored. */
const hashes = new Map<string, string>();
const pending = new Map<string, Promise<RelayKeyRecord | null>>();

/** Admin edits in this isolate are seen at once; other isolates see them within the cache TTL. */
export function forgetCachedKey(hash: string): Promise<void> {
  cache.delete(hash);
  return forgetKeyCopy(hash);
}

/** What an isolate loses when it is recycled (tests simulate a fresh isolate with it). */
export function forgetIsolateKeys(): void {
  cache.clear();
  hashes.clear();
  pending.clear();
}

async function fetchKey(
  services: Services,
  hash: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<RelayKeyRecord | null> {
  const id = await services.keyspace.findRelayKeyIdByHash(hash);
  const record = id ? await services.keyspace.getRelayKey(id) : null;
  if (!record) {
    cache.delete(hash);
    waitUntil(forgetKeyCopy(hash));
    return null;
  }
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(hash, { record, freshUntil: Date.now() + services.config.KEY_CACHE_SECONDS * 1000 });
  waitUntil(rememberKey(hash, record));
  return record;
}

/** One keyspace lookup per key at a time, however many requests want it. */
function fetchOnce(
  services: Services,
  hash: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<RelayKeyRecord | null> {
  let lookup = pending.get(hash);
  if (!lookup) {
    lookup = fetchKey(services, hash, waitUntil).finally(() => pending.delete(hash));
    pending.set(hash, lookup);
  }
  return lookup;
}

function keyspaceDown(error: unknown): RelayError {
  log("error", "keyspace unreachable for key lookup", { error: String(error) });
  return new RelayError("unavailable", "The relay cannot check API keys right now; try again shortly", {
    headers: { "retry-after": "5" },
  });
}

async function loadKey(
  services: Services,
  hash: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<RelayKeyRecord | null> {
  const cached = cache.get(hash);
  if (cached) {
    if (cached.freshUntil <= Date.now() && !cached.refreshing) {
      // Stale: serve what we know (the KeyGate holds the newest limits anyway) and refresh
      // in the background; if the keyspace is down, keep serving it.
      cached.refreshing = fetchOnce(services, hash, waitUntil).catch(() => {
        cached.refreshing = undefined;
        return cached.record;
      });
      waitUntil(cached.refreshing);
    }
    return cached.record;
  }
  try {
    return await fetchOnce(services, hash, waitUntil);
  } catch (error) {
    // The keyspace is down and this isolate is new: the copy kept in the Cache API, if any.
    const copy = await recallKey(hash);
    if (!copy) throw keyspaceDown(error);
    log("warn", "keyspace unreachable; key served from its cached copy", { keyId: copy.id });
    cache.set(hash, { record: copy, freshUntil: Date.now() + services.config.KEY_CACHE_SECONDS * 1000 });
    return copy;
  }
}

async function hashOf(services: Services, rawKey: string): Promise<string> {
  const known = hashes.get(rawKey);
  if (known) return known;
  const hash = await hashRelayKey(services.config.KEY_HASH_SECRET, rawKey);
  if (hashes.size >= CACHE_MAX_ENTRIES) hashes.clear();
  hashes.set(rawKey, hash);
  return hash;
}

export async function authenticate(
  services: Services,
  rawKey: string | null,
  waitUntil: (promise: Promise<unknown>) => void = () => {},
): Promise<RelayKeyRecord> {
  if (!rawKey)
    throw new RelayError("authentication", "Missing API key: send it as x-api-key or Authorization: Bearer");
  if (!rawKey.startsWith(RELAY_KEY_PREFIX) || rawKey.length < 10 || rawKey.length > 512) {
    throw new RelayError("authentication", "Invalid API key");
  }
  const hash = await hashOf(services, rawKey);
  let record = await loadKey(services, hash, waitUntil);
  if (!record && services.config.CRS_ENCRYPTION_KEY) {
    // A key imported from Claude Relay Service, not used here yet: found by the original's hash,
    // then upgraded to ours in the background (legacy-key.ts).
    try {
      record = await findLegacyKey(services, rawKey, hash, waitUntil);
    } catch (error) {
      throw keyspaceDown(error);
    }
    if (record)
      cache.set(hash, { record, freshUntil: Date.now() + services.config.KEY_CACHE_SECONDS * 1000 });
  }
  // The lookup is by hash; the comparison is repeated in constant time as defence in depth.
  // A deleted key is out of the lookup already; `deletedAt` also stops a copy read before it went.
  if (!record || record.deletedAt || !timingSafeEqual(record.hash, hash))
    throw new RelayError("authentication", "Invalid API key");
  if (!record.isActive) throw new RelayError("authentication", "API key is disabled");
  // Set on the key itself when its user is disabled (worker/users): no extra lookup here.
  if (record.ownerDisabled) throw new RelayError("authentication", "API key's owner is disabled");
  const expiry = expiresAt(record);
  if (expiry !== null && expiry <= Date.now()) throw new RelayError("authentication", "API key has expired");
  return record;
}
