// `npm run dev`: redis-server → Upstash-REST bridge → `wrangler dev`, with dev secrets and a
// first-run admin login. `startStack` is the same stack for end-to-end tests
// (test/e2e/harness/stack.ts), there in a temp dir without persistence.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { connectRedis, Keyspace } from "../worker/keyspace/store.ts";
import { readDevVars } from "./dev-vars.ts";
import { ensureInitFile, type InitFile } from "./init-file.ts";
import { describeExit, type ExitInfo, findFreePort, isPortFree, LOOPBACK } from "./process.ts";
import { RedisNotFoundError, type RedisServer, startRedis } from "./redis.ts";
import { type DevSecrets, loadOrCreateSecrets } from "./secrets.ts";
import { startUpstashBridge, type UpstashBridge } from "./upstash-bridge.ts";
import { startWrangler, type WranglerDev } from "./wrangler.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
export const DEFAULT_PORT = 8787;

export interface StackOptions {
  /** Project root (wrangler runs here). Default: this repository. */
  root?: string;
  /** secrets.json, worker.env, wrangler/ (Worker state) and, when persistent, redis/. */
  stateDir: string;
  /** The init file with the admin login and dev relay key (dev: data/init.json). */
  initFile: string;
  /** Keep redis data in `<stateDir>/redis` across restarts. */
  persistent: boolean;
  /** Relay port. Default: 8787 if free, else any free port. An explicit port must be free. */
  port?: number;
  /** Default: `<root>/wrangler.jsonc`. */
  wranglerConfig?: string;
  /** Write wrangler's output here instead of this process's stdout/stderr. */
  wranglerLog?: string;
  /** More bindings for the Worker; they override the secrets and the config's `vars`. */
  extraVars?: Record<string, string>;
  /** Aborting during startup stops what already started and rejects. */
  signal?: AbortSignal;
  /** Notes about repaired state; default: stderr. */
  log?: (line: string) => void;
}

