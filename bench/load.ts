// Load generation. c=1: a sequential node:http client (keep-alive, one socket) that timestamps
// the first body chunk and the end of the body. c=N: wrk (a C program, its own process) with a
// generated Lua script, or autocannon in a child process when wrk is not installed; either way
// the load generator never shares an event loop with anything it measures.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeExit } from "../dev/process.ts";
import { startChild } from "./proc.ts";

export interface Target {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:PORT/api/v1/messages. */
  url: string;
  /** GET without a body when undefined (the hello-world Worker). */
  bodies?: string[];
  headers: Record<string, string>;
  /** Expect an SSE body that ends with message_stop. */
  stream: boolean;
}

/** What a 2xx body must contain to count as a complete answer. */
export function expectedMarker(target: Target): string | null {
  if (!target.bodies) return null;
  return target.stream ? "message_stop" : '"type":"message"';
}

// ---- c=1 ----------------------------------------------------------------------------------

export interface SequentialResult {
  requests: number;
  errors: number;
  errorDetail: Record<string, number>;
  /** Time to the last byte of the body, ms, one per successful request. */
  totalMs: number[];
  /** Time to the first byte of the body, ms, one per successful request. */
  firstByteMs: number[];
  elapsedMs: number;
}

interface OneResult {
  ok: boolean;
  problem?: string;
  firstByteMs: number;
  totalMs: number;
}

function once(agent: Agent, target: Target, body: string | undefined): Promise<OneResult> {
  return new Promise((resolve) => {
    const url = new URL(target.url);
    const headers: Record<string, string | number> = { ...target.headers };
    if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    const started = performance.now();
    let firstByteMs = -1;
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: body === undefined ? "GET" : "POST",
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          chunks.push(chunk);
        });
        res.on("end", () => {
          const totalMs = performance.now() - started;
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            resolve({ ok: false, problem: `status ${status}`, firstByteMs, totalMs });
            return;
          }
          const marker = expectedMarker(target);
          if (marker && !Buffer.concat(chunks).toString("utf8").includes(marker)) {
            resolve({ ok: false, problem: `incomplete body (no ${marker})`, firstByteMs, totalMs });
            return;
          }
          resolve({ ok: true, firstByteMs, totalMs });
        });
        res.on("error", (error) =>
          resolve({ ok: false, problem: `response: ${error.message}`, firstByteMs, totalMs: 0 }),
        );
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", (error) =>
      resolve({ ok: false, problem: `request: ${error.message}`, firstByteMs, totalMs: 0 }),
    );
    req.end(body);
  });
}

/** One request at a time for `durationMs` (and at most `maxRequests`), bodies in turn. */
export async function runSequential(
  target: Target,
  options: { durationMs: number; maxRequests?: number; offset?: number },
): Promise<SequentialResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const result: SequentialResult = {
    requests: 0,
    errors: 0,
    errorDetail: {},
    totalMs: [],
    firstByteMs: [],
    elapsedMs: 0,
  };
  const bodies = target.bodies;
  const started = performance.now();
  let consecutiveErrors = 0;
  try {
    while (performance.now() - started < options.durationMs) {
      if (options.maxRequests !== undefined && result.requests >= options.maxRequests) break;
      const body = bodies ? bodies[(result.requests + (options.offset ?? 0)) % bodies.length] : undefined;
      const one = await once(agent, target, body);
      result.requests++;
      if (one.ok) {
        consecutiveErrors = 0;
        result.totalMs.push(one.totalMs);
        result.firstByteMs.push(one.firstByteMs);
      } else {
        result.errors++;
        const problem = one.problem ?? "error";
        result.errorDetail[problem] = (result.errorDetail[problem] ?? 0) + 1;
        // A dead target: stop instead of spinning for the rest of the phase.
        if (++consecutiveErrors >= 50) break;
      }
    }
  } finally {
    result.elapsedMs = performance.now() - started;
    agent.destroy();
  }
  return result;
}

// ---- c=N ----------------------------------------------------------------------------------

export type LoadTool = "wrk" | "autocannon";

export interface LoadResult {
  tool: LoadTool;
  connections: number;
  /** Completed requests (any status). */
  requests: number;
  durationMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Non-2xx, incomplete bodies, socket errors and timeouts. */
  errors: number;
  errorDetail: Record<string, number>;
  /** The start of the first failed response's body (wrk only). */
  errorSample?: string;
}

const luaLong = (text: string): string => {
  let level = "=";
  while (text.includes(`]${level}]`)) level += "=";
  return `[${level}[${text}]${level}]`;
};

