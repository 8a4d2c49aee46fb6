// Scheduled account tests: the cron (ACCOUNT_TEST_CRON, each 5 minutes) claims the accounts whose
// test is due (a bounded number per run, the longest-due first; the rest wait for the next run),
// tests them at once, keeps each result in the account's history and tells the account's pool the
// verdict, as a request's answer would (a 401 parks it, a 429 rate-limits it, a success clears its
// recent errors). Never on a request's path.

import { probeAccount } from "../admin/account-test.ts";
import { type Env, services } from "../env.ts";
import { log } from "../http/log.ts";
import type { AccountTestRun } from "../keyspace/records/account-tests.ts";
import { type AccountRecord, poolNameOf } from "../keyspace/records/accounts.ts";
import { poolOf } from "../relay/schedule.ts";
import { runOf } from "./run.ts";

/** Must match the third cron in wrangler.jsonc. */
export const ACCOUNT_TEST_CRON = "*/5 * * * *";

/**
 * Tests one run starts at most: each is a few subrequests (upstream, pool, keyspace), well within a
 * cron invocation's budget. 8 every 5 minutes keeps 24 accounts on a 15-minute interval.
 */
export const TESTS_PER_RUN = 8;

async function testOne(env: Env, account: AccountRecord): Promise<AccountTestRun> {
  const s = services(env);
  const startedAt = Date.now();
  const { result, outcome } = await probeAccount(env, account);
  const run = runOf(result, "scheduled", startedAt);
  await Promise.all([
    s.keyspace.accountTests.record(account.id, run),
    // No lease was taken: the verdict alone, as a request's release carries it.
    outcome ? poolOf(env, s, poolNameOf(account)).release(null, account.id, outcome) : Promise.resolve(),
  ]);
  return run;
}

/** Runs the tests due at `now` (the cron's scheduled time); how many ran. */
export async function runDueAccountTests(env: Env, now: number): Promise<number> {
  const { keyspace } = services(env);
  const ids = await keyspace.accountTests.claimDue(now, TESTS_PER_RUN);
  const runs = await Promise.all(
    ids.map(async (id) => {
      const account = await keyspace.getAccount(id);
      // Deleted since: its schedule and history go too. Disabled by the admin: not tested, kept.
      if (!account) {
        await keyspace.accountTests.forget(id);
        return 0;
      }
      if (!account.isActive) return 0;
      try {
        await testOne(env, account);
        return 1;
      } catch (error) {
        log("warn", "scheduled account test failed to run", { accountId: id, error: String(error) });
        return 0;
      }
    }),
  );
  return runs.reduce<number>((sum, n) => sum + n, 0);
}
