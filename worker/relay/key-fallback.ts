// A second copy of each key record in the Cache API, for one case: the keyspace is down and this
// isolate has never seen the key (isolates are recycled at any time). The isolate cache
// (auth.ts) answers every other request; this copy is written at most once per record version
// per isolate, after the response, and read only when the keyspace has failed.
import { type RelayKeyRecord, relayKeyRecordSchema } from "../keyspace/records/relay-keys.ts";

/** Not a routable address: the Cache API only needs a URL-shaped key. */
const ORIGIN = "https://key-fallback.edge-relay.internal";
/** How long a copy outlives the last time an isolate wrote it. */
const KEEP_SECONDS = 7 * 24 * 3600;

const remembered = new Map<string, string>();

function cacheOf(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : caches.default;
}

const urlOf = (hash: string) => `${ORIGIN}/key/${hash}`;

/** Keeps a copy of the record (once per version per isolate). */
export async function rememberKey(hash: string, record: RelayKeyRecord): Promise<void> {
  const cache = cacheOf();
  if (!cache || remembered.get(hash) === record.updatedAt) return;
  remembered.set(hash, record.updatedAt);
  try {
    await cache.put(
      urlOf(hash),
      new Response(JSON.stringify(record), {
        headers: { "content-type": "application/json", "cache-control": `max-age=${KEEP_SECONDS}` },
      }),
    );
  } catch {
    remembered.delete(hash);
  }
}

/** The copy kept for this key hash, if any; never throws. */
export async function recallKey(hash: string): Promise<RelayKeyRecord | null> {
  const cache = cacheOf();
  if (!cache) return null;
  try {
    const hit = await cache.match(urlOf(hash));
    if (!hit) return null;
    const parsed = relayKeyRecordSchema.safeParse(await hit.json());
    return parsed.success && parsed.data.hash === hash ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A deleted key must not live on in the copy. */
export async function forgetKeyCopy(hash: string): Promise<void> {
  remembered.delete(hash);
  await cacheOf()
    ?.delete(urlOf(hash))
    .catch(() => false);
}
