// Step 1 of a request: find the relay key in the request, hash it, and load its record —
// from the isolate cache when warm, so a warm key costs no keyspace round trip.
import type { Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { hashRelayKey, RELAY_KEY_PREFIX, timingSafeEqual } from "../keyspace/crypto.ts";
import type { Platform, RelayKeyRecord } from "../keyspace/records.ts";
import { expiresAt } from "./expiry.ts";

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
  expiresAt: number;
}

const cache = new Map<string, CachedKey>();
const CACHE_MAX_ENTRIES = 10_000;

/** Admin edits in this isolate are seen at once; other isolates see them within the cache TTL. */
export function forgetCachedKey(hash: string): void {
  cache.delete(hash);
}

async function loadKey(services: Services, hash: string): Promise<RelayKeyRecord | null> {
  const now = Date.now();
  const cached = cache.get(hash);
  if (cached && cached.expiresAt > now) return cached.record;
  let record: RelayKeyRecord | null;
  try {
    const id = await services.keyspace.findRelayKeyIdByHash(hash);
    record = id ? await services.keyspace.getRelayKey(id) : null;
  } catch (error) {
    // The keyspace is down: a key seen before keeps working on what we knew of it (its limits
    // are enforced by its KeyGate either way); an unknown key cannot be checked.
    if (cached) return cached.record;
    console.error(
      JSON.stringify({ level: "error", msg: "keyspace unreachable for key lookup", error: String(error) }),
    );
    throw new RelayError("unavailable", "The relay cannot check API keys right now; try again shortly", {
      headers: { "retry-after": "5" },
    });
  }
  if (!record) {
    cache.delete(hash);
    return null;
  }
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(hash, { record, expiresAt: now + services.config.KEY_CACHE_SECONDS * 1000 });
  return record;
}

export async function authenticate(services: Services, rawKey: string | null): Promise<RelayKeyRecord> {
  if (!rawKey)
    throw new RelayError("authentication", "Missing API key: send it as x-api-key or Authorization: Bearer");
  if (!rawKey.startsWith(RELAY_KEY_PREFIX) || rawKey.length < 10 || rawKey.length > 512) {
    throw new RelayError("authentication", "Invalid API key");
  }
  const hash = await hashRelayKey(services.config.KEY_HASH_SECRET, rawKey);
  const record = await loadKey(services, hash);
  // The lookup is by hash; the comparison is repeated in constant time as defence in depth.
  if (!record || !timingSafeEqual(record.hash, hash))
    throw new RelayError("authentication", "Invalid API key");
  if (!record.isActive) throw new RelayError("authentication", "API key is disabled");
  const expiry = expiresAt(record);
  if (expiry !== null && expiry <= Date.now()) throw new RelayError("authentication", "API key has expired");
  return record;
}

export function requirePermission(record: RelayKeyRecord, platform: Platform): void {
  const permissions = record.limits.permissions;
  if (permissions.length > 0 && !permissions.includes(platform)) {
    throw new RelayError("permission", `This API key is not allowed to use ${platform}`);
  }
}
