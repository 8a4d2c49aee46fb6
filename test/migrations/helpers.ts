// A private redis-server with an Upstash-REST bridge in front (our keyspace), and a dump of a
// redis database that ignores TTLs, to show that an import changed nothing.
import Redis from "ioredis";
import { type RedisServer, startRedis } from "../../dev/redis.ts";
import { startUpstashBridge, type UpstashBridge } from "../../dev/upstash-bridge.ts";
import { connectRedis } from "../../worker/keyspace/store.ts";

export interface TestKeyspace {
  server: RedisServer;
  bridge: UpstashBridge;
  token: string;
  /** Direct access, for assertions. */
  direct: Redis;
  /** The client our code uses (through the bridge). */
  upstash: ReturnType<typeof connectRedis>;
  stop(): Promise<void>;
}

export async function startKeyspace(token = "migrations-test-token"): Promise<TestKeyspace> {
  const server = await startRedis();
  const bridge = await startUpstashBridge({ redisPort: server.port, token });
  const direct = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await direct.connect();
  return {
    server,
    bridge,
    token,
    direct,
    upstash: connectRedis({ url: bridge.url, token }),
    async stop() {
      direct.disconnect();
      await bridge.close();
      await server.stop();
    },
  };
}

export async function startSourceRedis(): Promise<{ server: RedisServer; client: Redis; url: string }> {
  const server = await startRedis();
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await client.connect();
  return { server, client, url: `redis://${server.host}:${server.port}/0` };
}

/** Every key with its type and value (hash fields and set members sorted); TTLs left out. */
export async function dump(redis: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === "string") out[key] = await redis.get(key);
      else if (type === "hash")
        out[key] = Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b));
      else if (type === "set") out[key] = (await redis.smembers(key)).sort();
      else if (type === "list") out[key] = await redis.lrange(key, 0, -1);
      else out[key] = `(${type})`;
    }
  } while (cursor !== "0");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
