// Scheduled account tests (issue 21 item 5): the admin's interval per account, run by the cron
// (only the due ones, a bounded number per run), a capped history per account, and the verdict of
// a scheduled test told to the account's pool like a request's. Also: the test honours the
// account's model mapping. Against the fake upstream; time is the cron's scheduledTime.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { admin, createConsoleAccount, fakeStats, freshKeyspace, listAccounts } from "./helpers.ts";

interface TestResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  model: string;
  upstreamModel?: string;
  message?: string;
}

describe("account test and model mapping", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("sends the test's model under the name the account's mapping gives it", async () => {
    const id = await createConsoleAccount(token, "ok", {
      models: ["claude-sonnet-4-5"],
      modelMapping: { "claude-sonnet-4-5": "claude-sonnet-4-5-20250929" },
    });
    const result = await admin<TestResult>(token, "POST", `/accounts/${id}/test`);
    expect(result.body).toMatchObject({ ok: true, model: "claude-sonnet-4-5" });
    expect((await fakeStats()).lastRequest.body.model).toBe("claude-sonnet-4-5-20250929");
    expect(result.body.upstreamModel).toBe("claude-sonnet-4-5-20250929");
  });
});
