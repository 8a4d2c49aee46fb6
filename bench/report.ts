// Turning the phases of a run into figures, targets, one text table and the JSON file.
import type { BridgeCallStats } from "./bridge-child.ts";

export type Side = "direct" | "relay" | "hello";
export type PhaseKind = "c1-json" | "c1-stream" | "cN-json" | "cN-stream";

/** One measured (or warm-up) load phase against one side. */
export interface PhaseRecord {
  round: number;
  warmup: boolean;
  side: Side;
  kind: PhaseKind;
  connections: number;
  requests: number;
  errors: number;
  errorDetail: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  /** c=1: per request samples are kept apart (see samples); c=N: the load tool's percentiles. */
  p50Ms: number;
  p99Ms: number;
  /** Streaming c=1 phases: time to first body byte. */
  firstByteP50Ms?: number;
  firstByteP99Ms?: number;
  /** workerd CPU over the phase (user + system, all threads and children), ms. */
  cpuMs?: number;
  /**
   * Log lines of workerd mentioning an exception during the phase. At the end of a c=N phase the
   * load tool drops its in-flight requests, which workerd logs as "reader canceled".
   */
  workerdExceptions?: number;
  /** The Worker's keyspace calls over the phase (relay phases). */
  bridge?: BridgeCallStats;
  /** Highest workerd RSS sampled during the phase, MB (c=N relay phases). */
  peakRssMb?: number;
  /** Cores busy machine-wide during the phase, on average (c=N phases): everything, not only the bench. */
  machineBusyCores?: number;
  /** Of those, cores busy with work that is not the bench's (other processes on the machine). */
  elsewhereBusyCores?: number;
  /** Run while other work kept more than NOISY_CORES busy: repeated, and left out of the figures when the repeat was quiet. */
  noisy?: boolean;
  /** A noisy phase that was run again: the repeat counts instead. */
  discarded?: boolean;
}

/** Other work on the machine above this many cores makes a phase's figures noise. */
export const NOISY_CORES = 0.25;

export interface Figure {
  key: string;
  label: string;
  unit: "ms" | "req/s";
  direct: number;
  relay: number;
  /** relay ÷ direct. */
  ratio: number;
  /** relay − direct, ms (latency figures only). */
  addedMs: number | null;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  pass: boolean;
}

export interface BenchResults {
  figures: Figure[];
  hello: {
    requestsPerSecond: number;
    relayJsonRatio: number;
    relayStreamRatio: number;
    cpuMsPerRequest: number;
  };
  memory: { idleRssMb: number; peakRssMb: number; hwmMb: number; afterLoadRssMb: number };
  cpuMsPerRequest: { c1Json: number; c1Stream: number; cNJson: number; cNStream: number };
  /** The idle workerd's own CPU use, ms per second (timers, alarms), measured before the rounds. */
  idleCpuMsPerSecond: number;
  /** Cores busy machine-wide while the bench itself was idle (before the rounds): other work's noise. */
  backgroundBusyCores: number;
  /** The Worker's keyspace (Upstash bridge) calls over the measured rounds. */
  bridge: BridgeCallStats & {
    relayRequests: number;
    seconds: number;
    callsPerRelayRequest: number;
    readsPerRelayRequest: number;
    writesPerRelayRequest: number;
    writesPerSecond: number;
  };
  errors: { total: number; phases: { phase: string; errorDetail: Record<string, number> }[] };
  targets: TargetCheck[];
}

export interface BenchReport {
  tool: "edge-relay bench";
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  failure?: string;
  settings: Record<string, string | number | boolean>;
  environment: Record<string, string | number>;
  results?: BenchResults;
  phases: PhaseRecord[];
  /** The last lines workerd (relay) printed, for failed runs and surprises. */
  workerdLog?: string;
}

export const phaseName = (p: Pick<PhaseRecord, "side" | "kind" | "connections" | "round" | "warmup">) =>
  `${p.warmup ? "warm-up" : `round ${p.round + 1}`} ${p.side} ${p.kind.replace("cN", `c${p.connections}`)}`;

/** The measured phases run while other work was busy (after a repeat, if any), for the report's note. */
export const noisyPhases = (phases: PhaseRecord[]) =>
  phases.filter((p) => !p.warmup && !p.discarded && p.noisy).map(phaseName);

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

