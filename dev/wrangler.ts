// `wrangler dev` for the local stack. Secrets reach the Worker through an env file that wrangler
// reads with `--env-file` (mode 0600, under the stack's state dir, never in the repo): they are
// not on the command line, and wrangler prints them as "(hidden)".
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
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
import { writePrivateFile } from "./secrets.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const ANSI_ESCAPE = /\x1b\[[0-9;]*[A-Za-z]/g;

export interface WranglerOptions {
  /** Project root: wrangler runs here. */
  root: string;
  /** Default: `<root>/wrangler.jsonc`. */
  configPath?: string;
  port: number;
  /** Local state of the Worker (Durable Objects, caches): `--persist-to`. */
  persistDir: string;
  /** The env file written for `--env-file`. */
  envFile: string;
  /** Secrets and vars for the Worker; they override `vars` in the wrangler config. */
  bindings: Record<string, string>;
  /** Copy wrangler's output to this file; without it, to this process's stdout/stderr. */
  logFile?: string;
  readyTimeoutMs?: number;
  /** Aborting while waiting for /health stops wrangler and rejects. */
  signal?: AbortSignal;
}

export interface WranglerDev {
  url: string;
  pid: number;
  exited: Promise<ExitInfo>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startWrangler(options: WranglerOptions): Promise<WranglerDev> {
  mkdirSync(options.persistDir, { recursive: true });
  writeEnvFile(options.envFile, options.bindings);
  const url = `http://${LOOPBACK}:${options.port}`;
  const args = [
    join(options.root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--config",
    options.configPath ?? join(options.root, "wrangler.jsonc"),
    "--local",
    "--ip",
    LOOPBACK,
    "--port",
    String(options.port),
    "--inspector-ip",
    LOOPBACK,
    "--inspector-port",
    String(await findFreePort()),
    "--persist-to",
    options.persistDir,
    "--env-file",
    options.envFile,
    "--show-interactive-dev-session=false",
  ];
  // Detached: its own process group, so stopping it also stops the workerd it starts.
  const child = spawn(process.execPath, args, {
    cwd: options.root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
  });
  trackProcessGroup(child);
  const tail = new OutputTail(20_000);
  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : null;
  const forward = (chunk: Buffer, terminal: NodeJS.WriteStream) => {
    // wrangler colours its output even into a pipe: keep the log file and the tail plain.
    const plain = chunk.toString("utf8").replace(ANSI_ESCAPE, "");
    tail.push(plain);
    if (logFile) logFile.write(plain);
    else terminal.write(chunk);
  };
  child.stdout?.on("data", (chunk: Buffer) => forward(chunk, process.stdout));
  child.stderr?.on("data", (chunk: Buffer) => forward(chunk, process.stderr));
  const exited = exitOf(child);
  child.once("close", () => logFile?.end());

  let stopping: Promise<void> | null = null;
  const handle: WranglerDev = {
    url,
    pid: child.pid ?? 0,
    exited,
    logTail: (lines = 40) => tail.lines(lines),
    stop() {
      stopping ??= stopProcessGroup(child, { signal: "SIGTERM", graceMs: 5_000 }).then(() => {});
      return stopping;
    },
  };

  let died: ExitInfo | null = null;
  void exited.then((exit) => {
    died = exit;
  });
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  try {
    await Promise.race([
      spawnError,
      waitFor(
        `wrangler dev to answer GET ${url}/health`,
        async () => {
          options.signal?.throwIfAborted();
          if (died) throw new Error(`wrangler dev ${describeExit(died)} before it was ready`);
          return isHealthy(url);
        },
        { timeoutMs: options.readyTimeoutMs ?? 120_000, intervalMs: 250 },
      ),
    ]);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Writes `NAME=value` lines wrangler's dotenv parser reads back exactly. */
export function writeEnvFile(file: string, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([name, value]) => envLine(name, value));
  writePrivateFile(file, `${lines.join("\n")}\n`);
}

function envLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid binding name ${JSON.stringify(name)}`);
  // wrangler expands `$VAR` in env files (dotenv-expand); `\$` stays a literal `$`.
  const escaped = value.replaceAll("$", "\\$");
  if (/^[^\s'"`#\\]*$/.test(escaped)) return `${name}=${escaped}`;
  // Single quotes keep everything else literal; double quotes would turn `\n` into a newline.
  const quote = /[\r\n]/.test(value)
    ? undefined
    : ["'", "`", '"'].find((q) => !escaped.includes(q) && (q !== '"' || !escaped.includes("\\")));
  if (!quote) throw new Error(`binding ${name}: this value cannot be passed through an env file`);
  return `${name}=${quote}${escaped}${quote}`;
}
