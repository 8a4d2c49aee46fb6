// `npm run bench`: what the relay costs on top of calling the upstream directly, measured in one
// run, interleaved (direct and relay phases alternate), on bare workerd with the production bundle.
// See bench/README.md for the figures and the targets.

import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findFreePort, waitFor } from "../dev/process.ts";
import { findRedisServer, startRedis } from "../dev/redis.ts";
import { generateSecrets } from "../dev/secrets.ts";
import { ensureAdminCredential } from "../worker/admin/bootstrap.ts";
import { connectRedis, Keyspace } from "../worker/keyspace/store.ts";
import type { BridgeCallStats } from "./bridge-child.ts";
import {
  type LoadResult,
  type LoadTool,
  percentile,
  runLoad,
  runSequential,
  type SequentialResult,
  type Target,
} from "./load.ts";
import {
  benchCpuMs,
  busyCores,
  type Child,
  cleanupAll,
  cpuOf,
  errorText,
  machineCpu,
  memoryOf,
  onCleanup,
  startChild,
  untilReady,
  watchPeakRss,
} from "./proc.ts";
import {
  type BenchReport,
  computeResults,
  formatTable,
  NOISY_CORES,
  type PhaseRecord,
  phaseName,
  type SequentialSamples,
  type Side,
} from "./report.ts";
import { runSoak } from "./soak.ts";
import {
  HELLO_WORKER,
  helloWorkerdConfig,
  readWranglerConfig,
  relayWorkerdConfig,
} from "./workerd-config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const BUILD_DIR = join(ROOT, "bench", ".build");
const RESULTS_FILE = join(ROOT, "bench", "results", "latest.json");
const MODEL = "claude-sonnet-4-5";
const SESSIONS = 50;
const ACCOUNTS = 10;

const USAGE = `Usage: npm run bench [-- options]

Measures the relay (production bundle on bare workerd, local redis behind the Upstash bridge, the
fake upstream) against calling the fake upstream directly, in one interleaved run, and prints one
table; the same goes to bench/results/latest.json.

  --quick         short phases, one round (a smoke run, ~25 s)
  --json-only     print only the JSON report on stdout (progress still goes to stderr)
  --rounds N      measured rounds, 1..3 (default 2; --quick: 1)
  --load TOOL     wrk or autocannon for the c=32 phases (default: wrk if installed)
  --soak [MIN]    instead of the comparison: c=64 through the relay for MIN minutes (default 10),
                  checking memory stays flat and no request fails; JSON in bench/results/soak.json
  --help, -h      this help

Exit status: 0 when every phase finished without an error; 1 when setup failed or any request
failed (non-2xx, incomplete body, socket error); 130 on Ctrl-C. Missed targets do not fail it.`;

interface Settings {
  /** Minutes of c=64 soak instead of the comparison (0: no soak). */
  soakMinutes: number;
  quick: boolean;
  jsonOnly: boolean;
  rounds: number;
  tool: LoadTool;
  connections: number;
  c1DurationMs: number;
  c1MaxRequests: number;
  cNDurationSec: number;
  warmupC1Requests: number;
  warmupCNSec: number;
}

function parseSettings(): Settings | null {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "json-only": { type: "boolean", default: false },
      rounds: { type: "string" },
      load: { type: "string" },
      soak: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  if (values.help) return null;
  const quick = values.quick === true;
  const rounds = Number(values.rounds ?? (quick ? 1 : 2));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 3)
    throw new Error("--rounds must be 1..3 (the run stays under 3 minutes)");
  const tool = values.load ?? (onPath("wrk") ? "wrk" : "autocannon");
  if (tool !== "wrk" && tool !== "autocannon") throw new Error(`--load must be wrk or autocannon`);
  if (tool === "wrk" && !onPath("wrk")) throw new Error("wrk is not installed (apt-get install wrk)");
  const soakMinutes = values.soak === true ? Number(positionals[0] ?? 10) : 0;
  if (!Number.isInteger(soakMinutes) || soakMinutes < 0 || soakMinutes > 120) {
    throw new Error("--soak takes whole minutes, 1..120");
  }
  return {
    soakMinutes,
    quick,
    jsonOnly: values["json-only"] === true,
    rounds,
    tool,
    connections: 32,
    c1DurationMs: quick ? 1_000 : 2_500,
    c1MaxRequests: quick ? 500 : 3_000,
    cNDurationSec: quick ? 2 : 6,
    warmupC1Requests: quick ? 50 : 200,
    warmupCNSec: quick ? 1 : 2,
  };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, command)));
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

