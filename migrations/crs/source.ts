// Reading the original service, read-only, as a keyspace: SCAN every key, TYPE each, then read each
// key by its type, in batches. Three sources: a Redis URL (ioredis), an Upstash REST endpoint, or
// one of its JSON exports laid out again as the keys it was read from (json-source.ts).
import { existsSync } from "node:fs";
import type { Redis as UpstashRedis } from "@upstash/redis/cloudflare";
// Default import: ioredis is CommonJS (see dev/upstash-bridge.ts).
import Redis from "ioredis";
import { connectRedis } from "../../worker/keyspace/store.ts";
import { openJsonSource } from "./json-source.ts";

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
  /** What the source itself could not carry over (a JSON export's unreadable entries). */
  readonly notes?: readonly string[];
  /**
   * The source holds part of the original's data (an export file: some families, recent periods,
   * the keys that still had a record): sums over it are not totals, and do not replace ours.
   */
  readonly partial?: boolean;
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

type Op = "type" | "hgetall" | "get" | "smembers" | "pttl";

/** What differs between the two Redis transports: a SCAN page, and one pipeline of one command. */
interface Transport {
  label: string;
  scanPage(cursor: string): Promise<[cursor: string, keys: string[]]>;
  run(op: Op, keys: string[]): Promise<unknown[]>;
  close(): Promise<void>;
}

const asString = (v: unknown) =>
  v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);

function readerOver(t: Transport): SourceReader {
  const each =
    <T>(op: Op, convert: (value: unknown) => T) =>
    (keys: readonly string[]) =>
      batched(keys, async (chunk) => (chunk.length === 0 ? [] : (await t.run(op, chunk)).map(convert)));
  return {
    label: t.label,
    async *scan() {
      let cursor = "0";
      do {
        const [next, keys] = await t.scanPage(cursor);
        cursor = next;
        if (keys.length > 0) yield keys;
      } while (cursor !== "0");
    },
    types: each("type", String),
    hashes: each("hgetall", toFields),
    strings: each("get", asString),
    sets: each("smembers", (v) => (Array.isArray(v) ? v.map(String) : [])),
    ttls: each("pttl", Number),
    close: () => t.close(),
  };
}

/** A redis:// or rediss:// URL (database number as its path, e.g. redis://host:6379/2). */
export async function openRedisSource(url: string): Promise<SourceReader> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  client.on("error", () => {}); // reported by the command that fails
  await client.connect();
  return readerOver({
    label: redactUrl(url),
    async scanPage(cursor) {
      const [next, keys] = await client.scan(cursor, "COUNT", 1000);
      return [next, keys];
    },
    async run(op, keys) {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline[op](key);
      return ((await pipeline.exec()) ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
    },
    async close() {
      client.disconnect();
    },
  });
}

/** An Upstash REST endpoint (the original run against Upstash, or any REST bridge). */
export function openUpstashSource(url: string, token: string): SourceReader {
  const client: UpstashRedis = connectRedis({ url, token });
  return readerOver({
    label: redactUrl(url),
    async scanPage(cursor) {
      const [next, keys] = await client.scan(cursor, { count: 1000 });
      return [String(next), keys];
    },
    async run(op, keys) {
      const pipeline = client.pipeline();
      for (const key of keys) {
        // One call per op: the client's generic signatures do not unify into one callable.
        if (op === "type") pipeline.type(key);
        else if (op === "hgetall") pipeline.hgetall(key);
        else if (op === "get") pipeline.get(key);
        else if (op === "smembers") pipeline.smembers(key);
        else pipeline.pttl(key);
      }
      return pipeline.exec();
    },
    async close() {},
  });
}

export interface OpenSourceOptions {
  /** REST token when `from` is an Upstash URL. */
  token?: string;
  /** The original's ENCRYPTION_KEY: hashes keys a JSON export holds in clear. */
  crsEncryptionKey: string;
}

/** The original's Redis (redis://, rediss://, an Upstash REST URL) or one of its JSON exports. */
export async function openSource(from: string, options: OpenSourceOptions): Promise<SourceReader> {
  if (/^rediss?:\/\//i.test(from)) return openRedisSource(from);
  if (/^https?:\/\//i.test(from)) {
    if (!options.token) throw new Error("--from is an Upstash REST URL: --from-token is required");
    return openUpstashSource(from, options.token);
  }
  if (existsSync(from)) return openJsonSource(from, options.crsEncryptionKey);
  throw new Error(
    `--from must be redis://HOST:PORT[/db], rediss://…, an Upstash REST URL, or an export file; got ${from}`,
  );
}
