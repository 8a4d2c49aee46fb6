// The Upstash REST protocol in front of a local redis, so @upstash/redis works unchanged:
//   POST /            one command, a JSON array         → {result} | 400 {error}
//   POST /pipeline    an array of commands              → [{result} | {error}, ...]
//   POST /multi-exec  the same, in one MULTI/EXEC        → [{result} | {error}, ...]
//   GET  /__stats     counters for tests                → {requests, commands}
//   POST /__pause, /__resume   tests take the keyspace down and back → {paused}
// Every route wants `Authorization: Bearer <token>`. With `Upstash-Encoding: base64` every
// string in a result is base64 of the raw bytes (nested arrays too); numbers and null stay.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// Default import: ioredis is CommonJS, and vite's SSR loader (vitest global setup) sees no named exports.
import Redis from "ioredis";
import { LOOPBACK } from "./process.ts";

export interface BridgeOptions {
  redisPort: number;
  redisHost?: string;
  token: string;
  /** Default: a free port. */
  port?: number;
}

export interface BridgeStats {
  /** HTTP requests received (paused and rejected ones included, `/__stats` excluded). */
  requests: number;
  /** Redis commands executed (each command of a pipeline or transaction counts). */
  commands: number;
}

export interface UpstashBridge {
  url: string;
  port: number;
  stats(): BridgeStats;
  /** While paused every request but `/__stats` gets 503 at once, as if the keyspace were down. */
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  close(): Promise<void>;
}

type Command = string[];
type JsonReply = string | number | null | JsonReply[];
type Outcome = { result: RawReply } | { error: string };

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Commands that would change the state of the one shared connection. */
const REFUSED = new Set(
  "auth hello select quit reset multi exec discard watch unwatch monitor subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe client".split(
    " ",
  ),
);

class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startUpstashBridge(options: BridgeOptions): Promise<UpstashBridge> {
  const redis = new Redis({
    host: options.redisHost ?? LOOPBACK,
    port: options.redisPort,
    // RESP2 replies are exactly what the REST API returns (no maps, doubles as strings).
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  let lastRedisError = "";
  redis.on("error", (error: Error) => {
    if (error.message !== lastRedisError) console.error(`upstash-bridge: redis: ${error.message}`);
    lastRedisError = error.message;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `upstash-bridge: cannot reach redis on port ${options.redisPort}: ${errorMessage(error)}`,
    );
  }

  const counters: BridgeStats = { requests: 0, commands: 0 };
  let paused = false;
  const expectedAuth = `Bearer ${options.token}`;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      reply(res, status, { error: errorMessage(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://bridge").pathname.replace(/(.)\/+$/, "$1");
    // Test control: a client of the bridge (a test inside workerd) takes the keyspace down and
    // brings it back. With the bridge's token only, and never counted as keyspace traffic.
    if ((path === "/__pause" || path === "/__resume") && req.method === "POST") {
      req.resume();
      if (req.headers.authorization !== expectedAuth) return reply(res, 401, { error: "Unauthorized" });
      paused = path === "/__pause";
      return reply(res, 200, { paused });
    }
    if (path !== "/__stats") counters.requests++;
    if (paused && path !== "/__stats") {
      req.resume();
      return reply(res, 503, { error: "ERR keyspace paused (upstash-bridge)" });
    }
    if (req.headers.authorization !== expectedAuth) {
      req.resume();
      return reply(res, 401, { error: "Unauthorized" });
    }
    if (path === "/__stats" && req.method === "GET") return reply(res, 200, { ...counters });
    if (req.method !== "POST") throw new HttpError(405, "ERR method not allowed");
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const body = await readJson(req);

    if (path === "/") {
      const outcome = await runOne(toCommand(body));
      if ("error" in outcome) return reply(res, 400, outcome);
      return reply(res, 200, { result: encode(outcome.result, base64) });
    }
    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || body.length === 0)
        throw new HttpError(400, "ERR expected an array of commands");
      const commands = body.map(toCommand);
      const outcomes = path === "/pipeline" ? await runPipeline(commands) : await runTransaction(commands);
      return reply(
        res,
        200,
        outcomes.map((o) => ("error" in o ? o : { result: encode(o.result, base64) })),
      );
    }
    throw new HttpError(404, `ERR unknown path ${path}`);
  }

  async function runOne(command: Command): Promise<Outcome> {
    const [name, ...args] = command as [string, ...string[]];
    counters.commands++;
    try {
      return { result: toRaw(await redis.callBuffer(name.toUpperCase(), ...args)) };
    } catch (error) {
      return failure(error);
    }
  }

  async function runPipeline(commands: Command[]): Promise<Outcome[]> {
    counters.commands += commands.length;
    const results = await redis.pipeline(commands.map(asCall)).exec();
    return (results ?? []).map(([error, value]) => (error ? failure(error) : { result: toRaw(value) }));
  }

  async function runTransaction(commands: Command[]): Promise<Outcome[]> {
    counters.commands += commands.length;
    try {
      const results = await redis.multi(commands.map(asCall)).exec();
      return (results ?? []).map(([error, value]) => (error ? failure(error) : { result: toRaw(value) }));
    } catch (error) {
      // EXECABORT: a command was rejected while queueing, nothing ran.
      throw new HttpError(400, errorMessage(error) + previousErrors(error));
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    stats: () => ({ ...counters }),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    isPaused: () => paused,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        redis.disconnect();
      });
      return closing;
    },
  };
}

// ---- requests -----------------------------------------------------------------------------

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "ERR request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "ERR request body is not valid JSON");
  }
}

/** A command as strings only: numbers and booleans as their text, anything else as JSON. */
function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== "string") {
    throw new HttpError(400, "ERR a command is a non-empty JSON array starting with its name");
  }
  const command = value.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg)));
  if (REFUSED.has(command[0]?.toLowerCase() ?? "")) {
    throw new HttpError(400, `ERR command ${command[0]} is not supported over REST`);
  }
  return command;
}

/**
 * An ioredis pipeline entry. The upper-case name keeps ioredis from reshaping replies
 * (it turns a lower-case `hgetall` into an object, for instance).
 */
function asCall(command: Command): [string, ...string[]] {
  const [name, ...args] = command as [string, ...string[]];
  return ["callBuffer", name.toUpperCase(), ...args];
}

// ---- replies ------------------------------------------------------------------------------

/** A redis reply as bytes: with `callBuffer` every string arrives as a Buffer. */
export type RawReply = Buffer | number | null | RawReply[];

function toRaw(value: unknown): RawReply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(toRaw);
  // Status replies, errors nested in script results, big numbers: their text.
  return Buffer.from(value instanceof Error ? value.message : String(value), "utf8");
}

/** Bytes → JSON: base64 of the exact bytes with `Upstash-Encoding: base64`, UTF-8 text otherwise. */
export function encode(value: RawReply, base64: boolean): JsonReply {
  if (Buffer.isBuffer(value)) return value.toString(base64 ? "base64" : "utf8");
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  return value;
}

function failure(error: unknown): Outcome {
  return { error: errorMessage(error) };
}

function errorMessage(error: unknown): string {
  // Redis' own errors ("ERR …", "WRONGTYPE …") pass through as they are.
  if (error instanceof HttpError || (error instanceof Error && error.name === "ReplyError"))
    return error.message;
  return `ERR upstash-bridge: ${error instanceof Error ? error.message : String(error)}`;
}

function previousErrors(error: unknown): string {
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  if (!Array.isArray(previous) || previous.length === 0) return "";
  return ` (${previous.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")})`;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