// ---- setup --------------------------------------------------------------------------------

async function build(): Promise<void> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const child = startChild(
    "wrangler build",
    process.execPath,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", BUILD_DIR],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  const exit = await child.exited;
  if (exit.code !== 0 || !existsSync(join(BUILD_DIR, "index.js"))) {
    throw new Error(`wrangler deploy --dry-run failed:\n${child.tail(40)}`);
  }
}

/** The workerd whose own date is at least the compatibility date (older ones refuse it). */
function pickWorkerd(compatibilityDate: string): { path: string; version: string } {
  const candidates = [
    join(ROOT, "node_modules/wrangler/node_modules/workerd/bin/workerd"),
    join(ROOT, "node_modules/workerd/bin/workerd"),
  ];
  const seen: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    let version = "";
    try {
      version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    } catch {
      continue;
    }
    seen.push(`${path}: ${version}`);
    const date = /(\d{4}-\d{2}-\d{2})/.exec(version)?.[1] ?? "";
    if (date >= compatibilityDate) return { path, version };
  }
  throw new Error(
    `no workerd supports compatibility date ${compatibilityDate} (found: ${seen.join("; ") || "none"})`,
  );
}

function waitForLine<T>(child: Child, what: string, timeoutMs: number, parse: (line: string) => T | null) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}:\n${child.tail()}`)),
      timeoutMs,
    );
    child.process.stdout?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        const value = parse(line.trim());
        if (value !== null) {
          clearTimeout(timer);
          resolve(value);
        }
      }
    });
  });
}

async function startBridge(redisPort: number, token: string): Promise<{ url: string; child: Child }> {
  const child = startChild("upstash bridge", process.execPath, [join(ROOT, "bench/bridge-child.ts")], {
    cwd: ROOT,
    stdinPipe: true,
    env: { ...process.env, BENCH_REDIS_PORT: String(redisPort), BENCH_BRIDGE_TOKEN: token },
  });
  const url = await untilReady(
    child,
    waitForLine(child, "the bridge", 20_000, (line) => {
      if (!line.startsWith("{")) return null;
      const parsed = JSON.parse(line) as { url?: unknown };
      return typeof parsed.url === "string" ? parsed.url : null;
    }),
    "it listened",
  );
  return { url, child };
}

async function startFakeUpstream(): Promise<{ url: string; child: Child }> {
  const child = startChild(
    "fake upstream",
    process.execPath,
    [join(ROOT, "dev/fake-upstream/main.ts"), "--port", String(await findFreePort())],
    { cwd: ROOT },
  );
  const url = await untilReady(
    child,
    waitForLine(child, "the fake upstream", 20_000, (line) => /listening on (\S+)/.exec(line)?.[1] ?? null),
    "it listened",
  );
  return { url, child };
}

/** Lines workerd logged with an exception in them (with --verbose, every JS exception is logged). */
const workerdExceptions: Record<string, number> = {};

async function startWorkerd(
  name: string,
  binary: string,
  configPath: string,
  healthUrl: string,
): Promise<Child> {
  workerdExceptions[name] = 0;
  // BENCH_INSPECTOR_PORT opens the relay's inspector, so a CPU profile can be taken during a run.
  const inspector = process.env.BENCH_INSPECTOR_PORT;
  const extra = inspector && !name.includes("hello") ? [`--inspector-addr=127.0.0.1:${inspector}`] : [];
  const child = startChild(name, binary, ["serve", configPath, "--verbose", ...extra], {
    cwd: ROOT,
    onAnyLine: (line) => {
      if (/exception/i.test(line)) workerdExceptions[name] = (workerdExceptions[name] ?? 0) + 1;
    },
  });
  await untilReady(
    child,
    waitFor(
      `${name} at ${healthUrl}`,
      async () => {
        try {
          const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    ),
    "it answered",
  );
  return child;
}

async function adminCall<T>(relayUrl: string, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${relayUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) {
    throw new Error(`POST ${path} → ${res.status}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as T;
}

