// Helpers for driving a running relay the way an operator does: the CLI's admin login, keys
// and accounts created through the admin API.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../dev/stack.ts";
import type { TestStack } from "./stack.ts";

export async function adminToken(stack: TestStack): Promise<string> {
  const response = await fetch(`${stack.relayUrl}/admin/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(stack.adminLogin),
  });
  if (!response.ok) throw new Error(`admin login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export async function adminCall<T>(
  stack: TestStack,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${stack.relayUrl}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, with a hard time limit. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 150_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The operator CLI (`npm run cli`), pointed at this stack. */
export function operatorCli(stack: TestStack, args: string[]): Promise<CliResult> {
  return run(process.execPath, [join(REPO_ROOT, "dev/cli/main.ts"), ...args], {
    ...process.env,
    EDGE_RELAY_URL: stack.relayUrl,
    EDGE_RELAY_ADMIN_USER: stack.adminLogin.username,
    EDGE_RELAY_ADMIN_PASSWORD: stack.adminLogin.password,
  });
}

/** Where the real AI CLIs are installed (by .ci/run or `npm run setup:clis`). */
export const CLI_BIN_DIR = process.env.CLI_BIN_DIR ?? join(REPO_ROOT, ".tools/clis/node_modules/.bin");
export const RUN_CLI = process.env.RUN_CLI_SCRIPT ?? join(REPO_ROOT, "../shared/clients/run-cli.sh");

export function hasCli(name: string): boolean {
  return existsSync(join(CLI_BIN_DIR, name)) && existsSync(RUN_CLI);
}
