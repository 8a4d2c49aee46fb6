// The real local stack for end-to-end tests: the pieces of `npm run dev` (dev/stack.ts), each
// run in a fresh temp dir on free ports, with no persistence and wrangler's output in a log file.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort } from "../../../dev/process.ts";
import type { DevSecrets } from "../../../dev/secrets.ts";
import { startStack } from "../../../dev/stack.ts";
import type { BridgeStats } from "../../../dev/upstash-bridge.ts";
import type { Keyspace } from "../../../worker/keyspace/store.ts";

export interface TestStackOptions {
  /** More Worker bindings (e.g. upstream URLs, KEY_CACHE_SECONDS); they override secrets and vars. */
  extraVars?: Record<string, string>;
  /** Another Worker config than the project's wrangler.jsonc. */
  wranglerConfig?: string;
}

export interface TestStack {
  relayUrl: string;
  bridgeUrl: string;
  bridge: {
    stats(): BridgeStats;
    /** The keyspace answers 503 to everything until `resume()`. */
    pause(): void;
    resume(): void;
  };
  adminLogin: { username: string; password: string };
  devRelayKey: string;
  /** The same keyspace the Worker uses, from the test process. */
  keyspace: Keyspace;
  secrets: DevSecrets;
  /** The temp dir (wrangler.log, init.json, worker state); removed by `stop()`. */
  dir: string;
  /** Wrangler's output so far (worker logs included). */
  wranglerLog(): string;
  stop(): Promise<void>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), "edge-relay-e2e-"));
  const logFile = join(dir, "wrangler.log");
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");

  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      stateDir: dir,
      initFile: join(dir, "init.json"),
      persistent: false,
      port: await findFreePort(),
      wranglerLog: logFile,
      extraVars: options.extraVars,
      wranglerConfig: options.wranglerConfig,
      log: () => {},
    });
  } catch (error) {
    const tail = readLog().split("\n").slice(-60).join("\n").trimEnd();
    console.error(`test stack failed to start; wrangler log (${logFile}), last lines:\n${tail || "(empty)"}`);
    throw error;
  }

  const { bridge, init } = stack;
  return {
    relayUrl: stack.relayUrl,
    bridgeUrl: stack.bridgeUrl,
    bridge: {
      stats: () => bridge.stats(),
      pause: () => bridge.pause(),
      resume: () => bridge.resume(),
    },
    adminLogin: { username: init.adminUsername, password: init.adminPassword },
    devRelayKey: init.devRelayKey,
    keyspace: stack.keyspace,
    secrets: stack.secrets,
    dir,
    wranglerLog: readLog,
    async stop() {
      await stack.stop();
      if (!process.env.KEEP_E2E_STATE) await rm(dir, { recursive: true, force: true });
    },
  };
}