function requestBodies(stream: boolean): string[] {
  const deviceId = randomBytes(32).toString("hex");
  const sessions = Array.from({ length: SESSIONS }, () => randomUUID());
  return sessions.map((sessionId) =>
    JSON.stringify({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: "user", content: "hi" }],
      metadata: {
        user_id: JSON.stringify({ device_id: deviceId, account_uuid: "", session_id: sessionId }),
      },
      ...(stream ? { stream: true } : {}),
    }),
  );
}

async function bridgeStats(bridgeUrl: string, token: string): Promise<BridgeCallStats> {
  const res = await fetch(`${bridgeUrl}/__bench_stats`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`bridge /__bench_stats → ${res.status}`);
  return (await res.json()) as BridgeCallStats;
}

function bridgeDelta(before: BridgeCallStats, after: BridgeCallStats): BridgeCallStats {
  const byShape: Record<string, number> = {};
  for (const [shape, count] of Object.entries(after.byShape)) {
    const delta = count - (before.byShape[shape] ?? 0);
    if (delta > 0) byShape[shape] = delta;
  }
  return {
    calls: after.calls - before.calls,
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    byShape,
  };
}

// ---- the run ------------------------------------------------------------------------------

interface Stack {
  relayUrl: string;
  upstreamUrl: string;
  helloUrl: string;
  bridgeUrl: string;
  bridgeToken: string;
  workerd: Child;
  hello: Child;
  relayKey: string;
  workerdVersion: string;
}

async function setUp(report: BenchReport): Promise<Stack> {
  findRedisServer();
  const wrangler = readWranglerConfig(join(ROOT, "wrangler.jsonc"));
  const workerdBinary = pickWorkerd(wrangler.compatibilityDate);
  report.environment.workerd = workerdBinary.version;
  report.environment.workerdPath = workerdBinary.path.slice(ROOT.length + 1);

  log("building the production bundle (wrangler deploy --dry-run)");
  const git = gitState();
  report.environment.gitCommit = git.commit;
  report.environment.relayFilesChangedSinceCommit = git.relayFilesChanged ? "yes" : "no";
  await build();

  const stateDir = mkdtempSync(join(tmpdir(), "edge-relay-bench-"));
  onCleanup("state dir", async () => rmSync(stateDir, { recursive: true, force: true }));
  const storageDir = join(stateDir, "do-storage");
  mkdirSync(storageDir, { recursive: true });

  log("starting redis, the Upstash bridge and the fake upstream");
  const redis = await startRedis();
  onCleanup("redis", () => redis.stop());
  log(`redis-server on 127.0.0.1:${redis.port}`);
  const secrets = generateSecrets();
  const bridgeToken = secrets.UPSTASH_REDIS_REST_TOKEN;
  const bridge = await startBridge(redis.port, bridgeToken);
  const upstream = await startFakeUpstream();

  const admin = { username: "bench-admin", password: randomBytes(18).toString("base64url") };
  const keyspace = new Keyspace(connectRedis({ url: bridge.url, token: bridgeToken }));
  await ensureAdminCredential(keyspace, admin);

  log(`starting workerd (${workerdBinary.version})`);
  const relayPort = await findFreePort();
  const relayConfig = join(stateDir, "relay.capnp");
  writeFileSync(
    relayConfig,
    relayWorkerdConfig({
      outDir: BUILD_DIR,
      wrangler,
      secrets: { ...secrets, UPSTASH_REDIS_REST_URL: bridge.url },
      port: relayPort,
      configDir: stateDir,
      storageDir,
      compatibilityDate: wrangler.compatibilityDate,
    }),
    { mode: 0o600 },
  );
  const relayUrl = `http://127.0.0.1:${relayPort}`;
  const workerd = await startWorkerd(
    "workerd (relay)",
    workerdBinary.path,
    relayConfig,
    `${relayUrl}/health`,
  );

  const helloPort = await findFreePort();
  const helloModule = join(stateDir, "hello.js");
  writeFileSync(helloModule, HELLO_WORKER);
  const helloConfig = join(stateDir, "hello.capnp");
  writeFileSync(
    helloConfig,
    helloWorkerdConfig({
      modulePath: "hello.js",
      port: helloPort,
      compatibilityDate: wrangler.compatibilityDate,
    }),
  );
  const helloUrl = `http://127.0.0.1:${helloPort}/`;
  const hello = await startWorkerd("workerd (hello)", workerdBinary.path, helloConfig, helloUrl);

  log(`setting up through the admin API: ${ACCOUNTS} Claude Console accounts, one relay key`);
  const { token } = await adminCall<{ token: string }>(relayUrl, "/admin/auth/login", admin);
  for (let i = 1; i <= ACCOUNTS; i++) {
    await adminCall(
      relayUrl,
      "/admin/accounts/claude-console",
      {
        name: `bench-${i}`,
        apiKey: `sk-bench-${i}-${randomBytes(6).toString("hex")}`,
        baseUrl: upstream.url,
      },
      token,
    );
  }
  const created = await adminCall<{ secret: string }>(
    relayUrl,
    "/admin/keys",
    {
      name: "bench",
      limits: { concurrencyLimit: 64, rateLimitWindowMinutes: 60, rateLimitRequests: 100_000_000 },
    },
    token,
  );
  return {
    relayUrl,
    upstreamUrl: upstream.url,
    helloUrl,
    bridgeUrl: bridge.url,
    bridgeToken,
    workerd,
    hello,
    relayKey: created.secret,
    workerdVersion: workerdBinary.version,
  };
}

