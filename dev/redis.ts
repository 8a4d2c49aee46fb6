// A private redis-server on a free loopback port: ephemeral for tests, or persisted to a data
// directory for `npm run dev`.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import {
  describeExit,
  type ExitInfo,
  exitOf,
  findFreePort,
  LOOPBACK,
  OutputTail,
  stopProcessGroup,
  trackProcessGroup,
  waitFor,
} from "./process.ts";

export const REDIS_NOT_FOUND_MESSAGE =
  'redis-server not found: install it with "sudo apt-get install redis-server" (Debian/Ubuntu) or "brew install redis" (macOS)';

export class RedisNotFoundError extends Error {
  constructor() {
    super(REDIS_NOT_FOUND_MESSAGE);
    this.name = "RedisNotFoundError";
  }
}

const EXTRA_DIRS = ["/usr/local/bin", "/usr/bin", "/usr/sbin", "/opt/homebrew/bin", "/opt/local/bin"];

/** Path of redis-server (`REDIS_SERVER` env, then PATH, then the usual places); throws RedisNotFoundError. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REDIS_SERVER) {
    if (isExecutable(env.REDIS_SERVER)) return env.REDIS_SERVER;
    throw new RedisNotFoundError();
  }
  const dirs = [...(env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, "redis-server");
    if (isExecutable(candidate)) return candidate;
  }
  throw new RedisNotFoundError();
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RedisOptions {
  /** Keep data here (`--dir`, snapshot every 60 s if anything changed, and on stop). Omit for no persistence. */
  dataDir?: string;
  /** Default: a free port. */
  port?: number;
}

export interface RedisServer {
  host: string;
  port: number;
  pid: number;
  /** Resolves when redis-server exits, whoever caused it. */
  exited: Promise<ExitInfo>;
  /** The last lines redis-server printed. */
  logTail(): string;
  /** SHUTDOWN (SAVE when persistent), then SIGTERM, then SIGKILL; safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  // A free port can be taken between our probe and redis' bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch(binary, port, options.dataDir);
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !String(error).includes("Address already in use")) {
        throw error;
      }
    }
  }
}

function redisArgs(port: number, dataDir: string | undefined): string[] {
  const args = ["--bind", LOOPBACK, "--port", String(port), "--protected-mode", "yes", "--daemonize", "no"];
  args.push("--appendonly", "no");
  if (dataDir) args.push("--dir", dataDir, "--dbfilename", "dump.rdb", "--save", "60", "1");
  else args.push("--save", "");
  return args;
}

async function launch(binary: string, port: number, dataDir: string | undefined): Promise<RedisServer> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = spawn(binary, redisArgs(port, dataDir), {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackProcessGroup(child);
  const tail = new OutputTail();
  child.stdout?.on("data", (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => tail.push(chunk));
  const exited = exitOf(child);
  const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));

  let died: ExitInfo | null = null;
  void exited.then((exit) => {
    died = exit;
  });
  try {
    await Promise.race([
      spawnFailed,
      waitFor(`redis-server on port ${port}`, async () => {
        if (died) throw new Error(`redis-server ${describeExit(died)}:\n${tail.lines()}`);
        return pingRedis(port);
      }),
    ]);
  } catch (error) {
    await stopProcessGroup(child, { signal: "SIGKILL" });
    throw error;
  }

  let stopping: Promise<void> | null = null;
  return {
    host: LOOPBACK,
    port,
    pid: child.pid ?? 0,
    exited,
    logTail: () => tail.lines(),
    stop() {
      stopping ??= stop(child, port, dataDir !== undefined);
      return stopping;
    },
  };
}

async function stop(child: ChildProcess, port: number, save: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child);
  await sendCommand(port, save ? "SHUTDOWN SAVE" : "SHUTDOWN NOSAVE").catch(() => "");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000).unref());
  if ((await Promise.race([exited, timer])) === "timeout") await stopProcessGroup(child);
}

/** True when redis on 127.0.0.1:port answers PING with PONG. */
export async function pingRedis(port: number): Promise<boolean> {
  try {
    return (await sendCommand(port, "PING")).startsWith("+PONG");
  } catch {
    return false;
  }
}

/** Sends one inline command and returns the first reply line (or "" if the server just closed). */
function sendCommand(port: number, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: LOOPBACK, port });
    let reply = "";
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`redis did not answer ${command}`)));
    socket.once("error", (error) => finish(error));
    socket.once("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) finish();
    });
    socket.once("end", () => finish());
  });
}
