// The setup most end-to-end files share: the fake upstream, a stack, the admin's token, and a
// relay key made by the operator CLI or the admin API.
import { expect } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../../dev/fake-upstream/server.ts";
import { adminCall, adminToken, operatorCli } from "./relay.ts";
import { startTestStack, type TestStack, type TestStackOptions } from "./stack.ts";

export interface RelaySession {
  upstream: FakeUpstream;
  stack: TestStack;
  token: string;
  /** Stops the stack, then the fake upstream. */
  stop(): Promise<void>;
}

/** Starts the fake upstream and a stack; what was started is stopped again if a later step fails. */
export async function startRelaySession(options: TestStackOptions = {}): Promise<RelaySession> {
  const upstream = await startFakeUpstream();
  let stack: TestStack | undefined;
  const stop = async () => {
    await stack?.stop();
    await upstream.close();
  };
  try {
    stack = await startTestStack(options);
    return { upstream, stack, token: await adminToken(stack), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs the operator CLI with `--json`, expects it to succeed, and returns what it printed. */
export async function cliJson<T = Record<string, unknown>>(stack: TestStack, args: string[]): Promise<T> {
  const result = await operatorCli(stack, [...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

export interface RelayKey {
  id: string;
  secret: string;
}

/** A relay key made with `keys create` of the operator CLI. */
export async function cliKey(stack: TestStack, name: string): Promise<RelayKey> {
  const created = await cliJson<{ key: { id: string }; secret: string }>(stack, [
    "keys",
    "create",
    "--name",
    name,
  ]);
  return { id: created.key.id, secret: created.secret };
}

/** A relay key made through the admin API. */
export async function apiKey(stack: TestStack, token: string, name: string): Promise<RelayKey> {
  const created = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
    name,
  });
  return { id: created.key.id, secret: created.secret };
}