interface Targets {
  direct: { json: Target; stream: Target };
  relay: { json: Target; stream: Target };
  hello: Target;
}

function targetsOf(stack: Stack): Targets {
  const json = requestBodies(false);
  const stream = requestBodies(true);
  const relayHeaders = { "content-type": "application/json", "x-api-key": stack.relayKey };
  const directHeaders = { "content-type": "application/json", "x-api-key": "sk-direct" };
  const relay = `${stack.relayUrl}/api/v1/messages`;
  const direct = `${stack.upstreamUrl}/v1/messages`;
  return {
    direct: {
      json: { url: direct, headers: directHeaders, bodies: json, stream: false },
      stream: { url: direct, headers: directHeaders, bodies: stream, stream: true },
    },
    relay: {
      json: { url: relay, headers: relayHeaders, bodies: json, stream: false },
      stream: { url: relay, headers: relayHeaders, bodies: stream, stream: true },
    },
    hello: { url: stack.helloUrl, headers: {}, stream: false },
  };
}

/** One request of each kind through the relay; a clear error (with workerd's output) if it fails. */
async function smokeTest(stack: Stack, targets: Targets): Promise<void> {
  for (const target of [
    targets.relay.json,
    targets.relay.stream,
    targets.direct.json,
    targets.direct.stream,
  ]) {
    const body = target.bodies?.[0] ?? "";
    const res = await fetch(target.url, { method: "POST", headers: target.headers, body });
    const text = await res.text();
    const marker = target.stream ? "message_stop" : '"type":"message"';
    if (res.status !== 200 || !text.includes(marker)) {
      throw new Error(
        `smoke test: POST ${target.url} (stream: ${target.stream}) → ${res.status}: ${text.slice(0, 600)}\n` +
          `workerd output:\n${stack.workerd.tail(20)}`,
      );
    }
  }
}

class Runner {
  readonly phases: PhaseRecord[] = [];
  readonly samples: SequentialSamples = {
    direct: { json: [], streamFirst: [], streamTotal: [] },
    relay: { json: [], streamFirst: [], streamTotal: [] },
  };
  peakRssMb = 0;
  private readonly settings: Settings;
  private readonly stack: Stack;
  private readonly targets: Targets;

  constructor(settings: Settings, stack: Stack, targets: Targets) {
    this.settings = settings;
    this.stack = stack;
    this.targets = targets;
  }

  private pidOf(side: Side): number | null {
    if (side === "relay") return this.stack.workerd.pid;
    if (side === "hello") return this.stack.hello.pid;
    return null;
  }

  private exceptions(side: Side): number {
    if (side === "direct") return 0;
    return workerdExceptions[side === "relay" ? this.stack.workerd.name : this.stack.hello.name] ?? 0;
  }

  private checkAlive(): void {
    for (const child of [this.stack.workerd, this.stack.hello]) {
      const exit = child.exit();
      if (exit) throw new Error(`${child.name} exited during the run:\n${child.tail()}`);
    }
  }