export interface Stack {
  relayUrl: string;
  bridgeUrl: string;
  redis: RedisServer;
  bridge: UpstashBridge;
  wrangler: WranglerDev;
  keyspace: Keyspace;
  secrets: DevSecrets;
  init: InitFile;
  /** Resolves with a one-line reason if redis or wrangler exits while the stack runs. */
  failure: Promise<string>;
  /** Stops wrangler (and its workerd), the bridge, then redis. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = options.root ?? REPO_ROOT;
  const log = options.log ?? ((line: string) => console.error(line));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of [...cleanups].reverse()) await step().catch(() => {});
  };
  try {
    const port = await choosePort(options.port);
    const secrets = loadOrCreateSecrets(join(options.stateDir, "secrets.json"));
    options.signal?.throwIfAborted();

    const redis = await startRedis(options.persistent ? { dataDir: join(options.stateDir, "redis") } : {});
    cleanups.push(() => redis.stop());
    const bridge = await startUpstashBridge({
      redisPort: redis.port,
      token: secrets.UPSTASH_REDIS_REST_TOKEN,
    });
    cleanups.push(() => bridge.close());
    options.signal?.throwIfAborted();

    const keyspace = new Keyspace(connectRedis({ url: bridge.url, token: secrets.UPSTASH_REDIS_REST_TOKEN }));
    const init = await ensureInitFile(keyspace, {
      initFile: options.initFile,
      keyHashSecret: secrets.KEY_HASH_SECRET,
      version: packageVersion(root),
      log,
    });
    options.signal?.throwIfAborted();

    const wrangler = await startWrangler({
      root,
      configPath: options.wranglerConfig,
      port,
      persistDir: join(options.stateDir, "wrangler"),
      envFile: join(options.stateDir, "worker.env"),
      bindings: { ...secrets, UPSTASH_REDIS_REST_URL: bridge.url, ...options.extraVars },
      logFile: options.wranglerLog,
      signal: options.signal,
    });
    cleanups.push(() => wrangler.stop());

    let stopping: Promise<void> | null = null;
    const failure = new Promise<string>((resolve) => {
      const watch = (name: string, exited: Promise<ExitInfo>) =>
        void exited.then((exit) => {
          if (!stopping) resolve(`${name} exited unexpectedly (${describeExit(exit)})`);
        });
      watch("redis-server", redis.exited);
      watch("wrangler dev", wrangler.exited);
    });

    return {
      relayUrl: wrangler.url,
      bridgeUrl: bridge.url,
      redis,
      bridge,
      wrangler,
      keyspace,
      secrets,
      init,
      failure,
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function choosePort(requested: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) throw new Error(`port ${requested} on ${LOOPBACK} is already in use`);
    return requested;
  }
  return (await isPortFree(DEFAULT_PORT)) ? DEFAULT_PORT : findFreePort();
}

function packageVersion(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export function formatBanner(stack: Stack, initFileLabel: string): string {
  const relay = stack.relayUrl;
  return [
    `edge-relay is running (local keyspace: redis ${stack.redis.host}:${stack.redis.port} via Upstash bridge ${stack.bridgeUrl})`,
    `  relay URL     ${relay}`,
    `  admin login   ${stack.init.adminUsername} / ${stack.init.adminPassword}      (saved in ${initFileLabel})`,
    `  admin API     ${relay}/admin  (OpenAPI: ${relay}/admin/openapi.json)`,
    "",
    "Claude Code:",
    `  export ANTHROPIC_BASE_URL=${relay}/api ANTHROPIC_AUTH_TOKEN=${stack.init.devRelayKey}`,
    "",
    "Press Ctrl-C to stop.",
  ].join("\n");
}

// ---- npm run dev ----------------------------------------------------------------------------

const USAGE = `Usage: npm run dev [-- --help]

Starts the local edge-relay stack: redis-server on a free loopback port (data in .dev/redis/),
an Upstash-REST bridge in front of it, and \`wrangler dev\` with dev secrets (.dev/secrets.json,
generated once). The first start creates the admin login and a relay key, saved in data/init.json.

Optional secrets and vars (CRS_ENCRYPTION_KEY for imported CRS keys, METRICS_TOKEN, OAuth
client ids, PRICING_URL, …) go in .dev.vars in the project root, one NAME=value a line
(git-ignored; wrangler's file for local secrets). They override the generated dev secrets and the
vars of wrangler.jsonc. .dev/worker.env is rewritten on every start: do not edit it.

Environment:
  PORT    relay port (default 8787, or a free port if 8787 is taken)

Ctrl-C stops everything.`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    console.error(`unknown argument ${argv[0]}\n\n${USAGE}`);
    return 2;
  }
  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
    return 2;
  }

  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  // SIGHUP too (terminal closed): dying of it would skip every cleanup.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  const stopRequested = new Promise<"signal">((resolve) =>
    interrupted.signal.addEventListener("abort", () => resolve("signal"), { once: true }),
  );

  const initFile = join(REPO_ROOT, "data", "init.json");
  let stack: Stack;
  try {
    const devVars = readDevVars(join(REPO_ROOT, ".dev.vars"));
    const names = Object.keys(devVars);
    if (names.length > 0) console.log(`.dev.vars: ${names.join(", ")}`);
    stack = await startStack({
      extraVars: devVars,
      stateDir: join(REPO_ROOT, ".dev"),
      initFile,
      persistent: true,
      port,
      signal: interrupted.signal,
    });
  } catch (error) {
    if (interrupted.signal.aborted) return 0;
    console.error(
      error instanceof RedisNotFoundError ? error.message : `edge-relay dev: ${errorText(error)}`,
    );
    return 1;
  }

  console.log(formatBanner(stack, relative(REPO_ROOT, initFile)));
  const outcome = await Promise.race([stopRequested, stack.failure]);
  if (outcome === "signal") console.log("\nStopping edge-relay…");
  else console.error(`edge-relay dev: ${outcome}; stopping the rest.`);
  await stack.stop();
  return outcome === "signal" ? 0 : 1;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`edge-relay dev: ${errorText(error)}`);
      process.exit(1);
    },
  );
}
