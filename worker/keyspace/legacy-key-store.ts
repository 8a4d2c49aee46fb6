// The compatibility index of keys imported from Claude Relay Service (keys.legacyKeyByHash: the
// original's hash → key id) and the compare-and-set that moves such a key to our hash on its
// first use (worker/relay/legacy-key.ts decides when).
import type { Redis } from "@upstash/redis/cloudflare";
import { parseQuietly } from "./codec.ts";
import { keys } from "./keys.ts";
import { type RelayKeyRecord, relayKeyRecordSchema } from "./records/relay-keys.ts";

/** A key record as stored: its exact text (what the compare-and-set compares) and its reading. */
export interface StoredRelayKey {
  raw: string;
  record: RelayKeyRecord;
}

// Compare-and-set: the record is replaced only if nobody changed it since it was read.
const UPGRADE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HDEL', KEYS[2], ARGV[5])
redis.call('HDEL', KEYS[3], ARGV[6])
return 1
`;

export class LegacyKeyStore {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** The id filed under the original's hash of a key, or null. */
  async findId(crsHash: string): Promise<string | null> {
    const id = await this.redis.hget<string>(keys.legacyKeyByHash(), crsHash);
    return typeof id === "string" && id !== "" ? id : null;
  }

  async read(id: string): Promise<StoredRelayKey | null> {
    const raw = await this.redis.get<string>(keys.relayKey(id));
    const record = parseQuietly(relayKeyRecordSchema, raw);
    return typeof raw === "string" && record ? { raw, record } : null;
  }

  /**
   * Stores `upgraded` (the key under our hash) in place of `stored` if the record is still exactly
   * `stored`, files it under our hash and drops the placeholder and the original's hash, in one
   * EVAL; false when the record changed since it was read.
   */
  async upgrade(
    stored: StoredRelayKey,
    upgraded: RelayKeyRecord,
    old: { placeholder: string; crsHash: string },
  ): Promise<boolean> {
    const done = await this.redis.eval(
      UPGRADE,
      [keys.relayKey(upgraded.id), keys.relayKeyByHash(), keys.legacyKeyByHash()],
      [
        stored.raw,
        JSON.stringify(relayKeyRecordSchema.parse(upgraded)),
        upgraded.hash,
        upgraded.id,
        old.placeholder,
        old.crsHash,
      ],
    );
    return Number(done) === 1;
  }

  /** Drops the original's hash from the index (the key was upgraded already). */
  async forget(crsHash: string): Promise<void> {
    await this.redis.hdel(keys.legacyKeyByHash(), crsHash);
  }
}