  async sequential(side: "direct" | "relay", stream: boolean, round: number, warmup: boolean): Promise<void> {
    const target = this.targets[side][stream ? "stream" : "json"];
    const pid = this.pidOf(side);
    const bridgeBefore =
      side === "relay" ? await bridgeStats(this.stack.bridgeUrl, this.stack.bridgeToken) : null;
    const cpuBefore = pid ? cpuOf(pid).ms : 0;
    const exceptionsBefore = this.exceptions(side);
    const result: SequentialResult = await runSequential(target, {
      durationMs: warmup ? 60_000 : this.settings.c1DurationMs,
      maxRequests: warmup ? this.settings.warmupC1Requests : this.settings.c1MaxRequests,
      offset: round * 7,
    });
    const cpuAfter = pid ? cpuOf(pid).ms : 0;
    const bridgeAfter = bridgeBefore ? await bridgeStats(this.stack.bridgeUrl, this.stack.bridgeToken) : null;
    if (!warmup) {
      const bucket = this.samples[side];
      if (stream) {
        bucket.streamFirst.push(...result.firstByteMs);
        bucket.streamTotal.push(...result.totalMs);
      } else {
        bucket.json.push(...result.totalMs);
      }
    }
    this.record({
      round,
      warmup,
      side,
      kind: stream ? "c1-stream" : "c1-json",
      connections: 1,
      requests: result.requests,
      errors: result.errors,
      errorDetail: result.errorDetail,
      durationMs: result.elapsedMs,
      requestsPerSecond: result.requests / (result.elapsedMs / 1000),
      p50Ms: percentile(result.totalMs, 50),
      p99Ms: percentile(result.totalMs, 99),
      ...(stream
        ? {
            firstByteP50Ms: percentile(result.firstByteMs, 50),
            firstByteP99Ms: percentile(result.firstByteMs, 99),
          }
        : {}),
      ...(pid
        ? { cpuMs: cpuAfter - cpuBefore, workerdExceptions: this.exceptions(side) - exceptionsBefore }
        : {}),
      ...(bridgeBefore && bridgeAfter ? { bridge: bridgeDelta(bridgeBefore, bridgeAfter) } : {}),
    });
  }

  async concurrent(side: Side, stream: boolean, round: number, warmup: boolean): Promise<void> {
    const target = side === "hello" ? this.targets.hello : this.targets[side][stream ? "stream" : "json"];
    const pid = this.pidOf(side);
    const bridgeBefore =
      side === "relay" ? await bridgeStats(this.stack.bridgeUrl, this.stack.bridgeToken) : null;
    const cpuBefore = pid ? cpuOf(pid).ms : 0;
    const exceptionsBefore = this.exceptions(side);
    const rss = side === "relay" ? watchPeakRss(this.stack.workerd.pid) : null;
    const machineBefore = machineCpu();
    const benchBefore = benchCpuMs();
    const startedAt = performance.now();
    let result: LoadResult;
    try {
      result = await runLoad(this.settings.tool, target, {
        connections: this.settings.connections,
        durationSec: warmup ? this.settings.warmupCNSec : this.settings.cNDurationSec,
      });
    } finally {
      if (rss) this.peakRssMb = Math.max(this.peakRssMb, rss.stop());
    }
    const elapsed = performance.now() - startedAt;
    const machineBusy = busyCores(machineBefore, machineCpu(), elapsed);
    const elsewhere = Math.max(0, machineBusy - (benchCpuMs() - benchBefore) / elapsed);
    // Let after-response work (waitUntil) finish inside the measured window.
    if (pid) await sleep(250);
    const cpuAfter = pid ? cpuOf(pid).ms : 0;
    const bridgeAfter = bridgeBefore ? await bridgeStats(this.stack.bridgeUrl, this.stack.bridgeToken) : null;
    this.record({
      round,
      warmup,
      side,
      kind: stream ? "cN-stream" : "cN-json",
      connections: this.settings.connections,
      requests: result.requests,
      errors: result.errors,
      errorDetail: result.errorDetail,
      durationMs: result.durationMs,
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      ...(pid
        ? { cpuMs: cpuAfter - cpuBefore, workerdExceptions: this.exceptions(side) - exceptionsBefore }
        : {}),
      ...(bridgeBefore && bridgeAfter ? { bridge: bridgeDelta(bridgeBefore, bridgeAfter) } : {}),
      ...(rss ? { peakRssMb: this.peakRssMb } : {}),
      machineBusyCores: machineBusy,
      elsewhereBusyCores: elsewhere,
      noisy: elsewhere > NOISY_CORES,
    });
  }

