// Reading the original service's Redis, read-only: SCAN every key, TYPE each, then read each key
// by its type, in batches. Two transports: a Redis URL (ioredis) or an Upstash REST endpoint.
import type { Redis as UpstashRedis } from "@upstash/redis/cloudflare";
// Default import: ioredis is CommonJS (see dev/upstash-bridge.ts).
import Redis from "ioredis";
import { connectRedis } from "../../worker/keyspace/store.ts";

export type Fields = Record<string, string>;

export interface SourceReader {
  /** Where it reads from, without credentials. */
  readonly label: string;
  /** Every key, a batch at a time (SCAN: a key may come twice; callers deduplicate). */
  scan(): AsyncGenerator<string[]>;
  types(keys: readonly string[]): Promise<string[]>;
  hashes(keys: readonly string[]): Promise<Fields[]>;
  strings(keys: readonly string[]): Promise<(string | null)[]>;
  sets(keys: readonly string[]): Promise<string[][]>;
  /** PTTL of each key: ms left, -1 without expiry, -2 gone. */
  ttls(keys: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

const BATCH = 500;

async function batched<T>(keys: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += BATCH) out.push(...(await read(keys.slice(i, i + BATCH))));
  return out;
}

function toFields(raw: unknown): Fields {
  const fields: Fields = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) fields[String(raw[i])] = String(raw[i + 1]);
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) {
      fields[field] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return fields;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.username) parsed.username = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** A redis:// or rediss:// URL (database number as its path, e.g. redis://host:6379/2). */
export async function openRedisSource(url: string): Promise<SourceReader> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  client.on("error", () => {}); // reported by the command that fails
  await client.connect();

  async function each<T>(
    keys: readonly string[],
    add: (pipeline: ReturnType<typeof client.pipeline>, key: string) => void,
    convert: (value: unknown) => T,
  ): Promise<T[]> {
    return batched(keys, async (chunk) => {
      const pipeline = client.pipeline();
      for (const key of chunk) add(pipeline, key);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, value]) => {
        if (error) throw error;
        return convert(value);
      });
    });
  }

  return {
    label: redactUrl(url),
    async *scan() {
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) yield keys;
      } while (cursor !== "0");
    },
    types: (keys) =>
      each(
        keys,
        (p, k) => p.type(k),
        (v) => String(v),
      ),
    hashes: (keys) =>
      each(
        keys,
        (p, k) => p.hgetall(k),
        (v) => toFields(v),
      ),
    strings: (keys) =>
      each(
        keys,
        (p, k) => p.get(k),
        (v) => (v === null || v === undefined ? null : String(v)),
      ),
    sets: (keys) =>
      each(
        keys,
        (p, k) => p.smembers(k),
        (v) => (Array.isArray(v) ? v.map(String) : []),
      ),
    ttls: (keys) =>
      each(
        keys,
        (p, k) => p.pttl(k),
        (v) => Number(v),
      ),
    async close() {
      client.disconnect();
    },
  };
}

/** An Upstash REST endpoint (the original run against Upstash, or any REST bridge). */
export function openUpstashSource(url: string, token: string): SourceReader {
  const client: UpstashRedis = connectRedis({ url, token });

  async function each<T>(
    keys: readonly string[],
    add: (pipeline: ReturnType<UpstashRedis["pipeline"]>, key: string) => void,
    convert: (value: unknown) => T,
  ): Promise<T[]> {
    return batched(keys, async (chunk) => {
      if (chunk.length === 0) return [];
      const pipeline = client.pipeline();
      for (const key of chunk) add(pipeline, key);
      const results: unknown[] = await pipeline.exec();
      return results.map(convert);
    });
  }

  return {
    label: redactUrl(url),
    async *scan() {
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, { count: 1000 });
        cursor = String(next);
        if (keys.length > 0) yield keys;
      } while (cursor !== "0");
    },
    types: (keys) =>
      each(
        keys,
        (p, k) => p.type(k),
        (v) => String(v),
      ),
    hashes: (keys) =>
      each(
        keys,
        (p, k) => p.hgetall(k),
        (v) => toFields(v),
      ),
    strings: (keys) =>
      each(
        keys,
        (p, k) => p.get(k),
        (v) => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v)),
      ),
    sets: (keys) =>
      each(
        keys,
        (p, k) => p.smembers(k),
        (v) => (Array.isArray(v) ? v.map(String) : []),
      ),
    ttls: (keys) =>
      each(
        keys,
        (p, k) => p.pttl(k),
        (v) => Number(v),
      ),
    async close() {},
  };
}

export async function openSource(url: string, token: string | undefined): Promise<SourceReader> {
  if (/^rediss?:\/\//i.test(url)) return openRedisSource(url);
  if (/^https?:\/\//i.test(url)) {
    if (!token) throw new Error("--from is an Upstash REST URL: --from-token is required");
    return openUpstashSource(url, token);
  }
  throw new Error(`--from must be redis://HOST:PORT[/db], rediss://…, or an Upstash REST URL; got ${url}`);
}