/** The wrk script: cycles through pre-formatted requests, checks each response, prints JSON. */
export function wrkScript(target: Target): string {
  const url = new URL(target.url);
  const path = url.pathname + url.search;
  const headers = Object.entries(target.headers)
    .map(([name, value]) => `[ ${luaLong(name)} ] = ${luaLong(value)}`)
    .join(", ");
  const bodies = target.bodies ?? [];
  const marker = expectedMarker(target);
  return `-- generated by bench/load.ts
local bodies = { ${bodies.map(luaLong).join(",\n  ")} }
local path = ${luaLong(path)}
local marker = ${marker ? luaLong(marker) : "nil"}
local requests = {}
local index = 0
bad = 0
incomplete = 0
-- count per non-2xx status, and the first such body, so a failure says what it was
statuses = {}
sample = ""

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  if #bodies == 0 then
    requests[1] = wrk.format("GET", path, { ${headers} }, nil)
  else
    for i, body in ipairs(bodies) do
      requests[i] = wrk.format("POST", path, { ${headers} }, body)
    end
  end
  index = math.random(#requests) - 1
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
    if sample == "" and body ~= nil then sample = string.sub(body, 1, 300) end
  elseif marker ~= nil and (body == nil or string.find(body, marker, 1, true) == nil) then
    incomplete = incomplete + 1
  end
end

function done(summary, latency, requests)
  local b, inc = 0, 0
  local counts, first = {}, ""
  for _, thread in ipairs(threads) do
    b = b + thread:get("bad")
    inc = inc + thread:get("incomplete")
    for code, n in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + n end
    if first == "" then first = thread:get("sample") end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, n)) end
  io.write('BENCHSTATUS {"statuses":{' .. table.concat(parts, ",") .. '}}\\n')
  if first ~= "" then io.write("BENCHSAMPLE " .. string.gsub(first, "\\n", " ") .. "\\n") end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad":%d,"incomplete":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, b, inc,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
`;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  bad: number;
  incomplete: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

async function runWrk(
  target: Target,
  options: { connections: number; durationSec: number; threads: number },
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "edge-relay-wrk-"));
  try {
    const script = join(dir, "load.lua");
    writeFileSync(script, wrkScript(target));
    let json: WrkJson | null = null;
    let statuses: Record<string, number> = {};
    let sample = "";
    const child = startChild(
      "wrk",
      "wrk",
      [
        `-t${Math.min(options.threads, options.connections)}`,
        `-c${options.connections}`,
        `-d${options.durationSec}s`,
        "--timeout",
        "10s",
        "-s",
        script,
        target.url,
      ],
      {
        onStdoutLine: (line) => {
          if (line.startsWith("BENCHJSON ")) json = JSON.parse(line.slice("BENCHJSON ".length)) as WrkJson;
          if (line.startsWith("BENCHSTATUS ")) {
            statuses = (JSON.parse(line.slice("BENCHSTATUS ".length)) as { statuses: Record<string, number> })
              .statuses;
          }
          if (line.startsWith("BENCHSAMPLE ")) sample = line.slice("BENCHSAMPLE ".length);
        },
      },
    );
    const exit = await child.exited;
    const parsed = json as WrkJson | null;
    if (exit.code !== 0 || !parsed) {
      throw new Error(`wrk ${describeExit(exit)} without a result:\n${child.tail()}`);
    }
    const errorDetail: Record<string, number> = {};
    const add = (name: string, count: number) => {
      if (count > 0) errorDetail[name] = count;
    };
    const byStatus = Object.entries(statuses);
    if (byStatus.length === 0) add("non-2xx", parsed.bad);
    for (const [status, count] of byStatus) add(`HTTP ${status}`, count);
    add("incomplete body", parsed.incomplete);
    add("connect", parsed.connect);
    add("read", parsed.read);
    add("write", parsed.write);
    add("timeout", parsed.timeout);
    const durationMs = parsed.duration_us / 1000;
    return {
      tool: "wrk",
      connections: options.connections,
      requests: parsed.requests,
      durationMs,
      requestsPerSecond: parsed.requests / (durationMs / 1000),
      p50Ms: parsed.p50_us / 1000,
      p99Ms: parsed.p99_us / 1000,
      meanMs: parsed.mean_us / 1000,
      errors: Object.values(errorDetail).reduce((a, b) => a + b, 0),
      errorDetail,
      ...(sample ? { errorSample: sample } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What bench/autocannon-child.ts reads (JSON in argv[2]) and prints (one JSON line). */
export interface AutocannonSpec {
  target: Target;
  connections: number;
  durationSec: number;
}

async function runAutocannon(
  target: Target,
  options: { connections: number; durationSec: number },
): Promise<LoadResult> {
  const spec: AutocannonSpec = { target, connections: options.connections, durationSec: options.durationSec };
  let line = "";
  const child = startChild(
    "autocannon",
    process.execPath,
    [fileURLToPath(new URL("./autocannon-child.ts", import.meta.url)), JSON.stringify(spec)],
    {
      onStdoutLine: (text) => {
        if (text.startsWith("{")) line = text;
      },
    },
  );
  const exit = await child.exited;
  if (exit.code !== 0 || line === "") {
    throw new Error(`autocannon ${describeExit(exit)} without a result:\n${child.tail()}`);
  }
  return JSON.parse(line) as LoadResult;
}

export function runLoad(
  tool: LoadTool,
  target: Target,
  options: { connections: number; durationSec: number; threads?: number },
): Promise<LoadResult> {
  return tool === "wrk"
    ? runWrk(target, { ...options, threads: options.threads ?? 1 })
    : runAutocannon(target, options);
}

// ---- statistics ---------------------------------------------------------------------------

/** Nearest-rank percentile of unsorted samples; NaN when there are none. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}