/** Columns padded to a common width: the first left-aligned, the others right-aligned unless `left`. */
function pad(cells: string[][], left = false): string {
  const widths = cells[0]?.map((_, col) => Math.max(...cells.map((row) => row[col]?.length ?? 0))) ?? [];
  return cells
    .map((row) =>
      row
        .map((cell, col) =>
          col === 0 || left ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function shapes(byShape: Record<string, number>): string {
  const entries = Object.entries(byShape).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "none" : entries.map(([shape, n]) => `${shape} ×${n}`).join(", ");
}

export function formatTable(report: BenchReport): string {
  const r = report.results;
  const lines: string[] = [];
  if (!r) return `bench failed: ${report.failure ?? "no results"}`;
  const rows: string[][] = [["figure", "direct", "relay", "relay÷direct", "added ms"]];
  for (const f of r.figures) {
    rows.push([
      `${f.label} (${f.unit})`,
      fmt(f.direct, f.unit === "ms" ? 2 : 0),
      fmt(f.relay, f.unit === "ms" ? 2 : 0),
      `${fmt(f.ratio)}×`,
      f.addedMs === null ? "" : `${f.addedMs >= 0 ? "+" : ""}${fmt(f.addedMs)}`,
    ]);
  }
  lines.push(pad(rows), "");

  const other: string[][] = [["other figure", "value"]];
  other.push(
    [`hello-world Worker c=${report.settings.connections} req/s`, fmt(r.hello.requestsPerSecond, 0)],
    ["relay ÷ hello throughput, JSON", `${fmt(r.hello.relayJsonRatio)}×`],
    ["relay ÷ hello throughput, stream", `${fmt(r.hello.relayStreamRatio)}×`],
    ["workerd RSS idle (MB)", fmt(r.memory.idleRssMb, 1)],
    ["workerd RSS peak under load (MB)", fmt(r.memory.peakRssMb, 1)],
    ["workerd RSS after load (MB)", fmt(r.memory.afterLoadRssMb, 1)],
    ["workerd RSS high-water mark, VmHWM (MB)", fmt(r.memory.hwmMb, 1)],
    ["workerd CPU ms/request, c=1 JSON", fmt(r.cpuMsPerRequest.c1Json, 3)],
    ["workerd CPU ms/request, c=1 stream", fmt(r.cpuMsPerRequest.c1Stream, 3)],
    [`workerd CPU ms/request, c=${report.settings.connections} JSON`, fmt(r.cpuMsPerRequest.cNJson, 3)],
    [`workerd CPU ms/request, c=${report.settings.connections} stream`, fmt(r.cpuMsPerRequest.cNStream, 3)],
    ["hello-world workerd CPU ms/request", fmt(r.hello.cpuMsPerRequest, 3)],
    ["workerd idle CPU (ms per s)", fmt(r.idleCpuMsPerSecond, 2)],
    [
      `other work on the machine while the bench idled (cores of ${report.environment.cpus})`,
      fmt(r.backgroundBusyCores, 2),
    ],
    [
      "bridge calls per relay request",
      `${fmt(r.bridge.callsPerRelayRequest, 4)} (${r.bridge.calls} calls / ${r.bridge.relayRequests} requests)`,
    ],
    [
      "  of which reads / writes per request",
      `${fmt(r.bridge.readsPerRelayRequest, 4)} / ${fmt(r.bridge.writesPerRelayRequest, 4)}`,
    ],
    [
      "  writes per second (write-behind)",
      `${fmt(r.bridge.writesPerSecond, 2)} over ${fmt(r.bridge.seconds, 0)} s`,
    ],
    ["  calls by shape", shapes(r.bridge.byShape)],
    ["errors (all phases, warm-up included)", String(r.errors.total)],
  );
  lines.push(pad(other, true), "");

  const targets: string[][] = [["target", "goal", "measured", ""]];
  for (const t of r.targets) targets.push([t.name, t.goal, t.measured, t.pass ? "pass" : "MISS"]);
  lines.push(pad(targets, true));
  if (r.backgroundBusyCores > NOISY_CORES) {
    lines.push(
      "",
      `note: other processes kept ${fmt(r.backgroundBusyCores, 2)} cores busy while the bench idled; figures are noisy.`,
    );
  }
  const noisy = noisyPhases(report.phases);
  if (noisy.length > 0) {
    lines.push(
      "",
      `note: other work kept more than ${NOISY_CORES} cores busy during these phases, even when run again: ${noisy.join(", ")}; their figures are noisy.`,
    );
  }

  if (r.errors.total > 0) {
    lines.push("", "ERRORS (a bench with errors is a failed bench):");
    for (const p of r.errors.phases) lines.push(`  ${p.phase}: ${JSON.stringify(p.errorDetail)}`);
  }
  return lines.join("\n");
}

// ---- from phases to results ----------------------------------------------------------------

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const mean = (values: number[]) => (values.length === 0 ? Number.NaN : sum(values) / values.length);

/** Samples of the c=1 phases, merged across rounds, for exact percentiles. */
export interface SequentialSamples {
  direct: { json: number[]; streamFirst: number[]; streamTotal: number[] };
  relay: { json: number[]; streamFirst: number[]; streamTotal: number[] };
}

export interface ResultInputs {
  phases: PhaseRecord[];
  samples: SequentialSamples;
  percentile: (samples: number[], q: number) => number;
  memory: BenchResults["memory"];
  idleCpuMsPerSecond: number;
  backgroundBusyCores: number;
  /** Bridge call counts over the whole measured window (rounds, not warm-up). */
  bridgeWindow: BridgeCallStats;
  windowSeconds: number;
}

export function computeResults(input: ResultInputs): BenchResults {
  const measured = input.phases.filter((p) => !p.warmup && !p.discarded);
  const of = (side: Side, kind: PhaseKind) => measured.filter((p) => p.side === side && p.kind === kind);
  const rps = (side: Side, kind: PhaseKind) => {
    const phases = of(side, kind);
    return sum(phases.map((p) => p.requests)) / (sum(phases.map((p) => p.durationMs)) / 1000);
  };
  const avg = (side: Side, kind: PhaseKind, field: "p50Ms" | "p99Ms") =>
    mean(of(side, kind).map((p) => p[field]));
  const cpuPerRequest = (side: Side, kind: PhaseKind) => {
    const phases = of(side, kind).filter((p) => p.cpuMs !== undefined);
    return sum(phases.map((p) => p.cpuMs ?? 0)) / sum(phases.map((p) => p.requests));
  };
  const connections = measured.find((p) => p.kind === "cN-json")?.connections ?? 0;
  const pct = input.percentile;
  const s = input.samples;

  const figure = (
    key: string,
    label: string,
    unit: Figure["unit"],
    direct: number,
    relay: number,
  ): Figure => ({
    key,
    label,
    unit,
    direct,
    relay,
    ratio: relay / direct,
    addedMs: unit === "ms" ? relay - direct : null,
  });

  const figures: Figure[] = [
    figure("c1JsonP50", "c=1 JSON latency p50", "ms", pct(s.direct.json, 50), pct(s.relay.json, 50)),
    figure("c1JsonP99", "c=1 JSON latency p99", "ms", pct(s.direct.json, 99), pct(s.relay.json, 99)),
    figure(
      "c1StreamTtfbP50",
      "c=1 stream first byte p50",
      "ms",
      pct(s.direct.streamFirst, 50),
      pct(s.relay.streamFirst, 50),
    ),
    figure(
      "c1StreamTtfbP99",
      "c=1 stream first byte p99",
      "ms",
      pct(s.direct.streamFirst, 99),
      pct(s.relay.streamFirst, 99),
    ),
    figure(
      "c1StreamTtlbP50",
      "c=1 stream last byte p50",
      "ms",
      pct(s.direct.streamTotal, 50),
      pct(s.relay.streamTotal, 50),
    ),
    figure(
      "c1StreamTtlbP99",
      "c=1 stream last byte p99",
      "ms",
      pct(s.direct.streamTotal, 99),
      pct(s.relay.streamTotal, 99),
    ),
    figure(
      "cNJsonRps",
      `c=${connections} JSON throughput`,
      "req/s",
      rps("direct", "cN-json"),
      rps("relay", "cN-json"),
    ),
    figure(
      "cNJsonP50",
      `c=${connections} JSON latency p50`,
      "ms",
      avg("direct", "cN-json", "p50Ms"),
      avg("relay", "cN-json", "p50Ms"),
    ),
    figure(
      "cNJsonP99",
      `c=${connections} JSON latency p99`,
      "ms",
      avg("direct", "cN-json", "p99Ms"),
      avg("relay", "cN-json", "p99Ms"),
    ),
    figure(
      "cNStreamRps",
      `c=${connections} stream throughput`,
      "req/s",
      rps("direct", "cN-stream"),
      rps("relay", "cN-stream"),
    ),
    figure(
      "cNStreamP50",
      `c=${connections} stream latency p50`,
      "ms",
      avg("direct", "cN-stream", "p50Ms"),
      avg("relay", "cN-stream", "p50Ms"),
    ),
    figure(
      "cNStreamP99",
      `c=${connections} stream latency p99`,
      "ms",
      avg("direct", "cN-stream", "p99Ms"),
      avg("relay", "cN-stream", "p99Ms"),
    ),
  ];

  const helloRps = rps("hello", "cN-json");
  const relayRequests = sum(measured.filter((p) => p.side === "relay").map((p) => p.requests));
  const bridge = {
    ...input.bridgeWindow,
    relayRequests,
    seconds: input.windowSeconds,
    callsPerRelayRequest: input.bridgeWindow.calls / relayRequests,
    readsPerRelayRequest: input.bridgeWindow.reads / relayRequests,
    writesPerRelayRequest: input.bridgeWindow.writes / relayRequests,
    writesPerSecond: input.bridgeWindow.writes / input.windowSeconds,
  };
  const cpu = {
    c1Json: cpuPerRequest("relay", "c1-json"),
    c1Stream: cpuPerRequest("relay", "c1-stream"),
    cNJson: cpuPerRequest("relay", "cN-json"),
    cNStream: cpuPerRequest("relay", "cN-stream"),
  };
  const errorPhases = input.phases
    .filter((p) => p.errors > 0)
    .map((p) => ({ phase: phaseName(p), errorDetail: p.errorDetail }));
  const byKey = (key: string) => figures.find((f) => f.key === key);

  const c1Added = byKey("c1JsonP50")?.addedMs ?? Number.NaN;
  const ttfbAdded = byKey("c1StreamTtfbP50")?.addedMs ?? Number.NaN;
  const jsonShare = byKey("cNJsonRps")?.ratio ?? Number.NaN;
  const streamShare = byKey("cNStreamRps")?.ratio ?? Number.NaN;
  const targets: TargetCheck[] = [
    {
      name: "added p50 at c=1, non-streaming",
      goal: "≤ 1 ms",
      measured: `${fmt(c1Added)} ms`,
      pass: c1Added <= 1,
    },
    {
      name: "added time to first byte at c=1, streaming (p50)",
      goal: "≤ 2 ms",
      measured: `${fmt(ttfbAdded)} ms`,
      pass: ttfbAdded <= 2,
    },
    {
      name: `workerd CPU per streamed request (c=${connections})`,
      goal: "≤ 0.6 ms",
      measured: `${fmt(cpu.cNStream, 3)} ms`,
      pass: cpu.cNStream <= 0.6,
    },
    {
      name: `relay throughput at c=${connections}, JSON`,
      goal: "≥ 12% of direct",
      measured: `${fmt(jsonShare * 100, 1)}%`,
      pass: jsonShare >= 0.12,
    },
    {
      name: `relay throughput at c=${connections}, stream`,
      goal: "≥ 12% of direct",
      measured: `${fmt(streamShare * 100, 1)}%`,
      pass: streamShare >= 0.12,
    },
    {
      // Reads are what a request can wait on (key record, prices); writes are the KeyGate's
      // write-behind flushes, off the request path, reported apart (per second).
      name: "keyspace reads per request, warm key",
      goal: "0 (< 0.001)",
      measured: `${fmt(bridge.readsPerRelayRequest, 4)} (${bridge.reads} reads)`,
      pass: bridge.readsPerRelayRequest < 0.001,
    },
  ];

  return {
    figures,
    hello: {
      requestsPerSecond: helloRps,
      relayJsonRatio: rps("relay", "cN-json") / helloRps,
      relayStreamRatio: rps("relay", "cN-stream") / helloRps,
      cpuMsPerRequest: cpuPerRequest("hello", "cN-json"),
    },
    memory: input.memory,
    cpuMsPerRequest: cpu,
    idleCpuMsPerSecond: input.idleCpuMsPerSecond,
    backgroundBusyCores: input.backgroundBusyCores,
    bridge,
    errors: { total: sum(input.phases.map((p) => p.errors)), phases: errorPhases },
    targets,
  };
}
