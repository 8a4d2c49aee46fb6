// What a key's usage counts, end to end through the relay and the write-behind: costs summed
// exactly (no per-request rounding), and only requests an upstream answered.
import { beforeEach, describe, expect, it } from "vitest";
import {
  admin,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsageReport,
  messages,
  sentFor,
  testEnv,
  waitFor,
} from "./helpers.ts";

let token: string;

beforeEach(async () => {
  token = await freshKeyspace();
});

interface Counters {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  /** USD (only in views that show it, like the summary). */
  cost?: number;
}
interface Live {
  window: { requests: number; costMicroUsd: number } | null;
  spend: { dayCostMicroUsd: number; totalCostMicroUsd: number };
}

const live = async (keyId: string) => (await admin<Live>(token, "GET", `/keys/${keyId}/live`)).body;
const recentErrors = async () =>
  (await admin<{ errors: Array<{ status: number; message: string }> }>(token, "GET", "/errors/recent")).body
    .errors;

const NO_ACCOUNT = "No available claude accounts";
/** The parked "529" account's answer, passed on or wrapped by the relay: an upstream saw it. */
async function expectUpstreamAnswered(response: Response) {
  const text = await response.text();
  expect(response.status).toBeGreaterThanOrEqual(500);
  expect(text).toContain("529");
  expect(text).not.toContain(NO_ACCOUNT);
}
/** Refused by the relay itself: no account was left to ask. */
async function expectRefusedBeforeUpstream(response: Response) {
  expect(response.status).toBe(503);
  expect(await response.text()).toContain(NO_ACCOUNT);
}
const gateSettled = (keyId: string) => testEnv.KEY_GATE.getByName(keyId).snapshot();

// claude-3-5-haiku in the shipped table: $0.80 / $4 per million tokens, i.e. 800,000 and
// 4,000,000 pico-dollars a token. Integers, so the sum below is exact by construction.
const HAIKU_PICO = { input: 800_000, output: 4_000_000 };

describe("cost totals", () => {
  it("equal the sum of the exact per-request costs (50 requests with sub-micro-dollar parts)", async () => {
    await createConsoleAccount(token, "ok");
    const key = await createKey(token);
    let exactPico = 0;
    for (let i = 0; i < 50; i++) {
      // Prompts of different lengths: most requests cost a fraction of a micro-dollar more than a whole.
      const response = await messages(key.secret, {
        model: "claude-3-5-haiku-20241022",
        messages: [{ role: "user", content: `Hello ${"x".repeat(i * 3 + 2)}` }],
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get("request-id") ?? response.headers.get("x-request-id");
      await response.text();
      const sent = await sentFor(requestId);
      if (!sent) throw new Error("the fake upstream did not report its usage");
      exactPico += sent.input_tokens * HAIKU_PICO.input + sent.output_tokens * HAIKU_PICO.output;
    }
    // The exact total has a fractional micro-dollar part, or the test would prove nothing.
    expect(exactPico % 1_000_000).not.toBe(0);
    const usage = await waitFor(
      () => keyUsageReport(token, key.id),
      (u) => u.total.requests === 50,
    );
    expect(usage.total.requests).toBe(50);
    expect(usage.total.costMicroUsd).toBe(exactPico / 1e6);
    expect(usage.today.costMicroUsd).toBe(exactPico / 1e6);
    // The whole relay's summary (this keyspace has no other usage), also in USD.
    const summary = (await admin<{ total: Counters }>(token, "GET", "/usage/summary")).body;
    expect(summary.total.costMicroUsd).toBe(exactPico / 1e6);
    expect(summary.total.cost).toBe(exactPico / 1e12);
    // The key's gate (cost quotas, live spend) counts the same amount.
    const spend = (await live(key.id)).spend;
    expect(spend.totalCostMicroUsd).toBe(exactPico / 1e6);
    expect(spend.dayCostMicroUsd).toBe(exactPico / 1e6);
  });
});

describe("requests no upstream answered", () => {
  it("are not requests of the key's usage, but are listed in recent errors", async () => {
    // The account answers 529 (an upstream answer: counted) and is parked; the next requests are
    // refused by the relay itself (503, no available account) and must not count.
    await createConsoleAccount(token, "529");
    const key = await createKey(token, { limits: { rateLimitWindowMinutes: 60, rateLimitRequests: 100 } });
    await expectUpstreamAnswered(await messages(key.secret, {}));
    for (let i = 0; i < 3; i++) await expectRefusedBeforeUpstream(await messages(key.secret, {}));
    await createConsoleAccount(token, "ok");
    for (let i = 0; i < 3; i++) {
      const served = await messages(key.secret, {});
      expect(served.status).toBe(200);
      await served.text();
    }
    // All seven settled and flushed (the three refusals among the recent errors) …
    const errors = await waitFor(recentErrors, (e) => e.length >= 4);
    expect(errors).toHaveLength(4);
    expect(errors.filter((e) => e.message.includes(NO_ACCOUNT))).toHaveLength(3);
    await waitFor(
      async () => (await gateSettled(key.id)).unflushed,
      (n) => n === 0,
    );
    // … but the key's usage counts the four requests an upstream answered, not the refusals.
    const usage = await keyUsageReport(token, key.id);
    expect(usage.total.requests).toBe(4);
    expect(usage.today.requests).toBe(4);
    expect((await live(key.id)).window?.requests).toBe(4);
  });

  it("do not use up the key's rate window", async () => {
    // Three requests a window. The first is answered (529) and parks the only account; the three
    // after it are refused by the relay; once an account is back, two more fit in the window.
    await createConsoleAccount(token, "529");
    const key = await createKey(token, { limits: { rateLimitWindowMinutes: 60, rateLimitRequests: 3 } });
    await expectUpstreamAnswered(await messages(key.secret, {}));
    for (let i = 0; i < 3; i++) await expectRefusedBeforeUpstream(await messages(key.secret, {}));
    await createConsoleAccount(token, "ok");
    // The gate gets each refusal's settle in the background: wait until it has given them back.
    await waitFor(
      async () => (await gateSettled(key.id)).window?.requests ?? 0,
      (n) => n === 1,
    );
    for (let i = 0; i < 2; i++) {
      const served = await messages(key.secret, {});
      expect(served.status).toBe(200);
      await served.text();
    }
    const fourth = await messages(key.secret, {});
    expect(fourth.status).toBe(429);
    await fourth.text();
  });
});
