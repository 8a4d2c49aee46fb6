// One account test's result as its history keeps it (records/account-tests.ts).
import type { AccountTestResult } from "../admin/account-test.ts";
import type { AccountTestRun } from "../keyspace/records/account-tests.ts";

export function runOf(
  result: AccountTestResult,
  source: AccountTestRun["source"],
  at: number,
): AccountTestRun {
  return {
    v: 1,
    at: new Date(at).toISOString(),
    source,
    ok: result.ok,
    status: result.status,
    latencyMs: result.latencyMs,
    model: result.model,
    ...(result.upstreamModel ? { upstreamModel: result.upstreamModel } : {}),
    ...(result.message ? { message: result.message.slice(0, 500) } : {}),
  };
}
