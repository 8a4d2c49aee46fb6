// The Upstash-REST bridge (dev/upstash-bridge.ts) against a real redis-server, driven by the
// real @upstash/redis client the Worker uses (connectRedis), plus raw HTTP for the wire details.
import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../dev/redis.ts";
import { startUpstashBridge, type UpstashBridge } from "../../dev/upstash-bridge.ts";
import { connectRedis } from "../../worker/keyspace/store.ts";

const TOKEN = "bridge-test-token";

let redisServer: RedisServer;
let bridge: UpstashBridge;
let redis: Redis;

beforeAll(async () => {
  redisServer = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redisServer.port, token: TOKEN });
  redis = connectRedis({ url: bridge.url, token: TOKEN });
});

afterAll(async () => {
  await bridge?.close();
  await redisServer?.stop();
});

beforeEach(async () => {
  bridge.resume();
  await redis.flushdb();
});

interface PostOptions {
  token?: string | null;
  base64?: boolean;
}

async function post(path: string, body: unknown, { token = TOKEN, base64 = false }: PostOptions = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (base64) headers["upstash-encoding"] = "base64";
  const res = await fetch(`${bridge.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("strings", () => {
  it("set, get, mget and set nx", async () => {
    expect(await redis.set("a", "1")).toBe("OK");
    expect(await redis.get("a")).toBe("1");
    expect(await redis.get("missing")).toBeNull();
    expect(await redis.set("a", "2", { nx: true })).toBeNull();
    expect(await redis.set("b", "2", { nx: true })).toBe("OK");
    expect(await redis.mget("a", "missing", "b")).toEqual(["1", null, "2"]);
  });

  it("keeps text exact: unicode, JSON, quotes, newlines, NUL", async () => {
    const samples = [
      "héllo wörld ✓ 🚀",
      JSON.stringify({ a: [1, "x"], b: null }),
      "q\"uo'te\n\r\t",
      "a\u0000b",
      "",
    ];
    for (const [i, value] of samples.entries()) {
      await redis.set(`s${i}`, value);
      expect(await redis.get(`s${i}`)).toBe(value);
    }
  });

  it("numbers as arguments and integer replies", async () => {
    expect(await redis.incrby("n", 5)).toBe(5);
    expect(await redis.set("ttl", "x", { ex: 100 })).toBe("OK");
    expect(await redis.ttl("ttl")).toBeGreaterThan(90);
  });
});

describe("hashes, sets and lists", () => {
  it("hset, hget, hgetall, hincrby", async () => {
    expect(await redis.hset("h", { f: "v", g: "w" })).toBe(2);
    expect(await redis.hget("h", "f")).toBe("v");
    expect(await redis.hget("h", "nope")).toBeNull();
    expect(await redis.hincrby("h", "count", 3)).toBe(3);
    expect(await redis.hincrby("h", "count", -1)).toBe(2);
    // connectRedis turns automatic deserialization off: HGETALL stays the flat field/value list.
    expect(await redis.hgetall("h")).toEqual(["f", "v", "g", "w", "count", "2"]);
    expect(await redis.hgetall("empty")).toEqual([]);
  });

  it("sadd, smembers", async () => {
    expect(await redis.sadd("s", "x", "y", "z")).toBe(3);
    expect((await redis.smembers("s")).sort()).toEqual(["x", "y", "z"]);
    expect(await redis.smembers("none")).toEqual([]);
  });

  it("lpush, lrange, ltrim", async () => {
    expect(await redis.lpush("l", "1", "2", "3")).toBe(3);
    expect(await redis.lrange("l", 0, -1)).toEqual(["3", "2", "1"]);
    await redis.ltrim("l", 0, 1);
    expect(await redis.lrange("l", 0, -1)).toEqual(["3", "2"]);
  });
});

describe("scripts", () => {
  it("eval with keys, args and nested table replies", async () => {
    const script =
      "redis.call('SET', KEYS[1], ARGV[1]); return {1, ARGV[1], {2, 'b', {'deep'}}, redis.call('GET', KEYS[1])}";
    expect(await redis.eval(script, ["k"], ["välue"])).toEqual([1, "välue", [2, "b", ["deep"]], "välue"]);
  });

  it("evalsha falls back through NOSCRIPT to eval", async () => {
    const script = redis.createScript<number>("return tonumber(ARGV[1]) + 1");
    expect(await script.exec([], ["41"])).toBe(42);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });
});

describe("pipeline and multi-exec", () => {
  it("pipeline returns each result in order", async () => {
    const p = redis.pipeline();
    p.set("p", "1");
    p.incr("p");
    p.hset("ph", { a: "1" });
    p.hgetall("ph");
    p.get("nothing");
    expect(await p.exec()).toEqual(["OK", 2, 1, ["a", "1"], null]);
  });

  it("pipeline reports a failing command in place, the others still run", async () => {
    await redis.set("str", "x");
    const p = redis.pipeline();
    p.get("str");
    p.hget("str", "f");
    p.set("after", "y");
    const results = await p.exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: "x", error: undefined });
    expect(results[1]?.error).toMatch(/^WRONGTYPE/);
    expect(await redis.get("after")).toBe("y");
    await expect(redis.pipeline().get("str").hget("str", "f").exec()).rejects.toThrow(/WRONGTYPE/);
  });

  it("multi-exec runs as one transaction", async () => {
    const tx = redis.multi();
    tx.set("t", "1");
    tx.incrby("t", 9);
    tx.sadd("ts", "a");
    tx.smembers("ts");
    expect(await tx.exec()).toEqual(["OK", 10, 1, ["a"]]);
  });

  it("multi-exec: runtime errors in place; a command redis refuses aborts everything", async () => {
    const raw = await post("/multi-exec", [
      ["SET", "m", "v"],
      ["HGET", "m", "f"],
      ["GET", "m"],
    ]);
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual([
      { result: "OK" },
      { error: expect.stringMatching(/^WRONGTYPE/) },
      { result: "v" },
    ]);
    const aborted = await post("/multi-exec", [["SET", "m2", "v"], ["GET"]]);
    expect(aborted.status).toBe(400);
    expect(aborted.body).toEqual({ error: expect.stringMatching(/^EXECABORT/) });
    expect(await redis.get("m2")).toBeNull();
  });

  it("the Keyspace's own usage pattern: hincrby + expire + lpush + ltrim in one pipeline", async () => {
    const p = redis.pipeline();
    p.hincrby("u", "requests", 1);
    p.hincrby("u", "inputTokens", 120);
    p.expire("u", 3600);
    p.lpush("recent", JSON.stringify({ id: 1 }));
    p.ltrim("recent", 0, 199);
    expect(await p.exec()).toEqual([1, 120, 1, 1, "OK"]);
  });
});

describe("wire format", () => {
  it("single command errors are HTTP 400 {error}", async () => {
    await redis.set("str", "x");
    const res = await post("/", ["HGET", "str", "f"]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/^WRONGTYPE /) });
    expect(await post("/", ["NOSUCHCOMMAND"])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^ERR unknown command/) },
    });
    await expect(redis.hget("str", "f")).rejects.toThrow(/WRONGTYPE/);
  });

  it("plain JSON without Upstash-Encoding", async () => {
    await redis.set("k", "välue");
    expect(await post("/", ["GET", "k"])).toEqual({ status: 200, body: { result: "välue" } });
    expect(await post("/", ["INCR", "n"])).toEqual({ status: 200, body: { result: 1 } });
  });

  it("base64-encodes every string, nested arrays too; numbers and null stay", async () => {
    const script = "return {1, 'a', {2, 'b', {'ü'}}, false}";
    const single = await post("/", ["EVAL", script, "0"], { base64: true });
    expect(single).toEqual({ status: 200, body: { result: [1, b64("a"), [2, b64("b"), [b64("ü")]], null] } });

    const pipe = await post(
      "/pipeline",
      [
        ["SET", "k", "v"],
        ["GET", "k"],
        ["GET", "none"],
        ["MGET", "k", "none"],
        ["INCR", "n"],
      ],
      { base64: true },
    );
    expect(pipe.body).toEqual([
      { result: b64("OK") },
      { result: b64("v") },
      { result: null },
      { result: [b64("v"), null] },
      { result: 1 },
    ]);
  });

  it("a client without base64 encoding also works", async () => {
    const plain = new Redis({
      url: bridge.url,
      token: TOKEN,
      responseEncoding: false,
      enableTelemetry: false,
    });
    await plain.set("p", JSON.stringify({ x: 1 }));
    expect(await plain.get("p")).toEqual({ x: 1 });
    expect(await plain.hset("ph", { a: "1" })).toBe(1);
    expect(await plain.hgetall("ph")).toEqual({ a: 1 });
  });

  it("refuses commands that would change the shared connection", async () => {
    expect((await post("/", ["SELECT", "1"])).status).toBe(400);
    expect((await post("/pipeline", [["SUBSCRIBE", "x"]])).status).toBe(400);
  });

  it("rejects malformed bodies", async () => {
    expect((await post("/", { not: "a command" })).status).toBe(400);
    expect((await post("/pipeline", [])).status).toBe(400);
    expect((await post("/nowhere", ["PING"])).status).toBe(404);
  });
});

describe("auth, stats and pause", () => {
  it("401 without the bearer token, or with a wrong one", async () => {
    expect((await post("/", ["PING"], { token: null })).status).toBe(401);
    expect((await post("/", ["PING"], { token: "wrong" })).status).toBe(401);
    expect((await fetch(`${bridge.url}/__stats`)).status).toBe(401);
    const intruder = connectRedis({ url: bridge.url, token: "wrong" });
    await expect(intruder.get("a")).rejects.toThrow(/Unauthorized/);
  });

  it("counts HTTP requests and commands; GET /__stats returns them", async () => {
    const before = bridge.stats();
    await redis.set("a", "1");
    const p = redis.pipeline();
    p.get("a");
    p.get("b");
    p.get("c");
    await p.exec();
    expect(bridge.stats()).toEqual({ requests: before.requests + 2, commands: before.commands + 4 });

    const res = await fetch(`${bridge.url}/__stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(bridge.stats());
  });

  it("pause answers 503 at once; resume brings it back", async () => {
    await redis.set("a", "1");
    bridge.pause();
    expect(bridge.isPaused()).toBe(true);
    const before = bridge.stats();
    const started = Date.now();
    const res = await post("/", ["GET", "a"]);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(500);
    await expect(redis.get("a")).rejects.toThrow();
    // Paused requests are counted, their commands are not run.
    expect(bridge.stats()).toEqual({ requests: before.requests + 2, commands: before.commands });
    // Stats still answer while paused.
    expect(
      (await fetch(`${bridge.url}/__stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    bridge.resume();
    expect(await redis.get("a")).toBe("1");
  });

  it("POST /__pause and /__resume do the same over HTTP, with the token only", async () => {
    await redis.set("a", "1");
    expect((await post("/__pause", [], { token: "wrong" })).status).toBe(401);
    expect(bridge.isPaused()).toBe(false);
    expect((await post("/__pause", [])).body).toEqual({ paused: true });
    await expect(redis.get("a")).rejects.toThrow();
    // Resuming works while paused (the control paths are not the keyspace).
    expect((await post("/__resume", [])).body).toEqual({ paused: false });
    expect(await redis.get("a")).toBe("1");
  });
});