  /**
   * Runs a measured phase; when other work on the machine was busy during it, once more, and the
   * first run is left out of the figures (the second, if noisy too, is marked noisy).
   */
  async measured(run: () => Promise<void>): Promise<void> {
    await run();
    const first = this.phases.at(-1);
    if (!first?.noisy) return;
    log(
      `${phaseName(first)}: ${first.elsewhereBusyCores?.toFixed(2)} cores busy elsewhere; running it again`,
    );
    first.discarded = true;
    await run();
  }

  private record(phase: PhaseRecord): void {
    this.phases.push(phase);
    // After Ctrl-C the children are being stopped: what fails now is no finding.
    if (interrupted) throw new Error("interrupted");
    const rate = phase.kind.startsWith("c1")
      ? `p50 ${phase.p50Ms.toFixed(2)} ms`
      : `${Math.round(phase.requestsPerSecond)} req/s, p50 ${phase.p50Ms.toFixed(2)} ms`;
    const cpu = phase.cpuMs !== undefined ? `, cpu ${(phase.cpuMs / phase.requests).toFixed(3)} ms/req` : "";
    const elsewhere =
      phase.elsewhereBusyCores !== undefined ? ` (${phase.elsewhereBusyCores.toFixed(2)} elsewhere)` : "";
    const busy =
      phase.machineBusyCores !== undefined
        ? `, machine ${phase.machineBusyCores.toFixed(2)} cores busy${elsewhere}`
        : "";
    const exceptions = phase.workerdExceptions ? `, ${phase.workerdExceptions} exceptions logged` : "";
    const errors = phase.errors > 0 ? `, ${phase.errors} ERRORS ${JSON.stringify(phase.errorDetail)}` : "";
    log(
      `${phaseName(phase).padEnd(32)} ${String(phase.requests).padStart(6)} req, ${rate}${cpu}${busy}${exceptions}${errors}`,
    );
    this.checkAlive();
  }
}

