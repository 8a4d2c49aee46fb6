// The Upstash bridge (dev/upstash-bridge.ts) in a process of its own, so that its work under load
// does not share an event loop with the bench's load generator, behind a small counting proxy
// that sorts the Worker's keyspace calls by command (reads vs writes such as the usage flush).
// Started by bench/run.ts:
//   env BENCH_REDIS_PORT, BENCH_BRIDGE_TOKEN → prints one line `{"url": "..."}` when listening
//   (the proxy's URL: the Worker's UPSTASH_REDIS_REST_URL).
//   GET /__bench_stats (bearer token) → BridgeCallStats.
// Stops on SIGTERM/SIGINT or when its stdin closes (the bench died).
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { startUpstashBridge } from "../dev/upstash-bridge.ts";

export interface BridgeCallStats {
  /** HTTP calls the Worker made to the keyspace. */
  calls: number;
  /** Calls whose every command only reads. */
  reads: number;
  /** Calls with at least one command that writes (or a script). */
  writes: number;
  /** Calls by shape: `GET`, `EVAL`, `pipeline[GET+HGETALL]`, … */
  byShape: Record<string, number>;
}

const READ_ONLY = new Set(
  (
    "GET MGET GETRANGE STRLEN EXISTS TYPE TTL PTTL HGET HMGET HGETALL HLEN HEXISTS HKEYS HVALS " +
    "SMEMBERS SISMEMBER SMISMEMBER SCARD LRANGE LLEN LINDEX ZRANGE ZREVRANGE ZRANGEBYSCORE ZSCORE ZCARD " +
    "SCAN HSCAN SSCAN ZSCAN KEYS DBSIZE PING EVAL_RO EVALSHA_RO"
  ).split(" "),
);

function commandNames(path: string, body: unknown): string[] {
  const nameOf = (command: unknown) =>
    Array.isArray(command) && typeof command[0] === "string" ? command[0].toUpperCase() : "?";
  if (path === "/") return [nameOf(body)];
  return Array.isArray(body) ? body.map(nameOf) : ["?"];
}

const redisPort = Number(process.env.BENCH_REDIS_PORT);
const token = process.env.BENCH_BRIDGE_TOKEN ?? "";
if (!Number.isInteger(redisPort) || redisPort <= 0 || token === "") {
  console.error("bridge-child: BENCH_REDIS_PORT and BENCH_BRIDGE_TOKEN are required");
  process.exit(2);
}

const bridge = await startUpstashBridge({ redisPort, token });
const target = new URL(bridge.url);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const stats: BridgeCallStats = { calls: 0, reads: 0, writes: 0, byShape: {} };

const proxy = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const path = new URL(req.url ?? "/", "http://bridge").pathname.replace(/(.)\/+$/, "$1");
    if (path === "/__bench_stats") {
      const ok = req.headers.authorization === `Bearer ${token}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? stats : { error: "Unauthorized" }));
      return;
    }
    const body = Buffer.concat(chunks);
    if (path !== "/__stats") {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        // The bridge answers it with 400.
      }
      const names = commandNames(path, parsed);
      const unique = [...new Set(names)];
      const shape = path === "/" ? unique.join("+") : `${path.slice(1)}[${unique.join("+")}]`;
      stats.calls++;
      if (names.every((name) => READ_ONLY.has(name))) stats.reads++;
      else stats.writes++;
      stats.byShape[shape] = (stats.byShape[shape] ?? 0) + 1;
    }
    const upstream = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, "content-length": String(body.length) },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `ERR bench proxy: ${error.message}` }));
    });
    upstream.end(body);
  });
});

const port = await new Promise<number>((resolve, reject) => {
  proxy.once("error", reject);
  proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as AddressInfo).port));
});
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(0), 2_000);
  force.unref();
  proxy.close();
  proxy.closeAllConnections();
  agent.destroy();
  void bridge.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
