// Small process and network helpers shared by the local stack's pieces (redis, wrangler, bridge).
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export const LOOPBACK = "127.0.0.1";

/** A free TCP port on 127.0.0.1, as the kernel hands it out (bind to 0, read it, release it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not find a free port"))));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:port right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/** Polls `check` until it returns true; throws `TimeoutError`-like Error after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** Resolves once the child has exited (immediately if it already has). */
export function exitOf(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Keeps the last `maxChars` characters of a stream of output, for error messages. */
export class OutputTail {
  private text = "";
  private readonly maxChars: number;

  constructor(maxChars = 8_000) {
    this.maxChars = maxChars;
  }

  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.maxChars);
  }

  lines(count = 40): string {
    return this.text.split("\n").slice(-count).join("\n").trimEnd();
  }
}

// ---- children in their own process group ------------------------------------------------
// Children are spawned `detached` (a process group of their own) so that the terminal's Ctrl-C
// reaches only the stack, which then stops them in order. If the stack dies without stopping
// them, the `exit` hook below still kills every group it started.

const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function trackProcessGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  liveGroups.add(pid);
  child.once("exit", () => liveGroups.delete(pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const group of liveGroups) signalGroup(group, "SIGKILL");
    });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a detached child and everything in its process group. The signal goes to the child
 * alone first, so it can shut its own children down and reap them (wrangler stops workerd);
 * SIGKILL to the whole group if the child has not exited after `graceMs`, or if anything of
 * the group is still there a moment after it did. Resolves when the child has exited.
 */
export async function stopProcessGroup(
  child: ChildProcess,
  { signal = "SIGTERM", graceMs = 5_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<ExitInfo> {
  const exited = exitOf(child);
  const pid = child.pid;
  if (pid === undefined) return exited;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
  const exit = await exited;
  clearTimeout(timer);
  for (let waited = 0; waited < 2_000 && groupAlive(pid); waited += 100) await sleep(100);
  signalGroup(pid, "SIGKILL");
  liveGroups.delete(pid);
  return exit;
}