async function main(): Promise<number> {
  let settings: Settings | null;
  try {
    settings = parseSettings();
  } catch (error) {
    console.error(`${errorText(error)}\n\n${USAGE}`);
    return 2;
  }
  if (!settings) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  const report: BenchReport = {
    tool: "edge-relay bench",
    startedAt: new Date().toISOString(),
    finishedAt: "",
    ok: false,
    settings: {
      quick: settings.quick,
      rounds: settings.rounds,
      loadTool: settings.tool,
      connections: settings.connections,
      c1PhaseMs: settings.c1DurationMs,
      cNPhaseSeconds: settings.cNDurationSec,
      accounts: ACCOUNTS,
      sessions: SESSIONS,
      model: MODEL,
    },
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      relayVersion: packageVersion(),
    },
    phases: [],
  };

  let runner: Runner | null = null;
  let relayWorkerd: Child | null = null;
  try {
    const stack = await setUp(report);
    relayWorkerd = stack.workerd;
    const targets = targetsOf(stack);
    await smokeTest(stack, targets);
    if (settings.soakMinutes > 0) {
      const soak = await runSoak(settings.tool, targets.relay, stack.workerd.pid, settings.soakMinutes, log);
      mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
      writeFileSync(join(ROOT, "bench", "results", "soak.json"), `${JSON.stringify(soak, null, 2)}\n`);
      console.log(
        `soak: ${soak.requests} requests over ${settings.soakMinutes} min, ${soak.errors} errors; ` +
          `RSS ${soak.rssFirstMb.toFixed(0)} → ${soak.rssLastMb.toFixed(0)} MB (peak ${soak.rssPeakMb.toFixed(0)}): ` +
          (soak.ok ? "ok" : "FAILED"),
      );
      return soak.ok ? 0 : 1;
    }
    await sleep(500);
    const idleRssMb = memoryOf(stack.workerd.pid).rssMb;
    runner = new Runner(settings, stack, targets);

    log("warm-up");
    for (const side of ["direct", "relay"] as const) {
      await runner.sequential(side, false, 0, true);
      await runner.sequential(side, true, 0, true);
    }
    for (const side of ["direct", "relay"] as const) {
      await runner.concurrent(side, false, 0, true);
      await runner.concurrent(side, true, 0, true);
    }
    await runner.concurrent("hello", false, 0, true);

    const idleCpuStart = cpuOf(stack.workerd.pid);
    const idleMachineStart = machineCpu();
    const idleStartedAt = performance.now();
    await sleep(1_000);
    const idleElapsed = performance.now() - idleStartedAt;
    const idleCpuMsPerSecond = ((cpuOf(stack.workerd.pid).ms - idleCpuStart.ms) * 1000) / idleElapsed;
    const backgroundBusyCores = busyCores(idleMachineStart, machineCpu(), idleElapsed);
    // Processes counted in workerd's CPU: 1 means it runs no child process (its threads all count).
    report.environment.workerdProcesses = idleCpuStart.processes;

    const bridgeStart = await bridgeStats(stack.bridgeUrl, stack.bridgeToken);
    const windowStartedAt = performance.now();
    for (let round = 0; round < settings.rounds; round++) {
      log(`round ${round + 1} of ${settings.rounds}`);
      // Alternate which side goes first, so a drift over the run does not favour one side.
      const order: ("direct" | "relay")[] = round % 2 === 0 ? ["direct", "relay"] : ["relay", "direct"];
      for (const stream of [false, true]) {
        for (const side of order) await runner.sequential(side, stream, round, false);
      }
      const measuring = runner;
      for (const stream of [false, true]) {
        for (const side of order)
          await measuring.measured(() => measuring.concurrent(side, stream, round, false));
        if (!stream) await measuring.measured(() => measuring.concurrent("hello", false, round, false));
      }
    }
    await sleep(500);
    const bridgeEnd = await bridgeStats(stack.bridgeUrl, stack.bridgeToken);
    const memory = memoryOf(stack.workerd.pid);

    report.phases = runner.phases;
    report.results = computeResults({
      phases: runner.phases,
      samples: runner.samples,
      percentile,
      memory: {
        idleRssMb,
        peakRssMb: runner.peakRssMb,
        hwmMb: memory.hwmMb,
        afterLoadRssMb: memory.rssMb,
      },
      idleCpuMsPerSecond,
      backgroundBusyCores,
      bridgeWindow: bridgeDelta(bridgeStart, bridgeEnd),
      windowSeconds: (performance.now() - windowStartedAt) / 1000,
    });
    report.ok = report.results.errors.total === 0;
    if (!report.ok) report.failure = `${report.results.errors.total} requests failed`;
  } catch (error) {
    report.ok = false;
    report.failure = errorText(error);
    if (runner) report.phases = runner.phases;
  } finally {
    if (relayWorkerd) report.workerdLog = relayWorkerd.tail(40);
    log("stopping workerd, the fake upstream, the bridge and redis");
    await cleanupAll();
  }
  report.finishedAt = new Date().toISOString();
  report.environment.seconds = Math.round((Date.now() - started) / 1000);

  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  if (settings.jsonOnly) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    console.log(formatTable(report));
    const commit = report.environment.gitCommit
      ? `relay at ${report.environment.gitCommit}${report.environment.relayFilesChangedSinceCommit === "yes" ? " + uncommitted changes" : ""}; `
      : "";
    console.log(
      `\n(${report.environment.seconds} s; ${commit}JSON in ${RESULTS_FILE.slice(ROOT.length + 1)})`,
    );
  }
  if (!report.ok) console.error(`bench FAILED: ${report.failure}`);
  return report.ok ? 0 : 1;
}

/** The commit the relay was built from, and whether the relay's files differed from it. */
function gitState(): { commit: string; relayFilesChanged: boolean } {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    const changed = execFileSync(
      "git",
      ["status", "--porcelain", "--", "worker", "durable-objects", "wrangler.jsonc", "package-lock.json"],
      { cwd: ROOT, encoding: "utf8" },
    ).trim();
    return { commit, relayFilesChanged: changed !== "" };
  } catch {
    return { commit: "", relayFilesChanged: false };
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "";
  } catch {
    return "";
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every child process`);
    void cleanupAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

process.exit(await main());
