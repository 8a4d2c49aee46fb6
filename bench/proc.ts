// Child processes of the bench (workerd, fake upstream, Upstash bridge) and what /proc says about
// them. Every child runs in its own process group (so the terminal's Ctrl-C reaches only the
// bench, which then stops them in order) and is registered in one cleanup list.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import {
  describeExit,
  type ExitInfo,
  exitOf,
  OutputTail,
  stopProcessGroup,
  trackProcessGroup,
} from "../dev/process.ts";

// ---- cleanup ------------------------------------------------------------------------------

const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | null = null;

/** Registers a stop step (steps run newest first); returns a function that unregisters it. */
export function onCleanup(name: string, run: () => Promise<void>): () => void {
  const step = { name, run };
  cleanups.push(step);
  return () => {
    const index = cleanups.indexOf(step);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

/** Runs every stop step once (newest first), whatever fails. Safe to call twice. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        console.error(`bench: stopping ${step.name} failed: ${errorText(error)}`);
      }
    }
  })();
  return cleaning;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- children -----------------------------------------------------------------------------

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  exited: Promise<ExitInfo>;
  /** Set once the child has exited. */
  exit(): ExitInfo | null;
  /** The last lines it printed (stdout and stderr). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdin open as a pipe (a child can watch it to notice that the bench died). */
  stdinPipe?: boolean;
  /** Called with every complete line of stdout. */
  onStdoutLine?: (line: string) => void;
  /** Called with every complete line of stdout and stderr. */
  onAnyLine?: (line: string) => void;
}

/** Spawns a child in its own process group and registers its stop in the cleanup list. */
export function startChild(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: [options.stdinPipe ? "pipe" : "ignore", "pipe", "pipe"],
  });
  trackProcessGroup(child);
  const output = new OutputTail(20_000);
  const splitter = (onLine: ((line: string) => void) | undefined) => {
    let partial = "";
    return (chunk: Buffer) => {
      if (!onLine) return;
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    };
  };
  const stdoutLines = splitter(options.onStdoutLine);
  const stdoutAny = splitter(options.onAnyLine);
  const stderrAny = splitter(options.onAnyLine);
  child.stdout?.on("data", (chunk: Buffer) => {
    output.push(chunk);
    stdoutLines(chunk);
    stdoutAny(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output.push(chunk);
    stderrAny(chunk);
  });
  // A spawn failure (ENOENT) surfaces as an exit.
  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      output.push(`spawn failed: ${error.message}\n`);
      exitInfo ??= { code: -1, signal: null };
      resolve(exitInfo);
    });
    void exitOf(child).then((exit) => {
      exitInfo ??= exit;
      resolve(exit);
    });
  });
  let stopping: Promise<void> | null = null;
  const handle: Child = {
    name,
    pid: child.pid ?? 0,
    process: child,
    exited,
    exit: () => exitInfo,
    tail: (lines = 30) => output.lines(lines),
    stop() {
      stopping ??= (async () => {
        if (exitInfo) return;
        child.stdin?.end();
        await stopProcessGroup(child, { signal: "SIGTERM", graceMs: 3_000 });
      })();
      return stopping;
    },
  };
  const unregister = onCleanup(name, () => handle.stop());
  void exited.then(unregister);
  return handle;
}

/** Rejects with the child's last output if it exits before `ready` settles. */
export async function untilReady<T>(child: Child, ready: Promise<T>, what: string): Promise<T> {
  const died = child.exited.then((exit) => {
    throw new Error(`${child.name} ${describeExit(exit)} before ${what}:\n${child.tail()}`);
  });
  return Promise.race([ready, died]);
}

// ---- /proc --------------------------------------------------------------------------------

let clockTicks: number | null = null;

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on every usual Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Direct and indirect children of a process (from every thread's `children` list). */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let text = "";
      try {
        text = readFileSync(`/proc/${parent}/task/${tid}/children`, "utf8");
      } catch {
        continue;
      }
      for (const child of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
        if (!found.includes(child)) {
          found.push(child);
          visit(child);
        }
      }
    }
  };
  visit(pid);
  return found;
}

/** CPU time (user + system, every thread) of one process in ms; null if it is gone. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

export interface CpuSample {
  /** The process and its live descendants, ms. */
  ms: number;
  /** How many processes were counted (1 = no children). */
  processes: number;
}

/** CPU time of a process plus its live descendants. */
export function cpuOf(pid: number): CpuSample {
  let ms = processCpuMs(pid) ?? 0;
  let processes = 1;
  for (const child of descendants(pid)) {
    const childMs = processCpuMs(child);
    if (childMs !== null) {
      ms += childMs;
      processes++;
    }
  }
  return { ms, processes };
}

export interface MemorySample {
  /** VmRSS, MB (process and live descendants). */
  rssMb: number;
  /** VmHWM (peak RSS so far), MB, of the process itself. */
  hwmMb: number;
}

function statusField(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function memoryOf(pid: number): MemorySample {
  let rssMb = statusField(pid, "VmRSS");
  for (const child of descendants(pid)) rssMb += statusField(child, "VmRSS");
  return { rssMb, hwmMb: statusField(pid, "VmHWM") };
}

/** Samples RSS every `intervalMs` until stopped; returns the highest sample. */
export function watchPeakRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = memoryOf(pid).rssMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid).rssMb);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, memoryOf(pid).rssMb);
      return peak;
    },
  };
}

/**
 * CPU time of this process, the children it has reaped (finished load-tool runs) and its live
 * descendants (workerd, the fake upstream, redis, the bridge), ms: everything the bench itself
 * spends, to tell other work on the machine apart from it.
 */
export function benchCpuMs(): number {
  let reaped = 0;
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime: fields 16 and 17 (1-based), CPU of waited-for children.
    reaped = ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond();
  } catch {
    reaped = 0;
  }
  return cpuOf(process.pid).ms + reaped;
}

/** Machine-wide CPU time so far (all cores, from /proc/stat), ms: busy and total. */
export function machineCpu(): { busyMs: number; totalMs: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const scale = 1000 / ticksPerSecond();
    return { busyMs: (total - idle) * scale, totalMs: total * scale };
  } catch {
    return { busyMs: 0, totalMs: 0 };
  }
}

/** Cores busy on average between two machineCpu() samples taken `elapsedMs` apart. */
export function busyCores(before: { busyMs: number }, after: { busyMs: number }, elapsedMs: number): number {
  return elapsedMs > 0 ? (after.busyMs - before.busyMs) / elapsedMs : 0;
}
